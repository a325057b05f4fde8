"""Routes of the dataset as a publication: releases and their dumps, changes, licence, robots, sitemap.

Routes only pick what to send; releases.py, changes.py, dcat.py and discovery.py do the work.
`/dumps/VERSION/…` serves every archived version for good (and the current one), `/releases`
lists them with their canonical hashes, `/changes/OLD/NEW` is the changelog between two
consecutive releases (HTML or RDF), `/license` states the licences and how to cite.
"""
from __future__ import annotations

import datetime as dt
import json

import jdatetime
from flask import Blueprint, Response, abort, request

from . import formats, i18n, operations
from .changes import changeset_triples, diff, side_of_release
from .dcat import citation
from .discovery import robots_txt, sitemap_xml
from .documents import Document
from .dumps import DUMP_FORMATS, dump_bytes, dump_content_type, dump_name, parse_dump_name
from .web import (choose as _choose, dump_document, format_links, page_lang, render_page, send_document,
                  svc as _svc)
from .namespaces import XSD, prefixes_for
from .statements import CONTENT_TYPE as STATEMENTS_TYPE, FILE_NAME as STATEMENTS_FILE, statements_turtle
from .releases import (CANONICAL_FILE, MANIFEST, Release, canonical_name, catalogue, dataset_facts,
                       release_dataset)

bp = Blueprint("published", __name__)
CODE_LICENSE = "MIT"
NQUADS = "application/n-quads"
GZIP = "application/gzip"
JSON_TYPE = "application/json; charset=utf-8"
XSD_DATE = XSD + "date"

# The words of these pages, in English and Persian.
WORDS = {
    "releases": ("Releases", "نسخه‌های منتشرشده"),
    "releases_intro": ("Each version of the graph stays downloadable at /dumps/VERSION/, with the SHA-256 of its "
                       "canonical form (RDF Dataset Canonicalization, RDFC-1.0): whoever holds the same graph, in "
                       "whatever serialisation, gets the same hash.",
                       "هر نسخهٔ گراف در ‎/dumps/VERSION/‎ همیشه در دسترس می‌ماند، همراه با چکیدهٔ SHA-256 صورت "
                       "متعارف آن (RDFC-1.0): هر کس همین گراف را داشته باشد، با هر قالبی، همین چکیده را می‌گیرد."),
    "releases_check": ("Check a copy, or see what changed, with the command line:",
                       "برای وارسی یک نسخه یا دیدن تغییرها از خط فرمان:"),
    "date": ("Date", "تاریخ"),
    "quads": ("Quads", "چهارتایی‌ها"),
    "canonical_hash": ("Canonical hash", "چکیدهٔ متعارف"),
    "algorithm": ("RDFC-1.0, SHA-256", "RDFC-1.0، SHA-256"),
    "changes": ("Changes", "تغییرها"),
    "current": ("current", "کنونی"),
    "changes_intro": ("Computed from the two canonical graphs, not written by hand:",
                      "از مقایسهٔ دو گراف متعارف به دست آمده است، نه با دست:"),
    "added": ("added", "افزوده"),
    "removed": ("removed", "حذف‌شده"),
    "license_cite": ("Licence and citation", "پروانه و شیوهٔ ارجاع"),
    "data_license": ("The data", "داده‌ها"),
    "data_license_text": ("The graph (data, ontology and shapes) is published under the Creative Commons "
                          "Attribution-ShareAlike 4.0 licence:",
                          "گراف (داده‌ها، هستی‌شناسی و شکل‌ها) با پروانهٔ بین‌المللی نسبت دادن-اشتراک همسان ۴٫۰ "
                          "کریتیو کامنز منتشر می‌شود:"),
    "code_license": ("The software", "نرم‌افزار"),
    "code_license_text": ("The issgraph software is under the MIT licence (the LICENSE file of its repository).",
                          "نرم‌افزار issgraph با پروانهٔ MIT است (پروندهٔ LICENSE در مخزن آن)."),
    "cite": ("How to cite", "شیوهٔ ارجاع"),
    "cite_text": ("Cite the version you used:", "به نسخه‌ای که به کار برده‌اید ارجاع دهید:"),
    "cite_cff": ("The repository's CITATION.cff says the same for citation tools; each version's canonical hash "
                 "is on the releases page.",
                 "پروندهٔ CITATION.cff مخزن همین را برای ابزارهای ارجاع می‌گوید؛ چکیدهٔ متعارف هر نسخه در صفحهٔ "
                 "نسخه‌ها آمده است."),
}


def t_for(lang: str):
    """The word-lookup function of these pages' templates."""
    return lambda key: WORDS[key][1 if lang == "fa" else 0]


def day_for(lang: str):
    """A release date (xsd:date lexical form) in both calendars, as the page's language writes them."""
    def day(value: str | None) -> str:
        if not value:
            return ""
        try:
            solar = jdatetime.date.fromgregorian(date=dt.date.fromisoformat(value[:10])).isoformat()
        except ValueError:
            return value
        return f"{i18n.gregorian(value, XSD_DATE, lang)} ({i18n.solar_hijri(solar, lang)})"
    return day


def _page(template: str, lang: str, **ctx) -> Document:
    return render_page(template, lang, t=t_for(lang), day=day_for(lang), **ctx)


def _text(body: str, content_type: str) -> Document:
    return Document.of(body.encode("utf-8"), content_type)


# --- robots and sitemap ----------------------------------------------------------------------

@bp.get("/robots.txt")
def robots() -> Response:
    host = request.host_url
    doc = _svc().documents.get(("robots", host), lambda: _text(robots_txt(host), "text/plain; charset=utf-8"))
    return send_document(doc, vary="")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    svc, host = _svc(), request.host_url
    doc = svc.documents.get(("sitemap", host), lambda: _text(sitemap_xml(svc.dataset, host),
                                                             "application/xml; charset=utf-8"))
    return send_document(doc, vary="")


# --- licence and citation --------------------------------------------------------------------

@bp.get("/license")
def license_page() -> Response:
    svc, lang = _svc(), page_lang()
    doc = svc.documents.get(("license", lang), lambda: _page(
        "license.html", lang, data_license=dataset_facts(svc.dataset).get("license"),
        citation=citation(svc.dataset), code_license=CODE_LICENSE))
    return send_document(doc, vary="Accept-Language")


# --- releases --------------------------------------------------------------------------------

def _release_or_404(version: str) -> Release:
    return catalogue(_svc().dataset).get(version) or abort(404)


@bp.get("/releases")
def releases_page() -> Response:
    svc, lang = _svc(), page_lang()
    cat = catalogue(svc.dataset)

    def build() -> Document:
        rows = [{"version": r.version, "modified": r.modified, "quads": r.quad_count, "hash": r.hash,
                 "current": r.version == cat.current.version, "previous": cat.previous(r.version)}
                for r in reversed(cat.all())]
        return _page("releases.html", lang, releases=rows)

    return send_document(svc.documents.get(("releases", lang), build), vary="Accept-Language")


def _release_files(release: Release) -> list[dict]:
    files = [{"name": CANONICAL_FILE, "media_type": NQUADS}, {"name": canonical_name(release.version), "media_type": GZIP},
             {"name": MANIFEST, "media_type": "application/json"}]
    return files + [{"name": dump_name(f, gz), "media_type": dump_content_type(f, gz).split(";")[0]}
                    for f in DUMP_FORMATS for gz in (False, True)]


@bp.get("/dumps/<version>/")
def release_index(version: str) -> Response:
    svc, lang = _svc(), page_lang()
    release = _release_or_404(version)
    doc = svc.documents.get(("release-page", version, lang), lambda: _page(
        "release.html", lang, r=release, files=_release_files(release)))
    return send_document(doc, vary="Accept-Language")


def release_file(release: Release, filename: str) -> Document | None:
    """One file of a release: its canonical N-Quads (plain or gzip), manifest, or a dump regenerated from it."""
    svc = _svc()
    current = release.version == catalogue(svc.dataset).current.version
    key = ("release-file", release.version, filename)
    if filename == CANONICAL_FILE:
        return svc.documents.get(key, lambda: Document.of(release.canonical, NQUADS))
    if filename == canonical_name(release.version):
        return svc.documents.get(key, lambda: Document.of(release.compressed, GZIP))
    if filename == MANIFEST:
        return svc.documents.get(key, lambda: _text(json.dumps(release.manifest(), indent=2, ensure_ascii=False) + "\n",
                                                    JSON_TYPE))
    found = parse_dump_name(filename)
    if found is None:
        return None
    if current:
        return dump_document(*found)
    fmt, gz = found
    return svc.documents.get(key, lambda: Document.of(
        dump_bytes(release_dataset(release, svc.config), fmt, gz, prefixes_for(svc.config.base_iri)),
        dump_content_type(fmt, gz)))


def _send_file(doc: Document | None, filename: str) -> Response:
    response = send_document(doc or abort(404), vary="", cache_seconds=86400)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/dumps/<version>/<filename>")
def release_download(version: str, filename: str) -> Response:
    return _send_file(release_file(_release_or_404(version), filename), filename)


@bp.get("/dumps/" + CANONICAL_FILE)
def canonical_dump() -> Response:
    return _send_file(release_file(catalogue(_svc().dataset).current, CANONICAL_FILE), CANONICAL_FILE)


@bp.get("/dumps/" + CANONICAL_FILE + ".gz")
def canonical_dump_gz() -> Response:
    current = catalogue(_svc().dataset).current
    return _send_file(release_file(current, canonical_name(current.version)), CANONICAL_FILE + ".gz")


@bp.get("/dumps/" + STATEMENTS_FILE)
def statements_dump() -> Response:
    """The per-statement provenance in RDF 1.2 (triple terms): an extra serialisation (statements.py)."""
    svc = _svc()
    doc = svc.documents.get(("statements-rdf12",), lambda: Document.of(
        statements_turtle(svc.dataset, svc.prefixes), STATEMENTS_TYPE))
    return send_document(doc, vary="")


# --- changes between consecutive releases ----------------------------------------------------

@bp.get("/changes/<old>/<new>")
def changes(old: str, new: str) -> Response:
    svc = _svc()
    cat = catalogue(svc.dataset)
    if new not in cat.versions() or cat.previous(new) != old:
        abort(404)
    fmt = _choose((formats.HTML, *formats.GRAPH))
    iri = svc.site.canonical(f"changes/{old}/{new}")
    lang = page_lang()

    def build() -> Document:
        d = diff(side_of_release(cat.get(old)), side_of_release(cat.get(new)))
        if fmt is formats.HTML:
            return _page("changes.html", lang, old=old, new=new,
                         added=[line.decode("utf-8").rstrip() for line in d.added],
                         removed=[line.decode("utf-8").rstrip() for line in d.removed],
                         formats=[{**f, "href": f"/changes/{old}/{new}?format={f['href'].rsplit('.', 1)[1]}"}
                                  for f in format_links("x")])
        return svc.documents.rdf(changeset_triples(d, iri, svc.config.dataset_iri), fmt)

    key = ("changes", old, new, fmt.name, lang if fmt is formats.HTML else "")
    vary = "Accept, Accept-Language" if fmt is formats.HTML else "Accept"
    return send_document(svc.documents.get(key, build), vary=vary)


# --- operations ------------------------------------------------------------------------------

def _plain(answer: tuple[int, list, bytes]) -> Response:
    status, headers, body = answer
    return Response(body, status, headers=headers)


@bp.get("/health")
def health() -> Response:
    """Liveness: the process answers (JSON, never cached)."""
    return _plain(operations.health())


@bp.get("/ready")
def ready() -> Response:
    """Readiness: the store is open and a query answers; 503 when not (JSON, never cached)."""
    return _plain(operations.readiness(_svc()))


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics, added up over every worker process."""
    body, content_type = _svc().metrics.exposition()
    return Response(body, 200, content_type=content_type, headers={"Cache-Control": "no-store"})

