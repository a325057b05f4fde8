"""The requests the benchmark sends: the same work asked of both servers, in each one's own API.

Repeated workload (the same request again and again):
  - every example query of queries/ (GET /sparql?query=… | GET /query?query=…, JSON results);
  - resource descriptions: issgraph GET /resource/X (Turtle) | Oxigraph `DESCRIBE <X>`;
  - dumps: issgraph GET /dumps/issgraph.{ttl,nt,nq} | Oxigraph GET /store (?default for the
    triple formats, the whole dataset for N-Quads).

Distinct workload (every request a query text never sent before, so no cache can answer):
  - every example query shape, each request with a different resource IRI (one of the same
    rdf:type), the language of its LANG() filters flipped or not, a FILTER against a different
    label of the graph, and a LIMIT that is unique to the request (appended by the wrk script);
  - resource descriptions as `DESCRIBE <X> LIMIT n` over every resource of the graph (both servers
    through SPARQL, since issgraph's /resource/X pages are a finite set);
  - a dump-shaped `CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT n`;
  - the cheapest requests: a one-row label lookup and an `ASK` on each resource of the graph.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from common import BASE, DATA, ONTOLOGY, QUERIES

JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"
RES = BASE + "resource/"
UNIQUE_TAIL = "\nLIMIT "          # the wrk script appends a number distinct for every request

RESOURCES = ("International_Space_Station", "Dragon", "Passage_P3")
DUMPS = (  # (issgraph file, Oxigraph path, media type)
    ("issgraph.ttl", "/store?default", TURTLE),
    ("issgraph.nt", "/store?default", NTRIPLES),
    ("issgraph.nq", "/store", NQUADS),
)


@dataclass
class Item:
    """One line of a results table: what to send to each server."""

    name: str
    kind: str                                   # query | resource | dump | describe | construct | cheap
    issgraph: list[tuple[str, str]]             # (Accept, path) lines
    oxigraph: list[tuple[str, str]]
    unique: bool = False                        # True: the wrk script appends a unique LIMIT
    samples: list[tuple[str, str]] = field(default_factory=list)   # (form, full query) to check answers
    note: str = ""


def example_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))}


def _q(text: str) -> str:
    return quote(text, safe="")


# --- repeated ------------------------------------------------------------------------------------


def repeated() -> list[Item]:
    items = []
    for name, text in example_queries().items():
        items.append(Item(name, "query", [(JSON, "/sparql?query=" + _q(text))],
                          [(JSON, "/query?query=" + _q(text))], samples=[("SELECT", text)]))
    for res in RESOURCES:
        describe = f"DESCRIBE <{RES}{res}>"
        items.append(Item(f"resource {res}", "resource", [(TURTLE, f"/resource/{res}")],
                          [(TURTLE, "/query?query=" + _q(describe))], samples=[("DESCRIBE", describe)],
                          note="issgraph: /resource/X (Turtle); Oxigraph: DESCRIBE <X> (Turtle)"))
    for filename, store_path, media in DUMPS:
        items.append(Item(f"dump {filename}", "dump", [(media, f"/dumps/{filename}")], [(media, store_path)],
                          note=f"Oxigraph: GET {store_path}"))
    return items


# --- distinct ------------------------------------------------------------------------------------


class GraphFacts:
    """What the variants draw on: resources by type, labels, subjects (from data ∪ ontology)."""

    def __init__(self):
        store = ox.Store()
        for path in (DATA, ONTOLOGY):
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        self.by_type: dict[str, list[str]] = {}
        self.types_of: dict[str, list[str]] = {}
        for row in store.query(f"SELECT ?x ?t WHERE {{ ?x a ?t FILTER(STRSTARTS(STR(?x), \"{RES}\")) }} "
                               "ORDER BY ?t ?x"):
            x, t = row[0].value[len(RES):], row[1].value
            self.by_type.setdefault(t, []).append(x)
            self.types_of.setdefault(x, []).append(t)
        self.labels = sorted({row[0].value for row in store.query(
            "SELECT ?l WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l }")})
        self.subjects = sorted({row[0].value for row in store.query(
            f"SELECT DISTINCT ?x WHERE {{ ?x ?p ?o FILTER(STRSTARTS(STR(?x), \"{RES}\")) }}")})

    def alternatives(self, resource: str) -> list[str]:
        """Resources sharing an rdf:type with `resource` (itself included)."""
        same = {resource}
        for t in self.types_of.get(resource, ()):
            same.update(self.by_type.get(t, ()))
        return sorted(same)


_RES_NAME = re.compile(r"\bres:([A-Za-z0-9_\-]+)")
_LANG_EQ = re.compile(r'(LANG\(\?\w+\)\s*=\s*)"(en|fa)"')
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_VAR = re.compile(r"\?(\w+)")


def _escape(literal: str) -> str:
    return literal.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _where_end(text: str) -> int | None:
    """Offset of the closing brace of the outermost WHERE group."""
    m = _WHERE.search(text)
    if not m:
        return None
    depth, i = 0, m.end() - 1
    in_string = None
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == in_string:
                in_string = None
        elif c in "\"'":
            in_string = c
        elif c == "#":
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def query_variants(text: str, facts: GraphFacts, count: int, rng: random.Random) -> list[str]:
    """`count` texts of the query's shape, each with other IRIs/languages/label (without the LIMIT)."""
    body = _strip_comments(text)
    end = _where_end(body)
    filter_var = None
    if end is not None:
        m = _VAR.search(body, _WHERE.search(body).end())
        filter_var = m.group(1) if m else None
    names = sorted(set(_RES_NAME.findall(body.split("SELECT", 1)[-1])))
    choices = {n: facts.alternatives(n) for n in names}
    out, seen = [], set()
    attempts = 0
    while len(out) < count and attempts < count * 20:
        attempts += 1
        variant = body
        pick = {n: rng.choice(alts) for n, alts in choices.items()}
        if pick:
            variant = _RES_NAME.sub(lambda m: "res:" + pick.get(m.group(1), m.group(1)), variant)
        if rng.random() < 0.5:
            variant = _LANG_EQ.sub(lambda m: m.group(1) + ('"fa"' if m.group(2) == "en" else '"en"'), variant)
        if filter_var is not None:
            cut = _where_end(variant)
            label = _escape(rng.choice(facts.labels))
            variant = variant[:cut] + f'  FILTER(STR(?{filter_var}) != "{label}")\n' + variant[cut:]
        if variant not in seen:
            seen.add(variant)
            out.append(variant.rstrip())
    return out


def distinct(facts: GraphFacts, variants_per_shape: int = 200, seed: int = 20261124) -> list[Item]:
    rng = random.Random(seed)
    items = []
    for name, text in example_queries().items():
        texts = query_variants(text, facts, variants_per_shape, rng)
        items.append(Item(name, "query",
                          [(JSON, "/sparql?query=" + _q(t + UNIQUE_TAIL)) for t in texts],
                          [(JSON, "/query?query=" + _q(t + UNIQUE_TAIL)) for t in texts],
                          unique=True, samples=[("SELECT", t + UNIQUE_TAIL + str(1000 + i))
                                                for i, t in enumerate(rng.sample(texts, min(3, len(texts))))],
                          note=f"{len(texts)} variants"))
    # The cheapest requests there are, as a crawler or a federating engine sends them: one row or
    # one boolean about one resource, evaluation almost free (issue #16's 0.8x goal is on these).
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    for name, texts, form in (
            ("lookup <X> label", [f'SELECT ?l WHERE {{ <{iri}> {label} ?l FILTER(LANG(?l) = "en") }}'
                                  for iri in facts.subjects], "SELECT"),
            ("ask <X>", [f"ASK {{ <{iri}> ?p ?o }}" for iri in facts.subjects], "ASK")):
        items.append(Item(name, "cheap",
                          [(JSON, "/sparql?query=" + _q(t + UNIQUE_TAIL)) for t in texts],
                          [(JSON, "/query?query=" + _q(t + UNIQUE_TAIL)) for t in texts],
                          unique=True, samples=[(form, t + UNIQUE_TAIL + str(1000 + i))
                                                for i, t in enumerate(rng.sample(texts, 3))],
                          note=f"{len(texts)} resources; one row or one boolean"))
    describes = [f"DESCRIBE <{iri}>" for iri in facts.subjects]
    items.append(Item("describe <X>", "describe",
                      [(TURTLE, "/sparql?query=" + _q(t + UNIQUE_TAIL)) for t in describes],
                      [(TURTLE, "/query?query=" + _q(t + UNIQUE_TAIL)) for t in describes],
                      unique=True, samples=[("DESCRIBE", t + UNIQUE_TAIL + str(1000 + i))
                                            for i, t in enumerate(rng.sample(describes, 3))],
                      note=f"{len(describes)} resources; both servers through SPARQL"))
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    items.append(Item("construct all", "construct",
                      [(NTRIPLES, "/sparql?query=" + _q(construct + UNIQUE_TAIL))],
                      [(NTRIPLES, "/query?query=" + _q(construct + UNIQUE_TAIL))],
                      unique=True, samples=[("CONSTRUCT", construct + UNIQUE_TAIL + "100000")],
                      note="the default graph, N-Triples"))
    return items
