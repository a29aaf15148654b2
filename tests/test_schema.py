"""The JSON Schemas in schemas/ match the models, and every shipped YAML file validates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import schema

ROOT = Path(__file__).resolve().parent.parent
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def _kind(path: Path) -> str | None:
    """Which schema a shipped file must follow, from where it lives."""
    rel = path.relative_to(ROOT)
    folder = rel.parts[0] if len(rel.parts) > 1 else ""
    if rel.as_posix() == "config.yaml":
        return "config"
    if folder == "directory":
        return "topics" if rel.stem == "topics" else "country" if len(rel.stem) == 2 else None
    return {"flows": "flow", "messages": "catalog", "crisis": "phrases"}.get(folder)


def _shipped() -> list[Path]:
    folders = ("flows", "messages", "directory", "crisis")
    return [ROOT / "config.yaml"] + sorted(p for f in folders for p in (ROOT / f).glob("*.yaml"))


def test_schemas_are_up_to_date(tmp_path: Path) -> None:
    written = schema.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        f"{k}.schema.json" for k in ("config", "flow", "catalog", "topics", "country", "phrases")
    )
    for fresh in written:
        shipped = ROOT / "schemas" / fresh.name
        assert shipped.exists(), f"{shipped} is missing: run `helpline-bot schema`"
        assert shipped.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
            f"{shipped} is out of date: run `helpline-bot schema`"
        )


def test_output_is_deterministic_and_described() -> None:
    text = schema.render("country")
    assert text == schema.render("country") and text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["$id"] == "urn:helpline-bot:schema:country"
    assert data["$schema"].startswith("https://json-schema.org/")
    assert data["title"] and data["description"]


def test_check_flag(tmp_path: Path) -> None:
    import argparse

    args = argparse.Namespace(root=ROOT, out=tmp_path, check=True)
    assert schema.run(args) == 1  # nothing there yet
    schema.write(tmp_path)
    assert schema.run(args) == 0


def _as_json(data: Any) -> Any:
    """What an editor sees: YAML dates are strings in JSON Schema's world."""
    return json.loads(json.dumps(data, default=str))


def test_every_shipped_yaml_validates() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    checked = 0
    for path in _shipped():
        kind = _kind(path)
        if kind is None:
            continue
        text = path.read_text(encoding="utf-8")
        first = MODELINE.match(text.splitlines()[0]) if text else None
        assert first, f"{path.relative_to(ROOT)}: first line should name its schema"
        target = (path.parent / first.group(1)).resolve()
        assert target == (ROOT / "schemas" / f"{kind}.schema.json").resolve(), path
        validator = jsonschema.Draft202012Validator(
            json.loads(target.read_text(encoding="utf-8")),
            format_checker=jsonschema.FormatChecker(),
        )
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(_as_json(yaml.safe_load(text)))
        ]
        assert not errors, f"{path.relative_to(ROOT)}: {errors[:3]}"
        checked += 1
    assert checked >= 10


def test_schema_catches_a_typo() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    config = json.loads((ROOT / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"default_langauge": "it"}, config)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"state": {"backend": "mongo"}}, config)
