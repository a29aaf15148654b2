"""Is a line open now, and when does that change: OSM opening_hours with public holidays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

# Far enough to find next Monday's opening, short enough to stay cheap for "24/7" lines.
_HORIZON_DAYS = 15


@dataclass(frozen=True)
class Status:
    open: bool
    unknown: bool
    always: bool  # open around the clock from now on, as far as we look
    change: dt.datetime | None  # local time it closes (if open) or opens (if closed)


@lru_cache(maxsize=4096)
def parse(expr: str, timezone: str, country: str) -> opening_hours.OpeningHours:
    """Parsing is the slow part; expressions are few, so each is parsed once. A country whose
    public holidays the parser does not know is evaluated without them (PH never matches)."""
    try:
        return opening_hours.OpeningHours(
            expr, timezone=ZoneInfo(timezone), country=country, max_interval_days=_HORIZON_DAYS
        )
    except Exception as exc:
        if type(exc).__name__ != "UnknownCountryError":
            raise
        return opening_hours.OpeningHours(
            expr, timezone=ZoneInfo(timezone), max_interval_days=_HORIZON_DAYS,
            auto_country=False,
        )  # fmt: skip


def check(expr: str) -> str | None:
    """The parser's complaint about an expression, or None when it is fine."""
    try:
        opening_hours.OpeningHours(expr)
    except Exception as exc:  # the parser raises its own ParserError, SyntaxError or ValueError
        lines = [line.strip(" |") for line in str(exc).splitlines() if line.strip(" |")]
        expected = next((x for x in lines if x.startswith("= ")), "")
        return f"invalid opening_hours {expr!r}" + (f": {expected[2:]}" if expected else "")
    return None


def status(expr: str, timezone: str, country: str, now: dt.datetime) -> Status:
    oh = parse(expr, timezone, country)
    local = now.astimezone(ZoneInfo(timezone))
    is_open = oh.is_open(local)
    unknown = oh.is_unknown(local)
    change = oh.next_change(local)
    if change is not None:
        if change.tzinfo is None:
            change = change.replace(tzinfo=ZoneInfo(timezone))
        if change - local > dt.timedelta(days=_HORIZON_DAYS - 1):
            change = None
    return Status(open=is_open, unknown=unknown, always=is_open and change is None, change=change)
