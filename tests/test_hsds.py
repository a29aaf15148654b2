"""HSDS export/import: lossless, byte-stable, and a clear refusal of bad input."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.hsds import FINDAHELPLINE, dumps, export_document, load_directory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    countries, vocab = load_directory(ROOT)
    return json.loads(dumps(export_document(countries, vocab)))


def _service(document: dict[str, Any], our_id: str) -> dict[str, Any]:
    return next(s for s in document["services"] if s.get("x-id") == our_id)


def test_round_trip_is_byte_identical(tmp_path: Path) -> None:
    first, second, imported = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "imported"
    assert main(["--root", str(ROOT), "export", "--format", "hsds", "--out", str(first)]) == 0
    assert main(["import", "--format", "hsds", str(first), "--out", str(imported)]) == 0
    assert main(["--root", str(imported), "export", "--format", "hsds", "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()

    original, _ = load_directory(ROOT)
    again, _ = load_directory(imported)
    assert again == original  # the same models, not only the same export


def test_imported_files_look_hand_written(tmp_path: Path) -> None:
    exported = tmp_path / "a.json"
    assert main(["--root", str(ROOT), "export", "--out", str(exported)]) == 0
    assert main(["import", str(exported), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "directory" / "IT.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/country.schema.json\n")
    assert '  - number: "112"\n' in text
    assert '        number: "+39 06 6859 2265"\n' in text
    assert not re.search(r"number: [^\"']", text), "every number is quoted"
    assert "country: 'NO'" in (tmp_path / "directory" / "NO.yaml").read_text(encoding="utf-8")


def test_export_is_deterministic_with_uuid5_ids(document: dict[str, Any]) -> None:
    countries, vocab = load_directory(ROOT)
    assert dumps(export_document(countries, vocab)) == dumps(document)
    ids = [s["id"] for s in document["services"]]
    assert len(ids) == len(set(ids))
    assert all(uuid.UUID(i).version == 5 for i in ids)


def test_lucy_is_exported(document: dict[str, Any]) -> None:
    lucy = _service(document, "it_lucy")
    assert lucy["name"].startswith("Lucy")
    assert lucy["status"] == "active"
    assert [p["number"] for p in lucy["phones"]] == ["+39 06 6859 2265"]
    assert lucy["phones"][0]["type"] == "voice"
    assert lucy["schedules"][0]["description"] == "24/7"
    assert lucy["schedules"][0]["x-timezone"] == "Europe/Rome"
    assert lucy["maximum_age"] == 17 and "minimum_age" not in lucy
    assert lucy["assured_date"] == "2023-10-26"
    assert lucy["x-source"] == "https://www.ospedalebambinogesu.it"
    assert lucy["x-country"] == "IT" and lucy["x-crisis"] is True
    assert [lang["code"] for lang in lucy["languages"]] == ["it"]

    terms = {t["id"]: t for t in document["taxonomy_terms"]}
    topics = [terms[a["taxonomy_term_id"]] for a in lucy["attributes"] if a["link_type"] == "topic"]
    assert {"taxonomy": FINDAHELPLINE, "name": "Self-harm"}.items() <= topics[0].items()

    location = next(loc for loc in document["locations"] if loc["x-country"] == "IT")
    assert location["addresses"][0]["country"] == "IT"
    links = {(x["service_id"], x["location_id"]) for x in document["service_at_locations"]}
    assert (lucy["id"], location["id"]) in links


def test_emergency_numbers_are_a_service_per_country(document: dict[str, Any]) -> None:
    emergency = [s for s in document["services"] if s["x-emergency"]]
    assert len(emergency) == len(load_directory(ROOT)[0])
    italy = next(s for s in emergency if s["x-country"] == "IT")
    assert [p["number"] for p in italy["phones"]][:2] == ["112", "118"]
    assert italy["phones"][0]["x-kind"] == "general"
    texts = [p for s in emergency for p in s["phones"] if p["x-kind"] == "sms"]
    assert texts and all(p["type"] == "text" for p in texts)


@pytest.fixture(scope="module")
def exported(document: dict[str, Any]) -> str:
    return dumps(document)


def _without(doc: dict[str, Any], our_id: str, key: str) -> dict[str, Any]:
    del _service(doc, our_id)[key]
    return doc


BAD = {
    "not_json": lambda doc: "{ services: oops",
    "a_list": lambda doc: [],
    "no_services": lambda doc: {"organizations": []},
    "no_country": lambda doc: _without(doc, "it_lucy", "x-country"),
    "no_verified_date": lambda doc: _without(doc, "it_lucy", "assured_date"),
    "no_hours": lambda doc: _without(doc, "gb_shout", "schedules"),
    "bad_date": lambda doc: {**doc, "services": [
        {**s, "assured_date": "yesterday"} for s in doc["services"]]},
    "bad_url": lambda doc: {**doc, "services": [
        {**s, "x-contacts": [{"kind": "chat", "url": "http://x"}]} if s.get("x-id") == "it_114"
        else s for s in doc["services"]]},
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_import_refuses_bad_input(
    case: str, exported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = BAD[case](json.loads(exported))
    path = tmp_path / "bad.json"
    path.write_text(bad if isinstance(bad, str) else json.dumps(bad), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", "--format", "hsds", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    print(err)
    assert err.startswith("import: ") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_import_names_the_missing_field(
    exported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_without(json.loads(exported), "it_lucy", "x-source")))
    capsys.readouterr()
    assert main(["import", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "(Lucy – Ospedale Pediatrico Bambino Gesù): missing 'x-source'" in err


def test_import_will_not_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "a.json"
    assert main(["--root", str(ROOT), "export", "--out", str(exported)]) == 0
    out = tmp_path / "out"
    assert main(["import", str(exported), "--out", str(out)]) == 0
    target = out / "directory" / "IT.yaml"
    target.write_text("# mine\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(exported), "--out", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert main(["import", str(exported), "--out", str(out), "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("# yaml-language-server:")


def test_export_reports_bad_directory_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory" / "topics.yaml").write_text(
        (ROOT / "directory" / "topics.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "directory" / "IT.yaml").write_text("country: IT\ntimezone: Europe/Rome\n")
    assert main(["--root", str(tmp_path), "export"]) == 1
    assert "directory/IT.yaml:1: missing key 'emergency'" in capsys.readouterr().err
