"""What the query editor completes and fixes: the graph's prefixes, its classes and properties with
labels in the reader's language (from the ontology and the VoID partitions), and known prefixes a
query uses without declaring them.

Plain functions of a query text or of the dataset, so the page without JavaScript gets the same
help on the server (with_known_prefixes runs before the query does) as the editor in the browser
(/query/terms serves `terms` as JSON).
"""
from __future__ import annotations

import re

import pyoxigraph as ox

from . import i18n
from .void import statistics
from .namespaces import OWL, RDF, RDFS

CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}
DATATYPE_TYPES = {RDFS + "Datatype"}

# Comments, IRIs and strings hide what looks like a prefixed name inside them. Long strings first.
_HIDDEN = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                     r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*")
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)
# A prefixed name's prefix (SPARQL's PN_PREFIX): a letter, then name characters, not ending in '.'.
# Not after a name character, '?', '$' or ':' (so no variable, no IRI scheme already hidden).
_USED = re.compile(r"(?<![\w?$:.-])([A-Za-z](?:[\w.-]*[\w-])?):")


def _visible(query: str) -> str:
    """The query with comments, IRIs and strings blanked out (same length, so places stay)."""
    return _HIDDEN.sub(lambda m: " " * len(m.group()), query)


def declared_prefixes(query: str) -> set[str]:
    return set(_DECLARED.findall(_visible(query)))


def used_prefixes(query: str) -> list[str]:
    """Prefixes of the prefixed names the query uses, in order of first use (PREFIX lines aside)."""
    text = _DECLARED.sub(" ", _visible(query))
    seen: list[str] = []
    for name in _USED.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def undeclared_prefixes(query: str) -> list[str]:
    declared = declared_prefixes(query)
    return [p for p in used_prefixes(query) if p not in declared]


def with_known_prefixes(query: str, prefixes: dict[str, str]) -> tuple[str, list[str]]:
    """The query with a PREFIX line for each known prefix it uses undeclared, and those prefixes.

    The lines go first, before any comment; an unknown prefix is left alone (the endpoint says it
    is undeclared, at its place). A query that declares all it uses comes back unchanged.
    """
    added = [p for p in undeclared_prefixes(query) if p in prefixes]
    if not added:
        return query, []
    head = "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in added)
    return head + query, added


def terms(dataset, site, prefixes: dict[str, str], lang: str) -> dict:
    """The editor's completion data: prefixes, then classes, properties (ontology ∪ VoID
    partitions) and the ontology's datatypes, each with its prefixed name, label in `lang` and how often the data uses it."""
    declared: dict[str, set[str]] = {}
    for t in dataset.ontology:
        if t.predicate.value == RDF + "type" and isinstance(t.subject, ox.NamedNode):
            declared.setdefault(t.object.value, set()).add(t.subject.value)
    classes = set().union(*(declared.get(c, set()) for c in CLASS_TYPES))
    properties = set().union(*(declared.get(p, set()) for p in PROPERTY_TYPES))
    datatypes = set().union(*(declared.get(d, set()) for d in DATATYPE_TYPES))
    stats = statistics(dataset)
    counts = {**stats["property_partitions"], **stats["class_partitions"]}
    classes |= set(stats["class_partitions"])
    properties |= set(stats["property_partitions"])

    def entry(iri: str, kind: str) -> dict:
        label = site.labels.get(iri, lang) or i18n.term_label(iri, lang)
        return {"name": site.short(iri), "iri": iri, "kind": kind, "label": label, "count": counts.get(iri, 0)}

    listed = ([entry(i, "class") for i in sorted(classes)] + [entry(i, "property") for i in sorted(properties - classes)]
              + [entry(i, "datatype") for i in sorted(datatypes - classes - properties)])
    return {"lang": lang,
            "prefixes": [{"prefix": p, "namespace": ns} for p, ns in prefixes.items()],
            "terms": [t for t in listed if t["name"] != t["iri"]]}
