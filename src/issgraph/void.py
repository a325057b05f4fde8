"""The VoID description of the dataset: every count computed from the served graph, none typed in.

The dataset described is the default graph (data ∪ ontology ∪ inferred), which the triple-format
dumps hold; those three named graphs are its subsets. The shapes graph is what the data conforms to.
The dataset's own facts (title, license, source, version, modification date) come from the data.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import pyoxigraph as ox

from .dataset import Dataset
from .dcat import describe_dcat
from .dumps import DUMP_FORMATS, dump_name
from .namespaces import DCTERMS, RDF, VOID, XSD

RDF_TYPE = RDF + "type"
XSD_INT = ox.NamedNode(XSD + "integer")
COUNTS = ("triples", "entities", "classes", "properties", "distinctSubjects", "distinctObjects")


def _n(iri: str) -> ox.NamedNode:
    """A named node."""
    return ox.NamedNode(iri)


def _int(n: int) -> ox.Literal:
    """An xsd:integer literal of a count."""
    return ox.Literal(str(n), datatype=XSD_INT)


def _namespace(iri: str) -> str:
    """The namespace of a term IRI: everything up to its last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


@lru_cache(maxsize=4)
def statistics(dataset: Dataset) -> dict:
    """Counts over the default graph (data ∪ ontology ∪ inferred); entities are the IRIs under the graph's base."""
    triples = dataset.default_triples()
    base = dataset.config.base_iri
    class_members: dict[str, set] = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE:
            class_members.setdefault(t.object.value, set()).add(t.subject)
    props = Counter(t.predicate.value for t in triples)
    subjects = {t.subject for t in triples}
    objects = {t.object for t in triples}
    entities = {s for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base)}
    return {
        "triples": len(triples), "entities": len(entities), "classes": len(class_members),
        "properties": len(props), "distinctSubjects": len(subjects), "distinctObjects": len(objects),
        "class_partitions": {c: len(m) for c, m in sorted(class_members.items())},
        "property_partitions": dict(sorted(props.items())),
        "vocabularies": sorted({_namespace(p) for p in props} | {_namespace(c) for c in class_members}),
    }


def _partitions(ds: ox.NamedNode, stats: dict) -> list[ox.Triple]:
    """Class and property partitions as blank nodes with stable labels."""
    out = []
    for i, (cls, n) in enumerate(stats["class_partitions"].items()):
        part = ox.BlankNode(f"class{i}")
        out += [ox.Triple(ds, _n(VOID + "classPartition"), part),
                ox.Triple(part, _n(VOID + "class"), _n(cls)), ox.Triple(part, _n(VOID + "entities"), _int(n))]
    for i, (prop, n) in enumerate(stats["property_partitions"].items()):
        part = ox.BlankNode(f"property{i}")
        out += [ox.Triple(ds, _n(VOID + "propertyPartition"), part),
                ox.Triple(part, _n(VOID + "property"), _n(prop)), ox.Triple(part, _n(VOID + "triples"), _int(n))]
    return out


def _graphs(ds: ox.NamedNode, dataset: Dataset) -> list[ox.Triple]:
    """The data, ontology and inferred graphs as subsets; the shapes graph as what the data conforms to."""
    config = dataset.config
    out = []
    for graph, size in zip(config.graph_iris, dataset.counts):
        sub = _n(graph)
        link = DCTERMS + "conformsTo" if graph == config.shapes_graph else VOID + "subset"
        out += [ox.Triple(ds, _n(link), sub), ox.Triple(sub, _n(RDF_TYPE), _n(VOID + "Dataset")),
                ox.Triple(sub, _n(VOID + "triples"), _int(size))]
    return out


def describe_void(dataset: Dataset, host_url: str) -> list[ox.Triple]:
    """The dataset's own triples plus computed statistics, partitions, endpoint, dumps and graphs."""
    config = dataset.config
    ds = _n(config.dataset_iri)
    out = dataset.match(subject=ds, graphs=(config.data_graph,))
    stats = statistics(dataset)

    def add(p: str, o) -> None:
        """Add one void: statement about the dataset."""
        out.append(ox.Triple(ds, _n(VOID + p), o))

    for key in COUNTS:
        add(key, _int(stats[key]))
    add("sparqlEndpoint", _n(host_url + "sparql"))
    add("uriSpace", ox.Literal(config.base_iri))
    add("rootResource", _n(config.base_iri + "resource/International_Space_Station"))
    for fmt in DUMP_FORMATS:        # the dumps' formats, by W3C's IRIs (void:feature)
        if fmt.iri:
            add("feature", _n(fmt.iri))
    for fmt in DUMP_FORMATS:
        for gz in (False, True):
            add("dataDump", _n(f"{host_url}dumps/{dump_name(fmt, gz)}"))
    for vocab in stats["vocabularies"]:
        add("vocabulary", _n(vocab))
    out += _partitions(ds, stats) + _graphs(ds, dataset) + describe_dcat(dataset, host_url)
    return sorted(set(out), key=str)
