"""Crisis detection: the phrase lists of every language, searched at once, before anything else.

One Aho-Corasick automaton holds every phrase of every language in every reading, so the cost of
a message does not grow with the lists, and a user who switches language is still heard.
Missing a crisis costs far more than a false alarm: nothing here suppresses a hit but the
idioms a clinician listed, and only when the hit lies wholly inside one.

Typos are met twice. Distinctive single words (`fuzzy:`) match with one edit of any kind
(selfharn). Words of multi-word phrases are also repaired when a typed word is one dropped,
extra or swapped letter away from them ("i wnat to die", "ich wil sterbn"); a repaired
reading counts only for multi-word phrases, so a repair alone never makes a hit (nudes/dudes).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick

from .models import PhraseFile
from .normalize import phrase_readings, readings, squeeze

MIN_COMPACT = 7  # run-together phrases (#wanttodie) shorter than this are too easy to hit by chance
MIN_FUZZY = 5  # typo-tolerant words shorter than this would collide with ordinary words
MIN_REPAIR = 4  # shortest typed word repaired towards a phrase word (by a swap only, at 4)
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


@dataclass(frozen=True)
class _Entry:
    """What one automaton key stands for: phrases, or an idiom, or both."""

    length: int
    words: int
    hits: tuple[Hit, ...]
    idiom: bool


class Detector:
    """Built once from the phrase files; `scan` is then pure and thread-safe."""

    def __init__(self, files: Iterable[PhraseFile]):
        self._words = ahocorasick.Automaton()  # " w1 w2 " and stems " w1 st"
        self._compact = ahocorasick.Automaton()  # "w1w2" inside one token
        self._fuzzy: dict[str, Hit] = {}  # every one-deletion variant -> the listed word
        self._starts: set[tuple[str, ...]] = set()  # word prefixes of multi-word phrases
        self._vocab: set[str] = set()  # words of multi-word phrases, the targets of repair
        self._dropped: dict[str, str] = {}  # vocab word minus one letter -> vocab word
        self.size = 0
        keys: dict[str, list[Hit]] = {}
        counts: dict[str, int] = {}
        idioms: set[str] = set()
        compact: dict[str, list[Hit]] = {}
        for f in files:
            for category, phrases in f.phrases.items():
                for phrase in phrases:
                    self.size += 1
                    hit = Hit(f.language, category, phrase)
                    for key, n, comp in self._keys(phrase):
                        keys.setdefault(key, []).append(hit)
                        counts[key] = n
                        if comp:
                            compact.setdefault(comp, []).append(hit)
            for idiom in f.not_crisis:
                for key, n, _ in self._keys(idiom, learn=False):
                    idioms.add(key)
                    counts.setdefault(key, n)
            for word in f.fuzzy:
                for words in phrase_readings(word):
                    if len(words) == 1 and len(words[0]) >= MIN_FUZZY:
                        hit = Hit(f.language, "fuzzy", word)
                        for variant in _deletions(words[0]):
                            self._fuzzy.setdefault(variant, hit)
        for key in keys.keys() | idioms:
            hits = tuple(dict.fromkeys(keys.get(key, ())))
            self._words.add_word(key, _Entry(len(key), counts[key], hits, key in idioms))
        for key, hits in compact.items():
            self._compact.add_word(key, tuple(dict.fromkeys(hits)))
        for word in sorted(self._vocab):  # sorted: the same repair on every run
            if len(word) > MIN_REPAIR:
                for variant in sorted(_deletions(word) - {word}):
                    self._dropped.setdefault(variant, word)
        self._fuzzy_max = max(map(len, self._fuzzy), default=0) + 1
        self._fuzzy_p3 = {v[:3] for v in self._fuzzy}
        # heads of the repair targets and of their one-letter-short forms
        self._vocab_p3 = {v[:3] for v in self._vocab} | {v[:3] for v in self._dropped}
        self._words.make_automaton()
        self._compact.make_automaton()

    def _keys(self, phrase: str, learn: bool = True) -> Iterable[tuple[str, int, str | None]]:
        """Automaton keys of a phrase: " w1 w2 " (or " w1 st" for a stem), its word count,
        and its run-together form when long enough to be found inside one token."""
        stem = phrase.rstrip().endswith("*")
        for words in phrase_readings(phrase.rstrip().rstrip("*")):
            if learn and len(words) > 1:
                for n in range(1, len(words)):
                    self._starts.add(tuple(words[:n]))
                self._vocab.update(w for w in words if len(w) >= MIN_REPAIR)
            key = " " + " ".join(words) + ("" if stem else " ")
            joined = squeeze("".join(words))
            comp = joined if len(words) > 1 and len(joined) >= MIN_COMPACT else None
            yield key, len(words), comp

    def scan(self, text: str, tail: Iterable[str] = ()) -> Scan:
        """Every hit in `text`, read after the words kept from the previous messages."""
        tail = tuple(tail)
        found = readings(text)
        last = found
        if tail:
            last = readings(" ".join(tail) + " " + text)
            found = found + [r for r in last if r not in found]
        per_word = self._per_word({w for words in found for w in words})
        hits: dict[Hit, None] = {}
        for words in found:
            hits.update(dict.fromkeys(self._scan_words(words, per_word)))
        return Scan(tuple(hits), self._tail(last))

    def _tail(self, found: list[list[str]]) -> tuple[str, ...]:
        """The longest run of final words, in any reading, that begins some phrase."""
        best: tuple[str, ...] = ()
        for words in found:
            for n in range(min(MAX_TAIL, len(words)), len(best), -1):
                if tuple(words[-n:]) in self._starts:
                    best = tuple(words[-n:])
                    break
        return best

    def _per_word(self, words: set[str]) -> dict[str, tuple[tuple[Hit, ...], str | None]]:
        """Work that depends on one word only, done once per distinct word of the message:
        typo-tolerant single words, run-together phrases, and the repair of a typed word
        towards a phrase word. Words with nothing to report are left out. Cheap three-letter
        prefix tests skip the edit work for words that cannot be one edit from a target."""
        out: dict[str, tuple[tuple[Hit, ...], str | None]] = {}
        fuzzy, vocab, dropped = self._fuzzy, self._vocab, self._dropped
        fuzzy_p3, vocab_p3 = self._fuzzy_p3, self._vocab_p3
        for word in words:
            size = len(word)
            if size < MIN_REPAIR:
                continue
            hits: list[Hit] = []
            if size >= MIN_COMPACT:
                hits.extend(h for _, found in self._compact.iter(word) for h in found)
            heads = _edit_heads(word)
            if size <= self._fuzzy_max and not fuzzy_p3.isdisjoint(heads):
                hits.extend(dict.fromkeys(fuzzy[v] for v in _deletions(word) if v in fuzzy))
            repair = None
            if word not in vocab and not vocab_p3.isdisjoint(heads):
                repair = dropped.get(word)  # a letter left out: sterbn -> sterben
                if repair is None:  # two letters swapped: wnat -> want
                    repair = next((s for s in _swaps(word) if s in vocab), None)
                if repair is None and size > MIN_REPAIR:  # a letter too many: myselfe
                    repair = min(
                        (d for d in _deletions(word) if len(d) > MIN_REPAIR and d in vocab),
                        default=None,
                    )
            if hits or repair:
                out[word] = (tuple(hits), repair)
        return out

    def _matches(
        self, words: list[str], multi_only: bool = False
    ) -> tuple[list[tuple[int, int, tuple[Hit, ...]]], list[tuple[int, int]]]:
        """Phrase hits and idioms in one reading, as (first word, last word, hits) spans."""
        line = " " + " ".join(words) + " "
        found: list[tuple[int, int, tuple[Hit, ...]]] = []
        idioms: list[tuple[int, int]] = []
        starts: list[int] | None = None
        for end, entry in self._words.iter(line):
            if multi_only and entry.words < 2 and not entry.idiom:
                continue
            if starts is None:  # where each word begins, computed only when something matched
                starts = [0, *accumulate(len(w) + 1 for w in words)]
            first = bisect_right(starts, end - entry.length + 1) - 1
            span = (first, first + entry.words - 1)
            if entry.hits and not (multi_only and entry.words < 2):
                found.append((*span, entry.hits))
            elif entry.idiom:
                idioms.append(span)
        return found, idioms

    def _scan_words(
        self, words: list[str], per_word: dict[str, tuple[tuple[Hit, ...], str | None]]
    ) -> Iterable[Hit]:
        if not words:
            return
        found, idioms = self._matches(words)
        repaired: list[str] | None = None
        if per_word:
            for i, word in enumerate(words):
                extra = per_word.get(word)
                if extra is not None:
                    hits, repair = extra
                    if hits:  # fuzzy and run-together hits lie within their word
                        found.append((i, i, hits))
                    if repair:
                        repaired = repaired or list(words)
                        repaired[i] = repair
        if repaired is not None:
            # repairs keep the word count, so spans of both readings compare; only phrases of
            # two or more words count here, so a repair alone never makes a hit
            more, more_idioms = self._matches(repaired, multi_only=True)
            found += more
            idioms += more_idioms
        for first, last, hits in found:
            if not any(s <= first and last <= e for s, e in idioms):
                yield from hits


def _deletions(word: str) -> set[str]:
    """The word and every way to drop one letter: two words share one iff they are one typo
    apart (symmetric deletion), without comparing against every listed word."""
    if len(word) > 40:
        return {word}
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _edit_heads(word: str) -> set[str]:
    """The first three letters of every string one deletion or swap away from `word` (and of
    `word`). Two words one edit apart share a variant, hence one of these heads."""
    w = word
    return {w[:3], w[1:4], w[0] + w[2:4], w[:2] + w[3:4], w[1] + w[0] + w[2], w[0] + w[2] + w[1]}


def _swaps(word: str) -> Iterable[str]:
    """Every way to swap two neighbouring letters (wnat -> want)."""
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]
