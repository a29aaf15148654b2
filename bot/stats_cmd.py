"""`helpline-bot stats [--days N] [--format table|csv]`: the anonymous daily counters."""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("stats", help="anonymous daily statistics (no ids, no text)")
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .cli import load_or_exit
    from .stats import Stats

    bundle = load_or_exit(args.root)
    path = args.root / bundle.config.stats.sqlite_path
    rows = Stats(path).rows(args.days) if path.exists() else []
    if args.format == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["day", "what", "value", "count"])
        w.writerows(rows)
        return 0
    if not rows:
        print(f"No statistics in the last {args.days} day(s).")
        return 0
    by_day: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for day, what, value, n in rows:
        by_day[day].append((what, value, n))
    width = max(len(f"{w} {v}".strip()) for _, w, v, _ in rows)
    for day, items in by_day.items():
        print(day)
        for what, value, n in items:
            print(f"  {f'{what} {value}'.strip():<{width}}  {n:>6}")
    return 0
