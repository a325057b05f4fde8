"""The VoID description of the dataset: every count computed from the served graph, none typed in."""
from __future__ import annotations

from collections import Counter

import pyoxigraph as ox

from .dataset import Dataset
from .dumps import DUMP_FORMATS, dump_name

VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DCTERMS = "http://purl.org/dc/terms/"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INT)


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def statistics(dataset: Dataset) -> dict:
    """Counts over the default graph (data ∪ ontology)."""
    triples = dataset.default_triples()
    classes = Counter(t.object.value for t in triples if t.predicate.value == RDF_TYPE)
    class_members = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE:
            class_members.setdefault(t.object.value, set()).add(t.subject)
    props = Counter(t.predicate.value for t in triples)
    subjects = {t.subject for t in triples}
    objects = {t.object for t in triples}
    entities = {s for s in subjects if isinstance(s, ox.NamedNode)}
    return {
        "triples": len(triples), "entities": len(entities), "classes": len(classes),
        "properties": len(props), "distinctSubjects": len(subjects), "distinctObjects": len(objects),
        "class_partitions": {c: len(m) for c, m in sorted(class_members.items())},
        "property_partitions": dict(sorted(props.items())),
        "vocabularies": sorted({_namespace(p) for p in props} | {_namespace(c) for c in classes}),
    }


def describe_void(dataset: Dataset, host_url: str) -> list[ox.Triple]:
    """The dataset's own triples plus computed statistics, partitions, endpoint and dumps."""
    config = dataset.config
    ds = _n(config.dataset_iri)
    out = [t for t in dataset.data if t.subject == ds]
    stats = statistics(dataset)
    add = lambda p, o: out.append(ox.Triple(ds, _n(VOID + p), o))
    for key in ("triples", "entities", "classes", "properties", "distinctSubjects", "distinctObjects"):
        add(key, _int(stats[key]))
    add("sparqlEndpoint", _n(host_url + "sparql"))
    add("uriSpace", ox.Literal(config.base_iri + "resource/"))
    add("rootResource", _n(config.base_iri + "resource/International_Space_Station"))
    add("feature", _n("http://www.w3.org/ns/formats/Turtle"))
    for fmt in DUMP_FORMATS:
        for gz in (False, True):
            add("dataDump", _n(f"{host_url}dumps/{dump_name(fmt, gz)}"))
    for vocab in stats["vocabularies"]:
        add("vocabulary", _n(vocab))
    for i, (cls, n) in enumerate(stats["class_partitions"].items()):
        part = ox.BlankNode(f"class{i}")
        add("classPartition", part)
        out += [ox.Triple(part, _n(VOID + "class"), _n(cls)), ox.Triple(part, _n(VOID + "entities"), _int(n))]
    for i, (prop, n) in enumerate(stats["property_partitions"].items()):
        part = ox.BlankNode(f"property{i}")
        add("propertyPartition", part)
        out += [ox.Triple(part, _n(VOID + "property"), _n(prop)), ox.Triple(part, _n(VOID + "triples"), _int(n))]
    for graph, triples in dataset.graphs.items():
        sub = _n(graph)
        add("subset", sub)
        out += [ox.Triple(sub, _n(RDF_TYPE), _n(VOID + "Dataset")), ox.Triple(sub, _n(VOID + "triples"), _int(len(triples)))]
    return out
