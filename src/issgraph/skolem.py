"""Blank nodes across a remote store's graphs: skolem IRIs on the way in, blank nodes on the way out.

A Graph Store Protocol upload is one graph per request, and a store scopes blank nodes to the
request that brought them: a blank node that the data graph and the inferred graph share (a
statement node and its inferred `prov:wasDerivedFrom`) would become two unrelated nodes. RDF 1.1
(§3.5) names the remedy: replace each blank node by a skolem IRI under `/.well-known/genid/`, and
read those IRIs back as blank nodes. `issgraph load --into URL` sends skolem IRIs; a front end
turns them back into blank nodes in what it reads at start and in every answer it relays.
"""
from __future__ import annotations

import pyoxigraph as ox

GENID = ".well-known/genid/"


def genid_prefix(base_iri: str) -> str:
    """Where this dataset's skolem IRIs live: `<base>.well-known/genid/`."""
    return base_iri + GENID


def skolemize(triples, base_iri: str) -> list[ox.Triple]:
    """The triples with every blank node replaced by its skolem IRI (the same node, the same IRI)."""
    prefix = genid_prefix(base_iri)

    def iri(term):
        return ox.NamedNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(iri(t.subject), t.predicate, iri(t.object)) for t in triples]


def unskolemizer(base_iri: str):
    """term -> the blank node a skolem IRI of this dataset stands for; any other term as it is."""
    prefix = genid_prefix(base_iri)
    size = len(prefix)

    def term(value):
        if isinstance(value, ox.NamedNode) and value.value.startswith(prefix) and len(value.value) > size:
            try:
                return ox.BlankNode(value.value[size:])
            except ValueError:           # not a label a blank node can have: someone else's IRI
                return value
        return value

    return term


def unskolemize(triples, base_iri: str) -> list[ox.Triple]:
    """The triples with this dataset's skolem IRIs read back as blank nodes."""
    term = unskolemizer(base_iri)
    return [ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in triples]
