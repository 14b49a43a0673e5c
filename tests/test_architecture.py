"""The shape of the code: no import cycles (imports inside functions included), modules
under 400 lines, functions under 60. The rules of docs/architecture.md, checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "icestats"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SRC.rglob("*.py")}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every icestats module this one imports, at any depth of its code (a package
    import counts as importing the package's __init__)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("icestats"):
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(p, m, set(mods)) for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph = _graph()
    assert "icestats.metrics" in graph and "icestats.store" in graph["icestats.metrics"]
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_data_flows_one_way() -> None:
    graph = _graph()
    below = {"icestats.ingest", "icestats.workbooks", "icestats.store", "icestats.metrics",
             "icestats.detention", "icestats.stats"}
    for mod, deps in graph.items():
        if any(mod == b or mod.startswith(b + ".") for b in below):
            bad = {d for d in deps if d.startswith(("icestats.render", "icestats.web",
                                                    "icestats.commands", "icestats.cli"))}
            assert not bad, f"{mod} imports an output module: {bad}"


def test_the_two_pipelines_are_apart() -> None:
    """Release ingest and workbook loading never import each other; loading.py, above
    both, is the only dispatch; the one xlsx reader sits below both."""
    graph = _graph()
    for mod, deps in graph.items():
        if mod.startswith("icestats.ingest"):
            assert not {d for d in deps if d.startswith("icestats.workbooks")}, mod
        if mod.startswith("icestats.workbooks"):
            assert not {d for d in deps if d.startswith("icestats.ingest")}, mod
    assert "icestats.xlsx" in graph["icestats.workbooks.load"]
    assert "icestats.generate" not in graph["icestats.release_writer"]
    assert {"icestats.ingest.load", "icestats.workbooks.load"} <= graph["icestats.loading"]


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: p.name)
def test_module_and_function_sizes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name} is over 400 lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = (node.end_lineno or node.lineno) - node.lineno + 1
            assert n <= MAX_FUNCTION_LINES, f"{path.name}:{node.lineno} {node.name}: {n} lines"
