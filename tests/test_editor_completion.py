"""The editor's help without a browser (#15): known prefixes declared for a query that uses them
undeclared (on the page without JavaScript too), and the completion data of /query/terms."""
from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import quote

import pytest

from issgraph import completion
from issgraph.app import services
from issgraph.protocol import ProtocolQuery
from issgraph.void import statistics

from .conftest import ROOT
from .test_pages import page, text

ISS = "https://w3id.org/issgraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture()
def prefixes(app):
    return services(app).prefixes


def test_known_prefixes_used_undeclared_are_declared_first(prefixes):
    query = 'SELECT ?x ?d WHERE { ?x a iss:Launch ; iss:date ?d FILTER(DATATYPE(?d) = xsd:date) }'
    fixed, added = completion.with_known_prefixes(query, prefixes)
    assert added == ["iss", "xsd"]
    assert fixed == f"PREFIX iss: <{prefixes['iss']}>\nPREFIX xsd: <{prefixes['xsd']}>\n" + query


def test_what_only_looks_like_a_prefixed_name_is_left_alone(prefixes):
    query = ('PREFIX iss: <https://w3id.org/issgraph/ontology#>\n# rdfs:label in a comment\n'
             'SELECT ?x WHERE { ?x iss:quote "owl:sameAs in a string" . '
             'FILTER(?x != <http://example.org/dc:thing>) BIND(\'skos:x\' AS ?y) }')
    assert completion.with_known_prefixes(query, prefixes) == (query, [])
    assert completion.used_prefixes(query) == ["iss"]


def test_an_unknown_prefix_is_not_guessed(prefixes):
    query = "SELECT * WHERE { ?s foo:bar ?o ; rdfs:label ?l }"
    fixed, added = completion.with_known_prefixes(query, prefixes)
    assert added == ["rdfs"] and "foo:" not in fixed.split("SELECT")[0]
    assert completion.undeclared_prefixes(fixed) == ["foo"]


def test_the_page_without_script_declares_known_prefixes_and_runs(client, app, prefixes):
    query = "SELECT ?launch WHERE { ?launch a iss:Launch }"
    for lang in ("en", "fa"):
        r, tree = page(client, "/query?query=" + quote(query) + f"&lang={lang}")
        ran = tree.find(".//textarea[@id='query']").text
        assert ran.startswith(f"PREFIX iss: <{prefixes['iss']}>\n") and ran.endswith(query)
        note = tree.find(".//*[@id='added-prefixes']")
        assert note.get("data-prefixes") == "iss:" and "iss:" in text(note)
        rows = [tr for tr in tree.iter("tr") if tr.find("td") is not None]
        launches = services(app).queries.answer(ProtocolQuery(query=ran, params=(("format", "json"),)), None)
        assert launches.status == 200 and len(rows) == launches.body.count(b'"launch"') - 1 > 0
    # The endpoint itself stays the protocol's: an undeclared prefix is its client's error to fix.
    assert client.post("/sparql", data={"query": query}).status_code == 400


def test_the_page_still_reports_an_unknown_prefix_at_its_place(client):
    _, tree = page(client, "/query?query=" + quote("SELECT * WHERE {\n  ?s foo:bar ?o\n}") + "&lang=en", 400)
    assert tree.find(".//*[@id='added-prefixes']") is None
    assert tree.find(".//*[@id='query-error']").get("data-line") == "2"


def test_terms_hold_every_class_and_property_with_labels_in_both_languages(app):
    svc = services(app)
    stats = statistics(svc.dataset)
    by_lang = {lang: {t["iri"]: t for t in completion.terms(svc.dataset, svc.site, svc.prefixes, lang)["terms"]}
               for lang in ("en", "fa")}
    declared = {t.subject.value for t in svc.dataset.ontology
                if t.predicate.value == RDF_TYPE and t.subject.value.startswith(ISS)}
    assert declared and declared <= set(by_lang["en"])
    for iri in declared:
        labels = {t.object.language: t.object.value for t in svc.dataset.ontology
                  if t.subject.value == iri and t.predicate.value == RDFS_LABEL}
        assert by_lang["en"][iri]["label"] == labels["en"] and by_lang["fa"][iri]["label"] == labels["fa"], iri
        assert by_lang["en"][iri]["name"] == "iss:" + iri[len(ISS):]
    for iri, n in {**stats["class_partitions"], **stats["property_partitions"]}.items():
        if iri in by_lang["en"]:
            assert by_lang["en"][iri]["count"] == n        # the VoID partitions' counts
    assert by_lang["en"][ISS + "Launch"]["kind"] == "class" and by_lang["en"][ISS + "SolarHijriDate"]["kind"] == "datatype"


def test_terms_route_answers_json_in_the_page_language(client, app):
    r = client.get("/query/terms?lang=fa")
    assert r.status_code == 200 and r.content_type.startswith("application/json")
    doc = r.json
    assert doc["lang"] == "fa"
    assert {p["prefix"]: p["namespace"] for p in doc["prefixes"]} == services(app).prefixes
    svc = services(app)
    assert doc["terms"] == completion.terms(svc.dataset, svc.site, svc.prefixes, "fa")["terms"]
    assert client.get("/query/terms?lang=fa", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


# --- the vendored editor bundle ---

STATIC = Path(__file__).parent.parent / "src" / "issgraph" / "static"


def test_the_vendored_bundle_ships_with_the_package_and_every_bundled_licence():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["issgraph"]
    for f in STATIC.rglob("*"):
        if f.is_file():
            rel = f.relative_to(STATIC.parent).as_posix()
            assert any(fnmatch.fnmatch(rel, p) and rel.count("/") == p.count("/") for p in patterns), rel
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())["packages"]
    licences = (STATIC / "vendor" / "codemirror.LICENSES.txt").read_text()
    named = re.findall(r"^==== (\S+) (\S+) \((\w+)\) ====$", licences, re.M)
    assert {"@codemirror/view", "@codemirror/state", "@codemirror/autocomplete", "@codemirror/language",
            "@codemirror/legacy-modes", "style-mod"} <= {n for n, _, _ in named}
    for name, version, licence in named:        # each as locked in frontend/package-lock.json
        assert lock[f"node_modules/{name}"]["version"] == version and lock[f"node_modules/{name}"]["license"] == licence
    assert "Permission is hereby granted" in licences


def test_the_bundle_is_served_from_this_host_and_names_no_other(client):
    r = client.get("/static/vendor/codemirror.js")
    assert r.status_code == 200 and "javascript" in r.content_type
    body = r.data.decode()
    r.close()
    assert "IssgraphCodeMirror" in body and "sparql" in body
    assert set(re.findall(r"https?://[A-Za-z0-9.-]+", body)) <= {"http://www.w3.org"}    # the SVG namespace only
    _, tree = page(client, "/query?lang=en")
    scripts = [s.get("src") for s in tree.iter("script")]
    assert scripts.index("/static/vendor/codemirror.js") < scripts.index("/static/editor.js")
    assert all(src.startswith("/static/") for src in scripts if src)
