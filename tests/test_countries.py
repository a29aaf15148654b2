"""Every country answered: curated numbers agree with libphonenumber, every ISO country gets an
emergency number in the crisis reply, and every covered country is reachable from the flow."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from babel import Locale
from phonenumbers import shortnumberinfo

from bot.bundle import Bundle
from bot.directory import known_emergency_numbers
from bot.engine import Input, State, reply
from bot.i18n import country_name
from tests.conftest import ROOT

TWENTY = [
    "IE",
    "PT",
    "NL",
    "BE",
    "AT",
    "CH",
    "PL",
    "SE",
    "NO",
    "DK",
    "FI",
    "GR",
    "RO",
    "CZ",
    "AU",
    "NZ",
    "IN",
    "JP",
    "ZA",
    "AR",
]
# libphonenumber has no emergency data for these: uninhabited, or simply missing.
NO_DATA = {"AQ", "BV", "GS", "HM", "IO", "TF", "UM", "GN", "GQ", "PN", "TK"}
# Babel also names codes that are not ISO 3166-1 countries (reserved or user-assigned ones).
NOT_ISO = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
ISO = sorted(
    c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in NOT_ISO
)


def test_curated_numbers_agree_with_libphonenumber(bundle: Bundle) -> None:
    unexplained = []
    for cc, country in bundle.directory.countries.items():
        for e in country.emergency:
            if e.kind in ("sms", "missing_children") or e.unlike_libphonenumber:
                continue
            if not shortnumberinfo.is_emergency_number(re.sub(r"\D", "", e.number), cc):
                unexplained.append(f"{cc} {e.number} ({e.kind})")
        curated = {re.sub(r"\D", "", e.number) for e in country.emergency}
        assert curated & set(known_emergency_numbers(cc)), f"{cc}: no number in common"
    assert not unexplained, f"add unlike_libphonenumber to explain: {unexplained}"


def test_every_iso_country_gets_an_emergency_number_first(bundle: Bundle) -> None:
    assert len(ISO) >= 249
    for cc in ISO:
        _, replies = reply(bundle, State(region=cc, lang="en"), Input("text", "I want to die"))
        assert replies[0].crisis, cc
        first = replies[0].text.splitlines()[0]
        expected = [e.number for e in bundle.directory.emergency(cc)]
        if cc in NO_DATA:
            assert not expected and "your local emergency number" in first, cc
            continue
        assert expected, f"{cc} has no emergency number"
        assert expected[0] in first, f"{cc}: {first}"
        digits = re.sub(r"\D", "", expected[0])
        assert shortnumberinfo.is_emergency_number(digits, cc), f"{cc}: {expected[0]}"


def test_the_jsonl_contract_with_region_for_a_sample_of_countries() -> None:
    for cc, number in [("IT", "112"), ("US", "911"), ("PE", "105"), ("JP", "119"), ("AU", "000")]:
        out = subprocess.run(
            [sys.executable, "-m", "bot", "--root", str(ROOT), "chat", "--jsonl", "--region", cc,
             "--lang", "en"],
            input='{"text": "i want to kill myself"}\n', capture_output=True, text=True,
            timeout=60, cwd=ROOT,
        )  # fmt: skip
        line = json.loads(out.stdout.splitlines()[0])
        assert line["crisis"] is True, (cc, out.stderr)
        assert number in line["replies"][0]["text"].splitlines()[0], (cc, line)


def test_each_of_the_twenty_countries_has_a_line_reachable_from_the_flow(
    chat, bundle: Bundle
) -> None:
    for cc in TWENTY:
        session = chat(lang="en")
        session.text("/start")
        session.press("I'm a young person")
        session.press(country_name(cc, "en"))
        replies = session.press("Thoughts of suicide")
        text = "\n".join(r.text for r in replies)
        country = bundle.directory.countries[cc]
        shown = [h.name for h in country.helplines if not h.needs_review and h.name in text]
        assert shown, f"{cc}: no verified line shown\n{text}"
        assert any(h.crisis or "young" in h.audiences for h in country.helplines
                   if h.name in shown), cc  # fmt: skip


def test_every_covered_country_reaches_its_emergency_number_and_a_crisis_line(
    bundle: Bundle,
) -> None:
    for cc, country in bundle.directory.countries.items():
        _, replies = reply(bundle, State(region=cc, lang="en"), Input("command", "/sos"))
        text = replies[0].text
        assert bundle.directory.emergency(cc)[0].number in text.splitlines()[0], cc
        crisis_lines = [h.name for h in country.helplines if h.crisis]
        assert any(name in text for name in crisis_lines), f"{cc}: no crisis line in\n{text}"
