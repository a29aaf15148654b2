"""Open now, with frozen clocks: a Saturday night in Rome, Christmas Day (PH off), the nights the
clocks change. Each checks which lines come first and what is said of their hours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.bundle import Bundle, load_bundle
from bot.channels.terminal import Session

ROME = ZoneInfo("Europe/Rome")


def lines_at(bundle: Bundle, moment: dt.datetime, audience: str, topic_label: str,
             country: str = "Italia", lang: str = "it") -> str:  # fmt: skip
    s = Session(bundle, lang=lang, at=moment)
    s.text("/start")
    s.press({"young": "Sono un ragazzo o una ragazza",
             "parent": "Sono un genitore o mi prendo cura di qualcuno"}[audience])  # fmt: skip
    s.press(country)
    return "\n".join(r.text for r in s.press(topic_label))


def card(text: str, name: str) -> str:
    """The first line of a helpline's card: its name and what is said of its hours."""
    return next(line for line in text.splitlines() if line.startswith(name))


def test_saturday_night_in_rome(bundle: Bundle) -> None:
    late = dt.datetime(2026, 11, 28, 23, 30, tzinfo=ROME)
    text = lines_at(bundle, late, "young", "Non lo so, ho solo bisogno di parlare")
    assert card(text, "Telefono Amico Italia").endswith("aperto ora, fino a mezzanotte")
    small_hours = dt.datetime(2026, 11, 29, 3, 0, tzinfo=ROME)
    text = lines_at(bundle, small_hours, "young", "Non lo so, ho solo bisogno di parlare")
    assert card(text, "Telefono Amico Italia").endswith("chiuso ora, apre oggi alle 09:00")
    first = text.split("\n\n")[1]  # after the node's own words
    assert "aperto ora, 24 ore su 24" in first.splitlines()[0]


def test_at_three_on_a_weekday_nothing_closed_is_offered_as_open(bundle: Bundle) -> None:
    night = dt.datetime(2026, 11, 25, 3, 0, tzinfo=ROME)
    for topic in ("Autolesionismo", "Mi sento solo", "Ansia o tristezza", "Abusi o violenza"):
        text = lines_at(bundle, night, "parent", topic)
        for line in text.splitlines():
            if "Telefono Amico" in line and " – " in line:
                assert "chiuso ora" in line, line
        opened = [line for line in text.splitlines() if "aperto ora" in line]
        assert opened and all("24 ore su 24" in line for line in opened), text


def test_christmas_day_with_a_ph_off_line(root_copy: Path) -> None:
    path = root_copy / "directory" / "IT.yaml"
    text = path.read_text(encoding="utf-8")
    ph_off = text.replace('hours: "Mo-Su 09:00-24:00"', 'hours: "Mo-Su 09:00-24:00; PH off"')
    path.write_text(ph_off, encoding="utf-8")
    bundle = load_bundle(root_copy)
    christmas = dt.datetime(2026, 12, 25, 15, 0, tzinfo=ROME)
    text = lines_at(bundle, christmas, "young", "Non lo so, ho solo bisogno di parlare")
    # 25 and 26 December are both public holidays in Italy: it reopens on Sunday the 27th
    assert card(text, "Telefono Amico Italia").endswith("chiuso ora, apre domenica alle 09:00")
    blocks = text.split("\n\n")
    assert "aperto ora, 24 ore su 24" in blocks[1].splitlines()[0]
    assert blocks.index(next(b for b in blocks if b.startswith("Telefono Amico"))) > 1
    ordinary = dt.datetime(2026, 12, 22, 15, 0, tzinfo=ROME)
    text = lines_at(bundle, ordinary, "young", "Non lo so, ho solo bisogno di parlare")
    assert card(text, "Telefono Amico Italia").endswith("aperto ora, fino a mezzanotte")


def test_the_night_the_clocks_go_back(bundle: Bundle) -> None:
    # 25 Oct 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 01:30 UTC is 02:30 CET
    moment = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    text = lines_at(bundle, moment, "young", "Non lo so, ho solo bisogno di parlare")
    assert card(text, "Telefono Amico Italia").endswith("chiuso ora, apre oggi alle 09:00")


def test_the_night_the_clocks_go_forward_in_germany(bundle: Bundle) -> None:
    # 29 Mar 2026, a Sunday: 02:00 CET becomes 03:00 CEST; 01:30 UTC is 03:30 local
    moment = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    s = Session(bundle, lang="en", at=moment)
    s.text("/start")
    s.press("I'm a parent or carer")
    s.press("Germany")
    text = "\n".join(r.text for r in s.press("Family or relationships"))
    assert "Elterntelefon – closed now, opens tomorrow at 09:00" in text, text
    assert "TelefonSeelsorge – open now, 24/7" in text
    assert text.index("TelefonSeelsorge") < text.index("Elterntelefon")
