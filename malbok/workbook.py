"""Write one follow-up workbook per unit (XlsxWriter)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ._version import __version__
from .layout import (
    COL_INDEX,
    COLUMNS,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    KIND_ACTIVITY,
    KIND_CONTEXT,
    KIND_GOAL,
    KIND_INDICATOR,
    KIND_PROGRAMME,
    KIND_WORKBOOK,
    LAYOUT_VERSION,
    META_SHEET,
    MODEL_SHEET,
    PERCENT_CELLS_SHARE,
    REGISTRY_HEADER,
    ROUND_FOLLOW_UP,
    ROWS_SHEET,
    Column,
    Identity,
    Rule,
    outcome_rule,
    write_identity,
)
from .model import Indicator, Measure, Model
from .periods import Period
from .scope import (  # what a unit reports: the rows written here (malbok.scope; still importable from here)
    Row,
    SheetPlan,
    WorkbookPlan,
    expected_rows,
    plan_workbook,
)
from .scope import indicator_texts as indicator_texts
from .scope import programme_scale as programme_scale
from .targets import fmt_value
from .util import atomic_xlsx, no_cycle_collection, slug
from .xlstyle import INSTRUCTIONS_WIDTHS, GrowingSheet, fitted_height, number_format, page_setup, text_lines

FIXED_DATE = datetime(2000, 1, 1)
INPUT_FILL = "#FFF2CC"
HEADER_FILL = "#1F4E78"


def file_name(model: Model, period: Period, unit_code: str, suffix: str = ".xlsx") -> str:
    return f"{slug(model.municipality.name)}_{slug(period.id)}_{slug(unit_code, 16)}{suffix}"


def safe_target(out_dir: Path, name: str) -> Path:
    """``out_dir / name``, refusing anything that would land outside ``out_dir``."""
    out_dir = out_dir.resolve()
    target = (out_dir / name).resolve()
    if target.parent != out_dir:
        raise ValueError(f"filnamnet '{name}' skulle hamna utanför mappen {out_dir}")
    return target


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "text_wrap": True}
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": HEADER_FILL})
        self.subtitle = wb.add_format({"italic": True, "font_size": 10, "font_color": "#404040"})
        self.head = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL, "border": 1, "border_color": "#BFBFBF"})
        self.cell = wb.add_format({**base, "border": 1, "border_color": "#D9D9D9"})
        self.goal = wb.add_format({**base, "bold": True, "border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2"})
        self.context = wb.add_format({**base, "italic": True, "font_color": "#595959", "border": 1, "border_color": "#D9D9D9"})
        self.input = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000"})
        self.input_num = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000", "num_format": "# ##0.0##"})
        self.input_pct = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000", "num_format": PERCENT_FORMAT})
        # text inputs are text cells: '=se bilaga' or '1-2' stay as typed in Excel and LibreOffice alike
        self.input_text = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000", "num_format": "@"})
        self.bold = wb.add_format({"bold": True, "valign": "top"})
        self.plain = wb.add_format({})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.h2 = wb.add_format({"bold": True, "font_size": 12, "font_color": HEADER_FILL})
        self.swatch: dict[str, object] = {}
        self.wb = wb
        # an outcome typed as it is shown (11, not 11,0; 1 545 000 kr grouped); percent keeps input_pct
        typed = {**base, "locked": False, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000"}
        self.input_by_measure: dict[Measure, object] = {
            Measure.COUNT: wb.add_format({**typed, "num_format": "General"}),
            Measure.RANK: wb.add_format({**typed, "num_format": "General"}),
            Measure.SEK: wb.add_format({**typed, "num_format": number_format(Measure.SEK)}),
        }

    def colour(self, colour: str) -> object:
        if colour not in self.swatch:
            self.swatch[colour] = self.wb.add_format({"bg_color": colour, "border": 1, "border_color": "#BFBFBF", "valign": "top", "text_wrap": True})
        return self.swatch[colour]



# A %-indicator's Utfall cell. Excel and LibreOffice store what is typed differently: in a cell
# formatted as percent Excel stores a typed 85 as 0,85 (its automatic percent entry), LibreOffice
# stores 85; both store 85 % as 0,85 and 0,855 as 0,855. The format has two sections so that each
# cell shows what the reader will take: a value up to 1 is a share, shown ×100 with a percent sign
# (0,855 → 85,5 %), a value above 1 is already the percent (85 → 85 %; no %-indicator exceeds 100).
# The reader (malbok.consolidation, _number) applies exactly this rule to cells with a percent
# format; values stay 0–100 in KF.xlsx. A share of 1 is 100 %: typing 1 in LibreOffice shows 100 %.
PERCENT_FORMAT = '[<=1]0.0##" "%;0.0##" %"'


def write_model_sheet(wb: xlsxwriter.Workbook, model: Model) -> None:
    """The styrmodell (compressed JSON) in a very hidden sheet, so a workbook can be checked on its own.

    Unit workbooks get the unit's extract (:meth:`Model.for_unit`); KF.xlsx,
    Budget.xlsx and plan workbooks the whole model.
    """
    ws = wb.add_worksheet(MODEL_SHEET)
    for i, text in enumerate(model.packed()):
        ws.write_string(i, 0, text)
    ws.very_hidden()


def write_workbook(plan: WorkbookPlan, path: Path, password: str | None = None,
                   prefill: dict[tuple[str, str], dict[str, object]] | None = None) -> Path:
    """Write ``plan`` to ``path`` atomically; same plan gives the same bytes.

    ``prefill`` maps (kind, ID) to input values (``outcome``, ``assessment``,
    ``comment`` …) written into the input cells, e.g. last period's answers.
    """
    model, period, unit = plan.model, plan.period, model_unit(plan)
    with atomic_xlsx(path, in_memory=True) as wb:
        wb.set_properties({
            "title": f"Uppföljning {period.name} – {unit.name}",
            "subject": f"Mål- och resultatuppföljning {period.name}",
            "author": "malbok",
            "company": kommun(model.municipality.name),
            "category": "Uppföljning",
            "keywords": f"malbok, {model.id}, {period.id}, {unit.code}",
            "comments": f"Skapad med malbok {__version__} från styrmodellen {model.id}",
            "created": FIXED_DATE,
        })
        wb.set_custom_property("malbok_modell", model.id)
        wb.set_custom_property("malbok_period", period.id)
        wb.set_custom_property("malbok_enhet", unit.code)
        fmt = _Formats(wb)
        _instructions(wb, fmt, plan)
        list_ranges = _list_ranges(model)
        for sp in plan.sheets:
            _area_sheet(wb, fmt, plan, sp, list_ranges, password, prefill or {})
        meta = wb.add_worksheet(META_SHEET)  # last, so the visible sheets come first
        _write_lists(meta, model)
        _write_meta(meta, plan)
        meta.very_hidden()
        rows = wb.add_worksheet(ROWS_SHEET)
        rows.write_row(0, 0, REGISTRY_HEADER)
        for i, e in enumerate(expected_rows(plan), start=1):
            rows.write_row(i, 0, [e.sheet, e.id, e.kind, str(e.row), e.scale, ",".join(e.inputs)])
        rows.very_hidden()
        write_model_sheet(wb, model.for_unit(unit.code, keep=False))  # the unit's extract: kontrollera needs no more
        wb.worksheets()[0].activate()
    return path


def model_unit(plan: WorkbookPlan):  # noqa: ANN201 - returns a Unit
    return plan.model.unit(plan.unit_code)


def _list_ranges(model: Model) -> dict[str, str]:
    """Where each scale's labels stand on the hidden sheet (columns H…), for long dropdowns."""
    ranges: dict[str, str] = {}
    for j, sc in enumerate(model.scales):
        a = xl_rowcol_to_cell(1, 7 + j, row_abs=True, col_abs=True)
        b = xl_rowcol_to_cell(len(sc.labels), 7 + j, row_abs=True, col_abs=True)
        ranges[sc.id] = f"={META_SHEET}!{a}:{b}"
    return ranges


def _write_lists(meta: Worksheet, model: Model) -> None:
    for j, sc in enumerate(model.scales):
        meta.write_string(0, 7 + j, f"skala:{sc.id}")
        for i, lab in enumerate(sc.labels, start=1):
            meta.write_string(i, 7 + j, lab.label)


def _write_meta(meta: Worksheet, plan: WorkbookPlan) -> None:
    m, p = plan.model, plan.period
    write_identity(meta, Identity(
        kind=KIND_WORKBOOK, round=ROUND_FOLLOW_UP, model=m.id, model_hash=m.fingerprint(), municipality=m.municipality.name,
        municipality_code=m.municipality.code, period=p.id, unit=plan.unit_code, layout=LAYOUT_VERSION, version=__version__,
        plans="ja" if any(pl.year == p.year for pl in m.plans) else "",  # the units' own goals (generate --plan)
        percent_cells=PERCENT_CELLS_SHARE))


def _write_wrapped(ws: Any, r: int, c: int, text: str, f: Any, width: float, font_pt: float = 11,
                   beside: tuple[tuple[str, float], ...] = ()) -> None:
    """A wrapped text with its row made tall enough (for the wrapped texts ``beside`` it too): not every
    spreadsheet fits rows on opening."""
    ws.write_string(r, c, text, f)
    cells = [(text, width), *beside]
    if any(text_lines(t, w, font_pt) > 1 for t, w in cells):
        ws.set_row(r, fitted_height(cells, font_pt))


def _instructions(wb: xlsxwriter.Workbook, fmt: _Formats, plan: WorkbookPlan) -> None:
    m, p, unit = plan.model, plan.period, model_unit(plan)
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, INSTRUCTIONS_WIDTHS[0])
    ws.set_column(1, 1, INSTRUCTIONS_WIDTHS[1])
    ws.hide_gridlines(2)
    ws.write_string(0, 0, f"{kommun(m.municipality.name)} – uppföljning {p.name}", fmt.title)
    ws.write_string(1, 0, f"{unit.name} ({unit.code})", fmt.subtitle)
    r = 3
    facts = [
        ("Kommun", f"{m.municipality.name} (kommunkod {m.municipality.code})"),
        ("Enhet", f"{unit.name} ({unit.code})"),
        ("Period", f"{p.name} ({p.id})"),
        ("Sista dag att lämna in", p.deadline.isoformat() if p.deadline else "Enligt anvisning från kommunledningen"),
        ("Vision", f"{m.vision.title}\n{m.vision.text}".strip()),
        ("Kontakt", unit.contact or m.contact or "Kommunledningskontoret"),
    ]
    if p.occasion.description:
        facts.insert(3, ("Om perioden", p.occasion.description))
    for k, v in facts:
        ws.write_string(r, 0, k, fmt.bold)
        _write_wrapped(ws, r, 1, v, fmt.wrap, INSTRUCTIONS_WIDTHS[1])
        r += 1
    r += 1
    ws.write_string(r, 0, "Så fyller du i", fmt.h2)
    r += 1
    steps = [
        "1. Arbetsboken har ett blad per strategiskt område där er enhet rapporterar i perioden.",
        "2. Fyll bara i de gula cellerna. Övriga celler är låsta och innehåller fullmäktiges beslut.",
        "3. Utfall: skriv ett tal, t.ex. 85 eller 85,5 (85.5 med engelska inställningar). Procent skrivs 85, 85 % eller "
        "som andelen 0,85; cellen visar 85 %. Saknas utfallet, lämna cellen tom och skriv varför i Kommentar.",
        "4. Bedömning: välj i listan. Färgen visar bedömningen.",
        "5. Kommentar: kort analys av resultatet. Åtgärder: vad ni gör för att nå målet.",
        "6. Ändra inte kolumnen ID och ta inte bort rader; ni får sortera, ändra kolumnbredd och lägga till anteckningar.",
        "7. Spara filen med samma namn och skicka tillbaka den.",
    ]
    for s in steps:
        _write_wrapped(ws, r, 1, s, fmt.wrap, INSTRUCTIONS_WIDTHS[1])
        r += 1
    r += 1
    ws.write_string(r, 0, "Innehåll", fmt.h2)
    r += 1
    for sp in plan.sheets:
        goals = sum(1 for x in sp.rows if x.kind in (KIND_GOAL, KIND_PROGRAMME))
        acts = sum(1 for x in sp.rows if x.kind == KIND_ACTIVITY)
        inds = sum(1 for x in sp.rows if x.kind == KIND_INDICATOR)
        ws.write_url(r, 0, f"internal:'{sp.name}'!A1", string=sp.name)
        parts = [f"{goals} mål", *([f"{acts} {'aktivitet' if acts == 1 else 'aktiviteter'}"] if acts else []),
                 f"{inds} {'indikator' if inds == 1 else 'indikatorer'}"]
        ws.write_string(r, 1, ", ".join(parts))
        r += 1
    r += 1
    ws.write_string(r, 0, "Bedömningsskalor", fmt.h2)
    r += 1
    used = {row.scale.id: row.scale for sp in plan.sheets for row in sp.rows if row.scale is not None}
    for sc in m.scales:
        if sc.id not in used:
            continue
        ws.write_string(r, 0, sc.name, fmt.bold)
        levels = [f"{lv.name} ({lv.heading.lower()})" if lv.heading else lv.name for lv in m.levels if lv.scale == sc.id]
        if levels:  # the levels' own words: 'Kvalitetsfaktor (grad av kvalitet)'
            ws.write_string(r, 1, "Används för: " + ", ".join(levels), fmt.wrap)
        r += 1
        for lab in sc.labels:
            ws.write_string(r, 0, lab.label, fmt.colour(lab.colour))
            text = lab.description or _MEANING_TEXT[lab.meaning.value]
            _write_wrapped(ws, r, 1, text + (f" Föreslås vid {lab.rule.words()}." if lab.rule else ""), fmt.wrap, INSTRUCTIONS_WIDTHS[1],
                           beside=((lab.label, INSTRUCTIONS_WIDTHS[0]),))
            r += 1
        r += 1
    if m.values:
        ws.write_string(r, 0, "Värdeord", fmt.h2)
        r += 1
        for v in m.values:
            ws.write_string(r, 0, v.name, fmt.bold)
            _write_wrapped(ws, r, 1, v.text, fmt.wrap, INSTRUCTIONS_WIDTHS[1])
            r += 1
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True, "format_rows": True})
    page_setup(ws, kommun=kommun(m.municipality.name), document=f"Uppföljning – {unit.name} ({unit.code})",
               period=p.name, where=INSTRUCTIONS_SHEET, widths=INSTRUCTIONS_WIDTHS, landscape=False)


_MEANING_TEXT = {
    "uppfyllt": "Målet är nått.",
    "på_väg": "Utvecklingen går mot målet men det är ännu inte nått.",
    "ej_uppfyllt": "Målet är inte nått och utvecklingen går inte mot målet.",
    "ej_bedömt": "Kan inte bedömas i perioden (t.ex. mätning saknas).",
}


# The widths the unit sheet shows its columns at (the layout's are the reader's; these make the
# printed page: ID, level, name, the targets and the inputs fit one A4 width at 8 pt or more)
WIDTHS = {"id": 8, "kind": 10, "level": 12, "text": 40, "measure": 9, "baseline": 12, "target_now": 20,
          "target_final": 18, "history": 16, "outcome": 10, "rank": 10, "assessment": 18, "comment": 36, "actions": 26}
OPTIONAL = ("baseline", "target_final", "history", "rank")  # hidden when no row of the sheet has one
HIDDEN = ("kind",)  # 'Typ' says what 'Nivå' and the row's style say: kept for sorting and the reader, not shown
TARGET_NOW_HEADER = "Målvärde som gäller nu"
COMMENT_LINES = 3  # a row the unit comments on has room for a three-line analysis


def shown_columns(rows: Iterable[Row]) -> dict[str, float]:
    """Each column's width on a sheet of ``rows``; 0 for a column hidden there (empty for every row)."""
    used: set[str] = set()
    for row in rows:
        used.update(row.inputs)
        used.update(k for k, v in row.display().items() if v)
    return {c.key: 0 if c.key in HIDDEN or (c.key in OPTIONAL and c.key not in used) else WIDTHS[c.key] for c in COLUMNS}


def _area_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, plan: WorkbookPlan, sp: SheetPlan,
                list_ranges: dict[str, str], password: str | None,
                prefill: dict[tuple[str, str], dict[str, object]]) -> None:
    m, p, unit = plan.model, plan.period, model_unit(plan)
    ws = wb.add_worksheet(sp.name, worksheet_class=GrowingSheet)
    ws.hide_gridlines(2)
    widths = shown_columns(sp.rows)
    for c, col in enumerate(COLUMNS):
        w = widths[col.key]
        ws.set_column(c, c, w or WIDTHS[col.key], None, {"hidden": True} if not w else {})
    ws.set_row(0, 24)
    ws.write_string(0, 0, sp.title, fmt.title)
    ws.write_string(1, 0, f"{unit.name} ({unit.code}) · {p.name} · fyll i de gula cellerna", fmt.subtitle)
    headers = [c.header if c.key != "target_now" else TARGET_NOW_HEADER for c in COLUMNS]
    ws.write_row(HEADER_ROW, 0, headers, fmt.head)
    ws.set_row(HEADER_ROW, fitted_height(((h, widths[c.key]) for h, c in zip(headers, COLUMNS, strict=True)), bold=True))
    ws.freeze_panes(HEADER_ROW + 1, COL_INDEX["text"] + 1)  # ID and the name stay in view beside the inputs
    by_scale: dict[str, list[str]] = {}
    validations: dict[tuple[str, str], list[tuple[int, int]]] = {}
    r = HEADER_ROW
    for row in sp.rows:
        r += 1
        style = fmt.goal if row.kind in (KIND_GOAL, KIND_ACTIVITY, KIND_PROGRAMME) else fmt.context if row.kind == KIND_CONTEXT else fmt.cell
        indent = "   " * row.depth if row.kind == KIND_INDICATOR else ""
        ws.write_string(r, COL_INDEX["id"], row.id, style)
        ws.write_string(r, COL_INDEX["kind"], row.kind, style)
        ws.write_string(r, COL_INDEX["level"], row.level, style)
        ws.write_string(r, COL_INDEX["text"], indent + row.text, style)
        shown = row.display()
        for key in ("measure", "baseline", "target_now", "target_final", "history"):
            text = str(shown.get(key, ""))
            if text:
                ws.write_string(r, COL_INDEX[key], text, style)
            else:
                ws.write_blank(r, COL_INDEX[key], None, style)
        filled = prefill.get((row.kind, row.id), {})
        for key in ("outcome", "rank", "assessment", "comment", "actions"):
            c = COL_INDEX[key]
            if key in row.inputs:
                f = fmt.input_text if key in ("comment", "actions") else fmt.input
                value = prefill.get((row.kind, row.id), {}).get(key)
                if key == "outcome" and row.indicator is not None:
                    f = fmt.input_pct if row.indicator.measure == Measure.PERCENT else fmt.input_num
                    f = fmt.input_by_measure.get(row.indicator.measure, f)
                    if row.indicator.measure == Measure.TEXT:
                        f = fmt.input_text
                    elif f is fmt.input_pct and isinstance(value, int | float) and not isinstance(value, bool):
                        value = value / 100  # a percent stored as its share, as a client stores a typed 85 %
                if isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value, f)
                elif value is not None and value != "":
                    ws.write_string(r, c, str(value), f)
                else:
                    ws.write_blank(r, c, None, f)
                validations.setdefault((key, _validation_key(row, key)), []).append((r, c))
            else:
                ws.write_blank(r, c, None, style)
        said = shown.get(PREVIOUS_COMMENT)
        if said and "comment" in row.inputs:
            ws.write_comment(r, COL_INDEX["comment"], f"Förra året skrev ni:\n{said}"[:2000],
                             {"author": "malbok", "x_scale": 2.5, "y_scale": 2})
        if "assessment" in row.inputs and row.scale is not None:
            by_scale.setdefault(row.scale.id, []).append(xl_rowcol_to_cell(r, COL_INDEX["assessment"]))
        if row.inputs:  # opens as tall as its texts, and grows with what the unit types
            ws.grow(r, _row_height(row, widths, filled))
        else:
            ws.set_row(r, _row_height(row, widths, filled))
    _validations(ws, m, validations, list_ranges)
    for scale_id, cells in by_scale.items():
        sc = m.scale(scale_id)
        for lab in sc.labels:
            f = wb.add_format({"bg_color": lab.colour, "font_color": _text_on(lab.colour)})
            ws.conditional_format(cells[0], {"type": "cell", "criteria": "==", "value": _excel_str(lab.label),
                                             "format": f, "multi_range": " ".join(cells)})
    last = max(r, HEADER_ROW + 1)
    ws.protect(password or "", {"select_locked_cells": True, "select_unlocked_cells": True,
                                "format_columns": True, "format_rows": True, "autofilter": True, "sort": True})
    ws.autofilter(HEADER_ROW, 0, last, len(COLUMNS) - 1)
    page_setup(ws, kommun=kommun(m.municipality.name), document=f"Uppföljning – {unit.name} ({unit.code})",
               period=p.name, where=sp.title, widths=[widths[c.key] for c in COLUMNS], header_row=HEADER_ROW,
               key_columns=COL_INDEX["text"] + 1, break_before=COL_INDEX["assessment"])


def _row_height(row: Row, widths: Mapping[str, float] | None = None, filled: Mapping[str, object] | None = None) -> float:
    """Row height that shows the wrapped texts whole, the prefilled answers included (XlsxWriter does not
    autofit, and not every spreadsheet fits rows on opening); a row the unit comments on has room for
    a three-line analysis."""
    widths = widths or {c.key: WIDTHS[c.key] for c in COLUMNS}
    cells = [("   " * row.depth + row.text, widths["text"]), (row.level, widths["level"]), (row.id, widths["id"]),
             *((str(v), widths[k]) for k, v in row.display().items() if k in COL_INDEX and v),
             *((str(v), widths[k]) for k, v in (filled or {}).items() if k in COL_INDEX and isinstance(v, str) and v)]
    bold = row.kind in (KIND_GOAL, KIND_ACTIVITY, KIND_PROGRAMME)
    return fitted_height(cells, least=COMMENT_LINES if "comment" in row.inputs else 1, bold=bold)


def kommun(name: str) -> str:
    """'Hallsbergs kommun', 'Hällefors kommun' (no extra s after s)."""
    return f"{name} kommun" if name.endswith("s") else f"{name}s kommun"


def _validation_key(row: Row, key: str) -> str:
    if key == "assessment":
        return row.scale.id if row.scale else ""
    if key == "outcome" and row.indicator is not None:
        return row.indicator.measure.value
    return ""


def _excel_str(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _text_on(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#FFFFFF"


def _ranges(cells: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], str]:
    cells = list(cells)
    return cells[0], " ".join(xl_rowcol_to_cell(r, c) for r, c in cells)


def _validations(ws: Worksheet, m: Model, validations: dict, list_ranges: dict[str, str]) -> None:
    for (key, vkey), cells in validations.items():
        (r0, c0), multi = _ranges(cells)
        opts: dict[str, object] = {"multi_range": multi}
        if key == "assessment" and vkey:
            sc = m.scale(vkey)
            labels = [lab.label for lab in sc.labels]
            inline = ",".join(labels)
            source: object = labels if len(inline) <= 255 and not any("," in x for x in labels) else list_ranges[vkey]
            opts.update({
                "validate": "list", "source": source,
                "input_title": "Bedömning", "input_message": "Välj er bedömning i listan.",
                "error_title": "Ogiltig bedömning", "error_type": "stop",
                "error_message": ("Välj en bedömning i listan: " + ", ".join(labels))[:255],
            })
        elif key == "outcome":
            opts.update(outcome_rule(Measure(vkey) if vkey else Measure.NUMBER).validation())
        else:  # Placering, Kommentar, Åtgärder: the column's declared rule, with its help as the input message
            opts.update(COLUMNS[c0].validation())
        ws.data_validation(r0, c0, r0, c0, opts)


def input_formats(wb: xlsxwriter.Workbook, columns: Iterable[Column]) -> dict[str, Any]:
    """The input cell format of each column (unlocked, yellow, with the column's number format), one per format."""
    made: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for col in columns:
        nf = col.num_format
        if nf not in made:
            made[nf] = wb.add_format({"font_name": "Calibri", "font_size": 10, "valign": "top", "text_wrap": True, "locked": False,
                                      "bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000", **({"num_format": nf} if nf else {})})
        out[col.key] = made[nf]
    return out


def column_validations(ws: Worksheet, first: int, last: int, columns: Iterable[Column], rules: Mapping[str, Rule],
                       sources: Mapping[str, str | None] | None = None) -> None:
    """Each input column's Excel validation over rows ``first``–``last`` (zero-based), from its rule: the declared one,
    or the one ``rules`` gives for this workbook (a list of its goals, the dates of its year); ``sources`` are the
    ranges of lists too long to be written inline."""
    for c, col in enumerate(columns):
        rule = rules.get(col.key, col.rule)
        if rule is None:
            continue
        opts = col.validation(rule)
        source = (sources or {}).get(col.key)
        if source is not None:
            opts["source"] = source
        ws.data_validation(first, c, last, c, opts)


@dataclass
class Generated:
    unit: str
    unit_name: str
    path: Path | None
    goals: int
    indicators: int


PREVIOUS_COMMENT = "previous_comment"  # not a column: a note on the Kommentar cell


def with_history(plan: WorkbookPlan, history: Any) -> WorkbookPlan:
    """Each indicator row shows, locked, the unit's outcomes of the previous years from the history
    store (``Tidigare utfall``: the three latest, the same occasion where there is one, else the
    year-end; the model's earlier outcomes fill gaps), and the baseline from history when the model
    gives no baseline value. A row the unit comments on gets the unit's comment of last year as a
    note on its Kommentar cell, a starting point that the reader never takes for this year's."""
    unit = plan.unit_code
    for sp in plan.sheets:
        for row in sp.rows:
            ind = row.indicator
            said = history.comment(row.id, unit) if "comment" in row.inputs else ""
            if ind is None:
                if said:
                    row.values = {**(row.values or {}), PREVIOUS_COMMENT: said}
                    row._shown = None
                continue
            texts = history_texts(ind, history, unit)
            if said:
                texts[PREVIOUS_COMMENT] = said
            if texts:
                row.values = {**(row.values or {}), **texts}
                row._shown = None
    return plan


def history_texts(ind: Indicator, history: Any, unit: str, years: int = 3) -> dict[str, str]:
    """The ``history`` and ``baseline`` texts of an indicator row from a :class:`malbok.history.History`."""
    texts: dict[str, str] = {}
    period = history.period
    marked = period.occasion.id != history.year_end  # a year-end value beside a mid-year period says so
    year_end_name = history.names.get(history.year_end, "")
    parts = []
    for e in history.series(ind, unit, years):
        note = f" ({e.where.lower()})" if marked and e.where and e.where == year_end_name else ""
        parts.append(f"{e.year}: {fmt_value(e.value, ind.measure)}{note}")
    if parts:
        texts["history"] = "; ".join(parts)
    fig = getattr(history, "kolada", {}).get(ind.id) if ind.kolada else None
    if fig is not None:  # the kommun's official figure and its place among the municipalities, with its source
        from .kolada import ATTRIBUTION

        kolada = f"{fig.text()}. {ATTRIBUTION}"
        texts["history"] = f"{texts['history']}\n{kolada}" if parts else kolada
    base = history.baseline(ind, unit)
    if base is not None:
        texts["baseline"] = f"{fmt_value(base.value, ind.measure)} ({base.year})"
    return texts


def generate(model: Model, period: Period, out_dir: Path, units: list[str] | None = None,
             password: str | None = None, progress=None, history: Any = None) -> list[Generated]:  # noqa: ANN001
    """Write one workbook per unit that reports at ``period``; units with nothing get none.

    ``history`` (a :class:`malbok.history.History`): the rows show the unit's earlier outcomes.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = units or [u.code for u in model.units]
    results: list[Generated] = []
    for code in codes:
        plan = plan_workbook(model, period, code)
        if history is not None:
            with_history(plan, history)
        unit = model.unit(code)
        if not plan.sheets:
            results.append(Generated(code, unit.name, None, 0, 0))
        else:
            target = safe_target(out_dir, file_name(model, period, code))
            with no_cycle_collection():  # one workbook's many small objects; collected after it is written
                write_workbook(plan, target, password)
            results.append(Generated(code, unit.name, target, plan.goal_count, plan.indicator_count))
        if progress is not None:
            progress(code)
    return results
