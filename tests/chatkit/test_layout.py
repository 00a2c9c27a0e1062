"""The package layout: no import cycles, the project's own modules imported at the top, every folder packaged.

The graph is built from the source (the AST of each module), not by importing, so a cycle hidden behind a
function-level import shows as one too: both kinds of import are edges. ``if TYPE_CHECKING:`` imports are not.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

PACKAGES = ("chatkit", "chatkit.adapters", "chatkit.policies")
ROOT = Path(__file__).resolve().parents[2]

# Function-level imports of the project's own modules that are allowed: each one loads a heavy third-party library
# (fastapi and uvicorn, aiogram), and `chatkit --help` must stay fast.
LAZY_ALLOWED = {
    ("chatkit.cli", "chatkit.adapters.http"),
    ("chatkit.cli", "chatkit.adapters.telegram"),
    ("chatkit.cli", "chatkit.adapters.telegram.api"),
    # LogitsProcessor subclasses: importing them loads torch and transformers
    ("chatkit.engine.transformers.generator", "chatkit.engine.processors"),
}


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for name in PACKAGES:
        package = importlib.import_module(name)
        found[name] = Path(package.__file__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            spec = importlib.util.find_spec(info.name)
            assert spec is not None and spec.origin is not None
            found[info.name] = Path(spec.origin)
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """(imported project module, at the top level?) for every import statement in the module."""
    is_package = path.name == "__init__.py"
    found: list[tuple[str, bool]] = []

    def target(module: str, names: list[str]) -> list[str]:
        out = []
        for n in names:
            out.append(f"{module}.{n}" if f"{module}.{n}" in known else module)
        return out

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, top) for a in node.names if a.name.split(".")[0] == "chatkit")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = f"{base}.{module}" if module else base
            if module.split(".")[0] == "chatkit":
                found.extend((t, top) for t in target(module, [a.name for a in node.names]))
        inner = top and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return sorted({(t, top) for t, top in found if t in known and t != name})


@pytest.fixture(scope="module")
def graph() -> dict[str, list[tuple[str, bool]]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(edges, WHITE)
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if colour.get(nxt, WHITE) == GREY:
                return [*stack[stack.index(nxt):], nxt]
            if colour.get(nxt, WHITE) == WHITE and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        colour[node] = BLACK
        return None

    for node in sorted(edges):
        if colour[node] == WHITE and (cycle := dfs(node)):
            return cycle
    return None


def test_the_walk_finds_every_package(graph: dict[str, list[tuple[str, bool]]]) -> None:
    for name in ("chatkit.turn.chatbot", "chatkit.engine.base", "chatkit.storage.base", "chatkit.models.catalogue",
                 "chatkit.adapters.http.app", "chatkit.adapters.telegram.router", "chatkit.policies.engines.encoder"):
        assert name in graph


def test_no_import_cycle(graph: dict[str, list[tuple[str, bool]]]) -> None:
    # a package's __init__ re-exporting its modules is not a cycle with them: their parent is imported implicitly
    edges = {name: {t for t, _ in targets} for name, targets in graph.items()}
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_own_modules_are_imported_at_the_top(graph: dict[str, list[tuple[str, bool]]]) -> None:
    lazy = sorted((name, t) for name, targets in graph.items() for t, top in targets if not top)
    assert [pair for pair in lazy if pair not in LAZY_ALLOWED] == []


def test_every_folder_is_a_listed_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    dirs = {"chatkit": ROOT / "chatkit", **{k: ROOT / v for k, v in config["package-dir"].items()}}
    found = set()
    for top, folder in dirs.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            if "assets" in rel.parts:
                continue
            found.add(".".join((top, *rel.parts)) if rel.parts else top)
    assert found == listed
