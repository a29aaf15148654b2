"""Which human lines fit this person, now: filtering, ranking and the emergency numbers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, shortnumberinfo

from . import hours
from .models import CountryFile, Emergency, Helpline

INTERNATIONAL = "ZZ"  # the user skipped the country question: international answer
# Which emergency number comes first where a country has several: one that sends medical
# help before police, for someone who may have hurt themselves.
_FIRST = ["general", "ambulance", "police", "fire", "sms", "missing_children"]


@dataclass(frozen=True)
class Line:
    """A helpline as shown at one moment: the entry plus whether it is open."""

    helpline: Helpline
    country: CountryFile
    status: hours.Status
    fits: bool  # matches topic and audience, not only a floor


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    kind: str
    curated: bool  # from our YAML; else from libphonenumber's metadata


class Directory:
    def __init__(self, countries: dict[str, CountryFile], show_needs_review: bool = False):
        self.countries = countries
        self.show_needs_review = show_needs_review

    @property
    def covered(self) -> list[str]:
        """Countries with at least one line, in file order (the order operators chose)."""
        return [cc for cc, c in self.countries.items() if c.helplines]

    def emergency(self, region: str | None) -> list[EmergencyNumber]:
        """Curated numbers first; any other country gets libphonenumber's, else nothing."""
        country = self.countries.get(region or "")
        if country is not None:
            items = sorted(country.emergency, key=lambda e: _FIRST.index(e.kind))
            return [EmergencyNumber(e.number, e.kind, True) for e in items]
        if region and region != INTERNATIONAL:
            return [EmergencyNumber(n, "general", False) for n in known_emergency_numbers(region)]
        return []

    def _visible(self, h: Helpline) -> bool:
        return self.show_needs_review or not h.needs_review

    def lines(
        self,
        region: str | None,
        now: dt.datetime,
        topic: str | None = None,
        audience: str | None = None,
        crisis: bool = False,
        limit: int = 4,
    ) -> list[Line]:
        """Lines that fit, open ones first, with an open line always among them if any exists.

        A closed line is never hidden when it fits best: it says when it opens, and an open
        crisis line is put before it so nobody is sent to a closed door at 2 a.m.
        """
        country = self.countries.get(region or "")
        if country is None:
            return []
        pool = [h for h in country.helplines if self._visible(h)]
        if not any(h.crisis for h in pool) and crisis:
            # no confirmed crisis line at all (Mexico today): an unconfirmed one, shown with
            # its caveat, beats none
            pool += [h for h in country.helplines if h.needs_review and h.crisis]
        elif not pool:
            pool = list(country.helplines)
        views = [
            Line(h, country, line_status(h, country, now), _fits(h, topic, audience, crisis))
            for h in pool
        ]
        fitting = [v for v in views if v.fits]
        if not fitting and topic:
            # nothing for this topic: lines that listen to anyone about anything
            fitting = [v for v in views if _fits(v.helpline, "talk", audience, False)]
        ranked = sorted(fitting, key=lambda v: _rank(v, topic, audience))
        ranked = _keep_groups(ranked, views, limit)
        if not any(v.status.open for v in ranked):
            floor = sorted(
                (v for v in views if v.status.open and v.helpline.crisis),
                key=lambda v: (not v.status.always, _rank(v, topic, audience)),
            )
            if floor:
                ranked = [floor[0], *[v for v in ranked if v is not floor[0]]][:limit]
        return ranked


def line_status(
    h: Helpline, country: CountryFile, now: dt.datetime, expr: str | None = None
) -> hours.Status:
    """The line's status, or one contact's when it keeps other hours (`expr`)."""
    return hours.status(expr or h.hours, country.timezone, country.country, now)


def _fits(h: Helpline, topic: str | None, audience: str | None, crisis: bool) -> bool:
    if crisis:
        return h.crisis
    if topic and topic not in h.topics:
        return False
    return not (audience and audience not in h.audiences)


def _rank(v: Line, topic: str | None, audience: str | None) -> tuple[int, ...]:
    h = v.helpline
    return (
        0 if v.status.open else 1,
        0 if topic and topic in h.topics else 1,
        0 if audience and h.audiences == [audience] else 1,  # made for them
        0 if v.status.always else 1,
        0 if h.cost == "free" else 1,
        len(h.topics),  # specialist before generalist
    )


def _keep_groups(ranked: list[Line], every: list[Line], limit: int) -> list[Line]:
    """Lines of one service come together or not at all (youth and parents' line)."""
    out: list[Line] = []
    for v in ranked:
        if v in out:
            continue
        family = [v]
        if v.helpline.group:
            family += [w for w in every if w.helpline.group == v.helpline.group and w is not v]
        if len(out) + len(family) > limit and out:
            continue
        out.extend(w for w in family if w not in out)
    return out[: max(limit, len(out))]


# --- numbers -------------------------------------------------------------------------------


def parse_number(number: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None


def malformed(number: str) -> str | None:
    """A typo no phone could dial: always an error, whatever the number's kind."""
    if not re.fullmatch(r"\+?\d{2,15}", re.sub(r"[\s\-().]", "", number)):
        return f"'{number}' is not a phone number (digits, spaces and a leading + only)"
    return None


def number_problem(number: str, region: str, kind: str) -> str | None:
    """Why a number would not connect from that country, or None when it looks right."""
    bad = malformed(number)
    if bad:
        return bad
    digits = re.sub(r"[\s\-().]", "", number)
    parsed = parse_number(number, region)
    if parsed is None:
        return f"'{number}' cannot be parsed as a number in {region}"
    if phonenumbers.is_valid_number(parsed):
        return None
    if not number.startswith("+") and (
        shortnumberinfo.is_valid_short_number_for_region(parsed, region)
        or shortnumberinfo.is_emergency_number(digits, region)
    ):
        return None
    what = "short code" if len(digits) <= 6 else "number"
    return f"'{number}' is not a valid {what} for {region} according to libphonenumber"


def display(number: str, region: str) -> str:
    """Full international form for ordinary numbers (Telegram refuses tel: buttons); short codes
    are dialled as written, so they stay as the operator wrote them."""
    parsed = parse_number(number, region)
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)
    return number


def is_short(number: str) -> bool:
    return not number.startswith("+") and len(re.sub(r"\D", "", number)) <= 6


@lru_cache(maxsize=512)
def known_emergency_numbers(region: str) -> tuple[str, ...]:
    """Every emergency number libphonenumber knows for a region, its example first."""
    md = phonenumbers.PhoneMetadata.short_metadata_for_region(region)
    if md is None or md.emergency is None or not md.emergency.national_number_pattern:
        return ()
    pattern = re.compile(md.emergency.national_number_pattern)
    lengths = md.emergency.possible_length or md.general_desc.possible_length or (3,)
    found = [
        f"{n:0{length}d}"
        for length in lengths
        if 0 < length <= 5
        for n in range(10**length)
        if pattern.fullmatch(f"{n:0{length}d}")
    ]
    example = md.emergency.example_number
    ordered = sorted(set(found), key=lambda n: (n != example, n not in ("112", "911"), n))
    return tuple(ordered)


def emergency_problem(e: Emergency, region: str) -> str | None:
    if e.kind != "general":
        return None
    digits = re.sub(r"\D", "", e.number)
    if shortnumberinfo.is_emergency_number(digits, region):
        return None
    return f"'{e.number}' is not an emergency number for {region} according to libphonenumber"
