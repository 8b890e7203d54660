"""The mmcourse command: subcommands hand their arguments on intact."""

from __future__ import annotations

import json

import pytest

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
    assert [line.split()[0] for line in lines[:3]] == ["openai", "anthropic", "gemini"]
    assert {line.split()[0] for line in lines[3:]} == {"emulator"}, "then this user's emulator service"


def test_teaching_paths_add_up_by_the_lessons_own_estimates():
    from pathlib import Path

    from mmcourse import paths

    assert paths.total_minutes("workshop-3h") <= 180, "a 3-hour workshop must fit in 3 hours"
    root = Path(__file__).resolve().parents[1]
    lesson_00 = (root / "solutions" / "00_start_here.py").read_text()
    teachers = (root / "mmcourse" / "deploy" / "TEACHERS.md").read_text()
    for name in paths.PATHS:
        stated = paths.hours_and_minutes(paths.total_minutes(name))
        assert stated in lesson_00, f"lesson 00 states another time for {name} than {stated}"
        assert stated in teachers, f"TEACHERS.md states another time for {name} than {stated}"


def test_path_lists_a_path_with_its_times(capsys):
    from mmcourse.cli import main

    assert main(["path", "workshop-3h", "--no-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("workshop-3h: a 3-hour workshop, 2 h 55 min")
    assert "05_one_function               35 min" in out


def test_an_unknown_path_is_refused_with_the_choices():
    from mmcourse import paths

    with pytest.raises(KeyError, match="workshop-3h, one-day"):
        paths.get("two-weeks")


def test_open_serves_the_course_folder_at_the_first_lesson(tmp_path):
    from mmcourse.cli import lab_command

    command = lab_command([], is_root=False, root=tmp_path)
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in command
    assert "--LabApp.news_url=None" in command and "--allow-root" not in command
    other = lab_command(["notebooks/05_one_function.ipynb", "--port=9999"], is_root=True, root=tmp_path)
    assert "--LabApp.default_url=/lab/tree/notebooks/05_one_function.ipynb" in other
    assert other[-2:] == ["--allow-root", "--port=9999"]


def test_open_turns_the_news_prompt_off_and_saves_widget_state(tmp_path):
    import json

    from mmcourse.cli import write_lab_overrides

    target = write_lab_overrides(tmp_path)
    assert target == tmp_path / "share/jupyter/lab/settings/overrides.d/mmcourse.json"
    settings = json.loads(target.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True


def test_open_trusts_the_shipped_notebooks(tmp_path, monkeypatch):
    import nbformat
    from nbformat.sign import NotebookNotary

    from mmcourse.cli import trust_notebooks

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert trust_notebooks(tmp_path) == 1
    assert NotebookNotary().check_signature(nbformat.read(tmp_path / "a.ipynb", as_version=4))
    assert trust_notebooks(tmp_path) == 0


@pytest.mark.slow
def test_the_workshop_path_rehearses_with_every_check_passing():
    from mmcourse import paths

    rows = paths.rehearse("workshop-3h")
    assert [row["lesson"][:2] for row in rows] == list(paths.get("workshop-3h").lessons)
    assert all(row["checks"] >= 2 and row["passed"] == row["checks"] for row in rows), rows
