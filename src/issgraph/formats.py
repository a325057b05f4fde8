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


W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str               # short name used in ?format= and on the command line
    media_type: str
    extension: str
    kind: str               # "results" (SELECT/ASK), "graph" (triples), "dataset" (quads), "page"
    aliases: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    also_accepts: tuple[str, ...] = ()   # other media types clients use for this format
    spellings: tuple[str, ...] = ()      # other names clients put in format=/output=/results=
    label: str = ""                      # its name for people (download links, tables)
    w3c: str | None = None               # its IRI at http://www.w3.org/ns/formats/, where W3C names it
    spreadsheet: bool = False            # opened by spreadsheet programs: offered first, with a BOM, for people
    line_comment: str | None = None      # how a comment line starts, where the format has them

    def __hash__(self) -> int:
        """By name (unique in the table): negotiation's cache hashes a tuple of offers per request,
        and the generated hash of every field cost more than the negotiation it saved."""
        return hash(self.name)

    @property
    def iri(self) -> str | None:
        """W3C's IRI for the format (service descriptions and VoID name formats by it)."""
        return W3C_FORMATS + self.w3c if self.w3c else None

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with charset for every textual format."""
        return f"{self.media_type}; charset=utf-8"


# `spellings` are what common clients send by hand or on their own in format=, output= or
# results= besides the names above: SPARQLWrapper 2 (json, xml, csv, tsv, turtle, n3, rdf,
# rdf+xml, json-ld, then the media type), Jena/Fuseki's output= (json, xml, csv, tsv, ttl,
# nt, json-ld, rdf/xml...), Virtuoso's format= (media types, several of its own), YASGUI
# (Accept only, or the same names when a user adds them). A name that fits no offered format
# falls back to Accept (see `negotiate`).
FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", "results", ("srj",),
           also_accepts=("application/json",),
           spellings=("sparql-results+json", "application/javascript", "text/javascript", "js"),
           label="JSON", w3c="SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", "srx", "results", ("srx",),
           also_accepts=("application/xml", "text/xml"), spellings=("sparql-results+xml",),
           label="XML", w3c="SPARQL_Results_XML"),
    Format("csv", "text/csv", "csv", "results", label="CSV", w3c="SPARQL_Results_CSV", spreadsheet=True),
    Format("tsv", "text/tab-separated-values", "tsv", "results", spellings=("tab-separated-values",),
           label="TSV", w3c="SPARQL_Results_TSV", spreadsheet=True),
    Format("turtle", "text/turtle", "ttl", "graph", ("ttl",), ox.RdfFormat.TURTLE,
           also_accepts=("application/x-turtle", "text/n3"),
           spellings=("n3", "application/turtle", "text/rdf+n3", "application/n3", "application/x-nice-turtle",
                      "text/x-nice-turtle"), label="Turtle", w3c="Turtle", line_comment="#"),
    Format("ntriples", "application/n-triples", "nt", "graph", ("nt", "n-triples"), ox.RdfFormat.N_TRIPLES,
           also_accepts=("text/plain",), spellings=("n-triple", "ntriple", "text/ntriples"),
           label="N-Triples", w3c="N-Triples", line_comment="#"),
    Format("jsonld", "application/ld+json", "jsonld", "graph", ("json-ld",), ox.RdfFormat.JSON_LD,
           also_accepts=("application/json",),
           # Not "json": for a graph it falls back to Accept, as the query page and the CLI rely on.
           spellings=("ld+json", "application/x-json+ld"), label="JSON-LD", w3c="JSON-LD"),
    Format("rdfxml", "application/rdf+xml", "rdf", "graph", ("rdf", "rdf-xml", "xml-rdf"), ox.RdfFormat.RDF_XML,
           also_accepts=("application/xml", "text/xml"),
           spellings=("rdf+xml", "xml", "rdf/xml", "rdfxml-abbrev", "application/rdf"), label="RDF/XML", w3c="RDF_XML"),
    Format("nquads", "application/n-quads", "nq", "dataset", ("nq", "n-quads"), ox.RdfFormat.N_QUADS,
           spellings=("text/x-nquads",), label="N-Quads", w3c="N-Quads", line_comment="#"),
    Format("trig", "application/trig", "trig", "dataset", (), ox.RdfFormat.TRIG,
           spellings=("application/x-trig",), label="TriG", w3c="TriG", line_comment="#"),
    Format("html", "text/html", "html", "page", also_accepts=("application/xhtml+xml",), label="HTML"),
)

BY_NAME: dict[str, Format] = {}
for _f in FORMATS:
    for _n in (_f.name, _f.extension, *_f.aliases, _f.media_type):
        BY_NAME.setdefault(_n, _f)

RESULTS = tuple(f for f in FORMATS if f.kind == "results")
GRAPH = tuple(f for f in FORMATS if f.kind == "graph")
DATASET = tuple(f for f in FORMATS if f.kind == "dataset")
HTML = BY_NAME["html"]
# What a person may download from the query page, for each kind of answer: spreadsheets' formats first.
DOWNLOADS: dict[str, tuple[Format, ...]] = {
    "results": tuple(sorted(RESULTS, key=lambda f: not f.spreadsheet)), "graph": GRAPH}


def by_media_type(media_type: str) -> Format | None:
    """The format whose primary media type this is (parameters such as charset ignored)."""
    return next((f for f in FORMATS if f.media_type == media_type.split(";", 1)[0].strip().lower()), None)


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
    """The Accept header with media-type parameters dropped (q kept): `text/csv; charset=utf-8`,
    `application/ld+json; profile=...` must match the offer they name (werkzeug would compare
    the parameters too, so no offer would match)."""
    parsed = parse_accept_header(header or "*/*", MIMEAccept)
    return MIMEAccept([(value.split(";", 1)[0].strip().lower(), q) for value, q in parsed])


def _spelling(value: str) -> str:
    """A format= value as compared: lower case, parameters dropped, and a '+' that an unencoded
    URL turned into a space restored (`?format=application/rdf+xml` reads `application/rdf xml`)."""
    return value.split(";", 1)[0].strip().lower().replace(" ", "+")


@lru_cache(maxsize=64)
def _spellings(offers: tuple[Format, ...]) -> dict[str, Format]:
    """Every name a client may give for each offered format; earlier offers win a shared name."""
    out: dict[str, Format] = {}
    for f in offers:
        for name in (f.name, f.extension, *f.aliases, f.media_type, *f.also_accepts, *f.spellings):
            out.setdefault(name, f)
    return out


def requested(values: tuple[str, ...], offers: tuple[Format, ...]) -> Format | None:
    """The first offered format that one of the values names (a value may list several, comma-separated)."""
    known = _spellings(offers)
    for value in values:
        for part in value.split(","):
            chosen = known.get(_spelling(part))
            if chosen is not None:
                return chosen
    return None


def is_known(value: str) -> bool:
    """Whether a format= value names any format at all (for whatever kind of answer)."""
    return any(_spelling(part) in _spellings(FORMATS) for part in value.split(","))


@lru_cache(maxsize=1024)
def negotiate(accept_header: str | None, offers: tuple[Format, ...],
              format_param: str | tuple[str, ...] | None = None, lenient: bool = False) -> Format:
    """Pick the format to answer in: ?format= wins, else the best Accept match, else 406.

    A format= value naming a format not offered for this answer falls back to Accept (a client
    library's habit: SPARQLWrapper sends format=csv for CONSTRUCT too). One naming no format at
    all is a 400, unless `lenient`: where the parameter is one that client libraries add on
    their own (the SPARQL endpoint), it must never make a request fail, so Accept decides.
    """
    values = (format_param,) if isinstance(format_param, str) else tuple(format_param or ())
    values = tuple(v for v in values if v.strip())
    if values:
        chosen = requested(values, offers)
        if chosen is not None:
            return chosen
        if not lenient and not any(is_known(v) for v in values):
            raise UnknownFormat(values[0], offers)
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
