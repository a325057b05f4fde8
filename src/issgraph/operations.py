"""What operators watch: liveness and readiness, Prometheus metrics, one JSON log line per request.

`Observed` is the outermost WSGI layer, around the entrance (fastpath), so every request is
counted and logged whether Flask, the query path or the entrance's cache answered it. Metrics
use the official `prometheus_client`; under a server with several worker processes (gunicorn
or granian) they are kept in prometheus_client's multiprocess mode, in the directory named by
PROMETHEUS_MULTIPROC_DIR, which `issgraph serve` sets up before any metric exists (see
`prepare_multiprocess`) and `/metrics` adds up across the workers. The log line names the
request id, route, status, duration and a hash of the query, never the query itself at info
level (at debug level the query text is added).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from functools import lru_cache

from .protocol import ProtocolError, ProtocolQuery, parse_request

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ACCESS_LOG = "issgraph.access"
CACHE_HIT = "issgraph.cache_hit"        # environ keys the entrance sets (fastpath.py)
QUERY_TEXT = "issgraph.query"
BODY = "issgraph.body"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
NO_STORE = [("Cache-Control", "no-store"), ("Content-Type", "application/json")]

log = logging.getLogger(ACCESS_LOG)


def prepare_multiprocess(environ=os.environ) -> str:
    """Name an empty directory for multiprocess metrics (before prometheus_client is imported).

    The operator's PROMETHEUS_MULTIPROC_DIR is emptied of an earlier run's files; without one,
    a new directory under the system's temporary directory is made (a tmpfs in the container).
    """
    path = environ.get(MULTIPROC_ENV)
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.unlink(os.path.join(path, name))
    else:
        path = environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="issgraph-metrics-")
    return path


def remove_multiprocess_dir(path: str) -> None:
    """Remove a metrics directory this process made (at server exit)."""
    shutil.rmtree(path, ignore_errors=True)


def worker_exited(pid: int) -> None:
    """Tell prometheus_client a worker is gone (its live gauges no longer count)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def query_hash(text: str | None) -> str | None:
    """A short stable hash of a query text, to match log lines without logging the query."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Metrics:
    """The service's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self, store_kind: str, engine: str):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("issgraph_http_requests", "HTTP requests answered, by route, method and status",
                                ("route", "method", "status"), registry=r)
        self.latency = Histogram("issgraph_http_request_duration_seconds", "Time to answer a request, by route",
                                 ("route",), buckets=LATENCY_BUCKETS, registry=r)
        self.cache_hits = Counter("issgraph_cache_hits", "Requests answered from the entrance's cache of finished "
                                  "answers", registry=r)
        self.timeouts = Counter("issgraph_query_timeouts", "Queries stopped at the time limit", registry=r)
        self.restarts = Counter("issgraph_evaluator_restarts", "Evaluator processes replaced, by reason",
                                ("reason",), registry=r)
        self.store = Gauge("issgraph_store_info", "The kind of store the graphs are read from (1 for the kind "
                           "in use)", ("kind", "engine"), registry=r, multiprocess_mode="max")
        self.store.labels(store_kind, engine).set(1)
        self._children: dict = {}

    def request(self, route: str, method: str, status: str, seconds: float) -> None:
        """Count one answered request and its time (the labelled children are looked up once each)."""
        key = (route, method, status)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = (self.requests.labels(route, method, status), self.latency.labels(route))
        found[0].inc()
        found[1].observe(seconds)

    def event(self, name: str, reason: str = "") -> None:
        """An event of the query path (the executor's): a timeout, an evaluator replaced."""
        if name == "query_timeout":
            self.timeouts.inc()
        elif name == "evaluator_restart":
            self.restarts.labels(reason or "unknown").inc()

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus text format, added up over every worker in multiprocess mode."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

        path = os.environ.get(MULTIPROC_ENV)
        if path:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=path)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _parsed_query(method: str, content_type: str | None, query_string: str, body: bytes) -> str | None:
    """The query text of a /sparql request the entrance answered from its cache (parsed once per request;
    kept nowhere: a cache keyed by bodies and query strings would hold up to 64 KiB an entry)."""
    try:
        return parse_request(method, content_type, query_string.encode("latin-1"), body).query
    except (ProtocolError, UnicodeError, ValueError):
        return None


_parsed_get = lru_cache(maxsize=1024)(lambda query_string: _parsed_query("GET", None, query_string, b""))


def _sparql_query(environ) -> str | None:
    """The query text of a /sparql request: as the entrance parsed it, else parsed here (a short
    GET's remembered: a kept answer asked again is logged without parsing its query again)."""
    text = environ.get(QUERY_TEXT)
    if text is not None or environ.get("PATH_INFO") != "/sparql":
        return text
    method, query_string = environ.get("REQUEST_METHOD", "GET"), environ.get("QUERY_STRING", "")
    if method == "GET" and len(query_string) <= 2048:
        return _parsed_get(query_string)
    return _parsed_query(method, environ.get("CONTENT_TYPE"), query_string, environ.get(BODY, b""))


class Observed:
    """WSGI middleware: count, time and log every request (outermost, around the entrance)."""

    def __init__(self, app, metrics: Metrics, route_of):
        self.app, self.metrics = app, metrics
        cached = lru_cache(maxsize=1024)(route_of)
        # Only short paths are kept (a path may be 64 KiB long): the cache stays small whatever is asked.
        self.route_of = lambda path: cached(path) if len(path) <= 256 else route_of(path)
        # A kept answer's route and the parts of its log line that follow from method, path and query
        # string alone (a short GET's), remembered: the same requests come again and again
        # (bench/LAYERS.md measured the observation layer at ~20 µs of a cached answer's ~140).
        self._get_parts = lru_cache(maxsize=1024)(self._parts)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen: dict = {}

        def start(status, headers, exc_info=None):
            seen["status"] = status[:3]
            seen["rid"] = next((v for k, v in headers if k == "X-Request-Id"), None)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            self._record(environ, seen, time.perf_counter() - started)

    def cached(self, environ, body: bytes):
        """The entrance's answer to a request seen before (see `Entrance.cached`), counted and logged
        like any other: granian's front answers such requests without calling the app."""
        started = time.perf_counter()
        hit = self.app.cached(environ, body)
        if hit is not None:
            environ[CACHE_HIT] = True
            # The request id is the one its X-Request-Id header carries (the entrance's request_id).
            self._record(environ, {"status": str(hit[0])}, time.perf_counter() - started)
        return hit

    async def answer_async(self, environ, body: bytes):
        """The entrance's answer on the event loop (see `Entrance.answer_async`), counted and logged."""
        started = time.perf_counter()
        done = await self.app.answer_async(environ, body)
        if done is not None:
            self._record(environ, {"status": str(done[0])}, time.perf_counter() - started)
        return done

    def _parts(self, path: str, query_string: str) -> tuple[str, str, str]:
        """A GET's route and the fixed parts of its log line (its query is its query string's, as
        the entrance parses it)."""
        route = self.route_of(path)
        query = _parsed_query("GET", None, query_string, b"") if path == "/sparql" else None
        return (route, *_line_parts("GET", route, path, query))

    def _record(self, environ, seen: dict, seconds: float) -> None:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        query_string = environ.get("QUERY_STRING", "")
        hit = bool(environ.get(CACHE_HIT))
        if hit and method == "GET" and len(path) <= 256 and len(query_string) <= 2048:
            route, fixed, hashed = self._get_parts(path, query_string)
        else:   # a first answer: its query is in the environ already, parsed by the entrance
            route, fixed, hashed = self.route_of(path), None, None
        status = seen.get("status", "500")
        self.metrics.request(route, method, status, seconds)
        if hit:
            self.metrics.cache_hits.inc()
        if log.isEnabledFor(logging.INFO):
            rid = seen.get("rid") or environ.get("issgraph.request_id")
            query = None
            if fixed is None:
                query = _sparql_query(environ) if path == "/sparql" else None
                fixed, hashed = _line_parts(method, route, path, query)
            # The line written by hand (the same JSON as json.dumps of these fields, in this order):
            # this runs for every request, and json.dumps of a dict was a third of its cost.
            body = (f'"event": "request", "request_id": {_json_text(rid)}, {fixed}"status": {int(status)}, '
                    f'"duration_ms": {round(seconds * 1000, 3)}, "cache": "{"hit" if hit else "miss"}", {hashed}')
            if log.isEnabledFor(logging.DEBUG):
                if query is None and path == "/sparql":
                    query = _sparql_query(environ)
                if query is not None:
                    body += f', "query": {_json_text(query)}'
            if _LINES.stream is not None:          # configure_logging's writer: no LogRecord per request
                _LINES.write(_LINES.head("info") + body + "}")
            else:
                log.info("{" + body + "}")


def _line_parts(method: str, route: str, path: str, query: str | None) -> tuple[str, str]:
    """The parts of a request's log line that do not change when it is asked again: method, route
    and path; the query's hash."""
    return (f'"method": {_json_text(method)}, "route": {_json_text(route)}, "path": {_json_text(_readable(path))}, ',
            f'"query_hash": {_json_text(_hash_of(query))}')


def _readable(path: str) -> str:
    """A WSGI path (latin-1 code points of its UTF-8 bytes) as the text it spells, for the log."""
    if path.isascii():
        return path
    try:
        return path.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:         # already text (a test client's environ)
        return path


def _json_text(value: str | None) -> str:
    """`value` as a JSON string (or null): plain printable ASCII as it is, anything else by json.dumps."""
    if value is None:
        return "null"
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=1024)
def _short_hash(text: str) -> str:
    return query_hash(text)


def _hash_of(query: str | None) -> str | None:
    """query_hash, remembered for short texts (the same query is logged again and again)."""
    if query is None:
        return None
    return _short_hash(query) if len(query) <= 2048 else query_hash(query)


class LineWriter:
    """Log lines gathered and written to the stream together, at most `interval` seconds late.

    One write and flush per request log line cost as much as answering a kept answer (measured:
    a cached query went from ~20k to ~9.5k requests/s with the request log on). Here a line is a
    list append under a lock; a daemon thread writes what gathered every `interval` seconds, a
    warning or worse is written at once (with what came before it), and the rest at exit; a
    process killed with SIGKILL loses at most `interval` seconds of lines. The standard library's
    `logging.handlers.MemoryHandler` flushes by record count or level, never by time, and still
    builds a LogRecord for every line, so it is not used here.
    """

    def __init__(self, interval: float = 0.25, limit: int = 256 << 10):
        import threading

        self.interval, self.limit = interval, limit
        self.stream = None
        self._lines: list[str] = []
        self._size = 0
        self._lock = threading.Lock()
        self._thread = None
        self._second, self._stamp = -1, ""

    def open(self, stream) -> None:
        """Write to `stream` from now on (and start the writer thread in this process)."""
        import atexit
        import threading

        self.flush()
        self.stream = stream
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="issgraph-log", daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def head(self, level: str) -> str:
        """The start of a line, as JsonLines writes it: time (UTC, ms), level and process id."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return (f'{{"time": "{self._stamp}.{int((now - second) * 1000):03d}Z", "level": "{level}", '
                f'"pid": {os.getpid()}, ')

    def write(self, line: str, now: bool = False) -> None:
        with self._lock:
            self._lines.append(line)
            self._size += len(line)
            due = now or self._size >= self.limit
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines, self._size = self._lines, [], 0
        if lines and self.stream is not None:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):      # the stream is gone (closed at exit): nothing to do
                pass

    def after_fork(self) -> None:
        """In a forked child: lines of the parent are not written twice, and a writer runs here."""
        import threading

        self._lock = threading.Lock()
        self._lines, self._size = [], 0
        if self.stream is not None:
            self._thread = threading.Thread(target=self._run, name="issgraph-log", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.flush()


_LINES = LineWriter()
os.register_at_fork(after_in_child=_LINES.after_fork)


class LinesHandler(logging.Handler):
    """A logging handler that hands formatted records to the LineWriter (warnings and worse at once)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _LINES.write(self.format(record), now=record.levelno >= logging.WARNING)
        except Exception:
            self.handleError(record)


def route_finder(url_map):
    """path -> the route (rule) that serves it, for labels of bounded number; 'unmatched' otherwise."""
    adapter = url_map.bind("localhost")

    def route_of(path: str) -> str:
        try:
            rule, _ = adapter.match(path, method="GET", return_rule=True)
            return rule.rule
        except Exception:      # NotFound, MethodNotAllowed, RequestRedirect: no rule of its own
            return "unmatched"

    return route_of


class JsonLines(logging.Formatter):
    """Log records as one JSON object a line (the access log's records are JSON already)."""

    def format(self, record: logging.LogRecord) -> str:
        head = (f'{{"time": "{self.formatTime(record, "%Y-%m-%dT%H:%M:%S")}.{int(record.msecs):03d}Z", '
                f'"level": "{record.levelname.lower()}", "pid": {record.process}, ')
        message = record.getMessage()
        if record.name == ACCESS_LOG and message.startswith("{") and not record.exc_info:
            return head + message[1:]          # already a JSON object: no second encoding per request
        fields = {"event": "log", "logger": record.name, "message": message}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return head + json.dumps(fields, ensure_ascii=False)[1:]


def configure_logging(level: str) -> None:
    """issgraph's logs as JSON lines on standard error, at the configured level (Config.log_level)."""
    import sys

    logging.Formatter.converter = time.gmtime
    _LINES.open(sys.stderr)
    handler = LinesHandler()
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("issgraph")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(level.upper())


def flush_logs() -> None:
    """Write the batched log lines now: before a process waits in a server's loop, where the
    writer thread may not run for seconds (a server's start lines belong in the log before it answers)."""
    _LINES.flush()


def health() -> tuple[int, list, bytes]:
    """Liveness: the process answers."""
    return 200, NO_STORE, b'{"status": "ok"}\n'


def readiness(services) -> tuple[int, list, bytes]:
    """Readiness: the store is open and a query answers (through the evaluator, as any query)."""
    checks: dict = {"store": services.dataset.backend.kind}
    try:
        services.dataset.counts            # the store opens (on-disk) or was read (remote)
        reply = services.queries.answer(ProtocolQuery(query="ASK { }", params=(("format", "json"),)), None, "ready")
        checks["query"] = "ok" if reply.status == 200 else f"{reply.status}: {reply.error}"
    except Exception as err:               # a readiness probe reports; it never raises
        checks["query"] = f"failed: {type(err).__name__}: {err}"
    ok = checks["query"] == "ok"
    body = json.dumps({"status": "ready" if ok else "unavailable", "checks": checks}) + "\n"
    return (200 if ok else 503), NO_STORE, body.encode("utf-8")
