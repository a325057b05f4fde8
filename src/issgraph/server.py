"""Serve the app with granian (the default) or gunicorn, after validating the graph."""
from __future__ import annotations

import gc
import importlib.util
import logging
import os
import sys

from gunicorn.app.base import BaseApplication

from . import allocators
from .app import create_app
from .config import Config
from .dataset import LoadError
from .stores import load
from .memory import ceilings, connections_that_fit, machine_memory
from .operations import (MULTIPROC_ENV, configure_logging, flush_logs, prepare_multiprocess,
                         remove_multiprocess_dir, worker_exited)
from .validation import validate_cached

log = logging.getLogger("issgraph")


class _Gunicorn(BaseApplication):
    """gunicorn running an app built once, in the arbiter, before the workers fork."""

    def __init__(self, app, options: dict):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def _plain_error_pages() -> None:
    """gunicorn's own refusals (a malformed request line or header, 431, 501 …) as short plain text
    with an X-Request-Id, like every answer issgraph writes, instead of gunicorn's HTML page."""
    from gunicorn import util

    def write_error(sock, status_int, reason, mesg):
        said = "".join(c if c.isprintable() else "?" for c in str(mesg))[:200]
        body = f"{status_int} {reason}: {said}\n".encode("utf-8", "replace")
        head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
                f"X-Request-Id: {os.urandom(8).hex()}\r\nContent-Length: {len(body)}\r\n\r\n")
        util.write_nonblock(sock, head.encode("latin-1") + body)

    util.write_error = write_error


def default_cache_dir() -> str:
    return os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "issgraph")


def prepare(config: Config):
    """Load and validate; exit 2 on an unreadable file, 1 on a graph that does not conform."""
    try:
        dataset = load(config)
    except LoadError as err:
        print(f"error: cannot read the graph: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    dataset.keep_store_closed_here()      # an on-disk store: the workers and evaluators open it, each for itself
    if config.validate_on_start:
        report = validate_cached(dataset, config.cache_dir or default_cache_dir())
        if not report.conforms:
            print(report.to_text(), file=sys.stderr)
            print("error: the graph does not conform to its shapes; not serving it.", file=sys.stderr)
            raise SystemExit(1)
    return dataset


def _worker_ready(app) -> None:
    """In each web worker, before it serves: start the evaluators, then cut the worker off the network.

    The listening socket stays usable (it was opened before); nothing a client sends can make
    this process open a connection, whatever code path it takes.
    """
    services = app.extensions["issgraph"]
    services.executor.prestart()
    gc.freeze()   # what the worker built at start stays out of every later collection
    log.info("worker %d isolated from the network (%s)", os.getpid(), services.isolate())


# The app built in the main process, for granian's forked workers (see _granian_app).
_BUILT: dict = {}


def _granian_app():
    """granian's worker factory: the front (RSGI) around the app its parent built, for this worker.

    granian sets up its runtime after calling this (sockets included), so the worker is cut off
    from the network when the first request arrives, before that request is handled; the
    evaluators are started now and cut off as always.
    """
    import threading

    from .front import Front

    app, config, threads = _BUILT["app"], _BUILT["config"], _BUILT["threads"]
    services = app.extensions["issgraph"]
    services.executor.prestart()
    gc.freeze()
    lock, done = threading.Lock(), []

    def isolate_once():
        if not done:
            with lock:
                if not done:
                    log.info("worker %d isolated from the network (%s)", os.getpid(), services.isolate())
                    done.append(True)

    def isolating_app(environ, start_response):
        isolate_once()
        return app(environ, start_response)

    async def answer_async(environ, body):
        isolate_once()
        return await app.wsgi_app.answer_async(environ, body)

    # A request seen before is answered from the entrance's cache in the event loop; that needs no
    # isolation of its own: the first answer that filled the cache was isolated first.
    return Front(isolating_app, config, threads, cached=app.wsgi_app.cached, answer_async=answer_async)


def _serve_granian(app, config: Config, host: str, port: int, workers: int) -> int:
    """Serve with granian (Rust HTTP, the default; measured in bench/RESULTS.md and bench/slow_clients.py).

    HTTP/1.1 only (no cleartext HTTP/2 or websockets: less to defend); the front (front.py) adds
    the limits granian does not have.
    """
    import multiprocessing

    try:
        from granian import Granian
        from granian.constants import HTTPModes, Interfaces, Loops
        from granian.http import HTTP1Settings
    except ImportError:
        print("error: the granian server is missing: pip install granian (or use --server gunicorn)",
              file=sys.stderr)
        return 2
    if multiprocessing.get_start_method() != "fork":
        print("error: --server granian needs the fork start method (the workers share the loaded graph)",
              file=sys.stderr)
        return 2
    _BUILT.update(app=app, config=config, threads=config.request_threads)
    # uvloop, named where it is installed (a dependency on Linux and macOS), else asyncio's own:
    # granian's `auto` would take rloop first. Measured beside asyncio on 2 cores: cached answers
    # +48% a second at 1 connection, +19% at 16; uncached lookups +7-10%. Its add_reader leaves
    # a pipe non-blocking, which QueryService.answer_async undoes (tests/test_event_loop_door.py).
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    log.info("granian: %d workers, event loop %s", workers, loop)
    header_ms = max(1, min(60_000, int(config.header_timeout * 1000)))
    flush_logs()
    Granian("issgraph.server:_granian_app", address=host, port=port, interface=Interfaces.RSGI,
            workers=workers, factory=True, log_level="warning", respawn_failed_workers=True, loop=Loops(loop),
            http=HTTPModes.http1, websockets=False, backlog=max(128, config.max_connections),
            backpressure=config.max_connections,
            workers_max_rss=max(1, config.worker_memory >> 20), rss_sample_interval=5,
            http1_settings=HTTP1Settings(header_read_timeout=header_ms, keep_alive=True,
                                         max_buffer_size=max(8192, config.max_header_bytes))).serve()
    return 0


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          worker_class: str = "gthread", threads: int = 4, server: str = "granian") -> int:
    tuned = allocators.tune()       # first: before any thread, fork or granian import
    configure_logging(config.log_level)
    if tuned:
        log.info("allocators: %s", ", ".join(tuned))
    dataset = prepare(config)
    config = config.replace(evaluators=max(config.evaluators, threads), listen_host=host, listen_port=port)
    made_metrics_dir = None if os.environ.get(MULTIPROC_ENV) else os.getpid()
    metrics_dir = prepare_multiprocess()       # before any metric exists: the workers' metrics add up
    try:
        return _serve(config, dataset, host, port, workers, worker_class, threads, server)
    finally:
        if made_metrics_dir == os.getpid():     # not in a worker leaving through this frame (gunicorn's exit)
            remove_multiprocess_dir(metrics_dir)


def _serve(config: Config, dataset, host: str, port: int, workers: int | None, worker_class: str,
           threads: int, server: str) -> int:
    workers = workers or config.workers or (os.cpu_count() or 1)
    evaluator_memory, worker_memory = ceilings(workers, config.evaluators)
    config = config.replace(evaluator_memory=config.evaluator_memory or evaluator_memory,
                            worker_memory=config.worker_memory or worker_memory)
    log.info("memory ceilings: %d MiB per evaluator (address space), %d MiB per web worker (resident), "
             "for %d workers × (1 + %d evaluators) in %d MiB", config.evaluator_memory >> 20,
             config.worker_memory >> 20, workers, config.evaluators, machine_memory() >> 20)
    connections, open_files = connections_that_fit(config.max_connections)
    if connections < config.max_connections:
        log.warning("max_connections lowered from %d to %d per worker: the open-file limit is %d "
                    "(raise it with `ulimit -n` to hold more)", config.max_connections, connections, open_files)
        config = config.replace(max_connections=connections)
    app = create_app(config, dataset)
    # The loaded graph lives as long as the server: keep the collector off it, and keep its
    # pages shared between the forked workers and evaluators.
    gc.collect()
    gc.freeze()
    backend = dataset.backend
    answered_by = f"queries answered by {config.store}" if backend.endpoint else f"engine {config.engine}"
    source = backend.origin
    counts = dataset.counts
    log.info("serving %d triples (%d data, %d ontology, %d shapes, %d inferred; version %s, %s%s) "
             "on http://%s:%d with %d workers; public URL %s", sum(counts), *counts, dataset.version, answered_by,
             source, host, port, workers, config.public_base)
    if server == "granian":
        return _serve_granian(app, config, host, port, workers)
    _plain_error_pages()
    flush_logs()
    _Gunicorn(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": worker_class,
        "threads": threads,
        "timeout": int(config.query_timeout) + 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        "limit_request_line": 0,          # the app answers long GET queries itself (413 past the limit)
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "issgraph",
        "post_worker_init": lambda worker: _worker_ready(app),
        "child_exit": lambda arbiter, worker: worker_exited(worker.pid),
    }).run()
    return 0
