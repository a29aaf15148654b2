"""Words in the user's language: message catalogs, language choice, country and day names."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from rapidfuzz import fuzz, process

from .normalize import fold


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested catalog keys become dotted keys: {crisis: {first: …}} → crisis.first."""
    out: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, full + "."))
        else:
            out[full] = "" if value is None else str(value)
    return out


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed braces>"}


class Catalogs:
    def __init__(self, messages: dict[str, dict[str, str]], names: dict[str, str], default: str):
        self.messages = messages
        self.names = names  # each language's own name
        self.default = default

    @property
    def languages(self) -> list[str]:
        return list(self.messages)

    def t(self, lang: str | None, key: str, **values: Any) -> str:
        """The message in `lang`, else in the default language; never raises mid-conversation."""
        for code in (lang, self.default):
            text = self.messages.get(code or "", {}).get(key)
            if text is not None:
                try:
                    return text.format(**values)
                except (KeyError, IndexError, ValueError):
                    return text
        return key

    def has(self, lang: str, key: str) -> bool:
        return key in self.messages.get(lang, {})

    def pick(self, code: str | None) -> str:
        """Telegram's language_code ('pt-BR', 'en-GB', 'it') to a language we speak."""
        if code:
            base = code.replace("_", "-").split("-")[0].lower()
            if base in self.messages:
                return base
        return self.default


def country_name(code: str, lang: str) -> str:
    return _territories(lang).get(code) or _territories("en").get(code) or code


def language_name(code: str, lang: str) -> str:
    return Locale.parse(lang).languages.get(code) or code


def is_country(code: str) -> bool:
    return code in _territories("en")


def weekday(day: dt.date, lang: str) -> str:
    return format_date(day, "EEEE", locale=lang)


def clock(moment: dt.datetime, lang: str) -> str:
    return format_time(moment, "HH:mm", locale=lang)


@lru_cache(maxsize=16)
def _territories(lang: str) -> dict[str, str]:
    return {k: v for k, v in Locale.parse(lang).territories.items() if len(k) == 2 and k.isalpha()}


class CountryFinder:
    """Typed country names in any of our languages, typos tolerated ('Itallia', 'alemania')."""

    def __init__(self, languages: Iterable[str], aliases: Mapping[str, str] | None = None):
        names: dict[str, str] = {}
        for lang in languages:
            for code, name in _territories(lang).items():
                names.setdefault(fold(name), code)
        for code in _territories("en"):
            names.setdefault(code.lower(), code)
        for alias, code in (aliases or {}).items():
            names[fold(alias)] = code
        self._names = names
        self._choices = list(names)

    def find(self, text: str) -> str | None:
        query = " ".join(fold(text).replace(".", "").split())
        if not query or len(query) > 60:
            return None
        if query in self._names:
            return self._names[query]
        if len(query) < 4:
            return None
        match = process.extractOne(query, self._choices, scorer=fuzz.ratio, score_cutoff=80)
        return self._names[match[0]] if match else None
