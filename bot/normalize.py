"""One normalisation for crisis phrases and for what people type, so disguises meet the lists.

People hide words from filters (su1c1de, s.u.i.c.i.d.e, #wanttodie, Cyrillic look-alikes,
small capitals) or simply type fast (moriiiire, piu for più). Every step here undoes one such
habit. The same function runs on the phrase lists, so a phrase and its disguise end up as the
same tokens.

Speed matters because this runs on every message before anything else: the work is done by
str.translate and compiled regular expressions, never a Python loop over characters, so a
4 kB message costs about as much as a few short ones.
"""

from __future__ import annotations

import re
import unicodedata

# Letters from other scripts that look like Latin ones (Cyrillic and Greek, lower case after
# casefold), and the "small capitals" that font generators produce (ꜱᴜɪᴄɪᴅᴇ), which NFKC does
# not fold. Only look-alikes: a real Russian or Greek word is not turned into Latin nonsense
# that could match, because the lists hold Latin-script languages only.
HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ɡ": "g", "ӏ": "l", "һ": "h", "ԛ": "q", "ԝ": "w",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l",
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h",
        "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p",
        "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    }
)  # fmt: skip

# Leetspeak, tried as an extra reading of the text (never the only one): "100 pills" must keep
# its digits in the plain reading.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
     "|": "l", "€": "e"}
)  # fmt: skip
_LEET_CHARS = frozenset("013457@$!|€")

_INVISIBLE = {"Cf", "Cc", "Co", "Cs", "Cn", "Mn", "Me"}
# ASCII control characters vanish (they hide a word: "kill\x00myself"), except line breaks
# and tabs, which separate words.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
_BREAKS = re.compile(r"[\n\t\r]")
_REPEATS = re.compile(r"(.)\1+")
_WORD = re.compile(r"[^\W_]+")
_NOT_WORD = re.compile(r"[^\w\s]|_")  # punctuation and symbols, not spaces


_HOMOGLYPH_CHARS = re.compile("[" + "".join(re.escape(chr(k)) for k in HOMOGLYPHS) + "]")


def fold(text: str) -> str:
    """NFKC, casefold, look-alikes to Latin, accents and invisible characters dropped.

    Emoji and other pictographs come out with a space on each side: they are words of their
    own (💊 is a method word), wherever they were typed.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        if _HOMOGLYPH_CHARS.search(text):
            text = text.translate(HOMOGLYPHS)
        text = unicodedata.normalize("NFD", text)
        drop, pad = [], []
        for ch in set(text):
            if not ch.isascii():
                cat = unicodedata.category(ch)
                if cat in _INVISIBLE:
                    drop.append(re.escape(ch))
                elif cat == "So":
                    pad.append(re.escape(ch))
        if drop:
            text = re.sub(f"[{''.join(drop)}]+", "", text)
        if pad:
            text = re.sub(f"[{''.join(pad)}]", r" \g<0> ", text)
        text = unicodedata.normalize("NFC", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return _BREAKS.sub(" ", text)


def leet(folded: str) -> str:
    """The leetspeak reading (su1c1de → suicide), or the text itself when it has none."""
    for ch, latin in _LEET_PAIRS:
        if ch in folded:
            folded = folded.replace(ch, latin)
    return folded


_LEET_PAIRS = tuple((chr(k), v) for k, v in LEET.items())


def squeeze(word: str) -> str:
    """moriiiire → morire. Applied to every token, phrases included, so "kill" reads "kil"."""
    if len(word) < 40:
        return _REPEATS.sub(r"\1", word)
    # long text: one C-speed replace per letter that is doubled somewhere, not a regex step
    # per character
    for ch in set(word):
        double = ch + ch
        while double in word:
            word = word.replace(double, ch)
    return word


def _symbols(folded: str) -> str:
    """The pictographs in a folded text (fold put spaces around them), as a regex class body."""
    if folded.isascii():
        return ""
    return "".join(
        re.escape(ch) for ch in set(folded) if not ch.isascii() and unicodedata.category(ch) == "So"
    )


def tokens(folded: str, joined: bool = False) -> list[str]:
    """Split folded text into words. `joined` drops punctuation inside a word (s.u.i.c.i.d.e,
    i'm) instead of splitting on it; both readings are tried, since "picchia,aiuto" must stay
    two words. Whole-text regular expressions, no per-character Python."""
    return _tokens(squeeze(folded), _symbols(folded), joined)


def _tokens(squeezed: str, symbols: str, joined: bool) -> list[str]:
    if joined:
        drop = re.compile(rf"[^\w\s{symbols}]|_") if symbols else _NOT_WORD
        return squeeze(drop.sub("", squeezed)).split()
    if symbols:
        return re.findall(rf"[^\W_]+|[{symbols}]", squeezed)
    return _WORD.findall(squeezed)


def join_spaced(words: list[str]) -> list[str]:
    """'s u i c i d e' → 'suicide': runs of three or more one-letter words become one word."""
    out: list[str] = []
    run: list[str] = []
    for w in [*words, ""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        if len(run) >= 3:
            out.append(squeeze("".join(run)))
        else:
            out.extend(run)
        run = []
        if w:
            out.append(w)
    return out


def _has_spaced_letters(words: list[str]) -> bool:
    """Three one-letter words in a row: only then can join_spaced change anything."""
    run = 0
    for w in words:
        run = run + 1 if len(w) == 1 else 0
        if run >= 3:
            return True
    return False


def readings(text: str) -> list[list[str]]:
    """Every way to read a message: punctuation as a gap or not, leetspeak or not, spaced
    letters joined or not. A reading is only built when the text has what could change it
    (digits or symbols, punctuation, single letters), so plain text costs one reading."""
    folded = fold(text)
    bases = [folded]
    if not _LEET_CHARS.isdisjoint(folded):
        bases.append(leet(folded))
    found: list[list[str]] = []
    symbols = _symbols(folded)
    for base in bases:
        squeezed = squeeze(base)
        variants = [_tokens(squeezed, symbols, False)]
        if _NOT_WORD.search(base):  # punctuation somewhere: also read it joined
            variants.append(_tokens(squeezed, symbols, True))
        for words in variants:
            for candidate in (words, join_spaced(words)) if _has_spaced_letters(words) else (words,):
                if candidate not in found:
                    found.append(candidate)
    return found


def phrase_readings(phrase: str) -> list[list[str]]:
    """A list phrase as tokens, read with and without its inner punctuation ("j'ai", "jai")."""
    folded = fold(phrase)
    found: list[list[str]] = []
    for joined in (False, True):
        words = tokens(folded, joined)
        if words and words not in found:
            found.append(words)
    return found
