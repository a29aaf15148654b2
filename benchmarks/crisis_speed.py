"""How long one crisis scan takes, and whether that grows with the size of the lists.

Run from the repo root: `python benchmarks/crisis_speed.py`. Every message is scanned before
anything else the bot does, so the scan must stay fast for a 4 kB message and must not slow
down as clinicians add phrases: the goal is that 10,000 phrases cost at most twice what 100
cost. Times are the best of several runs of many repetitions (time.perf_counter), which is
what the code can do when the machine is not busy with something else.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import yamlfile  # noqa: E402
from bot.crisis import Detector  # noqa: E402
from bot.models import PhraseFile  # noqa: E402

LANGUAGES = ("it", "en", "es", "fr", "de")
GOAL_RATIO = 2.0
GOAL_4K_US = 2000.0

# Ordinary chat in the five languages, with the accents, apostrophes, digits and emoji real
# messages have, so that every reading of the text is exercised.
SENTENCES = [
    "my son is being bullied at school and i don't know what to do",
    "I can't sleep before my exams, I'm so stressed 😩",
    "mio figlio non vuole più andare a scuola, cosa posso fare?",
    "ho litigato con la mia migliore amica e mi sento giù",
    "mi hija no come bien desde hace 2 semanas, estoy preocupada",
    "¿a qué hora atienden? necesito hablar con alguien",
    "ma fille passe toute la nuit sur son téléphone, c'est normal ?",
    "je stresse pour le bac, j'arrive pas à dormir",
    "meine Tochter hängt die ganze Nacht am Handy, was soll ich tun?",
    "ich hab Angst vor den Prüfungen nächste Woche",
    "the therapist said my daughter might have ADHD, is that common?",
    "my parents are getting divorced and I feel like it's my fault",
]


def message(size: int, seed: int = 7) -> str:
    """Ordinary chat of about `size` characters, ending with one crisis phrase."""
    rng = random.Random(seed)
    ending = " i want to die"
    parts: list[str] = []
    length = 0
    while length < size - len(ending):
        s = rng.choice(SENTENCES)
        parts.append(s)
        length += len(s) + 1
    return (" ".join(parts))[: size - len(ending)] + ending


def synthetic(count: int, seed: int = 1) -> list[PhraseFile]:
    """`count` random pronounceable phrases of 2-4 words (a tenth of them stems), in one file:
    lists the size clinicians might grow to, with none of the shipped words."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfglmnprstvz", "aeiou"

    def word() -> str:
        syllables = rng.randint(2, 4)
        return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))

    phrases: set[str] = set()
    while len(phrases) < count:
        p = " ".join(word() for _ in range(rng.randint(2, 4)))
        phrases.add(p + "*" if rng.random() < 0.1 else p)
    ordered = sorted(phrases)
    categories = {f"cat{i}": ordered[i::10] for i in range(10)}
    return [PhraseFile(language="zz", phrases=categories)]


def shipped() -> list[PhraseFile]:
    return [
        yamlfile.parse(yamlfile.load(ROOT / "crisis" / f"{lang}.yaml", ROOT), PhraseFile)
        for lang in LANGUAGES
    ]


def per_call_us(fn: Callable[[], object], repeat: int, runs: int = 7) -> float:
    """Best of `runs` runs of `repeat` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1e6


def main() -> int:
    messages = {"40 chars": message(40), "4 kB": message(4096)}
    repeats = {"40 chars": 2000, "4 kB": 60}
    detectors = {
        "(a) shipped lists": shipped(),
        "(b) 100 synthetic": synthetic(100),
        "(c) 10,000 synthetic": synthetic(10_000),
    }
    results: dict[tuple[str, str], float] = {}
    print(f"{'lists':<24}{'phrases':>8}{'build ms':>10}" + "".join(f"{m:>14}" for m in messages))
    for name, files in detectors.items():
        start = time.perf_counter()
        detector = Detector(files)
        build_ms = (time.perf_counter() - start) * 1e3
        for label, text in messages.items():
            assert detector.scan(text).crisis == name.startswith("(a)")
            scan = detector.scan
            results[(name, label)] = per_call_us(lambda s=scan, t=text: s(t), repeats[label])
        row = "".join(f"{results[(name, m)]:>11.1f} µs" for m in messages)
        print(f"{name:<24}{detector.size:>8}{build_ms:>10.0f}{row}")
    ok = True
    for label in messages:
        ratio = results[("(c) 10,000 synthetic", label)] / results[("(b) 100 synthetic", label)]
        verdict = "ok" if ratio <= GOAL_RATIO else "TOO SLOW"
        ok &= ratio <= GOAL_RATIO
        print(f"ratio (c)/(b), {label:<9}{ratio:>6.2f}x  (goal <= {GOAL_RATIO:.0f}x: {verdict})")
    slowest = max(results[(name, "4 kB")] for name in detectors)
    verdict = "ok" if slowest <= GOAL_4K_US else "TOO SLOW"
    ok &= slowest <= GOAL_4K_US
    print(f"slowest 4 kB scan {slowest:.0f} µs  (goal <= {GOAL_4K_US:.0f} µs: {verdict})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
