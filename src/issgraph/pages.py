"""Pages for people: the home page, the query page, search, and the home page's pictures.

Routes only read the request and pick what to send; the work is in home.py, querypage.py,
search.py, pictures.py and examples.py. Every user-supplied query goes through the query
service's one guarded path (`QueryService.answer`), as the endpoint's do.
"""
from __future__ import annotations

import json
import threading

from flask import Blueprint, Response, abort, current_app, request
from markupsafe import Markup

from . import examples, home, pictures, querypage
from .documents import Document
from .i18n import word
from .linked import page_lang, render_page, send_document
from .search import MAX_QUERY_CHARS, BadQuery, Search, check_query

bp = Blueprint("pages", __name__)
SVG_TYPE = "image/svg+xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
PICTURES = {"timeline": pictures.TIMELINE_QUERY, "module-shares": pictures.CHART_QUERY}
_lock = threading.Lock()


def _svc():
    from .app import services

    return services(current_app)


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
        size = home.size(svc.queries, svc.config)
        found = _examples()
        return render_page(
            "home.html", lang,
            size=size, number=lambda n: home.number(n, lang),
            intro=home.description(svc.dataset, lang),
            groups=home.start_points(svc.dataset, svc.site, lang),
            questions=[e for e in found if e.is_question],
            timeline=Markup(_picture("timeline", lang).body.decode("utf-8")),
            chart=Markup(_picture("module-shares", lang).body.decode("utf-8")),
            pictures=PICTURES)

    return send_document(svc.documents.get(("home", lang), build), vary="Accept-Language")


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
    if slug is not None and text is None:
        chosen = examples.find(svc.config.queries_path, slug)
        if chosen is None:
            abort(404, f"there is no example query named {slug!r}")
        text = chosen.text
    outcome = None
    if text is not None and text.strip():
        outcome = querypage.run(svc.queries, svc.site, text, lang, request.remote_addr or "-",
                                request.environ.get("issgraph.request_id", "-"), request.environ.get("issgraph.arrived"))
    if text is None or not text.strip():
        text = querypage.default_query(svc.prefixes)
    status = outcome.status if outcome is not None and outcome.kind == "error" else 200
    doc = render_page("query.html", lang, status, query=text, outcome=outcome, examples=_examples(),
                chosen=chosen, line_count=max(text.count("\n") + 1, 1),
                number=lambda n: home.number(n, lang), number_ms=lambda ms: home.number_ms(ms, lang),
                base=svc.site.base, prefixes=svc.prefixes)
    response = Response(doc.body, doc.status, content_type=doc.content_type)
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "no-cache"
    return response


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
        q = check_query(raw)
    except BadQuery as err:
        reason = str(err)
        message = (word("s_empty", lang) if reason == "empty"
                   else word("s_too_long", lang).format(n=MAX_QUERY_CHARS))
        if as_json:
            body = json.dumps({"error": message, "q": raw[:MAX_QUERY_CHARS]}, ensure_ascii=False)
            return Response(body + "\n", 400, content_type=JSON_TYPE, headers={"Vary": "Accept, Accept-Language"})
        status = 200 if reason == "empty" and not raw else 400
        doc = render_page("search.html", lang, status, q=raw[:MAX_QUERY_CHARS], results=None, message=message)
        return Response(doc.body, doc.status, content_type=doc.content_type,
                        headers={"Vary": "Accept, Accept-Language"})
    results = _search().search(q, lang)
    if as_json:
        body = json.dumps({"q": q, "lang": lang, "count": len(results),
                           "results": [r.as_json() for r in results]}, ensure_ascii=False)
        return Response(body + "\n", content_type=JSON_TYPE, headers={"Vary": "Accept, Accept-Language"})
    doc = render_page("search.html", lang, q=q, results=results, message=None)
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
