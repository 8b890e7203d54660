"""The exercise format: read solution notebooks and parse the exercises inside them.

The format is documented in FORMAT.md next to this file. In short, a cell belongs to an
exercise through its metadata ``{"mmcourse": {"exercise": "ex-id", "role": ROLE}}`` and the
solution lives between ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers. Everything here
is pure (notebook in, data out) except ``read_notebook``.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

META_KEY = "mmcourse"

# Roles an author may give a cell in a solution notebook.
INSTRUCTIONS = "instructions"
HINT = "hint"
SOLUTION = "solution"
VISIBLE_TESTS = "visible-tests"
HIDDEN_TESTS = "hidden-tests"
# Role the release step gives the generated, locked check cell in a student notebook.
CHECK = "check"
AUTHOR_ROLES = (INSTRUCTIONS, HINT, SOLUTION, VISIBLE_TESTS, HIDDEN_TESTS)
TEST_ROLES = (VISIBLE_TESTS, HIDDEN_TESTS, CHECK)

DIFFICULTIES = ("easy", "medium", "hard")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_STARTER = "### BEGIN STARTER"
END_STARTER = "### END STARTER"

# Calls that make a visible test non-deterministic (the learner would see it flip between runs).
# random.Random(seed) stays allowed: a fixed seed is deterministic.
NONDETERMINISTIC_CALLS = {
    ("random", "random"), ("random", "randint"), ("random", "choice"), ("random", "choices"),
    ("random", "shuffle"), ("random", "sample"), ("random", "uniform"), ("random", "gauss"),
    ("random", "randrange"), ("time", "time"), ("time", "time_ns"), ("datetime", "now"),
    ("datetime", "today"), ("uuid", "uuid4"), ("uuid", "uuid1"), ("os", "urandom"),
    ("secrets", "token_hex"), ("secrets", "token_bytes"), ("secrets", "choice"),
}


class ExerciseFormatError(ValueError):
    """A solution notebook breaks the exercise format (the message says where and how to fix it)."""


@dataclass(frozen=True)
class TestCell:
    """One cell of tests: its source and the test function names it defines, in order."""

    exercise: str
    kind: str  # VISIBLE_TESTS or HIDDEN_TESTS
    source: str
    names: tuple[str, ...]
    index: int  # cell index in the solution notebook


@dataclass
class Exercise:
    """Everything the format says about one exercise."""

    id: str
    title: str
    points: float
    difficulty: str | None
    instructions: str
    hints: list[str] = field(default_factory=list)
    solution_cells: list[int] = field(default_factory=list)
    visible: TestCell | None = None
    hidden: list[TestCell] = field(default_factory=list)

    @property
    def tests(self) -> list[TestCell]:
        """Visible tests first, then hidden ones: the order the grader runs them."""
        return ([self.visible] if self.visible else []) + list(self.hidden)


def cell_meta(cell) -> dict:
    """The mmcourse metadata of a cell ({} when it has none or it is malformed)."""
    meta = cell.get("metadata", {}).get(META_KEY, {})
    return meta if isinstance(meta, dict) else {}


def cell_role(cell) -> tuple[str | None, str | None]:
    """(exercise id, role) of a cell, or (None, None) for an ordinary lesson cell."""
    meta = cell_meta(cell)
    exercise, role = meta.get("exercise"), meta.get("role")
    return (exercise if isinstance(exercise, str) else None, role if isinstance(role, str) else None)


def checksum(cell) -> str:
    """sha256 of a cell's type and source: what the grader compares to spot edited locked cells."""
    text = f"{cell['cell_type']}\n{normalize_source(cell['source'])}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_source(source) -> str:
    """Cell source as one string without trailing whitespace (nbformat allows a list of lines)."""
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.rstrip()


def read_notebook(path: str | Path):
    """Read a solution notebook: a jupytext percent script (.py) or an .ipynb file."""
    path = Path(path)
    if path.suffix == ".py":
        try:
            import jupytext  # imported here: only authors' machines need it
        except ModuleNotFoundError:
            raise ExerciseFormatError(
                f"{path} is a percent script, which needs jupytext (pip install jupytext); "
                f"or keep its executed {path.with_suffix('.ipynb').name} next to it") from None
        return jupytext.read(path, fmt="py:percent")
    import nbformat  # imported here: the learner's check() must stay quick to import

    return nbformat.read(path, as_version=4)


def solution_sources(directory: str | Path) -> dict[str, Path]:
    """Map notebook stem -> source file in a solutions directory; a .py script wins over its .ipynb pair."""
    directory = Path(directory)
    found: dict[str, Path] = {}
    for path in sorted(directory.glob("*.ipynb")) + sorted(directory.glob("*.py")):
        if path.name.startswith((".", "_")):
            continue
        if path.suffix == ".py" and not _is_percent_script(path):
            continue
        found[path.stem] = path  # .py files come last, so they replace a paired .ipynb
    return dict(sorted(found.items()))


def grading_sources(directory: str | Path) -> dict[str, Path]:
    """Map notebook stem -> the file the grader reads: the committed ``.ipynb`` when there is one
    (plain JSON, so grading needs only the runtime install), else the percent script (which
    needs jupytext, an authoring dependency)."""
    found = solution_sources(directory)
    for stem, path in found.items():
        paired = path.with_suffix(".ipynb")
        if path.suffix == ".py" and paired.is_file():
            found[stem] = paired
    return found


def _is_percent_script(path: Path) -> bool:
    head = path.read_text(encoding="utf-8", errors="replace")[:20000]
    return "# %%" in head


def test_names(source: str, where: str) -> tuple[str, ...]:
    """Names of the top-level ``test_*`` functions a tests cell defines, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ExerciseFormatError(f"{where}: tests do not parse ({exc.msg}, line {exc.lineno})") from exc
    names = tuple(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )
    if not names:
        raise ExerciseFormatError(
            f"{where}: a tests cell must define at least one top-level function named test_*"
        )
    return names


def nondeterministic_calls(source: str) -> list[str]:
    """Calls in a visible tests cell that would make it give different verdicts between runs."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            base = node.func.value
            base_name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            if (base_name, node.func.attr) in NONDETERMINISTIC_CALLS:
                found.append(f"{base_name}.{node.func.attr}() on line {node.lineno}")
    return found


def _title_from_markdown(text: str) -> str | None:
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            return line.lstrip("# ").strip() or None
    return None


def parse_exercises(nb, where: str = "notebook") -> list[Exercise]:
    """Parse and validate the exercises of a solution notebook, in notebook order."""
    exercises: dict[str, Exercise] = {}
    pending: list[tuple[int, str, str, object]] = []
    for index, cell in enumerate(nb.cells):
        raw = cell.get("metadata", {}).get(META_KEY)
        if raw is None:
            continue
        here = f"{where}, cell {index}"
        if not isinstance(raw, dict):
            raise ExerciseFormatError(f"{here}: metadata '{META_KEY}' must be a JSON object, got {raw!r}")
        ex_id, role = cell_role(cell)
        if role not in AUTHOR_ROLES or not ex_id:
            raise ExerciseFormatError(
                f"{here}: mmcourse metadata needs \"exercise\" and a \"role\" among "
                f"{', '.join(AUTHOR_ROLES)}; got {json.dumps(raw)}"
            )
        if not ID_PATTERN.match(ex_id):
            raise ExerciseFormatError(
                f"{here}: exercise id {ex_id!r} must be lowercase letters, digits and dashes, e.g. 'ex-image-block'"
            )
        if role == INSTRUCTIONS:
            if ex_id in exercises:
                raise ExerciseFormatError(f"{here}: exercise {ex_id!r} has a second instructions cell")
            exercises[ex_id] = _exercise_from_instructions(cell, raw, here)
        else:
            pending.append((index, ex_id, role, cell))

    for index, ex_id, role, cell in pending:
        here = f"{where}, cell {index}"
        exercise = exercises.get(ex_id)
        if exercise is None:
            raise ExerciseFormatError(
                f"{here}: cell belongs to exercise {ex_id!r}, which has no instructions cell "
                f"(add a markdown cell with role \"instructions\" and points)"
            )
        source = normalize_source(cell["source"])
        if role == HINT:
            exercise.hints.append(source)
        elif role == SOLUTION:
            if cell["cell_type"] != "code":
                raise ExerciseFormatError(f"{here}: a solution cell must be a code cell")
            exercise.solution_cells.append(index)
            find_regions(source, here)  # validates the markers
        else:
            if cell["cell_type"] != "code":
                raise ExerciseFormatError(f"{here}: a {role} cell must be a code cell")
            tests = TestCell(ex_id, role, source, test_names(source, here), index)
            if role == VISIBLE_TESTS:
                if exercise.visible is not None:
                    raise ExerciseFormatError(f"{here}: exercise {ex_id!r} has a second visible-tests cell")
                flaky = nondeterministic_calls(source)
                if flaky:
                    raise ExerciseFormatError(
                        f"{here}: visible tests must be deterministic, but they call {', '.join(flaky)}; "
                        "use fixed inputs or random.Random(<fixed seed>), and put randomised checks in hidden tests"
                    )
                exercise.visible = tests
            else:
                exercise.hidden.append(tests)

    for exercise in exercises.values():
        if not exercise.solution_cells:
            raise ExerciseFormatError(f"{where}: exercise {exercise.id!r} has no solution cell")
        if exercise.visible is None:
            raise ExerciseFormatError(
                f"{where}: exercise {exercise.id!r} has no visible-tests cell (the learner's check() needs one)"
            )
    return list(exercises.values())


def _exercise_from_instructions(cell, meta: dict, here: str) -> Exercise:
    if cell["cell_type"] != "markdown":
        raise ExerciseFormatError(f"{here}: the instructions cell must be a markdown cell")
    text = normalize_source(cell["source"])
    points = meta.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise ExerciseFormatError(f"{here}: instructions need \"points\": a positive number, got {points!r}")
    difficulty = meta.get("difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise ExerciseFormatError(f"{here}: difficulty must be one of {DIFFICULTIES}, got {difficulty!r}")
    title = meta.get("title") or _title_from_markdown(text)
    if not title:
        raise ExerciseFormatError(f"{here}: give the exercise a \"title\" in metadata or a # heading")
    return Exercise(
        id=meta["exercise"], title=str(title), points=float(points),
        difficulty=difficulty, instructions=text,
    )


@dataclass(frozen=True)
class Region:
    """A solution region: lines [begin, end] (marker lines included) and its optional starter."""

    begin: int
    end: int  # index of the END SOLUTION line, or of END STARTER when a starter follows
    indent: str
    starter: list[str] | None


def find_regions(source: str, where: str = "cell") -> list[Region]:
    """Find the BEGIN/END SOLUTION regions (and any STARTER block right after each) in a source."""
    lines = source.split("\n")
    regions: list[Region] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped in (END_SOLUTION, BEGIN_STARTER, END_STARTER):
            raise ExerciseFormatError(f"{where}, line {i + 1}: {stripped!r} without a matching {BEGIN_SOLUTION!r}")
        if stripped != BEGIN_SOLUTION:
            i += 1
            continue
        begin, indent = i, lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        end = _find(lines, END_SOLUTION, i + 1, where, BEGIN_SOLUTION)
        starter = None
        after = end + 1
        if after < len(lines) and lines[after].strip() == BEGIN_STARTER:
            stop = _find(lines, END_STARTER, after + 1, where, BEGIN_STARTER)
            starter = lines[after + 1 : stop]
            end = stop
        regions.append(Region(begin, end, indent, starter))
        i = end + 1
    return regions


def _find(lines: list[str], marker: str, start: int, where: str, opener: str) -> int:
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped == marker:
            return j
        if stripped in (BEGIN_SOLUTION, BEGIN_STARTER):
            break  # a new region opens before this one closed
    raise ExerciseFormatError(f"{where}, line {start}: {opener!r} has no matching {marker!r}")


def encode_spec(exercise: Exercise) -> str:
    """Title, points, difficulty, instructions and hints as base64 JSON (so hints do not spoil)."""
    spec = {
        "title": exercise.title,
        "points": exercise.points,
        "difficulty": exercise.difficulty,
        "instructions": exercise.instructions,
        "hints": exercise.hints,
    }
    raw = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def decode_spec(encoded: str) -> dict:
    """Inverse of encode_spec."""
    return json.loads(base64.b64decode(encoded.encode("ascii")).decode("utf-8"))
