"""`helpline-bot transcripts`: every path through the conversation, as Markdown to sign off.

A clinician approves what young people will read, so the transcripts are written by pressing
the buttons of the engine itself (`engine.reply`), never by re-reading the YAML: what is
quoted here is exactly what a user gets, at the moment printed at the top (opening hours
change which lines are shown and what they say).

The walk is depth-first over buttons that carry data, from /start. Back, Start over, I need
help now and /language are on every screen: they are described once at the top instead of
being followed everywhere. A path stops at the first screen showing helplines (an end) or on
coming back to a screen already on it; what an end screen leads to is followed once per
document, from the first path that reaches it. Country buttons are followed for one region
only; the lines of every other country are summed up in an appendix.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from .bundle import Bundle
from .directory import INTERNATIONAL, display
from .engine import Button, Input, Reply, State, reply
from .i18n import country_name
from .models import Contact

FLOW = "main"  # the flow the engine serves
FALLBACK_REGION = "IT"
GLOBAL_DATA = ("back", "restart", "sos")
HOUR = 15  # a weekday afternoon: most lines are open, as most users would find them


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("transcripts", help="every path through the flow, as Markdown to review")
    p.add_argument("--lang", help="only this language (default: every language)")
    p.add_argument(
        "--region",
        help="country whose path is followed in full (default: config default_region, else IT)",
    )
    p.add_argument("--out", type=Path, default=Path("transcripts"), help="output folder")
    p.add_argument(
        "--at",
        help="the moment, e.g. 2026-12-02T15:00 (local time in each country) or with an "
        "offset for one instant everywhere; default: the next Wednesday at 15:00",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .cli import load_or_exit

    bundle = load_or_exit(args.root)
    langs = [args.lang.lower()] if args.lang else bundle.catalogs.languages
    unknown = [x for x in langs if x not in bundle.catalogs.languages]
    if unknown:
        print(
            f"unknown language '{unknown[0]}': one of {bundle.catalogs.languages}", file=sys.stderr
        )
        return 2
    region = (args.region or bundle.config.default_region or FALLBACK_REGION).upper()
    if region not in bundle.directory.covered:
        print(f"no helplines for region '{region}' in directory/", file=sys.stderr)
        return 2
    try:
        moment = Moment(dt.datetime.fromisoformat(args.at) if args.at else default_moment())
    except ValueError:
        print(f"--at: not an ISO date and time: {args.at!r}", file=sys.stderr)
        return 2
    for path, paths in write_all(bundle, args.out, langs, region, moment):
        size = path.stat().st_size
        extra = f"{paths} paths, " if paths is not None else ""
        print(f"{path}  ({extra}{size // 1024} KB)")
    return 0


def write_all(
    bundle: Bundle, out: Path, langs: Iterable[str], region: str, moment: Moment
) -> list[tuple[Path, int | None]]:
    """Write main.<lang>.md and crisis.<lang>.md; return (file, number of paths or None)."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, int | None]] = []
    for lang in langs:
        doc = flow_document(bundle, lang, region, moment)
        target = out / f"{FLOW}.{lang}.md"
        target.write_text(doc.text, encoding="utf-8")
        written.append((target, len(doc.paths)))
        target = out / f"crisis.{lang}.md"
        target.write_text(crisis_document(bundle, lang, moment), encoding="utf-8")
        written.append((target, None))
    return written


# --- the moment --------------------------------------------------------------------------------


def default_moment(today: dt.date | None = None) -> dt.datetime:
    """The next Wednesday (today counts) at 15:00, moved past the year-end holidays: an
    ordinary afternoon, when a young person is likeliest to find lines open."""
    day = today or dt.date.today()
    day += dt.timedelta(days=(2 - day.weekday()) % 7)
    while (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 7):
        day += dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(HOUR))


@dataclass(frozen=True)
class Moment:
    """Without an offset, a wall-clock time in each country (15:00 in Rome and in Tokyo);
    with one, a single instant everywhere."""

    value: dt.datetime

    def at(self, timezone: str | None) -> dt.datetime:
        if self.value.tzinfo is not None:
            return self.value
        return self.value.replace(tzinfo=ZoneInfo(timezone) if timezone else dt.UTC)

    def describe(self) -> str:
        v = self.value
        when = f"{v:%A} {v.day} {v:%B %Y}, {v:%H:%M}"
        if v.tzinfo is None:
            return f"{when}, local time in each country"
        minutes = int((v.utcoffset() or dt.timedelta()).total_seconds() // 60)
        offset = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return f"{when} (UTC{offset}), the same instant in every country"


def _tz(bundle: Bundle, region: str | None) -> str | None:
    country = bundle.directory.countries.get(region or "")
    return country.timezone if country else None


# --- walking the engine --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    said: str  # "/start" or the label of the button pressed
    kind: Literal["command", "press"]
    node: str | None  # the screen the user is on afterwards
    region: str | None  # the country known afterwards
    replies: tuple[Reply, ...]


End = Literal["end", "loop", "dead"]


@dataclass
class Route:
    """One path: the steps from /start, and why it stops there."""

    steps: list[Step]
    end: End

    @property
    def title(self) -> str:
        return " → ".join(s.said for s in self.steps[1:]) or self.steps[0].said


@dataclass
class _Walk:
    bundle: Bundle
    lang: str
    region: str
    now: dt.datetime
    paths: list[Route] = field(default_factory=list)
    expanded: set[str] = field(default_factory=set)
    pending: list[tuple[State, list[Step]]] = field(default_factory=list)

    def run(self) -> list[Route]:
        state = State(lang=self.lang, region=self.bundle.config.default_region)
        state, replies = reply(self.bundle, state, Input("command", "/start", at=self.now))
        self._visit(state, [Step("/start", "command", state.node, state.region, tuple(replies))])
        done = 0
        while done < len(self.pending):  # where end screens lead, once each
            state, steps = self.pending[done]
            done += 1
            self._expand(state, steps, dead_end=False)
        return self.paths

    def _visit(self, state: State, steps: list[Step]) -> None:
        node = self.bundle.flow.nodes.get(state.node or "")
        if node is not None and node.helplines:
            self.paths.append(Route(steps, "end"))
            if state.node not in self.expanded:
                self.expanded.add(state.node or "")
                self.pending.append((state, steps))
            return
        self._expand(state, steps)

    def _expand(self, state: State, steps: list[Step], dead_end: bool = True) -> None:
        on_path = {s.node for s in steps}
        buttons = self._followable(steps[-1].replies)
        for btn in buttons:
            after, replies = reply(self.bundle, state, Input("press", data=btn.data, at=self.now))
            path = [*steps, Step(btn.label, "press", after.node, after.region, tuple(replies))]
            if after.node is None or after.node in on_path:
                self.paths.append(Route(path, "loop"))
            else:
                self._visit(after, path)
        if not buttons and dead_end:
            self.paths.append(Route(steps, "dead"))

    def _followable(self, replies: Iterable[Reply]) -> list[Button]:
        out = []
        for btn in (b for r in replies for row in r.buttons for b in row):
            data = btn.data or ""
            if data.startswith(("go:", "other:")) or data == f"cc:{self.region}":
                out.append(btn)
        return out


def walk(bundle: Bundle, lang: str, region: str, moment: Moment) -> list[Route]:
    return _Walk(bundle, lang, region, moment.at(_tz(bundle, region))).run()


def shared_prefixes(paths: list[Route]) -> list[tuple[int, int]]:
    """For each path, (earlier path, steps in common): the longest identical opening already
    printed, so 60 paths do not repeat the same welcome 60 times. (-1, 0) when none."""
    out: list[tuple[int, int]] = []
    for i, p in enumerate(paths):
        best = (-1, 0)
        for j in range(i):
            q = paths[j].steps
            n = 0
            while n < min(len(q), len(p.steps) - 1) and q[n] == p.steps[n]:
                n += 1
            if n > best[1]:
                best = (j, n)
        out.append(best)
    return out


# --- Markdown --------------------------------------------------------------------------------


_BLOCK_START = re.compile(r"^(\s*)(>|[#+\-=]+(?=\s|$)|\d+[.)](?=\s|$))")


def md_line(line: str) -> str:
    """One line of a bot message, escaped so Markdown shows it as sent and not as markup."""
    line = re.sub(r"([\\`*<\[\]|])", r"\\\1", line)
    return _BLOCK_START.sub(lambda m: m.group(1) + re.sub(r"([^\d])", r"\\\1", m.group(2)), line)


def quote(text: str) -> str:
    """A blockquote keeping the message's line breaks (two spaces: a Markdown hard break)."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            out.append(">")
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        out.append("> " + md_line(line) + ("  " if nxt.strip() else ""))
    return "\n".join(out)


def code(label: str) -> str:
    if "`" not in label:
        return f"`{label}`"
    return f"`` {label} ``"


def anchor(name: str) -> list[str]:
    # the blank line matters: an HTML line swallows the heading below it until one
    return [f'<a id="{name}"></a>', ""]


def buttons_line(r: Reply, skip: tuple[str, ...] = GLOBAL_DATA) -> str:
    items = []
    for btn in (b for row in r.buttons for b in row):
        if btn.data in skip:
            continue
        if btn.url:
            items.append(f"{code(btn.label)} (opens {btn.url})")
        elif btn.copy:
            items.append(f"{code(btn.label)} (copies {btn.copy})")
        else:
            items.append(code(btn.label))
    return "Buttons: " + " · ".join(items) if items else "No buttons of its own."


def _t(bundle: Bundle, lang: str, key: str) -> str:
    return bundle.catalogs.t(lang, key)


def fingerprint(root: Path) -> str:
    """sha256 of every YAML file the bot reads: a signature approves this exact content."""
    h = hashlib.sha256()
    folders = ("flows", "messages", "directory", "crisis")
    files = [root / "config.yaml"] + sorted(p for f in folders for p in (root / f).glob("*.yaml"))
    for p in files:
        if p.exists():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def sign_off(bundle: Bundle, what: str) -> list[str]:
    return [
        *anchor("sign-off"),
        "## Sign-off",
        "",
        f"I have read {what} and approve the wording and the helplines shown.",
        "",
        "| | |",
        "|---|---|",
        "| Name | |",
        "| Role | |",
        "| Date | |",
        "| Signature | |",
        "",
        "Comments:",
        "",
        "&nbsp;",
        "",
        f"Data fingerprint: `{fingerprint(bundle.root)}` (sha256 of the YAML files this was "
        "generated from: any change to them needs a new sign-off).",
        "",
    ]


@dataclass(frozen=True)
class Document:
    text: str
    paths: list[Route]


def flow_document(bundle: Bundle, lang: str, region: str, moment: Moment) -> Document:
    """main.<lang>.md: header, contents, every path, lines by country, sign-off."""
    paths = walk(bundle, lang, region, moment)
    local = moment.at(_tz(bundle, region))
    cname = country_name(region, lang)
    lang_name = bundle.catalogs.names.get(lang, lang)
    labels = {k: _t(bundle, lang, f"button.{k}") for k in GLOBAL_DATA}
    out = [
        f"# Conversation transcripts: {lang_name} ({lang})",
        "",
        f"- **Flow:** `flows/{FLOW}.yaml`, in {lang_name} (`messages/{lang}.yaml`)",
        f"- **Moment:** {moment.describe()}; in {cname}: {local:%Y-%m-%d %H:%M %Z}. "
        "Opening hours decide which lines are shown and what they say.",
        f"- **Country followed:** {cname} ({region}). Other countries' buttons lead to the same "
        "screens; their lines are in [Lines by country and topic](#lines-by-country).",
        f"- **Paths:** {len(paths)}. The crisis reply for every country is in `crisis.{lang}.md`.",
        "",
        "## How to read this",
        "",
        "- Each bot message is quoted exactly as sent (plain text), with its buttons beneath.",
        "- **User taps:** is the button the user presses. A screen's name (`topic`) is its "
        "node in the flow file and in `helpline-bot graph`.",
        "- A path ends on a screen that shows helplines, or when a button leads back to a "
        "screen already on the path. Where an end screen leads is followed once, from the "
        "first path that reaches it.",
        "- Where a path begins like an earlier one, the shared steps are named, not repeated: "
        "*Steps 1–3 as in Path 1*.",
        f"- On every screen, not repeated below: {code(labels['sos'])}, and except on the "
        f"first screen {code(labels['back'])} and {code(labels['restart'])}. "
        f"{code(labels['sos'])} sends the crisis reply.",
        "- Anything the user types, on any screen, is first checked for crisis words; if one "
        f"is found the crisis reply is sent, with {code(_t(bundle, lang, 'button.carry_on'))} "
        "to come back.",
        "- `/language` shows: "
        + " · ".join(code(bundle.catalogs.names[x]) for x in bundle.catalogs.languages)
        + ".",
        "",
        "## Contents",
        "",
    ]
    out += [f"{i}. [Path {i}: {md_line(p.title)}](#path-{i})" for i, p in enumerate(paths, 1)]
    out += ["", "- [Lines by country and topic](#lines-by-country)", "- [Sign-off](#sign-off)", ""]
    for i, (p, shared) in enumerate(zip(paths, shared_prefixes(paths), strict=True), 1):
        out += _render_path(bundle, i, p, shared)
    out += _appendix(bundle, lang, region, moment, paths)
    out += sign_off(bundle, f"the {len(paths)} paths above")
    return Document("\n".join(out), paths)


def _render_path(bundle: Bundle, number: int, p: Route, shared: tuple[int, int]) -> list[str]:
    out = [*anchor(f"path-{number}"), f"## Path {number}: {md_line(p.title)}", ""]
    base, first = shared
    if first:
        taps = " → ".join(md_line(s.said) for s in p.steps[:first])
        out += [f"*Steps 1–{first} as in [Path {base + 1}](#path-{base + 1}): {taps}.*", ""]
    for step in p.steps[first:]:
        verb = "**User sends:**" if step.kind == "command" else "**User taps:**"
        out += [f"{verb} {md_line(step.said)}", ""]
        for r in step.replies:
            screen = f" · screen `{step.node}`" if step.node else ""
            out += [f"**Bot**{screen}", "", quote(r.text), "", buttons_line(r), ""]
        node = bundle.flow.nodes.get(step.node or "")
        if node is not None and node.choose == "region_typed":
            out += [
                "*The user may also type a country's name (any of our languages, typos "
                f"tolerated): the path goes on to `{node.goto}` for that country.*",
                "",
            ]
    last = p.steps[-1].node
    if p.end == "end":
        out.append(f"*End of path: helplines shown (screen `{last}`).*")
    elif p.end == "loop":
        out.append(f"*Back on screen `{last}`, already on this path: the path stops here.*")
    else:
        out.append("*No further buttons: the path stops here.*")
    return [*out, ""]


# --- appendix: every country's lines -----------------------------------------------------------


def _flow_values(bundle: Bundle, key: Literal["topic", "audience"]) -> list[str | None]:
    """Topics (or audiences) the flow's buttons set, in order; [None] when it sets none."""
    seen: list[str | None] = []
    for node in bundle.flow.nodes.values():
        for opt in node.options:
            value = getattr(opt.set, key)
            if value and value not in seen:
                seen.append(value)
    return seen or [None]


def _appendix(
    bundle: Bundle, lang: str, region: str, moment: Moment, paths: list[Route]
) -> list[str]:
    topics = _flow_values(bundle, "topic")
    audiences = _flow_values(bundle, "audience")
    limit = bundle.config.directory.max_lines_shown
    out = [
        *anchor("lines-by-country"),
        "## Lines by country and topic",
        "",
        "What the helplines screen lists in every country, by topic (rows) and by who is "
        "asking (columns), in the order shown, at the moment above in each country's local "
        "time. The numbers refer to the list under each table; *closed* marks a line closed "
        f"at that moment (the screen says when it opens). {country_name(region, lang)}'s "
        "messages are quoted in full in the paths above.",
        "",
    ]
    skip = next(
        (
            i
            for i, p in enumerate(paths, 1)
            if p.end == "end" and p.steps[-1].region == INTERNATIONAL
        ),
        None,
    )
    if skip:
        link = f"[Path {skip}](#path-{skip})"
        out += [f"Without a country the user gets the international answer: {link}.", ""]
    codes = sorted(bundle.directory.covered, key=lambda cc: country_name(cc, lang))
    out += [" · ".join(f"[{country_name(cc, lang)}](#lines-{cc.lower()})" for cc in codes), ""]
    head = [_t(bundle, lang, f"audience.{a}") if a else "Anyone" for a in audiences]
    for cc in codes:
        country = bundle.directory.countries[cc]
        now = moment.at(country.timezone)
        emergency = " · ".join(
            f"{e.number} ({_t(bundle, lang, f'emergency.{e.kind}')})"
            for e in bundle.directory.emergency(cc)
        )
        numbered: dict[str, int] = {}
        rows = []
        for topic in topics:
            cells = []
            for aud in audiences:
                shown = bundle.directory.lines(cc, now, topic=topic, audience=aud, limit=limit)
                refs = []
                for v in shown:
                    n = numbered.setdefault(v.helpline.id, len(numbered) + 1)
                    refs.append(str(n) if v.status.open else f"{n} *closed*")
                cells.append(", ".join(refs) or "none")
            label = _t(bundle, lang, f"topic.{topic}") if topic else "Any"
            rows.append(f"| {md_line(label)} | " + " | ".join(cells) + " |")
        out += [
            *anchor(f"lines-{cc.lower()}"),
            f"### {country_name(cc, lang)} ({cc})",
            "",
            f"Emergency: {emergency}",
            "",
            "| | " + " | ".join(md_line(h) for h in head) + " |",
            "|---" * (len(head) + 1) + "|",
            *rows,
            "",
        ]
        by_id = {h.id: h for h in country.helplines}
        for hid, n in numbered.items():
            h = by_id[hid]
            reach = " · ".join(md_line(_contact(bundle, lang, c, cc)) for c in h.contacts)
            out.append(f"{n}. **{md_line(h.name)}**: {reach} · hours `{h.hours}`")
        out.append("")
    return out


def _contact(bundle: Bundle, lang: str, c: Contact, cc: str) -> str:
    """A contact in the words of the helpline cards ("Call 19696"), without its hours."""
    number = display(c.number, cc) if c.number else ""
    key = "contact.text_keyword" if c.kind == "text" and c.keyword else f"contact.{c.kind}"
    address = c.url or c.number or ""
    return bundle.catalogs.t(
        lang, key, number=number, keyword=c.keyword, url=c.url, address=address
    )


# --- the crisis reply --------------------------------------------------------------------------


def crisis_reply_for(bundle: Bundle, lang: str, region: str | None, now: dt.datetime) -> Reply:
    """What the engine sends on 'I need help now' or a crisis message, on the first screen."""
    state = State(lang=lang, region=region)
    state, _ = reply(bundle, state, Input("command", "/start", at=now))
    _, replies = reply(bundle, state, Input("press", data="sos", at=now))
    return replies[0]


def crisis_document(bundle: Bundle, lang: str, moment: Moment) -> str:
    """crisis.<lang>.md: the emergency reply in every country, and with the country unknown."""
    lang_name = bundle.catalogs.names.get(lang, lang)
    codes = sorted(bundle.directory.countries, key=lambda cc: country_name(cc, lang))
    out = [
        f"# Crisis reply: {lang_name} ({lang})",
        "",
        f"- **Moment:** {moment.describe()}. Opening hours decide which lines are listed.",
        "- **Sent when:** a message sounds like a crisis (on any screen, before anything "
        f"else), on /sos, or when {code(_t(bundle, lang, 'button.sos'))} is tapped. Quoted "
        "here as sent on the first screen, before a topic is chosen (read as thoughts of "
        "suicide, the gravest case).",
        f"- **Countries:** {len(codes)}, and the reply when the country is not known yet.",
        "",
        "## Contents",
        "",
    ]
    out += [f"- [{country_name(cc, lang)} ({cc})](#crisis-{cc.lower()})" for cc in codes]
    out += ["- [Country unknown](#crisis-unknown)", "- [Sign-off](#sign-off)", ""]
    for cc in [*codes, None]:
        title = f"{country_name(cc, lang)} ({cc})" if cc else "Country unknown"
        r = crisis_reply_for(bundle, lang, cc, moment.at(_tz(bundle, cc)))
        out += [
            *anchor(f"crisis-{cc.lower() if cc else 'unknown'}"),
            f"## {title}",
            "",
            quote(r.text),
            "",
            buttons_line(r, skip=()),
            "",
        ]
    out += sign_off(bundle, f"the crisis reply for the {len(codes)} countries above")
    return "\n".join(out)
