"""Shared fixtures: the shipped bundle, loaded once, and conversations driven like a user."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bundle import Bundle, load_bundle
from bot.channels.terminal import Session
from tests.redisserver import NO_REDIS, redis_ping, redis_server

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


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis on loopback for the tests marked redis; skipped where none can be had."""
    with redis_server() as url:
        if url is None:
            pytest.skip(NO_REDIS)
        if not redis_ping(url, timeout=3):
            pytest.fail(f"REDIS_URL is set but Redis does not answer at {url}")
        yield url


@pytest.fixture
def root_copy(tmp_path: Path) -> Path:
    """A private copy of the YAML files, for tests that break them."""
    return copy_root(tmp_path)


def copy_root(dest: Path) -> Path:
    """The YAML files the bot loads, copied into `dest`, so a test can change them."""
    for name in DATA:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest
