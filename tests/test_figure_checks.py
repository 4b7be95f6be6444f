"""Proof that ``pytest --nbval`` catches a changed figure through the fingerprint line.

nbval skips ``image/png`` outputs and compares a figure only as ``<Figure size ...>``
text, so on its own it passes a notebook whose figure changed. Notebooks therefore print
``figure_fingerprint(fig)``; these tests run nbval (in a subprocess, on copies in
``tmp_path``) and show that

1. the unmodified notebook passes,
2. a copy with one plotted value changed fails,
3. a copy with one colour changed fails,
4. without the fingerprint line the value change passes: the trap is real.

The same proof runs on the real ``notebooks/00_quickstart.ipynb``, whose figure cells
print the fingerprint through :func:`corpus_tools.plots.show_figure`. To check another
notebook, add a :class:`Case` to ``CASES`` naming a source string whose change alters a
plotted value.
The stored outputs of a notebook are refreshed with
``corpus-tools reproduce --notebooks DIR --update-notebooks``.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SANITIZE = REPO / "notebooks" / "nbval_sanitize.cfg"
FIXTURE = Path(__file__).parent / "data" / "notebooks" / "figure_check" / "00_figure_check.ipynb"

QUICKSTART = REPO / "notebooks" / "00_quickstart.ipynb"
# A library palette change, as a commit to corpus_tools.plots could make it.
RECOLOUR = (
    "import corpus_tools.plots\ncorpus_tools.plots.OKABE_ITO = corpus_tools.plots.OKABE_ITO[::-1]"
)
# The trap: the same figure shown without its fingerprint line.
NO_FINGERPRINT = (
    "import corpus_tools.plots\n"
    "corpus_tools.plots.show_figure = (\n"
    "    lambda fig, name, figures_dir=None, **kw: corpus_tools.plots._display_png(fig)\n"
    ")"
)


@dataclass(frozen=True)
class Case:
    notebook: Path
    value_edit: tuple[str, str]  # (old, new) source text; the change must alter a plotted value


CASES = [
    pytest.param(Case(FIXTURE, ('"diff": [0.05,', '"diff": [0.06,')), id="fixture"),
    pytest.param(
        Case(
            QUICKSTART,
            (
                "top_terms(10), labels=labels)",
                'top_terms(10).assign(weight=lambda t: t["weight"] * 1.01), labels=labels)',
            ),
        ),
        id="00_quickstart",
    ),
]


def run_nbval(folder: Path) -> dict[str, list[str]]:
    """Run nbval once over every notebook under ``folder``; failing cells per subfolder.

    One pytest process for all copies (each still gets its own kernel) keeps this fast.
    """
    report = folder / "report.xml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(SANITIZE),
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={report}",
            ".",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert report.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    cells: dict[str, list[str]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        message = "".join(case.itertext()) if failed else ""
        cells.setdefault(case.get("classname", "").split(".")[0], []).append(message)
    return {name: [m for m in messages if m] for name, messages in cells.items()}


def copy_with(case: Case, tmp_path: Path, name: str, edit) -> Path:
    """Copy the case's notebook into ``tmp_path`` after applying ``edit`` to it."""
    nb = nbformat.read(case.notebook, as_version=4)
    edit(nb)
    target = tmp_path / name / case.notebook.name
    target.parent.mkdir()
    nbformat.write(nb, target)
    return target


def change_value(case: Case):
    old, new = case.value_edit

    def edit(nb: nbformat.NotebookNode) -> None:
        cells = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        assert cells, f"{old!r} not found in {case.notebook}"
        cells[0].source = cells[0].source.replace(old, new, 1)

    return edit


def recolour(nb: nbformat.NotebookNode) -> None:
    # An unrun cell (no execution count): nbval executes it but compares nothing for it.
    nb.cells.insert(0, nbformat.v4.new_code_cell(RECOLOUR))


def drop_fingerprints(nb: nbformat.NotebookNode) -> None:
    nb.cells.insert(0, nbformat.v4.new_code_cell(NO_FINGERPRINT))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = "\n".join(
            line for line in cell.source.splitlines() if "figure_fingerprint(fig" not in line
        )
        for output in cell.outputs:
            if output.get("output_type") == "stream":
                kept = [ln for ln in output.text.splitlines(True) if "fig sha256" not in ln]
                output.text = "".join(kept)
        cell.outputs = [o for o in cell.outputs if o.get("output_type") != "stream" or o.text]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_nbval_checks_figures_through_the_fingerprint(case: Case, tmp_path: Path) -> None:
    source = case.notebook.read_text(encoding="utf-8")
    assert "figure_fingerprint(fig" in source or "show_figure(" in source

    def trap(nb: nbformat.NotebookNode) -> None:
        change_value(case)(nb)
        drop_fingerprints(nb)

    copy_with(case, tmp_path, "unmodified", lambda nb: None)
    copy_with(case, tmp_path, "value", change_value(case))
    copy_with(case, tmp_path, "colour", recolour)
    copy_with(case, tmp_path, "trap", trap)
    failures = run_nbval(tmp_path)

    assert set(failures) == {"unmodified", "value", "colour", "trap"}  # all four collected
    assert failures["unmodified"] == []
    for changed in ("value", "colour"):
        assert len(failures[changed]) == 1, failures[changed]
        assert "fig sha256 data=" in failures[changed][0]  # caught by the fingerprint line
    assert failures["trap"] == [], "without the fingerprint nbval should miss the change"
