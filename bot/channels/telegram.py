"""Telegram: a thin adapter from updates to `engine.reply` and from replies to Bot API calls.

Every update goes through one handler (no ConversationHandler), so the crisis check in the
engine sees every text first. Updates of one chat are handled in order; chats run
concurrently, so one user's flood or a slow send does not hold up anybody else.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    BotCommand,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from .. import stats as stats_mod
from ..engine import Input, Reply, State, safe_reply
from ..models import FloodConfig
from ..reload import Holder
from ..state import Store, user_key

log = logging.getLogger("helpline_bot.telegram")

COMMANDS = [
    ("start", "Start"),
    ("sos", "I need help now"),
    ("language", "Language"),
    ("forget", "Erase what the bot keeps"),
    ("stop", "Stay quiet"),
    ("help", "Help"),
]


def to_input(update: Update) -> Input | None:
    """What the engine needs from an update, and nothing else (no names, no ids)."""
    user = update.effective_user
    lang = user.language_code if user else None
    if update.callback_query is not None:
        return Input("press", data=update.callback_query.data or "", language_code=lang)
    msg = update.effective_message
    if msg is None or update.effective_chat is None:
        return None
    text = msg.text or msg.caption
    if text is None:
        return Input("other", language_code=lang)
    is_command = bool(msg.entities) and any(
        e.type == "bot_command" and e.offset == 0 for e in msg.entities
    )
    return Input("command" if is_command else "text", text=text, language_code=lang)


def keyboard(r: Reply) -> InlineKeyboardMarkup | None:
    rows = []
    for row in r.buttons:
        cells = []
        for b in row:
            if b.url:
                cells.append(InlineKeyboardButton(b.label[:64], url=b.url))
            elif b.copy:
                cells.append(InlineKeyboardButton(b.label[:64], copy_text=CopyTextButton(b.copy)))
            elif b.data:
                cells.append(InlineKeyboardButton(b.label[:64], callback_data=b.data))
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(rows) if rows else None


class Flood:
    """Per-chat sliding window: past the limit, one notice, then only crises get through."""

    def __init__(self, cfg: FloodConfig, clock: Callable[[], float] = time.monotonic):
        self.cfg = cfg
        self.clock = clock
        self._seen: dict[str, collections.deque[float]] = {}
        self._warned: set[str] = set()

    def hit(self, key: str) -> tuple[bool, bool]:
        """(over the limit, first time over since it calmed down)."""
        now = self.clock()
        q = self._seen.setdefault(key, collections.deque())
        q.append(now)
        while q and now - q[0] > self.cfg.per_seconds:
            q.popleft()
        if len(q) <= self.cfg.max_messages:
            self._warned.discard(key)
            if len(self._seen) > 10_000:
                self._forget_idle(now)
            return False, False
        first = key not in self._warned
        self._warned.add(key)
        return True, first

    def _forget_idle(self, now: float) -> None:
        for k in [k for k, q in self._seen.items() if not q or now - q[-1] > self.cfg.per_seconds]:
            del self._seen[k]
            self._warned.discard(k)


class Bridge:
    def __init__(
        self,
        holder: Holder,
        store: Store,
        salt: bytes,
        stats: stats_mod.Stats | None = None,
        max_retries: int = 5,
    ):
        self.holder = holder
        self.store = store
        self.salt = salt
        self.stats = stats
        self.max_retries = max_retries
        self.flood = Flood(holder.bundle.config.flood)
        self._locks: dict[str, asyncio.Lock] = {}
        self.in_flight = 0

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            # answer first: the user's button stops spinning even if the rest is slow
            with contextlib.suppress(TelegramError):
                await query.answer()
        chat = update.effective_chat
        inp = to_input(update)
        if chat is None or inp is None:
            return
        key = user_key(self.salt, chat.id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self.in_flight += 1
        try:
            async with lock:
                token = await self._shared_lock(key)
                try:
                    await self._turn(context, chat.id, key, inp)
                finally:
                    if token is not None:
                        self.store.release(key, token)  # type: ignore[attr-defined]
        finally:
            self.in_flight -= 1
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._locks.pop(key, None)

    async def _shared_lock(self, key: str) -> str | None:
        """With several workers (Redis), one chat's updates are handled one at a time across
        them too. Waits at most 5 s: a stuck lock must never cost a reply."""
        acquire = getattr(self.store, "acquire", None)
        if acquire is None:
            return None
        for _ in range(250):
            token = acquire(key)
            if token is not None:
                return token
            await asyncio.sleep(0.02)
        log.warning("conversation lock still held after 5 s: going on without it")
        return None

    async def _turn(self, context: Any, chat_id: int, key: str, inp: Input) -> None:
        bundle = self.holder.bundle
        old = self.store.get(key) or State(region=bundle.config.default_region)
        new, replies = safe_reply(bundle, old, inp)
        self.flood.cfg = bundle.config.flood  # a reload may have changed the limits
        over, first = self.flood.hit(key)
        if over and not any(r.crisis for r in replies):
            # dropped, but the words that may begin a crisis phrase are kept for the next one
            self.store.put(key, dataclasses.replace(old, tail=new.tail, tail_at=new.tail_at))
            if first:
                await self.send(
                    context.bot,
                    chat_id,
                    Reply(bundle.catalogs.t(old.lang or new.lang, "notice.slow_down")),
                )
            return
        if inp.kind == "command" and inp.command[0] == "forget":
            self.store.delete(key)
        else:
            self.store.put(key, new)
        if self.stats is not None:
            try:
                self.stats.add(stats_mod.events(old, new, inp, replies))
            except Exception as exc:  # statistics never cost a reply
                log.warning("statistics not recorded: %s", type(exc).__name__)
        for r in replies:
            await self.send(context.bot, chat_id, r)

    async def send(self, bot: Any, chat_id: int, r: Reply) -> None:
        """Retry network errors, timeouts and 5xx with backoff; 429 waits retry_after (the
        rate limiter does that first). A crisis reply gets twice the attempts."""
        attempts = self.max_retries * (2 if r.crisis else 1) + 1
        delay = 0.5
        for attempt in range(attempts):
            try:
                await bot.send_message(chat_id, r.text, reply_markup=keyboard(r))
                return
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                await asyncio.sleep(min(seconds, 60))
            except (BadRequest, Forbidden) as exc:
                log.warning("message refused by Telegram: %s", type(exc).__name__)
                return
            except NetworkError as exc:
                log.warning("send failed (%s), attempt %d", type(exc).__name__, attempt + 1)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8)
        log.error("message not delivered after %d attempts", attempts)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the kind of error only: never the update, which holds the user's words and id."""
    err = context.error
    log.error("error while handling an update: %s", type(err).__name__ if err else "unknown")


def build_application(
    token: str,
    bridge: Bridge,
    base_url: str | None,
    max_retries: int,
    concurrent: int = 64,
    rate: float | None = None,
    polling: bool = True,
) -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(token).concurrent_updates(concurrent)
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
    limiter_kwargs: dict[str, Any] = {"max_retries": max_retries}
    if rate is not None:
        limiter_kwargs["overall_max_rate"] = rate
    builder = builder.rate_limiter(AIORateLimiter(**limiter_kwargs))
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    app.add_handler(TypeHandler(Update, bridge.handle))
    app.add_error_handler(on_error)
    return app


async def serve(
    app: Application,  # type: ignore[type-arg]
    bridge: Bridge,
    holder: Holder,
    watch: bool,
    webhook: Callable[[], Awaitable[None]] | None = None,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Run until SIGTERM/SIGINT; SIGHUP reloads the YAML files. Replies in flight are sent
    before the process exits."""
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    reloading = asyncio.Lock()
    pending: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        # in a thread: loading and checking every file takes a while, and no reply (a crisis
        # reply least of all) may wait for it; one reload at a time, so the newest wins
        async with reloading:
            await asyncio.to_thread(holder.reload)

    def on_sighup() -> None:
        task = asyncio.ensure_future(reload())
        pending.add(task)
        task.add_done_callback(pending.discard)

    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, on_sighup)

    async with app:
        with contextlib.suppress(TelegramError):
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        await app.start()
        if app.updater is not None and webhook is None:
            await app.updater.start_polling(
                poll_interval=0.0, timeout=10, drop_pending_updates=False
            )
        web_task = asyncio.create_task(webhook()) if webhook else None
        log.info("ready")
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)
                if watch and holder.changed():
                    await reload()
        finally:
            log.info("stopping: finishing replies in flight")
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            for _ in range(300):
                if bridge.in_flight == 0 and app.update_queue.empty():
                    break
                await asyncio.sleep(0.05)
            if web_task is not None:
                web_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await web_task
            await app.stop()
            if bridge.stats is not None:
                with contextlib.suppress(Exception):
                    bridge.stats.flush()  # the last few seconds of counts
    log.info("stopped")


def main(args: argparse.Namespace, token: str) -> int:
    import os

    from ..cli import load_or_exit
    from ..state import open_store, salt_from_env

    secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
    if args.webhook_url and not secret:
        # before anything else: one line, not buried under the bundle's warnings
        print("TELEGRAM_WEBHOOK_SECRET is required with --webhook-url", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL holds the token: keep it quiet. At DEBUG,
    # python-telegram-bot logs whole updates (the user's words, ids) and request parameters
    # (chat ids), and httpcore logs raw requests: cap them whatever --log-level says.
    level = getattr(logging, args.log_level.upper())
    for name, floor in (("httpx", logging.WARNING), ("httpcore", logging.WARNING),
                        ("telegram", logging.INFO), ("uvicorn", logging.INFO)):  # fmt: skip
        logging.getLogger(name).setLevel(max(level, floor))
    bundle = load_or_exit(args.root)
    holder = Holder(args.root, bundle)
    for w in bundle.warnings:
        log.warning("%s", w)
    cfg = bundle.config
    salt, stable = salt_from_env()
    if not stable and cfg.state.backend != "memory":
        log.warning("HELPLINE_BOT_SALT is not set: stored conversations will not survive a restart")
    store = open_store(cfg.state, args.root)
    stats = stats_mod.Stats(args.root / cfg.stats.sqlite_path) if cfg.stats.enabled else None
    bridge = Bridge(holder, store, salt, stats, cfg.telegram.max_retries)
    base_url = os.environ.get("TELEGRAM_BASE_URL") or None
    webhook = None
    if args.webhook_url:
        from .webhook import make_server

        app = build_application(
            token,
            bridge,
            base_url,
            cfg.telegram.max_retries,
            cfg.telegram.concurrent_updates,
            polling=False,
        )
        webhook = make_server(app, args.webhook_url, secret, args.listen, args.port)
    else:
        app = build_application(
            token, bridge, base_url, cfg.telegram.max_retries, cfg.telegram.concurrent_updates
        )
    asyncio.run(serve(app, bridge, holder, args.watch, webhook))
    return 0
