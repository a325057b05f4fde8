"""The Flask application factory: configuration in, routes out; no logic a test must reach by HTTP."""
from __future__ import annotations

import logging
import re

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .config import Config, from_env
from .dataset import Dataset
from .endpoint import bp as endpoint_bp
from .fastpath import COMMON_HEADERS, Entrance, request_id
from .linked import bp as linked_bp
from .links import HTML_HEADERS
from .operations import Observed, route_finder
from .pages import bp as pages_bp, error_page
from .published import bp as published_bp
from .services import Services, prefixes_for, services
from .stores import load

__all__ = ["create_app", "Services", "services", "prefixes_for"]   # the last three re-exported for callers

log = logging.getLogger("issgraph")


def create_app(config: Config | None = None, dataset: Dataset | None = None) -> Flask:
    """Build the web app for one dataset (loaded from the config's files when not given)."""
    config = config or from_env()
    dataset = dataset or load(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.json.ensure_ascii = False
    svc = app.extensions["issgraph"] = Services(config, dataset)
    # The entrance answers repeated requests and SPARQL without Flask; Observed counts all of them.
    svc.entrance = Entrance(app.wsgi_app, svc.queries, config.max_request_bytes, config.cache_bytes, config)
    app.wsgi_app = Observed(svc.entrance, svc.metrics, route_finder(app.url_map))

    app.register_blueprint(endpoint_bp)
    app.register_blueprint(linked_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(published_bp)

    @app.before_request
    def _request_id() -> None:
        g.request_id = request_id(request.environ)

    @app.after_request
    def _common_headers(response: Response) -> Response:
        if request.method == "OPTIONS" and response.status_code in (200, 204):
            _preflight(response)
        for key, value in COMMON_HEADERS:
            response.headers[key] = value
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if response.mimetype == "text/html":
            for key, value in HTML_HEADERS:
                response.headers[key] = value
        return response

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        page = error_page(err)          # a person's browser: a page in the reader's language
        if page is not None:
            return page
        response = Response(f"{err.code} {err.name}: {err.description}\n", err.code,
                            content_type="text/plain; charset=utf-8")
        for key, value in err.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        rid = g.get("request_id", "-")
        log.exception("request %s failed", rid)
        return Response(f"500 Internal Server Error: an unexpected error; request id {rid}\n", 500,
                        content_type="text/plain; charset=utf-8")

    return app


_HEADER_NAMES = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:[ \t]*,[ \t]*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*")
PREFLIGHT_HEADERS = "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since"


def _preflight(response: Response) -> None:
    """OPTIONS on any path answers a browser's CORS preflight: the methods the route allows, and the
    request headers asked for (a long Accept, a JSON-LD profile or If-None-Match are not CORS-safe,
    so a script on another origin asks first; without this answer its fetch of a resource failed).
    Nothing is read or served with credentials, so any origin and any header may be allowed; what
    is asked for is repeated only when it is a list of header names. (Flask-CORS does this and more;
    these few lines, on Flask's own Allow, spare a dependency for one header rule.)"""
    response.status_code = 204
    response.headers.pop("Content-Type", None)
    response.set_data(b"")
    allow = response.headers.get("Allow")
    if allow:
        response.headers["Access-Control-Allow-Methods"] = allow
    asked = request.headers.get("Access-Control-Request-Headers", "")
    response.headers["Access-Control-Allow-Headers"] = \
        asked if len(asked) <= 1000 and _HEADER_NAMES.fullmatch(asked.strip()) else PREFLIGHT_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
