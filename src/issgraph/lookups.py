"""Lookups: queries whose whole work is reading one resource's own triples, so cheap by their shape.

The evaluator processes exist to make a time limit real: a query that could run for ever is
killed with its process. A lookup cannot run for ever. It has one triple pattern whose subject
is a constant, optionally filtered, ordered, limited: the engine reads that subject's triples
once, so the work is bounded by how many there are (in the shipped graph at most a few dozen)
and the text is short. Such queries — the one-row lookups and `ASK`s a crawler or a federating
engine sends, and `DESCRIBE <X>` — are evaluated where the request is handled, without the
round trip to an evaluator process, which cost more than the evaluation (bench/RESULTS.md).

The recogniser is deliberately narrow: anything it does not know goes to an evaluator as
before. It runs after the guard, on a query the guard let through. A FILTER may call only
functions whose answer is no longer than what they are given and that run no regular expression
(CHEAP_CALLS): REPLACE(?o, ".", "$0$0…") nested five deep makes a string 18⁵ times ?o's, an
evaluation of many seconds that only an evaluator's time limit can stop.
"""
from __future__ import annotations

import re

MAX_LOOKUP_CHARS = 2048     # a lookup's text, prologue included; far below any input the engine crashes on
MAX_DEPTH = 8               # brackets nested in it, the pattern's braces included
# What may stand before a "(" in a lookup: the keywords that take one, and the functions whose
# work is bounded by their arguments' length and whose answer is not longer (LCASE and UCASE at
# most a few characters more for a few letters, once). Anything else, an IRI or a prefixed
# name called as a function included, makes the query none.
CHEAP_CALLS = frozenset({
    "FILTER", "ASC", "DESC", "IN", "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "SAMETERM",
    "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "STRLEN", "STRSTARTS", "STRENDS", "CONTAINS",
    "LCASE", "UCASE", "IF", "COALESCE", "YEAR", "MONTH", "DAY", "ABS", "CEIL", "FLOOR", "ROUND",
})

_WS = r"(?:\s|#[^\n]*\n)*+"            # possessive: whitespace is never matched two ways (no backtracking)
# Possessive tokens (*+, ++): a name or a variable cut short cannot start what must follow it, so
# giving characters back almost never finds a lookup; it only made queries that are none fail slowly.
# (A possessive pattern matches a subset of what its greedy twin matches: never more lookups.)
_IRI = r"<[^<>\"{}|^`\\\s]*+>"
_PNAME = r"(?:[A-Za-z][\w.-]*+)?:[\w.%-]*+"
_CONST = f"(?:{_IRI}|{_PNAME})"
_VAR = r"[?$]\w++"
_STRING = r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
_LITERAL = f"(?:(?:{_STRING})(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\\^\\^{_CONST})?|[+-]?\\d+(?:\\.\\d+)?|true|false)"
_OBJECT = f"(?:{_CONST}|{_VAR}|{_LITERAL})"
_PREDICATE = f"(?:{_CONST}|{_VAR}|a)"
# Possessive: a declaration given back could never start the query form that must follow it,
# so a query that is no lookup fails once, not once per declaration.
_PROLOGUE = (f"(?:{_WS}(?i:PREFIX){_WS}{_PNAME}{_WS}{_IRI}|{_WS}(?i:BASE){_WS}{_IRI})*+")


def _balanced(depth: int) -> str:
    """Text with brackets balanced up to `depth` deep, holding no braces (no EXISTS, no group) and
    no comment; every repetition possessive, each bracket matched once (no backtracking)."""
    inner = f"(?:[^(){{}}\"'#]|{_STRING})"
    for _ in range(depth):
        inner = f"(?:[^(){{}}\"'#]|{_STRING}|\\({inner}*+\\))"
    return inner


def _filter() -> str:
    """An optional FILTER(...)."""
    return f"(?:{_WS}(?i:FILTER){_WS}\\({_balanced(MAX_DEPTH - 2)}*+\\){_WS}\\.?)?"


_PATTERN = (f"\\{{{_WS}{_CONST}{_WS}{_PREDICATE}{_WS}{_OBJECT}{_WS}\\.?"
            + _filter() + _filter() + f"{_WS}\\}}")
_MODIFIERS = (f"(?:{_WS}(?i:ORDER){_WS}(?i:BY)(?:{_WS}(?:(?i:ASC|DESC){_WS}\\({_WS}{_VAR}{_WS}\\)|{_VAR}))+)?"
              f"(?:{_WS}(?i:LIMIT){_WS}\\d+|{_WS}(?i:OFFSET){_WS}\\d+){{0,2}}")
_LOOKUP = re.compile(
    f"{_PROLOGUE}{_WS}(?:"
    f"(?i:SELECT)(?:{_WS}(?i:DISTINCT|REDUCED))?(?:{_WS}(?:{_VAR}))+{_WS}(?:(?i:WHERE){_WS})?{_PATTERN}{_MODIFIERS}"
    f"|(?i:SELECT)(?:{_WS}(?i:DISTINCT|REDUCED))?{_WS}\\*{_WS}(?:(?i:WHERE){_WS})?{_PATTERN}{_MODIFIERS}"
    f"|(?i:ASK){_WS}(?:(?i:WHERE){_WS})?{_PATTERN}{_MODIFIERS}"
    f"|(?i:DESCRIBE){_WS}{_CONST}(?:{_WS}(?i:LIMIT){_WS}\\d+)?"
    f"){_WS}"
)


def is_lookup(text: str) -> bool:
    """Whether `text` (a query the guard accepted) is a lookup: one constant-subject triple
    pattern, at most two FILTERs, ORDER BY variables, LIMIT/OFFSET; or DESCRIBE of one constant."""
    # The pattern first: most queries that are no lookup fail it early, and cheaper than counting.
    if len(text) > MAX_LOOKUP_CHARS or _LOOKUP.fullmatch(text) is None:
        return False
    bare = _QUOTED.sub('""', text)
    return _depth(bare) <= MAX_DEPTH and _only_cheap_calls(bare)


def _only_cheap_calls(bare: str) -> bool:
    """Whether every "(" of the text (strings and IRIs blanked) opens a group or a CHEAP_CALLS call.
    What stands before it decides: an operator, another "(" or nothing is a group; a word must be
    one of CHEAP_CALLS; anything else (a blanked IRI "", a prefixed name, a variable) is not."""
    for m in _BEFORE_PAREN.finditer(bare):
        word = m.group(1)
        if word and word.upper() not in CHEAP_CALLS:
            return False
    return True


def _depth(bare: str) -> int:
    """How deep the brackets nest in the text with its strings and IRIs blanked."""
    deepest = depth = 0
    for ch in _NOT_BRACKET.sub("", bare):
        if ch in "({":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}":
            depth -= 1
    return deepest


_QUOTED = re.compile(f"{_STRING}|{_IRI}")
_NOT_BRACKET = re.compile(r"[^(){}]+")
# The token before each "(", if it is not an operator or another "(": a run of anything but space,
# brackets and the operator characters (a "-" counts as part of it: names may end with one).
_BEFORE_PAREN = re.compile(r"([^\s(){}!&|=<>+*/,]*+)\s*+\(")
