"""Words of the user interface in English and Persian, and dates written for people in each."""
from __future__ import annotations

import datetime as dt

import jdatetime

LANGS = ("en", "fa")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SOLAR_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
SOLAR_MONTHS_EN = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar",
                   "Dey", "Bahman", "Esfand")
GREGORIAN_MONTHS_FA = ("ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر",
                       "دسامبر")

WORDS = {
    "site": ("issgraph", "issgraph"),
    "tagline": ("The International Space Station as linked data", "ایستگاه فضایی بین‌المللی به‌صورت داده‌های پیوندی"),
    "home": ("Home", "خانه"),
    "query": ("SPARQL query", "پرس‌وجوی SPARQL"),
    "ontology": ("Ontology", "هستی‌شناسی"),
    "dumps": ("Downloads", "بارگیری"),
    "void": ("Dataset description (VoID)", "توصیف مجموعه‌داده (VoID)"),
    "source": ("Source text", "متن منبع"),
    "search": ("Search", "جستجو"),
    "search_placeholder": ("Search the graph", "جستجو در گراف"),
    "language": ("فارسی", "English"),
    "type": ("Type", "نوع"),
    "property": ("Property", "ویژگی"),
    "value": ("Value", "مقدار"),
    "properties": ("Properties", "ویژگی‌ها"),
    "incoming": ("Linked from", "پیوند از"),
    "provenance": ("Source passage", "بند منبع"),
    "quote": ("The source's words", "عین گفتهٔ منبع"),
    "translation": ("Translation", "ترجمه"),
    "same_as": ("Elsewhere", "در جاهای دیگر"),
    "formats": ("This page as data", "این صفحه به‌صورت داده"),
    "not_found": ("Not found", "یافت نشد"),
    "not_found_text": ("The graph says nothing about this IRI.", "گراف چیزی دربارهٔ این نشانی نمی‌گوید."),
    "classes": ("Classes", "کلاس‌ها"),
    "properties_list": ("Properties", "ویژگی‌ها"),
    "domain": ("Domain", "دامنه"),
    "range": ("Range", "برد"),
    "used": ("Used in the data", "کاربرد در داده‌ها"),
    "times": ("times", "بار"),
    "definition": ("Definition", "تعریف"),
    "subclass_of": ("Subclass of", "زیرکلاس"),
}


def word(key: str, lang: str) -> str:
    en, fa = WORDS[key]
    return fa if lang == "fa" else en


def digits(text: str, lang: str) -> str:
    return text.translate(PERSIAN_DIGITS) if lang == "fa" else text


def gregorian(value: str, datatype: str, lang: str) -> str:
    """A Gregorian xsd:date, gYearMonth or gYear as people write it, at its own precision."""
    try:
        if datatype.endswith("#date"):
            d = dt.date.fromisoformat(value[:10])
            text = (f"{d.day} {GREGORIAN_MONTHS_FA[d.month - 1]} {d.year}" if lang == "fa"
                    else d.strftime("%-d %B %Y"))
        elif datatype.endswith("#gYearMonth"):
            y, m = int(value[:4]), int(value[5:7])
            text = f"{GREGORIAN_MONTHS_FA[m - 1]} {y}" if lang == "fa" else dt.date(y, m, 1).strftime("%B %Y")
        else:
            text = value
    except (ValueError, IndexError):
        return value
    return digits(text, lang)


def solar_hijri(value: str, lang: str) -> str:
    """A Solar Hijri YYYY-MM-DD as people write it: '29 Aban 1377' / '۲۹ آبان ۱۳۷۷'."""
    try:
        y, m, d = (int(x) for x in value.split("-"))
        jdatetime.date(y, m, d)
    except ValueError:
        return value
    months = SOLAR_MONTHS if lang == "fa" else SOLAR_MONTHS_EN
    return digits(f"{d} {months[m - 1]} {y}", lang)


def solar_hijri_of(gregorian_iso: str) -> str:
    """The Solar Hijri date (YYYY-MM-DD) of a Gregorian ISO date."""
    return jdatetime.date.fromgregorian(date=dt.date.fromisoformat(gregorian_iso)).strftime("%Y-%m-%d")
