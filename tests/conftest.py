"""Shared fixtures: the real dataset, the Flask app over it, and a real server (`issgraph serve`)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from issgraph.config import Config
from issgraph.dataset import load

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def config() -> Config:
    """The test configuration; ISSGRAPH_TEST_ENGINE=rdflib runs the same suite on the other engine."""
    return Config(query_timeout=3.0, engine=os.environ.get("ISSGRAPH_TEST_ENGINE", "oxigraph"))


@pytest.fixture(scope="session")
def dataset(config):
    return load(config)


@pytest.fixture(scope="session")
def app(config, dataset):
    from issgraph.app import create_app

    app = create_app(config, dataset)
    app.testing = True
    yield app
    app.extensions["issgraph"].executor.close()


@pytest.fixture()
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _limit_open_files(limits: tuple[int, int]):
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limits)


def process_tree() -> tuple[dict[int, list[int]], dict[int, int]]:
    """This machine's processes as /proc lists them: children by parent id, resident bytes by id."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:             # it ended meanwhile
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * page
    return children, rss


class Server:
    """`issgraph serve` (granian by default) in a subprocess on a free loopback port."""

    def __init__(self, *args: str, env: dict | None = None, probe: dict | None = None,
                 open_files: tuple[int, int] | None = None):
        """`probe`: the query parameters of the GET /sparql that tells the server is up (default:
        none, i.e. the service description). `open_files`: the (soft, hard) open-file limit it
        starts with (default: this process's)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "issgraph.cli", "serve", "--port", str(self.port), *args]
        import tempfile

        self.log = tempfile.NamedTemporaryFile("w+", prefix="issgraph-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                                     stdout=self.log, stderr=self.log, text=True,
                                     preexec_fn=None if open_files is None else _limit_open_files(open_files))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                requests.get(self.url + "/sparql", params=probe, headers={"Accept": "text/turtle"}, timeout=1)
                return
            except (requests.ConnectionError, requests.Timeout):   # not listening yet, or a worker still starting
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start within 60 s")

    def log_text(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        os.unlink(self.log.name)


@pytest.fixture(scope="session")
def server():
    srv = Server("--workers", "2", "--timeout", "3", "--engine", os.environ.get("ISSGRAPH_TEST_ENGINE", "oxigraph"))
    yield srv
    srv.stop()


class Listener:
    """A TCP server on 127.0.0.1 that accepts and at once closes connections, counting them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> int:
        """Stop serving; return all connections made, including any still in the backlog."""
        if self._stop.is_set():
            return self.accepted
        self._stop.set()
        self._thread.join()
        self.sock.setblocking(False)
        while True:
            try:
                self.sock.accept()[0].close()
            except BlockingIOError:
                break
            self.accepted += 1
        self.sock.close()
        return self.accepted
