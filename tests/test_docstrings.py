"""Every Example in the library's docstrings runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
from unittest import mock

import pytest

import corpus_tools

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(corpus_tools.__path__, prefix="corpus_tools.")
)


def test_every_module_is_examined() -> None:
    assert {"corpus_tools.io", "corpus_tools.topics", "corpus_tools.plots"} <= set(MODULES)
    finder = doctest.DocTestFinder()
    examples = sum(
        len(test.examples)
        for name in MODULES
        for test in finder.find(importlib.import_module(name))
    )
    assert examples >= 60  # the public API documents itself with examples


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    # Examples run in this process: whatever they do to the environment is undone, so
    # later tests (and the nbval kernels started from it) see CORPUS_TOOLS_DATA unchanged.
    with mock.patch.dict(os.environ):
        result = doctest.testmod(importlib.import_module(name), verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
