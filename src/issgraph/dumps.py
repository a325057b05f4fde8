"""Whole-dataset dumps: the same graph always gives the same bytes, so versions diff cleanly.

Triple formats hold the default graph (data ∪ ontology); N-Quads and TriG hold the three
named graphs (data, ontology, shapes). `issgraph dump` and /dumps/ both call `dump_bytes`.
"""
from __future__ import annotations

import gzip

import pyoxigraph as ox

from .dataset import Dataset
from .engine import write_graph
from .formats import BY_NAME, DATASET, GRAPH, Format

DUMP_FORMATS: tuple[Format, ...] = (*GRAPH, *DATASET)


def dump_name(fmt: Format, compressed: bool = False) -> str:
    return f"issgraph.{fmt.extension}" + (".gz" if compressed else "")


def _sorted_quads(dataset: Dataset) -> list[ox.Quad]:
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
             for g, triples in dataset.graphs.items() for t in triples]
    return sorted(set(quads), key=lambda q: (q.graph_name.value, str(q.subject), str(q.predicate), str(q.object)))


def dump_bytes(dataset: Dataset, fmt: Format | str, compressed: bool = False, prefixes=None) -> bytes:
    """The dump in one format, optionally gzip-compressed with a fixed timestamp (stable bytes)."""
    fmt = BY_NAME[fmt] if isinstance(fmt, str) else fmt
    if fmt.kind == "graph":
        body = write_graph(dataset.default_triples(), fmt, prefixes)
    elif fmt.kind == "dataset":
        quads = _sorted_quads(dataset)
        body = (ox.serialize(quads, format=fmt.rdf, prefixes=prefixes) if fmt.rdf == ox.RdfFormat.TRIG and prefixes
                else ox.serialize(quads, format=fmt.rdf))
    else:
        raise ValueError(f"{fmt.name} is not a dump format")
    return gzip.compress(body, compresslevel=9, mtime=0) if compressed else body
