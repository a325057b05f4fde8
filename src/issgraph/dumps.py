"""Whole-dataset dumps: the same graph always gives the same bytes, so versions diff cleanly.

Triple formats hold the default graph (data ∪ ontology ∪ inferred); N-Quads and TriG hold the
four named graphs (data, ontology, shapes, inferred). `issgraph dump` and /dumps/ both call `dump_bytes`.
JSON-LD is written under the published @context, like every JSON-LD document the app serves.
"""
from __future__ import annotations

import gzip

import pyoxigraph as ox

from .dataset import Dataset
from .formats import BY_NAME, DATASET, GRAPH, Format
from .jsonld import build_context
from .results import write_graph

DUMP_FORMATS: tuple[Format, ...] = (*GRAPH, *DATASET)
GZIP = "application/gzip"


def dump_name(fmt: Format, compressed: bool = False) -> str:
    """The dump's file name: issgraph.ttl, issgraph.nq.gz, …"""
    return f"issgraph.{fmt.extension}" + (".gz" if compressed else "")


def parse_dump_name(filename: str) -> tuple[Format, bool] | None:
    """(format, compressed) for a dump file name, or None when it names no dump."""
    compressed = filename.endswith(".gz")
    stem = filename[:-3] if compressed else filename
    prefix, dot, ext = stem.partition(".")
    fmt = next((f for f in DUMP_FORMATS if f.extension == ext), None)
    if prefix != "issgraph" or not dot or fmt is None:
        return None
    return fmt, compressed


def dump_content_type(fmt: Format, compressed: bool) -> str:
    """The dump's Content-Type: application/gzip when compressed."""
    return GZIP if compressed else fmt.content_type


def _sorted_quads(dataset: Dataset) -> list[ox.Quad]:
    """Every quad of the named graphs, in a fixed order."""
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
             for g, triples in dataset.graphs.items() for t in triples]
    return sorted(set(quads), key=lambda q: (q.graph_name.value, str(q.subject), str(q.predicate), str(q.object)))


def dump_bytes(dataset: Dataset, fmt: Format | str, compressed: bool = False, prefixes=None) -> bytes:
    """The dump in one format, optionally gzip-compressed with a fixed timestamp (stable bytes)."""
    fmt = BY_NAME[fmt] if isinstance(fmt, str) else fmt
    if fmt.kind not in ("graph", "dataset"):
        raise ValueError(f"{fmt.name} is not a dump format")
    content = dataset.default_triples() if fmt.kind == "graph" else _sorted_quads(dataset)
    body = write_graph(content, fmt, build_context(dataset), prefixes)
    return gzip.compress(body, compresslevel=9, mtime=0) if compressed else body
