"""`helpline-bot coverage [--format table|csv] [--at ISO]`: what a user in each country gets.

One row per country of the world, so the gaps show: where the bot has curated numbers and
lines, where it falls back to libphonenumber's emergency numbers, and where it has nothing.
The figures come from the same Directory the bot answers from, so the report cannot drift
from what users see.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo

from babel import Locale
from phonenumbers import SUPPORTED_SHORT_REGIONS

from .directory import Directory, line_status
from .hsds import exit_on_problems, load_config, load_directory
from .models import CountryFile, Vocabulary
from .yamlfile import ConfigError

# CLDR territory codes that are not ISO 3166-1 countries: groupings (EU, UN, QO), pseudo and
# unknown regions (XA, XB, ZZ), and codes ISO only reserves (AC, CP, CQ, DG, EA, IC, TA, XK).
# Those libphonenumber has numbers for (AC Ascension, XK Kosovo) are listed all the same.
NOT_ISO_3166 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
CURATED, LIBPHONENUMBER, NONE = "curated", "libphonenumber", "none"


@dataclass
class Row:
    country: str
    name: str
    covered: bool  # has a directory file
    emergency: list[str]
    origin: str  # CURATED, LIBPHONENUMBER or NONE
    lines: int = 0  # lines users are shown
    needs_review: int = 0  # lines marked needs_review (hidden or shown with a caveat)
    open_now: int = 0  # shown lines open at the moment asked
    oldest: dt.date | None = None  # oldest verified_on among the country's lines
    topics: dict[str, int] = field(default_factory=dict)  # shown lines per topic


def regions(covered: Iterable[str]) -> list[str]:
    """Every ISO 3166-1 country (babel's English territory names), the extra regions that
    libphonenumber has emergency numbers for, and any covered code outside both."""
    territories = Locale("en").territories
    two_letter = {c for c in territories if len(c) == 2 and c.isalpha()}
    iso = two_letter - NOT_ISO_3166
    known = two_letter & set(SUPPORTED_SHORT_REGIONS)
    return sorted(iso | known | set(covered))


def build_rows(
    countries: dict[str, CountryFile],
    vocab: Vocabulary,
    at: dt.datetime | None = None,
    show_needs_review: bool = False,
) -> list[Row]:
    """Covered countries first, then the rest, each part in code order. A naive `at` is read
    as local time in each country ("who has a line open at 3 a.m. local?")."""
    directory = Directory(countries, show_needs_review=show_needs_review)
    names = Locale("en").territories
    rows: list[Row] = []
    for cc in regions(countries):
        numbers = directory.emergency(cc)
        origin = CURATED if cc in countries else LIBPHONENUMBER if numbers else NONE
        row = Row(cc, names.get(cc, cc), cc in countries, [n.number for n in numbers], origin)
        row.topics = dict.fromkeys(vocab.topics, 0)
        country = countries.get(cc)
        if country is not None:
            _count(row, country, directory, _moment(at, country.timezone))
        rows.append(row)
    rows.sort(key=lambda r: (not r.covered, r.country))
    return rows


def _moment(at: dt.datetime | None, timezone: str) -> dt.datetime:
    if at is None:
        return dt.datetime.now(dt.UTC)
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(timezone))


def _count(row: Row, country: CountryFile, directory: Directory, now: dt.datetime) -> None:
    shown = [h for h in country.helplines if directory.show_needs_review or not h.needs_review]
    row.lines = len(shown)
    row.needs_review = sum(h.needs_review for h in country.helplines)
    row.open_now = sum(line_status(h, country, now).open for h in shown)
    row.oldest = min((h.verified_on for h in country.helplines), default=None)
    for h in shown:
        for t in h.topics:
            row.topics[t] = row.topics.get(t, 0) + 1


def summary(rows: list[Row]) -> dict[str, int]:
    """How many countries get curated, libphonenumber or no emergency numbers."""
    out = {CURATED: 0, LIBPHONENUMBER: 0, NONE: 0}
    for r in rows:
        out[r.origin] += 1
    return out


# --- output ----------------------------------------------------------------------------------


def write_csv(rows: list[Row], vocab: Vocabulary, out: TextIO) -> None:
    w = csv.writer(out)
    w.writerow(
        ["country", "name", "emergency", "emergency_origin", "lines", "needs_review", "open_now",
         "oldest_verified_on", *(f"topic:{t}" for t in vocab.topics)]
    )  # fmt: skip
    for r in rows:
        w.writerow(
            [r.country, r.name, ", ".join(r.emergency), r.origin, r.lines, r.needs_review,
             r.open_now, r.oldest.isoformat() if r.oldest else "",
             *(r.topics.get(t, 0) for t in vocab.topics)]
        )  # fmt: skip


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def table(rows: list[Row], width: int) -> list[str]:
    """Aligned columns; the long ones (name, numbers, topics) cut to fit `width`."""
    head = ("cc", "country", "emergency", "origin", "lines/review", "open", "oldest", "topics")
    cells = [
        (
            r.country,
            _cut(r.name, 24),
            _cut(", ".join(r.emergency) or "-", 22),
            r.origin,
            f"{r.lines}/{r.needs_review}" if r.covered else "-",
            str(r.open_now) if r.covered else "-",
            r.oldest.isoformat() if r.oldest else "-",
            " ".join(f"{t}:{n}" for t, n in r.topics.items() if n) or "-",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [head, *cells]) for i in range(len(head) - 1)]
    room = max(width - sum(widths) - 2 * (len(widths)), 12)
    out = []
    for row in [head, *cells]:
        fixed = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
        out.append(f"{fixed}  {_cut(row[-1], room)}".rstrip())
    return out


def run(args: argparse.Namespace) -> int:
    try:
        countries, vocab = load_directory(args.root)
        config = load_config(args.root)
    except ConfigError as exc:
        return exit_on_problems(exc.problems)
    try:
        at = dt.datetime.fromisoformat(args.at) if args.at else None
    except ValueError:
        print(f"coverage: --at '{args.at}' is not an ISO time (2026-12-25T03:00)", file=sys.stderr)
        return 1
    rows = build_rows(countries, vocab, at, config.directory.needs_review == "caveat")
    if args.format == "csv":
        write_csv(rows, vocab, sys.stdout)
        return 0
    for line in table(rows, shutil.get_terminal_size((160, 24)).columns):
        print(line)
    counts = summary(rows)
    when = f"at {args.at}" if args.at else "now"
    print(
        f"\n{len(rows)} countries, {sum(r.covered for r in rows)} with a directory file. "
        f"Emergency numbers: {counts[CURATED]} curated, {counts[LIBPHONENUMBER]} from "
        f"libphonenumber, {counts[NONE]} none. lines/review: lines shown / marked "
        f"needs_review; open: shown lines open {when}."
    )
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("coverage", help="one row per country: emergency numbers, lines, topics")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument(
        "--at", help="count lines open at this time (default now); without a zone, local time"
    )
    p.set_defaults(func=run)
