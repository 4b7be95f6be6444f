"""Execute the analysis notebooks and collect every figure they write.

:func:`reproduce` runs the numbered notebooks ``NN_*.ipynb`` in order, each in a fresh
kernel of the *current* Python environment (never whichever ``python3`` kernel Jupyter
happens to find), with papermill parameters ``figures_dir`` and, when given,
``corpus_path``. Each notebook opens with a cell tagged ``parameters`` and saves its
figures with ``save_figure(fig, Path(figures_dir) / "NN_name")``.

Output, all without timestamps so that two runs on the same input give the same bytes::

    figures/
        NN_name.svg, NN_name.png, ...   the figures
        MANIFEST.json                   per figure: file, sha256, notebook, analysis version,
                                        corpus manifest sha256; per notebook: its status
        notebooks/NN_*.ipynb            the executed notebooks

Notebooks that need a real dataset declare it in their metadata
(``"corpus_tools": {"requires": ["kcna"]}``). When such a notebook fails with an error
that names ``CORPUS_TOOLS_DATA`` (what :mod:`corpus_tools.datasets` raises when the data is
neither cached nor downloadable), it is reported as *not reproducible offline* with the
command that fixes it, and the remaining notebooks still run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
import papermill
from ipykernel.kernelspec import get_kernel_dict
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec
from papermill.exceptions import PapermillExecutionError
from papermill.translators import translate_parameters

from . import __version__
from ._files import file_sha256
from .datasets import DATA_ENV, REGISTRY, demo_sha256
from .errors import CorpusToolsError
from .io import corpus_manifest_hash, manifest_path
from .numerics import pinned_environ

__all__ = [
    "EXIT_DATA_UNAVAILABLE",
    "NotebookRun",
    "ReproduceError",
    "ReproduceResult",
    "clean_notebook",
    "reproduce",
]

#: Exit status when every notebook that could run succeeded but some need data that is
#: not available offline.
EXIT_DATA_UNAVAILABLE = 3
EXIT_FAILED = 1
MANIFEST_NAME = "MANIFEST.json"
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
INJECTED_TAG = "injected-parameters"
STAGING_NAME = ".reproduce-staging"
ERROR_MARKER_TAG = "papermill-error-cell-tag"

Status = Literal["ok", "not reproducible offline", "failed"]


class ReproduceError(CorpusToolsError):
    """The notebooks folder or the output folder cannot be used."""


@dataclass(frozen=True)
class NotebookRun:
    """What happened to one notebook.

    Attributes
    ----------
    notebook : str
        File name, e.g. ``"01_coverage.ipynb"``.
    status : {"ok", "not reproducible offline", "failed"}
    figures : tuple of str
        Figure files it wrote (relative to the output folder); empty unless ``ok``.
    message : str
        For a failure, the error; for missing data, the fix.
    analysis_version : str or None
        ``metadata.corpus_tools.analysis_version`` of the notebook.
    requires : tuple of str
        Pinned datasets the notebook analyses (``metadata.corpus_tools.requires``) instead
        of the corpus given to :func:`reproduce` or the demo corpus.
    """

    notebook: str
    status: Status
    figures: tuple[str, ...] = ()
    message: str = ""
    analysis_version: str | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReproduceResult:
    """The outcome of :func:`reproduce`.

    Attributes
    ----------
    out : pathlib.Path
        The figures folder.
    manifest : pathlib.Path
        ``out / "MANIFEST.json"``.
    runs : tuple of NotebookRun
        One per notebook, in execution order.
    """

    out: Path
    manifest: Path
    runs: tuple[NotebookRun, ...] = field(default_factory=tuple)

    @property
    def exit_status(self) -> int:
        """0 if every notebook ran, 3 if some lack offline data (and none failed), else 1."""
        statuses = {run.status for run in self.runs}
        if "failed" in statuses:
            return EXIT_FAILED
        if "not reproducible offline" in statuses:
            return EXIT_DATA_UNAVAILABLE
        return 0

    def table(self) -> str:
        """A plain-text status table, one line per notebook."""
        width = max([len("notebook"), *(len(run.notebook) for run in self.runs)])
        lines = [f"{'notebook':<{width}}  {'status':<24}  figures  note"]
        for run in self.runs:
            note = run.message.splitlines()[0] if run.message else ""
            row = f"{run.notebook:<{width}}  {run.status:<24}  {len(run.figures):>7}"
            lines.append(f"{row}  {note}".rstrip())
        return "\n".join(lines)


class _CurrentEnvKernelManager(KernelManager):
    """Start ipykernel with this interpreter, whatever ``python3`` kernelspec is installed,
    with the numeric kernels pinned (:mod:`corpus_tools.numerics`), so that figures and
    tables do not depend on the CPU the notebooks run on."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(**get_kernel_dict())  # argv[0] is sys.executable

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        kw["env"] = pinned_environ(kw.get("env"))
        return await super()._async_pre_start_kernel(**kw)


def reproduce(
    out: str | os.PathLike[str] = "figures",
    *,
    corpus: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    update_notebooks: bool = False,
    timeout: int = 600,
) -> ReproduceResult:
    """Execute the numbered notebooks in order and collect their figures.

    Parameters
    ----------
    out : str or path
        Figures folder; created if missing. Figures listed in an earlier
        ``MANIFEST.json`` there are removed first, so the folder holds only this run's
        figures (other files are left alone).
    corpus : str or path, optional
        Corpus passed to every notebook as the ``corpus_path`` parameter; its sha256
        manifest (``<corpus>.manifest.json``), if present, is hashed into MANIFEST.json.
    notebooks_dir : str or path, optional
        Folder with the ``NN_*.ipynb`` notebooks; default ``./notebooks``.
    update_notebooks : bool
        Also write each successfully executed notebook back in place, without the
        injected parameters cell or timing metadata (maintainers refresh the stored
        outputs that ``pytest --nbval`` checks this way).
    timeout : int
        Seconds each cell may run.

    Returns
    -------
    ReproduceResult
        Its ``exit_status`` is 0 when everything ran, 3 when some notebook needs data not
        available offline, 1 when some notebook failed.

    Raises
    ------
    ReproduceError
        When the notebooks folder is missing or holds no ``NN_*.ipynb`` notebook.

    Examples
    --------
    >>> result = reproduce("figures", notebooks_dir="notebooks")  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    """
    notebooks = _find_notebooks(Path("notebooks" if notebooks_dir is None else notebooks_dir))
    out_dir = Path(out).resolve()
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    _remove_previous_figures(out_dir)
    parameters = {"figures_dir": str(out_dir)}
    if corpus is not None:
        parameters["corpus_path"] = str(Path(corpus).resolve())
    runs = [_run_one(nb, out_dir, parameters, update_notebooks, timeout) for nb in notebooks]
    manifest = out_dir / MANIFEST_NAME
    _write_json(manifest, _manifest(out_dir, runs, corpus))
    return ReproduceResult(out=out_dir, manifest=manifest, runs=tuple(runs))


def _find_notebooks(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ReproduceError(f"notebooks folder not found: {folder}")
    found = sorted(folder.glob(NOTEBOOK_PATTERN))
    if not found:
        raise ReproduceError(f"no notebooks named {NOTEBOOK_PATTERN} in {folder}")
    return found


def _remove_previous_figures(out_dir: Path) -> None:
    """Delete the figures an earlier run recorded, so stale figures cannot linger."""
    old = out_dir / MANIFEST_NAME
    if not old.exists():
        return
    try:
        entries = json.loads(old.read_text(encoding="utf-8"))["figures"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReproduceError(f"{old}: not a corpus_tools figure manifest ({exc})") from exc
    for entry in entries:
        target = (out_dir / entry["file"]).resolve()
        if target.is_relative_to(out_dir):  # never follow a manifest outside the folder
            target.unlink(missing_ok=True)


def _run_one(
    path: Path, out_dir: Path, parameters: dict[str, str], update: bool, timeout: int
) -> NotebookRun:
    meta = nbformat.read(path, as_version=4).metadata.get("corpus_tools", {})
    version = meta.get("analysis_version")
    with _staging_folder(out_dir) as tmp:
        staging, executed = tmp / "figures", tmp / path.name
        staging.mkdir()
        error = _execute(path, executed, {**parameters, "figures_dir": str(staging)}, timeout)
        if executed.exists():  # papermill saves a failed notebook too, with error markers
            nb = nbformat.read(executed, as_version=4)
            # The copy should show where the figures went, not the deleted staging folder.
            _set_injected_parameters(nb, parameters)
            _write_notebook(clean_notebook(nb), out_dir / "notebooks" / path.name)
        if error is not None:
            return _failure(path.name, error, meta.get("requires", []), version)
        if update:
            _write_notebook(clean_notebook(nb, in_place=True), path)
        figures = _move_figures(staging, out_dir)
    requires = tuple(meta.get("requires", []))
    return NotebookRun(path.name, "ok", tuple(figures), "", version, requires)


@contextmanager
def _staging_folder(out_dir: Path) -> Iterator[Path]:
    """A fresh folder for one notebook's output, removed afterwards.

    Its name is fixed, not random, because notebooks may print the paths they save to
    and the executed copies must be identical from run to run.
    """
    folder = out_dir / STAGING_NAME
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _execute(path: Path, executed: Path, parameters: dict[str, str], timeout: int) -> str | None:
    """Run one notebook; return ``"ErrorName: message"`` if it failed, else None."""
    try:
        papermill.execute_notebook(
            path,
            executed,
            parameters=parameters,
            kernel_name="python3",
            cwd=path.parent,
            execution_timeout=timeout,
            progress_bar=False,
            request_save_on_cell_execute=False,
            kernel_manager_class=_CurrentEnvKernelManager,
        )
    except PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel death, cell timeout, unreadable notebook: report, go on
        return f"{type(exc).__name__}: {exc}"
    return None


def _failure(name: str, summary: str, requires: Sequence[str], version: str | None) -> NotebookRun:
    if DATA_ENV not in summary:
        return NotebookRun(name, "failed", (), summary, version)
    datasets = list(requires) or ["<dataset>"]
    fetch = " && ".join(f"corpus-tools fetch {d}" for d in datasets)
    fix = (
        f"needs {', '.join(datasets)}: run `{fetch}` (with network) or "
        f"`export {DATA_ENV}=/folder/with/the/data`, then reproduce again\n{summary}"
    )
    return NotebookRun(name, "not reproducible offline", (), fix, version)


def _move_figures(staging: Path, out_dir: Path) -> list[str]:
    moved = []
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = source.relative_to(staging)
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        moved.append(relative.as_posix())
    return moved


def _set_injected_parameters(nb: nbformat.NotebookNode, parameters: dict[str, str]) -> None:
    if "papermill" in nb.metadata:
        nb.metadata.papermill["parameters"] = dict(parameters)
    for cell in nb.cells:
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell.source = translate_parameters("python3", "python", parameters, "Parameters")


def clean_notebook(nb: nbformat.NotebookNode, *, in_place: bool = False) -> nbformat.NotebookNode:
    """Return ``nb`` without run-specific metadata, so stored copies diff cleanly.

    Removes per-cell timing (nbclient's ``execution``, papermill's ``papermill``) and
    papermill's start/end times and durations. With ``in_place=True`` (for writing a
    notebook back to the repository) also drops papermill's metadata and injected
    parameters cell and renumbers the execution counts 1, 2, ... as a fresh run would.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook; not modified.
    in_place : bool
        Clean for writing back over the source notebook.

    Returns
    -------
    nbformat.NotebookNode

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells.append(nbformat.v4.new_code_cell("1", metadata={"execution": {"a": "1"}}))
    >>> clean_notebook(nb).cells[0].metadata
    {}
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if cell.metadata.get("tags") == []:  # papermill adds empty tag lists
            del cell.metadata["tags"]
        # papermill draws random ids for the cells it adds
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell.id = INJECTED_TAG
        if ERROR_MARKER_TAG in cell.metadata.get("tags", []):
            cell.id = f"{ERROR_MARKER_TAG}-{index}"
    if not in_place:
        for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
            nb.metadata.get("papermill", {}).pop(key, None)
        return nb
    nb.metadata.pop("papermill", None)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = count
    return nb


def _write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _data_identity(run: NotebookRun, corpus: str | os.PathLike[str] | None) -> tuple[str, str]:
    """What a notebook's figures were drawn from, and the sha256 that pins it.

    A notebook that ``requires`` pinned datasets analyses those (their registry sha256);
    the others analyse ``corpus`` (the sha256 of its manifest, see
    :func:`corpus_tools.io.save_corpus`) or, by default, the packaged SYNTHETIC demo
    corpus (the sha256 of its archive).
    """
    if run.requires:
        pins = [f"{name}:{REGISTRY[name].sha256}" for name in run.requires]
        return ", ".join(run.requires), ";".join(pins)
    if corpus is None:
        return "demo (synthetic)", demo_sha256()
    if not manifest_path(corpus).is_file():
        return str(corpus), "unknown (no manifest)"
    return str(corpus), corpus_manifest_hash(corpus)


def _manifest(
    out_dir: Path, runs: Sequence[NotebookRun], corpus: str | os.PathLike[str] | None
) -> dict[str, Any]:
    figures = []
    for run in runs:
        data, data_hash = _data_identity(run, corpus)
        figures += [
            {
                "file": name,
                "sha256": file_sha256(out_dir / name),
                "notebook": run.notebook,
                "analysis_version": run.analysis_version,
                "corpus": data,
                "corpus_manifest_sha256": data_hash,
            }
            for name in run.figures
        ]
    notebooks = [{"notebook": r.notebook, "status": r.status, "message": r.message} for r in runs]
    return {
        "corpus_tools_version": __version__,
        "corpus": "demo (synthetic)" if corpus is None else str(corpus),
        "figures": sorted(figures, key=lambda f: f["file"]),
        "notebooks": notebooks,
    }


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
