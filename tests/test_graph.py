"""The diagram: every node drawn, the global mechanisms once, DOT well formed, SVG's hint."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest

from bot import graph
from bot.bundle import Bundle

ROOT = Path(__file__).resolve().parent.parent


def test_mermaid_has_every_node_and_the_global_notes_once(bundle: Bundle) -> None:
    out = graph.mermaid(bundle)
    assert out.startswith("flowchart TD\n")
    for node_id in bundle.flow.nodes:
        assert re.search(rf"\bn_{node_id}\[", out) or re.search(rf"\bn_{node_id}\(\[", out)
        assert f"<b>{node_id}</b>" in out
    assert out.count("On every node") == 1
    assert out.count("crisis check first") == 1
    assert out.count("Back, Start over, I need help now") == 1


def test_mermaid_edges_and_ends(bundle: Bundle) -> None:
    out = graph.mermaid(bundle)
    lang = bundle.config.default_language
    young = bundle.catalogs.t(lang, "audience.young")
    assert f'n_welcome -->|"{young}"| n_country' in out
    # a region choice is one edge to its goto and one to `other`, not one per country
    assert out.count('n_country -->|"country buttons / typed country"| n_topic') == 1
    other = bundle.catalogs.t(lang, "button.other_country")
    assert f'n_country -->|"{other}"| n_country_other' in out
    ends = [n for n, node in bundle.flow.nodes.items() if node.helplines]
    assert ends
    for node_id in ends:
        assert f"n_{node_id}([" in out  # stadium shape: an end
    expected = 1 + sum(  # /start, then per node: choice, "another country", options
        bool(n.choose and n.goto) + bool(n.choose == "region" and n.other) + len(n.options)
        for n in bundle.flow.nodes.values()
    )
    assert out.count(" --> ") + out.count(" -->|") == expected  # none per country


def test_mermaid_escapes_quotes() -> None:
    assert graph._mm('say "hi" <b>#1') == "say #quot;hi#quot; #lt;b#gt;#35;1"


def test_dot_is_structurally_sound(bundle: Bundle) -> None:
    out = graph.dot(bundle)
    assert out.startswith("digraph ")
    assert out.count("{") == out.count("}")
    depth = 0
    for ch in re.sub(r'"(?:[^"\\]|\\.)*"', '""', out):  # braces inside labels don't count
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    for node_id in bundle.flow.nodes:
        assert re.search(rf'^\s*"{node_id}" \[label=', out, re.M)
    for node_id, node in bundle.flow.nodes.items():
        for opt in node.options:
            assert f'"{node_id}" -> "{opt.goto}"' in out
    assert out.count("On every node") == 1


def test_svg_without_graphviz_exits_1_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    args = argparse.Namespace(root=ROOT, format="svg", out=None)
    assert graph.run(args) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err
    assert "brew install graphviz" in err
    assert "--format mermaid" in err


def test_svg_runs_dot_when_installed(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, object] = {}

    def fake_run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        seen["cmd"], seen["input"] = cmd, kw["input"]
        return subprocess.CompletedProcess(cmd, 0, stdout="<svg/>", stderr="")

    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph.subprocess, "run", fake_run)
    monkeypatch.setattr("bot.cli.load_or_exit", lambda root: bundle)
    assert graph.run(argparse.Namespace(root=ROOT, format="svg", out=None)) == 0
    assert seen["cmd"] == ["dot", "-Tsvg"]
    assert str(seen["input"]).startswith("digraph ")
    assert capsys.readouterr().out == "<svg/>"


def test_cli_writes_a_file(bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.setattr("bot.cli.load_or_exit", lambda root: bundle)  # loaded once already
    target = tmp_path / "flow.mmd"
    assert main(["--root", str(ROOT), "graph", "--out", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("flowchart TD")
