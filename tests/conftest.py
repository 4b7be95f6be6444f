"""Shared fixtures: the read-only reference data under ../shared (never copied here).

A test that needs reference data asks for one of these fixtures. Where the data is
missing the test is skipped with the reason on a developer's machine, but under CI
(``CI`` set) it fails and names the missing data: a CI run without the data must not
go green by skipping the tests that check real text.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, never speed (speed lives in benchmarks/): no per-example
# deadline, which a loaded machine or a mutation-testing tracer would turn into failures.
settings.register_profile("corpus_tools", deadline=None)
settings.load_profile("corpus_tools")

REPO = Path(__file__).resolve().parents[1]
# Fixture notebooks are inputs of tests, not notebooks for nbval to validate directly.
collect_ignore_glob = ["data/*"]

SHARED = Path(os.environ.get("CORPUS_TOOLS_SHARED", REPO.parent / "shared"))


def _need(what: str, *candidates: Path, valid: Callable[[Path], bool] = Path.exists) -> Path:
    """Return the first valid candidate path of ``what``; else skip, or fail under CI."""
    for path in candidates:
        if valid(path):
            return path
    reason = (
        f"reference data not available: {what} (looked for {', '.join(map(str, candidates))}; "
        "set CORPUS_TOOLS_SHARED to the shared folder or CORPUS_TOOLS_DATA to a data cache)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _dataset(name: str) -> Path:
    """A pinned dataset, from the data cache (``CORPUS_TOOLS_DATA``) or ../shared/corpora.

    Only a file whose sha256 matches the pin counts; nothing is downloaded here.
    """
    from corpus_tools.datasets import REGISTRY, data_home, file_sha256

    entry = REGISTRY[name]
    return _need(
        f"dataset {name!r} (sha256 {entry.sha256[:12]}...)",
        data_home() / entry.path,
        SHARED / "corpora" / entry.path,
        valid=lambda path: path.is_file() and file_sha256(path) == entry.sha256,
    )


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``../shared`` folder."""
    return _need("the shared reference folder", SHARED)


@pytest.fixture(scope="session")
def sample_article() -> Path:
    """The one real scraped Polish article that defines the on-disk format."""
    name = "corpus-samples/000_1490167b6b7387be.txt"
    return _need(f"sample article {name}", SHARED / name)


@pytest.fixture(scope="session")
def kcna_json() -> Path:
    """The pinned KCNA 2024 archive (JSON list)."""
    return _dataset("kcna")


@pytest.fixture(scope="session")
def newsarticles_zip() -> Path:
    """3,824 English news articles (zip with one CSV)."""
    return _dataset("newsarticles")


@pytest.fixture(scope="session")
def rss_nk_csv() -> Path:
    """2,936 real RSS items about North Korea in 2023 (English and Polish)."""
    return _dataset("rss-nk")
