"""Load benchmark: simulated users against the fake Bot API, helpline-bot beside a bare echo bot.

    python benchmarks/load.py                      # 1,000 users × 20 messages (a few minutes)
    python benchmarks/load.py --quick              # 100 users × 5 messages
    python benchmarks/load.py --users 300 --messages 10 --think 0.5

Every user talks like a person would: /start, then presses a button of the bot's last keyboard
(by its callback data), types a few words, now and then /help or /back, and says one crisis
phrase. Each user waits for the bot's replies to one message before sending the next (`--think`
adds a pause), so all users are in flight at once and the bot is kept saturated.

Layout: this process runs the fake Bot API (tests/fakebotapi.py) and the users; each bot runs
in a child process of its own, built in-process there as `helpline-bot run` builds it
(build_application + Bridge + Holder + MemoryStore, no rate limit), so the bot's CPU and peak
memory are its own. Latency is measured per message from injecting the update to the fake
receiving the bot's first reply to it. A message with no reply within --timeout is lost.
The run stops by itself: after --deadline seconds per bot, users still talking are cut off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POOL = 16  # connections from each bot to the fake (PTB's default of 256 is very slow here)
# Seconds a request may wait for a free connection. PTB's default (1 s) is too short for 64
# handlers on 16 connections in a saturated process: a bare bot, without retries, then drops
# replies (48 of 20,000 in one run); helpline-bot retries them. Both get the same here.
POOL_WAIT = 10.0
CONCURRENT = 64
TOKEN = "123456:LOAD"
FREE_TEXT = [
    "ciao",
    "non so cosa fare",
    "grazie",
    "ok",
    "aiutami a capire",
    "boh",
    "mi sento strano oggi",
    "scusa",
    "chi sei?",
    "non funziona",
    "va bene",
    "ho litigato con mia madre",
    "a scuola mi prendono in giro",
    "sì",
    "no",
]
CRISIS = ["voglio morire", "non voglio più vivere", "voglio farla finita", "I want to die"]
COMMANDS = ["/start", "/help", "/back"]


def proc_status_kb(pid: int | str = "self", field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_now_kb() -> int:
    return proc_status_kb("self", "VmRSS")


def peak_rss_kb() -> int:
    """The process's own high-water mark. Not ru_maxrss: on Linux that keeps the peak of the
    parent image the child was forked from, before exec (here: the fake with all its records)."""
    peak = proc_status_kb("self", "VmHWM")
    if peak:
        return peak
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


# --- the bots (child processes) -----------------------------------------------------------------


def serve_helpline(base_url: str) -> None:
    import logging
    from unittest import mock

    from telegram.ext import ApplicationBuilder

    from bot import stats as stats_mod
    from bot.bundle import load_bundle
    from bot.channels import telegram as tg
    from bot.reload import Holder
    from bot.state import MemoryStore

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    bundle = load_bundle(ROOT)
    cfg = bundle.config
    holder = Holder(ROOT, bundle)
    store = MemoryStore(cfg.state.ttl_minutes * 60)
    tmp = tempfile.TemporaryDirectory(prefix="helpline-load-")
    stats = stats_mod.Stats(Path(tmp.name) / "stats.sqlite3") if cfg.stats.enabled else None
    bridge = tg.Bridge(holder, store, os.urandom(16), stats, cfg.telegram.max_retries)

    class Builder(ApplicationBuilder):  # type: ignore[misc]
        def build(self) -> Any:
            self.connection_pool_size(POOL).pool_timeout(POOL_WAIT)
            return super().build()

    with mock.patch.object(tg, "ApplicationBuilder", Builder):
        app = tg.build_application(
            TOKEN, bridge, base_url, cfg.telegram.max_retries, CONCURRENT, rate=0
        )
    announce_ready()
    asyncio.run(tg.serve(app, bridge, holder, watch=False))
    announce_done()
    tmp.cleanup()


def serve_echo(base_url: str) -> None:
    import logging

    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot"))
        .concurrent_updates(CONCURRENT)
        .connection_pool_size(POOL)
        .pool_timeout(POOL_WAIT)
        .build()
    )

    async def on_message(update: Update, context: Any) -> None:
        await context.bot.send_message(update.effective_chat.id, "ok")

    async def on_press(update: Update, context: Any) -> None:
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, "ok")

    app.add_handler(MessageHandler(filters.ALL, on_message))
    app.add_handler(CallbackQueryHandler(on_press))

    async def run() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=10)
            await stop.wait()
            await app.updater.stop()
            await app.stop()

    announce_ready()
    asyncio.run(run())
    announce_done()


def cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def announce_ready() -> None:
    print("READY " + json.dumps({"rss_kb": rss_now_kb(), "cpu_s": cpu_s()}), flush=True)


def announce_done() -> None:
    done = {"peak_rss_kb": peak_rss_kb(), "cpu_s": cpu_s()}
    print("DONE " + json.dumps(done), flush=True)


# --- the users (this process) -------------------------------------------------------------------


@dataclass
class Step:
    kind: str  # text | command | press
    value: str
    expected: int  # replies the bot gives, as the engine itself says


def make_scripts(users: int, messages: int, seed: int) -> list[list[Step]]:
    """Every user's messages, decided up front with the engine itself (the same files and
    state rules the bot uses), so presses use the data of the keyboard the bot last sent."""
    from bot.bundle import load_bundle
    from bot.engine import Input, State, reply

    bundle = load_bundle(ROOT)
    rng = random.Random(seed)
    scripts = []
    for _ in range(users):
        state = State(region=bundle.config.default_region)
        keyboard: list[str] = []
        crisis_at = rng.randrange(1, messages) if messages > 1 else 0
        steps: list[Step] = []
        while len(steps) < messages:
            i = len(steps)
            roll = rng.random()
            if i == 0:
                step = Step("command", "/start", 0)
            elif i == crisis_at:
                step = Step("text", rng.choice(CRISIS), 0)
            elif roll < 0.6 and keyboard:
                step = Step("press", rng.choice(keyboard), 0)
            elif roll < 0.9:
                step = Step("text", rng.choice(FREE_TEXT), 0)
            else:
                step = Step("command", rng.choice(COMMANDS), 0)
            inp = (
                Input("press", data=step.value, language_code="it")
                if step.kind == "press"
                else Input(step.kind, text=step.value, language_code="it")
            )
            new, replies = reply(bundle, state, inp)
            if not replies:  # e.g. "carry on" with nothing to carry on: a user would not
                keyboard = [d for d in keyboard if d != step.value]
                continue
            state, step.expected = new, len(replies)
            keyboard = [b.data for r in replies for row in r.buttons for b in row if b.data]
            steps.append(step)
        scripts.append(steps)
    return scripts


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    incomplete: int = 0
    unsent: int = 0
    mismatched_keyboards: int = 0
    replies: int = 0
    wall: float = 0.0
    driver_cpu: float = 0.0  # this process: the fake Bot API and the users
    bot: dict[str, Any] = field(default_factory=dict)
    errors: str = ""


def counting_api() -> Any:
    from tests.fakebotapi import FakeBotAPI

    class CountingAPI(FakeBotAPI):
        """The fake, telling the event loop of every message the bot sends, as it lands."""

        loop: asyncio.AbstractEventLoop

        def __init__(self) -> None:
            super().__init__(TOKEN, poll_cap=1.0)
            self.arrived: dict[int, list[float]] = {}
            self.last_message: dict[int, int] = {}
            self.last_keyboard: dict[int, tuple[int, list[str]]] = {}
            self.waiters: dict[int, tuple[int, asyncio.Future[None]]] = {}

        def _send_message(self, params: dict[str, Any], token: str) -> dict[str, Any]:
            message = super()._send_message(params, token)
            with contextlib.suppress(RuntimeError):  # the users are gone (cut off): just answer
                self.loop.call_soon_threadsafe(self._landed, params, message, time.perf_counter())
            return message

        def _landed(self, params: dict[str, Any], message: dict[str, Any], at: float) -> None:
            chat = params["chat_id"]
            times = self.arrived.setdefault(chat, [])
            times.append(at)
            self.last_message[chat] = message["message_id"]
            data = [d for _, d in self.buttons(params) if d]
            if data:
                self.last_keyboard[chat] = (message["message_id"], data)
            waiter = self.waiters.get(chat)
            if waiter and len(times) >= waiter[0] and not waiter[1].done():
                waiter[1].set_result(None)

        async def replies(self, chat: int, n: int, timeout: float) -> bool:
            if len(self.arrived.get(chat, ())) >= n:
                return True
            future = self.loop.create_future()
            self.waiters[chat] = (n, future)
            try:
                await asyncio.wait_for(future, timeout)
                return True
            except TimeoutError:
                return False
            finally:
                self.waiters.pop(chat, None)

    return CountingAPI()


def run_variant(variant: str, scripts: list[list[Step]], args: argparse.Namespace) -> Result:
    result = Result()
    with counting_api() as api:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", variant, "--base-url", api.base_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        stderr: list[str] = []
        threading.Thread(target=lambda: stderr.extend(proc.stderr or []), daemon=True).start()
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line.startswith("READY"):
                raise RuntimeError(f"{variant} bot did not start: {line}{''.join(stderr)}")
            ready = json.loads(line.split(" ", 1)[1])
            result.bot["ready_rss_kb"], result.bot["ready_cpu_s"] = ready["rss_kb"], ready["cpu_s"]
            deadline = time.monotonic() + 30
            while not api.count("getUpdates"):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{variant} bot never polled: {''.join(stderr)}")
                time.sleep(0.05)
            asyncio.run(drive(api, variant, scripts, args, result))
            result.replies = api.sent_count()
        finally:
            # peak while serving, before shutdown: /proc's high-water mark of the bot process
            result.bot["serving_peak_kb"] = proc_status_kb(proc.pid, "VmHWM")
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            for line in out.splitlines():
                if line.startswith("DONE "):
                    result.bot.update(json.loads(line[5:]))
            result.errors = "".join(stderr)[-2000:]
    return result


async def drive(
    api: Any, variant: str, scripts: list[list[Step]], args: argparse.Namespace, result: Result
) -> None:
    api.loop = asyncio.get_running_loop()
    rng = random.Random(args.seed + 1)
    flood_window: dict[int, list[float]] = {}

    async def user(index: int, script: list[Step]) -> None:
        chat = 10_000_000 + index
        got = 0
        for step in script:
            # stay under the bot's flood limit (20 messages / 10 s): a person would, too
            window = flood_window.setdefault(chat, [])
            now = time.monotonic()
            window[:] = [t for t in window if now - t < 10]
            if len(window) >= 20:
                await asyncio.sleep(10 - (now - window[0]) + 0.05)
            window.append(time.monotonic())
            expected = step.expected if variant == "helpline" else 1
            sent_at = time.perf_counter()
            if step.kind == "press":
                last = api.last_keyboard.get(chat)
                if variant == "helpline" and (last is None or step.value not in last[1]):
                    result.mismatched_keyboards += 1
                if variant == "helpline" and last:
                    message_id: int | None = last[0]
                else:
                    message_id = api.last_message.get(chat)
                api.press(chat, step.value, message_id=message_id)
            elif step.kind == "command":
                api.send_command(chat, step.value)
            else:
                api.send_text(chat, step.value)
            if not await api.replies(chat, got + 1, args.timeout):
                result.lost += 1  # and the user carries on with the next message
                got = len(api.arrived.get(chat, ()))
                continue
            result.latencies.append(api.arrived[chat][got] - sent_at)
            if not await api.replies(chat, got + expected, args.timeout):
                result.incomplete += 1
            got = len(api.arrived.get(chat, ()))
            if args.think:
                await asyncio.sleep(rng.uniform(0, 2 * args.think))

    tasks = [asyncio.create_task(user(i, s)) for i, s in enumerate(scripts)]
    started, cpu = time.perf_counter(), time.process_time()
    done, pending = await asyncio.wait(tasks, timeout=args.deadline)
    result.wall = time.perf_counter() - started
    result.driver_cpu = time.process_time() - cpu
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        sent = len(result.latencies) + result.lost
        result.unsent = sum(len(s) for s in scripts) - sent
    for task in done:
        if task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


# --- report -------------------------------------------------------------------------------------


def summary(r: Result, total: int) -> dict[str, float]:
    lat = sorted(r.latencies)
    serving_peak = r.bot.get("serving_peak_kb") or r.bot.get("peak_rss_kb", 0)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else lat * 99
    return {
        "delivered": len(lat),
        "lost": r.lost,
        "unsent": r.unsent,
        "median_ms": statistics.median(lat) * 1000 if lat else float("nan"),
        "p99_ms": q[98] * 1000 if lat else float("nan"),
        "max_ms": lat[-1] * 1000 if lat else float("nan"),
        "throughput": len(lat) / r.wall if r.wall else 0.0,
        "replies_per_s": r.replies / r.wall if r.wall else 0.0,
        "cpu_ms": (r.bot.get("cpu_s", 0) - r.bot.get("ready_cpu_s", 0)) * 1000 / max(len(lat), 1),
        "peak_mb": serving_peak / 1024,
        "growth_mb": (serving_peak - r.bot.get("ready_rss_kb", 0)) / 1024,
        "exit_peak_mb": r.bot.get("peak_rss_kb", 0) / 1024,
        "wall_s": r.wall,
    }


def report(args: argparse.Namespace, total: int, results: dict[str, Result]) -> None:
    h, e = summary(results["helpline"], total), summary(results["echo"], total)
    rows = [
        ("messages delivered (answered)", "delivered", "{:.0f}"),
        (f"messages lost (no reply in {args.timeout:.0f} s)", "lost", "{:.0f}"),
        ("messages not sent (cut off)", "unsent", "{:.0f}"),
        ("latency to first reply, median", "median_ms", "{:.1f} ms"),
        ("latency to first reply, p99", "p99_ms", "{:.1f} ms"),
        ("latency to first reply, max", "max_ms", "{:.1f} ms"),
        ("throughput (messages answered/s)", "throughput", "{:.1f}"),
        ("replies sent/s", "replies_per_s", "{:.1f}"),
        ("bot CPU per message (after start)", "cpu_ms", "{:.2f} ms"),
        ("bot peak RSS while serving", "peak_mb", "{:.1f} MB"),
        ("  growth over RSS when ready", "growth_mb", "{:.1f} MB"),
        ("bot peak RSS incl. shutdown", "exit_peak_mb", "{:.1f} MB"),
        ("wall time", "wall_s", "{:.1f} s"),
    ]
    print(f"{'':36}{'helpline-bot':>16}{'echo bot':>16}{'ratio':>10}")
    for label, key, fmt in rows:
        ratio = f"{h[key] / e[key]:.2f}x" if e[key] else "–"
        print(f"{label:36}{fmt.format(h[key]):>16}{fmt.format(e[key]):>16}{ratio:>10}")
    hl = results["helpline"]
    print(
        f"\nhelpline-bot: {hl.replies} replies for {total} messages; "
        f"{hl.incomplete} turn(s) missing a reply; "
        f"{hl.mismatched_keyboards} press(es) not on the last keyboard received"
    )
    for name, r in results.items():
        if r.errors.strip():
            print(f"\n{name} bot stderr (tail):\n{r.errors.strip()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20, help="messages per user")
    parser.add_argument("--quick", action="store_true", help="100 users × 5 messages")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between messages")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to a lost message")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds per bot, at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", choices=["helpline", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        (serve_helpline if args.serve == "helpline" else serve_echo)(args.base_url)
        return 0
    if args.quick:
        args.users, args.messages = 100, 5
    total = args.users * args.messages
    print(
        f"helpline-bot load benchmark: {args.users} users × {args.messages} messages = "
        f"{total} messages; think {args.think} s; seed {args.seed}"
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); fake Bot API and users in "
        f"one process, each bot in its own ({CONCURRENT} concurrent updates, {POOL} connections, "
        f"≤ {POOL_WAIT:.0f} s wait for one)"
    )
    t = time.perf_counter()
    scripts = make_scripts(args.users, args.messages, args.seed)
    print(f"scripts made with the engine in {time.perf_counter() - t:.1f} s\n", flush=True)
    results = {}
    for variant in ("helpline", "echo"):
        results[variant] = r = run_variant(variant, scripts, args)
        print(f"{variant}: {len(r.latencies)} answered in {r.wall:.1f} s", flush=True)
    print()
    report(args, total, results)
    h = results["helpline"]
    return 0 if h.lost == 0 and h.unsent == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
