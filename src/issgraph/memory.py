"""Memory ceilings that fit the machine: per evaluator and per web worker, from the memory there is
(the cgroup's limit when it is lower than the machine's) and the number of processes sharing it.

Three quarters of that memory is shared out evenly over every process (`workers × (1 +
evaluators)`), with floors below which a process cannot start its work: an evaluator's ceiling
is its address space (RLIMIT_AS: an allocation past it fails, the query gets 400), a worker's is
its resident size as granian watches it (past it the worker is replaced).
"""
from __future__ import annotations

import os
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
