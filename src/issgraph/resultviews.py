"""Which views of a query's answer fit it, and the data each view draws (drawn by pictures.py).

A view is chosen from the answer, never from the query's text alone: a timeline needs a column of
dates, a bar chart a label column and a number column, a graph view a CONSTRUCT/DESCRIBE answer,
and the sources view resources that name the passage they come from. Everything here works on an
answer already bounded by the query page's limits (Config.page_answer_bytes, max_rows) and draws
at most VIEW_ROWS rows or VIEW_TRIPLES triples, so a view costs a bounded time past the query.
"""
from __future__ import annotations

import re

import pyoxigraph as ox

from . import i18n
from .views import Site
from .namespaces import RDF, XSD

DATES = {XSD + "date": "day", XSD + "dateTime": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}
NUMBERS = {XSD + t for t in ("integer", "decimal", "int", "long", "short", "byte", "float", "double",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort")}
VIEWS = ("table", "timeline", "bar", "graph", "sources")
VIEW_ROWS = 100          # rows (moments, bars, resources with sources) a view draws at most
VIEW_TRIPLES = 150       # triples the graph view draws at most
VIEW_NODES = 60          # nodes the graph view draws at most
_DEFAULT_VIEW = re.compile(r"^\s*#\s*(?:default)?view\s*:\s*(\w+)", re.IGNORECASE | re.MULTILINE)

# The views' words, kept beside the views (i18n.word reads them from i18n.WORDS).
WORDS = {
    "v_views": ("View", "نما"),
    "v_table": ("Table", "جدول"),
    "v_timeline": ("Timeline", "خط زمان"),
    "v_bar": ("Bar chart", "نمودار میله‌ای"),
    "v_graph": ("Graph", "گراف"),
    "v_sources": ("Sources", "منابع"),
    "v_embed": ("Embed this view", "جاسازی این نما"),
    "v_shown": ("The view draws the first {n} of {total}.", "این نما {n} مورد نخست از {total} را نشان می‌دهد."),
    "v_shown_triples": ("The view draws {n} of the answer's {total} triples (at most {nodes} nodes).",
                        "این نما {n} سه‌تایی از {total} سه‌تایی پاسخ را نشان می‌دهد (دست‌بالا {nodes} گره)."),
    "v_timeline_desc": ("The result's dates on a time axis, each at the precision the data gives.",
                        "تاریخ‌های نتیجه روی محور زمان، هر یک با دقتی که داده می‌دهد."),
    "v_bar_desc": ("One bar per row: its label and its number.", "یک میله برای هر ردیف: برچسب و عدد آن."),
    "v_graph_desc": ("The answer's resources as nodes, its triples as labelled edges.",
                     "منابع پاسخ به شکل گره‌ها و سه‌تایی‌های آن به شکل یال‌های برچسب‌دار."),
    "v_sources_desc": ("For each resource of the result: the passage of the source text that states it, and its words.",
                       "برای هر منبع نتیجه: بند متن مرجعی که آن را بیان می‌کند، و عین واژه‌هایش."),
    "v_no_sources": ("No resource of the shown rows names its source.", "هیچ منبعی در ردیف‌های نشان‌داده‌شده مرجع خود را نام نمی‌برد."),
    "v_unfit": ("This view does not fit this result.", "این نما با این نتیجه جور نیست."),
    "q_page": ("Page {page} of {pages}", "صفحهٔ {page} از {pages}"),
    "q_prev": ("Previous", "قبلی"),
    "q_next": ("Next", "بعدی"),
    "q_rows_range": ("rows {first}–{last}", "ردیف‌های {first} تا {last}"),
    "q_filter": ("Filter the shown rows", "پالایش ردیف‌های نمایش‌داده‌شده"),
}
i18n.WORDS.update({k: v for k, v in WORDS.items() if k not in i18n.WORDS})


def default_view(query: str) -> str | None:
    """A view the query asks for in a comment, as the Wikidata Query Service reads them
    (`#defaultView:Timeline`, or `#view:bar`); None when it names none."""
    m = _DEFAULT_VIEW.search(query)
    if not m:
        return None
    name = m.group(1).lower()
    return {"barchart": "bar", "bubblechart": "bar", "linechart": "bar", "table": "table", "timeline": "timeline",
            "bar": "bar", "graph": "graph", "sources": "sources"}.get(name)


def _literal(term: dict | None) -> bool:
    return bool(term) and term.get("type") in ("literal", "typed-literal")


def date_column(columns: list[str], bindings: list[dict]) -> str | None:
    """The first column whose bound values are all date-typed literals (and at least one is)."""
    for c in columns:
        values = [b[c] for b in bindings if c in b]
        if values and all(_literal(v) and v.get("datatype") in DATES for v in values):
            return c
    return None


def number_column(columns: list[str], bindings: list[dict]) -> str | None:
    for c in columns:
        values = [b[c] for b in bindings if c in b]
        if values and all(_literal(v) and v.get("datatype") in NUMBERS for v in values):
            return c
    return None


def label_column(columns: list[str], bindings: list[dict], skip: tuple[str | None, ...] = ()) -> str | None:
    """The first column of IRIs or plain (or language-tagged) strings, other than `skip`."""
    for c in columns:
        if c in skip:
            continue
        values = [b[c] for b in bindings if c in b]
        if values and all(v.get("type") == "uri" or (_literal(v) and v.get("datatype") in (None, XSD + "string", RDF + "langString"))
                          for v in values):
            return c
    return None


def iris_of(bindings: list[dict], columns: list[str]) -> list[str]:
    """The distinct IRIs of the rows, in order of first appearance."""
    seen: dict[str, None] = {}
    for b in bindings:
        for c in columns:
            t = b.get(c)
            if t and t.get("type") == "uri":
                seen.setdefault(t["value"], None)
    return list(seen)


def text_of(site: Site, term: dict | None, lang: str) -> str:
    """A term as a view names it: an IRI by its label in the page's language, else its short name."""
    if not term:
        return ""
    if term.get("type") == "uri":
        return site.labels.get(term["value"], lang) or site.short(term["value"])
    if term.get("type") == "bnode":
        return "_:" + term.get("value", "")
    return term.get("value", "")


def sources_of(site: Site, iri: str) -> list[tuple[str, str | None]]:
    """(passage IRI, quote) pairs stating something about `iri`: its own iss:statedIn / iss:quote, and
    those of rdf:Statement nodes about it (per-statement provenance), computed from the graph."""
    iss = site.base + "ontology#"
    ds = site.dataset
    node = ox.NamedNode(iri)
    stated, quote = ox.NamedNode(iss + "statedIn"), ox.NamedNode(iss + "quote")
    found: list[tuple[str, str | None]] = []

    def collect(subject) -> None:
        passages = sorted(t.object.value for t in ds.match(subject, stated) if isinstance(t.object, ox.NamedNode))
        quotes = sorted(t.object.value for t in ds.match(subject, quote) if isinstance(t.object, ox.Literal))
        for i, p in enumerate(passages):
            found.append((p, quotes[i] if i < len(quotes) else (quotes[0] if quotes else None)))

    collect(node)
    for t in ds.match(None, ox.NamedNode(RDF + "subject"), node)[:VIEW_ROWS]:
        collect(t.subject)
    return list(dict.fromkeys(found))


def passage_text(site: Site, passage: str, lang: str) -> str | None:
    """A passage's own words (Persian) or its translation (English), from the graph."""
    iss = site.base + "ontology#"
    prop = iss + ("verbatimText" if lang == "fa" else "translation")
    for t in site.dataset.match(ox.NamedNode(passage), ox.NamedNode(prop)):
        if isinstance(t.object, ox.Literal):
            return t.object.value
    return None


def graph_triples(turtle: str) -> list[ox.Triple]:
    """The first VIEW_TRIPLES triples of a CONSTRUCT/DESCRIBE answer (already bounded in bytes)."""
    out: list[ox.Triple] = []
    for q in ox.parse(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE):
        out.append(q.triple if hasattr(q, "triple") else q)
        if len(out) >= VIEW_TRIPLES:
            break
    return out


def node_key(term) -> tuple[str, str]:
    """A graph view node's identity: its kind and its term (a literal and an IRI that print alike differ)."""
    return type(term).__name__, str(term)


def graph_drawn(triples: list) -> tuple[dict, list]:
    """What the graph view draws of these triples: at most VIEW_NODES nodes (keyed by kind and
    term, in order of appearance) and the triples between them, its edges. The page says how many
    of the answer's triples that is (a caption), so a cut picture is never taken for the whole."""
    nodes: dict = {}
    edges = []
    for t in triples:
        for term in (t.subject, t.object):
            if node_key(term) not in nodes and len(nodes) < VIEW_NODES:
                nodes[node_key(term)] = term
        if node_key(t.subject) in nodes and node_key(t.object) in nodes:
            edges.append(t)
    return nodes, edges


def fitting(kind: str, columns: list[str], bindings: list[dict], site: Site | None = None) -> list[str]:
    """The views that fit an answer, the table (or the graph view) first."""
    if kind == "graph":
        return ["graph"]
    if kind != "select":
        return []
    found = ["table"]
    if date_column(columns, bindings):
        found.append("timeline")
    num = number_column(columns, bindings)
    if num and label_column(columns, bindings, (num,)):
        found.append("bar")
    if site is not None and any(sources_of(site, i) for i in iris_of(bindings[:VIEW_ROWS], columns)[:VIEW_ROWS]):
        found.append("sources")
    return found


def choose(asked: str | None, query: str, fits: list[str]) -> str | None:
    """The view to show: the one asked for (if it fits), else the query's #defaultView, else the first."""
    for name in (asked, default_view(query)):
        if name in fits:
            return name
    return fits[0] if fits else None
