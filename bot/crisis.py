"""Crisis detection: the phrase lists of every language, searched at once, before anything else.

One Aho-Corasick automaton holds every phrase of every language in every reading, so the cost of
a message does not grow with the lists, and a user who switches language is still heard.
Missing a crisis costs far more than a false alarm: nothing here suppresses a hit but the
idioms a clinician listed, and only when the hit lies wholly inside one.

Typos are met twice, with tables built once so that a message costs set look-ups, not edit
distances. Distinctive single words (`fuzzy:`) match with any one edit (selfharn, suicde).
Words of multi-word phrases are also repaired when a typed word is one left-out or swapped
letter away ("i wnat to die", "ich wil sterbn"); a repaired reading counts only for phrases of
two or more words, so a repair alone never makes a hit (nudes/dudes).
"""

from __future__ import annotations

import bisect
import string
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from .models import PhraseFile
from .normalize import fold, phrase_readings, readings, squeeze, tokens

MIN_COMPACT = 7  # run-together phrases (#wanttodie) shorter than this are too easy to hit by chance
MIN_FUZZY = 5  # typo-tolerant words shorter than this would collide with ordinary words
MIN_SWAP = 4  # shortest phrase word repaired from a swap (wnat → want)
MIN_DROP = 5  # shortest typed word repaired from a left-out letter (sterbn → sterben); shorter
#               ones are mostly real words ("come" is not "comes")
MAX_TAIL = 6  # words kept from earlier messages, for phrases split over messages
TYPO_LETTERS = string.ascii_lowercase  # what a slipped finger adds or puts instead


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
    """What one automaton key stands for: phrases, or an idiom, or both (then it is a phrase:
    recall first)."""

    length: int
    words: int
    hits: tuple[Hit, ...]
    idiom: bool


Span = tuple[int, int]  # first and last word index in one reading


class Detector:
    """Built once from the phrase files; `scan` is then pure and thread-safe."""

    def __init__(self, files: Iterable[PhraseFile]):
        self._words = ahocorasick.Automaton()  # " w1 w2 " and stems " w1 st"
        self._compact = ahocorasick.Automaton()  # "w1w2" inside one token
        self._fuzzy: dict[str, tuple[Hit, ...]] = {}  # every one-edit variant -> listed words
        self._starts: set[tuple[str, ...]] = set()  # word prefixes of multi-word phrases
        self._vocab: set[str] = set()  # words of multi-word phrases, the targets of repair
        self._near = ahocorasick.Automaton()  # near-rule words -> (rule, group, word count)
        self._rules: list[tuple[Hit, int, int]] = []  # (hit, within, number of groups)
        # words that never carry a phrase's meaning, and negations inside phrases: a reading
        # without them is scanned too (negation never suppresses a hit)
        self.skipped: frozenset[str] = frozenset()
        self.size = 0
        keys: dict[str, list[Hit]] = {}
        counts: dict[str, int] = {}
        idioms: set[str] = set()
        compact: dict[str, list[Hit]] = {}
        fuzzy: dict[str, list[Hit]] = {}
        near: dict[str, list[tuple[int, int, int]]] = {}
        skipped: set[str] = set()
        for f in files:
            skipped.update(squeeze(w) for w in (*f.fillers, *f.negations) for w in fold_words(w))
            for rule in f.near:
                index = len(self._rules)
                self._rules.append((Hit(f.language, rule.category, rule.name), rule.within,
                                    len(rule.all)))  # fmt: skip
                self.size += 1
                for g, group in enumerate(rule.all):
                    for term in group:
                        for key, n, _ in self._keys(term, learn=False):
                            near.setdefault(key, []).append((index, g, n))
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
                        for variant in _one_edit(words[0]):
                            fuzzy.setdefault(variant, []).append(hit)
        for key in keys.keys() | idioms:
            hits = tuple(dict.fromkeys(keys.get(key, ())))
            self._words.add_word(key, _Entry(len(key), counts[key], hits, key in idioms))
        for key, hits in compact.items():
            self._compact.add_word(key, (len(key), tuple(dict.fromkeys(hits))))
        self._fuzzy = {k: tuple(dict.fromkeys(v)) for k, v in fuzzy.items()}
        # repair tables: the typo -> the phrase word; sorted, so every run repairs alike
        self._repair: dict[str, str] = {}
        for word in sorted(self._vocab):
            if len(word) >= MIN_SWAP:
                for typo in _swaps(word):
                    self._repair.setdefault(typo, word)
            if len(word) > MIN_DROP:
                for typo in _drops(word, first=False):
                    self._repair.setdefault(typo, word)
        for word in self._vocab:
            self._repair.pop(word, None)  # a real phrase word is never "repaired"
        for key, targets in near.items():
            self._near.add_word(key, (len(key), tuple(dict.fromkeys(targets))))
        self.skipped = frozenset(skipped)
        self._words.make_automaton()
        self._compact.make_automaton()
        if near:
            self._near.make_automaton()

    def _keys(self, phrase: str, learn: bool = True) -> Iterable[tuple[str, int, str | None]]:
        """Automaton keys of a phrase: " w1 w2 " (or " w1 st" for a stem), its word count,
        and its run-together form when long enough to be found inside one token."""
        stem = phrase.rstrip().endswith("*")
        for words in phrase_readings(phrase.rstrip().rstrip("*")):
            if learn and len(words) > 1:
                for n in range(1, len(words)):
                    self._starts.add(tuple(words[:n]))
                # a stem's last word is a prefix, not a word to repair towards
                self._vocab.update(words[:-1] if stem else words)
            key = " " + " ".join(words) + ("" if stem else " ")
            joined = squeeze("".join(words))
            comp = joined if len(words) > 1 and len(joined) >= MIN_COMPACT else None
            yield key, len(words), comp

    def scan(self, text: str, tail: Iterable[str] = ()) -> Scan:
        """Every hit in `text`, read alone and after the words kept from the previous message.
        A hit the kept words make on their own fired with that message already: not again."""
        tail = tuple(tail)
        found = readings(text)
        hits = self._hits(found)
        if tail:
            before = self._hits(readings(" ".join(tail)))
            found = readings(" ".join(tail) + " " + text)
            hits.update(dict.fromkeys(h for h in self._hits(found) if h not in before))
        return Scan(tuple(hits), self._tail(found))

    def _hits(self, found: list[list[str]]) -> dict[Hit, None]:
        """The hits of every reading of one text, in order, without repeats."""
        distinct = {w for words in found for w in words}
        single = {w: self._fuzzy[w] for w in distinct if w in self._fuzzy}
        long_words = " ".join(w for w in distinct if len(w) >= MIN_COMPACT)
        for end, (_, found_hits) in self._compact.iter(long_words):
            # the word the run-together phrase lies in: from the space before to the one after
            start = long_words.rfind(" ", 0, end) + 1
            stop = long_words.find(" ", end)
            word = long_words[start : stop if stop >= 0 else len(long_words)]
            single[word] = single.get(word, ()) + found_hits
        repair = {w: self._repair[w] for w in distinct if w in self._repair}
        hits: dict[Hit, None] = {}
        for words in found:
            hits.update(dict.fromkeys(self._scan_words(words, single, repair)))
            if self._rules:
                hits.update(dict.fromkeys(self._near_hits(words)))
        return hits

    def _near_hits(self, words: list[str]) -> Iterable[Hit]:
        """Rules whose groups all occur within `within` words of an occurrence of the first
        group, in any order; not when that whole stretch lies inside an idiom."""
        line = " " + " ".join(words) + " "
        starts = [0]
        for w in words[:-1]:
            starts.append(starts[-1] + len(w) + 1)  # offset in `line` of each word, minus 1
        seen: dict[int, list[list[tuple[int, int]]]] = {}
        for end, (length, targets) in self._near.iter(line):
            first = bisect.bisect_right(starts, end - length + 1) - 1
            for rule, group, n in targets:
                groups = seen.setdefault(rule, [[] for _ in range(self._rules[rule][2])])
                groups[group].append((first, first + n - 1))
        if not seen:
            return
        idioms: list[Span] | None = None
        for rule, groups in seen.items():
            hit, within, _ = self._rules[rule]
            if not all(groups):
                continue
            for a, b in groups[0]:
                picks = [min(g, key=lambda span, a=a: abs(span[0] - a)) for g in groups[1:]]
                if all(abs(p[0] - a) <= within for p in picks):
                    lo = min(a, *(p[0] for p in picks))
                    hi = max(b, *(p[1] for p in picks))
                    if idioms is None:
                        idioms = self._matches(words)[1]
                    if not any(s <= lo and hi <= e for s, e in idioms):
                        yield hit
                        break

    def _tail(self, found: list[list[str]]) -> tuple[str, ...]:
        """The longest run of final words, in any reading (fillers dropped or not), that
        begins some phrase: "voglio solo" keeps "voglio" for a following "morire"."""
        best: tuple[str, ...] = ()
        for words in found:
            end = words[-2 * MAX_TAIL :]
            for candidate in (end, [w for w in end if w not in self.skipped]):
                for n in range(min(MAX_TAIL, len(candidate)), len(best), -1):
                    if tuple(candidate[-n:]) in self._starts:
                        best = tuple(candidate[-n:])
                        break
        return best

    def _matches(
        self, words: list[str], repaired: bool = False
    ) -> tuple[list[tuple[int, int, tuple[Hit, ...]]], list[Span]]:
        """Phrase hits and idioms in one reading, as (first word, last word, hits) spans. In a
        repaired or reduced reading only phrases of two or more words count: a single word
        there is one of the original reading, or a repair that must not hit alone."""
        line = " " + " ".join(words) + " "
        found: list[tuple[int, int, tuple[Hit, ...]]] = []
        idioms: list[Span] = []
        for end, entry in self._words.iter(line):
            if entry.hits and not (repaired and entry.words < 2):
                first = line.count(" ", 0, end - entry.length + 1)  # spaces before = index
                found.append((first, first + entry.words - 1, entry.hits))
            elif entry.idiom:
                first = line.count(" ", 0, end - entry.length + 1)
                idioms.append((first, first + entry.words - 1))
        return found, idioms

    def _scan_words(
        self, words: list[str], single: dict[str, tuple[Hit, ...]], repair: dict[str, str]
    ) -> Iterable[Hit]:
        """Hits in one reading: phrases, then words that hit alone (a typo of a fuzzy word, a
        phrase run together inside the word), then phrases completed by repaired words; none
        that lies wholly inside an idiom."""
        if not words:
            return
        found, idioms = self._matches(words)
        variant = words
        if single or repair:
            for i, word in enumerate(words):
                if word in single:
                    found.append((i, i, single[word]))
                if word in repair:
                    variant = variant if variant is not words else list(words)
                    variant[i] = repair[word]
        if variant is not words or not self.skipped.isdisjoint(words):
            # the repaired reading without fillers and negations; its spans are mapped back to
            # word indices of this reading, so that idioms of both readings apply
            kept = [i for i, w in enumerate(variant) if w not in self.skipped]
            reduced = [variant[i] for i in kept]
            more, more_idioms = self._matches(reduced, repaired=True)
            found += [(kept[a], kept[b], hits) for a, b, hits in more]
            idioms += [(kept[a], kept[b]) for a, b in more_idioms]
        for first, last, hits in found:
            if not any(s <= first and last <= e for s, e in idioms):
                yield from hits


def fold_words(text: str) -> list[str]:
    return tokens(fold(text))


def _drops(word: str, first: bool = True) -> set[str]:
    """Every way to leave out one letter (but the first, unless `first`: people rarely miss
    the letter they start with, and "vale" is not a typo of "avale")."""
    return {word[:i] + word[i + 1 :] for i in range(0 if first else 1, len(word))}


def _swaps(word: str) -> set[str]:
    """Every way to swap two neighbouring letters (want → wnat)."""
    return {
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    }


def _one_edit(word: str) -> set[str]:
    """The word and everything one edit away: a letter left out, added, changed, or two
    swapped. Built once per fuzzy word, so a message costs one look-up per word."""
    out = {word} | _drops(word) | _swaps(word)
    for i in range(len(word) + 1):
        for ch in TYPO_LETTERS:
            out.add(word[:i] + ch + word[i:])
            if i < len(word):
                out.add(word[:i] + ch + word[i + 1 :])
    return {squeeze(w) for w in out}
