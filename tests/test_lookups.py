"""Lookups (one constant-subject pattern, lookups.py) are answered in the web worker without an
evaluator: the recogniser is narrow and fast on hostile text, the answers are the evaluators'
answers byte for byte, and a lookup is answered while every evaluator is taken."""
from __future__ import annotations

import asyncio
import time

import pytest

from issgraph.lookups import MAX_LOOKUP_CHARS, is_lookup
from issgraph.protocol import ProtocolQuery
from issgraph.services import Services

P = ("PREFIX res: <https://w3id.org/issgraph/resource/>\n"
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
LOOKUPS = [
    P + "ASK { res:Russia ?p ?o } LIMIT 17",
    P + 'SELECT ?l WHERE { res:Russia rdfs:label ?l FILTER(LANG(?l) = "en") }\nLIMIT 3',
    P + 'SELECT ?l WHERE { res:Russia rdfs:label ?l FILTER(LANG(?l) = "fa") FILTER(STRLEN(STR(?l)) > 2) }',
    "DESCRIBE <https://w3id.org/issgraph/resource/Russia>",
    P + "SELECT * { res:International_Space_Station ?p ?o } ORDER BY ?p DESC(?o) LIMIT 5 OFFSET 2",
    "select distinct ?p where { <https://w3id.org/issgraph/resource/Dragon> ?p ?o . } order by ?p",
    P + "ASK { res:Russia a ?t }",
    P + "SELECT ?x WHERE { res:NoSuchThing ?p ?x }",
    P + 'ASK { res:Russia ?p ?o FILTER(isLiteral(?o) && (lcase(str(?o)) = "russia" || ?o IN ("a", "b"))) }',
    P + 'SELECT ?o { res:Russia ?p ?o FILTER (!BOUND(?x) && langMatches(lang(?o), "EN")) }',
]
NOT_LOOKUPS = [
    P + "ASK { ?s ?p ?o }",                                                   # no constant subject
    P + "SELECT * WHERE { res:Russia ?p ?o . ?o ?q ?r }",                     # a join
    P + "SELECT * WHERE { res:Russia ?p ?o ; ?q ?r }",
    P + "SELECT * WHERE { res:Russia ?p ?o , ?r }",
    P + "SELECT * WHERE { res:Russia ?p ?o FILTER EXISTS { ?o ?q ?r } }",     # a pattern inside a filter
    P + "SELECT (COUNT(*) AS ?n) WHERE { res:Russia ?p ?o }",
    P + "SELECT * WHERE { res:Russia rdfs:label* ?o }",                      # a path
    P + "SELECT * WHERE { res:Russia ?p ?o } GROUP BY ?p",
    P + "CONSTRUCT { ?s ?p ?o } WHERE { res:Russia ?p ?o }",
    P + "SELECT * WHERE { { res:Russia ?p ?o } UNION { ?a ?b ?c } }",
    P + "SELECT * WHERE { res:Russia ?p ?o } VALUES ?p { rdfs:label }",
    P + "SELECT * WHERE { res:Russia ?p ?o FILTER(?o) FILTER(?o) FILTER(?o) }",
    P + "SELECT * WHERE { res:Russia ?p ?o FILTER(" + "!" * 3000 + "true) }",  # long: the engine's crash inputs
    P + "SELECT * WHERE { res:Russia ?p ?o FILTER((((((((((1)))))))))) }",      # deep
    "DESCRIBE ?x WHERE { ?x ?p ?o }",
    P + "ASK { res:Russi3a ?t }",           # two terms: not read as res:Russi3, a, ?t by cutting a name
    P + "ASK { res:Russia ?pEXISTS } LIMIT 17",
    # A FILTER whose work is not bounded by its text and the subject's triples: only an evaluator's
    # time limit stops it (five nested REPLACEs each making a string 18 times longer ran 11 s).
    P + 'ASK { res:Launch_of_the_first_module ?p ?o FILTER(STRLEN(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(?o'
    + ', ".", "$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0")' * 5 + ") < 0) }",
    P + 'ASK { res:Russia ?p ?o FILTER(REGEX(STR(?o), "(a|aa)*b")) }',
    P + 'ASK { res:Russia ?p ?o FILTER(CONCAT(?o, ?o) = "") }',
    P + 'ASK { res:Russia ?p ?o FILTER(<http://example.org/f>(?o)) }',     # an IRI called as a function
    P + 'ASK { res:Russia ?p ?o FILTER(rdfs:f-(?o)) }',                   # a prefixed name ending in "-"
    P + 'ASK { res:Russia ?p ?o FILTER(xsd:string(?o) = "") }',
    P + 'ASK { res:Russia ?p ?o FILTER(lcase(sha512(?o)) = "") }',
]


@pytest.mark.parametrize("text", LOOKUPS)
def test_lookups_are_recognised(text):
    assert is_lookup(text)


@pytest.mark.parametrize("text", NOT_LOOKUPS)
def test_anything_else_goes_to_an_evaluator(text):
    assert not is_lookup(text)


def test_the_recogniser_is_fast_on_hostile_text():
    hostile = ["SELECT ?x WHERE { <a:b> <c:d> ?x " + " " * 2000 + "}}",
               "SELECT" + " ?x" * 600 + " WHERE { <a:b> ?p", "ASK {" + " " * 1000 + "#" * 900,
               "SELECT * WHERE { <a:b> ?p ?o FILTER(" + '"a" ' * 450 + "}",
               "SELECT * WHERE { <a:b> ?p ?o FILTER(" + "(1)" * 600 + "}",
               "SELECT * WHERE { <a:b> ?p ?o FILTER(((((((" + "x" * 1900 + "}"]
    for text in hostile:
        assert len(text) <= MAX_LOOKUP_CHARS + 100
        started = time.perf_counter()
        is_lookup(text)
        assert time.perf_counter() - started < 0.05, text[:60]


def _pq(text):
    return ProtocolQuery(query=text)


@pytest.fixture(scope="module")
def both(config, dataset):
    inline, evaluators = Services(config, dataset), Services(config.replace(inline_lookups=False), dataset)
    yield inline, evaluators
    inline.executor.close()
    evaluators.executor.close()


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/turtle", "application/n-triples"])
def test_a_lookup_in_the_worker_answers_as_an_evaluator_does(both, accept):
    inline, evaluators = both
    for text in LOOKUPS:
        a, b = inline.queries.answer(_pq(text), accept), evaluators.queries.answer(_pq(text), accept)
        assert (a.status, a.body, a.content_type, a.headers) == (b.status, b.body, b.content_type, b.headers), text


def test_a_lookup_is_answered_while_every_evaluator_is_taken(config, dataset):
    """On Oxigraph; the rdflib engine (pure Python, holding the interpreter) sends lookups to an
    evaluator like any query, so there the lookup waits too."""
    services = Services(config.replace(evaluators=1, query_timeout=0.5), dataset)
    inline = config.engine == "oxigraph"
    assert services.queries.inline is inline
    try:
        admission = services.executor.admission
        assert admission.acquire("127.0.0.9", time.monotonic() + 1)          # the only evaluator
        try:
            busy = asyncio.run(services.queries.answer_async(_pq(P + "ASK { ?s ?p ?o }"), None, client="127.0.0.9"))
            assert busy.status == 503 and "busy" in busy.error                   # a query waited for it, in vain
            started = time.monotonic()
            reply = asyncio.run(services.queries.answer_async(_pq(LOOKUPS[0]), None, client="127.0.0.9"))
            if inline:
                assert reply.status == 200 and b"true" in reply.body              # a lookup need not wait
                assert time.monotonic() - started < 0.4
                assert services.queries.answer(_pq(LOOKUPS[1]), None, client="127.0.0.9").status == 200
            else:
                assert reply.status == 503 and "busy" in reply.error
        finally:
            admission.release("127.0.0.9")
    finally:
        services.executor.close()
