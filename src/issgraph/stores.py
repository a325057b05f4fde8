"""Where the graphs can live: in memory (from the files), an on-disk Oxigraph store, or any SPARQL 1.1 server.

The only module that knows the kinds of store: each is a backend with the four methods of
`dataset.Held` (store, graph, quads, keep_closed_here) and a `kind` and `endpoint`; `load` picks
the one the configuration names.

`issgraph load --into` writes the validated graphs there (a directory, or a Graph Store
Protocol endpoint); `--store` reads them back into a `Dataset` for pages, dumps and VoID,
while SPARQL queries go to the store itself. Nothing here knows the web app.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox

from .config import Config
from .dataset import Dataset, Held, LoadError, Sources, load as load_files, ntriples, source_hash
from .formats import BY_NAME
from .loading import Loadable, blank_namer
from .skolem import skolemize, unskolemize
from .namespaces import DCTERMS

Memory = Held     # the graphs in this process's memory: what a dataset parsed from its files holds

META_FILE = "issgraph-store.json"
DEFAULT_STORED = "data, ontology and inferred, copied"   # the record's word for the default graph's copy
REMOTE_SCHEMES = ("sparql+http", "sparql+https")
# What is PUT into a store, and what is asked back from one: the formats table's media types.
NTRIPLES = BY_NAME["ntriples"].media_type
READ_BACK_ACCEPT = f"{NTRIPLES}, {BY_NAME['turtle'].media_type};q=0.9"
DCT_MODIFIED = ox.NamedNode(DCTERMS + "modified")


class StoreError(Exception):
    """The store cannot be reached, refused a request, or does not hold the served graphs."""

    def __init__(self, message: str, status: int | None = None, detail: str = ""):
        self.status, self.detail = status, detail     # the store's HTTP status and words, if it answered
        super().__init__(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A store that redirects elsewhere is an error, not somewhere to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise StoreError(f"the store at {req.full_url} redirected ({code}) to {newurl}; give its final URL")


# No proxies from the environment and no redirects: requests go to the store's own address only.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _opener(url: str, auth: tuple[str, str] | None):
    """The opener for one request: with credentials, it answers the store's Basic or Digest challenge
    (Virtuoso's Graph Store endpoint asks for Digest) for that origin only."""
    if auth is None:
        return _OPENER
    parts = urlsplit(url)
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/", *auth)
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect,
                                       urllib.request.HTTPDigestAuthHandler(passwords),
                                       urllib.request.HTTPBasicAuthHandler(passwords))


def request(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 30.0, auth: tuple[str, str] | None = None):
    """Send one HTTP request to the store; a refusal or an unreachable store is a StoreError.

    `auth` is (user, password); neither ever goes into a message or the log.
    """
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        return _opener(url, auth).open(req, timeout=timeout)
    except urllib.error.HTTPError as err:
        detail = err.read(300).decode("utf-8", "replace").strip()
        err.close()
        raise StoreError(f"the store answered {method} {url} with {err.code} {err.reason}"
                         + (f": {detail}" if detail else ""), err.code, detail) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise StoreError(f"cannot reach the store at {url}: {reason}") from None


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


# --- writing: issgraph load --into -------------------------------------------------------------

# Graph Store endpoints that name the graph otherwise than the protocol's `graph=`, by the end of
# their path: Virtuoso's /sparql-graph-crud and /sparql-graph-crud-auth take `graph-uri=`.
GRAPH_PARAMS = {"/sparql-graph-crud": "graph-uri", "/sparql-graph-crud-auth": "graph-uri"}


def graph_param(target: str) -> str:
    """The query parameter that names the graph at this Graph Store endpoint."""
    path = urlsplit(target).path.rstrip("/")
    return next((name for end, name in GRAPH_PARAMS.items() if path.endswith(end)), "graph")


def write_into(dataset: Dataset, target: str, timeout: float = 300.0, param: str | None = None,
               auth: tuple[str, str] | None = None) -> str:
    """Put the three graphs into a Graph Store Protocol endpoint (URL) or an on-disk store (directory).

    At a URL each graph is replaced with PUT ?<param>=<IRI> (`graph`, or what `graph_param` knows the
    endpoint to take), answering an authentication challenge with `auth` when given.
    """
    if is_url(target):
        param = param or graph_param(target)
        for iri, triples in dataset.graphs.items():
            sep = "&" if "?" in target else "?"
            url = f"{target}{sep}{param}={quote(iri, safe='')}"
            # Skolem IRIs: a store scopes blank nodes to one request, and graphs share some (skolem.py).
            body = ntriples(skolemize(triples, dataset.config.base_iri)).encode("utf-8")
            request("PUT", url, body, {"Content-Type": NTRIPLES}, timeout, auth).close()
        return f"{_count(dataset)} triples in {len(dataset.config.graph_iris)} graphs put into {target} (Graph Store Protocol)"
    store = new_directory_store(target)
    for iri in dataset.config.graph_iris:      # each graph read once; the default graph's copy too (finish_directory_store)
        Loadable.triples(dataset.graph(iri), ox.NamedNode(iri)).store_in(
            store, bulk=True, copy_to_default=iri in dataset.config.default_graph_iris)
    return finish_directory_store(store, dataset, target)


def new_directory_store(target: str | Path) -> ox.Store:
    """An on-disk store in `target`, emptied: the directory holds one dataset, replaced whole."""
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    (path / META_FILE).unlink(missing_ok=True)     # until finished, it is not a store to serve
    store = ox.Store(str(path))
    store.clear()
    return store


def finish_directory_store(store: ox.Store, dataset: Dataset, target: str | Path) -> str:
    """Compact the written store and record what it holds (read back by `--store DIR`).

    Besides the four named graphs, the store holds the served default graph (data ∪ ontology ∪
    inferred, the same nodes) as its own default graph, written by both writers: on disk a query
    on it is answered 1.1-2.4x faster than on the three graphs given per query (bench/scale.py,
    1M triples), for 1.4x the disk space. A store written before says so by lacking
    `default_graph` in its record, and is queried as before."""
    store.flush()
    store.optimize()
    path = Path(target)
    meta = {"source_hash": dataset.source_hash, "modified": dataset.modified.isoformat(),
            "base_iri": dataset.config.base_iri, "default_graph": DEFAULT_STORED,
            "triples": dict(zip(dataset.config.graph_iris, dataset.counts))}
    (path / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return f"{_count(dataset)} triples in {len(dataset.config.graph_iris)} graphs written to the store in {path}"


def _count(dataset: Dataset) -> int:
    return sum(dataset.counts)


# --- reading: --store --------------------------------------------------------------------------

def load(config: Config, sources: Sources | None = None, into: ox.Store | None = None,
         default_copy: bool = False) -> Dataset:
    """The served dataset: parsed from the files (see `dataset.load`), or, with `config.store` set,
    read from that store; a store that cannot be read is a LoadError, like a file."""
    if config.store is None:
        return load_files(config, sources, into, default_copy)
    try:
        return open_dataset(config)
    except StoreError as err:
        raise LoadError(Path("."), str(err)) from None


def endpoint_of(location: str | None) -> str | None:
    """The SPARQL query endpoint a store location (`--store`) names: its URL without `sparql+`
    for a remote store, None for the kinds whose queries this process answers (the files, a
    directory). A malformed remote location is a ValueError, said as the option's usage."""
    if location is None or not location.startswith("sparql+"):
        return None
    scheme, _, rest = location.partition("://")
    if scheme not in REMOTE_SCHEMES or not rest.split("/", 1)[0]:
        raise ValueError(f"a remote store is sparql+http://host[:port]/path or sparql+https://...; got {location!r}")
    return location[len("sparql+"):]


def open_dataset(config: Config) -> Dataset:
    """The served graphs as read from the configured store."""
    if endpoint_of(config.store):
        return _from_remote(config)
    return _from_directory(config)


class Directory:
    """An on-disk Oxigraph store that each process opens for itself, read-only, when it first needs it."""

    kind = "directory"
    endpoint: str | None = None

    def __init__(self, path: Path, default_stored: bool = False):
        """`default_stored`: the store holds the served default graph as its own (finish_directory_store)."""
        self.path, self.default_stored = path, default_stored
        self.origin = f"; read from the store in {path}"
        self._handles: dict[int, ox.Store] = {}
        self._no_store_in: int | None = None
        self._lock = threading.Lock()

    def store(self) -> ox.Store:
        pid = os.getpid()
        handle = self._handles.get(pid)
        if handle is None:
            if pid == self._no_store_in:
                raise RuntimeError("this process forks workers: it must not open the on-disk store itself")
            with self._lock:
                handle = self._handles.get(pid) or open_directory(self.path)
                self._handles = {pid: handle}      # a handle inherited through fork is not used
        return handle

    def keep_closed_here(self) -> None:
        """Promise that this process (one that forks workers) never opens the store.

        A RocksDB handle opened before fork leaves each child a thread pool that does not exist
        (the children abort when they exit); graphs this process needs are read by a child process.
        """
        self._no_store_in = os.getpid()

    def _closed_here(self) -> bool:
        return os.getpid() == self._no_store_in

    def graph(self, iri: str) -> list[ox.Triple]:
        if self._closed_here():
            return read_graph(self.path, iri)
        return [q.triple for q in self.store().quads_for_pattern(None, None, None, ox.NamedNode(iri))]

    def quads(self, iris):
        if self._closed_here():
            for iri in iris:
                g = ox.NamedNode(iri)
                yield from (ox.Quad(t.subject, t.predicate, t.object, g) for t in self.graph(iri))
            return
        store = self.store()
        for iri in iris:
            yield from store.quads_for_pattern(None, None, None, ox.NamedNode(iri))


class Remote(Held):
    """A SPARQL 1.1 server that answers the queries; its graphs, read back once, are held in
    memory for pages, dumps and VoID."""

    kind = "remote"

    def __init__(self, store: ox.Store, endpoint: str):
        super().__init__(store)
        self.endpoint = endpoint


def open_directory(path: str | Path) -> ox.Store:
    """Open an on-disk store read-only; each process opens its own (a store handle does not survive fork)."""
    try:
        return ox.Store.read_only(str(path))
    except OSError as err:
        raise StoreError(f"cannot open the store in {path}: {err}") from None


def _from_directory(config: Config) -> Dataset:
    path = Path(config.store)
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise StoreError(f"{path} holds no store written by 'issgraph load --into {path}'") from None
    if meta.get("base_iri") != config.base_iri:
        raise StoreError(f"the store in {path} was written for the base IRI {meta.get('base_iri')!r}, "
                         f"not {config.base_iri!r}")
    counts = tuple(meta["triples"].get(iri, 0) for iri in config.graph_iris)
    if not all(counts):
        raise StoreError(f"the store in {path} lacks one of the served graphs: write it again with "
                         f"'issgraph load --into {path}'")
    backend = Directory(path, default_stored=meta.get("default_graph") == DEFAULT_STORED)
    return Dataset(config, backend, meta["source_hash"], datetime.fromisoformat(meta["modified"]), counts)


# Run in a child process, for a process that forks workers and so must not open the store itself.
_DUMP_GRAPH = """
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
store.dump(sys.stdout.buffer, ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(sys.argv[2]))
"""


def read_graph(path: Path, iri: str) -> list[ox.Triple]:
    """One graph of an on-disk store, read by a child process (see Directory.keep_closed_here)."""
    done = subprocess.run([sys.executable, "-c", _DUMP_GRAPH, str(path), iri], capture_output=True)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason given"]
        raise StoreError(f"cannot read <{iri}> from the store in {path}: {reason[0]}")
    return [q.triple for q in ox.parse(done.stdout, format=ox.RdfFormat.N_TRIPLES)]


def _from_remote(config: Config) -> Dataset:
    endpoint = endpoint_of(config.store)
    graphs = []
    for iri, prefix in zip(config.graph_iris, ("d", "o", "s", "i")):
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        with request("POST", endpoint, urlencode({"query": query}).encode(),
                     {"Content-Type": "application/x-www-form-urlencoded", "Accept": READ_BACK_ACCEPT},
                     timeout=max(config.query_timeout, 60.0)) as resp:
            # Whichever format the store chose among those offered (Virtuoso 7 answers Turtle).
            kind = ox.RdfFormat.from_media_type(resp.headers.get("Content-Type", "")) or ox.RdfFormat.N_TRIPLES
            try:
                triples = [q.triple for q in ox.parse(resp, format=kind)]
            except (SyntaxError, ValueError) as err:
                raise StoreError(f"the store at {endpoint} answered with unreadable {kind.name}: {err}") from None
        if not triples:
            raise StoreError(f"the store at {endpoint} holds no triples in <{iri}>; "
                             f"put the graphs there first with 'issgraph load --into <its Graph Store URL>'")
        graphs.append(unskolemize(_canonical(triples, prefix), config.base_iri))
    digest = source_hash((ntriples(triples).encode("utf-8") for triples in graphs), config.base_iri)
    data, ontology, shapes, inferred = graphs
    held = Dataset.of(config, data, ontology, shapes, digest, _modified(config, data), inferred)
    return Dataset(config, Remote(held.store, endpoint), held.source_hash, held.modified)


def _canonical(triples: list[ox.Triple], prefix: str) -> list[ox.Triple]:
    """Sort the triples and name blank nodes in that order, so replicas agree on labels and hashes.

    A store renames blank nodes as it pleases; sorting with them masked first makes the
    result independent of its labels (triples that differ only in blank nodes keep the
    store's order, which is the same for the same store).
    """
    def masked(term) -> str:
        return "_" if isinstance(term, ox.BlankNode) else str(term)

    ordered = sorted(triples, key=lambda t: (masked(t.subject), str(t.predicate), masked(t.object)))
    stable = blank_namer(prefix)
    return [ox.Triple(stable(t.subject), t.predicate, stable(t.object)) for t in ordered]


def _modified(config: Config, data: list[ox.Triple]) -> datetime:
    """When the data says it was last changed (dcterms:modified of the dataset), else now."""
    dataset = ox.NamedNode(config.dataset_iri)
    for t in data:
        if t.subject == dataset and t.predicate == DCT_MODIFIED and isinstance(t.object, ox.Literal):
            try:
                return datetime.fromisoformat(t.object.value[:10]).replace(tzinfo=timezone.utc)
            except ValueError:
                break
    return datetime.now(timezone.utc).replace(microsecond=0)
