"""Several workers, one conversation: webhook workers behind a load balancer, state in Redis.

Two real `helpline-bot run --webhook-url …` processes share a Redis and a salt. The test is
the load balancer: it posts Telegram updates (JSON as Telegram sends them) to one worker or
the other, and a conversation started on one carries on on the other, even after the first
was killed with SIGKILL. Replies go to a fake Bot API on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import random
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.state import user_key
from tests.conftest import copy_root
from tests.fakebotapi import FakeBotAPI
from tests.redisserver import free_port
from tests.test_telegram import Bot, start_bot, stop_bot

pytestmark = pytest.mark.redis

SECRET = "webhook-secret-of-the-tests"
SALT = "salt-shared-by-every-worker"
PREFIX = "helpline:state:"  # RedisStore's default

_update_ids = itertools.count(1)


# --- updates as Telegram posts them ---------------------------------------------------------------


def _user(chat_id: int, lang: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": f"User{chat_id}", "language_code": lang}


def message_update(chat_id: int, text: str, lang: str = "it") -> dict[str, Any]:
    """A private text message; a leading /command gets its bot_command entity."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "from": _user(chat_id, lang),
        "chat": {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(_update_ids), "message": message}


def press_update(
    chat_id: int, data: str, message: dict[str, Any], lang: str = "it"
) -> dict[str, Any]:
    """A tap on an inline button of the bot's `message`."""
    query = {
        "id": str(next(_update_ids)),
        "from": _user(chat_id, lang),
        "message": message,
        "chat_instance": f"ci{chat_id}",
        "data": data,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


def tap(api: FakeBotAPI, chat_id: int, label: str, lang: str = "it") -> dict[str, Any]:
    """The update for tapping the button labelled `label` on the bot's latest message."""
    sent = api.sent(chat_id)[-1]
    for text, data in FakeBotAPI.buttons(sent):
        if label.casefold() in text.casefold() and data:
            return press_update(chat_id, data, api.messages[(chat_id, sent["message_id"])], lang)
    raise AssertionError(f"no button {label!r} in {FakeBotAPI.buttons(sent)}")


# --- workers and the balancer in front of them ---------------------------------------------------


def post(port: int, update: dict[str, Any], secret: str = SECRET, timeout: float = 10) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook", data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Worker:
    bot: Bot
    port: int

    def log(self) -> str:
        return self.bot.log.read_text(encoding="utf-8", errors="replace")


class Balancer:
    """Round robin with failover, like nginx's proxy_next_upstream: an upstream that refuses
    the connection is skipped."""

    def __init__(self, workers: list[Worker]):
        self.workers = workers
        self._next = itertools.count()

    def post(self, update: dict[str, Any], to: int | None = None) -> int:
        """Post to worker `to` (else the next in turn); returns the index that took it."""
        first = next(self._next) if to is None else to
        for i in range(len(self.workers)):
            index = (first + i) % len(self.workers)
            try:
                status = post(self.workers[index].port, update)
            except (ConnectionError, urllib.error.URLError):
                continue
            assert status == 200, f"worker {index} answered {status}"
            return index
        raise AssertionError("no worker took the update")


def redis_root(dest: Path) -> Path:
    """A copy of the shipped files whose config keeps conversations in Redis (REDIS_URL)."""
    root = copy_root(dest)
    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    config["state"] = {**config.get("state", {}), "backend": "redis", "redis_url": None}
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


def start_worker(api: FakeBotAPI, root: Path, redis_url: str, timeout: float = 30) -> Worker:
    """`helpline-bot run` in webhook mode on a free loopback port, ready when /healthz says so."""
    port = free_port()
    bot = start_bot(
        api, root,
        "--webhook-url", f"http://127.0.0.1:{port}/hook", "--listen", "127.0.0.1",
        "--port", str(port),
        env={"TELEGRAM_WEBHOOK_SECRET": SECRET, "HELPLINE_BOT_SALT": SALT,
             "REDIS_URL": redis_url, "HELPLINE_BOT_STATE_BACKEND": ""},  # config.yaml decides
    )  # fmt: skip
    worker = Worker(bot, port)
    deadline = time.monotonic() + timeout
    while not healthy(port):
        if bot.proc.poll() is not None or time.monotonic() > deadline:
            stop_bot(bot)
            raise AssertionError(f"worker on port {port} did not start:\n{worker.log()}")
        time.sleep(0.05)
    return worker


@pytest.fixture
def cluster(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FakeBotAPI, Balancer]]:
    """A fake Bot API and two webhook workers A and B sharing `redis_url` and one salt."""
    with FakeBotAPI() as api:
        workers: list[Worker] = []
        try:
            for name in ("a", "b"):
                root = redis_root(tmp_path_factory.mktemp(f"worker_{name}"))
                workers.append(start_worker(api, root, redis_url))
            yield api, Balancer(workers)
        finally:
            for w in workers:
                stop_bot(w.bot)
        assert not api.errors, api.errors


@pytest.fixture
def chat_id(redis_url: str) -> Iterator[int]:
    """A chat id no earlier run left a conversation under; its record is removed afterwards."""
    import redis

    chat = random.randrange(10**9, 2 * 10**9)
    yield chat
    client = redis.Redis.from_url(redis_url)
    client.delete(PREFIX + user_key(SALT.encode(), chat))
    client.close()


def stored(redis_url: str, chat_id: int) -> dict[str, Any] | None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        raw = client.get(PREFIX + user_key(SALT.encode(), chat_id))
        return None if raw is None else json.loads(raw)
    finally:
        client.close()


# --- the tests ----------------------------------------------------------------------------------


def test_kill_one_worker_the_conversation_carries_on(
    cluster: tuple[FakeBotAPI, Balancer], redis_url: str, chat_id: int
) -> None:
    api, lb = cluster
    a, b = lb.workers
    chat = chat_id

    assert lb.post(message_update(chat, "/start"), to=0) == 0
    assert "Chi sei?" in api.wait_sent(1, chat, timeout=10)[-1]["text"]
    assert lb.post(tap(api, chat, "Sono un ragazzo o una ragazza"), to=0) == 0
    api.wait_sent(2, chat, timeout=10)
    assert lb.post(tap(api, chat, "Italia"), to=0) == 0
    topic_question = api.wait_sent(3, chat, timeout=10)[-1]
    assert "Autolesionismo" in [label for label, _ in FakeBotAPI.buttons(topic_question)]
    assert (stored(redis_url, chat) or {}).get("node") == "topic"

    a.bot.proc.send_signal(signal.SIGKILL)  # no goodbye, no flush: gone
    assert a.bot.proc.wait(timeout=10) == -signal.SIGKILL

    # the balancer still sends to A first; A refuses, so B takes it
    assert lb.post(tap(api, chat, "Autolesionismo"), to=0) == 1
    lines = api.wait_sent(4, chat, timeout=10)[-1]["text"]
    assert "Lucy – Ospedale Pediatrico Bambino Gesù" in lines, lines
    assert "+39 06 6859 2265" in lines, lines
    assert len(api.sent(chat)) == 4, "exactly one answer to the tap"
    record = stored(redis_url, chat)
    assert record is not None
    assert (record["node"], record["region"], record["topic"]) == ("lines", "IT", "self_harm")
    assert b.bot.proc.poll() is None
    assert "Traceback" not in b.log()


def test_round_robin_every_update_on_the_other_worker(
    cluster: tuple[FakeBotAPI, Balancer], redis_url: str, chat_id: int
) -> None:
    api, lb = cluster
    chat = chat_id
    assert post(lb.workers[0].port, message_update(chat, "/start"), secret="wrong") == 403
    steps = [
        lambda: message_update(chat, "/start"),
        lambda: tap(api, chat, "Sono un genitore"),
        lambda: tap(api, chat, "Italia"),
        lambda: tap(api, chat, "Autolesionismo"),
    ]
    used = []
    for n, make in enumerate(steps, start=1):
        used.append(lb.post(make()))
        api.wait_sent(n, chat, timeout=10)
    assert used == [0, 1, 0, 1]
    assert "+39 06 6859 2265" in api.sent(chat)[-1]["text"]

    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=PREFIX + "*"))
        assert (PREFIX + user_key(SALT.encode(), chat)).encode() in keys
        for key in keys:  # neither keys nor values hold a chat id
            value = client.get(key) or b""
            assert str(chat).encode() not in key + value
    finally:
        client.close()
    for w in lb.workers:
        assert "Traceback" not in w.log()
        assert str(chat) not in w.log()
