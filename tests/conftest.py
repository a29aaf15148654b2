"""Shared fixtures: the shipped bundle, loaded once, and conversations driven like a user."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.bundle import Bundle, load_bundle
from bot.channels.terminal import Session

ROOT = Path(__file__).resolve().parent.parent
DATA = ("config.yaml", "flows", "messages", "directory", "crisis")


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return load_bundle(ROOT)


@pytest.fixture
def chat(bundle: Bundle):
    """chat(lang='it', region=None, at=None) → a terminal Session on the shipped files."""

    def make(lang: str | None = "it", region: str | None = None, at: str | None = None) -> Session:
        moment = dt.datetime.fromisoformat(at) if at else None
        if moment is not None and moment.tzinfo is None:
            from zoneinfo import ZoneInfo

            tz = bundle.directory.countries[region].timezone if region else "Europe/Rome"
            moment = moment.replace(tzinfo=ZoneInfo(tz))
        return Session(bundle, lang=lang, region=region, at=moment)

    return make


@pytest.fixture
def root_copy(tmp_path: Path) -> Path:
    """A private copy of the YAML files, for tests that break them."""
    for name in DATA:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name)
        else:
            shutil.copy(src, tmp_path / name)
    return tmp_path
