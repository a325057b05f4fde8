"""Memory ceilings that fit the machine: per evaluator and per web worker, from the memory there is
(the cgroup's limit when it is lower than the machine's) and the number of processes sharing it.

Three quarters of that memory is shared out evenly over every process (`workers × (1 +
evaluators)`), with floors below which a process cannot start its work: an evaluator's ceiling
is its address space (RLIMIT_AS: an allocation past it fails, the query gets 400), a worker's is
its resident size as granian watches it (past it the worker is replaced).

The same goes for open files: every connection a worker holds is a file descriptor, so the
connections it accepts are capped to what its open-file limit leaves (`connections_that_fit`).
"""
from __future__ import annotations

import os
import resource
from pathlib import Path

EVALUATOR_FLOOR = 1 << 30       # address space an evaluator needs for itself, the engine and the graph
WORKER_FLOOR = 512 << 20
SHARE = 0.75


def machine_memory() -> int:
    """Bytes of memory this process may use: the physical memory, or the cgroup's limit if lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def ceilings(workers: int, evaluators: int, total: int | None = None) -> tuple[int, int]:
    """(evaluator address-space limit, worker resident-size limit), in bytes."""
    total = machine_memory() if total is None else total
    share = int(total * SHARE) // max(1, workers * (1 + evaluators))
    return max(share, EVALUATOR_FLOOR), max(share, WORKER_FLOOR)


def connections_that_fit(wanted: int, limits: tuple[int, int] | None = None) -> tuple[int, int]:
    """(connections per worker, open-file limit): `wanted`, or fewer if the open-file limit leaves
    less room. Raises this process's soft limit to its hard one first (the workers inherit it), as
    servers do: a soft limit of 1024 is common, and a worker that accepts past its limit fails
    every accept (EMFILE) while the silent connections hold it. A quarter of the limit, at most
    256, stays for the worker's other files (its evaluators' pipes, the store, logs, metrics).
    `limits`: (soft, hard) to use instead of the process's (for tests)."""
    if limits is None:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted + 1024)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                soft = target
            except (ValueError, OSError):
                pass
    else:
        soft, hard = limits
    room = soft - min(256, soft // 4)
    return max(16, min(wanted, room)), soft
