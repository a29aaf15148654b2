"""Recall and false alarms of the crisis lists on the hand-written corpus, per language.

Run from the repo root: `python benchmarks/crisis_eval.py`. The corpus (tests/crisis/*.yaml)
is written as people type, before the lists; when a line here shows a miss, fix the LIST.
Every miss and every false alarm is printed, with the phrases that fired, for review.

Held-out sets written by people who never saw the lists are scored as well:
  - tests/crisis_holdout/messages.yaml, development #1 ("held-out #1"): it IS used for
    tuning, so its misses and false alarms are listed like the corpus's;
  - tests/crisis_holdout/dev2.yaml, development #2: the second final set (78.5% recall, 0.5%
    false alarms when it was first scored, unseen), now used for tuning and listed likewise;
  - tests/crisis_holdout/dev3.yaml, development #3: the third final set (52.0% recall, 5.0%
    false alarms when it was first scored, unseen), now used for tuning and listed likewise;
  - tests/crisis_holdout/dev4.yaml, development #4: the fourth final set (73.5% recall, 5.5%
    false alarms when it was first scored, unseen), now used for tuning and listed likewise;
  - tests/crisis_holdout/dev5.yaml, development #5: the fifth final set (77.3% recall, 5.1%
    false alarms when it was first scored, unseen), now used for tuning and listed likewise;
  - tests/crisis_holdout/dev6.yaml, development #6: the sixth final set (80.2% recall, 3.1%
    false alarms when it was first scored, unseen), for the next round of tuning, listed
    likewise; the tests guard it once it has been tuned on;
  - tests/crisis_holdout/final.yaml, the final held-out set, printed last and only when the
    file exists: COUNTS ONLY, never its messages, so that nobody tunes the lists on it. Whoever
    edits the lists should run with `--skip-final` while tuning and look at it once at the end.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot import yamlfile  # noqa: E402
from bot.crisis import Detector, Scan  # noqa: E402
from bot.models import PhraseFile  # noqa: E402

LANGUAGES = ("it", "en", "es", "fr", "de")
HOLDOUT = ROOT / "tests" / "crisis_holdout"
# (file, title, tag): every earlier final set becomes a development set once it has been scored
DEVELOPMENT = (
    (HOLDOUT / "messages.yaml", "development #1 (held-out #1, used for tuning)", "DEV"),
    (HOLDOUT / "dev2.yaml", "development #2 (second final set, now used for tuning)", "DEV2"),
    (HOLDOUT / "dev3.yaml", "development #3 (third final set, now used for tuning)", "DEV3"),
    (HOLDOUT / "dev4.yaml", "development #4 (fourth final set, now used for tuning)", "DEV4"),
    (HOLDOUT / "dev5.yaml", "development #5 (fifth final set, now used for tuning)", "DEV5"),
    (HOLDOUT / "dev6.yaml", "development #6 (sixth final set, for the next round)", "DEV6"),
)
FINAL = HOLDOUT / "final.yaml"  # never print its messages: counts only


def load_detector(root: Path = ROOT) -> Detector:
    files = [
        yamlfile.parse(yamlfile.load(root / "crisis" / f"{lang}.yaml", root), PhraseFile)
        for lang in LANGUAGES
    ]
    return Detector(files)


def load_corpus(lang: str, root: Path = ROOT) -> dict:
    with open(root / "tests" / "crisis" / f"{lang}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def scan_sequence(detector: Detector, messages: Iterable[str]) -> Scan:
    """Scan consecutive messages as the bot does, passing each tail on; the last scan."""
    tail: tuple[str, ...] = ()
    scan = Scan((), ())
    for message in messages:
        scan = detector.scan(message, tail)
        tail = scan.tail
    return scan


@dataclass
class Tally:
    total: int = 0
    fired: list[tuple[str, str]] = field(default_factory=list)  # (message, phrases)
    quiet: list[str] = field(default_factory=list)

    def add(self, message: str, scan: Scan) -> None:
        self.total += 1
        if scan.crisis:
            self.fired.append((message, ", ".join(sorted({h.phrase for h in scan.hits}))))
        else:
            self.quiet.append(message)

    def rate(self) -> float:
        return len(self.fired) / self.total if self.total else 0.0


def evaluate(detector: Detector) -> dict[str, dict[str, Tally]]:
    result: dict[str, dict[str, Tally]] = {}
    for lang in LANGUAGES:
        corpus = load_corpus(lang)
        tallies = {k: Tally() for k in ("crisis", "ordinary", "idioms", "split")}
        for kind in ("crisis", "ordinary", "idioms"):
            for message in corpus.get(kind) or []:
                tallies[kind].add(message, detector.scan(message))
        for messages in corpus.get("split") or []:
            tallies["split"].add(" / ".join(messages), scan_sequence(detector, messages))
        result[lang] = tallies
    return result


def load_holdout(path: Path) -> dict:
    """A held-out set: {language: {"crisis": [...], "ordinary": [...]}}."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def evaluate_holdout(detector: Detector, data: dict) -> dict[str, dict[str, Tally]]:
    """Recall ("crisis") and false alarms ("ordinary") of a held-out set, per language."""
    result: dict[str, dict[str, Tally]] = {}
    for lang in [*LANGUAGES, *(k for k in data if k not in LANGUAGES)]:
        if lang not in data:
            continue
        tallies = {k: Tally() for k in ("crisis", "ordinary")}
        for kind, t in tallies.items():
            for message in data[lang].get(kind) or []:
                t.add(message, detector.scan(message))
        result[lang] = tallies
    return result


def _overall(result: dict[str, dict[str, Tally]], kinds: Iterable[str]) -> dict[str, Tally]:
    total = {k: Tally() for k in kinds}
    for tallies in result.values():
        for kind, t in tallies.items():
            total[kind].total += t.total
            total[kind].fired += t.fired
            total[kind].quiet += t.quiet
    return total


def print_holdout(
    title: str, result: dict[str, dict[str, Tally]], details: bool, tag: str = "DEV"
) -> None:
    """Per-language recall and false alarms; with `details`, every miss and false alarm."""
    print()
    print(title)
    header = f"{'lang':<8}{'recall':<19}{'false alarms':<19}"
    print(header)
    print("-" * len(header))
    total = _overall(result, ("crisis", "ordinary"))
    for lang, t in [*result.items(), ("overall", total)]:
        print(f"{lang:<8}{_pct(t['crisis']):<19}{_pct(t['ordinary']):<19}")
    if not details:
        return
    for lang, t in result.items():
        for message in t["crisis"].quiet:
            print(f"{tag + ' MISS':<13}[{lang}] {message!r}")
    for lang, t in result.items():
        for message, phrases in t["ordinary"].fired:
            print(f"{tag + ' ALARM':<13}[{lang}] {message!r}  <- {phrases}")


def _pct(t: Tally) -> str:
    return f"{t.rate():7.1%} ({len(t.fired):>3}/{t.total:<3})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-final", action="store_true", help="do not score the final held-out set (tuning)"
    )
    args = parser.parse_args(argv)
    detector = load_detector()
    result = evaluate(detector)
    total = _overall(result, ("crisis", "ordinary", "idioms", "split"))
    print(f"crisis phrases and near rules loaded: {detector.size}")
    columns = ("recall", "false alarms", "idioms firing", "split recall")
    header = f"{'lang':<8}" + "".join(f"{c:<19}" for c in columns)
    print(header)
    print("-" * len(header))
    for lang, t in [*result.items(), ("overall", total)]:
        print(
            f"{lang:<8}{_pct(t['crisis']):<19}{_pct(t['ordinary']):<19}"
            f"{_pct(t['idioms']):<19}{_pct(t['split']):<19}"
        )
    for lang, t in result.items():
        for message in t["crisis"].quiet:
            print(f"MISS         [{lang}] {message!r}")
        for message in t["split"].quiet:
            print(f"SPLIT MISS   [{lang}] {message!r}")
    for lang, t in result.items():
        for message, phrases in t["ordinary"].fired:
            print(f"FALSE ALARM  [{lang}] {message!r}  <- {phrases}")
    for lang, t in result.items():
        for message, phrases in t["idioms"].fired:
            print(f"IDIOM FIRES  [{lang}] {message!r}  <- {phrases}")
    for path, title, tag in DEVELOPMENT:
        if path.exists():
            result = evaluate_holdout(detector, load_holdout(path))
            print_holdout(title, result, details=True, tag=tag)
    if FINAL.exists() and not args.skip_final:
        print_final(detector)
    return 0


def print_final(detector: Detector) -> None:
    """The final held-out set, last, as counts only. Nothing of its text is ever printed, not
    even in an error (a YAML error would quote the line), so tuning cannot see it."""
    title = "final held-out (never tuned on)"
    try:
        final = evaluate_holdout(detector, load_holdout(FINAL))
    except Exception as exc:  # noqa: BLE001 - the message could quote the file
        print(f"\n{title}: could not be scored ({type(exc).__name__})")
        return
    print_holdout(title, final, details=False)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head: fine
        sys.exit(0)
