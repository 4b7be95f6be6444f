"""The versioned notebooks: paired .py twins in sync, stored outputs fit for nbval.

nbval validates the stored outputs (see scripts/test.sh); these checks make sure there is
something to validate: every code cell ran, nothing volatile was stored, and the reviewable
jupytext twin says the same as the notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

import corpus_tools

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"
REPO = Path(__file__).resolve().parents[1]
# Addresses, timestamps and machine paths differ on another machine or in another clone.
VOLATILE = re.compile(
    r"at 0x[0-9a-f]{6,}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d|/tmp/|/home/|/root/|" + re.escape(str(REPO))
)


def test_the_ten_notebooks_are_there() -> None:
    numbers = [nb.name[:2] for nb in NOTEBOOKS]
    assert numbers == [f"{i:02d}" for i in range(10)]


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def twins_in_sync(ipynb: Path, py: Path) -> bool:
    return _cells(nbformat.read(ipynb, as_version=4)) == _cells(jupytext.read(py))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_py_twin_is_in_sync(path: Path) -> None:
    assert twins_in_sync(path, path.with_suffix(".py")), (
        f"{path.name} and its .py twin differ: run `jupytext --sync {path}`"
    )


def test_sync_check_detects_an_edited_twin(tmp_path: Path) -> None:
    py = NOTEBOOKS[0].with_suffix(".py")
    edited = tmp_path / py.name
    edited.write_text(py.read_text("utf-8").replace("k = 8", "k = 9"), "utf-8")
    assert edited.read_text("utf-8") != py.read_text("utf-8")
    assert not twins_in_sync(NOTEBOOKS[0], edited)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_are_complete_and_stable(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell: papermill parameters"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "every code cell ran, in order"
    for cell in code:
        assert "execution" not in cell.metadata, "no per-cell timing metadata"
        outputs = json.dumps(cell.outputs)
        assert '"output_type": "error"' not in outputs
        assert not VOLATILE.search(outputs), VOLATILE.search(outputs)
    assert "papermill" not in nb.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_analysis_version_is_recorded_in_the_changelog(path: Path) -> None:
    version = nbformat.read(path, as_version=4).metadata["corpus_tools"]["analysis_version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert f"`{path.stem}` {version}" in CHANGELOG.read_text("utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_data_is_labelled(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    intro = nb.cells[0].source
    if nb.metadata["corpus_tools"]["requires"]:
        assert "**real**" in intro
    else:
        assert "**synthetic**" in intro


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_cell_prints_a_fingerprint(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "plots.plot_" in cell.source:
            assert "show_figure(" in cell.source
            printed = "".join(o.get("text", "") for o in cell.outputs)
            assert re.search(r"fig sha256 data=[0-9a-f]{16} pixels=[0-9a-f]{16}", printed)


def test_library_version_matches_changelog_head() -> None:
    assert f"## [{corpus_tools.__version__}]" in CHANGELOG.read_text("utf-8")
