"""Crisis detection: the phrase lists of every language, searched at once, before anything else.

One Aho-Corasick automaton holds every phrase of every language in every reading, so the cost of
a message does not grow with the lists, and a user who switches language is still heard. The
same automaton holds the idioms, the terms of the proximity rules (`near:`) and the fillers, so
that each reading of a message is searched once.
Missing a crisis costs far more than a false alarm: nothing here suppresses a hit but the
idioms a clinician listed, and only when the hit lies wholly inside one.

Typos are met twice, with tables built once so that a message costs set look-ups, not edit
distances. Distinctive single words (`fuzzy:`) match with any one edit (selfharn, suicde).
Words of multi-word phrases are also repaired when a typed word is one left-out or swapped
letter away ("i wnat to die", "ich wil sterbn"); a repaired reading counts only for phrases of
two or more words, so a repair alone never makes a hit (nudes/dudes).
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one automaton key stands for: phrases, or an idiom, or both (then it is a phrase:
    recall first); and the near rules it is a term of; and whether it is a filler or negation
    (a single word) that the reduced reading leaves out."""

    length: int
    words: int
    hits: tuple[Hit, ...]
    idiom: bool
    near: tuple[tuple[int, int], ...]  # (rule, group) of every near rule it is a term of
    first: tuple[int, ...]  # the near rules whose first group it is in
    skip: bool


Span = tuple[int, int]  # first and last word index in one reading
Spans = list[tuple[int, int, tuple[Hit, ...]]]  # phrase hits: first word, last word, hits
WordOffsets = dict[int, tuple[int, str]]  # word index -> (offset of the space before it, the word)


@dataclass(slots=True)
class _Reading:
    """What one search of a reading's line found (`Detector._read`)."""

    phrases: Spans
    idioms: list[Span]
    near: list[tuple[int, _Entry]]  # near-rule terms, by the index of their first word
    firsts: set[int]  # the near rules whose first group is there
    skips: WordOffsets  # the fillers and negations


class Detector:
    """Built once from the phrase files; `scan` is then pure and thread-safe."""

    def __init__(self, files: Iterable[PhraseFile]):
        # " w1 w2 " and stems " w1 st": phrases, idioms, near-rule terms and fillers
        self._words = ahocorasick.Automaton()
        self._compact = ahocorasick.Automaton()  # "w1w2" inside one token
        self._fuzzy: dict[str, tuple[Hit, ...]] = {}  # every one-edit variant -> listed words
        self._starts: set[tuple[str, ...]] = set()  # word prefixes of multi-word phrases
        self._vocab: set[str] = set()  # words of multi-word phrases, the targets of repair
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
        near: dict[str, list[tuple[int, int]]] = {}
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
                            near.setdefault(key, []).append((index, g))
                            counts.setdefault(key, n)
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
        self.skipped = frozenset(skipped)
        fillers = {f" {w} " for w in self.skipped}
        for key in keys.keys() | idioms | near.keys() | fillers:
            hits = tuple(dict.fromkeys(keys.get(key, ())))
            targets = tuple(dict.fromkeys(near.get(key, ())))
            first = tuple(dict.fromkeys(rule for rule, group in targets if group == 0))
            entry = _Entry(len(key), counts.get(key, 1), hits, key in idioms, targets, first,
                           key in fillers)  # fmt: skip
            self._words.add_word(key, entry)
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
        """The hits of every reading of one text, in order, without repeats. Each reading is
        joined into one line and searched once; a reduced line met twice is searched once."""
        distinct = set().union(*found)
        single = {w: self._fuzzy[w] for w in distinct if w in self._fuzzy}
        long_words = " ".join(w for w in distinct if len(w) >= MIN_COMPACT)
        for end, (_, found_hits) in self._compact.iter(long_words):
            # the word the run-together phrase lies in: from the space before to the one after
            start = long_words.rfind(" ", 0, end) + 1
            stop = long_words.find(" ", end)
            word = long_words[start : stop if stop >= 0 else len(long_words)]
            single[word] = single.get(word, ()) + found_hits
        repair = {w: self._repair[w] for w in distinct if w in self._repair}
        reduced: dict[str, tuple[Spans, list[Span]]] = {}  # reduced line -> its matches
        hits: dict[Hit, None] = {}
        for words in found:
            if not words:
                continue
            line = " " + " ".join(words) + " "
            reading = self._read(line)
            hits.update(dict.fromkeys(self._scan_words(line, reading, single, repair, reduced)))
            if reading.firsts:
                hits.update(dict.fromkeys(self._near_hits(reading)))
        return hits

    def _read(self, line: str) -> _Reading:
        """One reading, joined into `line` (" w1 w2 … "), searched once."""
        found = _Reading([], [], [], set(), {})
        at = spaces = 0  # the number of spaces before offset `at`: the index of a word there
        for end, entry in self._words.iter(line):
            start = end - entry.length + 1  # the space before the key's first word
            if start >= at:
                spaces += line.count(" ", at, start)
            else:
                spaces -= line.count(" ", start, at)
            at = start
            if entry.hits:
                found.phrases.append((spaces, spaces + entry.words - 1, entry.hits))
            elif entry.idiom:
                found.idioms.append((spaces, spaces + entry.words - 1))
            if entry.near:
                found.near.append((spaces, entry))
                if entry.first:
                    found.firsts.update(entry.first)
            if entry.skip:
                found.skips[spaces] = (start, line[start + 1 : end])
        return found

    def _matches(self, line: str) -> tuple[Spans, list[Span]]:
        """Phrase hits and idioms in a repaired or reduced reading, as spans. Only phrases of
        two or more words count there: a single word is one of the original reading, or a
        repair that must not hit alone."""
        phrases: Spans = []
        idioms: list[Span] = []
        at = spaces = 0
        for end, entry in self._words.iter(line):
            phrase = entry.hits and entry.words > 1
            if phrase or entry.idiom:
                start = end - entry.length + 1
                if start >= at:
                    spaces += line.count(" ", at, start)
                else:
                    spaces -= line.count(" ", start, at)
                at = start
                if phrase:
                    phrases.append((spaces, spaces + entry.words - 1, entry.hits))
                else:
                    idioms.append((spaces, spaces + entry.words - 1))
        return phrases, idioms

    def _near_hits(self, reading: _Reading) -> Iterable[Hit]:
        """Rules whose groups all occur within `within` words of an occurrence of the first
        group, in any order; not when that whole stretch lies inside an idiom. Only rules whose
        first group is in the reading are looked at."""
        rules, firsts, idioms = self._rules, reading.firsts, reading.idioms
        seen: dict[int, list[list[Span]]] = {}
        for first, entry in reading.near:
            span = (first, first + entry.words - 1)
            for rule, group in entry.near:
                if rule in firsts:
                    groups = seen.get(rule)
                    if groups is None:
                        groups = seen[rule] = [[] for _ in range(rules[rule][2])]
                    groups[group].append(span)
        for rule, groups in seen.items():
            if not all(groups):
                continue
            hit, within, _ = rules[rule]
            for a, b in groups[0]:
                picks = [min(g, key=lambda span, a=a: abs(span[0] - a)) for g in groups[1:]]
                if all(abs(p[0] - a) <= within for p in picks):
                    lo = min(a, *(p[0] for p in picks))
                    hi = max(b, *(p[1] for p in picks))
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

    def _scan_words(
        self,
        line: str,
        reading: _Reading,
        single: dict[str, tuple[Hit, ...]],
        repair: dict[str, str],
        reduced: dict[str, tuple[Spans, list[Span]]],
    ) -> Iterable[Hit]:
        """Hits in one reading: phrases, then words that hit alone (a typo of a fuzzy word, a
        phrase run together inside the word), then phrases completed by repaired words; none
        that lies wholly inside an idiom. The few words to look at are found in `line` with
        str.find, not by a loop over every word."""
        found, idioms = reading.phrases, reading.idioms
        alone: list[tuple[int, int, tuple[Hit, ...]]] = []
        edits: WordOffsets = dict(reading.skips)  # words the reduced reading replaces or leaves out
        for word in single.keys() | repair.keys():
            key = f" {word} "
            at = line.find(key)
            while at >= 0:
                i = line.count(" ", 0, at)
                if word in single:
                    alone.append((i, i, single[word]))
                if word in repair:
                    edits[i] = (at, word)
                at = line.find(key, at + len(key) - 1)
        if alone:
            found = found + sorted(alone, key=lambda span: span[0])
        if edits:
            # the repaired reading without fillers and negations; its spans are mapped back to
            # word indices of this reading, so that idioms of both readings apply
            pieces: list[str] = []
            dropped: list[int] = []  # indices of the words left out, in order
            done = 0
            for i, (at, word) in sorted(edits.items()):
                new = repair.get(word, word)
                pieces.append(line[done:at])
                if new in self.skipped:
                    dropped.append(i)
                else:
                    pieces.append(" " + new)
                done = at + 1 + len(word)
            pieces.append(line[done:])
            short = "".join(pieces)
            if short == " ":
                short = "  "
            more = reduced.get(short)
            if more is None:
                more = reduced[short] = self._matches(short)
            if more[0] or more[1]:

                def back(index: int) -> int:
                    """A word index of the reduced reading as one of this reading."""
                    for i in dropped:
                        if i > index:
                            break
                        index += 1
                    return index

                found = found + [(back(a), back(b), hits) for a, b, hits in more[0]]
                idioms = idioms + [(back(a), back(b)) for a, b in more[1]]
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
