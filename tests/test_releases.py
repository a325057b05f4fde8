"""Releases people can cite: the canonical hash (RDFC-1.0), the archive of every version, the diff."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pyoxigraph as ox
import pytest
from rdflib import Dataset as RdflibDataset, Graph, URIRef
from rdflib.namespace import RDF

from issgraph.changes import CS, Side, changeset_triples, changeset_turtle, diff, open_side
from issgraph.config import Config
from issgraph.dataset import load
from issgraph.releases import (MANIFEST, ReleaseError, archive, archived_versions, canonical_hash,
                               canonical_nquads, current_release, dataset_version, read_release)

from .conftest import ROOT

RELEASES = ROOT / "releases"


def _relabel(quads, prefix: str) -> list[ox.Quad]:
    """The same quads with every blank node renamed (another party's labels)."""
    names: dict = {}

    def t(term):
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term, ox.BlankNode(f"{prefix}{len(names)}x"))
        return term

    return [ox.Quad(t(q.subject), q.predicate, t(q.object), q.graph_name) for q in quads]


def test_canonical_hash_is_the_same_across_serialisations_and_a_reload(dataset, tmp_path):
    quads = list(dataset.quads())
    expected = canonical_hash(canonical_nquads(quads))
    for fmt, name in ((ox.RdfFormat.TRIG, "x.trig"), (ox.RdfFormat.N_QUADS, "x.nq")):
        text = ox.serialize(_relabel(reversed(quads), "other"), format=fmt)
        assert canonical_hash(canonical_nquads(ox.parse(text, format=fmt))) == expected, name
    # rdflib writes its own TriG; parsed back by rdflib, then handed over as N-Quads
    ds = RdflibDataset()
    ds.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
    again = ds.serialize(format="nquads")
    assert canonical_hash(canonical_nquads(ox.parse(again.encode(), format=ox.RdfFormat.N_QUADS))) == expected
    # a fresh load of the same files
    assert current_release(load(Config())).hash == expected


def test_canonical_nquads_are_sorted_lines_with_canonical_blank_node_labels(dataset):
    body = canonical_nquads(dataset.quads())
    lines = body.splitlines(keepends=True)
    assert lines == sorted(lines) and all(line.endswith(b" .\n") for line in lines)
    labels = {t.value for q in ox.parse(body, format=ox.RdfFormat.N_QUADS)
              for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    assert labels and all(label.startswith("c14n") for label in labels)


def test_version_is_read_from_the_data(dataset, tmp_path):
    assert dataset_version(dataset) == next(
        t.object.value for t in dataset.data if t.subject.value == dataset.config.dataset_iri
        and t.predicate.value == "http://www.w3.org/2002/07/owl#versionInfo")
    data = tmp_path / "iss.ttl"
    data.write_text((ROOT / "data/iss.ttl").read_text(encoding="utf-8").replace(
        f'owl:versionInfo "{dataset_version(dataset)}"', 'owl:versionInfo "9.8.7"'), encoding="utf-8")
    assert dataset_version(load(Config(data_path=data))) == "9.8.7"


def test_every_archived_release_is_intact():
    versions = archived_versions(RELEASES)
    assert "0.1.0" in versions
    for version in versions:
        release = read_release(RELEASES / version)          # raises when a byte differs
        manifest = json.loads((RELEASES / version / MANIFEST).read_text(encoding="utf-8"))
        assert release.hash == manifest["canonical_hash"] and release.quad_count == manifest["quads"]
        assert manifest["canonicalization"] == "RDFC-1.0" and manifest["version"] == version


def test_the_current_version_when_archived_is_exactly_its_archive():
    """A version's graph never changes once archived: change the data, bump owl:versionInfo."""
    current = current_release(load(Config()))
    if current.version in archived_versions(RELEASES):
        assert read_release(RELEASES / current.version).hash == current.hash
    assert archived_versions(RELEASES), "no archived release at all"


def test_archive_writes_stable_bytes_and_never_rewrites_a_version(dataset, tmp_path):
    release = current_release(dataset)
    folder, written = archive(release, tmp_path)
    assert written and (folder / MANIFEST).is_file()
    first = (folder / release.manifest()["file"]).read_bytes()
    assert gzip.decompress(first) == release.canonical
    assert archive(release, tmp_path) == (folder, False)
    assert (folder / release.manifest()["file"]).read_bytes() == first
    other = type(release)(release.version, release.canonical + b'<urn:x> <urn:y> "z" .\n')
    with pytest.raises(ReleaseError, match="already archived with another graph"):
        archive(other, tmp_path)


def test_a_tampered_archive_is_detected(dataset, tmp_path):
    release = current_release(dataset)
    folder, _ = archive(release, tmp_path)
    packed = folder / release.manifest()["file"]
    packed.write_bytes(gzip.compress(release.canonical.replace(b"International", b"Intergalactic", 1), mtime=0))
    with pytest.raises(ReleaseError, match="not the file its manifest names"):
        read_release(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["file_sha256"] = __import__("hashlib").sha256(packed.read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ReleaseError, match="canonical hash"):
        read_release(folder)


OLD = """
@prefix ex: <http://example.org/> .
GRAPH <http://example.org/g1> { ex:a ex:p "one" ; ex:q ex:b . ex:b ex:p "kept" . }
GRAPH <http://example.org/g2> { ex:c ex:r 1 . }
"""
NEW = """
@prefix ex: <http://example.org/> .
GRAPH <http://example.org/g1> { ex:a ex:p "two"@en ; ex:q ex:b . ex:b ex:p "kept" . }
GRAPH <http://example.org/g2> { ex:c ex:r 1 , 2 . }
GRAPH <http://example.org/g3> { ex:d ex:s ex:e . }
"""


def _side(tmp_path, name, text) -> Side:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return open_side(str(path))


def test_diff_of_two_synthetic_versions_is_exact(tmp_path):
    d = diff(_side(tmp_path, "old.trig", OLD), _side(tmp_path, "new.trig", NEW))
    assert d.removed == (b'<http://example.org/a> <http://example.org/p> "one" <http://example.org/g1> .\n',)
    assert d.added == (
        b'<http://example.org/a> <http://example.org/p> "two"@en <http://example.org/g1> .\n',
        b'<http://example.org/c> <http://example.org/r> "2"^^<http://www.w3.org/2001/XMLSchema#integer> '
        b'<http://example.org/g2> .\n',
        b'<http://example.org/d> <http://example.org/s> <http://example.org/e> <http://example.org/g3> .\n',
    )
    assert diff(d.old, d.old).added == () and diff(d.old, d.old).identical


def test_diff_as_rdf_reifies_each_change_under_its_graph(tmp_path):
    d = diff(_side(tmp_path, "old.trig", OLD), _side(tmp_path, "new.trig", NEW))
    iri = "https://w3id.org/issgraph/changes/old/new"
    g = Graph().parse(data=changeset_turtle(d, iri, "https://w3id.org/issgraph/dataset").decode(), format="turtle")
    top = URIRef(iri)
    assert (top, RDF.type, URIRef(CS + "ChangeSet")) in g
    found = set()
    for kind in ("addition", "removal"):
        for part, st in g.subject_objects(URIRef(CS + kind)):
            graph = g.value(part, URIRef(CS + "subjectOfChange"))
            assert (st, RDF.type, RDF.Statement) in g
            found.add((kind, str(graph), str(g.value(st, RDF.subject)), str(g.value(st, RDF.predicate)),
                       str(g.value(st, RDF.object))))
    ex = "http://example.org/"
    assert found == {
        ("removal", ex + "g1", ex + "a", ex + "p", "one"),
        ("addition", ex + "g1", ex + "a", ex + "p", "two"),
        ("addition", ex + "g2", ex + "c", ex + "r", "2"),
        ("addition", ex + "g3", ex + "d", ex + "s", ex + "e"),
    }
    # the same two versions always give the same document
    assert changeset_turtle(d, iri, "x:y") == changeset_turtle(diff(d.old, d.new), iri, "x:y")
    assert len(changeset_triples(d, iri, "x:y")) == len(set(changeset_triples(d, iri, "x:y")))


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "issgraph", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_release_and_diff_from_the_command_line(tmp_path):
    old, new = tmp_path / "old.trig", tmp_path / "new.trig"
    old.write_text(OLD), new.write_text(NEW)
    out = _cli("diff", str(old), str(new), "--format", "text")
    assert out.returncode == 0, out.stderr
    assert "3 added, 1 removed" in out.stdout and '- <http://example.org/a> <http://example.org/p> "one"' in out.stdout
    turtle = _cli("diff", str(old), str(new))
    assert turtle.returncode == 0 and "cs:ChangeSet" in turtle.stdout
    check = _cli("release", "--check")
    assert check.returncode == 0 and "0.1.0" in check.stdout and "intact" in check.stdout
    # the current version is archived into a new folder; a second run changes nothing
    made = _cli("release", "--releases", str(tmp_path / "rel"))
    assert made.returncode == 0, made.stderr
    version = dataset_version(load(Config()))
    assert read_release(tmp_path / "rel" / version).hash == current_release(load(Config())).hash
    assert "already archived" in _cli("release", "--releases", str(tmp_path / "rel")).stdout
    same = _cli("diff", "0.1.0", str(tmp_path / "rel" / version), "--format", "text")
    assert same.returncode == 0, same.stderr
    missing = _cli("diff", "no-such-version", str(new))
    assert missing.returncode == 2 and "neither a file" in missing.stderr
