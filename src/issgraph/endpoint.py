"""The /sparql route for what is not a query: the service description, preflight, refused methods
(queries are answered by the entrance, fastpath.Entrance, before Flask)."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from . import formats
from .fastpath import mark_cacheable
from .formats import NotAcceptable, UnknownFormat, negotiate
from .protocol import ProtocolError, parse_request
from .results import write_graph
from .service_description import describe_service
from .sparql import Reply
from .web import svc as _svc

bp = Blueprint("endpoint", __name__)
SD_OFFERS = (*formats.GRAPH, formats.HTML)


def _send(reply: Reply) -> Response:
    response = Response(reply.body, reply.status, content_type=reply.content_type)
    response.headers.update(reply.headers)
    response.headers["Vary"] = "Accept"
    if reply.status < 500:     # every answer but a timeout is the same for the same request
        mark_cacheable(response)
    return response


def _service_description(accept: str | None, format_param: str | None) -> Response:
    svc = _svc()
    try:
        fmt = negotiate(accept, SD_OFFERS, format_param)
    except (NotAcceptable, UnknownFormat) as err:
        return _send(Reply.fail(406 if isinstance(err, NotAcceptable) else 400, str(err)))
    if fmt is formats.HTML:   # a person: the query page
        lang = request.args.get("lang")
        response = redirect("/query" + (f"?lang={lang}" if lang in ("en", "fa") else ""), 303)
    else:
        triples = describe_service(request.base_url, svc.dataset)
        response = Response(write_graph(triples, fmt, svc.context, svc.prefixes), content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return mark_cacheable(response)


@bp.route("/sparql", methods=["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    """/sparql without a query: the service description, CORS preflight, and the methods refused."""
    if request.method == "OPTIONS":                   # the CORS headers: app._preflight
        return Response(status=204, headers={"Allow": "GET, POST, HEAD, OPTIONS"})
    body = request.get_data(cache=False) if request.method == "POST" else b""
    try:
        pq = parse_request(request.method, request.headers.get("Content-Type"), request.query_string, body)
    except ProtocolError as err:
        return _send(Reply.fail(err.status, str(err), headers=err.headers))
    if pq.query is None:
        return _service_description(request.headers.get("Accept"), pq.param("format"))
    # The one door for queries is the entrance (fastpath.Entrance), which create_app puts in front
    # of this app and which answers every GET, HEAD and POST query itself: none arrives here.
    raise RuntimeError("a SPARQL query reached the Flask route; serve the app create_app returns")
