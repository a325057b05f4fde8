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
import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

from . import i18n
from .protocol import ProtocolQuery
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
    reply = queries.answer(ProtocolQuery(query=text, params=(("format", "json"),)),
                           "application/sparql-results+json")
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


def timeline_svg(moments: list[Moment], site: Site, lang: str) -> str:
    """A horizontal time axis with one row per moment, each a band as wide as its date's precision."""
    rtl = lang == "fa"
    width, pad, axis_y, top, row_h = 960, 36, 46, 78, 42
    first = min(m.span[0] for m in moments)
    last = max(m.span[1] for m in moments)
    y0 = int(first) - 1
    y1 = ((int(last) + 2) // 5 + 1) * 5        # room after the last date for an open end's arrow
    legend_y = top + len(moments) * row_h + 18
    height = legend_y + 44

    def x(year: float) -> float:
        frac = (year - y0) / (y1 - y0)
        return round(pad + (1 - frac if rtl else frac) * (width - 2 * pad), 1)

    out = _svg_open("timeline", width, height, lang, i18n.word("timeline_title", lang),
                    i18n.word("timeline_desc", lang))
    # The axis, a tick every year and a labelled one every five.
    out.append(f'<line class="axis" x1="{x(y0)}" y1="{axis_y}" x2="{x(y1)}" y2="{axis_y}" stroke="#5a6270" '
               f'stroke-width="1.5"/>')
    out.append('<g class="ticks">')
    for year in range(y0, y1 + 1):
        major = year % 5 == 0
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
        href = page_href(site, m.iri, lang)
        out.append(f'<a href="{_esc(href)}">')
        out.append(f'<text class="label" x="{round(tx, 1)}" y="{y - 2}" text-anchor="{anchor}"{_dir(lang)} '
                   f'fill="#1b1f23" font-weight="600">{_esc(m.label(lang))}</text>')
        out.append('</a>')
        out.append(f'<text class="date" x="{round(tx, 1)}" y="{y + 14}" text-anchor="{anchor}"{_dir(lang)} '
                   f'fill="#5a6270" font-size="12">{_esc(m.date_text(lang))}</text>')
        out.append('</g>')
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
