"""Formats and media types: one table that the endpoint, linked data, dumps and the CLI all read.

Negotiation uses werkzeug's Accept parsing (q-values, wildcards, specificity); the order of
each offer list is the server's preference when the client's qualities tie.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    name: str               # short name used in ?format= and on the command line
    media_type: str
    extension: str
    kind: str               # "results" (SELECT/ASK), "graph" (triples), "dataset" (quads), "page"
    aliases: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    also_accepts: tuple[str, ...] = ()   # other media types clients use for this format

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with charset for every textual format."""
        return f"{self.media_type}; charset=utf-8"


FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", "results", ("srj",),
           also_accepts=("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", "results", ("srx",),
           also_accepts=("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv", "results"),
    Format("tsv", "text/tab-separated-values", "tsv", "results"),
    Format("turtle", "text/turtle", "ttl", "graph", ("ttl",), ox.RdfFormat.TURTLE,
           also_accepts=("application/x-turtle", "text/n3")),
    Format("ntriples", "application/n-triples", "nt", "graph", ("nt", "n-triples"), ox.RdfFormat.N_TRIPLES,
           also_accepts=("text/plain",)),
    Format("jsonld", "application/ld+json", "jsonld", "graph", ("json-ld",), ox.RdfFormat.JSON_LD,
           also_accepts=("application/json",)),
    Format("rdfxml", "application/rdf+xml", "rdf", "graph", ("rdf", "rdf-xml", "xml-rdf"), ox.RdfFormat.RDF_XML,
           also_accepts=("application/xml", "text/xml")),
    Format("nquads", "application/n-quads", "nq", "dataset", ("nq", "n-quads"), ox.RdfFormat.N_QUADS),
    Format("trig", "application/trig", "trig", "dataset", (), ox.RdfFormat.TRIG),
    Format("html", "text/html", "html", "page", also_accepts=("application/xhtml+xml",)),
)

BY_NAME: dict[str, Format] = {}
BY_MEDIA_TYPE: dict[str, Format] = {}
for _f in FORMATS:
    BY_MEDIA_TYPE[_f.media_type] = _f
    for _n in (_f.name, _f.extension, *_f.aliases, _f.media_type):
        BY_NAME.setdefault(_n, _f)

RESULTS = tuple(f for f in FORMATS if f.kind == "results")
GRAPH = tuple(f for f in FORMATS if f.kind == "graph")
DATASET = tuple(f for f in FORMATS if f.kind == "dataset")
HTML = BY_NAME["html"]


class NotAcceptable(Exception):
    """No offered format is acceptable to the client: answer 406 listing the offers."""

    def __init__(self, offers: tuple[Format, ...]):
        self.offers = offers
        listed = ", ".join(f.media_type for f in offers)
        super().__init__(f"none of the formats offered here is acceptable; offered: {listed}")


class UnknownFormat(Exception):
    """A ?format= value that names no format offered for this answer."""

    def __init__(self, value: str, offers: tuple[Format, ...]):
        self.offers = offers
        listed = ", ".join(f.name for f in offers)
        super().__init__(f"unknown format {value!r} for this answer; use one of: {listed}")


def _accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header or "*/*", MIMEAccept)


@lru_cache(maxsize=1024)
def negotiate(accept_header: str | None, offers: tuple[Format, ...], format_param: str | None = None) -> Format:
    """Pick the format to answer in: ?format= wins, else the best Accept match, else 406."""
    if format_param:
        chosen = BY_NAME.get(format_param.strip().lower())
        if chosen is not None and chosen in offers:
            return chosen
        if chosen is not None:
            # A client library's habit (SPARQLWrapper sends format=json for CONSTRUCT too):
            # fall back to Accept rather than refusing a request the client cannot change.
            return negotiate(accept_header, offers)
        raise UnknownFormat(format_param, offers)
    candidates = _candidates(offers)
    best = _accept(accept_header).best_match(list(candidates))
    if best is None:
        raise NotAcceptable(offers)
    return candidates[best]


@lru_cache(maxsize=64)
def _candidates(offers: tuple[Format, ...]) -> dict[str, Format]:
    """Media type -> format for one offer list: primary types first (they win ties), then aliases."""
    out = {f.media_type: f for f in offers}
    for f in offers:
        for m in f.also_accepts:
            out.setdefault(m, f)
    return out
