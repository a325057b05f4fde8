"""Configuration: one object passed into every factory, read from the environment once, at the edge.

The canonical base IRI lives here and nowhere else; a deployment may serve the same data
under another base by setting ISSGRAPH_BASE_IRI.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CANONICAL_BASE = "https://w3id.org/issgraph/"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ENV_PREFIX = "ISSGRAPH_"

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
    releases_path: Path = field(default_factory=lambda: _default("releases"))   # archived versions
    engine: str = "oxigraph"           # "oxigraph" or "rdflib"
    query_timeout: float = 10.0        # seconds a query may run before it is stopped
    inline_lookups: bool = True        # lookups (lookups.py) evaluated in the web worker, not an evaluator
    max_query_bytes: int = 65536       # larger queries get 413
    max_nesting: int = 64              # deeper bracket nesting gets 400
    max_rows: int = 10000              # results beyond this are cut, and the response says so
    max_request_bytes: int = 1 << 20   # whole request bodies beyond this get 413
    evaluators: int = 1                # evaluator processes per web worker (one per request thread)
    evaluator_idle_seconds: float = 30.0  # an evaluator idle this long exits, all but one per worker; 0: never
    workers: int = 0                   # web worker processes of `issgraph serve`; 0: one per CPU
    validate_on_start: bool = True
    log_level: str = "info"            # issgraph's logs (JSON lines): debug, info, warning, error
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
                                       # (granian's backpressure: it has no way to refuse them at once)
    max_requests: int = 512            # requests in progress per web worker; more get 503 at once
    max_client_requests: int = 128     # requests in progress per client address and worker; more get 429
    max_client_evaluations: int = 0    # evaluations at once per client address and worker; 0: evaluators - 1
    request_threads: int = 16          # threads per web worker running requests (granian)
    max_accept_entries: int = 32       # entries of Accept / Accept-Language read; the rest are ignored
    cache_bytes: int = 64 << 20        # the answer cache per web worker, keys and headers counted
    max_answer_bytes: int = 64 << 20   # a larger answer is refused in the evaluator (400), never sent
    page_answer_bytes: int = 4 << 20   # the query page shows answers up to this size (else: download)
    page_cells: int = 20000            # the query page's table shows at most this many cells
    page_rows: int = 100               # rows on one page of the query page's table (paging: ?page=N)
    recycle_after_bytes: int = 16 << 20  # an evaluator that wrote a larger answer is replaced
    # Memory ceilings (bytes); 0: derived from the machine's memory and the number of processes
    # (memory.py). The evaluator's is an address-space limit; the worker's is granian's RSS watch.
    evaluator_memory: int = 0
    worker_memory: int = 0
    # Absolute URLs (Location, sd:endpoint, VoID endpoint and dumps, /dataset) come from the public
    # URL, never from the Host a client sent; a Host not in the accepted list gets 421.
    public_url: str | None = None      # e.g. "https://issgraph.example.org/"; None: http://HOST:PORT/ it listens on
    allowed_hosts: str = ""            # accepted Host names, comma-separated, "*" for any; "": see accepts_host
    listen_host: str = "127.0.0.1"     # the address `issgraph serve` listens on (set by it)
    listen_port: int = 8000

    def __post_init__(self) -> None:
        if not self.base_iri.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {self.base_iri!r}")
        if self.log_level.lower() not in ("debug", "info", "warning", "error", "critical"):
            raise ValueError(f"unknown log level {self.log_level!r}: choose debug, info, warning or error")
        if self.engine not in ("oxigraph", "rdflib"):
            raise ValueError(f"unknown engine {self.engine!r}: choose oxigraph or rdflib")
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path != "/" \
                    or parts.query or parts.fragment:
                raise ValueError(f"the public URL is http(s)://HOST[:PORT]/ (no path); got {self.public_url!r}")

    @property
    def public_base(self) -> str:
        """This server's public URL, ending in '/': the one base of every absolute URL it sends."""
        if self.public_url:
            return self.public_url
        host = self.listen_host
        if host in WILDCARD_HOSTS:
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.listen_port}/"

    def accepts_host(self, host_header: str | None) -> bool:
        """Whether a request's Host header names this server (no Host, as HTTP/1.0 sends: yes).

        By default: the public URL's host, the base IRI's host, the listening address, loopback
        names, single-label names (`x`, `intranet`: no page elsewhere can make a browser send them,
        which is what a DNS-rebinding attack needs), and any IP literal when listening on every
        address; `allowed_hosts` replaces the list. The port is not compared: it is no boundary
        here, and proxies rewrite it.
        """
        if not host_header:
            return True
        name = _host_name(host_header)
        if self.allowed_hosts.strip():
            allowed = {h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()}
            return "*" in allowed or name in allowed
        if name in LOOPBACK_NAMES or ("." not in name and ":" not in name) or name in (_host_name(urlsplit(self.public_base).netloc),
                                              _host_name(urlsplit(self.base_iri).netloc),
                                              self.listen_host.lower().strip("[]")):
            return True
        if self.listen_host in WILDCARD_HOSTS:
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False

    # Derived IRIs: every IRI of the dataset's own structure comes from the base.
    @property
    def dataset_iri(self) -> str:
        return self.base_iri + "dataset"

    @property
    def endpoint_iri(self) -> str:
        """The SPARQL endpoint's public IRI, and the base that relative IRIs in a query without a
        BASE of its own resolve against (as the SPARQL 1.1 Protocol tests expect: <s> is <…/s>)."""
        return self.base_iri + "sparql"

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


# A Host header's syntax (RFC 9110 7.2, RFC 3986 3.2.2): an IP literal or a reg-name, then an
# optional port. A comma is left out: two Host headers arrive joined by one, which RFC 9112 3.2 refuses.
_HOST_SYNTAX = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+;=%]*)(?::[0-9]*)?")


def valid_host(host_header: str | None) -> bool:
    """Whether a Host header (None: absent) is one host and optional port, as HTTP defines it."""
    return host_header is None or _HOST_SYNTAX.fullmatch(host_header) is not None


def _host_name(host: str) -> str:
    """'example.org' from 'Example.org:8080', '::1' from '[::1]:8000'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


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
