"""The macOS and Windows locks pin the same versions as the Linux lock (README's promise)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements"
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.MULTILINE)
NUMERIC = ("numpy", "scipy", "scikit-learn", "pandas", "matplotlib", "gensim", "threadpoolctl")


def pins(name: str) -> dict[str, str]:
    return dict(PIN.findall((REQUIREMENTS / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("lock", ["lock-macos-arm64.txt", "lock-windows-x86_64.txt"])
def test_platform_lock_has_the_linux_versions(lock: str) -> None:
    linux, other = pins("lock.txt"), pins(lock)
    assert len(linux) > 100 and len(other) > 100  # the parser found the pins
    shared = linux.keys() & other.keys()
    assert {name: other[name] for name in shared} == {name: linux[name] for name in shared}
    # Only platform helpers differ (pexpect on POSIX, appnope on macOS, pywinpty on Windows).
    assert len(linux.keys() ^ other.keys()) <= 3, sorted(linux.keys() ^ other.keys())
    for name in NUMERIC:
        assert name in shared
