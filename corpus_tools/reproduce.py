"""Execute the analysis notebooks, collect every figure and table, and check them.

:func:`reproduce` runs the numbered notebooks ``NN_*.ipynb`` in order, each in a fresh
kernel of the *current* Python environment (never whichever ``python3`` kernel Jupyter
happens to find), with papermill parameters ``figures_dir``, ``corpus_path`` (only for
notebooks whose ``parameters`` cell has it) and any parameters the caller gives. Each
notebook saves its figures with ``show_figure``/``save_figure`` and its tables with
``save_table`` into ``figures_dir``.

Output, all without timestamps or absolute paths so that two runs on the same input give
the same bytes::

    figures/
        NN_name.svg, NN_name.png, ...   the figures (provenance embedded, see below)
        NN_name.csv, NN_name.tex, ...   the tables
        MANIFEST.json                   per figure and table: sha256, content sha256,
                                        printed fingerprint, notebook, analysis version,
                                        parameters used, data and its manifest sha256,
                                        package version, git commit + dirty flag, lock
                                        sha256; per notebook: status, data, parameters,
                                        what it modelled
        notebooks/NN_*.ipynb            the executed notebooks

The notebook's provenance reaches the kernel in :data:`~corpus_tools.provenance.
PROVENANCE_ENV`, where ``save_figure`` embeds it in every PNG and SVG. Every model matrix
a notebook builds (:func:`corpus_tools.topics.corpus_matrix`) is logged through
:data:`~corpus_tools.provenance.MODEL_LOG_ENV`, so the result says which language and how
many documents each notebook modelled.

With ``check=True`` the run is compared with the committed reference manifest
(``notebooks/figures/MANIFEST.json``) by :func:`compare_manifests`: figures by printed
fingerprint and content sha256 (the file without its embedded provenance, so a new
commit alone is no difference), tables by content; every file that differs is named.
``update_reference=True`` (maintainers) writes that reference after a complete run.

Notebooks that need a real dataset declare it in their metadata
(``"corpus_tools": {"requires": ["kcna"]}``). When such a notebook fails with an error
that names ``CORPUS_TOOLS_DATA`` (what :mod:`corpus_tools.datasets` raises when the data is
neither cached nor downloadable), it is reported as *not reproducible offline* with the
command that fixes it, and the remaining notebooks still run.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

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
from .provenance import (
    MODEL_LOG_ENV,
    PROVENANCE_ENV,
    ProvenanceError,
    content_sha256,
    environment_versions,
    package_provenance,
    read_figure_provenance,
    read_model_log,
)

__all__ = [
    "EXIT_DATA_UNAVAILABLE",
    "EXIT_FAILED",
    "ManifestComparison",
    "NotebookRun",
    "ReproduceError",
    "ReproduceResult",
    "clean_notebook",
    "compare_manifests",
    "default_notebooks_dir",
    "notebook_parameters",
    "reproduce",
]

#: Exit status when every notebook that could run succeeded (and, when checking, matched
#: the reference) but some need data that is not available offline.
EXIT_DATA_UNAVAILABLE = 3
#: Exit status when a notebook failed or, when checking, a file differs from the reference.
EXIT_FAILED = 1
MANIFEST_NAME = "MANIFEST.json"
MANIFEST_VERSION = 2
#: The committed reference, relative to the notebooks folder.
REFERENCE = Path("figures") / MANIFEST_NAME
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"
STAGING_NAME = ".reproduce-staging"
ERROR_MARKER_TAG = "papermill-error-cell-tag"
DEMO = "demo (synthetic)"
#: Parameters that reproduce sets itself, and the option that sets each.
RESERVED_PARAMETERS = {"figures_dir": "--out", "corpus_path": "--corpus"}
#: Manifest lists, by file suffix: what a file is decides how it is compared.
KINDS = {
    ".png": "figures",
    ".svg": "figures",
    ".pdf": "figures",
    ".csv": "tables",
    ".tex": "tables",
}
OTHER_KIND = "other_files"
#: Per-notebook fields whose change is reported as provenance, not as a difference.
NOTEBOOK_PROVENANCE = ("analysis_version", "parameters", "corpus", "corpus_manifest_sha256")
#: Run-wide fields whose change is reported as provenance.
RUN_PROVENANCE = ("corpus_tools_version", "git_commit", "git_dirty", "lock_sha256", "environment")
_FINGERPRINT = re.compile(
    r"^(?P<name>\S+): (?P<fingerprint>fig sha256 data=[0-9a-f]{16} pixels=[0-9a-f]{16})\s*$",
    re.MULTILINE,
)

Status = Literal["ok", "not reproducible offline", "failed"]


class ReproduceError(CorpusToolsError):
    """The notebooks, parameters, output folder or reference manifest cannot be used."""


@dataclass(frozen=True)
class NotebookRun:
    """What happened to one notebook.

    Attributes
    ----------
    notebook : str
        File name, e.g. ``"01_coverage.ipynb"``.
    status : {"ok", "not reproducible offline", "failed"}
    files : tuple of str
        Figure, table and other files it wrote (relative to the output folder); empty
        unless ``ok``.
    message : str
        For a failure, the error; for missing data, the fix; otherwise notes (parameters
        it does not take, a corpus it does not read).
    analysis_version : str or None
        ``metadata.corpus_tools.analysis_version`` of the notebook.
    requires : tuple of str
        Pinned datasets the notebook analyses (``metadata.corpus_tools.requires``) instead
        of the corpus given to :func:`reproduce` or the demo corpus.
    provenance : dict
        The record embedded in its figures and listed with each of its files: notebook,
        analysis version, ``parameters`` (the parameters cell's values with the given
        ones applied; ``figures_dir`` and ``corpus_path`` are not parameters of the
        analysis), ``corpus`` and ``corpus_manifest_sha256``, and the package provenance.
    unknown_parameters : tuple of str
        Given parameters this notebook does not take (not passed to it).
    modelled : tuple of dict
        One record per model matrix it built: ``languages`` (documents per language),
        ``n_documents``, ``n_terms``.
    fingerprints : dict
        Figure name to the fingerprint line the notebook printed.
    """

    notebook: str
    status: Status
    files: tuple[str, ...] = ()
    message: str = ""
    analysis_version: str | None = None
    requires: tuple[str, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    unknown_parameters: tuple[str, ...] = ()
    modelled: tuple[dict[str, Any], ...] = ()
    fingerprints: dict[str, str] = field(default_factory=dict)

    def modelled_summary(self) -> str:
        """What it modelled in a few words, e.g. ``"en 554 docs"``; ``"-"`` if nothing."""
        seen = []
        for record in self.modelled:
            languages = " + ".join(f"{lang} {n}" for lang, n in record["languages"].items())
            if languages not in seen:
                seen.append(languages)
        return "; ".join(f"{text} docs" for text in seen) or "-"


@dataclass(frozen=True)
class ManifestComparison:
    """A run's manifest compared with a reference manifest (:func:`compare_manifests`).

    Attributes
    ----------
    differences : tuple of (str, str)
        File name and what differs: its fingerprint or content, or that it is missing or
        new. Any entry fails a check.
    unverified : tuple of (str, str)
        Reference files not produced because their notebook's data is not available
        offline, and why.
    provenance : tuple of str
        Differences in the record (commit, lock, versions, a notebook's parameters or
        data); reported, not failures: the figures themselves are compared by content.
    n_compared : int
        Files in the reference.
    """

    differences: tuple[tuple[str, str], ...] = ()
    unverified: tuple[tuple[str, str], ...] = ()
    provenance: tuple[str, ...] = ()
    n_compared: int = 0

    @property
    def ok(self) -> bool:
        """True when no file differs (unverified files are not differences)."""
        return not self.differences

    def report(self) -> str:
        """A plain-text report: every differing file by name with what differs."""
        head = "identical" if self.ok else f"{len(self.differences)} differ"
        if self.unverified:
            head += f", {len(self.unverified)} not checked (data not available offline)"
        lines = [f"check: {self.n_compared} reference files, {head}"]
        lines += [f"  DIFFERS {name}: {what}" for name, what in self.differences]
        lines += [f"  not checked {name}: {why}" for name, why in self.unverified]
        if self.provenance:
            lines.append("provenance differences (not failures; files compared by content):")
            lines += [f"  {note}" for note in self.provenance]
        return "\n".join(lines)


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
    comparison : ManifestComparison or None
        With ``check=True``: the comparison with the reference.
    reference : pathlib.Path or None
        The reference manifest checked against or written.
    reference_written : bool
        With ``update_reference=True``: whether the reference was written (only after a
        run in which every notebook succeeded).
    """

    out: Path
    manifest: Path
    runs: tuple[NotebookRun, ...] = field(default_factory=tuple)
    comparison: ManifestComparison | None = None
    reference: Path | None = None
    reference_written: bool = False

    @property
    def exit_status(self) -> int:
        """0 if all ran (and matched), 1 if a notebook failed or a file differs, 3 if some
        notebook lacks offline data and nothing else is wrong."""
        statuses = {run.status for run in self.runs}
        if "failed" in statuses or (self.comparison is not None and not self.comparison.ok):
            return EXIT_FAILED
        if "not reproducible offline" in statuses:
            return EXIT_DATA_UNAVAILABLE
        return 0

    def table(self) -> str:
        """A plain-text status table: one line per notebook, with its data and models."""
        rows = [("notebook", "status", "files", "data", "modelled", "note")]
        for run in self.runs:
            note = run.message.splitlines()[0] if run.message else ""
            data = run.provenance.get("corpus", "")
            row = (run.notebook, run.status, str(len(run.files)), data, run.modelled_summary())
            rows.append((*row, note))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = []
        for row in rows:
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2])]
            cells += [row[3].ljust(widths[3]), row[4].ljust(widths[4]), row[5]]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)


class _CurrentEnvKernelManager(KernelManager):
    """Start ipykernel with this interpreter, whatever ``python3`` kernelspec is installed,
    with the numeric kernels pinned (:mod:`corpus_tools.numerics`), so that figures and
    tables do not depend on the CPU the notebooks run on.

    ``kernel_env`` is added to the kernel's environment (a subclass per notebook sets it).
    """

    kernel_env: ClassVar[dict[str, str]] = {}

    @property
    def kernel_spec(self) -> KernelSpec:
        # jupyter_client substitutes $names in kernelspec env values: escape our dollars.
        env = {key: value.replace("$", "$$") for key, value in self.kernel_env.items()}
        return KernelSpec(**get_kernel_dict(), env=env)  # argv[0] is sys.executable

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        kw["env"] = pinned_environ(kw.get("env"))
        return await super()._async_pre_start_kernel(**kw)


def default_notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the source checkout this package runs from.

    Raises
    ------
    ReproduceError
        When the package is installed rather than run from a checkout: pass the folder.

    Examples
    --------
    >>> default_notebooks_dir().name  # doctest: +SKIP
    'notebooks'
    """
    root = Path(__file__).resolve().parent.parent
    folder = root / "notebooks"
    if (root / "pyproject.toml").is_file() and folder.is_dir():
        return folder
    raise ReproduceError(
        "corpus_tools is installed, not run from a source checkout, so its notebooks are "
        "not at hand: pass --notebooks DIR (the notebooks/ folder of a clone of the "
        f"repository at tag v{__version__})"
    )


def notebook_parameters(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The names and default values assigned in a notebook's ``parameters`` cell.

    Literal values are returned as Python values, anything else as its source text.

    Examples
    --------
    >>> cell = nbformat.v4.new_code_cell("k = 8  # topics\\nks = [4, 6]\\nlanguage = 'pl'",
    ...                                  metadata={"tags": ["parameters"]})
    >>> notebook_parameters(nbformat.v4.new_notebook(cells=[cell]))
    {'k': 8, 'ks': [4, 6], 'language': 'pl'}
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.metadata.get("tags", []):
            return _assignments(cell.source)
    return {}


def _assignments(source: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:  # an expression: record what the cell says
                found[target.id] = _Source(ast.unparse(value))
    return found

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        kw["env"] = pinned_environ(kw.get("env"))
        return await super()._async_pre_start_kernel(**kw)


def reproduce(
    out: str | os.PathLike[str] = "figures",
    *,
    corpus: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    update_notebooks: bool = False,
    check: bool = False,
    update_reference: bool = False,
    reference: str | os.PathLike[str] | None = None,
    timeout: int = 600,
) -> ReproduceResult:
    """Execute the numbered notebooks in order and collect their figures and tables.

    Parameters
    ----------
    out : str or path
        Figures folder; created if missing. Files listed in an earlier ``MANIFEST.json``
        there are removed first, so the folder holds only this run's outputs (other files
        are left alone).
    corpus : str or path, optional
        Corpus passed as the ``corpus_path`` parameter to every notebook that has one; its
        sha256 manifest (``<corpus>.manifest.json``), if present, is hashed into
        MANIFEST.json. Notebooks without ``corpus_path`` are recorded with the data they
        do analyse (the demo corpus or their pinned dataset), and the table says so.
    parameters : mapping, optional
        Further papermill parameters, e.g. ``{"language": "en", "event_date":
        "2023-09-13"}``, passed to every notebook whose parameters cell has the name; a
        notebook without it reports it as not taken.
    notebooks_dir : str or path, optional
        Folder with the ``NN_*.ipynb`` notebooks; default: the ``notebooks/`` folder of
        the source checkout this package runs from (:func:`default_notebooks_dir`).
    update_notebooks : bool
        Also write each successfully executed notebook back in place, without the
        injected parameters cell or timing metadata (maintainers refresh the stored
        outputs that ``pytest --nbval`` checks this way).
    check : bool
        Compare the run with the reference manifest (:func:`compare_manifests`); the
        result's ``exit_status`` is 1 if any file differs.
    update_reference : bool
        Write this run's manifest as the reference (maintainers), only if every notebook
        ran.
    reference : str or path, optional
        The reference manifest; default ``<notebooks_dir>/figures/MANIFEST.json``.
    timeout : int
        Seconds each cell may run.

    Returns
    -------
    ReproduceResult
        Its ``exit_status`` is 0 when everything ran (and matched), 3 when some notebook
        needs data not available offline, 1 when some notebook failed or a file differs.

    Raises
    ------
    ReproduceError
        Before running anything: the notebooks folder is missing or holds no notebook, a
        parameter is reserved, taken by no notebook or of the wrong type, ``check`` finds
        no readable reference, ``check`` and ``update_reference`` are both set, or ``out``
        holds the reference manifest.

    Examples
    --------
    >>> result = reproduce("figures", parameters={"language": "en"})  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    """
    if check and update_reference:
        raise ReproduceError("check and update_reference exclude each other: check first")
    folder = default_notebooks_dir() if notebooks_dir is None else Path(notebooks_dir)
    notebooks = _find_notebooks(folder)
    given = dict(parameters or {})
    specs = {path: _read_spec(path) for path in notebooks}
    _validate_parameters(given, specs)
    reference_path = Path(reference) if reference is not None else folder / REFERENCE
    out_dir = Path(out).resolve()
    if reference_path.resolve() == out_dir / MANIFEST_NAME:
        raise ReproduceError(
            f"the run would overwrite the reference {reference_path}: choose another --out"
        )
    expected = _read_manifest(reference_path) if check else None
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    _remove_previous_outputs(out_dir)
    package = package_provenance()
    runs = [
        _run_one(
            path, specs[path], out_dir, _Inputs(corpus, given, package), update_notebooks, timeout
        )
        for path in notebooks
    ]
    manifest = out_dir / MANIFEST_NAME
    payload = _manifest(out_dir, runs, corpus, given, package)
    _write_json(manifest, payload)
    result = ReproduceResult(out=out_dir, manifest=manifest, runs=tuple(runs))
    if expected is not None:
        comparison = compare_manifests(expected, payload)
        return replace(result, comparison=comparison, reference=reference_path)
    if update_reference and result.exit_status == 0:
        _write_json(reference_path, payload)
        return replace(result, reference=reference_path, reference_written=True)
    return result


@dataclass(frozen=True)
class _Spec:
    """What a notebook declares: its corpus_tools metadata and its parameters' defaults."""

    metadata: dict[str, Any]
    defaults: dict[str, Any]

    @property
    def takes_corpus(self) -> bool:
        return "corpus_path" in self.defaults


@dataclass(frozen=True)
class _Inputs:
    """What every notebook of a run is given."""

    corpus: str | os.PathLike[str] | None
    parameters: dict[str, Any]
    package: dict[str, Any]


class _Source(str):
    """A parameter default that is an expression, not a literal (its source text)."""


def _read_spec(path: Path) -> _Spec:
    try:
        nb = nbformat.read(path, as_version=4)
        defaults = notebook_parameters(nb)
    except (ValueError, SyntaxError, OSError) as exc:
        raise ReproduceError(
            f"{path}: cannot read the notebook or its parameters ({exc})"
        ) from None
    return _Spec(dict(nb.metadata.get("corpus_tools", {})), defaults)


def _validate_parameters(given: Mapping[str, Any], specs: Mapping[Path, _Spec]) -> None:
    """Refuse, before anything runs, parameters that no notebook could use as given."""
    for name in given:
        if name in RESERVED_PARAMETERS:
            raise ReproduceError(
                f"parameter {name} is set by reproduce itself: use {RESERVED_PARAMETERS[name]}"
            )
        takers = {
            path.name: spec.defaults[name] for path, spec in specs.items() if name in spec.defaults
        }
        if not takers:
            taken = sorted(
                {p for spec in specs.values() for p in spec.defaults} - set(RESERVED_PARAMETERS)
            )
            raise ReproduceError(
                f"parameter {name!r} is taken by no notebook; "
                f"the notebooks take: {', '.join(taken) or 'nothing but --out and --corpus'}"
            )
        for notebook, default in takers.items():
            if not _same_kind(default, given[name]):
                raise ReproduceError(_type_message(name, given[name], notebook, default))


def _same_kind(default: Any, value: Any) -> bool:
    if default is None or isinstance(default, _Source):
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    for kind in (int, str, dict):
        if isinstance(default, kind):
            return isinstance(value, kind)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return True


def _type_message(name: str, value: Any, notebook: str, default: Any) -> str:
    message = (
        f"parameter {name}={value!r} ({type(value).__name__}): {notebook} expects "
        f"{type(default).__name__} like its default {default!r}"
    )
    if isinstance(default, str):  # the CLI read the value as JSON; a text must be quoted
        message += f"; to pass it as text, quote it: --param {name}='\"{value}\"'"
    return message


def _find_notebooks(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ReproduceError(f"notebooks folder not found: {folder}; pass --notebooks DIR")
    found = sorted(folder.glob(NOTEBOOK_PATTERN))
    if not found:
        raise ReproduceError(f"no notebooks named {NOTEBOOK_PATTERN} in {folder}")
    return found


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ReproduceError(
            f"no reference manifest at {path}; a maintainer writes it with "
            "`corpus-tools reproduce --update-reference`"
        )
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReproduceError(f"{path}: not a corpus_tools figure manifest ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("figures"), list):
        raise ReproduceError(f"{path}: not a corpus_tools figure manifest (no figures list)")
    return payload


def _manifest_files(payload: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every file a manifest lists (figures, tables, others), by file name."""
    lists = [payload.get(kind, []) for kind in (*sorted(set(KINDS.values())), OTHER_KIND)]
    return {entry["file"]: entry for entries in lists for entry in entries}


def _remove_previous_outputs(out_dir: Path) -> None:
    """Delete the files an earlier run recorded, so stale outputs cannot linger."""
    old = out_dir / MANIFEST_NAME
    if not old.exists():
        return
    try:
        entries = _manifest_files(json.loads(old.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReproduceError(f"{old}: not a corpus_tools figure manifest ({exc})") from exc
    for name in entries:
        target = (out_dir / name).resolve()
        if target.is_relative_to(out_dir):  # never follow a manifest outside the folder
            target.unlink(missing_ok=True)


def _run_one(
    path: Path, spec: _Spec, out_dir: Path, inputs: _Inputs, update: bool, timeout: int
) -> NotebookRun:
    version = spec.metadata.get("analysis_version")
    requires = tuple(spec.metadata.get("requires", []))
    taken = {name: value for name, value in inputs.parameters.items() if name in spec.defaults}
    injected: dict[str, Any] = {"figures_dir": str(out_dir), **taken}
    if spec.takes_corpus and inputs.corpus is not None:
        injected["corpus_path"] = str(Path(inputs.corpus).resolve())
    data, data_hash = _data_identity(requires, spec.takes_corpus, inputs.corpus)
    used = {k: v for k, v in {**spec.defaults, **taken}.items() if k not in RESERVED_PARAMETERS}
    record = {
        **inputs.package,
        "notebook": path.name,
        "analysis_version": version,
        "parameters": _jsonable(used),
        "corpus": data,
        "corpus_manifest_sha256": data_hash,
    }
    unknown = tuple(sorted(set(inputs.parameters) - set(spec.defaults)))
    common = {
        "analysis_version": version,
        "requires": requires,
        "provenance": record,
        "unknown_parameters": unknown,
    }
    with _staging_folder(out_dir) as tmp:
        staging, executed, log = tmp / "figures", tmp / path.name, tmp / "models.jsonl"
        staging.mkdir()
        env = {PROVENANCE_ENV: json.dumps(record, sort_keys=True), MODEL_LOG_ENV: str(log)}
        parameters = {**injected, "figures_dir": str(staging)}
        error = _execute(path, executed, parameters, env, timeout)
        common["modelled"] = tuple(read_model_log(log))
        if executed.exists():  # papermill saves a failed notebook too, with error markers
            nb = nbformat.read(executed, as_version=4)
            common["fingerprints"] = _printed_fingerprints(nb)
            # The copy should show where the figures went, not the deleted staging folder.
            _set_injected_parameters(nb, injected)
            _write_notebook(clean_notebook(nb), out_dir / "notebooks" / path.name)
        if error is not None:
            return _failure(path.name, error, common)
        if update:
            _write_notebook(clean_notebook(nb, in_place=True), path)
        files = _move_files(staging, out_dir)
    notes = [f"does not take {', '.join(unknown)}"] if unknown else []
    if inputs.corpus is not None and not spec.takes_corpus:
        notes.append(f"takes no corpus_path: analyses {data}")
    return NotebookRun(path.name, "ok", tuple(files), "; ".join(notes), **common)


def _jsonable(value: Any) -> Any:
    """``value`` as JSON would give it back (tuples become lists), for stable records."""
    return json.loads(json.dumps(value, default=repr))


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


def _execute(
    path: Path, executed: Path, parameters: dict[str, Any], env: dict[str, str], timeout: int
) -> str | None:
    """Run one notebook; return ``"ErrorName: message"`` if it failed, else None."""
    manager = type("_NotebookKernelManager", (_CurrentEnvKernelManager,), {"kernel_env": env})
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
            kernel_manager_class=manager,
        )
    except PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel death, cell timeout, unreadable notebook: report, go on
        return f"{type(exc).__name__}: {exc}"
    return None


def _failure(name: str, summary: str, common: dict[str, Any]) -> NotebookRun:
    if DATA_ENV not in summary:
        return NotebookRun(name, "failed", (), summary, **common)
    datasets = list(common["requires"]) or ["<dataset>"]
    fetch = " && ".join(f"corpus-tools fetch {d}" for d in datasets)
    fix = (
        f"needs {', '.join(datasets)}: run `{fetch}` (with network) or "
        f"`export {DATA_ENV}=/folder/with/the/data`, then reproduce again\n{summary}"
    )
    return NotebookRun(name, "not reproducible offline", (), fix, **common)


def _move_files(staging: Path, out_dir: Path) -> list[str]:
    moved = []
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = source.relative_to(staging)
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        moved.append(relative.as_posix())
    return moved


def _printed_fingerprints(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Figure name to the fingerprint ``show_figure`` printed (the last one, if repeated)."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                for match in _FINGERPRINT.finditer(output.get("text", "")):
                    found[match["name"]] = match["fingerprint"]
    return found


def _set_injected_parameters(nb: nbformat.NotebookNode, parameters: dict[str, Any]) -> None:
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


def _data_identity(
    requires: Sequence[str], takes_corpus: bool, corpus: str | os.PathLike[str] | None
) -> tuple[str, str]:
    """What a notebook's outputs were drawn from, and the sha256 that pins it.

    A notebook that ``requires`` pinned datasets analyses those (their registry sha256);
    one with a ``corpus_path`` parameter analyses ``corpus`` (the sha256 of its manifest,
    see :func:`corpus_tools.io.save_corpus`) when one is given; every other notebook
    analyses the packaged SYNTHETIC demo corpus (the sha256 of its archive).
    """
    if requires:
        pins = [f"{name}:{REGISTRY[name].sha256}" for name in requires]
        return ", ".join(requires), ";".join(pins)
    if corpus is None or not takes_corpus:
        return DEMO, demo_sha256()
    if not manifest_path(corpus).is_file():
        return str(corpus), "unknown (no manifest)"
    return str(corpus), corpus_manifest_hash(corpus)


def _entry(out_dir: Path, name: str, run: NotebookRun) -> tuple[str, dict[str, Any]]:
    path = out_dir / name
    kind = KINDS.get(path.suffix.lower(), OTHER_KIND)
    entry = {
        "file": name,
        "sha256": file_sha256(path),
        "content_sha256": content_sha256(path),
        **run.provenance,
    }
    if kind == "figures":
        entry["fingerprint"] = run.fingerprints.get(Path(name).stem, _embedded_fingerprint(path))
    return kind, entry


def _embedded_fingerprint(path: Path) -> str | None:
    """The fingerprint save_figure embedded, for a figure whose notebook did not print it."""
    try:
        return read_figure_provenance(path).get("fingerprint")
    except ProvenanceError:
        return None


def _manifest(
    out_dir: Path,
    runs: Sequence[NotebookRun],
    corpus: str | os.PathLike[str] | None,
    given: Mapping[str, Any],
    package: Mapping[str, Any],
) -> dict[str, Any]:
    files: dict[str, list[dict[str, Any]]] = {kind: [] for kind in (*KINDS.values(), OTHER_KIND)}
    for run in runs:
        for name in run.files:
            kind, entry = _entry(out_dir, name, run)
            files[kind].append(entry)
    notebooks = [
        {
            "notebook": run.notebook,
            "status": run.status,
            "message": run.message,
            **{key: run.provenance.get(key) for key in NOTEBOOK_PROVENANCE},
            "unknown_parameters": list(run.unknown_parameters),
            "modelled": list(run.modelled),
        }
        for run in runs
    ]
    return {
        "manifest_version": MANIFEST_VERSION,
        **package,
        "environment": environment_versions(),
        "corpus": DEMO if corpus is None else str(corpus),
        "parameters": _jsonable(dict(given)),
        **{kind: sorted(entries, key=lambda e: e["file"]) for kind, entries in files.items()},
        "notebooks": notebooks,
    }


def compare_manifests(
    reference: Mapping[str, Any], current: Mapping[str, Any]
) -> ManifestComparison:
    """Compare a run's manifest with a reference: which files differ, and how.

    Figures are compared by their printed fingerprint (``data=`` what is plotted,
    ``pixels=`` how it renders) and, PNG and SVG, their content sha256, which leaves out
    the embedded provenance, so a new commit alone changes nothing; tables and other files
    by content.
    A reference file the run did not write is a difference, except when its notebook's
    data is not available offline (then it is *unverified*); a file the reference lacks
    is a difference. Changed commit, lock, versions, parameters or data are listed as
    provenance, not as differences.

    Parameters
    ----------
    reference, current : mapping
        Manifests as :func:`reproduce` writes them.

    Returns
    -------
    ManifestComparison

    Examples
    --------
    >>> ref = {"figures": [{"file": "04_a.png", "notebook": "04_a.ipynb",
    ...                     "content_sha256": "c1", "fingerprint": "fig sha256 data=1 pixels=2"}]}
    >>> now = {"figures": [{**ref["figures"][0], "content_sha256": "c9",
    ...                     "fingerprint": "fig sha256 data=1 pixels=7"}]}
    >>> compare_manifests(ref, ref).ok
    True
    >>> compare_manifests(ref, now).differences
    (('04_a.png', 'rendering differs (pixels=2 -> 7); content sha256 c1 -> c9'),)
    """
    expected, actual = _manifest_files(reference), _manifest_files(current)
    runs = {nb["notebook"]: nb for nb in current.get("notebooks", [])}
    differences, unverified = [], []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            offline, why = _why_missing(expected[name].get("notebook"), runs)
            (unverified if offline else differences).append((name, why))
        elif name not in expected:
            differences.append((name, "new: not in the reference manifest"))
        elif what := _what_differs(expected[name], actual[name]):
            differences.append((name, what))
    notes = _provenance_notes(reference, current)
    return ManifestComparison(tuple(differences), tuple(unverified), notes, len(expected))


def _why_missing(notebook: str | None, runs: Mapping[str, Mapping[str, Any]]) -> tuple[bool, str]:
    run = runs.get(notebook or "")
    if run is None:
        return False, f"missing: {notebook} was not run"
    if run["status"] == "not reproducible offline":
        return True, f"{notebook} needs data that is not available offline"
    if run["status"] == "failed":
        return False, f"missing: {notebook} failed ({run['message'].splitlines()[0]})"
    return False, f"missing: {notebook} ran but no longer writes it"


def _what_differs(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> str:
    parts = []
    old, new = expected.get("fingerprint"), actual.get("fingerprint")
    if old != new:
        before, after = _fingerprint_parts(old), _fingerprint_parts(new)
        if before and after:
            if before["data"] != after["data"]:
                parts.append(f"plotted data differ (data={before['data']} -> {after['data']})")
            if before["pixels"] != after["pixels"]:
                parts.append(f"rendering differs (pixels={before['pixels']} -> {after['pixels']})")
        else:
            parts.append(f"fingerprint {old} -> {new}")
    old, new = (e.get("content_sha256") or e.get("sha256") for e in (expected, actual))
    # A PDF's bytes include its provenance record (with byte offsets that follow it): a
    # PDF figure is compared by its fingerprint alone.
    if old != new and not str(expected["file"]).lower().endswith(".pdf"):
        parts.append(f"content sha256 {str(old)[:12]} -> {str(new)[:12]}")
    return "; ".join(parts)


def _fingerprint_parts(line: str | None) -> dict[str, str]:
    if not line:
        return {}
    parts = dict(item.split("=", 1) for item in line.split() if "=" in item)
    return parts if {"data", "pixels"} <= parts.keys() else {}


def _provenance_notes(reference: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[str, ...]:
    notes = [
        f"{key}: {_changes(reference.get(key), current.get(key))}"
        for key in RUN_PROVENANCE
        if reference.get(key) != current.get(key)
    ]
    before = {nb["notebook"]: nb for nb in reference.get("notebooks", [])}
    for run in current.get("notebooks", []):
        old = before.get(run["notebook"])
        if old is None:
            continue
        notes += [
            f"{run['notebook']}: {key} {_changes(old.get(key), run.get(key))}"
            for key in NOTEBOOK_PROVENANCE
            if old.get(key) != run.get(key)
        ]
    return tuple(notes)


def _changes(old: Any, new: Any) -> str:
    """``old -> new``; for two mappings only the keys that changed."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        return ", ".join(f"{k} {_changes(old.get(k), new.get(k))}" for k in keys)
    return f"{_short(old)} -> {_short(new)}"


def _short(value: Any) -> str:
    """Long hex digests shortened to 12 characters; everything else as JSON."""
    if isinstance(value, str) and len(value) > 16 and re.fullmatch(r"[0-9a-f]+", value):
        return value[:12]
    return json.dumps(value, ensure_ascii=False)


def _write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write atomically: a reader never sees half a manifest."""
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")  # same folder: replace is atomic
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
