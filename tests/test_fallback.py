"""A fault inside the conversation logic must never leave a user without an answer.

The faults are injected where a bug or a bad reload would strike: the flow, the crisis scan,
the directory. Every channel calls `safe_reply`, so the terminal and Telegram are checked too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import engine
from bot.bundle import Bundle
from bot.channels.telegram import Bridge
from bot.channels.terminal import Session
from bot.engine import Input, State, safe_reply
from bot.reload import Holder
from bot.state import MemoryStore

ROOT = Path(engine.__file__).resolve().parent.parent
ERROR_IT = "Qualcosa non ha funzionato da parte mia"


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("injected fault")


class BrokenDetector:
    size = 0

    def scan(self, text: str, tail: tuple[str, ...] = ()) -> None:
        raise RuntimeError("injected fault")


def test_a_fault_in_the_flow_answers_with_the_regions_number_and_keeps_the_state(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "_text", boom)
    state = State(node="topic", lang="it", region="IT", audience="young")
    new, replies = safe_reply(bundle, state, Input("text", "non so cosa scegliere"))
    assert new == state
    assert len(replies) == 1
    assert replies[0].text.startswith(ERROR_IT)
    assert "112" in replies[0].text
    assert [b.data for row in replies[0].buttons for b in row] == ["sos"]


def test_a_crisis_is_still_answered_with_the_emergency_reply_when_the_scan_step_fails(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "_scan", boom)
    state = State(node="topic", lang="en", region="GB", audience="young")
    _, replies = safe_reply(bundle, state, Input("text", "i want to kill myself tonight"))
    assert len(replies) == 1 and replies[0].crisis
    assert replies[0].text.splitlines()[0].count("999")


def test_the_help_button_still_gives_the_emergency_reply_when_presses_fail(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "_press", boom)
    state = State(node="topic", lang="es", region="ES", audience="young")
    _, replies = safe_reply(bundle, state, Input("press", data="sos"))
    assert replies[0].crisis and "112" in replies[0].text.splitlines()[0]


def test_a_broken_detector_still_gets_the_number_out(bundle: Bundle) -> None:
    broken = dataclasses.replace(bundle, detector=BrokenDetector())
    state = State(node="topic", lang="it", region="IT")
    _, replies = safe_reply(broken, state, Input("text", "voglio morire"))
    assert replies[0].text.startswith(ERROR_IT) and "112" in replies[0].text


def test_when_everything_is_broken_the_last_resort_names_the_common_numbers(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = dataclasses.replace(bundle, detector=BrokenDetector(), catalogs=None)
    _, replies = safe_reply(broken, State(lang="fr"), Input("text", "aide"))
    assert replies[0].text == engine.LAST_RESORT
    assert "112 / 911 / 999" in replies[0].text


def test_the_fallback_logs_the_kind_of_fault_and_not_the_words(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine, "_text", boom)
    with caplog.at_level("DEBUG"):
        safe_reply(bundle, State(node="topic", lang="it"), Input("text", "segreto personale"))
    assert "RuntimeError" in caplog.text
    assert "segreto" not in caplog.text


def test_the_terminal_chat_goes_through_the_fallback(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = Session(bundle, lang="it", region="IT")
    monkeypatch.setattr(engine, "_command", boom)
    replies = session.text("/start")
    assert replies[0].text.startswith(ERROR_IT)


async def test_telegram_sends_the_fallback_and_keeps_the_conversation(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []

    async def send_message(chat_id: int, text: str, reply_markup: object = None) -> None:
        sent.append(text)

    context = SimpleNamespace(bot=SimpleNamespace(send_message=send_message))
    store = MemoryStore(1800)
    bridge = Bridge(Holder(ROOT, bundle), store, b"salt")
    state = State(node="topic", lang="it", region="IT", audience="young")
    store.put("k", state)
    monkeypatch.setattr(engine, "_text", boom)
    await bridge._turn(context, 1, "k", Input("text", "boh"))
    assert sent and sent[0].startswith(ERROR_IT)
    assert store.get("k") == state
