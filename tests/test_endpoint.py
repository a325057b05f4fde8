"""The SPARQL 1.1 Protocol at /sparql, through Flask's test client: methods, types, formats, errors."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.query import Result

ASK = "ASK { ?s ?p ?o }"
SELECT = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          "SELECT ?label WHERE { <https://w3id.org/issgraph/resource/Japan> rdfs:label ?label } ORDER BY ?label")
CONSTRUCT = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> CONSTRUCT { ?s rdfs:label ?l } "
             "WHERE { ?s rdfs:label ?l FILTER(?s = <https://w3id.org/issgraph/resource/Japan>) }")
FORM = "application/x-www-form-urlencoded"
DATA_GRAPH = "https://w3id.org/issgraph/graph/data"
ONTOLOGY_GRAPH = "https://w3id.org/issgraph/graph/ontology"
SHAPES_GRAPH = "https://w3id.org/issgraph/graph/shapes"
INFERRED_GRAPH = "https://w3id.org/issgraph/graph/inferred"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def labels(response) -> list[str]:
    return [b["label"]["value"] for b in json.loads(response.data)["results"]["bindings"]]


# --- the three ways to send a query -------------------------------------------------------

def test_get_with_query_parameter(client):
    r = client.get("/sparql", query_string={"query": SELECT})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert labels(r) == ["Japan", "ژاپن"]


def test_post_form_encoded(client):
    r = client.post("/sparql", data={"query": SELECT}, content_type=FORM)
    assert r.status_code == 200 and labels(r) == ["Japan", "ژاپن"]


def test_post_direct_query_body(client):
    r = client.post("/sparql", data=SELECT.encode(), content_type="application/sparql-query")
    assert r.status_code == 200 and labels(r) == ["Japan", "ژاپن"]


def test_post_direct_with_dataset_parameters_in_url(client):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    r = client.post(f"/sparql?default-graph-uri={quote(SHAPES_GRAPH)}", data=q, content_type="application/sparql-query")
    assert r.status_code == 200
    n = int(json.loads(r.data)["results"]["bindings"][0]["n"]["value"])
    shapes = client.get("/sparql", query_string={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{SHAPES_GRAPH}> {{ ?s ?p ?o }} }}"})
    assert n == int(json.loads(shapes.data)["results"]["bindings"][0]["n"]["value"]) and n > 100


def test_head_answers_like_get_without_a_body(client):
    r = client.head("/sparql", query_string={"query": ASK})
    assert r.status_code == 200 and r.data == b"" and r.headers["Content-Type"].startswith("application/sparql-results+json")


# --- results formats and negotiation -------------------------------------------------------

@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+xml, application/rdf+xml", "application/sparql-results+xml"),
])
def test_select_negotiates_results_format(client, accept, media):
    r = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == f"{media}; charset=utf-8"
    assert "Accept" in r.headers["Vary"]


def test_select_results_parse_in_every_format(client):
    for fmt, parse in (("xml", "xml"), ("json", "json"), ("csv", "csv")):
        r = client.get("/sparql", query_string={"query": SELECT, "format": fmt})
        result = Result.parse(io.BytesIO(r.data), format=parse)
        assert sorted(str(row[0]) for row in result) == ["Japan", "ژاپن"], fmt
    tsv = client.get("/sparql", query_string={"query": SELECT, "format": "tsv"})
    parsed = list(ox.parse_query_results(tsv.data, format=ox.QueryResultsFormat.TSV))
    assert [s["label"].value for s in parsed] == ["Japan", "ژاپن"]
    assert tsv.data.decode().splitlines() == ["?label", '"Japan"@en', '"ژاپن"@fa']


def test_csv_follows_rfc4180_with_crlf(client):
    r = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/csv"})
    assert r.data == "label\r\nJapan\r\nژاپن\r\n".encode()
    assert list(csv.reader(io.StringIO(r.data.decode()))) == [["label"], ["Japan"], ["ژاپن"]]


@pytest.mark.parametrize("accept, media", [
    ("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"), ("application/rdf+xml", "application/rdf+xml"),
    ("*/*", "text/turtle"), ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml"),
])
def test_construct_negotiates_rdf_format_and_parses(client, accept, media):
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["Content-Type"] == f"{media}; charset=utf-8"
    g = Graph().parse(data=r.data, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                           "application/ld+json": "json-ld", "application/rdf+xml": "xml"}[media])
    assert sorted(str(o) for o in g.objects()) == ["Japan", "ژاپن"]


def test_ask_in_json_and_xml(client):
    r = client.get("/sparql", query_string={"query": ASK})
    assert json.loads(r.data) == {"head": {}, "boolean": True}
    r = client.get("/sparql", query_string={"query": "ASK { <urn:x> <urn:y> <urn:z> }"},
                   headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>false</boolean>" in r.data


def test_describe_returns_the_resource(client):
    r = client.get("/sparql", query_string={"query": "DESCRIBE <https://w3id.org/issgraph/resource/Dragon>"},
                   headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "دراگن".encode() in r.data


def test_format_parameter_overrides_accept(client):
    r = client.get("/sparql", query_string={"query": SELECT, "format": "csv"}, headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["Content-Type"].startswith("text/csv")
    r = client.get("/sparql", query_string={"query": SELECT, "format": "text/tab-separated-values"})
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")


def test_client_library_extras_are_accepted(client):
    # SPARQLWrapper adds format/output/results; others send timeout.
    r = client.get("/sparql", query_string={"query": SELECT, "output": "json", "results": "json", "timeout": "5"})
    assert r.status_code == 200 and labels(r) == ["Japan", "ژاپن"]
    r = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "json"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")


def test_nothing_acceptable_gives_406_listing_offers(client):
    r = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert b"application/sparql-results+json" in r.data and b"text/tab-separated-values" in r.data
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and b"text/turtle" in r.data


def test_unknown_format_parameter_falls_back_to_accept(client):
    # Client libraries add format parameters on their own: one naming no format must not fail.
    r = client.get("/sparql", query_string={"query": SELECT, "format": "yaml"}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")


# --- the dataset: default graph, named graphs, FROM, protocol parameters ----------------------

def count(client, query, **params) -> int:
    r = client.get("/sparql", query_string={"query": query, **params})
    assert r.status_code == 200, r.data
    return int(json.loads(r.data)["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_data_ontology_and_inferred(client, dataset):
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == dataset.default_triple_count
    names = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"})
    assert [b["g"]["value"] for b in json.loads(names.data)["results"]["bindings"]] == sorted(
        [DATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH])


def test_from_and_protocol_parameters_select_served_graphs(client, dataset):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{DATA_GRAPH}> WHERE {{ ?s ?p ?o }}") == len(dataset.data)
    assert count(client, q, **{"default-graph-uri": ONTOLOGY_GRAPH}) == len(dataset.ontology)
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                 **{"named-graph-uri": SHAPES_GRAPH}) == len(dataset.shapes)


@pytest.mark.parametrize("query, params", [
    ("SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }", {}),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": "http://example.org/g"}),
    ("SELECT * WHERE { ?s ?p ?o }", {"named-graph-uri": "file:///etc/hostname"}),
])
def test_foreign_graph_iris_are_refused_with_400(client, query, params):
    r = client.get("/sparql", query_string={"query": query, **params})
    assert r.status_code == 400 and b"does not serve" in r.data


# --- errors ------------------------------------------------------------------------------------

def test_syntax_error_gives_400_with_line_and_column(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p ?o\n"})
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/plain")
    assert b"line 3, column 1" in r.data
    assert b"Traceback" not in r.data


def test_a_refusal_before_the_parser_says_its_place_in_the_body_too(client):
    r = client.get("/sparql", query_string={"query": "\n  SELEC * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and (r.headers["X-Error-Line"], r.headers["X-Error-Column"]) == ("2", "3")
    assert r.data.decode() == "not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK (line 2, column 3)\n"


@pytest.mark.parametrize("query, place, start", [
    ("SELECT ?s ?p WHERE { ?s ?p ?o } GROUP BY ?s", (1, 11), "?p is selected at line 1, column 11 but neither grouped"),
    ("SELECT ?s (COUNT(*) AS ?n)\nWHERE { ?s ?p ?o }", (1, 8), "?s is selected at line 1, column 8 but neither grouped"),
    ("SELECT ?p ?dt (COUNT(*) AS ?n) { ?s ?p ?o BIND(DATATYPE(?o) AS ?dt) } GROUP BY ?p # x", (1, 11),
     "?dt is selected at line 1, column 11"),
    ("SELECT (YEAR(?f) AS ?y) (COUNT(*) AS ?n) WHERE { ?s ?p ?f } GROUP BY (YEAR(?f))", (1, 1),
     "an expression in SELECT at line 1, column 1 uses a variable that is neither grouped nor aggregated"),
])
def test_a_grouping_mistake_is_named_as_one_not_as_a_syntax_error_at_the_end(client, query, place, start):
    """Oxigraph lists its grouping check among the tokens it expected, at the end of the text
    ("expected "$", "(", ":", "<", "?", IF, TZ"): the variable and what to do are said instead."""
    r = client.get("/sparql", query_string={"query": query})
    assert r.status_code == 400 and r.data.decode().startswith(start), r.data
    assert (int(r.headers["X-Error-Line"]), int(r.headers["X-Error-Column"])) == place
    assert client.get("/sparql", query_string={"query": "SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s"}).status_code == 200


def test_undeclared_prefix_names_the_prefix_and_position(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s foaf:name ?o }"})
    assert r.status_code == 400
    assert b"undeclared prefix 'foaf'" in r.data and b"line 2" in r.data


@pytest.mark.parametrize("query, prefix, line, column", [
    ("SELECT * WHERE { res:Zarya ?p ?o }", "res", 1, 18),                       # Oxigraph: "expected OPTIONAL"
    ("SELECT ?s WHERE { ?s ?p ?o FILTER(?o = foo:x) }", "foo", 1, 40),          # "expected COALESCE, ..."
    ("PREFIX iss: <https://w3id.org/issgraph/ontology#>\nSELECT * WHERE {\n  ?s a iss:Module ;\n     rdfs:label ?l }",
     "rdfs", 4, 6),
    ('SELECT * WHERE { ?s ?p "not:a:prefix" . ?s <urn:x:y> ?o . :x ?p ?o }', "", 1, 59),
])
def test_an_undeclared_prefix_anywhere_is_named_with_the_place_of_its_first_use(client, query, prefix, line, column):
    """Oxigraph reports some undeclared prefixes as another syntax error further on (a subject
    `res:Zarya` gave "expected OPTIONAL"): the answer names the prefix where it is first used, and
    the namespace to declare where it is a well-known one."""
    r = client.get("/sparql", query_string={"query": query})
    assert r.status_code == 400, r.data
    said = r.data.decode()
    assert said.startswith(f"undeclared prefix '{prefix}' at line {line}, column {column}: add PREFIX {prefix}: <"), said
    if prefix == "rdfs":
        assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in said
    if prefix == "res":
        assert "PREFIX res: <https://w3id.org/issgraph/resource/>" in said or "PREFIX res: <http" in said


def test_a_syntax_error_reported_before_an_undeclared_prefix_is_reported_as_it_is(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHER { foo:x ?p ?o }"})
    assert r.status_code == 400 and b"undeclared prefix" not in r.data and b"syntax error at line 1" in r.data, r.data


def test_unknown_extension_function_leaves_variable_unbound(client):
    q = "SELECT ?x ?y WHERE { BIND(1 AS ?x) BIND(<http://example.org/fn>(?x) AS ?y) }"
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 200
    assert json.loads(r.data)["results"]["bindings"] == [{"x": {"type": "literal", "value": "1",
                                                               "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]


def test_wrong_method_gives_405_with_allow(client):
    r = client.put("/sparql", query_string={"query": ASK})
    assert r.status_code == 405 and "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]
    r = client.delete("/sparql")
    assert r.status_code == 405


def test_unsupported_content_type_gives_415(client):
    r = client.post("/sparql", data=ASK, content_type="text/plain")
    assert r.status_code == 415 and b"application/sparql-query" in r.data
    r = client.post("/sparql", data=b"{}", content_type="application/json")
    assert r.status_code == 415


def test_several_query_parameters_give_400(client):
    r = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400 and b"exactly one" in r.data


def test_query_both_in_url_and_body_gives_400(client):
    r = client.post("/sparql?query=ASK%7B%7D", data=ASK, content_type="application/sparql-query")
    assert r.status_code == 400 and b"both" in r.data


def test_post_without_query_gives_400(client):
    r = client.post("/sparql", data={"nothing": "here"}, content_type=FORM)
    assert r.status_code == 400 and b"missing 'query'" in r.data


@pytest.mark.parametrize("raw, ctype", [
    (b"query=SELECT%20%FF%FE", FORM),
    (b"SELECT * WHERE { ?s ?p '\xff' }", "application/sparql-query"),
])
def test_non_utf8_gives_400(client, raw, ctype):
    r = client.post("/sparql", data=raw, content_type=ctype)
    assert r.status_code == 400 and b"UTF-8" in r.data


def test_non_utf8_query_string_gives_400(client):
    r = client.get("/sparql?query=ASK%7B%FF%7D")
    assert r.status_code == 400 and b"UTF-8" in r.data


@pytest.mark.parametrize("send", [
    lambda c: c.post("/sparql", data="INSERT DATA { <urn:a> <urn:b> <urn:c> }", content_type="application/sparql-update"),
    lambda c: c.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, content_type=FORM),
    lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
    lambda c: c.get("/sparql", query_string={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
    lambda c: c.get("/sparql", query_string={"query": "DROP ALL"}),
    lambda c: c.get("/sparql", query_string={"query": "LOAD <http://example.org/data.ttl>"}),
])
def test_updates_are_refused_as_read_only_and_change_nothing(client, dataset, send):
    before = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    r = send(client)
    assert 400 <= r.status_code < 500 and b"read-only" in r.data
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before == dataset.default_triple_count


def test_service_is_refused_with_400(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 400 and b"SERVICE" in r.data and b"outgoing" in r.data


def test_oversized_query_gives_413(client):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70000
    r = client.post("/sparql", data=big, content_type="application/sparql-query")
    assert r.status_code == 413 and b"65536" in r.data


def test_oversized_request_body_gives_413(client):
    r = client.post("/sparql", data=b"x" * (2 << 20), content_type="application/sparql-query")
    assert r.status_code == 413


def test_a_body_over_64_kib_is_answered_and_kept_by_the_one_door_for_queries(app, client):
    """The entrance answers every POSTed query, whatever its body's size (its key is a hash), as
    it does a small one: a long form body is kept on its second request and replayed on the third."""
    from issgraph.fastpath import cache_key

    entrance = app.extensions["issgraph"].entrance
    body = b"query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D&pad=" + b"x" * 200_000
    answers, kept = [], []
    for _ in range(3):
        answers.append(client.post("/sparql", data=body, content_type="application/x-www-form-urlencoded",
                                   headers={"Accept": "application/sparql-results+json"}))
        kept.append(entrance.cache.get(cache_key("POST", answers[-1].request.environ, body)) is not None)
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert json.loads(answers[0].data)["boolean"] is True and answers[2].data == answers[0].data
    assert kept == [False, True, True]


def test_a_negative_content_length_gets_400(app):
    import io

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/sparql", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b"ASK {}"), "wsgi.errors": io.StringIO(), "HTTP_HOST": "127.0.0.1:8000",
               "CONTENT_TYPE": "application/sparql-query", "CONTENT_LENGTH": "-5"}
    seen = {}
    body = b"".join(app.wsgi_app(environ, lambda status, headers, exc_info=None: seen.setdefault("status", status)))
    assert seen["status"].startswith("400") and b"negative" in body


@pytest.mark.parametrize("depth", [100, 10_000, 200_000])
def test_deep_nesting_gives_400_before_any_engine(client, depth):
    q = "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    r = client.post("/sparql", data=q, content_type="application/sparql-query")
    assert r.status_code in (400, 413) and b"Traceback" not in r.data
    assert client.get("/sparql", query_string={"query": ASK}).status_code == 200


def test_pathological_query_never_gives_500(client):
    for q in ["SELECT * WHERE { ?s ?p ?o } ORDER BY ?o ?p ?s",
              "SELECT (SUM(?o) AS ?x) WHERE { ?s ?p ?o }",
              "SELECT * WHERE { ?s <http://x/p>* ?o } LIMIT 5",
              "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o } " * 40 + "} LIMIT 1",
              "SELECT (REGEX('aaaa', '(a+)+$') AS ?r) WHERE {}"]:
        r = client.get("/sparql", query_string={"query": q})
        assert r.status_code < 500 or r.status_code == 503, (q, r.status_code, r.data)


def test_row_cap_is_signalled_honestly(config, dataset):
    from issgraph.app import create_app

    app = create_app(config.replace(max_rows=5), dataset)
    try:
        r = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 200 and len(json.loads(r.data)["results"]["bindings"]) == 5
        assert r.headers["X-Result-Truncated"].startswith("true") and "5" in r.headers["Warning"]
        small = app.test_client().get("/sparql", query_string={"query": SELECT})
        assert "X-Result-Truncated" not in small.headers and small.headers["X-Result-Count"] == "2"
    finally:
        app.extensions["issgraph"].executor.close()


def test_errors_carry_a_request_id(client):
    r = client.get("/sparql", query_string={"query": "SELECT"})
    assert r.status_code == 400 and len(r.headers["X-Request-Id"]) >= 8


# --- service description, CORS -------------------------------------------------------------------

def test_service_description_in_rdf(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=r.data, format="turtle")
    service = next(g.subjects(SD.endpoint, None))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(o).rsplit("/", 1)[1] for o in g.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle"} <= formats
    names = {str(o) for o in g.objects(None, SD.name)}
    assert names == {DATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH}
    rdfxml = client.get("/sparql", headers={"Accept": "application/rdf+xml"})
    assert len(Graph().parse(data=rdfxml.data, format="xml")) == len(g)


def test_browser_without_query_gets_html(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code in (200, 303) and (r.headers["Content-Type"].startswith("text/html") or r.location)


def test_cors_headers_and_preflight(client):
    r = client.get("/sparql", query_string={"query": ASK}, headers={"Origin": "http://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/sparql", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "Content-Type"})
    assert pre.status_code == 204 and "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    assert pre.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/resource/Japan", "/ontology", "/dumps/issgraph.ttl", "/.well-known/void", "/"])
def test_every_path_answers_a_cors_preflight_with_its_methods_and_the_headers_asked_for(client, path):
    pre = client.options(path, headers={"Origin": "http://example.org", "Access-Control-Request-Method": "GET",
                                        "Access-Control-Request-Headers": "accept, if-none-match"})
    assert pre.status_code == 204 and pre.data == b"" and "Content-Type" not in pre.headers
    assert "GET" in pre.headers["Access-Control-Allow-Methods"] and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert pre.headers["Access-Control-Allow-Headers"] == "accept, if-none-match"
    odd = client.options(path, headers={"Access-Control-Request-Method": "GET",
                                        "Access-Control-Request-Headers": "accept; x=<y>"})
    assert odd.headers["Access-Control-Allow-Headers"].startswith("Accept, ")    # not repeated: not header names


def test_empty_dataset_fields_are_ignored(client, dataset):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(client, q, **{"default-graph-uri": "", "named-graph-uri": ""}) == dataset.default_triple_count


def test_answers_carry_validators_and_revalidate(client):
    first = client.get("/sparql", query_string={"query": SELECT})
    assert first.headers["Cache-Control"].startswith("public") and first.headers["ETag"].startswith('"')
    again = client.get("/sparql", query_string={"query": SELECT}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/sparql", query_string={"query": SELECT}, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and labels(other) == ["Japan", "ژاپن"]


def _reference_pairs(raw: bytes):
    from urllib.parse import parse_qsl

    text = raw.decode("ascii") if raw.isascii() else raw.decode("utf-8")
    return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=1000)


def test_form_decoding_agrees_with_urllib_on_every_input():
    """The C-speed form decoder gives what urllib's parse_qsl gives (or fails where it fails)."""
    import random
    from urllib.parse import quote

    from issgraph.protocol import ProtocolError, decode_pairs

    cases = [b"", b"a", b"a=", b"=b", b"a=1&&b=2", b"q=%zz", b"q=%4", b"q=100%", b"q=a+b%2Bc", b"q=\\x41",
             b"q=%5Cx41", b"q=%E2%82%AC", "q=€".encode(), b"a=1;b=2", b"q=%%41", b"q=%5C%5C", b"q=%c3%28",
             b"&" * 999 + b"a=1", b"&".join([b"a=1"] * 1001)]
    rng = random.Random(7)
    alphabet = "ab+=&%\\;x ü€\n\"'{}?"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        cases += [text.encode(), quote(text, safe="=&+%").encode()]
    for raw in cases:
        try:
            expected = _reference_pairs(raw)
        except (UnicodeDecodeError, ValueError):
            with pytest.raises(ProtocolError) as err:
                decode_pairs(raw, "query string")
            assert err.value.status == 400
            continue
        assert decode_pairs(raw, "query string") == expected, raw


def test_the_query_page_says_an_undeclared_well_known_prefix_in_persian_with_its_namespace():
    from issgraph.messages import explain

    said = explain("undeclared prefix 'rdfs' at line 4, column 6: add PREFIX rdfs: "
                   "<http://www.w3.org/2000/01/rdf-schema#> to the query", "fa")
    assert said.lang == "fa" and "«rdfs:»" in said.text and "<http://www.w3.org/2000/01/rdf-schema#>" in said.text
    assert explain("undeclared prefix 'foo' at line 1, column 2: add PREFIX foo: <...> to the query", "fa").lang == "fa"
