"""Load the ontology, the data and the shapes into one Oxigraph store with named graphs.

Data flows one way: files on disk -> a `Dataset` (parsed, rebased, hashed, in a store) -> the
engines and the pages. The store is the only copy of the triples: pages, dumps and VoID read it
too, so what they say is what SPARQL answers. Parse errors become `LoadError` with file, line
and column, never a traceback.
"""
from __future__ import annotations

import hashlib
from contextlib import nullcontext
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from .config import Config
from .inference import StoredGraph, infer, inferred
from .loading import BackgroundLoader, Loadable, LoadError, collector_paused


def source_hash(parts: Iterable[bytes], base_iri: str) -> str:
    """The hash a dataset's version is cut from: its parts' bytes in order, then the base IRI it is served under."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    digest.update(base_iri.encode())
    return digest.hexdigest()


class Held:
    """The graphs held in this process's memory, in one Oxigraph store: the backend a dataset
    parsed from its files has. The other kinds of store (on disk, remote) live in `stores`, and
    give a `Dataset` the same four methods, so it never asks which it holds."""

    kind = "memory"
    endpoint: str | None = None          # a remote store's SPARQL endpoint, where queries go instead
    default_stored = False               # the served default graph is given per query (see stores.Directory)
    origin = ""                          # where the graphs were read from, for the start-up line

    def __init__(self, store: ox.Store):
        self._store = store

    def store(self) -> ox.Store:
        return self._store

    def graph(self, iri: str) -> list[ox.Triple]:
        return [q.triple for q in self.store().quads_for_pattern(None, None, None, ox.NamedNode(iri))]

    def quads(self, iris) -> Iterator[ox.Quad]:
        store = self.store()
        for iri in iris:
            yield from store.quads_for_pattern(None, None, None, ox.NamedNode(iri))

    def keep_closed_here(self) -> None:
        """Nothing to keep closed: the store is this process's memory."""


class Dataset:
    """The served dataset: four named graphs in one store (data, ontology, shapes, inferred) and,
    as the default graph, data ∪ ontology ∪ inferred.

    It holds one backend (`Held` in memory here; `stores` has the on-disk and the remote ones)
    and reads every graph through it, never asking which kind it is.
    """

    def __init__(self, config: Config, backend: "Held", source_hash: str, modified: datetime,
                 counts: tuple[int, ...] | None = None):
        self.config, self.backend, self.source_hash, self.modified = config, backend, source_hash, modified
        self._counts = counts

    @classmethod
    def of(cls, config: Config, data: Iterable[ox.Triple], ontology: Iterable[ox.Triple],
           shapes: Iterable[ox.Triple], source_hash: str, modified: datetime,
           inferred: Iterable[ox.Triple] | None = None) -> "Dataset":
        """A dataset held in a new in-memory store, from the triples of each graph (the inferred
        graph is computed from data and ontology when not given)."""
        store = ox.Store()
        data, ontology = list(data), list(ontology)
        if inferred is None:
            inferred = infer(data, ontology, config.base_iri)
        for iri, triples in zip(config.graph_iris, (data, ontology, shapes, inferred)):
            g = ox.NamedNode(iri)
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
        return cls(config, Held(store), source_hash, modified)

    def with_config(self, config: Config) -> "Dataset":
        """The same store under another configuration (e.g. another engine)."""
        return Dataset(config, self.backend, self.source_hash, self.modified, self._counts)

    @property
    def version(self) -> str:
        """A short, stable id of the exact bytes served (used in ETags and caches)."""
        return self.source_hash[:16]

    # --- the store -------------------------------------------------------------------------

    @property
    def store(self) -> ox.Store:
        """The store holding the named graphs, each once (the default graph is given per query)."""
        return self.backend.store()

    def keep_store_closed_here(self) -> None:
        """Promise that this process (one that forks workers) never opens an on-disk store itself
        (see stores.Directory); a store held in memory has nothing to keep closed."""
        self.backend.keep_closed_here()

    # --- reading ---------------------------------------------------------------------------

    def graph(self, iri: str) -> list[ox.Triple]:
        """Every triple of one named graph, in the store's order."""
        return self.backend.graph(iri)

    @property
    def data(self) -> list[ox.Triple]:
        """The data graph's triples, read from the store each time (it may be large: prefer `match`)."""
        return self.graph(self.config.data_graph)

    @cached_property
    def ontology(self) -> list[ox.Triple]:
        return self.graph(self.config.ontology_graph)

    @cached_property
    def shapes(self) -> list[ox.Triple]:
        return self.graph(self.config.shapes_graph)

    @cached_property
    def inferred(self) -> list[ox.Triple]:
        """The inferred graph's triples (see `inference`)."""
        return self.graph(self.config.inferred_graph)

    @property
    def graphs(self) -> dict[str, list[ox.Triple]]:
        """Each named graph's triples (reads them all: for dumps and whole-graph documents)."""
        return {iri: self.graph(iri) for iri in self.config.graph_iris}

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the named graphs, streamed from the store."""
        yield from self.backend.quads(self.config.graph_iris)

    def match(self, subject=None, predicate=None, obj=None, graphs: tuple[str, ...] | None = None) -> list[ox.Triple]:
        """Triples matching a pattern in the served default graph (data ∪ ontology ∪ inferred), or in `graphs`."""
        graphs = graphs or self.config.default_graph_iris
        store = self.store
        found = [q.triple for iri in graphs
                 for q in store.quads_for_pattern(subject, predicate, obj, ox.NamedNode(iri))]
        return list(dict.fromkeys(found)) if len(graphs) > 1 else found

    def has_term(self, node) -> bool:
        """True when `node` is the subject or object of a triple of any served graph."""
        store = self.store
        return (next(iter(store.quads_for_pattern(node, None, None, None)), None) is not None
                or next(iter(store.quads_for_pattern(None, None, node, None)), None) is not None)

    @property
    def counts(self) -> tuple[int, ...]:
        """Triples in each named graph, in the order of `config.graph_iris` (data, ontology, shapes, inferred)."""
        if self._counts is None:
            store = self.store
            self._counts = tuple(sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
                                 for iri in self.config.graph_iris)
        return self._counts

    @cached_property
    def default_triple_count(self) -> int:
        """Triples of the default graph: data ∪ ontology ∪ inferred, each once (the inferred graph
        holds nothing the other two assert)."""
        data = ox.NamedNode(self.config.data_graph)
        store = self.store
        shared = sum(1 for t in set(self.ontology) if ox.Quad(t.subject, t.predicate, t.object, data) in store)
        return self.counts[0] + len(set(self.ontology)) - shared + self.counts[3]

    def default_triples(self) -> list[ox.Triple]:
        """The default graph's triples (data ∪ ontology ∪ inferred), sorted so that writers give stable bytes."""
        return sorted(set(self.data) | set(self.ontology) | set(self.inferred), key=str)

    def rdflib_graphs(self):
        """(data, ontology, shapes, inferred) as rdflib Graphs, for validation with pyshacl."""
        from rdflib import Graph

        return tuple(Graph().parse(data=ntriples(self.graph(iri)), format="nt") for iri in self.config.graph_iris)


def ntriples(triples) -> str:
    """N-Triples text of some triples (Oxigraph terms print as N-Triples)."""
    return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)


class Sources:
    """The three source files' bytes, read once: what a dataset is parsed from and hashed by."""

    def __init__(self, config: Config):
        self.paths = (config.data_path, config.ontology_path, config.shapes_path)
        mtimes, self.contents = [], []
        for p in self.paths:
            try:
                data = Path(p).read_bytes()
                mtimes.append(Path(p).stat().st_mtime)
            except OSError as err:
                raise LoadError(p, err.strerror or str(err)) from None
            self.contents.append(data)
        self.hash = source_hash(self.contents, config.base_iri)
        self.modified = datetime.fromtimestamp(int(max(mtimes)), tz=timezone.utc)


def load(config: Config, sources: Sources | None = None, into: ox.Store | None = None,
         default_copy: bool = False) -> Dataset:
    """Parse the three source files named by the config into a store (a new in-memory one unless
    `into` is given) and add the inferred graph computed from them; with `default_copy`, the served
    default graph (data, ontology, inferred) is also written as the store's own default graph
    (what an on-disk store answers from: see `stores.finish_directory_store`). (`stores.load` opens a
    configured store instead, and is what the app and the CLI call.) A config naming a store is
    refused: reading the files instead of the store it names would answer from other graphs."""
    if config.store is not None:
        raise ValueError(f"dataset.load reads the source files; the store {config.store!r} is opened by stores.load")
    sources = sources or Sources(config)
    with collector_paused():
        return _load(config, sources, into, default_copy)


def _load(config: Config, sources: Sources, into: ox.Store | None, default_copy: bool) -> Dataset:
    store = ox.Store() if into is None else into
    bulk = into is not None
    graphs = [ox.NamedNode(iri) for iri in config.graph_iris]
    copied = set(config.default_graph_iris) if default_copy else set()

    def writer():
        """A new store, that nobody reads yet, is filled by a thread while the files are parsed;
        `into` keeps what it held on a syntax error: every file is parsed whole before any is stored."""
        return BackgroundLoader(store) if into is None and not default_copy else nullcontext()

    with writer() as sink:
        parsed = [Loadable.turtle(data, path, g, bnode_prefix=prefix, new_base=config.base_iri, sink=sink)
                  for data, path, prefix, g in zip(sources.contents, sources.paths, ("d", "o", "s"), graphs)]
    for document in parsed:
        document.store_in(store, bulk, copy_to_default=document.graph.value in copied)
    del parsed, document
    ontology = [q.triple for q in store.quads_for_pattern(None, None, None, graphs[1])]
    # The inference reads the data from the store's indexes (only the triples it uses); its graph
    # is stored by subject, a subject's triples together (timeline queries 30% faster at 1M).
    triples = sorted(inferred(StoredGraph(store, graphs[0]), ontology, config.base_iri), key=lambda t: str(t.subject))
    with writer() as sink:
        graph = Loadable.triples(triples, graphs[3], sink=sink)
    graph.store_in(store, bulk, copy_to_default=graphs[3].value in copied)
    return Dataset(config, Held(store), sources.hash, sources.modified)
