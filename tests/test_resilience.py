"""Faults, floods, webhooks, reloads, shutdown and privacy: the real `helpline-bot run` process
against the fake Bot API on 127.0.0.1 (helpers from test_telegram), in-process where faster."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from bot.bundle import Bundle
from bot.channels.telegram import Bridge, Flood
from bot.engine import Input
from bot.models import FloodConfig
from bot.reload import Holder
from bot.state import MemoryStore
from tests.conftest import ROOT, copy_root
from tests.fakebotapi import FakeBotAPI
from tests.redisserver import free_port
from tests.test_telegram import Bot, is_emergency, start_bot, stop_bot

SLOW_DOWN = "Stai mandando molti messaggi"
RESTARTED = "La conversazione è stata aggiornata"
FORGOTTEN = "Fatto. Ho cancellato"
STALE = "Quel pulsante non è più valido"
WELCOME = "Chi sei?"
TOPIC = "Di cosa si tratta?"

# Chat ids long enough never to appear by chance in a timestamp or a count in the log.
CHAT = iter(range(7_731_190_001, 7_731_199_999))
USED_CHATS: list[int] = []  # every chat of the shared bot: none may show up in its log
USED_WORDS: list[str] = []  # every distinctive word users sent it: none may show up either


def new_chat() -> int:
    chat = next(CHAT)
    USED_CHATS.append(chat)
    return chat


def log_text(bot: Bot) -> str:
    return bot.log.read_text(encoding="utf-8", errors="replace")


def wait_log(bot: Bot, pattern: str, count: int = 1, timeout: float = 10) -> str:
    """Wait until `pattern` (a regex) appears `count` times in the bot's log."""
    deadline = time.monotonic() + timeout
    while True:
        text = log_text(bot)
        if len(re.findall(pattern, text)) >= count:
            return text
        if time.monotonic() > deadline or bot.proc.poll() is not None:
            raise AssertionError(f"{pattern!r} ×{count} not in the log:\n{text[-3000:]}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """One bot for the faults, flood and privacy tests (each uses chats of its own)."""
    root = copy_root(tmp_path_factory.mktemp("resilience"))
    with FakeBotAPI() as api:
        b = start_bot(api, root)
        yield b
        assert stop_bot(b) == 0, log_text(b)[-3000:]


# --- faults -------------------------------------------------------------------------------------


def test_a_reply_survives_a_timeout_beyond_ptbs_timeouts(live: Bot) -> None:
    """PTB's read/write timeouts are 5 s: a send that hangs longer is retried, not dropped."""
    chat, api = new_chat(), live.api
    api.delay("sendMessage", 5.6)
    try:
        api.send_text(chat, "voglio morire")
        wait_log(live, r"send failed \(TimedOut\), attempt 1", timeout=15)
    finally:
        api.delay("sendMessage", 0)
    first = live.wait(chat, 1, timeout=15)[0]
    assert is_emergency(first)
    assert live.proc.poll() is None
    # the hung attempt may land as well (Telegram has no idempotency key): never fewer
    assert all(is_emergency(t) for t in live.texts(chat))


def test_a_blocked_user_neither_crashes_the_bot_nor_stops_other_chats(live: Bot) -> None:
    blocked, other, api = new_chat(), new_chat(), live.api
    api.fail_next("sendMessage", [(403, "Forbidden: bot was blocked by the user")])
    api.send_command(blocked, "/start")
    api.wait_for(
        lambda a: any(c.status == 403 for c in a.calls_to("sendMessage")), message="the 403"
    )
    wait_log(live, r"message refused by Telegram: Forbidden")
    api.send_command(other, "/start")
    assert WELCOME in live.wait(other, 1)[0]
    assert live.proc.poll() is None
    assert live.texts(blocked) == []  # refused, not retried: a blocked bot cannot reach them
    api.send_command(blocked, "/start")  # unblocked later: served again
    assert WELCOME in live.wait(blocked, 1)[0]


# --- flood --------------------------------------------------------------------------------------


def test_a_flood_gets_one_notice_a_crisis_inside_it_is_answered_and_others_are_served(
    live: Bot,
) -> None:
    flooder, other, api = new_chat(), new_chat(), live.api
    limit = yaml.safe_load((live.root / "config.yaml").read_text("utf-8"))["flood"]["max_messages"]
    assert limit < 24, "the crisis (message 25) must come after the limit"
    USED_WORDS.append("messaggio numero")
    injected: list[float] = []
    for i in range(1, 31):
        if i == 25:
            api.send_text(flooder, "voglio morire")
        else:
            api.send_text(flooder, f"messaggio numero {i}")
        if i in (5, 15, 28):  # someone else writes while the flood is being handled
            injected.append(time.monotonic())
            if i == 5:
                api.send_command(other, "/start")
            else:
                api.send_text(other, "ciao")
    # 1 welcome + (limit - 1) × (not understood + welcome) + 1 notice + 1 emergency reply
    expected = 1 + (limit - 1) * 2 + 2
    live.wait(flooder, expected, timeout=20)
    live.wait(other, 5, timeout=10)  # /start: welcome; "ciao" ×2: not understood + welcome
    time.sleep(0.5)  # nothing else may follow: the rest of the flood is dropped
    texts = live.texts(flooder)
    assert len(texts) == expected, texts[-5:]
    notices = [t for t in texts if t.startswith(SLOW_DOWN)]
    assert len(notices) == 1
    crisis = [m for m in api.sent(flooder) if is_emergency(m["text"])]
    assert len(crisis) == 1 and texts[-1] == crisis[0]["text"]
    assert texts.index(notices[0]) < len(texts) - 1
    # the other chat: answered normally, each reply within a second of its message
    sent = [
        c
        for c in api.calls_to("sendMessage")
        if c.status == 200 and c.params.get("chat_id") == other
    ]
    assert not any(c.params["text"].startswith(SLOW_DOWN) for c in sent)
    assert WELCOME in sent[0].params["text"]
    for at, call in zip(injected, [sent[0], sent[1], sent[3]], strict=True):
        assert call.at - at < 1.0, f"{call.at - at:.2f}s"


def test_the_flood_limiter_calms_down_and_warns_again_next_time() -> None:
    now = [0.0]
    flood = Flood(FloodConfig(max_messages=3, per_seconds=10), clock=lambda: now[0])
    hits = [flood.hit("a") for _ in range(6)]
    assert hits == [(False, False)] * 3 + [(True, True), (True, False), (True, False)]
    assert flood.hit("b") == (False, False)  # chats are counted apart
    now[0] = 11.0
    assert flood.hit("a") == (False, False)
    assert [flood.hit("a") for _ in range(3)] == [(False, False), (False, False), (True, True)]


async def test_a_reload_changes_the_flood_limits(bundle: Bundle) -> None:
    sent: list[str] = []

    async def send_message(chat_id: int, text: str, reply_markup: object = None) -> None:
        sent.append(text)

    context = SimpleNamespace(bot=SimpleNamespace(send_message=send_message))
    holder = Holder(ROOT, bundle)
    bridge = Bridge(holder, MemoryStore(1800), b"salt")
    for _ in range(3):
        await bridge._turn(context, 1, "k", Input("text", "ciao"))
    assert not any(t.startswith(SLOW_DOWN) for t in sent)
    strict = bundle.config.model_copy(update={"flood": FloodConfig(max_messages=3, per_seconds=60)})
    holder.bundle = dataclasses.replace(bundle, config=strict)  # what a reload does
    await bridge._turn(context, 1, "k", Input("text", "ciao"))
    assert sent[-1].startswith(SLOW_DOWN)


# --- privacy ------------------------------------------------------------------------------------


def _to_country(bot: Bot, chat: int) -> int:
    """/start, "I am young": returns the message id of the country keyboard."""
    bot.api.send_command(chat, "/start")
    bot.wait(chat, 1)
    bot.api.press_button(chat, "Sono un ragazzo o una ragazza")
    bot.wait(chat, 2)
    message = bot.api.sent(chat)[-1]
    assert "cc:IT" in [data for _, data in bot.api.buttons(message)]
    return int(message["message_id"])


def test_forget_erases_the_conversation(live: Bot) -> None:
    kept, erased, api = new_chat(), new_chat(), live.api
    # without /forget, the country button still means "Italy" in this conversation
    keyboard = _to_country(live, kept)
    api.press(kept, "cc:IT", message_id=keyboard)
    assert TOPIC in live.wait(kept, 3)[-1]
    # after /forget, the same button is a stranger's: a fresh conversation, nothing kept
    keyboard = _to_country(live, erased)
    api.send_command(erased, "/forget")
    assert live.wait(erased, 3)[-1].startswith(FORGOTTEN)
    api.press(erased, "cc:IT", message_id=keyboard)
    after = live.wait(erased, 4)[3:]
    assert after[0].startswith(STALE), after
    assert not any(TOPIC in t for t in after)
    # and the conversation starts again from the beginning
    api.send_text(erased, "ciao")
    assert WELCOME in live.wait(erased, 5)[-1]


def test_the_debug_log_holds_no_words_and_no_ids(live: Bot) -> None:
    """Runs last in this module: everything the shared bot saw is checked."""
    chat, api = new_chat(), live.api
    words = ["Quokkalandia", "patrigno", "Zebrastrasse 12"]
    USED_WORDS.extend(words)
    api.send_text(chat, f"mi chiamo {words[0]}, il mio {words[1]} abita in {words[2]}")
    api.press(chat, "forged:" + words[0])
    live.wait(chat, 3)
    time.sleep(0.3)
    log = log_text(live)
    assert "DEBUG" in log  # the level really was debug
    for needle in [*USED_WORDS, "voglio morire", *map(str, USED_CHATS), "User77311"]:
        assert needle not in log, needle


# --- webhook mode -------------------------------------------------------------------------------


def _http(url: str, body: bytes | None = None, secret: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    req = urllib.request.Request(
        url, data=body, headers=headers, method="POST" if body is not None else "GET"
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _update(update_id: int, chat: int, text: str) -> bytes:
    user = {"id": chat, "is_bot": False, "first_name": "X", "language_code": "it"}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "text": text,
        "from": user,
        "chat": {"id": chat, "type": "private", "first_name": "X"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return json.dumps({"update_id": update_id, "message": message}).encode()


def test_webhook_mode_checks_the_secret_and_answers(tmp_path: Path) -> None:
    root = copy_root(tmp_path)
    port, secret = free_port(), "s3cret-Token_value"
    base = f"http://127.0.0.1:{port}"
    with FakeBotAPI() as api:
        bot = start_bot(
            api,
            root,
            "--webhook-url",
            f"{base}/hook",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            env={"TELEGRAM_WEBHOOK_SECRET": secret},
        )
        try:
            api.wait_for(lambda a: a.webhook_url == f"{base}/hook", message="setWebhook")
            deadline = time.monotonic() + 10
            while True:
                try:
                    if _http(f"{base}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log_text(bot)[-2000:]
                time.sleep(0.05)
            assert api.calls_to("setWebhook")[-1].params.get("secret_token") == secret

            chat = 7_731_200_001
            assert _http(f"{base}/hook", _update(1, chat, "/start"))[0] == 403
            assert _http(f"{base}/hook", _update(2, chat, "/start"), "wrong")[0] == 403
            assert _http(f"{base}/hook", _update(3, chat, "/start"), secret[:-1])[0] == 403
            assert api.sent(chat) == []
            for junk in (b"not json", b"[]", b"1", b'"x"', b"{}"):
                assert _http(f"{base}/hook", junk, secret)[0] == 400, junk
            assert _http(f"{base}/hook", _update(4, chat, "/start"), secret) == (200, "ok")
            assert WELCOME in bot.wait(chat, 1)[0]
            assert _http(f"{base}/hook", _update(5, chat, "voglio morire"), secret)[0] == 200
            assert is_emergency(bot.wait(chat, 2)[1])
            assert _http(f"{base}/nope", _update(6, chat, "/start"), secret)[0] == 404
            assert bot.proc.poll() is None
        finally:
            assert stop_bot(bot) == 0, log_text(bot)[-3000:]


def test_webhook_mode_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env |= {
        "TELEGRAM_BOT_TOKEN": "123:TEST",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--root",
            str(copy_root(tmp_path)),
            "run",
            "--webhook-url",
            "http://127.0.0.1:1/hook",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode != 0
    assert out.count("\n") == 0 and "TELEGRAM_WEBHOOK_SECRET" in out, out


# --- live reload --------------------------------------------------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_broken_reload_keeps_the_last_good_set_and_a_fixed_one_goes_live(tmp_path: Path) -> None:
    root = copy_root(tmp_path)
    messages, flow = root / "messages" / "it.yaml", root / "flows" / "main.yaml"
    good_messages, good_flow = messages.read_text("utf-8"), flow.read_text("utf-8")
    with FakeBotAPI() as api:
        bot = start_bot(api, root)
        try:
            before = 7_731_300_001
            api.send_command(before, "/start")
            welcome = bot.wait(before, 1)[0]
            api.press_button(before, "Sono un ragazzo o una ragazza")
            country = bot.wait(before, 2)[1]

            # a YAML syntax error in one file, an unknown key in another
            _edit(messages, "    country: In quale paese ti trovi?", "    country: [In quale paese")
            _edit(
                flow,
                "  topic:\n    text: node.topic\n",
                "  topic:\n    text: node.topic\n    colour: blue\n",
            )
            bot.proc.send_signal(signal.SIGHUP)
            log = wait_log(bot, r"still serving the last good set")
            assert re.search(r"messages/it\.yaml:\d+: .*YAML", log), log[-2000:]
            assert re.search(r"flows/main\.yaml:\d+: unknown key 'colour'", log), log[-2000:]
            assert bot.proc.poll() is None

            during = 7_731_300_002
            api.send_command(during, "/start")
            assert bot.wait(during, 1)[0] == welcome
            api.press_button(during, "Sono un ragazzo o una ragazza")
            assert bot.wait(during, 2)[1] == country

            # fixed, with a visible change of wording
            messages.write_text(good_messages.replace("Chi sei?", "Dimmi, chi sei?"), "utf-8")
            flow.write_text(good_flow, "utf-8")
            bot.proc.send_signal(signal.SIGHUP)
            wait_log(bot, r"reloaded: \d+ warning")
            after = 7_731_300_003
            api.send_command(after, "/start")
            assert "Dimmi, chi sei?" in bot.wait(after, 1)[0]
            # a conversation begun before the reload carries on where it was
            api.press_button(before, "Italia")
            assert TOPIC in bot.wait(before, 3)[2]
        finally:
            assert stop_bot(bot) == 0, log_text(bot)[-3000:]


def test_watch_reloads_without_sighup_and_a_vanished_node_restarts_with_a_notice(
    tmp_path: Path,
) -> None:
    root = copy_root(tmp_path)
    flow = root / "flows" / "main.yaml"
    with FakeBotAPI() as api:
        bot = start_bot(api, root, "--watch")
        try:
            chat = 7_731_400_001
            api.send_command(chat, "/start")
            bot.wait(chat, 1)
            api.press_button(chat, "Sono un ragazzo o una ragazza")
            bot.wait(chat, 2)
            api.press_button(chat, "Italia")
            assert TOPIC in bot.wait(chat, 3)[2]  # the user now stands on node "topic"

            # the node "topic" is renamed "subject": no SIGHUP, --watch must see it
            text = flow.read_text("utf-8")
            text = re.sub(r"goto: topic$", "goto: subject", text, flags=re.M)
            text = re.sub(r"^  topic:$", "  subject:", text, flags=re.M)
            flow.write_text(text, "utf-8")
            wait_log(bot, r"reloaded: \d+ warning", timeout=10)

            api.press_button(chat, "Autolesionismo")  # a button of the vanished node
            texts = bot.wait(chat, 5)[3:]
            assert texts[0].startswith(RESTARTED), texts
            assert WELCOME in texts[1]
            # and the renamed node works for everyone
            api.press_button(chat, "Sono un ragazzo o una ragazza")
            assert TOPIC in bot.wait(chat, 6)[5]  # Italy is remembered: straight to the topic
        finally:
            assert stop_bot(bot) == 0, log_text(bot)[-3000:]


# --- graceful shutdown --------------------------------------------------------------------------


def test_sigterm_delivers_the_replies_in_flight_then_exits_0(tmp_path: Path) -> None:
    root = copy_root(tmp_path)
    with FakeBotAPI() as api:
        bot = start_bot(api, root)
        chat, other = 7_731_500_001, 7_731_500_002
        api.delay("sendMessage", 1.0)
        crisis = api.send_text(chat, "voglio morire")
        two = api.send_text(other, "ciao")  # welcome; then "not understood" + welcome
        three = api.send_text(other, "ancora")
        wanted = {crisis, two, three}

        def fetched(a: FakeBotAPI) -> bool:
            got = {u["update_id"] for c in a.calls_to("getUpdates") for u in (c.result or [])}
            return wanted <= got

        api.wait_for(fetched, message="the updates to be fetched")
        time.sleep(0.3)  # the response is on its way to the bot; the first send is hanging
        assert api.sent_count() == 0
        bot.proc.send_signal(signal.SIGTERM)
        assert bot.proc.wait(timeout=30) == 0, log_text(bot)[-3000:]
        assert is_emergency(bot.texts(chat)[0])
        assert len(bot.texts(other)) == 3
        log = log_text(bot)
        assert "stopping: finishing replies in flight" in log and "stopped" in log
