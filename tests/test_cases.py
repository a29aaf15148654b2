"""Conversations written as data: tests/cases/*.yaml, "user says X → bot answers Y".

Each case is a list of steps; each step sends text (`send`), presses a button by its label as
shown (`press`) or sends something without text (`sticker: true`), then checks what came back.
Checks: crisis, first_line_has, has / lacks (any reply text), buttons_has / buttons_lacks,
order (strings that must appear in this order), replies (how many messages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.terminal import as_json
from bot.engine import Input

CASES = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            found.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return found


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any], chat) -> None:
    session = chat(lang=case.get("lang", "it"), region=case.get("region"), at=case.get("at"))
    for i, step in enumerate(case["steps"], 1):
        if "press" in step:
            replies = session.press(step["press"])
        elif step.get("sticker"):
            replies = session.send(Input("other"))
        else:
            replies = session.text(step["send"])
        out = as_json(replies)
        where = f"step {i} ({step.get('send') or step.get('press') or 'sticker'})"
        check(step.get("expect", {}), out, where)


def check(expect: dict[str, Any], out: dict[str, Any], where: str) -> None:
    texts = "\n\n".join(r["text"] for r in out["replies"])
    labels = [label for r in out["replies"] for row in r["buttons"] for label in row]
    shown = f"{where}: got\n{texts}\nbuttons: {labels}"
    if "crisis" in expect:
        assert out["crisis"] is expect["crisis"], shown
    if "replies" in expect:
        assert len(out["replies"]) == expect["replies"], shown
    if "first_line_has" in expect:
        first = out["replies"][0]["text"].splitlines()[0] if out["replies"] else ""
        for s in _list(expect["first_line_has"]):
            assert s in first, f"first line lacks {s!r}; {shown}"
    for s in _list(expect.get("has")):
        assert s in texts, f"missing {s!r}; {shown}"
    for s in _list(expect.get("lacks")):
        assert s not in texts, f"unexpected {s!r}; {shown}"
    for s in _list(expect.get("buttons_has")):
        assert s in labels, f"no button {s!r}; {shown}"
    for s in _list(expect.get("buttons_lacks")):
        assert s not in labels, f"unexpected button {s!r}; {shown}"
    if "order" in expect:
        positions = [texts.find(s) for s in expect["order"]]
        assert all(p >= 0 for p in positions), f"missing one of {expect['order']}; {shown}"
        assert positions == sorted(positions), f"not in order {expect['order']}; {shown}"


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(value)] if isinstance(value, str | int) else [str(v) for v in value]
