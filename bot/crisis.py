"""Crisis detection: the phrase lists of every language, searched at once, before anything else.

One Aho-Corasick automaton holds every phrase of every language in every reading, so the cost of
a message does not grow with the lists, and a user who switches language is still heard.
Missing a crisis costs far more than a false alarm: nothing here suppresses a hit but the
idioms a clinician listed, and only when the hit lies wholly inside one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from .models import PhraseFile
from .normalize import phrase_readings, readings, squeeze

MIN_COMPACT = 7  # run-together phrases (#wanttodie) shorter than this are too easy to hit by chance
MIN_FUZZY = 5  # typo-tolerant words shorter than this would collide with ordinary words
MAX_TAIL = 6  # words kept from earlier messages, for phrases split over messages


@dataclass(frozen=True)
class Hit:
    language: str
    category: str
    phrase: str


@dataclass(frozen=True)
class Scan:
    hits: tuple[Hit, ...]
    tail: tuple[str, ...]  # the words that may begin a phrase finished by the next message

    @property
    def crisis(self) -> bool:
        return bool(self.hits)


_IDIOM = Hit("", "", "")


class Detector:
    """Built once from the phrase files; `scan` is then pure and thread-safe."""

    def __init__(self, files: Iterable[PhraseFile]):
        self._words = ahocorasick.Automaton()  # " w1 w2 " and stems " w1 st"
        self._compact = ahocorasick.Automaton()  # "w1w2" inside one token
        self._fuzzy: dict[str, Hit] = {}
        self._starts: set[tuple[str, ...]] = set()  # word prefixes of multi-word phrases
        self.size = 0
        self.languages: list[str] = []
        keys: dict[str, list[Hit]] = {}
        compact: dict[str, list[Hit]] = {}
        for f in files:
            self.languages.append(f.language)
            for category, phrases in f.phrases.items():
                for phrase in phrases:
                    self.size += 1
                    hit = Hit(f.language, category, phrase)
                    for key, comp in self._keys(phrase):
                        keys.setdefault(key, []).append(hit)
                        if comp:
                            compact.setdefault(comp, []).append(hit)
            for idiom in f.not_crisis:
                for key, _ in self._keys(idiom):
                    keys.setdefault(key, []).append(_IDIOM)
            for word in f.fuzzy:
                for words in phrase_readings(word):
                    if len(words) == 1 and len(words[0]) >= MIN_FUZZY:
                        hit = Hit(f.language, "fuzzy", word)
                        for variant in _deletions(words[0]):
                            self._fuzzy.setdefault(variant, hit)
        for key, hits in keys.items():
            self._words.add_word(key, (len(key), tuple(hits)))
        for key, hits in compact.items():
            self._compact.add_word(key, tuple(hits))
        self._words.make_automaton()
        self._compact.make_automaton()

    def _keys(self, phrase: str) -> Iterable[tuple[str, str | None]]:
        stem = phrase.rstrip().endswith("*")
        for words in phrase_readings(phrase.rstrip().rstrip("*")):
            for n in range(1, len(words)):
                self._starts.add(tuple(words[:n]))
            key = " " + " ".join(words) + ("" if stem else " ")
            joined = squeeze("".join(words))
            comp = joined if len(words) > 1 and len(joined) >= MIN_COMPACT else None
            yield key, comp

    def scan(self, text: str, tail: Iterable[str] = ()) -> Scan:
        """Every hit in `text`, read after the words kept from the previous messages."""
        tail = tuple(tail)
        hits: list[Hit] = []
        seen: set[Hit] = set()
        texts = [text]
        if tail:
            texts.append(" ".join(tail) + " " + text)
        new_tail: tuple[str, ...] = ()
        for t in texts:
            for words in readings(t):
                for hit in self._scan_words(words):
                    if hit not in seen:
                        seen.add(hit)
                        hits.append(hit)
        # the tail: the longest run of final words that begins some phrase
        plain = readings(" ".join(tail) + " " + text if tail else text)[0]
        for n in range(min(MAX_TAIL, len(plain)), 0, -1):
            if tuple(plain[-n:]) in self._starts:
                new_tail = tuple(plain[-n:])
                break
        return Scan(tuple(hits), new_tail)

    def _scan_words(self, words: list[str]) -> Iterable[Hit]:
        if not words:
            return
        line = " " + " ".join(words) + " "
        found: list[tuple[int, int, tuple[Hit, ...]]] = []
        idioms: list[tuple[int, int]] = []
        for end, (length, hits) in self._words.iter(line):
            start = end - length + 1
            if hits[0] is _IDIOM and len(hits) == 1:
                idioms.append((start, end))
                continue
            found.append((start, end, tuple(h for h in hits if h is not _IDIOM)))
        for start, end, hits in found:
            if any(s <= start and end <= e for s, e in idioms):
                continue
            yield from hits
        for word in words:
            if len(word) >= MIN_COMPACT:
                for _, hits in self._compact.iter(word):
                    yield from hits
            if len(word) >= MIN_FUZZY - 1 and self._fuzzy:
                for variant in _deletions(word):
                    hit = self._fuzzy.get(variant)
                    if hit is not None:
                        yield hit
                        break


def _deletions(word: str) -> set[str]:
    """The word and every way to drop one letter: two words share one iff they are one typo
    apart (symmetric deletion), without comparing against every listed word."""
    if len(word) > 40:
        return {word}
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}
