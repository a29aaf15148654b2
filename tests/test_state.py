"""The three conversation stores behave the same: memory, SQLite and Redis.

Each test runs once per backend. Memory and SQLite get an injected clock; Redis keeps time
itself, so its expiry tests use a 1-second TTL and really wait. Redis comes from REDIS_URL
when set, else from a private `redis-server` started on a free loopback port, else the Redis
cases are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import State
from bot.models import StateConfig
from bot.state import MemoryStore, RedisStore, SQLiteStore, Store, open_store, user_key
from tests.redisserver import free_port

FIELDS = {"node", "lang", "region", "audience", "topic", "history", "tail", "tail_at", "silenced"}
SALT = b"test-salt-for-the-state-tests"
CHAT_ID = 987654321012  # 12 digits: never found in a 32-hex-digit hash by chance

FULL = State(
    node="topic",
    lang="it",
    region="IT",
    audience="young",
    topic="self_harm",
    history=("welcome", "country"),
    tail=("voglio",),
    tail_at=1_767_225_600.25,
    silenced=True,
)


# --- one harness per backend --------------------------------------------------------------------


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclasses.dataclass
class Backend:
    """Makes stores of one kind, moves their time on, and reaches under them."""

    name: str
    make: Callable[[float], Store]  # ttl seconds -> store
    advance: Callable[[float], None]  # let this many seconds pass
    write_raw: Callable[[Store, str, Any], None]  # store a raw record under a key
    raw_dump: Callable[[Store], bytes]  # every byte kept: keys and values
    raw_record: Callable[[Store, str], bytes | None]  # the stored record of one key


def memory_backend() -> Backend:
    clock = Clock()

    def advance(seconds: float) -> None:
        clock.now += seconds

    def write_raw(store: Store, key: str, raw: Any) -> None:
        assert isinstance(store, MemoryStore)
        store._data[key] = (clock(), raw)  # type: ignore[assignment]

    def raw_dump(store: Store) -> bytes:
        assert isinstance(store, MemoryStore)
        return repr(store._data).encode()

    def raw_record(store: Store, key: str) -> bytes | None:
        assert isinstance(store, MemoryStore)
        item = store._data.get(key)
        return None if item is None else str(item[1]).encode()

    return Backend("memory", lambda ttl: MemoryStore(ttl, clock=clock), advance, write_raw,
                   raw_dump, raw_record)  # fmt: skip


def sqlite_backend(path: Path) -> Backend:
    clock = Clock()

    def advance(seconds: float) -> None:
        clock.now += seconds

    def write_raw(store: Store, key: str, raw: Any) -> None:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            db.execute("INSERT OR REPLACE INTO state (key, seen, data) VALUES (?, ?, ?)",
                       (key, clock(), raw))  # fmt: skip

    def raw_dump(store: Store) -> bytes:
        # the database file and its write-ahead log: whatever is on disk
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())

    def raw_record(store: Store, key: str) -> bytes | None:
        with contextlib.closing(sqlite3.connect(path)) as db:
            row = db.execute("SELECT data FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0]).encode()

    return Backend("sqlite", lambda ttl: SQLiteStore(path, ttl, clock=clock), advance,
                   write_raw, raw_dump, raw_record)  # fmt: skip


def redis_backend(url: str) -> tuple[Backend, Callable[[], None]]:
    import redis

    client = redis.Redis.from_url(url)
    prefix = f"test:{uuid.uuid4().hex}:"

    def prefixed(store: Store) -> str:
        assert isinstance(store, RedisStore)
        return store.prefix

    def write_raw(store: Store, key: str, raw: Any) -> None:
        client.set(prefixed(store) + key, raw, ex=60)

    def raw_dump(store: Store) -> bytes:
        keys = sorted(client.scan_iter(match=prefixed(store) + "*"))
        return b"".join(k + b"=" + (client.get(k) or b"") + b"\n" for k in keys)

    def raw_record(store: Store, key: str) -> bytes | None:
        return client.get(prefixed(store) + key)

    def cleanup() -> None:
        for k in client.scan_iter(match=prefix + "*"):
            client.delete(k)
        client.close()

    backend = Backend("redis", lambda ttl: RedisStore(url, ttl, prefix=prefix), time.sleep,
                      write_raw, raw_dump, raw_record)  # fmt: skip
    return backend, cleanup


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        yield memory_backend()
    elif request.param == "sqlite":
        yield sqlite_backend(tmp_path / "var" / "state.sqlite3")
    else:
        url = request.getfixturevalue("redis_url")
        b, cleanup = redis_backend(url)
        try:
            yield b
        finally:
            cleanup()


# --- the behaviour, the same for all three -----------------------------------------------------


def test_a_state_with_every_field_set_comes_back_whole(backend: Backend) -> None:
    assert {f.name for f in dataclasses.fields(State)} == FIELDS
    assert all(getattr(FULL, f) != getattr(State(), f) for f in FIELDS), "set every field"
    store = backend.make(1800)
    key = user_key(SALT, CHAT_ID)
    assert store.get(key) is None
    store.put(key, FULL)
    got = store.get(key)
    assert got == FULL
    assert isinstance(got.history, tuple) and isinstance(got.tail, tuple)
    changed = dataclasses.replace(FULL, node="lines", history=(), silenced=False)
    store.put(key, changed)
    assert store.get(key) == changed
    assert store.get(user_key(SALT, CHAT_ID + 1)) is None


def test_delete_forgets_one_conversation_only(backend: Backend) -> None:
    store = backend.make(1800)
    mine, other = user_key(SALT, 1), user_key(SALT, 2)
    store.put(mine, FULL)
    store.put(other, State(node="welcome"))
    store.delete(mine)
    assert store.get(mine) is None
    assert store.get(other) == State(node="welcome")
    store.delete(mine)  # deleting what is not there is fine
    store.delete(user_key(SALT, 3))


def test_a_conversation_expires_after_ttl_without_a_message(backend: Backend) -> None:
    store = backend.make(1)  # one second
    key = user_key(SALT, CHAT_ID)
    store.put(key, FULL)
    backend.advance(0.5)
    assert store.get(key) == FULL, "read before the TTL: still there"
    backend.advance(0.7)
    assert store.get(key) is None, "1.2 s after the last message: forgotten"
    assert backend.raw_record(store, key) is None, "gone from the store, not just hidden"


def test_every_message_restarts_the_clock(backend: Backend) -> None:
    store = backend.make(1)
    key = user_key(SALT, CHAT_ID)
    store.put(key, FULL)
    backend.advance(0.6)
    store.put(key, FULL)  # the user said something: 1 s from now again
    backend.advance(0.6)
    assert store.get(key) == FULL
    backend.advance(0.6)
    assert store.get(key) is None


@pytest.mark.redis
def test_redis_sets_the_ttl_on_the_key(redis_url: str) -> None:
    import redis

    store = RedisStore(redis_url, 30 * 60, prefix=f"test:{uuid.uuid4().hex}:")
    key = user_key(SALT, CHAT_ID)
    store.put(key, FULL)
    client = redis.Redis.from_url(redis_url)
    try:
        ttl = client.pttl(store.prefix + key)
        assert 29 * 60 * 1000 < ttl <= 30 * 60 * 1000
    finally:
        client.delete(store.prefix + key)
        client.close()


UNREADABLE = [
    b"\xff\xfe\x00 not even UTF-8",
    "{",
    "",
    "null",
    "[1, 2, 3]",
    '"a string"',
    "42",
    '{"history": 7}',
    '{"node": 5}',
    '{"lang": ["it"]}',
    '{"history": ["welcome", 3]}',
    '{"tail_at": "yesterday"}',
    '{"tail_at": true}',
    '{"silenced": "yes"}',
    '{"tail": {"a": 1}}',
    '{"history": "welcome"}',
    "[" * 100_000,  # deeper than the JSON parser recurses
]


@pytest.mark.parametrize("raw", UNREADABLE, ids=[f"raw{i}" for i in range(len(UNREADABLE))])
def test_an_unreadable_record_is_a_fresh_conversation(backend: Backend, raw: Any) -> None:
    store = backend.make(1800)
    key = user_key(SALT, CHAT_ID)
    backend.write_raw(store, key, raw)
    assert store.get(key) is None
    store.put(key, FULL)  # and the conversation goes on from there
    assert store.get(key) == FULL


def test_unknown_fields_from_a_newer_version_are_ignored(backend: Backend) -> None:
    store = backend.make(1800)
    key = user_key(SALT, CHAT_ID)
    backend.write_raw(store, key, json.dumps({**FULL.to_dict(), "mood": "x"}))
    assert store.get(key) == FULL


def test_keys_are_salted_hashes_and_the_chat_id_is_kept_nowhere(backend: Backend) -> None:
    key = user_key(SALT, CHAT_ID)
    assert len(key) == 32 and all(c in "0123456789abcdef" for c in key)
    assert key == user_key(SALT, str(CHAT_ID)), "the same whatever type the id arrives as"
    assert key != user_key(b"another salt", CHAT_ID), "a different salt, a different key"
    assert str(CHAT_ID) not in key
    store = backend.make(1800)
    for chat in (CHAT_ID, CHAT_ID + 1, -CHAT_ID):
        store.put(user_key(SALT, chat), FULL)
    store.delete(user_key(SALT, CHAT_ID + 1))
    kept = backend.raw_dump(store)
    assert key.encode() in kept
    for needle in (str(CHAT_ID), str(CHAT_ID + 1), str(CHAT_ID)[-8:]):
        assert needle.encode() not in kept, needle


def test_the_stored_json_holds_the_fields_and_no_text(backend: Backend, chat: Any) -> None:
    """A real conversation with typed words in it: only the state's fields reach the store."""
    session = chat(lang="it")
    session.text("/start")
    session.press("Sono un ragazzo o una ragazza")
    session.press("Italia")
    session.text("mi chiamo Giulia e abito in via Quokka 12")
    session.text("zebra")
    session.press("Autolesionismo")
    store = backend.make(1800)
    key = user_key(SALT, CHAT_ID)
    store.put(key, session.state)
    raw = backend.raw_record(store, key)
    assert raw is not None
    record = json.loads(raw)
    assert set(record) == FIELDS
    assert isinstance(record["history"], list) and isinstance(record["tail"], list)
    for word in ("Giulia", "Quokka", "zebra", "chiamo", "abito", "12"):
        assert word.encode() not in raw, word
    assert store.get(key) == session.state


# --- choosing a store ---------------------------------------------------------------------------


def test_open_store_picks_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("HELPLINE_BOT_STATE_BACKEND", raising=False)
    assert isinstance(open_store(StateConfig(), tmp_path), MemoryStore)
    sqlite_store = open_store(StateConfig(backend="sqlite", sqlite_path="v/s.db"), tmp_path)
    assert isinstance(sqlite_store, SQLiteStore)
    assert (tmp_path / "v" / "s.db").exists(), "a relative path is under the root"
    assert open_store(StateConfig(ttl_minutes=7), tmp_path).ttl == 7 * 60  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="REDIS_URL"):
        open_store(StateConfig(backend="redis"), tmp_path)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing connects before use
    store = open_store(StateConfig(backend="redis", redis_url="redis://elsewhere/0"), tmp_path)
    assert isinstance(store, RedisStore) and store.ttl == 30 * 60


def test_the_environment_can_choose_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One image, two uses: compose sets HELPLINE_BOT_STATE_BACKEND=redis for its workers."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("HELPLINE_BOT_STATE_BACKEND", " Redis ")
    assert isinstance(open_store(StateConfig(), tmp_path), RedisStore)
    monkeypatch.setenv("HELPLINE_BOT_STATE_BACKEND", "memory")
    assert isinstance(open_store(StateConfig(backend="redis"), tmp_path), MemoryStore)
    monkeypatch.setenv("HELPLINE_BOT_STATE_BACKEND", "")
    assert isinstance(open_store(StateConfig(backend="redis"), tmp_path), RedisStore)
    monkeypatch.setenv("HELPLINE_BOT_STATE_BACKEND", "postgres")
    with pytest.raises(ValueError, match="memory, sqlite, redis"):
        open_store(StateConfig(), tmp_path)


def test_redis_out_of_reach_costs_the_conversation_not_the_reply() -> None:
    """Nothing listens there: reads are fresh conversations, writes are skipped, no raise."""
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", 60)
    key = user_key(SALT, CHAT_ID)
    store.put(key, FULL)
    assert store.get(key) is None
    store.delete(key)


@pytest.mark.redis
def test_one_conversation_is_handled_by_one_worker_at_a_time(redis_url: str) -> None:
    a = RedisStore(redis_url, ttl=60)
    b = RedisStore(redis_url, ttl=60)  # another worker
    token = a.acquire("chat-1")
    assert token is not None
    assert b.acquire("chat-1") is None, "a second worker must wait for the first"
    assert b.acquire("chat-2") is not None, "other conversations are not held up"
    b.release("chat-1", "not-the-owner")  # a stale token never frees someone else's lock
    assert b.acquire("chat-1") is None
    a.release("chat-1", token)
    assert b.acquire("chat-1") is not None


@pytest.mark.redis
def test_a_lock_left_by_a_dead_worker_expires(redis_url: str) -> None:
    a = RedisStore(redis_url, ttl=60)
    assert a.acquire("chat-dead", hold_ms=200) is not None
    time.sleep(0.3)
    assert RedisStore(redis_url, ttl=60).acquire("chat-dead") is not None
