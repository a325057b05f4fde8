"""The example queries of queries/*.rq, with the titles their header comments give.

Each file opens with comment lines of the form `# title: ...`, `# title@fa: ...` and, for the
competency questions, `# question: ...`. The files are read as they are on disk: the query
page runs exactly the text a reader of the repository sees.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_HEADER = re.compile(r"^#\s*(title|title@fa|question)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    slug: str                 # the file name without .rq, e.g. "q01-first-module-launch"
    text: str                 # the whole file, header comments included
    title_en: str
    title_fa: str
    question: str | None      # "Q1. ..." for the competency questions, None for the others

    def title(self, lang: str) -> str:
        return self.title_fa if lang == "fa" and self.title_fa else self.title_en

    def text_for(self, lang: str) -> str:
        """The query as a reader of `lang` is shown it (see in_language)."""
        return in_language(self.text, lang)

    @property
    def is_question(self) -> bool:
        return self.question is not None


_LANG_FILTER = re.compile(r'(\bLANG\s*\(\s*\?\w+\s*\)\s*=\s*)"en"', re.IGNORECASE)
_ASKS_FOR_FA = re.compile(r'\bLANG\s*\(\s*\?\w+\s*\)\s*=\s*"fa"', re.IGNORECASE)


def in_language(text: str, lang: str) -> str:
    """An example that picks English labels (`LANG(?name) = "en"`) picks the reader's instead.

    Only for queries that ask for one language: one that already asks for Persian labels beside
    the English ones (?name and ?nameFa) shows both as it is. The files stay as written, and the
    competency tests run them so; the page runs exactly the text it shows.
    """
    if lang == "en" or _ASKS_FOR_FA.search(text):
        return text
    return _LANG_FILTER.sub(lambda m: f'{m.group(1)}"{lang}"', text)


def parse(slug: str, text: str) -> Example:
    """An example from one file's text; the header is the leading run of comment lines."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            found.setdefault(m.group(1), m.group(2))
    title_en = found.get("title") or slug
    return Example(slug, text, title_en, found.get("title@fa", ""), found.get("question"))


def load(path: Path) -> tuple[Example, ...]:
    """Every queries/*.rq: the competency questions first (by file name), then the others."""
    return _load(Path(path).resolve())


@lru_cache(maxsize=8)
def _load(path: Path) -> tuple[Example, ...]:
    """Read once per folder: like the data, the example files do not change while serving."""
    files = sorted(path.glob("*.rq"))
    examples = [parse(f.stem, f.read_text(encoding="utf-8")) for f in files]
    return tuple(sorted(examples, key=lambda e: (not e.is_question, e.slug)))


def find(path: Path, slug: str) -> Example | None:
    """The example with this slug, or None (slugs are file stems; nothing outside `path` is read)."""
    return next((e for e in load(path) if e.slug == slug), None)
