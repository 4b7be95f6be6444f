"""Tests for corpus_tools.reproduce on the fixture notebooks in tests/data/notebooks/reproduce.

00_coverage shows a figure (printing its fingerprint), writes a table and echoes
``corpus_path``; 01_needs_kcna fails the way ``corpus_tools.datasets`` does without
network or cache (its metadata declares ``requires: ["kcna"]``); 02_top_terms takes no
``corpus_path`` and saves a figure without printing its fingerprint.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

import corpus_tools
from corpus_tools.cli import main
from corpus_tools.reproduce import (
    DEMO,
    EXIT_DATA_UNAVAILABLE,
    EXIT_FAILED,
    ReproduceError,
    clean_notebook,
    compare_manifests,
    default_notebooks_dir,
    reproduce,
)

FIXTURES = Path(__file__).parent / "data" / "notebooks" / "reproduce"
REPO = Path(__file__).resolve().parent.parent
DEMO_ARCHIVE = REPO / "corpus_tools" / "data" / "demo" / "corpus.tar.xz"
#: What every manifest entry and embedded record must say about the code.
CODE_KEYS = ("corpus_tools_version", "git_commit", "git_dirty", "lock", "lock_sha256")
NOTEBOOK_KEYS = ("notebook", "analysis_version", "parameters", "corpus", "corpus_manifest_sha256")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stdout_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``main(argv)`` with its stdout captured (for module-scoped fixtures)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    return code, buffer.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the fixtures twice into the same folder: once via the library, once via the CLI
    checking against the first run's manifest."""
    tmp = tmp_path_factory.mktemp("reproduce")
    notebooks = shutil.copytree(FIXTURES, tmp / "notebooks")
    corpus = tmp / "corpus.parquet"
    corpus.write_bytes(b"not read by the fixture notebooks")
    manifest_text = '{"sha256": "abc"}\n'
    (tmp / "corpus.parquet.manifest.json").write_text(manifest_text, encoding="utf-8")
    out = tmp / "figures"
    first = reproduce(
        out,
        corpus=corpus,
        notebooks_dir=notebooks,
        update_reference=True,  # refused: 01 cannot run offline
        reference=tmp / "reference.json",
        timeout=120,
    )
    snapshot = {
        p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
    }
    shutil.copy(out / "MANIFEST.json", tmp / "first.json")
    argv = ["reproduce", "--corpus", str(corpus), "--out", str(out), "--notebooks", str(notebooks)]
    code, printed = run_cli([*argv, "--check", "--reference", str(tmp / "first.json")])
    return {
        "tmp": tmp,
        "out": out,
        "notebooks": notebooks,
        "first": first,
        "snapshot": snapshot,
        "cli": code,
        "printed": printed,
        "manifest_sha": hashlib.sha256(manifest_text.encode()).hexdigest(),
        "corpus": corpus,
    }


def test_figures_tables_and_manifest_written(runs: dict) -> None:
    out: Path = runs["out"]
    manifest = load(out / "MANIFEST.json")
    assert [f["file"] for f in manifest["figures"]] == [
        "00_coverage.png",
        "00_coverage.svg",
        "02_top_terms.svg",
    ]
    assert [t["file"] for t in manifest["tables"]] == ["00_counts.csv"]
    assert manifest["other_files"] == []
    for entry in manifest["figures"] + manifest["tables"]:
        assert entry["sha256"] == sha256(out / entry["file"])
    table = manifest["tables"][0]
    assert (out / "00_counts.csv").read_text(encoding="utf-8") == "date,n\n5,1\n6,2\n8,1\n"
    assert table["content_sha256"] == table["sha256"]  # a table has no embedded metadata
    by_file = {f["file"]: f for f in manifest["figures"] + manifest["tables"]}
    assert by_file["00_coverage.svg"]["analysis_version"] == "2025.1"  # from the notebook
    assert by_file["02_top_terms.svg"]["notebook"] == "02_top_terms.ipynb"
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == sorted(
        p.name for p in FIXTURES.glob("*.ipynb")
    )
    assert not (out / ".reproduce-staging").exists()


def test_manifest_tells_which_data_made_each_file(runs: dict) -> None:
    """The corpus goes only to notebooks that take one; the others are recorded as what
    they do analyse (issue 11: notebook 07 was filed under the user's corpus)."""
    manifest = load(runs["out"] / "MANIFEST.json")
    by_file = {f["file"]: f for f in manifest["figures"] + manifest["tables"]}
    for name in ("00_coverage.png", "00_coverage.svg", "00_counts.csv"):
        assert by_file[name]["corpus"] == str(runs["corpus"])
        assert by_file[name]["corpus_manifest_sha256"] == runs["manifest_sha"]
    demo = by_file["02_top_terms.svg"]
    assert (demo["corpus"], demo["corpus_manifest_sha256"]) == (DEMO, sha256(DEMO_ARCHIVE))
    status = {run.notebook: run for run in runs["first"].runs}
    assert status["02_top_terms.ipynb"].message == f"takes no corpus_path: analyses {DEMO}"
    nb = nbformat.read(runs["out"] / "notebooks" / "02_top_terms.ipynb", as_version=4)
    assert "corpus_path" not in nb.metadata.papermill["parameters"]


def test_manifest_fingerprint_is_the_one_the_notebook_printed(runs: dict) -> None:
    out: Path = runs["out"]
    printed = stdout_of(out / "notebooks" / "00_coverage.ipynb")
    (line,) = [x for x in printed.splitlines() if x.startswith("00_coverage: ")]
    by_file = {f["file"]: f for f in load(out / "MANIFEST.json")["figures"]}
    assert by_file["00_coverage.png"]["fingerprint"] == line.removeprefix("00_coverage: ")
    assert by_file["00_coverage.svg"]["fingerprint"] == line.removeprefix("00_coverage: ")
    # 02 printed nothing: the fingerprint save_figure embedded in the file is used.
    assert re.fullmatch(
        r"fig sha256 data=[0-9a-f]{16} pixels=[0-9a-f]{16}",
        by_file["02_top_terms.svg"]["fingerprint"],
    )


def test_manifest_records_code_lock_and_environment(runs: dict) -> None:
    manifest = load(runs["out"] / "MANIFEST.json")
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert manifest["git_commit"] == head
    assert isinstance(manifest["git_dirty"], bool)
    assert manifest["lock"] == "requirements/lock.txt"
    assert manifest["lock_sha256"] == sha256(REPO / "requirements" / "lock.txt")
    assert manifest["corpus_tools_version"] == corpus_tools.__version__
    assert manifest["environment"]["packages"]["numpy"] == np.__version__
    for entry in manifest["figures"] + manifest["tables"]:
        assert {key: entry[key] for key in CODE_KEYS} == {key: manifest[key] for key in CODE_KEYS}


def test_figure_files_carry_the_manifest_provenance(runs: dict) -> None:
    """Read back with independent readers: Pillow's PNG text and the SVG's XML."""
    out: Path = runs["out"]
    by_file = {f["file"]: f for f in load(out / "MANIFEST.json")["figures"]}
    png = by_file["00_coverage.png"]
    expected = {key: png[key] for key in (*CODE_KEYS, *NOTEBOOK_KEYS, "fingerprint")}
    expected["figure"] = "00_coverage"
    with Image.open(out / "00_coverage.png") as image:
        assert json.loads(image.text["Description"]) == expected
        assert image.text["Title"] == "00_coverage"
        assert image.text["Software"] == f"corpus_tools {corpus_tools.__version__}"
    root = ET.parse(out / "00_coverage.svg").getroot()
    (description,) = root.iter("{http://purl.org/dc/elements/1.1/}description")
    assert json.loads(description.text) == expected


def test_parameters_reach_the_notebook(runs: dict) -> None:
    nb = nbformat.read(runs["out"] / "notebooks" / "00_coverage.ipynb", as_version=4)
    printed = stdout_of(runs["out"] / "notebooks" / "00_coverage.ipynb")
    assert f"corpus: {runs['corpus'].resolve()}" in printed
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
    # An incomplete run never becomes the reference.
    assert not first.reference_written and not (runs["tmp"] / "reference.json").exists()


def test_second_run_is_byte_identical(runs: dict) -> None:
    out: Path = runs["out"]
    again = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert again.keys() == runs["snapshot"].keys()
    changed = [name for name in again if again[name] != runs["snapshot"][name]]
    assert changed == []


def test_cli_prints_summary(runs: dict, capsys: pytest.CaptureFixture[str]) -> None:
    out: Path = runs["out"]
    lines = runs["printed"].splitlines()
    # 3 notebooks ran: 00_coverage saved 2 figures and a table, 02_top_terms 1 figure.
    assert lines[:3] == [
        f"executed 3 notebooks; 4 figures and tables in {out}",
        f"manifest: {out / 'MANIFEST.json'}",
        f"executed notebooks: {out / 'notebooks'}",
    ]
    table = lines[lines.index("") + 1 :]
    assert table[0].split()[:2] == ["notebook", "status"]
    assert table[1].startswith("00_coverage.ipynb") and " ok " in table[1]
    assert table[2].startswith("01_needs_kcna.ipynb") and "not reproducible offline" in table[2]
    assert table[3].startswith("02_top_terms.ipynb") and " ok " in table[3]
    # The error path: a clear message on stderr, exit status 1.
    assert main(["reproduce", "--notebooks", str(out / "nowhere")]) == 1
    assert "notebooks folder not found" in capsys.readouterr().err


# ---- --check against a reference --------------------------------------------------------
@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Write a reference, check an unchanged run, then check after a plotted value changed."""
    tmp = tmp_path_factory.mktemp("check")
    notebooks = shutil.copytree(
        FIXTURES, tmp / "notebooks", ignore=shutil.ignore_patterns("01_needs_kcna.ipynb")
    )
    written = reproduce(tmp / "reference_run", notebooks_dir=notebooks, update_reference=True)
    source = notebooks / "00_coverage.ipynb"
    source.write_text(source.read_text("utf-8").replace("2024-08-01", "2024-09-01"), "utf-8")
    argv = ["reproduce", "--notebooks", str(notebooks), "--out", str(tmp / "changed"), "--check"]
    code, printed = run_cli(argv)
    return {"notebooks": notebooks, "written": written, "code": code, "out": printed}


def test_update_reference_writes_the_committed_location(checked: dict) -> None:
    written = checked["written"]
    reference = checked["notebooks"] / "figures" / "MANIFEST.json"
    assert written.reference_written and written.reference == reference
    assert reference.read_bytes() == written.manifest.read_bytes()


def test_check_passes_on_an_unchanged_run(runs: dict) -> None:
    printed = runs["printed"]
    assert "check: 4 reference files, identical\n" in printed  # 3 figures and a table
    assert "DIFFERS" not in printed and "not checked" not in printed
    assert "provenance differences" not in printed  # same commit, lock and parameters
    assert runs["cli"] == EXIT_DATA_UNAVAILABLE  # 01 still cannot run offline


def test_check_names_every_file_whose_plotted_value_changed(checked: dict) -> None:
    assert checked["code"] == EXIT_FAILED
    differs = dict(re.findall(r"^  DIFFERS (\S+): (.*)$", checked["out"], flags=re.MULTILINE))
    assert sorted(differs) == ["00_counts.csv", "00_coverage.png", "00_coverage.svg"]
    assert differs["00_coverage.png"].startswith("plotted data differ (data=")
    assert differs["00_counts.csv"].startswith("content sha256 ")
    assert "check: 4 reference files, 3 differ" in checked["out"]


def test_a_new_commit_alone_is_provenance_not_a_difference(checked: dict) -> None:
    """Another commit changes every file's bytes (the commit is embedded), not its content."""
    reference = load(checked["written"].manifest)
    current = json.loads(json.dumps(reference))
    current["git_commit"] = "f" * 40
    for entry in current["figures"]:
        entry["git_commit"], entry["sha256"] = "f" * 40, "0" * 64
    current["notebooks"][0]["parameters"] = {"k": 10}
    comparison = compare_manifests(reference, current)
    assert comparison.ok and comparison.differences == ()
    assert comparison.provenance[0].startswith("git_commit: ")
    assert comparison.provenance[1] == "00_coverage.ipynb: parameters k null -> 10"


def test_compare_missing_new_and_unverified_files() -> None:
    entry = {"file": "06_a.png", "notebook": "06_a.ipynb", "content_sha256": "c"}
    reference = {"figures": [entry, {**entry, "file": "05_b.png", "notebook": "05_b.ipynb"}]}
    current = {
        "figures": [{**entry, "file": "07_c.png", "notebook": "07_c.ipynb"}],
        "notebooks": [
            {"notebook": "06_a.ipynb", "status": "not reproducible offline", "message": "x"},
            {"notebook": "05_b.ipynb", "status": "failed", "message": "ValueError: boom\nmore"},
        ],
    }
    comparison = compare_manifests(reference, current)
    assert comparison.differences == (
        ("05_b.png", "missing: 05_b.ipynb failed (ValueError: boom)"),
        ("07_c.png", "new: not in the reference manifest"),
    )
    assert comparison.unverified == (
        ("06_a.png", "06_a.ipynb needs data that is not available offline"),
    )


def test_check_refuses_before_running(tmp_path: Path) -> None:
    with pytest.raises(ReproduceError, match=r"no reference manifest at .*--update-reference"):
        reproduce(tmp_path / "out", notebooks_dir=FIXTURES, check=True)
    with pytest.raises(ReproduceError, match="exclude each other"):
        reproduce(tmp_path / "out", notebooks_dir=FIXTURES, check=True, update_reference=True)
    reference = tmp_path / "mine" / "MANIFEST.json"
    with pytest.raises(ReproduceError, match=r"would overwrite the reference .*another --out"):
        reproduce(tmp_path / "mine", notebooks_dir=FIXTURES, check=True, reference=reference)
    assert not (tmp_path / "out").exists() and not (tmp_path / "mine").exists()  # nothing ran


# ---- parameters and the notebooks folder -------------------------------------------------
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"figures_dir": "x"}, r"figures_dir is set by reproduce itself: use --out"),
        ({"corpus_path": "x"}, r"corpus_path is set by reproduce itself: use --corpus"),
        (
            {"langauge": "en"},
            r"'langauge' is taken by no notebook; the notebooks take: nothing but --out and",
        ),
    ],
)
def test_bad_parameters_are_refused_before_running(
    tmp_path: Path, parameters: dict, message: str
) -> None:
    with pytest.raises(ReproduceError, match=message):
        reproduce(tmp_path / "out", notebooks_dir=FIXTURES, parameters=parameters)
    assert not (tmp_path / "out").exists()


def test_parameter_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "k = 8\nevent_date = '2024-06-19'", metadata={"tags": ["parameters"]}
            )
        ]
    )
    nbformat.write(nb, tmp_path / "00_x.ipynb")
    with pytest.raises(
        ReproduceError, match=r"k='ten' \(str\): 00_x.ipynb expects int like its default 8"
    ):
        reproduce(tmp_path / "out", notebooks_dir=tmp_path, parameters={"k": "ten"})
    with pytest.raises(ReproduceError, match=r"quote it: --param event_date='\"2023\"'"):
        reproduce(tmp_path / "out", notebooks_dir=tmp_path, parameters={"event_date": 2023})


def test_cli_reads_parameter_values_as_json_else_text() -> None:
    from corpus_tools.cli import build_parser

    values = ["k=10", "ks=[4, 6]", "event_date=2023-09-13", "language=no", "alpha=0.5", "flag=true"]
    args = build_parser().parse_args(["reproduce", *(x for v in values for x in ("--param", v))])
    assert args.param == [
        ("k", 10),
        ("ks", [4, 6]),
        ("event_date", "2023-09-13"),
        ("language", "no"),  # Norwegian, not YAML's False
        ("alpha", 0.5),
        ("flag", True),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("k", r"expected NAME=VALUE"), ("ks=[en, ru]", r"a list or mapping must be JSON")],
)
def test_cli_rejects_malformed_parameters(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--param", value])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_notebooks_are_found_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_notebooks_dir() == REPO / "notebooks"
    import corpus_tools.reproduce as module

    installed = tmp_path / "site-packages" / "corpus_tools" / "reproduce.py"
    monkeypatch.setattr(module, "__file__", str(installed))
    with pytest.raises(
        ReproduceError, match=r"installed, not run from a source checkout.*--notebooks DIR"
    ):
        default_notebooks_dir()


# ---- failures and helpers ----------------------------------------------------------------
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


def test_failing_notebook_is_failed_and_stale_files_removed(tmp_path: Path) -> None:
    out = tmp_path / "figures"
    out.mkdir()
    (out / "05_old.svg").write_text("stale", encoding="utf-8")
    (out / "05_old.csv").write_text("stale", encoding="utf-8")
    (out / "keep.txt").write_text("not ours", encoding="utf-8")
    stale = {"figures": [{"file": "05_old.svg"}], "tables": [{"file": "05_old.csv"}]}
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
    assert not (out / "05_old.svg").exists() and not (out / "05_old.csv").exists()
    assert (out / "keep.txt").exists()
    manifest = load(out / "MANIFEST.json")
    assert manifest["figures"] == [] and manifest["tables"] == []


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
    """Without --corpus (or for a notebook without corpus_path) the demo archive's sha256 is
    recorded; a notebook that requires a pinned dataset records its registry sha256."""
    from corpus_tools.reproduce import _data_identity

    corpus = tmp_path / "corpus.parquet"
    assert _data_identity((), True, None) == (DEMO, sha256(DEMO_ARCHIVE))
    assert _data_identity((), False, corpus) == (DEMO, sha256(DEMO_ARCHIVE))
    assert _data_identity((), True, corpus) == (str(corpus), "unknown (no manifest)")
    assert _data_identity(("kcna",), True, corpus) == (
        "kcna",
        "kcna:0153140a39714f62507b148d9f28a9cce99833789e098e7dd74e0ab052d8bb86",
    )


# ---- the committed reference -------------------------------------------------------------
REFERENCE = REPO / "notebooks" / "figures" / "MANIFEST.json"


def test_committed_reference_matches_the_stored_notebook_outputs() -> None:
    """The reference is regenerated with the stored outputs (`--update-notebooks
    --update-reference`): its fingerprints are the ones the notebooks print, from a clean
    checkout, under the current lock."""
    reference = load(REFERENCE)
    assert reference["git_dirty"] is False
    assert reference["lock_sha256"] == sha256(REPO / "requirements" / "lock.txt")
    assert reference["corpus"] == DEMO and reference["parameters"] == {}
    assert all(nb["status"] == "ok" for nb in reference["notebooks"])
    assert reference["figures"], "the reference lists no figure"
    for entry in reference["figures"]:
        printed = stdout_of(REPO / "notebooks" / entry["notebook"])
        assert f"{Path(entry['file']).stem}: {entry['fingerprint']}" in printed, entry["file"]


def test_pdf_figures_are_compared_by_fingerprint_alone() -> None:
    """A PDF's content hash includes its embedded record, so it changes with the commit."""
    pdf = {
        "file": "04_a.pdf",
        "notebook": "04_a.ipynb",
        "fingerprint": "fig sha256 data=1 pixels=2",
    }
    reference = {"figures": [{**pdf, "content_sha256": "a"}]}
    assert compare_manifests(reference, {"figures": [{**pdf, "content_sha256": "b"}]}).ok
    moved = {**pdf, "content_sha256": "a", "fingerprint": "fig sha256 data=9 pixels=2"}
    assert not compare_manifests(reference, {"figures": [moved]}).ok
