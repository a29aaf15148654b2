"""The crisis interrupt: from every node of every flow, in every state, the next message is the
emergency reply, with the region's emergency number on its first line."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bundle import Bundle
from bot.engine import Input, State, reply

# One ordinary way of saying it per language; the corpus tests cover the many others.
PHRASES = {
    "it": "voglio morire",
    "en": "I want to die",
    "es": "quiero morirme",
    "fr": "je veux mourir",
    "de": "ich will sterben",
}
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _emergency_first(b: Bundle, region: str | None) -> str:
    numbers = b.directory.emergency(region)
    return numbers[0].number if numbers else "112"


def _states(b: Bundle):
    for node in [None, *b.flow.nodes]:
        for region in (None, "IT", "GB", "ZZ"):
            for silenced in (False, True):
                yield State(
                    node=node,
                    region=region,
                    lang="it",
                    silenced=silenced,
                    audience="young",
                    topic="bullying",
                    history=("welcome",),
                )


def test_every_node_every_language_every_state(bundle: Bundle) -> None:
    checked = 0
    for state in _states(bundle):
        for lang, phrase in PHRASES.items():
            if lang not in bundle.detector_languages:
                continue
            new, replies = reply(bundle, state, Input("text", phrase, at=NOON))
            where = f"node={state.node} region={state.region} silenced={state.silenced} {lang}"
            assert replies, where
            assert replies[0].crisis, where
            assert len(replies) == 1, f"the emergency reply must come alone: {where}"
            first = replies[0].text.splitlines()[0]
            assert _emergency_first(bundle, state.region) in first, f"{where}: {first}"
            assert new.node == state.node, f"the user can carry on where they were: {where}"
            checked += 1
    assert checked >= len(bundle.flow.nodes) * 4 * 2 * 2


def test_every_covered_country_names_its_own_emergency_number_first(bundle: Bundle) -> None:
    for cc in bundle.directory.countries:
        for lang in bundle.catalogs.languages:
            _, replies = reply(bundle, State(region=cc, lang=lang), Input("command", "/sos"))
            first = replies[0].text.splitlines()[0]
            assert bundle.directory.emergency(cc)[0].number in first, (cc, lang, first)


def test_pressing_the_help_button_from_every_node(bundle: Bundle) -> None:
    for node in bundle.flow.nodes:
        _, replies = reply(bundle, State(node=node, region="IT"), Input("press", data="sos"))
        assert replies[0].crisis and "112" in replies[0].text.splitlines()[0], node


def test_a_crisis_inside_a_command_is_still_a_crisis(bundle: Bundle) -> None:
    _, replies = reply(bundle, State(region="IT"), Input("command", "/start voglio morire"))
    assert replies[0].crisis


def test_a_crisis_at_the_end_of_a_very_long_message(bundle: Bundle) -> None:
    text = "bla " * 1019 + "voglio morire"  # 4,089 characters
    assert len(text) <= 4096
    _, replies = reply(bundle, State(region="IT"), Input("text", text))
    assert replies[0].crisis


def test_a_crisis_after_a_reload_removed_the_node(bundle: Bundle) -> None:
    state = State(node="a_node_that_no_longer_exists", region="IT")
    _, replies = reply(bundle, state, Input("text", "voglio morire"))
    assert any(r.crisis for r in replies)


@pytest.mark.parametrize("noise", ["\x00\x01\x1b[31m", "\u202e\u200b", "<b>&amp;</b>", "🙂" * 50])
def test_control_characters_and_markup_do_not_break_it(bundle: Bundle, noise: str) -> None:
    _, replies = reply(bundle, State(region="IT"), Input("text", noise + " voglio morire " + noise))
    assert replies[0].crisis
    assert noise not in replies[0].text  # user text never comes back
