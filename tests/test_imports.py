"""The package's shape: no import cycles, no upward imports, a light ``import tnrnn``, typed.

The import graph is read from the sources with ``ast`` (every ``import`` statement, including the ones
inside functions, since a lazy import is still a dependency), independently of Python's import system.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tnrnn

ROOT = Path(tnrnn.__file__).parent


def _modules() -> dict[str, Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _resolve(module: str, node: ast.AST) -> set[str]:
    """The tnrnn modules an import statement of ``module`` depends on."""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    out = set()
    if isinstance(node, ast.ImportFrom):
        if node.level:
            target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            out.add(sub if sub in MODULES else target)
    else:
        out.update(alias.name for alias in node.names)
    return {m for m in out if m in MODULES and m != module}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps |= _resolve(module, node)
        graph[module] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set(), "f": {"g"}, "g": {"f"}}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["f", "g"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_tnrnn():
    assert cycles(import_graph()) == []


def test_nothing_imports_the_package_root():
    # the root imports its modules, never the reverse (``from tnrnn import x`` or ``from .. import x`` of a name
    # defined in tnrnn/__init__.py would be an upward arrow)
    graph = import_graph()
    upward = sorted(m for m, deps in graph.items() if "tnrnn" in deps and m != "tnrnn")
    assert upward == []


def test_every_module_is_found():
    assert {"tnrnn.errors", "tnrnn.limits", "tnrnn.backends", "tnrnn.network.optimizers",
            "tnrnn.ranks.bounds", "tnrnn.plotting.figure", "tnrnn.bench.run"} <= set(MODULES)


def test_errors_is_a_leaf():
    assert import_graph()["tnrnn.errors"] == set()


def test_import_tnrnn_loads_no_heavy_dependency():
    heavy = ("torch", "matplotlib", "quimb", "cotengra", "networkx", "opt_einsum", "flint", "dask", "sklearn",
             "scipy", "tqdm")
    code = f"import sys, tnrnn; print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_typed_marker_is_shipped():
    assert (ROOT / "py.typed").exists()


def test_import_tnrnn_is_lazy_and_every_public_name_resolves():
    """``import tnrnn`` loads no subpackage (PEP 562); each public name is the object its module defines."""
    code = "import sys, tnrnn; print(','.join(sorted(m for m in sys.modules if m.startswith('tnrnn.'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "tnrnn._version"
    import importlib

    for name in tnrnn.__all__:
        module = tnrnn._LAZY.get(name)
        if module is None and name in tnrnn._LAZY:
            assert getattr(tnrnn, name) is importlib.import_module(f"tnrnn.{name}")
        elif module is not None:
            assert getattr(tnrnn, name) is getattr(importlib.import_module(f"tnrnn.{module}"), name), name
    assert set(tnrnn.__all__) <= set(dir(tnrnn))
    assert tnrnn.network is importlib.import_module("tnrnn.network")   # any subpackage, as after an eager import
    import pytest

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = tnrnn.no_such_name


def test_the_bench_function_is_not_shadowed_by_its_subpackage():
    code = "import tnrnn.bench.run, tnrnn; print(callable(tnrnn.bench) and tnrnn.bench.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "tnrnn.bench.run"
