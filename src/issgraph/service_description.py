"""The SPARQL 1.1 Service Description of the endpoint, as triples (the endpoint serialises them)."""
from __future__ import annotations

import pyoxigraph as ox

from .dataset import Dataset
from .engine import engine_class
from .formats import GRAPH, RESULTS
from .namespaces import DCTERMS, RDF, RDFS, SD, VOID, XSD

RDF_TYPE = ox.NamedNode(RDF + "type")
DCTERMS_TITLE = ox.NamedNode(DCTERMS + "title")
RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
# The SPARQL 1.2 Query draft, named as a language extension (sd:languageExtension takes any resource):
# the 1.2 service description has no settled term for the language yet.
SPARQL12_QUERY = "https://www.w3.org/TR/sparql12-query/"
SPARQL12_SAYS = {
    True: "This engine (Oxigraph) also reads SPARQL 1.2: VERSION, triple terms <<( )>>, reified triples << >>, "
          "annotations {| |}, reifiers ~ and base directions (@lang--ltr).",
    False: "This engine (rdflib) reads SPARQL 1.1 only: a query using SPARQL 1.2 syntax gets 400 saying so.",
    None: "Queries are answered by a remote store: SPARQL 1.2 syntax that Oxigraph's parser accepts is passed to "
          "it, and the store answers or refuses it (400, in its own words).",
}

def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def describe_service(endpoint_url: str, dataset: Dataset) -> list[ox.Triple]:
    """sd:Service for `endpoint_url`: languages, formats, features, and the default dataset."""
    service = _n(endpoint_url)
    ds_node, default_graph = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    t = [
        ox.Triple(service, RDF_TYPE, _n(SD + "Service")),
        ox.Triple(service, _n(SD + "endpoint"), service),
        ox.Triple(service, DCTERMS_TITLE, ox.Literal("issgraph SPARQL endpoint (read-only)", language="en")),
        ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(service, _n(SD + "feature"), _n(SD + "EmptyGraphs")),
        ox.Triple(service, RDFS_COMMENT, ox.Literal(SPARQL12_SAYS[engine_class(dataset.config).sparql12], language="en")),
        ox.Triple(service, _n(SD + "defaultEntailmentRegime"), _n("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, _n(SD + "defaultDataset"), ds_node),
        ox.Triple(ds_node, RDF_TYPE, _n(SD + "Dataset")),
        ox.Triple(ds_node, _n(SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _n(SD + "Graph")),
        ox.Triple(default_graph, _n(VOID + "triples"), ox.Literal(str(dataset.default_triple_count),
                                                                  datatype=_n(XSD + "integer"))),
        ox.Triple(default_graph, DCTERMS_TITLE, ox.Literal("the instance data, the ontology and what they entail, merged", language="en")),
    ]
    if engine_class(dataset.config).sparql12:
        t.append(ox.Triple(service, _n(SD + "languageExtension"), _n(SPARQL12_QUERY)))
    for f in (*RESULTS, *GRAPH):
        if f.iri:
            t.append(ox.Triple(service, _n(SD + "resultFormat"), _n(f.iri)))
    for i, (iri, size) in enumerate(zip(dataset.config.graph_iris, dataset.counts)):
        named, graph = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        t += [
            ox.Triple(ds_node, _n(SD + "namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _n(SD + "NamedGraph")),
            ox.Triple(named, _n(SD + "name"), _n(iri)),
            ox.Triple(named, _n(SD + "graph"), graph),
            ox.Triple(graph, RDF_TYPE, _n(SD + "Graph")),
            ox.Triple(graph, _n(VOID + "triples"), ox.Literal(str(size),
                                                             datatype=_n(XSD + "integer"))),
        ]
    return t
