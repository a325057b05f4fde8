"""The SPARQL 1.1 Protocol's request rules, as plain functions over a request's parts.

`parse_request` turns method, content type, query string and body into a `ProtocolQuery`
or raises `ProtocolError` with the status and message the spec calls for. No Flask here.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from urllib.parse import parse_qsl

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted here and the data is unchanged"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status, self.headers = status, headers or {}
        super().__init__(message)


@dataclass(frozen=True)
class ProtocolQuery:
    """A query request, or (query is None) a request for the service description/page."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()     # every parameter, for format/timeout and the like

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    def format_values(self) -> tuple[str, ...]:
        """Every value of the parameters clients name a format in, in order (see FORMAT_PARAMS)."""
        return tuple(v for k, v in self.params if k in FORMAT_PARAMS)


# Where clients name the answer's format by hand: issgraph's and Virtuoso's `format`, Jena's
# and SPARQLWrapper's `output`, Rasqal's `results` (SPARQLWrapper sends all three, some twice).
FORMAT_PARAMS = ("format", "output", "results")


MAX_FIELDS = 1000


def _unquote_plus(value: bytes) -> bytes:
    """Form decoding of one name or value: '+' is a space, %XX a byte (ValueError on a bad %XX).

    urllib's unquote works byte by byte in Python (~60 µs for a typical query); escape_decode
    does the same in C once each %XX is spelled \\xXX and every other backslash is doubled.
    """
    value = value.replace(b"+", b" ")
    if b"%" not in value:
        return value
    return codecs.escape_decode(value.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]


def _fast_pairs(raw: bytes) -> list[tuple[str, str]]:
    """parse_qsl(raw, keep_blank_values=True, strict UTF-8), in C where it counts; ValueError to fall back."""
    if raw.count(b"&") >= MAX_FIELDS:
        raise ValueError("too many fields")
    pairs = []
    for field in raw.split(b"&"):
        if field:
            name, _, value = field.partition(b"=")
            pairs.append((_unquote_plus(name).decode("utf-8"), _unquote_plus(value).decode("utf-8")))
    return pairs


def decode_pairs(raw: bytes, what: str) -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded pairs, strictly UTF-8 (else 400)."""
    try:
        return _fast_pairs(raw)
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {what} is not valid UTF-8") from None
    except ValueError:      # a malformed %XX (kept as it is, as urllib does) or too many fields
        pass
    try:
        return parse_qsl(raw.decode("ascii", errors="strict") if raw.isascii() else raw.decode("utf-8"),
                         keep_blank_values=True, encoding="utf-8", errors="strict",
                         max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {what} is not valid UTF-8") from None
    except ValueError as err:  # too many fields
        raise ProtocolError(400, f"the {what} cannot be read: {err}") from None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _charset_ok(content_type: str | None) -> bool:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8", "us-ascii"):
            return False
    return True


def parse_request(method: str, content_type: str | None, query_string: bytes, body: bytes) -> ProtocolQuery:
    """Apply the protocol's rules for query operations (section 2.1) and refuse updates."""
    if method not in ALLOWED_METHODS:
        raise ProtocolError(405, f"method {method} is not allowed here; use GET or POST",
                            {"Allow": ", ".join(ALLOWED_METHODS)})
    url_pairs = decode_pairs(query_string, "query string")
    body_pairs: list[tuple[str, str]] = []
    body_query: str | None = None
    if method == "POST":
        media = _media_type(content_type)
        if media == UPDATE_TYPE:
            raise ProtocolError(403, READ_ONLY)
        if media == FORM_TYPE:
            body_pairs = decode_pairs(body, "request body")
        elif media == QUERY_TYPE:
            if not _charset_ok(content_type):
                raise ProtocolError(415, "application/sparql-query bodies must be UTF-8")
            try:
                body_query = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "the query in the request body is not valid UTF-8") from None
        else:
            raise ProtocolError(415, f"unsupported Content-Type {media or '(none)'!r}: POST a query as "
                                     f"{FORM_TYPE} (query=...) or as {QUERY_TYPE}")
    pairs = url_pairs + body_pairs
    names = [k for k, _ in pairs]
    if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
        raise ProtocolError(403, READ_ONLY)
    queries = [v for k, v in pairs if k == "query"]
    if body_query is not None:
        if queries:
            raise ProtocolError(400, "a query was given both as the request body and as a 'query' parameter; send one")
        queries = [body_query]
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} 'query' parameters were given; send exactly one")
    if method == "POST" and not queries:
        raise ProtocolError(400, "missing 'query': POST a SPARQL query as the 'query' form field "
                                 f"or as an {QUERY_TYPE} body")
    return ProtocolQuery(
        query=queries[0] if queries else None,
        # Some forms send the dataset fields empty: an empty value names no graph.
        default_graph_uris=tuple(v for k, v in pairs if k == "default-graph-uri" and v.strip()),
        named_graph_uris=tuple(v for k, v in pairs if k == "named-graph-uri" and v.strip()),
        params=tuple(pairs),
    )
