"""Describe one resource of the graph: what one fetch of its IRI returns.

A description holds the resource's outgoing triples (with the blank nodes they lead to),
its incoming triples (with what the blank nodes among their subjects say: the reified
statements about it, each with its passage), the labels of everything it links to, and its provenance: the
passages it is stated in with their words.

Descriptions are read from the dataset's store with `Dataset.match` (the served default graph):
the same store SPARQL and the dumps read, so a page says what they say.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .dataset import Dataset
from .namespaces import RDFS

RDFS_LABEL = ox.NamedNode(RDFS + "label")


def _iss(dataset: Dataset, local: str) -> ox.NamedNode:
    """An ontology term's node under the configured base."""
    return ox.NamedNode(dataset.config.base_iri + "ontology#" + local)


def _closure(dataset: Dataset, start) -> list[ox.Triple]:
    """Outgoing triples of `start`, following blank nodes (a concise bounded description)."""
    out, seen, stack = [], set(), [start]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in dataset.match(subject=node):
            out.append(t)
            if isinstance(t.object, ox.BlankNode):
                stack.append(t.object)
    return out


def exists(dataset: Dataset, iri: str) -> bool:
    """True when the IRI is the subject or object of some triple of the served graphs (False for a
    name that cannot be an IRI at all: a space, '%', '"', '<', control characters ...)."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    return dataset.has_term(node)


@dataclass
class Description:
    """What one fetch of a resource returns: its own, incoming and context triples."""
    iri: str
    outgoing: list[ox.Triple]
    incoming: list[ox.Triple]
    context: list[ox.Triple] = field(default_factory=list)   # labels and provenance of linked things

    @property
    def triples(self) -> list[ox.Triple]:
        """Every triple of the description, deduplicated and sorted (stable bytes)."""
        return sorted(set(self.outgoing) | set(self.incoming) | set(self.context), key=str)


def describe(dataset: Dataset, iri: str, known: bool = False) -> Description | None:
    """The description of `iri`, or None when the graph says nothing about it (`known`: the caller
    has just asked `exists`, so it is not asked twice)."""
    if not known and not exists(dataset, iri):
        return None
    node = ox.NamedNode(iri)
    outgoing = _closure(dataset, node)
    incoming = dataset.match(obj=node)
    # A blank node pointing here is a statement about this resource (rdf:Statement, whose
    # passage is its provenance): show what it says, as the outgoing blank nodes are shown.
    for t in list(incoming):
        if isinstance(t.subject, ox.BlankNode):
            incoming += [u for u in _closure(dataset, t.subject) if u != t]
    linked = {t.object for t in outgoing if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject for t in incoming} | {t.predicate for t in (*outgoing, *incoming)}
    context = [t for other in linked - {node} for t in dataset.match(subject=other) if t.predicate == RDFS_LABEL]
    stated_in = _iss(dataset, "statedIn")
    for t in outgoing:
        if t.predicate == stated_in:
            context += dataset.match(subject=t.object)
    return Description(iri, outgoing, incoming, context)


def graph_triples(dataset: Dataset, graph_iri: str) -> list[ox.Triple] | None:
    """All triples of one named graph, sorted, or None when no such graph is served."""
    if graph_iri not in dataset.config.graph_iris:
        return None
    return sorted(set(dataset.graph(graph_iri)), key=str)
