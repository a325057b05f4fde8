"""Turn descriptions into what an HTML page shows: labels in the page's language, links, dates."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from . import i18n
from .dataset import Dataset
from .describe import Description

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LABEL = RDFS + "label"
DESCRIPTIONS = ("https://schema.org/description", SKOS + "definition", RDFS + "comment",
                "http://purl.org/dc/terms/description")
TWINS = (OWL + "sameAs", SKOS + "exactMatch")
HIDDEN = {LABEL, *DESCRIPTIONS}


class Labels:
    """Every rdfs:label of the served graphs by IRI and language, read once."""

    def __init__(self, dataset: Dataset):
        self.by_iri: dict[str, dict[str, str]] = {}
        for t in (*dataset.data, *dataset.ontology):
            if t.predicate.value == LABEL and isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.Literal):
                self.by_iri.setdefault(t.subject.value, {}).setdefault(t.object.language or "", t.object.value)

    def get(self, iri: str, lang: str) -> str | None:
        labels = self.by_iri.get(iri)
        if not labels:
            return None
        return labels.get(lang) or labels.get("en") or next(iter(labels.values()))


@dataclass
class Site:
    """Maps the graph's canonical IRIs to paths on whatever host serves it."""

    dataset: Dataset

    @cached_property
    def labels(self) -> Labels:
        return Labels(self.dataset)

    @property
    def base(self) -> str:
        return self.dataset.config.base_iri

    def local(self, iri: str) -> str | None:
        """The path serving `iri` on this host, or None for IRIs outside the graph's base."""
        if iri.startswith(self.base):
            return "/" + iri[len(self.base):]
        return None

    def canonical(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def short(self, iri: str) -> str:
        from .namespaces import prefixes_for

        for prefix, ns in prefixes_for(self.base).items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def link(self, iri: str, lang: str) -> dict:
        label = self.labels.get(iri, lang)
        return {"href": self.local(iri) or iri, "label": label or self.short(iri), "iri": iri,
                "external": self.local(iri) is None}


@dataclass
class Value:
    kind: str                  # "link", "literal", "bnode"
    text: str = ""
    lang: str | None = None
    datatype: str | None = None
    link: dict | None = None
    alt_calendar: str | None = None
    children: list = field(default_factory=list)


@dataclass
class Row:
    predicate: dict
    values: list[Value]


def _value(site: Site, term, lang: str, description: Description, subject: ox.NamedNode) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value("link", link=site.link(term.value, lang))
    if isinstance(term, ox.BlankNode):
        return Value("bnode", text=site.short(str(term)))
    datatype = term.datatype.value if term.datatype else None
    if datatype and datatype.startswith(XSD) and datatype[len(XSD):] in ("date", "gYearMonth", "gYear"):
        alt = None
        if datatype.endswith("#date"):
            sh = next((t.object.value for t in description.outgoing if t.subject == subject
                       and t.predicate.value.endswith("#solarHijriDate")), None)
            alt = i18n.solar_hijri(sh, lang) if sh else None
        return Value("literal", text=i18n.gregorian(term.value, datatype, lang), datatype=datatype,
                     alt_calendar=alt)
    if datatype and datatype.endswith("#SolarHijriDate"):
        return Value("literal", text=i18n.solar_hijri(term.value, lang), datatype=datatype)
    return Value("literal", text=term.value, lang=term.language or None,
                 datatype=None if datatype in (XSD + "string", None) or term.language else site.short(datatype))


def _pick(values: list[ox.Literal], lang: str) -> str | None:
    for want in (lang, "en", ""):
        for v in values:
            if (v.language or "") == want:
                return v.value
    return values[0].value if values else None


def resource_view(site: Site, description: Description, lang: str) -> dict:
    """Everything the resource page template needs, in the page's language."""
    node = ox.NamedNode(description.iri)
    own = [t for t in description.outgoing if t.subject == node]
    by_pred: dict[str, list] = {}
    for t in own:
        by_pred.setdefault(t.predicate.value, []).append(t.object)
    title = site.labels.get(description.iri, lang) or site.short(description.iri)
    other_lang = "en" if lang == "fa" else "fa"
    summary = next((_pick([o for o in by_pred.get(p, []) if isinstance(o, ox.Literal)], lang)
                    for p in DESCRIPTIONS if by_pred.get(p)), None)
    rows = []
    for pred, objects in sorted(by_pred.items(), key=lambda kv: (kv[0] != RDF_TYPE, site.short(kv[0]))):
        if pred in HIDDEN or pred in TWINS:
            continue
        if pred.endswith("#solarHijriDate") and any(p.endswith("ontology#date") for p in by_pred):
            continue   # shown beside the Gregorian date
        values = [_value(site, o, lang, description, node) for o in objects]
        values.sort(key=lambda v: (v.link or {}).get("label", v.text))
        rows.append(Row(site.link(pred, lang), values))
    incoming = sorted(({"subject": site.link(t.subject.value, lang), "predicate": site.link(t.predicate.value, lang)}
                       for t in description.incoming if isinstance(t.subject, ox.NamedNode)),
                      key=lambda r: (r["predicate"]["label"], r["subject"]["label"]))
    passages = []
    stated_in = site.base + "ontology#statedIn"
    quotes = [o.value for o in by_pred.get(site.base + "ontology#quote", [])]
    for p in by_pred.get(stated_in, []):
        facts = {t.predicate.value: t.object for t in description.context if t.subject == p}
        passages.append({
            "link": site.link(p.value, lang),
            "verbatim": facts.get(site.base + "ontology#verbatimText").value
                        if site.base + "ontology#verbatimText" in facts else "",
            "translation": facts.get(site.base + "ontology#translation").value
                           if site.base + "ontology#translation" in facts else "",
        })
    twins = sorted(o.value for p in TWINS for o in by_pred.get(p, []) if isinstance(o, ox.NamedNode))
    return {
        "iri": description.iri, "title": title, "other_title": site.labels.get(description.iri, other_lang),
        "summary": summary, "rows": rows, "incoming": incoming, "passages": passages, "quotes": quotes,
        "twins": twins,
    }


def ontology_view(site: Site, lang: str) -> dict:
    """Every class and property of the ontology with labels, definition, domain, range and use counts."""
    dataset = site.dataset
    ns = site.base + "ontology#"
    facts: dict[str, dict[str, list]] = {}
    for t in dataset.ontology:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns):
            facts.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    uses: dict[str, int] = {}
    for t in dataset.data:
        uses[t.predicate.value] = uses.get(t.predicate.value, 0) + 1
        if t.predicate.value == RDF_TYPE:
            uses[t.object.value] = uses.get(t.object.value, 0) + 1

    def links(objs) -> list[dict]:
        return [site.link(o.value, lang) if isinstance(o, ox.NamedNode) else {"label": "(union)", "href": "#",
                "iri": "", "external": False} for o in objs]

    def entry(iri: str, f: dict) -> dict:
        labels = {o.language: o.value for o in f.get(LABEL, []) if isinstance(o, ox.Literal)}
        return {
            "anchor": iri[len(ns):], "iri": iri, "label": labels.get(lang) or labels.get("en", iri),
            "other_label": labels.get("en" if lang == "fa" else "fa", ""),
            "definition": _pick([o for o in f.get(SKOS + "definition", []) if isinstance(o, ox.Literal)], lang),
            "domain": links(f.get(RDFS + "domain", [])), "range": links(f.get(RDFS + "range", [])),
            "parents": links(f.get(RDFS + "subClassOf", []) + f.get(RDFS + "subPropertyOf", [])),
            "uses": uses.get(iri, 0),
        }

    kinds = {"class": (OWL + "Class", RDFS + "Datatype"), "property": (OWL + "ObjectProperty", OWL + "DatatypeProperty")}
    out: dict[str, list] = {"classes": [], "properties": []}
    for iri, f in sorted(facts.items()):
        types = {o.value for o in f.get(RDF_TYPE, [])}
        if types & set(kinds["class"]):
            out["classes"].append(entry(iri, f))
        elif types & set(kinds["property"]):
            out["properties"].append(entry(iri, f))
    return out
