"""The query page's "code" panel: a query as curl, Python (SPARQLWrapper) and JavaScript (fetch).

Plain functions of (endpoint URL, query, query form) so the page without JavaScript shows the same
text as the page with it (/query/code answers these as JSON). Every snippet quotes the query with
the target language's own escaping (shlex for the shell, a Python literal, a JSON string for
JavaScript), so any query text — quotes, backslashes, Persian — runs as shown.
"""
from __future__ import annotations

import json
import re
import shlex

from .formats import BY_NAME

# What each query form is asked for: SPARQL JSON for SELECT and ASK, Turtle for graphs.
JSON_RESULTS = BY_NAME["json"].media_type
TURTLE = BY_NAME["turtle"].media_type
LANGUAGES = ("curl", "python", "javascript")

_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_COMMENTS_AND_STRINGS = re.compile(r"#[^\n]*|<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")


def query_form(query: str) -> str:
    """'select', 'ask' or 'graph' (CONSTRUCT/DESCRIBE): the first form keyword outside comments,
    IRIs and strings. Unknown text counts as a SELECT (the endpoint will say what is wrong)."""
    m = _FORM.search(_COMMENTS_AND_STRINGS.sub(" ", query))
    word = m.group(1).upper() if m else "SELECT"
    return {"SELECT": "select", "ASK": "ask"}.get(word, "graph")


def _python_literal(text: str) -> str:
    """A Python string literal for `text`: triple-quoted when that needs no escaping, else repr()."""
    if '"""' not in text and "\\" not in text and not text.endswith('"') and "\r" not in text:
        return '"""' + text + '"""'
    return repr(text)


def _js_literal(text: str) -> str:
    """A JavaScript expression for `text`: its lines as JSON strings joined by newlines (readable,
    and JSON's escaping is valid JavaScript for every character)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return json.dumps(text, ensure_ascii=False)
    inner = ",\n  ".join(json.dumps(line, ensure_ascii=False) for line in lines)
    return "[\n  " + inner + "\n].join(\"\\n\")"


def curl(endpoint: str, query: str, form: str | None = None) -> str:
    """A POSIX shell command: curl POSTs the query form-encoded and prints the answer."""
    accept = TURTLE if (form or query_form(query)) == "graph" else JSON_RESULTS
    return (f"curl -sS {shlex.quote(endpoint)} \\\n  -H {shlex.quote('Accept: ' + accept)} \\\n"
            f"  --data-urlencode {shlex.quote('query=' + query)}\n")


def python(endpoint: str, query: str, form: str | None = None) -> str:
    """A Python program with SPARQLWrapper: prints each row as a dict of values (or the boolean,
    or the graph as Turtle)."""
    form = form or query_form(query)
    head = (f"from SPARQLWrapper import SPARQLWrapper, {'TURTLE' if form == 'graph' else 'JSON'}\n\n"
            f"sparql = SPARQLWrapper({endpoint!r})\n"
            f"sparql.setMethod(\"POST\")\n"
            f"sparql.setQuery({_python_literal(query)})\n")
    if form == "graph":
        return head + "sparql.setReturnFormat(TURTLE)\nprint(sparql.queryAndConvert().decode(\"utf-8\"))\n"
    head += "sparql.setReturnFormat(JSON)\nresults = sparql.queryAndConvert()\n"
    if form == "ask":
        return head + "print(results[\"boolean\"])\n"
    return head + ("for row in results[\"results\"][\"bindings\"]:\n"
                   "    print({name: term[\"value\"] for name, term in row.items()})\n")


def javascript(endpoint: str, query: str, form: str | None = None) -> str:
    """JavaScript with fetch (a browser, Node 18+, Deno): prints each row as JSON (or the boolean,
    or the graph as Turtle)."""
    form = form or query_form(query)
    accept = TURTLE if form == "graph" else JSON_RESULTS
    head = (f"const endpoint = {json.dumps(endpoint)};\n"
            f"const query = {_js_literal(query)};\n\n"
            f"fetch(endpoint, {{\n"
            f"  method: \"POST\",\n"
            f"  headers: {{ \"Accept\": {json.dumps(accept)} }},\n"
            f"  body: new URLSearchParams({{ query }}),\n"
            f"}})\n")
    if form == "graph":
        return head + "  .then((response) => response.text())\n  .then((turtle) => console.log(turtle));\n"
    if form == "ask":
        return head + "  .then((response) => response.json())\n  .then((results) => console.log(results.boolean));\n"
    return head + ("  .then((response) => response.json())\n"
                   "  .then((results) => {\n"
                   "    for (const row of results.results.bindings) {\n"
                   "      console.log(JSON.stringify(Object.fromEntries(\n"
                   "        Object.entries(row).map(([name, term]) => [name, term.value]))));\n"
                   "    }\n"
                   "  });\n")


def snippets(endpoint: str, query: str, form: str | None = None) -> dict[str, str]:
    """All three, keyed by language (the order of LANGUAGES)."""
    form = form or query_form(query)
    return {"curl": curl(endpoint, query, form), "python": python(endpoint, query, form),
            "javascript": javascript(endpoint, query, form)}
