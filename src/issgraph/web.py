"""What the blueprints share: the request's services, its language, negotiation, page rendering
and the sending of documents with their validators. Imported by the blueprints, never the reverse."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Response, abort, current_app, render_template, request

from . import formats, i18n
from .documents import Document
from .dumps import DUMP_FORMATS, dump_bytes, dump_content_type, dump_name
from .fastpath import mark_cacheable
from .formats import NotAcceptable, UnknownFormat, negotiate
from .i18n import LANGS, word
from .services import Services, services

def svc() -> Services:
    """The app's services (dataset, site, documents) for this request."""
    return services(current_app)


def page_lang() -> str:
    """?lang= wins, then Accept-Language, then English."""
    lang = request.args.get("lang")
    if lang in LANGS:
        return lang
    return request.accept_languages.best_match(LANGS, default="en")


def send_document(doc: Document, vary: str = "Accept", location: str | None = None,
                  cache_seconds: int = 3600) -> Response:
    """The document with its validators (strong ETag, Last-Modified); 304 when the client's copy is current."""
    response = Response(doc.body, doc.status, content_type=doc.content_type)
    response.set_etag(doc.etag)
    response.last_modified = svc().dataset.modified
    response.headers["Cache-Control"] = f"public, max-age={cache_seconds if doc.status == 200 else 60}"
    if vary:
        response.headers["Vary"] = vary
    if location:
        response.headers["Content-Location"] = location
    if doc.status == 200:
        response.make_conditional(request)
    return mark_cacheable(response)


def choose(offers) -> formats.Format:
    """The negotiated format, or a 406 / 400 answer listing what is offered."""
    try:
        return negotiate(request.headers.get("Accept"), offers, request.args.get("format"))
    except NotAcceptable as err:
        abort(Response(str(err) + "\n", 406, content_type="text/plain; charset=utf-8", headers={"Vary": "Accept"}))
    except UnknownFormat as err:
        abort(Response(str(err) + "\n", 400, content_type="text/plain; charset=utf-8"))


def split_extension(filename: str, known: dict) -> tuple[str, formats.Format] | None:
    """('Passage_P2.1', turtle) for 'Passage_P2.1.ttl': the extension is what follows the last dot."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem or ext not in known:
        return None
    return stem, known[ext]


def url_path(name: str) -> str:
    """A resource name as it goes into a URL path: percent-encoded, its slashes and sub-delimiters kept."""
    return quote(name, safe="/:@!$&'()*+,;=-._~")


def format_links(prefix: str) -> list[dict]:
    """Links to a document's RDF formats: '/data/X' -> /data/X.ttl, /data/X.nt, …"""
    return [{"href": f"{prefix}.{f.extension}", "media_type": f.media_type, "label": f.label}
            for f in formats.GRAPH]


def alternates(path: str, keep: tuple[str, ...] = ()) -> dict[str, str]:
    """The page at `path` in each language, and with no language (x-default: the reader's browser
    decides), for hreflang links; `keep` names the request arguments the page depends on."""
    args = [(k, request.args[k]) for k in keep if request.args.get(k)]
    out = {}
    for lang in (*LANGS, "x-default"):
        query = urlencode(args + ([("lang", lang)] if lang in LANGS else []))
        out[lang] = path + ("?" + query if query else "")
    return out


def render_page(template: str, lang: str, status: int = 200, path: str | None = None,
                keep: tuple[str, ...] = (), **ctx) -> Document:
    """An HTML page in `lang` with the UI's words, number writer and language-keeping links at hand.

    `path` is the page's own address (for its hreflang alternates; default: the request's path);
    cached pages pass their canonical one, so /page/X and /resource/X share one document.
    """
    body = render_template(template, lang=lang, other_lang="en" if lang == "fa" else "fa",
                           w=lambda k: word(k, lang), num=lambda n: i18n.number(str(n), lang),
                           counted=lambda k, n: i18n.counted(k, n, lang), L=lambda href: i18n.with_lang(href, lang),
                           join=lambda items: i18n.join(list(items), lang),
                           language_name=lambda code: i18n.language_name(code, lang),
                           alternates=alternates(path or request.path, keep), **ctx)
    return Document.of(body.encode("utf-8"), formats.HTML.content_type, status)


# Dumps shared by the downloads pages of linked and published

def dump_document(fmt: formats.Format, compressed: bool) -> Document:
    """One whole-dataset dump, byte for byte what `issgraph dump` writes."""
    here = svc()
    return here.documents.get(("dump", fmt.name, compressed), lambda: Document.of(
        dump_bytes(here.dataset, fmt, compressed, here.prefixes), dump_content_type(fmt, compressed)))


def dump_rows() -> list[dict]:
    """Every dump file with its media type and size, for the downloads tables."""
    return [{"name": dump_name(fmt, gz), "media_type": dump_content_type(fmt, gz).split(";")[0],
             "size": len(dump_document(fmt, gz).body), "gzip": gz, "format": fmt.name}
            for fmt in DUMP_FORMATS for gz in (False, True)]
