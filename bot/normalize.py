"""One normalisation for crisis phrases and for what people type, so disguises meet the lists.

People hide words from filters (su1c1de, s.u.i.c.i.d.e, #wanttodie, Cyrillic look-alikes,
small capitals) or simply type fast (moriiiire, piu for più). Every step here undoes one such
habit. The same function runs on the phrase lists, so a phrase and its disguise end up as the
same tokens.

This runs on every message before anything else, so it is written for speed: whole-text
str.translate and compiled regular expressions, with only the non-ASCII characters looked at
one by one (through a cached table), and an extra reading (leetspeak, joined punctuation,
spaced letters) built only when the text has what could change it. Most text is ASCII once
accents are stripped, and takes the fast path.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache

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
_HOMOGLYPH_OF = {chr(k): v for k, v in HOMOGLYPHS.items()}

# Leetspeak, tried as an extra reading of the text (never the only one): "100 pills" must keep
# its digits in the plain reading.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
     "|": "l"}
)  # fmt: skip
_LEET_CHAR = re.compile(r"[013457@$!|]")

_INVISIBLE = {"Cf", "Cc", "Co", "Cs", "Cn", "Mn", "Me"}
# ASCII control characters vanish (they hide a word: "kill\x00myself"), except line breaks
# and tabs, which separate words.
_ASCII_CONTROLS = str.maketrans(
    {chr(i): (" " if chr(i) in "\n\t\r" else None) for i in (*range(32), 127)}
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SPECIAL = re.compile(r"[^\x20-\x7e]")  # non-ASCII, or an ASCII control character
_REPEATS = re.compile(r"(\D)(?=\1)", re.DOTALL)  # a character followed by itself; not digits:
#                                                   "22 anni" and "44 kg" keep their number
_ASCII_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
_ASCII_GAP = str.maketrans({c: " " for c in string.punctuation})
_ASCII_JOIN = str.maketrans("", "", string.punctuation)
_SPACED = re.compile(r" [^\W\d_] [^\W\d_] [^\W\d_] ")  # on " ".join(words), padded
# Stand-ins for the few non-ASCII characters left after folding (emoji, other scripts), so the
# fast ASCII path can split the text; control characters, since fold removed all real ones.
# Not \x0b-\x0d or \x1c-\x1f: str.split() takes those for spaces.
_STAND_INS = "".join(chr(i) for i in (*range(1, 9), *range(14, 28)))


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """What one non-ASCII character becomes (after NFKC and casefold): a look-alike's Latin
    letter; a letter without its accents; nothing for an invisible; a pictograph with a space
    each side (a word of its own: 💊); "." for other punctuation and symbols, so that they
    behave like ASCII punctuation (a gap, or joined); " " for other spaces."""
    if ch in _HOMOGLYPH_OF:
        return _HOMOGLYPH_OF[ch]
    if ch in "\n\t\r":
        return " "
    cat = unicodedata.category(ch)
    if cat in _INVISIBLE:
        return ""
    if cat == "So":
        return f" {ch} "
    if cat[0] in "PS":
        return "."
    if cat[0] == "Z":
        return " "
    base = "".join(
        c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) not in _INVISIBLE
    )
    return unicodedata.normalize("NFC", base)


def fold(text: str) -> str:
    """NFKC, casefold, look-alikes to Latin, accents and invisible characters dropped,
    pictographs spaced out. Only the non-ASCII characters are looked at one by one."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text.translate(_ASCII_CONTROLS)  # fast on ASCII
    found = _SPECIAL.findall(text)
    if len(found) < 1000:  # a sub calls back per character: fine for accents and emoji
        return _SPECIAL.sub(lambda m: _fold_char(m.group()), text)
    # mostly another script: one translate is cheaper than many call-backs
    return text.translate({ord(c): _fold_char(c) for c in set(found)})


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


class _Ascii:
    """A folded text as pure ASCII, its few non-ASCII characters replaced by stand-ins, so that
    str.translate and str.split (fast on ASCII only) can cut it into words; `words` puts the
    real characters back."""

    def __init__(self, folded: str):
        self.back: list[tuple[str, str]] = []
        self.text = folded
        if not folded.isascii():
            chars = set(_NON_ASCII.findall(folded))
            stand_in = dict(zip(sorted(chars), _STAND_INS, strict=False))
            self.text = _NON_ASCII.sub(lambda m: stand_in[m.group()], folded)
            self.back = [(v, k) for k, v in stand_in.items()]

    @staticmethod
    def fits(folded: str) -> bool:
        return folded.isascii() or len(set(_NON_ASCII.findall(folded))) <= len(_STAND_INS)

    def words(self, squeezed: str, joined: bool, plain: set[str] | None = None) -> list[str]:
        """The words of the squeezed view. Joined, a word glued from pieces (k.i.l.l → kill)
        can hold a new double letter, so every word that is not also a plain word is squeezed
        again."""
        text = squeezed.translate(_ASCII_JOIN if joined else _ASCII_GAP)  # fast on ASCII
        for stand_in, ch in self.back:
            text = text.replace(stand_in, ch)
        found = text.split()
        if joined:
            known = plain or set()
            found = [w if w in known else squeeze(w) for w in found]
        return found


def _regex_words(folded: str, joined: bool) -> list[str]:
    """The slow path, for text with many different non-ASCII characters (another script)."""
    symbols = "".join(
        re.escape(ch) for ch in set(_NON_ASCII.findall(folded)) if unicodedata.category(ch) == "So"
    )
    squeezed = squeeze(folded)
    if joined:
        drop = rf"[^\w\s{symbols}]|_" if symbols else r"[^\w\s]|_"
        return squeeze(re.sub(drop, "", squeezed)).split()
    return re.findall(rf"[^\W_]+|[{symbols}]" if symbols else r"[^\W_]+", squeezed)


def tokens(folded: str, joined: bool = False) -> list[str]:
    """Split folded text into words. `joined` drops punctuation inside a word (s.u.i.c.i.d.e,
    i'm) instead of splitting on it; both readings are tried, since "picchia,aiuto" must stay
    two words."""
    if _Ascii.fits(folded):
        view = _Ascii(folded)
        return view.words(squeeze(view.text), joined)
    return _regex_words(folded, joined)


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
    found: list[list[str]] = []
    for base in bases:
        variants: list[list[str]] = []
        if _Ascii.fits(base):
            view = _Ascii(base)
            squeezed = squeeze(view.text)
            variants.append(view.words(squeezed, joined=False))
            if _ASCII_PUNCTUATION.search(squeezed):
                variants.append(view.words(squeezed, joined=True, plain=set(variants[0])))
        else:
            variants += [_regex_words(base, joined=False), _regex_words(base, joined=True)]
        # a run of one-letter words in the joined reading is one in the plain reading too
        spaced = _SPACED.search(" " + " ".join(variants[0]) + " ") is not None
        for words in variants:
            candidates = [words, join_spaced(words)] if spaced else [words]
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
