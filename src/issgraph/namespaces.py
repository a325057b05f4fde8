"""The namespaces the project writes and reads, each spelled once: the constants every module
imports, and the prefix table for Turtle output, the JSON-LD context, reports and the query page."""
from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
TIME = "http://www.w3.org/2006/time#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
SD = "http://www.w3.org/ns/sparql-service-description#"
CS = "http://purl.org/vocab/changeset/schema#"          # the Changeset vocabulary (issgraph diff)
DBO = "http://dbpedia.org/ontology/"

PREFIXES = {
    "iss": "https://w3id.org/issgraph/ontology#",
    "res": "https://w3id.org/issgraph/resource/",
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "schema": SCHEMA,
    "void": VOID,
    "dbr": "http://dbpedia.org/resource/",
    "wd": "http://www.wikidata.org/entity/",
    "sh": SH,
    "time": TIME,
    "dbo": DBO,
}


def prefixes_for(base_iri: str) -> dict[str, str]:
    """The well-known prefixes, with the graph's own two following the configured base."""
    out = dict(PREFIXES)
    out["iss"] = base_iri + "ontology#"
    out["res"] = base_iri + "resource/"
    return out
