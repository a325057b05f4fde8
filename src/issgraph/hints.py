"""Why an answer is empty, when the query names a term of this graph that does not exist.

`SELECT ?m WHERE { ?m a iss:Module }` is valid SPARQL and its answer is rightly empty: the
ontology has `iss:ModuleContribution`, not `iss:Module`. Nothing in the answer says so. When an
answer is empty, each IRI the query names in the graph's own two namespaces (the ontology's and
the resources') or in a vocabulary the data reuses (schema.org, PROV, Dublin Core, SKOS, OWL-Time,
DBpedia's ontology) is looked up in the store — three index lookups, as subject, predicate, object,
in any graph — and those found nowhere are named with the closest terms that exist. The query
service puts them in a `Warning: 199` header (RFC 9110's "miscellaneous warning"), the query page
shows them. Nothing is looked up for an answer with rows, nor for a store behind a remote endpoint.

The scanner follows the guard's terminals (strings, IRIs, comments and variables first, so a
colon in them is not a prefixed name); relative IRIs are skipped, as is any text it cannot read.
"""
from __future__ import annotations

import difflib
import itertools
import re
import threading
from typing import Callable
from urllib.parse import quote

import pyoxigraph as ox

from .guard import _BLANK, _BNODE, _IRIREF, _PN_LOCAL, _PN_PREFIX, _STRING, _UCHAR, _VAR, _codepoint
from .namespaces import RDF, RDFS

# The namespaces whose terms are looked up, by their names in namespaces.PREFIXES: the graph's own
# two and the vocabularies it reuses for its data. Not rdf:, rdfs:, owl:, xsd: (datatypes and
# modelling terms a query names without any triple holding them: xsd:date, rdf:langString).
HINTED_PREFIXES = ("iss", "res", "schema", "prov", "dcterms", "skos", "time", "dbo")
SCAN_QUADS = 50_000    # a store this small is read whole once for the used predicates and classes;
                       # labels are read up to this many too (once per process: ~0.1 s at the bound)
MAX_NAMED = 3          # unknown terms reported per answer
MAX_LOOKED_UP = 64     # IRIs of a query looked up at most (a 64 KiB query may name a thousand)
MAX_SUGGESTED = 2      # existing terms suggested for each
MAX_CANDIDATES = 20_000   # a namespace with more names gets no suggestions: comparing costs O(names),
                          # on the worker's event loop (the shipped graph has under a thousand)
_LABEL = ox.NamedNode(RDFS + "label")
_TYPE = ox.NamedNode(RDF + "type")

_TERMS = re.compile("|".join([
    _STRING, r"#[^\r\n]*", _VAR, _BNODE,
    f"(?ai:PREFIX){_BLANK}(?P<declared>(?>{_PN_PREFIX})?):{_BLANK}(?P<namespace>{_IRIREF})",
    f"(?P<iri>{_IRIREF})",
    f"(?P<prefix>(?>{_PN_PREFIX})?):(?P<local>(?>{_PN_LOCAL})?)",
]))
_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


def _unescaped_iri(iriref: str) -> str:
    """The IRI of an IRIREF token, its \\u and \\U escapes read as the guard reads them."""
    return _UCHAR.sub(_codepoint, iriref[1:-1])


def named_iris(text: str) -> list[str]:
    """The absolute IRIs a query names, in order, each once: written whole or as prefixed names
    whose prefix it declares."""
    declared: dict[str, str] = {}
    seen: dict[str, None] = {}
    for m in _TERMS.finditer(text):
        if m.group("declared") is not None:
            declared[m.group("declared")] = _unescaped_iri(m.group("namespace"))
        elif m.group("iri") is not None:
            seen.setdefault(_unescaped_iri(m.group("iri")), None)
        elif m.group("prefix") is not None and m.group("prefix") in declared:
            seen.setdefault(declared[m.group("prefix")] + _LOCAL_ESCAPE.sub(r"\1", m.group("local")), None)
    return [iri for iri in seen if ":" in iri]


class TermHints:
    """The unknown terms of a query, looked up in a store; `store()` gives the store of this process."""

    def __init__(self, store: Callable[[], ox.Store], namespaces: dict[str, str]):
        """`namespaces`: prefix -> namespace whose terms are looked up (HINTED_PREFIXES': the graph's
        own two and the vocabularies its data reuses)."""
        self._store = store
        self.namespaces = namespaces
        self._known: dict[str, list[str]] | None = None     # namespace -> its local names, on first need
        self._lock = threading.Lock()

    def unknown(self, text: str) -> list[tuple[str, list[str]]]:
        """(term, suggestions) for each IRI of the hinted namespaces that no triple of the store
        holds, in the query's order, at most MAX_NAMED; terms written prefixed (`iss:Module`). An
        IRI written with the other scheme of a hinted namespace (`http://schema.org/name` for the
        graph's `https://schema.org/`) is named too, with its twin when that one is used."""
        out = []
        store = self._store()
        for iri in named_iris(text)[:MAX_LOOKED_UP]:
            prefix, namespace = self._namespace_of(iri)
            if prefix is None:
                twin = _other_scheme(iri)
                twin_prefix, twin_namespace = self._namespace_of(twin)
                if twin_prefix is not None and self._exists(store, twin) and not self._exists(store, iri):
                    out.append((f"<{iri}>", [f"{twin_prefix}:{twin[len(twin_namespace):]}"]))
            elif not self._exists(store, iri):
                local = iri[len(namespace):]
                close = suggestions(local, self._locals(store, namespace))
                out.append((f"{prefix}:{local}", [f"{prefix}:{name}" for name in close]))
            if len(out) == MAX_NAMED:
                break
        return out

    def _namespace_of(self, iri: str) -> tuple[str | None, str]:
        for prefix, namespace in self.namespaces.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return prefix, namespace
        return None, ""

    @staticmethod
    def _exists(store: ox.Store, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return any(next(iter(store.quads_for_pattern(*pattern)), None) is not None
                   for pattern in ((node, None, None, None), (None, node, None, None), (None, None, node, None))) \
            or any(graph == node for graph in store.named_graphs())

    def _locals(self, store: ox.Store, namespace: str) -> list[str]:
        """The local names of `namespace` the graph uses, gathered once: labelled subjects (every
        term and resource has a label) and, in a store of at most SCAN_QUADS quads, every predicate
        and class. The candidates for a suggestion."""
        with self._lock:
            if self._known is None:
                known: dict[str, set[str]] = {ns: set() for ns in self.namespaces.values()}

                def add(term) -> None:
                    if isinstance(term, ox.NamedNode):
                        prefix, ns = self._namespace_of(term.value)
                        if prefix is not None:
                            known[ns].add(term.value[len(ns):])

                for quad in itertools.islice(store.quads_for_pattern(None, _LABEL, None, None), SCAN_QUADS):
                    add(quad.subject)
                first = list(itertools.islice(store, SCAN_QUADS + 1))
                if len(first) <= SCAN_QUADS:
                    for quad in first:
                        add(quad.predicate)
                        if quad.predicate == _TYPE:
                            add(quad.object)
                self._known = {ns: sorted(names) if len(names) <= MAX_CANDIDATES else []
                               for ns, names in known.items()}
            return self._known.get(namespace, [])


def _other_scheme(iri: str) -> str:
    """The IRI with http and https swapped (anything else as it is)."""
    if iri.startswith("https://"):
        return "http://" + iri[len("https://"):]
    if iri.startswith("http://"):
        return "https://" + iri[len("http://"):]
    return iri


def suggestions(local: str, names: list[str]) -> list[str]:
    """The existing names closest to `local`: difflib's closest spellings (`Rusia` -> `Russia`),
    then, for a name of four characters or more, those that begin with it or contain it whatever
    the case (`Module` -> `ModuleContribution`, `moduleCount`)."""
    close = difflib.get_close_matches(local, names, n=MAX_SUGGESTED, cutoff=0.6)
    containing = []
    if len(local) >= 4:
        folded = local.casefold()
        containing = sorted((n for n in names if folded in n.casefold() and n != local), key=lambda n: (
            not n.startswith(local), not n.casefold().startswith(folded), len(n), n))
    return list(dict.fromkeys(close + containing))[:MAX_SUGGESTED]


def warning_header(unknown: list[tuple[str, list[str]]]) -> str:
    """The Warning header's value naming the unknown terms (ASCII: other characters %-encoded)."""
    parts = []
    for term, close in unknown:
        text = f"{term} names nothing in this graph"
        if close:
            text += " (did you mean " + " or ".join(close) + "?)"
        parts.append('199 - "' + quote(text, safe=" :/#?&=@!$'()*+,;~<>-") + '"')
    return ", ".join(parts)
