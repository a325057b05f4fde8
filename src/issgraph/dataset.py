"""Load the ontology, the data and the shapes into one store with named graphs.

Data flows one way: files on disk -> a `Dataset` (parsed, rebased, hashed) -> the engines.
Parse errors become `LoadError` with file, line and column, never a traceback.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
import threading
from functools import cached_property
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from .config import CANONICAL_BASE, Config

TURTLE = ox.RdfFormat.TURTLE


class LoadError(Exception):
    """A source file that cannot be read or parsed; the message names file, line and column."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column = Path(path), line, column
        where = f"{path}:{line}:{column}" if line else str(path)
        super().__init__(message if where == "." else f"{where}: {message}")


def parse_turtle(path: Path, base_iri: str = CANONICAL_BASE, bnode_prefix: str = "b") -> list[ox.Triple]:
    """Parse one Turtle file with Oxigraph, whose errors carry exact positions.

    Blank nodes are renamed in order of appearance, so the same file always gives the
    same labels (and dumps of it the same bytes).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise LoadError(path, err.strerror or str(err)) from None
    try:
        triples = [q.triple for q in ox.parse(data, format=TURTLE, base_iri=base_iri)]
    except SyntaxError as err:
        message = err.msg
        # "Parser error at line 3 between columns 16 and 20: A dot is expected ..." -> keep the reason.
        if ": " in message and message.startswith("Parser error"):
            message = message.split(": ", 1)[1]
        raise LoadError(path, message, err.lineno, err.offset) from None
    except ValueError as err:  # e.g. invalid UTF-8
        raise LoadError(path, str(err)) from None
    return _stable_blank_nodes(triples, bnode_prefix)


def _stable_blank_nodes(triples: list[ox.Triple], prefix: str) -> list[ox.Triple]:
    names: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term):
        if isinstance(term, ox.BlankNode):
            if term not in names:
                names[term] = ox.BlankNode(f"{prefix}{len(names) + 1}")
            return names[term]
        return term

    if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        return triples
    return [ox.Triple(stable(t.subject), t.predicate, stable(t.object)) for t in triples]


def _rebase(term, old: str, new: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(old):
        return ox.NamedNode(new + term.value[len(old):])
    return term


def rebase_triples(triples: list[ox.Triple], new_base: str) -> list[ox.Triple]:
    """Move every IRI under the canonical base to another base (for a deployment elsewhere)."""
    if new_base == CANONICAL_BASE:
        return triples
    return [ox.Triple(*(_rebase(t, CANONICAL_BASE, new_base) for t in tr)) for tr in triples]


Triples = "list[ox.Triple] | Callable[[], list[ox.Triple]]"


class Dataset:
    """The served dataset: three named graphs and, as the default graph, data ∪ ontology.

    Each graph is a list of triples, or a function that reads it on first use (an on-disk
    store need not be read at all to answer queries; pages read it when first asked).
    """

    def __init__(self, config: Config, data: Triples, ontology: Triples, shapes: Triples,
                 source_hash: str, modified: datetime, counts: tuple[int, int, int] | None = None):
        self.config, self.source_hash, self.modified = config, source_hash, modified
        self._sources = {"data": data, "ontology": ontology, "shapes": shapes}
        self._counts = counts
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    def _graph(self, name: str) -> list[ox.Triple]:
        triples = self._sources[name]
        if callable(triples):
            with self._lock:
                triples = self._sources[name]
                if callable(triples):
                    triples = self._sources[name] = triples()
        return triples

    @property
    def data(self) -> list[ox.Triple]:
        return self._graph("data")

    @property
    def ontology(self) -> list[ox.Triple]:
        return self._graph("ontology")

    @property
    def shapes(self) -> list[ox.Triple]:
        return self._graph("shapes")

    def with_config(self, config: Config) -> "Dataset":
        """The same graphs under another configuration (e.g. another engine), with a store of its own."""
        return Dataset(config, self._sources["data"], self._sources["ontology"], self._sources["shapes"],
                       self.source_hash, self.modified, self._counts)

    @property
    def counts(self) -> tuple[int, int, int]:
        """Triples in data, ontology and shapes (known without reading a stored graph)."""
        return self._counts or (len(self.data), len(self.ontology), len(self.shapes))

    @property
    def version(self) -> str:
        """A short, stable id of the exact bytes served (used in ETags and caches)."""
        return self.source_hash[:16]

    @property
    def graphs(self) -> dict[str, list[ox.Triple]]:
        c = self.config
        return {c.data_graph: self.data, c.ontology_graph: self.ontology, c.shapes_graph: self.shapes}

    def quads(self):
        """Every quad of the three named graphs (the default graph, their union, is given per query)."""
        for graph, triples in self.graphs.items():
            g = ox.NamedNode(graph)
            for t in triples:
                yield ox.Quad(t.subject, t.predicate, t.object, g)

    @property
    def store(self) -> ox.Store:
        """An in-memory Oxigraph store holding the named graphs, each once (built once)."""
        if self._store is None:
            store = ox.Store()
            store.bulk_extend(self.quads())
            self._store = store
        return self._store

    @cached_property
    def index(self) -> "TripleIndex":
        """Triples by subject and object, built on first use."""
        return TripleIndex(self)

    @cached_property
    def default_triple_count(self) -> int:
        return len(set(self.data) | set(self.ontology))

    def default_triples(self) -> list[ox.Triple]:
        """The default graph's triples (data ∪ ontology), sorted so that writers give stable bytes."""
        return sorted(set(self.data) | set(self.ontology), key=str)

    def rdflib_graphs(self):
        """(data, ontology, shapes) as rdflib Graphs, for validation with pyshacl."""
        from rdflib import Graph

        return tuple(Graph().parse(data=ntriples(ts), format="nt")
                     for ts in (self.data, self.ontology, self.shapes))


def ntriples(triples) -> str:
    """N-Triples text of some triples (Oxigraph terms print as N-Triples)."""
    return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)


class TripleIndex:
    """The default graph's triples by subject and by object, and every term of every served graph.

    Read from the parsed triples, not the store: the store keeps literals in canonical form,
    and descriptions must say exactly what the source files and the dumps say.
    """

    def __init__(self, dataset: "Dataset"):
        self.by_subject: dict = {}
        self.by_object: dict = {}
        # Source order, each triple once (descriptions sort what they return; no need to sort here).
        for t in dict.fromkeys((*dataset.data, *dataset.ontology)):
            self.by_subject.setdefault(t.subject, []).append(t)
            self.by_object.setdefault(t.object, []).append(t)
        self.terms = {term for triples in dataset.graphs.values() for t in triples for term in (t.subject, t.object)}

    def outgoing(self, node) -> list[ox.Triple]:
        """Triples whose subject is `node`."""
        return self.by_subject.get(node, [])

    def incoming(self, node) -> list[ox.Triple]:
        """Triples whose object is `node`."""
        return self.by_object.get(node, [])


def load(config: Config) -> Dataset:
    """Read and parse the three source files named by the config, or read them from its store."""
    if config.store is not None:
        from .stores import StoreError, open_dataset

        try:
            return open_dataset(config)
        except StoreError as err:
            raise LoadError(Path("."), str(err)) from None
    paths = (config.data_path, config.ontology_path, config.shapes_path)
    digest = hashlib.sha256()
    mtimes = []
    for p in paths:
        try:
            digest.update(Path(p).read_bytes())
            mtimes.append(Path(p).stat().st_mtime)
        except OSError as err:
            raise LoadError(p, err.strerror or str(err)) from None
    digest.update(config.base_iri.encode())
    data, ontology, shapes = (rebase_triples(parse_turtle(p, bnode_prefix=prefix), config.base_iri)
                              for p, prefix in zip(paths, ("d", "o", "s")))
    modified = datetime.fromtimestamp(int(max(mtimes)), tz=timezone.utc)
    return Dataset(config, data, ontology, shapes, digest.hexdigest(), modified)
