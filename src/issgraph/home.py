"""What the home page shows about the graph, computed from it: its size and where to start."""
from __future__ import annotations

import pyoxigraph as ox

from . import i18n
from .dataset import Dataset
from .figures import FIGURE_WORDS, Figures
from .search import page_href
from .views import RDF_TYPE, Site
from .namespaces import DCTERMS

# The figures the home page shows, by their one name (figures.FIGURE_WORDS), in this order.
HOME_FIGURES = ("triples", "data_triples", "ontology_triples", "inferred_triples", "entities", "classes_defined", "properties_defined")


def size(figures: Figures, lang: str) -> list[dict]:
    """The home page's figures: the same numbers and names as /dataset's and /ontology's."""
    values = dict(figures.items())
    return [{"key": k, "n": values[k], "text": number(values[k], lang), "label": i18n.word(FIGURE_WORDS[k], lang)}
            for k in HOME_FIGURES]

# The classes whose members make good starting points, in the order the page lists them.
START_CLASSES = ("SpaceStation", "Country", "SpaceAgency", "PrivateCompany", "SupportSpacecraft", "MainUse",
                 "Record", "ParticipationBenefit", "SourceText")


def number(n: int, lang: str) -> str:
    """1470 -> '1,470' in English, '۱٬۴۷۰' in Persian (i18n.number's, for a count)."""
    return i18n.number(str(n), lang)


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
    for t in dataset.match(ox.NamedNode(want), ox.NamedNode(DCTERMS + "description"),
                           graphs=(dataset.config.data_graph,)):
        if isinstance(t.object, ox.Literal):
            found[t.object.language or ""] = t.object.value
    return found.get(lang) or found.get("en")
