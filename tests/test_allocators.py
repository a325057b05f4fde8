"""The allocator settings a server process starts with (issue #16: memory after a burst goes back)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from issgraph import allocators


class _FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1


def test_tune_sets_jemalloc_and_glibc_settings():
    env, libc = {}, _FakeLibc()
    done = allocators.tune(env, libc)
    assert env[allocators.JEMALLOC_ENV] == allocators.JEMALLOC_CONF
    assert libc.calls == [(allocators.M_ARENA_MAX, 2), (allocators.M_MMAP_THRESHOLD, 128 << 10)]
    assert done == [f"_RJEM_MALLOC_CONF={allocators.JEMALLOC_CONF}", "MALLOC_ARENA_MAX=2",
                    "MALLOC_MMAP_THRESHOLD_=131072"]


def test_the_operators_settings_win():
    env = {"_RJEM_MALLOC_CONF": "narenas:4", "MALLOC_ARENA_MAX": "8"}
    libc = _FakeLibc()
    done = allocators.tune(env, libc)
    assert env["_RJEM_MALLOC_CONF"] == "narenas:4"
    assert libc.calls == [(allocators.M_MMAP_THRESHOLD, 128 << 10)]
    assert done == ["MALLOC_MMAP_THRESHOLD_=131072"]


def test_a_setting_the_c_library_refuses_is_not_reported_as_set():
    class Refusing(_FakeLibc):
        def mallopt(self, param, value):
            return 0

    assert allocators.tune({"_RJEM_MALLOC_CONF": "x"}, Refusing()) == []


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)


def test_granians_jemalloc_accepts_the_settings():
    """jemalloc reads its variable when granian's library starts, and names every pair it does not
    know on stderr; the control shows that it does read what tune() leaves in the environment."""
    env = {k: v for k, v in os.environ.items() if k != allocators.JEMALLOC_ENV and not k.startswith("MALLOC_")}
    code = ("from issgraph import allocators; print(allocators.tune()); "
            "import granian._granian, granian; print(granian.__version__)")
    done = _python(code, env)
    assert done.returncode == 0, done.stderr
    assert "MALLOC_ARENA_MAX=2" in done.stdout and "MALLOC_MMAP_THRESHOLD_=131072" in done.stdout
    assert "<jemalloc>" not in done.stderr, done.stderr
    control = _python("import os; os.environ['_RJEM_MALLOC_CONF'] = 'no_such_option:1'; import granian._granian", env)
    assert "Invalid conf pair: no_such_option:1" in control.stderr, control.stderr


def test_the_real_server_starts_with_them(server):
    deadline = time.monotonic() + 20      # the log is written by a thread of its own, soon after
    while "serving" not in (log := server.log_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"allocators: _RJEM_MALLOC_CONF={allocators.JEMALLOC_CONF}, MALLOC_ARENA_MAX=2" in log, log
    assert "<jemalloc>" not in log
