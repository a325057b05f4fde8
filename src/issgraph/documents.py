"""Linked-data documents as bytes prepared once: descriptions, ontology, graphs, VoID, dumps.

A `Document` carries its bytes, media type and a strong ETag; `Documents` builds each at
most once per key (bounded in bytes) since the served data never changes while serving.
Every writer here gives the same bytes for the same triples, so every worker process
computes the same ETag for the same document.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Hashable

import pyoxigraph as ox

from .cache import ByteLRU
from .dataset import Dataset
from .formats import Format
from .jsonld import build_context
from .results import write_graph


@dataclass(frozen=True)
class Document:
    """Bytes ready to send: body, media type, strong ETag and status."""
    body: bytes
    content_type: str
    etag: str
    status: int = 200

    @classmethod
    def of(cls, body: bytes, content_type: str, status: int = 200) -> "Document":
        """A document whose strong ETag is a hash of its bytes."""
        return cls(body, content_type, hashlib.blake2b(body, digest_size=12).hexdigest(), status)


_NOT_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')


def not_found_bytes(iri: str, fmt: Format, context: dict) -> bytes:
    """An empty graph in the negotiated format that says, where the format allows, what was not found."""
    shown = _NOT_IRI.sub(lambda m: "%{:02X}".format(ord(m.group())), iri)    # one line, whatever was asked
    note = f"404 Not Found: the graph says nothing about <{shown}>."
    if fmt.line_comment:
        return f"{fmt.line_comment} {note}\n".encode("utf-8")
    if fmt.rdf == ox.RdfFormat.RDF_XML:
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<!-- {note.replace('--', '- -')} -->\n"
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n').encode("utf-8")
    return write_graph([], fmt, context)      # JSON-LD: the context and an empty @graph


class Documents:
    """Memoised document builders for one dataset."""

    def __init__(self, dataset: Dataset, prefixes: dict[str, str], capacity: int = 64 << 20,
                 context: dict | None = None):
        self.dataset = dataset
        self.prefixes = prefixes
        self.context = build_context(dataset) if context is None else context
        self._cache = ByteLRU(capacity)

    def get(self, key: Hashable, build: Callable[[], Document]) -> Document:
        """The document under `key`, built by `build` the first time only."""
        doc = self._cache.get(key)
        if doc is None:
            doc = build()
            self._cache.put(key, doc, len(doc.body))
        return doc

    def rdf(self, triples: list[ox.Triple], fmt: Format, status: int = 200) -> Document:
        """Triples in an RDF format; JSON-LD with keys as the context's words."""
        return Document.of(write_graph(triples, fmt, self.context, self.prefixes), fmt.content_type, status)

    def not_found(self, iri: str, fmt: Format) -> Document:
        """The 404 document for an IRI the graph says nothing about, in an RDF format."""
        return Document.of(not_found_bytes(iri, fmt, self.context), fmt.content_type, 404)
