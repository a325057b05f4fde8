"""The pages in a real browser: headless Chromium, driven by Selenium, against the real server.

Chromium and its driver come from Debian (`make browser`, which `make test` runs first). When
they are missing these tests fail: a browser test that silently skips proves nothing.
Screenshots of every page the tests look at are saved under test-output/screenshots/.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
OPTIONS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")
ZWNJ = "\u200c"
STATION_FA = f"ایستگاه فضایی بین{ZWNJ}المللی"


@contextmanager
def chromium(window: str, javascript: bool = True, extra: tuple[str, ...] = ()):
    """A headless Chromium with its own empty profile, at `window` ("W,H"), scripts on or off."""
    profile = tempfile.mkdtemp(prefix="issgraph-chromium-" if javascript else "issgraph-chromium-nojs-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (*OPTIONS, f"--user-data-dir={profile}", f"--window-size={window}", *extra):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    # The Service names the driver, so Selenium Manager has nothing to look up or download.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: install Debian's chromium and chromium-driver "
                    f"(`make browser` does, and `make test` runs it first)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium("1280,1000", extra=("--lang=en-US",)) as driver:
        yield driver


def wait(driver, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def screenshot(driver, name: str) -> Path:
    """A full-page screenshot (the window grown to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 600) + 120, 6000))
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    driver.set_window_size(1280, 1000)
    return path


def script_errors(driver) -> list[dict]:
    """What the page's scripts threw or logged as errors since the last call (network 4xx aside)."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and e.get("source") != "network"]


def text_of(element) -> str:
    return (element.get_attribute("textContent") or "").strip()


def test_home_page_draws_the_timeline_and_the_chart(browser, server):
    browser.get(server.url + "/?lang=en")
    moments = browser.find_elements(By.CSS_SELECTOR, "svg.timeline g.moment")
    dates = [m.get_attribute("data-date") for m in moments]
    assert dates == ["1998-11-20", "2000-11-02", "2008-03-09", "2008", "2010", "2011-07", "2011-09", "2015",
                     "2020", "2025"]
    texts = [text_of(m) for m in moments]
    for expected in ("Launch of the station's first module", "20 November 1998 (29 Aban 1377)",
                     "Arrival of the first expedition (resident crew)", "2 November 2000 (12 Aban 1379)",
                     "9 March 2008 (19 Esfand 1386)", "Largest station ever built in Earth orbit",
                     "Retirement of the Space Shuttle fleet", "July 2011", "September 2011",
                     "Planned completion of the station (2015)", "Planned end of operation (2020)", "after 2025"):
        assert any(expected in t for t in texts), expected
    # Each entry is drawn: its marker has a size and lies on the page, in time order from left to right.
    xs = browser.execute_script("""
        return Array.from(document.querySelectorAll('svg.timeline g.moment .marker')).map(function (m) {
          var r = m.getBoundingClientRect(); return [r.left + r.width / 2, r.width, r.height]; });""")
    assert len(xs) == 10 and all(w > 5 and h > 5 for _, w, h in xs)
    assert [x for x, _, _ in xs] == sorted(x for x, _, _ in xs)

    bars = {text_of(b.find_element(By.CSS_SELECTOR, "text.name")):
            (int(b.get_attribute("data-share")),
             len(b.find_elements(By.CSS_SELECTOR, "rect.module.own")),
             len(b.find_elements(By.CSS_SELECTOR, "g.module.joint")))
            for b in browser.find_elements(By.CSS_SELECTOR, "svg.chart g.builder")}
    assert bars == {"Russia": (7, 6, 1), "United States": (6, 4, 2), "Europe (European Space Agency)": (4, 3, 1),
                    "Japan": (2, 2, 0), "Canada": (2, 2, 0), "Italy": (1, 1, 0)}
    widths = browser.execute_script("""
        return Array.from(document.querySelectorAll('svg.chart g.builder')).map(function (g) {
          return g.querySelector('rect').getBoundingClientRect().width; });""")
    assert all(w > 10 for w in widths)
    assert browser.find_element(By.CSS_SELECTOR, "#timeline a.picture-query").get_attribute("href").endswith(
        "/query?example=timeline&lang=en")
    screenshot(browser, "home-en")


def test_switching_to_persian_gives_a_right_to_left_page_and_pictures(browser, server):
    browser.get(server.url + "/?lang=en")
    browser.find_element(By.CSS_SELECTOR, "header.site a.lang").click()
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fa")
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("dir") == "rtl"
    assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    assert browser.find_element(By.TAG_NAME, "h1").text == f"ایستگاه فضایی بین{ZWNJ}المللی به{ZWNJ}صورت داده{ZWNJ}های پیوندی"
    timeline = browser.find_element(By.CSS_SELECTOR, "svg.timeline")
    assert timeline.get_attribute("direction") == "rtl"
    texts = [text_of(m) for m in browser.find_elements(By.CSS_SELECTOR, "svg.timeline g.moment")]
    assert "۲۹ آبان ۱۳۷۷ (۲۰ نوامبر ۱۹۹۸)" in texts[0]
    assert "ژوئیه ۲۰۱۱" in texts[5] and "پس از ۲۰۲۵" in texts[-1]
    # Time runs right to left: the first launch is drawn right of the expected extension.
    xs = browser.execute_script("""
        return Array.from(document.querySelectorAll('svg.timeline g.moment .marker')).map(function (m) {
          var r = m.getBoundingClientRect(); return r.left + r.width / 2; });""")
    assert xs == sorted(xs, reverse=True)
    # Builders' names stand at the right, their bars grow leftwards.
    name_right, bar_right = browser.execute_script("""
        var g = document.querySelector('svg.chart g.builder');
        return [g.querySelector('text.name').getBoundingClientRect().right,
                g.querySelector('rect.module').getBoundingClientRect().right];""")
    assert name_right > bar_right
    assert text_of(browser.find_element(By.CSS_SELECTOR, "svg.chart g.builder text.count")).startswith("۷")
    screenshot(browser, "home-fa")


def test_search_for_a_persian_word_typed_without_zwnj_reaches_the_station(browser, server):
    browser.get(server.url + "/?lang=fa")
    box = browser.find_element(By.CSS_SELECTOR, "header.site form.search input[name=q]")
    box.send_keys("بینالمللی")
    box.send_keys(Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "ol.search-results li.hit")))
    assert urlparse(browser.current_url).path == "/search"
    first = browser.find_element(By.CSS_SELECTOR, "ol.search-results li.hit a.hit-label")
    assert first.text == STATION_FA
    screenshot(browser, "search-fa")
    first.click()
    wait(browser).until(lambda d: "International_Space_Station" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == STATION_FA
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    screenshot(browser, "station-fa")


def _editor_text(browser, text: str):
    """Put `text` in the query editor; return the element that takes the keys (Ctrl+Enter runs).

    With CodeMirror (static/editor.js) the textarea is hidden and stays the form's field: writing
    its value shows in the editor, and keys go to the editor's content. Without it, keys are typed."""
    editor = browser.find_element(By.ID, "query")
    browser.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'));", editor)
    hosts = browser.find_elements(By.CSS_SELECTOR, "#query-form .cm-host")
    if hosts:
        browser.execute_script("arguments[0].value = arguments[1];", editor, text)
        content = hosts[0].shadow_root.find_element(By.CSS_SELECTOR, ".cm-content")
        content.click()
        return content
    editor.send_keys(text)
    return editor


def test_run_an_example_query_and_read_the_table(browser, server):
    browser.get(server.url + "/query?lang=en")
    assert "PREFIX iss: <https://w3id.org/issgraph/ontology#>" in browser.find_element(By.ID, "query").get_attribute("value")
    browser.find_element(By.CSS_SELECTOR, "nav.examples a[data-example='q03-modules-by-builder']").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result table.results-table tbody tr")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")
    table = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert len(table) == 8
    assert table[0][1:] == ["Main modules built by Russia", "Russia", "6 xsd:integer"]
    assert ["Main module built by Italy independently", "Italy", "1 xsd:integer"] in [r[1:] for r in table]
    link = rows[0].find_element(By.CSS_SELECTOR, "a.iri")
    assert urlparse(link.get_attribute("href")).path == "/resource/Modules_built_by_Russia"
    assert link.get_attribute("title") == "https://w3id.org/issgraph/resource/Modules_built_by_Russia"
    assert browser.find_element(By.ID, "result-count").get_attribute("data-count") == "8"
    assert float(browser.find_element(By.ID, "result-time").get_attribute("data-ms")) >= 0
    # The address now holds the query, so copying it shares the result.
    shared = parse_qs(urlparse(browser.current_url).query)
    assert "GROUP_CONCAT" in shared["query"][0]
    downloads = {a.get_attribute("data-format"): a.get_attribute("href")
                 for a in browser.find_elements(By.CSS_SELECTOR, "#result .downloads a")}
    assert set(downloads) == {"csv", "tsv", "json", "xml"}
    screenshot(browser, "query-table-en")

    # The shared address renders the same table on the server, with no script involved.
    browser.get(browser.current_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")) == 8

    # Ctrl+Enter runs an ASK and a CONSTRUCT.
    editor = _editor_text(browser, "PREFIX res: <https://w3id.org/issgraph/resource/>\nASK { res:Russia ?p ?o }")
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result p.boolean")))
    assert browser.find_element(By.CSS_SELECTOR, "#result p.boolean").text == "Yes"
    editor = _editor_text(browser, "PREFIX res: <https://w3id.org/issgraph/resource/>\n"
                                   "CONSTRUCT { res:Russia ?p ?o } WHERE { res:Russia ?p ?o }")
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result pre.turtle")))
    turtle = browser.find_element(By.CSS_SELECTOR, "#result pre.turtle")
    assert "res:Russia" in turtle.text
    assert turtle.find_elements(By.CSS_SELECTOR, "span.tt-name") and turtle.find_elements(By.CSS_SELECTOR, "span.tt-string")
    assert {a.get_attribute("data-format") for a in browser.find_elements(By.CSS_SELECTOR, "#result .downloads a")} \
        >= {"turtle"}
    screenshot(browser, "query-turtle-en")

    # The language switch keeps the query: the same result, now in Persian.
    browser.find_element(By.CSS_SELECTOR, "header.site a.lang").click()
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fa")
    assert "res:Russia" in browser.find_element(By.ID, "query").get_attribute("value")
    assert browser.find_element(By.CSS_SELECTOR, "#result pre.turtle")
    assert script_errors(browser) == []


def _error_gutter_line(browser) -> str:
    """The line number the editor's gutter marks as the error's (CodeMirror's, else the textarea's)."""
    hosts = browser.find_elements(By.CSS_SELECTOR, "#query-form .cm-host")
    if hosts:
        return hosts[0].shadow_root.find_element(By.CSS_SELECTOR, ".cm-gutterElement.cm-error-gutter").text
    return browser.find_element(By.CSS_SELECTOR, "#gutter .error-line").text


def test_a_syntax_error_is_shown_and_marked_at_its_line_and_column(browser, server):
    browser.get(server.url + "/query?lang=en")
    editor = _editor_text(browser, "PREFIX iss: <https://w3id.org/issgraph/ontology#>\nSELECT ?s WHERE {\n"
                                   "  ?s iss:quote \"unterminated .\n}")
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    error = wait(browser).until(EC.presence_of_element_located((By.ID, "query-error")))
    assert error.get_attribute("data-line") == "3"
    column = int(error.get_attribute("data-column"))
    assert "line 3" in error.text and 1 <= column <= len("  ?s iss:quote \"unterminated .") + 1
    assert _error_gutter_line(browser) == "3"
    marked = browser.find_element(By.CSS_SELECTOR, "#query-error mark.error-at")
    assert marked.is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "#query-error pre.error-context").text.startswith("3 ")
    # The editor's caret is put where the error is.
    start = browser.execute_script("return document.getElementById('query').selectionStart")
    assert start == len("PREFIX iss: <https://w3id.org/issgraph/ontology#>\nSELECT ?s WHERE {\n") + column - 1
    screenshot(browser, "query-error-en")

    browser.get(server.url + "/query?lang=fa")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    editor = _editor_text(browser, "SELECT * WHERE {\n  ?s ?p\n}")
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    error = wait(browser).until(EC.presence_of_element_located((By.ID, "query-error")))
    assert error.get_attribute("data-line") == "3" and "سطر ۳" in error.text
    assert browser.find_element(By.ID, "query").get_attribute("dir") == "ltr"
    screenshot(browser, "query-error-fa")
    assert script_errors(browser) == []


HOSTILE_IRIS = ("SELECT ?x WHERE { VALUES ?x { <javascript:alert(document.domain)> <urn:isbn:0451450523> "
                "<mailto:someone@example.org> <data:text/html,hi> <https://example.org/elsewhere> } }")


def test_only_http_iris_become_links_in_the_script_drawn_table_and_the_page_obeys_its_csp(browser, server):
    browser.get(server.url + "/query?lang=en")
    editor = _editor_text(browser, HOSTILE_IRIS)
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result table.results-table tbody tr")))
    for drawn_by in ("script", "server"):
        cells = browser.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody td .iri")
        assert len(cells) == 5, drawn_by
        links = [c.get_attribute("href") for c in cells if c.tag_name == "a"]
        assert links == ["https://example.org/elsewhere"], (drawn_by, links)
        assert {c.get_attribute("title") for c in cells if c.tag_name == "span"} == {
            "javascript:alert(document.domain)", "urn:isbn:0451450523", "mailto:someone@example.org",
            "data:text/html,hi"}
        browser.get(browser.current_url)     # the shared address: the same table rendered by the server
    assert script_errors(browser) == []     # a CSP violation (an inline script or style) would be logged


# What a script on another origin (Comunica, a JSON-LD playground) sends: an Accept too long to be
# "CORS-safe", a JSON-LD profile, a validator. Each makes the browser ask with OPTIONS first.
CROSS_ORIGIN_HEADERS = [
    {"Accept": "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
               "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,image/svg+xml;q=0.3,"
               "text/xml;q=0.3,text/html;q=0.2,application/xhtml+xml;q=0.18,application/json;q=0.135,text/shaclc;q=0.1"},
    {"Accept": 'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"'},
    {"Accept": "text/turtle", "If-None-Match": '"not-the-etag"'},
]
CROSS_ORIGIN_PATHS = ["/resource/Japan", "/data/Japan.ttl", "/ontology", "/.well-known/void", "/context.jsonld",
                      "/dumps/issgraph.ttl",
                      "/sparql?query=CONSTRUCT%20WHERE%20%7B%3Chttps://w3id.org/issgraph/resource/Japan%3E%20?p%20?o%7D"]


@contextmanager
def another_origin():
    """A page on another origin (127.0.0.1, another port): an empty HTML page from a small server."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<!DOCTYPE html><title>elsewhere</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_script_on_another_origin_can_read_every_linked_data_document(browser, server):
    """fetch() from another origin passes the CORS preflight on every kind of document, not only
    /sparql (elsewhere it failed with "Failed to fetch": the preflight had no Allow-Headers)."""
    with another_origin() as page:
        browser.get(page)
        results = _fetch_all(browser, server)
    assert len(results) == len(CROSS_ORIGIN_PATHS) * len(CROSS_ORIGIN_HEADERS)
    failed = [r for r in results if r[1] != 200 or r[2] == 0]
    assert not failed, failed


def _fetch_all(browser, server):
    browser.set_script_timeout(20)
    return browser.execute_async_script("""
        const [base, paths, sets, done] = arguments;
        const out = [];
        for (const path of paths) for (const headers of sets) {
          try { const r = await fetch(base + path, {headers}); out.push([path, r.status, (await r.text()).length]); }
          catch (e) { out.push([path, String(e), 0]); }
        }
        done(out);""", server.url, CROSS_ORIGIN_PATHS, CROSS_ORIGIN_HEADERS)
