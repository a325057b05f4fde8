"""The query page's results at any size and its views (issue #15): paging without JavaScript,
full downloads in every format, and the server-drawn SVG views (timeline, bar chart, graph,
sources) in both languages, through Flask's test client and the real server."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, quote, urlparse

import pyoxigraph as ox
import pytest
import requests

from issgraph import querypage, resultviews
from issgraph.app import services

from .test_pages import by_class, get, page, text

SVG = "{http://www.w3.org/2000/svg}"
P = ("PREFIX iss: <https://w3id.org/issgraph/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
     "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n")
# 10,000 rows with no help from the data's size: a VALUES of 100 numbers crossed with itself.
BIG = ("SELECT ?i ?j WHERE { VALUES ?i { " + " ".join(str(n) for n in range(100)) + " } "
       "VALUES ?j { " + " ".join(str(n) for n in range(100)) + " } } ORDER BY ?i ?j")
TIMELINE = P + "SELECT ?event ?date WHERE { ?event iss:date ?date } ORDER BY ?date"
BAR = P + "SELECT ?contribution ?n WHERE { ?contribution iss:moduleCount ?n } ORDER BY DESC(?n) ?contribution"
GRAPH = P + ("CONSTRUCT { ?c iss:moduleCount ?n ; iss:builder ?b } WHERE { ?c iss:moduleCount ?n ; iss:builder ?b }")
SOURCES = P + "SELECT ?contribution WHERE { ?contribution a iss:ModuleContribution } ORDER BY ?contribution"


def query_url(query: str, lang: str = "en", **params) -> str:
    extra = "".join(f"&{k}={quote(str(v))}" for k, v in params.items())
    return f"/query?query={quote(query, safe='')}&lang={lang}{extra}"


def svg(body: bytes) -> ET.Element:
    """The picture parsed as XML (it must parse), with its root checked."""
    root = ET.fromstring(body)
    assert root.tag == SVG + "svg"
    return root


def rows_of(tree) -> list[list[str]]:
    table = by_class(tree, "table", "results-table")[0]
    return [[text(td) for td in tr.findall("td")] for tr in table.find("tbody").findall("tr")]


def count(client, query: str) -> int:
    doc = json.loads(get(client, "/sparql?query=" + quote(query), headers={"Accept": "application/sparql-results+json"}).data)
    return len(doc["results"]["bindings"])


# --- paging ---

@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_10000_row_result_is_one_page_of_html_with_links_to_the_others(client, app, lang):
    size = services(app).config.page_rows
    r, tree = page(client, query_url(BIG, lang))
    assert len(r.data) < 300_000                     # one page, not 15 MB
    rows = rows_of(tree)
    assert len(rows) == size
    counted = next(e for e in tree.iter("span") if e.get("id") == "result-count")
    assert counted.get("data-count") == "10000"
    pager = by_class(tree, "nav", "pager")[0]
    assert pager.get("data-page") == "1" and pager.get("data-pages") == str(10000 // size)
    links = {a.get("rel"): a.get("href") for a in pager.iter("a")}
    assert "prev" not in links
    nxt = parse_qs(urlparse(links["next"]).query)
    assert nxt == {"query": [BIG], "lang": [lang], "page": ["2"], "view": ["table"]}

    # Page 2 shows the next rows of exactly the same answer, numbered on from the first page.
    _, tree2 = page(client, links["next"])
    rows2 = rows_of(tree2)
    assert len(rows2) == size
    first = "101" if lang == "en" else "۱۰۱"
    assert rows2[0][0] == first
    links2 = {a.get("rel"): a.get("href") for a in by_class(tree2, "nav", "pager")[0].iter("a")}
    assert parse_qs(urlparse(links2["prev"]).query) == {"query": [BIG], "lang": [lang], "view": ["table"]}
    i, j = divmod(size, 100)                      # ORDER BY ?i ?j: row 101 is (1, 0) with 100 rows a page
    if lang == "en":
        assert [c.split()[0] for c in rows2[0][1:]] == [str(i), str(j)]


def test_pages_hold_every_row_of_the_answer_once_in_order(client, app):
    size = services(app).config.page_rows
    query = "SELECT ?i WHERE { VALUES ?i { " + " ".join(str(n) for n in range(250)) + " } }"
    seen = []
    for n in (1, 2, 3):
        _, tree = page(client, query_url(query, page=n))
        seen += [int(r[1].split()[0]) for r in rows_of(tree)]
    assert seen == list(range(250))
    assert size * 2 < 250 <= size * 3
    # A page past the end shows the last one; a page that is not a number, the first.
    _, last = page(client, query_url(query, page=99))
    assert by_class(last, "nav", "pager")[0].get("data-page") == "3"
    _, first = page(client, query_url(query, page="x"))
    assert by_class(first, "nav", "pager")[0].get("data-page") == "1"


def test_a_small_result_has_no_pager(client):
    _, tree = page(client, query_url("SELECT ?n WHERE { VALUES ?n { 1 2 3 } }"))
    assert not by_class(tree, "nav", "pager")
    assert len(rows_of(tree)) == 3


def test_paging_evaluates_the_query_once_through_the_guarded_path(client):
    """Paging slices the bounded answer: a refused query is refused on every page."""
    r = client.get(query_url("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", page=2))
    assert r.status_code == 400
    assert b"SERVICE" in r.data


def test_downloads_offer_every_result_format_and_return_the_full_answer(client):
    _, tree = page(client, query_url(BIG))
    links = {a.get("data-format"): a.get("href") for a in tree.iter("a") if a.get("data-format")}
    assert set(links) == {"csv", "tsv", "json", "xml"}
    csv = get(client, links["csv"]).data.decode("utf-8-sig").splitlines()
    assert len(csv) == 10001
    doc = json.loads(get(client, links["json"]).data)
    assert len(doc["results"]["bindings"]) == 10000
    xml = ET.fromstring(get(client, links["xml"]).data)
    assert len(xml.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 10000
    _, tree = page(client, query_url(GRAPH))
    links = {a.get("data-format"): a.get("href") for a in tree.iter("a") if a.get("data-format")}
    assert set(links) == {"turtle", "ntriples", "jsonld", "rdfxml"}
    rdfxml = get(client, links["rdfxml"])
    assert rdfxml.content_type.startswith("application/rdf+xml")
    triples = list(ox.parse(rdfxml.data, format=ox.RdfFormat.RDF_XML))
    assert len(triples) == len(list(ox.parse(get(client, links["turtle"]).data, format=ox.RdfFormat.TURTLE)))


@pytest.mark.parametrize("query", [BIG, GRAPH])
def test_a_download_is_saved_under_the_name_its_link_gives(client, query):
    """The file name the server sends (Content-Disposition) is the one the link's download attribute names."""
    _, tree = page(client, query_url(query))
    anchors = [a for a in tree.iter("a") if a.get("data-format")]
    assert len(anchors) == 4
    for a in anchors:
        r = get(client, a.get("href"))
        assert r.status_code == 200
        assert r.headers["Content-Disposition"] == f'attachment; filename="{a.get("download")}"', a.get("data-format")


# --- views ---

def test_views_that_fit_are_offered_and_switched_by_links(client):
    _, tree = page(client, query_url(TIMELINE))
    views = {a.get("data-view"): a.get("href") for a in by_class(tree, "nav", "result-views")[0].iter("a")}
    assert {"table", "timeline"} <= set(views)
    assert "bar" not in views                      # no number column
    _, tree = page(client, views["timeline"])
    figure = by_class(tree, "figure", "result-view")[0]
    assert figure.get("data-view") == "timeline"
    assert not by_class(tree, "table", "results-table")
    _, tree = page(client, query_url(BAR))
    views = {a.get("data-view") for a in by_class(tree, "nav", "result-views")[0].iter("a")}
    assert {"table", "bar", "sources"} <= views
    # The query may name its view as the Wikidata Query Service's do.
    _, tree = page(client, query_url("#defaultView:BarChart\n" + BAR))
    assert by_class(tree, "figure", "result-view")[0].get("data-view") == "bar"


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_timeline_view_draws_each_date_at_its_precision_in_both_calendars(client, lang):
    r = get(client, f"/query/view.svg?query={quote(TIMELINE)}&view=timeline&lang={lang}")
    assert r.content_type.startswith("image/svg+xml")
    root = svg(r.data)
    assert root.get("lang") == lang and root.get("direction") == ("rtl" if lang == "fa" else "ltr")
    moments = [g for g in root.iter(SVG + "g") if "moment" in (g.get("class") or "").split()]
    expected = count(client, TIMELINE)
    assert len(moments) == min(expected, resultviews.VIEW_ROWS) and expected > 3
    precisions = {g.get("data-precision") for g in moments}
    assert "day" in precisions and ({"month", "year"} & precisions)
    day = next(g for g in moments if g.get("data-precision") == "day")
    title = "".join(day.find(SVG + "title").itertext())
    if lang == "fa":
        assert any("۰" <= ch <= "۹" for ch in title) and "(" in title      # Solar Hijri first, Gregorian beside
    else:
        assert "(" in title and any(m in title for m in ("Aban", "Esfand", "Azar", "Mehr", "Farvardin", "Ordibehesht",
                                                          "Khordad", "Tir", "Mordad", "Shahrivar", "Dey", "Bahman"))
    year = [g for g in moments if g.get("data-precision") == "year"]
    for g in year:                      # a year is never given a made-up day or month
        assert len(g.get("data-date")) == 4


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_bar_view_draws_one_bar_per_row_with_its_number(client, lang):
    root = svg(get(client, f"/query/view.svg?query={quote(BAR)}&view=bar&lang={lang}").data)
    bars = [g for g in root.iter(SVG + "g") if g.get("class") == "bar"]
    assert len(bars) == count(client, BAR)
    values = [int(g.get("data-value")) for g in bars]
    assert values == sorted(values, reverse=True)
    widths = [float(g.find(SVG + "rect").get("width")) for g in bars]
    assert widths[0] == max(widths) and widths[0] > widths[-1]
    shown = "".join(bars[0].find(SVG + "text[@class='value']").itertext())
    assert shown == (str(values[0]) if lang == "en" else str(values[0]).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    names = ["".join(t.itertext()) for g in bars for t in g.iter(SVG + "text") if t.get("class") == "name"]
    assert all(names)
    if lang == "fa":
        assert any("\u0600" <= ch <= "\u06ff" for ch in "".join(names))


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_graph_view_draws_nodes_and_labelled_edges_the_same_way_each_time(client, app, lang):
    url = f"/query/view.svg?query={quote(GRAPH)}&view=graph&lang={lang}"
    first, again = get(client, url).data, get(client, url).data
    assert first == again                              # a deterministic layout
    root = svg(first)
    edges = [g for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    nodes = [g for g in root.iter(SVG + "g") if (g.get("class") or "").startswith("node ")]
    answer = list(ox.parse(get(client, "/sparql?query=" + quote(GRAPH), headers={"Accept": "text/turtle"}).data,
                           format=ox.RdfFormat.TURTLE))
    assert len(edges) == len(answer)
    assert len(nodes) == len({t.subject for t in answer} | {t.object for t in answer})
    labels = {"".join(g.find(SVG + "text").itertext()) for g in edges}
    assert len(labels) == 2 and all(labels)
    # The page without JavaScript shows the picture above the Turtle, and an embed link to it.
    _, tree = page(client, query_url(GRAPH, lang))
    assert by_class(tree, "figure", "result-view")[0].find(SVG + "svg") is not None
    assert by_class(tree, "pre", "turtle")
    embed = next(a for a in tree.iter("a") if a.get("id") == "embed-link")
    assert parse_qs(urlparse(embed.get("href")).query) == {"query": [GRAPH], "view": ["graph"], "lang": [lang]}
    # The snippet to paste elsewhere names the public address, never the Host the client sent.
    code = text(by_class(tree, "code", "embed-code")[0])
    assert code == f'<img src="{services(app).config.public_base.rstrip("/")}{embed.get("href")}">'


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_graph_view_cut_to_its_node_limit_says_how_many_triples_it_draws(client, lang):
    """The graph view draws at most VIEW_NODES nodes of the first VIEW_TRIPLES triples; a picture
    of 40 triples out of 400 must say so, as the row views do, and a whole picture says nothing."""
    big = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 400"
    _, tree = page(client, query_url(big, lang))
    figure = by_class(tree, "figure", "result-view")[0]
    drawn = [g for g in figure.iter(SVG + "g") if g.get("class") == "edge"]
    caption = next(text(e) for e in figure.iter() if e.tag.endswith("figcaption"))
    digits = (lambda n: str(n)) if lang == "en" else (lambda n: str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    assert 0 < len(drawn) < 400
    assert digits(len(drawn)) in caption and digits(400) in caption and digits(resultviews.VIEW_NODES) in caption
    _, whole = page(client, query_url(GRAPH, lang))
    assert not [f for f in by_class(whole, "figure", "result-view")[0].iter() if f.tag.endswith("figcaption")]


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_sources_view_names_the_passage_and_quote_of_each_resource(client, app, lang):
    root = svg(get(client, f"/query/view.svg?query={quote(SOURCES)}&view=sources&lang={lang}").data)
    entries = [g for g in root.iter(SVG + "g") if g.get("class") == "source-entry"]
    assert len(entries) == count(client, SOURCES)
    site = services(app).site
    iss = site.base + "ontology#"
    ds = services(app).dataset
    for g in entries:
        iri = g.get("data-iri")
        passages = {s.get("data-passage") for s in g.iter(SVG + "g") if s.get("class") == "source"}
        stated = {t.object.value for t in ds.match(ox.NamedNode(iri), ox.NamedNode(iss + "statedIn"))}
        assert stated and stated <= passages
        quotes = " ".join("".join(t.itertext()) for t in g.iter(SVG + "text") if t.get("class") == "quote")
        quote_text = next(t.object.value for t in ds.match(ox.NamedNode(iri), ox.NamedNode(iss + "quote")))
        assert quote_text.split()[0] in quotes


def test_sources_view_reads_per_statement_provenance_too(app):
    """rdf:Statement nodes with iss:statedIn (the reified form) count as sources of their subject."""
    site = services(app).site
    ds = services(app).dataset
    iss = site.base + "ontology#"
    statements = ds.match(None, ox.NamedNode(resultviews.RDF + "subject"))
    for t in statements[:5]:
        if ds.match(t.subject, ox.NamedNode(iss + "statedIn")):
            found = {p for p, _ in resultviews.sources_of(site, t.object.value)}
            assert {x.object.value for x in ds.match(t.subject, ox.NamedNode(iss + "statedIn"))} <= found
    # Without any such node in the data the node-level form alone answers (checked above); the
    # reified form is also found when present in a store of its own:
    store = ox.Store()
    base = site.base
    st, res, passage = ox.NamedNode(base + "resource/st1"), ox.NamedNode(base + "resource/X"), ox.NamedNode(base + "resource/P")
    g = ox.NamedNode(ds.config.data_graph)
    for s, p, o in ((st, ox.NamedNode(resultviews.RDF + "type"), ox.NamedNode(resultviews.RDF + "Statement")),
                    (st, ox.NamedNode(resultviews.RDF + "subject"), res),
                    (st, ox.NamedNode(iss + "statedIn"), passage),
                    (st, ox.NamedNode(iss + "quote"), ox.Literal("متن", language="fa"))):
        store.add(ox.Quad(s, p, o, g))

    class Tiny:
        config = ds.config

        def match(self, subject=None, predicate=None, obj=None, graphs=None):
            return [q.triple for q in store.quads_for_pattern(subject, predicate, obj, g)]

    class TinySite:
        base = site.base
        dataset = Tiny()

    assert resultviews.sources_of(TinySite(), base + "resource/X") == [(base + "resource/P", "متن")]


def test_view_route_refuses_what_it_cannot_draw(client):
    assert get(client, f"/query/view.svg?query={quote(BAR)}&view=pie", 400).data.startswith(b"unknown view")
    assert get(client, "/query/view.svg?view=bar", 400)
    r = get(client, f"/query/view.svg?query={quote('SELECT * WHERE {')}&view=bar", 400)
    assert r.content_type.startswith("text/plain")
    # A view that does not fit the answer is a picture that says so (an embedded image never breaks).
    root = svg(get(client, f"/query/view.svg?query={quote(BIG)}&view=timeline").data)
    assert "".join(root.find(SVG + "desc").itertext()) == "This view does not fit this result."


def test_a_view_of_a_huge_result_draws_a_bounded_picture_in_bounded_time(client):
    rows = "SELECT ?i ?n WHERE { VALUES ?i { " + " ".join(f'"r{n}"' for n in range(100)) + " } " \
           "VALUES ?n { " + " ".join(str(n) for n in range(100)) + " } }"
    r = get(client, f"/query/view.svg?query={quote(rows)}&view=bar")
    bars = [g for g in svg(r.data).iter(SVG + "g") if g.get("class") == "bar"]
    assert len(bars) == resultviews.VIEW_ROWS
    assert len(r.data) < 200_000


def test_views_have_no_inline_style(client):
    for query, view in ((TIMELINE, "timeline"), (BAR, "bar"), (GRAPH, "graph"), (SOURCES, "sources")):
        for lang in ("en", "fa"):
            body = get(client, f"/query/view.svg?query={quote(query)}&view={view}&lang={lang}").data
            assert b"style=" not in body and b"<script" not in body
            r, _ = page(client, query_url(query, lang, view=view))
            assert b"style=" not in r.data


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_views_over_http_from_the_real_server(server, lang):
    for query, view, cls in ((TIMELINE, "timeline", "moment"), (BAR, "bar", "bar"), (GRAPH, "graph", "edge"),
                             (SOURCES, "sources", "source-entry")):
        r = requests.get(server.url + "/query/view.svg", params={"query": query, "view": view, "lang": lang},
                         timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("image/svg+xml")
        root = svg(r.content)
        assert any(cls in (g.get("class") or "").split() for g in root.iter(SVG + "g")), view
        html = requests.get(server.url + "/query", params={"query": query, "view": view, "lang": lang}, timeout=30)
        assert html.status_code == 200 and 'class="result-view"' in html.text
    big = requests.get(server.url + "/query", params={"query": BIG, "lang": lang, "page": "7"}, timeout=30)
    assert big.status_code == 200 and len(big.content) < 300_000 and 'data-page="7"' in big.text


def test_page_number_reads_only_positive_whole_numbers():
    assert [querypage.page_number(v) for v in (None, "", "1", "5", "0", "-3", "x", "2.5")] == [1, 1, 1, 5, 1, 1, 1, 1]


def test_a_view_route_ends_by_the_time_limit_plus_a_second(server):
    """The server under test runs queries for at most 3 s; a view of a runaway or a huge answer
    answers by then (a safety bound: 3 s + 1 s, and 1.5 s of slack for a shared machine)."""
    import time

    runaway = "SELECT ?a ?n WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i BIND(1 AS ?n) }"
    huge = ("SELECT ?i ?n WHERE { VALUES ?i { " + " ".join(f'"r{n}"' for n in range(100)) + " } "
            "VALUES ?n { " + " ".join(str(n) for n in range(100)) + " } }")
    for query, view in ((runaway, "bar"), (huge, "bar"), (huge, "sources"), (huge, "timeline")):
        started = time.monotonic()
        r = requests.get(server.url + "/query/view.svg", params={"query": query, "view": view}, timeout=30)
        took = time.monotonic() - started
        assert took < 3 + 1 + 1.5, (view, took)
        assert r.status_code in (200, 400, 503), r.status_code
        if r.status_code == 200:
            svg(r.content)
