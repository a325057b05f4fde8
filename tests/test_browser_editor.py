"""The query workbench's editor side in a real browser (#15): each run is a history entry, Back and
Forward step through queries and their results, recent queries stay in this browser, the link can
be copied, the code panel follows the query, a canned query's parameters run from their form."""
from __future__ import annotations

import time

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from .test_browser import (_editor_text, browser, chromium, screenshot, script_errors,  # noqa: F401
                           wait)  # (browser: the fixture)

FIRST = "PREFIX res: <https://w3id.org/issgraph/resource/>\nASK { res:Russia ?p ?o }"
SECOND = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
          "SELECT ?name WHERE { <https://w3id.org/issgraph/resource/Russia> rdfs:label ?name } ORDER BY ?name")


def _query_in_address(driver) -> str | None:
    return parse_qs(urlparse(driver.current_url).query).get("query", [None])[0]


def _run(driver, text: str) -> None:
    editor = _editor_text(driver, text)
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(driver).until(lambda d: _query_in_address(d) == text)
    wait(driver).until(lambda d: d.find_element(By.ID, "result").get_attribute("data-kind") not in (None, "running"))


def test_back_and_forward_step_through_queries_and_their_results(browser, server):
    browser.get(server.url + "/query?lang=en")
    browser.execute_script("localStorage.clear()")
    _run(browser, FIRST)
    assert browser.find_element(By.CSS_SELECTOR, "#result p.boolean").text == "Yes"
    _run(browser, SECOND)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")) == 2
    assert browser.execute_script("return history.length") >= 3

    browser.back()
    wait(browser).until(lambda d: _query_in_address(d) == FIRST)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result p.boolean")))
    assert browser.find_element(By.ID, "query").get_attribute("value") == FIRST

    browser.forward()
    wait(browser).until(lambda d: _query_in_address(d) == SECOND)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result table.results-table tbody tr")))
    assert browser.find_element(By.ID, "query").get_attribute("value") == SECOND

    browser.back()
    browser.back()          # before the first run: the empty page, drawn by the server again
    wait(browser).until(lambda d: _query_in_address(d) is None and d.find_elements(By.ID, "query"))
    assert "SELECT ?entity ?label" in browser.find_element(By.ID, "query").get_attribute("value")
    assert script_errors(browser) == []


def test_recent_queries_are_kept_in_this_browser_and_the_code_panel_follows_the_query(browser, server):
    browser.get(server.url + "/query?lang=en")
    browser.execute_script("localStorage.clear()")
    _run(browser, FIRST)
    _run(browser, SECOND)
    _run(browser, FIRST)        # run again: one entry, moved to the top
    stored = browser.execute_script("return JSON.parse(localStorage.getItem('issgraph.recent-queries'))")
    assert stored == [FIRST, SECOND]
    browser.get(server.url + "/query?lang=fa")        # another page load: the list is still there
    items = browser.find_elements(By.CSS_SELECTOR, "#recent-queries #recent-list li a")
    assert [parse_qs(urlparse(a.get_attribute("href")).query)["query"][0] for a in items] == [FIRST, SECOND]
    assert all(parse_qs(urlparse(a.get_attribute("href")).query)["lang"] == ["fa"] for a in items)
    assert browser.find_element(By.CSS_SELECTOR, "#recent-queries summary").text == "پرس‌وجوهای اخیر"

    _run(browser, SECOND)
    wait(browser).until(lambda d: d.find_element(By.ID, "code-panel").get_attribute("data-query") == SECOND)
    browser.find_element(By.CSS_SELECTOR, "#code-panel summary").click()
    curl = browser.find_element(By.ID, "code-curl").text
    assert curl.startswith("curl -sS " + server.url + "/sparql ") and "rdfs:label ?name" in curl
    assert "SPARQLWrapper" in browser.find_element(By.ID, "code-python").text
    assert "fetch(endpoint" in browser.find_element(By.ID, "code-javascript").text

    browser.find_element(By.CSS_SELECTOR, "#recent-queries summary").click()
    browser.find_element(By.ID, "recent-clear").click()
    assert browser.execute_script("return localStorage.getItem('issgraph.recent-queries')") == "[]"
    assert not browser.find_elements(By.CSS_SELECTOR, "#recent-list li")
    assert script_errors(browser) == []


def test_copy_link_copies_the_address_that_holds_the_query(browser, server):
    browser.get(server.url + "/query?lang=en")
    _run(browser, SECOND)
    button = browser.find_element(By.ID, "copy-link")
    assert button.text == "Copy link"
    link = browser.find_element(By.ID, "share-link")
    button.click()
    wait(browser).until(lambda d: button.get_attribute("data-copied") == "true")
    assert button.text == "Copied"
    shared = link.get_attribute("value")
    assert parse_qs(urlparse(shared).query)["query"] == [SECOND]
    browser.get(shared)     # the copied address draws the same result, by the server
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")) == 2
    assert script_errors(browser) == []


def test_a_canned_query_runs_with_the_parameter_its_form_sends(browser, server):
    browser.get(server.url + "/query?example=in-year&lang=fa")
    field = browser.find_element(By.ID, "param-year")
    assert field.get_attribute("value") == "1998"
    field.clear()
    field.send_keys("۲۰۱۱")
    browser.find_element(By.CSS_SELECTOR, "#example-params button[type=submit]").click()
    wait(browser).until(lambda d: parse_qs(urlparse(d.current_url).query).get("year") == ["۲۰۱۱"])
    assert "VALUES ?year { 2011 }" in browser.find_element(By.ID, "query").get_attribute("value")
    assert browser.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth")
    assert script_errors(browser) == []


# --- the editor: CodeMirror 6 (static/vendor/codemirror.js) over the textarea ---

def _shadow(driver):
    return driver.find_element(By.CSS_SELECTOR, "#query-form .cm-host").shadow_root


def _type(driver, text: str, keys: str):
    """Set the editor to `text`, put the caret at its end and type `keys` as a reader would."""
    content = _editor_text(driver, text)
    content.send_keys(Keys.CONTROL, Keys.END)
    content.send_keys(keys)
    return content


def _offered(driver) -> list[tuple[str, str]]:
    """The completion list: (completion, its detail) per option, once it is open."""
    wait(driver).until(lambda d: _shadow(d).find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li"))
    return [(li.find_element(By.CSS_SELECTOR, ".cm-completionLabel").text,
             (li.find_elements(By.CSS_SELECTOR, ".cm-completionDetail") or [li])[0].text)
            for li in _shadow(driver).find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li")]


def _accept(driver, name: str) -> None:
    """Take the completion `name` with Enter, as a reader would once the list stands still.

    CodeMirror ignores Enter on a list for `interactionDelay` (75 ms) after it opened or changed,
    so that a fast typist's Enter makes a new line rather than a choice; on a busy machine the
    last keystroke's update can land just before our Enter. Wait for `name` to be the selected
    option, then for a list that has not changed for well over that delay, then press Enter.
    """
    selected = lambda d: [e.text for e in _shadow(d).find_elements(
        By.CSS_SELECTOR, ".cm-tooltip-autocomplete li[aria-selected] .cm-completionLabel")]
    assert name in dict(_offered(driver))
    for _ in range(len(_offered(driver))):                      # a reader moves down to it if it is not first
        if wait(driver).until(selected) == [name]:
            break
        _shadow(driver).find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.ARROW_DOWN)
    wait(driver).until(lambda d: selected(d) == [name])
    options = lambda d: [li.text for li in _shadow(d).find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li")]
    before = options(driver)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = options(driver)
        if now == before:
            break
        before = now
    _shadow(driver).find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.ENTER)


def _label(server, iri: str, lang: str) -> str:
    r = requests.post(server.url + "/sparql", data={"query": f"SELECT ?l WHERE {{ <{iri}> "
                      f"<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = '{lang}') }}"},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return r.json()["results"]["bindings"][0]["l"]["value"]


def _csp_violations(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
            or "violates" in e["message"]]


def test_completion_offers_iss_terms_with_their_labels_in_the_readers_language(browser, server):
    for lang in ("en", "fa"):
        browser.get(server.url + f"/query?lang={lang}")
        assert browser.find_element(By.ID, "query").is_displayed() is False      # the editor took its place
        _type(browser, "PREFIX iss: <https://w3id.org/issgraph/ontology#>\nSELECT ?x WHERE { ?x a ", "iss:Lau")
        offered = dict(_offered(browser))
        assert offered.get("iss:Launch") == _label(server, "https://w3id.org/issgraph/ontology#Launch", lang), offered
        assert all(name.startswith("iss:") for name in offered)
        _accept(browser, "iss:Launch")                                 # take it
        wait(browser).until(lambda d: d.find_element(By.ID, "query").get_attribute("value").endswith("?x a iss:Launch"))
        # Highlighted as SPARQL: keywords and names get their own classes from the SPARQL mode.
        assert len({s.get_attribute("class") for s in _shadow(browser).find_elements(By.CSS_SELECTOR, ".cm-line span")}) >= 2
    # Properties too, and resources by their label (the search index), and prefixes by their start.
    _type(browser, "SELECT * WHERE { ?s ", "iss:buil")
    assert "iss:builder" in dict(_offered(browser))
    _type(browser, "SELECT * WHERE { ?s ?p ", "res:Russ")
    offered = dict(_offered(browser))
    assert offered.get("res:Russia") == _label(server, "https://w3id.org/issgraph/resource/Russia", "fa")
    _type(browser, "SELECT * WHERE { ?s ?p ", "xs")
    assert "xsd:" in dict(_offered(browser))
    # A Persian word finds the class whose Persian label holds it.
    launch_fa = _label(server, "https://w3id.org/issgraph/ontology#Launch", "fa")
    _type(browser, "SELECT * WHERE { ?s a ", launch_fa)
    assert "iss:Launch" in dict(_offered(browser))
    assert script_errors(browser) == [] and _csp_violations(browser) == []


def test_known_prefixes_are_declared_on_run_and_an_unknown_one_is_marked_before(browser, server):
    browser.get(server.url + "/query?lang=en")
    _type(browser, "SELECT * WHERE { ?s foo:bar ?o }", "")
    marked = wait(browser).until(lambda d: _shadow(d).find_elements(By.CSS_SELECTOR, ".cm-unknown-prefix"))
    assert [m.text for m in marked] == ["foo:"]
    warning = browser.find_element(By.ID, "prefix-warning")
    assert warning.is_displayed() and warning.get_attribute("data-prefixes") == "foo"
    assert browser.find_element(By.ID, "result").get_attribute("data-kind") is None      # nothing ran

    content = _editor_text(browser, "SELECT ?launch WHERE { ?launch a iss:Launch ; rdfs:label ?l }")
    assert not _shadow(browser).find_elements(By.CSS_SELECTOR, ".cm-unknown-prefix")
    assert not browser.find_element(By.ID, "prefix-warning").is_displayed()
    content.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result table.results-table tbody tr")))
    value = browser.find_element(By.ID, "query").get_attribute("value")
    assert value.startswith("PREFIX iss: <https://w3id.org/issgraph/ontology#>\n"
                            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?launch")
    assert _query_in_address(browser) == value
    assert script_errors(browser) == [] and _csp_violations(browser) == []


def test_the_editor_fits_a_phone_screen_and_the_page_logs_no_csp_violation(browser, server):
    browser.set_window_size(390, 844)
    try:
        for lang in ("en", "fa"):
            browser.get(server.url + f"/query?example=q03-modules-by-builder&lang={lang}")
            host = browser.find_element(By.CSS_SELECTOR, "#query-form .cm-host")
            viewport = browser.execute_script("return document.documentElement.clientWidth")
            assert browser.execute_script("return document.documentElement.scrollWidth") <= viewport
            box = browser.execute_script("var r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", host)
            assert 0 <= box[0] and box[1] <= viewport, box
            assert _shadow(browser).find_element(By.CSS_SELECTOR, ".cm-content").get_attribute("contenteditable") == "true"
            # CodeMirror's own styles reached the editor (a constructed sheet, which the CSP allows).
            gutter = _shadow(browser).find_element(By.CSS_SELECTOR, ".cm-gutters")
            assert browser.execute_script("return getComputedStyle(arguments[0]).display", gutter) == "flex"
            assert _csp_violations(browser) == [] and script_errors(browser) == []
    finally:
        browser.set_window_size(1280, 1000)


@pytest.fixture(scope="module")
def browser_without_script():
    """Chromium with JavaScript switched off, as some readers browse."""
    with chromium("390,844", javascript=False) as driver:
        yield driver


def test_without_script_the_textarea_is_the_editor_and_everything_still_works(browser_without_script, server):
    driver = browser_without_script
    driver.get(server.url + "/query?example=in-year&lang=fa")
    assert not driver.find_elements(By.CSS_SELECTOR, ".cm-host")
    textarea = driver.find_element(By.ID, "query")
    assert textarea.is_displayed() and driver.find_element(By.ID, "gutter").is_displayed()
    year = driver.find_element(By.ID, "param-year")
    year.clear()
    year.send_keys("2011")
    driver.find_element(By.CSS_SELECTOR, "#example-params button[type=submit]").click()
    wait(driver).until(lambda d: "year=2011" in d.current_url)
    assert "VALUES ?year { 2011 }" in driver.find_element(By.ID, "query").get_attribute("value")
    assert driver.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")

    textarea = driver.find_element(By.ID, "query")
    textarea.clear()
    textarea.send_keys("SELECT ?launch WHERE { ?launch a iss:Launch }")
    driver.find_element(By.ID, "run").click()
    wait(driver).until(lambda d: d.find_elements(By.ID, "added-prefixes"))
    assert driver.find_element(By.ID, "query").get_attribute("value").startswith("PREFIX iss: ")
    assert driver.find_elements(By.CSS_SELECTOR, "#result table.results-table tbody tr")
    panel = driver.find_element(By.ID, "code-panel")
    panel.find_element(By.TAG_NAME, "summary").click()
    assert "SPARQLWrapper" in driver.find_element(By.ID, "code-python").text
    # No script ran: query.js marks the page "scripted", editor.js adds the copy-link button.
    assert "scripted" not in (driver.find_element(By.ID, "query-page").get_attribute("class") or "")
    assert not driver.find_elements(By.ID, "copy-link")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"


def _checks(driver) -> list[str]:
    """The /query/check requests this page has made so far."""
    return driver.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
                                 ".filter(function (n) { return n.indexOf('/query/check?') >= 0; })")


def _check_mark(driver):
    return _shadow(driver).find_elements(By.CSS_SELECTOR, ".cm-syntax-error")


def test_a_syntax_error_is_marked_where_it_is_before_running_and_cleared_when_fixed(browser, server):
    browser.get(server.url + "/query?lang=en")
    assert _checks(browser) == []                                  # the page's own query is not sent to be checked
    content = _type(browser, "SELECT * WHERE {\n  ?s ?p\n", "}")
    marked = wait(browser).until(_check_mark)
    assert [m.text for m in marked] == ["}"]                       # line 3, column 2 (past the "}"): the object is missing
    assert "syntax error" in marked[0].get_attribute("title")
    note = browser.find_element(By.ID, "check-note")
    assert note.is_displayed() and "line 3, column 2" in note.text and "syntax error" in note.text
    assert note.find_element(By.CSS_SELECTOR, ".message").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "result").get_attribute("data-kind") is None      # nothing ran
    # Typing sends one check after the keys stop, not one per key; an unchanged text is not sent again.
    sent = len(_checks(browser))
    content.send_keys(Keys.CONTROL, Keys.END)
    content.send_keys(" # a comment")
    wait(browser).until(lambda d: len(_checks(d)) > sent)
    time.sleep(1)
    assert len(_checks(browser)) == sent + 1
    content.send_keys("x", Keys.BACKSPACE)
    time.sleep(1)
    assert len(_checks(browser)) == sent + 1
    # Fixed: the mark and the note go.
    _type(browser, "SELECT * WHERE {\n  ?s ?p ", "?o }")
    wait(browser).until(lambda d: not _check_mark(d) and not d.find_element(By.ID, "check-note").is_displayed())
    # A guard's refusal is marked too, in the reader's language, with Persian digits.
    browser.get(server.url + "/query?lang=fa")
    _type(browser, "SELECT * WHERE {\n  ?s ?p ?o .\n  SERVICE <http://example.org/sparql> { ?s ?p ?o }\n", "}")
    marked = wait(browser).until(_check_mark)
    assert [m.text for m in marked] == ["SERVICE"]                 # a word is marked whole
    note = browser.find_element(By.ID, "check-note")
    assert note.is_displayed() and "سطر ۳، ستون ۳" in note.text
    message = note.find_element(By.CSS_SELECTOR, ".message")
    assert message.get_attribute("lang") == "fa" and message.get_attribute("dir") == "rtl"
    assert marked[0].get_attribute("title") == message.text
    screenshot(browser, "query-check-fa")
    assert browser.find_element(By.ID, "result").get_attribute("data-kind") is None
    assert script_errors(browser) == [] and _csp_violations(browser) == []
