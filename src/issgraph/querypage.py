"""The query page's logic, without Flask: run a query through the guarded path, shape what it says.

`run` sends the text through `QueryService.answer` (the one path to the engine, with every
limit) and turns the reply into an `Outcome` the template shows: a table whose IRIs link to
their pages under their labels, a yes/no, highlighted Turtle, or an error with its place.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup, escape

from . import completion, formats, i18n, pictures, resultviews
from .messages import Explained, explain
from .protocol import ProtocolQuery
from .search import page_href
from .sparql import QueryService
from .views import Site
from .namespaces import XSD

# SELECT/ASK answer in SPARQL JSON, CONSTRUCT/DESCRIBE in Turtle: both asked for at once.
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


@dataclass
class Cell:
    kind: str                       # "iri", "literal", "bnode", "triple" or "unbound"
    text: str = ""
    href: str | None = None
    iri: str | None = None
    label: str | None = None        # the IRI's label in the page's language, when it has one
    lang: str | None = None
    datatype: str | None = None     # shortened (xsd:date), None for plain strings
    raw: str | None = None          # a literal's lexical form, when the text shows it otherwise


@dataclass
class ErrorPlace:
    line: int
    column: int
    text: str                       # the query's line at the error
    before: str                     # the part of that line before the column
    at: str                         # the character at the column ('' at the end of the line)
    after: str


@dataclass
class Outcome:
    query: str
    kind: str                       # "select", "ask", "graph" or "error"
    status: int = 200
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    boolean: bool | None = None
    turtle: str = ""
    count: int | None = None
    truncated: bool = False
    elapsed_ms: float = 0.0
    error: str | None = None
    place: ErrorPlace | None = None
    downloads: list[dict] = field(default_factory=list)
    lang: str = "en"
    page: int = 1                   # the page of rows shown (1-based) and how many rows a page holds
    page_rows: int = 100
    bindings: list[dict] = field(default_factory=list)   # the whole (bounded) answer, for the views
    views: list[str] = field(default_factory=list)       # the views that fit the answer
    view: str | None = None                              # the one shown
    view_svg: Markup | None = None
    view_drawn: int | None = None                        # triples the graph view drew (of `count`)
    unknown_terms: tuple = ()                            # (term, suggestions): an empty answer's unknown terms

    @property
    def pages(self) -> int:
        return max(1, -(-(self.count or 0) // self.page_rows))

    view_limit = resultviews.VIEW_ROWS
    view_nodes = resultviews.VIEW_NODES

    @property
    def first_row(self) -> int:
        """The number of the first row shown (1-based), as the table numbers its rows."""
        return (self.page - 1) * self.page_rows + 1

    def page_href(self, page: int, view: str | None = None) -> str:
        """This query's page `page` (and view) in the page's language: the no-JavaScript paging links."""
        params = [("query", self.query), ("lang", self.lang)]
        if page > 1:
            params.append(("page", str(page)))
        if view or self.view:
            params.append(("view", view or self.view))
        return "/query?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params)

    def view_href(self, view: str) -> str:
        return self.page_href(self.page, view)

    def embed_href(self, view: str | None = None) -> str:
        """The image URL of a view of this query (works as <img src>, and alone in a browser)."""
        return view_url(self.query, view or self.view or "table", self.lang)

    @property
    def explained(self) -> Explained | None:
        """The error in the page's language, its place left to the page (messages.explain)."""
        return explain(self.error, self.lang) if self.error else None

    @property
    def turtle_html(self) -> Markup:
        return highlight_turtle(self.turtle)


# Downloads for people: spreadsheet programs read a CSV or TSV file without a byte-order mark in the
# system's legacy code page (Excel: Windows-1256 or 1252), which garbles Persian. The SPARQL
# endpoint's own text/csv stays exactly as the protocol's clients expect; the query page's links go
# through /query/download, which adds the BOM (and nothing else) to these two.
WITH_BOM = {f.name for f in formats.FORMATS if f.spreadsheet}
BOM = "\ufeff".encode("utf-8")


def downloads(query: str, kind: str) -> list[dict]:
    """Links that fetch the current result in each downloadable format (/query/download: the same
    bytes as /sparql, with a byte-order mark on CSV and TSV for spreadsheet programs)."""
    table = formats.DOWNLOADS["graph" if kind == "graph" else "results"]
    q = quote(query, safe="")
    return [{"label": f.label, "format": f.name, "href": f"/query/download?query={q}&format={f.name}",
             "filename": f"result.{f.extension}"} for f in table]


def download_table() -> dict[str, list[tuple[str, str, str]]]:
    """The same lists for the page's script, which draws the links of answers it fetched itself:
    (label, format name, extension) for each kind of answer."""
    return {kind: [(f.label, f.name, f.extension) for f in table] for kind, table in formats.DOWNLOADS.items()}


def for_spreadsheets(body: bytes, fmt: str) -> bytes:
    """A result file as spreadsheet programs open it correctly: UTF-8 with a BOM for CSV and TSV."""
    if fmt in WITH_BOM and not body.startswith(BOM):
        return BOM + body
    return body


def error_place(query: str, line: int | None, column: int | None) -> ErrorPlace | None:
    """The line and column an error names, with the line cut at the column (None when unknown)."""
    if not line or not column:
        return None
    lines = query.split("\n")
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1].rstrip("\r")
    i = min(max(column - 1, 0), len(text))
    return ErrorPlace(line, column, text, text[:i], text[i:i + 1], text[i + 1:])


def _short(site: Site, iri: str) -> str:
    return site.short(iri)


def cell(site: Site, term: dict | None, lang: str) -> Cell:
    """One SPARQL JSON term as the table shows it."""
    if term is None:
        return Cell("unbound")
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        label = site.labels.get(value, lang)
        return Cell("iri", text=label or _short(site, value), href=page_href(site, value, lang), iri=value,
                    label=label)
    if kind == "bnode":
        return Cell("bnode", text="_:" + value)
    if kind == "triple":
        parts = [cell(site, value.get(k) if isinstance(value, dict) else None, lang).text
                 for k in ("subject", "predicate", "object")]
        return Cell("triple", text="<< " + " ".join(parts) + " >>")
    datatype = term.get("datatype")
    if datatype in (None, XSD + "string"):
        datatype = None
    return Cell("literal", text=for_reader(value, datatype, lang), lang=term.get("xml:lang"),
                datatype=_short(site, datatype) if datatype else None, raw=value)


_NUMBERS = {XSD + t for t in ("integer", "decimal", "int", "long", "short", "nonNegativeInteger", "positiveInteger",
                              "negativeInteger", "nonPositiveInteger", "unsignedInt")}


def for_reader(value: str, datatype: str | None, lang: str) -> str:
    """A number, date or yes/no of a result as the page's reader writes it: Persian digits and
    separators, a Solar Hijri date first, a Solar Hijri date as the resource pages write it («۲۹ آبان
    ۱۳۷۷»), بله/خیر, on Persian pages. English pages and other values show the lexical form (also
    the page's script, through /query/reader, so both tables read the same)."""
    if lang != "fa" or datatype is None:
        return value
    try:
        if datatype in _NUMBERS:
            return i18n.number(value, lang)
        if datatype in (XSD + "date", XSD + "gYearMonth", XSD + "gYear"):
            first, other = i18n.both_calendars(value, datatype, lang)
            return f"{first} ({other})" if other else first
        if datatype.endswith("#SolarHijriDate"):
            return i18n.solar_hijri(value, lang)
        if datatype == XSD + "boolean" and value.strip() in ("true", "false", "1", "0"):
            return i18n.boolean(value, lang)
    except ValueError:                  # not a valid value of its datatype: as it was written
        return value
    return value


def page_number(value: str | None) -> int:
    """The `page=` of the query page's address: a positive whole number, else the first page."""
    try:
        n = int(value or "1")
    except ValueError:
        return 1
    return n if n >= 1 else 1


def check(queries: QueryService, prefixes: dict[str, str], query: str, lang: str, client: str = "-") -> tuple[int, dict]:
    """What the editor marks before a run, with the HTTP status to send it with: (200, {"ok": True}),
    or (200, the error a run of `query` would report (QueryService.check: it is not run) in `lang`,
    the language the message is in, and its line and column in the reader's text, None when it has
    no place); (503, {"error": ...}) when the check cannot be made now. Known prefixes the query uses
    undeclared are declared first, as the page does before each run; places skip those lines."""
    added: list[str] = []
    if len(query.encode("utf-8", "surrogatepass")) <= queries.config.max_query_bytes:
        query, added = completion.with_known_prefixes(query, prefixes)
    problem = queries.check(query, client)
    if problem is None:
        return 200, {"ok": True}
    said = explain(problem.error or "", lang)
    if problem.status == 503:
        return 503, {"error": said.text, "lang": said.lang}
    line, column = problem.line, problem.column
    if line is not None:
        line -= len(added)
        if line < 1:
            line = column = None
    return 200, {"ok": False, "message": said.text, "lang": said.lang, "line": line, "column": column}


def view_url(query: str, view: str, lang: str) -> str:
    return f"/query/view.svg?query={quote(query, safe='')}&view={view}&lang={lang}"


def run(queries: QueryService, site: Site, query: str, lang: str, client: str = "-", request_id: str = "-",
        started: float | None = None, page: int = 1, view: str | None = None) -> Outcome:
    """Run one query from the page and shape its answer (errors included) for the template.

    The work done here, outside the evaluator, is bounded before it starts: the evaluator sends no
    answer over `page_answer_bytes` (the page says to download it instead), and the table holds one
    page of `page_rows` rows (at most `page_cells` cells); so the page costs a bounded time past the
    query's own limit. Paging pages that bounded answer: each page is one evaluation of the same
    query through the same guarded path, and page N shows rows N·size … of exactly that answer (no
    LIMIT/OFFSET rewriting, which would change what an ORDER-less query or a LIMIT in it means).
    """
    pq = ProtocolQuery(query=query, params=(("format", "json"),))
    config = queries.config
    started = time.perf_counter()
    reply = queries.answer(pq, ACCEPT, request_id, client, max_bytes=config.page_answer_bytes, started=started)
    elapsed = (time.perf_counter() - started) * 1000
    if reply.status != 200:
        return Outcome(query, "error", status=reply.status, elapsed_ms=elapsed, lang=lang,
                       error=reply.error or reply.body.decode("utf-8", "replace").strip(),
                       place=error_place(query, reply.line, reply.column))
    truncated = "X-Result-Truncated" in reply.headers
    if reply.content_type.startswith(formats.BY_NAME["turtle"].media_type):
        count = int(reply.headers.get("X-Result-Count", "0"))
        outcome = Outcome(query, "graph", turtle=reply.body.decode("utf-8"), count=count, truncated=truncated,
                          elapsed_ms=elapsed, downloads=downloads(query, "graph"), lang=lang,
                          unknown_terms=reply.unknown_terms)
        outcome.views = ["graph"]                # drawn above the Turtle text, which stays
        outcome.view = "graph"
        outcome.view_svg = Markup(draw(outcome, site, lang, "graph"))
        return outcome
    doc = json.loads(reply.body)
    if "boolean" in doc:
        return Outcome(query, "ask", boolean=bool(doc["boolean"]), elapsed_ms=elapsed,
                       downloads=downloads(query, "ask"), lang=lang, unknown_terms=reply.unknown_terms)
    columns = list(doc["head"].get("vars", []))
    bindings = doc["results"]["bindings"]
    size = max(1, min(config.page_rows, config.page_cells // max(1, len(columns))))
    pages = max(1, -(-len(bindings) // size))
    page = min(max(1, page), pages)
    shown = bindings[(page - 1) * size: page * size]
    rows = [[cell(site, b.get(c), lang) for c in columns] for b in shown]
    outcome = Outcome(query, "select", columns=columns, rows=rows, count=len(bindings), truncated=truncated,
                      elapsed_ms=elapsed, downloads=downloads(query, "select"), lang=lang, page=page,
                      page_rows=size, bindings=bindings, unknown_terms=reply.unknown_terms)
    outcome.views = resultviews.fitting("select", columns, bindings, site)
    outcome.view = resultviews.choose(view, query, outcome.views)
    if outcome.view and outcome.view != "table":
        outcome.view_svg = Markup(draw(outcome, site, lang, outcome.view))
    return outcome


def draw(outcome: Outcome, site: Site, lang: str, view: str) -> str:
    """One view of an answer as SVG (pictures.py draws; resultviews.py picks the data), bounded by
    resultviews.VIEW_ROWS rows or VIEW_TRIPLES triples whatever the answer's size."""
    limit = resultviews.VIEW_ROWS
    if outcome.kind == "graph":
        if view != "graph":
            return pictures.empty_svg(view if view in resultviews.VIEWS else "table", site, lang)
        triples = resultviews.graph_triples(outcome.turtle)
        outcome.view_drawn = len(resultviews.graph_drawn(triples)[1])
        return pictures.graph_svg(triples, site, lang)
    columns, bindings = outcome.columns, outcome.bindings
    if outcome.kind != "select" or view not in outcome.views or view == "table":
        return pictures.empty_svg(view if view in resultviews.VIEWS else "table", site, lang)
    if view == "timeline":
        date = resultviews.date_column(columns, bindings)
        label = resultviews.label_column(columns, bindings, (date,))
        rows = []
        for b in bindings[:limit]:
            if date not in b:
                continue
            t = b.get(label) if label else None
            iri = t["value"] if t and t.get("type") == "uri" else ""
            rows.append((iri, resultviews.text_of(site, t, lang) or b[date]["value"], b[date]["value"],
                         b[date].get("datatype", "")))
        return pictures.result_timeline_svg(rows, site, lang)
    if view == "bar":
        num = resultviews.number_column(columns, bindings)
        label = resultviews.label_column(columns, bindings, (num,))
        rows = []
        for b in bindings[:limit]:
            if num not in b:
                continue
            try:
                value = float(b[num]["value"])
            except ValueError:
                continue
            t = b.get(label)
            rows.append((t["value"] if t and t.get("type") == "uri" else "", resultviews.text_of(site, t, lang),
                         value, b[num]["value"]))
        return pictures.bars_svg(rows, site, lang)
    # sources
    entries = []
    for iri in resultviews.iris_of(bindings[:limit], columns)[:limit]:
        found = resultviews.sources_of(site, iri)
        if not found:
            continue
        entries.append((iri, site.labels.get(iri, lang) or site.short(iri),
                        [(p, site.labels.get(p, lang) or site.short(p), q, resultviews.passage_text(site, p, lang))
                         for p, q in found]))
    return pictures.sources_svg(entries, site, lang)


# --- a small Turtle highlighter: enough to tell IRIs, names, literals and keywords apart ---

_TURTLE_TOKENS = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<string>\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<keyword>@prefix\b|@base\b|\bPREFIX\b|\bBASE\b|\ba\b(?=\s)|\btrue\b|\bfalse\b)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<datatype>\^\^)
  | (?P<bnode>_:[\w.-]*\w|\[\s*\])
  | (?P<name>[A-Za-z][\w.-]*:[\w.:%-]*[\w:%]|[A-Za-z][\w.-]*:|:[\w.:%-]*[\w:%])
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>[.;,\[\]()])
""", re.VERBOSE)


def highlight_turtle(text: str) -> Markup:
    """Turtle as HTML with <span class="tt-..."> around each token; everything escaped."""
    out: list[str] = []
    pos = 0
    for m in _TURTLE_TOKENS.finditer(text):
        if m.start() > pos:
            out.append(str(escape(text[pos:m.start()])))
        out.append(f'<span class="tt-{m.lastgroup}">{escape(m.group())}</span>')
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def default_query(prefixes: dict[str, str], lang: str = "en") -> str:
    """What the editor holds before anyone types: the graph's prefixes and a first question, asking
    for labels in the page's language."""
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    return (head + "\nSELECT ?entity ?label WHERE {\n  ?entity iss:station res:International_Space_Station ;\n"
            f"          rdfs:label ?label .\n  FILTER(LANG(?label) = \"{'fa' if lang == 'fa' else 'en'}\")\n}}\n"
            "ORDER BY ?label\nLIMIT 50\n")
