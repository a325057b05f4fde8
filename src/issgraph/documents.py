"""Linked-data documents as bytes prepared once: descriptions, ontology, graphs, VoID, dumps.

A `Document` carries its bytes, media type and a strong ETag; `Documents` builds each at
most once per key (bounded in bytes) since the served data never changes while serving.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Hashable

import pyoxigraph as ox

from .cache import ByteLRU
from .dataset import Dataset
from .engine import write_graph
from .formats import Format
from .jsonld import build_context, to_jsonld


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    etag: str
    status: int = 200

    @classmethod
    def of(cls, body: bytes, content_type: str, status: int = 200) -> "Document":
        return cls(body, content_type, hashlib.blake2b(body, digest_size=12).hexdigest(), status)


class Documents:
    """Memoised document builders for one dataset."""

    def __init__(self, dataset: Dataset, prefixes: dict[str, str], capacity: int = 128 << 20):
        self.dataset = dataset
        self.prefixes = prefixes
        self.context = build_context(dataset)
        self._cache = ByteLRU(capacity)

    def get(self, key: Hashable, build: Callable[[], Document]) -> Document:
        doc = self._cache.get(key)
        if doc is None:
            doc = build()
            self._cache.put(key, doc, len(doc.body))
        return doc

    def rdf(self, triples: list[ox.Triple], fmt: Format, status: int = 200) -> Document:
        """Triples in an RDF format; JSON-LD compacted under the published context."""
        if fmt.name == "jsonld":
            body = to_jsonld(triples, self.context)
        else:
            body = write_graph(triples, fmt, self.prefixes)
        return Document.of(body, fmt.content_type, status)
