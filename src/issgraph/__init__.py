"""issgraph: a linked-data knowledge graph of the International Space Station."""

__version__ = "0.1.0"
