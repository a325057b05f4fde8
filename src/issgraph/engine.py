"""Run one guarded SPARQL query on the dataset and write the answer's bytes.

Two engines answer identically: Oxigraph (the default, fast) and rdflib (pure Python).
Both write results through `results`, so their bytes match; both cap rows honestly.
Nothing here knows HTTP, and nothing here guards: callers pass queries `guard` accepted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from http.client import HTTPException
from itertools import islice
from urllib.parse import urlencode

import pyoxigraph as ox

from . import results
from .config import CANONICAL_BASE
from .dataset import Dataset, ntriples
from .formats import BY_NAME, Format
from .jsonld import build_context
from .skolem import unskolemizer
from .stores import StoreError, endpoint_of, request
from .guard import _VAR, undeclared_prefix
from .namespaces import XSD, prefixes_for


class QueryError(Exception):
    """The engine refused or failed the query (syntax, evaluation); message is for the client."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line, self.column = line, column
        super().__init__(message)


@dataclass(frozen=True)
class QueryJob:
    """What to run: the query text and, from the protocol, an explicit dataset (or None).

    With no explicit dataset, the default graph is the served one (data ∪ ontology ∪ inferred) unless the
    query has its own FROM / FROM NAMED (`from_clause`, which the guard reports).
    """

    text: str
    form: str                                   # SELECT, ASK, CONSTRUCT, DESCRIBE (from the guard)
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    from_clause: bool = False
    parse_only: bool = False                    # only say whether it parses (check_syntax): the editor's check


@dataclass(frozen=True)
class Answer:
    body: bytes
    format: str                # the Format's name (picklable across the evaluator's pipe)
    count: int | None          # rows (SELECT) or triples (CONSTRUCT/DESCRIBE); None for ASK
    truncated: bool            # True when the row cap cut the answer


def answer_kind(form: str) -> str:
    """'results' for SELECT/ASK, 'graph' for CONSTRUCT/DESCRIBE."""
    return "results" if form in ("SELECT", "ASK") else "graph"


_SELECT_CLAUSE = re.compile(r"(?is)\bSELECT\b(?:\s+(?:DISTINCT|REDUCED)\b)?(.*?)(?:\bWHERE\b|\{)")
_GROUP_CLAUSE = re.compile(r"(?is)\bGROUP\s+BY\b(.*?)(?:\bHAVING\b|\bORDER\b|\bLIMIT\b|\bOFFSET\b|\bVALUES\b|\}|$)")
_VARIABLE = re.compile(_VAR)                # the guard's terminal: ?name or $name


def _top_level_variables(clause: str, start: int) -> list[tuple[str, int]]:
    """The variables of a clause outside brackets, with their offsets in the query."""
    out, depth = [], 0
    for i, ch in enumerate(clause):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in "?$" and depth == 0 and (m := _VARIABLE.match(clause, i)):
            out.append((m.group()[1:], start + i))
    return out


def _grouping_error(text: str, expression: bool) -> QueryError:
    """Oxigraph's "The SELECT contains a variable that is unbound", said as what to do: with GROUP BY
    or an aggregate, each selected variable must be grouped or inside an aggregate; the first that
    is not is named at its place in SELECT (best effort: a query whose clauses these patterns
    cannot find gets the message without a name, at the SELECT)."""
    select = _SELECT_CLAUSE.search(text)
    group = _GROUP_CLAUSE.search(text, select.end() if select else 0)
    grouped = set()
    if group is not None:
        grouped = {name for name, _ in _top_level_variables(group.group(1), group.start(1))}
        grouped |= {m.group(1) for m in re.finditer(r"(?i)\bAS\s+[?$]([\w]+)", group.group(1))}
    where = select.start() if select else 0
    name = None
    if select is not None and not expression:
        for var, offset in _top_level_variables(select.group(1), select.start(1)):
            if var not in grouped:
                name, where = var, offset
                break
    line, column = text.count("\n", 0, where) + 1, where - text.rfind("\n", 0, where)
    place = f"at line {line}, column {column}"
    if expression:
        message = (f"an expression in SELECT {place} uses a variable that is neither grouped nor aggregated: "
                   "group by the expression with AS, as in GROUP BY (YEAR(?date) AS ?year), and select its variable")
    else:
        message = (f"{'?' + name if name else 'a variable'} is selected {place} but neither grouped nor aggregated: "
                   "with GROUP BY or an aggregate, each selected variable must be in GROUP BY or inside an "
                   f"aggregate, as in (SAMPLE(?{name or 'x'}) AS ?{name or 'x'}1)")
    return QueryError(message, line, column)


def _syntax_error(err: Exception, text: str, known: dict[str, str] | None = None) -> QueryError:
    """Oxigraph says 'error at 3:12: expected ...'; keep line and column apart and the text short.
    An undeclared prefix used before that place is named instead, where it is first used: Oxigraph
    often reports one as whatever it expected further on."""
    message = str(err)
    if not message.startswith("error at "):
        return QueryError(f"syntax error: {message[:300]}")
    where, _, rest = message[len("error at "):].partition(": ")
    line_s, _, column_s = where.partition(":")
    if not (line_s.isdigit() and column_s.isdigit()):
        return QueryError(f"syntax error: {message[:300]}")
    line, column = int(line_s), int(column_s)
    found = undeclared_prefix(text)
    if found is not None and found[1:] <= (line, column):
        prefix, line, column = found
        namespace = (known or WELL_KNOWN).get(prefix, "...")
        return QueryError(f"undeclared prefix {prefix!r} at line {line}, column {column}: add "
                          f"PREFIX {prefix}: <{namespace}> to the query", line, column)
    if "The SELECT contains" in rest:        # Oxigraph's grouping check, listed among what it expected
        return _grouping_error(text, "an expression with" in rest)
    if "IRI parsing failed" in rest:
        iri = _iri_before(text, line, column)
        return QueryError(f"invalid IRI {iri} at line {line}: it is not an IRI (RFC 3987), or a relative "
                          "reference that cannot be resolved against the base IRI", line, column)
    # Oxigraph lists expected character classes; keep the readable alternatives only.
    if rest.startswith("expected one of "):
        options = [o.strip() for o in rest[len("expected one of "):].split(", ")]
        readable = [o for o in options if o.startswith('"') or o.isupper()]
        rest = "expected " + (", ".join(readable[:8]) if readable else "something else")
    return QueryError(f"syntax error at line {line}, column {column}: {rest[:300]}", line, column)


# What an undeclared prefix is told to declare, when it is one of the usual ones (iss: and res:
# under the canonical base, as the ontology page and README spell them).
WELL_KNOWN = prefixes_for(CANONICAL_BASE)


def _iri_before(text: str, line: int, column: int) -> str:
    """The <...> that ends just before (line, column), shortened; or 'here' when there is none."""
    lines = text.split("\n")
    head = lines[line - 1][:column - 1] if 0 < line <= len(lines) else ""
    start = head.rfind("<")
    if start < 0:
        return "here"
    iri = head[start:]
    return iri if len(iri) <= 80 else iri[:77] + "..."


MAX_UNKNOWN_FUNCTIONS = 16


def _unsupported_function(err: Exception) -> str | None:
    """The IRI in Oxigraph's 'The custom function <IRI> is not supported', else None."""
    message = str(err)
    if message.startswith("The custom function <") and message.endswith("> is not supported"):
        return message[len("The custom function <"):-len("> is not supported")]
    return None


def _unbound(*_args):
    return None


class OxigraphEngine:
    """Queries the dataset's in-memory Oxigraph store."""

    name = "oxigraph"
    sparql12 = True         # pyoxigraph 0.5 parses and evaluates SPARQL 1.2 (VERSION, triple terms, ...)

    def __init__(self, dataset: Dataset, max_rows: int, prefixes: dict[str, str] | None = None,
                 context: dict | None = None):
        config = dataset.config
        # In memory: built before the evaluators fork, and shared with them. On disk: each process
        # opens its own handle on first use (a database handle does not survive fork).
        self.dataset = dataset
        self.max_rows = max_rows
        self.prefixes = prefixes
        self.context = build_context(dataset) if context is None else context   # JSON-LD's, as documents'
        # The store keeps each graph once; the served default graph is their union, given per query
        # (None: an on-disk store that holds a copy of it as its own default graph).
        self.served_default = (None if dataset.backend.default_stored
                               else [ox.NamedNode(g) for g in config.default_graph_iris])

    @property
    def store(self) -> ox.Store:
        return self.dataset.store

    def _options(self, job: QueryJob) -> dict:
        options: dict = {}
        if job.base_iri:
            options["base_iri"] = job.base_iri
        if job.default_graphs is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        elif not job.from_clause and self.served_default is not None:
            options["default_graph"] = self.served_default
        if job.named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        return options

    def run(self, job: QueryJob, fmt: Format) -> Answer:
        options = self._options(job)
        unknown: dict = {}
        for _ in range(MAX_UNKNOWN_FUNCTIONS):
            try:
                outcome = self.store.query(job.text, custom_functions=unknown or None, **options)
                return self._write(outcome, fmt)
            except SyntaxError as err:
                raise _syntax_error(err, job.text, self.prefixes) from None
            except RuntimeError as err:
                iri = _unsupported_function(err)
                if iri is None or ox.NamedNode(iri) in unknown:
                    raise QueryError(f"query evaluation failed: {err}") from None
                # SPARQL 1.1 §17.3: an unknown function is an error, so the expression is unbound.
                unknown[ox.NamedNode(iri)] = _unbound
            except (OSError, ValueError, TypeError) as err:
                raise QueryError(f"query evaluation failed: {err}") from None
        raise QueryError(f"the query calls more than {MAX_UNKNOWN_FUNCTIONS} unknown functions")

    def _write(self, outcome, fmt: Format) -> Answer:
        return write_outcome(outcome, fmt, self.max_rows, self.context, self.prefixes)


def _capped(items, cap: int) -> tuple[list, bool]:
    """At most `cap` of the items, and whether there were more (the one row cap of every engine)."""
    kept = list(islice(items, cap + 1))
    return kept[:cap], len(kept) > cap


def _graph_answer(triples: list, fmt: Format, context: dict, prefixes: dict[str, str] | None,
                  truncated: bool) -> Answer:
    """A CONSTRUCT/DESCRIBE answer written by the one graph writer (`results.write_graph`)."""
    try:
        body = results.write_graph(triples, fmt, context, prefixes)
    except results.Inexpressible as err:
        raise QueryError(str(err)) from None
    return Answer(body, fmt.name, len(triples), truncated)


def write_outcome(outcome, fmt: Format, cap: int, context: dict, prefixes: dict[str, str] | None,
                  term=None) -> Answer:
    """Write Oxigraph's answer (boolean, solutions or triples), keeping at most `cap` rows or triples;
    `term`, if given, rewrites each value of a solution or triple (see `canonical_term`)."""
    if isinstance(outcome, (ox.QueryBoolean, bool)):
        return Answer(results.write_boolean(bool(outcome), fmt.name), fmt.name, None, False)
    if isinstance(outcome, ox.QuerySolutions):
        names = [v.value for v in outcome.variables]
        rows, truncated = _capped((tuple(s) if term is None else tuple(map(term, s)) for s in outcome), cap)
        return Answer(results.write_bindings(names, rows, fmt.name), fmt.name, len(rows), truncated)
    triples, truncated = _capped(outcome, cap)
    if term is not None:
        triples = [ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in triples]
    return _graph_answer(triples, fmt, context, prefixes, truncated)


class RdflibEngine:
    """Queries an rdflib Dataset holding the same graphs.

    Run it through the Executor: its evaluator processes call netguard.forbid_file_urls(), so
    FROM names a graph of the dataset and rdflib never loads anything by IRI.
    """

    name = "rdflib"
    sparql12 = False        # rdflib 7's parser knows SPARQL 1.1 only

    def __init__(self, dataset: Dataset, max_rows: int, prefixes: dict[str, str] | None = None,
                 context: dict | None = None):
        from rdflib import Dataset as RDataset, Graph, URIRef

        self.max_rows = max_rows
        self.prefixes = prefixes
        self.context = build_context(dataset) if context is None else context   # JSON-LD's, as documents'
        self._graphs: dict[str, Graph] = {}
        rd = RDataset(default_union=False)
        for iri, triples in dataset.graphs.items():
            g = rd.graph(URIRef(iri))
            g.parse(data=ntriples(triples), format="nt")
            self._graphs[iri] = g
        rd.default_graph.parse(data=ntriples([t for iri in dataset.config.default_graph_iris
                                              for t in dataset.graph(iri)]), format="nt")
        self.rdataset = rd

    def _target(self, job: QueryJob):
        """The dataset to query: the served one, or one assembled from the protocol's graph IRIs."""
        if job.default_graphs is None and job.named_graphs is None:
            return self.rdataset
        from rdflib import Dataset as RDataset, URIRef

        rd = RDataset(default_union=False)
        for iri in job.default_graphs or ():
            for t in self._graphs[iri]:
                rd.default_graph.add(t)
        for iri in (self._graphs if job.named_graphs is None else job.named_graphs):
            target = rd.graph(URIRef(iri))
            for t in self._graphs[iri]:
                target.add(t)
        return rd

    def run(self, job: QueryJob, fmt: Format) -> Answer:
        from pyparsing.exceptions import ParseException

        check_syntax(job.text, job.base_iri)
        try:
            outcome = self._target(job).query(job.text, base=job.base_iri)
            return self._write(outcome, fmt)
        except ParseException as err:
            raise QueryError(f"syntax error at line {err.lineno}, column {err.col}: {err.msg}",
                             err.lineno, err.col) from None
        except RecursionError:
            raise QueryError("the query is nested too deeply to evaluate") from None
        except Exception as err:  # rdflib raises many kinds for bad queries (prefix, type, ...)
            raise QueryError(f"query failed: {err}") from None

    def _write(self, outcome, fmt: Format) -> Answer:
        cap = self.max_rows
        if outcome.type == "ASK":
            return Answer(results.write_boolean(bool(outcome.askAnswer), fmt.name), fmt.name, None, False)
        if outcome.type == "SELECT":
            names = [str(v) for v in outcome.vars]
            conv = results.from_rdflib_term
            rows, truncated = _capped((tuple(conv(row[i]) for i in range(len(names))) for row in outcome), cap)
            return Answer(results.write_bindings(names, rows, fmt.name), fmt.name, len(rows), truncated)
        triples, truncated = _capped((results.from_rdflib_triple(t) for t in outcome), cap)
        return _graph_answer(triples, fmt, self.context, self.prefixes, truncated)


def _accept(*wanted: tuple[str, str]) -> str:
    """An Accept header for the store: the formats' media types, each with its quality."""
    return ", ".join(BY_NAME[name].media_type + (f";q={q}" if q != "1" else "") for name, q in wanted)


# What a remote store is asked for: the formats its answer is read back in, best first.
RESULTS_ACCEPT = _accept(("json", "1"), ("xml", "0.9"), ("tsv", "0.5"))
GRAPH_ACCEPT = _accept(("ntriples", "1"), ("turtle", "0.9"), ("rdfxml", "0.5"))


class RemoteEngine:
    """Forwards each query to a SPARQL 1.1 server holding the graphs (`--store sparql+http://...`).

    The query is checked here first (the guard ran before; syntax is checked by Oxigraph, so
    errors read as they do locally), sent with the served dataset spelled out as protocol
    parameters, and the answer is read back and written by the same writers as the local
    engines, so a client cannot tell the store's own formatting or extensions.
    """

    name = "remote"
    sparql12 = None         # passed on: the store accepts SPARQL 1.2 or refuses it (400, in its words)

    def __init__(self, dataset: Dataset, max_rows: int, prefixes: dict[str, str] | None = None,
                 context: dict | None = None):
        config = dataset.config
        self.endpoint = endpoint_of(config.store)
        # A little past the query limit: the executor stops the evaluator at the limit itself (503);
        # the socket's own timeout only catches a store that stops answering altogether.
        self.timeout = config.query_timeout + 2.0
        self.max_rows = max_rows
        self.prefixes = prefixes
        self.context = build_context(dataset) if context is None else context   # JSON-LD's, as documents'
        self.served_default = config.default_graph_iris
        self.served_named = config.graph_iris
        self.unskolem = unskolemizer(config.base_iri)       # skolem IRIs back to blank nodes (skolem.py)

    def _params(self, job: QueryJob) -> list[tuple[str, str]]:
        # On the query's first line, so that the store's line numbers stay the query's.
        text = job.text if not job.base_iri else f"BASE <{job.base_iri}> {job.text}"
        params = [("query", text)]
        if job.from_clause and job.default_graphs is None and job.named_graphs is None:
            return params          # the query's own FROM / FROM NAMED decide (the guard allowed only served graphs)
        default = self.served_default if job.default_graphs is None else job.default_graphs
        named = self.served_named if job.named_graphs is None else job.named_graphs
        params += [("default-graph-uri", g) for g in default]
        params += [("named-graph-uri", g) for g in named]
        return params

    def run(self, job: QueryJob, fmt: Format) -> Answer:
        check_syntax(job.text, job.base_iri)
        results = answer_kind(job.form) == "results"
        accept = (RESULTS_ACCEPT if results else GRAPH_ACCEPT)
        try:
            with request("POST", self.endpoint, urlencode(self._params(job)).encode("utf-8"),
                         {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                         timeout=self.timeout) as resp:
                # Read whatever the store chose among the formats offered (it may not take the first).
                media = resp.headers.get("Content-Type", "")
                if results:
                    kind = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
                    outcome = ox.parse_query_results(resp, format=kind)
                    if job.form == "ASK" and isinstance(outcome, ox.QuerySolutions):
                        outcome = _ask_table(outcome)
                else:
                    kind = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
                    outcome = (q.triple for q in ox.parse(resp, format=kind, base_iri=self.endpoint))
                return write_outcome(outcome, fmt, self.max_rows, self.context, self.prefixes,
                                     lambda term: canonical_term(self.unskolem(term)))
        except StoreError as err:
            words = _store_words(err.detail) or str(err.status)
            if err.status is not None and err.status >= 500 and _STORE_TIMEOUT.search(err.detail):
                raise StoreTimeout(f"the store stopped the query at its own time limit: {words}") from None
            if err.status is not None and 400 <= err.status < 500 and err.status not in (401, 403, 404, 407):
                raise QueryError(f"the store refused the query: {words}") from None
            raise StoreUnavailable(str(err)) from None
        except (SyntaxError, ValueError) as err:
            raise StoreUnavailable(f"the store at {self.endpoint} sent an answer that cannot be read: {err}") from None
        except (OSError, HTTPException) as err:     # the connection failed, timed out or was cut mid-answer
            raise StoreUnavailable(f"the store at {self.endpoint} stopped answering: {err!r}") from None


# How stores say that a query ran out of time (HTTP 500 with these words): Virtuoso's SQL states
# S1T00 ("Transaction timed out") and its refusal of a query whose estimated cost exceeds its limit.
_STORE_TIMEOUT = re.compile(r"\bS1T00\b|Transaction timed out|estimated execution time .* exceeds the limit", re.S)


XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
_BOOLEANS = {"1": ox.Literal("true", datatype=XSD_BOOLEAN), "0": ox.Literal("false", datatype=XSD_BOOLEAN)}


def canonical_term(term):
    """A store's own spelling of a value in its canonical form: Virtuoso writes xsd:boolean as 1/0."""
    if isinstance(term, ox.Literal) and term.datatype == XSD_BOOLEAN:
        return _BOOLEANS.get(term.value, term)
    return term


def _store_words(detail: str) -> str:
    """The store's own message, without the copy of the query some stores append (Virtuoso)."""
    return detail.split("\n\nSPARQL query:", 1)[0].strip()


def _ask_table(solutions) -> ox.QueryBoolean | bool:
    """An ASK answered as a one-column table (Virtuoso 7: ?__ASK_RETVAL 1), read as the boolean it means."""
    for solution in solutions:
        value = solution[0]
        return not (isinstance(value, ox.Literal) and value.value in ("0", "false"))
    return False


class StoreUnavailable(QueryError):
    """The remote store did not answer, or answered with something unreadable (HTTP 502)."""


class StoreTimeout(QueryError):
    """The remote store stopped the query at its own time limit (HTTP 503, as a local timeout)."""


ENGINES = {"oxigraph": OxigraphEngine, "rdflib": RdflibEngine}


def engine_class(config):
    """The class of engine the config names (a remote store answers queries itself)."""
    return RemoteEngine if endpoint_of(config.store) else ENGINES[config.engine]


_EMPTY = ox.Store()


def check_syntax(text: str, base_iri: str | None = None) -> None:
    """Parse with Oxigraph (on an empty store) so both engines refuse the same queries, alike; also
    the editor's check before a run (a QueryJob with parse_only, in an evaluator: Oxigraph goes on
    to evaluate some queries on the empty store at once, which the evaluator's time limit cuts).

    rdflib's parser knows prefixes nobody declared (foaf:, schema:, ...) and words its errors
    its own way; SPARQL says an undeclared prefix is an error.
    """
    try:
        _EMPTY.query(text, base_iri=base_iri)
    except SyntaxError as err:
        raise _syntax_error(err, text) from None
    except Exception:   # evaluation errors on an empty store are not syntax errors
        pass


def make_engine(dataset: Dataset, config, prefixes: dict[str, str] | None = None, context: dict | None = None):
    """The engine the config names, ready to run jobs (a remote store answers queries itself)."""
    return engine_class(config)(dataset, config.max_rows, prefixes, context)
