"""The committed notebooks: paired with their sources, small, safe, and naming only registry models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mmcourse import registry
from mmcourse.emulator.models import SNAPSHOTS
from mmcourse.emulator.transcription import MODELS as TRANSCRIPTION_MODELS
from mmcourse.grading.release import PREDICT_TAG, is_predict_question
from mmcourse.notebooks import HOME_PATH, MAX_NOTEBOOK_BYTES, SECRET_PATTERNS, sources

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
# Not preceded by a word character or a dash, so exercise ids like ex-claude-pipeline are not model ids.
MODEL_LIKE = re.compile(r"(?<![\w-])(gpt-[0-9][\w.-]*|gpt-audio[\w.-]*|o[1-9]-mini|claude-[a-z0-9][\w.-]*|gemini-[0-9][\w.-]*)")
# A response names the dated snapshot of the model asked for (gpt-4o -> gpt-4o-2024-08-06);
# speech-to-text models (gpt-4o-transcribe, lesson 08) live with their endpoint, not in the registry.
KNOWN = (set(registry.model_ids()) | {r.id for r in registry.RETIRED} | set(SNAPSHOTS.values())
         | set(TRANSCRIPTION_MODELS))


def ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


def test_there_are_lessons():
    assert len(sources()) >= 14, "solutions/ holds the 14 lesson sources (00 to 13)"


@pytest.mark.parametrize("source", sources(), ids=ids(sources()))
def test_source_and_notebook_agree(source):
    import jupytext

    notebook = source.with_suffix(".ipynb")
    assert notebook.exists(), f"run: mmcourse notebooks build --only {source.stem[:2]}"
    from_source = [(c.cell_type, c.source) for c in jupytext.read(source).cells]
    committed = [(c["cell_type"], "".join(c["source"])) for c in json.loads(notebook.read_text())["cells"]]
    assert from_source == committed, f"{notebook.name} is stale: run mmcourse notebooks build --only {source.stem[:2]}"


@pytest.mark.parametrize("source", sources(), ids=ids(sources()))
def test_each_lesson_has_a_student_version(source):
    assert (ROOT / "notebooks" / source.with_suffix(".ipynb").name).exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_is_small_and_safe(path):
    text = path.read_text()
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES
    for pattern in SECRET_PATTERNS:
        assert not pattern.search(text), "something shaped like an API key"
    assert not HOME_PATH.search(text), "an absolute home path"
    assert '"execution"' not in text or '"iopub.execute_input"' not in text, "timestamps in metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_names_only_registry_models(path):
    unknown = set(MODEL_LIKE.findall(path.read_text())) - KNOWN
    assert not unknown, f"model ids not in mmcourse.registry: {sorted(unknown)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_is_executed_and_opens_with_objectives_and_setup(path):
    cells = json.loads(path.read_text())["cells"]
    intro = "".join(cells[0]["source"]).lower()
    assert "objectives" in intro or "you will" in intro
    assert re.search(r"\b\d+\s*min", intro), "an estimated time in the first cell"
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "mmcourse.setup()" in "".join(code[0]["source"])
    ran = [c for c in code if "".join(c["source"]).strip() and PREDICT_TAG not in c["metadata"].get("tags", [])]
    assert all(c.get("execution_count") for c in ran), "every code cell executed (but the Predict answers)"


STUDENT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=ids(STUDENT_NOTEBOOKS))
def test_student_notebooks_show_no_predict_answer(path):
    cells = json.loads(path.read_text())["cells"]
    for index, cell in enumerate(cells):
        if is_predict_question(cell):
            answer = next(c for c in cells[index + 1:] if c["cell_type"] == "code")
            assert PREDICT_TAG in answer["metadata"].get("tags", []), f"cell {index}: the answer is not tagged"
            assert answer["outputs"] == [] and answer["execution_count"] is None, \
                f"cell {index}: the Predict answer shows under the question"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_nbval_markers_are_cell_tags_not_comments(path):
    for cell in json.loads(path.read_text())["cells"]:
        assert not "".join(cell["source"]).startswith("# NBVAL_"), "use the nbval-check-output tag"
