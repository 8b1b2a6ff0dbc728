"""The plan round: each unit's verksamhetsplan (own goals, activities, indicators, budget).

``generate_plan`` writes one plan workbook per unit: per area sheet the
council's goals (locked) with room under each for the unit's own rows, and a
``Budget`` sheet with the unit's frame, live sums and the difference to the
frame. ``consolidate_plan`` reads them back into :class:`~malbok.model.Plan`
objects with findings, and ``write_budget`` builds ``Budget.xlsx`` for the
budget document. ``apply_plans`` turns the plans into goals of the follow-up,
so the next delår follows the units' own goals and activities like council
goals.

The plan sheets have one layout, declared in :data:`PLAN_COLUMNS`, used by the
writer and the reader; rows are found by header text, not position.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ._version import __version__
from .findings import WARNING, Finding, FindingsSummary, UnitStatus
from .layout import (
    ACTIVITY_LEVEL,
    INSTRUCTIONS_SHEET,
    KIND_ACTIVITY,
    KIND_BUDGET,
    KIND_INDICATOR,
    KIND_UNIT_GOAL,
    KIND_WORKBOOK,
    META_SHEET,
    ROUND_PLAN,
    Identity,
    sheet_name,
    write_identity,
)
from .model import (
    Activity,
    BudgetLine,
    Goal,
    GoalLevel,
    Indicator,
    Meaning,
    Measure,
    Model,
    Plan,
    PlanGoal,
    PlanIndicator,
    Scale,
)
from .returns import ReturnedFile
from .util import InputError, atomic_xlsx, slug
from .values import cell_text as _text
from .values import parse_number

PLAN_LAYOUT = "plan-1"
BUDGET_SHEET = "Budget"
KIND_COUNCIL = "Fullmäktiges mål"
SPARE_ROWS = 6
BUDGET_SPARE = 8
ACTIVITY_SCALE = "aktivitetsstatus"


_ALL_PLAN_KINDS = frozenset((KIND_UNIT_GOAL, KIND_ACTIVITY, KIND_INDICATOR))


@dataclass(frozen=True)
class PlanColumn:
    key: str
    header: str
    width: float
    help: str = ""
    input_for: frozenset[str] = _ALL_PLAN_KINDS  # the kinds of row that read the column: others get a finding


PLAN_COLUMNS: tuple[PlanColumn, ...] = (
    PlanColumn("id", "ID", 10, "Lämna tomt på nya rader; malbok ger raden ett id."),
    PlanColumn("kind", "Typ", 17, "Nämndmål, Aktivitet eller Indikator."),
    PlanColumn("link", "Kopplat till", 12, "Tomt = målet ovanför: för ett nämndmål fullmäktiges mål ovanför, för en aktivitet eller "
               "indikator nämndmålet närmast ovanför. Skriv ett annat mål-id för att koppla till det målet."),
    PlanColumn("text", "Text", 60, "Målet, aktiviteten eller indikatorn."),
    PlanColumn("owner", "Ansvarig", 18, "Vem som ansvarar för aktiviteten.", frozenset((KIND_ACTIVITY,))),
    PlanColumn("start", "Start", 11, "Datum ÅÅÅÅ-MM-DD (aktiviteter).", frozenset((KIND_ACTIVITY,))),
    PlanColumn("end", "Slut", 11, "Datum ÅÅÅÅ-MM-DD (aktiviteter).", frozenset((KIND_ACTIVITY,))),
    PlanColumn("measure", "Måttenhet", 11, "För indikatorer: procent, antal, kr, index …", frozenset((KIND_INDICATOR,))),
    PlanColumn("target", "Målvärde", 18, "För nämndmål och indikatorer: målvärdet för året.",
               frozenset((KIND_UNIT_GOAL, KIND_INDICATOR))),
    PlanColumn("comment", "Kommentar", 40, ""),
)
PLAN_COL = {c.key: i for i, c in enumerate(PLAN_COLUMNS)}
PLAN_HEADERS = {c.key: c.header for c in PLAN_COLUMNS}
PLAN_INPUT_FOR = {c.key: c.input_for for c in PLAN_COLUMNS}
PLAN_KINDS = (KIND_UNIT_GOAL, KIND_ACTIVITY, KIND_INDICATOR)
BUDGET_HEADERS = ("Verksamhet", "Kommentar", "Belopp (tkr)")
MEASURES = {m.value: m for m in Measure} | {"%": Measure.PERCENT, "st": Measure.COUNT, "tal": Measure.NUMBER}


# --------------------------------------------------------------------------- scope


def council_goals(model: Model, year: int, unit: str) -> list[Goal]:
    """The council's goals a unit plans under in ``year`` (its own goals' level excluded)."""
    from .periods import goal_valid

    own_level = plan_level(model).id
    return [g for g in model.goals
            if g.level not in (own_level, ACTIVITY_LEVEL) and unit in g.reporters and goal_valid(model, g, year)]


def plan_level(model: Model) -> GoalLevel:
    """The level of the units' own goals: the model's ``plannivå``, else a level named nämndmål."""
    if model.plan_level:
        return model.level(model.plan_level)
    for lv in model.levels:
        if "nämnd" in lv.name.lower() or "namnd" in lv.id:
            return lv
    scale = model.levels[0].scale if model.levels else model.scales[0].id
    return GoalLevel.model_validate({"id": "namndmal", "namn": "Nämndmål", "skala": scale, "tidshorisont": "1 år"})


def activity_scale(model: Model) -> Scale:
    if model.activity_scale:
        return model.scale(model.activity_scale)
    return Scale.model_validate({"id": ACTIVITY_SCALE, "namn": "Aktiviteternas status", "etiketter": [
        {"etikett": "Genomförd", "betydelse": Meaning.REACHED, "färg": "#00B050"},
        {"etikett": "Pågår enligt plan", "betydelse": Meaning.ON_THE_WAY, "färg": "#92D050"},
        {"etikett": "Försenad", "betydelse": Meaning.NOT_REACHED, "färg": "#FF0000"},
        {"etikett": "Ej påbörjad", "betydelse": Meaning.NOT_ASSESSED, "färg": "#BFBFBF"},
    ]})


# --------------------------------------------------------------------------- writing


@dataclass
class PlanBook:
    unit: str
    unit_name: str
    path: Path | None
    goals: int
    frame: float | None


def plan_file_name(model: Model, year: int, unit: str) -> str:
    return f"{slug(model.municipality.name)}_{year}-plan_{slug(unit)}.xlsx"


def generate_plan(model: Model, year: int, out_dir: Path, units: list[str] | None = None,
                  password: str | None = None, progress: Callable[[str], None] | None = None) -> list[PlanBook]:
    """One plan workbook per unit with council goals to plan under or a budget to set."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for code in units or [u.code for u in model.units]:
        unit = model.unit(code)
        goals = council_goals(model, year, code)
        frame = unit.frame_for(year)
        if not goals and frame is None and not unit.activities:
            results.append(PlanBook(code, unit.name, None, 0, None))
        else:
            path = out_dir / plan_file_name(model, year, code)
            write_plan_workbook(model, year, code, path, password)
            results.append(PlanBook(code, unit.name, path, len(goals), frame))
        if progress is not None:
            progress(code)
    return results


def write_plan_workbook(model: Model, year: int, unit_code: str, path: Path, password: str | None = None) -> Path:
    """Write one unit's plan workbook atomically; the same input gives the same bytes."""
    from .workbook import FIXED_DATE, _Formats, _write_wrapped, kommun, write_model_sheet
    from .xlstyle import TKR, page_setup

    unit = model.unit(unit_code)
    goals = council_goals(model, year, unit_code)
    lvl = plan_level(model)
    with atomic_xlsx(path, in_memory=True) as wb:
        wb.set_properties({"title": f"Verksamhetsplan {year} – {unit.name}", "subject": f"Verksamhetsplan och budget {year}",
                           "author": "malbok", "company": kommun(model.municipality.name), "category": "Plan",
                           "created": FIXED_DATE, "comments": f"Skapad med malbok {__version__} från styrmodellen {model.id}"})
        fmt = _Formats(wb)
        date_in = wb.add_format({"locked": False, "bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000",
                                 "num_format": "yyyy-mm-dd", "valign": "top"})
        money = wb.add_format({"locked": False, "bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000",
                               "num_format": TKR, "valign": "top"})
        money_fixed = wb.add_format({"bold": True, "border": 1, "border_color": "#D9D9D9", "num_format": TKR})

        def setup(ws: Any, **options: Any) -> None:
            page_setup(ws, kommun=kommun(model.municipality.name), document=f"Verksamhetsplan {year} – {unit.name} ({unit.code})",
                       period=str(year), **options)
        protect = {"insert_rows": True, "delete_rows": True, "format_columns": True, "format_rows": True,
                   "select_locked_cells": True, "select_unlocked_cells": True, "autofilter": True, "sort": False}
        by_area: dict[str, list[Goal]] = {}
        for g in goals:
            by_area.setdefault(g.area, []).append(g)

        ins = wb.add_worksheet(INSTRUCTIONS_SHEET)
        ins.set_column(0, 0, 26)
        ins.set_column(1, 1, 90)
        ins.write_string(0, 0, f"{kommun(model.municipality.name)} – verksamhetsplan {year}", fmt.title)
        ins.write_string(1, 0, f"{unit.name} ({unit.code})", fmt.subtitle)
        frame = unit.frame_for(year)
        facts = [("Kommun", f"{model.municipality.name} (kommunkod {model.municipality.code})"), ("Enhet", f"{unit.name} ({unit.code})"),
                 ("År", str(year)), ("Budgetram", f"{_tkr(frame)} tkr" if frame is not None else "fylls i på bladet Budget"),
                 ("Vision", model.vision.title)]
        r = 3
        for k, v in facts:
            ins.write_string(r, 0, k, fmt.bold)
            ins.write_string(r, 1, v, fmt.wrap)
            r += 1
        r += 1
        ins.write_string(r, 0, "Så fyller du i", fmt.h2)
        steps = [
            "1. Varje områdesblad visar fullmäktiges mål (grå, låsta) som nämnden ansvarar för.",
            f"2. Skriv nämndens egna mål ({lvl.name.lower()}), aktiviteter och indikatorer i de gula raderna under det fullmäktigemål de hör till. "
            "Välj typ i listan. Behövs fler rader: infoga rader.",
            "3. Kopplat till: lämna tomt så hör raden till målet ovanför – ett nämndmål till fullmäktiges mål ovanför, en aktivitet "
            "eller indikator till nämndmålet närmast ovanför (annars fullmäktiges mål). Skriv ett mål-id för att koppla till ett annat mål.",
            "4. Aktiviteter: ange ansvarig, start och slut (ÅÅÅÅ-MM-DD).",
            "5. Bladet Budget: fördela budgeten i tkr per verksamhet eller aktivitet. Summan och skillnaden mot ramen räknas ut direkt.",
            "6. Lämna ID tomt på nya rader; malbok ger dem id när planen läses in.",
            "7. Spara filen med samma namn och skicka tillbaka den.",
        ]
        for step in steps:
            r += 1
            _write_wrapped(ins, r, 1, step, fmt.wrap, 90)
        setup(ins, where=INSTRUCTIONS_SHEET, widths=[26, 90], landscape=False)
        ins.activate()

        taken = {INSTRUCTIONS_SHEET.lower(), BUDGET_SHEET.lower()}
        kinds_range = '"' + ",".join(PLAN_KINDS) + '"'
        for area in model.areas:
            area_goals = by_area.get(area.id)
            if not area_goals:
                continue
            ws = wb.add_worksheet(sheet_name(area.name, taken))
            ws.write_string(0, 0, area.name, fmt.title)
            ws.write_string(1, 0, f"{unit.name} · verksamhetsplan {year} · skriv i de gula raderna", fmt.subtitle)
            for c, col in enumerate(PLAN_COLUMNS):
                ws.set_column(c, c, col.width)
                ws.write_string(3, c, col.header, fmt.head)
            row = 4
            first = row
            for g in area_goals:
                ws.write_string(row, PLAN_COL["id"], g.id, fmt.goal)
                ws.write_string(row, PLAN_COL["kind"], KIND_COUNCIL, fmt.goal)
                ws.write_string(row, PLAN_COL["link"], "", fmt.goal)
                ws.write_string(row, PLAN_COL["text"], f"{model.level(g.level).name}: {g.text}", fmt.goal)
                for c in range(PLAN_COL["owner"], len(PLAN_COLUMNS)):
                    ws.write_blank(row, c, None, fmt.goal)
                row += 1
                for _ in range(SPARE_ROWS):
                    for c, col in enumerate(PLAN_COLUMNS):
                        if col.key in ("start", "end"):
                            ws.write_blank(row, c, None, date_in)
                        else:
                            ws.write_blank(row, c, None, fmt.input)
                    row += 1
            last = row + 200  # validations also cover rows the unit inserts or adds below
            ws.data_validation(first, PLAN_COL["kind"], last, PLAN_COL["kind"], {
                "validate": "list", "source": kinds_range.strip('"').split(","), "ignore_blank": True,
                "error_title": "Okänd typ", "error_message": "Välj Nämndmål, Aktivitet eller Indikator i listan.",
                "input_title": "Typ", "input_message": "Nämndmål, Aktivitet eller Indikator."})
            ws.data_validation(first, PLAN_COL["link"], last, PLAN_COL["link"], {
                "validate": "list", "source": [g.id for g in area_goals], "ignore_blank": True, "error_type": "warning",
                "error_title": "Okänt mål", "error_message": "Ange id för ett av fullmäktiges mål på bladet.",
                "input_title": "Kopplat till", "input_message": PLAN_COLUMNS[PLAN_COL["link"]].help[:250]})
            for key in ("start", "end"):
                ws.data_validation(first, PLAN_COL[key], last, PLAN_COL[key], {
                    "validate": "date", "criteria": "between", "minimum": date(year - 1, 1, 1), "maximum": date(year + 5, 12, 31),
                    "error_title": "Inget datum", "error_message": "Skriv ett datum, t.ex. 2014-03-31.",
                    "input_title": PLAN_COLUMNS[PLAN_COL[key]].header, "input_message": "Datum ÅÅÅÅ-MM-DD."})
            ws.freeze_panes(4, 0)
            setup(ws, where=area.name, widths=[c.width for c in PLAN_COLUMNS], header_row=3)
            ws.protect(password or "", protect)

        _budget_sheet(wb, fmt, model, year, unit_code, money, money_fixed, password, protect)
        setup(wb.get_worksheet_by_name(BUDGET_SHEET), where=BUDGET_SHEET, widths=[36, 50, 16], landscape=False,
                   header_row=5)

        meta = wb.add_worksheet(META_SHEET)
        write_identity(meta, Identity(kind=KIND_WORKBOOK, round=ROUND_PLAN, model=model.id, model_hash=model.fingerprint(),
                                      municipality=model.municipality.name, year=str(year), unit=unit_code,
                                      layout=PLAN_LAYOUT, version=__version__))
        meta.very_hidden()
        write_model_sheet(wb, model)
    return path


def _tkr(v: float | None) -> str:
    from .targets import fmt_number

    return fmt_number(v, 0) if v is not None else ""


def _budget_sheet(wb: Any, fmt: Any, model: Model, year: int, unit_code: str, money: Any, money_fixed: Any,
                  password: str | None, protect: dict[str, bool]) -> None:
    unit = model.unit(unit_code)
    ws = wb.add_worksheet(BUDGET_SHEET)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 2, 16)
    ws.write_string(0, 0, f"Budget {year} – {unit.name}", fmt.title)
    ws.write_string(1, 0, "Belopp i tusen kronor (tkr). Summan och skillnaden mot ramen räknas ut direkt.", fmt.subtitle)
    frame = unit.frame_for(year)
    ws.write_string(3, 0, "Ram (tkr)", fmt.bold)
    if frame is not None:
        ws.write_number(3, 2, frame, money_fixed)
    else:
        ws.write_blank(3, 2, None, money)
    ws.write_row(5, 0, list(BUDGET_HEADERS), fmt.head)
    r = 6
    names = list(unit.activities)
    for name in names:
        ws.write_string(r, 0, name, fmt.goal)
        ws.write_blank(r, 1, None, fmt.input)
        ws.write_blank(r, 2, None, money)
        r += 1
    for _ in range(BUDGET_SPARE):
        ws.write_blank(r, 0, None, fmt.input)
        ws.write_blank(r, 1, None, fmt.input)
        ws.write_blank(r, 2, None, money)
        r += 1
    first, last = 6, r - 1
    ws.data_validation(first, 2, last, 2, {"validate": "decimal", "criteria": "between", "minimum": -1e9, "maximum": 1e9,
                                           "error_title": "Inget belopp", "error_message": "Skriv beloppet i tkr som ett tal, t.ex. 1200.",
                                           "input_title": "Belopp (tkr)", "input_message": "Tusen kronor."})
    rng = f"{xl_rowcol_to_cell(first, 2)}:{xl_rowcol_to_cell(last, 2)}"
    total_row, frame_row, diff_row = r + 1, r + 2, r + 3
    ws.write_string(total_row, 0, "Summa", fmt.bold)
    ws.write_formula(total_row, 2, f"=SUM({rng})", money_fixed, 0)
    ws.write_string(frame_row, 0, "Ram", fmt.bold)
    ws.write_formula(frame_row, 2, f"={xl_rowcol_to_cell(3, 2)}", money_fixed, frame or 0)
    ws.write_string(diff_row, 0, "Differens mot ram (ram − summa)", fmt.bold)
    ws.write_formula(diff_row, 2, f"={xl_rowcol_to_cell(frame_row, 2)}-{xl_rowcol_to_cell(total_row, 2)}", money_fixed, frame or 0)
    ws.conditional_format(diff_row, 2, diff_row, 2, {"type": "cell", "criteria": "<", "value": 0,
                                                     "format": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})})
    ws.protect(password or "", protect)


# --------------------------------------------------------------------------- reading


@dataclass
class PlanReturn(ReturnedFile):
    """A returned plan workbook: the unit's plan as read, with the cells it came from."""

    plan: Plan | None = None
    frame: float | None = None  # as typed, when the model has none
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # item id -> (sheet, cell)


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(raw: Any) -> tuple[date | None, str | None]:
    """A date as calamine gives it, or typed as text 'ÅÅÅÅ-MM-DD'."""
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):  # an Excel serial that calamine did not see as a date
        from datetime import timedelta

        if raw == raw and 1 <= raw <= 2958465:  # 1900-01-01 … 9999-12-31, Excel's own range
            return date(1899, 12, 30) + timedelta(days=int(raw)), None
        return None, f"'{_text(raw)}' är inget datum; skriv ÅÅÅÅ-MM-DD"
    m = _ISO.match(str(raw).strip())
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
        except ValueError:
            pass
    return None, f"'{raw}' är inget datum; skriv ÅÅÅÅ-MM-DD"


def read_plan_return(path: str | Path, model: Model) -> PlanReturn:
    """Read one returned plan workbook; problems become findings, never exceptions."""
    from .returns import _cause, lost_values, open_book, read_identity, sheet_rows

    path = Path(path)
    ret = PlanReturn(path)
    opened = open_book(ret)
    if opened is None:
        return ret
    _data, wb, names = opened
    if not read_identity(ret, names, lambda name: sheet_rows(wb, name), wb):
        return ret
    if ret.identity.round != ROUND_PLAN:
        return ret  # the caller says what is wrong with it
    unit = ret.unit
    try:
        year = int(ret.identity.year or 0)
    except ValueError:
        ret.add(META_SHEET, ret.identity.cell("year"), "", "fel-period", f"planåret '{ret.identity.year}' i identitetsbladet är inget år; "
                "bladet har ändrats för hand: be enheten fylla i en ny arbetsbok")
        return ret
    council = {g.id: g for g in model.goals}
    plan = Plan(enhet=unit, år=year)
    counters = {KIND_UNIT_GOAL: 0, KIND_ACTIVITY: 0, KIND_INDICATOR: 0}
    prefix = {KIND_UNIT_GOAL: "M", KIND_ACTIVITY: "A", KIND_INDICATOR: "I"}
    used: set[str] = set()
    for sheet in names:
        if sheet in (META_SHEET, INSTRUCTIONS_SHEET, BUDGET_SHEET) or sheet.startswith("_"):
            continue
        try:
            rows = sheet_rows(wb, sheet)
        except Exception as e:  # noqa: BLE001 - a damaged sheet is this file's problem, not the run's
            ret.add(sheet, "", "", "trasig-fil", f"bladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
            continue
        header, texts = next(((i, t) for i, t in ((i, [_text(x) for x in r]) for i, r in enumerate(rows[:12]))
                              if "Typ" in t and "Text" in t), (None, []))
        if header is None:
            continue
        cols = {c.key: texts.index(c.header) for c in PLAN_COLUMNS if c.header in texts}
        if sheet in wb.notes:  # typed cells that have no value to read (a formula without result, an error value)
            lost_values(ret, sheet, rows, wb.notes[sheet], header, cols.get("id"),
                        {c: PLAN_HEADERS[k] for k, c in cols.items() if k not in ("id", "kind")})
        missing = [c.header for c in PLAN_COLUMNS if c.key in ("kind", "link", "text") and c.key not in cols]
        if missing:
            ret.add(sheet, xl_rowcol_to_cell(header, 0), "", "kolumn-saknas", f"kolumnerna {', '.join(missing)} saknas eller har bytt rubrik")
            continue

        def cell(key: str, row: list[Any], cols: dict[str, int] = cols) -> Any:
            c = cols.get(key)
            return row[c] if c is not None and c < len(row) else None

        current: str | None = None  # the council goal of this section
        last_goal: str | None = None  # the unit goal nearest above
        for r in range(header + 1, len(rows)):
            row = rows[r]
            kind = _text(cell("kind", row))
            rid = _text(cell("id", row))
            if kind == KIND_COUNCIL or (rid in council and not _text(cell("link", row))):
                current, last_goal = rid, None
                continue
            text = _text(cell("text", row))
            typed = [c.key for c in PLAN_COLUMNS if c.key not in ("id", "kind", "text") and _text(cell(c.key, row))]
            if not text:
                if kind or typed:  # something was typed: say it is not read, never drop it silently
                    what = f"typen {kind}" if kind else "värden (" + ", ".join(PLAN_HEADERS[k] for k in typed) + ")"
                    ret.add(sheet, xl_rowcol_to_cell(r, cols["text"]), rid, "text-saknas", f"raden har {what} men ingen text; den läses inte", WARNING)
                continue
            a1 = lambda key, r=r, cols=cols: xl_rowcol_to_cell(r, cols[key]) if key in cols else ""  # noqa: E731
            if kind not in PLAN_KINDS:
                ret.add(sheet, a1("kind"), rid, "okand-typ",
                        f"typen '{kind}' finns inte; välj Nämndmål, Aktivitet eller Indikator" if kind else "typ saknas; välj Nämndmål, Aktivitet eller Indikator")
                continue
            for key in typed:
                if kind not in PLAN_INPUT_FOR[key]:
                    ret.add(sheet, a1(key), rid, "ej-anvand-cell",
                            f"{PLAN_HEADERS[key]} ”{_text(cell(key, row))[:60]}” används inte för typen {kind} och läses inte; "
                            f"det gäller bara {' och '.join(k.lower() for k in PLAN_KINDS if k in PLAN_INPUT_FOR[key])}")
            if not rid or rid in used or rid in council:
                counters[kind] += 1
                rid = f"{unit}-{prefix[kind]}{counters[kind]}"
                while rid in used:
                    counters[kind] += 1
                    rid = f"{unit}-{prefix[kind]}{counters[kind]}"
            used.add(rid)
            ret.cells[rid] = (sheet, xl_rowcol_to_cell(r, cols["text"]))
            link = _text(cell("link", row))
            comment = _text(cell("comment", row))
            if kind == KIND_UNIT_GOAL:  # empty 'Kopplat till': the council goal above
                parent = (link if link in council else None) if link else current
                if parent is None:
                    why = f"'{link}' är inget av fullmäktiges mål" if link else "inget av fullmäktiges mål står ovanför"
                    ret.add(sheet, a1("link"), rid, "ej-kopplat", f"nämndmålet ”{text[:60]}” är inte kopplat till fullmäktiges mål ({why})")
                plan.goals.append(PlanGoal(id=rid, överordnat=parent, text=text, målvärde=_text(cell("target", row)),
                                           kommentar=comment))
                last_goal = rid
                continue
            goal = link if link in council else (last_goal if not link else None)
            if link and link not in council:
                ret.add(sheet, a1("link"), rid, "ej-kopplat", f"'{link}' i Kopplat till är inget av fullmäktiges mål")
            if goal is None and not link:
                goal = current
            if kind == KIND_ACTIVITY:
                start, e1 = parse_date(cell("start", row))
                end, e2 = parse_date(cell("end", row))
                for key, err in (("start", e1), ("end", e2)):
                    if err:
                        ret.add(sheet, a1(key), rid, "ej-datum", err)
                owner = _text(cell("owner", row))
                if not owner:
                    ret.add(sheet, a1("owner"), rid, "ansvarig-saknas", f"aktiviteten ”{text[:60]}” saknar ansvarig", WARNING)
                if end is None and not e2:
                    ret.add(sheet, a1("end"), rid, "slutdatum-saknas", f"aktiviteten ”{text[:60]}” saknar slutdatum", WARNING)
                if start and end and end < start:
                    ret.add(sheet, a1("end"), rid, "slut-fore-start", f"slutdatum {end} ligger före start {start}")
                plan.activities.append(Activity.model_validate({"id": rid, "mål": goal, "text": text, "ansvarig": owner,
                                                                "start": start, "slut": end, "kommentar": comment}))
            else:
                raw = _text(cell("measure", row)).lower()
                measure = MEASURES.get(raw, Measure.NUMBER)
                if raw and raw not in MEASURES:
                    ret.add(sheet, a1("measure"), rid, "okand-mattenhet", f"måttenheten '{raw}' är okänd; läses som tal", WARNING)
                plan.indicators.append(PlanIndicator(id=rid, mål=goal, text=text, måttenhet=measure, målvärde=_text(cell("target", row)),
                                                     kommentar=comment))
    if BUDGET_SHEET in names:
        try:
            budget_rows = sheet_rows(wb, BUDGET_SHEET)
        except Exception as e:  # noqa: BLE001 - a damaged sheet is this file's problem, not the run's
            ret.add(BUDGET_SHEET, "", "", "trasig-fil", f"bladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
        else:
            unit_model = next((u for u in model.units if u.code == unit), None)
            _read_budget(ret, plan, budget_rows, set(unit_model.activities) if unit_model else set(),
                         wb.notes.get(BUDGET_SHEET, []))
    else:
        ret.add(BUDGET_SHEET, "", "", "blad-saknas", "bladet Budget saknas; budgeten kan inte läsas")
    ret.plan = plan
    return ret


def _read_budget(ret: PlanReturn, plan: Plan, rows: list[list[Any]], prefilled: set[str], notes: list[Any]) -> None:
    """The Budget sheet's frame and lines; ``prefilled`` are the verksamheter the writer put there, ``notes``
    the cells with nothing to read (formulas without a result, error values), named when they are lines'."""
    from .returns import lost_values

    header = next((i for i, r in enumerate(rows[:20]) if [_text(x) for x in r[:3]] == list(BUDGET_HEADERS)), None)
    for head in rows[:header or 10]:
        if head and _text(head[0]) == "Ram (tkr)" and len(head) > 2:
            ret.frame = parse_number(head[2]).value
    if header is None:
        ret.add(BUDGET_SHEET, "A6", "", "kolumn-saknas", "rubrikraden Verksamhet – Kommentar – Belopp (tkr) hittades inte")
        return
    end = next((r for r in range(header + 1, len(rows)) if rows[r] and _text(rows[r][0]) == "Summa"), len(rows))
    lost_values(ret, BUDGET_SHEET, rows, [n for n in notes if n.row < end], header, None, dict(enumerate(BUDGET_HEADERS)))
    for r in range(header + 1, len(rows)):
        row = list(rows[r]) + [None] * 3
        name, comment, raw = _text(row[0]), _text(row[1]), row[2]
        if name == "Summa":
            ret.cells["budget:sum"] = (BUDGET_SHEET, xl_rowcol_to_cell(r, 2))
            break
        cell = xl_rowcol_to_cell(r, 2)
        if raw is None or raw == "":
            if comment or (name and name not in prefilled):  # typed without an amount: kept, with no amount
                plan.budget.append(BudgetLine.model_validate({"verksamhet": name or "(utan verksamhet)", "belopp_tkr": None,
                                                              "kommentar": comment}))
                ret.cells[f"budget:{len(plan.budget)}"] = (BUDGET_SHEET, cell)
            continue
        p = parse_number(raw)
        amount = None if p.error else p.value
        if amount is None:  # kept as typed, listed, and left out of the sum: never counted as 0
            ret.add(BUDGET_SHEET, cell, "", "ej-tal", f"beloppet '{_text(raw)}' är inget tal och räknas inte i summan; "
                    "skriv tkr som ett tal, t.ex. 1200")
        if not name:
            shown = f"{amount:g} tkr" if amount is not None else f"'{_text(raw)}'"
            ret.add(BUDGET_SHEET, xl_rowcol_to_cell(r, 0), "", "verksamhet-saknas", f"beloppet {shown} saknar verksamhet", WARNING)
            name = "(utan verksamhet)"
        plan.budget.append(BudgetLine.model_validate({"verksamhet": name, "belopp_tkr": amount, "kommentar": comment,
                                                      "angivet": "" if amount is not None else _text(raw)}))
        ret.cells[f"budget:{len(plan.budget)}"] = (BUDGET_SHEET, cell)


# --------------------------------------------------------------------------- consolidation

PLAN_DATA_COLUMNS = ("Enhet", "Enhetsnamn", "Område", "Fullmäktiges mål", "Typ", "ID", "Kopplat till", "Text", "Ansvarig",
                     "Start", "Slut", "Måttenhet", "Målvärde", "Belopp (tkr)", "Kommentar", "Fil", "Cell")
PLAN_UNIT_COLUMNS = ("Enhet", "Namn", "Fil", "Status", "Ram (tkr)", "Budget (tkr)", "Avvikelse (tkr)", "Nämndmål", "Aktiviteter", "Fel", "Varningar")


@dataclass
class PlanConsolidation(FindingsSummary):
    model: Model  # with the plans in it
    year: int
    findings: list[Finding]
    data: pd.DataFrame
    units: pd.DataFrame
    files_read: int
    files_given: int
    written: list[Path] = field(default_factory=list)  # the files api.consolidate wrote from it

    @property
    def plans(self) -> list[Plan]:
        return [p for p in self.model.plans if p.year == self.year]



@dataclass
class _PlanReader:
    """How the plan round reads a returned plan workbook (:class:`malbok.consolidation.FileReader`)."""

    model: Model

    def read(self, path: Path) -> PlanReturn:
        return read_plan_return(path, self.model)

    def crashed(self, path: Path, message: str) -> PlanReturn:
        ret = PlanReturn(path)
        ret.add("", "", "", "lasaren-kraschade", message)
        return ret


def consolidate_plan(model: Model, paths: Iterable[str | Path] | str | Path, year: int, prefer: Iterable[str | Path] = (),
                     progress: Callable[[str], None] | None = None) -> PlanConsolidation:
    """Read every returned plan workbook of ``year``; bad files never stop the others."""
    from .consolidation import check_files, choose_among_duplicates, collect_paths, gather_findings

    files, findings = collect_paths(paths)
    prefer_set = {Path(p).resolve() for p in prefer}
    # read as the follow-up's returns are: in worker processes, a file that takes its reader down a finding
    rets = check_files(_PlanReader(model), files, progress)
    accepted: dict[str, list[PlanReturn]] = {}
    codes = {u.code for u in model.units}
    for ret in rets:
        if not ret.readable:
            continue
        ident = ret.identity
        if ident.round != ROUND_PLAN:
            ret.add("", "", "", "fel-omgang", f"arbetsboken är en uppföljning ({ident.period}), inte en verksamhetsplan för {year}")
        elif ident.model != model.id:
            ret.add("", "", "", "fel-modell", f"arbetsboken är skapad från styrmodellen '{ident.model}', inte '{model.id}'")
        elif ident.year != str(year):
            ret.add("", "", "", "fel-period", f"arbetsboken gäller planåret {ident.year}, inte {year}; den konsolideras inte")
        elif ident.layout != PLAN_LAYOUT:
            ret.add("", "", "", "fel-layout", f"arbetsboken har layoutversion {ident.layout}; skapa nya arbetsböcker")
        elif ret.unit not in codes:
            ret.add("", "", "", "okand-enhet", f"enheten '{ret.unit}' finns inte i styrmodellen")
        else:
            if ident.model_hash != model.fingerprint():
                ret.add("", "", "", "ny-modellversion", "styrmodellen har ändrats sedan arbetsboken skapades; raderna läses ändå", WARNING)
            accepted.setdefault(ret.unit, []).append(ret)
    chosen, status = choose_among_duplicates(accepted, prefer_set)

    plans: list[Plan] = []
    records: list[dict[str, Any]] = []
    unit_rows: list[dict[str, Any]] = []
    for u in model.units:
        goals = council_goals(model, year, u.code)
        frame = u.frame_for(year)
        got = chosen.get(u.code)
        if got is None:
            if goals or frame is not None or u.activities:
                st = status.get(u.code, UnitStatus.MISSING)
                if st == UnitStatus.MISSING:
                    findings.append(Finding("", "", "", "", "saknas", f"ingen verksamhetsplan från {u.name} ({u.code})", WARNING, u.code))
                unit_rows.append({"Enhet": u.code, "Namn": u.name, "Fil": "", "Status": st, "Ram (tkr)": frame, "Budget (tkr)": None,
                                  "Avvikelse (tkr)": None, "Nämndmål": 0, "Aktiviteter": 0, "Fel": 0, "Varningar": 0})
            continue
        ret = got
        plan = ret.plan
        assert plan is not None
        frame = frame if frame is not None else ret.frame
        total = plan.total
        if frame is not None and total > frame + 1e-9:
            _sheet, cell = ret.cells.get("budget:sum", (BUDGET_SHEET, ""))
            ret.add(BUDGET_SHEET, cell, "", "over-ram",
                    f"budgeten {_tkr(total)} tkr är {_tkr(total - frame)} tkr över ramen {_tkr(frame)} tkr")
        if plan.empty:
            ret.add("", "", "", "tom-plan", "verksamhetsplanen är tom: inga egna mål, aktiviteter, indikatorer eller budgetbelopp", WARNING)
        if frame is None:
            ret.add(BUDGET_SHEET, "C4", "", "ram-saknas", "budgetramen saknas; ange ramen i styrmodellen eller på bladet Budget", WARNING)
        plans.append(plan)
        records += _plan_records(model, plan, ret)
        st = status.get(u.code, UnitStatus.EMPTY if plan.empty else UnitStatus.SUBMITTED)
        unit_rows.append({"Enhet": u.code, "Namn": u.name, "Fil": ret.name, "Status": st,
                          "Ram (tkr)": frame, "Budget (tkr)": total, "Avvikelse (tkr)": None if frame is None else frame - total,
                          "Nämndmål": len(plan.goals), "Aktiviteter": len(plan.activities), "Fel": 0, "Varningar": 0})
    findings = gather_findings(findings, rets, unit_rows)
    others = [p for p in model.plans if p.year != year or p.unit not in {q.unit for q in plans}]
    merged = model.changed(plans=others + plans)
    data = pd.DataFrame(records, columns=list(PLAN_DATA_COLUMNS))
    data["Belopp (tkr)"] = pd.to_numeric(data["Belopp (tkr)"], errors="coerce").astype("float64")
    units = pd.DataFrame(unit_rows, columns=list(PLAN_UNIT_COLUMNS))
    return PlanConsolidation(merged, year, findings, data, units, sum(1 for r in rets if r.readable), len(rets))


def _plan_records(model: Model, plan: Plan, ret: PlanReturn) -> list[dict[str, Any]]:
    """The plan's Data records, each goal followed by the activities and indicators typed under it."""
    council = {g.id: g for g in model.goals}
    own = {g.id: g for g in plan.goals}
    unit = model.unit(plan.unit)

    def council_of(goal_id: str | None) -> Goal | None:
        if goal_id is None:
            return None
        if goal_id in council:
            return council[goal_id]
        parent = own[goal_id].parent if goal_id in own else None
        return council[parent] if parent is not None and parent in council else None

    def rec(kind: str, rid: str, link: str | None, text: str, **extra: Any) -> dict[str, Any]:
        cg = council_of(link) if kind != KIND_UNIT_GOAL else (council.get(link) if link else None)
        sheet, cell = ret.cells.get(rid, ("", ""))
        base = {"Enhet": plan.unit, "Enhetsnamn": unit.name, "Område": model.area(cg.area).name if cg else "",
                "Fullmäktiges mål": cg.id if cg else "", "Typ": kind, "ID": rid, "Kopplat till": link or "", "Text": text,
                "Ansvarig": "", "Start": "", "Slut": "", "Måttenhet": "", "Målvärde": "", "Belopp (tkr)": None,
                "Kommentar": "", "Fil": ret.name, "Cell": f"{sheet}!{cell}" if sheet else ""}
        base.update(extra)
        return base

    def items(linked: Callable[[str | None], bool]) -> list[dict[str, Any]]:
        """The activities and indicators whose goal passes ``linked``, in the order they were typed."""
        out = [rec(KIND_ACTIVITY, a.id, a.goal, a.text, Ansvarig=a.owner, Start=a.start.isoformat() if a.start else "",
                   Slut=a.end.isoformat() if a.end else "", Kommentar=a.comment) for a in plan.activities if linked(a.goal)]
        out += [rec(KIND_INDICATOR, i.id, i.goal, i.text, Måttenhet=i.measure.value, Målvärde=i.target, Kommentar=i.comment)
                for i in plan.indicators if linked(i.goal)]
        return sorted(out, key=lambda r: _typed_order(ret, r["ID"]))

    out: list[dict[str, Any]] = []
    for g in plan.goals:
        out.append(rec(KIND_UNIT_GOAL, g.id, g.parent, g.text, Målvärde=g.target, Kommentar=g.comment))
        out += items(partial(operator.eq, g.id))
    out += items(lambda goal: goal not in own)  # under a council goal directly
    for n, b in enumerate(plan.budget, start=1):
        sheet, cell = ret.cells.get(f"budget:{n}", ("", ""))
        note = f"ej ett tal: ”{b.typed}”" if b.amount is None else ""
        out.append({"Enhet": plan.unit, "Enhetsnamn": unit.name, "Område": "", "Fullmäktiges mål": "", "Typ": "Budget",
                    "ID": f"{plan.unit}-B{n}", "Kopplat till": "", "Text": b.activity, "Ansvarig": "", "Start": "", "Slut": "",
                    "Måttenhet": "tkr", "Målvärde": "", "Belopp (tkr)": b.amount,
                    "Kommentar": "; ".join(x for x in (note, b.comment) if x), "Fil": ret.name,
                    "Cell": f"{sheet}!{cell}" if sheet else ""})
    return out


def _typed_order(ret: PlanReturn, rid: str) -> tuple[str, int]:
    """Where a row was typed (sheet, row number), for listing rows in the order of the workbook."""
    sheet, cell = ret.cells.get(rid, ("", ""))
    digits = "".join(ch for ch in cell if ch.isdigit())
    return sheet, int(digits) if digits else 0


# --------------------------------------------------------------------------- Budget.xlsx


def budget_sheets(pc: PlanConsolidation) -> list[Any]:
    from .kfbook import Block, SheetContent
    from .xlstyle import INTEGER, TKR

    m, year = pc.model, pc.year
    data = pc.data
    sheets: list[SheetContent] = []
    blocks = []
    for area in m.areas:
        for g in (g for g in m.goals if g.area == area.id and g.level not in (plan_level(m).id, ACTIVITY_LEVEL)):
            rows = data[(data["Fullmäktiges mål"] == g.id) & (data["Typ"] != "Budget")]
            b = Block(f"{area.name} – {g.id}: {g.text}", ["Enhet", "Typ", "ID", "Text", "Ansvarig", "Start", "Slut", "Målvärde",
                                                         "Kommentar"], [], widths=[8, 12, 10, 64, 18, 11, 11, 18, 40])
            for r in rows.to_dict("records"):
                b.rows.append([r["Enhet"], r["Typ"], r["ID"], nested_text(r["Typ"], r["Kopplat till"], r["Text"], g.id),
                               r["Ansvarig"], r["Start"], r["Slut"], r["Målvärde"], r["Kommentar"]])
            if not b.rows:
                b.rows.append(["", "", "", "Inga nämndmål eller aktiviteter under målet.", "", "", "", "", ""])
            blocks.append(b)
    unlinked = data[(data["Typ"] == KIND_UNIT_GOAL) & (data["Fullmäktiges mål"] == "")]
    if not unlinked.empty:
        b = Block("Nämndmål utan koppling till fullmäktiges mål", ["Enhet", "Typ", "ID", "Text", "Ansvarig", "Start", "Slut",
                                                                   "Målvärde", "Kommentar"],
                  [[r.Enhet, r.Typ, r.ID, r.Text, "", "", "", r.Målvärde, r.Kommentar] for r in unlinked.itertuples(index=False)])
        b.colours = {(i, 3): "#FFC7CE" for i in range(len(b.rows))}
        blocks.append(b)
    sheets.append(SheetContent("Översikt", f"Verksamhetsplaner {year}", f"Nämndernas mål och aktiviteter under fullmäktiges mål · {len(pc.plans)} planer", blocks))

    bb = Block("Budget per enhet och verksamhet", ["Enhet", "Namn", "Verksamhet", "Kommentar", "Belopp (tkr)"], [], widths=[8, 32, 36, 40, 14],
               column_formats={4: TKR})
    plan_of = {p.unit: p for p in pc.plans}
    for u in pc.units.to_dict("records"):
        code, name, frame = u["Enhet"], u["Namn"], u["Ram (tkr)"]
        plan = plan_of.get(code)
        if plan is None:
            continue
        for line in plan.budget:
            if line.amount is None:  # listed as typed, not counted: the unit's sum says so
                bb.rows.append([code, name, line.activity, "; ".join(x for x in (f"Inget tal: ”{line.typed}” (se Kontroll)",
                                                                               line.comment) if x), ""])
                bb.colours[(len(bb.rows) - 1, 3)] = "#FFC7CE"
            else:
                bb.rows.append([code, name, line.activity, line.comment, line.amount])
        bb.rows.append([code, name, total_words(plan), "", plan.total])
        bb.colours[(len(bb.rows) - 1, 2)] = "#DCE6F1"
        if isinstance(frame, float) and frame == frame:  # not NaN
            bb.rows.append([code, name, "Ram", "", frame])
            bb.rows.append([code, name, "Avvikelse (ram − budget)", "", frame - plan.total])
            if frame - plan.total < 0:
                bb.colours[(len(bb.rows) - 1, 4)] = "#FFC7CE"
    total = sum(p.total for p in pc.plans)
    frames = [f for f in pc.units["Ram (tkr)"] if isinstance(f, float) and f == f]
    bb.rows.append(["", "Hela kommunen", "Summa budget", "", total])
    if frames:
        bb.rows.append(["", "Hela kommunen", "Summa ramar", "", sum(frames)])
    sheets.append(SheetContent(BUDGET_SHEET, f"Budget {year}", "Tusen kronor (tkr)", [bb]))
    ub = Block("Enheter", list(PLAN_UNIT_COLUMNS), [[_cell(v) for v in r] for r in pc.units.itertuples(index=False)],
               widths=[8, 32, 30, 14, 12, 12, 14, 10, 10, 7, 10], column_formats={4: TKR, 5: TKR, 6: TKR, 7: INTEGER, 8: INTEGER, 9: INTEGER, 10: INTEGER})
    sheets.append(SheetContent("Enheter", "Inlämnade verksamhetsplaner", pc.files_summary(), [ub], table=True))
    from .findings import FINDING_COLUMNS

    f = pc.findings_frame()
    sheets.append(SheetContent("Kontroll", "Kontroll av inlämnade planer", pc.findings_summary(),
                               [Block("Kontroll", list(FINDING_COLUMNS), [list(r) for r in f.itertuples(index=False)],
                                      widths=[9, 30, 8, 12, 9, 10, 18, 30, 90])], table=True))
    sheets.append(SheetContent("Data", "Data", f"Verksamhetsplaner {year} · en rad per mål, aktivitet, indikator och budgetrad",
                               [Block("Data", list(PLAN_DATA_COLUMNS), [[_cell(v) for v in r] for r in data.itertuples(index=False)],
                                      widths=[8, 26, 24, 12, 12, 10, 12, 60, 18, 11, 11, 10, 16, 12, 40, 30, 22],
                                      column_formats={PLAN_DATA_COLUMNS.index("Belopp (tkr)"): TKR})], table=True))
    return sheets


def nested_text(kind: str, link: str, text: str, council_goal: str) -> str:
    """A row's text indented when it stands under one of the unit's own goals (not directly under the council goal)."""
    return f"    {text}" if kind != KIND_UNIT_GOAL and link and link != council_goal else text


def total_words(plan: Plan) -> str:
    """'Summa', or 'Summa (utan 1 belopp som inte är ett tal)' when some amounts could not be read."""
    n = len(plan.unreadable)
    if not n:
        return "Summa"
    return f"Summa (utan {n} belopp som inte är {'ett tal' if n == 1 else 'tal'})"


def _cell(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return v


def write_budget(pc: PlanConsolidation, path: str | Path) -> Path:
    """Write Budget.xlsx atomically (same input, same bytes)."""
    from .kfbook import render_xlsxwriter
    from .workbook import FIXED_DATE, kommun, write_model_sheet

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_xlsx(path, nan_inf_to_errors=True) as wb:
        wb.set_properties({"title": f"Verksamhetsplaner och budget {pc.year}", "author": "malbok",
                           "company": kommun(pc.model.municipality.name), "created": FIXED_DATE})
        render_xlsxwriter(wb, budget_sheets(pc), kommun(pc.model.municipality.name), f"Verksamhetsplaner och budget {pc.year}",
                          str(pc.year))
        meta = wb.add_worksheet(META_SHEET)
        write_identity(meta, Identity(kind=KIND_BUDGET, model=pc.model.id, year=str(pc.year), version=__version__))
        meta.very_hidden()
        write_model_sheet(wb, pc.model)
    return path


# --------------------------------------------------------------------------- the plan feeds the follow-up


def unit_name(model: Model, code: str) -> str:
    """The unit's name for a report ('' codes and unknown ones as they are)."""
    try:
        return model.unit(code).name
    except (KeyError, ValueError):
        return code


def apply_plans(model: Model, year: int) -> Model:
    """The model with the units' plans of ``year`` as goals (and indicators) of the follow-up.

    Unit goals become goals at the plan level under their council goal;
    activities become goals at the level ``Aktivitet`` (assessed on the activity
    scale: genomförd, pågår, försenad …) under their unit goal. Both are valid
    in ``year`` only, so the next year's workbooks are not affected.
    """
    plans = [p for p in model.plans if p.year == year]
    if not plans:
        return model
    council = {g.id: g for g in model.goals}
    lvl = plan_level(model)
    levels = list(model.levels)
    if lvl.id not in {x.id for x in levels}:
        levels.append(lvl)
    ascale = activity_scale(model)
    scales = list(model.scales)
    if ascale.id not in {s.id for s in scales}:
        scales.append(ascale)
    if ACTIVITY_LEVEL not in {x.id for x in levels}:
        levels.append(GoalLevel.model_validate({"id": ACTIVITY_LEVEL, "namn": "Aktivitet", "skala": ascale.id, "tidshorisont": "1 år",
                                                "uppföljning": lvl.follow_up}))
    goals = list(model.goals)
    indicators = list(model.indicators)
    for p in plans:
        own = {g.id: g for g in p.goals}
        area_of: dict[str, str] = {}
        for g in p.goals:
            if g.parent not in council:
                continue  # an unlinked goal has no area; it is listed in Kontroll of the plan round
            area_of[g.id] = council[g.parent].area
            goals.append(Goal.model_validate({"id": g.id, "nivå": lvl.id, "område": council[g.parent].area, "överordnat": g.parent,
                                              "text": g.text, "enheter": [p.unit], "från_år": year, "till_år": year}))
        for a in p.activities:
            parent = a.goal if a.goal is not None and (a.goal in area_of or a.goal in council) else None
            if parent is None:
                continue
            area = area_of.get(parent) or council[parent].area
            when = "–".join(d.isoformat() for d in (a.start, a.end) if d)
            extra = "; ".join(x for x in (f"ansvarig: {a.owner}" if a.owner else "", when) if x)
            goals.append(Goal.model_validate({"id": a.id, "nivå": ACTIVITY_LEVEL, "område": area, "överordnat": parent,
                                              "text": a.text + (f" ({extra})" if extra else ""), "enheter": [p.unit],
                                              "från_år": year, "till_år": year}))
        for i in p.indicators:
            if i.goal in area_of or i.goal in council:
                targets = [{"typ": "redovisas", "text": i.target}] if i.target else []
                indicators.append(Indicator.model_validate({"id": i.id, "text": i.text, "mål": i.goal, "måttenhet": i.measure,
                                                            "målvärden": targets, "enheter": [p.unit]}))
        del own
    return model.changed(levels=levels, scales=scales, goals=goals, indicators=indicators)


def load_plans(budget_xlsx: str | Path, model: Model) -> Model:
    """The model with the plans of a Budget.xlsx (checked against the model given)."""
    from .kfread import read_kf

    book = read_kf(budget_xlsx)
    if book.kind != "budget":
        raise InputError(f"{Path(budget_xlsx).name}: inte en Budget.xlsx från malbok consolidate --round plan")
    if book.model.id != model.id:
        raise InputError(f"{Path(budget_xlsx).name}: planerna gäller styrmodellen '{book.model.id}', inte '{model.id}'")
    return model.changed(plans=book.model.plans)
