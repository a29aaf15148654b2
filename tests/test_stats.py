"""Anonymous statistics: a campaign deep link is counted, crises and choices are counted, and
nothing stored could point to a person."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from bot import stats
from bot.bundle import Bundle
from bot.cli import main
from bot.engine import Input, State, reply


def turn(bundle: Bundle, state: State, inp: Input, store: stats.Stats) -> State:
    new, replies = reply(bundle, state, inp)
    store.add(stats.events(state, new, inp, replies))
    return new


def test_a_campaign_deep_link_and_a_path_are_counted(bundle: Bundle, tmp_path: Path) -> None:
    db = stats.Stats(tmp_path / "stats.sqlite3")
    s = turn(bundle, State(), Input("command", "/start tiktok", language_code="it"), db)
    s = turn(bundle, s, Input("press", data="go:welcome:0"), db)
    s = turn(bundle, s, Input("press", data="cc:IT"), db)
    s = turn(bundle, s, Input("press", data="go:topic:0"), db)
    s = turn(bundle, s, Input("text", "voglio morire"), db)
    turn(bundle, State(), Input("command", "/start"), db)
    counts = {(what, value): n for _, what, value, n in db.rows(days=1)}
    assert counts[("campaign", "tiktok")] == 1
    assert counts[("conversations", "")] == 2
    assert counts[("audience", "young")] == 1
    assert counts[("region", "IT")] == 1
    assert counts[("topic", "self_harm")] == 1
    assert counts[("crisis", "IT")] == 1


def test_nothing_stored_identifies_a_person(bundle: Bundle, tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite3"
    db = stats.Stats(path)
    secret = "mi chiamo Giulia e il mio patrigno mi picchia"
    turn(bundle, State(), Input("command", "/start <script>Giulia_123456789"), db)
    turn(bundle, State(region="IT"), Input("text", secret), db)
    db.flush()
    con = sqlite3.connect(path)
    columns = [row[1] for row in con.execute("PRAGMA table_info(counts)")]
    assert columns == ["day", "what", "value", "n"]  # no id, no time of day, no text
    dump = "\n".join(con.iterdump())
    for needle in ("Giulia", "patrigno", "picchia", "script", "123456789"):
        assert needle not in dump


def test_stats_command_prints_a_table_and_csv(root_copy: Path, capsys) -> None:
    db = stats.Stats(root_copy / "var" / "stats.sqlite3")
    db.add([("conversations", ""), ("campaign", "tiktok"), ("crisis", "IT")])
    db.flush()  # as the bot does every few seconds and when it stops
    assert main(["--root", str(root_copy), "stats", "--days", "7"]) == 0
    table = capsys.readouterr().out
    assert "campaign tiktok" in table and "conversations" in table
    assert main(["--root", str(root_copy), "stats", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["day", "what", "value", "count"]
    assert ["campaign", "tiktok", "1"] in [r[1:] for r in rows[1:]]
