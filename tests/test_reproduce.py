"""Tests for corpus_tools.reproduce on the fixture notebooks in tests/data/notebooks/reproduce.

00_coverage writes a figure and echoes ``corpus_path``; 01_needs_kcna fails the way
``corpus_tools.datasets`` does without network or cache (its metadata declares
``requires: ["kcna"]``); 02_top_terms writes a figure after that failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from corpus_tools.cli import main
from corpus_tools.reproduce import EXIT_DATA_UNAVAILABLE, ReproduceError, clean_notebook, reproduce

FIXTURES = Path(__file__).parent / "data" / "notebooks" / "reproduce"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the fixtures twice into the same folder: once via the library, once via the CLI."""
    tmp = tmp_path_factory.mktemp("reproduce")
    notebooks = shutil.copytree(FIXTURES, tmp / "notebooks")
    corpus = tmp / "corpus.parquet"
    corpus.write_bytes(b"not read by the fixture notebooks")
    manifest_text = '{"sha256": "abc"}\n'
    (tmp / "corpus.parquet.manifest.json").write_text(manifest_text, encoding="utf-8")
    out = tmp / "figures"
    first = reproduce(out, corpus=corpus, notebooks_dir=notebooks, timeout=120)
    snapshot = {
        p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
    }
    argv = ["reproduce", "--corpus", str(corpus), "--out", str(out), "--notebooks", str(notebooks)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        cli_status = main(argv)
    return {
        "out": out,
        "notebooks": notebooks,
        "first": first,
        "snapshot": snapshot,
        "cli": cli_status,
        "cli_stdout": printed.getvalue(),
        "manifest_sha": hashlib.sha256(manifest_text.encode()).hexdigest(),
        "corpus": corpus,
    }


def test_figures_and_manifest_written(runs: dict) -> None:
    out: Path = runs["out"]
    manifest = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))
    files = [f["file"] for f in manifest["figures"]]
    assert files == ["00_coverage.png", "00_coverage.svg", "02_top_terms.svg"]
    for entry in manifest["figures"]:
        assert entry["sha256"] == sha256(out / entry["file"])
        assert entry["corpus_manifest_sha256"] == runs["manifest_sha"]
    by_file = {f["file"]: f for f in manifest["figures"]}
    assert by_file["00_coverage.svg"]["analysis_version"] == "2025.1"  # from the notebook
    assert by_file["02_top_terms.svg"]["notebook"] == "02_top_terms.ipynb"
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == sorted(
        p.name for p in FIXTURES.glob("*.ipynb")
    )
    assert not (out / ".reproduce-staging").exists()


def test_parameters_reach_the_notebook(runs: dict) -> None:
    nb = nbformat.read(runs["out"] / "notebooks" / "00_coverage.ipynb", as_version=4)
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert f"corpus: {runs['corpus'].resolve()}" in printed
    assert "fig sha256 data=" in printed
    for cell in nb.cells:
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata
    assert "start_time" not in nb.metadata.papermill
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert str(runs["out"]) in injected[0].source  # the real folder, not the staging one


def test_missing_data_is_reported_and_others_still_run(runs: dict) -> None:
    first = runs["first"]
    status = {run.notebook: run for run in first.runs}
    assert [r.notebook for r in first.runs] == sorted(status)
    assert status["00_coverage.ipynb"].status == "ok"
    assert status["02_top_terms.ipynb"].status == "ok"
    missing = status["01_needs_kcna.ipynb"]
    assert missing.status == "not reproducible offline"
    assert "corpus-tools fetch kcna" in missing.message
    assert "export CORPUS_TOOLS_DATA=" in missing.message
    assert first.exit_status == EXIT_DATA_UNAVAILABLE == runs["cli"]
    assert "not reproducible offline" in first.table()


def test_second_run_is_byte_identical(runs: dict) -> None:
    out: Path = runs["out"]
    again = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert again.keys() == runs["snapshot"].keys()
    changed = [name for name in again if again[name] != runs["snapshot"][name]]
    assert changed == []


def test_cli_prints_summary(runs: dict, capsys: pytest.CaptureFixture[str]) -> None:
    out: Path = runs["out"]
    lines = runs["cli_stdout"].splitlines()
    # 3 notebooks ran; 00_coverage saved 2 figures, 02_top_terms 1, 01_needs_kcna none.
    assert lines[:3] == [
        f"executed 3 notebooks; 3 figures in {out}",
        f"manifest: {out / 'MANIFEST.json'}",
        f"executed notebooks: {out / 'notebooks'}",
    ]
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["notebook", "status", "figures", "note"]
    assert table[1].split()[:3] == ["00_coverage.ipynb", "ok", "2"]
    assert table[2].startswith("01_needs_kcna.ipynb  not reproducible offline")
    assert table[3].split()[:3] == ["02_top_terms.ipynb", "ok", "1"]
    # The error path: a clear message on stderr, exit status 1.
    assert main(["reproduce", "--notebooks", str(out / "nowhere")]) == 1
    assert "notebooks folder not found" in capsys.readouterr().err


def test_without_update_the_notebooks_are_left_alone(runs: dict) -> None:
    for path in FIXTURES.glob("*.ipynb"):
        assert (runs["notebooks"] / path.name).read_bytes() == path.read_bytes(), path.name


def test_update_notebooks_refreshes_only_the_notebooks_that_ran(tmp_path: Path) -> None:
    v4 = nbformat.v4
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ok = v4.new_notebook(
        cells=[
            v4.new_code_cell("figures_dir = None", metadata={"tags": ["parameters"]}),
            v4.new_code_cell("print(6 * 7)"),
        ],
        metadata={"kernelspec": kernel},
    )
    broken = v4.new_notebook(
        cells=[v4.new_code_cell("print('partial')"), v4.new_code_cell("raise ValueError('x')")],
        metadata={"kernelspec": kernel},
    )
    folder = tmp_path / "nbs"
    folder.mkdir()
    nbformat.write(ok, folder / "00_ok.ipynb")
    nbformat.write(broken, folder / "01_broken.ipynb")
    broken_bytes = (folder / "01_broken.ipynb").read_bytes()

    result = reproduce(tmp_path / "out", notebooks_dir=folder, update_notebooks=True, timeout=60)

    assert [r.status for r in result.runs] == ["ok", "failed"]
    updated = nbformat.read(folder / "00_ok.ipynb", as_version=4)
    assert [c.source for c in updated.cells] == ["figures_dir = None", "print(6 * 7)"]
    assert updated.cells[1].outputs[0]["text"] == "42\n"  # the stored output, refreshed
    assert [c.execution_count for c in updated.cells] == [1, 2]
    assert "papermill" not in updated.metadata
    assert all("execution" not in c.metadata for c in updated.cells)
    assert (folder / "01_broken.ipynb").read_bytes() == broken_bytes  # a failure writes nothing


def test_failing_notebook_is_failed_and_stale_figures_removed(tmp_path: Path) -> None:
    out = tmp_path / "figures"
    out.mkdir()
    (out / "05_old.svg").write_text("stale", encoding="utf-8")
    (out / "keep.txt").write_text("not ours", encoding="utf-8")
    stale = {"figures": [{"file": "05_old.svg"}], "notebooks": []}
    (out / "MANIFEST.json").write_text(json.dumps(stale), encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (tmp_path / "nbs").mkdir()
    nbformat.write(nb, tmp_path / "nbs" / "05_broken.ipynb")
    result = reproduce(out, notebooks_dir=tmp_path / "nbs", timeout=60)
    (run,) = result.runs
    assert (run.status, run.message) == ("failed", "ValueError: boom")
    assert result.exit_status == 1
    assert not (out / "05_old.svg").exists() and (out / "keep.txt").exists()
    assert json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))["figures"] == []


def test_no_notebooks_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReproduceError, match=r"no notebooks named .* in"):
        reproduce(tmp_path / "out", notebooks_dir=tmp_path)


def test_clean_notebook_in_place_drops_injected_cell_and_renumbers() -> None:
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("a = 1", execution_count=1, metadata={"tags": ["parameters"]}),
        v4.new_code_cell("a = 2", execution_count=2, metadata={"tags": ["injected-parameters"]}),
        v4.new_code_cell(
            "a",
            execution_count=3,
            outputs=[v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)],
            metadata={"execution": {"iopub.status.busy": "2025-01-01T00:00:00"}, "tags": []},
        ),
        v4.new_markdown_cell("text"),
    ]
    cells[2].metadata["papermill"] = {"duration": 0.1, "status": "completed"}
    nb = v4.new_notebook(cells=cells, metadata={"papermill": {"start_time": "x", "parameters": {}}})
    cleaned = clean_notebook(nb, in_place=True)
    assert [c.source for c in cleaned.cells] == ["a = 1", "a", "text"]
    assert [c.get("execution_count") for c in cleaned.cells] == [1, 2, None]
    assert cleaned.cells[1].outputs[0].execution_count == 2
    assert cleaned.cells[1].metadata == {}
    assert "papermill" not in cleaned.metadata
    assert len(nb.cells) == 4 and "execution" in nb.cells[2].metadata  # input untouched


def test_manifest_pins_the_data_each_notebook_analysed(tmp_path: Path) -> None:
    """Without --corpus the demo archive's sha256 is recorded; a notebook that requires a
    pinned dataset records that dataset's registry sha256 instead."""
    import corpus_tools
    from corpus_tools.datasets import REGISTRY
    from corpus_tools.reproduce import NotebookRun, _data_identity

    archive = Path(corpus_tools.__file__).parent / "data" / "demo" / "corpus.tar.xz"
    demo = NotebookRun("00_x.ipynb", "ok", ("00_x.svg",))
    assert _data_identity(demo, None) == ("demo (synthetic)", sha256(archive))
    kcna = NotebookRun("06_x.ipynb", "ok", ("06_x.svg",), requires=("kcna",))
    assert _data_identity(kcna, tmp_path / "corpus.parquet") == (
        "kcna",
        "kcna:0153140a39714f62507b148d9f28a9cce99833789e098e7dd74e0ab052d8bb86",
    )
    assert REGISTRY["kcna"].sha256.startswith("0153140a")
