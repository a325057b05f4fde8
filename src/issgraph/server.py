"""Serve the app with gunicorn (the production server), after validating the graph."""
from __future__ import annotations

import gc
import logging
import os
import sys

from gunicorn.app.base import BaseApplication

from .app import create_app
from .config import Config
from .dataset import LoadError, load
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


def default_cache_dir() -> str:
    return os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "issgraph")


def prepare(config: Config):
    """Load and validate; exit 2 on an unreadable file, 1 on a graph that does not conform."""
    try:
        dataset = load(config)
    except LoadError as err:
        print(f"error: cannot read the graph: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if config.store_kind == "directory":
        dataset.keep_store_closed_here()      # the workers and evaluators open it, each for itself
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
    """granian's worker factory: the app its parent built (inherited by fork), readied for this worker.

    granian sets up its runtime after calling this (sockets included), so the worker is cut off
    from the network when the first request arrives, before that request is handled; the
    evaluators are started now and cut off as always.
    """
    import threading

    app = _BUILT["app"]
    services = app.extensions["issgraph"]
    services.executor.prestart()
    gc.freeze()
    lock, done = threading.Lock(), []

    def isolating_app(environ, start_response):
        if not done:
            with lock:
                if not done:
                    log.info("worker %d isolated from the network (%s)", os.getpid(), services.isolate())
                    done.append(True)
        return app(environ, start_response)

    return isolating_app


def _serve_granian(app, host: str, port: int, workers: int, threads: int) -> int:
    """Serve with granian (Rust HTTP, a measured alternative; see bench/RESULTS.md)."""
    import multiprocessing

    try:
        from granian import Granian
        from granian.constants import Interfaces
    except ImportError:
        print("error: --server granian needs granian: pip install 'issgraph[granian]'", file=sys.stderr)
        return 2
    if multiprocessing.get_start_method() != "fork":
        print("error: --server granian needs the fork start method (the workers share the loaded graph)",
              file=sys.stderr)
        return 2
    _BUILT["app"] = app
    Granian("issgraph.server:_granian_app", address=host, port=port, interface=Interfaces.WSGI,
            workers=workers, blocking_threads=threads, factory=True, log_level="warning",
            respawn_failed_workers=True).serve()
    return 0


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          worker_class: str = "gthread", threads: int = 4, server: str = "gunicorn") -> int:
    dataset = prepare(config)
    config = config.replace(evaluators=max(config.evaluators, threads))
    app = create_app(config, dataset)
    # The loaded graph lives as long as the server: keep the collector off it, and keep its
    # pages shared between the forked workers and evaluators.
    gc.collect()
    gc.freeze()
    workers = workers or int(os.environ.get("ISSGRAPH_WORKERS", 0)) or (os.cpu_count() or 1)
    answered_by = f"engine {config.engine}" if config.store_kind != "remote" else f"queries answered by {config.store}"
    source = f"; read from the store in {config.store}" if config.store_kind == "directory" else ""
    counts = dataset.counts
    log.info("serving %d triples (%d data, %d ontology, %d shapes, %d inferred; version %s, %s%s) "
             "on http://%s:%d with %d workers", sum(counts), *counts, dataset.version, answered_by, source,
             host, port, workers)
    if server == "granian":
        return _serve_granian(app, host, port, workers, threads)
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
    }).run()
    return 0
