"""Model files from elsewhere: only the expected arrays, checked shapes, finite values."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from corpus_tools import topics
from corpus_tools.topics import NMF, ModelFileError

X = np.array([[3, 0, 1, 0], [0, 4, 1, 0], [2, 0, 0, 5], [0, 1, 0, 4]])


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    model = NMF(2, random_state=0).fit(X, feature_names=["a", "b", "c", "d"])
    return topics.save(model, tmp_path / "model")


def _rewrite(folder: Path, arrays: dict[str, bytes]) -> None:
    """Replace the .npz members (raw .npy bytes) and fix the checksum, as an attacker would."""
    with zipfile.ZipFile(folder / "arrays.npz", "w") as npz:
        for name, data in arrays.items():
            npz.writestr(name, data)
    meta = json.loads((folder / "model.json").read_text())
    meta["arrays_sha256"] = hashlib.sha256((folder / "arrays.npz").read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))


def _members(folder: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(folder / "arrays.npz") as npz:
        return {name: npz.read(name) for name in npz.namelist()}


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_nan_arrays_are_refused(saved: Path) -> None:
    members = _members(saved)
    components = np.load(io.BytesIO(members["components_.npy"]))
    components[0, 0] = np.nan
    _rewrite(saved, {**members, "components_.npy": _npy(components)})
    with pytest.raises(ModelFileError, match="'components_' holds NaN or infinite values"):
        topics.load(saved)


def test_header_claiming_huge_shape_is_refused_before_allocating(saved: Path) -> None:
    members = _members(saved)
    # A valid .npy header for a (2, 10**11) float64 array (745 GiB) over a few bytes.
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 100000000000), }"
    header = header.ljust(118) + "\n"
    fake = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(64)
    meta = json.loads((saved / "model.json").read_text())
    meta["feature_names"] = [f"t{i}" for i in range(4)]
    (saved / "model.json").write_text(json.dumps(meta))
    _rewrite(saved, {**members, "components_.npy": fake})
    with pytest.raises(ModelFileError, match=r"'components_' has shape \(2, 100000000000\)"):
        topics.load(saved)
    # Even where the shape is not pinned (documents), the member must hold the bytes.
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 2), }"
    header = header.ljust(118) + "\n"
    fake = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(64)
    meta["doc_ids"] = None
    (saved / "model.json").write_text(json.dumps(meta))
    _rewrite(saved, {**members, "doc_topic_.npy": fake})
    with pytest.raises(ModelFileError, match=r"'doc_topic_' claims 1600000000000 bytes"):
        topics.load(saved)


def test_only_expected_members_are_read(saved: Path) -> None:
    members = _members(saved)
    extra = {**members, "payload.npy": b"\x93NUMPY garbage that is never parsed"}
    _rewrite(saved, extra)
    model = topics.load(saved)
    assert model.components_.shape == (2, 4)
    missing = {k: v for k, v in members.items() if k != "term_frequency_.npy"}
    _rewrite(saved, missing)
    with pytest.raises(ModelFileError, match="'term_frequency_' is missing"):
        topics.load(saved)


def test_object_dtype_header_is_refused(saved: Path) -> None:
    members = _members(saved)
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (2, 4), }".ljust(118) + "\n"
    fake = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"x" * 64
    _rewrite(saved, {**members, "components_.npy": fake})
    with pytest.raises(ModelFileError, match="'components_' is not numeric"):
        topics.load(saved)
