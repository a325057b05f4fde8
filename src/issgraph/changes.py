"""The changelog between two versions, computed from their canonical graphs, never written by hand.

Both sides are canonicalised (RDFC-1.0); a quad is added when its canonical line is in the new
version only, removed when in the old one only. The RDF form uses the Changeset vocabulary
(http://purl.org/vocab/changeset/schema#): one `cs:ChangeSet` for the whole dataset and one per
named graph (`cs:subjectOfChange` the graph), whose `cs:addition` / `cs:removal` are reified
statements (`rdf:Statement`) with IRIs derived from the quad's hash, so the same two versions
always give the same document. Caveat, from the algorithm: canonical blank-node labels depend
on the whole graph, so a change next to blank nodes can show their quads as removed and added.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .namespaces import CS, DCTERMS, RDF, RDFS
from .releases import (MANIFEST, Release, ReleaseError, canonical_hash, canonical_nquads, parse_any,
                       read_release)

PREFIXES = {"cs": CS, "rdf": RDF, "rdfs": RDFS, "dcterms": DCTERMS}


@dataclass(frozen=True)
class Side:
    """One side of a diff: a label (a version or a file name), its canonical N-Quads and hash."""

    label: str
    canonical: bytes

    @property
    def hash(self) -> str:
        return canonical_hash(self.canonical)

    @property
    def lines(self) -> set[bytes]:
        return set(self.canonical.splitlines(keepends=True))


@dataclass(frozen=True)
class Diff:
    """What changed from `old` to `new`: canonical N-Quads lines, sorted."""

    old: Side
    new: Side
    added: tuple[bytes, ...]
    removed: tuple[bytes, ...]

    @property
    def identical(self) -> bool:
        return self.old.hash == self.new.hash


def side_of_release(release: Release) -> Side:
    return Side(release.version, release.canonical)


def open_side(target: str, releases_dir: Path | None = None) -> Side:
    """A diff side from a release folder, a version archived in releases_dir, or an RDF file."""
    path = Path(target)
    if path.is_dir() and (path / MANIFEST).is_file():
        return side_of_release(read_release(path))
    if releases_dir is not None and not path.exists() and (Path(releases_dir) / target / MANIFEST).is_file():
        return side_of_release(read_release(Path(releases_dir) / target))
    if path.is_file():
        return Side(path.name, canonical_nquads(parse_any(path)))
    raise ReleaseError(f"{target}: neither a file, a release folder nor an archived version")


def diff(old: Side, new: Side) -> Diff:
    """The quads added and removed between two canonical graphs."""
    before, after = old.lines, new.lines
    return Diff(old, new, tuple(sorted(after - before)), tuple(sorted(before - after)))


def _quad(line: bytes) -> ox.Quad:
    return next(iter(ox.parse(line, format=ox.RdfFormat.N_QUADS)))


def changeset_triples(d: Diff, iri: str, dataset_iri: str) -> list[ox.Triple]:
    """The diff as Changeset-vocabulary triples; `iri` names the changeset, `dataset_iri` what changed."""
    top = ox.NamedNode(iri)
    n = ox.NamedNode
    out = [
        ox.Triple(top, n(RDF + "type"), n(CS + "ChangeSet")),
        ox.Triple(top, n(CS + "subjectOfChange"), n(dataset_iri)),
        ox.Triple(top, n(RDFS + "label"), ox.Literal(f"Changes from {d.old.label} to {d.new.label}", language="en")),
        ox.Triple(top, n(CS + "changeReason"), ox.Literal(
            f"Computed from the two canonical graphs (RDFC-1.0): {len(d.added)} quads added, {len(d.removed)} removed; "
            f"canonical SHA-256 {d.old.hash} ({d.old.label}) and {d.new.hash} ({d.new.label}).", language="en")),
    ]
    parts: dict[str, ox.NamedNode] = {}

    def part(graph) -> ox.NamedNode:
        """The changeset of one named graph (the whole dataset's for the default graph)."""
        if isinstance(graph, ox.DefaultGraph):
            return top
        key = graph.value
        if key not in parts:
            node = parts[key] = n(f"{iri}#graph-{hashlib.sha256(key.encode()).hexdigest()[:12]}")
            out.extend([ox.Triple(node, n(RDF + "type"), n(CS + "ChangeSet")),
                        ox.Triple(node, n(CS + "subjectOfChange"), graph),
                        ox.Triple(node, n(DCTERMS + "isPartOf"), top),
                        ox.Triple(top, n(DCTERMS + "hasPart"), node)])
        return parts[key]

    for kind, lines in (("addition", d.added), ("removal", d.removed)):
        for line in lines:
            q = _quad(line)
            st = n(f"{iri}#{kind[0]}-{hashlib.sha256(line).hexdigest()[:16]}")
            out.extend([ox.Triple(part(q.graph_name), n(CS + kind), st),
                        ox.Triple(st, n(RDF + "type"), n(RDF + "Statement")),
                        ox.Triple(st, n(RDF + "subject"), q.subject),
                        ox.Triple(st, n(RDF + "predicate"), q.predicate),
                        ox.Triple(st, n(RDF + "object"), q.object)])
    return sorted(set(out), key=str)


def changeset_turtle(d: Diff, iri: str, dataset_iri: str) -> bytes:
    """The changeset document in Turtle (stable bytes for the same two versions)."""
    return ox.serialize(changeset_triples(d, iri, dataset_iri), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def summary(d: Diff) -> str:
    """A short text account: hashes, counts, then the lines themselves (+ added, - removed)."""
    head = [f"old {d.old.label}: {d.old.hash}", f"new {d.new.label}: {d.new.hash}",
            "identical" if d.identical else f"{len(d.added)} added, {len(d.removed)} removed"]
    body = [f"- {line.decode('utf-8').rstrip()}" for line in d.removed] + \
           [f"+ {line.decode('utf-8').rstrip()}" for line in d.added]
    return "\n".join(head + body) + "\n"
