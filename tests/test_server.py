"""The real server (granian, the default, and gunicorn, on a free port) with real clients:
SPARQLWrapper, rdflib's SPARQLStore, plain HTTP; and the promises that need a process: no outgoing requests, a real time limit."""
from __future__ import annotations

import os
import re
import socket
import threading
import time

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from .conftest import Listener, Server

ENGINE = os.environ.get("ISSGRAPH_TEST_ENGINE", "oxigraph")


@pytest.fixture(scope="module", params=["gunicorn", "granian"])
def server(request):
    """The real server under both HTTP servers `issgraph serve` offers (granian is the default)."""
    workers = "2" if request.param == "gunicorn" else "1"
    srv = Server("--workers", workers, "--timeout", "3", "--engine", ENGINE, "--server", request.param)
    srv.workers, srv.kind = int(workers), request.param
    yield srv
    srv.stop()

JAPAN = "https://w3id.org/issgraph/resource/Japan"
LABELS = f"SELECT ?l WHERE {{ <{JAPAN}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }} ORDER BY ?l"


def wrapper(server, fmt, method="GET"):
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    return sw


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server, method):
    sw = wrapper(server, JSON, method)
    sw.setQuery(LABELS)
    result = sw.queryAndConvert()
    assert [b["l"]["value"] for b in result["results"]["bindings"]] == ["Japan", "ژاپن"]


def test_sparqlwrapper_select_xml_and_csv(server):
    sw = wrapper(server, XML)
    sw.setQuery(LABELS)
    doc = sw.queryAndConvert()
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == ["Japan", "ژاپن"]
    sw = wrapper(server, CSV)
    sw.setQuery(LABELS)
    assert sw.queryAndConvert().decode("utf-8").splitlines() == ["l", "Japan", "ژاپن"]


def test_sparqlwrapper_ask_and_construct(server):
    sw = wrapper(server, JSON)
    sw.setQuery(f"ASK {{ <{JAPAN}> ?p ?o }}")
    assert sw.queryAndConvert()["boolean"] is True
    sw = wrapper(server, TURTLE)
    sw.setQuery(f"CONSTRUCT {{ <{JAPAN}> ?p ?o }} WHERE {{ <{JAPAN}> ?p ?o }}")
    g = Graph().parse(data=sw.queryAndConvert(), format="turtle")
    assert (URIRef(JAPAN), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("ژاپن", lang="fa")) in g


def test_sparqlwrapper_construct_with_its_default_rdfxml(server):
    sw = wrapper(server, XML)
    sw.setQuery(f"CONSTRUCT {{ <{JAPAN}> ?p ?o }} WHERE {{ <{JAPAN}> ?p ?o }}")
    g = sw.queryAndConvert()
    assert len(g) > 3


def test_rdflib_sparqlstore_queries_the_server(server):
    store = SPARQLStore(server.url + "/sparql", returnFormat="xml")
    g = Graph(store=store)
    rows = list(g.query(LABELS))
    assert sorted(str(r[0]) for r in rows) == ["Japan", "ژاپن"]
    assert bool(g.query(f"ASK {{ <{JAPAN}> ?p ?o }}").askAnswer) is True
    assert len(g.query(f"CONSTRUCT {{ <{JAPAN}> ?p ?o }} WHERE {{ <{JAPAN}> ?p ?o }}").graph) > 3


def test_federating_engine_style_post(server):
    r = requests.post(server.url + "/sparql", data=LABELS.encode(), timeout=10,
                      headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and [b["l"]["value"] for b in r.json()["results"]["bindings"]] == ["Japan", "ژاپن"]


def test_comunica_style_construct_accepts_only_turtle(server):
    r = requests.get(server.url + "/sparql", params={"query": f"CONSTRUCT WHERE {{ <{JAPAN}> ?p ?o }}"},
                     headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")


def test_errors_from_the_real_server_are_short_and_traceless(server):
    r = requests.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p"}, timeout=10)
    assert r.status_code == 400 and "line 1" in r.text and "Traceback" not in r.text and len(r.text) < 400
    assert r.headers["X-Request-Id"]


def test_service_and_from_never_contact_anything(server):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/sparql"
        attempts = [
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
            f"PREFIX x: <http://127.0.0.1:{listener.port}/> SELECT * WHERE {{ sErViCe x:q {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"DESCRIBE <{url}>",
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
        ]
        for q in attempts:
            requests.get(server.url + "/sparql", params={"query": q}, timeout=10)
        for extra in ({"default-graph-uri": url}, {"named-graph-uri": url}):
            requests.get(server.url + "/sparql", params={"query": "ASK {}", **extra}, timeout=10)
        requests.post(server.url + "/sparql", data={"update": f"LOAD <{url}>"}, timeout=10)
        time.sleep(0.5)
        assert listener.close() == 0
    finally:
        listener.close()


def test_web_workers_are_cut_off_from_the_network_too(server):
    requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=10)
    deadline = time.monotonic() + 20     # the second worker may still be starting
    while True:
        log = server.log_text()
        isolated = re.findall(r"isolated from the network \(.*seccomp\+audit\)", log)
        if len(isolated) >= server.workers or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "serving" in log and "triples" in log
    assert len(isolated) >= server.workers, log


def test_evaluator_processes_are_cut_off_from_the_network(app):
    """The guard is process-wide: even a SERVICE call that got past the query guard could not connect."""
    from issgraph.engine import QueryJob
    from issgraph.formats import BY_NAME

    listener = Listener()
    try:
        executor = app.extensions["issgraph"].executor
        job = QueryJob(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/s> {{ ?s ?p ?o }} }}", "SELECT")
        with pytest.raises(Exception):
            executor.run(job, BY_NAME["json"])
        time.sleep(0.3)
        assert listener.close() == 0
    finally:
        listener.close()


def test_runaway_query_is_stopped_while_others_are_answered(server):
    runaway = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    outcome = {}

    def run_slow():
        start = time.monotonic()
        r = requests.get(server.url + "/sparql", params={"query": runaway}, timeout=60)
        outcome["slow"] = (r.status_code, r.text, time.monotonic() - start)

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    start = time.monotonic()
    quick = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    quick_time = time.monotonic() - start
    thread.join()
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_time < 2.5, "a simple query waited on the runaway one"
    status, text, elapsed = outcome["slow"]
    assert status == 503 and "exceeded 3 s" in text
    assert 2.5 < elapsed < 15
    # The runaway's evaluator was killed: nothing spins, and the server answers again at once.
    before = tree_cpu_seconds(server.proc.pid)
    time.sleep(1.0)
    assert tree_cpu_seconds(server.proc.pid) - before < 0.3
    again = requests.get(server.url + "/sparql", params={"query": LABELS}, timeout=10)
    assert again.status_code == 200


def test_more_new_queries_at_once_than_evaluators_are_each_answered_with_their_own_answer(server):
    """24 queries never seen before, from one address at once: most find no evaluator free and wait
    (on granian, on its event loop); each gets a 200 with its own answer, none another's."""
    n = 24
    barrier = threading.Barrier(n)
    got: dict[int, tuple[int, object]] = {}

    def ask(i: int) -> None:
        query = f"SELECT ?i WHERE {{ ?s a ?t . BIND({i} AS ?i) }} LIMIT 1"
        barrier.wait(10)
        r = requests.get(server.url + "/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
        got[i] = (r.status_code, r.json()["results"]["bindings"] if r.status_code == 200 else r.text)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    assert sorted(got) == list(range(n))
    for i, (status, rows) in got.items():
        assert status == 200, (i, rows)
        assert [row["i"]["value"] for row in rows] == [str(i)], (i, rows)


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and all its descendants, from /proc."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += stats.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


def test_chunked_post_is_read_and_answered(server):
    host, port = server.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n9\r\nASK { }  \r\n0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b'{"head":{},"boolean":true}'
    assert b"Cacheable" not in head


@pytest.mark.parametrize("fixture, code, words", [
    ("missing_persian_label.ttl", 1, "does not conform"),
    ("malformed.ttl", 2, "malformed.ttl:25:5"),
])
def test_serve_refuses_a_graph_that_does_not_validate(fixture, code, words):
    import subprocess
    import sys

    from .conftest import FIXTURES, ROOT, free_port

    run = subprocess.run([sys.executable, "-m", "issgraph.cli", "serve", "--port", str(free_port()),
                          "--data", str(FIXTURES / fixture)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "ISSGRAPH_CACHE_DIR": "/nonexistent-cache"})
    assert run.returncode == code and words in run.stderr and "Traceback" not in run.stderr


def test_an_engine_crash_is_a_400_logged_with_the_request_id(server):
    """Oxigraph aborts on some flat operator chains; the evaluator dies, the client gets 400, the
    server log names the request's id, and the next query is answered."""
    query = "SELECT (" + "!" * 9500 + "true AS ?x) WHERE {}"
    r = requests.post(server.url + "/sparql", data=query.encode(), timeout=30,
                      headers={"Content-Type": "application/sparql-query", "X-Request-Id": "crash-probe-42"})
    assert r.status_code == 400 and "evaluator stopped" in r.text
    assert r.headers["X-Request-Id"] == "crash-probe-42"
    deadline = time.monotonic() + 10
    while "request crash-probe-42: evaluator failed" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "request crash-probe-42: evaluator failed" in server.log_text()
    assert requests.get(server.url + "/sparql", params={"query": LABELS}, timeout=10).status_code == 200


def _raw(server, request: bytes) -> bytes:
    host, port = server.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return data


@pytest.mark.parametrize("chunks", [b"zz\r\nASK {}\r\n0\r\n\r\n", b"-1\r\nASK {}\r\n0\r\n\r\n",
                                    b"20\r\nASK {}\r\n0\r\n\r\n", b"6\r\nASK {XXXXX\r\n0\r\n\r\n"])
def test_a_malformed_chunked_body_gets_a_short_400_and_no_traceback(server, chunks):
    answer = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                          b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer[:300]
    assert len(body) < 300 and b"<html" not in body.lower()
    time.sleep(0.2)
    assert "Traceback" not in server.log_text()


@pytest.mark.parametrize("name", ["a%20b", "a%25b", "a%22b", "a%3Cb", "a%7Bb%7D", "a%5Cb", "a%60b", "a%7Cb",
                                  "a%5Eb", "a%01b", "a%0Ab", "a%7F"])
def test_resource_names_that_cannot_be_iris_get_404_and_no_traceback(server, name):
    for path, accept in ((f"/resource/{name}", "text/html"), (f"/resource/{name}", "text/turtle"),
                         (f"/page/{name}", "text/html"), (f"/data/{name}.ttl", "*/*"), (f"/data/{name}.rdf", "*/*")):
        r = requests.get(server.url + path, headers={"Accept": accept}, timeout=10)
        assert r.status_code == 404, (path, r.status_code)
        assert r.headers["X-Request-Id"]
        if not accept.startswith("text/html"):
            assert len(r.content) < 300
    time.sleep(0.2)
    assert "Traceback" not in server.log_text() and " 500 " not in server.log_text()


def test_the_http_servers_own_refusals_are_never_html(server):
    """gunicorn's are short plain text with an X-Request-Id; granian's have an empty body (README)."""
    answer = _raw(server, b"GARBAGE\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"<html" not in answer.lower() and len(body) < 300
    if server.kind == "gunicorn":
        assert b"Content-Type: text/plain" in head and b"X-Request-Id: " in head and body
    else:
        assert body == b""



def test_the_server_runs_uvloop_and_whole_graph_constructs_answer_every_time():
    """The worker's event loop is uvloop (named, not granian's `auto`, which would take rloop).
    Under uvloop about one in three of a series of `CONSTRUCT { ?s ?p ?o }` over the whole graph
    answered 400 "the evaluator stopped": uvloop's add_reader left the evaluator's pipe
    non-blocking and the long answer was read half (EAGAIN). Every one answers now."""
    srv = Server("--workers", "1", "--timeout", "5")
    try:
        statuses = [requests.post(srv.url + "/sparql", timeout=10, data={
            "query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {10000 + i}"}).status_code for i in range(12)]
        assert statuses == [200] * 12, statuses
        assert "event loop uvloop" in srv.log_text()
    finally:
        srv.stop()


@pytest.mark.parametrize("kind", ["granian", "gunicorn"])
def test_the_startup_lines_are_in_the_log_before_the_first_answer(kind):
    """What the server says at start (what it serves, on which loop) is written before it listens:
    info lines are batched for a quarter second, and the server's main process, waiting in
    granian's or gunicorn's loop, could hold them for seconds (CI once read an empty log)."""
    srv = Server("--workers", "1", "--timeout", "5", "--server", kind)
    try:
        text = srv.log_text()           # read at once: the server has just answered its first request
        assert '"serving ' in text and "triples" in text, text
        if kind == "granian":
            assert "event loop uvloop" in text, text
    finally:
        srv.stop()
