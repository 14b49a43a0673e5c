"""The README's console examples, run: every ```console block's commands are executed in a
folder holding the shipped real data, and their output must match the README (a line
`...` stands for any lines). So the README cannot go stale."""

from __future__ import annotations

import re
import shlex
import shutil
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from icestats.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
WIDTH = "100"  # the README's examples are printed at 100 columns


def examples() -> list[tuple[int, list[tuple[str, list[str]]]]]:
    """(line number, [(command, expected output lines)]) for each console block."""
    out = []
    lines = README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            start, i, block = i + 1, i + 1, []
            while lines[i].strip() != "```":
                if lines[i].startswith("$ "):
                    block.append((lines[i][2:], []))
                elif block:
                    block[-1][1].append(lines[i])
                i += 1
            out.append((start, block))
        i += 1
    return out


def _is_gap(line: str) -> bool:
    return line.strip(" │|") == "..."


def matches(expected: list[str], actual: list[str]) -> bool:
    """Each run of expected lines between `...` lines appears in order, contiguously; the
    first run starts the output, and the last ends it unless a `...` follows it."""
    runs: list[list[str]] = [[]]
    for line in expected:
        if _is_gap(line):
            runs.append([])
        else:
            runs[-1].append(line.rstrip())
    actual = [a.rstrip() for a in actual]
    open_end = len(runs) > 1 and not runs[-1]
    if actual[:len(runs[0])] != runs[0]:
        return False
    pos = len(runs[0])
    for run in runs[1:]:
        if not run:
            continue
        for j in range(pos, len(actual) - len(run) + 1):
            if actual[j:j + len(run)] == run:
                pos = j + len(run)
                break
        else:
            return False
    return open_end or pos == len(actual)


def test_the_matcher() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not matches(["a", "...", "x"], ["a", "b", "c", "d"])
    assert matches(["a", "b"], ["a", "b"]) and not matches(["a", "b"], ["a", "b", "c"])
    assert matches(["a", "..."], ["a", "b"])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("readme")
    data = resources.files("icestats") / "data"
    for f in [*(data / "real").iterdir(), *data.iterdir(), *(data / "extra").iterdir(),
              *(data / "seattle").iterdir()]:
        if f.name.endswith((".csv.gz", ".xlsx")):
            shutil.copy(str(f), tmp / f.name)
    counts = Path(str(data / "counts"))  # the published count tables, each under its name
    for f in counts.rglob("*"):
        if f.suffix in (".csv", ".parquet"):
            shutil.copy(f, tmp / f.name)
    return tmp


BLOCKS = examples()


@pytest.mark.slow  # (issue 20: the fast set stays under 3 minutes; make test runs it)
@pytest.mark.parametrize("start,block", BLOCKS, ids=[f"README.md:{s}" for s, _ in BLOCKS])
def test_readme_example(folder: Path, start: int, block: list[tuple[str, list[str]]],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("ICESTATS_DB", raising=False)
    for command, expected in block:
        argv = shlex.split(command)
        assert argv[0] == "icestats", f"README.md:{start}: not an icestats command"
        result = CliRunner().invoke(app, argv[1:], env={"COLUMNS": WIDTH},
                                    catch_exceptions=False)
        actual = re.sub(r"\x1b\[[0-9;]*m", "", result.output).splitlines()
        assert matches(expected, actual), (
            f"README.md:{start}: `{command}` printed:\n" + "\n".join(actual))
