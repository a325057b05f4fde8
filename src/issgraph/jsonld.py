"""The published JSON-LD @context: the ontology's own terms and the reused ones, as plain words.

Generated from the ontology, so every property reads as its local name ("date", "builder").
Documents embed it (parsers need no fetch); /context.jsonld publishes the same object.
"""
from __future__ import annotations

import json

import pyoxigraph as ox

from .dataset import Dataset
from .namespaces import prefixes_for

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# Reused terms: (word, IRI, kind) with kind "lang" (language map), "id" (IRI value) or "" (plain).
REUSED = (
    ("label", "http://www.w3.org/2000/01/rdf-schema#label", "lang"),
    ("comment", "http://www.w3.org/2000/01/rdf-schema#comment", "lang"),
    ("description", "https://schema.org/description", "lang"),
    ("altLabel", "http://www.w3.org/2004/02/skos/core#altLabel", "lang"),
    ("prefLabel", "http://www.w3.org/2004/02/skos/core#prefLabel", "lang"),
    ("definition", "http://www.w3.org/2004/02/skos/core#definition", "lang"),
    ("title", "http://purl.org/dc/terms/title", "lang"),
    ("notation", "http://www.w3.org/2004/02/skos/core#notation", ""),
    ("identifier", "http://purl.org/dc/terms/identifier", ""),
    ("sameAs", OWL + "sameAs", "id"),
    ("exactMatch", "http://www.w3.org/2004/02/skos/core#exactMatch", "id"),
    ("wasDerivedFrom", "http://www.w3.org/ns/prov#wasDerivedFrom", "id"),
    ("inScheme", "http://www.w3.org/2004/02/skos/core#inScheme", "id"),
    ("topConceptOf", "http://www.w3.org/2004/02/skos/core#topConceptOf", "id"),
    ("hasTopConcept", "http://www.w3.org/2004/02/skos/core#hasTopConcept", "id"),
    ("isPartOf", "http://purl.org/dc/terms/isPartOf", "id"),
    ("hasPart", "http://purl.org/dc/terms/hasPart", "id"),
    ("license", "http://purl.org/dc/terms/license", "id"),
    ("source", "http://purl.org/dc/terms/source", "id"),
    ("subClassOf", "http://www.w3.org/2000/01/rdf-schema#subClassOf", "id"),
    ("domain", "http://www.w3.org/2000/01/rdf-schema#domain", "id"),
    ("range", "http://www.w3.org/2000/01/rdf-schema#range", "id"),
    ("isDefinedBy", "http://www.w3.org/2000/01/rdf-schema#isDefinedBy", "id"),
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


def to_jsonld(triples: list[ox.Triple], context: dict) -> bytes:
    """Compact JSON-LD of some triples under the context (rdflib's compaction), embedded inline."""
    from rdflib import Graph

    from .dataset import ntriples

    graph = Graph().parse(data=ntriples(triples), format="nt")
    text = graph.serialize(format="json-ld", context=context, auto_compact=True, ensure_ascii=False)
    return text.encode("utf-8")


def context_document(context: dict) -> bytes:
    return json.dumps({"@context": context}, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
