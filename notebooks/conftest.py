"""nbval over the notebooks: a notebook about real data needs its pinned dataset.

Notebooks list the datasets they analyse in ``metadata.corpus_tools.requires`` (06 needs
the KCNA archive). Before validating them, each dataset is fetched (sha256-verified) from
``$CORPUS_TOOLS_DATA`` or the network. Where it cannot be had, e.g. offline without a
seeded cache, that notebook's cells are skipped with the reason, so the rest of the suite
still runs; under CI (``CI`` set) a missing dataset is an error, never a skip.

nbval's kernels inherit this process's environment: it is pinned here to the baseline
numeric kernels (:mod:`corpus_tools.numerics`), so stored outputs compare equal on any
x86_64 CPU, however pytest was started.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest

from corpus_tools.numerics import pinned_environ

os.environ.pop("NPY_DISABLE_CPU_FEATURES", None)  # NumPy refuses it beside the pin
os.environ.update(pinned_environ())


@functools.cache
def _requires(notebook: Path) -> tuple[str, ...]:
    metadata = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]
    return tuple(metadata.get("corpus_tools", {}).get("requires", []))


@functools.cache
def _unavailable(dataset: str) -> str | None:
    from corpus_tools.datasets import fetch_file
    from corpus_tools.errors import CorpusToolsError

    try:
        fetch_file(dataset)
    except CorpusToolsError as exc:
        if os.environ.get("CI"):
            raise
        return str(exc)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix != ".ipynb":
            continue
        for dataset in _requires(path):
            reason = _unavailable(dataset)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"{dataset} not available: {reason}"))
