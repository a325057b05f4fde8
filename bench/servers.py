"""Start and stop the two servers under test, each in its own process group, on loopback.

- issgraph: `issgraph serve` (granian behind its RSGI front, exactly what `make serve` runs; it validates first).
- Oxigraph: `oxigraph serve-read-only` on a store loaded with `oxigraph load` from issgraph's own
  dumps so that it holds the same dataset: the default graph is data ∪ ontology ∪ inferred, and
  the four named graphs <…/graph/data>, <…/graph/ontology>, <…/graph/shapes>, <…/graph/inferred>.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from common import LOOPBACK, OUT, log, tool

ASK = "ASK { ?s ?p ?o }"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str                      # "issgraph" or "oxigraph"
    port: int
    argv: list[str]
    query_path: str                # "/sparql" or "/query"
    log_path: Path
    proc: subprocess.Popen | None = None
    cleanup: list = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base_url + self.query_path

    def start(self, timeout: float = 120.0, poll: float = 0.2) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "ab")
        log(f"starting {self.name} on {self.base_url}: {' '.join(self.argv)}")
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, cwd=str(Path(__file__).resolve().parent.parent))
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: {self.name} exited with status {self.proc.returncode} while starting; "
                                 f"see {self.log_path}:\n{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                r = requests.get(self.query_url, params={"query": ASK},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=2)
                if r.status_code == 200:
                    log(f"{self.name} is ready (pid {self.proc.pid})")
                    return
            except requests.RequestException:
                pass
            time.sleep(poll)
        raise SystemExit(f"bench: {self.name} did not answer within {timeout:.0f} s; see {self.log_path}")

    def pids(self) -> list[int]:
        """The server's processes: the leader and everything in its process group."""
        if self.proc is None:
            return []
        pgid = self.proc.pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == pgid:
                        found.append(int(entry.name))
                except (ProcessLookupError, PermissionError):
                    pass
        return sorted(found)

    def children(self) -> list[int]:
        """The leader's direct children (gunicorn's workers, for issgraph)."""
        if self.proc is None:
            return []
        kids = []
        for pid in self.pids():
            try:
                ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.proc.pid:
                kids.append(pid)
        return kids

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's live processes (and their waited-for children)."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += sum(int(f) for f in fields[11:15])      # utime stime cutime cstime
            except (OSError, IndexError, ValueError):
                pass
        return ticks / CLOCK_TICKS

    def memory_mb(self) -> dict[str, float]:
        """Memory of all the server's processes: RSS summed, and PSS (shared pages split between the
        processes that share them, so forked workers are not counted several times)."""
        rss = pss = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            except OSError:
                pass
        return {"rss": rss / 1024, "pss": pss / 1024, "processes": len(self.pids())}

    def processes(self) -> list[dict]:
        """Each process of the server: pid, role (its place in the tree), PSS and RSS in MB."""
        out = []
        for pid in self.pids():
            try:
                ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
                mem = {line.split(":")[0]: int(line.split()[1]) / 1024
                       for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]}
            except (OSError, IndexError, ValueError):
                continue
            role = ("main" if pid == self.proc.pid else "web worker" if ppid == self.proc.pid else "evaluator")
            if self.name == "oxigraph":
                role = "server"
            out.append({"pid": pid, "role": role, "pss": mem.get("Pss", 0.0), "rss": mem.get("Rss", 0.0)})
        return out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            log(f"stopping {self.name} (pid {self.proc.pid})")
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        # Anything left in the group (e.g. a gunicorn worker's evaluator) goes too.
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for fn in self.cleanup:
            fn()
        self.cleanup.clear()


def issgraph_server(port: int, workers: int | None, engine: str | None = None, extra: list[str] = ()) -> Server:
    argv = [tool("issgraph"), "serve", "--host", LOOPBACK, "--port", str(port), *extra]
    if workers:
        argv += ["--workers", str(workers)]
    if engine:
        argv += ["--engine", engine]
    return Server("issgraph", port, argv, "/sparql", OUT / "logs" / "issgraph.log")


def _oxigraph_load(location: Path, logfile: Path) -> None:
    """Oxigraph's store from issgraph's own dumps, so both servers hold the same dataset: the
    N-Triples dump is the default graph (data ∪ ontology ∪ inferred), the N-Quads dump the four
    named graphs (data, ontology, shapes, inferred)."""
    ox, isg = tool("oxigraph"), tool("issgraph")
    default, named = location.parent / "default.nt", location.parent / "named.nq"
    steps = [[isg, "dump", "--format", "ntriples", "-o", str(default)],
             [isg, "dump", "--format", "nquads", "-o", str(named)],
             [ox, "load", "--location", str(location), "--file", str(default)],
             [ox, "load", "--location", str(location), "--file", str(named)],
             [ox, "optimize", "--location", str(location)]]
    with open(logfile, "ab") as out:
        for argv in steps:
            done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, timeout=300)
            if done.returncode != 0:
                raise SystemExit(f"bench: {' '.join(argv)} failed (status {done.returncode}); see {logfile}")


def oxigraph_server(port: int, timeout_s: int | None = None) -> Server:
    """Oxigraph's server. No --timeout-s by default: with it, oxigraph 0.5.13 starts a timer thread
    per query that lives as long as the timeout, and at a few thousand queries per second it runs out
    of threads ("Resource temporarily unavailable", then a panic) — seen while writing this bench."""
    logfile = OUT / "logs" / "oxigraph.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.write_bytes(b"")
    location = Path(tempfile.mkdtemp(prefix="issgraph-bench-oxigraph-"))
    try:
        _oxigraph_load(location / "db", logfile)
    except BaseException:
        shutil.rmtree(location, ignore_errors=True)
        raise
    argv = [tool("oxigraph"), "serve-read-only", "--location", str(location / "db"),
            "--bind", f"{LOOPBACK}:{port}"] + (["--timeout-s", str(timeout_s)] if timeout_s else [])
    server = Server("oxigraph", port, argv, "/query", logfile)
    server.cleanup.append(lambda: shutil.rmtree(location, ignore_errors=True))
    return server
