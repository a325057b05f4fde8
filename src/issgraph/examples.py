"""The example queries of queries/*.rq, with the titles their header comments give.

Each file opens with comment lines of the form `# title: ...`, `# title@fa: ...` and, for the
competency questions, `# question: ...`. The files are read as they are on disk: the query
page runs exactly the text a reader of the repository sees.

A canned query can take parameters: `# param: NAME KIND | English label | Persian label`, KIND
`resource` (an IRI of this graph) or `year` (an integer year), and its body holds one
`VALUES ?NAME { default }` block. `bind` replaces that block's value with a checked, serialised
RDF term — never the reader's text pasted into the query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_HEADER = re.compile(r"^#\s*(title|title@fa|question)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(r"^#\s*param\s*:\s*([a-z][a-z0-9]*)\s+(resource|year)\s*\|\s*(.*?)\s*\|\s*(.*?)\s*$")
KINDS = ("resource", "year")
# Names the query page uses itself; a parameter may not take one of them.
RESERVED = frozenset({"query", "example", "lang", "format", "page", "view", "param"})
MAX_PARAM_CHARS = 300


@dataclass(frozen=True)
class Param:
    name: str                 # the query variable (?name) and the URL parameter (&name=...)
    kind: str                 # "resource" or "year"
    label_en: str
    label_fa: str
    default: str              # the value the file's VALUES block holds, as written there

    def label(self, lang: str) -> str:
        return self.label_fa if lang == "fa" and self.label_fa else self.label_en


class BadParameter(ValueError):
    """A parameter value that is not a term of its kind; `why` in English and Persian."""

    def __init__(self, name: str, why_en: str, why_fa: str):
        super().__init__(f"parameter {name}: {why_en}")
        self.name, self.why_en, self.why_fa = name, why_en, why_fa

    def why(self, lang: str) -> str:
        return self.why_fa if lang == "fa" else self.why_en


@dataclass(frozen=True)
class Example:
    slug: str                 # the file name without .rq, e.g. "q01-first-module-launch"
    text: str                 # the whole file, header comments included
    title_en: str
    title_fa: str
    question: str | None      # "Q1. ..." for the competency questions, None for the others
    params: tuple[Param, ...] = ()

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
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            found.setdefault(m.group(1), m.group(2))
        p = _PARAM.match(line)
        if p:
            name = p.group(1)
            block = _values_block(name).findall(text)
            if name in RESERVED or len(block) != 1:
                raise ValueError(f"{slug}: parameter {name!r} needs a name the page does not use and exactly one "
                                 f"VALUES ?{name} {{ ... }} block")
            params.append(Param(name, p.group(2), p.group(3), p.group(4), block[0].strip()))
    title_en = found.get("title") or slug
    return Example(slug, text, title_en, found.get("title@fa", ""), found.get("question"), tuple(params))


def _values_block(name: str) -> re.Pattern:
    """The one-variable VALUES block of ?name, its value in group 1."""
    return re.compile(r"\bVALUES\s+\?" + re.escape(name) + r"\s*\{([^{}]*)\}")


_LOCAL_NAME = re.compile(r"[A-Za-z0-9_.~%-]+")
# Characters an IRI written between < and > may not hold (SPARQL's IRIREF), and controls.
_NOT_IN_IRI = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def term(param: Param, value: str, base: str, is_resource) -> str:
    """`value` as the SPARQL term of `param`'s kind, or BadParameter.

    resource: a full IRI, `res:Name` or `Name`, expanded against `base` + "resource/", written as
    <IRI> after checking it is an IRI (no character IRIREF forbids) that this graph uses
    (`is_resource(iri)`). year: an integer from -9999 to 9999 (Persian digits too), written as the
    integer literal; anything else is refused.
    """
    value = value.strip()
    if len(value) > MAX_PARAM_CHARS:
        raise BadParameter(param.name, f"longer than {MAX_PARAM_CHARS} characters",
                           f"بلندتر از {MAX_PARAM_CHARS} نویسه است")
    if param.kind == "year":
        digits = value.translate(_DIGITS)
        if not re.fullmatch(r"-?[0-9]{1,4}", digits):
            raise BadParameter(param.name, "a year is an integer such as 1998",
                               "سال یک عدد درست است، مانند ۱۹۹۸")
        return str(int(digits))
    prefix = base + "resource/"
    if value.startswith("res:"):
        value = value[4:]
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    iri = value if "://" in value else prefix + value
    if "://" not in value and not _LOCAL_NAME.fullmatch(value):
        raise BadParameter(param.name, "not a resource name of this graph", "نام منبعی از این گراف نیست")
    if _NOT_IN_IRI.search(iri) or not iri.startswith(("http://", "https://")) or not is_resource(iri):
        raise BadParameter(param.name, "not a resource of this graph", "منبعی از این گراف نیست")
    return f"<{iri}>"


def bind(example: Example, values: dict[str, str], base: str, is_resource) -> str:
    """The example's text (in no particular language) with each given parameter's VALUES block
    holding the checked term; parameters not given keep the file's default."""
    text = example.text
    for param in example.params:
        if param.name in values and values[param.name].strip() != param.default:
            written = term(param, values[param.name], base, is_resource)
            text = _values_block(param.name).sub(lambda m, w=written: f"VALUES ?{param.name} {{ {w} }}", text, count=1)
    return text


def bound(example: Example, values: dict[str, str], lang: str, base: str, is_resource) -> str:
    """What the page runs for the example: its parameters bound, then shown in `lang` (in_language)."""
    return in_language(bind(example, values, base, is_resource), lang)


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
