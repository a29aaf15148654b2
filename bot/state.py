"""Where conversations are kept: the minimum, under a salted hash, forgotten after inactivity.

Three stores with one behaviour: memory (one process), SQLite (survives restarts) and Redis
(several workers share every conversation). Expiry is the same everywhere: a conversation
untouched for `ttl` seconds is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from .engine import State
from .models import StateConfig

log = logging.getLogger("helpline_bot.state")


class Store(Protocol):
    def get(self, key: str) -> State | None: ...
    def put(self, key: str, state: State) -> None: ...
    def delete(self, key: str) -> None: ...


def user_key(salt: bytes, user_id: int | str) -> str:
    """The only form in which a Telegram id is kept: keyed hash, not reversible without salt."""
    return hmac.new(salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def salt_from_env() -> tuple[bytes, bool]:
    """HELPLINE_BOT_SALT, or a random one (then nothing survives a restart: say so)."""
    value = os.environ.get("HELPLINE_BOT_SALT", "")
    if value:
        return value.encode(), True
    return secrets.token_bytes(32), False


def _encode(state: State) -> str:
    return json.dumps(state.to_dict(), separators=(",", ":"))


_TEXT_FIELDS = ("node", "lang", "region", "audience", "topic")


def _well_formed(state: State) -> bool:
    """Every field has the type the engine expects (a record from a bug, an older version or a
    hand edit could hold anything; the engine must never see it)."""
    return (
        all(v is None or isinstance(v, str) for v in (getattr(state, f) for f in _TEXT_FIELDS))
        and all(isinstance(v, str) for v in (*state.history, *state.tail))
        and isinstance(state.tail_at, int | float)
        and not isinstance(state.tail_at, bool)
        and isinstance(state.silenced, bool)
    )


def _decode(raw: str | bytes | None) -> State | None:
    """A stored record, or None: an unreadable record is a fresh conversation, never a crash."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or any(
            not isinstance(data.get(k, []), list) for k in ("history", "tail")
        ):
            return None  # tuple("abc") or tuple({...}) would read as something else
        state = State.from_dict(data)
    except (ValueError, TypeError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return state if _well_formed(state) else None


class MemoryStore:
    """Keeps the same JSON record the other stores keep, so all three read and write alike."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def get(self, key: str) -> State | None:
        now = self.clock()
        with self._lock:
            self._sweep(now)
            item = self._data.get(key)
            if item is None or now - item[0] > self.ttl:
                self._data.pop(key, None)
                return None
        return _decode(item[1])

    def put(self, key: str, state: State) -> None:
        record = _encode(state)
        with self._lock:
            self._data[key] = (self.clock(), record)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < 60:
            return
        self._last_sweep = now
        for k in [k for k, (t, _) in self._data.items() if now - t > self.ttl]:
            del self._data[k]


class SQLiteStore:
    def __init__(self, path: str | Path, ttl: float, clock: Callable[[], float] = time.time):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.ttl = ttl
        self.clock = clock
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, seen REAL, data TEXT)"
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> State | None:
        now = self.clock()
        with self._lock:
            self._db.execute("DELETE FROM state WHERE seen < ?", (now - self.ttl,))
            row = self._db.execute("SELECT data FROM state WHERE key = ?", (key,)).fetchone()
        return _decode(row[0]) if row else None

    def put(self, key: str, state: State) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO state (key, seen, data) VALUES (?, ?, ?)",
                (key, self.clock(), _encode(state)),
            )

    def delete(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM state WHERE key = ?", (key,))


class RedisStore:
    """Redis does the expiry itself (key TTL), so every worker sees the same rule.

    Redis being unreachable costs the conversation, never a reply: `get` then reads as a
    fresh conversation and `put`/`delete` are skipped, with a warning (the kind of error
    only), so the crisis check and the emergency reply still go out.
    """

    def __init__(self, url: str, ttl: float, prefix: str = "helpline:state:"):
        import redis

        self.ttl = ttl
        self.prefix = prefix
        self._ttl_ms = max(1, int(ttl * 1000))  # milliseconds: a 0 s expiry is an error
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._r = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # delete the lock only if it is still ours (it may have expired and been retaken)
        self._release = self._r.register_script(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
        )

    def get(self, key: str) -> State | None:
        try:
            raw = self._r.get(self.prefix + key)
        except self._errors as exc:
            log.warning("state not read, starting afresh: %s", type(exc).__name__)
            return None
        return _decode(raw)

    def put(self, key: str, state: State) -> None:
        try:
            self._r.set(self.prefix + key, _encode(state), px=self._ttl_ms)
        except self._errors as exc:
            log.warning("state not saved: %s", type(exc).__name__)

    def delete(self, key: str) -> None:
        try:
            self._r.delete(self.prefix + key)
        except self._errors as exc:
            log.warning("state not deleted: %s", type(exc).__name__)

    def ping(self) -> bool:
        return bool(self._r.ping())

    def acquire(self, key: str, hold_ms: int = 10_000) -> str | None:
        """A per-conversation lock across workers, so two updates of one chat arriving at two
        workers are handled one after the other. None when taken (or Redis is away)."""
        token = secrets.token_hex(8)
        try:
            got = self._r.set(self.prefix + "lock:" + key, token, nx=True, px=hold_ms)
        except self._errors as exc:
            log.warning("lock not taken: %s", type(exc).__name__)
            return token  # Redis away: go on unlocked rather than hold up a reply
        return token if got else None

    def release(self, key: str, token: str) -> None:
        try:
            self._release(keys=[self.prefix + "lock:" + key], args=[token])
        except self._errors as exc:
            log.warning("lock not released: %s", type(exc).__name__)


BACKENDS = ("memory", "sqlite", "redis")


def open_store(cfg: StateConfig, root: Path) -> Store:
    """The store config.yaml asks for. HELPLINE_BOT_STATE_BACKEND, when set, overrides
    `state.backend`: one image serves one process (memory) or several workers (redis)."""
    ttl = cfg.ttl_minutes * 60
    backend = os.environ.get("HELPLINE_BOT_STATE_BACKEND", "").strip().lower() or cfg.backend
    if backend not in BACKENDS:
        raise ValueError(f"HELPLINE_BOT_STATE_BACKEND must be one of {', '.join(BACKENDS)}")
    if backend == "redis":
        url = os.environ.get("REDIS_URL") or cfg.redis_url
        if not url:
            raise ValueError("state.backend is redis but neither REDIS_URL nor state.redis_url")
        return RedisStore(url, ttl)
    if backend == "sqlite":
        path = Path(cfg.sqlite_path)
        return SQLiteStore(path if path.is_absolute() else root / path, ttl)
    return MemoryStore(ttl)
