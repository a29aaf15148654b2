"""`helpline-bot validate` on broken files: every problem as file:line, exit 1, no traceback;
warnings alone exit 0."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main


def run(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--root", str(root), "validate"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_the_shipped_files_are_valid(root_copy: Path, capsys) -> None:
    code, out = run(root_copy, capsys)
    assert code == 0, out
    assert "OK: 0 errors" in out


def test_yaml_syntax_error_has_file_and_line(root_copy: Path, capsys) -> None:
    path = root_copy / "messages" / "en.yaml"
    edit(path, "    back: ‹ Back", "    back: [‹ Back")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert re.search(r"^messages/en\.yaml:\d+: YAML syntax", out, re.M), out


def test_misspelt_key_suggests_the_right_one(root_copy: Path, capsys) -> None:
    path = root_copy / "flows" / "main.yaml"
    edit(path, "    helplines: true", "    helpline: true")
    code, out = run(root_copy, capsys)
    assert code == 1
    n = line_of(path, "helpline: true")
    assert f"flows/main.yaml:{n}: unknown key 'helpline' (did you mean 'helplines'?)" in out, out


def test_button_to_a_missing_node(root_copy: Path, capsys) -> None:
    path = root_copy / "flows" / "main.yaml"
    edit(path, "        goto: country_change", "        goto: country_chnage")
    code, out = run(root_copy, capsys)
    n = line_of(path, "goto: country_chnage")
    assert code == 1
    assert f"flows/main.yaml:{n}: no node 'country_chnage' (did you mean 'country_change'?)" in out


def test_unknown_topic_in_a_flow_and_a_topic_nobody_covers(root_copy: Path, capsys) -> None:
    flow = root_copy / "flows" / "main.yaml"
    edit(flow, "set: {topic: bullying}", "set: {topic: bulying}")
    edit(flow, "set: {topic: loneliness}", "set: {topic: grief_loss}")
    for f in (root_copy / "directory").glob("??.yaml"):
        text = f.read_text(encoding="utf-8")
        f.write_text(re.sub(r"\bgrief_loss\b,? ?", "", text), encoding="utf-8")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert "unknown topic 'bulying' (did you mean 'bullying'?)" in out
    assert (
        f"flows/main.yaml:{line_of(flow, 'grief_loss')}: no helpline covers topic 'grief_loss'"
        in out
    )


def test_a_region_without_emergency_number(root_copy: Path, capsys) -> None:
    path = root_copy / "directory" / "US.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("emergency:")
    end = text.index("helplines:")
    path.write_text(text[:start] + "emergency: []\n\n" + text[end:], encoding="utf-8")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert f"directory/US.yaml:{line_of(path, 'emergency: []')}: emergency:" in out, out


def test_missing_translation_names_the_key_and_where_it_is_used(root_copy: Path, capsys) -> None:
    path = root_copy / "messages" / "en.yaml"
    edit(path, "    other_topic: Something else\n", "")
    code, out = run(root_copy, capsys)
    assert code == 1
    flow_line = line_of(root_copy / "flows" / "main.yaml", "label: option.other_topic")
    assert "missing translation 'option.other_topic' in 'en'" in out
    assert f"(used at flows/main.yaml:{flow_line})" in out


def test_placeholders_must_match_between_languages(root_copy: Path, capsys) -> None:
    path = root_copy / "messages" / "en.yaml"
    edit(path, 'call: "Call {number}"', 'call: "Call {numero}"')
    code, out = run(root_copy, capsys)
    assert code == 1
    assert (
        f"messages/en.yaml:{line_of(path, 'Call {numero}')}: placeholders of 'contact.call'" in out
    )


def test_node_id_too_long_for_callback_data(root_copy: Path, capsys) -> None:
    path = root_copy / "flows" / "main.yaml"
    long_id = "a_very_long_node_identifier_that_cannot_fit_in_telegram_callback_data"
    edit(path, "  lines:\n", f"  {long_id}:\n    text: node.lines\n  lines:\n")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert f"flows/main.yaml:{line_of(path, long_id)}:" in out


def test_missing_source(root_copy: Path, capsys) -> None:
    path = root_copy / "directory" / "IT.yaml"
    edit(path, "    source: https://azzurro.it\n", "")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert re.search(r"directory/IT\.yaml:\d+: missing key 'helplines\.1\.source'", out), out


def test_malformed_number_and_stale_date(root_copy: Path, capsys) -> None:
    path = root_copy / "directory" / "IT.yaml"
    edit(path, '        number: "114"', '        number: "11A4"')
    edit(path, "verified_on: 2026-01-01", "verified_on: 2020-01-01")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert f"directory/IT.yaml:{line_of(path, '11A4')}: '11A4' is not a phone number" in out
    stale = line_of(path, "verified_on: 2020-01-01")
    expected = f"directory/IT.yaml:{stale}: warning: 'it_telefono_amico' was verified on 2020-01-01"
    assert expected in out


def test_unquoted_number_is_explained(root_copy: Path, capsys) -> None:
    path = root_copy / "directory" / "IT.yaml"
    edit(path, 'number: "1522"', "number: 1522")
    code, out = run(root_copy, capsys)
    assert code == 1
    assert f"directory/IT.yaml:{line_of(path, 'number: 1522')}:" in out
    assert "numbers must be quoted" in out


def test_bad_opening_hours(root_copy: Path, capsys) -> None:
    path = root_copy / "directory" / "IT.yaml"
    edit(path, 'hours: "Mo-Su 09:00-24:00"', 'hours: "Mo-Zz 09:00-24:00"')
    code, out = run(root_copy, capsys)
    assert code == 1
    assert f"directory/IT.yaml:{line_of(path, 'Mo-Zz')}: invalid opening_hours" in out


def test_warnings_alone_exit_zero(root_copy: Path, capsys) -> None:
    path = root_copy / "directory" / "IT.yaml"
    edit(path, "verified_on: 2026-01-01", "verified_on: 2019-01-01")
    code, out = run(root_copy, capsys)
    assert code == 0
    assert "warning: 'it_telefono_amico' was verified on 2019-01-01" in out


def test_the_bot_refuses_to_start_on_an_invalid_set(root_copy: Path, capsys) -> None:
    edit(root_copy / "flows" / "main.yaml", "start: welcome", "start: welcom")
    with pytest.raises(SystemExit) as exc:
        main(["--root", str(root_copy), "chat", "--jsonl"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "flows/main.yaml:" in err and "no node 'welcom' (did you mean 'welcome'?)" in err
