"""The prefixes the project writes and reads: one table for Turtle output, reports and the query page."""
from __future__ import annotations

PREFIXES = {
    "iss": "https://w3id.org/issgraph/ontology#",
    "res": "https://w3id.org/issgraph/resource/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "void": "http://rdfs.org/ns/void#",
    "dbr": "http://dbpedia.org/resource/",
    "wd": "http://www.wikidata.org/entity/",
    "sh": "http://www.w3.org/ns/shacl#",
    "time": "http://www.w3.org/2006/time#",
    "dbo": "http://dbpedia.org/ontology/",
}


def prefixes_for(base_iri: str) -> dict[str, str]:
    """The well-known prefixes, with the graph's own two following the configured base."""
    out = dict(PREFIXES)
    out["iss"] = base_iri + "ontology#"
    out["res"] = base_iri + "resource/"
    return out
