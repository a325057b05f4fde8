"""The one set of figures about the graph that every page shows: the home page, /ontology and
/dataset all read them from `figures()`, under the same names (FIGURE_WORDS), so they agree.

Two kinds of count are kept apart because they answer different questions: what the ontology
*defines* (its named classes and properties, as listed on /ontology) and what the served graph
*uses* (VoID's void:classes and void:properties: distinct rdf:type objects and predicates of the
default graph, ontology included). Both are computed from the graph, never typed in.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import pyoxigraph as ox

from .dataset import Dataset
from .void import statistics
from .namespaces import OWL, RDF, RDFS

RDF_TYPE = RDF + "type"
CLASS_TYPES = {OWL + "Class"}
DATATYPE_TYPES = {RDFS + "Datatype"}
PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                  RDF + "Property"}

# The order the pages list them in, and the i18n word each one is called by everywhere.
FIGURE_WORDS = {
    "triples": "fig_triples", "data_triples": "fig_data_triples", "ontology_triples": "fig_ontology_triples",
    "inferred_triples": "fig_inferred_triples",
    "entities": "fig_entities", "classes_defined": "fig_classes_defined",
    "properties_defined": "fig_properties_defined", "datatypes_defined": "fig_datatypes_defined",
    "classes_used": "fig_classes_used", "properties_used": "fig_properties_used",
    "distinct_subjects": "fig_distinct_subjects", "distinct_objects": "fig_distinct_objects",
}


@dataclass(frozen=True)
class Figures:
    triples: int              # the default graph (data ∪ ontology ∪ inferred), as the endpoint and the dumps hold it
    data_triples: int
    ontology_triples: int
    inferred_triples: int     # what the data and ontology entail, computed at load (inference.py)
    entities: int             # IRIs under the graph's base that something is said about (void:entities)
    classes_defined: int      # named classes of the ontology (the /ontology "Classes" list)
    properties_defined: int   # named properties of the ontology
    datatypes_defined: int
    classes_used: int         # distinct classes with an instance in the default graph (void:classes)
    properties_used: int      # distinct predicates of the default graph (void:properties)
    distinct_subjects: int
    distinct_objects: int

    def items(self) -> list[tuple[str, int]]:
        return list(asdict(self).items())


def term_kind(types: set[str]) -> str | None:
    """Which list of the ontology a term is in: 'class', 'datatype' or 'property' (the first that fits)."""
    if types & CLASS_TYPES:
        return "class"
    if types & DATATYPE_TYPES:
        return "datatype"
    if types & PROPERTY_TYPES:
        return "property"
    return None


def defined_terms(dataset: Dataset) -> dict[str, str]:
    """The ontology's own named terms (IRIs under <base>ontology#) and their kind."""
    ns = dataset.config.base_iri + "ontology#"
    types: dict[str, set[str]] = {}
    for t in dataset.ontology:
        if (t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode)
                and t.subject.value.startswith(ns) and len(t.subject.value) > len(ns)):
            types.setdefault(t.subject.value, set()).add(t.object.value)
    return {iri: kind for iri, ts in types.items() if (kind := term_kind(ts))}


@lru_cache(maxsize=4)
def figures(dataset: Dataset) -> Figures:
    """Every count the pages show, worked out once per dataset."""
    stats = statistics(dataset)
    kinds = list(defined_terms(dataset).values())
    counts = dict(zip(dataset.config.graph_iris, dataset.counts))
    return Figures(
        triples=stats["triples"], data_triples=counts[dataset.config.data_graph],
        ontology_triples=counts[dataset.config.ontology_graph],
        inferred_triples=counts[dataset.config.inferred_graph], entities=stats["entities"],
        classes_defined=kinds.count("class"), properties_defined=kinds.count("property"),
        datatypes_defined=kinds.count("datatype"), classes_used=stats["classes"],
        properties_used=stats["properties"], distinct_subjects=stats["distinctSubjects"],
        distinct_objects=stats["distinctObjects"])
