"""Words of the user interface in English and Persian, and dates and numbers written for people in each."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import jdatetime

from .namespaces import DBO, DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, TIME, VOID

LANGS = ("en", "fa")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
PERSIAN_SEPARATORS = str.maketrans({",": "٬", ".": "٫"})
SOLAR_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
SOLAR_MONTHS_EN = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar",
                   "Dey", "Bahman", "Esfand")
GREGORIAN_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                       "October", "November", "December")
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
    "dataset": ("Dataset", "مجموعه‌داده"),
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
    "verbatim": ("The passage, word for word", "متن بند، کلمه به کلمه"),
    "translation": ("Translation", "ترجمه"),
    "the_text": ("The text, passage by passage", "متن، بند به بند"),
    "original": ("The source's words (Persian)", "متن منبع (فارسی)"),
    "translation_en": ("English translation", "ترجمهٔ انگلیسی"),
    "same_as": ("Elsewhere", "در جاهای دیگر"),
    "formats": ("This page as data", "این صفحه به‌صورت داده"),
    "not_found": ("Not found", "یافت نشد"),
    "error_title": ("Error {code}", "خطای {code}"),
    "error_400": ("The request could not be understood.", "درخواست فهمیده نشد."),
    "error_404": ("There is nothing at this address.", "در این نشانی چیزی نیست."),
    "error_405": ("This address does not accept that kind of request.", "این نشانی این گونه درخواست را نمی‌پذیرد."),
    "error_406": ("This address has nothing in the formats your browser asked for.",
                  "این نشانی چیزی در قالب‌هایی که مرورگر شما خواست ندارد."),
    "not_found_text": ("The graph says nothing about this IRI.", "گراف چیزی دربارهٔ این نشانی نمی‌گوید."),
    "classes": ("Classes", "کلاس‌ها"),
    "datatypes": ("Datatypes", "نوع‌های داده"),
    "properties_list": ("Properties", "ویژگی‌ها"),
    "domain": ("Domain", "دامنه"),
    "range": ("Range", "برد"),
    "used": ("Used in the data", "کاربرد در داده‌ها"),
    "times": ("{n} times", "{n} بار"),
    "times_one": ("{n} time", "{n} بار"),
    "instances": ("{n} instances", "{n} نمونه"),
    "instances_one": ("{n} instance", "{n} نمونه"),
    "bytes_n": ("{n} bytes", "{n} بایت"),
    "bytes_n_one": ("{n} byte", "{n} بایت"),
    "list_uses": ("list them (SPARQL)", "فهرست آن‌ها (SPARQL)"),
    "domain_of": ("Domain of", "دامنهٔ"),
    "range_of": ("Range of", "بردِ"),
    "definition": ("Definition", "تعریف"),
    "definition_in": ("No definition in English yet; in {language}:", "تعریف فارسی هنوز نیامده است؛ به {language}:"),
    "comma": (", ", "، "),
    "subclass_of": ("Subclass of", "زیرکلاسِ"),
    "subproperty_of": ("Subproperty of", "زیرویژگیِ"),
    "equivalent_to": ("Equivalent to", "هم‌ارزِ"),
    "or": ("or", "یا"),
    "version": ("Version", "نسخه"),
    "yes": ("yes", "بله"),
    "no": ("no", "خیر"),
    "gregorian": ("Gregorian", "میلادی"),
    "solar_hijri": ("Solar Hijri", "هجری خورشیدی"),
    "statistics": ("Statistics", "آمار"),
    "triples": ("Triples", "سه‌تایی‌ها"),
    "entities": ("Entities", "موجودیت‌ها"),
    "class_col": ("Class", "کلاس"),
    "graphs": ("Named graphs", "گراف‌های نام‌دار"),
    "graph": ("Graph", "گراف"),
    "graph_data": ("Instance data", "داده‌ها"),
    "graph_ontology": ("Ontology", "هستی‌شناسی"),
    "graph_inferred": ("Inferred (entailed types and properties, computed dates)",
                       "استنتاج‌شده (نوع‌ها و ویژگی‌های نتیجه‌شده، تاریخ‌های محاسبه‌شده)"),
    "graph_shapes": ("SHACL shapes (what the data conforms to)", "شکل‌های SHACL (آنچه داده‌ها از آن پیروی می‌کنند)"),
    "file": ("File", "پرونده"),
    "media_type": ("Media type", "نوع رسانه"),
    "bytes": ("Bytes", "بایت"),
    "dumps_intro": ("Turtle, N-Triples, JSON-LD and RDF/XML hold the default graph (data, ontology and inferred); "
                    "N-Quads and TriG hold the four named graphs (data, ontology, shapes, inferred). "
                    "Each file is also offered gzip-compressed; the same graph always gives the same bytes.",
                    "Turtle، N-Triples، JSON-LD و RDF/XML گراف پیش‌فرض (داده‌ها، هستی‌شناسی و استنتاج‌شده‌ها) را دارند؛ "
                    "N-Quads و TriG چهار گراف نام‌دار (داده‌ها، هستی‌شناسی، شکل‌ها، استنتاج‌شده‌ها) را. "
                    "هر پرونده به‌صورت فشرده با gzip هم عرضه می‌شود؛ گراف یکسان همیشه بایت‌های یکسان می‌دهد."),
    "dumps_cli": ("The same bytes from the command line:", "همین بایت‌ها از خط فرمان:"),
    "statements_rdf12": ("every fact statement with its passage and quote, in RDF 1.2 (each statement node "
                         "rdf:reifies its triple term; the graph itself uses RDF 1.1 reification)",
                         "هر گزارهٔ واقعیت با بند و نقل‌قولش، در RDF 1.2 (هر گره گزاره سه‌تایی خود را با "
                         "rdf:reifies نام می‌برد؛ خود گراف از شیءسازی RDF 1.1 بهره می‌برد)"),
    "sparql_endpoint": ("SPARQL endpoint", "نقطهٔ دسترسی SPARQL"),
    "dbpedia": ("DBpedia", "دی‌بی‌پدیا"),
    "wikidata": ("Wikidata", "ویکی‌داده"),
    # Words the home page's pictures and the search page use (pictures.py, search.py).
    "class": ("class", "کلاس"),
    "datatype": ("datatype", "نوع داده"),
    "ontology_word": ("ontology", "هستی‌شناسی"),
    "after_year": ("after {year}", "پس از {year}"),
    "timeline_title": ("Timeline of the station", "گاه‌شمار ایستگاه"),
    "timeline_desc": ("The station's dated events, records and milestones, at the precision the source gives.",
                      "رویدادها، رکوردها و نقاط عطف تاریخ‌دار ایستگاه، با همان دقتی که منبع می‌دهد."),
    "timeline_precision": ("Dates are shown at the precision the source gives: day, month or year.",
                           "تاریخ‌ها با همان دقتی که منبع می‌دهد نشان داده شده‌اند: روز، ماه یا سال."),
    "chart_title": ("Main modules by builder", "بخش‌های اصلی به تفکیک سازنده"),
    "chart_desc": ("How many of the station's main modules each builder built, joint modules included.",
                   "شمار بخش‌های اصلی ایستگاه که هر سازنده ساخته است، با بخش‌های مشترک."),
    "chart_joint_with": ("built jointly with {names}", "ساخت مشترک با {names}"),
    "chart_including_joint": ("(including {n} jointly with {names})", "(شامل {n} بخش مشترک با {names})"),
    "chart_total": ("{total} main modules in all, {joint} of them built jointly",
                    "در مجموع {total} بخش اصلی، {joint} بخش به‌طور مشترک"),
    # The home page, the query page and search (keys prefixed home_, pic_, q_, s_).
    "home_intro": ("Every fact of one Persian encyclopedic text about the International Space Station, as linked "
                   "data in English and Persian, each traced to the passage that states it.",
                   "همهٔ واقعیت‌های یک متن دانشنامه‌ای فارسی دربارهٔ ایستگاه فضایی بین‌المللی، به‌صورت داده‌های "
                   "پیوندی به انگلیسی و فارسی، هر یک با ارجاع به بندی که آن را بیان می‌کند."),
    "home_size": ("Size", "اندازه"),
    "skip_to_content": ("Skip to the content", "رفتن به محتوا"),
    # The figures (figures.py): one name for each count, on every page that shows it.
    "fig_triples": ("triples in the default graph (data, ontology and inferred)",
                    "سه‌تایی در گراف پیش‌فرض (داده‌ها، هستی‌شناسی و استنتاج‌شده‌ها)"),
    "fig_data_triples": ("triples of instance data", "سه‌تایی داده"),
    "fig_ontology_triples": ("triples of the ontology", "سه‌تایی هستی‌شناسی"),
    "fig_inferred_triples": ("triples inferred from them (entailed types and properties, computed dates)",
                             "سه‌تایی استنتاج‌شده از آن‌ها (نوع‌ها و ویژگی‌های نتیجه‌شده، تاریخ‌های محاسبه‌شده)"),
    "fig_entities": ("entities (IRIs of the graph described)", "موجودیت (نشانی‌های توصیف‌شدهٔ گراف)"),
    "fig_classes_defined": ("classes defined by the ontology", "کلاس تعریف‌شده در هستی‌شناسی"),
    "fig_properties_defined": ("properties defined by the ontology", "ویژگی تعریف‌شده در هستی‌شناسی"),
    "fig_datatypes_defined": ("datatypes defined by the ontology", "نوع داده تعریف‌شده در هستی‌شناسی"),
    "fig_classes_used": ("classes with instances (void:classes)", "کلاس دارای نمونه (void:classes)"),
    "fig_properties_used": ("properties used (void:properties)", "ویژگی به‌کاررفته (void:properties)"),
    "fig_distinct_subjects": ("distinct subjects", "نهاد متمایز"),
    "fig_distinct_objects": ("distinct objects", "مفعول متمایز"),
    "home_entities": ("resources described", "منبع توصیف‌شده"),
    "home_classes": ("classes", "کلاس"),
    "home_properties": ("properties", "ویژگی"),
    "home_start": ("Start browsing", "از اینجا شروع کنید"),
    "home_examples": ("Example questions", "پرسش‌های نمونه"),
    "home_explore": ("Explore and download", "کاوش و بارگیری"),
    "home_ask": ("Ask your own question in SPARQL", "پرسش خود را با SPARQL بپرسید"),
    "pic_precision": ("band: the date's precision", "نوار: دقت تاریخ"),
    "pic_query": ("The query that drew this picture", "پرس‌وجویی که این تصویر را کشید"),
    "pic_svg": ("SVG file", "پروندهٔ SVG"),
    "q_intro": ("Write a SPARQL query or pick an example; Ctrl+Enter runs it. The page's address keeps the query, "
                "so a result can be shared by copying the address.",
                "یک پرس‌وجوی SPARQL بنویسید یا نمونه‌ای برگزینید؛ Ctrl+Enter آن را اجرا می‌کند. نشانی صفحه "
                "پرس‌وجو را نگه می‌دارد، پس با رونوشت نشانی می‌توان نتیجه را به اشتراک گذاشت."),
    "q_examples": ("Examples", "نمونه‌ها"),
    "q_text": ("Query", "پرس‌وجو"),
    "q_run": ("Run", "اجرا"),
    "q_result": ("Result", "نتیجه"),
    "q_rows": ("{n} rows", "{n} ردیف"),
    "q_rows_one": ("{n} row", "{n} ردیف"),
    "q_triples": ("{n} triples", "{n} سه‌تایی"),
    "q_triples_one": ("{n} triple", "{n} سه‌تایی"),
    "q_ms": ("{ms} ms", "{ms} میلی‌ثانیه"),
    "q_yes": ("Yes", "بله"),
    "q_no": ("No", "خیر"),
    "q_download": ("Download", "بارگیری"),
    "q_truncated": ("The result was cut to the endpoint's row limit.", "نتیجه به سقف ردیف‌های نقطهٔ دسترسی کوتاه شد."),
    "q_unknown": ("Nothing in this graph is named {term}.", "در این گراف چیزی با نام {term} نیست."),
    "q_did_you_mean": ("Did you mean {terms}?", "منظورتان {terms} بود؟"),
    "q_or": (" or ", " یا "),
    "q_error": ("Error", "خطا"),
    "q_at": ("line {line}, column {column}", "سطر {line}، ستون {column}"),
    "q_running": ("Running…", "در حال اجرا…"),
    "q_no_rows": ("No rows.", "ردیفی نیست."),
    "q_no_script": ("Without JavaScript the form still works: Run sends the query and the page shows the result.",
                    "بدون جاوااسکریپت هم فرم کار می‌کند: «اجرا» پرس‌وجو را می‌فرستد و صفحه نتیجه را نشان می‌دهد."),
    # The query page's editor side (#15): code panel, sharing, history, parameterised examples.
    "qe_code": ("Code", "کد"),
    "qe_code_intro": ("This query from a program: each snippet runs as shown and prints the rows.",
                      "این پرس‌وجو از درون یک برنامه: هر تکه همان‌گونه که هست اجرا می‌شود و ردیف‌ها را چاپ می‌کند."),
    "qe_copy_link": ("Copy link", "رونوشت پیوند"),
    "qe_copied": ("Copied", "رونوشت شد"),
    "qe_link": ("Link to this query", "پیوند این پرس‌وجو"),
    "qe_recent": ("Recent queries", "پرس‌وجوهای اخیر"),
    "qe_recent_none": ("Queries you run are kept here, in this browser only.",
                       "پرس‌وجوهایی که اجرا می‌کنید این‌جا، فقط در همین مرورگر، نگه داشته می‌شوند."),
    "qe_clear": ("Clear", "پاک کردن"),
    "qe_parameters": ("Parameters", "پارامترها"),
    "qe_added_prefixes": ("Declared for you, as the graph uses them: {prefixes}",
                          "برای شما اعلام شد، همان‌گونه که گراف به کار می‌برد: {prefixes}"),
    "qe_unknown_prefix": ("Prefix {prefix}: is used but not declared, and the graph does not know it.",
                          "پیشوند {prefix}: به کار رفته اما اعلام نشده و گراف آن را نمی‌شناسد."),
    "qe_check_error": ("Error found before running", "خطایی که پیش از اجرا یافته شد"),
    "qe_bad_param": ("Parameter {name}: {why}", "پارامتر {name}: {why}"),
    "s_results": ("Search results", "نتایج جستجو"),
    "s_for": ("Results for “{q}”", "نتایج برای «{q}»"),
    "s_none": ("Nothing in the graph has a label matching “{q}”.", "هیچ برچسبی در گراف با «{q}» جور نیست."),
    "s_empty": ("Type a word to search for: a name in English or Persian.",
                "واژه‌ای برای جستجو بنویسید: نامی به انگلیسی یا فارسی."),
    "s_too_long": ("The search is too long: use at most {n} characters.",
                   "عبارت جستجو بیش از اندازه بلند است: حداکثر {n} نویسه."),
    "s_matched": ("matched", "جورشده با"),
    "s_exact": ("exact", "دقیق"),
    "s_prefix": ("starts with", "آغاز با"),
    "s_substring": ("contains", "شامل"),
    "s_mentioned": ("mentioned in its description", "در توصیفش آمده"),
    "s_property": ("property", "ویژگی"),
}

# Labels for the reused terms the ontology does not label itself (the table's predicates, the dataset page).
TERM_LABELS = {
    RDF + "type": ("type", "نوع"),
    RDF + "Statement": ("statement", "گزاره"),
    RDF + "subject": ("subject of the statement", "نهاد گزاره"),
    RDF + "predicate": ("property of the statement", "ویژگی گزاره"),
    RDF + "object": ("value of the statement", "مقدار گزاره"),
    TIME + "hasTime": ("has time", "زمان"),
    SCHEMA + "manufacturer": ("manufacturer", "سازنده"),
    SCHEMA + "minValue": ("minimum value", "کمینهٔ مقدار"),
    SCHEMA + "currency": ("currency", "واحد پول"),
    SCHEMA + "countryOfOrigin": ("country of origin", "کشور سازنده"),
    SCHEMA + "memberOf": ("member of", "عضو"),
    DBO + "operator": ("operator", "بهره‌بردار"),
    TIME + "Interval": ("time interval", "بازهٔ زمانی"),
    TIME + "Instant": ("instant", "لحظه"),
    TIME + "hasBeginning": ("beginning", "آغاز"),
    TIME + "hasEnd": ("end", "پایان"),
    TIME + "inXSDDate": ("date (xsd:date)", "تاریخ (xsd:date)"),
    RDFS + "label": ("label", "برچسب"),
    RDFS + "comment": ("comment", "توضیح"),
    RDFS + "subClassOf": ("subclass of", "زیرکلاسِ"),
    RDFS + "Datatype": ("datatype", "نوع داده"),
    OWL + "sameAs": ("same as", "همان"),
    OWL + "versionInfo": ("version", "نسخه"),
    OWL + "Class": ("class", "کلاس"),
    OWL + "Ontology": ("ontology", "هستی‌شناسی"),
    OWL + "ObjectProperty": ("object property", "ویژگی شیء"),
    OWL + "DatatypeProperty": ("datatype property", "ویژگی داده‌ای"),
    OWL + "FunctionalProperty": ("functional property", "ویژگی تابعی"),
    PROV + "wasDerivedFrom": ("derived from", "برگرفته از"),
    SKOS + "altLabel": ("also known as", "نام‌های دیگر"),
    SKOS + "prefLabel": ("preferred label", "برچسب ترجیحی"),
    SKOS + "definition": ("definition", "تعریف"),
    SKOS + "notation": ("notation", "نماد"),
    SKOS + "inScheme": ("in scheme", "در طرح"),
    SKOS + "topConceptOf": ("top concept of", "مفهوم سرآمدِ"),
    SKOS + "hasTopConcept": ("top concept", "مفهوم سرآمد"),
    SKOS + "exactMatch": ("exact match", "هم‌تای دقیق"),
    SKOS + "ConceptScheme": ("concept scheme", "طرح مفهومی"),
    SCHEMA + "description": ("description", "توصیف"),
    DCTERMS + "identifier": ("identifier", "شناسه"),
    DCTERMS + "isPartOf": ("part of", "بخشی از"),
    DCTERMS + "hasPart": ("has part", "دربردارندهٔ"),
    DCTERMS + "license": ("license", "پروانه"),
    DCTERMS + "source": ("source", "منبع"),
    DCTERMS + "creator": ("creator", "پدیدآورنده"),
    DCTERMS + "language": ("language", "زبان"),
    DCTERMS + "modified": ("modified", "آخرین تغییر"),
    DCTERMS + "hasVersion": ("version", "نسخه"),
    DCTERMS + "title": ("title", "عنوان"),
    DCTERMS + "description": ("description", "توصیف"),
    DCTERMS + "subject": ("subject", "موضوع"),
    DCTERMS + "conformsTo": ("conforms to", "پیرو"),
    VOID + "Dataset": ("dataset (VoID)", "مجموعه‌داده (VoID)"),
    DCAT + "Dataset": ("dataset (DCAT)", "مجموعه‌داده (DCAT)"),
    VOID + "exampleResource": ("example resource", "منبع نمونه"),
    VOID + "rootResource": ("root resource", "منبع ریشه"),
    VOID + "vocabulary": ("vocabulary used", "واژگان به‌کاررفته"),
    VOID + "triples": ("triples", "سه‌تایی‌ها"),
    VOID + "entities": ("entities", "موجودیت‌ها"),
    VOID + "classes": ("classes", "کلاس‌ها"),
    VOID + "properties": ("properties", "ویژگی‌ها"),
    VOID + "distinctSubjects": ("distinct subjects", "نهادهای متمایز"),
    VOID + "distinctObjects": ("distinct objects", "مفعول‌های متمایز"),
    VOID + "sparqlEndpoint": ("SPARQL endpoint", "نقطهٔ دسترسی SPARQL"),
    VOID + "uriSpace": ("IRI space", "فضای نشانی‌ها"),
    VOID + "feature": ("feature", "قابلیت"),
    VOID + "dataDump": ("data dump", "پروندهٔ داده"),
    VOID + "subset": ("subset", "زیرمجموعه"),
}


def word(key: str, lang: str) -> str:
    """One UI word in the page's language."""
    en, fa = WORDS[key]
    return fa if lang == "fa" else en


def term_label(iri: str, lang: str) -> str | None:
    """A label for a reused vocabulary term the graph does not label itself, or None."""
    pair = TERM_LABELS.get(iri)
    if pair is None:
        return None
    return pair[1] if lang == "fa" else pair[0]


def digits(text: str, lang: str) -> str:
    """Western digits as Persian digits on Persian pages; unchanged otherwise."""
    return text.translate(PERSIAN_DIGITS) if lang == "fa" else text


def number(value: str, lang: str) -> str:
    """A decimal or integer lexical form grouped in thousands: '100,000,000,000' / '۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰'."""
    try:
        n = Decimal(value)
    except InvalidOperation:
        return value
    if n == n.to_integral_value():
        text = f"{int(n):,}"
    else:
        text = f"{n.normalize():,f}"
    return digits(text.translate(PERSIAN_SEPARATORS), lang) if lang == "fa" else text


def boolean(value: str, lang: str) -> str:
    """An xsd:boolean as 'yes'/'no' in the page's language."""
    return word("yes" if value.strip() in ("true", "1") else "no", lang)


def gregorian(value: str, datatype: str, lang: str) -> str:
    """A Gregorian xsd:date, gYearMonth or gYear as people write it, at its own precision."""
    months = GREGORIAN_MONTHS_FA if lang == "fa" else GREGORIAN_MONTHS_EN
    try:
        if datatype.endswith("#date"):
            d = dt.date.fromisoformat(value[:10])
            text = f"{d.day} {months[d.month - 1]} {d.year}"
        elif datatype.endswith("#gYearMonth"):
            y, m = int(value[:4]), int(value[5:7])
            text = f"{months[m - 1]} {y}"
        else:
            text = str(int(value[:4]))
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


PERSIAN_ALPHABET = "آاأإبپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیئ"
_RANK = {ch: 0x10000 + i for i, ch in enumerate(PERSIAN_ALPHABET)}
_RANK.update({"ي": _RANK["ی"], "ك": _RANK["ک"], "ى": _RANK["ی"], "ة": _RANK["ه"]})


def sort_key(text: str) -> tuple[int, ...]:
    """A key that sorts English case-insensitively and Persian in its alphabet's order (پ after ب, not after ی)."""
    return tuple(_RANK.get(ch, ord(ch)) for ch in text.casefold() if ch not in "\u200c\u200d")


# Language persistence --------------------------------------------------------------------------

def with_lang(href: str, lang: str) -> str:
    """A local link that keeps the page's language: '/ontology#C' -> '/ontology?lang=fa#C'.

    The language travels in the address (not a cookie), so every page is cacheable per address,
    a shared link opens in the language it was copied in, and a crawler sees both languages.
    Links to other hosts, to fragments of the same page and to non-page files are left alone.
    """
    if not href.startswith("/") or href.startswith("//") or lang not in LANGS:
        return href
    path, hash_, fragment = href.partition("#")
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("lang=")]
    kept.append("lang=" + lang)
    return f"{base}?{'&'.join(kept)}{hash_}{fragment}"


# Counting and lists ------------------------------------------------------------------------------

def counted(key: str, n: int, lang: str) -> str:
    """'{n} rows' with the plural rule of the language: English '1 row' / '2 rows'; Persian nouns
    after a number stay singular ('۱ ردیف', '۲ ردیف'), with Persian digits and separators."""
    form = key + "_one" if n == 1 and (key + "_one") in WORDS else key
    return word(form, lang).format(n=number(str(n), lang))


def join(items: list[str], lang: str) -> str:
    """A list as the language writes it: 'a, b, c' in English, 'a، b، c' in Persian."""
    return ("، " if lang == "fa" else ", ").join(items)


LANGUAGE_NAMES = {"en": ("English", "انگلیسی"), "fa": ("Persian", "فارسی"), "ar": ("Arabic", "عربی"),
                  "de": ("German", "آلمانی"), "fr": ("French", "فرانسوی"), "ru": ("Russian", "روسی"),
                  "ja": ("Japanese", "ژاپنی"), "it": ("Italian", "ایتالیایی")}


def language_name(code: str, lang: str) -> str:
    """A language tag as people say it: 'fa' -> 'Persian' / 'فارسی'; unknown tags stay as they are."""
    pair = LANGUAGE_NAMES.get(code.split("-")[0].lower())
    if pair is None:
        return code
    return pair[1] if lang == "fa" else pair[0]


# Both calendars ----------------------------------------------------------------------------------

def _solar_day(d: dt.date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=d)


def _solar_month_text(j: jdatetime.date, lang: str, with_year: bool = True) -> str:
    months = SOLAR_MONTHS if lang == "fa" else SOLAR_MONTHS_EN
    return f"{months[j.month - 1]} {j.year}" if with_year else months[j.month - 1]


def solar_hijri_span(value: str, datatype: str, lang: str) -> str | None:
    """The Solar Hijri date of a Gregorian xsd:date, or the Solar Hijri span of a gYearMonth or gYear.

    Computed with jdatetime from the Gregorian value at its own precision: '2008-03-09' ->
    '19 Esfand 1386'; '2011-07' (1–31 July) -> 'Tir–Mordad 1390'; '2015' -> '1393–1394'.
    None when the value cannot be read.
    """
    try:
        if datatype.endswith("#date"):
            d = dt.date.fromisoformat(value[:10])
            j = _solar_day(d)
            return solar_hijri(f"{j.year}-{j.month:02d}-{j.day:02d}", lang)
        if datatype.endswith("#gYearMonth"):
            y, m = int(value[:4]), int(value[5:7])
            first = _solar_day(dt.date(y, m, 1))
            last = _solar_day(dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        elif datatype.endswith("#gYear"):
            y = int(value[:4])
            first, last = _solar_day(dt.date(y, 1, 1)), _solar_day(dt.date(y, 12, 31))
            return digits(f"{first.year}–{last.year}", lang)
        else:
            return None
    except (ValueError, IndexError, OverflowError):
        return None
    if first.year == last.year:
        text = f"{_solar_month_text(first, lang, False)}–{_solar_month_text(last, lang)}"
    else:
        text = f"{_solar_month_text(first, lang)} – {_solar_month_text(last, lang)}"
    return digits(text, lang)


def both_calendars(value: str, datatype: str, lang: str) -> tuple[str, str | None]:
    """(the date in the page's calendar, the other calendar's text with its name) for a Gregorian value.

    A day leads with Solar Hijri on Persian pages and with Gregorian on English ones. A month or a
    year was stated in the Gregorian calendar and covers a span of the other one, so it leads with
    the Gregorian value in both languages and gives the Solar Hijri span it covers beside it.
    The second part is None when no Solar Hijri form exists.
    """
    greg = gregorian(value, datatype, lang)
    solar = solar_hijri_span(value, datatype, lang)
    if solar is None:
        return greg, None
    if lang == "fa" and datatype.endswith("#date"):
        return solar, f"{greg} {word('gregorian', lang)}"
    return greg, f"{solar} {word('solar_hijri', lang)}"
