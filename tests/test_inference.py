"""The inferred graph: computed from the sources, the same bytes every time, served like the others."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date, timedelta

import jdatetime
import pyoxigraph as ox

from issgraph.config import CANONICAL_BASE, Config
from issgraph.loading import iter_turtle
from issgraph.inference import infer, inferred_ntriples

from .conftest import ROOT

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ISS = CANONICAL_BASE + "ontology#"


def sources():
    """The two files as the loader parses them (blank nodes named in order of appearance)."""
    read = lambda path, prefix: list(iter_turtle((ROOT / path).read_bytes(), ROOT / path, bnode_prefix=prefix))
    return read("data/iss.ttl", "d"), read("ontology/iss.ttl", "o")


INFER_IN_A_NEW_PROCESS = """
import hashlib, sys
from pathlib import Path
from issgraph.loading import iter_turtle
from issgraph.inference import inferred_ntriples
read = lambda p, prefix: list(iter_turtle(Path(p).read_bytes(), Path(p), bnode_prefix=prefix))
sys.stdout.write(hashlib.sha256(inferred_ntriples(read("data/iss.ttl", "d"), read("ontology/iss.ttl", "o"),
                                                  "https://w3id.org/issgraph/")).hexdigest())
"""


def test_the_inferred_graph_is_reproducible_byte_for_byte():
    """Twice here, and in two fresh processes with different hash seeds: the same N-Triples bytes."""
    data, ontology = sources()
    first = inferred_ntriples(data, ontology, CANONICAL_BASE)
    assert first == inferred_ntriples(list(reversed(data)), list(reversed(ontology)), CANONICAL_BASE)
    digests = {subprocess.run([sys.executable, "-c", INFER_IN_A_NEW_PROCESS], cwd=ROOT, capture_output=True,
                              text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert digests == {hashlib.sha256(first).hexdigest()}
    lines = first.decode("utf-8").splitlines()
    assert len(lines) > 300 and len(set(lines)) == len(lines)


def test_the_served_inferred_graph_is_the_computed_one(dataset):
    data, ontology = sources()
    assert set(dataset.inferred) == set(infer(data, ontology, CANONICAL_BASE))
    assert dataset.counts[3] == len(dataset.inferred)


def test_it_asserts_nothing_the_sources_assert(dataset):
    assert not set(dataset.inferred) & (set(dataset.data) | set(dataset.ontology))


def test_subclass_and_subproperty_closure_but_no_domain_or_range(dataset):
    inferred = {(str(t.subject), str(t.predicate), str(t.object)) for t in dataset.inferred}
    res = lambda n: f"<{CANONICAL_BASE}resource/{n}>"
    assert (res("Launch_of_the_first_module"), f"<{RDF_TYPE}>", f"<{ISS}Event>") in inferred
    assert (res("Launch_of_the_first_module"), f"<{RDF_TYPE}>", "<https://schema.org/Event>") in inferred
    assert (res("Dragon"), "<https://schema.org/manufacturer>", res("SpaceX")) in inferred
    # iss:statedIn has the domain prov:Entity; a statement node is not thereby an entity.
    entity = "<http://www.w3.org/ns/prov#Entity>"
    statements = {t.subject for t in dataset.data if t.predicate.value == RDF_TYPE
                  and t.object.value.endswith("22-rdf-syntax-ns#Statement")}
    assert statements and not any(ox.Triple(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(entity[1:-1])) in set(dataset.inferred)
                                  for s in statements)
    # iss:station has the domain iss:StationMatter; only classes that are in the union get it.
    assert (res("Passage_P1"), f"<{RDF_TYPE}>", f"<{ISS}StationMatter>") not in inferred


def test_the_inferred_graph_is_served_and_downloadable_alone(client, dataset):
    r = client.get("/graph/inferred.nt")
    assert r.status_code == 200
    served = {q.triple for q in ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES)}
    assert len(served) == dataset.counts[3]
    r = client.get("/sparql", query_string={"query": f"ASK FROM <{CANONICAL_BASE}graph/inferred> "
                                                     f"{{ ?x a <{ISS}Event> }}"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and b"true" in r.data


def test_the_shapes_solar_hijri_arithmetic_agrees_with_jdatetime_day_by_day():
    """shp:SolarHijriAgreesWithGregorian turns both dates into Julian day numbers with this
    arithmetic; it must name the same day as jdatetime for every day of 1929-2079."""
    shapes = (ROOT / "shapes" / "iss.ttl").read_text(encoding="utf-8")
    assert "1948319 + (?sy - 1) * 365 + FLOOR((8 * ?sy + 21) / 33)" in shapes

    def gregorian_day(d: date) -> int:
        a = (14 - d.month) // 12
        y, m = d.year + 4800 - a, d.month + 12 * a - 3
        return d.day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045

    def solar_hijri_day(y: int, m: int, d: int) -> int:
        return 1948319 + (y - 1) * 365 + (8 * y + 21) // 33 + ((m - 1) * 31 if m <= 7 else 186 + (m - 7) * 30) + d

    day = date(1929, 3, 21)
    while day < date(2080, 1, 1):
        sh = jdatetime.date.fromgregorian(date=day)
        assert solar_hijri_day(sh.year, sh.month, sh.day) == gregorian_day(day), day
        day += timedelta(days=1)


def test_dates_under_another_base_iri_are_computed_too():
    from issgraph.dataset import load

    other = load(Config(base_iri="http://example.org/iss/"))
    first_days = [t for t in other.inferred if t.predicate.value == "http://example.org/iss/ontology#firstDay"]
    assert first_days and all(t.subject.value.startswith("http://example.org/iss/") or isinstance(t.subject, ox.BlankNode)
                              for t in first_days)


def test_the_inference_read_from_the_store_is_the_inference_of_the_parsed_files():
    """load() infers from the store's indexes (StoredGraph), the list API from parsed triples
    (Triples): both ask the same questions and must give the same graph, and the store load()
    fills must hold exactly that graph."""
    from issgraph.dataset import load
    from issgraph.inference import StoredGraph, inferred

    data, ontology = sources()
    expected = infer(data, ontology, CANONICAL_BASE)
    store, graph = ox.Store(), ox.NamedNode("urn:x-test:data")
    store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in data])
    assert inferred(StoredGraph(store, graph), ontology, CANONICAL_BASE) == set(expected)
    dataset = load(Config())
    assert sorted(dataset.inferred, key=str) == sorted(expected, key=str)
    assert len(expected) > 500        # dates and types: the shipped graph has hundreds of each


def test_a_syntax_error_leaves_the_store_loaded_into_as_it_was(tmp_path):
    """`issgraph load --into` fills an existing store: every file is parsed before any is stored."""
    from issgraph.dataset import LoadError, load

    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated\n')
    store = ox.Store()
    try:
        load(Config(shapes_path=bad, validate_on_start=False), into=store)
    except LoadError as err:
        assert (err.line, err.column) == (3, 11), err
    else:
        raise AssertionError("a syntax error in the shapes file was not reported")
    assert len(store) == 0


def test_a_dated_blank_node_gets_no_inferred_copy_of_what_the_data_states_about_it(tmp_path):
    """The inference skips looking up what it says about the intervals and instants it makes (new
    blank nodes); a dated thing that is itself a blank node of the data is not one of them."""
    from issgraph.dataset import load

    data = tmp_path / "data.ttl"
    data.write_text(f"""@prefix iss: <{ISS}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
[] a iss:Launch , iss:Event ; iss:date "2000"^^xsd:gYear .
""")
    dataset = load(Config(data_path=data, validate_on_start=False))
    stated = set(dataset.data)
    assert any(t.predicate.value == RDF_TYPE and t.object.value == ISS + "Event" for t in stated)
    assert not stated & set(dataset.inferred)
    assert any(t.predicate.value == ISS + "firstDay" and isinstance(t.subject, ox.BlankNode) for t in dataset.inferred)
