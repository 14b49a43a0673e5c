"""The ingest side's shape (issue 14): no import cycle through the loading modules (imports
inside functions included), modules under 400 lines, functions under 60."""

from __future__ import annotations

import ast
from pathlib import Path

import icestats

ROOT = Path(icestats.__file__).parent
OWNED = ("icestats.ingest", "icestats.xlsx", "icestats.loading", "icestats.generate",
         "icestats.release_writer", "icestats.workbooks.load", "icestats.workbooks.blocks",
         "icestats.schema")


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ["icestats", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m in known and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _owned(name: str) -> bool:
    return any(name == o or name.startswith(o + ".") for o in OWNED)


def test_no_import_cycle_through_the_loading_modules() -> None:
    known = _modules()
    # a package's __init__ importing its children is not a cycle of the children
    graph = {m: {d for d in _imports(m, p, known) if not m.startswith(d + ".")}
             for m, p in known.items()}
    bad = [sorted(c) for c in _cycles(graph) if any(_owned(m) for m in c)]
    assert bad == []


def test_ingest_and_workbooks_do_not_import_each_other() -> None:
    known = _modules()
    for name, path in known.items():
        deps = _imports(name, path, known)
        if name.startswith("icestats.ingest"):
            assert not any(d.startswith("icestats.workbooks") for d in deps), name
        if name.startswith("icestats.workbooks"):
            assert not any(d.startswith("icestats.ingest") for d in deps), name
        if name == "icestats.release_writer":
            assert "icestats.generate" not in deps


def test_modules_and_functions_are_short() -> None:
    for name, path in _modules().items():
        if not _owned(name):
            continue
        text = path.read_text()
        assert text.count("\n") < 400, name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length < 60, f"{name}.{node.name}: {length} lines"
