"""Every answer's bytes: SPARQL results (W3C JSON, XML, CSV, TSV) and RDF graphs and datasets.

The results writers are hand-written, matching pyoxigraph 0.5's own bytes, so the endpoint can cap
rows and answer identically whichever engine (pyoxigraph or rdflib) ran the query. `write_graph`
is the one writer of triples and quads, for CONSTRUCT/DESCRIBE answers, the service description,
documents and dumps alike: JSON-LD is always compacted under the published context (`jsonld`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring as _json_str

import pyoxigraph as ox
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from .formats import Format
from .jsonld import to_jsonld
from .namespaces import XSD as _XSD

Term = NamedNode | BlankNode | Literal | Triple


_XSD_STRING = _XSD + "string"
_XML_HEADER = '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
_ITS = ' xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'

# Lexical forms TSV may write bare, as Turtle abbreviations (SPARQL 1.1 CSV/TSV section 3.1).
_TURTLE_ABBREVIATION = {
    _XSD + "boolean": re.compile(r"true|false"),
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "double": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+"),
}


# --- JSON (SPARQL 1.1 Query Results JSON Format; RDF 1.2 "triple" and "its:dir") ---


def _json_iri(term: NamedNode) -> str:
    return f'{{"type":"uri","value":{_json_str(term.value)}}}'


def _json_bnode(term: BlankNode) -> str:
    return f'{{"type":"bnode","value":{_json_str(term.value)}}}'


def _json_literal(term: Literal) -> str:
    language = term.language
    if language is not None:
        direction = term.direction
        if direction is None:
            return f'{{"type":"literal","value":{_json_str(term.value)},"xml:lang":{_json_str(language)}}}'
        return (
            f'{{"type":"literal","value":{_json_str(term.value)},"xml:lang":{_json_str(language)},'
            f'"its:dir":"{direction}"}}'
        )
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return f'{{"type":"literal","value":{_json_str(term.value)}}}'
    return f'{{"type":"literal","value":{_json_str(term.value)},"datatype":{_json_str(datatype)}}}'


def _json_triple(term: Triple) -> str:
    return (
        f'{{"type":"triple","value":{{"subject":{_json_term(term.subject)},'
        f'"predicate":{_json_term(term.predicate)},"object":{_json_term(term.object)}}}}}'
    )


def _json_term(term: Term) -> str:
    return _JSON_TERM[type(term)](term)


def _json_bindings(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    keys = [_json_str(name) + ":" for name in variables]
    writers = _JSON_TERM
    bindings = [
        "{" + ",".join([key + writers[type(term)](term) for key, term in zip(keys, row) if term is not None]) + "}"
        for row in rows
    ]
    head = '{"head":{"vars":[' + ",".join([_json_str(name) for name in variables]) + "]}"
    return head + ',"results":{"bindings":[' + ",".join(bindings) + "]}}"


# --- XML (SPARQL Query Results XML Format; RDF 1.2 <triple> and its:dir) ---


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("'", "&apos;").replace('"', "&quot;")
    )


def _xml_iri(term: NamedNode) -> str:
    return f"<uri>{_xml_escape(term.value)}</uri>"


def _xml_bnode(term: BlankNode) -> str:
    return f"<bnode>{_xml_escape(term.value)}</bnode>"


def _xml_literal(term: Literal) -> str:
    language = term.language
    if language is not None:
        direction = term.direction
        if direction is None:
            return f'<literal xml:lang="{_xml_escape(language)}">{_xml_escape(term.value)}</literal>'
        return (
            f'<literal xml:lang="{_xml_escape(language)}" its:dir="{direction}"{_ITS}>'
            f"{_xml_escape(term.value)}</literal>"
        )
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return f"<literal>{_xml_escape(term.value)}</literal>"
    return f'<literal datatype="{_xml_escape(datatype)}">{_xml_escape(term.value)}</literal>'


def _xml_triple(term: Triple) -> str:
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
        f"</predicate><object>{_xml_term(term.object)}</object></triple>"
    )


def _xml_term(term: Term) -> str:
    return _XML_TERM[type(term)](term)


def _xml_bindings(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    opens = ['<binding name="' + _xml_escape(name) + '">' for name in variables]
    writers = _XML_TERM
    results = [
        "<result>"
        + "".join([tag + writers[type(term)](term) + "</binding>" for tag, term in zip(opens, row) if term is not None])
        + "</result>"
        for row in rows
    ]
    head = "<head>" + "".join(['<variable name="' + _xml_escape(name) + '"/>' for name in variables]) + "</head>"
    return _XML_HEADER + head + "<results>" + "".join(results) + "</results></sparql>"


# --- CSV (SPARQL 1.1 CSV: RFC 4180 quoting, CRLF) ---
# Unlike pyoxigraph 0.5, IRIs containing commas and triple terms are quoted too, so every row keeps its columns.


def _csv_field(text: str) -> str:
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_iri(term: NamedNode) -> str:
    return _csv_field(term.value)


def _csv_bnode(term: BlankNode) -> str:
    return "_:" + term.value


def _csv_literal(term: Literal) -> str:
    return _csv_field(term.value)


def _csv_triple_text(term: Term) -> str:
    """A triple term as `<<( s p o )>>`, literals inside always quoted; RFC 4180 quoting comes after."""
    kind = type(term)
    if kind is Triple:
        parts = (_csv_triple_text(term.subject), _csv_triple_text(term.predicate), _csv_triple_text(term.object))
        return "<<( " + " ".join(parts) + " )>>"
    if kind is Literal:
        return '"' + term.value.replace('"', '""') + '"'
    if kind is BlankNode:
        return "_:" + term.value
    return term.value


def _csv_triple(term: Triple) -> str:
    return _csv_field(_csv_triple_text(term))


def _csv_bindings(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    writers = _CSV_TERM
    lines = [",".join([writers[type(term)](term) if term is not None else "" for term in row]) for row in rows]
    lines.insert(0, ",".join(variables))
    lines.append("")
    return "\r\n".join(lines)


# --- TSV (SPARQL 1.1 TSV: Turtle terms, LF) ---


def _tsv_string(text: str) -> str:
    """A Turtle short string: \\t \\n \\r \\" and \\\\ escaped, everything else raw (as pyoxigraph does)."""
    escaped = (
        text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"')
    )
    return f'"{escaped}"'


def _tsv_iri(term: NamedNode) -> str:
    return f"<{term.value}>"


def _tsv_bnode(term: BlankNode) -> str:
    return f"_:{term.value}"


def _tsv_literal(term: Literal) -> str:
    value = term.value
    language = term.language
    if language is not None:
        direction = term.direction
        if direction is None:
            return f"{_tsv_string(value)}@{language}"
        return f"{_tsv_string(value)}@{language}--{direction}"
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return _tsv_string(value)
    abbreviation = _TURTLE_ABBREVIATION.get(datatype)
    if abbreviation is not None and abbreviation.fullmatch(value):
        return value
    return f"{_tsv_string(value)}^^<{datatype}>"


def _tsv_triple(term: Triple) -> str:
    parts = (_tsv_term(term.subject), _tsv_term(term.predicate), _tsv_term(term.object))
    return "<<( " + " ".join(parts) + " )>>"


def _tsv_term(term: Term) -> str:
    return _TSV_TERM[type(term)](term)


def _tsv_bindings(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    writers = _TSV_TERM
    lines = ["\t".join([writers[type(term)](term) if term is not None else "" for term in row]) for row in rows]
    lines.insert(0, "\t".join(["?" + name for name in variables]))
    lines.append("")
    return "\n".join(lines)


_JSON_TERM: dict[type, Callable[[Term], str]] = {
    NamedNode: _json_iri, BlankNode: _json_bnode, Literal: _json_literal, Triple: _json_triple,
}
_XML_TERM: dict[type, Callable[[Term], str]] = {
    NamedNode: _xml_iri, BlankNode: _xml_bnode, Literal: _xml_literal, Triple: _xml_triple,
}
_CSV_TERM: dict[type, Callable[[Term], str]] = {
    NamedNode: _csv_iri, BlankNode: _csv_bnode, Literal: _csv_literal, Triple: _csv_triple,
}
_TSV_TERM: dict[type, Callable[[Term], str]] = {
    NamedNode: _tsv_iri, BlankNode: _tsv_bnode, Literal: _tsv_literal, Triple: _tsv_triple,
}
_BINDINGS_WRITERS = {"json": _json_bindings, "xml": _xml_bindings, "csv": _csv_bindings, "tsv": _tsv_bindings}
SELECT_FORMATS = tuple(_BINDINGS_WRITERS)
_BOOLEAN_TEMPLATES = {
    "json": '{"head":{},"boolean":%s}',
    "xml": _XML_HEADER + "<head></head><boolean>%s</boolean></sparql>",
    "csv": "%s",
    "tsv": "%s",
}


def _check_format(fmt: str) -> None:
    if fmt not in SELECT_FORMATS:
        raise ValueError(f"unsupported SPARQL results format {fmt!r}; expected one of {SELECT_FORMATS}")


def write_bindings(variables: list[str], rows: Iterable[Sequence[Term | None]], fmt: str) -> bytes:
    """Serialise SELECT results; `variables` without '?', each row aligned with them, None for unbound."""
    _check_format(fmt)
    try:
        text = _BINDINGS_WRITERS[fmt](variables, rows)
    except KeyError as error:
        raise TypeError(f"not a pyoxigraph term type: {error.args[0]!r}") from error
    return text.encode("utf-8")


def write_boolean(value: bool, fmt: str) -> bytes:
    """Serialise an ASK result; CSV and TSV carry the bare word `true`/`false`, as pyoxigraph writes them."""
    _check_format(fmt)
    return (_BOOLEAN_TEMPLATES[fmt] % ("true" if value else "false")).encode("utf-8")


# --- RDF graphs and datasets ---


class Inexpressible(ValueError):
    """The triples hold something the asked format cannot say; the message is for the client."""


def write_graph(triples, fmt: Format, context: dict, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples (or quads, for a dataset format) in one RDF format: JSON-LD compacted under `context`
    and embedded inline, Turtle, TriG and RDF/XML with the prefixes, the rest by Oxigraph's writers."""
    if fmt.rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if fmt.rdf == ox.RdfFormat.JSON_LD:
        triples = list(triples)
        if any(isinstance(t.object, Triple) for t in triples):
            raise Inexpressible("the answer holds triple terms (RDF 1.2), which JSON-LD cannot express; "
                                "ask for Turtle, N-Triples or RDF/XML")
        return to_jsonld(triples, context)
    if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) and prefixes:
        return ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return ox.serialize(triples, format=fmt.rdf)


# --- rdflib terms to the pyoxigraph term model ---


@lru_cache(maxsize=1024)
def _named_node(iri: str) -> NamedNode:
    return NamedNode(iri)


def _oxigraph_double(term: rdflib.Literal) -> Literal:
    """rdflib writes doubles Python's way (1500.0, inf); pyoxigraph's float constructor gives oxigraph's (1500, INF)."""
    if isinstance(term.value, float):
        return Literal(term.value)
    return Literal(str(term), datatype=_named_node(_XSD + "double"))


def _oxigraph_decimal(term: rdflib.Literal) -> Literal:
    """oxigraph drops trailing fractional zeros and the sign of zero (4.50 -> 4.5, -0.0 -> 0); rdflib keeps them."""
    value = term.value
    if not isinstance(value, Decimal) or not value.is_finite():
        return Literal(str(term), datatype=_named_node(_XSD + "decimal"))
    lexical = "0" if value.is_zero() else format(value, "f")
    if "." in lexical:
        lexical = lexical.rstrip("0").rstrip(".")
    return Literal(lexical, datatype=_named_node(_XSD + "decimal"))


_OXIGRAPH_CANONICAL = {rdflib.XSD.double: _oxigraph_double, rdflib.XSD.decimal: _oxigraph_decimal}


def _from_rdflib_literal(term: rdflib.Literal) -> Literal:
    language = term.language
    if language is not None:
        return Literal(str(term), language=language)
    datatype = term.datatype
    if datatype is None:
        return Literal(str(term))
    canonical = _OXIGRAPH_CANONICAL.get(datatype)
    if canonical is not None:
        return canonical(term)
    return Literal(str(term), datatype=_named_node(str(datatype)))


_FROM_RDFLIB: dict[type, Callable[[rdflib.term.Node], Term]] = {
    rdflib.URIRef: lambda term: NamedNode(str(term)),
    rdflib.BNode: lambda term: BlankNode(str(term)),
    rdflib.Literal: _from_rdflib_literal,
}


def _converter_for(kind: type) -> Callable[[rdflib.term.Node], Term]:
    """Resolve an rdflib subclass (e.g. a skolem IRI) through its MRO and remember it."""
    for base in kind.__mro__:
        if base in _FROM_RDFLIB:
            _FROM_RDFLIB[kind] = _FROM_RDFLIB[base]
            return _FROM_RDFLIB[base]
    raise TypeError(f"no pyoxigraph equivalent for {kind.__name__}")


def from_rdflib_term(term: rdflib.term.Node | None) -> Term | None:
    """Convert an rdflib URIRef, BNode or Literal to its pyoxigraph equivalent; None stays None.

    xsd:double and xsd:decimal literals take oxigraph's canonical lexical form, so both engines print numbers alike.
    """
    if term is None:
        return None
    converter = _FROM_RDFLIB.get(type(term)) or _converter_for(type(term))
    return converter(term)


def from_rdflib_triple(triple: tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]) -> Triple:
    """Convert an rdflib (subject, predicate, object) triple to a pyoxigraph Triple."""
    subject, predicate, obj = triple
    return Triple(from_rdflib_term(subject), from_rdflib_term(predicate), from_rdflib_term(obj))
