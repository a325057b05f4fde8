"""granian's entrance (RSGI): connection-level limits before a request is given a thread.

granian holds idle and slow connections in its Rust event loop without a thread each, and closes
any whose request line and headers do not arrive within `Config.header_timeout`. This front adds
what granian does not do, in its event loop, before the WSGI app (the `Entrance`) sees a request:

- requests in progress are bounded per client address (`max_client_requests`, excess: 429) and
  in all (`max_requests`, excess: 503), both answered at once with Retry-After, never queued;
- the request body must arrive within `body_timeout` seconds (408) and be no larger than
  `max_request_bytes` (413), read here, so a slow body never pins a thread (granian's own WSGI
  interface reads it inside the blocking thread, with no deadline: that is why this is RSGI);
- the answer must be taken by the client within `write_timeout` seconds; after that the
  connection is dropped (a slow reader holds no thread, and its answer no longer than that).

Then the finished request runs in a bounded pool of threads, as WSGI. Written by hand because
granian offers no WSGI entrance with these deadlines, and the adapter is only a request's environ.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from .config import Config

log = logging.getLogger("issgraph")
TEXT = [("content-type", "text/plain; charset=utf-8"), ("x-content-type-options", "nosniff")]
STREAM_CHUNK = 64 << 10
NO_BODY = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def client_address(scope_client: str) -> str:
    """'127.0.0.2' from granian's '127.0.0.2:51234' (and '::1' from '[::1]:51234' or '::1:51234')."""
    host = scope_client.rsplit(":", 1)[0] if ":" in scope_client else scope_client
    return host.strip("[]")


def _wsgi_text(text: str) -> str:
    """A path or query string as WSGI has it: latin-1 code points of its UTF-8 bytes."""
    return text if text.isascii() else text.encode("utf-8", "surrogateescape").decode("latin-1")


# The environ keys of the headers nearly every request has, made once (a fixed table: it cannot grow).
_KEYS = {name: "HTTP_" + name.upper().replace("-", "_") for name in (
    "host", "accept", "accept-language", "accept-encoding", "user-agent", "connection", "x-request-id",
    "if-none-match", "if-modified-since", "origin", "referer", "cache-control")}


class Front:
    """An RSGI app around a WSGI app; one per web worker."""

    def __init__(self, wsgi_app, config: Config, threads: int, cached=None, answer_async=None):
        """`cached(environ, body)`: the answer to a request seen before, or None (the Entrance's);
        such answers are sent from the event loop, without a thread. `answer_async(environ, body)`:
        a coroutine answering what it can on the event loop (a SPARQL query), or giving None."""
        self.app = wsgi_app
        self.cached = cached
        self.answer_async = answer_async
        self.config = config
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="issgraph-request")
        self.in_progress: dict[str, int] = {}
        self.total = 0

    def __rsgi_init__(self, loop) -> None:    # granian's hooks; nothing to prepare
        pass

    def __rsgi_del__(self, loop) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope, proto) -> None:
        if scope.proto != "http":
            return
        client = client_address(scope.client)
        if self.total >= self.config.max_requests:
            return self._refuse(proto, 503, f"the server is at its limit of {self.config.max_requests} requests "
                                            "in progress; try again shortly")
        if self.in_progress.get(client, 0) >= self.config.max_client_requests:
            return self._refuse(proto, 429, f"too many requests in progress from {client} (the limit is "
                                            f"{self.config.max_client_requests}); try again shortly")
        self.total += 1
        self.in_progress[client] = self.in_progress.get(client, 0) + 1
        try:
            await self._handle(scope, proto, client)
        finally:
            self.total -= 1
            left = self.in_progress[client] - 1
            if left:
                self.in_progress[client] = left
            else:
                del self.in_progress[client]

    @staticmethod
    def _refuse(proto, status: int, message: str, retry: bool = True) -> None:
        """A short plain-text refusal, sent from the event loop; the connection is closed after it."""
        headers = [*TEXT, ("connection", "close"), ("access-control-allow-origin", "*"),
                   ("access-control-expose-headers", "X-Request-Id, Retry-After"),
                   ("x-request-id", os.urandom(8).hex())] + ([("retry-after", "1")] if retry else [])
        proto.response_bytes(status, headers, (message + "\n").encode("utf-8"))

    async def _read_body(self, scope, proto, length: int | None) -> bytes | None:
        """The whole body within the deadline; None after answering 408/413 itself."""
        limit = self.config.max_request_bytes
        if length is not None and length > limit:
            self._refuse(proto, 413, f"the request body is {length} bytes; the limit is {limit}", retry=False)
            return None
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.config.body_timeout):
                if length is not None:         # bounded by its length; granian raises on a short body
                    return await proto()
                # Chunked: read piece by piece to stop at the limit. (granian ends such a body quietly
                # at a framing error, so a garbled chunk arrives as whatever it could frame.)
                async for chunk in proto:
                    size += len(chunk)
                    if size > limit:
                        self._refuse(proto, 413, f"the request body is over {limit} bytes, the limit", retry=False)
                        return None
                    chunks.append(chunk)
        except TimeoutError:
            self._refuse(proto, 408, f"the request body did not arrive within {self.config.body_timeout:g} s",
                         retry=False)
            return None
        except Exception:      # granian: the connection broke, or the body's framing was malformed
            self._refuse(proto, 400, "the request body is malformed or was cut short", retry=False)
            return None
        return b"".join(chunks)

    async def _handle(self, scope, proto, client: str) -> None:
        arrived = time.monotonic()     # a query's time limit counts from here, waits for a thread included
        headers = scope.headers
        method = scope.method
        length_text = headers.get("content-length")
        try:
            length = int(length_text) if length_text is not None else None
        except ValueError:
            return self._refuse(proto, 400, "the Content-Length header is not a number", retry=False)
        body = b""
        if method not in NO_BODY or length or "transfer-encoding" in headers:
            body = await self._read_body(scope, proto, length)
            if body is None:
                return
        environ = self._environ(scope, client, body)
        environ["issgraph.arrived"] = arrived
        hit = self.cached(environ, body) if self.cached is not None else None
        if hit is None and self.answer_async is not None:
            hit = await self.answer_async(environ, body)
        if hit is not None:
            status, out_headers, data = hit
        else:
            loop = asyncio.get_running_loop()
            status, out_headers, data = await loop.run_in_executor(self.pool, self._call, environ)
        if len(data) <= STREAM_CHUNK:
            proto.response_bytes(status, out_headers, data)
            return
        transport = proto.response_stream(status, out_headers)
        try:
            async with asyncio.timeout(self.config.write_timeout):
                view = memoryview(data)
                for start in range(0, len(data), STREAM_CHUNK):
                    await transport.send_bytes(bytes(view[start:start + STREAM_CHUNK]))
        except TimeoutError:
            log.info("request %s: the client did not take its answer within %g s; connection dropped",
                     environ.get("issgraph.request_id", "-"), self.config.write_timeout)
        except Exception:      # the client went away
            pass

    def _environ(self, scope, client: str, body: bytes) -> dict:
        server_host, _, server_port = scope.server.rpartition(":")
        environ = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            # WSGI carries the decoded path as latin-1 code points of its UTF-8 bytes (ASCII: the same).
            "PATH_INFO": _wsgi_text(scope.path),
            "QUERY_STRING": _wsgi_text(scope.query_string),
            "SERVER_NAME": server_host.strip("[]"),
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)) if body or scope.method not in NO_BODY else "",
        }
        for name, value in scope.headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name in ("content-length", "transfer-encoding"):
                continue
            else:
                key = _KEYS.get(name) or "HTTP_" + name.upper().replace("-", "_")
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        if not environ["CONTENT_LENGTH"]:
            del environ["CONTENT_LENGTH"]
        return environ

    def _call(self, environ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the WSGI app in this pool thread and collect its whole answer."""
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        try:
            chunks = self.app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except Exception:
            log.exception("request %s failed", environ.get("issgraph.request_id", "-"))
            return 500, TEXT, b"500 Internal Server Error: an unexpected error\n"
        return int(captured["status"][:3]), list(captured["headers"]), data


