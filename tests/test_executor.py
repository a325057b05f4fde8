"""The evaluator pool itself, with an engine that says which process answered (no graph, no HTTP),
and on the real server: it grows under load, shrinks when idle, and keeps its time limit."""
from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from issgraph.engine import Answer, QueryJob
from issgraph.executor import Executor, QueryTimeout
from issgraph.formats import BY_NAME

from .conftest import Server, process_tree

JSON = BY_NAME["json"]


class WhoAmI:
    """An engine whose answer is its evaluator's pid; `SLEEP n` sleeps n seconds first."""

    def run(self, job: QueryJob, fmt) -> Answer:
        if job.text.startswith("SLEEP"):
            time.sleep(float(job.text.split()[1]))
        return Answer(str(os.getpid()).encode(), fmt.name, 1, False)


def _pool(idle_seconds: float, size: int = 3) -> Executor:
    executor = Executor(WhoAmI, timeout=2.0, size=size, per_client=size, isolate=lambda: "not isolated (test)",
                        idle_seconds=idle_seconds)
    executor.prestart()
    return executor


def _at_once(executor: Executor, n: int, text: str = "SLEEP 0.3") -> set[int]:
    """n jobs at the same time; the pids that answered them."""
    with ThreadPoolExecutor(n) as pool:
        return {int(a.body) for a in pool.map(lambda _: executor.run(QueryJob(text, "ASK"), JSON), range(n))}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_evaluators_idle_past_the_limit_exit_but_the_last_used():
    executor = _pool(idle_seconds=60)
    try:
        pids = _at_once(executor, 3)
        time.sleep(0.3)
        last = int(executor.run(QueryJob("ASK {}", "ASK"), JSON).body)
        since = executor._idle[-1].idle_since
        assert executor.retire_idle(since + 59.9) == 2               # the others idle 60.2 s and more
        assert [e.pid for e in executor._idle] == [last]
        assert [p for p in pids if _alive(p)] == [last]              # stopped and reaped, no zombie
        assert int(executor.run(QueryJob("ASK {}", "ASK"), JSON).body) == last
    finally:
        executor.close()


def test_an_idle_pool_ends_with_one_fresh_evaluator_and_keeps_it():
    executor = _pool(idle_seconds=60)
    try:
        pids = _at_once(executor, 3)
        assert executor.retire_idle(time.monotonic() + 61) == 3
        assert len(executor._idle) == 1 and not executor._idle[0].used
        fresh = executor._idle[0].pid
        assert fresh not in pids and not [p for p in pids if _alive(p)]
        assert executor.retire_idle(time.monotonic() + 1000) == 0     # never used: nothing to renew
        assert int(executor.run(QueryJob("ASK {}", "ASK"), JSON).body) == fresh
    finally:
        executor.close()


def test_a_shrunk_pool_grows_again_to_its_size_under_load():
    executor = _pool(idle_seconds=60)
    try:
        _at_once(executor, 3)
        executor.retire_idle(time.monotonic() + 61)
        assert len(_at_once(executor, 3)) == 3
        assert len(executor._idle) == 3
    finally:
        executor.close()


def test_a_pool_without_an_idle_limit_never_shrinks():
    executor = _pool(idle_seconds=0)
    try:
        _at_once(executor, 3)
        assert executor.retire_idle(time.monotonic() + 1e6) == 0 and len(executor._idle) == 3
    finally:
        executor.close()


def test_the_reaper_thread_retires_idle_evaluators_by_itself():
    executor = _pool(idle_seconds=0.3)
    try:
        _at_once(executor, 3)
        deadline = time.monotonic() + 5
        while len(executor._idle) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(executor._idle) == 1
        assert [t for t in threading.enumerate() if t.name == "evaluator-reaper"]
    finally:
        executor.close()


def test_a_runaway_on_a_regrown_pool_still_stops_at_the_limit():
    executor = _pool(idle_seconds=60)
    try:
        _at_once(executor, 3)
        executor.retire_idle(time.monotonic() + 61)
        start = time.monotonic()
        with pytest.raises(QueryTimeout):
            executor.run(QueryJob("SLEEP 30", "ASK"), JSON)
        assert time.monotonic() - start < 3.0
        assert _at_once(executor, 2, "ASK {}")
    finally:
        executor.close()


# --- on the real server ------------------------------------------------------------------------


def _evaluators_of(server: Server) -> list[int]:
    """The grandchildren of the server's main process: the evaluators of its web worker."""
    children, _ = process_tree()
    return [e for w in children.get(server.proc.pid, []) for e in children.get(w, [])]


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


@pytest.fixture(scope="module")
def shrinking():
    srv = Server("--workers", "1", "--threads", "4", "--timeout", "2",
                 env={"ISSGRAPH_EVALUATOR_IDLE_SECONDS": "1", "ISSGRAPH_HEADER_TIMEOUT": "2"})
    yield srv
    srv.stop()


def test_the_servers_idle_evaluators_exit_and_come_back_for_a_burst(shrinking):
    assert _wait_for(lambda: len(_evaluators_of(shrinking)) == 4, 10), _evaluators_of(shrinking)
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?b ?q ?c } "
    with ThreadPoolExecutor(8) as pool:     # distinct queries from two clients: the pool is used
        answers = list(pool.map(lambda i: requests.get(shrinking.url + "/sparql", params={"query": heavy + f"LIMIT {i + 1}"},
                                                       headers={"Accept": "application/sparql-results+json"},
                                                       timeout=30), range(8)))
    assert all(r.status_code == 200 for r in answers), [r.status_code for r in answers]
    assert _wait_for(lambda: len(_evaluators_of(shrinking)) == 1, 10), _evaluators_of(shrinking)
    with ThreadPoolExecutor(3) as pool:     # a runaway on the shrunk pool, and others meanwhile
        runaway = pool.submit(requests.get, shrinking.url + "/sparql", timeout=30, params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"})
        time.sleep(0.3)
        quick = [pool.submit(requests.get, shrinking.url + "/sparql", params={"query": f"ASK {{}} LIMIT {i}"},
                             timeout=30) for i in (1, 2)]
        assert [q.result().status_code for q in quick] == [200, 200]
        grown = len(_evaluators_of(shrinking))       # the runaway's, and one forked for the others
        assert runaway.result().status_code == 503
    assert grown >= 2


def test_an_evaluator_forked_while_a_client_is_connected_does_not_keep_its_connection_open(shrinking):
    """Found with the shrinking pool: an evaluator forked while the worker serves held copies of
    the clients' sockets, so a connection the worker closed (a silent one, at the header timeout)
    never ended for its client."""
    assert _wait_for(lambda: len(_evaluators_of(shrinking)) == 1, 10), _evaluators_of(shrinking)
    silent = socket.create_connection(("127.0.0.1", int(shrinking.url.rsplit(":", 1)[1])), timeout=8)
    try:
        time.sleep(0.2)                     # accepted by the worker before the evaluators are forked
        before = set(_evaluators_of(shrinking))
        with ThreadPoolExecutor(3) as pool:
            codes = list(pool.map(lambda i: requests.get(shrinking.url + "/sparql", timeout=30, params={
                "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p ?b . ?b ?q ?c }} LIMIT {i + 1}"}).status_code, range(3)))
        assert codes == [200] * 3 and set(_evaluators_of(shrinking)) - before    # new evaluators were forked
        start = time.monotonic()
        assert silent.recv(100) == b""      # closed at the header timeout (2 s), not held open
        assert time.monotonic() - start < 5
    finally:
        silent.close()
