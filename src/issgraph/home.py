"""What the home page shows about the graph, computed from it: its size and where to start."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from . import i18n
from .config import Config
from .dataset import Dataset
from .protocol import ProtocolQuery
from .search import page_href
from .sparql import QueryService
from .views import RDF_TYPE, Site

# The classes whose members make good starting points, in the order the page lists them.
START_CLASSES = ("SpaceStation", "Country", "SpaceAgency", "PrivateCompany", "SupportSpacecraft", "MainUse",
                 "Record", "ParticipationBenefit", "SourceText")


def size_query(config: Config) -> str:
    owl = "http://www.w3.org/2002/07/owl#"
    return f"""SELECT ?triples ?data ?ontology ?entities ?classes ?properties WHERE {{
  {{ SELECT (COUNT(*) AS ?triples) WHERE {{ ?s ?p ?o }} }}
  {{ SELECT (COUNT(*) AS ?data) WHERE {{ GRAPH <{config.data_graph}> {{ ?s ?p ?o }} }} }}
  {{ SELECT (COUNT(*) AS ?ontology) WHERE {{ GRAPH <{config.ontology_graph}> {{ ?s ?p ?o }} }} }}
  {{ SELECT (COUNT(DISTINCT ?e) AS ?entities) WHERE {{ GRAPH <{config.data_graph}> {{ ?e a ?t }} FILTER(isIRI(?e)) }} }}
  {{ SELECT (COUNT(DISTINCT ?c) AS ?classes) WHERE {{ GRAPH <{config.ontology_graph}> {{ ?c a <{owl}Class> }} }} }}
  {{ SELECT (COUNT(DISTINCT ?q) AS ?properties) WHERE {{ GRAPH <{config.ontology_graph}> {{
       {{ ?q a <{owl}ObjectProperty> }} UNION {{ ?q a <{owl}DatatypeProperty> }} }} }} }}
}}"""


@dataclass(frozen=True)
class Size:
    triples: int          # the default graph: data and ontology, as the endpoint queries it
    data: int
    ontology: int
    entities: int
    classes: int
    properties: int


def size(queries: QueryService, config: Config) -> Size:
    """The graph's size, counted by the endpoint itself (so the page and a query always agree)."""
    reply = queries.answer(ProtocolQuery(query=size_query(config), params=(("format", "json"),)),
                           "application/sparql-results+json")
    if reply.status != 200:
        raise RuntimeError(f"the size query failed: {reply.error}")
    (row,) = json.loads(reply.body)["results"]["bindings"]
    return Size(**{k: int(v["value"]) for k, v in row.items()})


def number(n: int, lang: str) -> str:
    """1470 -> '1,470' in English, '۱٬۴۷۰' in Persian."""
    text = f"{n:,}"
    return i18n.digits(text.replace(",", "٬"), lang) if lang == "fa" else text


def number_ms(ms: float, lang: str) -> str:
    """Milliseconds to one decimal: 12.3, or ۱۲٫۳ in Persian."""
    text = f"{ms:.1f}"
    return i18n.digits(text.replace(".", "٫"), lang) if lang == "fa" else text


def start_points(dataset: Dataset, site: Site, lang: str) -> list[dict]:
    """The members of a few classes, grouped by class, each linked under its label."""
    iss = site.base + "ontology#"
    members: dict[str, list[str]] = {}
    for t in dataset.match(predicate=ox.NamedNode(RDF_TYPE), graphs=(dataset.config.data_graph,)):
        if isinstance(t.subject, ox.NamedNode):
            members.setdefault(t.object.value, []).append(t.subject.value)
    groups = []
    for name in START_CLASSES:
        iris = members.get(iss + name)
        if not iris:
            continue
        links = sorted(({"href": page_href(site, i, lang), "label": site.labels.get(i, lang) or site.short(i),
                         "iri": i} for i in set(iris)), key=lambda link: link["label"])
        groups.append({"class": {"href": page_href(site, iss + name, lang),
                                 "label": site.labels.get(iss + name, lang) or name},
                       "members": links})
    return groups


def description(dataset: Dataset, lang: str) -> str | None:
    """The dataset's own dcterms:description in the page's language."""
    want = dataset.config.dataset_iri
    found: dict[str, str] = {}
    for t in dataset.match(ox.NamedNode(want), ox.NamedNode("http://purl.org/dc/terms/description"),
                           graphs=(dataset.config.data_graph,)):
        if isinstance(t.object, ox.Literal):
            found[t.object.language or ""] = t.object.value
    return found.get(lang) or found.get("en")
