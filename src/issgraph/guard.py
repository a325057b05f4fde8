"""Pre-flight check of every SPARQL query string sent to the public endpoint, before any engine parses it:
it cheaply refuses what a read-only endpoint making no outgoing requests must never evaluate or crash on."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

__all__ = ["GuardedQuery", "Limits", "QueryRejected", "check_query", "undeclared_prefix"]


class QueryRejected(Exception):
    """A query refused before evaluation.

    .status is the HTTP status to answer (400, 403 for an update, or 413), .message a short English sentence for
    the client, .line/.column (1-based, may be None) where the problem starts.
    """

    def __init__(self, message, status=400, line=None, column=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.line = line
        self.column = column


@dataclass(frozen=True)
class GuardedQuery:
    """A query the guard let through, with what the endpoint needs to know about it."""

    text: str
    form: str                           # SELECT, CONSTRUCT, DESCRIBE or ASK
    from_graphs: tuple[str, ...]        # IRIs of the FROM clauses, expanded and resolved
    from_named_graphs: tuple[str, ...]  # IRIs of the FROM NAMED clauses, likewise
    sparql12: tuple[str, ...] = ()      # SPARQL 1.2 syntax the query uses (see SPARQL12_FEATURES)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 65536  # UTF-8 encoded size
    max_depth: int = 64     # nesting of ( { [ << brackets combined (SPARQL 1.2's reified triples nest too)


# Terminals of the SPARQL 1.1 grammar (section 19.8), as regular-expression fragments.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_PNAME = f"(?>{_PN_PREFIX})?:(?>{_PN_LOCAL})?"
_NAME = f"(?>{_PN_PREFIX})(?::(?>{_PN_LOCAL})?)?|:(?>{_PN_LOCAL})?"  # a bare word or a prefixed name
_IRIREF = r"""<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>"""
_STRING = (  # an unterminated long string runs to the end of the text, a short one to the end of its line
    r"'''(?:[^'\\]+|\\[\s\S]?|'(?!''))*+(?:'''|\Z)"
    r'|"""(?:[^"\\]+|\\[\s\S]?|"(?!""))*+(?:"""|\Z)'
    r"|'(?:[^'\\\r\n]+|\\[^\r\n]?)*+'?"
    r'|"(?:[^"\\\r\n]+|\\[^\r\n]?)*+"?'
)
_VAR = f"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f\u2040]*+"
_BNODE = f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_LANGTAG = r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*+"
_BLANK = r"(?:[ \t\r\n]+|#[^\r\n]*)*+"
_UPDATE_WORDS = "INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH"

# Oxigraph matches keywords by prefix, without a word boundary: "trueSERVICE<x>{}" or
# "SELECT *FROMex:g" contain a working SERVICE or FROM. So a name is worth a closer look
# when its word (or prefix, before ':') contains SERVICE or FROM, or when it is an update keyword.
_SUSPICIOUS = f"(?=[{_PN_CHARS}.]*?(?ai:service|from)|(?ai:{_UPDATE_WORDS})(?!\\.*[{_PN_CHARS}]|:))"
_SKIPPED = "|".join([
    r"[ \t\r\n]+", r"#[^\r\n]*", _STRING, _IRIREF, _VAR, _BNODE, _LANGTAG,
    f"(?=[{_PN_CHARS_BASE}:])(?!{_SUSPICIOUS})(?:{_NAME})",  # look ahead only where a name starts
    f"(?!<<|>>)[^ \\t\\r\\n()\\[\\]{{}};{_PN_CHARS_BASE}]",  # any other single character: operators, digits...
])
# Each match skips every token the checks can ignore, then stops on one they cannot.
_TOKEN = re.compile(
    f"(?:{_SKIPPED})*+"
    f"(?:(?P<name>{_NAME})|(?P<open>[(\\[{{]|<<)|(?P<close>[)\\]}}]|>>)|(?P<semicolon>;)|(?P<end>\\Z))"
)

_BLANK_RE = re.compile(_BLANK)
_PREFIX_DECL = re.compile(f"(?ai:PREFIX){_BLANK}((?>{_PN_PREFIX})?):{_BLANK}({_IRIREF})")
_BASE_DECL = re.compile(f"(?ai:BASE){_BLANK}({_IRIREF})")
_VERSION_DECL = re.compile(f"(?ai:VERSION){_BLANK}(?:\"[^\"\\\\\\r\\n]*\"|'[^'\\\\\\r\\n]*')")  # SPARQL 1.2
_PROLOGUE_KEYWORD = re.compile("(?ai:PREFIX|BASE|VERSION)")
_FORM = re.compile("(?ai:SELECT|CONSTRUCT|DESCRIBE|ASK)")
_SERVICE_IN = re.compile("(?ai)service")
_FROM_IN = re.compile("(?ai)from")
_UPDATE_WORD = re.compile(f"(?ai:{_UPDATE_WORDS})")
_BRACE_AHEAD = re.compile(_BLANK + r"\{")
_DEFAULT_SOURCE = re.compile(f"{_BLANK}(?:({_IRIREF})|({_PNAME}))")
_NAMED_SOURCE = re.compile(f"{_BLANK}(?ai:NAMED){_BLANK}(?:({_IRIREF})|({_PNAME}))")
_FORBIDDEN_CHAR = re.compile(r"[\x00\ud800-\udfff]")
_CODEPOINT_ESCAPE = re.compile(r"\\[uU]([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})")  # as rdflib expands them
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_LONE_CR = re.compile("\r(?!\n)")

_SERVICE_REFUSED = "SERVICE (federated query) is not allowed on this endpoint: the server makes no outgoing requests"
_NOT_A_QUERY = "not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK"
_MALFORMED = {
    "PREFIX": "malformed PREFIX declaration: expected PREFIX name: <IRI>",
    "BASE": "malformed BASE declaration: expected BASE <IRI>",
    "VERSION": 'malformed VERSION declaration: expected VERSION "1.2"',
}

# SPARQL 1.2 syntax, by the name an error message gives it. Strings, IRIs, comments and
# escapes are matched first so that what they contain is not taken for syntax.
SPARQL12_FEATURES = {
    "version": "VERSION declarations",
    "triple_term": "triple terms <<( ... )>>",
    "reifier": "reified triples << ... >>",
    "annotation": "annotations {| ... |}",
    "tilde": "reifiers ~",
    "direction": "base directions (@lang--ltr)",
}
_SPARQL12_SYNTAX = re.compile("|".join([
    _STRING, _IRIREF, r"#[^\r\n]*", r"\\.",
    r"(?P<triple_term><<\()", r"(?P<reifier><<)", r"(?P<annotation>\{\|)", r"(?P<tilde>~)",
    r"(?P<direction>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*--(?ai:ltr|rtl))",
]))
_SPARQL12_HINT = re.compile(r"<<|\{\||~|--")

# Prefixed names and PREFIX declarations, strings, IRIs, comments, variables and blank nodes
# matched first so that a colon in them is not taken for a prefix.
_PREFIX_USE = re.compile("|".join([
    _STRING, _IRIREF, r"#[^\r\n]*", _VAR, _BNODE,
    f"(?ai:PREFIX){_BLANK}(?P<declared>(?>{_PN_PREFIX})?):",
    f"(?P<used>(?>{_PN_PREFIX})?):(?>{_PN_LOCAL})?",
]))


def not_served(iri: str, served: frozenset[str] | None, clause: str = "") -> str | None:
    """Why a query or a request may not name this graph (FROM, FROM NAMED, default-graph-uri,
    named-graph-uri), or None when it is served (`served` None: every graph is)."""
    if served is None or iri in served:
        return None
    listed = ", ".join(f"<{graph}>" for graph in sorted(served)) or "no graph"
    return f"{clause + ' ' if clause else ''}<{iri}> names a graph this endpoint does not serve; it serves: {listed}"


def check_query(text: str, limits: Limits = Limits(), allowed_graphs: frozenset[str] | None = None,
                base: str | None = None) -> GuardedQuery:
    """Return what the query is, or raise QueryRejected saying why it must not be evaluated.

    `base` is the IRI that relative IRIs resolve against when the query has no BASE of its own
    (the endpoint's, as the engines are given it), so FROM <graph/data> is checked as evaluated.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise QueryRejected(f"query is {size} bytes; the limit is {limits.max_bytes} bytes", status=413)
    _check_characters(text)
    found = _Scanner(text, limits, allowed_graphs, lambda offset: _line_column(text, offset), base).scan()
    if "\\u" in text or "\\U" in text or _LONE_CR.search(text):
        # The two engines read these differently; what either would evaluate must pass.
        reading, origin = _rdflib_reading(text)
        _Scanner(reading, limits, allowed_graphs, lambda offset: _line_column(text, origin(offset)), base).scan_hazards()
    return found


def sparql12_syntax(text: str, has_version: bool = False) -> tuple[str, ...]:
    """The SPARQL 1.2 features (keys of SPARQL12_FEATURES) the query text uses, in a fixed order."""
    found = {"version"} if has_version else set()
    if _SPARQL12_HINT.search(text):
        found.update(m.lastgroup for m in _SPARQL12_SYNTAX.finditer(text) if m.lastgroup)
    return tuple(name for name in SPARQL12_FEATURES if name in found)


def undeclared_prefix(text: str) -> tuple[str, int, int] | None:
    """The first prefixed name whose prefix no PREFIX declaration defines, as (prefix, line, column),
    or None. For the engines' syntax errors: Oxigraph reports some undeclared prefixes as another
    error further on ("expected OPTIONAL" for a subject `res:Zarya`). (completion.py has a looser
    scanner of its own, mirrored in editor.js, for adding known prefixes; this one follows the
    grammar's terminals, as the guard does, the empty prefix included.)"""
    declared = set()
    for m in _PREFIX_USE.finditer(text):
        if m.group("declared") is not None:
            declared.add(m.group("declared"))
        elif m.group("used") is not None and m.group("used") not in declared:
            return (m.group("used"), *_line_column(text, m.start()))
    return None


def _check_characters(text):
    bad = _FORBIDDEN_CHAR.search(text)
    if bad is None:
        return
    char = bad.group()
    if char == "\x00":
        message = "the query contains a NUL character"
    else:
        message = f"the query contains an unpaired surrogate (U+{ord(char):04X}), which is not valid Unicode"
    raise QueryRejected(message, 400, *_line_column(text, bad.start()))


def _line_column(text, offset):
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _codepoint(match):
    """The character a \\u or \\U escape stands for; the escape itself if it names no character."""
    code = int(match.group(match.lastindex), 16)
    return chr(code) if code <= 0x10FFFF else match.group()


def _rdflib_reading(text):
    """The text as rdflib parses it, and a function mapping its offsets back to the text's.

    Oxigraph expands \\u escapes only inside strings and IRIs and ends a comment at CR or LF;
    rdflib expands them everywhere before parsing, as SPARQL says, and ends a comment at LF only.
    """
    reading, origin = _expand_codepoint_escapes(text)
    return reading.replace("\r", " "), origin  # a space, like CR, separates tokens but ends no comment


def _expand_codepoint_escapes(text):
    """The text with its \\u escapes expanded, and a function mapping its offsets back to the text's."""
    pieces, expanded_at, original_at = [], [0], [0]
    done = length = 0
    for escape in _CODEPOINT_ESCAPE.finditer(text):
        pieces += [text[done:escape.start()], _codepoint(escape)]
        length += escape.start() - done + len(pieces[-1])
        done = escape.end()
        expanded_at.append(length)
        original_at.append(done)
    pieces.append(text[done:])

    def origin(offset):
        anchor = bisect.bisect_right(expanded_at, offset) - 1
        return original_at[anchor] + offset - expanded_at[anchor]

    return "".join(pieces), origin


def _iri_value(iriref):
    """The IRI an IRIREF token <...> denotes."""
    body = iriref[1:-1]
    return _UCHAR.sub(_codepoint, body) if "\\" in body else body


class _Scanner:
    """One pass over one reading of the query text."""

    def __init__(self, text, limits, allowed_graphs, locate, base=None):
        self.text = text
        self.max_depth = limits.max_depth
        self.allowed_graphs = allowed_graphs
        self.locate = locate
        self.base = base
        self.version = False
        self.prefixes = {}
        self.graphs = {False: [], True: []}  # keyed by "is FROM NAMED"

    def scan(self):
        """Check the whole query and say what it is."""
        start = _BLANK_RE.match(self.text).end()
        if start == len(self.text):
            raise QueryRejected("the query is empty")
        start = self._prologue(start, strict=True)
        form = _FORM.match(self.text, start)
        self._body(start)
        if form is None:
            raise self._refuse(_NOT_A_QUERY, start if start < len(self.text) else None)
        return GuardedQuery(self.text, form.group().upper(), tuple(self.graphs[False]), tuple(self.graphs[True]),
                            sparql12_syntax(self.text, self.version))

    def scan_hazards(self):
        """Check only for what must never be evaluated: the syntax of this reading is its engine's business."""
        self._body(self._prologue(_BLANK_RE.match(self.text).end(), strict=False))

    def _refuse(self, message, offset, status=400):
        line, column = (None, None) if offset is None else self.locate(offset)
        return QueryRejected(message, status, line, column)

    def _prologue(self, pos, strict):
        """Read the BASE and PREFIX declarations; return where the rest of the query starts."""
        text = self.text
        while True:
            if declaration := _PREFIX_DECL.match(text, pos):
                self.prefixes[declaration.group(1)] = self._resolve(_iri_value(declaration.group(2)), declaration.start(2))
            elif declaration := _BASE_DECL.match(text, pos):
                self.base = self._resolve(_iri_value(declaration.group(1)), declaration.start(1))
            elif declaration := _VERSION_DECL.match(text, pos):
                self.version = True
            elif strict and (keyword := _PROLOGUE_KEYWORD.match(text, pos)):
                raise self._refuse(_MALFORMED[keyword.group().upper()], pos)
            else:
                return pos
            pos = _BLANK_RE.match(text, declaration.end()).end()

    def _body(self, pos):
        text, match, depth = self.text, _TOKEN.match, 0
        while True:
            token = match(text, pos)
            kind = token.lastgroup
            pos = token.end()
            if kind == "open":
                depth += 1
                if depth > self.max_depth:
                    raise self._refuse(f"query nests brackets deeper than {self.max_depth} levels", token.start("open"))
            elif kind == "close":
                if depth:
                    depth -= 1
            elif kind == "name":
                pos = self._check_name(token, depth)
            elif kind == "semicolon":
                if depth == 0:
                    raise self._refuse(
                        "this endpoint is read-only: several operations separated by ';' make a "
                        "SPARQL Update request, which is not accepted", pos - 1, status=403)
            else:
                return

    def _check_name(self, token, depth):
        """Refuse a SERVICE or update keyword, record a FROM clause; return where scanning goes on."""
        name, start = token.group("name"), token.start("name")
        word = name.partition(":")[0]  # the whole name, or a prefixed name's prefix
        service = _SERVICE_IN.search(word)
        # A prefixed name can only hide a SERVICE when a group graph pattern follows it.
        if service and (word == name or _BRACE_AHEAD.match(self.text, token.end())):
            raise self._refuse(_SERVICE_REFUSED, start + service.start())
        if word == name and _UPDATE_WORD.fullmatch(name):
            raise self._refuse(f"this endpoint is read-only: SPARQL Update ({name.upper()}) is not accepted", start,
                               status=403)
        keyword = _FROM_IN.search(word)
        explicit = keyword is not None and keyword.span() == (0, len(name))
        if keyword is None or not (explicit or depth == 0):  # a FROM hides in a longer name only at top level
            return token.end()
        # Go on after the graph, lest a prefix like "fromage:" in it be taken for one more FROM.
        return max(token.end(), self._dataset_clause(start + keyword.end(), start if explicit else None))

    def _dataset_clause(self, pos, keyword_at):
        """Record the graph a FROM clause names and return where the clause ends. keyword_at is None
        for a FROM glued to a longer name, which counts only when it reads as a dataset clause."""
        undeclared = None
        # Oxigraph reads "FROM NAMED:x" as the default graph NAMED:x when the prefix NAMED: exists.
        for source in (_DEFAULT_SOURCE.match(self.text, pos), _NAMED_SOURCE.match(self.text, pos)):
            if source is None:
                continue
            iri = self._source_iri(source)
            if iri is None:
                undeclared = source
                continue
            self._add_graph(iri, source.re is _NAMED_SOURCE, source.start(source.lastindex))
            return source.end()
        if keyword_at is None:
            return pos
        if undeclared is not None:
            pname = undeclared.group(2)
            raise self._refuse(
                f"FROM {pname} uses the prefix '{pname.partition(':')[0]}:', which no PREFIX declaration defines",
                undeclared.start(2))
        raise self._refuse("FROM must be followed by an IRI in <...> or a prefixed name", keyword_at)

    def _source_iri(self, source):
        """The IRI a FROM clause's source names, or None for a prefixed name with an undeclared prefix."""
        if source.group(1) is not None:
            return self._resolve(_iri_value(source.group(1)), source.start(1))
        prefix, _, local = source.group(2).partition(":")
        namespace = self.prefixes.get(prefix)
        if namespace is None:
            return None
        return namespace + (_LOCAL_ESCAPE.sub(r"\1", local) if "\\" in local else local)

    def _add_graph(self, iri, named, offset):
        refusal = not_served(iri, self.allowed_graphs, "FROM NAMED" if named else "FROM")
        if refusal is not None:
            raise self._refuse(refusal, offset)
        self.graphs[named].append(iri)

    def _resolve(self, iri, offset):
        """The IRI resolved against the base; refused when it cannot be (urljoin: "Invalid IPv6 URL")."""
        if not self.base:
            return iri
        try:
            if len(self.base) + len(iri) <= _JOIN_KEPT_CHARS:
                return _joined(self.base, iri)
            return urljoin(self.base, iri)
        except ValueError as err:
            raise self._refuse(f"invalid IRI <{iri[:200]}>: it is not an IRI (RFC 3987): {err}", offset) from None


_JOIN_KEPT_CHARS = 512      # longer pairs are joined each time, so the cache stays small (~1 MB at most)


@lru_cache(maxsize=1024)
def _joined(base: str, iri: str) -> str:
    """urljoin, remembered: nearly every query declares the same few PREFIX IRIs against the same
    base, and joining them was a third of the guard's time for a typical query."""
    return urljoin(base, iri)
