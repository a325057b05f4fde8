"""Linked-data routes: every IRI of the graph dereferences on this host, in HTML or RDF.

Pattern (documented in the README): a resource IRI answers 200 with the negotiated
document, `Content-Location` naming its format-specific URL, and `Vary: Accept`; those
URLs (/page/X, /data/X.ttl, …) also work on their own. ETag, Last-Modified, 304 and HEAD
everywhere; unknown resources give 404 in the negotiated format.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from . import formats
from .describe import describe, graph_triples
from .documents import Document
from .dumps import DUMP_FORMATS, dump_bytes, dump_name
from .formats import BY_NAME, NotAcceptable, UnknownFormat, negotiate
from .i18n import LANGS, word
from .views import resource_view
from .void import describe_void

bp = Blueprint("linked", __name__)
DOC_OFFERS = (formats.HTML, *formats.GRAPH)
RDF_OFFERS = formats.GRAPH
EXT = {f.extension: f for f in formats.GRAPH}


def _svc():
    from .app import services

    return services(current_app)


def page_lang() -> str:
    """?lang= wins, then Accept-Language, then English."""
    lang = request.args.get("lang")
    if lang in LANGS:
        return lang
    return request.accept_languages.best_match(LANGS, default="en")


def send_document(doc: Document, vary: str = "Accept", location: str | None = None,
                  cache_seconds: int = 3600) -> Response:
    status = doc.status
    response = Response(doc.body, status, content_type=doc.content_type)
    response.set_etag(doc.etag)
    response.last_modified = _svc().dataset.modified
    response.headers["Cache-Control"] = f"public, max-age={cache_seconds}"
    if vary:
        response.headers["Vary"] = vary
    if location:
        response.headers["Content-Location"] = location
    if status == 200:
        response.make_conditional(request)
    return response


def _choose(offers) -> formats.Format:
    try:
        return negotiate(request.headers.get("Accept"), offers, request.args.get("format"))
    except NotAcceptable as err:
        abort(Response(str(err) + "\n", 406, content_type="text/plain; charset=utf-8", headers={"Vary": "Accept"}))
    except UnknownFormat as err:
        abort(Response(str(err) + "\n", 400, content_type="text/plain; charset=utf-8"))


def _format_links(name: str) -> list[dict]:
    return [{"href": f"/data/{name}.{f.extension}", "media_type": f.media_type,
             "label": {"turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF/XML"}[f.name]}
            for f in formats.GRAPH]


def _html(template: str, lang: str, status: int = 200, **ctx) -> Document:
    body = render_template(template, lang=lang, w=lambda k: word(k, lang), **ctx)
    return Document.of(body.encode("utf-8"), formats.HTML.content_type, status)


def resource_document(name: str, fmt: formats.Format, lang: str) -> Document:
    """The document for /resource/<name> in one format (404 document when unknown)."""
    svc = _svc()
    iri = svc.site.canonical("resource/" + name)

    def build() -> Document:
        desc = describe(svc.dataset, iri)
        if desc is None:
            if fmt is formats.HTML:
                return _html("not_found.html", lang, 404, iri=iri)
            return svc.documents.rdf([], fmt, 404)
        if fmt is formats.HTML:
            view = resource_view(svc.site, desc, lang)
            return _html("resource.html", lang, v=view, formats=_format_links(name))
        return svc.documents.rdf(desc.triples, fmt)

    return svc.documents.get(("resource", name, fmt.name, lang if fmt is formats.HTML else ""), build)


def _send_resource(name: str, fmt: formats.Format, location: str | None) -> Response:
    lang = page_lang()
    doc = resource_document(name, fmt, lang)
    return send_document(doc, vary="Accept, Accept-Language" if fmt is formats.HTML else "Accept",
                         location=location)


@bp.get("/resource/<path:name>")
def resource(name: str) -> Response:
    fmt = _choose(DOC_OFFERS)
    location = f"/page/{name}" if fmt is formats.HTML else f"/data/{name}.{fmt.extension}"
    return _send_resource(name, fmt, location)


@bp.get("/page/<path:name>")
def page(name: str) -> Response:
    return _send_resource(name, formats.HTML, None)


@bp.get("/data/<path:name>.<ext>")
def data(name: str, ext: str) -> Response:
    fmt = EXT.get(ext)
    if fmt is None:
        abort(404)
    return _send_resource(name, fmt, None)


@bp.get("/ontology")
def ontology() -> Response:
    svc = _svc()
    fmt = _choose(DOC_OFFERS)
    lang = page_lang()
    if fmt is formats.HTML:
        from .views import ontology_view

        doc = svc.documents.get(("ontology", "html", lang),
                                lambda: _html("ontology.html", lang, o=ontology_view(svc.site, lang)))
        return send_document(doc, vary="Accept, Accept-Language")
    doc = svc.documents.get(("ontology", fmt.name),
                            lambda: svc.documents.rdf(sorted(svc.dataset.ontology, key=str), fmt))
    return send_document(doc, location=f"/ontology.{fmt.extension}")


@bp.get("/ontology.<ext>")
def ontology_file(ext: str) -> Response:
    svc = _svc()
    fmt = EXT.get(ext) or abort(404)
    doc = svc.documents.get(("ontology", fmt.name),
                            lambda: svc.documents.rdf(sorted(svc.dataset.ontology, key=str), fmt))
    return send_document(doc, vary="")


@bp.get("/graph/<name>")
def graph(name: str) -> Response:
    svc = _svc()
    fmt = _choose(RDF_OFFERS)
    triples = graph_triples(svc.dataset, svc.site.canonical("graph/" + name))
    if triples is None:
        abort(404)
    doc = svc.documents.get(("graph", name, fmt.name), lambda: svc.documents.rdf(triples, fmt))
    return send_document(doc)


def _void_document(fmt: formats.Format) -> Document:
    svc = _svc()
    host = request.host_url
    return svc.documents.get(("void", host, fmt.name),
                             lambda: svc.documents.rdf(describe_void(svc.dataset, host), fmt))


@bp.get("/.well-known/void")
def void() -> Response:
    fmt = _choose(RDF_OFFERS)
    return send_document(_void_document(fmt), location=f"/void.{fmt.extension}")


@bp.get("/void.<ext>")
def void_file(ext: str) -> Response:
    fmt = EXT.get(ext) or abort(404)
    return send_document(_void_document(fmt), vary="")


@bp.get("/dataset")
def dataset_resource() -> Response:
    fmt = _choose(DOC_OFFERS)
    if fmt is formats.HTML:
        return _send_dataset_page()
    return send_document(_void_document(fmt), location=f"/void.{fmt.extension}")


def _send_dataset_page() -> Response:
    svc = _svc()
    lang = page_lang()
    from .describe import Description

    def build() -> Document:
        host = request.host_url
        triples = describe_void(svc.dataset, host)
        desc = Description(svc.config.dataset_iri, triples, [], [])
        return _html("resource.html", lang, v=resource_view(svc.site, desc, lang),
                     formats=[{"href": f"/void.{f.extension}", "media_type": f.media_type, "label": f.name}
                              for f in formats.GRAPH])

    doc = svc.documents.get(("dataset-page", request.host_url, lang), build)
    return send_document(doc, vary="Accept, Accept-Language")


@bp.get("/context.jsonld")
def context() -> Response:
    from .jsonld import context_document

    svc = _svc()
    doc = svc.documents.get(("context",), lambda: Document.of(context_document(svc.documents.context),
                                                              "application/ld+json; charset=utf-8"))
    return send_document(doc, vary="")


@bp.get("/dumps/")
def dumps_index() -> Response:
    svc = _svc()
    lang = page_lang()

    def build() -> Document:
        rows = []
        for fmt in DUMP_FORMATS:
            for gz in (False, True):
                body = _dump(fmt, gz)
                rows.append({"name": dump_name(fmt, gz), "media_type": fmt.media_type,
                             "size": len(body.body), "gzip": gz})
        return _html("dumps.html", lang, dumps=rows, version=svc.dataset.version)

    return send_document(svc.documents.get(("dumps-page", lang), build), vary="Accept-Language")


def _dump(fmt: formats.Format, gz: bool) -> Document:
    svc = _svc()
    ctype = "application/gzip" if gz else fmt.content_type
    return svc.documents.get(("dump", fmt.name, gz), lambda: Document.of(
        dump_bytes(svc.dataset, fmt, gz, svc.prefixes), ctype))


@bp.get("/dumps/<filename>")
def dump_file(filename: str) -> Response:
    gz = filename.endswith(".gz")
    stem = filename[:-3] if gz else filename
    prefix, _, ext = stem.partition(".")
    fmt = next((f for f in DUMP_FORMATS if f.extension == ext), None)
    if prefix != "issgraph" or fmt is None:
        abort(404)
    response = send_document(_dump(fmt, gz), vary="")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
