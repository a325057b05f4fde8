"""Pages for people: the home page, the query page, search, and the home page's pictures.

Routes only read the request and pick what to send; the work is in home.py, querypage.py,
search.py, pictures.py and examples.py. Every user-supplied query goes through the query
service's one guarded path (`QueryService.answer`), as the endpoint's do.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from markupsafe import Markup

from . import completion, examples, formats, home, pictures, querypage, resultviews, snippets
from .describe import exists
from .documents import Document
from .figures import figures
from .i18n import word
from .web import page_lang, render_page, send_document, svc as _svc
from .messages import explain
from .protocol import ProtocolQuery
from .discovery import schema_org_json
from .search import MAX_QUERY_CHARS, BadQuery, Search, check_search_words

bp = Blueprint("pages", __name__)
SVG_TYPE = "image/svg+xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
MAX_MESSAGE_CHARS = 4000
PICTURES = {"timeline": pictures.TIMELINE_QUERY, "module-shares": pictures.CHART_QUERY}
_lock = threading.Lock()


def _search() -> Search:
    """The label index of this app's dataset, built on first use and kept."""
    ext = current_app.extensions
    if "issgraph.search" not in ext:
        with _lock:
            if "issgraph.search" not in ext:
                svc = _svc()
                ext["issgraph.search"] = Search(svc.dataset, svc.site)
    return ext["issgraph.search"]


def _picture(name: str, lang: str) -> Document:
    svc = _svc()

    def build() -> Document:
        path = svc.config.queries_path
        if name == "timeline":
            moments = pictures.timeline_moments(svc.queries, path, svc.site.base)
            svg = pictures.timeline_svg(moments, svc.site, lang)
        else:
            shares, contributions = pictures.module_shares(svc.queries, path)
            svg = pictures.shares_svg(shares, contributions, svc.site, lang)
        return Document.of(svg.encode("utf-8"), SVG_TYPE)

    return svc.documents.get(("picture", name, lang), build)


def _examples() -> tuple[examples.Example, ...]:
    return examples.load(_svc().config.queries_path)


@bp.get("/")
def home_page() -> Response:
    svc = _svc()
    lang = page_lang()

    def build() -> Document:
        size = home.size(figures(svc.dataset), lang)
        found = _examples()
        return render_page(
            "home.html", lang, path="/",
            size=size, number=lambda n: home.number(n, lang),
            intro=home.description(svc.dataset, lang),
            groups=home.start_points(svc.dataset, svc.site, lang),
            questions=[e for e in found if e.is_question],
            timeline=Markup(_picture("timeline", lang).body.decode("utf-8")),
            chart=Markup(_picture("module-shares", lang).body.decode("utf-8")),
            pictures=PICTURES, jsonld=schema_org_json(svc.dataset, request.host_url))

    return send_document(svc.documents.get(("home", lang, request.host_url), build), vary="Accept-Language")


# Errors that a person may meet by following or mistyping a link; others stay plain text for programs.
PAGE_ERRORS = {400: "error_400", 404: "error_404", 405: "error_405", 406: "error_406"}


def error_page(err) -> Response | None:
    """An HTTP error as an HTML page in the reader's language, for a client that asks for HTML
    before plain text (a browser); None for everyone else, who keep the short plain-text answer."""
    if err.code not in PAGE_ERRORS:
        return None
    best = request.accept_mimetypes.best_match(["text/plain", "text/html"])
    if best != "text/html" or request.accept_mimetypes["text/html"] <= request.accept_mimetypes["text/plain"]:
        return None
    lang = page_lang()
    # English pages add what the route said, when it said more than the generic words.
    detail = err.description if lang == "en" and err.description != type(err).description else None
    doc = render_page("error.html", lang, err.code, code=err.code, message=word(PAGE_ERRORS[err.code], lang),
                      detail=detail)
    response = Response(doc.body, err.code, content_type=doc.content_type,
                        headers={"Vary": "Accept, Accept-Language", "Cache-Control": "no-cache"})
    for key, value in err.get_headers():
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon where browsers and crawlers look for it without being told (static/favicon.ico,
    the same drawing as static/favicon.svg, as a 32×32 PNG inside an ICO)."""
    svc = _svc()
    doc = svc.documents.get(("favicon",), lambda: Document.of(
        (Path(__file__).parent / "static" / "favicon.ico").read_bytes(), "image/vnd.microsoft.icon"))
    return send_document(doc, vary="", cache_seconds=86400)


@bp.get("/pictures/<name>.svg")
def picture(name: str) -> Response:
    if name not in PICTURES:
        abort(404)
    return send_document(_picture(name, page_lang()), vary="Accept-Language")


@bp.get("/query")
def query_page() -> Response:
    svc = _svc()
    lang = page_lang()
    text = request.args.get("query")
    slug = request.args.get("example")
    chosen = None
    param_error = None
    if slug is not None and text is None:
        chosen = examples.find(svc.config.queries_path, slug)
        if chosen is None:
            abort(404, f"there is no example query named {slug!r}")
        try:
            text = _bound_example(chosen, lang)
        except examples.BadParameter as bad:
            text, param_error = chosen.text_for(lang), bad
    outcome = None
    added_prefixes: list[str] = []
    if text is not None and text.strip() and param_error is None:
        text, added_prefixes = completion.with_known_prefixes(text, svc.prefixes)
        outcome = querypage.run(svc.queries, svc.site, text, lang, request.remote_addr or "-",
                                request.environ.get("issgraph.request_id", "-"), request.environ.get("issgraph.arrived"),
                                page=querypage.page_number(request.args.get("page")), view=request.args.get("view"))
    if text is None or not text.strip():
        text = querypage.default_query(svc.prefixes, lang)
    status = outcome.status if outcome is not None and outcome.kind == "error" else 400 if param_error else 200
    keep = ("query", "example", "page", "view") + tuple(p.name for p in (chosen.params if chosen else ()))
    doc = render_page("query.html", lang, status, keep=keep, query=text, outcome=outcome, examples=_examples(),
                param_error=param_error, param_values=_param_values(chosen), added_prefixes=[p + ":" for p in added_prefixes],
                code=snippets.snippets(_endpoint_url(), text, outcome.kind if outcome and outcome.kind != "error" else None)
                if outcome is not None else None,
                chosen=chosen, line_count=max(text.count("\n") + 1, 1),
                number=lambda n: home.number(n, lang), number_ms=lambda ms: home.number_ms(ms, lang),
                base=svc.site.base, prefixes=svc.prefixes, page_rows=svc.config.page_rows, view_rows=resultviews.VIEW_ROWS,
                download_table=querypage.download_table(),
                public_base=svc.config.public_base.rstrip("/"))
    response = Response(doc.body, doc.status, content_type=doc.content_type)
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _endpoint_url() -> str:
    """The SPARQL endpoint as a program elsewhere reaches it (the public URL, not the Host)."""
    return _svc().config.public_base + "sparql"


def _param_values(example: examples.Example | None) -> dict[str, str]:
    """The example's parameters as the request gives them (else the file's defaults), for the form."""
    if example is None:
        return {}
    single = request.args.get("param") if len(example.params) == 1 else None
    return {p.name: request.args.get(p.name, single or p.default)[:examples.MAX_PARAM_CHARS] for p in example.params}


def _bound_example(example: examples.Example, lang: str) -> str:
    """The example's text with the request's parameter values bound (examples.bind checks each)."""
    svc = _svc()
    given = {p.name: request.args[p.name] for p in example.params if p.name in request.args}
    if len(example.params) == 1 and not given and "param" in request.args:     # ?example=NAME&param=VALUE
        given = {example.params[0].name: request.args["param"]}
    return examples.bound(example, given, lang, svc.site.base, lambda iri: exists(svc.dataset, iri))


@bp.get("/query/terms")
def query_terms() -> Response:
    """The editor's completion data in the page's language (completion.terms), built once per language."""
    svc, lang = _svc(), page_lang()
    doc = svc.documents.get(("query-terms", lang), lambda: Document.of(
        (json.dumps(completion.terms(svc.dataset, svc.site, svc.prefixes, lang), ensure_ascii=False) + "\n")
        .encode("utf-8"), JSON_TYPE))
    return send_document(doc, vary="Accept-Language", cache_seconds=3600)


@bp.get("/query/check")
def query_check() -> Response:
    """Whether the editor's query would be refused before it runs, and where, in the page's language
    (querypage.check; nothing is evaluated): JSON, which the editor marks while the reader types."""
    svc = _svc()
    text = request.args.get("query")
    if text is None:
        return Response(json.dumps({"error": "no query: add ?query="}) + "\n", 400, content_type=JSON_TYPE)
    status, body = querypage.check(svc.queries, svc.prefixes, text, page_lang(), request.remote_addr or "-")
    headers = {"Vary": "Accept-Language", "Cache-Control": "public, max-age=3600"} if status == 200 else \
        {"Retry-After": "10", "Cache-Control": "no-store"}
    return Response(json.dumps(body, ensure_ascii=False) + "\n", status, content_type=JSON_TYPE, headers=headers)


@bp.get("/query/code")
def query_code() -> Response:
    """The code panel's snippets for a query, as JSON (snippets.py; the page's script asks for them
    after each run, the page without script has them in its HTML)."""
    text = request.args.get("query", "")
    limit = _svc().config.max_query_bytes
    if len(text.encode("utf-8")) > limit:
        return Response(json.dumps({"error": f"query longer than {limit} bytes"}) + "\n", 413,
                        content_type=JSON_TYPE)
    form = request.args.get("form")
    body = snippets.snippets(_endpoint_url(), text, form if form in ("select", "ask", "graph") else None)
    return Response(json.dumps(body, ensure_ascii=False) + "\n", content_type=JSON_TYPE,
                    headers={"Cache-Control": "public, max-age=3600"})


MAX_READER_VALUES = 500          # values one /query/reader request may ask for (a page of rows)


@bp.post("/query/reader")
def query_reader() -> Response:
    """Dates and numbers of a result as the page's reader writes them (querypage.for_reader), for the
    tables the page's script draws: both calendars and Persian digits, the same words as the server's."""
    lang = page_lang()
    try:
        values = request.get_json(force=True)["values"]
        pairs = [(str(v)[:64], str(d)[:128]) for v, d in values[:MAX_READER_VALUES]]
    except Exception:                   # not JSON, not the shape asked for
        return Response('expected {"values": [[value, datatype], ...]}\n', 400, content_type="text/plain; charset=utf-8")
    body = json.dumps({"forms": [querypage.for_reader(v, d, lang) for v, d in pairs]}, ensure_ascii=False)
    return Response(body + "\n", content_type=JSON_TYPE, headers={"Cache-Control": "no-store"})


DOWNLOAD_ACCEPT = {f.name: f.media_type for table in formats.DOWNLOADS.values() for f in table}


@bp.get("/query/download")
def query_download() -> Response:
    """The query page's result as a file for people: the endpoint's answer through its one guarded
    path, as an attachment, CSV and TSV with a byte-order mark (querypage.for_spreadsheets)."""
    svc = _svc()
    text, fmt = request.args.get("query", ""), (request.args.get("format") or "csv").lower()
    if fmt not in DOWNLOAD_ACCEPT:
        return Response(f"unknown download format {fmt!r}; use one of {', '.join(DOWNLOAD_ACCEPT)}\n", 400,
                        content_type="text/plain; charset=utf-8")
    reply = svc.queries.answer(ProtocolQuery(query=text, params=(("format", fmt),)), DOWNLOAD_ACCEPT[fmt])
    if reply.status != 200:
        return Response(reply.body, reply.status, content_type=reply.content_type,
                        headers={k: v for k, v in reply.headers.items() if k.startswith("X-")})
    answered = formats.by_media_type(reply.content_type)
    ext = answered.extension if answered else "txt"
    response = Response(querypage.for_spreadsheets(reply.body, fmt), content_type=reply.content_type,
                        headers={"Content-Disposition": f'attachment; filename="result.{ext}"',
                                 "Cache-Control": "no-cache"})
    for k, v in reply.headers.items():
        if k.startswith("X-Result"):
            response.headers[k] = v
    return response


@bp.get("/query/view.svg")
def query_view() -> Response:
    """One view of a query's answer as an SVG image (timeline, bar, graph, sources): the query page's
    views, for embedding as <img src> elsewhere. The query runs through the same guarded path and
    limits as the page's (querypage.run), the drawing is bounded (resultviews.VIEW_ROWS)."""
    svc = _svc()
    lang = page_lang()
    text, view = request.args.get("query", ""), request.args.get("view") or ""
    if view not in resultviews.VIEWS:
        return Response(f"unknown view {view!r}; use one of {', '.join(resultviews.VIEWS)}\n", 400,
                        content_type="text/plain; charset=utf-8")
    if not text.strip():
        return Response("no query: add ?query=\n", 400, content_type="text/plain; charset=utf-8")
    outcome = querypage.run(svc.queries, svc.site, text, lang, request.remote_addr or "-",
                            request.environ.get("issgraph.request_id", "-"), request.environ.get("issgraph.arrived"),
                            view=view)
    if outcome.kind == "error":
        return Response(outcome.error + "\n", outcome.status, content_type="text/plain; charset=utf-8")
    if view == "table":
        return Response("the table view is HTML: /query?query=…\n", 400, content_type="text/plain; charset=utf-8")
    svg = outcome.view_svg if outcome.view == view and outcome.view_svg else querypage.draw(outcome, svc.site, lang, view)
    return Response(str(svg), content_type=SVG_TYPE, headers={"Vary": "Accept-Language", "Cache-Control": "no-cache"})


@bp.get("/query/message")
def query_message() -> Response:
    """An endpoint error message in the page's language, for the query page's script (JSON).

    The script gets the endpoint's own (English) answer; this says it as the page would
    (messages.explain), so a result fetched without reloading reads as a reloaded page does.
    """
    lang = page_lang()
    message = request.args.get("message", "")
    if len(message) > MAX_MESSAGE_CHARS:
        return Response(json.dumps({"error": f"message longer than {MAX_MESSAGE_CHARS} characters"}) + "\n", 400,
                        content_type=JSON_TYPE)
    said = explain(message, lang)
    return Response(json.dumps({"text": said.text, "lang": said.lang}, ensure_ascii=False) + "\n",
                    content_type=JSON_TYPE, headers={"Vary": "Accept-Language", "Cache-Control": "public, max-age=3600"})


def _wants_json() -> bool:
    fmt = request.args.get("format")
    if fmt:
        if fmt.lower() not in ("json", "html"):
            abort(Response(f"unknown format {fmt!r} for search; use json or html\n", 400,
                           content_type="text/plain; charset=utf-8"))
        return fmt.lower() == "json"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json"


@bp.get("/search")
def search_page() -> Response:
    lang = page_lang()
    raw = request.args.get("q", "")
    as_json = _wants_json()
    try:
        q = check_search_words(raw)
    except BadQuery as err:
        reason = str(err)
        message = (word("s_empty", lang) if reason == "empty"
                   else word("s_too_long", lang).format(n=MAX_QUERY_CHARS))
        if as_json:
            body = json.dumps({"error": message, "q": raw[:MAX_QUERY_CHARS]}, ensure_ascii=False)
            return Response(body + "\n", 400, content_type=JSON_TYPE, headers={"Vary": "Accept, Accept-Language"})
        status = 200 if reason == "empty" and not raw else 400
        doc = render_page("search.html", lang, status, keep=("q",), q=raw[:MAX_QUERY_CHARS], results=None, message=message)
        return Response(doc.body, doc.status, content_type=doc.content_type,
                        headers={"Vary": "Accept, Accept-Language"})
    results = _search().search(q, lang)
    if as_json:
        body = json.dumps({"q": q, "lang": lang, "count": len(results),
                           "results": [r.as_json() for r in results]}, ensure_ascii=False)
        return Response(body + "\n", content_type=JSON_TYPE, headers={"Vary": "Accept, Accept-Language"})
    doc = render_page("search.html", lang, keep=("q",), q=q, results=results, message=None)
    return Response(doc.body, content_type=doc.content_type, headers={"Vary": "Accept, Accept-Language"})


@bp.get("/labels.json")
def labels() -> Response:
    """Every labelled IRI with its label in one language: the query page's script shows them."""
    svc = _svc()
    lang = page_lang()

    def build() -> Document:
        by_iri = {iri: svc.site.labels.get(iri, lang) for iri in sorted(svc.site.labels.by_iri)}
        return Document.of(json.dumps({"lang": lang, "labels": by_iri}, ensure_ascii=False).encode("utf-8"),
                           JSON_TYPE)

    return send_document(svc.documents.get(("labels", lang), build), vary="Accept-Language")
