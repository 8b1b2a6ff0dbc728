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

from .findings import counted
from .load import ModelError
from .model import MEANING_RANK
from .util import InputError

START_SHEET = "Start"
SETTINGS_SHEET = "Inställningar"
CONF_SHEET = "xlwings.conf"
CHECK_SHEET = "Malbok kontroll"  # written into a unit workbook by kontrollera

# key, label in column A, help in column C
SETTINGS = (
    ("model", "Styrmodell", "Styrmodellen (.yaml eller .xlsx). Absolut sökväg eller relativ till denna arbetsbok."),
    ("period", "Period", "Perioden som konsolideras, t.ex. 2016-delar (se malbok periods)."),
    ("returns", "Mapp med inlämnade arbetsböcker", "Mappen dit nämndernas ifyllda arbetsböcker sparas."),
    ("prefer", "Välj vid dubbletter", "Filnamn att välja när en nämnd lämnat två olika filer; flera skiljs med semikolon."),
    ("kf", "KF-arbetsbok", "Skriv också KF-arbetsboken som fil, t.ex. KF.xlsx (tom = ingen fil)."),
    ("docx", "Word-rapport", "Skriv Word-kapitlet, t.ex. Maluppfyllelse.docx (tom = ingen rapport; kräver KF-arbetsbok)."),
    ("csv", "CSV-export", "Skriv den långa tabellen som CSV, t.ex. data.csv (tom = ingen; kräver KF-arbetsbok)."),
    ("status", "Senaste körning", "Skrivs av malbok."),
    ("written", "Blad skrivna av malbok", "Skrivs av malbok; dessa blad ersätts vid nästa körning. Ändra inte."),
)
LABELS = {key: label for key, label, _h in SETTINGS}
STATUS_LABEL = "Status"


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
        return f"{SETTINGS_SHEET}!B{(_find_row(grid, LABELS[key]) or 0) + 1}"

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
    return Settings(model, period, returns, prefer, path("kf"), path("docx"), path("csv"), written)


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
    from .kfbook import kf_sheets

    book = _caller(book)
    started = time.perf_counter()
    try:
        s = read_settings(book)
        model = api.validate(s.model)
        if s.kf is None and (s.docx is not None or s.csv is not None):
            raise InputError(f"{SETTINGS_SHEET}: Word-rapport och CSV-export kräver att '{LABELS['kf']}' är ifylld")
        cons = api.consolidate(model, [s.returns], s.period, out=s.kf, prefer=list(s.prefer), docx=s.docx, csv=s.csv,
                               history=api.history_store(s.model, None, model))
        written_files = [p.name for p in cons.written]
        names = render(book, kf_sheets(cons), s.written)
        _set_setting(book, "written", ";".join(names))
        took = time.perf_counter() - started
        status = (f"Konsoliderat {datetime.now():%Y-%m-%d %H:%M} ({took:.1f} s): {cons.files_summary()}, "
                  f"{counted(len(cons.consolidated_units), 'enhet konsoliderad', 'enheter konsoliderade')}, {len(cons.errors)} fel, "
                  f"{counted(len(cons.warnings), 'varning', 'varningar')}"
                  + (f"; saknas: {', '.join(cons.missing_units)}" if cons.missing_units else "")
                  + (f"; skrev {', '.join(written_files)}" if written_files else "") + ".")
        if not cons.consolidated_units:
            status = f"Inget kunde konsolideras ({cons.files_summary()}, {len(cons.errors)} fel); se bladet Kontroll."
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
    from .consolidation import consolidate as _consolidate
    from .layout import META_SHEET, MODEL_SHEET
    from .model import Model

    book = _caller(book)
    names = [s.name for s in book.sheets]
    findings: list[Any] = []
    try:
        if META_SHEET not in names or MODEL_SHEET not in names:
            raise InputError("arbetsboken är inte skapad med malbok generate (identitetsbladen saknas)")

        model = Model.unpack([r[0] for r in _grid(book.sheets[MODEL_SHEET]) if r and r[0]])
        meta = {str(r[0]): ("" if len(r) < 2 or r[1] is None else str(r[1])) for r in _grid(book.sheets[META_SHEET]) if r and r[0]}
        sheets = {n: _grid(book.sheets[n]) for n in names if n != CHECK_SHEET}
        cons = _consolidate(model, [], meta.get("period", ""), values={book.name: sheets})
        unit = meta.get("enhet", "")
        findings = [f for f in cons.findings if f.file == book.name]
        if unit and not any(u == unit for u in cons.consolidated_units) and not findings:
            findings = [f for f in cons.findings if f.unit == unit]
        errors = sum(1 for f in findings if f.severity == "fel")
        warnings = sum(1 for f in findings if f.severity == "varning")
        status = (f"Kontrollerad {datetime.now():%Y-%m-%d %H:%M}: {errors} fel, {warnings} varningar. "
                  + ("Arbetsboken kan skickas in." if not errors else "Rätta felen innan arbetsboken skickas in."))
    except (InputError, ValueError) as e:
        status = f"Fel: {_message(e)}"
    if CHECK_SHEET in [s.name for s in book.sheets]:
        book.sheets[CHECK_SHEET].delete()
    ws = book.sheets.add(CHECK_SHEET, after=book.sheets[len(book.sheets) - 1])
    ws.range("A1").value = "Kontroll av arbetsboken"
    ws.range("A1").font.bold = True
    ws.range("A2").value = status
    header = ["Allvar", "Blad", "Cell", "ID", "Meddelande"]
    ws.range("A4").value = [header]
    ws.range((4, 1), (4, len(header))).font.bold = True
    if findings:
        ws.range("A5").value = [[f.severity, f.sheet, f.cell, f.row_id, f.message] for f in findings]
    for c, w in enumerate((9, 24, 7, 9, 90), start=1):
        ws.range((1, c)).column_width = w
    return findings


# --------------------------------------------------------------------------- the controller's workbook

BUTTON_MACRO = "SampleCall"  # the macro of xlwings' quickstart VBA project: RunPython "import <bok>; <bok>.main()"


def _xlwings_vba() -> bytes:
    """The VBA project that the xlwings package ships in its standalone quickstart workbook."""
    import zipfile

    src = Path(xw.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(src) as z:
        return z.read("xl/vbaProject.bin")


ENTRY_PY = '''"""Called by the Konsolidera button in {book} (xlwings RunPython runs main()).

Written by `malbok excel init`; the work is done by malbok.excel.konsolidera,
the same consolidation as `malbok consolidate`.
"""

from malbok.excel import konsolidera


def main() -> None:
    konsolidera()
'''


def init_workbook(model: str | Path, period: str, returns: str | Path, out: str | Path,
                  interpreter: str | None = None) -> Path:
    """Build the controller's ``Konsolidering.xlsm``: Start sheet with a Konsolidera button,
    ``Inställningar`` filled from the arguments and the ``xlwings.conf`` sheet; write the
    same-named ``.py`` beside it that the button's macro imports.
    """
    import io

    from .api import validate
    from .periods import parse_period
    from .util import atomic_write_bytes, atomic_xlsx
    from .workbook import FIXED_DATE, kommun

    out = Path(out)
    if out.suffix.lower() != ".xlsm":
        raise InputError(f"{out.name}: arbetsboken med knappen måste sluta på .xlsm")
    if not out.stem.isidentifier():
        raise InputError(f"{out.name}: namnet får bara innehålla bokstäver, siffror och _ (knappen importerar '{out.stem}.py')")
    m = validate(model)
    p = parse_period(m, period)
    out.parent.mkdir(parents=True, exist_ok=True)

    def rel(x: str | Path) -> str:
        x = Path(x).resolve()
        try:
            return str(x.relative_to(out.parent.resolve()))
        except ValueError:
            return str(x)

    with atomic_xlsx(out) as wb:
        wb.set_properties({"title": f"Konsolidering {p.name}", "company": kommun(m.municipality.name), "author": "malbok",
                           "created": FIXED_DATE})
        wb.add_vba_project(io.BytesIO(_xlwings_vba()), is_stream=True)
        wb.set_vba_name("ThisWorkbook")
        title = wb.add_format({"bold": True, "font_size": 18, "font_color": "#1F4E78"})
        bold = wb.add_format({"bold": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
        cellf = wb.add_format({"border": 1, "bg_color": "#FFF2CC", "text_wrap": True, "valign": "top"})
        grey = wb.add_format({"font_color": "#595959", "text_wrap": True, "valign": "top", "italic": True})

        start = wb.add_worksheet(START_SHEET)
        start.set_vba_name("Sheet1")
        start.hide_gridlines(2)
        start.set_paper(9)
        start.set_landscape()
        start.fit_to_pages(1, 0)
        start.set_column(0, 0, 16)
        start.set_column(1, 1, 90)
        start.write_string(0, 0, f"Målbok – {kommun(m.municipality.name)}", title)
        start.write_string(2, 0, "Period", bold)
        start.write_string(2, 1, p.name)
        start.write_string(3, 0, "Gör så här", bold)
        steps = ("1. Spara nämndernas ifyllda arbetsböcker i mappen som anges på bladet Inställningar.\n"
                 "2. Kontrollera inställningarna (styrmodell, period, mapp).\n"
                 "3. Klicka på Konsolidera. Resultatet skrivs i bladen Översikt, ett blad per område, Enheter, Kontroll och Data.\n"
                 "4. Gå igenom bladet Kontroll: varje problem står med fil, blad och cell.")
        start.write_string(3, 1, steps, wrap)
        start.set_row(3, 75)
        start.insert_button("B6", {"macro": BUTTON_MACRO, "caption": "Konsolidera", "width": 180, "height": 44})
        start.write_string(9, 0, STATUS_LABEL, bold)
        start.write_string(9, 1, "Inte körd ännu.")
        start.write_string(11, 0, "Kräver", bold)
        start.write_string(11, 1, "Python med malbok och xlwings installerade (python -m pip install . i en klon av malbok). Knappen kör "
                                  f"{out.stem}.py i samma mapp som denna arbetsbok.", grey)

        st = wb.add_worksheet(SETTINGS_SHEET)
        st.set_vba_name("Sheet2")
        st.set_column(0, 0, 34)
        st.set_column(1, 1, 60)
        st.set_column(2, 2, 80)
        st.write_row(0, 0, ["Inställning", "Värde", "Förklaring"], head)
        values = {"model": rel(model), "period": p.id, "returns": rel(returns), "prefer": "", "kf": "KF.xlsx",
                  "docx": "Maluppfyllelse.docx", "csv": "data.csv", "status": "", "written": ""}
        for r, (key, label, help_) in enumerate(SETTINGS, start=1):
            st.write_string(r, 0, label, bold)
            st.write_string(r, 1, values[key], cellf if key not in ("status", "written") else wrap)
            st.write_string(r, 2, help_, grey)

        conf = wb.add_worksheet(CONF_SHEET)
        conf.set_vba_name("Sheet3")
        conf.set_column(0, 0, 30)
        conf.set_column(1, 1, 70)
        rows = [("UDF Modules", "malbok.excel"), ("ADD_WORKBOOK_TO_PYTHONPATH", "True")]
        if interpreter:
            rows += [("Interpreter_Win", interpreter), ("Interpreter_Mac", interpreter)]
        for r, (k, v) in enumerate(rows):
            conf.write_string(r, 0, k)
            conf.write_string(r, 1, v)
        hint = len(rows) + 1  # after an empty row: xlwings reads only the block from A1
        conf.write_string(hint, 0, "Tips (läses inte av xlwings):", bold)
        conf.write_string(hint + 1, 0, "Interpreter_Win / Interpreter_Mac: lägg till raderna ovan med sökvägen till den Python "
                                       "där malbok är installerat om Excel hittar fel Python (t.ex. C:\\Python312\\python.exe).", grey)
        conf.write_string(hint + 2, 0, "PYTHONPATH: behövs inte; mappen med denna arbetsbok läggs till automatiskt.", grey)
        start.activate()
    atomic_write_bytes(out.with_suffix(".py"), ENTRY_PY.format(book=out.name).encode("utf-8"))
    return out


# --------------------------------------------------------------------------- worksheet functions


def _label(meaning: Any, labels: Any) -> str:
    default = ("Uppfyllt", "På väg", "Ej uppfyllt")
    names = list(labels) if labels else list(default)
    names = [str(x) for x in (names[0] if names and isinstance(names[0], list) else names) if x not in (None, "")]
    names += list(default[len(names):])
    step = MEANING_RANK.get(meaning) if meaning is not None else None
    return names[step] if step is not None else ""


@xw.func
@xw.arg("etiketter", ndim=1)
def MALBOK_BEDOMNING(utfall: float | None, utgangsvarde: float | str | None, malvarde: float | None, basar: int | str | None,
                     malar: int | None, ar: int | None, manad: int = 12, etiketter: Any = None) -> str:  # noqa: N802 - Excel function name
    """malboks förslag till bedömning: utfallet mot den raka målbanan från utgångsvärdet till målvärdet.

    Samma regel som konsolideringen. ``etiketter``: skalans tre etiketter
    (uppfyllt, på väg, ej uppfyllt), standard "Uppfyllt", "På väg", "Ej uppfyllt".
    """
    from .targets import suggest_value

    if utfall is None or malvarde is None or malar is None or ar is None:
        return ""
    base_year = int(basar) if basar not in (None, "") else None
    base = float(utgangsvarde) if utgangsvarde not in (None, "") else None
    sug = suggest_value(float(utfall), float(malvarde), int(malar), int(ar) + int(manad or 12) / 12, base, base_year)
    return _label(sug.meaning, etiketter)


@xw.func
def MALBOK_MALBANA(utgangsvarde: float, malvarde: float, basar: int, malar: int, ar: int, manad: int = 12) -> float:  # noqa: N802
    """Värdet på den raka målbanan från utgångsvärdet (basår) till målvärdet (målår) vid årets (månadens) slut."""
    from .targets import path_value

    return path_value(float(utgangsvarde), float(malvarde), int(basar), int(malar), int(ar) + int(manad or 12) / 12)


__all__ = ["MALBOK_BEDOMNING", "MALBOK_MALBANA", "konsolidera", "kontrollera", "read_settings", "render"]
