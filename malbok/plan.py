"""The plan round: each unit's verksamhetsplan (own goals, activities, indicators, budget).

``generate_plan`` writes one plan workbook per unit: per area sheet the
council's goals (locked) with room under each for the unit's own rows, and a
``Budget`` sheet with the unit's frame, live sums and the difference to the
frame. ``consolidate_plan`` reads them back into :class:`~malbok.model.Plan`
objects with findings, and ``write_budget`` builds ``Budget.xlsx`` for the
budget document. ``apply_plans`` turns the plans into goals of the follow-up,
so the next delår follows the units' own goals and activities like council
goals.

The plan sheets are declared once, with the follow-up's, in :mod:`malbok.layout`
(:data:`~malbok.layout.PLAN_AREA`, :data:`~malbok.layout.BUDGET_TABLE`): the writer
derives validation, input messages and locking from the columns' rules, and the
reader finds the columns by header text and checks every cell by the same rules.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ._version import __version__
from .findings import WARNING, Finding, FindingsSummary, UnitStatus
from .layout import (
    ACTIVITY_LEVEL,
    AMOUNT_RULE,
    BUDGET_DATA,
    BUDGET_GIVEN,
    BUDGET_GOALS,
    BUDGET_LINES,
    BUDGET_NEW,
    BUDGET_SHEET,
    BUDGET_TABLE,
    BUDGET_UNITS,
    FRAME_LABEL,
    INSTRUCTIONS_SHEET,
    KIND_ACTIVITY,
    KIND_BUDGET,
    KIND_COUNCIL,
    KIND_INDICATOR,
    KIND_UNIT_GOAL,
    KIND_WORKBOOK,
    MEASURE_WORDS,
    META_SHEET,
    PLAN_AREA,
    PLAN_KINDS,
    ROUND_PLAN,
    SUM_LABEL,
    TEXT_RULE,
    Identity,
    Rule,
    SheetLayout,
    write_identity,
)
from .messages import visible
from .model import (
    Activity,
    BudgetLine,
    Goal,
    GoalLevel,
    Indicator,
    Measure,
    Model,
    Plan,
    PlanGoal,
    PlanIndicator,
)
from .returns import ReturnedFile, ReturnRow, _find_header, identity_problem, layout_problem
from .scope import activity_scale, council_goals, plan_level, plan_rules, plan_sheets
from .util import InputError, atomic_xlsx, slug
from .values import cell_text as _text

PLAN_LAYOUT = "plan-1"
SPARE_ROWS = 6
BUDGET_SPARE = 8
LIST_COLUMN = 7  # the hidden identity sheet's column H: the goal ids a long 'Kopplat till' list takes its values from



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
    from .workbook import (
        FIXED_DATE,
        _Formats,
        _write_wrapped,
        column_validations,
        input_formats,
        kommun,
        write_model_sheet,
    )
    from .xlstyle import INSTRUCTIONS_WIDTHS, page_setup

    unit = model.unit(unit_code)
    lvl = plan_level(model)
    with atomic_xlsx(path, in_memory=True) as wb:
        wb.set_properties({"title": f"Verksamhetsplan {year} – {unit.name}", "subject": f"Verksamhetsplan och budget {year}",
                           "author": "malbok", "company": kommun(model.municipality.name), "category": "Plan",
                           "created": FIXED_DATE, "comments": f"Skapad med malbok {__version__} från styrmodellen {model.id}"})
        fmt = _Formats(wb)

        def setup(ws: Any, **options: Any) -> None:
            page_setup(ws, kommun=kommun(model.municipality.name), document=f"Verksamhetsplan {year} – {unit.name} ({unit.code})",
                       period=str(year), **options)
        protect = {"insert_rows": True, "delete_rows": True, "format_columns": True, "format_rows": True,
                   "select_locked_cells": True, "select_unlocked_cells": True, "autofilter": True, "sort": False}

        ins = wb.add_worksheet(INSTRUCTIONS_SHEET)
        ins.set_column(0, 0, INSTRUCTIONS_WIDTHS[0])
        ins.set_column(1, 1, INSTRUCTIONS_WIDTHS[1])
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
            _write_wrapped(ins, r, 1, step, fmt.wrap, INSTRUCTIONS_WIDTHS[1])
        setup(ins, where=INSTRUCTIONS_SHEET, widths=INSTRUCTIONS_WIDTHS, landscape=False)
        ins.activate()

        rules = plan_rules(model, year, unit_code)
        link_ids = rules["link"].values
        link_source = None if rules["link"].inline() else \
            f"={META_SHEET}!{xl_rowcol_to_cell(1, LIST_COLUMN, True, True)}:{xl_rowcol_to_cell(len(link_ids), LIST_COLUMN, True, True)}"
        inputs = input_formats(wb, PLAN_AREA.columns)
        col_at = PLAN_AREA.index
        for sheet, area, area_goals in plan_sheets(model, year, unit_code):
            ws = wb.add_worksheet(sheet)
            ws.write_string(0, 0, area.name, fmt.title)
            ws.write_string(1, 0, f"{unit.name} · verksamhetsplan {year} · skriv i de gula raderna", fmt.subtitle)
            for c, col in enumerate(PLAN_AREA.columns):
                ws.set_column(c, c, col.width)
                ws.write_string(3, c, col.header, fmt.head)
            row = 4
            first = row
            for g in area_goals:
                ws.write_string(row, col_at["id"], g.id, fmt.goal)
                ws.write_string(row, col_at["kind"], KIND_COUNCIL, fmt.goal)
                ws.write_string(row, col_at["link"], "", fmt.goal)
                ws.write_string(row, col_at["text"], f"{model.level(g.level).name}: {g.text}", fmt.goal)
                for c in range(col_at["owner"], len(PLAN_AREA.columns)):
                    ws.write_blank(row, c, None, fmt.goal)
                row += 1
                for _ in range(SPARE_ROWS):  # a unit's row: every column an input (its kind is typed in it)
                    for c, col in enumerate(PLAN_AREA.columns):
                        ws.write_blank(row, c, None, inputs[col.key])
                    row += 1
            # validations also cover rows the unit inserts or adds below
            column_validations(ws, first, row + 200, PLAN_AREA.columns, rules, {"link": link_source})
            ws.freeze_panes(4, 0)
            setup(ws, where=area.name, widths=[c.width for c in PLAN_AREA.columns], header_row=3)
            ws.protect(password or "", protect)

        _budget_sheet(wb, fmt, model, year, unit_code, password, protect)
        setup(wb.get_worksheet_by_name(BUDGET_SHEET), where=BUDGET_SHEET, widths=[c.width for c in BUDGET_TABLE.columns],
              landscape=False, header_row=BUDGET_HEADER_ROW)

        meta = wb.add_worksheet(META_SHEET)
        write_identity(meta, Identity(kind=KIND_WORKBOOK, round=ROUND_PLAN, model=model.id, model_hash=model.fingerprint(),
                                      municipality=model.municipality.name, year=str(year), unit=unit_code,
                                      layout=PLAN_LAYOUT, version=__version__))
        if link_source is not None:
            meta.write_string(0, LIST_COLUMN, "mål")
            for i, gid in enumerate(link_ids, start=1):
                meta.write_string(i, LIST_COLUMN, gid)
        meta.very_hidden()
        write_model_sheet(wb, model)
    return path


def _tkr(v: float | None) -> str:
    from .targets import fmt_number

    return fmt_number(v, 0) if v is not None else ""


FRAME_AGAIN_LABEL, DIFFERENCE_LABEL = "Ram", "Differens mot ram (ram − summa)"  # the rows under Summa, the writer's own
BUDGET_HEADER_ROW = 5  # zero-based: title, subtitle, blank, the frame, blank, header


def _budget_sheet(wb: Any, fmt: Any, model: Model, year: int, unit_code: str, password: str | None,
                  protect: dict[str, bool]) -> None:
    from .workbook import column_validations, input_formats
    from .xlstyle import TKR

    unit = model.unit(unit_code)
    ws = wb.add_worksheet(BUDGET_SHEET)
    columns = BUDGET_TABLE.columns
    col_at = BUDGET_TABLE.index
    inputs = input_formats(wb, columns)
    money_fixed = wb.add_format({"bold": True, "border": 1, "border_color": "#D9D9D9", "num_format": TKR})
    amount = col_at["amount"]
    for c, col in enumerate(columns):
        ws.set_column(c, c, col.width)
    ws.write_string(0, 0, f"Budget {year} – {unit.name}", fmt.title)
    ws.write_string(1, 0, "Belopp i tusen kronor (tkr). Summan och skillnaden mot ramen räknas ut direkt.", fmt.subtitle)
    frame = unit.frame_for(year)
    frame_row = BUDGET_HEADER_ROW - 2
    ws.write_string(frame_row, col_at["activity"], FRAME_LABEL, fmt.bold)
    if frame is not None:
        ws.write_number(frame_row, amount, frame, money_fixed)
    else:  # the unit states its frame: an amount cell like the lines'
        ws.write_blank(frame_row, amount, None, inputs["amount"])
        ws.data_validation(frame_row, amount, frame_row, amount, BUDGET_TABLE.column("amount").validation())
    ws.write_row(BUDGET_HEADER_ROW, 0, [c.header for c in columns], fmt.head)
    r = BUDGET_HEADER_ROW + 1
    kinds = [BUDGET_GIVEN] * len(unit.activities) + [BUDGET_NEW] * BUDGET_SPARE
    names = list(unit.activities)
    for i, kind in enumerate(kinds):
        for c, col in enumerate(columns):
            if kind in col.input_for:
                ws.write_blank(r, c, None, inputs[col.key])
            else:  # the verksamhet the model names, locked
                ws.write_string(r, c, names[i], fmt.goal)
        r += 1
    first, last = BUDGET_HEADER_ROW + 1, r - 1
    column_validations(ws, first, last, columns, {})
    rng = f"{xl_rowcol_to_cell(first, amount)}:{xl_rowcol_to_cell(last, amount)}"
    total_row, frame_again, diff_row = r + 1, r + 2, r + 3
    ws.write_string(total_row, 0, SUM_LABEL, fmt.bold)
    ws.write_formula(total_row, amount, f"=SUM({rng})", money_fixed, 0)
    ws.write_string(frame_again, 0, FRAME_AGAIN_LABEL, fmt.bold)
    ws.write_formula(frame_again, amount, f"={xl_rowcol_to_cell(frame_row, amount)}", money_fixed, frame or 0)
    ws.write_string(diff_row, 0, DIFFERENCE_LABEL, fmt.bold)
    ws.write_formula(diff_row, amount, f"={xl_rowcol_to_cell(frame_again, amount)}-{xl_rowcol_to_cell(total_row, amount)}",
                     money_fixed, frame or 0)
    ws.conditional_format(diff_row, amount, diff_row, amount, {"type": "cell", "criteria": "<", "value": 0,
                                                               "format": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})})
    ws.protect(password or "", protect)


# --------------------------------------------------------------------------- reading


@dataclass
class PlanReturn(ReturnedFile):
    """A returned plan workbook: the unit's plan as read, with the cells it came from."""

    plan: Plan | None = None
    frame: float | None = None  # as typed, when the model has none
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # item id -> (sheet, cell)


def read_plan_return(path: str | Path, model: Model) -> PlanReturn:
    """Read one returned plan workbook; problems become findings, never exceptions.

    The sheets are read as the follow-up's are (:func:`malbok.returns.read_table`: header by text, every
    sheet guarded, every typed cell checked by its column's rule); what the rows mean, new rows' IDs and
    the goal each row hangs on, is :func:`plan_of_rows`."""
    from .returns import (
        added_sheets,
        guarded_rows,
        open_book,
        read_identity,
        read_table,
        sheet_named,
        sheet_rows,
    )

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
    try:
        year = int(ret.identity.year or 0)
    except ValueError:
        ret.add(META_SHEET, ret.identity.cell("year"), "", "fel-period", f"planåret '{ret.identity.year}' i identitetsbladet är inget år; "
                "bladet har ändrats för hand: be enheten fylla i en ny arbetsbok")
        return ret
    written = [sheet for sheet, _area, _goals in plan_sheets(model, year, ret.unit)]
    for sheet in written:
        if sheet_named(names, sheet) is None:
            ret.add(sheet, "", "", "blad-saknas", f"bladet '{sheet}' saknas (borttaget eller omdöpt); det som skrevs där kan inte läsas")
    tables = []
    read_here = [BUDGET_SHEET, *written]
    for sheet in names:
        if sheet in (META_SHEET, INSTRUCTIONS_SHEET, BUDGET_SHEET) or sheet.startswith("_"):
            continue
        rows = guarded_rows(ret, wb, sheet)
        if rows is None:
            continue
        if sheet not in written and _find_header(rows, PLAN_AREA) is None:
            continue  # a sheet the unit added for itself (notes, a calculation)
        read_here.append(sheet)
        table = read_table(ret, sheet, rows, PLAN_AREA, wb.notes.get(sheet, ()))
        if table is not None:
            tables.append(table)
    added_sheets(ret, names, read_here, lambda name: sheet_rows(wb, name))
    plan = plan_of_rows(ret, model, year, tables)
    budget = sheet_named(names, BUDGET_SHEET)
    if budget is None:
        ret.add(BUDGET_SHEET, "", "", "blad-saknas", "bladet Budget saknas; budgeten kan inte läsas")
    else:
        rows = guarded_rows(ret, wb, budget)
        if rows is not None:
            unit_model = next((u for u in model.units if u.code == ret.unit), None)
            _read_budget(ret, plan, rows, set(unit_model.activities) if unit_model else set(), wb.notes.get(budget, ()))
    ret.plan = plan
    return ret


def _shown(raw: Any, n: int = 60) -> str:
    text = raw.isoformat() if isinstance(raw, date) else _text(raw)
    return text if len(text) <= n else text[: n - 1] + "…"


def _checked(ret: PlanReturn, rr: ReturnRow, key: str, rule: Rule, layout: SheetLayout = PLAN_AREA) -> Any:
    """The row's cell ``key`` read by its rule; what the rule refuses is a finding naming the cell, in the rule's words."""
    raw = rr.raw.get(key)
    got = rule.read(raw)
    if got.problem:
        ret.add(rr.sheet, rr.cell(key), rr.id, got.code, f"{layout.column(key).header} ”{_shown(raw)}” {got.problem}",
                got.severity or None)
    return got.value


def plan_of_rows(ret: PlanReturn, model: Model, year: int, tables: list[Any]) -> Plan:
    """The unit's plan from its plan sheets' rows, in the order typed: a council goal's row starts its section; a new
    row gets an ID (KS-M1, KS-A1, KS-I1 …); an empty 'Kopplat till' is the goal above (for a nämndmål the council goal
    of the section, for an activity or indicator the nämndmål nearest above). Every cell is checked by its column's
    rule, made for this workbook as the writer made it (:func:`plan_rules`)."""
    unit = ret.unit
    rules = plan_rules(model, year, unit)
    council = {g.id: g for g in council_goals(model, year, unit)}
    every_goal = {g.id for g in model.goals}
    plan = Plan(enhet=unit, år=year)
    counters = {KIND_UNIT_GOAL: 0, KIND_ACTIVITY: 0, KIND_INDICATOR: 0}
    prefix = {KIND_UNIT_GOAL: "M", KIND_ACTIVITY: "A", KIND_INDICATOR: "I"}
    columns = PLAN_AREA.columns
    used: set[str] = set()
    for table in tables:
        current: str | None = None  # the council goal of this section
        last_goal: str | None = None  # the unit goal nearest above
        for rr in table.rows:
            sheet, rid, typed_kind = rr.sheet, rr.id, rr.kind
            link_typed = _text(rr.raw.get("link"))
            if typed_kind == KIND_COUNCIL or (rid in every_goal and not link_typed):
                current, last_goal = (rid if rid in council else None), None
                continue
            text = _checked(ret, rr, "text", rules["text"]) or ""
            typed = [c.key for c in columns if c.key not in ("id", "kind", "text") and rr.filled(c.key)]
            if not text:
                if typed_kind or typed:  # something was typed: say it is not read, never drop it silently
                    what = f"typen {typed_kind}" if typed_kind else "värden (" + ", ".join(PLAN_AREA.column(k).header for k in typed) + ")"
                    ret.add(sheet, rr.cell("text"), rid, "text-saknas", f"raden har {what} men ingen text; den läses inte", WARNING)
                continue
            if not typed_kind:
                ret.add(sheet, rr.cell("kind"), rid, "okand-typ", "typ saknas; välj Nämndmål, Aktivitet eller Indikator")
                continue
            kind = _checked(ret, rr, "kind", rules["kind"])
            if kind is None:
                continue
            for key in typed:
                col = PLAN_AREA.column(key)
                if kind not in col.input_for:
                    ret.add(sheet, rr.cell(key), rid, "ej-anvand-cell",
                            f"{col.header} ”{_shown(rr.raw.get(key))}” används inte för typen {kind} och läses inte; "
                            f"det gäller bara {' och '.join(k.lower() for k in PLAN_KINDS if k in col.input_for)}")
            if not rid or rid in used or rid in every_goal:
                counters[kind] += 1
                rid = f"{unit}-{prefix[kind]}{counters[kind]}"
                while rid in used:
                    counters[kind] += 1
                    rid = f"{unit}-{prefix[kind]}{counters[kind]}"
            used.add(rid)
            rr.id = rid
            ret.cells[rid] = (sheet, rr.cell("text"))
            comment = _checked(ret, rr, "comment", rules["comment"]) or ""
            if kind == KIND_UNIT_GOAL:  # empty 'Kopplat till': the council goal above
                if link_typed:
                    got = rules["link"].read(link_typed)
                    parent = got.value
                    why = f"Kopplat till ”{_shown(link_typed)}” {got.problem}"
                else:
                    parent, why = current, "inget av fullmäktiges mål står ovanför"
                if parent is None:
                    ret.add(sheet, rr.cell("link"), rid, "ej-kopplat", f"nämndmålet ”{text[:60]}” är inte kopplat till fullmäktiges mål ({why})")
                plan.goals.append(PlanGoal(id=rid, överordnat=parent, text=text,
                                           målvärde=_checked(ret, rr, "target", rules["target"]) or "", kommentar=comment))
                last_goal = rid
                continue
            if link_typed:
                goal = _checked(ret, rr, "link", rules["link"])
            else:
                goal = last_goal or current
            if kind == KIND_ACTIVITY:
                start = _checked(ret, rr, "start", rules["start"])
                end = _checked(ret, rr, "end", rules["end"])
                owner = _checked(ret, rr, "owner", rules["owner"]) or ""
                if not owner:
                    ret.add(sheet, rr.cell("owner"), rid, "ansvarig-saknas", f"aktiviteten ”{text[:60]}” saknar ansvarig", WARNING)
                if end is None and not rr.filled("end"):
                    ret.add(sheet, rr.cell("end"), rid, "slutdatum-saknas", f"aktiviteten ”{text[:60]}” saknar slutdatum", WARNING)
                if start and end and end < start:
                    ret.add(sheet, rr.cell("end"), rid, "slut-fore-start", f"slutdatum {end} ligger före start {start}")
                plan.activities.append(Activity.model_validate({"id": rid, "mål": goal, "text": text, "ansvarig": owner,
                                                                "start": start, "slut": end, "kommentar": comment}))
            else:
                word = _checked(ret, rr, "measure", rules["measure"])
                plan.indicators.append(PlanIndicator(id=rid, mål=goal, text=text, måttenhet=MEASURE_WORDS.get(word or "", Measure.NUMBER),
                                                     målvärde=_checked(ret, rr, "target", rules["target"]) or "", kommentar=comment))
    return plan


def _read_budget(ret: PlanReturn, plan: Plan, rows: list[list[Any]], prefilled: set[str], notes: Any) -> None:
    """The Budget sheet's frame and lines, read by its declaration (:data:`~malbok.layout.BUDGET_TABLE`);
    ``prefilled`` are the verksamheter the writer put there. An amount the column's rule refuses is named and left
    out of the sum, never counted as 0."""
    from .returns import read_table

    table = read_table(ret, BUDGET_SHEET, rows, BUDGET_TABLE, notes, until=("activity", SUM_LABEL))
    if table is None:
        return
    cols = table.cols
    for r, head in enumerate(rows[:table.header_row]):  # the frame, above the lines
        if len(head) > cols["amount"] and _text(head[cols["activity"]]) == FRAME_LABEL:
            frame = ReturnRow("", "", BUDGET_SHEET, r + 1, {"amount": head[cols["amount"]]},
                              {"amount": xl_rowcol_to_cell(0, cols["amount"])[:-1]})
            ret.frame = _checked(ret, frame, "amount", AMOUNT_RULE, BUDGET_TABLE)
            if ret.frame is not None:
                ret.cells["budget:frame"] = (BUDGET_SHEET, frame.cell("amount"))
    if table.end_row is not None:
        ret.cells["budget:sum"] = (BUDGET_SHEET, xl_rowcol_to_cell(table.end_row, cols["amount"]))
        _below_sum(ret, rows, table.end_row, cols)
    for rr in table.rows:
        name = _checked(ret, rr, "activity", TEXT_RULE, BUDGET_TABLE) or ""
        comment = _checked(ret, rr, "comment", TEXT_RULE, BUDGET_TABLE) or ""
        cell = rr.cell("amount")
        if not rr.filled("amount"):
            if comment or (name and name not in prefilled):  # typed without an amount: kept, with no amount
                plan.budget.append(BudgetLine.model_validate({"verksamhet": name or "(utan verksamhet)", "belopp_tkr": None,
                                                              "kommentar": comment}))
                ret.cells[f"budget:{len(plan.budget)}"] = (BUDGET_SHEET, cell)
            continue
        raw = rr.raw["amount"]
        got = AMOUNT_RULE.read(raw)
        counted = got.value is not None and got.code in ("", "tvetydigt-tal")
        if got.problem:
            tail = "" if counted else "; räknas inte i summan"
            ret.add(BUDGET_SHEET, cell, "", got.code, f"Belopp (tkr) ”{_shown(raw)}” {got.problem}{tail}", got.severity or None)
        amount = got.value if counted else None
        if not name:
            shown = f"{amount:g} tkr" if amount is not None else f"”{_shown(raw)}”"
            ret.add(BUDGET_SHEET, rr.cell("activity"), "", "verksamhet-saknas", f"beloppet {shown} saknar verksamhet", WARNING)
            name = "(utan verksamhet)"
        plan.budget.append(BudgetLine.model_validate({"verksamhet": name, "belopp_tkr": amount, "kommentar": comment,
                                                      "angivet": "" if amount is not None else _text(raw)}))
        ret.cells[f"budget:{len(plan.budget)}"] = (BUDGET_SHEET, cell)


def _below_sum(ret: PlanReturn, rows: list[list[Any]], sum_row: int, cols: dict[str, int]) -> None:
    """What the unit typed under the Budget sheet's Summa row (a line added there, a note): not a budget line, so it is
    not read, and a warning per row names its first filled cell and what the row holds. The writer's own rows there
    (Summa, Ram, Differens: their labels and the amounts Excel computes) say nothing."""
    from .values import fmt_number

    own = {SUM_LABEL, FRAME_AGAIN_LABEL, DIFFERENCE_LABEL}
    for r in range(sum_row, len(rows)):
        row = rows[r]
        writers = cols["activity"] < len(row) and _text(row[cols["activity"]]) in own
        typed = [(c, raw) for c, raw in enumerate(row) if not (raw is None or isinstance(raw, str) and not raw.strip())
                 and not (writers and c in (cols["amount"], cols["activity"]))]
        if not typed:
            continue
        shown = ", ".join(fmt_number(raw, 4) if isinstance(raw, int | float) and not isinstance(raw, bool) else f"”{_shown(raw)}”"
                          for _c, raw in typed)
        ret.add(BUDGET_SHEET, xl_rowcol_to_cell(r, typed[0][0]), "", "under-summan",
                f"{shown} står under budgetens summarad och läses inte; skriv budgetrader ovanför raden {SUM_LABEL} "
                "(infoga en rad där)", WARNING)


# --------------------------------------------------------------------------- consolidation

PLAN_DATA_COLUMNS = BUDGET_DATA.headers  # declared in malbok.layout.BUDGET_DATA


class PlanRecord(NamedTuple):
    """One row of Budget.xlsx's ``Data``: a unit's goal, activity, indicator or budget line as typed. The fields are
    the table's columns in order (:data:`malbok.layout.BUDGET_DATA`, their Swedish headers :data:`PLAN_DATA_COLUMNS`)."""

    unit: str
    unit_name: str
    area: str
    council_goal: str
    kind: str
    id: str
    link: str
    text: str
    owner: str = ""
    start: str = ""
    end: str = ""
    measure: str = ""
    target: str = ""
    amount: float | None = None
    comment: str = ""
    file: str = ""
    cell: str = ""


assert PlanRecord._fields == tuple(c.key for c in BUDGET_DATA.columns)
PLAN_UNIT_COLUMNS = BUDGET_UNITS.headers


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
        problem = identity_problem(ident, ROUND_PLAN, model.id, f"verksamhetsplanen för {year}")
        if problem is None and ident.year != str(year):
            problem = "fel-period", f"arbetsboken gäller planåret {visible(ident.year)}, inte {year}; den konsolideras inte"
        problem = problem or layout_problem(ident, PLAN_LAYOUT, codes)
        if problem is not None:
            ret.add("", "", "", *problem)
        else:
            if ident.model_hash != model.fingerprint():
                ret.add("", "", "", "ny-modellversion", "styrmodellen har ändrats sedan arbetsboken skapades; raderna läses ändå", WARNING)
            accepted.setdefault(ret.unit, []).append(ret)
    chosen, status = choose_among_duplicates(accepted, prefer_set)

    plans: list[Plan] = []
    records: list[PlanRecord] = []
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


def _plan_records(model: Model, plan: Plan, ret: PlanReturn) -> list[PlanRecord]:
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

    def rec(kind: str, rid: str, link: str | None, text: str, **extra: Any) -> PlanRecord:
        cg = council_of(link) if kind != KIND_UNIT_GOAL else (council.get(link) if link else None)
        sheet, cell = ret.cells.get(rid, ("", ""))
        return PlanRecord(plan.unit, unit.name, model.area(cg.area).name if cg else "", cg.id if cg else "", kind, rid,
                          link or "", text, file=ret.name, cell=f"{sheet}!{cell}" if sheet else "", **extra)

    def items(linked: Callable[[str | None], bool]) -> list[PlanRecord]:
        """The activities and indicators whose goal passes ``linked``, in the order they were typed."""
        out = [rec(KIND_ACTIVITY, a.id, a.goal, a.text, owner=a.owner, start=a.start.isoformat() if a.start else "",
                   end=a.end.isoformat() if a.end else "", comment=a.comment) for a in plan.activities if linked(a.goal)]
        out += [rec(KIND_INDICATOR, i.id, i.goal, i.text, measure=i.measure.value, target=i.target, comment=i.comment)
                for i in plan.indicators if linked(i.goal)]
        return sorted(out, key=lambda r: _typed_order(ret, r.id))

    out: list[PlanRecord] = []
    for g in plan.goals:
        out.append(rec(KIND_UNIT_GOAL, g.id, g.parent, g.text, target=g.target, comment=g.comment))
        out += items(partial(operator.eq, g.id))
    out += items(lambda goal: goal not in own)  # under a council goal directly
    for n, b in enumerate(plan.budget, start=1):
        sheet, cell = ret.cells.get(f"budget:{n}", ("", ""))
        note = f"ej ett tal: ”{b.typed}”" if b.amount is None else ""
        out.append(PlanRecord(plan.unit, unit.name, "", "", "Budget", f"{plan.unit}-B{n}", "", b.activity, measure="tkr",
                              amount=b.amount, comment="; ".join(x for x in (note, b.comment) if x), file=ret.name,
                              cell=f"{sheet}!{cell}" if sheet else ""))
    return out


def _typed_order(ret: PlanReturn, rid: str) -> tuple[str, int]:
    """Where a row was typed (sheet, row number), for listing rows in the order of the workbook."""
    sheet, cell = ret.cells.get(rid, ("", ""))
    digits = "".join(ch for ch in cell if ch.isdigit())
    return sheet, int(digits) if digits else 0


# --------------------------------------------------------------------------- Budget.xlsx


def budget_sheets(pc: PlanConsolidation) -> list[Any]:
    from .kfbook import Block, SheetContent, _cells, findings_sheet, units_sheet

    m, year = pc.model, pc.year
    data = pc.data
    sheets: list[SheetContent] = []
    blocks = []
    for area in m.areas:
        for g in (g for g in m.goals if g.area == area.id and g.level not in (plan_level(m).id, ACTIVITY_LEVEL)):
            rows = data[(data["Fullmäktiges mål"] == g.id) & (data["Typ"] != "Budget")]
            b = Block(f"{area.name} – {g.id}: {g.text}", list(BUDGET_GOALS.headers), [], widths=BUDGET_GOALS.widths)
            for r in rows.to_dict("records"):
                b.rows.append([r["Enhet"], r["Typ"], r["ID"], nested_text(r["Typ"], r["Kopplat till"], r["Text"], g.id),
                               r["Ansvarig"], r["Start"], r["Slut"], r["Målvärde"], r["Kommentar"]])
            if not b.rows:
                b.rows.append(["", "", "", "Inga nämndmål eller aktiviteter under målet.", "", "", "", "", ""])
            blocks.append(b)
    unlinked = data[(data["Typ"] == KIND_UNIT_GOAL) & (data["Fullmäktiges mål"] == "")]
    if not unlinked.empty:
        b = Block("Nämndmål utan koppling till fullmäktiges mål", list(BUDGET_GOALS.headers),
                  [[r.Enhet, r.Typ, r.ID, r.Text, "", "", "", r.Målvärde, r.Kommentar] for r in unlinked.itertuples(index=False)])
        b.colours = {(i, 3): "#FFC7CE" for i in range(len(b.rows))}
        blocks.append(b)
    sheets.append(SheetContent("Översikt", f"Verksamhetsplaner {year}", f"Nämndernas mål och aktiviteter under fullmäktiges mål · {len(pc.plans)} planer", blocks))

    bb = Block("Budget per enhet och verksamhet", list(BUDGET_LINES.headers), [], widths=BUDGET_LINES.widths,
               column_formats=BUDGET_LINES.column_formats)
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
    sheets.append(units_sheet(pc.units, BUDGET_UNITS, "Inlämnade verksamhetsplaner", pc.files_summary()))
    sheets.append(findings_sheet(pc, "Kontroll av inlämnade planer"))
    sheets.append(SheetContent("Data", "Data", f"Verksamhetsplaner {year} · en rad per mål, aktivitet, indikator och budgetrad",
                               [Block("Data", list(BUDGET_DATA.headers), _cells(data), widths=BUDGET_DATA.widths,
                                      column_formats=BUDGET_DATA.column_formats)], table=True))
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


def write_budget(pc: PlanConsolidation, path: str | Path) -> Path:
    """Write Budget.xlsx atomically (same input, same bytes), with KF.xlsx's table writer."""
    from .kfbook import write_report_book

    return write_report_book(path, budget_sheets(pc), pc.model,
                             Identity(kind=KIND_BUDGET, model=pc.model.id, year=str(pc.year), version=__version__),
                             {"title": f"Verksamhetsplaner och budget {pc.year}"}, f"Verksamhetsplaner och budget {pc.year}",
                             str(pc.year))


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
