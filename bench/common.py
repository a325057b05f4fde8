"""Shared bits of the benchmark: paths, the machine and versions, free ports, small helpers."""
from __future__ import annotations

import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
VENV_BIN = Path(sys.executable).parent
QUERIES = ROOT / "queries"
DATA = ROOT / "data" / "iss.ttl"
ONTOLOGY = ROOT / "ontology" / "iss.ttl"
SHAPES = ROOT / "shapes" / "iss.ttl"
BASE = "https://w3id.org/issgraph/"
GRAPHS = {"data": DATA, "ontology": ONTOLOGY, "shapes": SHAPES}
LOOPBACK = "127.0.0.1"


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """An executable of the venv (issgraph, oxigraph) or, failing that, of the PATH."""
    local = VENV_BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"bench: cannot find the {name!r} executable (is '.[bench]' installed?)")
    return found


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def geomean(values) -> float | None:
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _command_version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


def versions() -> dict[str, str]:
    return {
        "issgraph": _version("issgraph"),
        "pyoxigraph": _version("pyoxigraph"),
        "oxigraph server": _command_version([tool("oxigraph"), "--version"]).removeprefix("oxigraph "),
        "granian": _version("granian"),
        "uvloop": _version("uvloop"),
        "gunicorn": _version("gunicorn"),
        "Flask": _version("flask"),
        "rdflib": _version("rdflib"),
        "Python": platform.python_version(),
        "wrk": (_command_version(["wrk", "-v"]).split(" Copyright")[0].removeprefix("wrk ")
                if shutil.which("wrk") else "not installed"),
    }


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "kernel": platform.release(),
        "os": platform.platform(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def source_fingerprint() -> str:
    """A short hash of issgraph's source files, to tell which state of the server was measured."""
    import hashlib

    digest = hashlib.sha256()
    src = ROOT / "src" / "issgraph"
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
