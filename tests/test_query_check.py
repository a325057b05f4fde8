"""The editor's check before a run (#15): a query's syntax error and the guard's refusals found
without evaluating it, at the place and in the words a run would give (querypage.check, served
as JSON by /query/check for the editor to mark while the reader types)."""
from __future__ import annotations

import time
from urllib.parse import quote

import requests

from issgraph import querypage
from issgraph.app import services

from .test_pages import page

ISS = "PREFIX iss: <https://w3id.org/issgraph/ontology#>\n"
BROKEN = ISS + 'SELECT ?s WHERE {\n  ?s iss:quote "unterminated .\n}'


def _check(app, query: str, lang: str = "en") -> dict:
    svc = services(app)
    status, body = querypage.check(svc.queries, svc.prefixes, query, lang)
    assert status == 200, body
    return body


def _run_error(client, query: str, lang: str = "en") -> tuple[str, str, str]:
    """(line, column, message) of the error the query page shows after running `query`."""
    _, tree = page(client, "/query?query=" + quote(query) + f"&lang={lang}", 400)
    box = tree.find(".//*[@id='query-error']")
    return box.get("data-line"), box.get("data-column"), "".join(box.find(".//span[@class='message']").itertext())


def test_a_valid_query_checks_ok_known_prefixes_declared_as_a_run_would(app):
    assert _check(app, ISS + "SELECT ?l WHERE { ?l a iss:Launch }") == {"ok": True}
    # rdfs: and iss: are undeclared, but the page declares them before it runs the query.
    assert _check(app, "SELECT ?l ?n WHERE { ?l a iss:Launch ; rdfs:label ?n }") == {"ok": True}
    assert _check(app, "ASK { ?s ?p ?o }") == {"ok": True}
    assert _check(app, "DESCRIBE <https://w3id.org/issgraph/resource/Russia>") == {"ok": True}


def test_a_syntax_error_is_found_at_the_place_and_in_the_words_of_a_run(app, client):
    for lang in ("en", "fa"):
        found = _check(app, BROKEN, lang)
        line, column, message = _run_error(client, BROKEN, lang)
        assert found["ok"] is False
        assert (str(found["line"]), str(found["column"]), found["message"]) == (line, column, message)
        assert found["lang"] == lang
    assert _check(app, BROKEN, "fa")["message"].startswith("خطای نحوی")


def test_places_count_the_readers_lines_not_the_prefixes_declared_for_them(app, client):
    query = "SELECT ?l WHERE { ?l a iss:Launch ;\n  rdfs:label }"
    found = _check(app, query)
    assert found["ok"] is False and found["line"] == 2
    # The page without script runs (and shows) the text with iss: and rdfs: declared on two lines first.
    line, column, _ = _run_error(client, query)
    assert (int(line), int(column)) == (found["line"] + 2, found["column"])


def test_an_unknown_prefix_and_the_guards_refusals_are_found_with_their_place(app):
    found = _check(app, "SELECT * WHERE {\n  ?s foo:bar ?o\n}")
    assert (found["line"], found["column"]) == (2, 6) and "foo" in found["message"]     # where foo:bar starts
    service = _check(app, "SELECT * WHERE {\n SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "fa")
    assert service["line"] == 2 and "SERVICE" in service["message"] and service["lang"] == "fa"
    update = _check(app, "INSERT DATA { <a:b> <a:c> <a:d> }")
    assert update["ok"] is False and "read-only" in update["message"]
    limit = services(app).config.max_query_bytes
    big = _check(app, "SELECT * WHERE { ?s ?p ?o } #" + "x" * limit, "fa")
    assert big["ok"] is False and big["line"] is None and "۶۵٬۵۳۶" in big["message"]


# Evaluated, each takes seconds even on an empty store (a cross product of 27 million rows); Oxigraph
# computes an ASK, an aggregate or an ORDER BY as soon as the query is given, before any row is read.
_VALUES = " ".join(f"VALUES ?v{k} {{ {' '.join(str(i) for i in range(300))} }}" for k in range(3))
EAGER = ["ASK { " + _VALUES + " FILTER(?v0 + ?v1 + ?v2 < 0) }",
         "SELECT (COUNT(*) AS ?n) { " + _VALUES + " FILTER(?v0 + ?v1 + ?v2 < 0) }",
         "CONSTRUCT { ?v0 ?v0 ?v0 } { " + _VALUES + " FILTER(?v0 + ?v1 + ?v2 < 0) } ORDER BY ?v0"]


def test_a_query_is_checked_without_waiting_for_its_evaluation(app, client):
    for query in EAGER:
        started = time.monotonic()
        assert _check(app, query) == {"ok": True}
        assert time.monotonic() - started < 2.0, query[:40]
    # An error after the ASK keyword is placed as a run places it.
    broken = ISS + "ASK WHERE { ?s iss:quote }"
    found = _check(app, broken)
    assert found["ok"] is False
    assert (str(found["line"]), str(found["column"]), found["message"]) == _run_error(client, broken)
    # The evaluator the check stopped is replaced: queries still run.
    assert _check(app, "ASK { ?s ?p }")["ok"] is False
    assert client.get("/query?query=" + quote("ASK {}")).status_code == 200


def test_check_route_answers_json_and_a_missing_query_briefly(client):
    r = client.get("/query/check?lang=fa&query=" + quote(BROKEN))
    assert r.status_code == 200 and r.content_type == "application/json; charset=utf-8"
    assert r.json["ok"] is False and r.json["line"] == 3 and r.json["lang"] == "fa"
    assert client.get("/query/check?query=" + quote("ASK {}")).json == {"ok": True}
    r = client.get("/query/check")
    assert r.status_code == 400 and r.json == {"error": "no query: add ?query="}


def test_check_route_on_the_real_server(server):
    r = requests.get(server.url + "/query/check", params={"query": BROKEN, "lang": "en"}, timeout=30)
    assert r.status_code == 200 and r.json()["ok"] is False and r.json()["line"] == 3
    assert "syntax error" in r.json()["message"]
    long = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 60000          # a long GET is answered, not cut
    assert requests.get(server.url + "/query/check", params={"query": long}, timeout=30).json() == {"ok": True}


def test_a_check_with_no_evaluator_free_says_so_with_503(app):
    svc = services(app)
    admission, client = svc.executor.admission, "198.51.100.7"
    held = 0
    while admission.acquire(client, time.monotonic()):      # everything this client may hold, held
        held += 1
    try:
        status, body = querypage.check(svc.queries, svc.prefixes, "ASK {}", "fa", client)
    finally:
        for _ in range(held):
            admission.release(client)
    assert status == 503 and body["error"] and "ok" not in body
    assert querypage.check(svc.queries, svc.prefixes, "ASK {}", "fa", client) == (200, {"ok": True})
