"""What every answer is made from: the dataset, its query service and executor, its documents.

No HTTP library here: the Flask factory builds one Services per app, and `issgraph query` builds
one without Flask at all.
"""
from __future__ import annotations

from .config import Config
from .dataset import Dataset
from .documents import Documents
from .engine import make_engine
from .executor import Executor
from .hints import HINTED_PREFIXES, TermHints
from .jsonld import build_context
from .memory import ceilings
from .namespaces import prefixes_for as _prefixes_for
from .netguard import isolation
from .operations import Metrics
from .sparql import QueryService
from .views import Site


def prefixes_for(config: Config) -> dict[str, str]:
    return _prefixes_for(config.base_iri)


class Services:
    """What the routes use: the dataset, the query service and its executor."""

    def __init__(self, config: Config, dataset: Dataset):
        self.config = config
        self.dataset = dataset
        self.prefixes = prefixes_for(config)
        self.context = build_context(dataset)        # JSON-LD's, for every graph answer and document
        self.isolate = isolation(dataset.backend.endpoint)
        self.metrics = Metrics(dataset.backend.kind, config.engine)
        self.executor = Executor(lambda: make_engine(dataset, config, self.prefixes, self.context), config.query_timeout,
                                 size=config.evaluators, isolate=self.isolate, on_event=self.metrics.event,
                                 memory_limit=config.evaluator_memory or ceilings(1, config.evaluators)[0],
                                 per_client=config.max_client_evaluations,
                                 max_answer_bytes=config.max_answer_bytes,
                                 recycle_after_bytes=config.recycle_after_bytes,
                                 idle_seconds=config.evaluator_idle_seconds)
        # Hints name the unknown terms of a query whose answer is empty, looked up in this process's
        # own store; a store behind a remote endpoint is not asked.
        hints = None if dataset.backend.endpoint else TermHints(
            lambda: dataset.store, {name: self.prefixes[name] for name in HINTED_PREFIXES}, config.default_graph_iris)
        self.queries = QueryService(config, self.executor, hints)
        self.site = Site(dataset)
        self.documents = Documents(dataset, self.prefixes, capacity=config.cache_bytes, context=self.context)


def services(app) -> Services:
    """The Services a Flask app was built with."""
    return app.extensions["issgraph"]
