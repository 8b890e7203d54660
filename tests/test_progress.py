"""The long commands' progress (mmcourse.progress): a tqdm bar on stderr with the right total,
drawn only on a terminal and not with --quiet, and stdout byte for byte the same either way."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from pathlib import Path

import pytest

from mmcourse import databuild, notebooks, progress
from mmcourse.grading import cli as grading_cli
from mmcourse.grading import runner


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run(main, argv: list[str], capsys, monkeypatch, *, terminal: bool) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``main(argv)`` with stderr a terminal or not."""
    err = Terminal() if terminal else io.StringIO()
    capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", err)
        code = main(argv)
    return code, capsys.readouterr().out, err.getvalue()


def counted(stderr: str) -> list[str]:
    """The n/total counts the bar drew, in order."""
    return re.findall(r"\b(\d+/\d+)\b", stderr)


def test_a_bar_is_shown_only_on_a_terminal_and_not_when_quiet(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert progress.shown() and not progress.shown(quiet=True)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not progress.shown()


def test_say_prints_exactly_what_print_would(capsys):
    progress.say("executed solutions/01.ipynb in 1.0 s")
    print("executed solutions/01.ipynb in 1.0 s")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1]


# -- mmcourse data build --------------------------------------------------------------------
def test_data_build_counts_its_builders_on_stderr_and_prints_the_same_summary(tmp_path, capsys, monkeypatch):
    argv = ["--out", str(tmp_path), "--only", "errors"]
    code, out, err = run(databuild.main, argv, capsys, monkeypatch, terminal=True)
    assert code == 0 and counted(err)[-1] == "1/1" and "data " in err
    quiet = run(databuild.main, [*argv, "--quiet"], capsys, monkeypatch, terminal=True)
    piped = run(databuild.main, argv, capsys, monkeypatch, terminal=False)
    assert out == quiet[1] == piped[1] and out.startswith("wrote ")
    assert quiet[2] == piped[2] == ""


# -- mmcourse notebooks build ---------------------------------------------------------------
@pytest.fixture
def three_lessons(monkeypatch, tmp_path):
    """notebooks.build with three lessons whose execution takes no time (nothing is run)."""
    lessons = [tmp_path / f"{n:02d}_lesson.py" for n in (1, 2, 3)]
    monkeypatch.setattr(notebooks, "sources", lambda root=None: lessons)
    monkeypatch.setattr(notebooks, "sync", lambda source: source.with_suffix(".ipynb"))
    monkeypatch.setattr(notebooks, "execute", lambda path, **kwargs: 0.5)
    server = types.SimpleNamespace(base_url="http://127.0.0.1:9")
    monkeypatch.setattr(notebooks, "_start_emulator", lambda start: contextlib.nullcontext(server))
    from mmcourse.grading import release

    monkeypatch.setattr(release, "release_dir", lambda src, dst: [Path(dst) / p.with_suffix(".ipynb").name
                                                                  for p in lessons])
    return lessons


def test_notebooks_build_counts_solutions_then_student_notebooks(three_lessons, capsys, monkeypatch):
    code, out, err = run(notebooks.main, ["build"], capsys, monkeypatch, terminal=True)
    assert code == 0
    assert counted(err)[-1] == "6/6"
    assert out.splitlines()[0] == "executed solutions/01_lesson.ipynb in 0.5 s"
    assert out.splitlines()[-1] == "6 notebooks executed offline in 3.0 s"


def test_notebooks_build_with_only_counts_the_chosen_lessons(three_lessons, capsys, monkeypatch):
    _, out, err = run(notebooks.main, ["build", "--only", "02"], capsys, monkeypatch, terminal=True)
    assert counted(err)[-1] == "2/2" and "2 notebooks executed" in out


def test_notebooks_build_prints_the_same_stdout_with_or_without_a_bar(three_lessons, capsys, monkeypatch):
    drawn = run(notebooks.main, ["build"], capsys, monkeypatch, terminal=True)
    quiet = run(notebooks.main, ["build", "--quiet"], capsys, monkeypatch, terminal=True)
    assert drawn[1] == quiet[1] and quiet[2] == ""


# -- mmcourse grade -------------------------------------------------------------------------
def fake_grade_all(submissions, solutions, out, *, log, progress, **kwargs):
    """grade_all's reporting, without grading: one cached and two graded submissions."""
    progress.reset(total=3)
    for name in ("a", "b", "c"):
        progress.update(1)
        log(f"{name}: 1/1 (passed, 0.1 s)")
    return [{"submission": n, "score": 1.0, "sandbox": "namespaces"} for n in "abc"]


def test_grade_counts_its_submissions_and_keeps_the_summary_on_stdout(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "grade_all", fake_grade_all)
    argv = ["x.ipynb", "--out", str(tmp_path)]
    code, out, err = run(grading_cli.grade_main, argv, capsys, monkeypatch, terminal=True)
    assert code == 0 and counted(err)[-1] == "3/3"
    assert "c: 1/1 (passed, 0.1 s)" in err  # the per-submission lines still reach stderr
    quiet = run(grading_cli.grade_main, [*argv, "--quiet"], capsys, monkeypatch, terminal=True)
    assert out == quiet[1] and out.startswith("graded 3 submissions")
    assert quiet[2].splitlines() == ["a: 1/1 (passed, 0.1 s)", "b: 1/1 (passed, 0.1 s)", "c: 1/1 (passed, 0.1 s)"]
