"""The query workbench's editor side (#15): the code panel's snippets run as shown against the real
server and return the endpoint's rows; canned queries take parameters bound through VALUES, with
stable addresses, and refuse hostile values; the page without JavaScript shows all of it."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from urllib.parse import quote

import pytest
import requests

from issgraph import examples, snippets
from issgraph.app import services

from .test_pages import page, parse, text

RES = "https://w3id.org/issgraph/resource/"
# Quotes of each kind, a backslash, a backtick, ${...}, a Persian word and a newline in a string:
# whatever one language's quoting gets wrong, this query shows.
AWKWARD_SELECT = """# it's "awkward": `backticks` and ${not_a_template} and \\ a backslash
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?name ?odd WHERE {
  ?thing rdfs:label ?name .
  FILTER(LANG(?name) = "fa" && CONTAINS(?name, "ایستگاه"))
  BIND("it's \\"quoted\\"\\nback\\\\slash" AS ?odd)
}
ORDER BY ?thing ?name"""
ASK = "PREFIX res: <https://w3id.org/issgraph/resource/>\nASK { res:Russia ?p ?o }"
CONSTRUCT = ("PREFIX res: <https://w3id.org/issgraph/resource/>\n"
             "CONSTRUCT { res:Russia ?p ?o } WHERE { res:Russia ?p ?o }")


def _endpoint_rows(server, query: str) -> list[dict]:
    r = requests.post(server.url + "/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200, r.text
    return [{k: t["value"] for k, t in b.items()} for b in r.json()["results"]["bindings"]]


def _code(server, query: str) -> dict:
    r = requests.get(server.url + "/query/code", params={"query": query}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    return r.json()


def _run(cmd: list[str], **kw) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)
    assert out.returncode == 0, (cmd, out.stderr)
    return out.stdout


def test_each_code_snippet_runs_as_shown_and_returns_the_endpoints_rows(server, tmp_path):
    assert shutil.which("curl") and shutil.which("node"), "curl and node run the snippets as a reader would"
    expected = _endpoint_rows(server, AWKWARD_SELECT)
    assert expected and all(r["odd"] == "it's \"quoted\"\nback\\slash" for r in expected)
    code = _code(server, AWKWARD_SELECT)
    assert server.url + "/sparql" in code["curl"]       # this server's own endpoint, not another host

    shell = _run(["bash", "-c", code["curl"]])
    doc = json.loads(shell)
    assert [{k: t["value"] for k, t in b.items()} for b in doc["results"]["bindings"]] == expected

    (tmp_path / "snippet.py").write_text(code["python"], encoding="utf-8")
    printed = _run([sys.executable, str(tmp_path / "snippet.py")])
    assert [ast.literal_eval(line) for line in printed.splitlines()] == expected

    (tmp_path / "snippet.js").write_text(code["javascript"], encoding="utf-8")
    printed = _run(["node", str(tmp_path / "snippet.js")])
    assert [json.loads(line) for line in printed.splitlines()] == expected


def test_ask_and_construct_snippets_run_as_shown(server, tmp_path):
    code = _code(server, ASK)
    assert json.loads(_run(["bash", "-c", code["curl"]]))["boolean"] is True
    (tmp_path / "ask.py").write_text(code["python"], encoding="utf-8")
    assert _run([sys.executable, str(tmp_path / "ask.py")]).strip() == "True"
    (tmp_path / "ask.js").write_text(code["javascript"], encoding="utf-8")
    assert _run(["node", str(tmp_path / "ask.js")]).strip() == "true"

    import rdflib
    from rdflib.compare import isomorphic

    want = rdflib.Graph().parse(data=requests.post(server.url + "/sparql", data={"query": CONSTRUCT},
                                                   headers={"Accept": "text/turtle"}, timeout=30).text, format="turtle")
    assert len(want) > 3
    code = _code(server, CONSTRUCT)
    (tmp_path / "graph.py").write_text(code["python"], encoding="utf-8")
    (tmp_path / "graph.js").write_text(code["javascript"], encoding="utf-8")
    for out in (_run(["bash", "-c", code["curl"]]), _run([sys.executable, str(tmp_path / "graph.py")]),
                _run(["node", str(tmp_path / "graph.js")])):
        assert isomorphic(rdflib.Graph().parse(data=out, format="turtle"), want)


@pytest.mark.parametrize("query", [AWKWARD_SELECT, ASK, CONSTRUCT, "SELECT * { ?s ?p ?o } LIMIT 1"])
def test_snippets_quote_any_query_in_each_language(query):
    """Without running them: the shell, Python and JavaScript each read back exactly the query."""
    import shlex

    code = snippets.snippets("http://127.0.0.1:1/sparql", query)
    words = shlex.split(code["curl"].replace("\\\n", " "))
    assert words[words.index("--data-urlencode") + 1] == "query=" + query
    py_literal = code["python"].split("sparql.setQuery(", 1)[1].rsplit(")\nsparql.setReturnFormat", 1)[0]
    assert ast.literal_eval(py_literal) == query
    js = code["javascript"].split("const query = ", 1)[1].split(";\n\nfetch", 1)[0]
    assert _run(["node", "-e", f"process.stdout.write({js})"]) == query


def test_query_form_is_read_past_comments_prefixes_and_strings():
    assert snippets.query_form("# SELECT in a comment\nPREFIX a: <http://x/ASK>\nCONSTRUCT {} WHERE {}") == "graph"
    assert snippets.query_form('PREFIX : <http://x/>\nask { ?s :p "SELECT" }') == "ask"
    assert snippets.query_form("DESCRIBE <http://x/>") == "graph"
    assert snippets.query_form("SELECT * {}") == "select"


def test_the_page_without_script_shows_the_code_for_the_query_it_ran(client):
    r, tree = page(client, "/query?query=" + quote(ASK) + "&lang=fa")
    panel = tree.find(".//details[@id='code-panel']")
    assert panel is not None and panel.get("hidden") is None
    codes = {pre.get("data-language"): text(pre) for pre in panel.iter("pre")}
    assert set(codes) == {"curl", "python", "javascript"}
    assert codes["python"] == snippets.python(services(client.application).config.public_base + "sparql", ASK).strip()
    # The empty page has no query yet: the panel is there for the script to fill, hidden.
    _, tree = page(client, "/query?lang=en")
    assert tree.find(".//details[@id='code-panel']").get("hidden") is not None


def test_code_route_refuses_a_query_over_the_size_limit(client):
    limit = services(client.application).config.max_query_bytes
    r = client.get("/query/code?query=" + "x" * (limit + 1))
    assert r.status_code == 413 and "bytes" in r.json["error"]


# --- canned, parameterised queries ---

def _params(client):
    path = services(client.application).config.queries_path
    return [e for e in examples.load(path) if e.params]


def test_parameterised_examples_declare_their_parameters_and_defaults(client):
    found = {e.slug: e for e in _params(client)}
    assert {"about-resource", "in-year"} <= set(found)
    assert [(p.name, p.kind) for p in found["in-year"].params] == [("year", "year")]
    assert [(p.name, p.kind) for p in found["about-resource"].params] == [("resource", "resource")]
    for e in found.values():
        for p in e.params:
            assert p.label_en and p.label_fa and p.label("fa") != p.label("en")


def test_a_year_is_bound_through_values_and_has_a_stable_address(client, app):
    svc = services(app)
    example = examples.find(svc.config.queries_path, "in-year")
    for lang in ("en", "fa"):
        _, tree = page(client, f"/query?example=in-year&year=2011&lang={lang}")
        ran = tree.find(".//textarea[@id='query']").text
        assert "VALUES ?year { 2011 }" in ran and "VALUES ?year { 1998 }" not in ran
        form = tree.find(".//form[@id='example-params']")
        assert form.get("method") == "get" and form.get("action") == "/query"
        assert {i.get("name"): i.get("value") for i in form.iter("input")} == {"example": "in-year", "lang": lang,
                                                                               "year": "2011"}
        dates = [text(td) for td in tree.iter("td")]
        assert dates, "the bound query found something dated 2011"
    # The bound text is exactly what the endpoint gives for the file with the value written in.
    bound = examples.bind(example, {"year": "2011"}, svc.site.base, lambda iri: True)
    assert bound == example.text.replace("VALUES ?year { 1998 }", "VALUES ?year { 2011 }")
    # Persian digits are a year too.
    _, tree = page(client, "/query?example=in-year&year=" + quote("۲۰۱۱") + "&lang=fa")
    assert "VALUES ?year { 2011 }" in tree.find(".//textarea[@id='query']").text


def test_a_single_parameter_can_also_be_given_as_param(client):
    _, named = page(client, "/query?example=in-year&year=2011&lang=fa")
    _, short = page(client, "/query?example=in-year&param=2011&lang=fa")
    ran = short.find(".//textarea[@id='query']").text
    assert "VALUES ?year { 2011 }" in ran and ran == named.find(".//textarea[@id='query']").text
    assert short.find(".//input[@id='param-year']").get("value") == "2011"
    assert client.get("/query?example=in-year&param=" + quote("2011 } ?s ?p ?o {")).status_code == 400


def test_a_resource_is_bound_as_an_iri_of_this_graph(client):
    for given in ("Europe", "res:Europe", RES + "Europe", f"<{RES}Europe>"):
        _, tree = page(client, "/query?example=about-resource&resource=" + quote(given) + "&lang=en")
        assert f"VALUES ?resource {{ <{RES}Europe> }}" in tree.find(".//textarea[@id='query']").text, given
        assert len(list(tree.iter("tr"))) > 3


HOSTILE = [
    ("year", "1998 } ?s ?p ?o . {"), ("year", "1998) || true || (1"), ("year", '"1998"^^xsd:string'),
    ("year", "19980"), ("year", ""), ("year", "1998\nLIMIT 1"), ("year", "9" * 400),
    ("resource", "Europe> } ?s ?p ?o { <x"), ("resource", "Russia } UNION { ?s ?p ?o"),
    ("resource", "res:Russia> . ?x ?y ?z"), ("resource", "javascript:alert(1)"), ("resource", "https://example.org/x"),
    ("resource", "No_such_thing_here"), ("resource", f"{RES}Europe\"> #"), ("resource", "Eur ope"),
    ("resource", "<" + RES + "Europe>> }"), ("resource", "../../etc/passwd"),
]


@pytest.mark.parametrize("name,value", HOSTILE)
def test_hostile_parameter_values_are_refused_and_never_reach_the_query(client, name, value):
    slug = {"year": "in-year", "resource": "about-resource"}[name]
    for lang in ("en", "fa"):
        r = client.get(f"/query?example={slug}&{name}={quote(value)}&lang={lang}")
        assert r.status_code == 400, (value, r.status_code)
        tree = parse(r.data)
        error = tree.find(".//*[@id='param-error']")
        assert error is not None and error.get("data-param") == name
        assert ("پارامتر" in text(error)) == (lang == "fa")
        ran = tree.find(".//textarea[@id='query']").text
        assert value.strip() not in ran or not value.strip()
        assert tree.find(".//section[@id='result']/table") is None and not list(tree.iter("tbody"))


def test_bind_never_pastes_text_only_checked_terms():
    """The plain function: a value that is no term of its kind raises before any text is built."""
    e = examples.parse("x", "# param: year year | Year | سال\nSELECT * { VALUES ?year { 1 } }")
    for bad in ("1 }", "1.5", "1e3", "-", "٢٠٢٠x"):
        with pytest.raises(examples.BadParameter):
            examples.bind(e, {"year": bad}, "https://w3id.org/issgraph/", lambda iri: True)
    assert examples.bind(e, {"year": "-0044"}, "https://w3id.org/issgraph/", lambda iri: True) == \
        "# param: year year | Year | سال\nSELECT * { VALUES ?year { -44 } }"
    r = examples.parse("r", "# param: thing resource | Thing | چیز\nSELECT * { VALUES ?thing { <http://a/> } }")
    with pytest.raises(examples.BadParameter):     # an IRI the graph does not use
        examples.bind(r, {"thing": "https://example.org/"}, "https://w3id.org/issgraph/", lambda iri: False)
    with pytest.raises(ValueError):                # a parameter whose VALUES block is missing
        examples.parse("y", "# param: year year | Year | سال\nSELECT * {}")
    with pytest.raises(ValueError):                # a name the page uses itself
        examples.parse("z", "# param: lang year | L | L\nSELECT * { VALUES ?lang { 1 } }")


def test_parameterised_examples_are_listed_in_both_languages(client):
    for lang in ("en", "fa"):
        _, tree = page(client, f"/query?lang={lang}")
        links = {a.get("data-example"): a for a in tree.iter("a") if a.get("data-example")}
        for e in _params(client):
            assert text(links[e.slug]) == e.title(lang)
            assert links[e.slug].get("href") == f"/query?example={e.slug}&lang={lang}"
