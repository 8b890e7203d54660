"""The browser test's own notebook, used until the course's first lesson exists.

It shows each widget once and has two exercises with the check cells ``mmcourse release``
generates: one solved (its card says "passed"), one left at its starter ("not attempted").
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from mmcourse.grading.exercise import VISIBLE_TESTS, Exercise, TestCell
from mmcourse.grading.release import check_cell_source

PROMPT = "What is in this photo?"


def exercise(ex_id: str, title: str, test_source: str, name: str) -> Exercise:
    return Exercise(
        id=ex_id, title=title, points=1, difficulty="easy", instructions=f"Write `{name}`.",
        hints=["Read the test."], visible=TestCell(ex_id, VISIBLE_TESTS, test_source, (name,), 0),
    )


SOLVED = exercise("browser-triple", "Triple", "def test_triple():\n    expect(triple(2), 6)", "test_triple")
STARTER = exercise("browser-halve", "Halve", "def test_halve():\n    expect(halve(8), 4)", "test_halve")


def build() -> nbformat.NotebookNode:
    """The fixture notebook: setup, the three widgets, a passed and a not-attempted exercise."""
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [
        md("# Browser fixture: widgets and exercise cards"),
        code("import mmcourse\n\nconfigs = mmcourse.setup()"),
        code("from mmcourse import datasets\n"
             "from mmcourse.widgets import Compare, PayloadInspector, ResponseViewer\n\n"
             'photo = datasets.path("photos/chelsea.jpg")'),
        code(f"PayloadInspector(photo, {PROMPT!r})"),
        code(f'answer = mmcourse.ask("gemini", {PROMPT!r}, photo)\nResponseViewer(answer)'),
        code(f"Compare({PROMPT!r}, photo, show_latency=False)"),
        code("def triple(x):\n    return 3 * x"),
        code(check_cell_source(SOLVED)),
        code('def halve(x):\n    raise NotImplementedError("browser-halve: write your code here")'),
        code(check_cell_source(STARTER)),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def write(path: Path) -> Path:
    """Write the fixture notebook to ``path``."""
    nbformat.write(build(), path)
    return path
