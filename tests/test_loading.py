"""dataset.load: what it stores, whichever way it stores it (native N-Triples or quads)."""
from __future__ import annotations

import gc
import threading

import pyoxigraph as ox
import pytest

from issgraph import loading
from issgraph.config import CANONICAL_BASE, Config
from issgraph.dataset import load
from issgraph.loading import BackgroundLoader, LoadError, Loadable, iter_turtle

TURTLE = """@prefix ex: <http://example.org/> .
ex:a ex:p [ ex:q "one" ] , ex:b .
_:x ex:p ex:c .
ex:c ex:p _:x , [ ex:q "two" ] .
ex:c ex:label "a \\"quoted\\" _:y literal"@en , "2"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
EX = "http://example.org/"


def _graph(store: ox.Store, graph: ox.NamedNode) -> set[str]:
    return {str(q.triple) for q in store.quads_for_pattern(None, None, None, graph)}


def _expected(prefix: str) -> set[str]:
    """The statements of TURTLE with its blank nodes named in order of appearance."""
    b1, b2, b3 = (f"_:{prefix}{i}" for i in (1, 2, 3))
    return {f"<{EX}a> <{EX}p> {b1}", f'{b1} <{EX}q> "one"', f"<{EX}a> <{EX}p> <{EX}b>",
            f"{b2} <{EX}p> <{EX}c>", f"<{EX}c> <{EX}p> {b2}", f"<{EX}c> <{EX}p> {b3}", f'{b3} <{EX}q> "two"',
            f'<{EX}c> <{EX}label> "a \\"quoted\\" _:y literal"@en',
            f'<{EX}c> <{EX}label> "2"^^<http://www.w3.org/2001/XMLSchema#integer>'}


@pytest.mark.parametrize("how", ["in memory", "in memory, two statements a chunk, by the loader thread",
                                 "on disk (bulk loader)"])
def test_a_loaded_document_keeps_its_blank_nodes_named_in_order_of_appearance(tmp_path, monkeypatch, how):
    """A store's own loader renames blank nodes at random: the statements that have one must go
    in as quads, the others natively, and the graph hold exactly what iter_turtle reads."""
    store = ox.Store(str(tmp_path / "store")) if "disk" in how else ox.Store()
    graph = ox.NamedNode("urn:x-test:g")
    if "chunk" in how:
        monkeypatch.setattr(loading, "CHUNK", 2)
        with BackgroundLoader(store) as sink:
            document = Loadable.turtle(TURTLE.encode(), tmp_path / "t.ttl", graph, bnode_prefix="d", sink=sink)
        assert document.texts == []                 # every chunk went to the thread
    else:
        document = Loadable.turtle(TURTLE.encode(), tmp_path / "t.ttl", graph, bnode_prefix="d")
        assert len(document.texts) == 1
    document.store_in(store, bulk="disk" in how)
    assert _graph(store, graph) == _expected("d")
    assert {str(t) for t in iter_turtle(TURTLE.encode(), tmp_path / "t.ttl", bnode_prefix="d")} == _expected("d")


def test_what_the_loader_thread_meets_is_raised_to_its_caller_and_the_thread_ends():
    with pytest.raises(SyntaxError):
        with BackgroundLoader(ox.Store()) as sink:
            sink.add(b"<http://a> <http://b> not-a-term .\n", ox.NamedNode("urn:x-test:g"))
    assert not [t for t in threading.enumerate() if t.name == "issgraph-loader"]


def test_a_syntax_error_midway_through_a_load_leaves_no_loader_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 1)
    bad = tmp_path / "bad.ttl"
    bad.write_text(TURTLE + "<http://a> <http://b> .\n")
    with pytest.raises(LoadError) as caught:
        load(Config(data_path=bad, validate_on_start=False))
    assert (caught.value.line, caught.value.column) == (6, 23), caught.value
    assert not [t for t in threading.enumerate() if t.name == "issgraph-loader"]


def test_a_document_moved_to_another_base_keeps_its_blank_node_names(tmp_path):
    doc = TURTLE.replace("http://example.org/", CANONICAL_BASE)
    store, graph = ox.Store(), ox.NamedNode("urn:x-test:g")
    Loadable.turtle(doc.encode(), tmp_path / "t.ttl", graph, bnode_prefix="d",
                    new_base="http://127.0.0.1:9/").store_in(store)
    assert _graph(store, graph) == {s.replace(EX, "http://127.0.0.1:9/") for s in _expected("d")}


def test_the_same_files_load_into_the_same_graphs_every_time():
    """Labels depend only on the files: two loads give the same quads, blank nodes included
    (dumps, ETags and answers naming _:d12 stay the same across restarts)."""
    first, second = (sorted(map(str, load(Config(validate_on_start=False)).store)) for _ in range(2))
    assert first == second
    assert any("_:d1 " in q for q in first) and any("_:i1 " in q for q in first)


def test_the_collector_is_on_again_after_a_load_and_after_a_failed_one(tmp_path):
    assert gc.isenabled()
    load(Config(validate_on_start=False))
    assert gc.isenabled()
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> .\n")
    with pytest.raises(LoadError):
        load(Config(data_path=bad, validate_on_start=False))
    assert gc.isenabled()
    gc.disable()
    try:                     # a caller that turned it off keeps it off
        load(Config(validate_on_start=False))
        assert not gc.isenabled()
    finally:
        gc.enable()
