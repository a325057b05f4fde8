"""Run by operators: /health and /ready, Prometheus /metrics counted across the real server's worker
processes (gunicorn and granian), one JSON log line per request, and readiness over a store that goes away."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re

import pytest
import requests

from issgraph.operations import query_hash

from .conftest import Server

ENGINE = os.environ.get("ISSGRAPH_TEST_ENGINE", "oxigraph")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
MARKER = "the-query-text-stays-out-of-the-log"
QUERY = f'SELECT ?s WHERE {{ ?s ?p "{MARKER}" }}'


def metric(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(m.group(4))
    return 0.0


def test_health_and_ready_answer_json_never_cached(client):
    for path, status in (("/health", "ok"), ("/ready", "ready")):
        for _ in range(2):                  # the second is not a replay from the entrance's cache
            r = client.get(path)
            assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
            assert r.content_type == "application/json" and r.json["status"] == status
    assert client.get("/ready").json["checks"] == {"store": "memory", "query": "ok"}


def test_metrics_in_one_process_count_requests_by_route_and_status(client):
    before = client.get("/metrics").data.decode()
    client.get("/health")
    client.get("/resource/No_such_thing", headers={"Accept": "text/turtle"})
    for _ in range(3):      # the answer is kept on its second request, a hit on the third
        client.get("/sparql", query_string={"query": "ASK {} # counted by the metrics test"})
    after = client.get("/metrics")
    assert after.headers["Content-Type"].startswith("text/plain") and after.headers["Cache-Control"] == "no-store"
    text = after.data.decode()

    def delta(name, **labels):
        return metric(text, name, **labels) - metric(before, name, **labels)

    assert delta("issgraph_http_requests_total", route="/health", method="GET", status="200") == 1
    assert delta("issgraph_http_requests_total", route="/resource/<path:name>", method="GET", status="404") == 1
    assert delta("issgraph_http_requests_total", route="/sparql", method="GET", status="200") == 3
    assert delta("issgraph_http_request_duration_seconds_count", route="/sparql") == 3
    assert delta("issgraph_cache_hits_total") >= 1
    assert metric(text, "issgraph_store_info", kind="memory", engine=ENGINE) == 1


def test_request_log_line_is_json_with_a_query_hash_and_never_the_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="issgraph.access"):
        client.get("/sparql", query_string={"query": QUERY}, headers={"X-Request-Id": "log-probe-1"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "issgraph.access"]
    line = next(l for l in lines if l["request_id"] == "log-probe-1")
    assert line["route"] == "/sparql" and line["status"] == 200 and line["duration_ms"] >= 0
    assert line["query_hash"] == hashlib.sha256(QUERY.encode()).hexdigest()[:16]
    assert MARKER not in caplog.text


def _served(*args, env=None) -> Server:
    return Server("--engine", ENGINE, *args, env=env)


@pytest.mark.parametrize("kind", ["gunicorn", "granian"])
def test_metrics_add_up_across_worker_processes_of_the_real_server(kind, tmp_path):
    metrics_dir = tmp_path / "metrics"
    level = "info" if kind == "gunicorn" else "debug"
    srv = _served("--server", kind, "--workers", "2", "--timeout", "1",
                  env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "ISSGRAPH_LOG_LEVEL": level})
    try:
        before = requests.get(srv.url + "/metrics", timeout=10).text
        for _ in range(30):                  # a new connection each: the workers share them out
            assert requests.get(srv.url + "/health", timeout=10).status_code == 200
        with requests.Session() as s:        # one kept-alive connection: one worker, its cache
            for _ in range(3):
                assert s.get(srv.url + "/sparql", params={"query": QUERY},
                             headers={"X-Request-Id": f"{kind}-probe"}, timeout=10).status_code == 200
        slow = requests.post(srv.url + "/sparql", data={"query": RUNAWAY}, timeout=30)
        assert slow.status_code == 503
        text = requests.get(srv.url + "/metrics", timeout=10).text

        def delta(name, **labels):
            return metric(text, name, **labels) - metric(before, name, **labels)

        assert delta("issgraph_http_requests_total", route="/health", method="GET", status="200") == 30
        assert delta("issgraph_http_requests_total", route="/sparql", method="GET", status="200") == 3
        assert delta("issgraph_http_requests_total", route="/sparql", method="POST", status="503") == 1
        assert delta("issgraph_http_request_duration_seconds_count", route="/health") == 30
        assert delta("issgraph_cache_hits_total") == 1      # kept on its second request, a hit on the third
        assert delta("issgraph_query_timeouts_total") == 1
        assert delta("issgraph_evaluator_restarts_total", reason="timeout") == 1
        assert metric(text, "issgraph_store_info", kind="memory", engine=ENGINE) == 1
        pids = {m.group(1) for f in os.listdir(metrics_dir) if (m := re.match(r"counter_(\d+)\.db$", f))}
        assert len(pids) >= 2, pids        # more than one process wrote counters, and /metrics added them up
        log = srv.log_text()
    finally:
        srv.stop()
    lines = [json.loads(l) for l in log.splitlines() if l.startswith("{") and '"event": "request"' in l]
    probes = [l for l in lines if l.get("request_id") == f"{kind}-probe"]
    assert len(probes) == 3 and {l["cache"] for l in probes} == {"hit", "miss"}
    assert all(l["query_hash"] == query_hash(QUERY) and l["route"] == "/sparql" for l in probes)
    assert (MARKER in log) == (level == "debug")        # the query itself only at debug level
    assert len([l for l in lines if l["route"] == "/health"]) == 30


def test_ready_fails_while_the_store_of_a_front_end_is_down(tmp_path_factory):
    from .test_stores import loaded_oxigraph

    oxi = loaded_oxigraph(tmp_path_factory, "ready")
    srv = Server("--store", oxi.store_option, "--workers", "1", "--timeout", "3")
    try:
        r = requests.get(srv.url + "/ready", timeout=10)
        assert r.status_code == 200 and r.json()["checks"] == {"store": "remote", "query": "ok"}
        oxi.stop()
        down = requests.get(srv.url + "/ready", timeout=10)
        assert down.status_code == 503 and down.headers["Cache-Control"] == "no-store"
        assert down.json()["status"] == "unavailable" and down.json()["checks"]["query"].startswith("502")
        assert requests.get(srv.url + "/health", timeout=10).status_code == 200
        text = requests.get(srv.url + "/metrics", timeout=10).text
        assert metric(text, "issgraph_store_info", kind="remote") == 1
        assert metric(text, "issgraph_http_requests_total", route="/ready", method="GET", status="503") == 1
    finally:
        srv.stop()


def test_request_log_lines_are_json_whatever_the_client_sent_and_arrive_while_the_server_runs():
    """The request log is written in batches (a line per request costs no system call of its own):
    a line still arrives within a second, is valid JSON when the path holds quotes and Persian
    letters (logged as the text they spell, not as WSGI's latin-1) and the client's X-Request-Id
    quotes and backslashes."""
    import time

    srv = Server("--workers", "1")
    try:
        rid = 'a"b\\c'
        assert requests.get(srv.url + "/resource/%D9%81%D8%A7%D8%B1%D8%B3%DB%8C%22x",
                            headers={"X-Request-Id": rid}, timeout=10).status_code == 404
        deadline, mine = time.monotonic() + 5, []
        while time.monotonic() < deadline and not mine:
            lines = [json.loads(l) for l in srv.log_text().splitlines() if '"event": "request"' in l]
            mine = [l for l in lines if l["path"].startswith("/resource/")]
            time.sleep(0.05)
        assert mine, srv.log_text()[-2000:]
        assert mine[0]["path"] == '/resource/فارسی"x' and mine[0]["status"] == 404
        assert mine[0]["level"] == "info" and mine[0]["time"].endswith("Z") and mine[0]["request_id"] == rid
    finally:
        srv.stop()


def test_a_query_asked_again_is_logged_like_the_first_time_with_its_own_request_id():
    """The real server (granian's front, where a kept answer is sent without the app): each answer
    of the same query, asked by GET again and again, by POST, and again over 2 KiB long, has its
    line with the request id its X-Request-Id header carries, the same route, path and query hash,
    and miss until the answer is kept (on its second sighting, cache.py), then hit; a conditional
    GET of the kept answer is a 304, also logged."""
    import time

    srv = Server("--workers", "1")
    try:
        long_query = QUERY + " #" + "x" * 2100
        sent = []          # (request id answered, query, expected cache, expected status)
        for n in range(4):
            r = requests.get(srv.url + "/sparql", params={"query": QUERY}, timeout=10,
                             headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200
            etag = r.headers["ETag"]
            sent.append((r.headers["X-Request-Id"], QUERY, "miss" if n < 2 else "hit", 200))
        r = requests.post(srv.url + "/sparql", data={"query": QUERY}, timeout=10,
                          headers={"Accept": "application/sparql-results+json"})
        sent.append((r.headers["X-Request-Id"], QUERY, "miss", 200))
        for n in range(3):
            r = requests.get(srv.url + "/sparql", params={"query": long_query}, timeout=10,
                             headers={"Accept": "application/sparql-results+json"})
            sent.append((r.headers["X-Request-Id"], long_query, "miss" if n < 2 else "hit", 200))
        r = requests.get(srv.url + "/sparql", params={"query": QUERY}, timeout=10,
                         headers={"Accept": "application/sparql-results+json", "If-None-Match": f'"other", {etag}'})
        assert r.status_code == 304
        sent.append((r.headers["X-Request-Id"], QUERY, "hit", 304))
        assert len({rid for rid, *_ in sent}) == len(sent)
        deadline, lines = time.monotonic() + 5, {}
        while time.monotonic() < deadline and len(lines) < len(sent):
            lines = {l["request_id"]: l for l in map(json.loads, srv.log_text().splitlines())
                     if l.get("event") == "request" and l["path"] == "/sparql"}
            time.sleep(0.05)
        for rid, query, cache, status in sent:
            line = lines[rid]
            assert (line["method"] in ("GET", "POST") and line["route"] == "/sparql" and line["status"] == status
                    and line["cache"] == cache and line["query_hash"] == query_hash(query)), line
            assert set(line) == {"time", "level", "pid", "event", "request_id", "method", "route", "path",
                                 "status", "duration_ms", "cache", "query_hash"}
        assert MARKER not in srv.log_text()
    finally:
        srv.stop()


def test_the_line_writer_writes_in_batches_at_once_for_warnings_and_all_at_exit():
    import io

    from issgraph.operations import LineWriter

    out = io.StringIO()
    w = LineWriter(interval=3600)          # the writer thread never wakes during this test
    w.open(out)
    w.write('{"n": 1}')
    assert out.getvalue() == ""            # gathered, not yet written
    w.write('{"n": 2}', now=True)          # a warning: written at once, with what came before it
    assert out.getvalue() == '{"n": 1}\n{"n": 2}\n'
    w.write('{"n": 3}')
    w.flush()                              # what atexit does
    assert out.getvalue().splitlines()[-1] == '{"n": 3}'
    head = w.head("info")
    assert json.loads(head + '"x": 1}')["pid"] == os.getpid()
