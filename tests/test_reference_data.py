"""Tests that need reference data fail under CI when it is missing, and name it.

A small selection of such tests runs in a subprocess with no reference data in reach
(``CORPUS_TOOLS_DATA`` and ``CORPUS_TOOLS_SHARED`` pointing at an empty folder).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SELECTION = [
    "test_io.py::test_kcna_one_call",  # a pinned dataset (the KCNA archive)
    "test_demo.py::test_header_pattern_describes_the_real_sample",  # a file of ../shared
]


def _run_without_data(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(CORPUS_TOOLS_DATA=str(empty), CORPUS_TOOLS_SHARED=str(empty))
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider"]
        + [str(TESTS / test) for test in SELECTION],
        capture_output=True,
        text=True,
        env=env,
        cwd=TESTS.parent,
        timeout=300,
    )


@pytest.mark.slow
def test_missing_reference_data_fails_under_ci(tmp_path: Path) -> None:
    run = _run_without_data(tmp_path, ci=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 errors" in run.stdout, run.stdout
    assert "reference data not available: dataset 'kcna'" in run.stdout
    assert "reference data not available: sample article corpus-samples/" in run.stdout


@pytest.mark.slow
def test_missing_reference_data_skips_with_the_reason_elsewhere(tmp_path: Path) -> None:
    run = _run_without_data(tmp_path, ci=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 skipped" in run.stdout, run.stdout
    assert "reference data not available: dataset 'kcna'" in run.stdout
