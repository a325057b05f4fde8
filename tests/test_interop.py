"""What real clients do on their first request, against the real server: every SPARQLWrapper
return format, the format spellings other clients send, Accept with parameters, relative IRIs,
SPARQL 1.2, and browsers sent to the query page."""
from __future__ import annotations

import csv
import io
import json
import os
import warnings
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests
import SPARQLWrapper as SW
from rdflib import Graph, Literal, URIRef
from rdflib.query import Result

from issgraph import formats

ENGINE = os.environ.get("ISSGRAPH_TEST_ENGINE", "oxigraph")
JAPAN = "https://w3id.org/issgraph/resource/Japan"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LABELS = {"Japan", "ژاپن"}
QUERIES = {
    "SELECT": f"SELECT ?label WHERE {{ <{JAPAN}> <{RDFS_LABEL}> ?label }} ORDER BY ?label",
    "ASK": f"ASK {{ <{JAPAN}> <{RDFS_LABEL}> \"ژاپن\"@fa }}",
    "CONSTRUCT": f"CONSTRUCT {{ <{JAPAN}> <{RDFS_LABEL}> ?l }} WHERE {{ <{JAPAN}> <{RDFS_LABEL}> ?l }}",
    "DESCRIBE": f"DESCRIBE <{JAPAN}>",
}
RESULTS_MEDIA = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                 "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                 "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}
GRAPH_MEDIA = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}


def media(response_or_type) -> str:
    value = response_or_type if isinstance(response_or_type, str) else response_or_type.headers["Content-Type"]
    return value.split(";")[0].strip()


def check_answer(form: str, content_type: str, body: bytes) -> None:
    """The answer, in whatever format it came, says what the graph says about Japan's labels."""
    kind = media(content_type)
    if form in ("SELECT", "ASK"):
        if kind == "text/csv" and form == "SELECT":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert rows[0] == ["label"] and {r[0] for r in rows[1:]} == LABELS
            return
        if form == "ASK" and kind in ("text/csv", "text/tab-separated-values"):
            assert body.decode().strip() == "true"
            return
        parsed = ox.parse_query_results(body, format=RESULTS_MEDIA[kind])
        if form == "ASK":
            assert bool(parsed) is True
        else:
            assert {s["label"].value for s in parsed} == LABELS
        return
    g = Graph().parse(data=body, format=GRAPH_MEDIA[kind])
    assert {str(o) for o in g.objects(URIRef(JAPAN), URIRef(RDFS_LABEL))} >= LABELS


# What SPARQLWrapper's setReturnFormat must get for each query form (None: any format it can read,
# as SPARQLWrapper itself then sends Accept: */* and a format that does not fit the form).
EXPECTED = {
    "results": {SW.JSON: "application/sparql-results+json", SW.XML: "application/sparql-results+xml",
                SW.CSV: "text/csv", SW.TSV: "text/tab-separated-values"},
    "graph": {SW.TURTLE: "text/turtle", SW.N3: "text/turtle", SW.XML: "application/rdf+xml",
              SW.RDFXML: "application/rdf+xml", SW.RDF: "application/rdf+xml", SW.JSONLD: "application/ld+json"},
}
METHODS = {"GET": (SW.GET, SW.URLENCODED), "POST": (SW.POST, SW.URLENCODED), "POST-direct": (SW.POST, SW.POSTDIRECTLY)}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", SW.Wrapper._allowedFormats)
@pytest.mark.parametrize("form", QUERIES)
def test_sparqlwrapper_every_return_format(server, form, return_format, method):
    sw = SW.SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(QUERIES[form])
    sw.setReturnFormat(return_format)
    sw.setMethod(METHODS[method][0])
    sw.setRequestMethod(METHODS[method][1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SPARQLWrapper's own warning when it sends Accept: */*
        result = sw.query()
    content_type = result.info()["content-type"]
    body = result.response.read()
    expected = EXPECTED["results" if form in ("SELECT", "ASK") else "graph"].get(return_format)
    if expected is not None:
        assert media(content_type) == expected
    check_answer(form, content_type, body)


@pytest.mark.parametrize("return_format, converted", [
    (SW.JSON, dict), (SW.XML, object), (SW.CSV, bytes), (SW.TSV, bytes)])
def test_sparqlwrapper_converts_select_without_warning(server, return_format, converted):
    sw = SW.SPARQLWrapper(server.url + "/sparql", returnFormat=return_format)
    sw.setQuery(QUERIES["SELECT"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert isinstance(sw.queryAndConvert(), converted)


# (SW.RDF is left out: SPARQLWrapper itself warns that it sends Accept: */* for it; the matrix above covers it.)
@pytest.mark.parametrize("return_format", [SW.XML, SW.RDFXML, SW.TURTLE, SW.N3, SW.JSONLD])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_converts_construct_without_warning(server, return_format, method):
    # The first finding: CONSTRUCT with RDFXML got "400 unknown format 'rdf+xml'".
    sw = SW.SPARQLWrapper(server.url + "/sparql", returnFormat=return_format)
    sw.setMethod(method)
    sw.setQuery(QUERIES["CONSTRUCT"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        converted = sw.queryAndConvert()
    g = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
    assert (URIRef(JAPAN), URIRef(RDFS_LABEL), Literal("ژاپن", lang="fa")) in g


# --- the spellings other clients put in format=, output=, results= ----------------------------

@pytest.mark.parametrize("param, value, form, expected", [
    # Jena / Fuseki output=
    ("output", "json", "SELECT", "application/sparql-results+json"),
    ("output", "xml", "SELECT", "application/sparql-results+xml"),
    ("output", "csv", "SELECT", "text/csv"),
    ("output", "tsv", "SELECT", "text/tab-separated-values"),
    ("output", "ttl", "CONSTRUCT", "text/turtle"),
    ("output", "nt", "CONSTRUCT", "application/n-triples"),
    ("output", "json-ld", "CONSTRUCT", "application/ld+json"),
    ("output", "rdf/xml", "CONSTRUCT", "application/rdf+xml"),
    ("output", "xml", "CONSTRUCT", "application/rdf+xml"),
    # Virtuoso format= with media types, its own and the standard ones
    ("format", "application/sparql-results+json", "SELECT", "application/sparql-results+json"),
    ("format", "application/sparql-results+xml", "ASK", "application/sparql-results+xml"),
    ("format", "text/tab-separated-values", "SELECT", "text/tab-separated-values"),
    ("format", "application/javascript", "SELECT", "application/sparql-results+json"),
    ("format", "text/rdf+n3", "CONSTRUCT", "text/turtle"),
    ("format", "application/x-nice-turtle", "DESCRIBE", "text/turtle"),
    ("format", "text/plain", "CONSTRUCT", "application/n-triples"),
    ("format", "application/x-json+ld", "CONSTRUCT", "application/ld+json"),
    ("format", "application/rdf+xml", "DESCRIBE", "application/rdf+xml"),
    ("format", "application/rdf xml", "DESCRIBE", "application/rdf+xml"),   # '+' typed into a URL unencoded
    ("format", "text/csv; charset=utf-8", "SELECT", "text/csv"),
    # SPARQLWrapper's own names, also through results=
    ("results", "rdf+xml", "CONSTRUCT", "application/rdf+xml"),
    ("results", "n3", "CONSTRUCT", "text/turtle"),
    ("format", "json-ld", "DESCRIBE", "application/ld+json"),
    ("format", "application/ld+json,application/x-json+ld", "CONSTRUCT", "application/ld+json"),
])
def test_client_format_spellings(server, param, value, form, expected):
    r = requests.get(server.url + "/sparql", params={"query": QUERIES[form], param: value}, timeout=30)
    assert r.status_code == 200, r.text
    assert media(r) == expected
    check_answer(form, r.headers["Content-Type"], r.content)


@pytest.mark.parametrize("value", ["yaml", "text", "sse", "thrift", "application/vnd.ms-excel", "html5", ""])
def test_unknown_format_spelling_falls_back_to_accept(server, value):
    r = requests.get(server.url + "/sparql", params={"query": QUERIES["SELECT"], "format": value, "output": value},
                     headers={"Accept": "text/tab-separated-values"}, timeout=30)
    assert r.status_code == 200 and media(r) == "text/tab-separated-values"


def test_a_format_for_the_other_kind_of_answer_falls_back_to_accept(server):
    r = requests.get(server.url + "/sparql", params={"query": QUERIES["CONSTRUCT"], "format": "csv"},
                     headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 200 and media(r) == "application/n-triples"


# --- Accept with media-type parameters -------------------------------------------------------

def _accept_variants(media_type: str) -> list[str]:
    return [f"{media_type};charset=utf-8", f"{media_type}; charset=UTF-8", f'{media_type}; profile="urn:x"; q=0.9',
            f"{media_type.upper()};q=0.8;charset=utf-8", f"image/png, {media_type};charset=utf-8;q=0.5"]


@pytest.mark.parametrize("fmt", [*formats.RESULTS, *formats.GRAPH], ids=lambda f: f.name)
def test_accept_with_parameters_still_matches(server, fmt):
    form = "SELECT" if fmt.kind == "results" else "CONSTRUCT"
    for accept in _accept_variants(fmt.media_type):
        r = requests.get(server.url + "/sparql", params={"query": QUERIES[form]}, headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200, (accept, r.text)
        assert media(r) == fmt.media_type, accept
        check_answer(form, r.headers["Content-Type"], r.content)


def test_jsonld_profile_in_accept_matches_on_resources(server):
    r = requests.get(server.url + "/resource/Japan", headers={
        "Accept": 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"'}, timeout=30)
    assert r.status_code == 200 and media(r) == "application/ld+json"


def test_accept_parameters_do_not_beat_quality(server):
    r = requests.get(server.url + "/sparql", params={"query": QUERIES["SELECT"]}, timeout=30,
                     headers={"Accept": "text/csv;charset=utf-8;q=0.2, application/sparql-results+xml;q=0.9"})
    assert media(r) == "application/sparql-results+xml"


# --- relative IRIs: resolved against the endpoint's IRI ----------------------------------------

def test_w3c_query_content_type_construct_resolves_relative_iris(server):
    # The SPARQL 1.1 Protocol test query_content_type_construct, as the W3C suite posts it.
    r = requests.post(server.url + "/sparql", data="CONSTRUCT { <s> <p> 1 } WHERE {}".encode(), timeout=30,
                      headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.text.strip() == ('<https://w3id.org/issgraph/s> <https://w3id.org/issgraph/p> '
                              '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .')


def test_relative_iris_in_select_and_from(server):
    r = requests.get(server.url + "/sparql", headers={"Accept": "application/sparql-results+json"}, timeout=30,
                     params={"query": "SELECT (COUNT(*) AS ?n) FROM <graph/data> WHERE { <resource/Japan> ?p ?o }"})
    assert r.status_code == 200, r.text
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 3


def test_a_query_base_wins_over_the_endpoint_base(server):
    r = requests.get(server.url + "/sparql", headers={"Accept": "application/n-triples"}, timeout=30,
                     params={"query": "BASE <http://example.org/x/> CONSTRUCT { <s> <p> <o> } WHERE {}"})
    assert r.text.strip() == "<http://example.org/x/s> <http://example.org/x/p> <http://example.org/x/o> ."


def test_an_iri_that_cannot_be_read_is_named_in_the_error(server):
    r = requests.get(server.url + "/sparql", params={"query": "SELECT * WHERE { <http://[oops> ?p ?o }"}, timeout=30)
    assert r.status_code == 400
    assert r.text.startswith("invalid IRI <http://[oops> at line 1") and "expected WHERE" not in r.text
    assert r.headers["X-Error-Line"] == "1"


@pytest.mark.parametrize("query, column", [
    ("BASE <http://[x> SELECT * {}", 6),
    ("PREFIX a: <http://[x> SELECT * {}", 11),
    ("SELECT * FROM <http://[x> {}", 15),
    ("SELECT * FROM NAMED <http://[::1> {}", 21),
])
def test_an_iri_that_cannot_be_resolved_in_the_prologue_or_a_dataset_clause_is_a_400_with_its_place(server, query, column):
    """urljoin refuses such IRIs ("Invalid IPv6 URL"); that was a bare 500 with an empty body."""
    for send in (lambda: requests.get(server.url + "/sparql", params={"query": query}, timeout=30),
                 lambda: requests.post(server.url + "/sparql", data={"query": query}, timeout=30),
                 lambda: requests.post(server.url + "/sparql", data=query.encode(), timeout=30,
                                       headers={"Content-Type": "application/sparql-query"})):
        r = send()
        assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/plain"), (r.status_code, r.text)
        assert r.text.startswith("invalid IRI <http://[") and f"(line 1, column {column})" in r.text, r.text
        assert (r.headers["X-Error-Line"], r.headers["X-Error-Column"]) == ("1", str(column))
        assert r.headers["X-Request-Id"] and r.headers["Access-Control-Allow-Origin"] == "*"
    check = requests.get(server.url + "/query/check", params={"query": query}, timeout=30)
    assert check.status_code == 200 and check.json()["ok"] is False and check.json()["column"] == column
    page = requests.get(server.url + "/query", params={"query": query}, timeout=30)
    assert page.status_code == 400 and "invalid IRI" in page.text


# --- SPARQL 1.2 ----------------------------------------------------------------------------------

SPARQL12 = {
    "version": ('VERSION "1.2" SELECT ?label WHERE { <%s> <%s> ?label } ORDER BY ?label' % (JAPAN, RDFS_LABEL)),
    "triple_term": "SELECT ?t WHERE { BIND(<<( <%s> <%s> \"ژاپن\"@fa )>> AS ?t) }" % (JAPAN, RDFS_LABEL),
    "reifier": "CONSTRUCT { << <%s> <%s> ?l >> <urn:x:p> 1 } WHERE { <%s> <%s> ?l }" % (JAPAN, RDFS_LABEL, JAPAN, RDFS_LABEL),
    "annotation": "CONSTRUCT { <%s> <%s> ?l {| <urn:x:p> 1 |} } WHERE { <%s> <%s> ?l }" % (JAPAN, RDFS_LABEL, JAPAN, RDFS_LABEL),
    "direction": 'SELECT ?x WHERE { BIND("ژاپن"@fa--rtl AS ?x) }',
}


@pytest.mark.parametrize("feature", SPARQL12)
def test_sparql12_queries(server, feature):
    query = SPARQL12[feature]
    accept = "application/sparql-results+json" if "SELECT" in query else "application/n-triples"
    r = requests.get(server.url + "/sparql", params={"query": query}, headers={"Accept": accept}, timeout=30)
    if ENGINE == "rdflib":
        assert r.status_code == 400
        assert "SPARQL 1.2" in r.text and "rdflib engine" in r.text and "oxigraph" in r.text
        return
    assert r.status_code == 200, r.text
    if feature == "version":
        assert {b["label"]["value"] for b in r.json()["results"]["bindings"]} == LABELS
    elif feature == "triple_term":
        term = r.json()["results"]["bindings"][0]["t"]
        assert term["type"] == "triple" and term["value"]["subject"]["value"] == JAPAN
    elif feature == "direction":
        term = r.json()["results"]["bindings"][0]["x"]
        assert term["xml:lang"] == "fa" and term["its:dir"] == "rtl"
    else:
        triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
        reifies = [q for q in triples if q.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"]
        assert len(reifies) == 2 and all(isinstance(q.object, ox.Triple) for q in reifies)


def test_triple_terms_in_a_format_that_cannot_hold_them_are_a_clear_400(server):
    r = requests.get(server.url + "/sparql", params={"query": SPARQL12["annotation"]},
                     headers={"Accept": "application/ld+json"}, timeout=30)
    assert r.status_code == 400
    if ENGINE == "oxigraph":
        assert r.text.startswith("the answer holds triple terms (RDF 1.2), which JSON-LD cannot express")
    rdfxml = requests.get(server.url + "/sparql", params={"query": SPARQL12["annotation"]},
                          headers={"Accept": "application/rdf+xml"}, timeout=30)
    assert rdfxml.status_code == (200 if ENGINE == "oxigraph" else 400)


def test_sparql12_keeps_every_guard_rule(server):
    for query, says, status in (
            ('VERSION "1.2" SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }', "SERVICE", 400),
            ('VERSION "1.2" INSERT DATA { <a:s> <a:p> <a:o> }', "read-only", 403),   # an update: refused as such
            ('VERSION "1.2" SELECT * FROM <http://example.org/g> WHERE { << ?s ?p ?o >> ?q ?r }',
             "does not serve", 400),
            ('VERSION 1.2 SELECT * WHERE {}', "malformed VERSION", 400)):
        r = requests.get(server.url + "/sparql", params={"query": query}, timeout=30)
        assert r.status_code == status and says in r.text, (query, r.text)


def test_service_description_says_which_sparql_the_engine_reads(server):
    r = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    g = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    extensions = {str(o) for o in g.objects(None, URIRef(sd + "languageExtension"))}
    assert (None, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in g
    assert ("https://www.w3.org/TR/sparql12-query/" in extensions) == (ENGINE == "oxigraph")


# --- browsers on /sparql?query= --------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("accept", ["text/html", BROWSER])
def test_a_browser_is_sent_to_the_query_page_with_the_query(server, accept):
    r = requests.get(server.url + "/sparql", params={"query": QUERIES["SELECT"]}, headers={"Accept": accept},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 303
    target = urlsplit(r.headers["Location"])
    assert target.path == "/query" and parse_qs(target.query)["query"] == [QUERIES["SELECT"]]
    page = requests.get(server.url + r.headers["Location"], headers={"Accept": accept}, timeout=30)
    assert page.status_code == 200 and "ژاپن" in page.text


def test_a_program_asking_for_data_is_not_redirected(server):
    for accept in ("*/*", "application/sparql-results+json, text/html;q=0.5", None):
        r = requests.get(server.url + "/sparql", params={"query": QUERIES["SELECT"]}, allow_redirects=False,
                         headers={"Accept": accept} if accept else {}, timeout=30)
        assert r.status_code == 200 and media(r) == "application/sparql-results+json", accept
    r = requests.get(server.url + "/sparql", params={"query": QUERIES["SELECT"], "format": "json"},
                     headers={"Accept": "text/html"}, allow_redirects=False, timeout=30)
    assert r.status_code == 200 and media(r) == "application/sparql-results+json"


# --- Accept headers as common clients send them ----------------------------------------------------

@pytest.mark.parametrize("form, accept, expected", [
    # YASGUI (@zazuko/yasgui): the type it wants, then anything
    ("SELECT", "application/sparql-results+json,*/*;q=0.9", "application/sparql-results+json"),
    ("CONSTRUCT", "text/turtle,*/*;q=0.9", "text/turtle"),
    # Jena-style ranked lists, with parameters on some entries
    ("SELECT", "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
               "text/tab-separated-values;q=0.7, text/csv;q=0.5, application/json;q=0.2, */*;q=0.1",
     "application/sparql-results+json"),
    ("CONSTRUCT", "text/turtle;charset=utf-8, application/n-triples;q=0.9, application/rdf+xml;q=0.7, */*;q=0.1",
     "text/turtle"),
    ("DESCRIBE", "application/n-triples;q=1.0, text/turtle;q=0.5", "application/n-triples"),
    # rdflib's SPARQLStore (returnFormat xml) and curl's default
    ("ASK", "application/sparql-results+xml", "application/sparql-results+xml"),
    ("SELECT", "*/*", "application/sparql-results+json"),
])
def test_common_client_accept_headers(server, form, accept, expected):
    r = requests.post(server.url + "/sparql", data={"query": QUERIES[form]}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200 and media(r) == expected
    check_answer(form, r.headers["Content-Type"], r.content)
