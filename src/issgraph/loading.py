"""Turtle files into a store, fast, with stable blank node labels.

A store's own loader would rename every blank node at random, and a Python quad per triple
is slow at a million: so each file is parsed by Oxigraph once, in order, its blank nodes named
by order of appearance (the same file, the same labels, the same bytes in dumps); the
statements without one go back to the store as N-Triples Oxigraph wrote, the others as quads.
Parse errors become `LoadError` with file, line and column, never a traceback.
"""
from __future__ import annotations

import gc
import queue
import threading
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from .config import CANONICAL_BASE

TURTLE, NTRIPLES = ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES
CHUNK = 100_000      # statements per N-Triples chunk: ~15 MB, enough to keep the loader thread busy


class LoadError(Exception):
    """A source file that cannot be read or parsed; the message names file, line and column."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column = Path(path), line, column
        where = f"{path}:{line}:{column}" if line else str(path)
        super().__init__(message if where == "." else f"{where}: {message}")


def blank_namer(prefix: str) -> Callable:
    """A function that names each blank node it is given `prefix`1, `prefix`2, … in the order it first
    sees them, and returns every other term as it is: how parsed files and graphs read back from a
    store get labels that depend only on their order (so the same graph gives the same bytes)."""
    names: dict[ox.BlankNode, ox.BlankNode] = {}

    def name(term):
        if not isinstance(term, ox.BlankNode):
            return term
        found = names.get(term)
        if found is None:
            found = names[term] = ox.BlankNode(f"{prefix}{len(names) + 1}")
        return found
    return name


def _statements(data: bytes, path: Path, base_iri: str, bnode_prefix: str, new_base: str,
                with_blank: Callable | None = None) -> Iterator:
    """The statements of one Turtle document in order, blank nodes renamed and IRIs moved (see
    `iter_turtle`): each one the parser's own default-graph quad where nothing changed (most of
    them: making no new object for those is what keeps a million cheap), else the tuple of its
    new subject, predicate and object. `with_blank(s, p, o)`, when given, is handed each statement
    that has a blank node instead, and the others come as quads or triples."""
    blank = blank_namer(bnode_prefix)
    bnode, named, triple = ox.BlankNode, ox.NamedNode, ox.Triple

    def moved(term):
        if type(term) is named and term.value.startswith(CANONICAL_BASE):
            return named(new_base + term.value[len(CANONICAL_BASE):])
        return blank(term) if type(term) is bnode else term

    try:
        parsed = ox.parse(data, format=TURTLE, base_iri=base_iri)
        if new_base != CANONICAL_BASE:
            for q in parsed:
                s, p, o = moved(q.subject), moved(q.predicate), moved(q.object)
                if with_blank is None:
                    yield s, p, o
                elif type(s) is bnode or type(o) is bnode:
                    with_blank(s, p, o)
                else:
                    yield triple(s, p, o)
            return
        for q in parsed:     # the common case, kept lean: at a million triples each step here counts
            s, o = q.subject, q.object
            if type(s) is not bnode and type(o) is not bnode:
                yield q
            elif with_blank is None:
                yield blank(s), q.predicate, blank(o)
            else:
                with_blank(blank(s), q.predicate, blank(o))
    except SyntaxError as err:
        message = err.msg
        # "Parser error at line 3 between columns 16 and 20: A dot is expected ..." -> keep the reason.
        if ": " in message and message.startswith("Parser error"):
            message = message.split(": ", 1)[1]
        raise LoadError(path, message, err.lineno, err.offset) from None
    except ValueError as err:  # e.g. invalid UTF-8
        raise LoadError(path, str(err)) from None


def iter_turtle(data: bytes, path: Path, base_iri: str = CANONICAL_BASE, bnode_prefix: str = "b",
                new_base: str = CANONICAL_BASE) -> Iterator[ox.Triple]:
    """The triples of one Turtle document, parsed by Oxigraph (whose errors carry exact positions).

    Blank nodes are renamed in order of appearance, so the same file always gives the same
    labels (and dumps of it the same bytes); IRIs under the canonical base move to `new_base`.
    """
    for t in _statements(data, path, base_iri, bnode_prefix, new_base):
        yield ox.Triple(*t) if type(t) is tuple else t.triple


class Loadable:
    """Statements ready to be stored in one graph: those with no blank node as N-Triples that
    Oxigraph wrote (loaded natively, no Python object per triple on the way in), the others as
    quads (a store's loader renames blank nodes: these keep the labels they were given).

    Measured at a million triples (bench/scale.py): issgraph load() ready in 8.4 s instead of 13.6
    from a Python quad per triple, at 754 MB peak instead of 1,169, its aggregates 5-20% faster."""

    def __init__(self, graph: ox.NamedNode, sink: "BackgroundLoader | None" = None):
        """`sink`: where each chunk of N-Triples goes as soon as it is written (a store is then
        filled while the rest is parsed); without one they are kept for `store_in`."""
        self.graph, self.quads, self.texts = graph, [], []
        self._sink = sink

    def _keeper(self) -> Callable:
        keep, quad, graph = self.quads.append, ox.Quad, self.graph
        return lambda s, p, o: keep(quad(s, p, o, graph))

    def _write(self, statements: Iterator) -> None:
        statements = iter(statements)
        while chunk := ox.serialize(islice(statements, CHUNK), format=NTRIPLES):
            if self._sink is None:
                self.texts.append(chunk)
            else:
                self._sink.add(chunk, self.graph)

    @classmethod
    def turtle(cls, data: bytes, path: Path, graph: ox.NamedNode, base_iri: str = CANONICAL_BASE,
               bnode_prefix: str = "b", new_base: str = CANONICAL_BASE,
               sink: "BackgroundLoader | None" = None) -> "Loadable":
        """One Turtle document, parsed whole (a syntax error raises LoadError; without a sink,
        before anything is stored)."""
        self = cls(graph, sink)
        self._write(_statements(data, path, base_iri, bnode_prefix, new_base, with_blank=self._keeper()))
        return self

    @classmethod
    def triples(cls, triples: Iterable[ox.Triple], graph: ox.NamedNode,
                sink: "BackgroundLoader | None" = None) -> "Loadable":
        self = cls(graph, sink)
        keep, bnode = self._keeper(), ox.BlankNode

        def plain():
            for t in triples:
                s, o = t.subject, t.object
                if type(s) is bnode or type(o) is bnode:
                    keep(s, t.predicate, o)
                else:
                    yield t
        self._write(plain())
        return self

    def store_in(self, store: ox.Store, bulk: bool = False, copy_to_default: bool = False) -> None:
        """Add what is kept to its graph in `store` (the quads; the N-Triples too, unless they
        went to a sink), and with `copy_to_default` to the store's default graph as well (the
        same nodes, blank ones included). `bulk`: through the bulk loader, for an on-disk store;
        an in-memory store is filled faster, and answers faster after, from `load`."""
        for graph in (self.graph, ox.DefaultGraph()) if copy_to_default else (self.graph,):
            for text in self.texts:
                add_ntriples(store, text, graph, bulk)
            store.bulk_extend(self.quads if graph is self.graph
                              else [ox.Quad(q.subject, q.predicate, q.object, graph) for q in self.quads])


def add_ntriples(store: ox.Store, text: bytes, graph, bulk: bool = False) -> None:
    """N-Triples that Oxigraph wrote added to `graph`, parsed leniently: they hold only terms its
    strict parser accepted (and no blank node, which the store's loader would rename)."""
    (store.bulk_load if bulk else store.load)(text, format=NTRIPLES, to_graph=graph, lenient=True)


class BackgroundLoader:
    """A thread that adds chunks of N-Triples to a store while the caller parses the next ones:
    the store's native loader lets go of the GIL, so on two cores parsing and storing overlap
    (a million triples: 9.4 -> 8.0 s). Only for a store nobody reads yet; leave the `with` block
    before reading it: that waits for the last chunk and raises what the thread met, if anything."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._queue: queue.Queue = queue.Queue(maxsize=2)     # two chunks ahead at most: memory stays bounded
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="issgraph-loader", daemon=True)

    def __enter__(self) -> "BackgroundLoader":
        self._thread.start()
        return self

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    add_ntriples(self.store, *item)
                except BaseException as err:       # handed to the caller in __exit__
                    self._error = err

    def add(self, text: bytes, graph: ox.NamedNode) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((text, graph))

    def __exit__(self, kind, value, tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and kind is None:
            raise self._error


@contextmanager
def collector_paused():
    """Python's cyclic collector off while a load makes millions of objects and no cycles: its
    passes over them, each longer as they add up, cost 2.4 s of a 12 s load at a million triples."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
