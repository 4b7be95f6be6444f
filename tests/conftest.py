"""Shared fixtures: the read-only reference data under ../shared (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Fixture notebooks are inputs of tests, not notebooks for nbval to validate directly.
collect_ignore_glob = ["data/*"]

SHARED = Path(os.environ.get("CORPUS_TOOLS_SHARED", REPO.parent / "shared"))


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not available: {path}")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``../shared`` folder."""
    return _need(SHARED)


@pytest.fixture(scope="session")
def sample_article() -> Path:
    """The one real scraped Polish article that defines the on-disk format."""
    return _need(SHARED / "corpus-samples" / "000_1490167b6b7387be.txt")


@pytest.fixture(scope="session")
def kcna_json() -> Path:
    """The pinned KCNA 2024 archive (JSON list)."""
    return _need(SHARED / "corpora" / "kcna-2024" / "headlines_2024-11-11.json")


@pytest.fixture(scope="session")
def newsarticles_zip() -> Path:
    """3,824 English news articles (zip with one CSV)."""
    return _need(SHARED / "corpora" / "newsarticles" / "NewsArticles.zip")


@pytest.fixture(scope="session")
def rss_nk_csv() -> Path:
    """2,936 real RSS items about North Korea in 2023 (English and Polish)."""
    return _need(SHARED / "corpora" / "rss-nk-2023" / "rss_nk_2023.csv")
