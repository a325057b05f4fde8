"""The published JSON-LD @context, and JSON-LD written under it so keys read as words.

The context is generated from the ontology, so every own property reads as its local name
("date", "builder") and the reused ones as plain words ("label", "sameAs"). Documents embed
it inline (parsers need no fetch); /context.jsonld publishes the same object.

Writing is done here rather than by a general compaction algorithm: each subject becomes one
node object of a flat @graph, each predicate the word the context gives it when the values fit
that word's definition (a language map, IRIs), else a compact IRI. The output is exact (every
triple round-trips), blank nodes keep their labels, and the same triples always give the same bytes.
"""
from __future__ import annotations

import json

import pyoxigraph as ox

from .dataset import Dataset
from .namespaces import DCTERMS, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, prefixes_for

RDF_TYPE = RDF + "type"

# Reused terms: (word, IRI, kind) with kind "lang" (language map), "id" (IRI value) or "" (plain).
REUSED = (
    ("label", RDFS + "label", "lang"),
    ("comment", RDFS + "comment", "lang"),
    ("description", SCHEMA + "description", "lang"),
    ("altLabel", SKOS + "altLabel", "lang"),
    ("prefLabel", SKOS + "prefLabel", "lang"),
    ("definition", SKOS + "definition", "lang"),
    ("title", DCTERMS + "title", "lang"),
    ("notation", SKOS + "notation", ""),
    ("identifier", DCTERMS + "identifier", ""),
    ("sameAs", OWL + "sameAs", "id"),
    ("exactMatch", SKOS + "exactMatch", "id"),
    ("wasDerivedFrom", PROV + "wasDerivedFrom", "id"),
    ("inScheme", SKOS + "inScheme", "id"),
    ("topConceptOf", SKOS + "topConceptOf", "id"),
    ("hasTopConcept", SKOS + "hasTopConcept", "id"),
    ("isPartOf", DCTERMS + "isPartOf", "id"),
    ("hasPart", DCTERMS + "hasPart", "id"),
    ("license", DCTERMS + "license", "id"),
    ("source", DCTERMS + "source", "id"),
    ("subClassOf", RDFS + "subClassOf", "id"),
    ("domain", RDFS + "domain", "id"),
    ("range", RDFS + "range", "id"),
    ("isDefinedBy", RDFS + "isDefinedBy", "id"),
)


def build_context(dataset: Dataset) -> dict:
    """The @context object: prefixes, reused words, then every own property by its local name."""
    config = dataset.config
    ns = config.base_iri + "ontology#"
    ctx: dict = {"id": "@id", "type": "@type"}
    ctx.update(prefixes_for(config.base_iri))
    ctx["@vocab"] = ns
    for word, iri, kind in REUSED:
        ctx[word] = {"@id": iri, **({"@container": "@language"} if kind == "lang" else {}),
                     **({"@type": "@id"} if kind == "id" else {})}
    object_props = {str(t.subject.value) for t in dataset.ontology
                    if t.predicate.value == RDF_TYPE and t.object.value == OWL + "ObjectProperty"}
    own = sorted({t.subject.value for t in dataset.ontology
                  if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns)
                  and t.predicate.value == RDF_TYPE
                  and t.object.value in (OWL + "ObjectProperty", OWL + "DatatypeProperty")})
    for iri in own:
        word = iri[len(ns):]
        ctx.setdefault(word, {"@id": iri, "@type": "@id"} if iri in object_props else {"@id": iri})
    return ctx


class Compactor:
    """Turns IRIs and terms into the short forms one context allows, and back into words for keys."""

    def __init__(self, context: dict):
        self.vocab = context.get("@vocab", "")
        self.prefixes = sorted(((k, v) for k, v in context.items()
                                if isinstance(v, str) and not k.startswith("@") and v[-1:] in ("/", "#")),
                               key=lambda kv: -len(kv[1]))
        self.terms = {k for k in context if not k.startswith("@")}
        self.words: dict[str, tuple[str, str]] = {}
        for key, value in sorted(context.items()):
            if isinstance(value, dict) and "@id" in value:
                kind = "lang" if value.get("@container") == "@language" else "id" if value.get("@type") == "@id" else ""
                self.words.setdefault(value["@id"], (key, kind))

    def iri(self, iri: str) -> str:
        """A compact IRI ('res:X') where a prefix fits, else the IRI itself."""
        for prefix, ns in self.prefixes:
            rest = iri[len(ns):]
            if iri.startswith(ns) and rest and not rest.startswith("//"):
                return f"{prefix}:{rest}"
        return iri

    def vocab_iri(self, iri: str) -> str:
        """An IRI in a vocabulary position (@type values): the bare name under @vocab when unambiguous."""
        rest = iri[len(self.vocab):] if self.vocab and iri.startswith(self.vocab) else ""
        if rest and rest not in self.terms and ":" not in rest and "/" not in rest and "#" not in rest:
            return rest
        return self.iri(iri)

    def node_id(self, term) -> str:
        """A subject or IRI object as an @id value: '_:b1' or a compact IRI."""
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.iri(term.value)


# Past 2^53 JSON readers disagree (JavaScript rounds; Oxigraph reads 10^20 as an xsd:double):
# larger integers stay value objects, so every reader gets the same literal back.
SAFE_INTEGER = 2 ** 53


def _literal(lit: ox.Literal, c: Compactor):
    """A literal as a JSON-LD value: native JSON for booleans and canonical integers, else a value object."""
    if lit.language:
        if lit.direction is not None:       # RDF 1.2 base direction: JSON-LD 1.1's @direction
            return {"@value": lit.value, "@language": lit.language, "@direction": str(lit.direction)}
        return {"@value": lit.value, "@language": lit.language}
    dtype = lit.datatype.value
    if dtype == XSD + "string":
        return lit.value
    if dtype == XSD + "boolean" and lit.value in ("true", "false"):
        return lit.value == "true"
    if dtype == XSD + "integer" and lit.value.lstrip("-").isdigit() and str(int(lit.value)) == lit.value \
            and abs(int(lit.value)) < SAFE_INTEGER:
        return int(lit.value)
    return {"@value": lit.value, "@type": c.iri(dtype)}


def _plain(term, c: Compactor):
    """Any object as a JSON-LD value under a key with no coercion."""
    if isinstance(term, ox.Literal):
        return _literal(term, c)
    return {"@id": c.node_id(term)}


def _one_or_many(values: list):
    """A single value bare, several as an array (JSON-LD reads both the same)."""
    return values[0] if len(values) == 1 else values


def _properties(pred: str, objects: list, c: Compactor) -> list[tuple[str, object]]:
    """(key, value) pairs for one predicate's objects: the context's word when they fit it."""
    word, kind = c.words.get(pred, (None, None))
    if word and kind == "lang" and all(isinstance(o, ox.Literal) and o.language and o.direction is None
                                       for o in objects):      # a language map has no room for a direction
        by_lang: dict[str, list[str]] = {}
        for o in objects:
            by_lang.setdefault(o.language, []).append(o.value)
        return [(word, {lang: _one_or_many(vs) for lang, vs in sorted(by_lang.items())})]
    if word and kind == "id" and all(isinstance(o, (ox.NamedNode, ox.BlankNode)) for o in objects):
        return [(word, _one_or_many([c.node_id(o) for o in objects]))]
    if word and kind == "":
        return [(word, _one_or_many([_plain(o, c) for o in objects]))]
    return [(c.iri(pred), _one_or_many([_plain(o, c) for o in objects]))]


def _sort_key(term) -> tuple:
    """Named nodes before blank nodes, each in string order."""
    return (isinstance(term, ox.BlankNode), str(term))


def graph_objects(triples, context: dict) -> list[dict]:
    """The node objects of a flat @graph for some triples, in a fixed order."""
    c = Compactor(context)
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, set()).add(t.object)
    nodes = []
    for subject in sorted(by_subject, key=_sort_key):
        props = by_subject[subject]
        node: dict = {"id": c.node_id(subject)}
        types = props.pop(RDF_TYPE, set())
        named_types = sorted((o for o in types if isinstance(o, ox.NamedNode)), key=str)
        if named_types:
            node["type"] = _one_or_many([c.vocab_iri(o.value) for o in named_types])
        other_types = [o for o in types if not isinstance(o, ox.NamedNode)]
        if other_types:
            props[RDF_TYPE] = set(other_types)
        pairs = []
        for pred, objects in props.items():
            pairs += _properties(pred, sorted(objects, key=_sort_key), c)
        for key, value in sorted(pairs, key=lambda kv: kv[0]):
            node[key] = value
        nodes.append(node)
    return nodes


def to_jsonld(triples, context: dict) -> bytes:
    """JSON-LD of some triples with the context embedded inline: a flat @graph, keys as words."""
    doc = {"@context": context, "@graph": graph_objects(triples, context)}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def context_document(context: dict) -> bytes:
    """The published /context.jsonld: the same context object the documents embed."""
    return (json.dumps({"@context": context}, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
