"""Answer a SPARQL protocol request: guard, negotiate, execute, serialise.

`QueryService.answer` is the single path from a client's query to an engine: the web
endpoint and the query page call it, so every limit and refusal applies everywhere.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from urllib.parse import urlencode

from . import guard, lookups
from .i18n import LANGS
from .config import Config
from .engine import QueryError, QueryJob, StoreTimeout, StoreUnavailable, answer_kind, engine_class
from .executor import EvaluatorFailed, EvaluatorsBusy, Executor, QueryTimeout
from .formats import GRAPH, HTML, RESULTS, Format, NotAcceptable, UnknownFormat, negotiate
from .hints import TermHints, warning_header
from .protocol import ProtocolQuery
from .stores import endpoint_of

log = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"
OFFERS = {"results": RESULTS, "graph": GRAPH}
BROWSER_OFFERS = (*RESULTS, *GRAPH, HTML)     # HTML last: it wins only where a client prefers it
MAX_REDIRECTED_QUERY = 8192                   # longer queries are not put into a Location header
# The editor's check parses in an evaluator (Oxigraph has no parse-only call): a parse takes
# milliseconds, and Oxigraph reports a syntax error before evaluating anything, so a check still
# busy after this long has parsed (it is evaluating on an empty store) and is stopped.
CHECK_SECONDS = 0.5


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
    unknown_terms: tuple = ()         # (term, suggestions) when an empty answer names terms that do not exist

    @classmethod
    def fail(cls, status: int, message: str, line: int | None = None, column: int | None = None,
             headers: dict[str, str] | None = None) -> "Reply":
        """An error reply; where the problem has a position, headers carry it for scripts and the
        body says it to people too, when the message does not already ("… at line 2, column 5")."""
        headers = dict(headers or {})
        body = message
        if line is not None:
            headers["X-Error-Line"] = str(line)
            if column is not None:
                headers["X-Error-Column"] = str(column)
            if " line " not in message:
                body += f" (line {line}" + (f", column {column})" if column is not None else ")")
        return cls(status, (body + "\n").encode("utf-8"), TEXT, headers, message, line, column)


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

    def __init__(self, config: Config, executor: Executor, hints: TermHints | None = None):
        """`hints`: finds the unknown terms an empty answer's query names (hints.py); None: no hints."""
        self.config = config
        self.executor = executor
        self.hints = hints
        self.served_graphs = frozenset(config.graph_iris)
        self.limits = guard.Limits(max_bytes=config.max_query_bytes, max_depth=config.max_nesting)
        self.base_iri = config.endpoint_iri
        self.sparql12 = engine_class(config).sparql12 is not False
        # Lookups skip the evaluator only where evaluation is native and local (Oxigraph in this
        # process, in memory or on disk): a remote store's answer or rdflib's takes its time.
        self.remote = endpoint_of(config.store) is not None
        self.inline = config.inline_lookups and config.engine == "oxigraph" and not self.remote

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
        step = self.prepare(pq, accept)
        if isinstance(step, Reply):
            return step
        job, fmt = step
        if self.inline and lookups.is_lookup(job.text):
            return self._here(job, fmt, request_id, client, max_bytes)
        return self.run(job, fmt, request_id, client, max_bytes, started)

    async def answer_async(self, pq: ProtocolQuery, accept: str | None, request_id: str = "-", client: str = "-",
                           max_bytes: int = 0, started: float | None = None) -> Reply:
        """`answer` for an event loop: a free evaluator, then its answer, are awaited (on the
        admission's queue, then on its pipe); no thread waits. The same replies as `answer`."""
        import asyncio

        step = self.prepare(pq, accept)
        if isinstance(step, Reply):
            return step
        job, fmt = step
        if self.inline and lookups.is_lookup(job.text):
            return self._here(job, fmt, request_id, client, max_bytes)
        try:
            running = await self.executor.start(job, fmt, client, max_bytes, started)
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            loop.add_reader(running.fileno(), lambda: readable.done() or readable.set_result(None))
            try:
                await asyncio.wait_for(readable, running.remaining())
            except asyncio.TimeoutError:
                loop.remove_reader(running.fileno())
                running.expire()
            except BaseException:              # the request was cancelled: the evaluator is not reused
                loop.remove_reader(running.fileno())
                running.evaluator.stop()
                running._release()
                raise
            loop.remove_reader(running.fileno())
            # uvloop's add_reader (libuv) leaves the descriptor non-blocking, and the answer is
            # then read in pieces: a long one would end in EAGAIN half-read. Blocking again, always.
            os.set_blocking(running.fileno(), True)
            answer = running.finish()
        except Exception as err:
            return self._failed(err, request_id, client)
        return self._answered(answer, fmt, job.text)

    def prepare(self, pq: ProtocolQuery, accept: str | None) -> "Reply | tuple[QueryJob, Format]":
        """The checks before any engine: a reply at once (a redirect or a refusal), or the job to
        run and the format to answer in."""
        assert pq.query is not None
        wanted = requested_format(pq)
        if self._for_a_person(accept, wanted) and len(pq.query) <= MAX_REDIRECTED_QUERY:
            # A browser (or format=html): the query page runs the query and shows its answer.
            lang = pq.param("lang")
            location = "/query?" + urlencode({"query": pq.query, **({"lang": lang} if lang in LANGS else {})})
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
        return job, fmt

    def check(self, text: str, client: str = "-") -> Reply | None:
        """The error reply a run of `text` would start with, found without running it: the guard,
        the SPARQL 1.2 test, then Oxigraph's parser in an evaluator, cut at CHECK_SECONDS (see
        there); None when the query would run. A 503 reply when no evaluator is free for `client`."""
        try:
            checked = guard.check_query(text, self.limits, self.served_graphs, self.base_iri)
        except guard.QueryRejected as err:
            return Reply.fail(err.status, str(err.message), err.line, err.column)
        if checked.sparql12 and not self.sparql12:
            return Reply.fail(400, sparql12_refusal(checked.sparql12, self.config.engine))
        job = QueryJob(checked.text, checked.form, base_iri=self.base_iri, parse_only=True)
        try:
            self.executor.run(job, OFFERS[answer_kind(checked.form)][0], client, timeout=CHECK_SECONDS)
        except QueryError as err:
            return Reply.fail(400, str(err), err.line, err.column)
        except QueryTimeout:
            return None
        except (EvaluatorsBusy, EvaluatorFailed) as err:
            return Reply.fail(503, str(err), headers={"Retry-After": "10"})
        return None

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
        except Exception as err:
            return self._failed(err, request_id, client)
        return self._answered(answer, fmt, job.text)

    def _here(self, job: QueryJob, fmt: Format, request_id: str, client: str, max_bytes: int) -> Reply:
        """A lookup answered in this process (see lookups.py and Executor.run_here)."""
        try:
            answer = self.executor.run_here(job, fmt, max_bytes)
        except Exception as err:
            return self._failed(err, request_id, client)
        return self._answered(answer, fmt, job.text)

    def _failed(self, err: Exception, request_id: str, client: str) -> Reply:
        """The reply for a query the executor could not answer (anything else is raised again)."""
        if isinstance(err, StoreUnavailable):
            log.error("request %s: %s", request_id, err)
            return Reply.fail(502, "the store behind this endpoint did not answer properly; try again later "
                                   f"(request id {request_id})", headers={"Retry-After": "30"})
        if isinstance(err, (StoreTimeout, QueryTimeout)):
            log.warning("request %s: %s", request_id, err)
            return Reply.fail(503, str(err), headers={"Retry-After": "60"})
        if isinstance(err, QueryError):
            return Reply.fail(400, str(err), err.line, err.column)
        if isinstance(err, EvaluatorsBusy):
            log.warning("request %s from %s: %s", request_id, client, err)
            return Reply.fail(503, str(err) + "; try again later", headers={"Retry-After": "10"})
        if isinstance(err, EvaluatorFailed):
            log.error("request %s: evaluator failed: %s", request_id, err)
            return Reply.fail(400, "the query could not be evaluated: the evaluator stopped while running it")
        raise err

    def _answered(self, answer, fmt: Format, text: str) -> Reply:
        """The reply for an answer: its body with the headers that describe it."""
        # The data never changes while served: caches in front may keep answers, and revalidate by ETag.
        engine = "remote" if self.remote else self.config.engine
        headers = {"X-SPARQL-Engine": engine, "Cache-Control": "public, max-age=600",
                   "ETag": '"' + hashlib.blake2b(answer.body, digest_size=12).hexdigest() + '"'}
        if answer.count is not None:
            headers["X-Result-Count"] = str(answer.count)
        warnings = []
        if answer.truncated:
            headers["X-Result-Truncated"] = f"true; limit={self.config.max_rows}"
            warnings.append(f'199 - "results truncated to the first {self.config.max_rows}"')
        unknown = self._unknown_terms(answer, text)
        if unknown:
            warnings.append(warning_header(unknown))
        if warnings:
            headers["Warning"] = ", ".join(warnings)
        return Reply(200, answer.body, fmt.content_type, headers, unknown_terms=tuple(unknown))

    def _unknown_terms(self, answer, text: str) -> list:
        """The terms an empty answer's query names that the graph does not have (hints.py)."""
        empty = answer.count == 0 or (answer.count is None and b"true" not in answer.body)   # ASK: false
        if self.hints is None or not empty:
            return []
        try:
            return self.hints.unknown(text)
        except Exception as err:      # a hint is a courtesy: never the reason an answer fails
            log.warning("no hints for an empty answer: %s: %s", type(err).__name__, err)
            return []
