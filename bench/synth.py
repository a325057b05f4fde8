"""Synthetic graphs of the same shape as data/iss.ttl, at any size.

The graph is data/iss.ttl copied k times. Copy 0 is the real data, unchanged (so the example
queries still find res:International_Space_Station, res:Dragon, …). In copy i > 0 every IRI under
the dataset's base (except the ontology's terms) gets the suffix `_c<i>`, every blank node is
fresh, and labels get " (<i>)" — so each copy is another station with its own modules, builders,
spacecraft, passages and labels, linked the same way, and the ontology classes are shared.
The last copy is cut so that the file holds exactly the requested number of triples.

    python bench/synth.py 100000 -o /tmp/iss-100k.ttl
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASE, DATA, OUT  # noqa: E402

VERSION = 1            # bump when the generator's output changes (invalidates cached files)
ONTOLOGY_NS = BASE + "ontology"
LABELS = {ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
          ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
          ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")}
PREFIXES = {
    "iss": BASE + "ontology#", "res": BASE + "resource/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#", "schema": "https://schema.org/",
    "owl": "http://www.w3.org/2002/07/owl#",
}


def base_triples() -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(DATA), format=ox.RdfFormat.TURTLE)]


def _copier(i: int):
    cache: dict = {}

    def node(term):
        hit = cache.get(term)
        if hit is not None:
            return hit
        if isinstance(term, ox.NamedNode):
            v = term.value
            out = ox.NamedNode(f"{v}_c{i}") if v.startswith(BASE) and not v.startswith(ONTOLOGY_NS) else term
        elif isinstance(term, ox.BlankNode):
            out = ox.BlankNode(f"c{i}x{term.value}")
        else:
            out = term
        cache[term] = out
        return out

    def triple(t: ox.Triple) -> ox.Triple:
        obj = t.object
        if isinstance(obj, ox.Literal):
            if t.predicate in LABELS:
                obj = ox.Literal(f"{obj.value} ({i})", language=obj.language) if obj.language else \
                    ox.Literal(f"{obj.value} ({i})", datatype=obj.datatype)
        else:
            obj = node(obj)
        return ox.Triple(node(t.subject), t.predicate, obj)

    return triple


def generate(triples: int, base: list[ox.Triple] | None = None):
    """Yield exactly `triples` triples of the graph (fewer only if `triples` < 1)."""
    base = base or base_triples()
    made = 0
    i = 0
    while made < triples:
        copy = base if i == 0 else map(_copier(i), base)
        for t in copy:
            if made >= triples:
                return
            yield t
            made += 1
        i += 1


def write(triples: int, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    ox.serialize(generate(triples), output=str(tmp), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    tmp.replace(path)
    return path


def cached(triples: int) -> Path:
    """The synthetic Turtle file of this size under bench/out/synth/, generated once."""
    path = OUT / "synth" / f"iss-synth-{triples}-v{VERSION}.ttl"
    if not path.exists():
        write(triples, path)
    return path


def label(triples: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1000)):
        if triples >= size and triples % size == 0:
            return f"{triples // size}{unit}"
    return str(triples)


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("triples", help="how many triples, e.g. 10000, 100k, 1M")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    n = parse_size(args.triples)
    start = time.perf_counter()
    write(n, args.output)
    print(f"wrote {n} triples to {args.output} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
