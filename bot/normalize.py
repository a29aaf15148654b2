"""One normalisation for crisis phrases and for what people type, so disguises meet the lists.

People hide words from filters (su1c1de, s.u.i.c.i.d.e, #wanttodie, Cyrillic look-alikes) or
simply type fast (moriiiire, piu for più). Every step here undoes one such habit. The same
function runs on the phrase lists, so a phrase and its disguise end up as the same tokens.
"""

from __future__ import annotations

import re
import unicodedata

# Letters from other scripts that look like Latin ones (Cyrillic and Greek, lower case after
# casefold). Only look-alikes: a real Russian or Greek word is not turned into Latin nonsense
# that could match, because the lists hold Latin-script languages only.
HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ɡ": "g", "ӏ": "l", "һ": "h", "ԛ": "q", "ԝ": "w",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l",
    }
)  # fmt: skip

# Leetspeak, tried as an extra reading of the text (never the only one): "100 pills" must keep
# its digits in the plain reading.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
     "|": "l", "€": "e"}
)  # fmt: skip

_INVISIBLE = {"Cf", "Cc", "Co", "Cs", "Cn", "Mn", "Me"}
_REPEATS = re.compile(r"(.)\1+")
_WORDCHAR = re.compile(r"[^\W_]", re.UNICODE)


def _symbol(ch: str) -> bool:
    """Emoji and other pictographs are tokens of their own (💊 is a method word)."""
    return unicodedata.category(ch) == "So"


def fold(text: str) -> str:
    """NFKC, casefold, look-alikes to Latin, accents and invisible characters dropped."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(HOMOGLYPHS)
    text = unicodedata.normalize("NFD", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _INVISIBLE:
            if cat in ("Cc",) and ch in "\n\t\r":
                out.append(" ")
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def tokens(folded: str, joined: bool = False) -> list[str]:
    """Split into words. `joined` drops punctuation inside a word (s.u.i.c.i.d.e, i'm) instead
    of splitting on it; both readings are tried, since "picchia,aiuto" must stay two words."""
    result: list[str] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            result.append(squeeze("".join(word)))
            word.clear()

    for ch in folded:
        if _WORDCHAR.match(ch):
            word.append(ch)
        elif _symbol(ch):
            flush()
            result.append(ch)
        elif ch.isspace() or not joined:
            flush()
    flush()
    return result


def squeeze(word: str) -> str:
    """moriiiire → morire. Applied to every token, phrases included, so "kill" reads "kil"."""
    return _REPEATS.sub(r"\1", word)


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


def readings(text: str) -> list[list[str]]:
    """Every way to read a message: punctuation as a gap or not, leetspeak or not, spaced
    letters joined or not. Duplicates are dropped, so plain text costs one reading."""
    folded = fold(text)
    found: list[list[str]] = []
    for base in (folded, folded.translate(LEET)):
        for joined in (False, True):
            words = tokens(base, joined)
            for candidate in (words, join_spaced(words)):
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
