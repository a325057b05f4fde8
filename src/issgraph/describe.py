"""Describe one resource of the graph: what one fetch of its IRI returns.

A description holds the resource's outgoing triples (with the blank nodes they lead to),
its incoming triples, the labels of everything it links to, and its provenance: the
passages it is stated in with their words. Plain functions over the Oxigraph store.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .dataset import Dataset

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
DEFAULT = ox.DefaultGraph()


def _iss(dataset: Dataset, local: str) -> ox.NamedNode:
    return ox.NamedNode(dataset.config.base_iri + "ontology#" + local)


def _closure(store: ox.Store, start, seen: set, out: list) -> None:
    """Outgoing triples of `start`, following blank nodes (a concise bounded description)."""
    stack = [start]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for q in store.quads_for_pattern(node, None, None, DEFAULT):
            out.append(q.triple)
            if isinstance(q.object, ox.BlankNode):
                stack.append(q.object)


def exists(dataset: Dataset, iri: str) -> bool:
    """True when the IRI is the subject or object of some triple of the served graphs."""
    node = ox.NamedNode(iri)
    store = dataset.store
    return (next(iter(store.quads_for_pattern(node, None, None, None)), None) is not None
            or next(iter(store.quads_for_pattern(None, None, node, None)), None) is not None)


@dataclass
class Description:
    iri: str
    outgoing: list[ox.Triple]
    incoming: list[ox.Triple]
    context: list[ox.Triple] = field(default_factory=list)   # labels and provenance of linked things

    @property
    def triples(self) -> list[ox.Triple]:
        """Every triple of the description, deduplicated and sorted (stable bytes)."""
        return sorted(set(self.outgoing) | set(self.incoming) | set(self.context), key=str)


def describe(dataset: Dataset, iri: str) -> Description | None:
    """The description of `iri`, or None when the graph says nothing about it."""
    if not exists(dataset, iri):
        return None
    store = dataset.store
    node = ox.NamedNode(iri)
    outgoing: list[ox.Triple] = []
    _closure(store, node, set(), outgoing)
    incoming = [q.triple for q in store.quads_for_pattern(None, None, node, DEFAULT)]
    linked = {t.object for t in outgoing if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject for t in incoming} | {t.predicate for t in (*outgoing, *incoming)}
    context: list[ox.Triple] = []
    for other in linked - {node}:
        for q in store.quads_for_pattern(other, RDFS_LABEL, None, DEFAULT):
            context.append(q.triple)
    stated_in = _iss(dataset, "statedIn")
    for t in outgoing:
        if t.predicate == stated_in:
            for q in store.quads_for_pattern(t.object, None, None, DEFAULT):
                context.append(q.triple)
    return Description(iri, outgoing, incoming, context)


def graph_triples(dataset: Dataset, graph_iri: str) -> list[ox.Triple] | None:
    """All triples of one named graph, sorted, or None when no such graph is served."""
    triples = dataset.graphs.get(graph_iri)
    return None if triples is None else sorted(triples, key=str)
