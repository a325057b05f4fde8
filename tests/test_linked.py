"""Linked data: every IRI dereferences in every format, pages validate in both languages, dumps and VoID are exact.

Expectations are computed independently of the app: the source files are parsed here with
rdflib, and every RDF answer is parsed twice (rdflib and pyoxigraph) and compared.
"""
from __future__ import annotations

import gzip
import html
import json
import re
import subprocess
import sys
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

import html5lib
import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib import Dataset as RdflibDataset
from rdflib.namespace import OWL, RDF, RDFS, XSD

from issgraph import formats
from issgraph.config import CANONICAL_BASE
from issgraph.documents import Documents
from issgraph.dumps import DUMP_FORMATS, dump_bytes, dump_name
from issgraph.inference import infer

from .conftest import ROOT


def isomorphic(a: Graph, b: Graph) -> bool:
    """Whether two rdflib graphs are the same up to blank node labels, by comparing their RDFC-1.0
    canonical forms (pyoxigraph). rdflib.compare.isomorphic takes minutes on graphs with a few
    hundred look-alike blank nodes (the date intervals and reified statements)."""
    def canonical(g: Graph) -> set:
        ds = ox.Dataset(q for q in ox.parse(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
        ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return {str(q) for q in ds}
    return len(a) == len(b) and canonical(a) == canonical(b)

BASE = CANONICAL_BASE
ISS = Namespace(BASE + "ontology#")
RES = BASE + "resource/"
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                 "nquads": "nquads", "trig": "trig"}
GRAPH_FORMATS = formats.GRAPH
PERSIAN = re.compile("[\u0600-\u06ff]")
LAUNCH = "Launch_of_the_first_module"


# Independent expectations: the source files as rdflib reads them ----------------------------------

def _read(path) -> Graph:
    """One source file as rdflib parses it."""
    return Graph().parse(ROOT / path, format="turtle")


SOURCE_DATA = _read("data/iss.ttl")
SOURCE_ONTOLOGY = _read("ontology/iss.ttl")
SOURCE_SHAPES = _read("shapes/iss.ttl")


def masked(triples) -> set:
    """Triples with every blank node replaced by one placeholder: blank node labels differ between
    documents, so descriptions that reach blank nodes (date intervals, statements) compare this way."""
    blank = BNode("_")
    return {tuple(blank if isinstance(t, BNode) else t for t in triple) for triple in triples}


def _own_iris(*graphs: Graph) -> set[str]:
    """Every IRI under the graph's base in some graphs."""
    return {str(term) for g in graphs for triple in g for term in triple
            if isinstance(term, URIRef) and str(term).startswith(BASE)}


RESOURCES = sorted(i[len(RES):] for i in _own_iris(SOURCE_DATA) if i.startswith(RES))
OWN_PATHS = sorted({"/" + iri[len(BASE):].split("#")[0] for iri in _own_iris(SOURCE_DATA, SOURCE_ONTOLOGY, SOURCE_SHAPES)})
TERM_TYPES = (OWL.Class, RDFS.Datatype, OWL.ObjectProperty, OWL.DatatypeProperty)
TERMS = sorted({str(s) for t in TERM_TYPES for s in SOURCE_ONTOLOGY.subjects(RDF.type, t)
                if isinstance(s, URIRef) and str(s).startswith(str(ISS))})


def test_the_enumeration_covers_the_graph():
    """The matrix below really runs over the whole graph: resources, passages, ontology, dataset, graphs."""
    assert len(RESOURCES) >= 60
    assert {"Passage_P1", "Passage_P2.1", "Source_text", LAUNCH, "International_Space_Station"} <= set(RESOURCES)
    assert {"/dataset", "/ontology", "/ontology/0.1.0", "/shapes"} <= set(OWN_PATHS)
    assert len(TERMS) >= 60


# Helpers ------------------------------------------------------------------------------------------------

def _norm(term):
    """rdflib terms compared as RDF 1.1 does: xsd:string literals equal plain ones."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def normalised(graph: Graph) -> Graph:
    """A copy of the graph with xsd:string literals as plain ones."""
    out = Graph()
    for s, p, o in graph:
        out.add((s, p, _norm(o)))
    return out


def from_ox(term):
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return _norm(Literal(term.value, datatype=URIRef(term.datatype.value)))


def _inferred_from_sources() -> Graph:
    """The inferred graph computed from the two files as rdflib read them here (by the project's
    inference, whose content tests/test_natural.py and tests/test_inference.py check), sharing
    their blank nodes: it says things of the data's blank nodes (the reified statements)."""
    def to_ox(term):
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))

    as_ox = lambda g: [ox.Triple(*map(to_ox, t)) for t in g]
    out = Graph()
    for t in infer(as_ox(SOURCE_DATA), as_ox(SOURCE_ONTOLOGY), BASE):
        out.add(tuple(from_ox(x) for x in (t.subject, t.predicate, t.object)))
    return out


SOURCE_INFERRED = _inferred_from_sources()
SOURCE_DEFAULT = SOURCE_DATA + SOURCE_ONTOLOGY + SOURCE_INFERRED


def parse_with_rdflib(body: bytes, fmt: formats.Format) -> Graph:
    """The graph in `body` as rdflib reads it."""
    return normalised(Graph().parse(data=body, format=RDFLIB_FORMAT[fmt.name]))


def parse_with_oxigraph(body: bytes, fmt: formats.Format) -> Graph:
    """The graph in `body` as pyoxigraph reads it, as rdflib terms."""
    graph = Graph()
    for q in ox.parse(body, format=fmt.rdf):
        graph.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return graph


def parse_both(body: bytes, fmt: formats.Format) -> Graph:
    """The graph in `body`, after checking that both parsers read the very same triples."""
    by_rdflib, by_oxigraph = parse_with_rdflib(body, fmt), parse_with_oxigraph(body, fmt)
    assert len(by_rdflib) == len(by_oxigraph)
    assert isomorphic(by_rdflib, by_oxigraph), "rdflib and pyoxigraph read different triples"
    return by_rdflib


@lru_cache(maxsize=None)
def expected_description(iri: str) -> frozenset:
    """What one fetch of `iri` must say: outgoing, incoming, labels of linked things, passages."""
    node = URIRef(iri)
    out = set(SOURCE_DEFAULT.triples((node, None, None)))
    incoming = set(SOURCE_DEFAULT.triples((None, None, node)))
    linked = ({o for _, _, o in out if isinstance(o, URIRef)} | {s for s, _, _ in incoming}
              | {p for _, p, _ in out | incoming}) - {node}
    labels = {t for x in linked for t in SOURCE_DEFAULT.triples((x, RDFS.label, None))}
    passages = {t for p in SOURCE_DEFAULT.objects(node, ISS.statedIn) for t in SOURCE_DEFAULT.triples((p, None, None))}
    return frozenset((s, p, _norm(o)) for s, p, o in out | incoming | labels | passages)


def labels_of(iri: str) -> dict[str, str]:
    """The source's rdfs:label of `iri` by language."""
    return {o.language: str(o) for o in SOURCE_DEFAULT.objects(URIRef(iri), RDFS.label)}


def parse_html(body: bytes):
    """The page as an element tree, parsed strictly: any HTML5 parse error fails the test."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)


def text_of(element) -> str:
    """All the text inside an element."""
    return "".join(element.itertext())


def foreign_assets(tree) -> list[tuple[str, str]]:
    """Every src/href that would load something from another host (links in <a> are fine)."""
    bad = []
    for el in tree.iter():
        for attr in ("src", "href", "srcset", "poster", "data", "action"):
            value = el.get(attr)
            if value is None or (el.tag == "a" and attr == "href"):
                continue
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                bad.append((el.tag, value))
    return bad


def get(client, path: str, accept: str = "*/*", **headers):
    """GET with an Accept header (and any other headers)."""
    return client.get(path, headers={"Accept": accept, **headers})


# Resources in every RDF format ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("name", RESOURCES)
def test_resource_dereferences_in_every_rdf_format(client, name, fmt):
    """200 with the format's type, Vary and Content-Location; both parsers agree; the description is complete."""
    iri = RES + name
    r = get(client, f"/resource/{name}", fmt.media_type)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == fmt.media_type
    assert "Accept" in r.headers["Vary"]
    assert r.headers["Content-Location"] == f"/data/{name}.{fmt.extension}"
    graph = parse_both(r.data, fmt)
    ground = {(s, p, o) for s, p, o in graph}
    missing = masked(expected_description(iri)) - masked(ground)
    assert not missing, f"{len(missing)} triples missing, e.g. {sorted(missing)[:3]}"
    assert masked(ground) <= masked((s, p, _norm(o)) for s, p, o in SOURCE_DEFAULT), \
        "the description says something the graph does not"
    labels = {(o.language, str(o)) for o in graph.objects(URIRef(iri), RDFS.label)}
    assert {("en", labels_of(iri)["en"]), ("fa", labels_of(iri)["fa"])} <= labels
    for passage in SOURCE_DEFAULT.objects(URIRef(iri), ISS.statedIn):
        assert graph.value(passage, ISS.verbatimText) == SOURCE_DEFAULT.value(passage, ISS.verbatimText)
    same = get(client, r.headers["Content-Location"])
    assert same.status_code == 200 and same.data == r.data and same.headers["ETag"] == r.headers["ETag"]


def test_descriptions_hold_outgoing_incoming_and_provenance(client):
    """One fetch of the launch event shows its date, who links to it, and its passage with quote."""
    graph = parse_both(get(client, f"/resource/{LAUNCH}", "text/turtle").data, formats.BY_NAME["turtle"])
    launch, passage = URIRef(RES + LAUNCH), URIRef(RES + "Passage_P1")
    assert graph.value(launch, ISS.date) == Literal("1998-11-20", datatype=XSD.date)
    assert graph.value(launch, ISS.quote) is not None
    assert (passage, ISS.translation, None) in graph
    station = parse_both(get(client, "/resource/International_Space_Station", "text/turtle").data,
                         formats.BY_NAME["turtle"])
    assert (launch, ISS.station, URIRef(RES + "International_Space_Station")) in station   # incoming
    assert station.value(launch, RDFS.label, any=True) is not None                          # its label too


def test_names_with_dots_have_their_own_data_urls(client):
    """Passage_P2.1.ttl is Passage_P2.1 in Turtle, not Passage_P2 with an extension '1.ttl'."""
    r = get(client, "/data/Passage_P2.1.ttl")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    graph = parse_both(r.data, formats.BY_NAME["turtle"])
    assert (URIRef(RES + "Passage_P2.1"), ISS.verbatimText, None) in graph


# Every IRI of the graph -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", OWN_PATHS)
def test_every_iri_of_the_graph_dereferences(client, path):
    """Resources, ontology and its version IRI, shapes, graphs, the dataset: Turtle on the same path."""
    r = get(client, path, "text/turtle")
    assert r.status_code == 200, path
    assert r.headers["Content-Type"].startswith("text/turtle")
    assert r.headers["Content-Location"].endswith(".ttl")
    assert len(parse_both(r.data, formats.BY_NAME["turtle"])) > 0


def test_an_earlier_version_iri_serves_that_versions_ontology(client):
    """/ontology/0.1.0 as RDF is 0.1.0's own ontology, from its archived release, not today's."""
    import pyoxigraph as ox
    from issgraph.releases import read_release

    archived = {ox.Triple(q.subject, q.predicate, q.object) for q in read_release(ROOT / "releases" / "0.1.0").quads()
                if q.graph_name.value == BASE + "graph/ontology"}
    r = get(client, "/ontology/0.1.0", "application/n-triples")
    assert r.status_code == 200 and r.headers["Content-Location"] == "/ontology/0.1.0.nt"
    served = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES)}
    assert len(served) == len(archived) and {t for t in served if not isinstance(t.subject, ox.BlankNode)} == \
        {t for t in archived if not isinstance(t.subject, ox.BlankNode)}
    assert ox.Triple(ox.NamedNode(BASE + "ontology"), ox.NamedNode(str(OWL.versionIRI)),
                     ox.NamedNode(BASE + "ontology/0.1.0")) in served
    assert get(client, "/ontology/0.1.0.nt").data == r.data
    assert get(client, "/ontology/0.2.0", "application/n-triples").data == get(client, "/ontology", "application/n-triples").data
    assert get(client, "/ontology/0.1.0", "application/n-triples").data != get(client, "/ontology", "application/n-triples").data
    assert get(client, "/ontology/0.0.9", "text/turtle").status_code == 404


@pytest.mark.parametrize("path", ["/dataset", "/ontology", "/ontology/0.1.0", "/resource/International_Space_Station"])
def test_browsers_get_html(client, path):
    """A browser's Accept header gets the HTML page, with Vary naming both headers."""
    r = get(client, path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "Accept" in r.headers["Vary"] and "Accept-Language" in r.headers["Vary"]
    assert r.headers["Content-Location"] in ("/dataset.html", "/ontology.html", "/page/International_Space_Station")
    parse_html(r.data)


@pytest.mark.parametrize("name", ["data", "ontology", "shapes"])
def test_named_graphs_are_served_whole(client, dataset, name):
    """Each named graph holds exactly its source file's triples, at both URLs."""
    r = get(client, f"/graph/{name}", "application/n-triples")
    assert r.status_code == 200 and r.headers["Content-Location"] == f"/graph/{name}.nt"
    assert len(parse_both(r.data, formats.BY_NAME["ntriples"])) == len(set(dataset.graphs[BASE + "graph/" + name]))
    assert get(client, f"/graph/{name}.nt").data == r.data


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_ontology_in_every_format_is_the_ontology(client, fmt):
    """Blank nodes included (owl:unionOf lists, the datatype restriction): every format holds all triples."""
    r = get(client, "/ontology", fmt.media_type)
    assert r.status_code == 200 and r.headers["Content-Location"] == f"/ontology.{fmt.extension}"
    assert isomorphic(parse_both(r.data, fmt), normalised(SOURCE_ONTOLOGY))


# HTML pages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("name", RESOURCES)
def test_resource_page_validates_in_both_languages(client, name, lang):
    """Strict HTML5, the page's language and direction, both labels, local assets, VoID and data links."""
    r = get(client, f"/resource/{name}?lang={lang}", "text/html")
    assert r.status_code == 200 and r.headers["Content-Location"] == f"/page/{name}"
    tree = parse_html(r.data)
    root = tree if tree.tag == "html" else tree.find("html")
    assert root.get("lang") == lang
    assert root.get("dir") == ("rtl" if lang == "fa" else "ltr")
    text = html.unescape(r.data.decode("utf-8"))
    labels = labels_of(RES + name)
    assert labels["en"] in text and labels["fa"] in text
    assert not foreign_assets(tree)
    hrefs = {a.get("href") for a in tree.iter("a")}
    assert f"/.well-known/void?lang={lang}" in hrefs
    assert {f"/data/{name}.{f.extension}" for f in GRAPH_FORMATS} <= hrefs
    if lang == "fa":
        heads = [text_of(th) for th in tree.iter("th") if th.get("scope") == "row"]
        assert heads and all(PERSIAN.search(h) for h in heads), f"untranslated property names: {heads}"
        assert not any(re.search("[0-9]", text_of(t)) for t in tree.iter("time")), "Western digits in a Persian date"


def test_persian_is_the_default_for_persian_browsers(client):
    """Accept-Language chooses the page's language; ?lang= overrides it."""
    r = get(client, f"/resource/{LAUNCH}", "text/html", **{"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"})
    assert b'lang="fa" dir="rtl"' in r.data
    r = client.get(f"/resource/{LAUNCH}?lang=en", headers={"Accept": "text/html", "Accept-Language": "fa"})
    assert b'lang="en" dir="ltr"' in r.data


def test_dates_in_both_calendars(client):
    """The launch shows 29 Aban 1377 and 20 November 1998, each page in its own digits and order."""
    fa = html.unescape(get(client, f"/page/{LAUNCH}?lang=fa").data.decode())
    en = html.unescape(get(client, f"/page/{LAUNCH}?lang=en").data.decode())
    assert "۲۹ آبان ۱۳۷۷" in fa and "۲۰ نوامبر ۱۹۹۸" in fa
    assert fa.index("۲۹ آبان ۱۳۷۷") < fa.index("۲۰ نوامبر ۱۹۹۸")       # the reader's calendar first
    assert "29 Aban 1377" in en and "20 November 1998" in en
    assert en.index("20 November 1998") < en.index("29 Aban 1377")
    assert '<time datetime="1998-11-20">' in en


def test_page_shows_provenance_twins_and_values_for_people(client):
    """Passage text and translation, DBpedia/Wikidata links, numbers and yes/no in Persian."""
    page = html.unescape(get(client, "/page/International_Space_Station?lang=en").data.decode())
    assert 'href="http://dbpedia.org/resource/International_Space_Station"' in page
    assert 'href="http://www.wikidata.org/entity/Q25271"' in page
    passage = URIRef(RES + "Passage_P1")
    assert str(SOURCE_DATA.value(passage, ISS.verbatimText)) in page
    assert str(SOURCE_DATA.value(passage, ISS.translation)) in page
    assert 'dir="rtl" class="verbatim"' in page
    cost = html.unescape(get(client, "/page/Total_cost_estimate?lang=fa").data.decode())
    assert "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰" in cost
    assert "بله" in html.unescape(get(client, "/page/International_Space_Station?lang=fa").data.decode())


def test_ontology_page_is_a_reference(client):
    """Every class, datatype and property has its #anchor, labels, and a count of uses with a query."""
    for lang in ("en", "fa"):
        r = get(client, f"/ontology?lang={lang}", "text/html")
        tree = parse_html(r.data)
        assert not foreign_assets(tree)
        ids = {el.get("id") for el in tree.iter() if el.get("id")}
        missing = [t for t in TERMS if t[len(str(ISS)):] not in ids]
        assert not missing, missing
        text = html.unescape(r.data.decode())
        for term in TERMS:
            labels = labels_of(term)
            assert labels["en"] in text and labels["fa"] in text
    launch = tree.find(".//section[@id='Launch']")
    assert "Event" in "".join(a.get("href") for a in launch.iter("a"))


@pytest.mark.parametrize("term, query_var", [("date", "subject"), ("Country", "instance"), ("builder", "subject"),
                                             ("Event", "instance"), ("SolarHijriDate", "value"),
                                             ("AuxiliaryProperty", "instance")])
def test_where_a_term_is_used_is_a_sparql_query(client, term, query_var):
    """The 'used in the data' link runs on the endpoint and lists exactly as many uses as the page counts.

    A class counts its instances and its subclasses' (Event: launches, arrivals, retirements…), in
    the default graph, the ontology included (the iss:AuxiliaryProperty instances are properties).
    """
    tree = parse_html(get(client, "/ontology?lang=en", "text/html").data)
    section = tree.find(f".//section[@id='{term}']")
    link = next(a for a in section.iter("a") if a.get("class") == "uses-query")
    shown = int(text_of(section.find(".//span[@class='uses']")).split()[0])
    iri = ISS[term]
    used = SOURCE_DATA + SOURCE_ONTOLOGY + SOURCE_INFERRED     # the default graph
    if term == "SolarHijriDate":
        expected = sum(1 for *_, o in used if isinstance(o, Literal) and o.datatype == iri)
    elif term[0].isupper():
        classes = set((SOURCE_ONTOLOGY + SOURCE_INFERRED).transitive_subjects(RDFS.subClassOf, iri))
        expected = len({s for c in classes for s in used.subjects(RDF.type, c)})
    else:
        expected = len(list(used.triples((None, iri, None))))
    assert shown == expected > 0
    parts = urlsplit(link.get("href"))
    args = parse_qs(parts.query)
    assert parts.path == "/query" and args["lang"] == ["en"] and "query" in args
    page = parse_html(client.get(link.get("href")).data)
    assert int(page.find(".//span[@id='result-count']").get("data-count")) == expected
    r = client.get("/sparql", query_string={"query": args["query"][0]},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    rows = json.loads(r.data)["results"]["bindings"]
    assert len(rows) == expected and all(query_var in row for row in rows)


def test_every_terms_count_of_uses_is_what_its_query_lists(client):
    """No count on the ontology page disagrees with the query it links to, and a term shown unused
    has no use at all in the default graph."""
    tree = parse_html(get(client, "/ontology?lang=en", "text/html").data)
    checked = 0
    for section in tree.iter("section"):
        if section.get("class") != "term":
            continue
        shown = int(text_of(section.find(".//span[@class='uses']")).split()[0])
        link = next((a for a in section.iter("a") if a.get("class") == "uses-query"), None)
        if link is None:
            assert shown == 0, section.get("id")
            term, kind = ISS[section.get("id")], section.get("data-kind")
            pattern = {"class": f"?x a/<{RDFS.subClassOf}>* <{term}>",
                       "datatype": f"?s ?p ?v FILTER(isLiteral(?v) && datatype(?v) = <{term}>)"}.get(kind, f"?s <{term}> ?v")
            query = f"ASK {{ {pattern} }}"
        else:
            query = parse_qs(urlsplit(link.get("href")).query)["query"][0]
        r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.data
        answer = json.loads(r.data)
        listed = answer["boolean"] and 1 if link is None else len(answer["results"]["bindings"])
        assert listed == (0 if link is None else shown), (section.get("id"), shown, listed)
        checked += 1
    assert checked == len(TERMS)


@pytest.mark.parametrize("term", TERMS)
def test_term_iris_land_on_their_entry(client, app, term):
    """An ontology term's IRI maps to /ontology#Term, and the page has that anchor."""
    site = app.extensions["issgraph"].site
    parts = urlsplit(site.local(term))
    r = get(client, parts.path, "text/html")
    assert r.status_code == 200 and f'id="{parts.fragment}"'.encode() in r.data


@pytest.mark.parametrize("path", ["/dataset", "/dumps/", "/ontology"])
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_other_pages_validate(client, path, lang):
    """The dataset, downloads and ontology pages: strict HTML5, local assets, VoID link."""
    r = get(client, f"{path}?lang={lang}", "text/html")
    assert r.status_code == 200
    tree = parse_html(r.data)
    assert not foreign_assets(tree)
    assert f"/.well-known/void?lang={lang}" in {a.get("href") for a in tree.iter("a")}


def test_dataset_page_shows_computed_statistics(client):
    """The dataset page: both labels, its triple count in the reader's digits, partitions and downloads."""
    fa = html.unescape(get(client, "/dataset?lang=fa", "text/html").data.decode())
    en = html.unescape(get(client, "/dataset?lang=en", "text/html").data.decode())
    labels = labels_of(BASE + "dataset")
    for page in (fa, en):
        assert labels["en"] in page and labels["fa"] in page
        assert "/dumps/issgraph.nq.gz" in page
    count = len(SOURCE_DEFAULT)
    assert f"{count:,}" in en
    assert f"{count:,}".replace(",", "٬").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in fa
    assert 'href="/ontology?lang=en#Launch"' in en


# Not found, not acceptable ----------------------------------------------------------------------------

def test_unknown_resource_is_404_in_html_for_browsers(client):
    """A browser gets a valid HTML 404 page naming the IRI."""
    r = get(client, "/resource/No_such_thing", "text/html")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    parse_html(r.data)
    assert (RES + "No_such_thing").encode() in r.data
    assert get(client, "/page/No_such_thing?lang=fa").status_code == 404


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_unknown_resource_is_404_in_the_negotiated_format(client, fmt):
    """A program gets a 404 that parses as an empty graph in its format."""
    r = get(client, "/resource/No_such_thing", fmt.media_type)
    assert r.status_code == 404
    assert r.headers["Content-Type"].split(";")[0] == fmt.media_type
    assert len(parse_both(r.data, fmt)) == 0
    assert get(client, f"/data/No_such_thing.{fmt.extension}").status_code == 404


def test_unacceptable_and_unknown(client):
    """406 for formats nobody offers; 404 for unknown extensions, versions, graphs, dumps."""
    assert get(client, f"/resource/{LAUNCH}", "image/png").status_code == 406
    assert get(client, "/ontology", "image/png").status_code == 406
    assert get(client, f"/data/{LAUNCH}.png").status_code == 404
    assert get(client, "/ontology/9.9.9", "text/turtle").status_code == 404
    assert get(client, "/graph/nothing", "text/turtle").status_code == 404
    assert get(client, "/dumps/other.ttl").status_code == 404


# Validators: ETag, Last-Modified, 304, HEAD ------------------------------------------------------

CONDITIONAL = [("/resource/International_Space_Station", "text/turtle"), (f"/page/{LAUNCH}", "text/html"),
               ("/data/Passage_P2.1.jsonld", "*/*"), ("/ontology", "text/html"), ("/ontology.rdf", "*/*"),
               ("/dataset", "application/ld+json"), ("/.well-known/void", "text/turtle"), ("/context.jsonld", "*/*"),
               ("/graph/shapes", "application/n-triples"), ("/dumps/", "text/html"),
               ("/dumps/issgraph.trig.gz", "*/*")]


@pytest.mark.parametrize("path, accept", CONDITIONAL)
def test_conditional_get_and_head(client, path, accept):
    """Strong ETag and Last-Modified; If-None-Match and If-Modified-Since give 304; HEAD has no body."""
    r = get(client, path, accept)
    assert r.status_code == 200
    etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = get(client, path, accept, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert get(client, path, accept, **{"If-Modified-Since": modified}).status_code == 304
    assert get(client, path, accept, **{"If-None-Match": '"something-else"'}).status_code == 200
    head = client.head(path, headers={"Accept": accept})
    assert head.status_code == 200 and head.data == b""
    for key in ("ETag", "Last-Modified", "Content-Type", "Content-Length"):
        assert head.headers[key] == r.headers[key]
    assert int(r.headers["Content-Length"]) == len(r.data)


def test_documents_are_built_once(app, dataset, monkeypatch):
    """A second fetch of a description is served from the cache: describe() runs once per document."""
    from issgraph import linked
    from issgraph.app import create_app

    calls = []
    real = linked.describe
    monkeypatch.setattr(linked, "describe", lambda ds, iri, **kw: calls.append(iri) or real(ds, iri, **kw))
    fresh = create_app(app.extensions["issgraph"].config, dataset)
    try:
        client = fresh.test_client()
        for _ in range(3):
            assert get(client, "/resource/Soyuz", "text/turtle").status_code == 200
        assert calls == [RES + "Soyuz"]
    finally:
        fresh.extensions["issgraph"].executor.close()


# Dumps ---------------------------------------------------------------------------------------------------

DUMPS = [(f, gz) for f in DUMP_FORMATS for gz in (False, True)]
DUMP_IDS = [dump_name(f, gz) for f, gz in DUMPS]


def _graph_of_quads(quads) -> dict[str, Graph]:
    """Quads as one rdflib Graph per graph name."""
    out: dict[str, Graph] = {}
    for q in quads:
        out.setdefault(q.graph_name.value, Graph()).add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return out


@pytest.mark.parametrize("fmt, gz", DUMPS, ids=DUMP_IDS)
def test_dump_parses_with_both_parsers_and_holds_the_graph(client, dataset, fmt, gz):
    """Each dump, plain and gzip: headers, both parsers, and exactly the source's triples."""
    name = dump_name(fmt, gz)
    r = get(client, f"/dumps/{name}")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == ("application/gzip" if gz else fmt.media_type)
    assert r.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert int(r.headers["Content-Length"]) == len(r.data)
    assert not r.headers["ETag"].startswith("W/")
    body = gzip.decompress(r.data) if gz else r.data
    if fmt.kind == "graph":
        graph = parse_both(body, fmt)
        assert len(graph) == dataset.default_triple_count == len(SOURCE_DEFAULT)
        assert isomorphic(graph, normalised(SOURCE_DEFAULT))
    else:
        by_graph = _graph_of_quads(ox.parse(body, format=fmt.rdf))
        sources = {BASE + "graph/data": SOURCE_DATA, BASE + "graph/ontology": SOURCE_ONTOLOGY,
                   BASE + "graph/shapes": SOURCE_SHAPES, BASE + "graph/inferred": SOURCE_INFERRED}
        assert set(by_graph) == set(sources)
        for iri, source in sources.items():
            assert isomorphic(by_graph[iri], normalised(source)), iri
        rd = RdflibDataset().parse(data=body, format=RDFLIB_FORMAT[fmt.name])
        named = {str(g.identifier): len(g) for g in rd.graphs() if len(g)}
        assert named == {iri: len(source) for iri, source in sources.items()}
        assert sum(named.values()) == sum(len(set(ts)) for ts in dataset.graphs.values())


@pytest.mark.parametrize("fmt, gz", DUMPS, ids=DUMP_IDS)
def test_cli_dump_writes_exactly_the_served_bytes(client, tmp_path, fmt, gz):
    """Another process, another hash seed: the same bytes, so the ETag is the same everywhere."""
    out = tmp_path / dump_name(fmt, gz)
    cmd = [sys.executable, "-m", "issgraph.cli", "dump", "--format", fmt.name, "-o", str(out)] + (["--gzip"] if gz else [])
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == get(client, f"/dumps/{out.name}").data


def test_dumps_are_deterministic(dataset, app):
    """Two builds give the same bytes, whatever the order the triples come in."""
    prefixes = app.extensions["issgraph"].prefixes
    for fmt in DUMP_FORMATS:
        assert dump_bytes(dataset, fmt, True, prefixes) == dump_bytes(dataset, fmt, True, prefixes)
    first, second = Documents(dataset, prefixes), Documents(dataset, prefixes)
    triples = dataset.graphs[BASE + "graph/ontology"]
    jsonld = formats.BY_NAME["jsonld"]
    assert first.rdf(triples, jsonld).body == second.rdf(list(reversed(triples)), jsonld).body


def test_dumps_page_lists_every_dump(client):
    """The downloads page links every dump file."""
    page = get(client, "/dumps/?lang=en", "text/html").data.decode()
    for fmt, gz in DUMPS:
        assert f'href="/dumps/{dump_name(fmt, gz)}"' in page


# VoID -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def void_graph(app):
    """The VoID description as served (Turtle), checked with both parsers."""
    r = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Location"] == "/void.ttl"
    return parse_both(r.data, formats.BY_NAME["turtle"])


DS = URIRef(BASE + "dataset")


def _int(graph: Graph, subject, predicate) -> int:
    """An integer-valued object of the VoID graph."""
    return int(graph.value(subject, predicate))


def test_void_counts_are_computed(void_graph):
    """Each count equals what rdflib counts in the source files."""
    g, source = void_graph, SOURCE_DEFAULT
    assert _int(g, DS, VOID.triples) == len(source)
    assert _int(g, DS, VOID.classes) == len(set(source.objects(None, RDF.type)))
    assert _int(g, DS, VOID.properties) == len(set(source.predicates()))
    assert _int(g, DS, VOID.entities) == len({s for s in source.subjects() if isinstance(s, URIRef)
                                              and str(s).startswith(BASE)})
    assert _int(g, DS, VOID.distinctSubjects) == len(set(source.subjects()))
    assert _int(g, DS, VOID.distinctObjects) == len(set(source.objects()))


def test_void_partitions_are_computed(void_graph):
    """Class and property partitions and graph subsets count what the source files hold."""
    g, source = void_graph, SOURCE_DEFAULT
    classes = {g.value(p, VOID["class"]): _int(g, p, VOID.entities) for p in g.objects(DS, VOID.classPartition)}
    assert classes == {c: len(set(source.subjects(RDF.type, c))) for c in set(source.objects(None, RDF.type))}
    props = {g.value(p, VOID.property): _int(g, p, VOID.triples) for p in g.objects(DS, VOID.propertyPartition)}
    assert props == {p: len(list(source.triples((None, p, None)))) for p in set(source.predicates())}
    subsets = {s: _int(g, s, VOID.triples) for s in g.objects(DS, VOID.subset)}
    assert subsets == {URIRef(BASE + "graph/data"): len(SOURCE_DATA), URIRef(BASE + "graph/ontology"): len(SOURCE_ONTOLOGY),
                       URIRef(BASE + "graph/inferred"): len(SOURCE_INFERRED)}
    assert _int(g, URIRef(BASE + "graph/shapes"), VOID.triples) == len(SOURCE_SHAPES)


def test_void_links_dumps_endpoint_and_describes_the_dataset(client, void_graph):
    """Dumps that resolve, the endpoint, IRI space, license, source, version, vocabularies."""
    g = void_graph
    dumps = sorted(str(d) for d in g.objects(DS, VOID.dataDump))
    assert sorted(urlsplit(d).path for d in dumps) == sorted(f"/dumps/{n}" for n in DUMP_IDS)
    for url in dumps:
        assert get(client, urlsplit(url).path).status_code == 200
    endpoint = g.value(DS, VOID.sparqlEndpoint)
    assert urlsplit(str(endpoint)).path == "/sparql"
    assert get(client, "/sparql", "text/turtle").status_code == 200
    assert str(g.value(DS, VOID.uriSpace)) == BASE
    assert g.value(DS, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
    assert g.value(DS, DCTERMS.source) == URIRef(RES + "Source_text")
    assert g.value(DS, OWL.versionInfo) is not None and g.value(DS, DCTERMS.modified) is not None
    vocabularies = set(g.objects(DS, VOID.vocabulary))
    assert {URIRef(str(ISS)), URIRef(str(RDFS)), URIRef("http://www.w3.org/2004/02/skos/core#")} <= vocabularies
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in set(g.objects(DS, VOID.feature))


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_void_in_every_format(client, void_graph, fmt):
    """The same VoID graph in every format, at /.well-known/void and at the dataset IRI."""
    r = get(client, "/.well-known/void", fmt.media_type)
    assert r.status_code == 200 and r.headers["Content-Location"] == f"/void.{fmt.extension}"
    assert isomorphic(parse_both(r.data, fmt), void_graph)
    dataset_doc = get(client, "/dataset", fmt.media_type)
    assert dataset_doc.data == r.data and dataset_doc.headers["Content-Location"] == f"/dataset.{fmt.extension}"


# JSON-LD -------------------------------------------------------------------------------------------------------

def _nodes(body: bytes) -> dict[str, dict]:
    """A JSON-LD document's nodes by id, checking the context is inline."""
    doc = json.loads(body)
    assert isinstance(doc["@context"], dict), "the context is embedded, so parsers need no fetch"
    return {node["id"]: node for node in doc["@graph"]}


def test_jsonld_keys_read_as_words(client):
    """Keys are the context's words; values are compact and typed where it matters."""
    station = _nodes(get(client, "/resource/International_Space_Station", "application/ld+json").data)
    iss = station["res:International_Space_Station"]
    assert {"label", "description", "orbit", "mainUse", "supportSpacecraft", "sameAs", "statedIn"} <= set(iss)
    assert iss["label"] == {"en": "International Space Station", "fa": "ایستگاه فضایی بین‌المللی"}
    # its own class, and the superclasses the inferred graph adds (as compact as the context makes them)
    assert "SpaceStation" in iss["type"] and "prov:Entity" in iss["type"] and iss["crewed"] is True
    russia = _nodes(get(client, "/resource/Modules_built_by_Russia", "application/ld+json").data)
    assert russia["res:Modules_built_by_Russia"]["builder"] == "res:Russia"
    assert russia["res:Modules_built_by_Russia"]["moduleCount"] == 6
    launch = _nodes(get(client, f"/resource/{LAUNCH}", "application/ld+json").data)
    assert launch[f"res:{LAUNCH}"]["date"] == {"@value": "1998-11-20", "@type": "xsd:date"}
    for doc in (station, russia, launch):
        for node in doc.values():
            assert not any("://" in key for key in node), node.keys()


def test_context_is_published_and_usable(client):
    """/context.jsonld is the embedded context; a document using it parses to the right IRIs."""
    r = get(client, "/context.jsonld")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/ld+json")
    context = json.loads(r.data)["@context"]
    embedded = json.loads(get(client, f"/data/{LAUNCH}.jsonld").data)["@context"]
    assert context == embedded
    doc = json.dumps({"@context": context, "id": "res:X", "type": "Launch", "label": {"en": "x", "fa": "ی"},
                      "builder": "res:Russia", "date": {"@value": "2000-01-01", "@type": "xsd:date"}}).encode()
    jsonld = formats.BY_NAME["jsonld"]
    graph = parse_both(doc, jsonld)
    x = URIRef(RES + "X")
    assert (x, RDF.type, ISS.Launch) in graph
    assert (x, ISS.builder, URIRef(RES + "Russia")) in graph
    assert (x, RDFS.label, Literal("ی", lang="fa")) in graph
    assert (x, ISS.date, Literal("2000-01-01", datatype=XSD.date)) in graph
    assert len(parse_both(r.data, jsonld)) == 0


@pytest.mark.parametrize("query", [
    "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<%s> AS ?s) ?s ?p ?o }" % (RES + "International_Space_Station"),
    "DESCRIBE <%s>" % (RES + "Modules_built_by_Russia"),
])
def test_query_answers_jsonld_as_documents_do(client, query):
    """One JSON-LD policy: a CONSTRUCT/DESCRIBE answer is compacted under the published context, inline,
    like /resource/X, and reads as the very triples of the Turtle answer."""
    context = json.loads(get(client, "/context.jsonld").data)["@context"]
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/ld+json")
    doc = json.loads(r.data)
    assert doc["@context"] == context
    nodes = _nodes(r.data)
    assert nodes and all(not any("://" in key for key in node) for node in nodes.values())
    turtle = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"})
    assert isomorphic(parse_both(r.data, formats.BY_NAME["jsonld"]), parse_both(turtle.data, formats.BY_NAME["turtle"]))


def test_query_answer_in_jsonld_keeps_a_literal_s_base_direction(client, config):
    """RDF 1.2 base direction survives the compacted JSON-LD (@direction), as it does in Turtle:
    a Persian or Arabic string marked right-to-left stays marked."""
    query = 'CONSTRUCT { <urn:x:a> <urn:x:p> "سلام"@fa--rtl, "hello"@en--ltr } WHERE {}'
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"})
    if config.engine == "rdflib":   # SPARQL 1.1 only: refused with the reason, not misread
        assert r.status_code == 400 and b"SPARQL 1.2" in r.data and b"--engine oxigraph" in r.data
        return
    assert r.status_code == 200, r.data
    got = {(q.object.value, q.object.language, str(q.object.direction))
           for q in ox.parse(r.data, format=ox.RdfFormat.JSON_LD)}
    assert got == {("سلام", "fa", "rtl"), ("hello", "en", "ltr")}


def test_query_answer_in_jsonld_keeps_large_integers_integers(client):
    """Integers past 2^53 stay xsd:integer for every reader (a bare JSON number would not)."""
    query = "CONSTRUCT { <urn:x:a> <urn:x:n> 100000000000000000000, 7 } WHERE {}"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200, r.data
    got = {(q.object.value, q.object.datatype.value) for q in ox.parse(r.data, format=ox.RdfFormat.JSON_LD)}
    assert got == {("100000000000000000000", str(XSD.integer)), ("7", str(XSD.integer))}
    assert {(str(o), str(o.datatype)) for o in parse_with_rdflib(r.data, formats.BY_NAME["jsonld"]).objects()} == got


def test_service_description_jsonld_as_documents_do(client):
    """The service description in JSON-LD is compacted under the same context as every document."""
    context = json.loads(get(client, "/context.jsonld").data)["@context"]
    r = get(client, "/sparql", "application/ld+json")
    assert r.status_code == 200 and json.loads(r.data)["@context"] == context
    assert any(node.get("type") == "http://www.w3.org/ns/sparql-service-description#Service"
               for node in _nodes(r.data).values())
    turtle = get(client, "/sparql", "text/turtle")
    assert isomorphic(parse_both(r.data, formats.BY_NAME["jsonld"]), parse_both(turtle.data, formats.BY_NAME["turtle"]))


# Against the real server (gunicorn, two workers) ------------------------------------------------------------

def test_server_negotiates_and_answers_304(server):
    """Against gunicorn: negotiation headers, 304 by ETag and by date, the Persian page."""
    url = server.url + "/resource/International_Space_Station"
    r = requests.get(url, headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Location"] == "/data/International_Space_Station.ttl"
    assert "Accept" in r.headers["Vary"]
    again = requests.get(url, headers={"Accept": "text/turtle", "If-None-Match": r.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(url, headers={"Accept": "text/turtle", "If-Modified-Since": r.headers["Last-Modified"]},
                         timeout=10)
    assert since.status_code == 304
    page = requests.get(url, headers={"Accept": "text/html", "Accept-Language": "fa"}, timeout=10)
    assert page.headers["Content-Location"] == "/page/International_Space_Station" and 'dir="rtl"' in page.text


@pytest.mark.parametrize("path", ["/data/Japan.nt", "/resource/Japan", "/dumps/issgraph.ttl", "/.well-known/void",
                                  "/sparql?query=ASK%7B%7D"])
def test_a_weak_etag_in_if_none_match_gets_304_every_time(server, path):
    """If-None-Match compares weakly (RFC 9110 13.1.2): W/"tag" matches "tag". It did until the answer
    was kept by the entrance's cache, then a replay compared strongly and sent 200."""
    url = server.url + path + ("&" if "?" in path else "?") + "weak=1"
    with requests.Session() as session:
        first = session.get(url, headers={"Accept": "text/turtle, application/sparql-results+json"}, timeout=10)
        assert first.status_code == 200 and first.headers["ETag"].startswith('"')
        weak = "W/" + first.headers["ETag"]
        answers = [session.get(url, headers={"Accept": "text/turtle, application/sparql-results+json",
                                             "If-None-Match": f'"other", {weak}'}, timeout=10) for _ in range(8)]
    assert [r.status_code for r in answers] == [304] * 8, [r.status_code for r in answers]
    assert all(r.headers["ETag"] == first.headers["ETag"] and r.headers["Access-Control-Allow-Origin"] == "*"
               and r.content == b"" for r in answers)


def test_server_serves_dumps_with_length_and_head(server, dataset, app):
    """Against gunicorn: HEAD and GET agree on length and ETag; bytes equal this process's."""
    url = server.url + "/dumps/issgraph.nq.gz"
    head = requests.head(url, timeout=10)
    body = requests.get(url, timeout=10)
    assert head.status_code == body.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == len(body.content) == int(body.headers["Content-Length"])
    assert head.headers["ETag"] == body.headers["ETag"]
    assert body.content == dump_bytes(dataset, "nquads", True, app.extensions["issgraph"].prefixes)


@pytest.mark.parametrize("path", ["/graph/ontology.jsonld", "/void.jsonld", "/ontology?lang=fa", "/page/Passage_P1"])
def test_every_worker_gives_the_same_bytes(server, client, path):
    """ETags agree across worker processes and with this process: blank nodes and key order are stable."""
    tags = {requests.get(server.url + path, timeout=10).headers["ETag"] for _ in range(6)}
    assert len(tags) == 1
    if not path.startswith("/void"):      # VoID names the host it is served from
        assert tags == {get(client, path).headers["ETag"]}


def test_server_void_points_at_itself(server):
    """The served VoID names the server's own endpoint and dump URLs, which resolve."""
    g = parse_both(requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=10).content,
                   formats.BY_NAME["turtle"])
    assert str(g.value(DS, VOID.sparqlEndpoint)) == server.url + "/sparql"
    dump = next(str(d) for d in g.objects(DS, VOID.dataDump) if str(d).endswith(".ttl"))
    assert dump.startswith(server.url) and requests.head(dump, timeout=10).status_code == 200


# Another base, local assets ---------------------------------------------------------------------------------

def test_another_base_iri_is_served_at_the_same_paths(app):
    """A deployment under another base serves the same paths; documents speak that base's IRIs."""
    from issgraph.app import create_app
    from issgraph.dataset import load

    config = app.extensions["issgraph"].config.replace(base_iri="http://example.org/kg/")
    other = create_app(config, load(config))
    try:
        client = other.test_client()
        r = get(client, f"/resource/{LAUNCH}", "text/turtle")
        graph = parse_both(r.data, formats.BY_NAME["turtle"])
        launch = URIRef(f"http://example.org/kg/resource/{LAUNCH}")
        assert (launch, URIRef("http://example.org/kg/ontology#station"),
                URIRef("http://example.org/kg/resource/International_Space_Station")) in graph
        assert not any(str(t).startswith(BASE) for triple in graph for t in triple)
        page = get(client, f"/page/{LAUNCH}?lang=en").data.decode()
        assert ('href="/resource/International_Space_Station?lang=en"' in page
                and 'href="/ontology?lang=en#date"' in page)
        context = json.loads(get(client, "/context.jsonld").data)["@context"]
        assert context["@vocab"] == "http://example.org/kg/ontology#"
        void = parse_both(get(client, "/.well-known/void", "text/turtle").data, formats.BY_NAME["turtle"])
        assert str(void.value(URIRef("http://example.org/kg/dataset"), VOID.uriSpace)) == "http://example.org/kg/"
    finally:
        other.extensions["issgraph"].executor.close()


def test_local_assets_resolve(client):
    """Every stylesheet, script or image a page loads is served by the app itself: the pages work offline."""
    for path in (f"/page/{LAUNCH}?lang=fa", "/ontology?lang=en", "/dataset?lang=fa", "/dumps/"):
        tree = parse_html(get(client, path, "text/html").data)
        assets = [el.get("href") for el in tree.iter("link") if el.get("rel") in ("stylesheet", "icon")]
        assets += [el.get("src") for el in tree.iter() if el.get("src")]
        assert assets, path
        for url in assets:
            r = client.get(url)
            assert r.status_code == 200, url


@pytest.mark.parametrize("path", ["/resource/Dragon", "/dumps/issgraph.nt", "/ontology"])
def test_a_document_kept_by_both_caches_is_one_bytes_object(app, client, path):
    """The documents' cache (one entry per built document) and the entrance's (one per request,
    from its second asking) hold the very same bytes: a document is in memory once."""
    svc = app.extensions["issgraph"]
    accept = {"Accept": "text/turtle"}
    answers = [client.get(path, headers=accept) for _ in range(2)]
    assert answers[0].status_code == answers[1].status_code == 200
    body = answers[1].data
    kept = [value[2] for value, _ in svc.entrance.cache._items.values() if value[2] == body]
    built = [doc.body for doc, _ in svc.documents._cache._items.values() if doc.body == body]
    assert kept and built and all(k is built[0] for k in kept)
