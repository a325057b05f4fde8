"""The dataset as a publication: schema.org and DCAT markup, robots and sitemap, releases and their
dumps, the changes page, the licence and the citation files."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import xml.etree.ElementTree as ET

import html5lib
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from issgraph.config import Config
from issgraph.dataset import load
from issgraph.dumps import DUMP_FORMATS, dump_name
from issgraph.releases import (archive, archived_versions, canonical_hash, canonical_nquads, current_release,
                               dataset_facts, dataset_version, read_release)

from .conftest import ROOT

SDO = Namespace("https://schema.org/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HOST = Config().public_base          # every absolute URL the server sends starts here
HTML = {"Accept": "text/html"}
# The schema.org types and properties a Dataset description may use here (schema.org, version 29):
# Dataset / CreativeWork / Thing properties, DataDownload / MediaObject, SearchAction / EntryPoint.
SCHEMA_ORG_TERMS = {
    "Dataset", "DataDownload", "Organization", "SearchAction", "EntryPoint",
    "name", "description", "url", "identifier", "inLanguage", "license", "isAccessibleForFree", "creator",
    "version", "dateModified", "creditText", "keywords", "isBasedOn", "about", "distribution",
    "potentialAction", "encodingFormat", "contentUrl", "contentSize", "sha256", "target", "urlTemplate",
    "httpMethod", "encodingType", "contentType", "query-input",
}


def _jsonld_blocks(body: bytes) -> list[dict]:
    """The JSON-LD data blocks of a page, found by an HTML parser."""
    doc = html5lib.parse(body, namespaceHTMLElements=False)
    return [json.loads(s.text) for s in doc.iter("script") if s.get("type") == "application/ld+json"]


@pytest.mark.parametrize("path", ["/", "/?lang=fa", "/dataset", "/dataset.html?lang=fa"])
def test_home_and_dataset_pages_carry_a_schema_org_dataset(client, dataset, path):
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    blocks = _jsonld_blocks(r.data)
    assert len(blocks) == 1
    doc = blocks[0]
    facts = dataset_facts(dataset)
    assert doc["@context"] == "https://schema.org/" and doc["@type"] == "Dataset"
    assert {v["@language"] for v in doc["name"]} == {"en", "fa"}
    assert {v["@language"] for v in doc["description"]} == {"en", "fa"}
    assert all(len(v["@value"]) >= 50 for v in doc["description"])
    assert doc["license"] == facts["license"] and doc["version"] == dataset_version(dataset)
    assert doc["creator"] and all(c["@type"] == "Organization" and c["name"] for c in doc["creator"])
    assert doc["potentialAction"]["target"]["urlTemplate"] == HOST + "sparql?query={query}"
    names = {d["name"] for d in doc["distribution"]}
    assert {dump_name(f, gz) for f in DUMP_FORMATS for gz in (False, True)} <= names
    for d in doc["distribution"]:           # each download is there, with the bytes it claims
        assert d["@type"] == "DataDownload" and d["encodingFormat"]
        got = client.get(d["contentUrl"].replace(HOST, "/"))
        assert got.status_code == 200, d["contentUrl"]
        assert hashlib.sha256(got.data).hexdigest() == d["sha256"] and d["contentSize"] == f"{len(got.data)} B"


def test_schema_org_markup_is_rdf_in_the_schema_org_vocabulary(client):
    doc = _jsonld_blocks(client.get("/", headers=HTML).data)[0]
    doc["@context"] = {"@vocab": str(SDO)}    # the same terms, without fetching schema.org's context
    g = Graph().parse(data=json.dumps(doc), format="json-ld")
    ds = URIRef("https://w3id.org/issgraph/dataset")
    assert (ds, RDF.type, SDO.Dataset) in g
    for prop in (SDO.name, SDO.description, SDO.license, SDO.creator, SDO.version, SDO.distribution,
                 SDO.creditText):
        assert g.value(ds, prop) is not None, prop
    assert Literal("issgraph: the International Space Station knowledge graph", lang="en") in set(g.objects(ds, SDO.name))
    for dist in g.objects(ds, SDO.distribution):
        assert (dist, RDF.type, SDO.DataDownload) in g
        assert g.value(dist, SDO.contentUrl) and g.value(dist, SDO.encodingFormat)
    # every term used is a schema.org term (checked against schema.org's own pages for these terms)
    used = {str(p)[len(str(SDO)):] for _, p, _ in g if p != RDF.type} | \
           {str(o)[len(str(SDO)):] for _, p, o in g if p == RDF.type}
    assert used <= SCHEMA_ORG_TERMS, used - SCHEMA_ORG_TERMS


def test_pages_have_no_inline_executable_script(client):
    for path in ("/", "/dataset", "/releases", "/license"):
        doc = html5lib.parse(client.get(path, headers=HTML).data, namespaceHTMLElements=False)
        for s in doc.iter("script"):
            assert s.get("src") or s.get("type") == "application/ld+json", path
        assert not list(doc.iter("style")), path


def _void(client) -> Graph:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    return Graph().parse(data=r.data.decode(), format="turtle")


def test_void_description_carries_dcat_distributions_with_true_sizes_and_checksums(client):
    g = _void(client)
    ds = URIRef("https://w3id.org/issgraph/dataset")
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert g.value(ds, DCT.bibliographicCitation) is not None and g.value(ds, DCAT.version) is not None
    downloads = {str(g.value(d, DCAT.downloadURL)): d for d in g.objects(ds, DCAT.distribution)
                 if g.value(d, DCAT.downloadURL) is not None}
    expected = {f"{HOST}dumps/{dump_name(f, gz)}" for f in DUMP_FORMATS for gz in (False, True)}
    assert expected <= set(downloads)
    for url in expected:
        d = downloads[url]
        assert (d, RDF.type, DCAT.Distribution) in g and g.value(d, DCAT.mediaType) is not None
        body = client.get(url.replace(HOST, "/")).data
        assert int(g.value(d, DCAT.byteSize)) == len(body)
        checksum = g.value(d, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        assert (URIRef(url).endswith(".gz")) == (g.value(d, DCAT.compressFormat) is not None)


def test_void_description_names_the_endpoint_as_a_dcat_data_service(client):
    g = _void(client)
    ds = URIRef("https://w3id.org/issgraph/dataset")
    services = list(g.subjects(RDF.type, DCAT.DataService))
    assert services == [URIRef(HOST + "sparql")]
    svc = services[0]
    assert g.value(svc, DCAT.endpointURL) == svc and (svc, DCAT.servesDataset, ds) in g
    assert any(g.value(d, DCAT.accessService) == svc for d in g.objects(ds, DCAT.distribution))


def test_void_description_lists_every_release_with_its_canonical_hash(client):
    g = _void(client)
    ds = URIRef("https://w3id.org/issgraph/dataset")
    versions = {str(g.value(v, DCAT.version)): v for v in g.objects(ds, DCAT.hasVersion)}
    assert set(archived_versions(ROOT / "releases")) <= set(versions)
    for version in archived_versions(ROOT / "releases"):
        node = versions[version]
        canonical = next(d for d in g.objects(node, DCAT.distribution)
                         if str(g.value(d, DCAT.downloadURL)).endswith("/issgraph.canonical.nq"))
        value = g.value(g.value(canonical, SPDX.checksum), SPDX.checksumValue)
        assert str(value) == read_release(ROOT / "releases" / version).hash
    assert g.value(ds, DCAT.hasCurrentVersion) is not None


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_queries(client):
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    lines = r.data.decode().splitlines()
    assert "User-agent: *" in lines and "Disallow: /sparql" in lines and f"Sitemap: {HOST}sitemap.xml" in lines


def test_sitemap_lists_every_resource_page_in_both_languages(client, dataset):
    r = client.get("/sitemap.xml")
    assert r.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(r.data)
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert len(locs) == len(set(locs))
    resources = {t.subject.value for t in dataset.data if t.subject.value.startswith(dataset.config.base_iri + "resource/")}
    for iri in resources:
        path = iri[len(dataset.config.base_iri) - 1:]
        # the pages' own language-keeping addresses (see the README's "Languages")
        assert HOST.rstrip("/") + path + "?lang=en" in locs and HOST.rstrip("/") + path + "?lang=fa" in locs, iri
    for u in root.findall("s:url", ns):
        assert {a.get("hreflang") for a in u.findall("x:link", ns)} == {"en", "fa", "x-default"}
    for loc in locs[::7]:                       # a sample of them answers, in the language asked
        page = client.get(loc.replace(HOST, "/"), headers=HTML)
        assert page.status_code == 200, loc
        assert (b'lang="fa"' in page.data[:200]) == loc.endswith("lang=fa")


def test_the_archived_release_is_served_byte_for_byte(client):
    for version in archived_versions(ROOT / "releases"):
        folder = ROOT / "releases" / version
        manifest = json.loads((folder / "manifest.json").read_text())
        packed = client.get(f"/dumps/{version}/{manifest['file']}")
        assert packed.status_code == 200 and packed.data == (folder / manifest["file"]).read_bytes()
        plain = client.get(f"/dumps/{version}/issgraph.canonical.nq")
        assert hashlib.sha256(plain.data).hexdigest() == manifest["canonical_hash"]
        assert json.loads(client.get(f"/dumps/{version}/manifest.json").data)["canonical_hash"] == manifest["canonical_hash"]
        # the other formats, written from the archive, hold the same graph
        trig = client.get(f"/dumps/{version}/issgraph.trig")
        assert trig.status_code == 200
        assert canonical_hash(canonical_nquads(ox.parse(trig.data, format=ox.RdfFormat.TRIG))) == manifest["canonical_hash"]
        assert client.get(f"/dumps/{version}/", headers=HTML).status_code == 200


def test_the_current_version_is_at_dumps_and_at_dumps_version(client, dataset):
    version = dataset_version(dataset)
    assert client.get(f"/dumps/{version}/issgraph.ttl").data == client.get("/dumps/issgraph.ttl").data
    current = current_release(dataset)
    assert client.get("/dumps/issgraph.canonical.nq").data == current.canonical
    assert gzip.decompress(client.get("/dumps/issgraph.canonical.nq.gz").data) == current.canonical
    assert client.get("/dumps/9.9.9/issgraph.ttl").status_code == 404
    assert client.get(f"/dumps/{version}/issgraph.exe").status_code == 404


@pytest.fixture()
def two_releases(tmp_path):
    """An app whose releases folder holds an older synthetic version (one label changed) beside the current one."""
    from issgraph.app import create_app

    config = Config(releases_path=tmp_path / "releases")
    now = load(config)
    old_version = "0.0.1"
    text = (ROOT / "data/iss.ttl").read_text(encoding="utf-8")
    version = dataset_version(now)
    data = tmp_path / "iss.ttl"
    data.write_text(text.replace(f'owl:versionInfo "{version}"', f'owl:versionInfo "{old_version}"')
                    .replace(f'dcterms:hasVersion "{version}"', f'dcterms:hasVersion "{old_version}"'), encoding="utf-8")
    archive(current_release(load(Config(data_path=data))), config.releases_path)
    app = create_app(config, now)
    yield app, old_version, version
    app.extensions["issgraph"].executor.close()


def test_an_older_release_stays_served_and_its_changes_are_a_page(two_releases):
    app, old, new = two_releases
    client = app.test_client()
    folder = app.extensions["issgraph"].config.releases_path / old
    assert client.get(f"/dumps/{old}/issgraph.canonical.nq").data == read_release(folder).canonical
    turtle = client.get(f"/changes/{old}/{new}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    g = Graph().parse(data=turtle.data.decode(), format="turtle")
    cs = Namespace("http://purl.org/vocab/changeset/schema#")

    def changes(kind):
        return {(str(g.value(st, RDF.subject)), str(g.value(st, RDF.predicate)), str(g.value(st, RDF.object)))
                for st in g.objects(None, cs[kind])}

    ds, owl, dct = "https://w3id.org/issgraph/dataset", "http://www.w3.org/2002/07/owl#", str(DCT)
    # exactly the version statements the older file had changed (dcterms:hasVersion too, where the data has it)
    has_version = f'dcterms:hasVersion "{new}"' in (ROOT / "data/iss.ttl").read_text(encoding="utf-8")
    assert changes("removal") == {(ds, owl + "versionInfo", old)} | ({(ds, dct + "hasVersion", old)} if has_version else set())
    assert changes("addition") == {(ds, owl + "versionInfo", new)} | ({(ds, dct + "hasVersion", new)} if has_version else set())
    page = client.get(f"/changes/{old}/{new}", headers=HTML)
    assert page.status_code == 200
    pre = [e.text or "" for e in html5lib.parse(page.data, namespaceHTMLElements=False).iter("pre")]
    assert f'- <{ds}> <{owl}versionInfo> "{old}" <https://w3id.org/issgraph/graph/data> .' in pre[0].splitlines()
    assert f'+ <{ds}> <{owl}versionInfo> "{new}" <https://w3id.org/issgraph/graph/data> .' in pre[1].splitlines()
    assert client.get(f"/changes/{new}/{old}", headers=HTML).status_code == 404
    assert f"/changes/{old}/{new}?lang=fa".encode() in client.get("/sitemap.xml").data
    listing = client.get("/releases", headers=HTML).data
    assert f"/changes/{old}/{new}".encode() in listing and read_release(app.extensions["issgraph"].config.releases_path / old).hash.encode() in listing


def test_license_page_states_the_data_licence_from_the_data_and_how_to_cite(client, dataset):
    facts = dataset_facts(dataset)
    for lang in ("en", "fa"):
        r = client.get(f"/license?lang={lang}", headers=HTML)
        assert r.status_code == 200
        assert f'href="{facts["license"]}" rel="license"'.encode() in r.data
        assert dataset_version(dataset).encode() in r.data and b"MIT" in r.data


def _cff() -> dict[str, str]:
    """The top-level scalar fields of CITATION.cff (a YAML subset; no YAML library in the test extras)."""
    fields = {}
    for line in (ROOT / "CITATION.cff").read_text(encoding="utf-8").splitlines():
        m = re.match(r'^([a-z-]+): "?([^"]*)"?$', line)
        if m:
            fields[m.group(1)] = m.group(2)
    return fields


def test_citation_file_cites_the_latest_release_under_the_data_licence(dataset):
    cff = _cff()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    latest = archived_versions(ROOT / "releases")[-1]
    assert cff["version"] == latest
    assert cff["date-released"] == read_release(ROOT / "releases" / latest).modified
    spdx = {"https://creativecommons.org/licenses/by-sa/4.0/": "CC-BY-SA-4.0"}
    assert cff["license"] == spdx[dataset_facts(dataset)["license"]]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "## " + latest in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_releases_page_writes_dates_in_both_calendars_and_persian_digits_in_persian(client, dataset):
    release = current_release(dataset)
    fa = client.get("/releases?lang=fa", headers=HTML).data.decode()
    en = client.get("/releases?lang=en", headers=HTML).data.decode()
    from issgraph.published import day_for

    assert day_for("fa")("2026-11-24") == "۲۴ نوامبر ۲۰۲۶ (۳ آذر ۱۴۰۵)"
    assert day_for("en")("2026-11-24") == "24 November 2026 (3 Azar 1405)"
    assert day_for("fa")(release.modified) in fa and day_for("en")(release.modified) in en
    count = f"{release.quad_count:,}"
    assert count.translate(str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹٬")) in fa and count in en
    assert release.hash in fa and 'dir="rtl"' in fa[:200]
