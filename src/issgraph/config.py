"""Configuration: one object passed into every factory, read from the environment once, at the edge.

The canonical base IRI lives here and nowhere else; a deployment may serve the same data
under another base by setting ISSGRAPH_BASE_IRI.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

CANONICAL_BASE = "https://w3id.org/issgraph/"
ENV_PREFIX = "ISSGRAPH_"
REMOTE_SCHEMES = ("sparql+http", "sparql+https")

# The project root when run from a checkout (src layout): ontology/, data/, shapes/ sit there.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default(path: str) -> Path:
    return PROJECT_ROOT / path


@dataclass(frozen=True)
class Config:
    """Everything the dataset, the engines and the web app need to know."""

    base_iri: str = CANONICAL_BASE
    data_path: Path = field(default_factory=lambda: _default("data/iss.ttl"))
    ontology_path: Path = field(default_factory=lambda: _default("ontology/iss.ttl"))
    shapes_path: Path = field(default_factory=lambda: _default("shapes/iss.ttl"))
    queries_path: Path = field(default_factory=lambda: _default("queries"))
    engine: str = "oxigraph"           # "oxigraph" or "rdflib"
    query_timeout: float = 10.0        # seconds a query may run before it is stopped
    max_query_bytes: int = 65536       # larger queries get 413
    max_nesting: int = 64              # deeper bracket nesting gets 400
    max_rows: int = 10000              # results beyond this are cut, and the response says so
    max_request_bytes: int = 1 << 20   # whole request bodies beyond this get 413
    evaluators: int = 1                # evaluator processes per web worker (one per request thread)
    validate_on_start: bool = True
    cache_dir: Path | None = None      # where validation results are cached; None: no cache
    store: str | None = None           # None: the files, in memory; a directory: an on-disk store
                                       # written by `issgraph load --into DIR`; sparql+http(s)://...:
                                       # a SPARQL 1.1 query endpoint holding the graphs (front end)

    # Safety limits of the HTTP side (README "Safe to expose"); each default leaves a benchmark
    # at 64 connections from one address unthrottled.
    max_header_bytes: int = 128 << 10  # request line + headers (granian's buffer; it answers 414/431 past it)
    header_timeout: float = 10.0       # s for a request line and headers to arrive (granian; then closed)
    body_timeout: float = 10.0         # s for a request body to arrive, else 408
    write_timeout: float = 60.0        # s for a client to take its answer, else the connection is dropped
    max_connections: int = 2048        # open connections per web worker; more wait in the listen backlog
    max_requests: int = 512            # requests in progress per web worker; more get 503 at once
    max_client_requests: int = 128     # requests in progress per client address and worker; more get 429
    max_client_evaluations: int = 0    # evaluations at once per client address and worker; 0: evaluators - 1
    request_threads: int = 16          # threads per web worker running requests (granian)
    cache_bytes: int = 64 << 20        # the answer cache per web worker, keys and headers counted

    def __post_init__(self) -> None:
        if not self.base_iri.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {self.base_iri!r}")
        if self.engine not in ("oxigraph", "rdflib"):
            raise ValueError(f"unknown engine {self.engine!r}: choose oxigraph or rdflib")
        if self.store is not None and self.store_kind == "remote":
            scheme, _, rest = self.store.partition("://")
            if scheme not in REMOTE_SCHEMES or not rest.split("/", 1)[0]:
                raise ValueError(f"a remote store is sparql+http://host[:port]/path or sparql+https://...; "
                                 f"got {self.store!r}")

    @property
    def store_kind(self) -> str:
        """'memory' (the files), 'directory' (an on-disk Oxigraph store) or 'remote' (a SPARQL server)."""
        if self.store is None:
            return "memory"
        return "remote" if self.store.startswith("sparql+") else "directory"

    @property
    def store_endpoint(self) -> str:
        """The remote store's SPARQL query endpoint (the store location without 'sparql+')."""
        assert self.store_kind == "remote"
        return self.store[len("sparql+"):]

    # Derived IRIs: every IRI of the dataset's own structure comes from the base.
    @property
    def dataset_iri(self) -> str:
        return self.base_iri + "dataset"

    @property
    def data_graph(self) -> str:
        return self.base_iri + "graph/data"

    @property
    def ontology_graph(self) -> str:
        return self.base_iri + "graph/ontology"

    @property
    def shapes_graph(self) -> str:
        return self.base_iri + "graph/shapes"

    @property
    def graph_iris(self) -> tuple[str, str, str]:
        return (self.data_graph, self.ontology_graph, self.shapes_graph)

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)


_CASTS = {bool: lambda v: v.strip().lower() in ("1", "true", "yes", "on"), int: int, float: float,
          Path: Path, str: str}


def from_env(environ: dict[str, str] | None = None, **overrides) -> Config:
    """A Config from ISSGRAPH_* environment variables (e.g. ISSGRAPH_QUERY_TIMEOUT=5), then overrides."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    hints = {f.name: f.type for f in dataclasses.fields(Config)}
    for name, hint in hints.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        kind = next((k for k in (bool, int, float, Path) if k.__name__ in str(hint)), str)
        values[name] = _CASTS[kind](raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Config(**values)
