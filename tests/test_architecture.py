"""The package's shape (issue 15): every module imports on its own, and the import graph, counting imports inside
functions and under ``TYPE_CHECKING``, has no cycle; the rooms depend on each other in one direction only."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optimizer"

# The rooms in the order data flows through them; a room may import from rooms before it, never after.
LAYERS = [
    {"errors", "utils"},
    {"domain"},
    {"io"},
    {"learn", "simulation"},
    {"model"},
    {"solve"},
    {"result"},
    {"decision"},
    {"analysis"},
    {"api"},
    {"report"},
    {"cli", "__main__", "__init__"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every optimizer module ``name`` imports, wherever the import statement sits."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            if c in MODULES and c != name:
                found.add(c)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_import_graph_has_no_cycle():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if nxt == "optimizer" or nxt.startswith("optimizer.__"):
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state and name != "optimizer":
            visit(name)


def _room(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_rooms_depend_on_earlier_rooms_only():
    rank = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
    for name, targets in GRAPH.items():
        room = _room(name)
        assert room in rank, f"{name}: room {room!r} is missing from LAYERS"
        for t in targets:
            if t == "optimizer":
                continue
            assert rank[_room(t)] <= rank[room], f"{name} imports {t}: {_room(t)} comes after {room}"


_ALONE = """
import importlib, sys, traceback
failed = {}
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "optimizer" or m.startswith("optimizer.")]:
        del sys.modules[loaded]  # every module of the package is imported afresh; third-party ones stay cached
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc()[-300:]
print(repr(failed))
"""


def test_every_module_imports_on_its_own():
    """Each module imported first, with no other module of the package loaded (so that no import order hides a
    cycle): one fresh interpreter forgets the whole package before each import."""
    names = sorted(n for n in MODULES if n != "optimizer.__main__")
    out = subprocess.run([sys.executable, "-c", _ALONE, *names], capture_output=True, text=True, timeout=300,
                         check=True)
    failed = eval(out.stdout.strip().splitlines()[-1])  # noqa: S307 (our own repr of a dict of str)
    assert failed == {}, failed


def test_the_public_api_is_where_it_was():
    api = importlib.import_module("optimizer")
    assert sorted(api.__all__) == sorted(api._EXPORTS)  # the lazy table and the declared names agree
    for name in api.__all__:
        assert hasattr(api, name), name


HEAVY = ("numpy", "pandas", "scipy", "pulp", "highspy", "yaml", "matplotlib", "openpyxl")


def _loaded_by(code: str) -> list[str]:
    """The heavy libraries in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    return out.stdout.split()


def test_help_and_bad_flags_load_no_library():
    """``--help`` and a bad flag answer from the standard library alone (benchmarks/bench_startup.py times it)."""
    assert _loaded_by("import contextlib, io\nfrom optimizer.cli import main\n"
                      "with contextlib.redirect_stdout(io.StringIO()):\n"
                      "    try: main(['--help'])\n    except SystemExit: pass") == []
    assert _loaded_by("import contextlib, io\nfrom optimizer.cli import main\n"
                      "with contextlib.redirect_stderr(io.StringIO()):\n"
                      "    try: main(['run', 'x.yaml', '--runs', 'many'])\n    except SystemExit: pass") == []


def test_validate_loads_no_solver_plotting_or_sparse_library():
    loaded = _loaded_by("import contextlib, io\nfrom optimizer.cli import main\n"
                        "with contextlib.redirect_stdout(io.StringIO()):\n"
                        "    assert main(['validate', 'scenarios/skincare_launch.yaml']) == 0")
    assert {"pandas", "yaml"} <= set(loaded)
    assert not {"scipy", "pulp", "highspy", "matplotlib", "openpyxl"} & set(loaded), loaded
