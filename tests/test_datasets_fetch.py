"""Tests for the dataset cache and verified downloads, against a local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_tools import cli, datasets
from corpus_tools.datasets import DownloadError, data_home, fetch_file, fetch_kcna

KCNA = datasets.REGISTRY["kcna"]
KCNA_RECORDS = 2111  # from ../shared/README.md


class _Server:
    """A throwaway HTTP server on 127.0.0.1 serving fixed bytes per path."""

    def __init__(self, files: dict[str, bytes]) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def server(kcna_json: Path) -> Iterator[_Server]:
    good = kcna_json.read_bytes()
    bad = bytearray(good)
    bad[1000] ^= 0xFF  # one flipped byte
    srv = _Server({"/kcna.json": good, "/corrupt.json": bytes(bad)})
    yield srv
    srv.stop()


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/kcna.json"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_download_then_cache_without_network(server: _Server, tmp_path: Path) -> None:
    path = fetch_file("kcna", data_home=tmp_path, url=f"{server.base}/kcna.json")
    assert path == tmp_path / "kcna-2024" / "headlines_2024-11-11.json"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == KCNA.sha256
    assert _files(tmp_path) == [path]  # no temporary file left behind
    mtime = path.stat().st_mtime_ns
    server.stop()
    assert fetch_file("kcna", data_home=tmp_path, url=f"{server.base}/kcna.json") == path
    assert path.stat().st_mtime_ns == mtime


def test_corrupted_download_is_not_cached(server: _Server, tmp_path: Path) -> None:
    url = f"{server.base}/corrupt.json"
    with pytest.raises(DownloadError, match="sha256") as info:
        fetch_file("kcna", data_home=tmp_path, url=url)
    assert url in str(info.value)
    assert _files(tmp_path) == []


def test_stale_cached_file_is_replaced(server: _Server, tmp_path: Path) -> None:
    target = tmp_path / KCNA.path
    target.parent.mkdir(parents=True)
    target.write_bytes(b"truncated")
    fetch_file("kcna", data_home=tmp_path, url=f"{server.base}/kcna.json")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == KCNA.sha256


def test_unreachable_server_message(closed_url: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="corpus-tools fetch kcna") as info:
        fetch_file("kcna", data_home=tmp_path, url=closed_url, timeout=5)
    message = str(info.value)
    assert "CORPUS_TOOLS_DATA" in message
    assert "corpus-tools fetch kcna" in message
    assert closed_url in message
    assert _files(tmp_path) == []


def test_read_only_populated_cache(
    kcna_json: Path, closed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ../shared/corpora has the cache layout and is read-only: it must be usable as is.
    def no_writes(*args: object, **kwargs: object) -> None:
        raise AssertionError("a valid cache must not be written to")

    monkeypatch.setattr(tempfile, "mkstemp", no_writes)
    home = kcna_json.parents[1]
    assert fetch_file("kcna", data_home=home, url=closed_url) == kcna_json
    monkeypatch.setenv("CORPUS_TOOLS_DATA", str(home))
    assert data_home() == home
    assert fetch_file("kcna", url=closed_url) == kcna_json


def test_default_data_home_is_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("CORPUS_TOOLS_DATA", raising=False)
    assert data_home() == Path(platformdirs.user_cache_dir("corpus_tools"))


def test_bad_requests(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"unknown dataset 'nope'.*kcna"):
        fetch_file("nope", data_home=tmp_path)
    with pytest.raises(DownloadError, match="only http"):
        fetch_file("kcna", data_home=tmp_path, url="file:///etc/passwd")


def test_fetch_kcna_loads_the_corpus(server: _Server, tmp_path: Path) -> None:
    corpus = fetch_kcna(data_home=tmp_path, url=f"{server.base}/kcna.json")
    assert len(corpus) == KCNA_RECORDS
    assert set(corpus["outlet"]) == {"KCNA"}
    assert corpus["date"].min().strftime("%Y-%m-%d") == "2023-12-24"
    assert corpus["date"].max().strftime("%Y-%m-%d") == "2024-11-10"


def test_cli_fetch(server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["fetch", "kcna", "--data-home", str(tmp_path), "--url", f"{server.base}/kcna.json"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / KCNA.path) in out
    assert f"{KCNA_RECORDS} documents" in out


def test_cli_fetch_failure_is_one_line(
    closed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["fetch", "kcna", "--data-home", str(tmp_path), "--url", closed_url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("corpus-tools fetch: error:")
    assert "CORPUS_TOOLS_DATA" in err
