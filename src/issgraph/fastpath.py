"""A WSGI layer in front of Flask that answers repeated requests from finished bytes.

The served data never changes while serving, so a GET/HEAD/POST whose method, path, query
string, body and negotiation headers were seen before gets the same answer: served here
without Flask, the guard or the engine (and 304 when the client already has it). Only
answers marked cacheable by the app (X-Cacheable) are kept, bounded in bytes.
"""
from __future__ import annotations

import io
import os
from email.utils import formatdate

from .cache import ByteLRU

MAX_BODY = 64 << 10          # larger request bodies are not worth keying on
CACHEABLE = "X-Issgraph-Cacheable"
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "CONTENT_TYPE", "HTTP_HOST")


def mark_cacheable(response):
    """Let the fast path keep this response: its bytes depend only on the request's keyed parts."""
    response.headers[CACHEABLE] = "1"
    return response


class FastPath:
    """Wraps a WSGI app; `capacity` bounds the bytes of kept answers."""

    def __init__(self, app, capacity: int = 64 << 20):
        self.app = app
        self.cache = ByteLRU(capacity)

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD", "POST"):
            return self.app(environ, start_response)
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                return self.app(environ, start_response)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        key = (method == "POST", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), body,
               *(environ.get(h, "") for h in KEY_HEADERS))
        hit = self.cache.get(key)
        if hit is not None:
            return self._replay(hit, environ, start_response, method == "HEAD")
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, [(k, v) for k, v in headers if k != CACHEABLE], exc_info)

        chunks = self.app(environ, capture)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
        if method != "HEAD" and not conditional and any(k == CACHEABLE for k, _ in captured.get("headers", ())):
            headers = [(k, v) for k, v in captured["headers"]
                       if k not in (CACHEABLE, "X-Request-Id", "Date", "Content-Length")]
            self.cache.put(key, (captured["status"], headers, data), len(data) + 512)
        return [data]

    @staticmethod
    def _replay(hit, environ, start_response, head: bool):
        status, headers, data = hit
        etag = next((v for k, v in headers if k == "ETag"), None)
        modified = next((v for k, v in headers if k == "Last-Modified"), None)
        inm, ims = environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE")
        if (etag is not None and inm is not None and (inm == "*" or etag in [t.strip() for t in inm.split(",")])) or (
                inm is None and modified is not None and ims == modified):
            keep = [(k, v) for k, v in headers if k in ("ETag", "Cache-Control", "Vary", "Last-Modified",
                                                        "Content-Location", "Access-Control-Allow-Origin")]
            start_response("304 NOT MODIFIED", keep + [("X-Request-Id", os.urandom(8).hex())])
            return [b""]
        start_response(status, headers + [("Content-Length", str(len(data))), ("X-Request-Id", os.urandom(8).hex()),
                                          ("Date", formatdate(usegmt=True))])
        return [b""] if head else [data]
