"""Which IRIs may become clickable links, and the security headers of every HTML page.

A query can return any IRI (`BIND(IRI("javascript:..."))`): only http and https IRIs are
links; every other scheme (urn:, mailto:, javascript:, data:, ...) is shown as text.
"""
from __future__ import annotations

import re

_WEB = re.compile(r"https?://", re.IGNORECASE)

# Every HTML page: scripts and styles from this host only, never inline; no framing; no referrer
# sent off-site with the query in it.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HTML_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)


def is_web_iri(iri: str) -> bool:
    """True for http: and https: IRIs, the only ones a page links to."""
    return bool(_WEB.match(iri))
