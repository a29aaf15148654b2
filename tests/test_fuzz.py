"""Property tests: `engine.reply` on the shipped files, driven by random conversations.

Each example is a sequence of inputs a user (or a forger) could send: texts of every kind,
commands, presses of buttons the bot just offered, of stale ones and of forged ones, stickers.
After every step: nothing raised; every reply fits Telegram; a way to help is on offer; the
user's own words never come back.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bundle import Bundle
from bot.engine import MAX_INPUT, Input, Reply, State, reply

ANSWER_WHEN_SILENCED = {"start", "sos", "help_now", "aiuto", "ayuda", "hilfe", "forget", "stop"}
COMMANDS = ["start", "sos", "language", "forget", "stop", "help", "back", "help_now", "aiuto"]
FORGED = [
    "go:lines:999",
    "go:welcome:-1",
    "go:nowhere:0",
    "go:topic:",
    "go:topic:1e3",
    "cc:XX",
    "cc:it",
    "cc:",
    "lang:zz",
    "lang:",
    "sos:??",
    "sos:",
    "other:lines",
    "other:nowhere",
    "carry",
    "back",
    "restart",
    "",
    ":",
    "go::",
    "a" * 64,
]
CRISIS = ["voglio morire", "I want to die", "quiero morirme", "je veux mourir", "ich will sterben"]
LANG_CODES = [None, "", "it", "en", "es", "fr", "de", "pt-br", "zz", "EN-us"]


@dataclass
class Step:
    inp: Input
    secret: str = ""  # random words of the user's that must never come back


# --- strategies ---------------------------------------------------------------------------------

random_text = st.text(max_size=200)
control_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "So", "Mn"]),
    max_size=100,
)
long_text = st.builds(
    lambda c, n, tail: c * n + tail,
    st.characters(codec="utf-8"),
    st.integers(MAX_INPUT - 10, MAX_INPUT + 500),
    st.text(max_size=20),
)
# random words: enough distinct characters that no reply could contain them by chance
secret_text = st.text(
    alphabet=string.ascii_letters + string.digits + "àèìòùçñßøæœπжщ日本語", min_size=8, max_size=40
).filter(lambda s: len(set(s)) >= 6)
forged_data = st.text(max_size=64).filter(lambda s: len(s.encode()) <= 64)


def datas(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for row in r.buttons for b in row if b.data]


def all_button_data(bundle: Bundle) -> list[str]:
    """Every callback data the bot can show, node by node: stale data for other nodes."""
    found: set[str] = set()
    for node in bundle.flow.nodes:
        for region in (None, "IT"):
            _, replies = reply(bundle, State(node=node, region=region), Input("command", "/help"))
            found.update(datas(replies))
    for cmd in ("/sos", "/language"):
        found.update(datas(reply(bundle, State(node="lines"), Input("command", cmd))[1]))
    return sorted(found)


def labels(bundle: Bundle) -> list[str]:
    """Button labels typed instead of pressed (these may legitimately come back)."""
    out = []
    for node in bundle.flow.nodes.values():
        out += [bundle.catalogs.t("it", o.label) for o in node.options]
    return out + ["Italia", "italy", "Germania", "Spagna", "francia", "xyz"]


@st.composite
def step(draw: st.DrawFn, bundle: Bundle, last: list[str], seen: list[str], stale: list[str]):
    kind = draw(
        st.sampled_from(
            [
                "text",
                "secret",
                "label",
                "crisis",
                "command",
                "unknown_cmd",
                "press_valid",
                "press_seen",
                "press_stale",
                "press_forged",
                "press_random",
                "other",
            ]
        )
    )
    lang = draw(st.sampled_from(LANG_CODES))
    if kind == "text":
        text = draw(st.one_of(random_text, control_text, long_text))
        stripped = text.strip()
        keep = stripped if len(stripped) >= 8 and len(set(stripped)) >= 6 else ""
        return Step(Input("text", text=text, language_code=lang), keep[:MAX_INPUT])
    if kind == "secret":
        secret = draw(secret_text)
        pad = draw(st.sampled_from(["", " ", "mi chiamo ", "\n", "🙂 "]))
        return Step(Input("text", text=pad + secret, language_code=lang), secret)
    if kind == "label":
        return Step(Input("text", text=draw(st.sampled_from(labels(bundle))), language_code=lang))
    if kind == "crisis":
        return Step(Input("text", text=draw(st.sampled_from(CRISIS)), language_code=lang))
    if kind == "command":
        name = draw(st.sampled_from(COMMANDS))
        at_bot = draw(st.sampled_from(["", "@helpline_test_bot", "@other_bot"]))
        payload = draw(st.one_of(st.just(""), st.sampled_from(["tiktok", "IT", "zz"]), secret_text))
        text = f"/{name}{at_bot}" + (f" {payload}" if payload else "")
        return Step(
            Input("command", text=text, language_code=lang), payload if len(payload) >= 8 else ""
        )
    if kind == "unknown_cmd":
        name = draw(st.text(alphabet=string.ascii_letters + "_" + "é", min_size=1, max_size=30))
        return Step(Input("command", text=f"/{name}", language_code=lang))
    if kind == "press_valid" and last:
        return Step(Input("press", data=draw(st.sampled_from(last)), language_code=lang))
    if kind == "press_seen" and seen:
        return Step(Input("press", data=draw(st.sampled_from(seen)), language_code=lang))
    if kind == "press_stale":
        return Step(Input("press", data=draw(st.sampled_from(stale)), language_code=lang))
    if kind == "press_forged":
        node = draw(st.sampled_from([*bundle.flow.nodes, "zz"]))
        data = draw(
            st.one_of(
                st.sampled_from(FORGED),
                st.builds("go:{}:{}".format, st.just(node), st.integers(0, 10**6)),
                st.builds(
                    "{}:{}".format,
                    st.sampled_from(["cc", "sos", "lang", "other"]),
                    st.text(alphabet=string.ascii_letters, max_size=4),
                ),
            )
        )
        return Step(Input("press", data=data, language_code=lang))
    if kind == "press_random":
        data = draw(forged_data)
        return Step(Input("press", data=data, language_code=lang), data if len(data) >= 8 else "")
    return Step(Input("other", language_code=lang))


# --- properties ---------------------------------------------------------------------------------


def offers_help(bundle: Bundle, state: State, replies: list[Reply]) -> bool:
    if any(r.crisis for r in replies) or "sos" in datas(replies):
        return True
    lang = state.lang or bundle.config.default_language
    confirmations = {
        bundle.catalogs.t(lang, "notice.forgotten"),
        bundle.catalogs.t(lang, "notice.stopped"),
    }
    return [r.text for r in replies] in ([c] for c in confirmations)


def check(bundle: Bundle, before: State, st_: Step, after: State, replies: list[Reply]) -> None:
    inp = st_.inp
    where = f"{before} + {inp!r}"
    for r in replies:
        assert r.text.strip(), f"empty text: {where}"
        assert len(r.text) <= 4096, f"{len(r.text)} characters: {where}"
        for row in r.buttons:
            for b in row:
                assert b.label.strip(), where
                assert (b.data is not None) + (b.url is not None) + (b.copy is not None) == 1
                if b.data is not None:
                    assert 0 < len(b.data.encode()) <= 64, f"{b.data!r}: {where}"
        if st_.secret:
            assert st_.secret not in r.text, f"the user's words came back: {where}"
            assert not any(
                st_.secret in (b.label + (b.url or "") + (b.copy or ""))
                for row in r.buttons
                for b in row
            ), where
    answers_anyway = inp.kind == "command" and inp.command[0] in ANSWER_WHEN_SILENCED
    if before.silenced and not answers_anyway:
        assert not replies or (len(replies) == 1 and replies[0].crisis), where
    elif replies:
        assert offers_help(bundle, after, replies), f"no way to help on offer: {where}"
    if any(r.crisis for r in replies):
        assert replies[0].crisis and len(replies) == 1, where
        assert not after.silenced, where
    if after.node is not None:
        assert after.node in bundle.flow.nodes, where
    assert len(after.history) <= 20
    if inp.kind == "command" and inp.command[0] == "forget" and not replies[0].crisis:
        assert after == State(lang=after.lang), f"/forget kept something: {after}"


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_random_conversations_keep_every_promise(bundle: Bundle, data: st.DataObject) -> None:
    stale = all_button_data(bundle)
    region = data.draw(st.sampled_from([None, "IT", "GB", "US", "ZZ", "XX"]), label="region")
    state = State(region=region)
    moment = data.draw(
        st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2031, 1, 1), timezones=st.just(dt.UTC)),
        label="start",
    )
    last: list[str] = []
    seen: list[str] = []
    for _ in range(data.draw(st.integers(1, 25), label="steps")):
        s = data.draw(step(bundle, last, seen, stale))
        moment += dt.timedelta(seconds=data.draw(st.integers(0, 600)))
        s.inp = Input(s.inp.kind, s.inp.text, s.inp.data, s.inp.language_code, at=moment)
        new, replies = reply(bundle, state, s.inp)
        check(bundle, state, s, new, replies)
        state = new
        if replies:
            last = datas(replies)
            seen = sorted({*seen, *last})


def test_forged_data_on_every_node_is_refused_safely(bundle: Bundle) -> None:
    forged = [*FORGED, "go:topic:99", "cc:ZZZ", "sos:Z1", "lang:xx", "other:welcome", "💣" * 16]
    for node in [None, *bundle.flow.nodes]:
        for data in forged:
            state = State(node=node, region="IT", lang="it")
            new, replies = reply(bundle, state, Input("press", data=data))
            assert offers_help(bundle, new, replies) or not replies, (node, data)


# --- engine gaps this fuzzing found, now fixed ----------------------------------------------


def test_a_forged_superscript_index_is_refused_not_raised(bundle: Bundle) -> None:
    _, replies = reply(bundle, State(node="topic", lang="it"), Input("press", data="go:topic:²"))
    assert replies and "sos" in datas(replies)


def test_the_language_menu_offers_help(bundle: Bundle) -> None:
    _, replies = reply(bundle, State(node="topic", lang="it"), Input("command", "/language"))
    assert "sos" in datas(replies)


@pytest.mark.parametrize("data", ["sos:", "sos:QQ", "sos:it", "sos:💣"])
def test_a_help_press_with_an_unknown_country_still_gets_the_emergency_reply(
    bundle: Bundle, data: str
) -> None:
    state = State(node="topic", region="IT", lang="it", silenced=True)
    new, replies = reply(bundle, state, Input("press", data=data))
    assert len(replies) == 1 and replies[0].crisis and "112" in replies[0].text.splitlines()[0]
    assert new.region == "IT"


def test_pressing_i_need_help_now_after_stop_still_answers(bundle: Bundle) -> None:
    state, _ = reply(bundle, State(node="topic", region="IT", lang="it"), Input("command", "/stop"))
    _, replies = reply(bundle, state, Input("press", data="sos"))
    assert replies and replies[0].crisis
