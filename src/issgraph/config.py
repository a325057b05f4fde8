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
    def inferred_graph(self) -> str:
        """What the data and ontology entail (subclass/subproperty closure) and the computed date forms."""
        return self.base_iri + "graph/inferred"

    @property
    def graph_iris(self) -> tuple[str, str, str, str]:
        """Every served named graph: data, ontology, shapes, inferred (in the order stores and dumps use)."""
        return (self.data_graph, self.ontology_graph, self.shapes_graph, self.inferred_graph)

    @property
    def default_graph_iris(self) -> tuple[str, str, str]:
        """The graphs merged into the served default graph: data, ontology and what they entail."""
        return (self.data_graph, self.ontology_graph, self.inferred_graph)

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
