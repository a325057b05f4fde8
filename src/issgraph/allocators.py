"""Settings of the two C allocators in a serving process, so that memory taken in a burst goes back.

A web worker's resident memory after the bench was mostly what the allocators kept, not what
Python holds (tracemalloc sees ~3 MB of growth; malloc_trim frees little more): granian's Rust
side (jemalloc, configured by `_RJEM_MALLOC_CONF`) keeps freed pages for 10 s and purges them only
when it allocates again, so a worker that falls idle after a burst of answers keeps them; glibc
gives each of the ~20 threads of a worker an arena of its own (up to 8 per core) and keeps large
freed blocks below its sliding mmap threshold (which rises to 32 MiB after the first large free).
Measured in the full bench (issue #16): 274 → 211 MB PSS for the whole server, throughput ratios
unchanged; the same run without the fixed mmap threshold held 228, its evaluators 15-18 MB each
instead of ~14 (they pickle the large answers). Not taken: purging jemalloc's pages at once
(`dirty_decay_ms:0`: ~20 MB less, but a third less throughput of dumps and cached answers);
malloc_trim in an evaluator fallen idle (nothing freed: what an evaluator gains is live, mostly
pages copied on write from its worker).

Nothing here is a library's job: these are the allocators' own knobs (mallopt(3), jemalloc's
MALLOC_CONF), set the way their manuals say. A setting the operator gave in the environment wins.
"""
from __future__ import annotations

import ctypes
import os

JEMALLOC_ENV = "_RJEM_MALLOC_CONF"        # granian's jemalloc (tikv-jemallocator: prefixed symbols and variable)
# One arena for the runtime's few threads; freed pages returned within about a second of activity.
JEMALLOC_CONF = "narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0"

# mallopt(3) parameters and the environment variables that set the same (the operator's choice).
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
GLIBC_SETTINGS = (
    (M_ARENA_MAX, 2, "MALLOC_ARENA_MAX"),                 # arenas shared by all threads, not 8 per core
    (M_MMAP_THRESHOLD, 128 << 10, "MALLOC_MMAP_THRESHOLD_"),   # blocks ≥ 128 KiB mapped, and unmapped when freed
)


def _glibc():
    """The C library if it is glibc (mallopt and the meanings above are glibc's), else None. Looked
    up among this process's own symbols, as executor.py does for prctl: ctypes.util.find_library
    would run ldconfig in a subprocess at every start."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()
    except (OSError, AttributeError):
        return None
    return libc


def tune(environ=os.environ, libc=None) -> list[str]:
    """Apply the settings above in this process before it starts threads, forks or imports granian
    (jemalloc reads its variable once, when it starts; forked workers and evaluators inherit glibc's
    state). Returns what was set, for the log."""
    done = []
    if JEMALLOC_ENV not in environ:
        environ[JEMALLOC_ENV] = JEMALLOC_CONF
        done.append(f"{JEMALLOC_ENV}={JEMALLOC_CONF}")
    libc = _glibc() if libc is None else libc
    if libc is not None:
        for param, value, variable in GLIBC_SETTINGS:
            if variable not in environ and libc.mallopt(param, value) == 1:
                done.append(f"{variable}={value}")
    return done
