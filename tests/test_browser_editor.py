"""The query workbench's editor side in a real browser (#15): each run is a history entry, Back and
Forward step through queries and their results, recent queries stay in this browser, the link can
be copied, the code panel follows the query, a canned query's parameters run from their form."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from .test_browser import _editor_text, browser, script_errors, wait  # noqa: F401  (browser: the fixture)

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
