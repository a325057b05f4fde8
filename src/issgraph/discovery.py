"""What catalogues and search engines read: schema.org Dataset markup, robots.txt and the sitemap.

The schema.org `Dataset` is JSON-LD put in a `<script type="application/ld+json">` data block
of the home and dataset pages (a data block is never executed, so a strict CSP allows it).
Every value comes from the dataset's own facts and the dumps as served. The sitemap lists every
resource page in both languages, with the URLs `search.page_href` builds for the site's pages.
"""
from __future__ import annotations

import json
from functools import lru_cache
from xml.sax.saxutils import escape

import pyoxigraph as ox

from .dataset import Dataset
from .formats import BY_NAME
from .dcat import citation, dump_facts
from .i18n import LANGS
from .releases import CANONICAL_FILE, catalogue, dataset_facts
from .search import page_href
from .views import Site
from .namespaces import DCTERMS, SCHEMA

RESULT_TYPES = tuple(BY_NAME[name].media_type for name in ("json", "xml", "csv", "tsv", "turtle", "jsonld"))
# Paths of the site's own pages (besides every resource's), in both languages in the sitemap.
SITE_PAGES = ("", "query", "ontology", "dataset", "dumps/", "releases", "license")


def _texts(facts: dict, key: str) -> list[dict]:
    """A fact in every language the data gives it, as JSON-LD language-tagged values."""
    out = [{"@value": facts[key], "@language": "en"}] if key in facts else []
    out += [{"@value": facts[k], "@language": k.split("_", 1)[1]} for k in sorted(facts) if k.startswith(key + "_")]
    return out


@lru_cache(maxsize=8)
def _schema_org(dataset: Dataset, host_url: str) -> str:
    facts = dataset_facts(dataset)
    releases = catalogue(dataset)
    creator_names = [t.object.value for t in dataset.match(
        subject=ox.NamedNode(dataset.config.dataset_iri), predicate=ox.NamedNode(DCTERMS + "creator"),
        graphs=(dataset.config.data_graph,)) if getattr(t.object, "language", None) in (None, "en")]
    downloads = [{"@type": "DataDownload", "name": name, "encodingFormat": media,
                  "contentUrl": f"{host_url}dumps/{name}", "contentSize": f"{size} B", "sha256": sha}
                 for name, media, size, sha in dump_facts(dataset)]
    current = releases.current
    downloads.append({"@type": "DataDownload", "name": f"{CANONICAL_FILE} (RDFC-1.0, version {current.version})",
                      "encodingFormat": "application/n-quads", "sha256": current.hash,
                      "contentUrl": f"{host_url}dumps/{current.version}/{CANONICAL_FILE}",
                      "contentSize": f"{len(current.canonical)} B"})
    doc = {
        "@context": SCHEMA,
        "@type": "Dataset",
        "@id": dataset.config.dataset_iri,
        "url": host_url + "dataset",
        "identifier": dataset.config.dataset_iri,
        "name": _texts(facts, "title"),
        "description": _texts(facts, "description"),
        "inLanguage": list(LANGS),
        "license": facts.get("license"),
        "isAccessibleForFree": True,
        "creator": [{"@type": "Organization", "name": n} for n in creator_names],
        "version": facts["version"],
        "dateModified": facts.get("modified"),
        "creditText": citation(dataset),
        "keywords": ["International Space Station", "ISS", "linked data", "knowledge graph", "SPARQL"],
        "isBasedOn": dataset.config.base_iri + "resource/Source_text",
        "about": dataset.config.base_iri + "resource/International_Space_Station",
        "distribution": downloads,
        "potentialAction": {
            "@type": "SearchAction",
            "name": "SPARQL 1.1 endpoint",
            "target": {"@type": "EntryPoint", "urlTemplate": host_url + "sparql?query={query}",
                       "httpMethod": ["GET", "POST"], "encodingType": "application/sparql-query",
                       "contentType": list(RESULT_TYPES)},
            "query-input": "required name=query",
        },
    }
    # '<' escaped so that no value can close the script element that carries the block
    return json.dumps({k: v for k, v in doc.items() if v not in (None, [])}, ensure_ascii=False,
                      indent=1).replace("<", "\\u003c")


def schema_org_json(dataset: Dataset, host_url: str) -> str:
    """The schema.org Dataset as JSON-LD text, safe to put inside a <script type="application/ld+json">."""
    return _schema_org(dataset, host_url)


def robots_txt(host_url: str) -> str:
    """Crawl everything people read; keep crawlers off query answers (every one is a computation)."""
    return (f"User-agent: *\nDisallow: /sparql\nDisallow: /search\nAllow: /\n\nSitemap: {host_url}sitemap.xml\n")


def resource_iris(dataset: Dataset) -> list[str]:
    """Every resource the data graph describes under the base (each has a page)."""
    prefix = dataset.config.base_iri + "resource/"
    subjects = {t.subject.value for t in dataset.data if isinstance(t.subject, ox.NamedNode)}
    return sorted(s for s in subjects if s.startswith(prefix))


def sitemap_xml(dataset: Dataset, host_url: str) -> str:
    """A sitemap (sitemaps.org 0.9) of every page in both languages, each naming its twin (hreflang):
    the site's own pages, each release's folder and changes, every resource."""
    site = Site(dataset)
    host = host_url.rstrip("/")
    releases = catalogue(dataset)
    versions = releases.versions()
    pages = [*SITE_PAGES, *(f"dumps/{v}/" for v in versions),
             *(f"changes/{releases.previous(v)}/{v}" for v in versions if releases.previous(v))]
    paths = [site.local(site.canonical(p)) for p in pages] + [site.local(i) for i in resource_iris(dataset)]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    modified = dataset_facts(dataset).get("modified")
    for path in paths:
        iri = site.canonical(path)
        urls = {lang: host + page_href(site, iri, lang) for lang in LANGS}
        for lang in LANGS:
            lines.append(f"<url><loc>{escape(urls[lang])}</loc>" + (f"<lastmod>{modified}</lastmod>" if modified else ""))
            lines += [f'<xhtml:link rel="alternate" hreflang="{other}" href="{escape(urls[other])}"/>' for other in LANGS]
            lines.append(f'<xhtml:link rel="alternate" hreflang="x-default" href="{escape(host + path)}"/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
