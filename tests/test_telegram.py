"""`helpline-bot run` end to end, as a real process, against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_root
from tests.fakebotapi import FakeBotAPI


def is_emergency(text: str, number: str = "112") -> bool:
    """The emergency reply, not a notice that merely names the number: the number on the
    first line and the words that only the emergency reply says."""
    return number in text.splitlines()[0] and "assistente automatico, non una persona" in text


class Bot:
    def __init__(self, api: FakeBotAPI, root: Path, log: Path, proc: subprocess.Popen[bytes]):
        self.api, self.root, self.log, self.proc = api, root, log, proc

    def texts(self, chat: int) -> list[str]:
        return [m["text"] for m in self.api.sent(chat)]

    def wait(self, chat: int, n: int, timeout: float = 10) -> list[str]:
        self.api.wait_sent(n, chat, timeout=timeout)
        return self.texts(chat)


def start_bot(api: FakeBotAPI, root: Path, *extra: str, env: dict[str, str] | None = None) -> Bot:
    log = root / "bot.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    environ |= {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "PYTHONPATH": str(ROOT),
    } | (env or {})
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "--root",
                str(root),
                "run",
                "--log-level",
                "debug",
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=root,
        )
    api.wait_for(
        lambda a: a.count("getUpdates") or a.count("setWebhook"),
        timeout=20,
        message="the bot to start",
    )
    return Bot(api, root, log, proc)


def stop_bot(bot: Bot) -> int:
    if bot.proc.poll() is None:
        bot.proc.send_signal(signal.SIGTERM)
        try:
            bot.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.proc.kill()
            bot.proc.wait()
    return bot.proc.returncode


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    root = copy_root(tmp_path_factory.mktemp("root"))
    with FakeBotAPI() as api:
        b = start_bot(api, root)
        yield b
        assert stop_bot(b) == 0, b.log.read_text()


def test_young_person_reaches_lucy_for_self_harm_in_three_taps(bot: Bot) -> None:
    chat, api = 1001, bot.api
    api.send_command(chat, "/start")
    assert "Chi sei?" in bot.wait(chat, 1)[-1]
    api.press_button(chat, "Sono un ragazzo o una ragazza")
    bot.wait(chat, 2)
    api.press_button(chat, "Italia")
    bot.wait(chat, 3)
    api.press_button(chat, "Autolesionismo")
    last = bot.wait(chat, 4)[-1]
    assert "Lucy – Ospedale Pediatrico Bambino Gesù" in last
    assert "+39 06 6859 2265" in last
    assert "24 ore su 24" in last
    api.wait_for(lambda a: a.count("answerCallbackQuery") >= 3, message="every tap answered")


def test_crisis_before_start_is_the_very_next_message(bot: Bot) -> None:
    chat = 1002
    bot.api.send_text(chat, "voglio morire")
    first = bot.wait(chat, 1)[0]
    assert is_emergency(first)


def test_crisis_in_english_in_an_italian_conversation(bot: Bot) -> None:
    chat, api = 1003, bot.api
    api.send_command(chat, "/start")
    bot.wait(chat, 1)
    api.press_button(chat, "Sono un genitore")
    bot.wait(chat, 2)
    api.press_button(chat, "Italia")
    bot.wait(chat, 3)
    api.send_text(chat, "i want to kill myself")
    reply = bot.wait(chat, 4)[3]
    assert is_emergency(reply) and reply.splitlines()[0].count("112") == 1
    assert "Telefono Azzurro" in reply or "114" in reply


def test_the_emergency_reply_has_no_tel_links_and_numbers_in_full(bot: Bot) -> None:
    chat = 1004
    bot.api.send_text(chat, "voglio morire")
    bot.wait(chat, 1)
    markup = bot.api.sent(chat)[0].get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            assert not str(button.get("url", "")).startswith("tel:")
            assert len(button.get("callback_data", "").encode()) <= 64


@pytest.mark.parametrize(
    "text",
    ["x" * 4096, "\x00\x07\x1b[2J<script>alert(1)</script>", "<b>bold</b> & &amp; \u202e"],
    ids=["4096 characters", "control characters", "markup"],
)
def test_odd_messages_never_crash_nor_come_back(bot: Bot, text: str) -> None:
    chat = 1100 + len(text) % 97
    before = len(bot.texts(chat))
    bot.api.send_text(chat, text)
    replies = bot.wait(chat, before + 1)[before:]
    assert all(text not in r for r in replies)
    assert bot.proc.poll() is None


def test_a_sticker_gets_a_gentle_reply_with_the_help_button(bot: Bot) -> None:
    chat = 1200
    bot.api.send_sticker(chat)
    reply = bot.wait(chat, 1)[0]
    assert "solo messaggi di testo" in reply
    labels = [label for label, _ in bot.api.buttons(bot.api.sent(chat)[0])]
    assert "Ho bisogno di aiuto ora" in labels


def test_the_crisis_reply_survives_500s_and_a_429(bot: Bot) -> None:
    chat = 1300
    bot.api.fail_next("sendMessage", [500, 500, 500, (429, 1)])
    bot.api.send_text(chat, "voglio morire")
    first = bot.wait(chat, 1, timeout=30)[0]
    assert is_emergency(first)
    failed = [c for c in bot.api.calls_to("sendMessage") if c.status != 200]
    assert len(failed) >= 4


def test_no_user_text_in_the_debug_log(bot: Bot) -> None:
    secret = "my name is Giulia and my stepdad hurts me"
    chat = 1400
    bot.api.send_text(chat, secret)
    bot.api.send_text(chat, "zebra quokka 7781")
    bot.wait(chat, 2)
    time.sleep(0.2)
    log = bot.log.read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in log  # the debug level really was on
    for needle in ("Giulia", "stepdad", "quokka", "voglio morire", "kill myself", str(chat)):
        assert needle not in log, needle
