"""One normalisation for crisis phrases and for what people type, so disguises meet the lists.

People hide words from filters (su1c1de, s.u.i.c.i.d.e, #wanttodie, Cyrillic look-alikes,
small capitals) or simply type fast (moriiiire, piu for più). Every step here undoes one such
habit. The same function runs on the phrase lists, so a phrase and its disguise end up as the
same tokens.

This runs on every message before anything else, so it is written for speed: whole-text
str.translate and compiled regular expressions, never a Python loop over characters, and an
extra reading (leetspeak, joined punctuation, spaced letters) is only built when the text has
what could change it. Most text is ASCII once accents are stripped, and takes the fast path.
"""

from __future__ import annotations

import re
import string
import unicodedata

# Letters from other scripts that look like Latin ones (Cyrillic and Greek, lower case after
# casefold), and the "small capitals" that font generators produce (ꜱᴜɪᴄɪᴅᴇ), which NFKC does
# not fold. Only look-alikes: a real Russian or Greek word is not turned into Latin nonsense
# that could match, because the lists hold Latin-script languages only. Typographic
# punctuation becomes ASCII (I’m = I'm) and ligatures are spelt out (sœur = soeur).
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
        "œ": "oe", "æ": "ae",
        "’": "'", "‘": "'", "‛": "'", "ʼ": "'", "´": "'", "`": "'",
        "“": '"', "”": '"', "«": '"', "»": '"', "„": '"',
        "–": "-", "—": "-", "¿": " ", "¡": " ",
    }
)  # fmt: skip
_HOMOGLYPH_CHARS = re.compile("[" + "".join(re.escape(chr(k)) for k in HOMOGLYPHS) + "]")
_HOMOGLYPH_OF = {chr(k): v for k, v in HOMOGLYPHS.items()}

# Leetspeak, tried as an extra reading of the text (never the only one): "100 pills" must keep
# its digits in the plain reading.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
     "|": "l", "€": "e"}
)  # fmt: skip
_LEET_CHAR = re.compile(r"[013457@$!|€]")

_INVISIBLE = {"Cf", "Cc", "Co", "Cs", "Cn", "Mn", "Me"}
# ASCII control characters vanish (they hide a word: "kill\x00myself"), except line breaks
# and tabs, which separate words.
_ASCII_CONTROLS = str.maketrans(
    {chr(i): (" " if chr(i) in "\n\t\r" else None) for i in (*range(32), 127)}
)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_REPEATS = re.compile(r"(.)(?=\1)", re.DOTALL)  # a character followed by itself
_WORD = re.compile(r"[^\W_]+")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SPACED = re.compile(r" [^\W\d_] [^\W\d_] [^\W\d_] ")  # on " ".join(words), padded
_ASCII_GAP = str.maketrans({c: " " for c in string.punctuation})
_ASCII_JOIN = str.maketrans("", "", string.punctuation)


def fold(text: str) -> str:
    """NFKC, casefold, look-alikes to Latin, accents and invisible characters dropped.

    Emoji and other pictographs come out with a space on each side: they are words of their
    own (💊 is a method word), wherever they were typed.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text.translate(_ASCII_CONTROLS)
    if _HOMOGLYPH_CHARS.search(text):  # a sub, not str.translate: that is slow off ASCII
        text = _HOMOGLYPH_CHARS.sub(lambda m: _HOMOGLYPH_OF[m.group()], text)
    text = unicodedata.normalize("NFD", text)
    drop, pad = [], []
    for ch in set(_NON_ASCII.findall(text)):
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
    if _CONTROLS.search(text):
        text = text.translate(_ASCII_CONTROLS)
    return text


def leet(folded: str) -> str:
    """The leetspeak reading of a folded text (su1c1de → suicide)."""
    return folded.translate(LEET)


def _leet_in_word(folded: str) -> bool:
    """A leet character touching a letter (su1c1de, st3rb3n, r@pe, su!c!de): only then is a
    leet reading worth building; "14", "100%" and a final "!" change nothing."""
    for m in _LEET_CHAR.finditer(folded):
        i = m.start()
        after = folded[i + 1 : i + 2]
        before = folded[i - 1 : i] if i else ""
        if after.isalpha() or (before.isalpha() and m.group() != "!"):
            return True
    return False


def squeeze(word: str) -> str:
    """moriiiire → morire. Applied to every token, phrases included, so "kill" reads "kil"."""
    return _REPEATS.sub("", word)


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
    two words."""
    return _tokens(squeeze(folded), _symbols(folded), joined)


def _tokens(squeezed: str, symbols: str, joined: bool) -> list[str]:
    ascii_text = squeezed.isascii()
    if joined:
        if ascii_text:
            text = squeezed.translate(_ASCII_JOIN)
        elif symbols:
            text = re.sub(rf"[^\w\s{symbols}]|_", "", squeezed)
        else:
            text = _PUNCTUATION.sub("", squeezed)
        return squeeze(text).split()  # k.i.l.l joins into kill: squeeze again
    if ascii_text:
        return squeezed.translate(_ASCII_GAP).split()
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


def readings(text: str) -> list[list[str]]:
    """Every way to read a message: punctuation as a gap or not, leetspeak or not, spaced
    letters joined or not. A reading is only built when the text has what could change it
    (leet characters inside words, punctuation, single letters), so plain text costs one."""
    folded = fold(text)
    bases = [folded]
    if _leet_in_word(folded):
        bases.append(leet(folded))
    symbols = _symbols(folded)
    found: list[list[str]] = []
    for base in bases:
        squeezed = squeeze(base)
        variants = [_tokens(squeezed, symbols, False)]
        if _PUNCTUATION.search(squeezed):
            variants.append(_tokens(squeezed, symbols, True))
        for words in variants:
            candidates = [words]
            if _SPACED.search(" " + " ".join(words) + " "):
                candidates.append(join_spaced(words))
            for candidate in candidates:
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
