"""The mmcourse command: subcommands hand their arguments on intact."""

from __future__ import annotations

import json

from mmcourse.cli import main


def test_data_build_regenerates_one_kind_into_a_folder(tmp_path, capsys):
    assert main(["data", "build", "--out", str(tmp_path), "--only", "chart"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {e["kind"] for e in manifest["files"]} == {"chart"}
    assert all((tmp_path / e["path"]).is_file() for e in manifest["files"])


def test_data_without_build_says_how(capsys):
    assert main(["data"]) == 2
    assert "mmcourse data build" in capsys.readouterr().out


def test_release_takes_options_after_the_subcommand(tmp_path):
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "grading" / "solutions"
    assert main(["release", "--solutions", str(fixture), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fixture.ipynb").is_file()


def test_doctor_prints_a_line_per_provider(capsys):
    assert main(["doctor"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["openai", "anthropic", "gemini"]
