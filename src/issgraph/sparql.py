"""Answer a SPARQL protocol request: guard, negotiate, execute, serialise.

`QueryService.answer` is the single path from a client's query to an engine: the web
endpoint and the query page call it, so every limit and refusal applies everywhere.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from . import guard
from .config import Config
from .engine import QueryError, QueryJob, StoreTimeout, StoreUnavailable, answer_kind, engine_class
from .executor import EvaluatorFailed, EvaluatorsBusy, Executor, QueryTimeout
from .formats import GRAPH, HTML, RESULTS, Format, NotAcceptable, UnknownFormat, negotiate
from .protocol import ProtocolQuery

log = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"
OFFERS = {"results": RESULTS, "graph": GRAPH}
BROWSER_OFFERS = (*RESULTS, *GRAPH, HTML)     # HTML last: it wins only where a client prefers it
MAX_REDIRECTED_QUERY = 8192                   # longer queries are not put into a Location header


@dataclass
class Reply:
    """An HTTP answer with no HTTP library in it: status, body, headers."""

    status: int
    body: bytes
    content_type: str = TEXT
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None          # the message, when this is an error reply
    line: int | None = None
    column: int | None = None

    @classmethod
    def fail(cls, status: int, message: str, line: int | None = None, column: int | None = None,
             headers: dict[str, str] | None = None) -> "Reply":
        """An error reply; where the problem has a position, headers carry it for scripts."""
        headers = dict(headers or {})
        if line is not None:
            headers["X-Error-Line"] = str(line)
            if column is not None:
                headers["X-Error-Column"] = str(column)
        return cls(status, (message + "\n").encode("utf-8"), TEXT, headers, message, line, column)


def requested_format(pq: ProtocolQuery) -> tuple[str, ...]:
    """The formats named by hand in the request: 'format', 'output' or 'results', as clients send them."""
    return pq.format_values()


def sparql12_refusal(features: tuple[str, ...], engine: str) -> str:
    """Why this engine cannot answer a query using these SPARQL 1.2 features."""
    listed = ", ".join(guard.SPARQL12_FEATURES[f] for f in features)
    return (f"this query uses SPARQL 1.2 ({listed}), which the {engine} engine serving this endpoint does "
            "not support (it reads SPARQL 1.1); the oxigraph engine supports it (issgraph serve --engine oxigraph)")


class QueryService:
    """Everything between a parsed protocol request and the bytes of its answer."""

    def __init__(self, config: Config, executor: Executor):
        self.config = config
        self.executor = executor
        self.served_graphs = frozenset(config.graph_iris)
        self.limits = guard.Limits(max_bytes=config.max_query_bytes, max_depth=config.max_nesting)
        self.base_iri = config.endpoint_iri
        self.sparql12 = engine_class(config).sparql12 is not False

    def _dataset(self, pq: ProtocolQuery) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        for iri in (*pq.default_graph_uris, *pq.named_graph_uris):
            refusal = guard.not_served(iri, self.served_graphs)
            if refusal is not None:
                raise guard.QueryRejected(refusal)
        if not pq.default_graph_uris and not pq.named_graph_uris:
            return None, None
        return tuple(pq.default_graph_uris), tuple(pq.named_graph_uris)

    def answer(self, pq: ProtocolQuery, accept: str | None, request_id: str = "-", client: str = "-",
               max_bytes: int = 0, started: float | None = None) -> Reply:
        """`client`: the address fair admission counts by; `max_bytes`: a tighter bound on the answer;
        `started`: when the request arrived (time.monotonic), where its time limit starts."""
        assert pq.query is not None
        wanted = requested_format(pq)
        if self._for_a_person(accept, wanted) and len(pq.query) <= MAX_REDIRECTED_QUERY:
            # A browser (or format=html): the query page runs the query and shows its answer.
            location = "/query?" + urlencode({"query": pq.query})
            return Reply(303, f"see {location}\n".encode("utf-8"), TEXT, {"Location": location})
        try:
            checked = guard.check_query(pq.query, self.limits, self.served_graphs, self.base_iri)
            default_graphs, named_graphs = self._dataset(pq)
        except guard.QueryRejected as err:
            return Reply.fail(err.status, str(err.message), err.line, err.column)
        if checked.sparql12 and not self.sparql12:
            return Reply.fail(400, sparql12_refusal(checked.sparql12, self.config.engine))
        offers = OFFERS[answer_kind(checked.form)]
        try:
            # Format parameters are often added by client libraries on their own: never a failure.
            fmt = negotiate(accept, offers, wanted, lenient=True)
        except NotAcceptable as err:
            return Reply.fail(406, str(err))
        except UnknownFormat as err:
            return Reply.fail(400, str(err))
        job = QueryJob(checked.text, checked.form, default_graphs, named_graphs, base_iri=self.base_iri,
                       from_clause=bool(checked.from_graphs or checked.from_named_graphs))
        return self.run(job, fmt, request_id, client, max_bytes, started)

    @staticmethod
    def _for_a_person(accept: str | None, wanted: tuple[str, ...]) -> bool:
        """Whether the client prefers HTML to every answer format (a browser's Accept, or format=html)."""
        try:
            return negotiate(accept, BROWSER_OFFERS, wanted, lenient=True) is HTML
        except NotAcceptable:
            return False

    def run(self, job: QueryJob, fmt: Format, request_id: str = "-", client: str = "-", max_bytes: int = 0,
            started: float | None = None) -> Reply:
        try:
            answer = self.executor.run(job, fmt, client, max_bytes, started)
        except StoreUnavailable as err:
            log.error("request %s: %s", request_id, err)
            return Reply.fail(502, "the store behind this endpoint did not answer properly; try again later "
                                   f"(request id {request_id})", headers={"Retry-After": "30"})
        except StoreTimeout as err:
            log.warning("request %s: %s", request_id, err)
            return Reply.fail(503, str(err), headers={"Retry-After": "60"})
        except QueryError as err:
            return Reply.fail(400, str(err), err.line, err.column)
        except QueryTimeout as err:
            log.warning("request %s: %s", request_id, err)
            return Reply.fail(503, str(err), headers={"Retry-After": "60"})
        except EvaluatorsBusy as err:
            log.warning("request %s from %s: %s", request_id, client, err)
            return Reply.fail(503, str(err) + "; try again later", headers={"Retry-After": "10"})
        except EvaluatorFailed as err:
            log.error("request %s: evaluator failed: %s", request_id, err)
            return Reply.fail(400, "the query could not be evaluated: the evaluator stopped while running it")
        # The data never changes while served: caches in front may keep answers, and revalidate by ETag.
        engine = "remote" if self.config.store_endpoint else self.config.engine
        headers = {"X-SPARQL-Engine": engine, "Cache-Control": "public, max-age=600",
                   "ETag": '"' + hashlib.blake2b(answer.body, digest_size=12).hexdigest() + '"'}
        if answer.count is not None:
            headers["X-Result-Count"] = str(answer.count)
        if answer.truncated:
            headers["X-Result-Truncated"] = f"true; limit={self.config.max_rows}"
            headers["Warning"] = f'199 - "results truncated to the first {self.config.max_rows}"'
        return Reply(200, answer.body, fmt.content_type, headers)
