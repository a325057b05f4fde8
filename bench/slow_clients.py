"""Legitimate requests while slow and silent connections are open: how the HTTP server copes.

Opens N hostile connections from other loopback addresses (127.0.0.2 …), a quarter of each
kind: silent (connect, send nothing), a header line every few seconds, a body one byte at a
time, and a big answer that is never read; then sends legitimate uncached queries from
127.0.0.1 one after another and reports how many were answered, and their latency. Bounded in
time (about 20 s a server) and in connections; everything stays on loopback.

    .venv/bin/python bench/slow_clients.py [--slow 200] [--servers granian gunicorn]
    .venv/bin/python bench/slow_clients.py --wrk      # also wrk at 64 connections, with and without them
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(server: str, port: int, extra: list[str]) -> subprocess.Popen:
    argv = [str(VENV_BIN / "issgraph"), "serve", "--port", str(port), "--server", server, *extra]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{server} did not start")


KINDS = ("silent", "headers", "body", "reader")


def hostile(port: int, n: int, kinds=KINDS, query_path: str = "/sparql",
            big_path: str = "/dumps/issgraph.nq") -> list[tuple[str, socket.socket]]:
    """n open connections of the given kinds in turn, spread over 20 source addresses (`query_path`
    and `big_path`: the server's query endpoint and a big answer, Oxigraph's `/query` and `/store`)."""
    conns = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        s = socket.socket()
        s.bind((f"127.0.0.{2 + i % 20}", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            if kind == "headers":
                s.sendall(f"GET {query_path}?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n".encode())
            elif kind == "body":
                s.sendall(f"POST {query_path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                          "Content-Length: 100000\r\n\r\nASK".encode())
            elif kind == "reader":
                s.sendall(f"GET {big_path} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * 8)
        except OSError:
            s.close()
            continue
        conns.append((kind, s))
    return conns


def drip(conns) -> None:
    for kind, s in conns:
        try:
            if kind == "headers":
                s.send(b"X-a: b\r\n")
            elif kind == "body":
                s.send(b" ")
        except OSError:
            pass


def measure(server: str, slow: int, seconds: float, extra: list[str], kinds=KINDS) -> dict:
    port = free_port()
    proc = start(server, port, extra)
    conns = []
    try:
        conns = hostile(port, slow, kinds)
        opened = len(conns)
        time.sleep(1)
        latencies, failures, started, last_drip = [], 0, time.monotonic(), 0.0
        i = 0
        while time.monotonic() - started < seconds:
            if time.monotonic() - last_drip > 3:
                drip(conns)
                last_drip = time.monotonic()
            i += 1
            t = time.monotonic()
            try:
                r = requests.get(f"http://127.0.0.1:{port}/sparql", timeout=5,
                                 params={"query": f"ASK {{ ?s ?p {i} }}"},
                                 headers={"Accept": "application/sparql-results+json", "Connection": "close"})
                if r.status_code == 200:
                    latencies.append(time.monotonic() - t)
                else:
                    failures += 1
            except requests.RequestException:
                failures += 1
        alive = 0
        for _, s in conns:
            try:
                s.setblocking(False)
                alive += s.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
        latencies.sort()
        return {"server": server, "kinds": "+".join(kinds), "slow_connections": opened, "still_open_at_end": alive,
                "legit_answered": len(latencies), "legit_failed": failures,
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
                "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
                "per_second": round(len(latencies) / seconds, 1)}
    finally:
        for _, s in conns:
            s.close()
        os.killpg(proc.pid, 15)
        proc.wait(20)


def wrk_rows(server: str, slow: int, seconds: int = 5, concurrency: int = 64) -> list[dict]:
    """wrk at `concurrency` connections from 127.0.0.1: a repeated ASK (cached) and distinct ASKs,
    first alone, then with `slow` hostile connections open."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from urllib.parse import quote

    import loadgen

    port = free_port()
    proc = start(server, port, ["--workers", "2"])
    rows = []
    try:
        for n in (0, slow):
            conns = hostile(port, n) if n else []
            try:
                for name, unique, path in (("repeated ASK", False, "/sparql?query=" + quote("ASK { ?s ?p 1 }")),
                                           ("distinct ASK", True, "/sparql?query=" + quote("ASK { ?s ?p ?o }\nLIMIT "))):
                    loadgen.wrk(f"http://127.0.0.1:{port}", [("application/sparql-results+json", path)], unique,
                                concurrency, 1)
                    run = loadgen.wrk(f"http://127.0.0.1:{port}", [("application/sparql-results+json", path)], unique,
                                      concurrency, seconds)
                    rows.append({"server": server, "load": name, "slow_connections": len(conns),
                                 "rps": round(run.rps), "p50_ms": round(run.p50_ms, 2), "p99_ms": round(run.p99_ms, 2),
                                 "errors": run.error_count})
                    drip(conns)
            finally:
                for _, s in conns:
                    s.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(20)
    return rows


def bench_row(server, slow: int = 200, seconds: int = 3, concurrency: int = 16) -> dict:
    """`make bench`'s row for a running server (bench/servers.py's Server): distinct uncached ASKs by
    wrk at `concurrency` connections, alone and then with `slow` hostile connections open."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from urllib.parse import quote

    import loadgen

    big = "/dumps/issgraph.nq" if server.query_path == "/sparql" else "/store"
    lines = [("application/sparql-results+json", server.query_path + "?query=" + quote("ASK { ?s ?p ?o }\nLIMIT "))]
    alone = loadgen.wrk(server.base_url, lines, True, concurrency, seconds)
    conns = hostile(server.port, slow, query_path=server.query_path, big_path=big)
    try:
        time.sleep(0.5)
        drip(conns)
        run = loadgen.wrk(server.base_url, lines, True, concurrency, seconds)
        drip(conns)
    finally:
        for _, s in conns:
            s.close()
    return {"server": "issgraph" if server.query_path == "/sparql" else "Oxigraph", "slow_connections": len(conns),
            "rps_alone": alone.rps, "p99_ms_alone": alone.p99_ms, "rps": run.rps, "p99_ms": run.p99_ms,
            "errors": run.error_count}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--servers", nargs="+", default=["granian", "gunicorn"])
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--each", action="store_true", help="one run per kind as well")
    ap.add_argument("--wrk", action="store_true", help="wrk at 64 connections instead of one client")
    args = ap.parse_args()
    if args.wrk:
        for server in args.servers:
            for row in wrk_rows(server, args.slow):
                print(json.dumps(row), flush=True)
        return
    for server in args.servers:
        runs = [(0, KINDS), (args.slow, tuple(args.kinds))]
        if args.each:
            runs += [(args.slow, (k,)) for k in args.kinds]
        for n, kinds in runs:
            print(json.dumps(measure(server, n, args.seconds, ["--workers", "2"], kinds)), flush=True)


if __name__ == "__main__":
    main()
