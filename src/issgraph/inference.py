"""The inferred graph: what the data and the ontology entail, and the computed forms of dates.

Computed at load time from the data and ontology triples, never edited by hand, and the same
bytes for the same sources (`inferred_ntriples`). It is served as its own named graph and is
part of the default graph, so `?x a iss:Event` or `?d < ?e` on two dates need no reasoner:

- RDFS entailments, chosen because they are safe: rdfs:subClassOf and rdfs:subPropertyOf
  (transitively), plus one OWL rule that cannot give a wrong type either: the members of a class
  defined as a union (`owl:equivalentClass [ owl:unionOf (A B) ]`) are its subclasses.
  rdfs:domain and rdfs:range are NOT applied: a domain such as prov:Entity or a union would type
  a node with a class the data never meant for it. Nor is owl:inverseOf: the data states both
  directions where it means both, each with its passage.
- For every dated value (iss:date, iss:inServiceSince, iss:retiredIn, iss:expectedAfter, kept at
  the source's precision), an OWL-Time interval (time:Interval, time:hasBeginning / time:hasEnd,
  time:Instant, time:inXSDDate) with its first and last day as xsd:date, and the same span in the
  Solar Hijri calendar computed with jdatetime: its first and last day (iss:SolarHijriDate), and
  the year, month and day as xsd:integer wherever the span lies within one of them. For iss:date
  the same values are also put on the dated thing itself (iss:firstDay, iss:solarHijriYear, ...),
  which is the one idiom the README documents.

Written by hand because no RDFS reasoner on PyPI (owlrl, rdflib's) restricts itself to these
rules: owlrl's RDFS semantics applies domain and range and adds axiomatic triples by the hundred.
"""
from __future__ import annotations

import calendar
import functools
from datetime import date
from typing import Iterable

import jdatetime
import pyoxigraph as ox

from .namespaces import OWL, RDF, RDFS, TIME, XSD

RDF_TYPE = ox.NamedNode(RDF + "type")
SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
SUBPROPERTY = ox.NamedNode(RDFS + "subPropertyOf")
EQUIVALENT_CLASS = ox.NamedNode(OWL + "equivalentClass")
UNION_OF = ox.NamedNode(OWL + "unionOf")
FIRST, REST, NIL = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest"), ox.NamedNode(RDF + "nil")
XSD_DATE, XSD_INTEGER, XSD_BOOLEAN = (ox.NamedNode(XSD + n) for n in ("date", "integer", "boolean"))
TIME_INTERVAL, TIME_INSTANT, TIME_BEGINNING, TIME_END, TIME_XSD_DATE = (
    ox.NamedNode(TIME + n) for n in ("Interval", "Instant", "hasBeginning", "hasEnd", "inXSDDate"))
PRECISIONS = {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}

# The dated properties, and the property naming each one's interval.
DATED = {"date": "dateInterval", "inServiceSince": "inServiceSinceInterval",
         "retiredIn": "retiredInInterval", "expectedAfter": "expectedAfterInterval"}


def span(value: ox.Literal) -> tuple[date, date] | None:
    """The first and last day of an xsd:date, xsd:gYearMonth or xsd:gYear literal (None for others)."""
    precision = PRECISIONS.get(value.datatype.value)
    text = value.value
    try:
        if precision == "day":
            day = date.fromisoformat(text)
            return day, day
        if precision == "month":
            y, m = int(text[:4]), int(text[5:7])
            return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        if precision == "year":
            y = int(text[:4])
            return date(y, 1, 1), date(y, 12, 31)
    except ValueError:
        return None      # an ill-formed literal: the shapes report it
    return None


def solar_hijri(day: date) -> jdatetime.date:
    """The same day in the Solar Hijri calendar."""
    return jdatetime.date.fromgregorian(date=day)


def _sh_literal(d: jdatetime.date, ns: str) -> ox.Literal:
    return ox.Literal(f"{d.year:04d}-{d.month:02d}-{d.day:02d}", datatype=ox.NamedNode(ns + "SolarHijriDate"))


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def _list(head, rest_of: dict, first_of: dict) -> list:
    """The members of an RDF list."""
    out, seen = [], set()
    while head != NIL and head in first_of and head not in seen:
        seen.add(head)
        out.append(first_of[head])
        head = rest_of.get(head, NIL)
    return out


def _closure(pairs: Iterable[tuple]) -> dict:
    """Each node's strict ancestors under a relation given as (child, parent) pairs."""
    parents: dict = {}
    for child, parent in pairs:
        if child != parent:
            parents.setdefault(child, set()).add(parent)
    out: dict = {}
    for start in parents:
        seen, stack = set(), list(parents[start])
        while stack:
            node = stack.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            stack.extend(parents.get(node, ()))
        out[start] = seen
    return out


class Triples:
    """Triples held in a list, answering what `infer` asks of the data: the triples with a predicate,
    the members of a class, and whether a triple is there (a `StoredGraph` answers the same from a store)."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self._by_predicate: dict = {}
        for t in triples:
            self._by_predicate.setdefault(t.predicate, []).append(t)
        self._members: dict | None = None
        self._all: set | None = None

    def with_predicate(self, predicate: ox.NamedNode) -> Iterable[ox.Triple]:
        return self._by_predicate.get(predicate, ())

    def with_type(self, cls) -> Iterable[ox.Triple]:
        if self._members is None:
            self._members = {}
            for t in self._by_predicate.get(RDF_TYPE, ()):
                self._members.setdefault(t.object, []).append(t)
        return self._members.get(cls, ())

    def __contains__(self, triple: ox.Triple) -> bool:
        if self._all is None:
            self._all = {t for ts in self._by_predicate.values() for t in ts}
        return triple in self._all


class StoredGraph:
    """One named graph of a store, answering what `infer` asks (see `Triples`) with the store's
    indexes: at a million triples the inference then reads only the triples it uses, not all."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode):
        self.store, self.graph = store, graph

    def with_predicate(self, predicate: ox.NamedNode) -> Iterable[ox.Triple]:
        return (q.triple for q in self.store.quads_for_pattern(None, predicate, None, self.graph))

    def with_type(self, cls) -> Iterable[ox.Triple]:
        return (q.triple for q in self.store.quads_for_pattern(None, RDF_TYPE, cls, self.graph))

    def __contains__(self, triple: ox.Triple) -> bool:
        return ox.Quad(triple.subject, triple.predicate, triple.object, self.graph) in self.store


def date_forms(data, ns: str) -> list[ox.Triple]:
    """The interval, first/last day and Solar Hijri forms of every dated value of the data (a
    `Triples` or a `StoredGraph`)."""
    stated_sh = {t.subject: t.object.value for t in data.with_predicate(ox.NamedNode(ns + "solarHijriDate"))
                 if isinstance(t.object, ox.Literal)}
    dated = sorted(((t.subject, t.predicate, t.object) for local in DATED
                    for t in data.with_predicate(ox.NamedNode(ns + local))
                    if isinstance(t.object, ox.Literal)), key=lambda x: (str(x[0]), str(x[1]), str(x[2])))
    n = functools.cache(lambda local: ox.NamedNode(ns + local))     # made once each, not per value
    out: list[ox.Triple] = []
    for i, (subject, prop, value) in enumerate(dated, 1):
        found = span(value)
        if found is None:
            continue
        first, last = found
        sh_first, sh_last = solar_hijri(first), solar_hijri(last)
        interval, begin, end = ox.BlankNode(f"i{i}"), ox.BlankNode(f"i{i}b"), ox.BlankNode(f"i{i}e")
        out += [ox.Triple(subject, n(DATED[prop.value[len(ns):]]), interval),
                ox.Triple(interval, RDF_TYPE, TIME_INTERVAL),
                ox.Triple(interval, TIME_BEGINNING, begin),
                ox.Triple(interval, TIME_END, end)]
        for instant, day in ((begin, first), (end, last)):
            out += [ox.Triple(instant, RDF_TYPE, TIME_INSTANT),
                    ox.Triple(instant, TIME_XSD_DATE, ox.Literal(day.isoformat(), datatype=XSD_DATE))]
        values = [(n("firstDay"), ox.Literal(first.isoformat(), datatype=XSD_DATE)),
                  (n("lastDay"), ox.Literal(last.isoformat(), datatype=XSD_DATE)),
                  (n("solarHijriFirstDay"), _sh_literal(sh_first, ns)),
                  (n("solarHijriLastDay"), _sh_literal(sh_last, ns))]
        if sh_first.year == sh_last.year:
            values.append((n("solarHijriYear"), _int(sh_first.year)))
            if sh_first.month == sh_last.month:
                values.append((n("solarHijriMonth"), _int(sh_first.month)))
                if sh_first.day == sh_last.day:
                    values.append((n("solarHijriDay"), _int(sh_first.day)))
        stated = prop == n("date") and first == last and stated_sh.get(subject) == _sh_literal(sh_first, ns).value
        values.append((n("solarHijriComputed"), ox.Literal("false" if stated else "true", datatype=XSD_BOOLEAN)))
        out += [ox.Triple(interval, p, o) for p, o in values]
        if prop == n("date"):            # the one idiom: the dated thing carries them too
            out += [ox.Triple(subject, p, o) for p, o in values]
    return out


def entailments(data, ontology: list[ox.Triple], computed: list[ox.Triple] = ()) -> set[ox.Triple]:
    """Subclass and subproperty closure (with union membership) of the data (a `Triples` or a
    `StoredGraph`) and the triples `computed` beside it, under `ontology`: the closed hierarchy,
    `computed`, and every triple they entail (some of which the data may assert already)."""
    first_of = {t.subject: t.object for t in ontology if t.predicate == FIRST}
    rest_of = {t.subject: t.object for t in ontology if t.predicate == REST}
    unions = {t.subject: _list(t.object, rest_of, first_of) for t in ontology if t.predicate == UNION_OF}
    sub_pairs = [(t.subject, t.object) for t in ontology
                 if t.predicate == SUBCLASS and isinstance(t.object, ox.NamedNode) and isinstance(t.subject, ox.NamedNode)]
    for t in ontology:
        if t.predicate == EQUIVALENT_CLASS and isinstance(t.subject, ox.NamedNode) and t.object in unions:
            sub_pairs += [(member, t.subject) for member in unions[t.object] if isinstance(member, ox.NamedNode)]
    supers = _closure(sub_pairs)
    superprops = _closure((t.subject, t.object) for t in ontology
                          if t.predicate == SUBPROPERTY and isinstance(t.object, ox.NamedNode))
    out: set[ox.Triple] = set(computed)
    for cls, parents in supers.items():                     # the class hierarchy itself, closed
        out.update(ox.Triple(cls, SUBCLASS, p) for p in parents)
    for prop, parents in superprops.items():
        out.update(ox.Triple(prop, SUBPROPERTY, p) for p in parents)
    computed_by_predicate: dict = {}
    for t in computed:
        computed_by_predicate.setdefault(t.predicate, []).append(t)
    derived: list[ox.Triple] = []                           # properties: every super-property
    for prop, parents in superprops.items():
        for t in (*data.with_predicate(prop), *computed_by_predicate.get(prop, ())):
            derived += [ox.Triple(t.subject, q, t.object) for q in parents]
    out.update(derived)
    for cls, parents in supers.items():                     # types: every superclass of every type
        for t in data.with_type(cls):
            out.update(ox.Triple(t.subject, RDF_TYPE, c) for c in parents)
    for t in (*computed, *derived):
        if t.predicate == RDF_TYPE and t.object in supers:
            out.update(ox.Triple(t.subject, RDF_TYPE, c) for c in supers[t.object])
    return out


def triple_order(t: ox.Triple) -> tuple[str, str, str]:
    """The order the inferred graph is kept in: by subject, predicate and object as N-Triples."""
    return str(t.subject), str(t.predicate), str(t.object)


def inferred(data, ontology: list[ox.Triple], base_iri: str) -> set[ox.Triple]:
    """The inferred graph, unordered: entailments and date forms of the data (a `Triples` or a
    `StoredGraph`) that neither the data nor the ontology asserts."""
    forms = date_forms(data, base_iri + "ontology#")
    asserted = set(ontology)
    # The intervals and instants are new blank nodes: nothing stated about them needs looking up.
    # (Only they: a dated thing may be one of the data's own blank nodes.)
    fresh = {t.subject for t in forms if t.predicate == RDF_TYPE and t.object in (TIME_INTERVAL, TIME_INSTANT)}
    return {t for t in entailments(data, ontology, forms)
            if t.subject in fresh or (t not in asserted and t not in data)}


def infer(data: list[ox.Triple], ontology: list[ox.Triple], base_iri: str) -> list[ox.Triple]:
    """The inferred graph: entailments and date forms not already asserted, sorted (stable bytes)."""
    return sorted(inferred(Triples(data), ontology, base_iri), key=triple_order)


def inferred_ntriples(data: list[ox.Triple], ontology: list[ox.Triple], base_iri: str) -> bytes:
    """The inferred graph as sorted N-Triples, the same bytes for the same sources."""
    return "".join(f"{t.subject} {t.predicate} {t.object} .\n"
                   for t in infer(data, ontology, base_iri)).encode("utf-8")
