"""The package's shape, held by tests: no import cycle, no module too long to read, and each
fact typed in one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mmcourse"
MAX_LINES = 800


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def top_level_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """mmcourse modules that ``name`` imports when it is imported (not inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:  # `from x import name` where name is not a module
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
            elif isinstance(node, (ast.If, ast.Try)):  # imports under `if`/`try` at module level
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(path.read_text()).body)
    return {m for m in found if m.startswith("mmcourse")}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    graph = {name: top_level_imports(name, path, known) for name, path in found.items()}
    # Importing a submodule runs its package's __init__ first.
    for name in list(graph):
        parent = name.rpartition(".")[0]
        if parent in graph and parent != name:
            graph[name].add(parent)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    # A package importing its own submodules (to re-export them) is not a cycle by itself.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_800_lines(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by idea (at most {MAX_LINES})"


def test_the_emulator_url_variable_is_named_in_one_module():
    """The identity's environment variables are typed once (mmcourse/identity.py)."""
    # A JupyterHub config snippet runs in the hub's own environment, without mmcourse: exempt.
    spelled = [p for p in PACKAGE.rglob("*.py") if '"MMCOURSE_EMULATOR_URL"' in p.read_text()
               and "deploy" not in p.parts]
    assert [p.relative_to(ROOT).as_posix() for p in spelled] == ["mmcourse/identity.py"]


def test_the_course_provider_list_is_named_once():
    literal = re.compile(r"""\(\s*["']openai["'],\s*["']anthropic["'],\s*["']gemini["']\s*\)""")
    spelled = sorted(p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")
                     if literal.search(re.sub(r"#.*|>>>.*", "", p.read_text())))
    assert spelled == ["mmcourse/registry.py"], spelled


def test_the_emulator_readme_code_map_names_every_emulator_module():
    text = (PACKAGE / "emulator" / "README.md").read_text()
    code_map = text[text.index("## Code map"):]
    files = [p.relative_to(PACKAGE / "emulator") for p in (PACKAGE / "emulator").rglob("*.py")
             if "__pycache__" not in p.parts]
    missing = [str(f) for f in files if f"`{f.name}`" not in code_map]
    assert not missing, f"mmcourse/emulator/README.md's code map does not name {missing}"
