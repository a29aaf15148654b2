"""Operators' commands beside run/chat/validate. Each lives in its own module with an
`add_command(sub)` that registers it; this list is the only place they meet."""

from __future__ import annotations

import argparse
import importlib

TOOLS = ("graph", "transcripts", "schema", "stats_cmd", "coverage", "hsds")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name in TOOLS:
        try:
            module = importlib.import_module(f"bot.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.{name}":
                raise
            continue  # not written yet
        module.add_command(sub)
