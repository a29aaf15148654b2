"""The conversation: one pure function, reply(state, input) -> (state, replies).

No Telegram here. The terminal chat, the tests and Telegram all call `reply`, so what a
clinician reads in a transcript is exactly what a child gets. Every text is checked for a
crisis before anything else, in every node, whatever the flow would do with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from .bundle import Bundle
from .cards import crisis_reply, lines_text
from .directory import INTERNATIONAL
from .i18n import country_name, is_country
from .models import Node, Option

MAX_INPUT = 4096  # Telegram's own limit; anything longer is cut before reading
HISTORY = 20
# What is said when even the catalogue cannot be read: the only words held in Python, because
# the one thing a broken bot must still say is where to find help.
LAST_RESORT = "If you are in danger, call your local emergency number now: 112 / 911 / 999."

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None  # callback data, ≤ 64 bytes
    url: str | None = None
    copy: str | None = None  # text for Telegram's copy-text button


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    crisis: bool = False  # the emergency reply: channels send it first and retry it hardest


@dataclass(frozen=True)
class Input:
    kind: Literal["text", "press", "command", "other"]
    text: str = ""  # the text, or "/start tiktok" for commands
    data: str = ""  # callback data of a pressed button
    language_code: str | None = None  # the app's language, a hint only
    at: dt.datetime | None = None  # when it was said (tests and --at set it)

    @property
    def readable(self) -> str:
        """The text the crisis check reads: typed text and commands, cut to Telegram's limit."""
        return self.text[:MAX_INPUT] if self.kind in ("text", "command") else ""

    @property
    def asks_help(self) -> bool:
        """A press of "I need help now", with or without a country."""
        return self.kind == "press" and self.data.split(":")[0] == "sos"

    @property
    def command(self) -> tuple[str, str]:
        head, _, arg = self.text.strip().partition(" ")
        return head.lstrip("/").split("@")[0].lower(), arg.strip()


@dataclass(frozen=True)
class State:
    """All the bot keeps about one conversation: no text, no name, no id."""

    node: str | None = None
    lang: str | None = None
    region: str | None = None
    audience: str | None = None
    topic: str | None = None
    history: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()  # the last words, only when they begin a crisis phrase
    tail_at: float = 0.0
    silenced: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        names = {f.name for f in dataclasses.fields(cls)}
        clean = {k: v for k, v in data.items() if k in names}
        for key in ("history", "tail"):
            if key in clean:
                clean[key] = tuple(clean[key])
        return cls(**clean)


Result = tuple[State, list[Reply]]


@dataclass
class _Turn:
    """One call's context: the bundle, the moment and the language to speak."""

    b: Bundle
    state: State
    now: dt.datetime
    replies: list[Reply] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.state.lang or self.b.config.default_language

    def t(self, key: str, **values: Any) -> str:
        return self.b.catalogs.t(self.lang, key, **values)


def reply(bundle: Bundle, state: State, inp: Input) -> Result:
    """The whole conversation logic. Never raises for anything a user can send."""
    now = inp.at or dt.datetime.now(dt.UTC)
    if state.lang is None:
        state = dataclasses.replace(state, lang=bundle.catalogs.pick(inp.language_code))
    elif state.lang not in bundle.catalogs.languages:
        state = dataclasses.replace(state, lang=bundle.config.default_language)
    turn = _Turn(bundle, state, now)
    lost = state.node is not None and state.node not in bundle.flow.nodes
    if lost:
        # the node went away in a reload: the crisis check still comes first, then a restart
        turn.state = dataclasses.replace(state, node=None, history=())

    text = inp.readable
    if text:
        scan = _scan(turn, text)
        if scan is not None:
            return scan

    if lost and not (inp.kind == "command" and inp.command[0] == "start"):
        notice = Reply(turn.t("notice.restarted"))
        new, replies = _start(turn)
        return new, [notice, *replies]
    if inp.kind == "command":
        return _command(turn, inp)
    if turn.state.silenced and not inp.asks_help:
        return turn.state, []
    if inp.kind == "press":
        return _press(turn, inp.data)
    if inp.kind == "other":
        # a voice message or a photo may be the crisis we cannot read: the number goes with it
        r = _current(turn)
        notice = turn.t("notice.unreadable", number=_emergency_number(turn))
        return turn.state, [Reply(notice, _sos_row(turn)), *r]
    return _text(turn, text)


def safe_reply(bundle: Bundle, state: State, inp: Input) -> Result:
    """`reply`, and when a fault in it raises (a bug, data a reload let through), still an
    answer: the emergency reply for a crisis, else the emergency number with the help button.
    The state is kept as it was, so nothing is lost; the log gets the kind of error only."""
    try:
        return reply(bundle, state, inp)
    except Exception as exc:  # noqa: BLE001 - the channel must always have something to send
        log.error("reply failed, sending the fallback: %s", type(exc).__name__)
        return state, _fallback(bundle, state, inp)


def _fallback(bundle: Bundle, state: State, inp: Input) -> list[Reply]:
    """Each step of the way can fail on its own: try the crisis reply first, then the number."""
    turn = _Turn(bundle, state, inp.at or dt.datetime.now(dt.UTC))
    try:
        if state.lang not in bundle.catalogs.languages:
            turn.state = dataclasses.replace(state, lang=None)
        if inp.asks_help or (inp.readable and bundle.detector.scan(inp.readable).crisis):
            return [_emergency(turn)]
    except Exception as exc:  # noqa: BLE001
        log.error("emergency reply failed too: %s", type(exc).__name__)
    try:
        notice = turn.t("notice.error", number=_emergency_number(turn))
        return [Reply(notice, _sos_row(turn))]
    except Exception as exc:  # noqa: BLE001
        log.error("fallback notice failed: %s", type(exc).__name__)
        return [Reply(LAST_RESORT)]


# --- crisis ------------------------------------------------------------------------------------


def _scan(turn: _Turn, text: str) -> Result | None:
    s = turn.state
    window = turn.b.config.crisis.split_window_seconds
    stamp = turn.now.timestamp()
    tail = s.tail if s.tail and stamp - s.tail_at <= window else ()
    result = turn.b.detector.scan(text, tail)
    turn.state = dataclasses.replace(s, tail=result.tail, tail_at=stamp if result.tail else 0.0)
    if not result.crisis:
        return None
    turn.state = dataclasses.replace(turn.state, tail=(), tail_at=0.0, silenced=False)
    return turn.state, [_emergency(turn)]


def _emergency(turn: _Turn) -> Reply:
    s = turn.state
    text, rows = crisis_reply(turn.b, turn.lang, s.region, turn.now, s.topic, s.audience)
    buttons: list[tuple[Button, ...]] = [
        tuple(Button(label, copy=copy) for label, copy in row) for row in rows
    ]
    if not turn.state.region or turn.state.region not in turn.b.directory.countries:
        buttons += _country_rows(turn, prefix="sos")
    nav = [Button(turn.t("button.carry_on"), data="carry")] if turn.state.node else []
    nav.append(Button(turn.t("button.restart"), data="restart"))
    buttons.append(tuple(nav))
    return Reply(text, tuple(buttons), crisis=True)


# --- commands -----------------------------------------------------------------------------------


def _command(turn: _Turn, inp: Input) -> Result:
    name, arg = inp.command
    s = turn.state
    if name == "start":
        turn.state = dataclasses.replace(s, silenced=False)
        return _start(turn)
    if name in ("sos", "help_now", "aiuto", "ayuda", "hilfe"):
        turn.state = dataclasses.replace(s, silenced=False)
        return turn.state, [_emergency(turn)]
    if name == "forget":
        fresh = State(lang=s.lang)
        return fresh, [Reply(turn.t("notice.forgotten"))]
    if name == "stop":
        return dataclasses.replace(s, silenced=True), [Reply(turn.t("notice.stopped"))]
    if s.silenced:
        return s, []
    if name == "language":
        return s, [_language_menu(turn)]
    if name == "help":
        return s, [Reply(turn.t("notice.help"), _sos_row(turn)), *_current(turn)]
    if name == "back":
        return _back(turn)
    return s, [Reply(turn.t("notice.unknown_command"), _sos_row(turn)), *_current(turn)]


def _language_menu(turn: _Turn) -> Reply:
    cats = turn.b.catalogs
    rows = [
        tuple(Button(cats.names[code], data=f"lang:{code}") for code in cats.languages[i : i + 3])
        for i in range(0, len(cats.languages), 3)
    ]
    return Reply(turn.t("notice.choose_language"), (*rows, *_sos_row(turn)))


# --- buttons ------------------------------------------------------------------------------------


def _press(turn: _Turn, data: str) -> Result:
    s = turn.state
    head, _, rest = data.partition(":")
    flow = turn.b.flow
    if data == "sos":
        turn.state = dataclasses.replace(s, silenced=False)
        return turn.state, [_emergency(turn)]
    if data == "restart":
        return _start(turn)
    if data == "back":
        return _back(turn)
    if data == "carry":
        return s, _current(turn) if s.node else []
    if head == "lang" and rest in turn.b.catalogs.languages:
        turn.state = dataclasses.replace(s, lang=rest)
        notice = Reply(turn.t("notice.language_set"))
        if s.node:
            return turn.state, [notice, *_current(turn)]
        state, replies = _start(turn)
        return state, [notice, *replies]
    if head == "sos":
        # a help press is never refused: an unknown country (old keyboard, forged) keeps ours
        region = rest if _known_region(turn, rest) else s.region
        turn.state = dataclasses.replace(s, region=region, silenced=False)
        return turn.state, [_emergency(turn)]
    if head == "cc" and _known_region(turn, rest) and s.node:
        node = flow.nodes[s.node]
        if node.choose and node.goto:
            turn.state = dataclasses.replace(s, region=rest)
            return _goto(turn, node.goto)
    if head == "other" and rest in flow.nodes and flow.nodes[rest].other:
        return _goto(turn, flow.nodes[rest].other or "")
    if head == "go":
        node_id, _, index = rest.partition(":")
        node = flow.nodes.get(node_id)
        valid = index.isascii() and index.isdigit()
        if node is not None and valid and int(index) < len(node.options):
            return _choose(turn, node.options[int(index)])
    # forged, stale or from an older version of the flow: refuse safely, keep the way to help
    return s, [Reply(turn.t("notice.stale_button"), _sos_row(turn)), *_current(turn)]


def _known_region(turn: _Turn, code: str) -> bool:
    return code == INTERNATIONAL or code in turn.b.directory.countries or is_country(code)


def _choose(turn: _Turn, opt: Option) -> Result:
    values = {k: v for k, v in opt.set.model_dump().items() if v is not None}
    turn.state = dataclasses.replace(turn.state, **values)
    return _goto(turn, opt.goto)


def _back(turn: _Turn) -> Result:
    s = turn.state
    history = tuple(n for n in s.history if n in turn.b.flow.nodes)
    if not history:
        return _start(turn)
    turn.state = dataclasses.replace(s, node=history[-1], history=history[:-1])
    return _show(turn, history[-1], record=False, skip=False)


def _start(turn: _Turn) -> Result:
    s = turn.state
    turn.state = dataclasses.replace(
        s, node=None, audience=None, topic=None, history=(), silenced=False
    )
    return _show(turn, turn.b.flow.start, record=False)


def _goto(turn: _Turn, node_id: str) -> Result:
    return _show(turn, node_id, record=True)


def _show(turn: _Turn, node_id: str, record: bool, skip: bool = True) -> Result:
    """Arrive at a node. `skip` is off when going back: a skipped question is asked then."""
    flow = turn.b.flow
    node = flow.nodes[node_id]
    s = turn.state
    if skip and node.choose == "region" and node.skip_if_known and s.region and node.goto:
        if record and s.node:
            turn.state = dataclasses.replace(s, history=(*s.history, s.node)[-HISTORY:])
            record = False
        return _show(turn, node.goto, record=False) if node.goto != node_id else (s, [])
    if record and s.node and s.node != node_id:
        s = dataclasses.replace(s, history=(*s.history, s.node)[-HISTORY:])
    turn.state = dataclasses.replace(s, node=node_id)
    return turn.state, _render(turn, node_id, node)


def _current(turn: _Turn) -> list[Reply]:
    node_id = turn.state.node
    if node_id is None:
        return []
    return _render(turn, node_id, turn.b.flow.nodes[node_id])


def _render(turn: _Turn, node_id: str, node: Node) -> list[Reply]:
    s = turn.state
    values = {
        "country": country_name(s.region, turn.lang) if s.region and s.region != INTERNATIONAL
        else "",
        "topic": turn.t(f"topic.{s.topic}") if s.topic else "",
    }  # fmt: skip
    text = turn.t(node.text, **values)
    rows: list[tuple[Button, ...]] = []
    if node.helplines:
        block, link_rows = lines_text(turn.b, turn.lang, s.region, s.topic, s.audience, turn.now)
        text = f"{text}\n\n{block}" if text else block
        rows += [tuple(Button(label, url=url, copy=copy) for label, url, copy in row)
                 for row in link_rows]  # fmt: skip
    if node.choose == "region":
        rows += _country_rows(turn, prefix="cc")
        if node.other:
            rows.append((Button(turn.t("button.other_country"), data=f"other:{node_id}"),))
    for i, opt in enumerate(node.options):
        if opt.when and not _matches(s, opt.when.model_dump()):
            continue
        rows.append((Button(turn.t(opt.label), data=f"go:{node_id}:{i}"),))
    rows += _global_rows(turn, node_id)
    return [Reply(text, tuple(rows))]


def _matches(s: State, cond: dict[str, Any]) -> bool:
    return all(getattr(s, k) == v for k, v in cond.items() if v is not None)


def _country_rows(turn: _Turn, prefix: str) -> list[tuple[Button, ...]]:
    codes = turn.b.directory.covered
    buttons = [Button(country_name(cc, turn.lang), data=f"{prefix}:{cc}") for cc in codes]
    return [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]


def _global_rows(turn: _Turn, node_id: str) -> list[tuple[Button, ...]]:
    flow = turn.b.flow
    nav = []
    if "back" in flow.always and node_id != flow.start:
        nav.append(Button(turn.t("button.back"), data="back"))
    if "restart" in flow.always and node_id != flow.start:
        nav.append(Button(turn.t("button.restart"), data="restart"))
    rows = [tuple(nav)] if nav else []
    if "sos" in flow.always:
        rows += _sos_row(turn)
    return rows


def _sos_row(turn: _Turn) -> tuple[tuple[Button, ...], ...]:
    return ((Button(turn.t("button.sos"), data="sos"),),)


# --- typed text ---------------------------------------------------------------------------------


def _text(turn: _Turn, text: str) -> Result:
    s = turn.state
    if s.node is None:
        return _start(turn)
    node = turn.b.flow.nodes[s.node]
    typed = text.strip().casefold()
    for i, opt in enumerate(node.options):
        if typed and typed == turn.t(opt.label).casefold():
            return _press(turn, f"go:{s.node}:{i}")
    if node.choose and node.goto:
        code = turn.b.finder.find(text)
        if code:
            turn.state = dataclasses.replace(s, region=code)
            return _goto(turn, node.goto)
        if node.choose == "region_typed":
            return s, [Reply(turn.t("notice.country_not_found")), *_current(turn)]
    # free text the lists did not flag may still be a crisis they missed: the number goes with it
    notice = turn.t("notice.not_understood", number=_emergency_number(turn))
    return s, [Reply(notice), *_current(turn)]


def _emergency_number(turn: _Turn) -> str:
    numbers = turn.b.directory.emergency(turn.state.region)
    return numbers[0].number if numbers else "112 / 911 / 999"
