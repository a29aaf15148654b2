"""Operators' commands beside run/chat/validate (graph, transcripts, schema, stats, …)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Each tool registers its own sub-command here."""
