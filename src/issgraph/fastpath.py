"""The WSGI entrance, in front of Flask: the hot path kept short.

The served data never changes while serving, so a request whose method, path, query
string, body and negotiation headers were seen before gets the same bytes again, without
Flask, the guard or an engine (and a 304 when the client already has them). SPARQL queries
skip Flask too: the protocol and query service are plain functions, called directly here, and
this is the only place a query is answered over HTTP — any body, chunked or not, is read here
(bounded) and its key hashed. Everything else (pages, documents, the service description, the
methods /sparql refuses) goes to the Flask app.
"""
from __future__ import annotations

import hashlib
import os
from email.utils import formatdate
from http import HTTPStatus

from urllib.parse import urlsplit

from werkzeug.http import is_resource_modified

from .cache import ByteLRU
from .config import Config, valid_host
from .protocol import ProtocolError, parse_request

CACHEABLE = "X-Issgraph-Cacheable"
REQUEST_ID = "issgraph.request_id"     # the environ key the id is kept under, for Flask and the logs
# Not the Host: every absolute URL comes from the public URL (Config.public_base), whatever Host said.
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "CONTENT_TYPE")
COMMON_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "X-Request-Id, X-Result-Count, X-Result-Truncated, X-Error-Line, X-Error-Column, Content-Location, ETag, Link, Warning"),
    ("X-Content-Type-Options", "nosniff"),
]
ENTRY_OVERHEAD = 400     # bytes: the entry's tuples, its place in the map, the size record
REPLAYED_304 = ("ETag", "Cache-Control", "Vary", "Last-Modified", "Content-Location", "Access-Control-Allow-Origin")


def mark_cacheable(response):
    """Let the entrance keep this response: its bytes depend only on the request's keyed parts."""
    response.headers[CACHEABLE] = "1"
    return response


def _hiding_mark(start_response):
    """start_response that keeps the cacheable mark from reaching the client."""
    def start(status, headers, exc_info=None):
        return start_response(status, [(k, v) for k, v in headers if k != CACHEABLE], exc_info)
    return start


def _status_line(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


def request_id(environ) -> str:
    """The request's id: the client's X-Request-Id if printable, else a new one; set once per request."""
    rid = environ.get(REQUEST_ID)
    if rid is None:
        given = environ.get("HTTP_X_REQUEST_ID", "")[:64]
        rid = environ[REQUEST_ID] = given if given.isprintable() and given else os.urandom(8).hex()
    return rid


class Entrance:
    """Wraps the Flask WSGI app; `capacity` bounds the bytes of kept answers."""

    def __init__(self, app, queries, max_request_bytes: int, capacity: int = 64 << 20, config: Config | None = None):
        """`capacity` counts every kept entry whole: its hashed key, status, headers and body;
        `config` says which Host names are accepted and the public URL that replaces them."""
        self.config = config or Config()
        public = urlsplit(self.config.public_base)
        self.public_scheme, self.public_host = public.scheme, public.netloc
        self.app = app
        self.queries = queries
        self.max_request_bytes = max_request_bytes
        self.cache = ByteLRU(capacity, second_sighting=True)    # an answer asked for once is not kept

    def __call__(self, environ, start_response):
        bound_lists(environ, self.config.max_accept_entries)
        host = environ.get("HTTP_HOST")
        if not valid_host(host):                     # RFC 9112 3.2: one Host, and a host in it
            return self._send(start_response, environ, 400, [("Content-Type", "text/plain; charset=utf-8")],
                              b"the request's Host header is not one host name or address (and port)\n")
        if not self.config.accepts_host(host):      # the client's Host is not repeated back to it
            return self._send(start_response, environ, 421, [("Content-Type", "text/plain; charset=utf-8")],
                              f"this server does not serve the host this request names in its Host header; "
                              f"it is {self.config.public_base}\n".encode("utf-8"))
        # From here on the request names the public URL: redirects, Location, sd:endpoint, VoID.
        environ["HTTP_HOST"], environ["wsgi.url_scheme"] = self.public_host, self.public_scheme
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD", "POST"):
            if not method.isupper():     # "get": methods are case-sensitive (RFC 9110 9.1); Flask would read it as GET
                shown = "".join(c if c.isprintable() else "?" for c in method[:20])
                return self._send(start_response, environ, 501, [("Content-Type", "text/plain; charset=utf-8")],
                                  f"the method {shown!r} is not implemented here: HTTP methods are case-sensitive "
                                  f"(GET, HEAD, POST, OPTIONS)\n".encode("utf-8"))
            return self.app(environ, _hiding_mark(start_response))
        body = b""
        if method == "POST":
            try:
                length = int(environ["CONTENT_LENGTH"])
            except (KeyError, ValueError):   # a chunked body (gunicorn): read it here, bounded
                length = None
            if length is None:
                try:
                    body = environ["wsgi.input"].read(self.max_request_bytes + 1)
                except Exception:            # the server's reader: a bad chunk size, a chunk cut short
                    return self._send(start_response, environ, 400, [("Content-Type", "text/plain; charset=utf-8")],
                                      b"the request body is malformed: its chunked encoding is broken\n")
                length = len(body)
                environ["wsgi.input"], environ["CONTENT_LENGTH"] = _Body(body), str(length)
            if length > self.max_request_bytes:
                return self._send(start_response, environ, 413, [("Content-Type", "text/plain; charset=utf-8")],
                                  f"the request body is {length} bytes; the limit is {self.max_request_bytes}\n".encode())
            if length < 0:
                return self._send(start_response, environ, 400, [("Content-Type", "text/plain; charset=utf-8")],
                                  b"the request's Content-Length is negative\n")
            if not body:
                body = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = _Body(body)
            environ["issgraph.body"] = body          # for the request log's query hash (operations.py)
        conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
        key = cache_key(method, environ, body)
        hit = self.cache.get(key)
        if hit is not None:
            environ["issgraph.cache_hit"] = True     # counted by operations.Observed
            return self._replay(hit, environ, start_response, method == "HEAD")
        if environ.get("PATH_INFO") == "/sparql":
            answer = self._sparql(environ, method, body)
            if answer is not None:
                code, headers, data = answer
                if code < 400 and method != "HEAD" and not conditional:
                    # Tuples of strings only: the collector stops tracking them, so a full cache
                    # does not slow down every garbage collection.
                    self._keep(key, _status_line(code), tuple(headers), data)
                if code == 200 and conditional and (unchanged := not_modified(environ, headers)) is not None:
                    start_response("304 Not Modified", unchanged)
                    return [b""]
                return self._send(start_response, environ, code, headers, data, head=method == "HEAD")
        return self._flask(environ, start_response, key, method, conditional)

    def cached(self, environ, body: bytes):
        """The answer to a request seen before, as (status, headers, body), or None: for a front that
        can answer it without giving it a thread (granian's, front.py). Nothing else is done here."""
        bound_lists(environ, self.config.max_accept_entries)
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD", "POST") or not self.config.accepts_host(environ.get("HTTP_HOST")):
            return None
        hit = self.cache.get(cache_key(method, environ, body if method == "POST" else b""))
        if hit is None:
            return None
        captured = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        data = b"".join(self._replay(hit, environ, start, method == "HEAD"))
        return int(captured["status"][:3]), captured["headers"], data

    async def answer_async(self, environ, body: bytes):
        """A /sparql query answered on an event loop (granian's front): its evaluator's answer is
        awaited on the pipe instead of a thread waiting for it, which was the largest cost of a
        query never seen before (a thread hand-off each way); so is the wait for a free one.
        Returns (status, headers, body), or None for anything else, which then goes through
        `__call__` in a thread, as every request did before; the answers are the same."""
        bound_lists(environ, self.config.max_accept_entries)
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO") != "/sparql" or method not in ("GET", "POST") \
                or not self.config.accepts_host(environ.get("HTTP_HOST")):
            return None
        try:
            pq = parse_request(method, environ.get("CONTENT_TYPE"), environ.get("QUERY_STRING", "").encode("latin-1"),
                               body)
        except ProtocolError:
            return None                     # __call__ answers it, with the same message
        if pq.query is None:                # the service description: Flask's
            return None
        environ["HTTP_HOST"], environ["wsgi.url_scheme"] = self.public_host, self.public_scheme
        environ["issgraph.query"] = pq.query
        if method == "POST":
            environ["issgraph.body"] = body
        reply = await self.queries.answer_async(pq, environ.get("HTTP_ACCEPT"), request_id(environ),
                                                environ.get("REMOTE_ADDR", "-"), started=environ.get("issgraph.arrived"))
        code, headers, data = _reply_parts(reply)
        if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
            if code < 400:
                self._keep(cache_key(method, environ, body), _status_line(code), tuple(headers), data)
        elif code == 200 and (unchanged := not_modified(environ, headers)) is not None:
            return 304, unchanged, b""
        return code, [*headers, *COMMON_HEADERS, ("Content-Length", str(len(data))),
                      ("X-Request-Id", request_id(environ))], data

    def _sparql(self, environ, method: str, body: bytes):
        """A query answered without Flask: (status, headers, body), or None for the service description."""
        try:
            pq = parse_request(method, environ.get("CONTENT_TYPE"), environ.get("QUERY_STRING", "").encode("latin-1"),
                               body)
        except ProtocolError as err:
            return err.status, [("Content-Type", "text/plain; charset=utf-8"), *err.headers.items()], \
                (str(err) + "\n").encode("utf-8")
        if pq.query is None:
            return None
        environ["issgraph.query"] = pq.query          # hashed in the request log (operations.py)
        reply = self.queries.answer(pq, environ.get("HTTP_ACCEPT"), request_id(environ), environ.get("REMOTE_ADDR", "-"),
                                    started=environ.get("issgraph.arrived"))
        return _reply_parts(reply)

    def _flask(self, environ, start_response, key, method: str, conditional: bool):
        captured: dict = {}
        hiding = _hiding_mark(start_response)

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return hiding(status, headers, exc_info)

        chunks = self.app(environ, capture)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        if method != "HEAD" and not conditional and captured.get("status", "5")[0] in "23" \
                and any(k == CACHEABLE for k, _ in captured.get("headers", ())):
            headers = tuple((k, v) for k, v in captured["headers"]
                            if k not in (CACHEABLE, "X-Request-Id", "Date", "Content-Length", *(h for h, _ in COMMON_HEADERS)))
            self._keep(key, captured["status"], headers, data)
        return [data]

    def _keep(self, key: bytes, status: str, headers: tuple, data: bytes) -> None:
        """Keep a 2xx/3xx answer, counted with its key, status line and headers (client errors never)."""
        size = len(key) + len(status) + len(data) + sum(len(k) + len(v) + 100 for k, v in headers) + ENTRY_OVERHEAD
        self.cache.put(key, (status, headers, data), size)

    @staticmethod
    def _send(start_response, environ, code, headers, data: bytes, head: bool = False):
        start_response(_status_line(code) if isinstance(code, int) else code,
                       [*headers, *COMMON_HEADERS, ("Content-Length", str(len(data))),
                        ("X-Request-Id", request_id(environ))])
        return [b""] if head else [data]

    def _replay(self, hit, environ, start_response, head: bool):
        status, headers, data = hit
        unchanged = not_modified(environ, headers)
        if unchanged is not None:
            start_response("304 Not Modified", unchanged)
            return [b""]
        return self._send(start_response, environ, status, headers, data, head)


def not_modified(environ, headers) -> list[tuple[str, str]] | None:
    """The headers of a 304 when the request's If-None-Match or If-Modified-Since says the client
    has this 2xx answer already, else None: werkzeug's comparison, the one Flask's pages use
    (If-None-Match weakly, RFC 9110 13.1.2, and before If-Modified-Since)."""
    if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
        return None
    etag = next((v for k, v in headers if k == "ETag"), None)
    modified = next((v for k, v in headers if k == "Last-Modified"), None)
    if (etag is None and modified is None) or is_resource_modified(environ, etag=etag, last_modified=modified):
        return None
    seen = {k for k, _ in headers}
    return [(k, v) for k, v in [*headers, *((k, v) for k, v in COMMON_HEADERS if k not in seen)]
            if k in REPLAYED_304] + [("X-Request-Id", request_id(environ)), ("Date", formatdate(usegmt=True))]


def _reply_parts(reply) -> tuple[int, list[tuple[str, str]], bytes]:
    """A query service Reply as (status, headers, body) for the entrance."""
    return reply.status, [("Content-Type", reply.content_type), ("Vary", "Accept"), *reply.headers.items()], reply.body


NEGOTIATED = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE")


def bound_lists(environ, limit: int) -> None:
    """Keep the first `limit` entries of Accept and Accept-Language. Negotiation's work grows with
    the entries (a 100 KB Accept of 5,000 media ranges cost 0.4 s of CPU per request), and no
    client needs more than a few; cutting here, before anything reads them, bounds it for every
    route and for the cache key alike."""
    for name in NEGOTIATED:
        value = environ.get(name)
        if value is not None and len(value) > 200:          # short headers: nothing to count
            parts = value.split(",", limit)
            if len(parts) > limit:
                environ[name] = ",".join(parts[:limit])


def cache_key(method: str, environ, body: bytes) -> bytes:
    """A fixed-size key (32 bytes) for everything an answer depends on: method kind, path, query
    string, body and the negotiation headers; a long query string or body is hashed, not kept.

    The parts are joined by NUL, which none of them can hold (a header, a path or a query string
    arrives without raw NUL); one that does is told apart by its length instead. One hash call
    instead of two per part: this runs for every request, a kept answer's included."""
    parts = (method == "POST" and "P" or "G", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
             *[environ.get(name, "") for name in KEY_HEADERS])
    text = "\0".join(parts)
    if text.count("\0") != len(parts) - 1:
        text = "\1" + "".join(f"{len(p)}:{p}" for p in parts)
    h = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=32)
    h.update(body)
    return h.digest()


class _Body:
    """The request body already read, offered again to the app as wsgi.input."""

    def __init__(self, data: bytes):
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else min(len(self._data), self._pos + size)
        chunk, self._pos = self._data[self._pos:end], end
        return chunk

    def readline(self, size: int = -1) -> bytes:
        nl = self._data.find(b"\n", self._pos)
        end = len(self._data) if nl < 0 else nl + 1
        if size is not None and size >= 0:
            end = min(end, self._pos + size)
        chunk, self._pos = self._data[self._pos:end], end
        return chunk

    def __iter__(self):
        while line := self.readline():
            yield line
