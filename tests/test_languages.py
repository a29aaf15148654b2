"""Speak the user's language: no string of another language slips into any screen, the app's
language picks ours, and /language is remembered."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.bundle import Bundle
from bot.engine import Input, State, reply

NOON = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)


def screens(bundle: Bundle, lang: str) -> str:
    """Every node, the emergency reply and the notices, as a user of `lang` would see them."""
    out = []
    for node in bundle.flow.nodes:
        for region in ("IT", "ES", "FR", "DE", "GB", "PE", "ZZ"):
            state = State(node=node, lang=lang, region=region, audience="young", topic="self_harm")
            inputs = (
                Input("press", data="carry"),
                Input("text", "I want to die"),
                Input("other"),
                Input("text", "???"),
                Input("press", data="forged"),
            )
            for inp in inputs:
                _, replies = reply(bundle, state, dataclass_at(inp))
                out += [r.text for r in replies]
                out += [b.label for r in replies for row in r.buttons for b in row]
    return "\n".join(out)


def dataclass_at(inp: Input) -> Input:
    return Input(inp.kind, inp.text, inp.data, inp.language_code, NOON)


def foreign_strings(bundle: Bundle, lang: str) -> dict[str, str]:
    """Catalog strings of the other languages that differ from ours, long enough to be telling."""
    ours = bundle.catalogs.messages[lang]
    found = {}
    for other, messages in bundle.catalogs.messages.items():
        if other == lang:
            continue
        for key, text in messages.items():
            fixed = re.split(r"\{[^}]*\}", text)  # the parts without placeholders
            for part in fixed:
                part = part.strip(" :.()")
                if len(part) >= 12 and part not in ours.get(key, "") and part not in found:
                    found[part] = f"{other}:{key}"
    return found


@pytest.mark.parametrize("lang", ["it", "en", "es", "fr", "de"])
def test_no_string_left_in_another_language(bundle: Bundle, lang: str) -> None:
    text = screens(bundle, lang)
    leaks = {s: where for s, where in foreign_strings(bundle, lang).items() if s in text}
    assert not leaks, leaks


@pytest.mark.parametrize(
    ("code", "expected"),
    [("it", "it"), ("en-GB", "en"), ("es-419", "es"), ("fr", "fr"), ("de-AT", "de"),
     ("pt-BR", "it"), (None, "it"), ("", "it"), ("zz-ZZ", "it")],
)  # fmt: skip
def test_the_app_language_picks_ours_or_the_default(bundle: Bundle, code, expected) -> None:
    state, _ = reply(bundle, State(), Input("command", "/start", language_code=code))
    assert state.lang == expected


def test_language_choice_is_kept_over_the_app_language(bundle: Bundle) -> None:
    state, _ = reply(bundle, State(), Input("command", "/start", language_code="de"))
    state, replies = reply(bundle, state, Input("press", data="lang:fr", language_code="de"))
    assert state.lang == "fr" and "français" in replies[0].text.casefold()
    state, replies = reply(bundle, state, Input("press", data="go:welcome:0", language_code="de"))
    assert state.lang == "fr" and "Dans quel pays es-tu ?" in replies[0].text


def test_country_names_come_from_babel_in_each_language(bundle: Bundle) -> None:
    names = {}
    for lang in ("it", "en", "es", "fr", "de"):
        _, replies = reply(
            bundle, State(node="welcome", lang=lang), Input("press", data="go:welcome:0")
        )
        names[lang] = {b.label for r in replies for row in r.buttons for b in row}
    assert "Germania" in names["it"] and "Germany" in names["en"] and "Alemania" in names["es"]
    assert "Allemagne" in names["fr"] and "Deutschland" in names["de"]
