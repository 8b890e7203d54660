"""One home for the learner's identity (mmcourse.identity) and no import cycle in the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mmcourse import config, identity
from mmcourse.emulator import state

PACKAGE = Path(__file__).resolve().parents[1] / "mmcourse"
# The modules issue 18 found holding a copy of the identity; they now import it.
USERS = ["config.py", "hub/cli.py", "hub/service.py", "hub/rehearse.py", "hub/probes.py", "session.py", "emulator/state.py", "emulator/control.py",
         "emulator/__init__.py", "emulator/app.py", "grading/testing.py"]
NAMES = [identity.EMULATOR_URL_ENV, identity.SCOPE_ENV, identity.ADMIN_TOKEN_ENV, identity.RUNTIME_DIR_ENV,
         identity.SCOPE_HEADER, identity.KEY_HEADER, identity.ADMIN_TOKEN_HEADER, identity.OFFLINE_KEY]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every mmcourse module -> the mmcourse modules it imports anywhere (functions included)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
                deps.update(subs)
                if len(subs) < len(node.names) and target in modules:
                    deps.add(target)
        graph[name] = deps - {name}
    return graph


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            pytest.fail("import cycle: " + " -> ".join(path[path.index(node):] + [node]))
        if node in done:
            return
        for dep in sorted(graph[node]):
            visit(dep, path + [node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


@pytest.mark.parametrize("relative", USERS)
def test_identity_names_are_written_only_in_the_identity_module(relative):
    tree = ast.parse((PACKAGE / relative).read_text(encoding="utf-8"))
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not literals & set(NAMES), f"{relative} spells out {sorted(literals & set(NAMES))}: import them from mmcourse.identity"


def test_config_and_the_emulator_state_re_export_the_one_definition():
    assert config.scope_of is state.scope_of is identity.scope_of
    assert config.offline_key is state.offline_key is identity.offline_key
    assert config.emulator_url is identity.emulator_url and config.EMULATOR_ENV == identity.EMULATOR_URL_ENV


def test_offline_key_carries_the_scope_and_the_hub_user_fallback():
    assert identity.offline_key({}) == "mmcourse-offline"
    assert identity.offline_key({"MMCOURSE_SCOPE": " alice "}) == "mmcourse-offline-alice"
    assert identity.offline_key({"JUPYTERHUB_USER": "bob"}) == f"mmcourse-offline-{identity.learner_scope('bob')}"
    assert identity.default_scope({"MMCOURSE_SCOPE": "alice"}) == identity.scope_of("mmcourse-offline-alice")


def test_emulator_url_is_the_environments_or_the_default():
    assert identity.emulator_url({"MMCOURSE_EMULATOR_URL": "http://hub:8765/"}) == "http://hub:8765"
    assert identity.emulator_url({}) == identity.DEFAULT_EMULATOR_URL == "http://127.0.0.1:8765"
    assert identity.explicit_emulator_url({}) is None
