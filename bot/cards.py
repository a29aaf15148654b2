"""How a helpline and the emergency reply read in a chat: plain text, numbers in full.

Plain text (no HTML or Markdown) so that nothing an operator or a user writes can break a
message: Telegram shows it as it is, and recognises the phone numbers by itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from . import i18n
from .directory import INTERNATIONAL, EmergencyNumber, Line, display, is_short, line_status
from .hours import Status

if TYPE_CHECKING:
    from .bundle import Bundle

CrisisRows = list[list[tuple[str, str | None]]]  # (label, text to copy)
LinkRows = list[list[tuple[str, str | None, str | None]]]  # (label, url, text to copy)
MAX_MESSAGE = 4096


def describe_hours(b: Bundle, lang: str, st: Status, now: dt.datetime) -> str:
    t = b.catalogs.t
    if st.always:
        return t(lang, "hours.always")
    if st.unknown:
        return t(lang, "hours.unknown")
    if st.change is None:
        return t(lang, "hours.closed")
    when = i18n.clock(st.change, lang)
    if st.open:
        if st.change.hour == 0 and st.change.minute == 0:
            return t(lang, "hours.until_midnight")
        return t(lang, "hours.until", time=when)
    today = now.astimezone(st.change.tzinfo).date()
    day = st.change.date()
    if day == today:
        return t(lang, "hours.opens_today", time=when)
    if day == today + dt.timedelta(days=1):
        return t(lang, "hours.opens_tomorrow", time=when)
    return t(lang, "hours.opens_on", day=i18n.weekday(day, lang), time=when)


def helpline_card(b: Bundle, lang: str, line: Line, now: dt.datetime) -> str:
    t = b.catalogs.t
    h, cc = line.helpline, line.country.country
    about = h.about.get(lang) or h.about.get(b.config.default_language) or ""
    parts = [f"{h.name} – {describe_hours(b, lang, line.status, now)}"]
    if about:
        parts.append(about)
    for c in h.contacts:
        if c.kind == "call":
            row = t(lang, "contact.call", number=display(c.number or "", cc))
        elif c.kind == "text" and c.keyword:
            row = t(lang, "contact.text_keyword", keyword=c.keyword, number=c.number)
        elif c.kind == "text":
            row = t(lang, "contact.text", number=display(c.number or "", cc))
        elif c.kind == "whatsapp":
            row = t(lang, "contact.whatsapp", number=display(c.number or "", cc))
        elif c.kind == "email":
            row = t(lang, "contact.email", address=c.url or c.number or "")
        else:
            row = t(lang, f"contact.{c.kind}", url=c.url)
        if c.hours:
            st = line_status(h, line.country, now, c.hours)
            row += " " + t(lang, "contact.hours", hours=describe_hours(b, lang, st, now))
        parts.append(row)
    facts = [t(lang, f"cost.{h.cost}")] if h.cost != "unknown" else []
    if h.cost_note:  # says it better than the generic word ("CHF 0.20 per call")
        facts = [h.cost_note.get(lang) or next(iter(h.cost_note.values()))]
    if h.ages and h.ages.min is not None and h.ages.max is not None:
        facts.append(t(lang, "line.ages_range", min=h.ages.min, max=h.ages.max))
    elif h.ages and h.ages.max is not None:
        facts.append(t(lang, "line.ages_max", max=h.ages.max))
    elif h.ages and h.ages.min is not None:
        facts.append(t(lang, "line.ages_min", min=h.ages.min))
    if h.languages and lang not in h.languages:
        # the user may not speak the line's language: say which ones it answers in
        names = ", ".join(i18n.language_name(code, lang) for code in h.languages)
        facts.append(t(lang, "line.languages", languages=names))
    if facts:
        parts.append(" · ".join(facts))
    if h.needs_review:
        parts.append(t(lang, "lines.caveat"))
    if h.partial_answer:
        first = b.directory.emergency(cc)
        if first:
            parts.append(t(lang, "crisis.partial_answer", number=first[0].number))
    return "\n".join(parts)


def link_row(b: Bundle, lang: str, line: Line) -> list[tuple[str, str | None, str | None]]:
    """URL buttons for chat, WhatsApp and website; a copy button for a long number."""
    t = b.catalogs.t
    h, cc = line.helpline, line.country.country
    row: list[tuple[str, str | None, str | None]] = []
    for c in h.contacts:
        if c.kind == "chat" and c.url:
            row.append((t(lang, "button.chat", name=h.name), c.url, None))
        elif c.kind == "whatsapp" and c.number:
            digits = re.sub(r"\D", "", display(c.number, cc))
            row.append((t(lang, "button.whatsapp", name=h.name), f"https://wa.me/{digits}", None))
    if not row:
        site = next((c.url for c in h.contacts if c.kind == "website" and c.url), None)
        if site:
            row.append((t(lang, "button.website", name=h.name), site, None))
    call = next((c.number for c in h.contacts if c.kind == "call" and c.number), None)
    if call and not is_short(call):
        number = display(call, cc)
        row.append((t(lang, "button.copy", number=number), None, number))
    return row[:2]


def lines_text(
    b: Bundle,
    lang: str,
    region: str | None,
    topic: str | None,
    audience: str | None,
    now: dt.datetime,
) -> tuple[str, LinkRows]:
    t = b.catalogs.t
    limit = b.config.directory.max_lines_shown
    lines = b.directory.lines(region, now, topic=topic, audience=audience, limit=limit)
    if not lines:
        return _international(b, lang, region), []
    blocks = [helpline_card(b, lang, line, now) for line in lines]
    emergency = b.directory.emergency(region)
    if emergency:
        blocks.append(t(lang, "lines.emergency_beside", number=emergency[0].number))
    return _fit("\n\n".join(blocks)), [r for r in (link_row(b, lang, v) for v in lines) if r]


def _international(b: Bundle, lang: str, region: str | None) -> str:
    t = b.catalogs.t
    head = _first_line(b, lang, b.directory.emergency(region))
    key = "lines.none" if region and region != INTERNATIONAL else "lines.international"
    return "\n\n".join(
        [
            head,
            t(lang, key),
            t(lang, "crisis.findahelpline", url=b.config.directory.findahelpline_url),
        ]
    )


def _first_line(b: Bundle, lang: str, emergency: list[EmergencyNumber]) -> str:
    """The emergency number to call, or where to find it: always the reply's first line."""
    if not emergency:
        return b.catalogs.t(lang, "crisis.first_unknown")
    first = emergency[0]
    return b.catalogs.t(lang, "crisis.first", number=first.number, what=_what(b, lang, first.kind))


def _what(b: Bundle, lang: str, kind: str) -> str:
    return b.catalogs.t(lang, f"emergency.{kind}")


def crisis_reply(
    b: Bundle,
    lang: str,
    region: str | None,
    now: dt.datetime,
    topic: str | None = None,
    audience: str | None = None,
) -> tuple[str, CrisisRows]:
    """Safe-messaging order: the emergency number on the first line, then warmth and hope, the
    human lines open now, a trusted adult, and plainly that this is an automated assistant."""
    t = b.catalogs.t
    emergency = [e for e in b.directory.emergency(region) if e.kind != "missing_children"]
    parts: list[str] = []
    parts.append(_first_line(b, lang, emergency))
    others = [f"{e.number} ({_what(b, lang, e.kind)})" for e in emergency[1:4]]
    if others:
        parts[0] += "\n" + " · ".join(others)
    parts.append(t(lang, "crisis.acknowledge"))
    topic = topic or "suicidal_thoughts"  # until we know better, the gravest reading
    lines = (
        b.directory.lines(region, now, topic=topic, audience=audience, crisis=True, limit=3)
        if region
        else []
    )
    open_now = [v for v in lines if v.status.open] or lines
    if open_now:
        parts.append(t(lang, "crisis.lines_intro"))
        parts += [helpline_card(b, lang, v, now) for v in open_now]
    else:
        parts.append(t(lang, "crisis.no_lines"))
        parts.append(t(lang, "crisis.findahelpline", url=b.config.directory.findahelpline_url))
    parts.append(t(lang, "crisis.trusted_adult"))
    parts.append(t(lang, "crisis.automated"))
    if not region or region not in b.directory.countries:
        parts.append(t(lang, "crisis.choose_country"))
    rows: CrisisRows = []
    if emergency and not is_short(emergency[0].number):
        rows.append([(t(lang, "button.copy", number=emergency[0].number), emergency[0].number)])
    return _fit("\n\n".join(parts)), rows


def _fit(text: str) -> str:
    """Telegram refuses messages over 4,096 characters; a cut card beats no reply."""
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
