"""Load the ontology, the data and the shapes into one store with named graphs.

Data flows one way: files on disk -> a `Dataset` (parsed, rebased, hashed) -> the engines.
Parse errors become `LoadError` with file, line and column, never a traceback.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from .config import CANONICAL_BASE, Config

TURTLE = ox.RdfFormat.TURTLE


class LoadError(Exception):
    """A source file that cannot be read or parsed; the message names file, line and column."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column = Path(path), line, column
        where = f"{path}:{line}:{column}" if line else str(path)
        super().__init__(f"{where}: {message}")


def parse_turtle(path: Path, base_iri: str = CANONICAL_BASE) -> list[ox.Triple]:
    """Parse one Turtle file with Oxigraph, whose errors carry exact positions."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise LoadError(path, err.strerror or str(err)) from None
    try:
        return [q.triple for q in ox.parse(data, format=TURTLE, base_iri=base_iri)]
    except SyntaxError as err:
        message = err.msg
        # "Parser error at line 3 between columns 16 and 20: A dot is expected ..." -> keep the reason.
        if ": " in message and message.startswith("Parser error"):
            message = message.split(": ", 1)[1]
        raise LoadError(path, message, err.lineno, err.offset) from None
    except ValueError as err:  # e.g. invalid UTF-8
        raise LoadError(path, str(err)) from None


def _rebase(term, old: str, new: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(old):
        return ox.NamedNode(new + term.value[len(old):])
    return term


def rebase_triples(triples: list[ox.Triple], new_base: str) -> list[ox.Triple]:
    """Move every IRI under the canonical base to another base (for a deployment elsewhere)."""
    if new_base == CANONICAL_BASE:
        return triples
    return [ox.Triple(*(_rebase(t, CANONICAL_BASE, new_base) for t in tr)) for tr in triples]


@dataclass
class Dataset:
    """The served dataset: three named graphs and, as the default graph, data ∪ ontology."""

    config: Config
    data: list[ox.Triple]
    ontology: list[ox.Triple]
    shapes: list[ox.Triple]
    source_hash: str
    _store: ox.Store | None = field(default=None, repr=False)

    @property
    def version(self) -> str:
        """A short, stable id of the exact bytes served (used in ETags and caches)."""
        return self.source_hash[:16]

    @property
    def graphs(self) -> dict[str, list[ox.Triple]]:
        c = self.config
        return {c.data_graph: self.data, c.ontology_graph: self.ontology, c.shapes_graph: self.shapes}

    def quads(self):
        """Every quad: the named graphs, then the default graph (data ∪ ontology)."""
        for graph, triples in self.graphs.items():
            g = ox.NamedNode(graph)
            for t in triples:
                yield ox.Quad(t.subject, t.predicate, t.object, g)
        seen: set = set()
        for t in (*self.data, *self.ontology):
            if t not in seen:
                seen.add(t)
                yield ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())

    @property
    def store(self) -> ox.Store:
        """An in-memory Oxigraph store holding every quad (built once)."""
        if self._store is None:
            store = ox.Store()
            store.bulk_extend(self.quads())
            self._store = store
        return self._store

    @cached_property
    def default_triple_count(self) -> int:
        return len(set(self.data) | set(self.ontology))

    def rdflib_graphs(self):
        """(data, ontology, shapes) as rdflib Graphs, for validation with pyshacl."""
        from rdflib import Graph

        out = []
        for triples in (self.data, self.ontology, self.shapes):
            nt = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
            out.append(Graph().parse(data=nt, format="nt"))
        return tuple(out)


def load(config: Config) -> Dataset:
    """Read and parse the three source files named by the config."""
    paths = (config.data_path, config.ontology_path, config.shapes_path)
    digest = hashlib.sha256()
    for p in paths:
        try:
            digest.update(Path(p).read_bytes())
        except OSError as err:
            raise LoadError(p, err.strerror or str(err)) from None
    digest.update(config.base_iri.encode())
    data, ontology, shapes = (rebase_triples(parse_turtle(p), config.base_iri) for p in paths)
    return Dataset(config, data, ontology, shapes, digest.hexdigest())
