"""An empty answer whose query names terms the graph does not have says so (hints.py): in a
`Warning: 199` header over HTTP, with the closest existing terms, and on the query page in English
and Persian, with the script and without it. Answers with rows, and queries whose terms all exist,
carry no such warning."""
from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
import requests
from SPARQLWrapper import JSON as SW_JSON, SPARQLWrapper
from selenium.webdriver.common.by import By

from issgraph.hints import named_iris, suggestions
from issgraph.protocol import ProtocolQuery

from .test_browser import browser, chromium, script_errors, wait  # noqa: F401
from .test_browser_results import no_script_browser, run_in_editor  # noqa: F401

P = ("PREFIX iss: <https://w3id.org/issgraph/ontology#> PREFIX res: <https://w3id.org/issgraph/resource/> "
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
WRONG_CLASS = P + "SELECT ?m WHERE { ?m a iss:Module }"
WRONG_CASE = P + "SELECT ?n WHERE { ?g iss:modulecount ?n }"
WRONG_RESOURCE = P + "ASK { res:Rusia ?p ?o }"
JSON = "application/sparql-results+json"


def warning(response) -> str:
    return unquote(response.headers.get("Warning", ""))


def test_the_terms_a_query_names_are_read_from_iris_and_declared_prefixes_only():
    text = ('PREFIX iss: <https://w3id.org/issgraph/ontology#>\nSELECT ?x WHERE { ?x iss:a\\-b "iss:InAString" ; '
            '<https://w3id.org/issgraph/resource/Z\\u0061rya> ?y . # iss:InAComment\n ?x undeclared:Thing ?z . '
            '?x ?p <relative> } ')
    assert named_iris(text) == ["https://w3id.org/issgraph/ontology#a-b", "https://w3id.org/issgraph/resource/Zarya"]


def test_suggestions_are_close_spellings_then_names_that_contain_the_wrong_one():
    names = ["ModuleContribution", "moduleCount", "builder", "Russia", "Europe", "GovernmentOrganization"]
    assert suggestions("Module", names) == ["ModuleContribution", "moduleCount"]
    assert suggestions("modulecount", names) == ["moduleCount"]
    assert suggestions("Rusia", names) == ["Russia"]
    assert suggestions("nme", names) == []          # short: no "contains" (GovernmentOrganization)


@pytest.mark.parametrize("query, term, close", [
    (WRONG_CLASS, "iss:Module", "iss:ModuleContribution"),
    (WRONG_CASE, "iss:modulecount", "iss:moduleCount"),
    (WRONG_RESOURCE, "res:Rusia", "res:Russia"),
])
def test_an_empty_answer_names_the_unknown_term_and_the_closest_existing_one(client, query, term, close):
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
    assert r.status_code == 200
    said = warning(r)
    assert said.startswith('199 - "') and f"{term} names nothing in this graph" in said and close in said, said


def test_an_answer_with_rows_or_with_known_terms_only_has_no_such_warning(client):
    with_rows = client.get("/sparql", headers={"Accept": JSON}, query_string={
        "query": P + "SELECT ?m WHERE { ?m a iss:ModuleContribution } LIMIT 1"})
    known_but_empty = client.get("/sparql", headers={"Accept": JSON}, query_string={
        "query": P + "SELECT ?m WHERE { ?m a iss:ModuleContribution ; iss:builder res:Japan ; iss:moduleCount 99 }"})
    assert with_rows.status_code == known_but_empty.status_code == 200
    assert known_but_empty.headers["X-Result-Count"] == "0"
    assert "Warning" not in with_rows.headers and "Warning" not in known_but_empty.headers


def test_reused_vocabularies_are_looked_up_and_the_other_scheme_of_schema_org_is_named(client):
    absent = client.get("/sparql", headers={"Accept": JSON}, query_string={"query": P +
                        "PREFIX schema: <https://schema.org/> SELECT ?d WHERE { ?x schema:startDate ?d }"})
    http = client.get("/sparql", headers={"Accept": JSON}, query_string={"query": P +
                      "PREFIX schema: <http://schema.org/> SELECT ?d WHERE { ?x schema:description ?d }"})
    datatype = client.get("/sparql", headers={"Accept": JSON}, query_string={"query": P +
                          "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
                          "SELECT ?x WHERE { ?x iss:date ?d FILTER(datatype(?d) = xsd:gMonth) }"})
    assert "schema:startDate names nothing in this graph" in warning(absent)
    assert ("<http://schema.org/description> names nothing in this graph (did you mean <https://schema.org/description>?)"
            in warning(http))
    assert datatype.headers["X-Result-Count"] == "0" and "Warning" not in datatype.headers   # xsd: not hinted


def test_a_query_naming_a_thousand_terms_is_looked_up_only_so_far(app):
    """The lookups run on the worker's event loop: a query of 64 KiB naming a thousand terms is
    looked up only for its first MAX_LOOKED_UP, so its hint costs what a short query's does."""
    from issgraph.hints import MAX_LOOKED_UP

    hints = app.extensions["issgraph"].queries.hints
    known = " ".join(f"<https://w3id.org/issgraph/resource/Russia> <https://w3id.org/issgraph/ontology#x{i}> ?o{i} ."
                     for i in range(MAX_LOOKED_UP))
    assert len(hints.unknown("SELECT * { " + known + " }")) == 3                 # MAX_NAMED of the first ones
    late = " ".join(f"<http://example.org/s{i}> rdfs:label ?l{i} ." for i in range(1000))
    text = P + "SELECT * { " + late + " ?s iss:Nothing ?o }"
    assert hints.unknown(text) == []                # the unknown term comes after the first 64 IRIs


def test_a_construct_with_an_unknown_predicate_is_told_too(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"}, query_string={
        "query": P + "CONSTRUCT { ?s iss:buildr ?o } WHERE { ?s iss:buildr ?o }"})
    assert r.status_code == 200 and "iss:buildr names nothing in this graph (did you mean iss:builder or iss:Builder?)" in warning(r)


def test_a_hint_that_fails_leaves_the_answer_as_it_is(app, monkeypatch):
    queries = app.extensions["issgraph"].queries

    def broken(text):
        raise RuntimeError("the store went away")
    monkeypatch.setattr(queries.hints, "unknown", broken)
    reply = queries.answer(ProtocolQuery(query=WRONG_CLASS), JSON)
    assert reply.status == 200 and "Warning" not in reply.headers and reply.unknown_terms == ()


def test_the_real_server_sends_the_warning_to_clients_and_lets_browsers_read_it(server):
    r = requests.post(server.url + "/sparql", data={"query": WRONG_CLASS}, headers={"Accept": JSON}, timeout=10)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    assert "iss:Module names nothing in this graph" in warning(r)
    assert "Warning" in r.headers["Access-Control-Expose-Headers"]
    # A client library reads the (empty) answer as always: the header changes nothing for it.
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(WRONG_CLASS)
    sw.setReturnFormat(SW_JSON)
    assert sw.query().convert()["results"]["bindings"] == []


@pytest.mark.parametrize("lang, said", [("en", "Nothing in this graph is named"), ("fa", "در این گراف چیزی با نام")])
def test_the_query_page_says_which_term_is_unknown_without_the_script(no_script_browser, server, lang, said):  # noqa: F811
    no_script_browser.get(server.url + f"/query?lang={lang}&query=" + quote(WRONG_CLASS))
    hint = no_script_browser.find_element(By.CSS_SELECTOR, "p.unknown-term")
    assert hint.get_attribute("data-term") == "iss:Module" and said in hint.text
    assert [c.text for c in hint.find_elements(By.TAG_NAME, "code")] == ["iss:Module", "iss:ModuleContribution",
                                                                         "iss:moduleCount"]


@pytest.mark.parametrize("lang, said", [("en", "Did you mean"), ("fa", "منظورتان")])
def test_the_query_page_says_which_term_is_unknown_with_the_script(browser, server, lang, said):  # noqa: F811
    browser.set_window_size(1280, 900)
    browser.get(server.url + f"/query?lang={lang}")
    script_errors(browser)
    run_in_editor(browser, WRONG_RESOURCE)
    wait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result p.unknown-term"))
    hint = browser.find_element(By.CSS_SELECTOR, "#result p.unknown-term")
    assert hint.get_attribute("data-term") == "res:Rusia" and said in hint.text
    assert [c.text for c in hint.find_elements(By.TAG_NAME, "code")] == ["res:Rusia", "res:Russia"]
    assert browser.find_element(By.CSS_SELECTOR, "#result p.boolean").get_attribute("data-boolean") == "false"
    assert script_errors(browser) == []


@pytest.mark.parametrize("query, said", [
    # The other separator of the ontology's namespace, and the other scheme: the twin named whole.
    ("PREFIX iss: <https://w3id.org/issgraph/ontology/> SELECT ?x { ?x a iss:Launch }",
     "<https://w3id.org/issgraph/ontology/Launch> names nothing in this graph "
     "(did you mean <https://w3id.org/issgraph/ontology#Launch>?)"),
    ("PREFIX schema: <http://schema.org/> SELECT ?x { ?x a schema:Organization }",
     "<http://schema.org/Organization> names nothing in this graph (did you mean <https://schema.org/Organization>?)"),
    # A resource named by its alternative label, or by its label and a word more.
    (P + "SELECT ?p ?o { res:ISS ?p ?o }", "res:ISS names nothing in this graph (did you mean res:International_Space_Station?)"),
    (P + "SELECT ?p ?o { res:Soyuz_spacecraft ?p ?o }", "res:Soyuz_spacecraft names nothing in this graph (did you mean res:Soyuz"),
    # A term only the shapes graph names is in no graph a query reads by default.
    ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?s ?o { ?s skos:exactMatch ?o }",
     "skos:exactMatch names nothing in this graph"),
])
def test_an_empty_answer_names_what_was_probably_meant(client, query, said):
    """Found by an outside user: these came back empty with no warning, or with one that named what they wrote."""
    r = client.get("/sparql", headers={"Accept": JSON}, query_string={"query": query})
    assert r.status_code == 200 and r.headers["X-Result-Count"] == "0"
    assert said in warning(r), warning(r)
