"""Transcripts: walked through the engine, so a test proves each node appears in every language."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest

from bot import transcripts
from bot.bundle import Bundle
from bot.cli import main
from bot.i18n import country_name
from bot.transcripts import Moment

ROOT = Path(__file__).resolve().parent.parent
AT = Moment(dt.datetime(2026, 12, 2, 15, 0))  # a Wednesday afternoon


@pytest.fixture(scope="module")
def docs(bundle: Bundle) -> dict[str, transcripts.Document]:
    return {
        lang: transcripts.flow_document(bundle, lang, "IT", AT)
        for lang in bundle.catalogs.languages
    }


def _literal_lines(template: str) -> list[str]:
    """The fixed parts of a message, line by line, as the transcript quotes them."""
    out = []
    for line in template.splitlines():
        for literal, *_ in string.Formatter().parse(line):
            if literal.strip():
                out.append(transcripts.md_line(literal.strip()))
    return out


def test_every_node_appears_in_every_language(
    bundle: Bundle, docs: dict[str, transcripts.Document]
) -> None:
    for lang, doc in docs.items():
        visited = {s.node for p in doc.paths for s in p.steps}
        assert visited == set(bundle.flow.nodes), lang
        for node_id, node in bundle.flow.nodes.items():
            for line in _literal_lines(bundle.catalogs.messages[lang][node.text]):
                assert line in doc.text, f"{lang}: {node_id}: {line!r}"


def test_paths_are_numbered_titled_and_end(
    bundle: Bundle, docs: dict[str, transcripts.Document]
) -> None:
    doc = docs["en"]
    t = bundle.catalogs.t
    title = " → ".join(
        [t("en", "audience.young"), country_name("IT", "en"), t("en", "topic.self_harm")]
    )
    assert f"## Path 1: {transcripts.md_line(title)}" in doc.text
    assert f"**User taps:** {transcripts.md_line(t('en', 'topic.self_harm'))}" in doc.text
    assert doc.text.count("## Path ") == len(doc.paths)
    for i in range(1, len(doc.paths) + 1):
        assert f'<a id="path-{i}"></a>' in doc.text and f"(#path-{i})" in doc.text
    # three audiences × (Italy + no country) × every topic reach the helplines
    topics = len(bundle.flow.nodes["topic"].options)
    assert sum(p.end == "end" for p in doc.paths) >= 3 * 2 * topics
    # global buttons are described once, not followed
    assert all(s.said != t("en", "button.back") for p in doc.paths for s in p.steps)
    assert "Wednesday 2 December 2026, 15:00" in doc.text.split("## Contents")[0]
    assert "## Sign-off" in doc.text and "| Signature | |" in doc.text


def test_lucy_for_italy_self_harm(bundle: Bundle, docs: dict[str, transcripts.Document]) -> None:
    for lang, doc in docs.items():
        self_harm = bundle.catalogs.t(lang, "topic.self_harm")
        italy = country_name("IT", lang)
        path = next(
            p for p in doc.paths if p.title.endswith(f"{italy} → {self_harm}") and p.end == "end"
        )
        lines_text = path.steps[-1].replies[0].text
        assert "Lucy" in lines_text, lang
        assert "+39 06 6859 2265" in lines_text


def test_other_countries_are_buttons_and_appendix(
    bundle: Bundle, docs: dict[str, transcripts.Document]
) -> None:
    doc = docs["it"]
    followed = {s.region for p in doc.paths for s in p.steps}
    assert followed <= {None, "IT", "ZZ"}
    for cc in bundle.directory.covered:
        assert f"`{country_name(cc, 'it')}`" in doc.text  # a button
        assert f'<a id="lines-{cc.lower()}"></a>' in doc.text  # its lines


def test_crisis_document_has_every_first_emergency_number(bundle: Bundle) -> None:
    for lang in bundle.catalogs.languages:
        text = transcripts.crisis_document(bundle, lang, AT)
        for cc in bundle.directory.covered:
            first = bundle.directory.emergency(cc)[0].number
            section = text.split(f'<a id="crisis-{cc.lower()}"></a>')[1].split("<a id=")[0]
            assert first in section, f"{lang} {cc}"
        assert '<a id="crisis-unknown"></a>' in text
        assert "## Sign-off" in text


def test_default_moment_is_a_weekday_afternoon() -> None:
    moment = transcripts.default_moment(dt.date(2026, 11, 26))
    assert moment == dt.datetime(2026, 12, 2, 15, 0)
    assert transcripts.default_moment(dt.date(2026, 12, 24)).date() == dt.date(2027, 1, 13)
    assert Moment(moment).at("Asia/Tokyo").hour == 15  # wall clock in each country


def test_markdown_escaping() -> None:
    assert transcripts.md_line("1. call *now* [x]") == "1\\. call \\*now\\* \\[x\\]"
    assert transcripts.quote("a\nb\n\nc") == "> a  \n> b\n>\n> c"


def test_cli_writes_and_prints_paths(
    bundle: Bundle,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.cli.load_or_exit", lambda root: bundle)  # loaded once already
    out = tmp_path / "t"
    args = ["--root", str(ROOT), "transcripts", "--lang", "en", "--out", str(out)]
    assert main([*args, "--at", "2026-12-02T15:00"]) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["crisis.en.md", "main.en.md"]
    assert str(out / "main.en.md") in printed and "paths" in printed
    assert main([*args, "--region", "XX"]) == 2
