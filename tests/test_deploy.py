"""The deployment files, tested as far as this machine allows (no container daemon, no image registry):
the Dockerfile linted by hadolint and its build steps run as a script on the host, in a temporary
virtual environment, then served and probed by its own HEALTHCHECK; compose.yaml parsed, checked, and
its three commands run on the host in its order (Oxigraph's server, the load, issgraph as front end)."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from .conftest import ROOT, free_port

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(l for l in DOCKERFILE.read_text().splitlines() if not l.lstrip().startswith("#")))
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"(?m)^(\w+)\s+(.*)$", text)]


def test_hadolint_finds_nothing_to_fix():
    hadolint = shutil.which("hadolint") or str(BIN / "hadolint")
    bad = subprocess.run([hadolint, "-"], input="FROM python\nRUN cd /tmp && pip install x\n", text=True,
                         capture_output=True, timeout=60)
    assert bad.returncode != 0 and "DL" in bad.stdout          # it does lint
    run = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def test_dockerfile_is_slim_non_root_read_only_friendly_with_a_healthcheck():
    steps = instructions()
    kinds = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.\d+-slim(-\w+)?", steps[0][1])
    user = [a for k, a in steps if k == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root") and kinds.index("USER") > max(
        i for i, k in enumerate(kinds) if k == "RUN")                  # nothing runs as root after it
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for k, a in steps if k == "ENV")))
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"                       # no writes beside the code
    assert env["ISSGRAPH_CACHE_DIR"].startswith("/tmp/")               # the only place written: a tmpfs
    health = next(a for k, a in steps if k == "HEALTHCHECK")
    assert "/health" in health and "CMD" in health
    assert json.loads(next(a for k, a in steps if k == "CMD"))[:2] == ["issgraph", "serve"]


def _exec_form(args: str) -> list[str]:
    return json.loads(args[args.index("["):])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The Dockerfile's COPY and RUN steps on the host: /app and /opt/issgraph moved under a temp folder.

    Left out: the step creating the system user (useradd on this host would change it) — the
    test below checks that it is the only one. The ENV is the Dockerfile's, paths moved the same
    way, except PIP_NO_CACHE_DIR (pip's cache only saves downloads here).
    """
    root = tmp_path_factory.mktemp("image")
    moved = {"/opt/issgraph": str(root / "opt/issgraph"), "/app": str(root / "app"), "/data": str(root / "data")}

    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, moved)) + r")(?=[/\s'\":]|$)")

    def move(text: str) -> str:
        """The image's absolute paths (each at the start of a path) moved under the temp folder."""
        return pattern.sub(lambda m: moved[m.group(1)], text)

    steps = instructions()
    env_text = " ".join(a for k, a in steps if k == "ENV")
    env = {k: move(v) for k, v in re.findall(r"(\w+)=(\S+)", env_text) if k != "PIP_NO_CACHE_DIR"}
    env["PATH"] = env["PATH"].replace("$PATH", os.environ["PATH"])
    environ = {**os.environ, **env}
    environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    workdir = None
    skipped = []
    for kind, args in steps:
        if kind == "WORKDIR":
            workdir = Path(move(args))
            workdir.mkdir(parents=True, exist_ok=True)
        elif kind == "COPY":
            *sources, target = shlex.split(args)
            dest = workdir / target if not target.startswith("/") else Path(move(target))
            for s in sources:
                if (ROOT / s).is_dir():
                    shutil.copytree(ROOT / s, dest, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
                else:
                    dest.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / s, dest / s)
        elif kind == "RUN":
            if "useradd" in args:
                skipped.append(args)
                continue
            run = subprocess.run(["/bin/sh", "-c", move(args)], cwd=workdir, env=environ, capture_output=True,
                                 text=True, timeout=900)
            assert run.returncode == 0, f"RUN {args}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return {"root": root, "env": environ, "skipped": skipped, "move": move, "steps": steps}


def test_only_the_user_creation_was_left_out(built):
    assert len(built["skipped"]) == 1 and "useradd --system --uid 10001" in built["skipped"][0]


def test_the_built_package_serves_from_the_image_paths_and_passes_its_healthcheck(built):
    venv_bin = built["root"] / "opt/issgraph/bin"
    assert (venv_bin / "issgraph").is_file() and (venv_bin / "oxigraph").is_file()
    steps = built["steps"]
    cmd = json.loads(next(a for k, a in steps if k == "CMD"))
    port = free_port()
    cmd = [str(venv_bin / cmd[0]), *[{"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(a, a) for a in cmd[1:]]]
    # not the checkout: the installed package finds the graph by the image's environment alone
    cwd = built["root"] / "app"
    proc = subprocess.Popen(cmd, cwd="/", env=built["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = next(a for k, a in steps if k == "HEALTHCHECK")
        probe = _exec_form(health[health.index("CMD"):])
        probe = [str(venv_bin / "python") if probe[0] == "python" else probe[0],
                 *[a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in probe[1:]]]
        deadline, code = time.monotonic() + 90, None
        while time.monotonic() < deadline and proc.poll() is None:
            code = subprocess.run(probe, capture_output=True, timeout=30).returncode
            if code == 0:
                break
            time.sleep(0.5)
        assert code == 0, proc.stdout.read() if proc.poll() is not None else "healthcheck never passed"
        r = requests.get(f"http://127.0.0.1:{port}/dumps/0.1.0/manifest.json", timeout=10)
        assert r.status_code == 200 and r.json()["version"] == "0.1.0"      # the releases folder is in the image
        assert requests.get(f"http://127.0.0.1:{port}/ready", timeout=10).json()["status"] == "ready"
        assert not any(p.suffix == ".pyc" for p in cwd.rglob("*.pyc"))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_compose_runs_issgraph_as_a_front_end_over_oxigraph():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) == {"oxigraph", "load", "issgraph"}
    front = services["issgraph"]
    assert "--store" in front["command"] and front["command"][front["command"].index("--store") + 1] == \
        "sparql+http://oxigraph:7878/query"
    assert front["read_only"] is True and "/tmp" in front["tmpfs"] and front["cap_drop"] == ["ALL"]
    assert front["depends_on"]["load"]["condition"] == "service_completed_successfully"
    assert services["load"]["command"][:3] == ["issgraph", "load", "--into"]
    assert services["load"]["depends_on"]["oxigraph"]["condition"] == "service_healthy"
    assert services["oxigraph"]["command"][:2] == ["oxigraph", "serve"] and "oxigraph-data" in spec["volumes"]
    assert all(s.get("image") == "issgraph:local" for s in services.values())


def test_compose_commands_run_on_the_host_in_order(tmp_path):
    """The three commands as compose would run them, with the service names and ports moved to loopback."""
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    store_port, web_port = free_port(), free_port()

    def local(args: list[str]) -> list[str]:
        out = []
        for a in args:
            a = a.replace("oxigraph:7878", f"127.0.0.1:{store_port}").replace("0.0.0.0:7878", f"127.0.0.1:{store_port}")
            a = {"/data": str(tmp_path / "data"), "0.0.0.0": "127.0.0.1", "8000": str(web_port)}.get(a, a)
            out.append(a)
        exe = shutil.which(out[0], path=str(BIN)) or out[0]
        return [exe, *out[1:]]

    env = {**os.environ, **{k: str(v) for k, v in services["issgraph"].get("environment", {}).items()}}
    store = subprocess.Popen(local(services["oxigraph"]["command"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    front = None
    try:
        probe = services["oxigraph"]["healthcheck"]["test"][1:]
        probe = [sys.executable if probe[0] == "python" else probe[0],
                 *[a.replace("127.0.0.1:7878", f"127.0.0.1:{store_port}") for a in probe[1:]]]
        deadline = time.monotonic() + 30
        while subprocess.run(probe, capture_output=True).returncode != 0:
            assert time.monotonic() < deadline and store.poll() is None, "the store never became healthy"
            time.sleep(0.2)
        load = subprocess.run(local(services["load"]["command"]), cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert load.returncode == 0, load.stderr
        front = subprocess.Popen(local(services["issgraph"]["command"]), cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{web_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = requests.get(url + "/ready", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and front.poll() is None, "issgraph never answered"
                time.sleep(0.2)
        assert ready.status_code == 200 and ready.json()["checks"]["store"] == "remote"
        r = requests.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert r.status_code == 200 and r.headers["X-SPARQL-Engine"] == "remote"
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 1000
    finally:
        if front is not None:
            front.terminate()
            front.wait(timeout=20)
        store.kill()
        store.wait()


def test_python_dash_m_issgraph_is_the_issgraph_command():
    via_module = subprocess.run([sys.executable, "-m", "issgraph", "--help"], capture_output=True, text=True, timeout=60)
    via_script = subprocess.run([str(BIN / "issgraph"), "--help"], capture_output=True, text=True, timeout=60)
    assert via_module.returncode == via_script.returncode == 0
    assert via_module.stdout == via_script.stdout and "release" in via_module.stdout and "diff" in via_module.stdout
    q = subprocess.run([sys.executable, "-m", "issgraph", "query", "--format", "json", "ASK { ?s ?p ?o }"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert q.returncode == 0 and json.loads(q.stdout)["boolean"] is True
