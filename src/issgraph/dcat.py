"""DCAT 3 for the dataset, contributed to the VoID description: distributions, the endpoint, the versions.

Each dump is a `dcat:Distribution` (download URL, media type, gzip as `dcat:compressFormat`,
byte size, SHA-256 as `spdx:checksum`); the endpoint is a `dcat:DataService` serving the
dataset; every release is a version (`dcat:hasVersion`, `dcat:previousVersion`) whose
canonical N-Quads are its distribution — that file's SHA-256 is the graph's canonical hash.
How to cite is `dcterms:bibliographicCitation`. All of it is worked out from the served graph
and the release archive; nothing is typed in.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

import pyoxigraph as ox

from .dataset import Dataset
from .dumps import DUMP_FORMATS, GZIP, dump_bytes, dump_name
from .namespaces import DCAT, DCTERMS, RDF, SPDX, XSD, prefixes_for
from .releases import CANONICAL_FILE, Release, canonical_name, catalogue, dataset_facts

RDF_TYPE = ox.NamedNode(RDF + "type")
MEDIA = "https://www.iana.org/assignments/media-types/"
NQUADS = "application/n-quads"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@lru_cache(maxsize=4)
def dump_facts(dataset: Dataset) -> tuple[tuple[str, str, int, str], ...]:
    """(file name, media type, bytes, SHA-256) of every current dump, byte for byte as served."""
    prefixes = prefixes_for(dataset.config.base_iri)
    out = []
    for fmt in DUMP_FORMATS:
        for gz in (False, True):
            body = dump_bytes(dataset, fmt, gz, prefixes)
            out.append((dump_name(fmt, gz), fmt.media_type, len(body), hashlib.sha256(body).hexdigest()))
    return tuple(out)


def citation(dataset: Dataset) -> str:
    """How to cite the dataset, from its own facts: creator, year, title, version, IRI."""
    facts = dataset_facts(dataset)
    year = (facts.get("modified") or "")[:4]
    return (f"{facts.get('creator', '')} ({year}). {facts.get('title', '')} (version {facts['version']}) "
            f"[Data set]. {dataset.config.dataset_iri}")


def _distribution(out: list, ds: ox.NamedNode, url: str, media: str, size: int, sha256: str,
                  compressed: bool, license_iri: str | None, title: str) -> None:
    """One dcat:Distribution with its download URL, formats, size and checksum."""
    dist = _n(url)
    checksum = ox.BlankNode("sha256-" + sha256[:24])
    out += [
        ox.Triple(ds, _n(DCAT + "distribution"), dist),
        ox.Triple(dist, RDF_TYPE, _n(DCAT + "Distribution")),
        ox.Triple(dist, _n(DCTERMS + "title"), ox.Literal(title, language="en")),
        ox.Triple(dist, _n(DCAT + "downloadURL"), dist),
        ox.Triple(dist, _n(DCAT + "accessURL"), dist),
        ox.Triple(dist, _n(DCAT + "mediaType"), _n(MEDIA + media)),
        ox.Triple(dist, _n(DCAT + "byteSize"), ox.Literal(str(size), datatype=_n(XSD + "nonNegativeInteger"))),
        ox.Triple(dist, _n(SPDX + "checksum"), checksum),
        ox.Triple(checksum, RDF_TYPE, _n(SPDX + "Checksum")),
        ox.Triple(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")),
        ox.Triple(checksum, _n(SPDX + "checksumValue"), ox.Literal(sha256, datatype=_n(XSD + "hexBinary"))),
    ]
    if compressed:
        out.append(ox.Triple(dist, _n(DCAT + "compressFormat"), _n(MEDIA + GZIP)))
    if license_iri:
        out.append(ox.Triple(dist, _n(DCTERMS + "license"), _n(license_iri)))


def _release(out: list, ds: ox.NamedNode, release: Release, host_url: str, license_iri: str | None) -> ox.NamedNode:
    """One version of the dataset, as a dcat:Dataset with its canonical N-Quads (plain and gzip)."""
    node = _n(f"{host_url}dumps/{release.version}/")
    out += [ox.Triple(ds, _n(DCAT + "hasVersion"), node),
            ox.Triple(node, RDF_TYPE, _n(DCAT + "Dataset")),
            ox.Triple(node, _n(DCTERMS + "isVersionOf"), ds),
            ox.Triple(node, _n(DCAT + "version"), ox.Literal(release.version)),
            ox.Triple(node, _n(DCTERMS + "title"), ox.Literal(f"issgraph {release.version}", language="en"))]
    if release.modified:
        out.append(ox.Triple(node, _n(DCTERMS + "modified"), ox.Literal(release.modified, datatype=_n(XSD + "date"))))
    base = f"{host_url}dumps/{release.version}/"
    _distribution(out, node, base + CANONICAL_FILE, NQUADS, len(release.canonical), release.hash, False,
                  license_iri, f"issgraph {release.version}, canonical N-Quads (RDFC-1.0)")
    packed = release.compressed
    _distribution(out, node, base + canonical_name(release.version), NQUADS, len(packed),
                  hashlib.sha256(packed).hexdigest(), True, license_iri,
                  f"issgraph {release.version}, canonical N-Quads (RDFC-1.0), gzip")
    return node


def describe_dcat(dataset: Dataset, host_url: str) -> list[ox.Triple]:
    """DCAT 3 triples about the dataset for this host: distributions, data service, versions, citation."""
    config = dataset.config
    ds = _n(config.dataset_iri)
    facts = dataset_facts(dataset)
    license_iri = facts.get("license")
    out: list[ox.Triple] = [ox.Triple(ds, RDF_TYPE, _n(DCAT + "Dataset")),
                            ox.Triple(ds, _n(DCAT + "version"), ox.Literal(facts["version"])),
                            ox.Triple(ds, _n(DCAT + "landingPage"), _n(host_url + "dataset")),
                            ox.Triple(ds, _n(DCTERMS + "bibliographicCitation"), ox.Literal(citation(dataset)))]
    for name, media, size, sha256 in dump_facts(dataset):
        compressed = name.endswith(".gz")
        _distribution(out, ds, f"{host_url}dumps/{name}", media, size, sha256, compressed, license_iri,
                      f"issgraph dump {name}")
    endpoint = _n(host_url + "sparql")
    out += [ox.Triple(endpoint, RDF_TYPE, _n(DCAT + "DataService")),
            ox.Triple(endpoint, _n(DCTERMS + "title"), ox.Literal("issgraph SPARQL 1.1 endpoint", language="en")),
            ox.Triple(endpoint, _n(DCAT + "endpointURL"), endpoint),
            ox.Triple(endpoint, _n(DCAT + "endpointDescription"), endpoint),
            ox.Triple(endpoint, _n(DCTERMS + "conformsTo"), _n(SPARQL_PROTOCOL)),
            ox.Triple(endpoint, _n(DCAT + "servesDataset"), ds)]
    access = ox.BlankNode("sparql-distribution")
    out += [ox.Triple(ds, _n(DCAT + "distribution"), access),
            ox.Triple(access, RDF_TYPE, _n(DCAT + "Distribution")),
            ox.Triple(access, _n(DCTERMS + "title"), ox.Literal("issgraph through its SPARQL endpoint", language="en")),
            ox.Triple(access, _n(DCAT + "accessURL"), endpoint),
            ox.Triple(access, _n(DCAT + "accessService"), endpoint)]
    if license_iri:
        out.append(ox.Triple(endpoint, _n(DCTERMS + "license"), _n(license_iri)))
    releases = catalogue(dataset)
    previous = None
    for release in releases.all():
        node = _release(out, ds, release, host_url, license_iri)
        if previous is not None:
            out.append(ox.Triple(node, _n(DCAT + "previousVersion"), previous))
        if release.version == releases.current.version:
            out.append(ox.Triple(ds, _n(DCAT + "hasCurrentVersion"), node))
        previous = node
    return out
