"""The terminal chat: for operators trying a flow, and a JSON-lines contract for other tools.

`--jsonl` reads one JSON object a line ({"text": …} or {"press": "<label>"}; a line that is not
JSON is text) and writes exactly one JSON line per input, flushed:
{"crisis": bool, "replies": [{"text": …, "buttons": [["label", …], …]}]}
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import IO, Any

from ..bundle import Bundle
from ..engine import Button, Input, Reply, State, safe_reply


class Session:
    """One conversation held in memory, with the buttons last shown so labels can be pressed."""

    def __init__(
        self,
        bundle: Callable[[], Bundle] | Bundle,
        lang: str | None = None,
        region: str | None = None,
        at: dt.datetime | None = None,
    ):
        self._bundle = bundle if callable(bundle) else (lambda: bundle)
        b = self._bundle()
        self.state = State(lang=lang, region=region or b.config.default_region)
        self.at = at
        self.buttons: list[Button] = []

    def send(self, inp: Input) -> list[Reply]:
        if self.at is not None:
            inp = Input(inp.kind, inp.text, inp.data, inp.language_code, self.at)
        self.state, replies = safe_reply(self._bundle(), self.state, inp)
        shown = [btn for r in replies for row in r.buttons for btn in row]
        if shown:
            self.buttons = shown
        return replies

    def text(self, text: str) -> list[Reply]:
        kind = "command" if text.startswith("/") else "text"
        return self.send(Input(kind, text))

    def press(self, label: str) -> list[Reply]:
        """Press a button by its label; a URL button answers with its address."""
        wanted = label.strip().casefold()
        for btn in self.buttons:
            if btn.label.casefold() == wanted:
                if btn.data:
                    return self.send(Input("press", data=btn.data))
                return [Reply(btn.url or btn.copy or "")]
        return self.text(label)


def as_json(replies: list[Reply]) -> dict[str, Any]:
    return {
        "crisis": any(r.crisis for r in replies),
        "replies": [
            {"text": r.text, "buttons": [[b.label for b in row] for row in r.buttons]}
            for r in replies
        ],
    }


def run_jsonl(session: Session, stdin: IO[str], stdout: IO[str]) -> None:
    for raw in stdin:
        line = raw.rstrip("\n")
        try:
            msg = json.loads(line)
        except ValueError:
            msg = line
        if isinstance(msg, dict) and isinstance(msg.get("press"), str):
            replies = session.press(msg["press"])
        elif isinstance(msg, dict) and isinstance(msg.get("sticker", None), bool | str):
            replies = session.send(Input("other"))
        elif isinstance(msg, dict):
            replies = session.text(str(msg.get("text", "")))
        else:
            replies = session.text(line)
        stdout.write(json.dumps(as_json(replies), ensure_ascii=False) + "\n")
        stdout.flush()


def render(replies: list[Reply], numbered: list[Button]) -> str:
    """Human form: the text, then the buttons numbered so they can be pressed by number."""
    out: list[str] = []
    for r in replies:
        out.append(r.text)
        for row in r.buttons:
            cells = []
            for btn in row:
                if btn.data:
                    numbered.append(btn)
                    cells.append(f"[{len(numbered)}] {btn.label}")
                elif btn.url:
                    cells.append(f"{btn.label} → {btn.url}")
            if cells:
                out.append("   ".join(cells))
        out.append("")
    return "\n".join(out)


def run_human(session: Session, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> None:
    stdout.write("helpline-bot terminal chat. Type a message, a button's number, or /quit.\n\n")
    numbered: list[Button] = []
    stdout.write(render(session.text("/start"), numbered) + "\n")
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            return
        typed = line.strip()
        if typed.isdigit() and 0 < int(typed) <= len(numbered):
            btn = numbered[int(typed) - 1]
            replies = session.send(Input("press", data=btn.data or ""))
        else:
            replies = session.text(typed) if typed else []
        numbered = []
        stdout.write("\n" + render(replies, numbered) + "\n")
