"""`helpline-bot`: run the bot, chat in the terminal, and the operators' tools."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from .bundle import Bundle, load_bundle
from .yamlfile import ConfigError

log = logging.getLogger("helpline_bot")


def default_root() -> Path:
    env = os.environ.get("HELPLINE_BOT_ROOT")
    if env:
        return Path(env)
    if (Path.cwd() / "config.yaml").exists():
        return Path.cwd()
    return Path(__file__).resolve().parent.parent


def load_or_exit(root: Path) -> Bundle:
    """Problems go to stderr as file:line, never a traceback; exit 1."""
    try:
        bundle = load_bundle(root)
    except ConfigError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        errors = sum(p.severity == "error" for p in exc.problems)
        print(f"{errors} error(s): not starting.", file=sys.stderr)
        raise SystemExit(1) from None
    return bundle


def parse_at(value: str | None, bundle: Bundle, region: str | None) -> dt.datetime | None:
    """--at is local time in the user's region (its directory time zone), else UTC."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        country = bundle.directory.countries.get(region or "")
        moment = moment.replace(tzinfo=ZoneInfo(country.timezone) if country else dt.UTC)
    return moment


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        bundle = load_bundle(args.root)
    except ConfigError as exc:
        for p in exc.problems:
            print(p)
        errors = sum(p.severity == "error" for p in exc.problems)
        warnings = len(exc.problems) - errors
        print(f"{errors} error(s), {warnings} warning(s)")
        return 1
    for p in bundle.warnings:
        print(p)
    print(f"OK: 0 errors, {len(bundle.warnings)} warning(s)")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from .channels import terminal

    bundle = load_or_exit(args.root)
    region = args.region.upper() if args.region else None
    session = terminal.Session(
        bundle, lang=args.lang, region=region, at=parse_at(args.at, bundle, region)
    )
    if args.jsonl:
        terminal.run_jsonl(session, sys.stdin, sys.stdout)
    else:
        terminal.run_human(session)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat instead.", flush=True)
        args.jsonl, args.lang, args.region, args.at = False, None, None, None
        return cmd_chat(args)
    from .channels import telegram

    return telegram.main(args, token)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="helpline-bot", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="folder with config.yaml")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run on Telegram (terminal chat without a token)")
    run.add_argument("--webhook-url", help="serve a webhook instead of long polling")
    run.add_argument("--listen", default="127.0.0.1", help="webhook address to listen on")
    run.add_argument("--port", type=int, default=8080, help="webhook port")
    run.add_argument("--watch", action="store_true", help="reload when the YAML files change")
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    run.set_defaults(func=cmd_run)

    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--jsonl", action="store_true", help="JSON lines on stdin and stdout")
    chat.add_argument("--lang", help="the user's language (it, en, …)")
    chat.add_argument("--region", help="the user's country, ISO 3166 alpha-2")
    chat.add_argument("--at", help="answer as at this local time, e.g. 2026-12-25T15:00")
    chat.set_defaults(func=cmd_chat)

    val = sub.add_parser("validate", help="check every YAML file; file:line for each problem")
    val.set_defaults(func=cmd_validate)

    from . import tools

    tools.add_commands(sub)

    args = parser.parse_args(argv)
    if args.root is None:
        args.root = default_root()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
