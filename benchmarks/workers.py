"""Throughput with 1 and with 2 webhook workers sharing Redis, on the fake Bot API.

    python benchmarks/workers.py            # 2,000 updates per run
    python benchmarks/workers.py --quick    # 200 updates per run
    python benchmarks/workers.py --as-shipped --no-stats --threads 32 --timeout 60

For each worker count it starts a fake Bot API (in this process), a Redis (REDIS_URL, else a
private redis-server on a free port) and real `helpline-bot run --webhook-url …` processes on
127.0.0.1, then plays the load balancer: several threads run whole conversations (/start, then
three taps: young person, Italia, Autolesionismo), posting each update to the next worker in
turn (round robin, so one conversation hops between workers) and waiting for its reply before
the next tap, as a person would. Measured per update: from the POST to the bot's sendMessage
reaching the fake. Printed: updates answered per second, median and p99 latency, and how many
conversations reached the right lines (the proof that the state really was shared).

By default the workers run with python-telegram-bot's AIORateLimiter overall limit switched off
(a one-line patch in the launcher, nothing else changes), so the numbers are the workers'
capacity. `--as-shipped` keeps the limiter: 30 messages per second per worker, Telegram's
per-bot limit, and the table then measures the limiter. The statistics SQLite stays on, as
config.yaml ships it (one synchronous write per update in each worker's event loop);
`--no-stats` switches it off to show what it costs.

Bounded: every run stops at --timeout seconds (120 by default) whatever happened, and every
process it started is stopped before it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakebotapi import FakeBotAPI  # noqa: E402
from tests.redisserver import free_port, redis_ping, redis_server  # noqa: E402
from tests.test_telegram import Bot, stop_bot  # noqa: E402
from tests.test_workers import (  # noqa: E402
    PREFIX,
    SALT,
    SECRET,
    healthy,
    message_update,
    press_update,
    redis_root,
)

TAPS = ("Sono un ragazzo o una ragazza", "Italia", "Autolesionismo")
STEPS = 1 + len(TAPS)  # updates per conversation
EXPECTED = "+39 06 6859 2265"  # Lucy's number: the lines for Italy and self-harm

# The launcher: `helpline-bot run` exactly, optionally without the overall rate limit.
LAUNCHER = """
import functools, os, sys
if os.environ.get("HELPLINE_BENCH_UNTHROTTLED") == "1":
    import bot.channels.telegram as tg
    tg.AIORateLimiter = functools.partial(tg.AIORateLimiter, overall_max_rate=0)
from bot.cli import main
sys.exit(main())
"""


class TimedAPI(FakeBotAPI):
    """The fake Bot API, telling each waiting conversation the moment its reply arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[int, queue.SimpleQueue[tuple[float, dict[str, Any]]]] = {}

    def _send_message(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        message = super()._send_message(params, token)
        box = self.inbox.get(params.get("chat_id"))  # type: ignore[arg-type]
        if box is not None:
            box.put((time.perf_counter(), message))
        return message


def launch(api: FakeBotAPI, root: Path, redis_url: str, unthrottled: bool) -> tuple[Bot, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env |= {
        "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET, "HELPLINE_BOT_SALT": SALT, "REDIS_URL": redis_url,
        "HELPLINE_BOT_STATE_BACKEND": "",
        "PYTHONPATH": str(ROOT), "HELPLINE_BENCH_UNTHROTTLED": "1" if unthrottled else "0",
    }  # fmt: skip
    log = root / "bot.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "--root", str(root), "run", "--log-level", "warning",
             "--webhook-url", f"http://127.0.0.1:{port}/hook", "--listen", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root,
        )  # fmt: skip
    return Bot(api, root, log, proc), port


@contextlib.contextmanager
def workers(
    api: FakeBotAPI, count: int, redis_url: str, tmp: Path, opts: Options
) -> Iterator[list[int]]:
    started: list[Bot] = []
    try:
        ports = []
        for i in range(count):
            root = redis_root(Path(tempfile.mkdtemp(prefix=f"w{count}_{i}_", dir=tmp)))
            if not opts.stats:
                config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
                config["stats"] = {**config.get("stats", {}), "enabled": False}
                (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
            bot, port = launch(api, root, redis_url, opts.unthrottled)
            started.append(bot)
            ports.append(port)
        deadline = time.monotonic() + 30
        for bot, port in zip(started, ports, strict=True):
            while not healthy(port):
                if bot.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"a worker did not start:\n{bot.log.read_text()}")
                time.sleep(0.05)
        yield ports
    finally:
        for bot in started:
            stop_bot(bot)


@dataclass(frozen=True)
class Options:
    unthrottled: bool = True  # PTB's AIORateLimiter overall limit off
    stats: bool = True  # the statistics SQLite, as config.yaml ships it


@dataclass
class Run:
    workers: int
    planned: int
    posted: int = 0
    latencies: list[float] = field(default_factory=list)
    first_post: float = math.inf
    last_reply: float = 0.0
    conversations: int = 0
    conversations_ok: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def seconds(self) -> float:
        return max(self.last_reply - self.first_post, 1e-9) if self.latencies else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.latencies else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000 if ordered else math.nan


class Poster:
    """One keep-alive connection per worker, per thread."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.conns: dict[int, http.client.HTTPConnection] = {}

    def post(self, port: int, update: dict[str, Any]) -> int:
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        for attempt in range(2):
            conn = self.conns.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            self.conns[port] = conn
            try:
                conn.request("POST", "/hook", body, headers)
                response = conn.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                self.conns.pop(port, None)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()


def converse(
    api: TimedAPI, ports: list[int], chats: Iterator[int], run: Run, deadline: float,
    warmup: bool = False,
) -> None:  # fmt: skip
    """One thread: whole conversations, one after another, until the budget or time is out.
    Each update of a conversation goes to the next worker after the one that had the last."""
    poster = Poster(ports)
    try:
        while time.monotonic() < deadline:
            with run.lock:
                take = min(STEPS, run.planned - run.posted)
                if take <= 0:
                    return
                run.posted += take
                chat = next(chats)
                turn = run.conversations  # where in the round this conversation starts
                run.conversations += 1
            box: queue.SimpleQueue[tuple[float, dict[str, Any]]] = queue.SimpleQueue()
            api.inbox[chat] = box
            reply: dict[str, Any] | None = None
            for step in range(take):
                port = ports[(turn + step) % len(ports)]
                if step == 0:
                    update = message_update(chat, "/start")
                else:
                    label = TAPS[step - 1].casefold()
                    buttons = FakeBotAPI.buttons(reply)
                    data = next((d for t, d in buttons if d and label in t.casefold()), None)
                    if data is None or reply is None:
                        run.failures.append(f"no button {TAPS[step - 1]!r}")
                        break
                    update = press_update(chat, data, reply)
                started = time.perf_counter()
                try:
                    status = poster.post(port, update)
                except (OSError, http.client.HTTPException) as exc:
                    run.failures.append(f"POST failed: {type(exc).__name__}")
                    break
                if status != 200:
                    run.failures.append(f"POST answered {status}")
                    break
                wait = max(0.1, min(30, deadline - time.monotonic()))
                try:
                    answered, reply = box.get(timeout=wait)
                except queue.Empty:
                    if time.monotonic() < deadline:  # else the time limit is reported once
                        run.failures.append("no reply within 30 s")
                    break
                if not warmup:
                    with run.lock:
                        run.latencies.append(answered - started)
                        run.first_post = min(run.first_post, started)
                        run.last_reply = max(run.last_reply, answered)
            else:
                if take == STEPS and reply is not None and EXPECTED in reply.get("text", ""):
                    with run.lock:
                        run.conversations_ok += 1
            api.inbox.pop(chat, None)
    finally:
        poster.close()


def measure(
    count: int, updates: int, threads: int, timeout: float, redis_url: str, tmp: Path,
    opts: Options, chats: Iterator[int],
) -> Run:  # fmt: skip
    with TimedAPI() as api, workers(api, count, redis_url, tmp, opts) as ports:
        warm = Run(count, planned=STEPS * 2 * count)  # two conversations per worker, not timed
        converse(api, ports, chats, warm, time.monotonic() + 30, warmup=True)
        if warm.failures:
            raise SystemExit(f"warm-up failed: {warm.failures[:3]}")
        run = Run(count, planned=updates)
        deadline = time.monotonic() + timeout
        pool = [
            threading.Thread(target=converse, args=(api, ports, chats, run, deadline), daemon=True)
            for _ in range(threads)
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=max(0.1, deadline - time.monotonic() + 35))
        if time.monotonic() >= deadline:
            run.failures.append(f"stopped at the {timeout:.0f} s limit")
        return run


def forget(redis_url: str, chats: range) -> None:
    """Leave a shared Redis (REDIS_URL) as it was: delete the conversations made here."""
    import redis

    from bot.state import user_key

    client = redis.Redis.from_url(redis_url)
    try:
        keys = [PREFIX + user_key(SALT.encode(), chat) for chat in chats]
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000, help="updates per run (2000)")
    parser.add_argument("--quick", action="store_true", help="200 updates per run")
    parser.add_argument("--threads", type=int, default=16, help="conversations at once (16)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per run at most")
    parser.add_argument("--as-shipped", action="store_true",
                        help="keep PTB's 30 messages/s per worker limit")  # fmt: skip
    parser.add_argument("--no-stats", action="store_true",
                        help="switch the statistics SQLite off in the workers' config")  # fmt: skip
    args = parser.parse_args(argv)
    updates = 200 if args.quick else args.updates
    opts = Options(unthrottled=not args.as_shipped, stats=not args.no_stats)

    with redis_server() as redis_url, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if redis_url is None or not redis_ping(redis_url, timeout=3):
            print("no Redis: set REDIS_URL or install redis-server", file=sys.stderr)
            return 2
        mode = "rate limiter off" if opts.unthrottled else "rate limiter on (30 msg/s per worker)"
        mode += ", statistics " + ("on (as shipped)" if opts.stats else "off")
        print(f"{updates} updates per run, {args.threads} conversations at once, "
              f"round robin; {mode}")  # fmt: skip
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; load generator, fake "
              "Bot API, workers and Redis all on this machine (127.0.0.1)\n")  # fmt: skip
        first_chat = 3_000_000_000 + int(time.time()) % 1_000_000 * 1000
        chats = itertools.count(first_chat)
        try:
            runs = [
                measure(n, updates, args.threads, args.timeout, redis_url, Path(tmp), opts, chats)
                for n in (1, 2)
            ]
        finally:
            forget(redis_url, range(first_chat, next(chats)))

    head = (f"{'workers':>7}  {'answered':>8}  {'seconds':>7}  {'updates/s':>9}  "
            f"{'median ms':>9}  {'p99 ms':>7}  {'conversations ok':>16}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for r in runs:
        median = statistics.median(r.latencies) * 1000 if r.latencies else math.nan
        row = (f"{r.workers:>7}  {len(r.latencies):>4}/{r.planned:<4}  {r.seconds:>7.2f}  "
               f"{r.rate:>9.1f}  {median:>9.1f}  {r.percentile(0.99):>7.1f}  "
               f"{r.conversations_ok:>7}/{r.conversations}")  # fmt: skip
        print(row.rstrip())
    one, two = runs
    ratio = two.rate / one.rate if one.rate else math.nan
    print(f"\nratio, 2 workers / 1 worker: {ratio:.2f}x")
    problems = [f"{r.workers} worker(s): {f}" for r in runs for f in dict.fromkeys(r.failures)]
    for p in problems:
        print("problem:", p)
    complete = all(len(r.latencies) == r.planned for r in runs)
    return 0 if complete and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
