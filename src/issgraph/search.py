"""Search the graph's entities by their labels, in English and Persian.

One `Search` is built per dataset: every rdfs:label, skos:prefLabel and skos:altLabel of the
data and the ontology is folded once into a `text.SearchIndex`, so a query typed with or
without ZWNJ, with Arabic ي/ك, with diacritics, in any digits or in any case finds the same
entities, ranked exact, then prefix, then substring, then a mention in a description; plurals
and suffixes (ها، های، ی، ‌ای; stations, launches) are the rules of text.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from . import i18n
from .dataset import Dataset
from .links import is_web_iri
from .text import EXACT, MENTION, PREFIX, Candidate, SearchIndex
from .views import DESCRIPTIONS, LABEL, OWL, RDF_TYPE, SKOS, Site
from .namespaces import RDFS

LABEL_PREDICATES = (LABEL, SKOS + "prefLabel", SKOS + "altLabel")
MAX_QUERY_CHARS = 200
RANK_NAMES = {EXACT: "exact", PREFIX: "prefix", MENTION: "mentioned"}
# Types the ontology uses for its own terms; they have no labels of their own.
GENERIC_TYPES = {OWL + "Class": "class", OWL + "ObjectProperty": "s_property",
                 OWL + "DatatypeProperty": "s_property", OWL + "Ontology": "ontology_word",
                 RDFS + "Datatype": "datatype"}


class BadQuery(ValueError):
    """A search that cannot be run: empty or too long. The message is for people."""


@dataclass(frozen=True)
class Result:
    iri: str
    href: str            # the page on this host (or the IRI itself outside the graph's base)
    label: str           # in the page's language when the entity has one
    matched: str         # the label (any language) that matched best
    rank: str            # "exact", "prefix" or "substring"
    type_iri: str | None
    type_label: str | None
    description: str | None
    description_lang: str | None = None   # its language tag (shown marked when not the page's)

    def as_json(self) -> dict:
        return {"iri": self.iri, "href": self.href, "label": self.label, "matched": self.matched,
                "rank": self.rank, "type": {"iri": self.type_iri, "label": self.type_label},
                "description": self.description}


def page_href(site: Site, iri: str, lang: str) -> str | None:
    """The local page of an IRI in the page's language (`/resource/X?lang=fa`, `/ontology?lang=fa#C`);
    another http(s) IRI as it is; None for any other scheme (shown as text, never a link)."""
    local = site.local(iri)
    if local is None:
        return iri if is_web_iri(iri) else None
    return i18n.with_lang(local, lang)


def check_search_words(q: str | None) -> str:
    """The query to run, or BadQuery with a message in both languages' spirit (English here)."""
    q = (q or "").strip()
    if not q:
        raise BadQuery("empty")
    if len(q) > MAX_QUERY_CHARS:
        raise BadQuery("too_long")
    return q


def _pick(by_lang: dict[str, str], lang: str) -> tuple[str | None, str | None]:
    """(the text in `lang`, else English, else untagged, else any; its language tag or None)."""
    for want in (lang, "en", ""):
        if want in by_lang:
            return by_lang[want], want or None
    first = next(iter(by_lang.items()), None)
    return (first[1], first[0] or None) if first else (None, None)


class Search:
    """The label index of one dataset and what a result shows besides the label."""

    def __init__(self, dataset: Dataset, site: Site):
        self.site = site
        labels: dict[str, list[str]] = {}
        self.types: dict[str, list[str]] = {}
        self.descriptions: dict[str, dict[str, str]] = {}
        # Only the triples it needs, looked up by predicate (the data may be large).
        wanted = (*LABEL_PREDICATES, RDF_TYPE, *DESCRIPTIONS)
        for t in (t for p in wanted for t in dataset.match(predicate=ox.NamedNode(p))):
            if not isinstance(t.subject, ox.NamedNode):
                continue
            s, p, o = t.subject.value, t.predicate.value, t.object
            if p in LABEL_PREDICATES and isinstance(o, ox.Literal):
                labels.setdefault(s, [])
                if o.value not in labels[s]:
                    labels[s].append(o.value)
            elif p == RDF_TYPE and isinstance(o, ox.NamedNode):
                self.types.setdefault(s, []).append(o.value)
            elif p in DESCRIPTIONS and isinstance(o, ox.Literal):
                self.descriptions.setdefault(s, {}).setdefault(o.language or "", o.value)
        # How much the graph says about each entity (links to it): the better-known of two equally
        # good matches comes first ("station" finds the station before the things that mention it).
        weights = {iri: len(dataset.match(obj=ox.NamedNode(iri))) for iri in labels}
        self.index = SearchIndex(Candidate(iri, tuple(ls), weights[iri], tuple(self.descriptions.get(iri, {}).values()))
                                 for iri, ls in sorted(labels.items()))

    def _type(self, iri: str, lang: str) -> tuple[str | None, str | None]:
        types = self.types.get(iri, [])
        own = self.site.base + "ontology#"
        # The graph's own classes say most; then any labelled class; then the OWL kinds.
        for t in sorted(types, key=lambda t: (not t.startswith(own), self.site.labels.get(t, lang) is None, t)):
            label = self.site.labels.get(t, lang)
            if label:
                return t, label
            if t in GENERIC_TYPES:
                return t, i18n.word(GENERIC_TYPES[t], lang)
            reused = i18n.term_label(t, lang)   # labels for other vocabularies' terms
            if reused:
                return t, reused
        return (types[0], self.site.short(types[0])) if types else (None, None)

    def search(self, q: str, lang: str, limit: int = 30) -> list[Result]:
        out = []
        for hit in self.index.search(q, limit):
            type_iri, type_label = self._type(hit.key, lang)
            description, description_lang = _pick(self.descriptions.get(hit.key, {}), lang)
            out.append(Result(
                iri=hit.key, href=page_href(self.site, hit.key, lang),
                label=self.site.labels.get(hit.key, lang) or hit.label, matched=hit.label,
                rank=RANK_NAMES.get(hit.rank, "substring"), type_iri=type_iri, type_label=type_label,
                description=description, description_lang=description_lang))
        return out
