"""Tests for corpus_tools.provenance and the provenance save_figure embeds."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import zlib
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

import corpus_tools
from corpus_tools import plots, provenance
from corpus_tools.provenance import (
    PROVENANCE_ENV,
    ProvenanceError,
    content_sha256,
    current_provenance,
    package_provenance,
    read_figure_provenance,
)

REPO = Path(__file__).resolve().parent.parent


def effects(diff: float = 0.1) -> pd.DataFrame:
    return pd.DataFrame({"topic": ["a"], "diff": [diff], "diff_lo": [0.0], "diff_hi": [0.2]})


def recompress_png(data: bytes, level: int) -> bytes:
    """The same PNG with its image data compressed again at another zlib level."""
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append((data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    out, idat_written = [data[:8]], False
    for kind, body in chunks:
        if kind == b"IDAT":
            if idat_written:
                continue
            kind, body, idat_written = b"IDAT", zlib.compress(pixels, level), True
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        out.append(len(body).to_bytes(4, "big") + kind + body + crc)
    return b"".join(out)


def test_a_new_commit_changes_the_bytes_not_the_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = {}
    for commit in ("a" * 40, "b" * 40):
        monkeypatch.setenv(PROVENANCE_ENV, json.dumps({"git_commit": commit, "notebook": "x"}))
        saved[commit] = plots.save_figure(
            plots.plot_event_window(effects()), tmp_path / commit[0] / "fig"
        )
    for a, b in zip(saved["a" * 40], saved["b" * 40], strict=True):
        assert a.read_bytes() != b.read_bytes()
        assert content_sha256(a) == content_sha256(b), a.name
        assert read_figure_provenance(b)["git_commit"] == "b" * 40
        assert read_figure_provenance(b)["figure"] == "fig"
    png_a, png_b = saved["a" * 40][1], saved["b" * 40][1]
    with Image.open(png_a) as image_a, Image.open(png_b) as image_b:
        assert image_a.tobytes() == image_b.tobytes()  # independently: same pixels


def test_content_hash_sees_a_changed_figure_and_not_the_zlib_build(tmp_path: Path) -> None:
    svg, png = plots.save_figure(plots.plot_event_window(effects()), tmp_path / "one")
    other_svg, other_png = plots.save_figure(
        plots.plot_event_window(effects(0.15)), tmp_path / "one2"
    )
    assert content_sha256(svg) != content_sha256(other_svg)
    assert content_sha256(png) != content_sha256(other_png)
    again = tmp_path / "recompressed.png"
    again.write_bytes(recompress_png(png.read_bytes(), level=1))
    assert again.read_bytes() != png.read_bytes()
    assert content_sha256(again) == content_sha256(png)
    with Image.open(again) as image:  # still a valid PNG with its text
        assert json.loads(image.text["Description"])["figure"] == "one"


def test_embedded_fingerprint_is_the_printed_one(tmp_path: Path, capsys) -> None:
    fig = plots.plot_event_window(effects())
    plots.show_figure(fig, "05_effects", tmp_path)
    printed = capsys.readouterr().out.strip().removeprefix("05_effects: ")
    for suffix in ("png", "svg"):
        assert read_figure_provenance(tmp_path / f"05_effects.{suffix}")["fingerprint"] == printed


def test_read_figure_provenance_refuses_files_without_it(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ProvenanceError, match=r"t.csv: not a PNG or SVG file"):
        read_figure_provenance(table)
    plain = tmp_path / "plain.png"
    plots.plot_event_window(effects()).savefig(plain, format="png")
    with pytest.raises(ProvenanceError, match=r"plain.png: carries no corpus_tools provenance"):
        read_figure_provenance(plain)


def test_package_provenance_in_this_checkout() -> None:
    record = package_provenance()
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    lock = REPO / "requirements" / "lock.txt"
    assert record == {
        "corpus_tools_version": corpus_tools.__version__,
        "git_commit": head,
        "git_dirty": record["git_dirty"],
        "lock": "requirements/lock.txt",
        "lock_sha256": hashlib.sha256(lock.read_bytes()).hexdigest(),
    }
    assert isinstance(record["git_dirty"], bool)


def test_installed_package_has_no_commit_and_no_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "corpus_tools" / "provenance.py"
    monkeypatch.setattr(provenance, "__file__", str(installed))
    assert package_provenance() == {
        "corpus_tools_version": corpus_tools.__version__,
        "git_commit": None,
        "git_dirty": None,
        "lock": None,
        "lock_sha256": None,
    }


def test_dirty_flag_follows_tracked_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A throwaway checkout: clean after the commit, dirty after editing a tracked file,
    and an untracked output does not count."""
    root = tmp_path / "checkout"
    (root / "corpus_tools").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    monkeypatch.setattr(provenance, "__file__", str(root / "corpus_tools" / "provenance.py"))
    (root / "figures.png").write_bytes(b"untracked output")
    record = package_provenance()
    assert len(record["git_commit"]) == 40 and record["git_dirty"] is False
    assert record["lock"] is None  # this checkout has no requirements/lock.txt
    (root / "pyproject.toml").write_text("[project]\nname = 'y'\n", encoding="utf-8")
    assert package_provenance()["git_dirty"] is True


def test_bad_provenance_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROVENANCE_ENV, "{not json")
    with pytest.raises(ProvenanceError, match=r"\$CORPUS_TOOLS_PROVENANCE is not JSON"):
        current_provenance()
    monkeypatch.setenv(PROVENANCE_ENV, "[1]")
    with pytest.raises(ProvenanceError, match=r"must hold a JSON object"):
        current_provenance()
