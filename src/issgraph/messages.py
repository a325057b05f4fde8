"""The endpoint's error messages as the query page shows them: in the reader's language, the place
(line and column) left out because the page says it once, beside the word "Error".

The endpoint itself keeps answering programs in plain English (the SPARQL protocol's clients log
it); only pages for people translate. Each rule matches one message shape that guard.py, engine.py,
executor.py or sparql.py produce; a message no rule knows is shown as it is, marked as English.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import i18n

# "… at line 3, column 2" in any message: the page names the place once, itself.
_PLACE = re.compile(r"\s*\bat line \d+, column \d+")


@dataclass(frozen=True)
class Explained:
    text: str           # the message in the page's language (or the original, untranslated)
    lang: str           # the language `text` is in: the page's, or "en" when no rule knew it


def _fa_list(items: str) -> str:
    """'"$", "(", IF' -> the same tokens joined with the Persian comma and «یا» before the last."""
    tokens = [t.strip() for t in items.split(", ") if t.strip()]
    if len(tokens) <= 1:
        return items
    return "، ".join(tokens[:-1]) + " یا " + tokens[-1]


def _expected_fa(rest: str) -> str:
    rest = rest.strip()
    if not rest or rest == "expected something else":
        return "خطای نحوی: پرس‌وجو در اینجا چیز دیگری لازم دارد"
    if rest.startswith("expected "):
        return f"خطای نحوی: در اینجا یکی از این‌ها می‌آید: {_fa_list(rest[len('expected '):])}"
    return f"خطای نحوی: {rest}"


def _digits(m: re.Match, name: str) -> str:
    return i18n.number(m.group(name), "fa")


# (pattern, Persian) — the pattern sees the message with its place already taken out.
_RULES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"^syntax error:?\s*(?P<rest>.*)$", re.S), lambda m: _expected_fa(m.group("rest"))),
    (re.compile(r"^undeclared prefix '(?P<p>[^']*)': add PREFIX (?P=p): <(?P<ns>[^<>]*)> to the query$"),
     lambda m: f"پیشوند «{m.group('p')}:» تعریف نشده است: PREFIX {m.group('p')}: <{m.group('ns')}> را به پرس‌وجو بیفزایید"),
    (re.compile(r"^not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK$"),
     lambda m: "این پرس‌وجوی SPARQL نیست: باید با SELECT، CONSTRUCT، DESCRIBE یا ASK باشد"),
    (re.compile(r"^the query is empty$"), lambda m: "پرس‌وجو خالی است"),
    (re.compile(r"^(?P<v>\?\S+|a variable) is selected but neither grouped nor aggregated: .*$", re.S),
     lambda m: (f"{'متغیر ' + m.group('v') if m.group('v').startswith('?') else 'متغیری'} در SELECT آمده اما نه گروه‌بندی "
                "شده است و نه درون تابعی تجمعی: با GROUP BY یا تابع تجمعی، هر متغیر SELECT باید در GROUP BY یا درون "
                "تابعی تجمعی مانند SAMPLE باشد")),
    (re.compile(r"^an expression in SELECT uses a variable that is neither grouped nor aggregated: .*$", re.S),
     lambda m: ("عبارتی در SELECT متغیری را به کار می‌برد که نه گروه‌بندی شده است و نه درون تابعی تجمعی: "
                "عبارت را با AS گروه‌بندی کنید، مانند GROUP BY (YEAR(?date) AS ?year)، و متغیر آن را برگزینید")),
    (re.compile(r"^invalid IRI (?P<iri><[^\s]*>)(?: at line \d+)?: it is not an IRI \(RFC 3987\).*$", re.S),
     lambda m: f"{m.group('iri')} یک IRI درست نیست (RFC 3987)"),
    (re.compile(r"^SERVICE \(federated query\) is not allowed on this endpoint: "
                r"the server makes no outgoing requests$"),
     lambda m: "SERVICE (پرس‌وجوی فدرال) در این نقطهٔ دسترسی پذیرفته نیست: کارساز هیچ درخواستی به بیرون نمی‌فرستد"),
    (re.compile(r"^this endpoint is read-only: SPARQL Update \((?P<w>\w+)\) is not accepted$"),
     lambda m: f"این نقطهٔ دسترسی فقط‌خواندنی است: به‌روزرسانی SPARQL ({m.group('w')}) پذیرفته نمی‌شود"),
    (re.compile(r"^query is (?P<n>\d+) bytes; the limit is (?P<max>\d+) bytes$"),
     lambda m: f"پرس‌وجو {_digits(m, 'n')} بایت است؛ بیشترین اندازه {_digits(m, 'max')} بایت است"),
    (re.compile(r"^query nests brackets deeper than (?P<n>\d+) levels$"),
     lambda m: f"پرانتزهای پرس‌وجو بیش از {_digits(m, 'n')} سطح تودرتو است"),
    (re.compile(r"^query exceeded (?P<s>[\d.]+) s and was stopped$"),
     lambda m: f"اجرای پرس‌وجو از {_digits(m, 's')} ثانیه گذشت و متوقف شد"),
    (re.compile(r"^(?P<clause>.*?)\s*<(?P<iri>[^>]*)> names a graph this endpoint does not serve; "
                r"it serves: (?P<served>.*)$"),
     lambda m: (f"{m.group('clause') + ' ' if m.group('clause') else ''}<{m.group('iri')}> گرافی است که این "
                f"نقطهٔ دسترسی ارائه نمی‌کند؛ گراف‌های ارائه‌شده: {'، '.join(m.group('served').split(', '))}")),
    (re.compile(r"^malformed PREFIX declaration: expected PREFIX name: <IRI>$"),
     lambda m: "اعلان PREFIX نادرست است: باید به شکل PREFIX name: <IRI> باشد"),
    (re.compile(r"^malformed BASE declaration: expected BASE <IRI>$"),
     lambda m: "اعلان BASE نادرست است: باید به شکل BASE <IRI> باشد"),
    (re.compile(r"^FROM must be followed by an IRI in <\.\.\.> or a prefixed name$"),
     lambda m: "پس از FROM باید یک IRI در <...> یا یک نام پیشونددار بیاید"),
    (re.compile(r"^the query could not be evaluated: the evaluator stopped while running it$"),
     lambda m: "پرس‌وجو اجرا نشد: فرایند ارزیابی در میانهٔ کار از کار افتاد"),
    (re.compile(r"^the query is nested too deeply to evaluate$"),
     lambda m: "پرس‌وجو برای ارزیابی بیش از اندازه تودرتو است"),
    (re.compile(r"^query evaluation failed: (?P<rest>.*)$", re.S),
     lambda m: f"ارزیابی پرس‌وجو ناموفق بود: {m.group('rest')}"),
    (re.compile(r"^the store behind this endpoint did not answer properly.*$", re.S),
     lambda m: "انبارهٔ داده‌ها پشت این نقطهٔ دسترسی درست پاسخ نداد؛ کمی بعد دوباره بکوشید"),
]


def without_place(message: str) -> str:
    """The message with its "at line L, column C" taken out (the page states the place once)."""
    return " ".join(_PLACE.sub("", message.strip()).split(" ")).strip()


def explain(message: str, lang: str) -> Explained:
    """An endpoint error message for the query page in `lang`, without its place."""
    text = without_place(message)
    if lang != "fa":
        return Explained(text, "en")
    for pattern, persian in _RULES:
        m = pattern.match(text)
        if m:
            return Explained(persian(m), "fa")
    return Explained(text, "en")
