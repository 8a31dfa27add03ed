"""The simulator stands apart: it imports nothing of the client's, and its modules form no cycle.

Every import statement counts, those under ``if TYPE_CHECKING:`` included: a cycle hidden there
is still a cycle to a reader, and to the import-linter contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

import skill.sim

SIM_DIR = Path(skill.sim.__file__).parent
#: The one module outside skill.sim the simulator may use: where its data folder is.
ALLOWED_OUTSIDE = {"skill.resources"}


def _module_name(path: Path) -> str:
    return "skill.sim" if path.stem == "__init__" else f"skill.sim.{path.stem}"


SIM_MODULES = {_module_name(path) for path in SIM_DIR.glob("*.py")}


def _imports(source: str) -> set[str]:
    """The skill modules a source imports, wherever the statement sits.
    ``from skill.sim import core`` is an import of skill.sim.core; of a name, of skill.sim."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & SIM_MODULES
            found.update(submodules or {node.module})
    return {name for name in found if name == "skill" or name.startswith("skill.")}


def _graph() -> dict[str, set[str]]:
    return {
        _module_name(path): _imports(path.read_text(encoding="utf-8"))
        for path in sorted(SIM_DIR.glob("*.py"))
    }


def test_the_checker_counts_type_checking_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from skill.sim import control\n"
        "if TYPE_CHECKING:\n"
        "    from skill.catalog import MODELS\n"
    )
    assert _imports(source) == {"skill.sim.control", "skill.catalog"}


def test_the_simulator_imports_nothing_of_the_client() -> None:
    outside = {
        (module, imported)
        for module, imports in _graph().items()
        for imported in imports
        if imported not in SIM_MODULES and imported not in ALLOWED_OUTSIDE
    }
    assert outside == set()


def test_the_simulator_modules_form_no_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for imported in sorted(graph.get(module, set())):
            visit(imported, (*path, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


def test_the_control_api_names_the_simulator_and_not_the_other_way() -> None:
    graph = _graph()
    assert "skill.sim.core" in graph["skill.sim.control"]
    assert "skill.sim.control" not in graph["skill.sim.core"]
