"""Validate the data against the SHACL shapes with pyshacl, and report it as people read it.

A result is cached by the hash of the exact source bytes, so an unchanged graph is not
validated again at every start.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from .dataset import Dataset
from .formats import Format
from .jsonld import build_context
from .results import write_graph
from .namespaces import SH, prefixes_for



@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str | None


@dataclass(frozen=True)
class Report:
    conforms: bool
    violations: tuple[Violation, ...]

    def grouped(self) -> dict[str, list[Violation]]:
        """Violations grouped by message, most frequent first."""
        groups: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            groups[v.message].append(v)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def to_text(self) -> str:
        if self.conforms:
            return "The graph conforms to its shapes."
        lines = [f"The graph does not conform: {len(self.violations)} violation(s)."]
        for message, items in self.grouped().items():
            lines.append(f"\n{message}  ({len(items)})")
            for v in sorted(items, key=lambda v: (v.focus, v.path or "")):
                detail = f"  - {v.focus}"
                if v.path:
                    detail += f"  path {v.path}"
                if v.value:
                    detail += f"  value {v.value}"
                lines.append(detail)
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms,
                           "violations": [asdict(v) for v in self.violations]},
                          ensure_ascii=False, indent=2)


def _n3(term, namespaces) -> str | None:
    return None if term is None else term.n3(namespaces)


def _run_pyshacl(dataset: Dataset):
    import pyshacl

    # The shapes check the data with what it entails and its computed forms (date intervals, Solar
    # Hijri numbers): the inferred graph is data too, and a wrong computed value must not pass.
    # The ontology is added to the data graph too: pyshacl's own mixing of ont_graph leaves out the
    # ontology's rdf:type triples of properties, which the SPARQL constraints read (iss:AuxiliaryProperty).
    data, ontology, shapes, inferred = dataset.rdflib_graphs()
    data += inferred
    data += ontology
    return pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs",
                            abort_on_first=False, allow_warnings=False, meta_shacl=False,
                            advanced=True)


def report_document(dataset: Dataset, fmt: Format) -> tuple[bool, bytes]:
    """Whether the graph conforms, and pyshacl's SHACL report in an RDF format, written like every
    graph issgraph sends (results.write_graph, the house's prefixes): one run of the shapes."""
    conforms, graph, _text = _run_pyshacl(dataset)
    lines = graph.serialize(format="nt", encoding="utf-8")
    # Grouped by subject, so that each result reads as one block.
    triples = sorted((q.triple for q in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)),
                     key=lambda t: (str(t.subject), str(t.predicate)))
    context = build_context(dataset) if fmt.rdf == ox.RdfFormat.JSON_LD else {}
    return bool(conforms), write_graph(triples, fmt, context, prefixes_for(dataset.config.base_iri))


def validate(dataset: Dataset) -> Report:
    """Run pyshacl (RDFS inference, the ontology as ontology graph) and read its report."""
    from rdflib import Namespace

    sh = Namespace(SH)
    conforms, graph, _text = _run_pyshacl(dataset)
    nm = graph.namespace_manager
    for prefix, iri in prefixes_for(dataset.config.base_iri).items():
        nm.bind(prefix, iri, override=True, replace=True)
    violations = []
    for result in graph.subjects(sh.resultSeverity, None):
        message = graph.value(result, sh.resultMessage)
        violations.append(Violation(
            focus=_n3(graph.value(result, sh.focusNode), nm),
            path=_n3(graph.value(result, sh.resultPath), nm),
            value=_n3(graph.value(result, sh.value), nm),
            message=str(message) if message is not None else "constraint violated",
            severity=str(graph.value(result, sh.resultSeverity)).rsplit("#", 1)[-1],
            shape=_n3(graph.value(result, sh.sourceShape), nm),
        ))
    violations.sort(key=lambda v: (v.message, v.focus, v.path or ""))
    return Report(bool(conforms), tuple(violations))


def _marker(source_hash: str, cache_dir: Path | None) -> Path | None:
    return Path(cache_dir) / f"valid-{source_hash}" if cache_dir else None


def known_valid(source_hash: str, cache_dir: Path | None) -> bool:
    """Whether sources with this hash were validated before and conformed."""
    marker = _marker(source_hash, cache_dir)
    return marker is not None and marker.exists()


def validate_cached(dataset: Dataset, cache_dir: Path | None) -> Report:
    """`validate`, remembering a conforming result by the sources' hash in cache_dir."""
    marker = _marker(dataset.source_hash, cache_dir)
    if known_valid(dataset.source_hash, cache_dir):
        return Report(True, ())
    report = validate(dataset)
    if marker is not None and report.conforms:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("conforms\n")
    return report
