"""Anonymous daily counters: how many conversations, crises, regions, topics, campaigns.

Nothing here can point to a person: no user id (not even hashed), no text, no timestamps
finer than a day. Just (day, what, value) → count.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

from .engine import Input, Reply, State

_CAMPAIGN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # Telegram deep-link payload alphabet


def events(old: State, new: State, inp: Input, replies: list[Reply]) -> list[tuple[str, str]]:
    """What one turn counts for. Derived from state changes, so the engine stays pure."""
    out: list[tuple[str, str]] = []
    if inp.kind == "command":
        name, arg = inp.command
        if name == "start":
            out.append(("conversations", ""))
            if arg and _CAMPAIGN.match(arg):
                out.append(("campaign", arg.lower()))
    if any(r.crisis for r in replies):
        out.append(("crisis", new.region or "unknown"))
    for field in ("region", "topic", "audience"):
        value = getattr(new, field)
        if value and value != getattr(old, field):
            out.append((field, value))
    return out


class Stats:
    """Counts are buffered in memory and written every few seconds: one SQLite write per
    message would slow every reply (measured: about half the throughput of a worker)."""

    def __init__(self, path: str | Path, flush_every: float = 5.0):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS counts (day TEXT, what TEXT, value TEXT, n INTEGER,"
            " PRIMARY KEY (day, what, value))"
        )
        self._lock = threading.Lock()
        self._pending: Counter[tuple[str, str, str]] = Counter()
        self._flush_every = flush_every
        self._flushed = time.monotonic()

    def add(self, items: list[tuple[str, str]], day: dt.date | None = None) -> None:
        if not items:
            return
        d = (day or dt.datetime.now(dt.UTC).date()).isoformat()
        with self._lock:
            self._pending.update((d, what, value) for what, value in items)
        if time.monotonic() - self._flushed >= self._flush_every:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed = time.monotonic()
            if pending:
                self._db.executemany(
                    "INSERT INTO counts (day, what, value, n) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (day, what, value) DO UPDATE SET n = n + excluded.n",
                    [(*key, n) for key, n in pending.items()],
                )

    def rows(self, days: int, today: dt.date | None = None) -> list[tuple[str, str, str, int]]:
        self.flush()
        since = (today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=days - 1)
        with self._lock:
            return list(
                self._db.execute(
                    "SELECT day, what, value, n FROM counts WHERE day >= ?"
                    " ORDER BY day, what, n DESC, value",
                    (since.isoformat(),),
                )
            )
