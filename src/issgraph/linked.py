"""Linked-data routes: every IRI of the graph dereferences on this host, in HTML or RDF.

Pattern (documented in the README): an IRI answers 200 with the negotiated document,
`Content-Location` naming its format-specific URL, and `Vary: Accept`; those URLs
(/page/X, /data/X.ttl, /ontology.ttl, /graph/data.nt, /dataset.jsonld, …) also work on
their own. ETag, Last-Modified, 304 and HEAD everywhere; unknown resources give 404 in
the negotiated format. Routes only pick the document; the functions below build it once.
"""
from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, request

from . import formats, i18n
from .describe import Description, describe, exists, graph_triples
from .discovery import schema_org_json
from .releases import catalogue, dataset_version
from .documents import Document
from .dumps import parse_dump_name
from .jsonld import context_document
from .views import dataset_view, ontology_view, resource_view
from .figures import figures
from .void import describe_void, statistics
from .namespaces import OWL
from .web import (choose as _choose, dump_document, dump_rows, format_links,
                  page_lang, render_page, send_document, split_extension, svc as _svc, url_path)

bp = Blueprint("linked", __name__)
DOC_OFFERS = (formats.HTML, *formats.GRAPH)
RDF_OFFERS = formats.GRAPH
EXT = {f.extension: f for f in formats.GRAPH}
PAGE_EXT = {**EXT, "html": formats.HTML}


def _not_found(iri: str, fmt: formats.Format, lang: str) -> Document:
    """The 404 document in the negotiated format (built per request: never cached, so never pollutes)."""
    if fmt is formats.HTML:
        return render_page("not_found.html", lang, 404, iri=iri)
    return _svc().documents.not_found(iri, fmt)


# Resources --------------------------------------------------------------------------------

def resource_document(name: str, fmt: formats.Format, lang: str) -> Document:
    """The document for /resource/<name> in one format (404 document when the graph says nothing)."""
    svc = _svc()
    iri = svc.site.canonical("resource/" + name)
    if not exists(svc.dataset, iri):
        return _not_found(iri, fmt, lang)

    def build() -> Document:
        desc = describe(svc.dataset, iri, known=True)
        if fmt is formats.HTML:
            return render_page("resource.html", lang, path=f"/resource/{url_path(name)}",
                               v=resource_view(svc.site, desc, lang),
                               formats=format_links(f"/data/{url_path(name)}"))
        return svc.documents.rdf(desc.triples, fmt)

    return svc.documents.get(("resource", name, fmt.name, lang if fmt is formats.HTML else ""), build)


def _send_resource(name: str, fmt: formats.Format, vary: str, location: str | None) -> Response:
    """Send the resource's document in `fmt` with the given Vary and Content-Location."""
    return send_document(resource_document(name, fmt, page_lang()), vary=vary, location=location)


@bp.get("/resource/<path:name>")
def resource(name: str) -> Response:
    """A resource IRI: the negotiated document, naming its format-specific URL in Content-Location."""
    fmt = _choose(DOC_OFFERS)
    if fmt is formats.HTML:
        return _send_resource(name, fmt, "Accept, Accept-Language", f"/page/{url_path(name)}")
    return _send_resource(name, fmt, "Accept", f"/data/{url_path(name)}.{fmt.extension}")


@bp.get("/page/<path:name>")
def page(name: str) -> Response:
    """The resource's HTML page (language from ?lang= or Accept-Language)."""
    return _send_resource(name, formats.HTML, "Accept-Language", None)


@bp.get("/data/<path:filename>")
def data(filename: str) -> Response:
    """The resource's description at its format-specific URL (/data/X.ttl, …)."""
    found = split_extension(filename, EXT) or abort(404)
    return _send_resource(found[0], found[1], "", None)


# The ontology -------------------------------------------------------------------------------

def ontology_document(fmt: formats.Format, lang: str) -> Document:
    """The ontology as its HTML reference (in `lang`) or as RDF."""
    svc = _svc()
    if fmt is formats.HTML:
        return svc.documents.get(("ontology", "html", lang), lambda: render_page(
            "ontology.html", lang, path="/ontology", o=ontology_view(svc.site, lang), formats=format_links("/ontology")))
    return svc.documents.get(("ontology", fmt.name),
                             lambda: svc.documents.rdf(sorted(svc.dataset.ontology, key=str), fmt))


def _send_ontology() -> Response:
    """The ontology in the negotiated format: its HTML reference or RDF."""
    fmt = _choose(DOC_OFFERS)
    vary = "Accept, Accept-Language" if fmt is formats.HTML else "Accept"
    return send_document(ontology_document(fmt, page_lang()), vary=vary, location=f"/ontology.{fmt.extension}")


@bp.get("/ontology")
def ontology() -> Response:
    """The ontology IRI; its terms' IRIs (…/ontology#Term) land on their #anchors here."""
    return _send_ontology()


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The owl:versionIRI of the ontology (…/ontology/0.2.0) serves the ontology of that version. An
    earlier version the ontology declares itself owl:backwardCompatibleWith (…/0.1.0: every term of
    it is still defined, none renamed) serves, as RDF, that version's own ontology from its archived
    release (releases/VERSION), and to a browser the current reference page; without an archive,
    the current ontology."""
    named = split_extension(version, EXT)           # /ontology/0.1.0.ttl: one format of it
    version, fmt = named if named is not None else (version, _choose(DOC_OFFERS))
    current = ontology_version_info()
    if version != current and version not in compatible_versions():
        abort(404)
    svc = _svc()
    triples = None
    if version != current and fmt is not formats.HTML:
        triples = archived_ontology(svc.dataset, version, svc.site.canonical("ontology/" + version))
    if triples is None:
        doc, location = ontology_document(fmt, page_lang()), f"/ontology.{fmt.extension}"
    else:
        doc = svc.documents.get(("ontology", version, fmt.name), lambda: svc.documents.rdf(triples, fmt))
        location = f"/ontology/{version}.{fmt.extension}"
    if named is not None:
        return send_document(doc, vary="")
    return send_document(doc, vary="Accept, Accept-Language" if fmt is formats.HTML else "Accept", location=location)


@lru_cache(maxsize=8)
def archived_ontology(dataset, version: str, version_iri: str) -> tuple | None:
    """The ontology graph of the archived release `version`, when it is that version's ontology
    (its owl:versionIRI is `version_iri`), sorted; None without one. Read once per process."""
    release = catalogue(dataset).get(version)
    if release is None:
        return None
    graph = dataset.config.ontology_graph
    triples = tuple(sorted((ox.Triple(q.subject, q.predicate, q.object) for q in release.quads()
                            if q.graph_name.value == graph), key=str))
    if not any(t.predicate.value == OWL + "versionIRI" and t.object.value == version_iri for t in triples):
        return None
    return triples

def compatible_versions() -> set[str]:
    """The last path segments of the versions the ontology says it is backward compatible with."""
    svc = _svc()
    iri = svc.site.canonical("ontology")
    return {t.object.value.rstrip("/").rsplit("/", 1)[-1] for t in svc.dataset.ontology
            if t.subject.value == iri and t.predicate.value == OWL + "backwardCompatibleWith"}


def ontology_version_info() -> str | None:
    """The ontology's owl:versionInfo."""
    svc = _svc()
    iri = svc.site.canonical("ontology")
    return next((t.object.value for t in svc.dataset.ontology if t.subject.value == iri
                 and t.predicate.value.endswith("#versionInfo")), None)


@bp.get("/ontology.<ext>")
def ontology_file(ext: str) -> Response:
    """The ontology at a format-specific URL (/ontology.ttl, /ontology.html, …)."""
    fmt = PAGE_EXT.get(ext) or abort(404)
    return send_document(ontology_document(fmt, page_lang()), vary="Accept-Language" if fmt is formats.HTML else "")


# Named graphs and the shapes --------------------------------------------------------------

def graph_document(name: str, fmt: formats.Format) -> Document | None:
    """One named graph in an RDF format, or None when no such graph is served."""
    svc = _svc()
    triples = graph_triples(svc.dataset, svc.site.canonical("graph/" + name))
    if triples is None:
        return None
    return svc.documents.get(("graph", name, fmt.name), lambda: svc.documents.rdf(triples, fmt))


@bp.get("/graph/<filename>")
def graph(filename: str) -> Response:
    """A named graph IRI (/graph/data) negotiated, or one format of it (/graph/data.nt)."""
    found = split_extension(filename, EXT)
    if found:
        doc = graph_document(*found) or abort(404)
        return send_document(doc, vary="")
    fmt = _choose(RDF_OFFERS)
    doc = graph_document(filename, fmt) or abort(404)
    return send_document(doc, location=f"/graph/{filename}.{fmt.extension}")


@bp.get("/shapes")
def shapes() -> Response:
    """The shapes' own IRIs (…/shapes#Labels) land on the shapes graph."""
    fmt = _choose(RDF_OFFERS)
    return send_document(graph_document("shapes", fmt), location=f"/graph/shapes.{fmt.extension}")


# The dataset and its VoID description -------------------------------------------------------

def void_document(fmt: formats.Format) -> Document:
    """The VoID description for this host (its endpoint and dump URLs are this host's)."""
    svc = _svc()
    host = request.host_url
    return svc.documents.get(("void", host, fmt.name),
                             lambda: svc.documents.rdf(describe_void(svc.dataset, host), fmt))


def dataset_page(lang: str) -> Document:
    """The dataset's HTML page: its facts, statistics, partitions, graphs and downloads."""
    svc = _svc()
    host = request.host_url

    def build() -> Document:
        desc = Description(svc.config.dataset_iri, describe_void(svc.dataset, host), [], [])
        view = dataset_view(svc.site, desc, statistics(svc.dataset), lang, host, figures(svc.dataset))
        return render_page("resource.html", lang, path="/dataset", v=view, formats=format_links("/dataset"),
                           dumps=dump_rows(), jsonld=schema_org_json(svc.dataset, host))

    return svc.documents.get(("dataset-page", host, lang), build)


# RDF first: a client that accepts anything (*/*) gets the VoID description, as it always did.
VOID_OFFERS = (*formats.GRAPH, formats.HTML)


@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID description at its well-known address, in the negotiated RDF format; a browser
    (which asks for HTML first) is sent on to the dataset's page in its language (303)."""
    fmt = _choose(VOID_OFFERS)
    if fmt is formats.HTML:
        response = redirect(i18n.with_lang("/dataset", page_lang()), 303)
        response.headers["Vary"] = "Accept, Accept-Language"
        return response
    return send_document(void_document(fmt), location=f"/void.{fmt.extension}")


@bp.get("/void.<ext>")
def void_file(ext: str) -> Response:
    """The VoID description at a format-specific URL."""
    fmt = EXT.get(ext) or abort(404)
    return send_document(void_document(fmt), vary="")


@bp.get("/dataset")
def dataset_resource() -> Response:
    """The dataset IRI: its HTML page for browsers, its VoID description for programs."""
    fmt = _choose(DOC_OFFERS)
    if fmt is formats.HTML:
        return send_document(dataset_page(page_lang()), vary="Accept, Accept-Language", location="/dataset.html")
    return send_document(void_document(fmt), location=f"/dataset.{fmt.extension}")


@bp.get("/dataset.<ext>")
def dataset_file(ext: str) -> Response:
    """The dataset at a format-specific URL (/dataset.html, /dataset.ttl, …)."""
    fmt = PAGE_EXT.get(ext) or abort(404)
    if fmt is formats.HTML:
        return send_document(dataset_page(page_lang()), vary="Accept-Language")
    return send_document(void_document(fmt), vary="")


@bp.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD @context every JSON-LD document embeds."""
    svc = _svc()
    doc = svc.documents.get(("context",), lambda: Document.of(context_document(svc.documents.context),
                                                              formats.BY_NAME["jsonld"].content_type))
    return send_document(doc, vary="")


# Dumps ------------------------------------------------------------------------------------------

def _current_version() -> str:
    """The dataset's release version (owl:versionInfo in the data)."""
    return dataset_version(_svc().dataset)


@bp.get("/dumps/")
def dumps_index() -> Response:
    """The downloads page: every dump with its media type and size."""
    svc, lang = _svc(), page_lang()
    doc = svc.documents.get(("dumps-page", lang), lambda: render_page(
        "dumps.html", lang, path="/dumps/", dumps=dump_rows(), version=svc.dataset.version,
        current_version=_current_version()))
    return send_document(doc, vary="Accept-Language")


@bp.get("/dumps/<filename>")
def dump_file(filename: str) -> Response:
    """One dump file, as an attachment, with a strong ETag and Content-Length."""
    found = parse_dump_name(filename) or abort(404)
    response = send_document(dump_document(*found), vary="", cache_seconds=86400)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
