"""The bilingual site as a whole: the chosen language is kept everywhere, and every page of one
language is in that language (crawled over HTTP from the home page against the real server)."""
from __future__ import annotations

from collections import deque
from urllib.parse import parse_qs, urljoin, urlsplit

import html5lib
import jdatetime
import pytest
import requests

from issgraph import i18n

XSD = "http://www.w3.org/2001/XMLSchema#"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OTHER = {"en": "fa", "fa": "en"}


def parse(body: bytes):
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(body)


# Plain functions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("href, lang, expected", [
    ("/ontology", "fa", "/ontology?lang=fa"),
    ("/ontology#Launch", "fa", "/ontology?lang=fa#Launch"),
    ("/query?example=q01&lang=en", "fa", "/query?example=q01&lang=fa"),
    ("/dumps/", "en", "/dumps/?lang=en"),
    ("https://dbpedia.org/resource/X", "fa", "https://dbpedia.org/resource/X"),
    ("//elsewhere.example/x", "fa", "//elsewhere.example/x"),
    ("#Launch", "fa", "#Launch"),
])
def test_a_local_link_carries_the_language_and_nothing_else_changes(href, lang, expected):
    assert i18n.with_lang(href, lang) == expected


def test_counts_follow_each_languages_plural_rule():
    assert i18n.counted("q_rows", 1, "en") == "1 row"
    assert i18n.counted("q_rows", 2, "en") == "2 rows"
    assert i18n.counted("q_rows", 0, "en") == "0 rows"
    assert i18n.counted("instances", 1, "en") == "1 instance"
    assert i18n.counted("q_rows", 1470, "en") == "1,470 rows"
    # Persian nouns stay singular after a number; digits and the thousands separator are Persian.
    assert i18n.counted("q_rows", 1, "fa") == "۱ ردیف"
    assert i18n.counted("q_rows", 1470, "fa") == "۱٬۴۷۰ ردیف"


def test_lists_and_language_names_are_written_in_the_pages_language():
    assert i18n.join(["a", "b", "c"], "fa") == "a، b، c"
    assert i18n.join(["a", "b"], "en") == "a, b"
    assert i18n.language_name("fa", "fa") == "فارسی" and i18n.language_name("fa", "en") == "Persian"
    assert i18n.language_name("en", "fa") == "انگلیسی" and i18n.language_name("en-GB", "en") == "English"
    assert i18n.language_name("x-klingon", "fa") == "x-klingon"
    assert i18n.number("1234.5", "fa") == "۱٬۲۳۴٫۵"


def _solar(y: int, m: int, d: int) -> jdatetime.date:
    import datetime as dt

    return jdatetime.date.fromgregorian(date=dt.date(y, m, d))


def test_a_day_is_shown_in_both_calendars_leading_with_the_pages_own():
    assert i18n.both_calendars("2008-03-09", XSD + "date", "fa") == ("۱۹ اسفند ۱۳۸۶", "۹ مارس ۲۰۰۸ میلادی")
    assert i18n.both_calendars("2008-03-09", XSD + "date", "en") == ("9 March 2008", "19 Esfand 1386 Solar Hijri")
    assert i18n.both_calendars("1998-11-20", XSD + "date", "en")[1] == "29 Aban 1377 Solar Hijri"


def test_a_month_or_a_year_is_given_the_solar_hijri_span_it_covers():
    first, last = _solar(2011, 7, 1), _solar(2011, 7, 31)
    en = i18n.SOLAR_MONTHS_EN
    assert i18n.solar_hijri_span("2011-07", XSD + "gYearMonth", "en") == \
        f"{en[first.month - 1]}–{en[last.month - 1]} {last.year}"
    assert i18n.solar_hijri_span("2011-07", XSD + "gYearMonth", "fa") == "تیر–مرداد ۱۳۹۰"
    # A month that straddles the Solar Hijri new year names both years.
    assert i18n.solar_hijri_span("2011-03", XSD + "gYearMonth", "en") == "Esfand 1389 – Farvardin 1390"
    assert i18n.solar_hijri_span("2015", XSD + "gYear", "en") == f"{_solar(2015, 1, 1).year}–{_solar(2015, 12, 31).year}"
    assert i18n.solar_hijri_span("2015", XSD + "gYear", "fa") == "۱۳۹۳–۱۳۹۴"
    # A month or a year leads with the calendar it was stated in, the span beside it.
    assert i18n.both_calendars("2015", XSD + "gYear", "fa") == ("۲۰۱۵", "۱۳۹۳–۱۳۹۴ هجری خورشیدی")
    assert i18n.both_calendars("2011-07", XSD + "gYearMonth", "fa") == ("ژوئیه ۲۰۱۱", "تیر–مرداد ۱۳۹۰ هجری خورشیدی")
    assert i18n.solar_hijri_span("not a date", XSD + "date", "en") is None


# Over HTTP -------------------------------------------------------------------------------------------

def _links(tree, url: str) -> list[str]:
    """Every link a reader can follow (<a href>, and <form action> with its hidden fields), absolute.
    The hreflang alternates and the language switch are left out: they lead to the other language."""
    out = []
    for a in tree.iter("a"):
        href = a.get("href")
        if href and a.get("hreflang") is None and not href.startswith(("mailto:", "javascript:")):
            out.append(urljoin(url, href))
    for form in tree.iter("form"):
        hidden = {i.get("name"): i.get("value") for i in form.iter("input") if i.get("type") == "hidden"}
        query = "&".join(f"{k}={v}" for k, v in hidden.items())
        out.append(urljoin(url, (form.get("action") or "") + ("?" + query if query else "")))
    return out


def _crawl(server, lang: str) -> dict[str, int]:
    """Every page reachable from the home page in `lang` (local links only; files fetched, not read),
    with a browser's Accept and an Accept-Language naming the *other* language, so a link that
    dropped the choice would show at once. Returns url -> status; asserts each page's language."""
    session = requests.Session()
    session.headers.update({"Accept": BROWSER_ACCEPT, "Accept-Language": OTHER[lang]})
    start = f"{server.url}/?lang={lang}"
    seen, queue, statuses, wrong = {start}, deque([(start, None)]), {}, []
    while queue:
        url, came_from = queue.popleft()
        r = session.get(url, timeout=30, allow_redirects=True)
        statuses[url] = r.status_code
        if not r.headers.get("Content-Type", "").startswith("text/html"):
            continue
        tree = parse(r.content)
        root = tree if tree.tag == "html" else tree.find(".//html")
        if root.get("lang") != lang:
            wrong.append((url, "linked from", came_from, root.get("lang")))
        hreflangs = {el.get("hreflang") for el in tree.iter("link") if el.get("hreflang")}
        assert hreflangs >= {"en", "fa", "x-default"}, url
        for link in _links(tree, r.url):
            parts = urlsplit(link)
            if f"{parts.scheme}://{parts.netloc}" != server.url:
                continue
            link = link.split("#")[0]
            if link not in seen:
                seen.add(link)
                queue.append((link, url))
    assert not wrong, wrong[:10]
    return statuses


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_every_page_reachable_from_home_stays_in_the_chosen_language(server, lang):
    statuses = _crawl(server, lang)
    failing = {u: s for u, s in statuses.items() if s >= 400}
    assert not failing
    pages = [u for u in statuses if "/resource/" in u]
    assert len(pages) > 20 and any("/ontology" in u for u in statuses) and any("/dumps/" in u for u in statuses)


def test_a_redirect_keeps_the_language(server):
    for lang in ("fa", "en"):
        h = {"Accept": BROWSER_ACCEPT, "Accept-Language": OTHER[lang]}
        r = requests.get(f"{server.url}/sparql?lang={lang}", headers=h, allow_redirects=False, timeout=10)
        assert r.status_code == 303 and r.headers["Location"].endswith(f"/query?lang={lang}")
        r = requests.get(f"{server.url}/.well-known/void?lang={lang}", headers=h, timeout=10)
        assert r.history and r.history[0].status_code == 303
        assert urlsplit(r.url).path == "/dataset" and parse_qs(urlsplit(r.url).query)["lang"] == [lang]
        root = parse(r.content)
        assert (root if root.tag == "html" else root.find(".//html")).get("lang") == lang


def test_the_void_address_still_gives_programs_rdf(server):
    for accept in ("text/turtle", "*/*", None):
        r = requests.get(f"{server.url}/.well-known/void", headers={"Accept": accept} if accept else {},
                         allow_redirects=False, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
        assert "void#Dataset" in r.text or "void:Dataset" in r.text


def test_every_page_names_its_other_language_version(client):
    for path in ("/", "/ontology", "/dataset", "/dumps/", "/resource/Russia", "/page/Russia", "/search?q=iss",
                 "/query"):
        sep = "&" if "?" in path else "?"
        tree = parse(client.get(f"{path}{sep}lang=fa", headers={"Accept": "text/html"}).data)
        alt = {el.get("hreflang"): el.get("href") for el in tree.iter("link") if el.get("hreflang")}
        assert set(alt) == {"en", "fa", "x-default"}, path
        for code in ("en", "fa"):
            assert parse_qs(urlsplit(alt[code]).query)["lang"] == [code]
        assert "lang" not in parse_qs(urlsplit(alt["x-default"]).query)
    # /page/X and /resource/X are one document: its alternates name the resource IRI's path.
    tree = parse(client.get("/page/Russia?lang=en").data)
    alt = {el.get("hreflang"): el.get("href") for el in tree.iter("link") if el.get("hreflang")}
    assert alt["fa"] == "/resource/Russia?lang=fa"


@pytest.mark.parametrize("path", ["/query?example=about-resource&resource=Europe", "/query?example=in-year&year=2011",
                                  "/query?query=ASK%7B%7D&page=2", "/search?q=station", "/resource/Russia", "/dataset"])
def test_the_language_switch_keeps_everything_the_page_shows(client, path):
    """The switch leads to the same page in the other language: an example's parameters kept
    (Europe's 17 rows became Russia's 11 in English, the year was lost)."""
    for lang, other in (("fa", "en"), ("en", "fa")):
        tree = parse(client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers={"Accept": "text/html"}).data)
        switch = next(a for a in tree.iter("a") if a.get("class") == "lang")
        wanted = {k: v for k, v in parse_qs(urlsplit(path).query).items()}
        assert urlsplit(switch.get("href")).path == urlsplit(path).path
        assert parse_qs(urlsplit(switch.get("href")).query) == {**wanted, "lang": [other]}, (path, switch.get("href"))


def test_a_browser_sent_from_the_endpoint_to_the_query_page_keeps_its_language(client):
    r = client.get("/sparql", query_string={"query": "ASK {}", "lang": "fa"}, headers={"Accept": "text/html"})
    assert r.status_code == 303 and parse_qs(urlsplit(r.headers["Location"]).query) == {"query": ["ASK {}"], "lang": ["fa"]}
    r = client.get("/sparql", query_string={"query": "ASK {}", "lang": "xx"}, headers={"Accept": "text/html"})
    assert parse_qs(urlsplit(r.headers["Location"]).query) == {"query": ["ASK {}"]}


def test_the_query_pages_first_question_asks_for_labels_in_the_pages_language(client):
    for lang in ("en", "fa"):
        tree = parse(client.get(f"/query?lang={lang}").data)
        editor = next(t for t in tree.iter("textarea") if t.get("name") == "query")
        assert f'FILTER(LANG(?label) = "{lang}")' in (editor.text or ""), lang


def test_the_favicon_is_where_browsers_look(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.content_type == "image/vnd.microsoft.icon"
    assert r.data[:4] == b"\0\0\1\0" and b"PNG" in r.data[:40]


# Error messages in the reader's language ------------------------------------------------------------

BAD_QUERIES = [
    ("SELECT * WHERE {\n  ?s ?p\n}", "خطای نحوی"),
    ("SELECT * WHERE { ?s foo:bar ?o }", "پیشوند «foo:» تعریف نشده است"),
    ("SELEC * {}", "این پرس‌وجوی SPARQL نیست"),
    ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "SERVICE (پرس‌وجوی فدرال)"),
    ("INSERT DATA { <a:a> <b:b> <c:c> }", "فقط‌خواندنی"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "گرافی است که این نقطهٔ دسترسی ارائه نمی‌کند"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "خطای نحوی"),
    ("SELECT ?s ?p WHERE { ?s ?p ?o } GROUP BY ?s", "متغیر ?p در SELECT آمده اما نه گروه‌بندی"),
    ("SELECT * WHERE { <http://[x> ?p ?o }", "یک IRI درست نیست"),
]


@pytest.mark.parametrize("query, persian", BAD_QUERIES)
def test_a_bad_query_is_explained_in_persian_with_its_place_said_once(client, query, persian):
    from urllib.parse import quote

    r = client.get(f"/query?lang=fa&query={quote(query)}")
    assert r.status_code in (400, 403)
    tree = parse(r.data)
    box = tree.find(".//div[@id='query-error']")
    message = box.find(".//span[@class='message']")
    said = "".join(message.itertext())
    assert persian in said and message.get("lang") == "fa" and message.get("dir") == "rtl"
    assert "line" not in said and "column" not in said and "error" not in said.lower()
    head = "".join(box.find("p").itertext())
    if box.get("data-line"):
        line = i18n.digits(box.get("data-line"), "fa")
        assert head.count("سطر") == 1 and f"سطر {line}" in head
    assert not any(c.isdigit() and c.isascii() for c in head.replace(said, ""))


def test_the_english_page_says_the_place_once_too(client):
    from urllib.parse import quote

    r = client.get(f"/query?lang=en&query={quote('SELECT * WHERE {'+chr(10)+'  ?s ?p'+chr(10)+'}')}")
    head = "".join(parse(r.data).find(".//div[@id='query-error']/p").itertext())
    assert head.count("line 3") == 1 and head.startswith("Error (line 3, column")


def test_the_query_pages_script_gets_the_same_words(client):
    from issgraph.messages import explain

    r = client.get("/query/message", query_string={"lang": "fa",
                                                   "message": "syntax error at line 3, column 2: expected LATERAL, SERVICE"})
    assert r.status_code == 200
    assert r.get_json() == {"text": "خطای نحوی: در اینجا یکی از این‌ها می‌آید: LATERAL یا SERVICE", "lang": "fa"}
    assert r.get_json()["text"] == explain("syntax error at line 3, column 2: expected LATERAL, SERVICE", "fa").text
    unknown = client.get("/query/message", query_string={"lang": "fa", "message": "something new"}).get_json()
    assert unknown == {"text": "something new", "lang": "en"}
    assert client.get("/query/message", query_string={"message": "x" * 5000}).status_code == 400


# Persian pages in Persian -----------------------------------------------------------------------------

def _text(el) -> str:
    return "".join(el.itertext())


def test_the_source_text_page_shows_the_whole_text_passage_by_passage(client, dataset):
    import pyoxigraph as ox

    iss, dct = "https://w3id.org/issgraph/ontology#", "http://purl.org/dc/terms/"
    source = ox.NamedNode("https://w3id.org/issgraph/resource/Source_text")
    parts = [t.subject for t in dataset.match(predicate=ox.NamedNode(dct + "isPartOf"), obj=source)]
    def one(s, p):
        return next(t.object for t in dataset.match(s, ox.NamedNode(iss + p)))
    parts.sort(key=lambda s: int(one(s, "firstLine").value))
    assert len(parts) >= 2
    for lang in ("fa", "en"):
        tree = parse(client.get(f"/resource/Source_text?lang={lang}").data)
        shown = tree.findall(".//section[@class='text-passage']")
        assert len(shown) == len(parts)
        for section, s in zip(shown, parts):
            verbatim = section.find(".//blockquote[@class='verbatim']")
            translation = section.find(".//blockquote[@class='translation']")
            assert _text(verbatim) == one(s, "verbatimText").value and verbatim.get("lang") == "fa"
            assert verbatim.get("dir") == "rtl" and translation.get("dir") == "ltr"
            assert _text(translation) == one(s, "translation").value
    # The language of the text is named, not coded.
    tree = parse(client.get("/resource/Source_text?lang=fa").data)
    cells = {_text(tr.find("th")).strip(): _text(tr.find("td")).strip()
             for tr in tree.findall(".//table[@class='properties']/tbody/tr")}
    assert cells["زبان"] == "فارسی"


def test_an_example_shows_labels_in_the_readers_language(client, app):
    """Every example that asks for English labels only is run on a Persian page with Persian ones:
    its table has no English-tagged literal, and its text is the one the page runs."""
    from issgraph import examples

    svc = app.extensions["issgraph"]
    english_only = [e for e in examples.load(svc.config.queries_path) if e.text_for("fa") != e.text]
    assert english_only
    checked = 0
    for e in english_only:
        assert e.text_for("en") == e.text
        fa = parse(client.get(f"/query?example={e.slug}&lang=fa").data)
        assert fa.find(".//textarea").text.strip() == e.text_for("fa").strip()
        import re

        picked = set(re.findall(r'LANG\s*\(\s*\?(\w+)\s*\)\s*=\s*"fa"', e.text_for("fa"), re.I))
        heads = [_text(th).lstrip("?") for th in fa.findall(".//table[@class='results-table']/thead/tr/th")]
        for tr in fa.findall(".//table[@class='results-table']/tbody/tr"):
            for name, td in zip(heads, tr.findall("td")):
                span = td.find("span")
                if name in picked and span is not None and span.get("lang"):
                    assert span.get("lang") == "fa", (e.slug, name)
                    checked += 1
    assert checked > 5
    q03 = parse(client.get("/query?example=q03-modules-by-builder&lang=fa").data)
    rows = q03.findall(".//table[@class='results-table']/tbody/tr")
    assert rows
    # Counts in the Persian table are in Persian digits; the raw value stays in the title.
    numbers = [s for s in q03.iter("span") if "literal" in (s.get("class") or "").split() and s.get("title")]
    assert numbers and all(i18n.digits(s.get("title"), "fa") == _text(s) for s in numbers)


def test_the_atv_page_gives_both_calendars(client):
    fa = parse(client.get("/resource/Automated_Transfer_Vehicle?lang=fa").data)
    time = fa.find(".//time[@datetime='2008-03-09']")
    alt = next(s for s in fa.iter("span") if s.get("class") == "alt-calendar")
    assert _text(time) == "۱۹ اسفند ۱۳۸۶" and _text(alt) == "(۹ مارس ۲۰۰۸ میلادی)"
    en = parse(client.get("/resource/Automated_Transfer_Vehicle?lang=en").data)
    assert _text(en.find(".//time[@datetime='2008-03-09']")) == "9 March 2008"
    assert "19 Esfand 1386" in _text(next(s for s in en.iter("span") if s.get("class") == "alt-calendar"))


# One set of figures ---------------------------------------------------------------------------------------

def test_the_figures_are_computed_from_the_graph(dataset):
    """Each figure counted again here, from the triples, the way its name says."""
    import pyoxigraph as ox
    from issgraph.figures import figures

    f = figures(dataset)
    owl, rdf = "http://www.w3.org/2002/07/owl#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    ns = dataset.config.base_iri + "ontology#"
    default = set(dataset.match())              # the served default graph: data, ontology, inferred
    assert f.triples == len(default)
    assert (f.data_triples, f.ontology_triples, f.inferred_triples) == \
        (len(set(dataset.data)), len(set(dataset.ontology)), len(set(dataset.inferred)))
    named = lambda t: isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns)
    classes = {t.subject for t in dataset.ontology if named(t) and t.predicate.value == rdf + "type"
               and t.object.value == owl + "Class"}
    props = {t.subject for t in dataset.ontology if named(t) and t.predicate.value == rdf + "type"
             and t.object.value in (owl + "ObjectProperty", owl + "DatatypeProperty")}
    assert f.classes_defined == len(classes) and f.properties_defined == len(props - classes)
    assert f.classes_used == len({t.object for t in default if t.predicate.value == rdf + "type"})
    assert f.properties_used == len({t.predicate for t in default})
    assert f.entities == len({t.subject for t in default if isinstance(t.subject, ox.NamedNode)
                              and t.subject.value.startswith(dataset.config.base_iri)})


def test_home_ontology_and_dataset_show_the_same_figures_under_the_same_names(client, dataset):
    from issgraph.figures import figures

    f = dict(figures(dataset).items())
    for lang in ("en", "fa"):
        home = parse(client.get(f"/?lang={lang}").data)
        shown_home = {li.get("id")[5:]: (int(li.find("strong").get("data-value")), _text(li).split(" ", 1)[1])
                      for li in home.iter("li") if (li.get("id") or "").startswith("stat-")}
        dataset_page = parse(client.get(f"/dataset?lang={lang}", headers={"Accept": "text/html"}).data)
        shown_dataset = {tr.get("id")[4:]: (int(tr.find("td").get("data-value")), _text(tr.find("th")))
                         for tr in dataset_page.iter("tr") if (tr.get("id") or "").startswith("fig-")}
        assert shown_home and set(shown_home) <= set(shown_dataset)
        # The parts shown add up to the whole shown: the default graph is data, ontology and inferred.
        parts = ("data_triples", "ontology_triples", "inferred_triples")
        assert sum(shown_home[k][0] for k in parts) == shown_home["triples"][0]
        for key, (n, name) in shown_home.items():
            assert n == f[key] and shown_dataset[key] == (n, name), key
        assert {k: n for k, (n, _) in shown_dataset.items()} == f
        # The ontology page lists as many classes and properties as the figures count.
        onto = parse(client.get(f"/ontology?lang={lang}", headers={"Accept": "text/html"}).data)
        kinds = [s.get("data-kind") for s in onto.iter("section") if s.get("class") == "term"]
        assert kinds.count("class") == f["classes_defined"] and kinds.count("property") == f["properties_defined"]
        assert kinds.count("datatype") == f["datatypes_defined"]
        toc = [_text(h.find("small")) for h in onto.find(".//nav[@class='toc']").iter("h2")]
        want = [f["classes_defined"], f["datatypes_defined"], f["properties_defined"]]
        assert toc == [f"({i18n.number(str(n), lang)})" for n in want]


# Files for people ------------------------------------------------------------------------------------------

def test_a_csv_download_opens_in_a_spreadsheet_with_its_persian_intact(client):
    import csv
    import io

    query = ('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?label WHERE { '
             '<https://w3id.org/issgraph/resource/Italy> rdfs:label ?label FILTER(LANG(?label) = "fa") }')
    tree = parse(client.get("/query", query_string={"query": query, "lang": "fa"}).data)
    links = {a.get("data-format"): a.get("href") for a in tree.iter("a") if a.get("data-format")}
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        r = client.get(links[fmt])
        assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
        assert r.data.startswith("\ufeff".encode("utf-8"))          # what spreadsheet programs look for
        rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=delimiter))
        assert rows[1][0].strip('"').startswith("ایتالیا")
    # JSON has no BOM (RFC 8259 forbids one), and the endpoint's own CSV for programs stays as the protocol has it.
    assert not client.get(links["json"]).data.startswith(b"\xef\xbb\xbf")
    plain = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert plain.status_code == 200 and plain.data.startswith(b"label\r\n")
    assert client.get("/query/download", query_string={"query": query, "format": "xlsx"}).status_code == 400
    assert client.get("/query/download", query_string={"query": "SELEC"}).status_code == 400


# Search as a Persian reader types --------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["فضاپیماهای پشتیبانی", "فضاپیما\u200cهای پشتیبانی", "فضاپیمای پشتیبانی",
                               "فضاپيماهاي پشتيباني"])
def test_the_plural_finds_the_support_spacecraft_first(client, q):
    doc = client.get("/search", query_string={"q": q, "format": "json", "lang": "fa"}).get_json()
    assert doc["results"][0]["iri"] == "https://w3id.org/issgraph/ontology#SupportSpacecraft"
    assert doc["results"][0]["rank"] == "exact"


def test_station_finds_the_station_right_after_the_exact_label(client, app):
    doc = client.get("/search", query_string={"q": "station", "format": "json", "lang": "en"}).get_json()
    labels = app.extensions["issgraph"].site.labels
    first = doc["results"][0]
    assert first["rank"] == "exact" and labels.get(first["iri"], "en").casefold() == "station"
    assert doc["results"][1]["iri"] == "https://w3id.org/issgraph/resource/International_Space_Station"
    fa = client.get("/search", query_string={"q": "ایستگاه‌ها", "format": "json", "lang": "fa"}).get_json()
    top = [r["iri"] for r in fa["results"][:2]]
    assert "https://w3id.org/issgraph/resource/International_Space_Station" in top


def test_a_word_found_only_in_descriptions_is_a_mention_below_every_label_match(client):
    doc = client.get("/search", query_string={"q": "supplying", "format": "json", "lang": "en"}).get_json()
    ranks = [r["rank"] for r in doc["results"]]
    assert ranks[0] != "mentioned" and "mentioned" in ranks
    assert ranks == sorted(ranks, key=["exact", "prefix", "substring", "mentioned"].index)


def test_a_person_who_mistypes_an_address_gets_a_page_in_their_language(client):
    for lang, words in (("fa", "در این نشانی چیزی نیست."), ("en", "There is nothing at this address.")):
        r = client.get(f"/no/such/page?lang={lang}", headers={"Accept": BROWSER_ACCEPT})
        assert r.status_code == 404 and r.content_type == "text/html; charset=utf-8"
        tree = parse(r.data)
        assert tree.get("lang") == lang and words in _text(tree.find(".//main"))
        r = client.get(f"/query?example=no-such-example&lang={lang}", headers={"Accept": BROWSER_ACCEPT})
        assert r.status_code == 404 and parse(r.data).get("lang") == lang
    # The English page keeps what the route said; programs keep the short plain-text answer.
    r = client.get("/query?example=no-such-example&lang=en", headers={"Accept": BROWSER_ACCEPT})
    assert b"no-such-example" in r.data
    for accept in ("*/*", "text/plain", "application/json", None):
        r = client.get("/no/such/page", headers={"Accept": accept} if accept else {})
        assert r.status_code == 404 and r.content_type == "text/plain; charset=utf-8"


def test_the_scripts_tables_get_the_servers_words_for_dates_and_numbers(client):
    xsd = "http://www.w3.org/2001/XMLSchema#"
    r = client.post("/query/reader?lang=fa", json={"values": [["2008-03-09", xsd + "date"], ["2011-07", xsd + "gYearMonth"],
                                                              ["1234", xsd + "integer"], ["2008-13-45", xsd + "date"],
                                                              ["x", xsd + "string"]]})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    day, month, number, bad, text = r.get_json()["forms"]
    assert day.startswith("۱۹ اسفند ۱۳۸۶") and "میلادی" in day
    assert "۲۰۱۱" in month and "۱۳۹۰" in month
    assert number == "۱٬۲۳۴" and bad == "2008-13-45" and text == "x"
    assert client.post("/query/reader?lang=en", json={"values": [["2008-03-09", xsd + "date"]]}).get_json()["forms"] == ["2008-03-09"]
    assert client.post("/query/reader?lang=fa", data="not json").status_code == 400


def test_persian_results_write_solar_hijri_dates_and_yes_or_no_as_the_resource_pages_do(client):
    """A result's iss:SolarHijriDate and xsd:boolean read on the query page as on resource pages."""
    xsd, iss = "http://www.w3.org/2001/XMLSchema#", "https://w3id.org/issgraph/ontology#"
    r = client.post("/query/reader?lang=fa", json={"values": [["1377-08-29", iss + "SolarHijriDate"],
                                                              ["true", xsd + "boolean"], ["false", xsd + "boolean"],
                                                              ["1377-14-40", iss + "SolarHijriDate"]]})
    assert r.get_json()["forms"] == ["۲۹ آبان ۱۳۷۷", "بله", "خیر", "1377-14-40"]
    assert client.post("/query/reader?lang=en", json={"values": [["true", xsd + "boolean"]]}).get_json()["forms"] == ["true"]
    page = client.get("/query", query_string={"example": "q01-first-module-launch", "lang": "fa"}).data.decode()
    assert 'title="1377-08-29">۲۹ آبان ۱۳۷۷</span>' in page        # the lexical form kept as its title


def test_a_solar_hijri_year_is_written_without_a_thousands_separator(client):
    for lang, year, grouped in (("fa", "۱۳۷۹", "۱٬۳۷۹"), ("en", "1379", "1,379")):
        page = client.get(f"/page/Arrival_of_the_first_expedition?lang={lang}").data.decode()
        assert year in page and grouped not in page, lang
