"""The README's examples really work against the real server."""
from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_gives_the_two_quick_start_commands():
    quick = blocks("sh")[0]
    assert "make serve" in quick and "make test" in quick


def test_readme_python_example_runs(server):
    (code,) = blocks("python")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code.replace("http://127.0.0.1:8000", server.url), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "روسیه 7" and len(lines) == 6


def test_readme_curl_examples_run(server):
    sh = blocks("sh")[1].replace("http://127.0.0.1:8000", server.url)
    commands = [c for c in re.split(r"\n(?=curl )", sh) if c.startswith("curl ")]
    assert len(commands) == 2
    first = subprocess.run(["bash", "-c", commands[0].split("\n# ")[0]], capture_output=True, text=True, timeout=30)
    assert first.stdout.splitlines() == ["modules", "20"]
    second = subprocess.run(shlex.split(commands[1].splitlines()[0]), capture_output=True, text=True, timeout=30)
    assert "فضاپیمای ترابری خودکار" in second.stdout and second.stdout.startswith("@prefix")
