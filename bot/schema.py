"""`helpline-bot schema [--out DIR] [--check]`: JSON Schemas of the YAML files, from the models.

Operators edit YAML in an editor; with these schemas (named in each file's first line,
`# yaml-language-server: $schema=…`) the editor completes keys and flags mistakes as they
type, before `validate` runs. They are generated from bot/models.py, never written by hand,
so the editor and the bot cannot disagree; `--check` fails when they are out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .models import Catalog, Config, CountryFile, Flow, PhraseFile, Vocabulary

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# name -> (model, which files, what it is for)
KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "config": (Config, "config.yaml", "Settings of helpline-bot. Secrets never go here."),
    "flow": (
        Flow,
        "flows/*.yaml",
        "A conversation: nodes that say a message and offer buttons. Back, Start over and "
        "I need help now are added on every node; typed text is always checked for a crisis.",
    ),
    "catalog": (
        Catalog,
        "messages/<lang>.yaml",
        "Everything the bot says in one language. Plain text; {placeholders} must match the "
        "default language.",
    ),
    "topics": (
        Vocabulary,
        "directory/topics.yaml",
        "The topics and audiences shared by the directory and the flows.",
    ),
    "country": (
        CountryFile,
        "directory/<CC>.yaml",
        "One country's emergency numbers and helplines, with their sources and opening hours.",
    ),
    "phrases": (
        PhraseFile,
        "crisis/<lang>.yaml",
        "Crisis phrases of one language: a message containing one gets the emergency reply.",
    ),
}


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("schema", help="write JSON Schemas of the YAML files (for editors)")
    p.add_argument("--out", type=Path, help="output folder (default: schemas/ beside config.yaml)")
    p.add_argument("--check", action="store_true", help="only check that they are up to date")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out: Path = args.out or Path(args.root) / "schemas"
    if args.check:
        stale = [name for name, text in render_all().items() if _read(out / name) != text]
        for name in stale:
            print(f"{out / name} is out of date: run `helpline-bot schema`", file=sys.stderr)
        return 1 if stale else 0
    for path in write(out):
        print(path)
    return 0


def schema(name: str) -> dict[str, Any]:
    model, files, about = KINDS[name]
    body = model.model_json_schema()
    return {
        "$schema": DRAFT,
        "$id": f"urn:helpline-bot:schema:{name}",
        **body,
        "title": f"helpline-bot {files}",
        "description": f"{about} Generated from bot.models.{model.__name__} by "
        "`helpline-bot schema`: do not edit by hand.",
    }


def render(name: str) -> str:
    """Sorted keys, two spaces, newline at the end: regenerating changes no byte needlessly."""
    return json.dumps(schema(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_all() -> dict[str, str]:
    return {f"{name}.schema.json": render(name) for name in KINDS}


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in render_all().items():
        path = out / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None
