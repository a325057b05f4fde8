"""Pictures of the graph drawn on the server as SVG: a timeline and a bar chart.

Each picture is the answer of one query kept in queries/ (timeline.rq, module-shares-chart.rq),
run through the guarded query service like any other, then laid out here. Nothing is fetched
from other hosts; in Persian the pictures run right to left, with Persian digits and, where the
graph gives one, the Solar Hijri date beside the Gregorian. A date is shown at the precision the
graph states (day, month or year): no day or month is ever made up.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from markupsafe import escape

from . import i18n
from .formats import BY_NAME
from .protocol import ProtocolQuery
from .resultviews import DATES, XSD as _X, graph_drawn, node_key
from .search import page_href
from .sparql import QueryService
from .views import Site

TIMELINE_QUERY = "timeline"
CHART_QUERY = "module-shares-chart"
FONT = {"en": "system-ui, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif",
        "fa": "Vazirmatn, 'Noto Naskh Arabic', Tahoma, 'DejaVu Sans', sans-serif"}
STYLE_COLOURS = {"event": "#0b5cad", "record": "#b45f06", "planned": "#2e7d32", "expected": "#6a1b9a"}
BUILDER_COLOURS = ("#c0392b", "#1f5fa8", "#2e8b57", "#d4a017", "#8e44ad", "#16a085", "#7f8c8d", "#d35400")


class PictureError(RuntimeError):
    """A picture's own query failed: a fault of the project, not of the reader."""


def query_text(queries_path: Path, name: str) -> str:
    return (Path(queries_path) / f"{name}.rq").read_text(encoding="utf-8")


def _bindings(queries: QueryService, text: str) -> list[dict[str, str]]:
    """Run one of the pictures' queries through the guarded service; rows as {variable: value}."""
    reply = queries.answer(ProtocolQuery(query=text, params=(("format", "json"),)), BY_NAME["json"].media_type)
    if reply.status != 200:
        raise PictureError(f"the picture's query failed ({reply.status}): {reply.error}")
    doc = json.loads(reply.body)
    return [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]


def _esc(text: object) -> str:
    return str(escape(str(text)))


def _num(n: int | str, lang: str) -> str:
    return i18n.digits(str(n), lang)


def _svg_open(kind: str, width: int, height: int, lang: str, title: str, desc: str) -> list[str]:
    rtl = lang == "fa"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="picture {kind}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{kind}-title {kind}-desc" '
        f'lang="{lang}" direction="{"rtl" if rtl else "ltr"}" font-family="{_esc(FONT[lang])}" font-size="13" '
        f'data-lang="{lang}">',
        f'<title id="{kind}-title">{_esc(title)}</title>',
        f'<desc id="{kind}-desc">{_esc(desc)}</desc>',
    ]


def _anchor(extend_right: bool, rtl: bool) -> str:
    """text-anchor for text that should run to the right (or left) of x, in either direction."""
    return ("start" if extend_right else "end") if not rtl else ("end" if extend_right else "start")


def _dir(lang: str) -> str:
    return ' direction="rtl"' if lang == "fa" else ""


# --- the timeline ---

@dataclass(frozen=True)
class Moment:
    """One dated event, record or milestone of the station."""

    iri: str
    labels: dict            # {"en": ..., "fa": ...}
    kind: str               # the class IRI
    style: str              # "event", "record", "planned" or "expected"
    value: str              # the date as the graph gives it: 1998-11-20, 2011-07 or 2015
    precision: str          # "day", "month" or "year"
    after: bool             # True for "expected after" (an open end), not a date it happens on
    solar_hijri: str | None

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["en"]

    @property
    def span(self) -> tuple[float, float]:
        """The stretch of time the date names, as fractional years."""
        y = int(self.value[:4])
        if self.precision == "year":
            return float(y), y + 1.0
        m = int(self.value[5:7])
        if self.precision == "month":
            return y + (m - 1) / 12, y + m / 12
        d = dt.date.fromisoformat(self.value)
        days = 366 if calendar.isleap(y) else 365
        start = y + (d.timetuple().tm_yday - 1) / days
        return start, start + 1 / days

    @property
    def position(self) -> float:
        """Where the marker stands: the middle of the span, or its start for an open end."""
        start, end = self.span
        return start if self.after else (start + end) / 2

    def gregorian_text(self, lang: str) -> str:
        dtype = {"day": "#date", "month": "#gYearMonth", "year": "#gYear"}[self.precision]
        text = i18n.gregorian(self.value, dtype, lang)
        return i18n.word("after_year", lang).format(year=text) if self.after else text

    def solar_hijri_text(self, lang: str) -> str | None:
        """The Solar Hijri date (a day), or the span a month covers, computed from the Gregorian
        value (i18n.solar_hijri_span); a year and an open end keep to the calendar they were stated in."""
        if self.solar_hijri:
            return i18n.solar_hijri(self.solar_hijri, lang)
        if self.after or self.precision == "year":
            return None
        dtype = {"day": "#date", "month": "#gYearMonth"}[self.precision]
        return i18n.solar_hijri_span(self.value, dtype, lang)

    def date_text(self, lang: str) -> str:
        """The date in the page's calendar first, the other beside it (Persian: Solar Hijri first)."""
        greg, solar = self.gregorian_text(lang), self.solar_hijri_text(lang)
        if not solar:
            return greg
        return f"{solar} ({greg})" if lang == "fa" and self.precision == "day" else f"{greg} ({solar})"


def _precision(value: str) -> str:
    if re.fullmatch(r"-?\d{4}", value):
        return "year"
    if re.fullmatch(r"-?\d{4}-\d{2}", value):
        return "month"
    return "day"


def timeline_moments(queries: QueryService, queries_path: Path, base: str) -> list[Moment]:
    """The timeline's entries from the answer of queries/timeline.rq, in time order."""
    iss = base + "ontology#"
    seen: dict[str, Moment] = {}
    for row in _bindings(queries, query_text(queries_path, TIMELINE_QUERY)):
        if row["item"] in seen:
            continue
        after = "date" not in row
        value = row.get("date") or row["expectedAfter"]
        group, kind = row["group"], row["kind"]
        if group == iss + "Record":
            style = "record"
        elif group == iss + "Milestone":
            style = "expected" if after or kind == iss + "ExpectedMilestone" else "planned"
        else:
            style = "event"
        seen[row["item"]] = Moment(row["item"], {"en": row["label"], "fa": row["labelFa"]}, kind, style,
                                   value, _precision(value), after, row.get("solarHijri"))
    return sorted(seen.values(), key=lambda m: (m.position, m.label("en")))


def timeline_svg(moments: list[Moment], site: Site, lang: str, title: str | None = None, desc: str | None = None,
                 legend: bool = True) -> str:
    """A horizontal time axis with one row per moment, each a band as wide as its date's precision.
    (The query page's timeline view draws a result's dates with it too, with its own title.)"""
    rtl = lang == "fa"
    width, pad, axis_y, top, row_h = 960, 36, 46, 78, 42
    first = min(m.span[0] for m in moments)
    last = max(m.span[1] for m in moments)
    y0 = int(first) - 1
    y1 = ((int(last) + 2) // 5 + 1) * 5        # room after the last date for an open end's arrow
    step = 5                                   # a labelled tick every `step` years, at most ~20 of them
    while (y1 - y0) / step > 20:
        step *= 2
    if step > 5:
        y0, y1 = y0 - y0 % step, y1 + (-y1) % step
    legend_y = top + len(moments) * row_h + 18
    height = legend_y + (44 if legend else 8)

    def x(year: float) -> float:
        frac = (year - y0) / (y1 - y0)
        return round(pad + (1 - frac if rtl else frac) * (width - 2 * pad), 1)

    out = _svg_open("timeline", width, height, lang, title or i18n.word("timeline_title", lang),
                    desc or i18n.word("timeline_desc", lang))
    # The axis, a tick every year and a labelled one every five.
    out.append(f'<line class="axis" x1="{x(y0)}" y1="{axis_y}" x2="{x(y1)}" y2="{axis_y}" stroke="#5a6270" '
               f'stroke-width="1.5"/>')
    out.append('<g class="ticks">')
    for year in range(y0, y1 + 1, 1 if step == 5 else step):
        major = year % step == 0
        out.append(f'<line x1="{x(year)}" y1="{axis_y - (7 if major else 3)}" x2="{x(year)}" y2="{axis_y}" '
                   f'stroke="#5a6270"/>')
        if major:
            out.append(f'<line class="grid" x1="{x(year)}" y1="{axis_y}" x2="{x(year)}" y2="{legend_y - 12}" '
                       f'stroke="#d8dde3" stroke-dasharray="2 4"/>')
            out.append(f'<text class="year" x="{x(year)}" y="{axis_y - 12}" text-anchor="middle" fill="#5a6270">'
                       f'{_num(year, lang)}</text>')
    out.append('</g>')
    for i, m in enumerate(moments):
        y = top + i * row_h
        colour = STYLE_COLOURS[m.style]
        start, end = m.span
        xs, xe = sorted((x(start), x(end)))
        centre = x(m.position)
        if m.after:   # an open end: from the year on, as far as the axis goes
            xs, xe = sorted((x(start), x(y1)))
        extra = ' data-after="true"' if m.after else ""
        if m.solar_hijri:
            extra += f' data-solar-hijri="{_esc(m.solar_hijri)}"'
        out.append(f'<g class="moment {m.style}" data-iri="{_esc(m.iri)}" data-date="{_esc(m.value)}" '
                   f'data-precision="{m.precision}"{extra}>')
        out.append(f'<title>{_esc(m.label(lang))}: {_esc(m.date_text(lang))}</title>')
        band_w = max(xe - xs, 2.0)
        dash = ' stroke-dasharray="4 3"' if m.style == "expected" else ""
        out.append(f'<rect class="precision" x="{round(xs, 1)}" y="{y - 6}" width="{round(band_w, 1)}" height="12" '
                   f'rx="3" fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-opacity="0.5"{dash}/>')
        if m.after:
            tip = x(y1)
            back = tip + (8 if rtl else -8)
            out.append(f'<path class="open-end" d="M{back} {y - 5} L{tip} {y} L{back} {y + 5}" fill="none" '
                       f'stroke="{colour}" stroke-width="1.5"/>')
        hollow = m.style in ("planned", "expected")
        fill = "#fff" if hollow else colour
        if m.style == "record":
            out.append(f'<path class="marker" d="M{centre} {y - 7} L{centre + 7} {y} L{centre} {y + 7} '
                       f'L{centre - 7} {y} Z" fill="{fill}" stroke="{colour}" stroke-width="2"/>')
        else:
            out.append(f'<circle class="marker" cx="{centre}" cy="{y}" r="6" fill="{fill}" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        # The text goes on whichever side has more room.
        room_right = width - pad - xe
        room_left = xs - pad
        right = room_right >= room_left
        tx = (xe + 10) if right else (xs - 10)
        anchor = _anchor(right, rtl)
        href = page_href(site, m.iri, lang) if m.iri else None
        if href:
            out.append(f'<a href="{_esc(href)}">')
        out.append(f'<text class="label" x="{round(tx, 1)}" y="{y - 2}" text-anchor="{anchor}"{_dir(lang)} '
                   f'fill="#1b1f23" font-weight="600">{_esc(m.label(lang))}</text>')
        if href:
            out.append('</a>')
        out.append(f'<text class="date" x="{round(tx, 1)}" y="{y + 14}" text-anchor="{anchor}"{_dir(lang)} '
                   f'fill="#5a6270" font-size="12">{_esc(m.date_text(lang))}</text>')
        out.append('</g>')
    if legend:
        out.extend(_timeline_legend(site, lang, width, pad, legend_y, rtl))
    out.append('</svg>')
    return "\n".join(out)


def _timeline_legend(site: Site, lang: str, width: int, pad: int, y: int, rtl: bool) -> list[str]:
    iss = site.base + "ontology#"
    items = [("event", site.labels.get(iss + "Event", lang)), ("record", site.labels.get(iss + "Record", lang)),
             ("planned", site.labels.get(iss + "PlannedMilestone", lang)),
             ("expected", site.labels.get(iss + "ExpectedMilestone", lang)),
             ("precision", i18n.word("pic_precision", lang))]
    out = ['<g class="legend">']
    pos = pad
    for style, label in items:
        label = label or style
        colour = STYLE_COLOURS.get(style, "#5a6270")
        mx = width - pos if rtl else pos
        if style == "precision":
            bx = mx - 22 if rtl else mx
            out.append(f'<rect x="{bx}" y="{y - 6}" width="22" height="12" rx="3" fill="#5a6270" '
                       f'fill-opacity="0.18" stroke="#5a6270" stroke-opacity="0.5"/>')
            mx = mx - 11 if rtl else mx + 11
        elif style == "record":
            out.append(f'<path d="M{mx} {y - 7} L{mx + 7} {y} L{mx} {y + 7} L{mx - 7} {y} Z" fill="{colour}" '
                       f'stroke="{colour}" stroke-width="2"/>')
        else:
            hollow = style in ("planned", "expected")
            dash = ' stroke-dasharray="4 3"' if style == "expected" else ""
            out.append(f'<circle cx="{mx}" cy="{y}" r="6" fill="{"#fff" if hollow else colour}" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        tx = mx - 14 if rtl else mx + 14
        if style == "precision":
            tx = mx - 16 if rtl else mx + 16
        out.append(f'<text x="{tx}" y="{y + 4}" text-anchor="start"{_dir(lang)} fill="#1b1f23">{_esc(label)}</text>')
        pos += 40 + int(len(label) * 7.2)
    out.append('</g>')
    return out


# --- the chart of module shares ---

@dataclass(frozen=True)
class Contribution:
    iri: str
    modules: int
    builders: tuple[str, ...]      # builder IRIs; two for a joint contribution

    @property
    def joint(self) -> bool:
        return len(self.builders) > 1


@dataclass
class Share:
    """One builder's modules: its own, and the joint ones it shares with a partner."""

    iri: str
    names: dict
    own: int = 0
    joint: list = field(default_factory=list)   # [(contribution IRI, modules, partner IRIs)]
    colour: str = "#5a6270"

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]

    @property
    def shared(self) -> int:
        return sum(n for _, n, _ in self.joint)

    @property
    def total(self) -> int:
        return self.own + self.shared


def module_shares(queries: QueryService, queries_path: Path) -> tuple[list[Share], list[Contribution]]:
    """Builders' shares from the answer of queries/module-shares-chart.rq, largest first."""
    rows = _bindings(queries, query_text(queries_path, CHART_QUERY))
    names: dict[str, dict] = {}
    by_contribution: dict[str, dict] = {}
    for r in rows:
        names[r["builder"]] = {"en": r["name"], "fa": r["nameFa"]}
        c = by_contribution.setdefault(r["contribution"], {"modules": int(r["modules"]), "builders": []})
        if r["builder"] not in c["builders"]:
            c["builders"].append(r["builder"])
    contributions = [Contribution(iri, c["modules"], tuple(sorted(c["builders"])))
                     for iri, c in sorted(by_contribution.items())]
    shares = {iri: Share(iri, n) for iri, n in names.items()}
    for c in contributions:
        for b in c.builders:
            if c.joint:
                shares[b].joint.append((c.iri, c.modules, tuple(p for p in c.builders if p != b)))
            else:
                shares[b].own += c.modules
    ordered = sorted(shares.values(), key=lambda s: (-s.total, s.names["en"]))
    for i, s in enumerate(ordered):
        s.colour = BUILDER_COLOURS[i % len(BUILDER_COLOURS)]
    return ordered, contributions


def _short_name(name: str) -> str:
    """'Europe (European Space Agency)' -> 'Europe', for mentions beside a bar."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name)


def shares_svg(shares: list[Share], contributions: list[Contribution], site: Site, lang: str) -> str:
    """One bar per builder, one cell per module; a joint module is striped in both builders' colours."""
    rtl = lang == "fa"
    by_iri = {s.iri: s for s in shares}
    width, pad, name_w, cell, gap, top, row_h = 960, 24, 250, 38, 5, 24, 46
    height = top + len(shares) * row_h + 40

    def x(offset: float, w: float = 0) -> float:
        """Screen x of a box that starts `offset` from the bars' origin (mirrored in Persian)."""
        return round(width - pad - name_w - offset - w, 1) if rtl else round(pad + name_w + offset, 1)

    total = sum(c.modules for c in contributions)
    joint = sum(c.modules for c in contributions if c.joint)
    out = _svg_open("chart", width, height, lang, i18n.word("chart_title", lang), i18n.word("chart_desc", lang))
    out.append("<defs>")
    patterns: dict[tuple[str, ...], str] = {}
    for c in contributions:
        if c.joint and c.builders not in patterns:
            pid = f"joint-{len(patterns) + 1}"
            patterns[c.builders] = pid
            a, b = (by_iri[i].colour for i in c.builders[:2])
            out.append(f'<pattern id="{pid}" width="10" height="10" patternUnits="userSpaceOnUse" '
                       f'patternTransform="rotate(45)"><rect width="5" height="10" fill="{a}"/>'
                       f'<rect x="5" width="5" height="10" fill="{b}"/></pattern>')
    out.append("</defs>")
    for i, s in enumerate(shares):
        y = top + i * row_h
        mid = y + cell / 2
        out.append(f'<g class="builder" data-iri="{_esc(s.iri)}" data-share="{s.total}" data-own="{s.own}" '
                   f'data-joint="{s.shared}">')
        out.append(f'<title>{_esc(s.name(lang))}: {_esc(_num(s.total, lang))}</title>')
        name_x = width - pad if rtl else pad
        out.append(f'<a href="{_esc(page_href(site, s.iri, lang))}"><text class="name" x="{name_x}" y="{mid + 5}" '
                   f'text-anchor="start"{_dir(lang)} fill="#1b1f23" font-weight="600">{_esc(s.name(lang))}</text></a>')
        k = 0
        for _ in range(s.own):
            out.append(f'<rect class="module own" x="{x(k * (cell + gap), cell)}" y="{y}" width="{cell}" '
                       f'height="{cell}" rx="4" fill="{s.colour}"/>')
            k += 1
        for contribution, n, partners in s.joint:
            names = "، ".join if rtl else ", ".join
            with_text = names(by_iri[p].name(lang) for p in partners)
            for _ in range(n):
                pid = patterns[tuple(sorted((s.iri, *partners)))]
                out.append(f'<g class="module joint" data-contribution="{_esc(contribution)}" '
                           f'data-with="{_esc(" ".join(partners))}">'
                           f'<title>{_esc(i18n.word("chart_joint_with", lang).format(names=with_text))}</title>'
                           f'<rect x="{x(k * (cell + gap), cell)}" y="{y}" width="{cell}" height="{cell}" rx="4" '
                           f'fill="url(#{pid})" stroke="#1b1f23" stroke-width="1.5" stroke-dasharray="4 2"/></g>')
                k += 1
        end = k * (cell + gap) + 8
        note = ""
        if s.joint:
            partners_text = ("، " if rtl else ", ").join(_short_name(by_iri[p].name(lang))
                                                          for _, _, ps in s.joint for p in ps)
            note = " " + i18n.word("chart_including_joint", lang).format(
                n=_num(s.shared, lang), names=partners_text)
        out.append(f'<text class="count" x="{x(end)}" y="{mid + 5}" text-anchor="start"{_dir(lang)} fill="#1b1f23">'
                   f'<tspan font-weight="700" font-size="15">{_esc(_num(s.total, lang))}</tspan>'
                   f'<tspan fill="#5a6270">{_esc(note)}</tspan></text>')
        out.append("</g>")
    foot = i18n.word("chart_total", lang).format(total=_num(total, lang), joint=_num(joint, lang))
    out.append(f'<text class="total" x="{width - pad if rtl else pad}" y="{height - 14}" text-anchor="start"'
               f'{_dir(lang)} fill="#5a6270">{_esc(foot)}</text>')
    out.append("</svg>")
    return "\n".join(out)


# --- views of any query's answer (the query page's timeline, bar chart, graph and sources views) ---
# The data each view draws is picked by resultviews.py from an answer already bounded in bytes and
# rows; these functions only lay it out, with the same SVG frame, fonts, colours and directions as
# the home page's two pictures.

def _wrap(text: str, width: int, lines: int) -> list[str]:
    """`text` cut into at most `lines` lines of about `width` characters, at spaces; '…' when cut."""
    words, out, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
            if len(out) == lines:
                break
        else:
            line = f"{line} {word}" if line else word
    else:
        if line:
            out.append(line)
        return [_cut(x, width) for x in out] or [""]
    out[-1] = out[-1] + " …"
    return [_cut(x, width + 2) for x in out]


def _cut(line: str, width: int) -> str:
    """A line with one word longer than the room (an IRI, say) cut to it."""
    return line if len(line) <= width + 4 else line[:width] + "…"


def result_timeline_svg(rows: list[tuple[str, str, str, str]], site: Site, lang: str) -> str:
    """The timeline view: rows of (IRI or '', label, date value, datatype IRI), at the data's precision."""
    moments = []
    for iri, label, value, datatype in rows:
        precision = DATES.get(datatype)
        value = value[:10] if datatype == _X + "dateTime" else value
        pattern = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}.get(precision or "")
        if not pattern or not re.fullmatch(pattern, value):
            continue          # a negative year, a time zone or a malformed value: not drawn, never guessed
        try:
            m = Moment(iri, {"en": label, "fa": label}, "", "event", value, precision, False, None)
            m.span
        except ValueError:
            continue
        moments.append(m)
    moments.sort(key=lambda m: (m.position, m.label(lang)))
    if not moments:
        return empty_svg("timeline", site, lang)
    return timeline_svg(moments, site, lang, i18n.word("v_timeline", lang), i18n.word("v_timeline_desc", lang),
                        legend=False)


def empty_svg(kind: str, site: Site, lang: str, message: str | None = None) -> str:
    """A small picture saying the view has nothing to draw (so an embedded image is never broken)."""
    width, height = 960, 60
    out = _svg_open(kind, width, height, lang, i18n.word("v_" + kind, lang), message or i18n.word("v_unfit", lang))
    x = width - 24 if lang == "fa" else 24
    out.append(f'<text class="empty" x="{x}" y="36" text-anchor="start"{_dir(lang)} fill="#5a6270">'
               f'{_esc(message or i18n.word("v_unfit", lang))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bars_svg(rows: list[tuple[str, str, float, str]], site: Site, lang: str) -> str:
    """The bar chart view: rows of (IRI or '', label, number, the number as written); one bar each,
    longest first as the answer orders them, mirrored in Persian."""
    if not rows:
        return empty_svg("bar", site, lang)
    rtl = lang == "fa"
    width, pad, name_w, top, row_h, bar_h = 960, 24, 280, 24, 30, 20
    height = top + len(rows) * row_h + 24
    top_value = max((v for _, _, v, _ in rows if v > 0), default=1.0) or 1.0
    span = width - 2 * pad - name_w - 90
    out = _svg_open("bar", width, height, lang, i18n.word("v_bar", lang), i18n.word("v_bar_desc", lang))
    for i, (iri, label, value, written) in enumerate(rows):
        y = top + i * row_h
        w = round(max(value, 0) / top_value * span, 1)
        x = round(width - pad - name_w - w, 1) if rtl else pad + name_w
        colour = BUILDER_COLOURS[i % len(BUILDER_COLOURS)]
        out.append(f'<g class="bar" data-value="{_esc(written)}"{f" data-iri={chr(34)}{_esc(iri)}{chr(34)}" if iri else ""}>')
        out.append(f'<title>{_esc(label)}: {_esc(_number_text(written, lang))}</title>')
        name_x = width - pad if rtl else pad
        name = _esc(_wrap(label, 38, 1)[0])
        href = page_href(site, iri, lang) if iri else None
        text = (f'<text class="name" x="{name_x}" y="{y + bar_h - 5}" text-anchor="start"{_dir(lang)} '
                f'fill="#1b1f23">{name}</text>')
        out.append(f'<a href="{_esc(href)}">{text}</a>' if href else text)
        out.append(f'<rect x="{x}" y="{y}" width="{max(w, 1)}" height="{bar_h}" rx="3" fill="{colour}"/>')
        vx = round(x - 6, 1) if rtl else round(x + w + 6, 1)
        out.append(f'<text class="value" x="{vx}" y="{y + bar_h - 5}" text-anchor="start"{_dir(lang)} '
                   f'fill="#1b1f23" font-weight="700">{_esc(_number_text(written, lang))}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _number_text(written: str, lang: str) -> str:
    if lang != "fa":
        return written
    return i18n.digits(written.replace(".", "٫"), lang)


def graph_svg(triples: list, site: Site, lang: str) -> str:
    """The graph view of a CONSTRUCT/DESCRIBE answer: nodes on a circle in a fixed order (sorted by
    term, so the same answer always draws the same picture), each triple an arrow labelled with its
    predicate; literals are nodes of their own. At most resultviews.VIEW_NODES nodes."""
    key = node_key
    nodes, edges = graph_drawn(triples)
    if not nodes:
        return empty_svg("graph", site, lang)
    order = sorted(nodes)
    n = len(order)
    width = 960
    radius = max(140, min(420, 18 * n))
    height = 2 * radius + 200
    cx, cy = width / 2, radius + 100
    place = {}
    for i, k in enumerate(order):
        angle = 2 * math.pi * i / n - math.pi / 2
        if lang == "fa":
            angle = math.pi - angle          # right to left: the same order runs the other way round
        # Across, the circle leaves each side room for a label of 26 characters running outwards.
        place[k] = (round(cx + min(radius, 250) * math.cos(angle), 1), round(cy + radius * math.sin(angle), 1))
    out = _svg_open("graph", width, height, lang, i18n.word("v_graph", lang), i18n.word("v_graph_desc", lang))
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="18" refY="5" markerWidth="7" markerHeight="7" '
               'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#5a6270"/></marker></defs>')
    out.append('<g class="edges">')
    for t in edges:
        (x1, y1), (x2, y2) = place[key(t.subject)], place[key(t.object)]
        label = site.labels.get(t.predicate.value, lang) or site.short(t.predicate.value)
        out.append(f'<g class="edge" data-predicate="{_esc(t.predicate.value)}">'
                   f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#8a929c" stroke-width="1.2" '
                   f'marker-end="url(#arrow)"/>'
                   f'<text x="{round((x1 + x2) / 2, 1)}" y="{round((y1 + y2) / 2 - 3, 1)}" text-anchor="middle"'
                   f'{_dir(lang)} fill="#5a6270" font-size="10">{_esc(_wrap(label, 28, 1)[0])}</text></g>')
    out.append('</g><g class="nodes">')
    for k in order:
        term = nodes[k]
        x, y = place[k]
        literal = isinstance(term, ox.Literal)
        if isinstance(term, ox.NamedNode):
            text = site.labels.get(term.value, lang) or site.short(term.value)
        elif isinstance(term, ox.BlankNode):
            text = "_:" + term.value
        else:
            text = term.value
        text = _wrap(text, 26, 1)[0]
        colour = "#b45f06" if literal else "#0b5cad"
        kind = "literal" if literal else ("iri" if isinstance(term, ox.NamedNode) else "bnode")
        out.append(f'<g class="node {kind}" data-term="{_esc(str(term))}">')
        out.append(f'<title>{_esc(str(term))}</title>')
        shape = (f'<rect x="{x - 6}" y="{y - 6}" width="12" height="12" fill="#fff" stroke="{colour}" stroke-width="2"/>'
                 if literal else f'<circle cx="{x}" cy="{y}" r="7" fill="{colour}"/>')
        out.append(shape)
        right = x >= cx
        anchor = _anchor(right, lang == "fa")
        tx = x + 11 if right else x - 11
        label = (f'<text x="{tx}" y="{y + 4}" text-anchor="{anchor}"{_dir(lang)} fill="#1b1f23" '
                 f'font-weight="600">{_esc(text)}</text>')
        href = page_href(site, term.value, lang) if isinstance(term, ox.NamedNode) else None
        out.append(f'<a href="{_esc(href)}">{label}</a>' if href else label)
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def sources_svg(entries: list[tuple[str, str, list[tuple[str, str, str | None, str | None]]]], site: Site,
                lang: str) -> str:
    """The sources view: for each resource (IRI, label, [(passage IRI, passage label, quote, passage
    text)]), the passage it is stated in and the source's own words."""
    if not entries:
        return empty_svg("sources", site, lang, i18n.word("v_no_sources", lang))
    rtl = lang == "fa"
    width, pad = 960, 24
    x = width - pad if rtl else pad
    body: list[str] = []
    y = 30
    for iri, label, sources in entries:
        href = page_href(site, iri, lang)
        name = (f'<text class="resource" x="{x}" y="{y}" text-anchor="start"{_dir(lang)} fill="#1b1f23" '
                f'font-weight="700" font-size="14">{_esc(label)}</text>')
        body.append(f'<g class="source-entry" data-iri="{_esc(iri)}">')
        body.append(f'<a href="{_esc(href)}">{name}</a>' if href else name)
        y += 20
        for passage, passage_label, quote, text in sources:
            indent = x - 16 if rtl else x + 16
            phref = page_href(site, passage, lang)
            ptext = (f'<text class="passage" x="{indent}" y="{y}" text-anchor="start"{_dir(lang)} fill="#0b5cad">'
                     f'{_esc(passage_label)}</text>')
            body.append(f'<g class="source" data-passage="{_esc(passage)}">')
            body.append(f'<a href="{_esc(phref)}">{ptext}</a>' if phref else ptext)
            y += 18
            if quote:
                for line in _wrap(f"«{quote}»", 110, 3):
                    body.append(f'<text class="quote" x="{indent}" y="{y}" text-anchor="{"start" if rtl else "end"}" direction="rtl" '
                                f'lang="fa" fill="#1b1f23">{_esc(line)}</text>')
                    y += 17
            if text and lang == "en":
                for line in _wrap(text, 120, 2):
                    body.append(f'<text class="translation" x="{indent}" y="{y}" text-anchor="start" '
                                f'fill="#5a6270" font-size="12">{_esc(line)}</text>')
                    y += 16
            body.append("</g>")
            y += 6
        body.append("</g>")
        y += 12
    out = _svg_open("sources", width, y + 10, lang, i18n.word("v_sources", lang), i18n.word("v_sources_desc", lang))
    out.extend(body)
    out.append("</svg>")
    return "\n".join(out)
