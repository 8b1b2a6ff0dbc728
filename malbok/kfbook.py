"""The council's (KF) follow-up workbook.

The content of each sheet is built once (:func:`kf_sheets`) as plain rows with
colours; two renderers write it: XlsxWriter for ``KF.xlsx`` (with charts and
Excel tables) and :mod:`malbok.excel` into the controller's open workbook.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, cast

import pandas as pd
import xlsxwriter
from xlsxwriter.sharedstrings import SharedStringTable
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name, xl_range, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ._version import __version__
from .colours import ink
from .consolidation import COUNCIL, Consolidation
from .findings import STATUS_COLOURS, WARNING, Finding, FindingsSummary, counted
from .layout import (
    ASSESSED_KINDS,
    KF_AREA,
    KF_DATA,
    KF_PROGRAMME,
    KF_UNITS,
    KIND_GOAL,
    KIND_INDICATOR,
    KIND_KF,
    KIND_PROGRAMME,
    KONTROLL,
    META_SHEET,
    Identity,
    SheetLayout,
    write_identity,
)
from .messages import visible
from .model import Meaning, Model, Scale
from .util import atomic_xlsx
from .workbook import FIXED_DATE, kommun, write_model_sheet
from .xlstyle import INTEGER, ONE_DECIMAL, fitted_height, number_format, page_setup

KF_SHEETS = ("Översikt", "Enheter", "Kontroll", "Data", "Trend", "Ändringar", "Kolada")
TREND_SHEET, CHANGES_SHEET, KOLADA_SHEET = "Trend", "Ändringar", "Kolada"
TREND_YEARS = 4  # previous years beside this period's value: a sparkline over up to five years
_TREND_FILL = {1: "#C6EFCE", 0: "#EDEDED", -1: "#FFC7CE"}


@dataclass
class Block:
    """A titled table inside a sheet; ``colours`` maps (row, col) in ``rows`` to a fill."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    colours: dict[tuple[int, int], str] = field(default_factory=dict)
    chart: list[tuple[str, int, str]] | None = None  # (label, count, colour) for a chart
    widths: list[float] | None = None
    # Excel sparklines: (row in ``rows``, first and last column of the values, column of the sparkline)
    sparklines: list[tuple[int, int, int, int]] = field(default_factory=list)
    # number formats (malbok.xlstyle): per column, and per (row, col) where a row's unit of measure decides
    column_formats: dict[int, str] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    # printing: the columns that print (technical ones after them do not), the key columns (ID and name)
    # repeated on each page across, the column a second page across starts with, and the columns
    # hidden when empty for every row
    print_columns: int | None = None
    key_columns: int = 0
    break_before: int | None = None
    hide_empty: tuple[int, ...] = ()
    note: str = ""  # a line under the title (a summary in words)


@dataclass
class SheetContent:
    name: str
    title: str
    subtitle: str
    blocks: list[Block]
    table: bool = False  # a single Excel table from A1 (Kontroll, Data …): its title and subtitle go in the page header


def scale_for_row(model: Model, rec: Mapping[str, Any] | pd.Series) -> Scale | None:
    """The scale a Data row is assessed on: its goal level's, or the indicator scale for an indicator under an area."""
    if rec["Typ"] in ASSESSED_KINDS:
        try:
            return model.goal_scale(model.goal(rec["ID"]))
        except KeyError:
            return None
    if rec["Typ"] == KIND_INDICATOR and model.indicator_scale and not rec["Överordnat"]:
        return model.scale(model.indicator_scale)
    return None


CELL_CHARS = 32_767  # the most a cell in Excel holds
LONG_TEXT_SHEET = "_langa_texter"  # very hidden: texts longer than a cell, whole, for the CSV and Parquet exports
_CUT_MARK = " … [avkortad; hela texten finns i CSV- och Parquet-exporten]"


def _owners(units: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """The units reporting each (ID, Typ), in the order of ``Data``: made once, not searched for per row."""
    owners: dict[tuple[str, str], list[str]] = {}
    for rid, kind, unit in zip(units["ID"], units["Typ"], units["Enhet"], strict=True):
        owners.setdefault((rid, kind), []).append(unit)
    return owners


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")``, column by column: a tenth of the time on pandas' Arrow-backed texts."""
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*(frame[c].tolist() for c in names), strict=True)]


def _cells(frame: pd.DataFrame) -> list[list[Any]]:
    """Each row of ``frame`` as a list, each value as :func:`_cell` makes it (missing and infinite values as '',
    texts longer than a cell cut), column by column: a column that needs none of that is taken as it is."""
    columns = []
    for c in frame.columns:
        col = frame[c].tolist()
        if frame[c].hasnans or any(type(v) is float and not math.isfinite(v) or type(v) is str and len(v) > CELL_CHARS
                                   for v in col):
            col = [_cell(v) for v in col]
        columns.append(col)
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _cell(v: Any) -> Any:
    """A value as a cell gets it: nothing for None, NaN and ±infinity (never Excel's =1/0 or =NA()),
    text cut to what a cell holds."""
    if v is None:
        return ""
    if isinstance(v, float) and not math.isfinite(v):
        return ""
    if isinstance(v, str) and len(v) > CELL_CHARS:
        return v[: CELL_CHARS - len(_CUT_MARK)] + _CUT_MARK
    return v


def kf_sheets(cons: Consolidation) -> list[SheetContent]:
    """The KF follow-up as sheet contents (renderer-independent)."""
    return list(kf_sheet_contents(cons))


def kf_sheet_contents(cons: Consolidation) -> Iterator[SheetContent]:
    """:func:`kf_sheets` one sheet at a time, each made when the one before it is written: KF.xlsx holds one
    sheet's rows in memory, not every sheet's."""
    m, p = cons.model, cons.period
    data = cons.data
    council = data[data["Sammanställning"] == "kommun"]
    units = data[data["Sammanställning"] == "enhet"]
    owners = _owners(units)

    # Översikt: the whole kommun and per nämnd, then per goal level across areas, then per area and level
    blocks: list[Block] = overview_blocks(m, council, units, owners)
    programmes = programme_results(m, data)
    for res in programmes:  # in Översikt: how the units assess each programme
        b = Block(f"Handlingsprogram – {res.name}", ["ID", "Handlingsprogram", "Bedömning", "Antal enheter", "Enheter"], [],
                  widths=[9, 50, 26, 13, 22])
        for label, n in res.counts():
            who = ", ".join(r["Enhet"] for r in res.rows if (r["Bedömning"] or "Ingen bedömning") == label)
            b.rows.append([res.id, res.name, label, str(n), who])  # a count, shown as it is (no decimals)
            colour = res.scale.colour_of(label) if res.scale is not None else None
            b.colours[(len(b.rows) - 1, 2)] = colour or "#D9D9D9"
        blocks.append(b)
    reached = _summary_sentences(cons)
    yield (SheetContent("Översikt", f"Måluppfyllelse {p.name}", " · ".join([kommun(m.municipality.name), *reached[:1]]),
                               blocks))

    # one sheet per area
    from .layout import sheet_name

    taken = {s.lower() for s in KF_SHEETS}
    for area in m.areas:
        frame = data[data["Område"] == area.name]
        if frame.empty:
            continue
        at = KF_AREA.index
        # printed: up to Åtgärder (Fil and Cell are for the controller), ID, Typ and the text repeated on each page
        # across, the second page across from the suggestion's reason on, and Måttenhet, Utfall and Placering only when some row has one
        b = Block(area.name, list(KF_AREA.headers), [], widths=KF_AREA.widths, column_formats=KF_AREA.column_formats,
                  print_columns=at["file"], key_columns=at["unit"], break_before=at["reason"],
                  hide_empty=(at["measure"], at["outcome"], at["rank"]))
        # the area's grunduppdrag: its text (the area's) once under the title, its rows named by the level
        basic = any(g.area == area.id and m.basic_mission(g.id) is not None for g in m.goals) and area.text.strip()
        if basic:
            b.note = " ".join(area.text.split())
        order = {rid: i for i, rid in enumerate(dict.fromkeys(frame["ID"]))}
        frame = frame.assign(_o=frame["ID"].map(order), _c=(frame["Enhet"] != COUNCIL).astype(int)).sort_values(["_o", "_c", "Enhet"], kind="stable")
        for rec in _records(frame):
            who = "Hela kommunen" if rec["Enhet"] == COUNCIL else rec["Enhet"]
            text = m.shown_under_area(rec["ID"], rec["Text"]) if basic and rec["Typ"] != KIND_INDICATOR else rec["Text"]
            b.rows.append([rec["ID"], rec["Typ"], text, who, rec["Måttenhet"], _cell(rec["Utfall"]), _cell(rec["Placering"]),
                           rec["Målvärde"], rec["Bedömning"], rec["Förslag"], rec["Förslagsskäl"], rec["Kommentar"], rec["Åtgärder"],
                           rec["Fil"], rec["Cell"]])
            if rec["Måttenhet"]:
                b.formats[(len(b.rows) - 1, at["outcome"])] = number_format(rec["Måttenhet"])
            scale = scale_for_row(m, rec)
            if scale is not None:
                for col, key in ((at["assessment"], "Bedömning"), (at["proposal"], "Förslag")):
                    colour = scale.colour_of(rec[key]) if rec[key] else None
                    if colour:
                        b.colours[(len(b.rows) - 1, col)] = colour
        yield (SheetContent(sheet_name(area.name, taken), area.name, f"{p.name} · alla mål och indikatorer per enhet", [b]))
        del b, frame  # written: not kept while the next sheet is made
    if programmes:
        yield _programme_sheet(programmes, p.name, sheet_name("Handlingsprogram", taken))

    yield from history_sheets(cons)
    yield from kolada_sheets(cons)

    yield units_sheet(cons.units, KF_UNITS, "Inlämnade arbetsböcker",
                      f"{cons.files_summary()} · {counted(len(cons.missing_units), 'enhet', 'enheter')} saknas")
    yield findings_sheet(cons, "Kontroll av inlämnade filer")
    d = data[list(KF_DATA.headers)]
    db = Block("Data", list(KF_DATA.headers), _cells(d), widths=KF_DATA.widths, column_formats=KF_DATA.column_formats)
    outcome = KF_DATA.index["outcome"]
    db.formats = {(i, outcome): number_format(unit) for i, unit in enumerate(d["Måttenhet"].tolist()) if unit}
    yield (SheetContent("Data", "Data", f"{p.name} · en rad per enhet och mål eller indikator, och kommunens", [db], table=True))


# -- the views of måluppfyllelse (Översikt and the Word chapter) ----------------------------

NOT_ASSESSED_LABEL = "Ej bedömd"
NOT_ASSESSED_COLOUR = "#D9D9D9"
SUGGESTION_HEADING = "Bedömning enligt målvärdet"  # the computed assessment, in neutral words
_ACTIVITY_LEVEL_ID = "aktivitet"


@dataclass
class Group:
    """The goals of one level (or the indicators decided under an area): their words and their scale."""

    name: str  # 'Kvalitetsfaktor'
    one: str  # 'kvalitetsfaktor'
    many: str  # 'kvalitetsfaktorer'
    heading: str  # 'Grad av kvalitet'
    scale: Scale | None
    level: str | None  # the level's name in Data's 'Nivå'; None for the indicators under an area

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (Data) this group counts."""
        if self.level is None:
            return frame[(frame["Typ"] == KIND_INDICATOR) & (frame["Överordnat"] == "")]
        return frame[frame["Typ"].isin(ASSESSED_KINDS) & (frame["Nivå"] == self.level)]

    def words(self, n: int) -> str:
        return self.one if n == 1 else self.many

    def counts(self, labels: list[str]) -> list[tuple[str, int, str]]:
        """(label, how many, colour) for every step of the scale in its order, the unassessed under the scale's
        own 'ej bedömt' label (else 'Ej bedömd', grey) when there are any."""
        given = [lab or "" for lab in labels]
        out: list[tuple[str, int, str]] = []
        unassessed = given.count("")
        own_na = None
        if self.scale is not None:
            for lab in self.scale.labels:
                n = given.count(lab.label)
                if lab.meaning == Meaning.NOT_ASSESSED:
                    if own_na is None:
                        own_na = len(out)
                    if not n and not unassessed:
                        continue
                out.append((lab.label, n, lab.colour))
        if unassessed:
            if own_na is not None:
                label, n, colour = out[own_na]
                out[own_na] = (label, n + unassessed, colour)
            else:
                out.append((NOT_ASSESSED_LABEL, unassessed, NOT_ASSESSED_COLOUR))
        return out


def assessment_groups(model: Model) -> list[Group]:
    """The model's goal levels (activities left out) and, with an indicator scale, the indicators under an area."""
    out = []
    for lv in model.levels:
        if lv.id == _ACTIVITY_LEVEL_ID:
            continue
        try:
            scale = model.scale(lv.scale)
        except KeyError:
            scale = None
        out.append(Group(lv.name, lv.one(), lv.many(), lv.assessment_heading, scale, lv.name))
    if model.indicator_scale:
        out.append(Group("Indikatorer", "indikator", "indikatorer", "Bedömning", model.scale(model.indicator_scale), None))
    return out


MEANINGS_COUNTED = (Meaning.REACHED, Meaning.ON_THE_WAY, Meaning.NOT_REACHED, Meaning.NOT_ASSESSED)
MEANING_HEADINGS = ("Uppfyllda", "Delvis uppfyllda", "Ej uppfyllda", "Ej bedömda")


def meaning_counts(model: Model, rows: pd.DataFrame) -> list[int]:
    """How many rows are reached, partly reached, not reached and not assessed, by their labels' meanings:
    levels with differently worded scales add up."""
    counts = dict.fromkeys(MEANINGS_COUNTED, 0)
    for rec in _records(rows):
        counts[_meaning(model, rec)] += 1
    return [counts[mn] for mn in MEANINGS_COUNTED]


def _meaning(model: Model, rec: Mapping[str, Any]) -> Meaning:
    """What a Data row's assessment means on its scale; not assessed without one."""
    scale = scale_for_row(model, rec)
    meaning = scale.meaning_of(rec["Bedömning"]) if scale is not None and rec["Bedömning"] else None
    return meaning or Meaning.NOT_ASSESSED


def whole_kommun(model: Model, council: pd.DataFrame) -> list[tuple[str, list[int]]]:
    """Per group ('Inriktningsmål', …) the counts by meaning, and the total ('Alla')."""
    out = []
    total = [0, 0, 0, 0]
    for grp in assessment_groups(model):
        rows = grp.rows(council)
        if rows.empty:
            continue
        counts = meaning_counts(model, rows)
        out.append((grp.name, counts))
        total = [a + b for a, b in zip(total, counts, strict=True)]
    if len(out) > 1:
        out.append(("Alla", total))
    return out


def per_unit(model: Model, units: pd.DataFrame) -> list[tuple[str, str, list[int]]]:
    """Per nämnd and bolag (model order) its own assessments of the goals it reports, by meaning."""
    assessed = assessed_rows(units)
    by_unit: dict[str, dict[Meaning, int]] = {}  # one pass over the rows, not one search of them per unit
    for rec in _records(assessed[["Typ", "ID", "Överordnat", "Bedömning", "Enhet"]]):
        counts = by_unit.get(rec["Enhet"])
        if counts is None:
            counts = by_unit[rec["Enhet"]] = dict.fromkeys(MEANINGS_COUNTED, 0)
        counts[_meaning(model, rec)] += 1
    return [(u.code, u.name, [by_unit[u.code][mn] for mn in MEANINGS_COUNTED]) for u in model.units if u.code in by_unit]


def _overview_counts_block(title: str, first: str, rows: list[tuple[str, str, list[int]]]) -> Block:
    b = Block(title, ["", first, "Antal", *MEANING_HEADINGS], [], widths=list(_OVERVIEW_WIDTHS))
    for code, name, counts in rows:
        b.rows.append([code, name, sum(counts), *counts])
    return b


# Översikt's columns, shared by its count tables and goal lists: narrow enough that the widest table (seven
# columns) and the charts beside the counts print on one page width at 80 % or more (body text 8 pt or more)
_OVERVIEW_WIDTHS: list[float] = [9, 50, 26, 26, 22, 13, 13]


def overview_blocks(m: Model, council: pd.DataFrame, units: pd.DataFrame,
                    owners: dict[tuple[str, str], list[str]]) -> list[Block]:
    """Översikt's blocks: the whole kommun and per nämnd (by meaning), per goal level across areas (the goals
    with their labels, the counts per label and a chart), per area and level (the goals)."""
    blocks: list[Block] = []
    total = whole_kommun(m, council)
    if total:
        blocks.append(_overview_counts_block("Hela kommunen", "Målnivå", [("", name, c) for name, c in total]))
    by_unit = per_unit(m, units)
    if by_unit:
        blocks.append(_overview_counts_block("Per nämnd och bolag (nämndernas egna bedömningar)", "Nämnd/bolag", by_unit))
    groups = assessment_groups(m)
    for grp in groups:
        rows = grp.rows(council)
        if rows.empty:
            continue
        counts = grp.counts(rows["Bedömning"].tolist())
        c = Block(f"{grp.name} – antal per bedömning", ["", grp.heading, "Antal"], [], widths=list(_OVERVIEW_WIDTHS))
        for label, n, colour in counts:
            c.rows.append(["", label, n])
            c.colours[(len(c.rows) - 1, 1)] = colour
        c.rows.append(["", f"Summa {grp.many}", len(rows)])
        c.chart = counts
        blocks.append(c)
        suggested = bool((rows["Förslag"] != "").any())  # the computed column only where some row has one
        b = Block(f"{grp.name} – {grp.heading}", ["ID", grp.name, grp.heading, *([SUGGESTION_HEADING] * suggested), "Område"], [],
                  widths=list(_OVERVIEW_WIDTHS))
        for rec in _records(rows):
            b.rows.append([rec["ID"], rec["Text"], rec["Bedömning"] or NOT_ASSESSED_LABEL,
                           *([rec["Förslag"]] * suggested), rec["Område"]])
            _colour_labels(b, grp.scale, rec, (2, 3) if suggested else (2,))
        blocks.append(b)
    for area in m.areas:
        rows_area = council[council["Område"] == area.name]
        for grp in groups:
            frame = grp.rows(rows_area)
            if frame.empty:
                continue
            suggested = bool((frame["Förslag"] != "").any())
            b = Block(f"{area.name} – {grp.name}", ["ID", grp.name, grp.heading, *([SUGGESTION_HEADING] * suggested), "Ansvariga"],
                      [], widths=list(_OVERVIEW_WIDTHS), note=group_phrase(grp, frame["Bedömning"].tolist()))
            for rec in _records(frame):
                who = ", ".join(owners.get((rec["ID"], rec["Typ"]), ()))
                b.rows.append([rec["ID"], rec["Text"], rec["Bedömning"] or NOT_ASSESSED_LABEL, *([rec["Förslag"]] * suggested), who])
                _colour_labels(b, grp.scale, rec, (2, 3) if suggested else (2,))
            blocks.append(b)
    return blocks


def _colour_labels(b: Block, scale: Scale | None, rec: Mapping[str, Any], cols: tuple[int, ...]) -> None:
    for col, key in zip(cols, ("Bedömning", "Förslag"), strict=False):
        if not rec[key]:
            if key == "Bedömning":
                b.colours[(len(b.rows) - 1, col)] = NOT_ASSESSED_COLOUR
            continue
        colour = scale.colour_of(rec[key]) if scale is not None else None
        if colour:
            b.colours[(len(b.rows) - 1, col)] = colour


def group_phrase(grp: Group, labels: list[str]) -> str:
    """'1 av 2 kvalitetsfaktorer – Kvalitén är på väg att uppnås; 1 – Kvalitén är på väg att inte uppnås':
    the counts in the scale's own labels (best first) and the level's own words."""
    counts = [(label, n) for label, n, _c in grp.counts(labels) if n]
    total = len(labels)
    if not counts:
        return ""
    (first, n0), rest = counts[0], counts[1:]
    text = f"{n0} av {total} {grp.words(total)} – {first}" + "".join(f"; {n} – {label}" for label, n in rest)
    return text


@dataclass
class ProgrammeResult:
    """One handlingsprogram at the period: each participating unit's assessment, comment and actions."""

    id: str
    name: str
    goals: str  # the goals it serves, in words
    scale: Scale | None
    rows: list[dict[str, Any]]  # Enhet, Enhetsnamn, Bedömning, Kommentar, Åtgärder, Fil

    def counts(self) -> list[tuple[str, int]]:
        """(label, how many units gave it) in the scale's order, then those without an assessment."""
        labels = [lab.label for lab in self.scale.labels] if self.scale is not None else []
        given = [r["Bedömning"] for r in self.rows]
        out = [(lab, given.count(lab)) for lab in labels if given.count(lab)]
        out += [(lab, given.count(lab)) for lab in dict.fromkeys(given) if lab and lab not in labels]
        missing = given.count("")
        if missing:
            out.append(("Ingen bedömning", missing))
        return out


def programme_results(model: Model, data: pd.DataFrame) -> list[ProgrammeResult]:
    """The handlingsprogram followed up at the period, in model order, from the units' rows of ``Data``."""
    from .workbook import programme_scale

    rows = data[(data["Typ"] == KIND_PROGRAMME) & (data["Sammanställning"] == "enhet")]
    out = []
    for prog in model.programmes:
        own = rows[rows["ID"] == prog.id]
        if own.empty:
            continue
        goals = []
        for gid in prog.goals:
            try:
                goals.append(f"{gid} {model.goal(gid).text}")
            except KeyError:
                goals.append(gid)
        out.append(ProgrammeResult(prog.id, prog.name, "; ".join(goals), programme_scale(model),
                                   [{k: r[k] for k in ("Enhet", "Enhetsnamn", "Bedömning", "Kommentar", "Åtgärder", "Fil")}
                                    for r in own.to_dict("records")]))
    return out


def _programme_sheet(results: list[ProgrammeResult], period_name: str, name: str) -> SheetContent:
    blocks = []
    for res in results:
        b = Block(f"{res.id}: {res.name}", list(KF_PROGRAMME.headers), [], widths=KF_PROGRAMME.widths)
        for r in res.rows:
            b.rows.append([r["Enhet"], r["Enhetsnamn"], r["Bedömning"] or ("Ej bedömd" if r["Fil"] else "Ingen uppföljning inlämnad"),
                           r["Kommentar"], r["Åtgärder"]])
            colour = res.scale.colour_of(r["Bedömning"]) if res.scale is not None and r["Bedömning"] else "#D9D9D9"
            if colour:
                b.colours[(len(b.rows) - 1, KF_PROGRAMME.index["assessment"])] = colour
        blocks.append(b)
    return SheetContent(name, "Handlingsprogram", f"{period_name} · varje deltagande nämnds och bolags uppföljning", blocks)


def history_sheets(cons: Consolidation) -> list[SheetContent]:
    """With a history store: ``Trend`` (per indicator and unit the previous years' values, this
    period's, an arrow by the indicator's good direction and a sparkline; per goal last year's
    assessment beside this year's) and, after a resubmission, ``Ändringar``."""
    hist = cons.earlier
    if hist is None:
        return []
    made = cons.__dict__.get("_history_sheets")
    if made is not None:  # made once per consolidation (the CLI's summary names them too)
        return made
    from .history import CHANGE_COLUMNS
    from .targets import TREND_WORDS, fmt_value, trend

    m, p = cons.model, cons.period
    years = list(range(p.year - TREND_YEARS, p.year))
    header = ["ID", "Indikator", "Enhet", "Utgångsvärde", *(str(y) for y in years), p.name, "Trend", "Kurva"]
    b = Block("Indikatorer", header, [], widths=[9, 46, 11, 14, *([10] * len(years)), 14, 14, 16])
    inds = {i.id: i for i in m.indicators}
    data = cons.data
    rows = data[data["Typ"] == KIND_INDICATOR]
    order = {rid: i for i, rid in enumerate(dict.fromkeys(rows["ID"]))}
    rows = rows.assign(_o=rows["ID"].map(order), _c=(rows["Enhet"] != COUNCIL).astype(int)).sort_values(["_o", "_c", "Enhet"], kind="stable")
    first, last = 4, 4 + len(years)
    for _i, rec in rows.iterrows():
        ind = inds.get(rec["ID"])
        if ind is None or (rec["Sammanställning"] == "enhet" and not rec["Fil"]):
            continue
        unit = rec["Enhet"]
        by_year = {e.year: e.value for e in hist.series(ind, unit, TREND_YEARS)}
        now = _cell(rec["Utfall"])
        now = None if now == "" else float(now)
        if not by_year and now is None:
            continue
        base = ind.baseline
        if base is not None and base.value is not None:
            base_text = f"{fmt_value(base.value, ind.measure)} ({base.year})"
        else:
            hb = hist.baseline(ind, unit)
            base_text = f"{fmt_value(hb.value, ind.measure)} ({hb.year})" if hb is not None else ""
        before = hist.previous(ind, unit)
        way = trend(ind, now, before.value if before is not None else None)
        b.rows.append([rec["ID"], rec["Text"], unit, base_text, *(by_year.get(y, "") for y in years),
                       "" if now is None else now, TREND_WORDS.get(way, "") if way is not None else "", ""])
        i = len(b.rows) - 1
        if way is not None:
            b.colours[(i, last + 1)] = _TREND_FILL[way]
        b.sparklines.append((i, first, last, last + 2))
        shown_as = number_format(ind.measure)  # the years and this period in the indicator's unit of measure
        for col in range(first, last + 1):
            b.formats[(i, col)] = shown_as
    blocks = [b] if any(any(v != "" for v in r[first:last]) for r in b.rows) else []  # only with earlier values
    council = data[data["Sammanställning"] == "kommun"]
    assessed = assessed_rows(council)
    if not assessed.empty:
        seen_before = False
        g = Block("Mål och bedömningar", ["ID", "Mål / indikator", "Enhet", f"Bedömning {p.year - 1}", f"Bedömning {p.name}", "Förändring"], [],
                  widths=[9, 46, 11, 22, 22, 14])
        for _i, rec in assessed.iterrows():
            scale = scale_for_row(m, rec)
            then = hist.assessment(rec["Typ"], rec["ID"], COUNCIL)
            then_label = then[1] if then else ""
            now_label = rec["Bedömning"] or ""
            change = ""
            way = None
            if scale is not None and then_label and now_label:
                a, c = scale.step(then_label), scale.step(now_label)
                if a is not None and c is not None:
                    way = (a > c) - (a < c)
                    change = TREND_WORDS[way]
            seen_before = seen_before or bool(then_label)
            g.rows.append([rec["ID"], rec["Text"], "Hela kommunen", then_label or "–", now_label or "Ej bedömd", change])
            i = len(g.rows) - 1
            if scale is not None:
                for col, label in ((3, then_label), (4, now_label)):
                    colour = scale.colour_of(label) if label else None
                    if colour:
                        g.colours[(i, col)] = colour
            if way is not None:
                g.colours[(i, 5)] = _TREND_FILL[way]
        if seen_before or blocks:
            blocks.append(g)
    sub = f"{p.name} mot tidigare år ur historiken; pilen visar bättre eller sämre efter indikatorns riktning"
    out = [SheetContent(TREND_SHEET, "Trend", sub, blocks)] if blocks else []
    if cons.resubmitted:
        n = len(cons.resubmitted)
        who = f"{n} {'enhet' if n == 1 else 'enheter'} har lämnat in på nytt: {', '.join(cons.resubmitted)}"
        rows_c = [[c.unit, c.row_id, c.kind, c.what, _cell(c.before), _cell(c.after), c.file, c.sheet, c.cell] for c in cons.changes]
        out.append(SheetContent(CHANGES_SHEET, "Ändringar sedan förra konsolideringen",
                                f"{who} · {len(rows_c)} {'ändrad cell' if len(rows_c) == 1 else 'ändrade celler'}",
                                [Block("Ändringar", list(CHANGE_COLUMNS), rows_c, widths=[8, 9, 10, 11, 30, 30, 30, 22, 7])], table=True))
    cons.__dict__["_history_sheets"] = out
    return out




def kolada_sheets(cons: Consolidation) -> list[SheetContent]:
    """With Kolada's figures in the history store: ``Kolada``, one row per indicator with a Kolada id and a value up
    to the period's year: the kommun's latest value, its year, the median among the municipalities with a value that
    year, the place and n, the percentile, which way is better, the source, and for tracing the area, Kolada's title
    and status flag and the date it was fetched. Nothing without figures."""
    from .kolada import ATTRIBUTION, KOLADA_COLUMNS, KOLADA_SOURCE

    figures = getattr(cons.earlier, "kolada", None) or {}
    if not figures:
        return []
    m, p = cons.model, cons.period
    area_of = {str(i): str(a) for i, a in zip(cons.data["ID"], cons.data["Område"], strict=True)}
    col = {name: c for c, name in enumerate(KOLADA_COLUMNS)}
    b = Block("Nyckeltal från Kolada", list(KOLADA_COLUMNS), [], widths=[8, 38, 10, 7, 10, 10, 10, 10, 10, 8, 30, 20, 44, 9, 11],
              column_formats={col["År"]: "0", col["Placering"]: INTEGER, col["Antal kommuner"]: INTEGER,
                              col["Percentil"]: ONE_DECIMAL},
              print_columns=KOLADA_COLUMNS.index("Källa") + 1, key_columns=2)  # the columns after Källa are for tracing
    for ind in m.indicators:
        fig = figures.get(ind.id)
        if fig is None or fig.row.value is None or fig.row.year is None:
            continue
        row, pos = fig.row, fig.row.position
        ranked: list[Any] = ["", "", "", "", ""] if pos is None else [
            pos.median, pos.rank, pos.n, round(pos.percentile, 1), "högst" if pos.higher_is_better else "lägst"]
        b.rows.append([ind.id, ind.short, row.kpi, row.year, row.value, *ranked, KOLADA_SOURCE, area_of.get(ind.id, ""),
                       row.title, row.status, row.fetched_at[:10]])
        for c in (col["Värde"], col["Median"]):
            b.formats[(len(b.rows) - 1, c)] = number_format(ind.measure)
    if not b.rows:
        return []
    said = (f"{p.name} · {ATTRIBUTION} · Kommunens senaste värde i Kolada till och med {p.year}, medianen bland landets "
            "kommuner med ett värde samma år och kommunens placering bland dem: plats 1 är bäst, lika värden delar bästa "
            "plats. Percentilen är andelen kommuner med sämre värde plus halva andelen med samma värde.")
    return [SheetContent(KOLADA_SHEET, "Nyckeltal från Kolada", said, [b])]


def _summary_sentences(cons: Consolidation) -> list[str]:
    """The whole kommun's sentence (by meaning, across levels), then one per area in the scales' own words."""
    m = cons.model
    council = cons.data[(cons.data["Sammanställning"] == "kommun")]
    out = []
    whole = kommun_sentence(m, council)
    if whole:
        out.append(whole)
    for area in m.areas:
        rows = assessed_rows(council[council["Område"] == area.name])
        if rows.empty:
            continue
        out.append(summary_sentence(m, area.name, rows))
    return out


ACTIVITY_LEVEL_NAME = "Aktivitet"


def assessed_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows a summary counts: goals (activities from the plan round excluded) and indicators decided under an area."""
    goals = (rows["Typ"] == KIND_GOAL) & (rows["Nivå"] != ACTIVITY_LEVEL_NAME)
    return rows[goals | ((rows["Typ"] == KIND_INDICATOR) & (rows["Överordnat"] == ""))]


# (singular for a goal, singular for an indicator, plural) per meaning; unassessed rows last
_MEANING_WORDS = {
    Meaning.REACHED: ("uppfyllt", "uppfylld", "uppfyllda"),
    Meaning.ON_THE_WAY: ("delvis uppfyllt", "delvis uppfylld", "delvis uppfyllda"),
    Meaning.NOT_REACHED: ("ej uppfyllt", "ej uppfylld", "ej uppfyllda"),
    Meaning.NOT_ASSESSED: ("ej bedömt", "ej bedömd", "ej bedömda"),
}


def kommun_sentence(model: Model, council: pd.DataFrame, name: str = "Hela kommunen") -> str:
    """'Hela kommunen: 8 av 30 mål är uppfyllda, 3 delvis uppfyllda och 19 ej uppfyllda.'

    Across levels the steps are counted by their meanings (what the model says each step means), so
    levels with differently worded scales add up; '' when nothing is assessed on a scale."""
    rows = assessed_rows(council)
    if rows.empty:
        return ""
    counts = dict(zip(MEANINGS_COUNTED, meaning_counts(model, rows), strict=True))
    goals = (rows["Typ"] == KIND_GOAL).any()
    what = "mål" if goals else ("indikator" if len(rows) == 1 else "indikatorer")

    def form(meaning: Meaning) -> str:
        return _MEANING_WORDS[meaning][2 if counts[meaning] != 1 else (0 if goals else 1)]

    rest = [f"{counts[mn]} {form(mn)}" for mn in MEANINGS_COUNTED if mn is not Meaning.REACHED and counts[mn]]
    head = f"{name}: {counts[Meaning.REACHED]} av {len(rows)} {what} är {form(Meaning.REACHED)}"
    if not rest:
        return head + "."
    return head + ", " + (rest[0] if len(rest) == 1 else ", ".join(rest[:-1]) + " och " + rest[-1]) + "."


def summary_sentence(model: Model, area_name: str, rows: pd.DataFrame) -> str:
    """'Arbetsgivare: 1 av 2 kvalitetsfaktorer – Kvalitén är på väg att uppnås; 1 – Kvalitén är på väg att inte uppnås.'

    Per goal level in the area, the counts in the level's scale's own labels and the level's own words."""
    phrases = []
    for grp in assessment_groups(model):
        frame = grp.rows(rows)
        if not frame.empty:
            phrases.append(group_phrase(grp, frame["Bedömning"].tolist()))
    return f"{area_name}: " + ". ".join(p for p in phrases if p) + "."


def long_texts(cons: Consolidation) -> list[tuple[int, str, str]]:
    """(row in Data, column, text) of every text longer than a cell holds; each gets a finding in ``cons``
    (once), since KF.xlsx shows it cut."""
    out: list[tuple[int, str, str]] = []
    data = cons.data
    for col in data.columns:
        if pd.api.types.is_numeric_dtype(data[col].dtype):
            continue
        lengths = data[col].map(lambda v: len(v) if isinstance(v, str) else 0)
        for i in lengths.index[lengths > CELL_CHARS]:
            out.append((cast(int, data.index.get_loc(i)), str(col), str(data.at[i, col])))
    known = {(f.file, f.row_id, f.code) for f in cons.findings}  # the reader may have named the cell already
    for i, col, text in out:
        rec = data.iloc[i]
        if rec["Sammanställning"] != "enhet":
            continue
        msg = (f"{col} för {rec['Typ'].lower()} {rec['ID']} har {_grouped(len(text))} tecken; en Excel-cell rymmer "
               f"{_grouped(CELL_CHARS)}. I KF.xlsx är texten avkortad, i CSV- och Parquet-exporten (malbok export) finns den hel")
        if (rec["Fil"], rec["ID"], "for-lang-text") not in known:
            cons.findings.append(Finding(rec["Fil"], rec["Område"], "", rec["ID"], "for-lang-text", msg, WARNING, rec["Enhet"]))
    return out


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


# what XlsxWriter escapes in a cell's text: XML's &, < and >, control characters (as _xHHHH_), a literal
# _xHHHH_ and the non-characters U+FFFE and U+FFFF
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class StreamedSheet(Worksheet):
    """A worksheet that, in a workbook opened with XlsxWriter's ``constant_memory``, streams each row to disk
    as soon as the next one is started: memory holds one row, not the sheet. Its rows must be written in
    order (XlsxWriter leaves out a cell above the row being written), its texts are inline strings, not
    shared ones. An Excel table, which XlsxWriter refuses in that mode, this sheet makes (:meth:`add_table`):
    registered over its header row, then given its whole range (without the mode XlsxWriter also keeps an
    entry per cell of the range to check overlaps: 6 million entries for Data at 1 500 returns).

    In either mode, a text that begins with ``<r>`` and ends with ``</r>`` (a nämnd's comment can), which
    XlsxWriter would copy into the file as rich-text XML, unescaped, and so break the workbook, is written
    as a rich text of plain runs: it reads back as the same text."""

    def add_table(self, first_row: int, first_col: int, last_row: int, last_col: int, options: dict | None = None) -> Any:
        me: Any = self  # XlsxWriter's attributes, untyped
        if not me.constant_memory:
            return super().add_table(first_row, first_col, last_row, last_col, options)
        options = dict(options or {})
        if options.get("data") or options.get("total_row") or options.get("header_row") is False:
            raise ValueError("a streamed table has a header row, no total row, and its cells written on their own")
        # the header and one row (XlsxWriter needs a data row): its header cells go to a table of shared
        # strings of their own, thrown away, and are written here as the sheet's inline strings
        me.constant_memory, strings = False, me.str_table
        me.str_table = SharedStringTable()
        try:
            rc = super().add_table(first_row, first_col, first_row + 1, last_col, options)
        finally:
            me.constant_memory, me.str_table = True, strings
        if rc:  # XlsxWriter warned and made no table
            return rc
        table = me.tables[-1]
        whole = xl_range(first_row, first_col, max(last_row, first_row + 1), last_col)
        table["range"] = table["a_range"] = whole
        if "autofilter" in table:
            table["autofilter"] = whole
        for c, column in enumerate(table["columns"]):
            self._write_string(first_row, first_col + c, column["name"], column["name_format"])
        return rc

    at_once = True  # False: every row through XlsxWriter's per-cell calls (the tests compare the two)

    def write_cells(self, row: int, cells: list[tuple[int, Any, Any]], height: float | None = None) -> None:
        """Row ``row``'s cells, (column, value, format) in column order, a value being a text, a number or
        None (a blank cell with its format), and the row's height (points) if any: what ``write_string``,
        ``write_number``, ``write_blank`` and ``set_row`` would write, in the same XML.

        Streamed, the row goes straight into the sheet's XML, without XlsxWriter's per-cell work (most of the
        time of writing KF.xlsx); a row XlsxWriter would write differently (a text of 16 384 characters or
        more, a text like ``<r>…</r>``, a value of another type, a row with cells pending) takes its
        per-cell calls."""
        me: Any = self
        if not (me.constant_memory and self.at_once and row >= me.previous_row):
            _write_each(self, row, cells, height)
            return
        if row > me.previous_row:
            me._write_single_row(row)  # the row before it, if it has cells pending: its formats numbered first
        out = None if me.table.get(row) else self._row_xml(row, cells)
        if out is None:
            _write_each(self, row, cells, height)
            return
        first = last = None
        for c, v, f in cells:
            if v is not None or f is not None:
                last = c
                if first is None:
                    first = c
        if first is not None:
            me._check_dimensions(row, first)
            me._check_dimensions(row, last)
        info = None
        if height is not None:
            self.set_row(row, height)
            info = me.row_info.pop(row)  # written now: nothing left for XlsxWriter to write
        if first is None:
            if info is not None:
                me._write_empty_row(row, None, info)
        else:
            me._write_row(row, None, info)
            out.append("</row>")
            me.fh.write("".join(out))
        me.previous_row = row + 1

    def _row_xml(self, row: int, cells: list[tuple[int, Any, Any]]) -> list[str] | None:
        """The ``<c>`` elements of :meth:`write_cells`' row, as XlsxWriter writes them; None when a cell is one
        it writes otherwise."""
        me: Any = self
        n = str(row + 1)
        letters, xf, col_info = self._letters, self._xf, me.col_info
        out = []
        last = -1
        for c, v, f in cells:
            if c <= last:
                return None
            last = c
            while c >= len(letters):
                letters.append(xl_col_to_name(len(letters)))
            if f is not None:
                s_ = xf.get(id(f))
                if s_ is None:
                    s_ = xf[id(f)] = f' s="{f._get_xf_index()}"'
            elif v is None:
                continue  # a blank cell without a format is not written
            else:
                info_c = col_info.get(c)
                s_ = f' s="{info_c.column_format._get_xf_index()}"' if info_c is not None and info_c.column_format is not None else ""
            t = v.__class__
            if t is str:
                if len(v) > 16_383 or (v.startswith("<r>") and v.endswith("</r>")):
                    return None
                if _XML_SPECIAL.search(v):
                    v = Worksheet._escape_control_characters(v)
                    preserve = (v[:1].isspace() or v[-1:].isspace()) and _preserve_whitespace(v)
                    v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                else:
                    preserve = (v[:1].isspace() or v[-1:].isspace()) and _preserve_whitespace(v)
                if preserve:
                    out.append(f'<c r="{letters[c]}{n}"{s_} t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>')
                else:
                    out.append(f'<c r="{letters[c]}{n}"{s_} t="inlineStr"><is><t>{v}</t></is></c>')
            elif v is None:
                out.append(f'<c r="{letters[c]}{n}"{s_}/>')
            elif t is int or (t is float and math.isfinite(v)):
                out.append(f'<c r="{letters[c]}{n}"{s_}><v>{v:.16G}</v></c>')
            else:
                return None
        return out

    @cached_property
    def _letters(self) -> list[str]:
        return [xl_col_to_name(c) for c in range(32)]

    @cached_property
    def _xf(self) -> dict[int, str]:
        return {}

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
        if string.startswith("<r>") and string.endswith("</r>"):
            parts: list[Any] = [string[:1], string[1:2], string[2:]]
            return self._write_rich_string(row, col, *parts, *([cell_format] if cell_format is not None else []))
        return super()._write_string(row, col, string, cell_format)


def _write_each(ws: Any, row: int, cells: list[tuple[int, Any, Any]], height: float | None = None) -> None:
    """:meth:`StreamedSheet.write_cells` through XlsxWriter's own calls, cell by cell (any worksheet)."""
    for c, v, f in cells:
        t = v.__class__
        if v is None:
            ws.write_blank(row, c, None, f)
        elif t is str:
            ws.write_string(row, c, v, f)
        elif t is int or t is float:
            ws.write_number(row, c, v, f)
        else:
            ws.write(row, c, v, f)
    if height is not None:
        ws.set_row(row, height)


def write_kf(cons: Consolidation, path: str | Path, *, stream: bool = True) -> Path:
    """Write KF.xlsx atomically; the same consolidation gives the same bytes.

    No value is written as a formula (texts are texts; NaN and infinity are left empty), and a text
    longer than a cell holds is cut in its sheet, kept whole in a very hidden sheet for the exports,
    and named in Kontroll.

    The rows are streamed to disk as they are written (XlsxWriter's ``constant_memory``, with
    :class:`StreamedSheet`), so that writing needs about one row in memory, whatever the number of
    returns; ``stream=False`` keeps every cell in memory until the file is saved (texts as shared
    strings), the same cells."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    m, p = cons.model, cons.period
    long = long_texts(cons)
    # the streamed rows' temporary files in a folder of their own, removed whatever happens
    with tempfile.TemporaryDirectory(prefix="malbok-rader-") as rows, \
            atomic_xlsx(path, **({"constant_memory": True, "tmpdir": rows} if stream else {})) as wb:
        wb.set_properties({"title": f"Måluppfyllelse {p.name}", "subject": "KF-uppföljning", "author": "malbok",
                           "company": kommun(m.municipality.name), "created": FIXED_DATE,
                           "comments": f"Sammanställd med malbok {__version__}"})
        render_xlsxwriter(wb, kf_sheet_contents(cons), kommun(m.municipality.name), "Uppföljning till kommunfullmäktige", p.name)
        _meta(wb, cons)
        if long:
            _long_text_sheet(wb, long)
    return path


def _long_text_sheet(wb: xlsxwriter.Workbook, long: list[tuple[int, str, str]]) -> None:
    """Row in Data (0 = first data row), column, and the text in pieces of at most a cell each."""
    ws = wb.add_worksheet(LONG_TEXT_SHEET, StreamedSheet)
    for r, (i, col, text) in enumerate(long):
        ws.write_number(r, 0, i)
        ws.write_string(r, 1, col)
        for k in range(0, len(text), CELL_CHARS):
            ws.write_string(r, 2 + k // CELL_CHARS, text[k:k + CELL_CHARS])
    ws.very_hidden()


def _meta(wb: xlsxwriter.Workbook, cons: Consolidation) -> None:
    meta = wb.add_worksheet(META_SHEET)
    write_identity(meta, Identity(kind=KIND_KF, model=cons.model.id, model_hash=cons.model.fingerprint(),
                                  period=cons.period.id, version=__version__))
    meta.very_hidden()
    write_model_sheet(wb, cons.model)


def render_xlsxwriter(wb: xlsxwriter.Workbook, sheets: Iterable[SheetContent], kommun_name: str = "", document: str = "",
                      period: str = "") -> None:
    """Write the sheet contents into ``wb``: the formats once per call, each cell once, no per-row lookups.

    Every sheet prints on A4 with ``kommun_name``, ``document`` and ``period`` in its page header
    (see :func:`malbok.xlstyle.page_setup`); a table sheet starts at A1 with its header row, so
    pandas, Power Query and a CSV export read it as it is."""
    title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E78"})
    subtitle = wb.add_format({"italic": True, "font_size": 10, "font_color": "#404040", "text_wrap": True, "valign": "top"})
    h2 = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E78"})
    base = {"font_size": 10, "valign": "top", "border": 1, "border_color": "#D9D9D9"}
    head = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "text_wrap": True, "border_color": "#BFBFBF"})
    wrap = wb.add_format({**base, "text_wrap": True})
    fills: dict[tuple[str, str], Any] = {}
    nums: dict[str, Any] = {}
    plain_nums: dict[str, Any] = {}

    def fill(colour: str, num_format: str = "") -> Any:
        key = (colour, num_format)
        if key not in fills:
            fills[key] = wb.add_format({**base, "bg_color": colour, "font_color": ink(colour), "text_wrap": True,
                                        "border_color": "#BFBFBF", **({"num_format": num_format} if num_format else {})})
        return fills[key]

    def num(num_format: str) -> Any:
        if num_format not in nums:
            nums[num_format] = wb.add_format({**base, "num_format": num_format})
        return nums[num_format]

    def plain_num(num_format: str) -> Any:  # a table's cells: the table style draws them
        if num_format not in plain_nums:
            plain_nums[num_format] = wb.add_format({"num_format": num_format})
        return plain_nums[num_format]

    def one(sc: SheetContent) -> None:
        ws = wb.add_worksheet(sc.name, StreamedSheet)
        where = f"{sc.title} · {sc.subtitle}" if sc.table and sc.subtitle else sc.title
        if sc.table:
            b = sc.blocks[0]
            widths = list(b.widths or [])
            for c, w in enumerate(widths):
                ws.set_column(c, c, w)
            nrows = max(len(b.rows), 1)
            ws.add_table(0, 0, nrows, len(b.header) - 1, {
                "name": f"malbok_{_ascii(sc.name)}", "style": "Table Style Medium 2", "autofilter": True,
                "columns": [{"header": h} for h in b.header],
            })
            # after the header, which add_table writes: the same shared strings' order
            _table_cells(ws, 1, b.rows, _table_style(b, fill, plain_num),
                         {c for _i, c in b.colours} | {c for _i, c in b.formats} | set(b.column_formats))
            ws.freeze_panes(1, 0)
            page_setup(ws, kommun=kommun_name, document=document, period=period, where=where, widths=widths, header_row=0,
                       key_columns=b.key_columns, print_columns=b.print_columns, last_row=nrows, break_before=b.break_before)
            return
        widths = []
        for b in sc.blocks:
            for c, w in enumerate(b.widths or []):
                if c >= len(widths):
                    widths.append(w)
        first = sc.blocks[0] if sc.blocks else Block("", [], [])
        for c in first.hide_empty if len(sc.blocks) == 1 else ():
            if c < len(widths) and all(row[c] == "" or row[c] is None for row in first.rows):
                widths[c] = 0
        for c, w in enumerate(widths):
            ws.set_column(c, c, w or 8, None, {"hidden": True} if not w else {})
        ws.write_string(0, 0, sc.title, title)
        ws.set_row(0, 24)
        across = [w for w in widths[:first.print_columns or max(len(b.header) for b in sc.blocks)] if w] if sc.blocks else []
        if sc.subtitle and len(across) > 1:
            # over the table's width, wrapped: a long summary is read whole on screen and paper
            ws.merge_range(1, 0, 1, len(across) - 1, sc.subtitle, subtitle)
            ws.set_row(1, fitted_height([(sc.subtitle, sum(across))]))
        elif sc.subtitle:
            ws.write_string(1, 0, sc.subtitle, subtitle)
        r = 3
        header_row = None
        write_string, set_row = ws.write_string, ws.set_row
        write_cells = ws.write_cells if isinstance(ws, StreamedSheet) else partial(_write_each, ws)
        for b in sc.blocks:
            if b.title != sc.title:  # a sheet of one table needs its title once
                write_string(r, 0, b.title, h2)
            r += 1
            if b.note:  # a summary in words: over the table's width, wrapped, its row as tall as its lines
                span = [w for w in widths[:len(b.header)] if w] or [60.0]
                if len(span) > 1:
                    ws.merge_range(r, 0, r, len(span) - 1, b.note, subtitle)
                else:
                    write_string(r, 0, b.note, subtitle)
                set_row(r, fitted_height([(b.note, sum(span))]))
                r += 1
            ws.write_row(r, 0, b.header, head)
            set_row(r, fitted_height(((h, widths[c] if c < len(widths) else 8) for c, h in enumerate(b.header)), bold=True))
            if len(sc.blocks) == 1:
                header_row = r
                ws.freeze_panes(r + 1, b.key_columns)
                ws.autofilter(r, 0, r + max(len(b.rows), 1), len(b.header) - 1)
            top = r
            colours, formats, column_formats = b.colours, b.formats, b.column_formats
            for i, row in enumerate(b.rows):
                r += 1
                texts = []
                cells = []
                for c, v in enumerate(row):
                    v = _cell(v)
                    t = v.__class__
                    number = t is float or t is int or (t is not str and isinstance(v, int | float) and not isinstance(v, bool))
                    # a count (an int, as the Översikt tables hold) shows as a whole number unless the column says otherwise
                    nf = (formats.get((i, c)) or column_formats.get(c) or (INTEGER if t is int else ONE_DECIMAL)) if number else ""
                    if colours and (i, c) in colours:
                        f = fill(colours[i, c], nf)
                    else:
                        f = num(nf) if number else wrap
                    if number:
                        cells.append((c, v if t is int or t is float else float(v) if isinstance(v, float) else int(v), f))
                    elif v == "" and b.sparklines:  # a gap in a sparkline's values, not a text
                        cells.append((c, None, f))
                    else:
                        text = v if t is str else str(v)
                        cells.append((c, text, f))
                        if text and c < len(widths):
                            texts.append((text, widths[c]))
                write_cells(r, cells, fitted_height(texts))
            if b.sparklines:  # one sparkline group for the block, as Excel keeps them (XlsxWriter makes every
                # call's style table anew: one call per row took half of a 150-unit consolidation)
                at = [(top + 1 + i, c0, c1, target) for i, c0, c1, target in b.sparklines]
                ws.add_sparkline(at[0][0], at[0][3], {
                    "location": [xl_rowcol_to_cell(row, target) for row, _c0, _c1, target in at],
                    "range": [f"'{ws.get_name()}'!{xl_rowcol_to_cell(row, c0)}:{xl_rowcol_to_cell(row, c1)}" for row, c0, c1, _t in at],
                    "markers": True, "high_point": True, "low_point": True})
            if b.chart:
                r = _chart(wb, ws, b, top, r)
            r += 2
        charts = any(b.chart for b in sc.blocks)
        page_setup(ws, kommun=kommun_name, document=document, period=period, where=where, widths=widths, header_row=header_row,
                   key_columns=first.key_columns if len(sc.blocks) == 1 else 0,
                   print_columns=max(len(b.header) for b in sc.blocks) if charts else first.print_columns if len(sc.blocks) == 1 else None,
                   last_row=r, break_before=first.break_before if len(sc.blocks) == 1 else None)

    for sc in sheets:  # each sheet's content let go before the next is made
        one(sc)
        del sc


def _table_cells(ws: Any, first: int, rows: list[list[Any]], style: Any = None, styled: set[int] | None = None) -> None:
    """A table's body as ``add_table(data=…)`` writes it: texts as texts, numbers as numbers, empty cells left out;
    ``style(i, c)``, when given, is the format of row ``i``'s cell ``c`` (its number format or fill), or None;
    it is asked only for the columns in ``styled`` when that is given."""
    write_cells = ws.write_cells if isinstance(ws, StreamedSheet) else partial(_write_each, ws)
    for i, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            t = v.__class__
            f = style(i, c) if style is not None and (styled is None or c in styled) else None
            if t is str:
                if v:
                    cells.append((c, v, f))
                elif f is not None:
                    cells.append((c, None, f))
            elif t is int or (t is float and v == v):  # NaN (v != v) is left out, as _xl makes it ''
                cells.append((c, v, f))
            elif t is float:
                continue
            elif v is not None:
                x = _xl(v)  # other kinds (numpy's, booleans) as XlsxWriter's write() takes them; '' is a blank
                cells.append((c, None if x.__class__ is str and not x else x, f))
        write_cells(first + i, cells)


def _table_style(b: Block, fill: Any, num: Any) -> Any:
    """The ``style`` of :func:`_table_cells` for a table block: its cells' number formats and fills (None: plain)."""
    colours, formats, column_formats = b.colours, b.formats, b.column_formats
    if not (colours or formats or column_formats):
        return None

    def style(i: int, c: int) -> Any:
        colour = colours.get((i, c))
        nf = formats.get((i, c)) or column_formats.get(c, "")
        return fill(colour, nf) if colour else num(nf) if nf else None
    return style


def _chart(wb: xlsxwriter.Workbook, ws: Any, b: Block, top: int, r: int) -> int:
    """A bar chart of the block's counts (its rows' labels in column B, counts in column C) in the labels'
    colours, beside the table: labels in full on the category axis, whole numbers on the value axis."""
    assert b.chart is not None
    n = len(b.chart)
    sheet = ws.get_name().replace("'", "''")
    first, last = top + 1, top + n
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": "Antal",
        "categories": f"='{sheet}'!{xl_rowcol_to_cell(first, 1, True, True)}:{xl_rowcol_to_cell(last, 1, True, True)}",
        "values": f"='{sheet}'!{xl_rowcol_to_cell(first, 2, True, True)}:{xl_rowcol_to_cell(last, 2, True, True)}",
        "points": [{"fill": {"color": colour}, "border": {"color": "#595959"}} for _l, _c, colour in b.chart],
        "data_labels": {"value": True},
        "gap": 60,
    })
    most = max((c for _l, c, _col in b.chart), default=0)
    step = max(1, math.ceil(most / 8))
    chart.set_title({"name": b.title.split(" – ")[0], "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"min": 0, "max": max(step, math.ceil((most + 1) / step) * step), "major_unit": step,
                      "num_format": "0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 10}})  # 10 pt: at least 8 pt at the sheet's print scale
    height = 70 + 34 * n
    chart.set_size({"width": 500, "height": height})  # within Översikt's columns D–G, so it prints beside the table
    ws.insert_chart(top - 1, 3, chart, {"x_offset": 10, "object_position": 1,
                                        "description": f"Stapeldiagram: antal per bedömning, {b.title.split(' – ')[0]}"})
    return max(r, top + math.ceil(height / 20))


def _xl(v: Any) -> Any:
    return _cell(v)


def _ascii(name: str) -> str:
    from .util import slug

    return slug(name).replace("-", "_")


# -- generic report sheets and books: KF.xlsx and Budget.xlsx alike (added for the plan round, issue 17) ----

def findings_sheet(summary: FindingsSummary, title: str) -> SheetContent:
    """The Kontroll sheet of a consolidation (either round): one row per finding, texts made visible."""
    f = summary.findings_frame()
    rows = [[_cell(visible(v)) if isinstance(v, str) else v for v in r] for r in f.itertuples(index=False)]
    return SheetContent("Kontroll", title, summary.findings_summary(),
                        [Block("Kontroll", list(KONTROLL.headers), rows, widths=KONTROLL.widths,
                               # printed two pages across, the message on the second beside the file it is about
                               key_columns=KONTROLL.index["file"] + 1, break_before=KONTROLL.index["message"])], table=True)


def units_sheet(units: pd.DataFrame, layout: SheetLayout, title: str, subtitle: str) -> SheetContent:
    """The Enheter sheet of a consolidation (either round, its ``layout``): one row per unit, its Status in the
    status's colour."""
    assert tuple(units.columns) == layout.headers, f"{layout.name}: {list(units.columns)}"
    b = Block("Enheter", list(layout.headers), _cells(units), widths=layout.widths, column_formats=layout.column_formats)
    status = layout.index["status"]
    for i, st in enumerate(units["Status"].tolist()):
        colour = STATUS_COLOURS.get(str(st))
        if colour:
            b.colours[(i, status)] = colour
    return SheetContent("Enheter", title, subtitle, [b], table=True)


def write_report_book(path: str | Path, sheets: list[SheetContent], model: Model, identity: Identity,
                      properties: dict[str, Any], document: str, period: str) -> Path:
    """A report workbook written atomically (same input, same bytes): the sheets by :func:`render_xlsxwriter`, with
    every page headed by the kommun, ``document`` and ``period``, then the identity and the model on very hidden sheets."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    name = kommun(model.municipality.name)
    with atomic_xlsx(path, nan_inf_to_errors=True) as wb:
        wb.set_properties({"author": "malbok", "company": name, "created": FIXED_DATE, **properties})
        render_xlsxwriter(wb, sheets, name, document, period)
        meta = wb.add_worksheet(META_SHEET)
        write_identity(meta, identity)
        meta.very_hidden()
        write_model_sheet(wb, model)
    return path
