"""Drive a server with wrk (Debian's `wrk`, HTTP/1.1 keep-alive where the server allows it).

Every run goes through bench/lua/requests.lua, which cycles through a file of requests and, in
"unique" mode, makes every request's text distinct. wrk's latencies are per request, from the
first byte sent to the last byte received, in microseconds.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass

from common import BENCH, OUT

LUA = BENCH / "lua" / "requests.lua"
MARK = "@@WRK@@"


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("bench: the load generator `wrk` is missing: install it with "
                         "`apt-get install -y wrk` (Debian) and run again")
    return path


@dataclass
class Run:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    bytes: int
    errors: dict

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict:
        return dict(self.__dict__)


_serial = 0


def _request_file(lines: list[tuple[str, str]]) -> str:
    text = "".join(f"{accept}\t{path}\n" for accept, path in lines)
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    path = OUT / "requests" / f"{digest}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return str(path)


def wrk(base_url: str, lines: list[tuple[str, str]], unique: bool, concurrency: int, seconds: int,
        timeout_s: int = 10) -> Run:
    """One wrk run of `seconds` at `concurrency` connections; returns its counts and percentiles."""
    global _serial
    _serial += 1
    base = 1000 + _serial * 100_000_000        # LIMIT values of this run never meet another run's
    threads = max(1, min(2, concurrency))
    argv = [ensure_wrk(), "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s",
            "--timeout", f"{timeout_s}s", "-s", str(LUA), base_url, "--",
            _request_file(lines), "unique" if unique else "fixed", str(base)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_s + 30)
    if done.returncode != 0 or MARK not in done.stdout:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-500:]} {done.stdout[-500:]}")
    stats = json.loads(done.stdout.split(MARK, 1)[1].strip().splitlines()[0])
    lat = stats["latency_us"]
    secs = stats["duration_us"] / 1e6
    return Run(requests=stats["requests"], seconds=secs, rps=stats["requests"] / secs if secs else 0.0,
               p50_ms=lat["p50"] / 1000, p90_ms=lat["p90"] / 1000, p99_ms=lat["p99"] / 1000,
               max_ms=lat["max"] / 1000, mean_ms=lat["mean"] / 1000, bytes=stats["bytes"],
               errors={k: v for k, v in stats["errors"].items() if v})
