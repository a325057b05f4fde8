"""Fold English and Persian text to search keys, and rank entity labels against a query.
Users type one word many ways (ZWNJ, diacritics, Arabic letters, digits, case, a plural or a
suffix); all must match. Every folding and stemming rule of the site's search lives here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

EXACT, PREFIX, SUBSTRING, MENTION = 0, 1, 2, 3

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


# Persian suffixes, longest first, on folded text (so "ها" typed with or without ZWNJ is the same):
# the plurals ها / های / هایی, the indefinite or ezafe ‌ای after a silent heh (خانه‌ای), and ی
# (ezafe, adjectival or indefinite: فضاپیمای پشتیبانی, پشتیبانی). The stem keeps at least 2 letters.
_FA_SUFFIXES = ("هایی", "های", "ها")
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_ZWNJ_SUFFIXES = {"ها", "های", "هایی", "ای", "ی", "اش", "ام", "ات"}


def _stem_fa(word: str) -> str:
    for suffix in _FA_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    if word.endswith("ای") and len(word) > 3 and word[-3] == "ه":
        return word[:-2]
    if word.endswith("ی") and len(word) > 3:
        return word[:-1]
    return word


def _stem_en(word: str) -> str:
    """The simple English cases: possessive, plural -s/-es/-ies, -ing, -ed (station's, stations,
    launches, countries, launching, launched)."""
    if word.endswith("'s") or word.endswith("’s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    return word


def stem(word: str) -> str:
    """One folded word without its plural or suffix, Persian or English (the same rule on both sides
    of a search, so a label and a query agree however either was inflected)."""
    if word.isascii():
        return _stem_en(word)
    return _stem_fa(word)


_DETACHED_PREFIXES = {"می", "نمی"}     # the verb prefixes, written with a ZWNJ: می‌شود


def attach_affixes(text: str) -> str:
    """The text with a Persian suffix or verb prefix typed as a word of its own joined to its word
    by a ZWNJ, as it is written: "ایستگاه ها" -> "ایستگاه‌ها", "می شود" -> "می‌شود" (a space typed
    for the ZWNJ; found as if the ZWNJ had been typed, or nothing at all)."""
    out: list[str] = []
    for token in text.split():
        folded = fold(token)
        if out and not folded.isascii() and not fold(out[-1]).isascii() and (
                folded in _ZWNJ_SUFFIXES or fold(out[-1]) in _DETACHED_PREFIXES):
            out[-1] += "\u200c" + token
        else:
            out.append(token)
    return " ".join(out)


def stems(text: str) -> tuple[str, ...]:
    """The stems of the words of a text (folded first).

    Where the writer put a ZWNJ before a suffix (خانه‌ای, فضاپیما‌ها) it says where the word ends,
    and the suffix goes by that; without one the rules of _stem_fa guess (های is a plural there:
    "خانهای" is read as خان + های, and still finds خانه by prefix). A suffix or a verb prefix typed
    apart is joined first (attach_affixes).
    """
    out: list[str] = []
    for raw in attach_affixes(text).split():
        head, zwnj, tail = raw.rpartition("\u200c")
        if zwnj and fold(tail) in _ZWNJ_SUFFIXES and fold(head):
            words = _WORD.findall(fold(head))
            out += [stem(w) for w in words[:-1]] + words[-1:]
        else:
            out += [stem(w) for w in _WORD.findall(fold(raw))]
    return tuple(out)


@dataclass(frozen=True)
class Candidate:
    """An entity to search: its key (e.g. an IRI), all its labels (any language), how much the graph
    says about it (`weight`: ties between equally good labels go to the better-known entity) and
    texts that mention it in passing (descriptions: found, but below any label match)."""

    key: str
    labels: tuple[str, ...]
    weight: int = 0
    texts: tuple[str, ...] = ()


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
    stems: tuple[str, ...] = ()
    weight: int = 0
    mention: bool = False         # a description, not a label
    stem_text: str = ""           # " stem1 stem2 …": word runs found with one `in`
    stem_compact: str = ""


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


def _rank(entry: _Entry, query: str, words: list[str], query_stems: tuple[str, ...]) -> int | None:
    """How a label matches a compact query made of words; None if it does not.

    Stems count too: a plural or suffixed form of the label's words ("فضاپیماهای پشتیبانی",
    "stations") matches as the plain form would.
    """
    if entry.mention:
        if query_stems and all(" " + q in entry.stem_text for q in query_stems):
            return MENTION
        return None
    if entry.compact == query or (query_stems and entry.stem_compact == "".join(query_stems)):
        return EXACT
    if any(entry.compact.startswith(query, start) for start in entry.word_starts):
        return PREFIX
    if query_stems and " " + " ".join(query_stems) in entry.stem_text:
        return PREFIX
    if all(word in entry.compact for word in words):
        return SUBSTRING
    if query_stems and all(" " + q in entry.stem_text for q in query_stems):
        return SUBSTRING
    return None


def _is_title(entry: _Entry, run: str) -> bool:
    """The query (`run`: " stem1 stem2 …") names what the label is about: it is the label's first or
    last words (English puts the head noun last, Persian first: "International Space Station",
    "ایستگاه فضایی بین‌المللی"), not a word in passing ("Passage P1: what the station is")."""
    if entry.stem_text.startswith(run):
        return True
    i = entry.stem_text.rfind(run)
    return i >= 0 and " " not in entry.stem_text[i + len(run):]


def _order(hit: "Hit", weight: int = 0, title: bool = True) -> tuple:
    """Sort key: best rank, then a title match before a passing mention, then the better-known
    entity, then shortest label, then label, then key."""
    return hit.rank, not title, -weight, len(hit.label), hit.label, hit.key


class SearchIndex:
    """Labels of many entities, folded once, searched by folded query."""

    def __init__(self, candidates: Iterable[Candidate]):
        """Fold every label of every candidate; labels that fold to nothing are skipped."""
        self._entries: list[_Entry] = []
        self._weights: dict[str, int] = {}
        for candidate in candidates:
            self._weights[candidate.key] = candidate.weight
            for label in candidate.labels:
                folded = fold(label)
                if folded:
                    compact, starts = folded.replace(" ", ""), _word_starts(folded)
                    st = stems(label)
                    self._entries.append(_Entry(candidate.key, label, compact, starts, st, candidate.weight,
                                                False, " " + " ".join(st), "".join(st)))
            for text in candidate.texts:
                st = stems(text)
                if st:
                    self._entries.append(_Entry(candidate.key, text, "", (), st, candidate.weight, True,
                                                " " + " ".join(st), "".join(st)))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Entities with a label matching the query, best first, one hit each.

        Ranks: EXACT when the label folds equal (spaces and ZWNJ aside), or its
        words' stems equal the query's (plurals and suffixes aside); PREFIX when
        the label or one of its words starts with the query (or the query's
        stems start a run of the label's); SUBSTRING when every query word
        occurs in the label, in any order; MENTION when a description names
        every query word.  Hits are ordered by rank, then a title match (the
        query is the label's first or last words) before a passing mention,
        then the entity's weight, then label length, then label.  A blank
        query finds nothing.
        """
        words = fold(attach_affixes(query)).split()
        if not words:
            return []
        compact = "".join(words)
        query_stems = stems(query)
        run = " " + " ".join(query_stems)
        best: dict[str, tuple[tuple, Hit]] = {}
        for entry in self._entries:
            rank = _rank(entry, compact, words, query_stems)
            if rank is None:
                continue
            hit = Hit(entry.key, entry.label, rank)
            order = _order(hit, entry.weight, rank == EXACT or _is_title(entry, run))
            current = best.get(entry.key)
            if current is None or order < current[0]:
                best[entry.key] = (order, hit)
        return [hit for _, hit in sorted(best.values(), key=lambda pair: pair[0])][:limit]
