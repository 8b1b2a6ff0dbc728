"""The Excel front end (xlwings): the controller's Konsolidera button, a check for
nämnd staff, and worksheet functions.

A thin layer: :func:`konsolidera` reads the settings from the workbook, calls
:func:`malbok.api.consolidate` (the same function as ``malbok consolidate``) and
writes the sheets that :func:`malbok.kfbook.kf_sheets` describes. It works with
desktop Excel through xlwings and with xlwings' remote engine
(``xw.Book(json=...)``), which the tests use.

Only sheets that malbok wrote itself (listed in the settings) are ever replaced;
the controller's own sheets are never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlwings as xw

from .controllerbook import LABELS, SETTINGS_SHEET, START_SHEET, STATUS_LABEL, period_rule
from .errors import ModelError
from .findings import counted
from .layout import CHECK_SHEET, SETTINGS_LAYOUT, UNIT_CHECK
from .util import InputError


@dataclass
class Settings:
    model: Path
    period: str
    returns: Path
    prefer: list[Path]
    kf: Path | None
    docx: Path | None
    csv: Path | None
    written: list[str]
    period_cell: str = ""  # where the period stands (Inställningar!B3)


def _caller(book: Any) -> Any:
    return book if book is not None else xw.Book.caller()


def _grid(sheet: Any) -> list[list[Any]]:
    """All values of a sheet from A1, as a list of rows (also for one-cell sheets)."""
    used = sheet.used_range
    last = used.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return [list(r) for r in values or []]


def _find_row(grid: list[list[Any]], label: str) -> int | None:
    want = label.casefold()
    for r, row in enumerate(grid):
        if row and isinstance(row[0], str) and row[0].strip().casefold() == want:
            return r
    return None


def _base_dir(book: Any) -> Path:
    full = Path(str(book.fullname))
    return full.parent if full.is_absolute() else Path.cwd()


def read_settings(book: Any) -> Settings:
    """The settings from the ``Inställningar`` sheet; Swedish :class:`InputError` when one is wrong."""
    names = [s.name for s in book.sheets]
    if SETTINGS_SHEET not in names:
        raise InputError(f"bladet '{SETTINGS_SHEET}' saknas; skapa arbetsboken med malbok excel init")
    grid = _grid(book.sheets[SETTINGS_SHEET])
    base = _base_dir(book)
    cells = {key: f"{SETTINGS_SHEET}!B{(_find_row(grid, LABELS[key]) or 0) + 1}" for key in LABELS}

    def value(key: str) -> str:
        r = _find_row(grid, LABELS[key])
        if r is None:
            if key in ("model", "period", "returns"):
                raise InputError(f"{SETTINGS_SHEET}: raden '{LABELS[key]}' saknas i kolumn A")
            return ""
        v = grid[r][1] if len(grid[r]) > 1 else None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return "" if v is None else str(v).strip()

    def path(key: str) -> Path | None:
        text = value(key)
        if not text:
            return None
        p = Path(text).expanduser()
        return p if p.is_absolute() else base / p

    def cell(key: str) -> str:  # where the setting's value stands, for the message
        return cells[key]

    for fld in SETTINGS_LAYOUT.fields:  # each typed value by its rule, as the workbook's validation checks it
        if fld.rule is not None and fld.key != "period":  # the period's rule is the model's (check_period)
            got = fld.rule.read(value(fld.key))
            if got.problem:
                raise InputError(f"{cell(fld.key)}: {fld.header} {got.problem}")
    model, returns = path("model"), path("returns")
    period = value("period")
    if model is None:
        raise InputError(f"{cell('model')}: ange styrmodellens fil")
    if not model.is_file():
        raise InputError(f"{cell('model')}: styrmodellen '{model}' finns inte")
    if not period:
        raise InputError(f"{cell('period')}: ange perioden, t.ex. 2016-delar")
    if returns is None:
        raise InputError(f"{cell('returns')}: ange mappen med inlämnade arbetsböcker")
    if not returns.is_dir():
        raise InputError(f"{cell('returns')}: mappen '{returns}' finns inte")
    prefer = [returns / p.strip() if not Path(p.strip()).is_absolute() else Path(p.strip())
              for p in value("prefer").split(";") if p.strip()]
    written = [s.strip() for s in value("written").split(";") if s.strip()]
    return Settings(model, period, returns, prefer, path("kf"), path("docx"), path("csv"), written, cells["period"])


def check_period(s: Settings, model: Any) -> str:
    """The Period setting checked by its rule for the model (:func:`malbok.controllerbook.period_rule`, the list the
    workbook validates): '' when it is one of the model's periods, else the warning, naming the cell, that Excel gives
    too (the period is then consolidated if the model can read it)."""
    got = period_rule(model).read(s.period)
    return f"{s.period_cell}: perioden ”{s.period}” {got.problem}" if got.problem else ""


def _set_setting(book: Any, key: str, text: str) -> None:
    sheet = book.sheets[SETTINGS_SHEET]
    grid = _grid(sheet)
    r = _find_row(grid, LABELS[key])
    if r is None:
        r = len(grid)
        sheet.range((r + 1, 1)).value = LABELS[key]
    sheet.range((r + 1, 2)).value = text


def _set_status(book: Any, text: str) -> None:
    """The status line: on the Start sheet (beside 'Status') and in the settings."""
    names = [s.name for s in book.sheets]
    if START_SHEET in names:
        sheet = book.sheets[START_SHEET]
        r = _find_row(_grid(sheet), STATUS_LABEL)
        if r is not None:
            sheet.range((r + 1, 2)).value = text
    if SETTINGS_SHEET in names:
        _set_setting(book, "status", text)


def _message(e: Exception) -> str:
    if isinstance(e, ModelError):
        first = "; ".join(f"{place}: {msg}" for place, msg in e.problems[:3])
        more = f" (och {len(e.problems) - 3} till)" if len(e.problems) > 3 else ""
        return f"styrmodellen {e.source} har {len(e.problems)} fel: {first}{more}"
    if isinstance(e, OSError):
        return f"{e.strerror or e} ({e.filename or ''})"
    return str(e)


def konsolidera(book: Any = None) -> str:
    """Konsolidera-knappen: read the settings, consolidate, write the result sheets and a status line.

    With no argument the calling workbook is used (``xw.Book.caller()``). A wrong
    setting becomes a Swedish status message in the workbook, never a traceback.
    Returns the status line.
    """
    from . import api

    book = _caller(book)
    started = time.perf_counter()
    try:
        s = read_settings(book)
        model = api.validate(s.model)
        warning = check_period(s, model)
        if s.kf is None and (s.docx is not None or s.csv is not None):
            raise InputError(f"{SETTINGS_SHEET}: Word-rapport och CSV-export kräver att '{LABELS['kf']}' är ifylld")
        cons = api.consolidate(model, [s.returns], s.period, out=s.kf, prefer=list(s.prefer), docx=s.docx, csv=s.csv,
                               history=api.history_store(s.model, None, model))
        written_files = [p.name for p in cons.written]
        names = render(book, api.kf_sheets(cons), s.written)
        _set_setting(book, "written", ";".join(names))
        took = time.perf_counter() - started
        status = (f"Konsoliderat {datetime.now():%Y-%m-%d %H:%M} ({took:.1f} s): {cons.files_summary()}, "
                  f"{counted(len(cons.consolidated_units), 'enhet konsoliderad', 'enheter konsoliderade')}, {len(cons.errors)} fel, "
                  f"{counted(len(cons.warnings), 'varning', 'varningar')}"
                  + (f"; saknas: {', '.join(cons.missing_units)}" if cons.missing_units else "")
                  + (f"; skrev {', '.join(written_files)}" if written_files else "") + ".")
        if not cons.consolidated_units:
            status = f"Inget kunde konsolideras ({cons.files_summary()}, {len(cons.errors)} fel); se bladet Kontroll."
        if warning:
            status = f"Varning: {warning}. {status}"
    except (InputError, ModelError, OSError) as e:
        status = f"Fel: {_message(e)}"
    _set_status(book, status)
    return status


def render(book: Any, sheets: list[Any], previous: list[str]) -> list[str]:
    """Write sheet contents into an open workbook; replace only sheets malbok wrote before."""
    existing = [s.name for s in book.sheets]
    clash = [sc.name for sc in sheets if sc.name in existing and sc.name not in previous]
    if clash:
        raise InputError(f"bladen {', '.join(clash)} finns redan men är inte skrivna av malbok; byt namn på dem så skrivs resultatet")
    for name in previous:
        if name in [s.name for s in book.sheets]:
            book.sheets[name].delete()
    for sc in sheets:
        ws = book.sheets.add(sc.name, after=book.sheets[len(book.sheets) - 1])
        _render_sheet(ws, sc)
    return [sc.name for sc in sheets]


def _render_sheet(ws: Any, sc: Any) -> None:
    if sc.table:  # a table from A1, as in KF.xlsx: read as it is by pandas, Power Query and a CSV export
        r = 1
    else:
        ws.range("A1").value = sc.title
        ws.range("A1").font.bold = True
        if sc.subtitle:
            ws.range("A2").value = sc.subtitle
        r = 4
    widths: list[float] = []
    for b in sc.blocks:
        if not sc.table:
            ws.range((r, 1)).value = b.title
            ws.range((r, 1)).font.bold = True
            r += 1
            if getattr(b, "note", ""):  # the block's summary in words, as KF.xlsx has it
                ws.range((r, 1)).value = b.note
                r += 1
        header = ws.range((r, 1), (r, len(b.header)))
        header.value = [b.header]
        header.font.bold = True
        header.color = "#DCE6F1"
        if b.rows:
            ws.range((r + 1, 1)).value = [[_xl(v) for v in row] for row in b.rows]
        for (i, c), colour in sorted(b.colours.items()):
            ws.range((r + 1 + i, c + 1)).color = colour
        for c, w in enumerate(b.widths or []):
            if c >= len(widths):
                widths.append(w)
        r += len(b.rows) + 3
    for c, w in enumerate(widths):
        ws.range((1, c + 1)).column_width = w


def _xl(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:  # NaN
        return ""
    return v


# --------------------------------------------------------------------------- unit workbooks


def kontrollera(book: Any = None) -> list[Any]:
    """Check the open unit workbook with the same rules as consolidation; list the findings in it.

    Reads the values as they are in Excel (unsaved changes included) and the
    styrmodell the workbook carries. Writes the sheet ``Malbok kontroll`` and
    returns the findings.
    """
    from . import api

    book = _caller(book)
    findings: list[Any] = []
    try:
        checked = api.check_workbook(book.name, {s.name: _grid(s) for s in book.sheets if s.name != CHECK_SHEET})
        findings, status = checked.findings, checked.status
    except (InputError, ValueError) as e:
        status = f"Fel: {_message(e)}"
    if CHECK_SHEET in [s.name for s in book.sheets]:
        book.sheets[CHECK_SHEET].delete()
    ws = book.sheets.add(CHECK_SHEET, after=book.sheets[len(book.sheets) - 1])
    ws.range("A1").value = "Kontroll av arbetsboken"
    ws.range("A1").font.bold = True
    ws.range("A2").value = status
    header = list(UNIT_CHECK.headers)
    ws.range("A4").value = [header]
    ws.range((4, 1), (4, len(header))).font.bold = True
    if findings:
        ws.range("A5").value = [[getattr(f, c.key) for c in UNIT_CHECK.columns] for f in findings]
    for c, w in enumerate(UNIT_CHECK.widths, start=1):
        ws.range((1, c)).column_width = w
    return findings


# --------------------------------------------------------------------------- worksheet functions


@xw.func
@xw.arg("etiketter", ndim=1)
def MALBOK_BEDOMNING(utfall: float | None, utgangsvarde: float | str | None, malvarde: float | None, basar: int | str | None,
                     malar: int | None, ar: int | None, manad: int = 12, etiketter: Any = None) -> str:  # noqa: N802 - Excel function name
    """malboks förslag till bedömning: utfallet mot den raka målbanan från utgångsvärdet till målvärdet.

    Samma regel som konsolideringen. ``etiketter``: skalans tre etiketter
    (uppfyllt, på väg, ej uppfyllt), standard "Uppfyllt", "På väg", "Ej uppfyllt".
    """
    from . import api

    return api.suggested_label(utfall, utgangsvarde, malvarde, basar, malar, ar, manad, etiketter)


@xw.func
def MALBOK_MALBANA(utgangsvarde: float, malvarde: float, basar: int, malar: int, ar: int, manad: int = 12) -> float:  # noqa: N802
    """Värdet på den raka målbanan från utgångsvärdet (basår) till målvärdet (målår) vid årets (månadens) slut."""
    from . import api

    return api.target_path(utgangsvarde, malvarde, basar, malar, ar, manad)


__all__ = ["MALBOK_BEDOMNING", "MALBOK_MALBANA", "konsolidera", "kontrollera", "read_settings", "render"]
