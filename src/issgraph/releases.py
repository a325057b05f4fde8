"""Versioned releases: the graph's canonical form (RDFC-1.0), its hash, and the archive of every release.

A release is the canonical N-Quads of every named graph the dataset serves (RDF Dataset
Canonicalization 1.0, as pyoxigraph implements it: blank nodes relabelled `c14nN`, lines in
code-point order), gzip-compressed with a fixed timestamp, and a manifest naming its SHA-256.
Two parties holding the same graph get the same hash whatever serialisation they started from.
`releases/VERSION/` keeps each archived version, so `/dumps/VERSION/` serves it after the data
has moved on. The version is the dataset's own `owl:versionInfo`, read from the data.
Nothing here knows HTTP.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .dataset import Dataset, Held
from .namespaces import DCTERMS as DCT, OWL

ALGORITHM = "RDFC-1.0"
HASH = "SHA-256"
MANIFEST = "manifest.json"
CANONICAL_FILE = "issgraph.canonical.nq"          # the canonical N-Quads as served, uncompressed
OWL_VERSION_INFO = ox.NamedNode(OWL + "versionInfo")
DCT_MODIFIED = ox.NamedNode(DCT + "modified")
DCT_LICENSE = ox.NamedNode(DCT + "license")
VERSION_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+){0,3}([-+][0-9A-Za-z.-]+)?$")


class ReleaseError(Exception):
    """A release that cannot be read, written or trusted; the message says which and why."""


def canonical_name(version: str) -> str:
    """The archived file of one version: issgraph-0.1.0.canonical.nq.gz."""
    return f"issgraph-{version}.canonical.nq.gz"


def canonical_nquads(quads: Iterable[ox.Quad]) -> bytes:
    """The canonical N-Quads document of some quads (RDFC-1.0): the same graph gives the same bytes."""
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    # The canonical N-Quads document is the lines in code-point order (UTF-8 byte order is the same).
    return "".join(sorted(f"{q} .\n" for q in ds)).encode("utf-8")


def canonical_hash(canonical: bytes) -> str:
    """The hash of a canonical N-Quads document: lower-case hex SHA-256."""
    return hashlib.sha256(canonical).hexdigest()


def compress(canonical: bytes) -> bytes:
    """gzip with a fixed timestamp and no file name: the same document always gives the same bytes."""
    return gzip.compress(canonical, compresslevel=9, mtime=0)


def dataset_version(dataset: Dataset) -> str:
    """The dataset's version: the owl:versionInfo of its own node in the data graph."""
    found = dataset.match(subject=ox.NamedNode(dataset.config.dataset_iri), predicate=OWL_VERSION_INFO,
                          graphs=(dataset.config.data_graph,))
    if not found:
        raise ReleaseError(f"the data gives {dataset.config.dataset_iri} no owl:versionInfo")
    return found[0].object.value


def _dataset_value(dataset: Dataset, predicate: ox.NamedNode) -> str | None:
    found = dataset.match(subject=ox.NamedNode(dataset.config.dataset_iri), predicate=predicate,
                          graphs=(dataset.config.data_graph,))
    return found[0].object.value if found else None


def dataset_facts(dataset: Dataset) -> dict:
    """The dataset's own facts from the data: version, title, description (en, fa), licence, creator, date."""
    facts: dict = {"version": dataset_version(dataset)}
    names = {DCT + "title": "title", DCT + "description": "description", DCT + "license": "license",
             DCT + "creator": "creator", DCT + "modified": "modified"}
    for t in dataset.match(subject=ox.NamedNode(dataset.config.dataset_iri), graphs=(dataset.config.data_graph,)):
        key = names.get(t.predicate.value)
        if key is None:
            continue
        lang = getattr(t.object, "language", None)
        if lang and lang != "en":
            facts.setdefault(f"{key}_{lang}", t.object.value)
        else:
            facts.setdefault(key, t.object.value)
    return facts


def version_key(version: str) -> tuple:
    """Sort key of a version string: 0.2.0 < 0.10.0."""
    core = re.split(r"[-+]", version, maxsplit=1)[0]
    return tuple(int(p) for p in core.split(".")), version


@dataclass(frozen=True)
class Release:
    """One version of the graph: its canonical N-Quads, hash and facts, archived or current."""

    version: str
    canonical: bytes
    modified: str | None = None
    license: str | None = None
    graphs: tuple[str, ...] = ()

    @property
    def hash(self) -> str:
        return canonical_hash(self.canonical)

    @property
    def compressed(self) -> bytes:
        return compress(self.canonical)

    @property
    def quad_count(self) -> int:
        return self.canonical.count(b"\n")

    def manifest(self) -> dict:
        """The manifest written beside the archive (and served as /dumps/VERSION/manifest.json)."""
        return {
            "version": self.version,
            "canonicalization": ALGORITHM,
            "hash_algorithm": HASH,
            "canonical_hash": self.hash,
            "quads": self.quad_count,
            "graphs": list(self.graphs),
            "file": canonical_name(self.version),
            "file_sha256": hashlib.sha256(self.compressed).hexdigest(),
            "file_bytes": len(self.compressed),
            "modified": self.modified,
            "license": self.license,
        }

    def quads(self) -> list[ox.Quad]:
        return list(ox.parse(self.canonical, format=ox.RdfFormat.N_QUADS))


def current_release(dataset: Dataset) -> Release:
    """The release the served dataset is: every named graph it serves, canonicalised."""
    return Release(dataset_version(dataset), canonical_nquads(dataset.quads()),
                   _dataset_value(dataset, DCT_MODIFIED), _dataset_value(dataset, DCT_LICENSE),
                   tuple(dataset.config.graph_iris))


@lru_cache(maxsize=4)
def cached_current_release(dataset: Dataset) -> Release:
    """current_release, worked out once per process for a dataset (the served data never changes)."""
    return current_release(dataset)


def release_dataset(release: Release, config) -> Dataset:
    """An archived release as a Dataset in memory (for its dumps in every format)."""
    store = ox.Store()
    store.bulk_extend(release.quads())
    try:
        modified = datetime.fromisoformat(release.modified or "").replace(tzinfo=timezone.utc)
    except ValueError:
        modified = datetime.fromtimestamp(0, tz=timezone.utc)
    return Dataset(config, Held(store), release.hash, modified)


def read_release(folder: Path, verify: bool = True) -> Release:
    """An archived release from its folder; with `verify`, its bytes must match its manifest."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        packed = (folder / manifest["file"]).read_bytes()
        canonical = gzip.decompress(packed)
    except (OSError, ValueError, KeyError, EOFError, gzip.BadGzipFile) as err:
        raise ReleaseError(f"{folder}: not a readable release: {err}") from None
    release = Release(manifest["version"], canonical, manifest.get("modified"), manifest.get("license"),
                      tuple(manifest.get("graphs", ())))
    if verify:
        if hashlib.sha256(packed).hexdigest() != manifest.get("file_sha256"):
            raise ReleaseError(f"{folder}: {manifest['file']} is not the file its manifest names (file hash differs)")
        if release.hash != manifest.get("canonical_hash"):
            raise ReleaseError(f"{folder}: the canonical hash of {manifest['file']} is {release.hash}, "
                               f"the manifest says {manifest.get('canonical_hash')}")
        if manifest["version"] != folder.name:
            raise ReleaseError(f"{folder}: holds version {manifest['version']}, not {folder.name}")
    return release


def archived_versions(releases_dir: Path) -> list[str]:
    """The versions archived under releases_dir, oldest first."""
    if not Path(releases_dir).is_dir():
        return []
    found = [p.name for p in Path(releases_dir).iterdir()
             if p.is_dir() and (p / MANIFEST).is_file() and VERSION_PATTERN.match(p.name)]
    return sorted(found, key=version_key)


def archive(release: Release, releases_dir: Path) -> tuple[Path, bool]:
    """Write a release into releases_dir/VERSION/ (archive and manifest); (folder, written).

    A version once archived is never rewritten: archiving it again with the same graph does
    nothing, with another graph is a ReleaseError (bump the version in the data instead).
    """
    if not VERSION_PATTERN.match(release.version):
        raise ReleaseError(f"{release.version!r} is not a version (like 0.2.0)")
    folder = Path(releases_dir) / release.version
    if (folder / MANIFEST).exists():
        kept = read_release(folder)
        if kept.hash != release.hash:
            raise ReleaseError(f"version {release.version} is already archived with another graph "
                               f"(canonical hash {kept.hash}); bump owl:versionInfo in the data for a new release")
        return folder, False
    folder.mkdir(parents=True, exist_ok=True)
    (folder / canonical_name(release.version)).write_bytes(release.compressed)
    (folder / MANIFEST).write_text(json.dumps(release.manifest(), indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return folder, True


def parse_any(path: Path) -> list[ox.Quad]:
    """The quads of an RDF file (N-Quads, TriG, Turtle, N-Triples, RDF/XML, JSON-LD; .gz allowed)."""
    path = Path(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    fmt = ox.RdfFormat.from_extension(name.rsplit(".", 1)[-1]) if "." in name else None
    if fmt is None:
        raise ReleaseError(f"{path}: cannot tell its RDF format from its name")
    try:
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        return list(ox.parse(data, format=fmt))
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise ReleaseError(f"{path}: {err}") from None
    except SyntaxError as err:
        raise ReleaseError(f"{path}:{err.lineno}:{err.offset}: {err.msg}") from None


class Catalogue:
    """Every release a server offers: the archived ones and the current one, oldest first."""

    def __init__(self, dataset: Dataset, releases_dir: Path):
        self.dataset, self.releases_dir = dataset, Path(releases_dir)
        self._archived: dict[str, Release] = {}

    @property
    def current(self) -> Release:
        return cached_current_release(self.dataset)

    def archived(self) -> list[str]:
        return archived_versions(self.releases_dir)

    def versions(self) -> list[str]:
        return sorted(set(self.archived()) | {self.current.version}, key=version_key)

    def get(self, version: str) -> Release | None:
        """A release by version: the current one (computed from the served graph) or an archived one."""
        if version == self.current.version:
            return self.current
        if version not in self.archived():
            return None
        if version not in self._archived:
            self._archived[version] = read_release(self.releases_dir / version)
        return self._archived[version]

    def all(self) -> list[Release]:
        return [self.get(v) for v in self.versions()]

    def previous(self, version: str) -> str | None:
        """The version released just before `version`, or None."""
        versions = self.versions()
        i = versions.index(version) if version in versions else 0
        return versions[i - 1] if i > 0 else None


@lru_cache(maxsize=4)
def catalogue(dataset: Dataset) -> Catalogue:
    """The releases offered with a dataset (its config names the releases folder), once per process."""
    return Catalogue(dataset, dataset.config.releases_path)
