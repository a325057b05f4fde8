"""Why an answer is empty, when the query names a term of this graph that does not exist.

`SELECT ?m WHERE { ?m a iss:Module }` is valid SPARQL and its answer is rightly empty: the
ontology has `iss:ModuleContribution`, not `iss:Module`. Nothing in the answer says so. When an
answer is empty, each IRI the query names in the graph's own two namespaces (the ontology's and
the resources') or in a vocabulary the data reuses (schema.org, PROV, Dublin Core, SKOS, OWL-Time,
DBpedia's ontology) is looked up in the store — as subject, predicate, object, in the graphs a
query reads by default (data, ontology, inferred: a term only the shapes name is named too) — and
those found nowhere are named with the closest terms that exist: a resource whose label or
alternative label the name spells (`res:ISS`, `res:Soyuz_spacecraft`), then the closest spellings.
An IRI of a hinted namespace written with the other scheme or the other separator
(`http://schema.org/name`, `…/ontology/Launch` for `…/ontology#Launch`) is named with its twin, whole. The query
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

from .text import fold
from .guard import _BLANK, _BNODE, _IRIREF, _PN_LOCAL, _PN_PREFIX, _STRING, _UCHAR, _VAR, _codepoint
from .namespaces import RDF, RDFS, SKOS

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
_LABELS = (_LABEL, ox.NamedNode(SKOS + "altLabel"))
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

    def __init__(self, store: Callable[[], ox.Store], namespaces: dict[str, str], graphs: tuple[str, ...] = ()):
        """`namespaces`: prefix -> namespace whose terms are looked up (HINTED_PREFIXES': the graph's
        own two and the vocabularies its data reuses); `graphs`: the named graphs a term must be in
        (those of the default graph; none given: any graph)."""
        self._store = store
        self.namespaces = namespaces
        self.graphs = tuple(ox.NamedNode(g) for g in graphs) or (None,)
        self._known: dict[str, list[str]] | None = None     # namespace -> its local names, on first need
        self._labelled: dict[str, dict[str, list[str]]] = {}   # namespace -> folded label -> local names
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
                twin = next((t for t in self._twins(iri) if self._exists(store, t)), None)
                if twin is not None and not self._exists(store, iri):
                    out.append((f"<{iri}>", [f"<{twin}>"]))
            elif not self._exists(store, iri):
                local = iri[len(namespace):]
                close = list(dict.fromkeys(self._by_label(store, local, namespace)
                                           + suggestions(local, self._locals(store, namespace))))
                out.append((f"{prefix}:{local}", [f"{prefix}:{name}" for name in close[:MAX_SUGGESTED]]))
            if len(out) == MAX_NAMED:
                break
        return out

    def _namespace_of(self, iri: str) -> tuple[str | None, str]:
        for prefix, namespace in self.namespaces.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return prefix, namespace
        return None, ""

    def _twins(self, iri: str) -> list[str]:
        """The IRIs of hinted namespaces `iri` may have been meant as: the other scheme (http/https),
        the other separator of a namespace ending in # or / (…/ontology/Launch for …/ontology#Launch),
        or both."""
        out = []
        for candidate in (iri, _other_scheme(iri)):
            if candidate != iri and self._namespace_of(candidate)[0] is not None:
                out.append(candidate)
            for namespace in self.namespaces.values():
                other = namespace[:-1] + ("/" if namespace.endswith("#") else "#")
                if namespace[-1] in "#/" and candidate.startswith(other) and len(candidate) > len(other):
                    out.append(namespace + candidate[len(other):])
        return out

    def _exists(self, store: ox.Store, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return any(next(iter(store.quads_for_pattern(*pattern, graph)), None) is not None
                   for graph in self.graphs
                   for pattern in ((node, None, None), (None, node, None), (None, None, node))) \
            or any(graph == node for graph in store.named_graphs())

    def _by_label(self, store: ox.Store, local: str, namespace: str) -> list[str]:
        """Names in `namespace` whose label or alternative label is what `local` spells (`ISS`), or
        begins it as whole words (`Soyuz_spacecraft`: the resource labelled Soyuz); longest label first."""
        self._locals(store, namespace)          # gathers the labels too, once
        labels = self._labelled.get(namespace, {})
        spelled = fold(local.replace("_", " "))
        if not spelled:
            return []
        exact = labels.get(spelled, [])
        words = spelled.split()
        starts = [name for n in range(len(words) - 1, 0, -1) for name in labels.get(" ".join(words[:n]), [])]
        return list(dict.fromkeys(exact + starts))

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

                labelled: dict[str, dict[str, set[str]]] = {ns: {} for ns in self.namespaces.values()}
                for predicate in _LABELS:
                    for quad in itertools.islice(store.quads_for_pattern(None, predicate, None, None), SCAN_QUADS):
                        add(quad.subject)
                        prefix, ns = self._namespace_of(quad.subject.value) if isinstance(quad.subject, ox.NamedNode) \
                            else (None, "")
                        if prefix is not None and isinstance(quad.object, ox.Literal):
                            labelled[ns].setdefault(fold(quad.object.value), set()).add(quad.subject.value[len(ns):])
                first = list(itertools.islice(store, SCAN_QUADS + 1))
                if len(first) <= SCAN_QUADS:
                    for quad in first:
                        add(quad.predicate)
                        if quad.predicate == _TYPE:
                            add(quad.object)
                self._known = {ns: sorted(names) if len(names) <= MAX_CANDIDATES else []
                               for ns, names in known.items()}
                self._labelled = {ns: {label: sorted(names) for label, names in by.items()}
                                  for ns, by in labelled.items()}
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
