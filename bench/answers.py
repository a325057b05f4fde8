"""Check that both servers give the same answers before timing them.

SELECT/ASK results are compared as multisets of rows (blank-node labels aside; xsd:string
datatypes normalised). Graphs (DESCRIBE, CONSTRUCT, dumps) are compared as sets of triples
or quads with every blank node replaced by one placeholder, plus their sizes.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from collections import Counter
from urllib.parse import quote, unquote

import pyoxigraph as ox
import requests

from common import log
from workloads import JSON, NQUADS, NTRIPLES, TURTLE, Item

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
FORMATS = {TURTLE: ox.RdfFormat.TURTLE, NTRIPLES: ox.RdfFormat.N_TRIPLES, NQUADS: ox.RdfFormat.N_QUADS}


class Mismatch(Exception):
    pass


def _term(t: dict) -> tuple:
    kind = t.get("type")
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", t["value"])
    if kind in ("literal", "typed-literal"):
        dt = t.get("datatype")
        if dt in (XSD_STRING, RDF_LANGSTRING):
            dt = None
        return ("literal", t["value"], (t.get("xml:lang") or "").lower() or None, dt)
    if kind == "triple":
        v = t["value"]
        return ("triple", _term(v["subject"]), _term(v["predicate"]), _term(v["object"]))
    return (kind, t.get("value"))


_GROUP_CONCAT = re.compile(r'GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?(?:;\s*separator\s*=\s*"((?:[^"\\]|\\.)*)")?\s*\)'
                           r'\s+AS\s+\?(\w+)', re.IGNORECASE)


def concat_vars(query: str) -> dict[str, str]:
    """Variables bound by GROUP_CONCAT, with their separators: their order is not defined by SPARQL."""
    return {m.group(2): (m.group(1) if m.group(1) is not None else " ") for m in _GROUP_CONCAT.finditer(query)}


def rows(doc: dict, concat: dict[str, str] | None = None) -> Counter:
    if "boolean" in doc:
        return Counter([("boolean", doc["boolean"])])
    concat = concat or {}

    def term(var: str, value: dict) -> tuple:
        t = _term(value)
        if var in concat and t[0] == "literal":
            t = (t[0], concat[var].join(sorted(t[1].split(concat[var]))), *t[2:])
        return t

    return Counter(frozenset((k, term(k, v)) for k, v in b.items()) for b in doc["results"]["bindings"])


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
normalised: set[str] = set()     # numeric literals whose lexical forms differed (reported as a note)


def _plain(term) -> str:
    """A term as text; blank nodes all alike; numbers by value (Oxigraph's store keeps a numeric
    literal's value, not its lexical form: 100000000000.0 comes back as 100000000000)."""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        try:
            value = Decimal(term.value)
        except InvalidOperation:
            return str(term)
        canonical = format(value.normalize(), "f") if value == value.to_integral_value() or "e" not in \
            term.value.lower() else str(value.normalize())
        if canonical != term.value:
            normalised.add(term.value)
        return f"{canonical}^^<{term.datatype.value}>"
    return str(term)


def graph_terms(body: bytes, media: str) -> Counter:
    fmt = FORMATS[media.split(";")[0].strip()]
    out = Counter()
    for q in ox.parse(body, format=fmt):
        out[(_plain(q.subject), _plain(q.predicate), _plain(q.object), _plain(q.graph_name))] += 1
    return out


def _get(url: str, accept: str) -> requests.Response:
    r = requests.get(url, headers={"Accept": accept}, timeout=60)
    if r.status_code != 200:
        raise Mismatch(f"GET {unquote(url)[:300]} answered {r.status_code}: {r.text[:300]}")
    return r


def _diff(a: Counter, b: Counter, what: str) -> str:
    only_a, only_b = a - b, b - a
    lines = [f"{what}: issgraph {sum(a.values())} vs Oxigraph {sum(b.values())}"]
    for label, extra in (("only issgraph", only_a), ("only Oxigraph", only_b)):
        for row in list(extra)[:5]:
            lines.append(f"  {label}: {sorted(row) if isinstance(row, frozenset) else row}")
    return "\n".join(lines)


def check_item(item: Item, isg, oxi) -> list[str]:
    """Raise Mismatch when the answers differ; return notes on tolerated differences."""
    notes: list[str] = []
    if item.kind in ("query", "describe", "construct"):
        for form, text in item.samples:
            accept = JSON if form in ("SELECT", "ASK") else NTRIPLES
            a = _get(f"{isg.query_url}?query={quote(text, safe='')}", accept)
            b = _get(f"{oxi.query_url}?query={quote(text, safe='')}", accept)
            if accept == JSON:
                concat = concat_vars(text)
                ra, rb = rows(a.json(), concat), rows(b.json(), concat)
                va, vb = set(a.json().get("head", {}).get("vars", [])), set(b.json().get("head", {}).get("vars", []))
                if va != vb:
                    raise Mismatch(f"{item.name}: variables differ: {sorted(va)} vs {sorted(vb)}")
            else:
                ra, rb = graph_terms(a.content, accept), graph_terms(b.content, accept)
            if ra != rb:
                raise Mismatch(f"{item.name}: answers differ\n{_diff(ra, rb, 'rows')}\nquery:\n{text}")
    elif item.kind == "resource":
        (accept, path), (oaccept, opath) = item.issgraph[0], item.oxigraph[0]
        a = graph_terms(_get(isg.base_url + path, accept).content, accept)
        b = graph_terms(_get(oxi.base_url + opath, oaccept).content, oaccept)
        missing = b - a
        if missing:
            raise Mismatch(f"{item.name}: Oxigraph's DESCRIBE has triples issgraph's document lacks\n"
                           f"{_diff(a, b, 'triples')}")
        notes.append(f"{item.name}: issgraph's document has {sum(a.values())} triples (outgoing, incoming, labels "
                     f"of linked resources, provenance); Oxigraph's DESCRIBE {sum(b.values())}, all among them")
    elif item.kind == "dump":
        (accept, path), (oaccept, opath) = item.issgraph[0], item.oxigraph[0]
        a = graph_terms(_get(isg.base_url + path, accept).content, accept)
        b = graph_terms(_get(oxi.base_url + opath, oaccept).content, oaccept)
        if accept == NQUADS:
            named = Counter({k: v for k, v in b.items() if k[3] != "DEFAULT"})
            if set(named) != set(a):
                raise Mismatch(f"{item.name}: the named graphs differ\n{_diff(a, named, 'quads')}")
            notes.append(f"{item.name}: issgraph's N-Quads dump holds the 3 named graphs ({sum(a.values())} quads); "
                         f"Oxigraph's GET /store also the default graph ({sum(b.values())} quads)")
        elif set(a) != set(b) or sum(a.values()) != sum(b.values()):
            raise Mismatch(f"{item.name}: the default graphs differ\n{_diff(a, b, 'triples')}")
    return notes


def check_all(items: list[Item], isg, oxi, label: str) -> list[str]:
    notes: list[str] = []
    for item in items:
        try:
            notes += check_item(item, isg, oxi)
        except Mismatch as err:
            raise SystemExit(f"bench: issgraph and Oxigraph disagree ({label} workload), so timing them would "
                             f"compare different work. Stopping.\n{err}") from None
    log(f"answers agree on all {len(items)} {label} items")
    if normalised:
        note = (f"numeric literals compared by value: Oxigraph's store keeps values, not lexical forms, so its "
                f"dumps write e.g. {sorted(normalised)[0]} in canonical form while issgraph's dumps keep the "
                f"source's lexical form")
        if note not in notes:
            notes.append(note)
    return notes
