"""Turn descriptions into what an HTML page shows: labels in the page's language, links, dates."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote, unquote, urlsplit

import pyoxigraph as ox

from . import i18n
from .dataset import Dataset
from .links import is_web_iri
from .namespaces import DCTERMS, OWL, RDF, RDFS, SCHEMA, SKOS, VOID, XSD, prefixes_for
from .describe import Description
from .figures import FIGURE_WORDS, term_kind

RDF_TYPE = RDF + "type"
LABEL = RDFS + "label"
DESCRIPTIONS = (SCHEMA + "description", SKOS + "definition", RDFS + "comment",
                DCTERMS + "description")
TWINS = (OWL + "sameAs", SKOS + "exactMatch")
HIDDEN = {LABEL, *DESCRIPTIONS}
DATES = ("date", "gYearMonth", "gYear")
CALENDAR_PARTS = ("solarHijriYear", "solarHijriMonth", "solarHijriDay")   # integers written as the parts of a date
NUMBERS = ("integer", "decimal", "double", "float", "int", "long", "short", "positiveInteger",
           "nonNegativeInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt")
# Shown on the dataset page in their own tables rather than as rows of values.
VOID_TABLES = {VOID + p for p in ("classPartition", "propertyPartition", "subset", "dataDump", "triples", "entities",
                                  "classes", "properties", "distinctSubjects", "distinctObjects")}
VOID_TABLES.add(DCTERMS + "conformsTo")


class Labels:
    """Every rdfs:label of the served graphs by IRI and language, read once."""

    def __init__(self, dataset: Dataset):
        self.by_iri: dict[str, dict[str, str]] = {}
        for t in dataset.match(predicate=ox.NamedNode(LABEL)):
            if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.Literal):
                self.by_iri.setdefault(t.subject.value, {}).setdefault(t.object.language or "", t.object.value)

    def get(self, iri: str, lang: str) -> str | None:
        """The label in `lang`, else English, else any; None when the graph labels nothing."""
        found = self.pick(iri, lang)
        return found[0] if found else None

    def pick(self, iri: str, lang: str) -> tuple[str, str] | None:
        """(label, its language) in `lang`, else English, else any; None when unlabelled."""
        labels = self.by_iri.get(iri)
        if not labels:
            return None
        for want in (lang, "en"):
            if want in labels:
                return labels[want], want
        first = next(iter(labels))
        return labels[first], first


@dataclass
class Site:
    """Maps the graph's canonical IRIs to paths on whatever host serves it."""

    dataset: Dataset

    @cached_property
    def labels(self) -> Labels:
        return Labels(self.dataset)

    @cached_property
    def ontology_index(self) -> "_Ontology":
        """The ontology's facts and the data's uses of each term, worked out once (it reads all the data)."""
        return _Ontology(self)

    @cached_property
    def _prefixes(self) -> list[tuple[str, str]]:
        return sorted(prefixes_for(self.base).items(), key=lambda kv: -len(kv[1]))

    @property
    def base(self) -> str:
        """The graph's canonical base IRI."""
        return self.dataset.config.base_iri

    def local(self, iri: str) -> str | None:
        """The path serving `iri` on this host, or None for IRIs outside the graph's base."""
        if iri.startswith(self.base):
            return "/" + iri[len(self.base):]
        return None

    def canonical(self, path: str) -> str:
        """The canonical IRI that a path of this host serves."""
        return self.base + path.lstrip("/")

    def short(self, iri: str) -> str:
        """A prefixed name (iss:date) where a known prefix fits, else the IRI."""
        for prefix, ns in self._prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def name(self, iri: str, lang: str) -> tuple[str, str | None]:
        """What people call `iri` on a page in `lang`, and the language of that name (None: a code)."""
        found = self.labels.pick(iri, lang)
        if found:
            return found
        label = i18n.term_label(iri, lang)
        if label:
            return label, lang
        return self.short(iri), None

    def link(self, iri: str, lang: str) -> dict:
        """A link to `iri`: on this host when it is the graph's own, labelled in the page's language."""
        label, label_lang = self.name(iri, lang)
        local = self.local(iri)
        href = i18n.with_lang(local, lang) if local is not None else (iri if is_web_iri(iri) else None)
        short = self.short(iri)
        return {"href": href, "label": label, "iri": iri, "external": local is None,
                "lang": label_lang if label_lang and label_lang != lang else None, "code": label_lang is None,
                # another vocabulary's term by its prefixed name too (dbo:operator), where a label hides it
                "qname": short if local is None and short != iri and short != label else None}


@dataclass
class Value:
    """One value of the property table as the template shows it."""
    kind: str                  # "link", "literal", "bnode"
    text: str = ""
    lang: str | None = None
    datatype: str | None = None
    link: dict | None = None
    alt_calendar: str | None = None
    machine: str | None = None   # the ISO value of a date, for <time datetime>

    @property
    def dir(self) -> str:
        """The writing direction of a tagged literal: rtl for Persian, ltr otherwise, auto untagged."""
        if not self.lang:
            return "auto"
        return "rtl" if self.lang.split("-")[0] in ("fa", "ar", "he", "ur") else "ltr"


@dataclass
class Row:
    """One row of the property table: a predicate and its values."""
    predicate: dict
    values: list[Value]


def _date_value(term: ox.Literal, kind: str, lang: str) -> Value:
    """A date in the page's calendar first (Solar Hijri on Persian pages), the other calendar beside it,
    both computed from the Gregorian value at its own precision (i18n.both_calendars)."""
    first, other = i18n.both_calendars(term.value, XSD + kind, lang)
    return Value("literal", text=first, alt_calendar=other, machine=term.value)


def literal_value(site: Site, term: ox.Literal, lang: str, solar: str | None = None) -> Value:
    """A literal as people read it in `lang`: dates, numbers and yes/no written for them."""
    datatype = term.datatype.value if term.datatype else None
    local = datatype[len(XSD):] if datatype and datatype.startswith(XSD) else None
    if local in DATES:
        return _date_value(term, local, lang)
    if datatype and datatype.endswith("#SolarHijriDate"):
        return Value("literal", text=i18n.solar_hijri(term.value, lang))
    if local == "boolean":
        return Value("literal", text=i18n.boolean(term.value, lang))
    if local in NUMBERS:
        return Value("literal", text=i18n.number(term.value, lang))
    if term.language:
        return Value("literal", text=term.value, lang=term.language)
    shown = None if local == "string" or datatype is None else site.short(datatype)
    return Value("literal", text=term.value, datatype=shown)


def _value(site: Site, term, lang: str, solar: str | None, pred: str = "") -> Value:
    """Any RDF term as a value of the property table (a dcterms:language code as the language's name)."""
    if pred == DCTERMS + "language" and isinstance(term, ox.Literal) and not term.language:
        return Value("literal", text=i18n.language_name(term.value, lang), lang=lang)
    if isinstance(term, ox.NamedNode):
        return Value("link", link=site.link(term.value, lang))
    if isinstance(term, ox.BlankNode):
        return Value("bnode", text=site.short(str(term)))
    if pred.startswith(site.base + "ontology#") and pred.rpartition("#")[2] in CALENDAR_PARTS:
        return Value("literal", text=i18n.digits(term.value, lang))      # a year is not grouped: ۱۳۷۹, not ۱٬۳۷۹
    return literal_value(site, term, lang, solar)


def _pick(values: list[ox.Literal], lang: str) -> ox.Literal | None:
    """The literal in `lang`, else English, else untagged, else any."""
    for want in (lang, "en", ""):
        for v in values:
            if (v.language or "") == want:
                return v
    return values[0] if values else None


def _value_order(lang: str):
    """Sort key for one row's values: links by label, then the page's language first."""
    def key(v: Value):
        text = (v.link or {}).get("label", v.text)
        return (v.lang not in (None, lang), i18n.sort_key(text))
    return key


def _rows(site: Site, by_pred: dict, lang: str, skip: set[str]) -> list[Row]:
    """The property table: rdf:type first, then by the predicates' labels in the page's language."""
    solar = next((o.value for o in by_pred.get(site.base + "ontology#solarHijriDate", [])), None)
    has_date = site.base + "ontology#date" in by_pred
    rows = []
    for pred, objects in by_pred.items():
        if pred in skip or pred in HIDDEN or pred in TWINS:
            continue
        if pred.endswith("ontology#solarHijriDate") and has_date:
            continue   # shown beside the Gregorian date
        values = sorted((_value(site, o, lang, solar, pred) for o in objects), key=_value_order(lang))
        rows.append(Row(site.link(pred, lang), values))
    rows.sort(key=lambda r: (r.predicate["iri"] != RDF_TYPE, i18n.sort_key(r.predicate["label"]), r.predicate["iri"]))
    return rows


def _incoming(site: Site, description: Description, lang: str) -> list[dict]:
    """The things linking here, one entry per thing with the links it makes, by label."""
    grouped: dict[str, list[str]] = {}
    for t in description.incoming:
        if isinstance(t.subject, ox.NamedNode):
            grouped.setdefault(t.subject.value, []).append(t.predicate.value)
    entries = [{"subject": site.link(s, lang),
                "predicates": sorted((site.link(p, lang) for p in set(preds)), key=lambda l: (i18n.sort_key(l["label"]), l["iri"]))}
               for s, preds in grouped.items()]
    return sorted(entries, key=lambda e: (i18n.sort_key(e["subject"]["label"]), e["subject"]["iri"]))


def _passages(site: Site, description: Description, by_pred: dict, lang: str) -> list[dict]:
    """The source passages the resource is stated in, with their verbatim text and translation."""
    iss = site.base + "ontology#"
    out = []
    for p in sorted(by_pred.get(iss + "statedIn", []), key=str):
        facts: dict[str, ox.Literal] = {}
        for t in description.context:
            if t.subject == p and isinstance(t.object, ox.Literal):
                facts.setdefault(t.predicate.value, t.object)
        verbatim, translation = facts.get(iss + "verbatimText"), facts.get(iss + "translation")
        out.append({"link": site.link(p.value, lang),
                    "verbatim": verbatim.value if verbatim else "",
                    "verbatim_lang": (verbatim.language or "fa") if verbatim else "fa",
                    "translation": translation.value if translation else "",
                    "translation_lang": (translation.language or "en") if translation else "en"})
    return out


def source_text(site: Site, iri: str, lang: str) -> list[dict]:
    """The whole text of a source, passage by passage in reading order (iss:firstLine): each passage's
    own words (Persian) with its translation beside it. Empty for anything that has no passages."""
    iss = site.base + "ontology#"
    data = (site.dataset.config.data_graph,)
    parts = [t.subject for t in site.dataset.match(predicate=ox.NamedNode(DCTERMS + "isPartOf"), obj=ox.NamedNode(iri),
                                                   graphs=data) if isinstance(t.subject, ox.NamedNode)]
    out = []
    for p in parts:
        facts: dict[str, ox.Literal] = {}
        for t in site.dataset.match(p, graphs=data):
            if isinstance(t.object, ox.Literal):
                facts.setdefault(t.predicate.value, t.object)
        verbatim, translation = facts.get(iss + "verbatimText"), facts.get(iss + "translation")
        if verbatim is None:
            continue
        first = facts.get(iss + "firstLine")
        ident = facts.get(DCTERMS + "identifier")
        out.append({"link": site.link(p.value, lang), "order": int(first.value) if first else 0,
                    "id": ident.value if ident else "",
                    "verbatim": verbatim.value, "verbatim_lang": verbatim.language or "fa",
                    "translation": translation.value if translation else "",
                    "translation_lang": (translation.language or "en") if translation else "en"})
    return sorted(out, key=lambda p: (p["order"], p["id"]))


def _twin(iri: str, lang: str) -> dict:
    """A link to the same thing elsewhere, named by the site it lives on."""
    host = urlsplit(iri).hostname or ""
    where = (i18n.word("dbpedia", lang) if host.endswith("dbpedia.org")
             else i18n.word("wikidata", lang) if host.endswith("wikidata.org") else host)
    name = unquote(iri.rstrip("/").rsplit("/", 1)[-1]).replace("_", " ")
    return {"href": iri, "site": where, "name": name}


def resource_view(site: Site, description: Description, lang: str, skip: set[str] = frozenset()) -> dict:
    """Everything the resource page template needs, in the page's language."""
    node = ox.NamedNode(description.iri)
    by_pred: dict[str, list] = {}
    for t in description.outgoing:
        if t.subject == node:
            by_pred.setdefault(t.predicate.value, []).append(t.object)
    title, title_lang = site.name(description.iri, lang)
    other = "en" if lang == "fa" else "fa"
    summary = next((_pick([o for o in by_pred[p] if isinstance(o, ox.Literal)], lang)
                    for p in DESCRIPTIONS if by_pred.get(p)), None)
    passages = _passages(site, description, by_pred, lang)
    quotes = [Value("literal", text=o.value, lang=o.language or "fa")
              for o in sorted(by_pred.get(site.base + "ontology#quote", []), key=str)]
    hide = set(skip) | ({site.base + "ontology#quote"} if passages else set())
    twins = sorted((o.value for p in TWINS for o in by_pred.get(p, []) if isinstance(o, ox.NamedNode)))
    types = {o.value for o in by_pred.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)}
    return {
        "iri": description.iri, "title": title, "title_lang": title_lang if title_lang != lang else None,
        "other_title": (site.labels.by_iri.get(description.iri) or {}).get(other),
        "summary": summary.value if summary else None,
        "summary_lang": (summary.language or None) if summary and summary.language != lang else None,
        "rows": _rows(site, by_pred, lang, hide), "incoming": _incoming(site, description, lang),
        "passages": passages, "quotes": quotes, "twins": [_twin(t, lang) for t in twins],
        "text": source_text(site, description.iri, lang) if site.base + "ontology#SourceText" in types else [],
    }


def _keep_on_host(view: dict, host: str, lang: str) -> None:
    """Links to this host's own addresses (the VoID names its endpoint and dumps by full URL) become
    local links in the page's language, like every other internal link."""
    if not host:
        return
    for row in view["rows"]:
        for v in row.values:
            if v.link and v.link["iri"].startswith(host):
                v.link = {**v.link, "href": i18n.with_lang("/" + v.link["iri"][len(host):], lang), "external": False}


def dataset_view(site: Site, description: Description, stats: dict, lang: str, host: str = "",
                 figures=None) -> dict:
    """The dataset page: its own facts as rows, then the figures (figures.py: the same names and
    numbers as the home page's and the ontology's), partitions and named graphs as tables."""
    view = resource_view(site, description, lang, skip=VOID_TABLES)
    _keep_on_host(view, host.rstrip("/") + "/" if host else "", lang)
    count = lambda n: i18n.number(str(n), lang)
    view["statistics"] = [{"key": k, "label": i18n.word(FIGURE_WORDS[k], lang), "value": count(n), "n": n}
                          for k, n in (figures.items() if figures is not None else [])]
    view["class_partitions"] = sorted(({"link": site.link(c, lang), "value": count(n)}
                                       for c, n in stats["class_partitions"].items()),
                                      key=lambda r: (i18n.sort_key(r["link"]["label"]), r["link"]["iri"]))
    view["property_partitions"] = sorted(({"link": site.link(p, lang), "value": count(n)}
                                          for p, n in stats["property_partitions"].items()),
                                         key=lambda r: (i18n.sort_key(r["link"]["label"]), r["link"]["iri"]))
    view["graphs"] = [{"link": {**site.link(g, lang), "label": i18n.word("graph_" + g.rsplit("/", 1)[-1], lang),
                                "code": False}, "value": count(n)}
                      for g, n in zip(site.dataset.config.graph_iris, site.dataset.counts)]
    return view


def sparql_href(query: str, lang: str = "en") -> str:
    """A link to the query page running `query` in the page's language (its table links to pages)."""
    return f"/query?query={quote(query, safe='')}&lang={lang}"


def _use_query(site: Site, iri: str, kind: str) -> str:
    """The SPARQL query that lists where an ontology term is used in the data."""
    prefix = f"PREFIX iss: <{site.base}ontology#>\n"
    term = "iss:" + iri[len(site.base + "ontology#"):]
    if kind == "class":
        return (prefix + "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                f"SELECT DISTINCT ?instance WHERE {{ ?instance a/rdfs:subClassOf* {term} }} ORDER BY ?instance")
    if kind == "datatype":
        return prefix + (f"SELECT ?subject ?property ?value WHERE {{ ?subject ?property ?value "
                         f"FILTER(isLiteral(?value) && datatype(?value) = {term}) }} ORDER BY ?subject")
    return prefix + f"SELECT ?subject ?value WHERE {{ ?subject {term} ?value }} ORDER BY ?subject ?value"


class _Ontology:
    """The ontology's facts by subject (blank nodes included) and the data's uses of each term."""

    def __init__(self, site: Site):
        self.site = site
        self.facts: dict = {}
        for t in site.dataset.ontology:
            self.facts.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
        self.below: dict[str, set[str]] = {}
        for s, f in self.facts.items():
            for parent in f.get(RDFS + "subClassOf", []):
                if isinstance(s, ox.NamedNode) and isinstance(parent, ox.NamedNode):
                    self.below.setdefault(parent.value, set()).add(s.value)
        self.uses = self._uses(site.dataset)

    def _uses(self, dataset: Dataset) -> dict[str, int]:
        """Triples per property, literals per datatype, instances per class (its subclasses' included),
        in the default graph, the ontology included, as the page's "list them" queries count them
        (the properties that are iss:AuxiliaryProperty are instances there)."""
        uses: dict[str, int] = {}
        members: dict[str, set] = {}
        for t in {*dataset.data, *dataset.ontology, *dataset.inferred}:
            uses[t.predicate.value] = uses.get(t.predicate.value, 0) + 1
            if t.predicate.value == RDF_TYPE:
                members.setdefault(t.object.value, set()).add(t.subject)
            if isinstance(t.object, ox.Literal) and t.object.datatype:
                uses[t.object.datatype.value] = uses.get(t.object.datatype.value, 0) + 1
        for cls in {s.value for s in self.facts if isinstance(s, ox.NamedNode)} | set(members):
            instances = set().union(*(members.get(c, set()) for c in self.subclasses(cls)))
            if instances:
                uses[cls] = len(instances)
        return uses

    def subclasses(self, cls: str) -> set[str]:
        """The class and every class below it (rdfs:subClassOf, transitively)."""
        out, stack = set(), [cls]
        while stack:
            c = stack.pop()
            if c not in out:
                out.add(c)
                stack += self.below.get(c, ())
        return out

    def members(self, node) -> list:
        """The items of an RDF list starting at `node`."""
        out, seen = [], set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            f = self.facts.get(node, {})
            out += f.get(RDF + "first", [])
            node = (f.get(RDF + "rest") or [None])[0]
        return out

    def links(self, objects, lang: str) -> list[list[dict]]:
        """Each object as a list of links: one for a named term, its members for an owl:unionOf.

        Named terms in IRI order, then unions: the same page whatever order a store keeps triples in.
        """
        out = []
        for o in sorted(objects, key=lambda o: (not isinstance(o, ox.NamedNode), o.value if isinstance(o, ox.NamedNode) else "")):
            if isinstance(o, ox.NamedNode):
                out.append([self.site.link(o.value, lang)])
                continue
            union = (self.facts.get(o, {}).get(OWL + "unionOf") or [None])[0]
            out.append([self.site.link(m.value, lang) for m in self.members(union) if isinstance(m, ox.NamedNode)])
        return out


def _kind(types: set[str]) -> str | None:
    """Which section of the ontology reference a term belongs in, by its rdf:types (figures.term_kind,
    so the lists here and the counts on every page are the same terms)."""
    return term_kind(types)


def _term_entry(onto: _Ontology, iri: str, kind: str, lang: str) -> dict:
    """One class, datatype or property of the ontology as its reference entry shows it."""
    site, ns = onto.site, onto.site.base + "ontology#"
    f = onto.facts.get(ox.NamedNode(iri), {})
    labels = {o.language: o.value for o in f.get(LABEL, []) if isinstance(o, ox.Literal)}
    label, label_lang = site.name(iri, lang)
    definition = _pick([o for o in f.get(SKOS + "definition", []) if isinstance(o, ox.Literal)], lang)
    return {
        "anchor": iri[len(ns):], "iri": iri, "kind": kind, "label": label,
        "label_lang": label_lang if label_lang != lang else None,
        "other_label": labels.get("en" if lang == "fa" else "fa", ""),
        "definition": definition.value if definition else None,
        "definition_lang": definition.language if definition and definition.language != lang else None,
        "domain": onto.links(f.get(RDFS + "domain", []), lang), "range": onto.links(f.get(RDFS + "range", []), lang),
        "parents": onto.links(f.get(RDFS + "subClassOf", []) + f.get(RDFS + "subPropertyOf", []), lang),
        "equivalent": onto.links(f.get(OWL + "equivalentClass", []), lang),
        "uses": onto.uses.get(iri, 0),
        "uses_text": i18n.counted("instances" if kind == "class" else "times", onto.uses.get(iri, 0), lang),
        "uses_href": sparql_href(_use_query(site, iri, kind), lang),
        "domain_of": [], "range_of": [],
    }


def _cross_reference(entries: list[dict], lang: str) -> None:
    """Fill each class's 'domain of' and 'range of' from the properties that name it."""
    by_iri = {e["iri"]: e for e in entries}
    for e in entries:
        if e["kind"] != "property":
            continue
        me = {"href": "#" + e["anchor"], "label": e["label"], "iri": e["iri"], "lang": e["label_lang"],
              "external": False, "code": False}
        for key, target in (("domain", "domain_of"), ("range", "range_of")):
            for group in e[key]:
                for link in group:
                    if link["iri"] in by_iri and me not in by_iri[link["iri"]][target]:
                        by_iri[link["iri"]][target].append(me)
    for e in entries:
        for key in ("domain_of", "range_of"):
            e[key].sort(key=lambda l: (i18n.sort_key(l["label"]), l["iri"]))


def ontology_view(site: Site, lang: str) -> dict:
    """Every class, datatype and property of the ontology with labels, definition, domain, range and uses."""
    onto = site.ontology_index
    ns = site.base + "ontology#"
    entries = []
    for subject, f in onto.facts.items():
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(ns) and len(subject.value) > len(ns):
            kind = _kind({o.value for o in f.get(RDF_TYPE, [])})
            if kind:
                entries.append(_term_entry(onto, subject.value, kind, lang))
    _cross_reference(entries, lang)
    entries.sort(key=lambda e: i18n.sort_key(e["label"]))
    header = onto.facts.get(ox.NamedNode(site.base + "ontology"), {})
    title = _pick([o for o in header.get(DCTERMS + "title", []) if isinstance(o, ox.Literal)], lang)
    about = _pick([o for o in header.get(DCTERMS + "description", []) if isinstance(o, ox.Literal)], lang)
    version = next((o.value for o in header.get(OWL + "versionInfo", [])), None)
    return {
        "iri": site.base + "ontology", "title": title.value if title else None,
        "description": about.value if about else None, "version": i18n.digits(version, lang) if version else None,
        "classes": [e for e in entries if e["kind"] == "class"],
        "datatypes": [e for e in entries if e["kind"] == "datatype"],
        "properties": [e for e in entries if e["kind"] == "property"],
    }
