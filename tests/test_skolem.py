"""Skolem IRIs keep blank nodes shared across the graphs of a remote store (RDF 1.1 §3.5)."""
from __future__ import annotations

import pyoxigraph as ox

from issgraph.skolem import genid_prefix, skolemize, unskolemize, unskolemizer

BASE = "https://w3id.org/issgraph/"


def test_a_blank_node_becomes_one_iri_and_comes_back_as_one_blank_node():
    b = ox.BlankNode("st1")
    p, o = ox.NamedNode("http://example.org/p"), ox.Literal("x")
    triples = [ox.Triple(b, p, o), ox.Triple(ox.NamedNode("http://example.org/s"), p, b)]
    sk = skolemize(triples, BASE)
    assert sk[0].subject == sk[1].object == ox.NamedNode(genid_prefix(BASE) + "st1")
    assert not any(isinstance(t, ox.BlankNode) for x in sk for t in (x.subject, x.object))
    assert unskolemize(sk, BASE) == triples


def test_only_this_datasets_skolem_iris_are_read_back():
    term = unskolemizer(BASE)
    other = ox.NamedNode("http://example.org/.well-known/genid/x")
    assert term(other) == other
    assert term(ox.NamedNode(genid_prefix(BASE))) == ox.NamedNode(genid_prefix(BASE))
    odd = ox.NamedNode(genid_prefix(BASE) + "a.b%20c")      # an IRI, but no blank node label
    assert term(odd) == odd
    assert term(ox.Literal("x")) == ox.Literal("x")
