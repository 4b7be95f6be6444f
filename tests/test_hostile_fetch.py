"""Downloads from a hostile server: byte cap, overall deadline, no leftovers, clear cache."""

from __future__ import annotations

import http.server
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_datasets_fetch import _Server

from corpus_tools.datasets import REGISTRY, DownloadError, fetch_file

KCNA = REGISTRY["kcna"]


class _Drip:
    """Claims a large body, then sends one byte every 0.2 s, forever."""

    def __init__(self) -> None:
        stop = self.stop_event = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(KCNA.size))
                self.end_headers()
                while not stop.is_set():
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.2)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/kcna.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def drip() -> Iterator[_Drip]:
    server = _Drip()
    yield server
    server.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_pinned_size_caps_the_download(kcna_json: Path, tmp_path: Path) -> None:
    assert KCNA.size == kcna_json.stat().st_size
    server = _Server({"/big.json": kcna_json.read_bytes() + b" " * 3_000_000})
    try:
        with pytest.raises(DownloadError, match=f"more than the {KCNA.size} bytes pinned"):
            fetch_file("kcna", data_home=tmp_path, url=f"{server.base}/big.json")
    finally:
        server.stop()
    assert _leftovers(tmp_path) == []


def test_overall_deadline_stops_a_drip_server(drip: _Drip, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(DownloadError, match="did not finish in time"):
        fetch_file("kcna", data_home=tmp_path, url=drip.url, timeout=5, max_seconds=1)
    assert time.monotonic() - started < 5  # the per-read timeout alone would never fire
    assert _leftovers(tmp_path) == []


def test_stale_partial_downloads_are_removed(kcna_json: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kcna-2024"
    folder.mkdir()
    stale = folder / ".headlines_2024-11-11.json.abc123.part"
    stale.write_bytes(b"half a file from a killed run")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    server = _Server({"/kcna.json": kcna_json.read_bytes()})
    try:
        fetch_file("kcna", data_home=tmp_path, url=f"{server.base}/kcna.json")
    finally:
        server.stop()
    assert _leftovers(tmp_path) == ["headlines_2024-11-11.json"]


def test_error_says_the_cached_copy_failed_its_check(kcna_json: Path, tmp_path: Path) -> None:
    cached = tmp_path / KCNA.path
    cached.parent.mkdir(parents=True)
    cached.write_bytes(kcna_json.read_bytes()[:-10])  # damaged copy in the cache
    bad = bytearray(kcna_json.read_bytes())
    bad[1000] ^= 0xFF
    server = _Server({"/corrupt.json": bytes(bad)})
    try:
        with pytest.raises(DownloadError, match=r"cached copy .* failed its sha256 check"):
            fetch_file("kcna", data_home=tmp_path, url=f"{server.base}/corrupt.json")
    finally:
        server.stop()
