"""Fold English and Persian text to search keys, and rank entity labels against a query.
Users type one word many ways (ZWNJ, diacritics, Arabic letters, digits, case); all must match."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

EXACT, PREFIX, SUBSTRING = 0, 1, 2

# Unicode categories dropped after decomposition.  Mn: Latin accents, harakat,
# superscript alef and the madda/hamza marks, so آ أ إ -> ا, ؤ -> و, ئ -> ی and
# ۀ -> ه.  Cf: ZWNJ, ZWJ, soft hyphen and the bidi marks and controls.
_DROPPED_CATEGORIES = frozenset({"Mn", "Cf"})

_LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh -> ی
        "\u0649": "\u06cc",  # ى alef maksura -> ی
        "\u0643": "\u06a9",  # ك Arabic kaf -> ک
        "\u0629": "\u0647",  # ة teh marbuta -> ه
        "\u06d5": "\u0647",  # ە, what ۀ decomposes to, -> ه
        "\u0671": "\u0627",  # ٱ alef wasla -> ا
        "\u0640": None,  # tatweel
        "\u066a": "%",  # ٪ Arabic percent sign
        "\u066b": ".",  # ٫ Arabic decimal separator
        "\u066c": ",",  # ٬ Arabic thousands separator
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # ۰-۹
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},  # ٠-٩
    }
)


def fold(text: str) -> str:
    """Search key: the same for every way a user may type the same word.

    Case, accents, diacritics, tatweel, ZWNJ/ZWJ and direction marks go;
    Arabic letter and digit variants become Persian letters and ASCII digits;
    runs of whitespace become one space.  Words stay apart, so a word typed
    with a space instead of a ZWNJ differs here: see fold_compact.
    """
    # Compatibility caseless form (Unicode D145): presentation forms, ligatures
    # and full-width letters become plain letters, and accents come apart.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    return " ".join(text.translate(_LETTERS).split())


def fold_compact(text: str) -> str:
    """fold() without spaces, so "بین المللی", "بین‌المللی" and "بینالمللی" agree."""
    return fold(text).replace(" ", "")


@dataclass(frozen=True)
class Candidate:
    """An entity to search: its key (e.g. an IRI) and all its labels, any language."""

    key: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """An entity found by a search, the label that matched best, and how well."""

    key: str
    label: str
    rank: int  # EXACT, PREFIX or SUBSTRING


@dataclass(frozen=True)
class _Entry:
    key: str
    label: str
    compact: str
    word_starts: tuple[int, ...]  # offsets in compact where a word of the label begins


def _word_starts(folded: str) -> tuple[int, ...]:
    """Offsets in the compact form of a folded text at which its words begin.

    A word begins at the start, after a space, or where a letter or digit
    follows punctuation ("(iss" has words at "(" and at "iss").
    """
    starts: list[int] = []
    offset, previous = 0, " "
    for ch in folded:
        if ch != " ":
            if previous == " " or (ch.isalnum() and not previous.isalnum()):
                starts.append(offset)
            offset += 1
        previous = ch
    return tuple(starts)


def _rank(entry: _Entry, query: str, words: list[str]) -> int | None:
    """How a label matches a compact query made of words; None if it does not."""
    if entry.compact == query:
        return EXACT
    if any(entry.compact.startswith(query, start) for start in entry.word_starts):
        return PREFIX
    if all(word in entry.compact for word in words):
        return SUBSTRING
    return None


def _order(hit: Hit) -> tuple[int, int, str, str]:
    """Sort key: best rank, then shortest label, then label, then key."""
    return hit.rank, len(hit.label), hit.label, hit.key


class SearchIndex:
    """Labels of many entities, folded once, searched by folded query."""

    def __init__(self, candidates: Iterable[Candidate]):
        """Fold every label of every candidate; labels that fold to nothing are skipped."""
        self._entries: list[_Entry] = []
        for candidate in candidates:
            for label in candidate.labels:
                folded = fold(label)
                if folded:
                    compact, starts = folded.replace(" ", ""), _word_starts(folded)
                    self._entries.append(_Entry(candidate.key, label, compact, starts))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Entities with a label matching the query, best first, one hit each.

        Ranks: EXACT when the label folds equal (spaces and ZWNJ aside); PREFIX
        when the label or one of its words starts with the query; SUBSTRING when
        every query word occurs in the label, in any order.  Hits are ordered
        by rank, then label length, then label.  A blank query finds nothing.
        """
        words = fold(query).split()
        if not words:
            return []
        compact = "".join(words)
        best: dict[str, Hit] = {}
        for entry in self._entries:
            rank = _rank(entry, compact, words)
            if rank is None:
                continue
            hit = Hit(entry.key, entry.label, rank)
            current = best.get(entry.key)
            if current is None or _order(hit) < _order(current):
                best[entry.key] = hit
        return sorted(best.values(), key=_order)[:limit]
