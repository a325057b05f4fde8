"""Pages for people, through the Flask client: home, pictures, query page (without JavaScript), search."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, quote, urlparse

import html5lib
import pyoxigraph as ox
import pytest

from issgraph import examples, pictures
from issgraph.app import services
from issgraph.protocol import ProtocolQuery
from issgraph.text import fold

from .conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"
ISS = "https://w3id.org/issgraph/ontology#"
RES = "https://w3id.org/issgraph/resource/"
ZWNJ = "\u200c"
STATION_FA = f"ایستگاه فضایی بین{ZWNJ}المللی"


@pytest.fixture()
def site_labels(app):
    """label(iri, lang): the label the pages show for an IRI."""
    return services(app).site.labels.get


def parse(body: bytes):
    """The page as an element tree; html5lib in strict mode raises on any parse error."""
    parser = html5lib.HTMLParser(strict=True, tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    return parser.parse(body)


def get(client, url: str, status: int = 200, **kw):
    r = client.get(url, **kw)
    assert r.status_code == status, (url, r.status_code, r.data[:300])
    return r


def page(client, url: str, status: int = 200):
    r = get(client, url, status)
    assert r.content_type == "text/html; charset=utf-8"
    return r, parse(r.data)


def text(el) -> str:
    return "".join(el.itertext()).strip()


def by_class(tree, tag: str, cls: str):
    return [e for e in tree.iter(tag) if cls in (e.get("class") or "").split()]


def svg_of(client, name: str, lang: str):
    r = get(client, f"/pictures/{name}.svg?lang={lang}")
    assert r.content_type == "image/svg+xml; charset=utf-8"
    return ET.fromstring(r.data)


# --- the home page ---

@pytest.mark.parametrize("lang", ["en", "fa"])
def test_home_page_says_what_the_graph_is_in_its_language(client, dataset, lang):
    r, tree = page(client, f"/?lang={lang}")
    html = tree.getroot() if hasattr(tree, "getroot") else tree
    assert html.get("lang") == lang and html.get("dir") == ("rtl" if lang == "fa" else "ltr")
    description = next(t.object for t in dataset.data
                       if t.subject.value == dataset.config.dataset_iri
                       and t.predicate.value == "http://purl.org/dc/terms/description" and t.object.language == lang)
    lead = by_class(tree, "p", "lead")[0]
    assert text(lead) == description.value
    links = {a.get("href") for a in tree.iter("a")}
    for target in (f"/query?lang={lang}", f"/dumps/?lang={lang}", f"/.well-known/void?lang={lang}", f"/ontology?lang={lang}",
                   f"/resource/Source_text?lang={lang}"):
        assert target in links, target


def test_home_page_size_is_computed_from_the_graph(client, dataset):
    triples = dataset.default_triple_count
    assert triples == len(set(dataset.data) | set(dataset.ontology) | set(dataset.inferred))
    _, en = page(client, "/?lang=en")
    stat = next(e for e in en.iter("li") if e.get("id") == "stat-triples")
    assert stat.find("strong").get("data-value") == str(triples)
    assert text(stat.find("strong")) == f"{triples:,}"
    data = next(e for e in en.iter("li") if e.get("id") == "stat-data_triples")
    assert data.find("strong").get("data-value") == str(len(dataset.data))
    _, fa = page(client, "/?lang=fa")
    stat = next(e for e in fa.iter("li") if e.get("id") == "stat-triples")
    persian = f"{triples:,}".replace(",", "٬").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert text(stat.find("strong")) == persian


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_home_page_lists_the_example_questions_titled_in_its_language(client, lang):
    _, tree = page(client, f"/?lang={lang}")
    listed = [(a.get("href"), text(a)) for a in tree.iter("a") if a.get("data-example")]
    files = sorted((ROOT / "queries").glob("q[0-9][0-9]-*.rq"))
    assert len(listed) == len(files) == 15
    for (href, title), f in zip(listed, files):
        head = f.read_text(encoding="utf-8")
        want = re.search(r"^# title" + ("@fa" if lang == "fa" else "") + r": (.+)$", head, re.M).group(1)
        assert title == want
        assert href == f"/query?example={f.stem}&lang={lang}"


def test_home_page_offers_entities_to_start_browsing(client):
    _, tree = page(client, "/?lang=fa")
    start = next(e for e in tree.iter("dl") if e.get("class") == "start")
    links = {a.get("href"): text(a) for a in start.iter("a")}
    assert links["/resource/International_Space_Station?lang=fa"] == STATION_FA
    assert links["/resource/Russia?lang=fa"] == "روسیه"
    assert "/resource/Dragon?lang=fa" in links


def test_home_page_draws_both_pictures_inline_with_links_to_their_queries(client):
    r, tree = page(client, "/?lang=en")
    body = r.data.decode()
    assert body.count('<g class="moment ') == 10
    assert body.count('<g class="builder"') == 6
    hrefs = {a.get("href") for a in tree.iter("a")}
    assert "/query?example=timeline&lang=en" in hrefs
    assert "/query?example=module-shares-chart&lang=en" in hrefs


# --- the timeline ---

# (resource, date as the graph gives it, precision, English date, Persian date)
TIMELINE = [
    ("Launch_of_the_first_module", "1998-11-20", "day", "20 November 1998 (29 Aban 1377)",
     "۲۹ آبان ۱۳۷۷ (۲۰ نوامبر ۱۹۹۸)"),
    ("Arrival_of_the_first_expedition", "2000-11-02", "day", "2 November 2000 (12 Aban 1379)",
     "۱۲ آبان ۱۳۷۹ (۲ نوامبر ۲۰۰۰)"),
    ("ATV_joins_the_support_fleet", "2008-03-09", "day", "9 March 2008 (19 Esfand 1386)",
     "۱۹ اسفند ۱۳۸۶ (۹ مارس ۲۰۰۸)"),
    ("Largest_station_in_Earth_orbit", "2008", "year", "2008", "۲۰۰۸"),
    ("Completion_implied_by_the_2008_record", "2010", "year", "2010", "۲۰۱۰"),
    # A month: the Solar Hijri months it spans beside it (1–31 July 2011 is 10 Tir – 9 Mordad 1390).
    ("Space_Shuttle_retirement", "2011-07", "month", "July 2011 (Tir–Mordad 1390)", "ژوئیه ۲۰۱۱ (تیر–مرداد ۱۳۹۰)"),
    ("HTV_joins_the_support_fleet", "2011-09", "month", "September 2011 (Shahrivar–Mehr 1390)",
     "سپتامبر ۲۰۱۱ (شهریور–مهر ۱۳۹۰)"),
    ("Planned_completion", "2015", "year", "2015", "۲۰۱۵"),
    ("Planned_end_of_operation", "2020", "year", "2020", "۲۰۲۰"),
    ("Expected_operation_beyond_the_mid-2020s", "2025", "year", "after 2025", "پس از ۲۰۲۵"),
]


def _moments(svg):
    return [g for g in svg.iter(SVG + "g") if "moment" in (g.get("class") or "").split()]


def test_the_timeline_holds_every_dated_event_and_milestone_of_the_station(client, dataset):
    dated = {t.subject.value for t in dataset.data
             if t.predicate.value in (ISS + "date", ISS + "expectedAfter")}
    on_station = {t.subject.value for t in dataset.data
                  if t.predicate.value == ISS + "station" and t.object.value == RES + "International_Space_Station"}
    svg = svg_of(client, "timeline", "en")
    drawn = [g.get("data-iri") for g in _moments(svg)]
    assert set(drawn) == dated & on_station == {RES + name for name, *_ in TIMELINE}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_each_timeline_entry_shows_its_date_at_its_own_precision_in_both_calendars(client, site_labels, lang):
    svg = svg_of(client, "timeline", lang)
    moments = _moments(svg)
    assert [g.get("data-iri") for g in moments] == [RES + name for name, *_ in TIMELINE]
    for g, (name, value, precision, en, fa) in zip(moments, TIMELINE):
        assert g.get("data-date") == value and g.get("data-precision") == precision
        label = next(t for t in g.iter(SVG + "text") if t.get("class") == "label")
        date = next(t for t in g.iter(SVG + "text") if t.get("class") == "date")
        assert "".join(label.itertext()) == site_labels(RES + name, lang)
        assert "".join(date.itertext()) == (fa if lang == "fa" else en)
        if lang == "fa":
            assert label.get("direction") == date.get("direction") == "rtl"
        # No invented day: month- and year-precision dates carry no day number.
        if precision != "day":
            assert not re.search(r"\b\d{1,2} [A-Z]", "".join(date.itertext()))


def test_timeline_bands_are_as_wide_as_the_precision_and_time_runs_with_the_language(client):
    for lang in ("en", "fa"):
        svg = svg_of(client, "timeline", lang)
        assert svg.get("direction") == ("rtl" if lang == "fa" else "ltr") and svg.get("lang") == lang
        widths, centres = {}, []
        for g in _moments(svg):
            band = next(r for r in g.iter(SVG + "rect") if r.get("class") == "precision")
            if g.get("data-after") != "true":
                widths.setdefault(g.get("data-precision"), set()).add(float(band.get("width")))
            marker = next(m for m in g if (m.get("class") or "") == "marker")
            centres.append(float(marker.get("cx") or re.match(r"M([\d.]+)", marker.get("d")).group(1)))
        assert min(widths["year"]) > max(widths["month"]) >= max(widths["day"])
        assert centres == sorted(centres, reverse=(lang == "fa"))
        years = [("".join(t.itertext())) for t in svg.iter(SVG + "text") if t.get("class") == "year"]
        assert years[:2] == (["۲۰۰۰", "۲۰۰۵"] if lang == "fa" else ["2000", "2005"])


def test_the_timeline_is_the_answer_of_its_query_file(client, app):
    svc = services(app)
    moments = pictures.timeline_moments(svc.queries, svc.config.queries_path, svc.site.base)
    assert [m.value for m in moments] == [value for _, value, *_ in TIMELINE]
    example = examples.find(svc.config.queries_path, "timeline")
    assert example.title_en and example.title_fa and not example.is_question
    _, tree = page(client, "/query?example=timeline&lang=en")
    rows = [r for r in tree.iter("tr") if r.find("td") is not None]
    assert len(rows) == len(TIMELINE)


# --- the chart ---

SHARES = {"Russia": (7, 6, 1), "United_States": (6, 4, 2), "Europe": (4, 3, 1), "Japan": (2, 2, 0),
          "Canada": (2, 2, 0), "Italy": (1, 1, 0)}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_chart_shows_each_builders_share_with_joint_modules_shared(client, site_labels, lang):
    svg = svg_of(client, "module-shares", lang)
    builders = [g for g in svg.iter(SVG + "g") if g.get("class") == "builder"]
    found = {}
    fills = {}
    for g in builders:
        name = g.get("data-iri")[len(RES):]
        own = [r for r in g.iter(SVG + "rect") if r.get("class") == "module own"]
        joint = [j for j in g.iter(SVG + "g") if j.get("class") == "module joint"]
        found[name] = (int(g.get("data-share")), len(own), len(joint))
        label = next(t for t in g.iter(SVG + "text") if t.get("class") == "name")
        assert "".join(label.itertext()) == site_labels(g.get("data-iri"), lang)
        count = next(t for t in g.iter(SVG + "text") if t.get("class") == "count")
        first = "".join(next(count.iter(SVG + "tspan")).itertext())
        assert first == (str(found[name][0]).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
                         if lang == "fa" else str(found[name][0]))
        for j in joint:
            fills.setdefault(j.get("data-contribution"), []).append(
                (name, j.get("data-with"), j.find(SVG + "rect").get("fill")))
    assert found == SHARES
    assert [g.get("data-iri")[len(RES):] for g in builders][:3] == ["Russia", "United_States", "Europe"]
    # Each joint module is drawn in both of its builders' bars, with one striped fill of both colours.
    assert len(fills) == 2
    for contribution, cells in fills.items():
        assert len(cells) == 2 and cells[0][2] == cells[1][2] and cells[0][2].startswith("url(#joint-")
        (a, with_a, _), (b, with_b, _) = cells
        assert with_a == RES + b and with_b == RES + a
    total = next(t for t in svg.iter(SVG + "text") if t.get("class") == "total")
    assert ("۲۰" if lang == "fa" else "20 main modules") in "".join(total.itertext())


def test_the_chart_agrees_with_the_module_shares_question(client, app):
    svc = services(app)
    reply = svc.queries.answer(
        ProtocolQuery(query=(ROOT / "queries" / "q05-module-shares.rq").read_text(encoding="utf-8")),
        "application/sparql-results+json")
    q5 = {b["builder"]["value"][len(RES):]: int(b["share"]["value"])
          for b in json.loads(reply.body)["results"]["bindings"]}
    shares, _ = pictures.module_shares(svc.queries, svc.config.queries_path)
    assert {s.iri[len(RES):]: s.total for s in shares} == q5 == {k: v[0] for k, v in SHARES.items()}


# --- HTML validity and assets ---

PAGES = ["/", "/?lang=fa", "/query", "/query?lang=fa", "/query?example=q01-first-module-launch&lang=fa",
         "/query?example=timeline", "/query?query=" + quote("ASK { ?s ?p ?o }"),
         "/query?query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"),
         "/search?q=iss", "/search?q=" + quote("بینالمللی") + "&lang=fa", "/search?q=", "/search?q=zzzz"]
ASSET_ATTRIBUTES = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
                    "embed": "src", "object": "data", "link": "href"}


@pytest.mark.parametrize("url", PAGES + ["/query?query=" + quote("SELECT * {\n ?s ?p\n}"),
                                         "/search?q=" + "x" * 201])
def test_pages_are_valid_html(client, url):
    r = client.get(url)
    assert r.status_code in (200, 400)
    parse(r.data)   # raises on the first parse error


@pytest.mark.parametrize("url", PAGES)
def test_pages_load_nothing_from_other_hosts(client, url):
    r, tree = page(client, url, client.get(url).status_code)
    for el in tree.iter():
        tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
        refs = [el.get(ASSET_ATTRIBUTES[tag])] if tag in ASSET_ATTRIBUTES else []
        if tag in ("image", "use", "feImage"):
            refs += [el.get("href"), el.get("{http://www.w3.org/1999/xlink}href")]
        for ref in filter(None, refs):
            assert not urlparse(ref).netloc and not urlparse(ref).scheme, (url, tag, ref)
        assert "url(http" not in (el.get("style") or "").replace(" ", "")
    body = r.data.decode()
    assert not re.search(r"<style[^>]*>[^<]*@import", body)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", body)


def test_static_files_fetch_nothing_from_other_hosts(client):
    css = get(client, "/static/site.css").data.decode()
    js = get(client, "/static/query.js").data.decode()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css) and "@import" not in css
    fetched = re.findall(r"fetch\(\s*([^,)]+)", js)
    assert fetched and all(arg.startswith('"/') for arg in fetched), fetched
    assert not re.search(r"\bimport\s*\(|\.src\s*=|createElement\(\s*\"script", js)
    # The only absolute IRI the script knows is the XSD namespace, to tell plain literals and numbers apart.
    assert set(re.findall(r"https?://[^\"']+", js)) == {"http://www.w3.org/2001/XMLSchema#"}
    assert "fetch(\"/sparql\"" in js and "history.pushState" in js     # each run a history entry (#15)
    editor = get(client, "/static/editor.js").data.decode()
    fetched = re.findall(r"fetch\(\s*([^,)]+)", editor)
    assert fetched and all(arg.startswith('"/') for arg in fetched), fetched
    assert not re.search(r"\bimport\s*\(|\.src\s*=|createElement\(\s*\"script|https?://", editor)


# --- search ---

def search_json(client, q: str, lang: str = "en", status: int = 200):
    r = get(client, "/search", status, query_string={"q": q, "format": "json", "lang": lang})
    assert r.content_type == "application/json; charset=utf-8"
    return r.get_json()


def test_search_ranks_exact_then_prefix_then_substring(client):
    order = {"exact": 0, "prefix": 1, "substring": 2, "mentioned": 3}
    doc = search_json(client, "station")
    ranks = [order[h["rank"]] for h in doc["results"]]
    assert ranks == sorted(ranks) and ranks[0] == 0 and 1 in ranks
    assert search_json(client, "ISS")["results"][0]["iri"] == RES + "International_Space_Station"
    first = search_json(client, "russia")["results"]
    assert first[0]["iri"] == RES + "Russia" and first[0]["rank"] == "exact"
    # Then labels that start a word with it; then descriptions that mention it, after every label.
    ranks = [h["rank"] for h in first[1:]]
    assert "prefix" in ranks and set(ranks) <= {"prefix", "mentioned"} and ranks == sorted(ranks, key=order.get)
    inside = search_json(client, "ussia")["results"]
    assert inside and all(h["rank"] == "substring" for h in inside)
    assert RES + "Russia" in [h["iri"] for h in inside]


def test_an_exact_label_outranks_a_longer_one(client):
    # "ایستگاه فضایی" is the class "space station" exactly, and the station's own label by prefix.
    hits = search_json(client, "ايستگاه فضائي", "fa")["results"]
    assert [h["iri"] for h in hits[:2]] == [ISS + "SpaceStation", RES + "International_Space_Station"]
    assert [h["rank"] for h in hits[:2]] == ["exact", "prefix"]
    assert hits[0]["type"]["label"] == "کلاس"


def test_search_matches_alternative_and_preferred_labels(client):
    usa = search_json(client, "America")["results"]
    assert usa[0]["iri"] == RES + "United_States" and usa[0]["matched"] == "America"
    assert usa[0]["label"] == "United States"
    atv = search_json(client, "ATV")["results"][0]
    assert atv["iri"] == RES + "Automated_Transfer_Vehicle" and atv["rank"] == "exact"
    assert search_json(client, "آمریکا", "fa")["results"][0]["label"] == "ایالات متحدهٔ آمریکا"


@pytest.mark.parametrize("q", [
    "بینالمللی",                         # as the source writes it, without ZWNJ
    f"بین{ZWNJ}المللی",                  # with ZWNJ
    f"بين{ZWNJ}المللي",                  # Arabic yeh
    "بین المللی",                        # a space for the ZWNJ
    "ایستگاه فضایی بین‌المللی",
    "ايستگاه فضائي بينالمللي",           # Arabic yeh, hamza on yeh, no ZWNJ
])
def test_persian_spelling_variants_find_the_station(client, q):
    hit = search_json(client, q, "fa")["results"][0]
    assert hit["iri"] == RES + "International_Space_Station"
    assert hit["label"] == STATION_FA
    assert hit["type"]["label"] == "ایستگاه فضایی"
    assert hit["description"].startswith("تشکیلات فضایی")
    assert hit["href"] == "/resource/International_Space_Station?lang=fa"


@pytest.mark.parametrize("q,name", [("كانادا", "Canada"), ("رُوسِیه", "Russia"), ("اچ-٢", "H-II_Transfer_Vehicle"),
                                    ("اچ-۲", "H-II_Transfer_Vehicle"), ("اچ-2", "H-II_Transfer_Vehicle"),
                                    ("ÉUROPE", "Europe"), ("spacex", "SpaceX"), ("Space Shuttles", "Space_Shuttle")])
def test_search_folds_letters_diacritics_digits_and_case(client, q, name):
    """Arabic kaf, harakat, Arabic-Indic/Persian/ASCII digits, accents and case all fold away."""
    assert search_json(client, q, "fa")["results"][0]["iri"] == RES + name


def test_search_answers_json_by_accept_and_html_by_default(client):
    r = get(client, "/search?q=dragon", headers={"Accept": "application/json"})
    assert r.content_type.startswith("application/json")
    doc = r.get_json()
    assert doc["q"] == "dragon" and doc["count"] == len(doc["results"]) >= 1
    hit = doc["results"][0]
    assert set(hit) == {"iri", "href", "label", "matched", "rank", "type", "description"}
    assert hit["type"] == {"iri": ISS + "SupportSpacecraft", "label": "support spacecraft"}
    r, tree = page(client, "/search?q=dragon")
    first = by_class(tree, "li", "hit")[0]
    assert first.get("data-iri") == RES + "Dragon"
    assert text(by_class(first, "a", "hit-label")[0]) == "Dragon"
    assert text(by_class(first, "span", "hit-type")[0]) == "support spacecraft"
    assert "SpaceX" in text(by_class(first, "p", "hit-description")[0])
    assert get(client, "/search?q=dragon&format=xml", 400).data.startswith(b"unknown format")


def test_empty_and_over_long_searches_get_a_clear_answer(client):
    for q in ("", "   "):
        assert "Type a word" in search_json(client, q, status=400)["error"]
    assert "error" in get(client, "/search?format=json", 400).get_json()
    assert "at most 200 characters" in search_json(client, "x" * 201, status=400)["error"]
    assert search_json(client, "x" * 200)["results"] == []
    assert "حداکثر ۲۰۰" in search_json(client, "ب" * 201, "fa", status=400)["error"].translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    _, tree = page(client, "/search?q=", 200)
    assert "Type a word" in text(by_class(tree, "p", "message")[0])
    _, tree = page(client, "/search?q=" + "y" * 250, 400)
    assert "at most 200 characters" in text(by_class(tree, "p", "message")[0])
    _, tree = page(client, "/search?q=zzzzqqq")
    assert "zzzzqqq" in text(by_class(tree, "p", "message")[0])


def test_the_zwnj_only_query_folds_to_nothing_and_finds_nothing(client):
    assert fold(ZWNJ) == ""
    assert search_json(client, ZWNJ)["results"] == []


# --- the query page without JavaScript ---

def run_page(client, query: str, lang: str = "en", status: int = 200):
    return page(client, "/query?" + "&".join([f"query={quote(query)}", f"lang={lang}"]), status)


def test_query_page_is_prefilled_with_the_graphs_prefixes_and_lists_the_examples(client, app):
    _, tree = page(client, "/query?lang=fa")
    editor = next(e for e in tree.iter("textarea") if e.get("id") == "query")
    for prefix, ns in services(app).prefixes.items():
        assert f"PREFIX {prefix}: <{ns}>" in editor.text
    assert editor.get("name") == "query" and editor.get("dir") == "ltr"
    form = next(e for e in tree.iter("form") if e.get("id") == "query-form")
    assert form.get("action") == "/query" and form.get("method") == "get"
    listed = {a.get("data-example"): text(a) for a in tree.iter("a") if a.get("data-query")}
    assert len(listed) == len(list(services(app).config.queries_path.glob("*.rq")))     # every file, the canned ones too
    assert listed["q14-atv-persian-name"] == "نام فارسی فضاپیمای ترابری خودکار"
    assert any(e.get("src") == "/static/query.js" for e in tree.iter("script"))
    gutter = next(e for e in tree.iter("pre") if e.get("id") == "gutter")
    assert [text(s) for s in gutter.iter("span")] == [str(i) for i in range(1, editor.text.count("\n") + 2)]


def test_no_script_select_renders_a_table_with_linked_labelled_iris(client):
    _, tree = page(client, "/query?example=q05-module-shares&lang=en")
    table = by_class(tree, "table", "results-table")[0]
    assert [text(th) for th in table.find("thead").iter("th")] == ["#", "?builder", "?name", "?nameFa", "?share"]
    rows = table.find("tbody").findall("tr")
    assert len(rows) == 6
    first = rows[0].findall("td")
    link = first[1].find("a")
    assert link.get("href") == "/resource/Russia?lang=en" and text(link) == "Russia"
    assert link.get("title") == RES + "Russia"
    assert text(first[3]).startswith("روسیه")
    assert text(first[4]) == "7 xsd:integer"
    count = next(e for e in tree.iter("span") if e.get("id") == "result-count")
    assert count.get("data-count") == "6" and text(count) == "6 rows"
    assert next(e for e in tree.iter("span") if e.get("id") == "result-time").get("data-ms")
    _, fa = page(client, "/query?example=q05-module-shares&lang=fa")
    link = by_class(fa, "table", "results-table")[0].find("tbody").find("tr").findall("td")[1].find("a")
    assert link.get("href") == "/resource/Russia?lang=fa" and text(link) == "روسیه"


def test_no_script_ask_renders_yes_or_no(client):
    _, tree = run_page(client, "PREFIX res: <https://w3id.org/issgraph/resource/>\nASK { res:Russia ?p ?o }")
    assert [text(p) for p in by_class(tree, "p", "boolean")] == ["Yes"]
    _, tree = run_page(client, "ASK { <urn:nothing> ?p ?o }", "fa")
    answer = by_class(tree, "p", "boolean")[0]
    assert text(answer) == "خیر" and answer.get("data-boolean") == "false"


def test_no_script_construct_renders_highlighted_turtle(client):
    query = "PREFIX res: <https://w3id.org/issgraph/resource/>\nCONSTRUCT { res:Japan ?p ?o } WHERE { res:Japan ?p ?o }"
    r, tree = run_page(client, query)
    turtle = by_class(tree, "pre", "turtle")[0]
    body = text(turtle)
    assert "res:Japan" in body and '"Japan"@en' in body and "@prefix" in body
    names = {text(s) for s in turtle.iter("span") if s.get("class") == "tt-name"}
    assert "res:Japan" in names
    assert {text(s) for s in turtle.iter("span") if s.get("class") == "tt-string"} >= {'"Japan"', '"ژاپن"'}
    formats = {a.get("data-format"): a.get("href") for a in tree.iter("a") if a.get("data-format")}
    assert set(formats) == {"turtle", "ntriples", "jsonld", "rdfxml"}
    # The download link fetches the same result from the endpoint.
    download = get(client, formats["turtle"])
    assert download.content_type.startswith("text/turtle")
    assert ox.parse(download.data, format=ox.RdfFormat.TURTLE)


def test_no_script_downloads_fetch_the_current_result(client):
    query = "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }"
    _, tree = run_page(client, query)
    links = {a.get("data-format"): a for a in tree.iter("a") if a.get("data-format")}
    assert set(links) == {"csv", "tsv", "json", "xml"}
    for fmt, a in links.items():
        assert parse_qs(urlparse(a.get("href")).query) == {"query": [query], "format": [fmt]}
        assert a.get("download")
    csv = get(client, links["csv"].get("href"))
    assert csv.content_type.startswith("text/csv") and csv.data.decode("utf-8-sig").split() == ["n", "1", "2", "3"]
    doc = json.loads(get(client, links["json"].get("href")).data)
    assert [b["n"]["value"] for b in doc["results"]["bindings"]] == ["1", "2", "3"]


def test_no_script_error_shows_the_message_and_marks_line_and_column(client):
    query = "SELECT * WHERE {\n  ?s ?p ?o .\n  ?s <p> \"unterminated .\n}"
    _, tree = run_page(client, query, status=400)
    error = next(e for e in tree.iter("div") if e.get("id") == "query-error")
    line, column = int(error.get("data-line")), int(error.get("data-column"))
    assert line == 3
    assert f"line {line}, column {column}" in text(error)
    context = by_class(error, "pre", "error-context")[0]
    mark = context.find("mark")
    line_text = query.split("\n")[2]
    assert text(context).startswith("3 ")
    assert (mark.text or "") == (line_text[column - 1] if column <= len(line_text) else " ")
    gutter = next(e for e in tree.iter("pre") if e.get("id") == "gutter")
    assert [text(s) for s in gutter.iter("span") if s.get("class") == "error-line"] == ["3"]
    editor = next(e for e in tree.iter("textarea") if e.get("id") == "query")
    assert editor.text == query
    _, fa = run_page(client, query, "fa", status=400)
    assert "سطر ۳" in text(next(e for e in fa.iter("div") if e.get("id") == "query-error"))


def test_the_query_page_goes_through_the_guard(client):
    _, tree = run_page(client, "SELECT * WHERE {\n  SERVICE <http://example.org/sparql> { ?s ?p ?o }\n}",
                       status=400)
    error = next(e for e in tree.iter("div") if e.get("id") == "query-error")
    assert "SERVICE" in text(error) and error.get("data-line") == "2"
    r = get(client, "/query?example=no-such-example", 404)
    assert b"no-such-example" in r.data


def test_the_query_text_survives_the_address(client):
    query = "\n# a comment, after an empty first line\nSELECT ?label WHERE { <https://w3id.org/issgraph/resource/Italy> " \
            "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
    _, tree = run_page(client, query)
    editor = next(e for e in tree.iter("textarea") if e.get("id") == "query")
    assert editor.text == query
    cells = [text(td) for td in by_class(tree, "table", "results-table")[0].iter("td")]
    assert cells == ["1", "Italy English", "2", "ایتالیا Persian"]


def test_labels_for_the_script(client):
    doc = get(client, "/labels.json?lang=fa").get_json()
    assert doc["labels"][RES + "International_Space_Station"] == STATION_FA
    assert doc["labels"][ISS + "Launch"] == "پرتاب"


def test_the_pictures_are_the_same_on_either_engine(dataset, app):
    from issgraph.app import Services
    from issgraph.config import Config

    config = Config(engine="rdflib", query_timeout=30)
    other = Services(config, dataset.with_config(config))
    try:
        ox_svc = services(app)
        for lang in ("en", "fa"):
            assert pictures.timeline_svg(
                pictures.timeline_moments(other.queries, config.queries_path, other.site.base), other.site, lang) == \
                pictures.timeline_svg(
                    pictures.timeline_moments(ox_svc.queries, config.queries_path, ox_svc.site.base), ox_svc.site, lang)
            assert pictures.shares_svg(*pictures.module_shares(other.queries, config.queries_path), other.site, lang) \
                == pictures.shares_svg(*pictures.module_shares(ox_svc.queries, config.queries_path), ox_svc.site, lang)
    finally:
        other.executor.close()


def test_language_switch_keeps_the_search_and_query(client):
    import re
    from urllib.parse import parse_qs

    page = client.get("/search?q=Japan&lang=en").data.decode()
    href = re.search(r'<a class="lang" href="/search\?([^"]+)"', page).group(1)
    assert parse_qs(href.replace("&amp;", "&")) == {"lang": ["fa"], "q": ["Japan"]}
    page = client.get("/query", query_string={"query": "ASK {}", "lang": "fa"}).data.decode()
    href = re.search(r'<a class="lang" href="/query\?([^"]+)"', page).group(1)
    assert parse_qs(href.replace("&amp;", "&")) == {"lang": ["en"], "query": ["ASK {}"]}
    assert client.get("/static/favicon.svg").status_code == 200
