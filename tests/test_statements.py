"""The per-statement provenance as RDF 1.2 triple terms: an extra serialisation, the same facts."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from issgraph.app import create_app
from issgraph.statements import REIFIES, statement_triples

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ISS = "https://w3id.org/issgraph/ontology#"


@pytest.fixture(scope="module")
def app(dataset):
    return create_app(dataset.config, dataset)


def test_every_reified_statement_is_one_triple_term_with_its_passage(dataset):
    out = statement_triples(dataset)
    reified = [t for t in out if t.predicate == REIFIES]
    statements = dataset.match(None, ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "Statement"),
                               graphs=(dataset.config.data_graph,))
    assert len(reified) == len(statements) > 100
    for t in reified:
        term = t.object
        assert isinstance(term, ox.Triple)
        # the statement is about a triple the graph asserts
        assert dataset.match(term.subject, term.predicate, term.object, graphs=(dataset.config.data_graph,))
        said = {x.predicate.value for x in out if x.subject == t.subject}
        assert ISS + "statedIn" in said
    # what the graph says of the statement nodes (passage, quote) is all kept
    kept = sum(1 for t in out if t.predicate != REIFIES)
    parts = {RDF + "subject", RDF + "predicate", RDF + "object", RDF + "type"}
    assert kept == sum(1 for st in statements for x in dataset.match(st.subject, None, None, graphs=(dataset.config.data_graph,))
                       if x.predicate.value not in parts)


def test_the_rdf12_document_parses_and_answers_which_passage_states_a_fact(app, dataset):
    r = app.test_client().get("/dumps/issgraph.statements.ttl")
    assert r.status_code == 200 and r.content_type.startswith("text/turtle") and r.headers["ETag"]
    assert b"<<(" in r.data
    store = ox.Store()
    store.load(r.data, format=ox.RdfFormat.TURTLE, base_iri="http://example.org/")
    rows = list(store.query(f"""PREFIX iss: <{ISS}> PREFIX rdf: <{RDF}>
        SELECT ?p WHERE {{ ?r rdf:reifies <<( ?c iss:moduleCount ?n )>> ; iss:statedIn ?p }}"""))
    assert rows and {row["p"].value.rsplit("/", 1)[1] for row in rows} == {"Passage_P4"}


def test_the_rdf12_document_is_the_same_bytes_every_time(dataset, app):
    again = create_app(dataset.config, dataset).test_client().get("/dumps/issgraph.statements.ttl").data
    assert app.test_client().get("/dumps/issgraph.statements.ttl").data == again
    assert statement_triples(dataset) == statement_triples(dataset)
