"""The per-statement provenance again, in RDF 1.2: each reified fact as a triple term.

The graph states provenance with RDF 1.1 reification (`rdf:Statement`, `rdf:subject`,
`rdf:predicate`, `rdf:object`), which plain SPARQL 1.1 reads on both engines. For RDF 1.2 tools
the same statements are offered as an extra serialisation: every statement node `r` becomes
`r rdf:reifies <<( s p o )>>`, with everything else said of it (passage, quote) kept, written by
pyoxigraph's RDF 1.2 Turtle writer. It is derived from the served graph, never the only way.
"""
from __future__ import annotations

import pyoxigraph as ox

from .dataset import Dataset
from .namespaces import RDF

REIFIES = ox.NamedNode(RDF + "reifies")
STATEMENT = ox.NamedNode(RDF + "Statement")
TYPE = ox.NamedNode(RDF + "type")
PARTS = tuple(ox.NamedNode(RDF + p) for p in ("subject", "predicate", "object"))
FILE_NAME = "issgraph.statements.ttl"
CONTENT_TYPE = "text/turtle; charset=utf-8"


def statement_triples(dataset: Dataset) -> list[ox.Triple]:
    """Every reified statement of the data graph as `r rdf:reifies <<( s p o )>>` and what is said of `r`,
    in a stable order: statement nodes named b0, b1, … by their triple terms, lines sorted."""
    data = (dataset.config.data_graph,)
    found: list[tuple[ox.Triple, object, list[ox.Triple]]] = []
    for t in dataset.match(None, TYPE, STATEMENT, graphs=data):
        node = t.subject
        said = dataset.match(node, None, None, graphs=data)
        parts = {p: next((x.object for x in said if x.predicate == p), None) for p in PARTS}
        if any(v is None for v in parts.values()) or not isinstance(parts[PARTS[1]], ox.NamedNode):
            continue                     # not a whole statement: the shapes report it; nothing to write
        rest = [x for x in said if x.predicate not in PARTS and not (x.predicate == TYPE and x.object == STATEMENT)]
        found.append((ox.Triple(*(parts[p] for p in PARTS)), node, rest))
    found.sort(key=lambda f: str(f[0]))
    names = {node: ox.BlankNode(f"b{i}") if isinstance(node, ox.BlankNode) else node
             for i, (_, node, _) in enumerate(found)}
    out = [ox.Triple(names[node], REIFIES, term) for term, node, _ in found]
    out += [ox.Triple(names[node], x.predicate, x.object) for _, node, rest in found for x in rest]
    return sorted(out, key=str)


def statements_turtle(dataset: Dataset, prefixes: dict[str, str]) -> bytes:
    """The RDF 1.2 Turtle document of the statements (see the module docstring)."""
    return ox.serialize(statement_triples(dataset), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
