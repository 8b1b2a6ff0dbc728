"""The Word chapter ("Måluppfyllelse") and the tidy export, from a KF workbook.

Both read only the KF.xlsx that ``malbok consolidate`` wrote: it carries the
styrmodell and the tidy ``Data`` table, so finance needs nothing else.

The chapter uses Word's built-in styles (Heading 1–3, Table Grid, List Bullet),
so it takes the look of the municipality's own template when pasted in.
"""

from __future__ import annotations

import calendar
import io
import math
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pandas as pd
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .kfbook import scale_for_row
from .kfread import KfBook, read_kf
from .layout import KIND_GOAL, KIND_INDICATOR
from .model import MEASURE_SYMBOL, Indicator, Measure, Model
from .util import InputError, atomic_write_bytes

COUNCIL = "Kommunen"
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]
NOT_ASSESSED = "Ej bedömd"
GREY = "#D9D9D9"


def swedish_date(d: date) -> str:
    """'31 augusti 2016'."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def fmt_number(value: float | None, decimals: int = 1) -> str:
    """Swedish number for reports: '1 234,5' (non-breaking space as thousands separator)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = round(float(value), decimals)
    if value.is_integer():
        s = f"{int(value):,}"
    else:
        s = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return s.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")


def fmt_measure(value: float | None, measure: Measure) -> str:
    s = fmt_number(value)
    if not s:
        return ""
    if measure == Measure.PERCENT:
        return f"{s}\u00a0%"
    if measure == Measure.SEK:
        return f"{s}\u00a0kr"
    if measure == Measure.RANK:
        return f"plats {s}"
    return s


# --------------------------------------------------------------------------- report


def report(kf: str | Path | KfBook, docx_path: str | Path) -> Path:
    """Write the Word chapter for a KF workbook (follow-up) or a Budget workbook (plan round).

    Returns the path written. The file is written atomically; the same KF.xlsx
    gives the same bytes.
    """
    book = kf if isinstance(kf, KfBook) else read_kf(kf)
    docx_path = Path(docx_path)
    if docx_path.suffix.lower() != ".docx":
        raise InputError(f"{docx_path.name}: rapporten skrivs som Word-fil; ange ett namn som slutar på .docx")
    doc = _new_document(book)
    if book.kind == "budget":
        from .plan import write_budget_chapter

        write_budget_chapter(doc, book)
    else:
        _followup_chapter(doc, book)
    buf = io.BytesIO()
    doc.save(buf)
    docx_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(docx_path, _fixed_zip(buf.getvalue()))
    return docx_path


def _new_document(book: KfBook) -> Any:
    doc = docx.Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(25)
    sec.top_margin = sec.bottom_margin = Mm(25)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "sv-SE")
    rpr.append(lang)
    m = book.model
    from .workbook import kommun

    cp = doc.core_properties
    cp.author = "malbok"
    cp.title = ("Måluppfyllelse " + book.period.name) if book.period else f"Verksamhetsplaner och budget {book.year}"
    cp.subject = kommun(m.municipality.name)
    cp.language = "sv-SE"
    fixed = datetime(2000, 1, 1)
    cp.created = cp.modified = fixed
    cp.last_printed = fixed
    cp.revision = 1
    footer = sec.footer.paragraphs[0]
    footer.text = f"{kommun(m.municipality.name)} · {cp.title}"
    footer.style = doc.styles["Footer"]
    return doc


def _fixed_zip(blob: bytes) -> bytes:
    """Re-pack the docx with fixed timestamps so the same input gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def shade(cell: Any, colour: str) -> None:
    """Fill a table cell with a colour ('#RRGGBB')."""
    tcpr = cell._tc.get_or_add_tcPr()
    for old in tcpr.findall(qn("w:shd")):
        tcpr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour.lstrip("#").upper())
    tcpr.append(shd)


def add_table(doc: Any, header: list[str], rows: Iterable[list[str]], widths_mm: list[float],
              colours: dict[tuple[int, int], str] | None = None) -> Any:
    """A table in the built-in 'Table Grid' style, header row repeated on each page."""
    rows = list(rows)
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    hdr = table.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    th = OxmlElement("w:tblHeader")
    th.set(qn("w:val"), "true")
    trpr.append(th)
    for c, text in enumerate(header):
        cell = hdr.cells[c]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        shade(cell, "#DCE6F1")
    for r, row in enumerate(rows, start=1):
        cells = table.rows[r].cells
        for c, text in enumerate(row):
            cells[c].text = str(text)
            if colours and (r - 1, c) in colours:
                shade(cells[c], colours[(r - 1, c)])
    for c, w in enumerate(widths_mm):
        table.columns[c].width = Mm(w)  # the grid, which LibreOffice follows
        for row in table.rows:
            row.cells[c].width = Mm(w)  # the cells, which Word follows
    doc.add_paragraph()
    return table


def _indicator(m: Model, ind_id: str) -> Indicator | None:
    for i in m.indicators:
        if i.id == ind_id:
            return i
    return None


def _followup_chapter(doc: Any, book: KfBook) -> None:
    m, p = book.model, book.period
    assert p is not None
    data = book.data
    council = data[data["Sammanställning"] == "kommun"]
    units = data[data["Sammanställning"] == "enhet"]
    last_day = calendar.monthrange(p.year, p.occasion.month)[1]
    doc.add_heading(f"Måluppfyllelse – {p.name}", level=1)
    received = sorted({u for u in units.loc[units["Fil"] != "", "Enhet"]})
    all_units = sorted(set(units["Enhet"]))
    doc.add_paragraph(
        f"Uppföljningen avser perioden till och med {swedish_date(date(p.year, p.occasion.month, last_day))}. "
        f"Den bygger på underlag från {len(received)} av {len(all_units)} nämnder och bolag"
        + (f" ({', '.join(received)})" if received else "") + ". "
        "Bedömningarna är nämndernas egna; där flera nämnder ansvarar för ett mål redovisas den försiktigaste bedömningen. "
        "malboks förslag bygger på utfallen mot målvärdena i styrmodellen."
    )
    if m.vision.text or m.vision.title:
        doc.add_heading("Vision", level=2)
        if m.vision.title:
            doc.add_paragraph().add_run(m.vision.title).bold = True
        _paragraphs(doc, m.vision.text)
    for area in m.areas:
        rows_area = council[council["Område"] == area.name]
        if rows_area.empty:
            continue
        doc.add_heading(area.name, level=2)
        _paragraphs(doc, area.text)
        from .kfbook import assessed_rows, summary_sentence

        assessed = assessed_rows(rows_area)
        if not assessed.empty:

            sentence = summary_sentence(m, area.name, assessed).split(": ", 1)[-1]
            doc.add_paragraph().add_run(sentence[0].upper() + sentence[1:]).bold = True
        for level in m.levels:
            goals = rows_area[(rows_area["Typ"] == KIND_GOAL) & (rows_area["Nivå"] == level.name)]
            if goals.empty:
                continue
            doc.add_heading(level.name, level=3)
            _assessment_table(doc, m, goals, units, "Mål", book.tables.get("Trend mål"))
        standalone = rows_area[(rows_area["Typ"] == KIND_INDICATOR) & (rows_area["Överordnat"] == "")]
        if not standalone.empty and m.indicator_scale:
            doc.add_heading("Indikatorer – bedömning", level=3)
            _assessment_table(doc, m, standalone, units, "Indikator", book.tables.get("Trend mål"))
        inds = rows_area[rows_area["Typ"] == KIND_INDICATOR]
        if not inds.empty:
            doc.add_heading("Indikatorer – utfall", level=3)
            _indicator_table(doc, m, inds, units, book.tables.get("Trend"))
        _analyses(doc, m, rows_area, units)


def _paragraphs(doc: Any, text: str | None) -> None:
    """A model text as paragraphs: each line of the YAML text its own paragraph."""
    for line in (text or "").splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


def _assessment_table(doc: Any, m: Model, rows: pd.DataFrame, units: pd.DataFrame, what: str,
                      trend: pd.DataFrame | None = None) -> None:
    """Goals (or assessed indicators) and their assessments; with a history, last year's beside this year's."""
    last_year: dict[str, str] = {}
    if trend is not None and len(trend.columns) >= 5:
        last_year = {r[0]: r[3] for r in trend.itertuples(index=False) if r[3] and r[3] != "–"}
    body, colours, groups = [], {}, []
    parent_seen: str | None = None
    for _k, rec in rows.iterrows():
        parent = rec["Överordnat"]
        if parent and parent != parent_seen:
            try:
                pg = m.goal(parent)
                groups.append(len(body))
                body.append([f"{m.level(pg.level).name}: {pg.text}", "", ""] + ([""] if trend is not None else []))
            except KeyError:
                pass
            parent_seen = parent
        i = len(body)
        owners = units[(units["ID"] == rec["ID"]) & (units["Typ"] == rec["Typ"])]
        who = ", ".join(owners["Enhet"])
        label = rec["Bedömning"] or NOT_ASSESSED
        scale = scale_for_row(m, rec)
        if trend is not None:
            before = last_year.get(rec["ID"], "")
            body.append([rec["Text"], who, before or "–", label])
            if before and scale is not None and scale.colour_of(before):
                colours[(i, 2)] = scale.colour_of(before)
        else:
            body.append([rec["Text"], who, label])
        colour = scale.colour_of(rec["Bedömning"]) if scale and rec["Bedömning"] else GREY
        colours[(i, len(body[-1]) - 1)] = colour or GREY
    if trend is not None:
        table = add_table(doc, [what, "Ansvar", f"Förra året ({trend.columns[3].removeprefix('Bedömning ')})", "Bedömning"],
                          body, [80, 24, 28, 28], colours)
    else:
        table = add_table(doc, [what, "Ansvar", "Bedömning"], body, [98, 28, 34], colours)
    for g in groups:  # the parent goal as a heading row across the table
        row = table.rows[g + 1]
        merged = row.cells[0].merge(row.cells[-1])
        merged.text = ""
        merged.paragraphs[0].add_run(body[g][0]).italic = True
        shade(merged, "#F2F2F2")


def _outcome(m: Model, rec: pd.Series, units: pd.DataFrame, ind: Indicator | None) -> str:
    measure = ind.measure if ind else Measure.NUMBER
    rank = "" if math.isnan(rec["Placering"]) else fmt_measure(rec["Placering"], Measure.RANK)
    if not math.isnan(rec["Utfall"]):
        value = fmt_measure(rec["Utfall"], measure)
        return f"{value} ({rank})" if rank and measure != Measure.RANK else value
    if rank:
        return rank
    own = units[(units["ID"] == rec["ID"]) & (units["Typ"] == KIND_INDICATOR)]
    parts = [f"{r.Enhet}: {fmt_measure(r.Utfall, measure)}" for r in own.itertuples() if not math.isnan(r.Utfall)]
    return "; ".join(parts) if parts else "–"


def _indicator_table(doc: Any, m: Model, inds: pd.DataFrame, units: pd.DataFrame, trend: pd.DataFrame | None = None) -> None:
    """Indicators with baseline, target, outcome and suggestion; with a history, the previous years and the trend arrow."""
    earlier: dict[str, tuple[str, str, str]] = {}  # ID -> (baseline, previous years, arrow) of the council's row
    if trend is not None and len(trend.columns) >= 8:
        years = [c for c in trend.columns[4:-3] if c.isdigit()]
        for rec in trend.to_dict("records"):
            if rec["Enhet"] != COUNCIL:
                continue
            ind = _indicator(m, rec["ID"])
            measure = ind.measure if ind else Measure.NUMBER
            shown = [f"{y}: {fmt_measure(float(v), measure)}" for y in years if (v := str(rec[y]).strip()) and _is_number(v)]
            earlier[rec["ID"]] = (rec["Utgångsvärde"], "; ".join(shown), rec["Trend"])
    body, colours = [], {}
    for i, (_k, rec) in enumerate(inds.iterrows()):
        ind = _indicator(m, rec["ID"])
        base = ""
        if ind is not None and ind.baseline is not None and ind.baseline.value is not None:
            base = f"{fmt_measure(ind.baseline.value, ind.measure)} ({ind.baseline.year})"
        hist_base, before, arrow = earlier.get(rec["ID"], ("", "", ""))
        base = base or hist_base
        unit_txt = MEASURE_SYMBOL.get(ind.measure, "") if ind else ""
        name = rec["Text"] + (f" ({unit_txt})" if unit_txt and unit_txt not in ("%", "text") else "")
        if trend is not None:
            body.append([name, base or "–", rec["Målvärde"] or "–", before or "–", _outcome(m, rec, units, ind), arrow or "–",
                         rec["Förslag"] or "–"])
        else:
            body.append([name, base or "–", rec["Målvärde"] or "–", _outcome(m, rec, units, ind), rec["Förslag"] or "–"])
        if m.indicator_scale and rec["Förslag"]:
            colour = m.scale(m.indicator_scale).colour_of(rec["Förslag"])
            if colour:
                colours[(i, len(body[-1]) - 1)] = colour
    if trend is not None:
        add_table(doc, ["Indikator", "Utgångsvärde", "Målvärde", "Tidigare år", "Utfall", "Trend", "malboks förslag"], body,
                  [42, 18, 24, 26, 18, 14, 18], colours)
    else:
        add_table(doc, ["Indikator", "Utgångsvärde", "Målvärde", "Utfall", "malboks förslag"], body, [56, 22, 32, 24, 26], colours)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _analyses(doc: Any, m: Model, rows_area: pd.DataFrame, units: pd.DataFrame) -> None:
    written = False
    for _k, rec in rows_area.iterrows():
        own = units[(units["ID"] == rec["ID"]) & (units["Typ"] == rec["Typ"]) & ((units["Kommentar"] != "") | (units["Åtgärder"] != ""))]
        if own.empty:
            continue
        if not written:
            doc.add_heading("Nämndernas analyser", level=3)
            written = True
        doc.add_paragraph().add_run(rec["Text"]).bold = True
        for r in own.itertuples():
            para = doc.add_paragraph(style="List Bullet")
            para.add_run(f"{r.Enhetsnamn or r.Enhet}: ").italic = True
            para.add_run(r.Kommentar or "")
            if r.Åtgärder:
                para.add_run(f" Åtgärder: {r.Åtgärder}")


# --------------------------------------------------------------------------- export


def write_tidy(data: pd.DataFrame, csv: str | Path | None = None, parquet: str | Path | None = None) -> None:
    """A tidy table as CSV for Swedish Excel (see :func:`export`) and/or Parquet."""
    if csv is None and parquet is None:
        raise InputError("ange --csv FIL och/eller --parquet FIL")
    if csv is not None:
        csv = Path(csv)
        safe = data.copy()
        for col in safe.columns:
            if not pd.api.types.is_numeric_dtype(safe[col]):
                safe[col] = safe[col].map(neutralise)
        text = safe.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
        csv.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(csv, text.encode("utf-8-sig"))
    if parquet is not None:
        parquet = Path(parquet)
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("Parquet kräver paketet pyarrow: pip install 'malbok[parquet]'") from None
        buf = io.BytesIO()
        data.to_parquet(buf, index=False)
        parquet.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(parquet, buf.getvalue())

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export(kf: str | Path | KfBook, csv: str | Path | None = None, parquet: str | Path | None = None) -> pd.DataFrame:
    """Write the tidy ``Data`` table as CSV for Swedish Excel and/or Parquet; return the table.

    CSV: UTF-8 with BOM, ``;`` between fields, decimal comma, CRLF line ends;
    texts beginning with ``= + - @``, tab or carriage return are neutralised.
    Parquet keeps the texts as they are (no spreadsheet runs it).
    """
    book = kf if isinstance(kf, KfBook) else read_kf(kf)
    data = book.data.copy()
    write_tidy(data, csv, parquet)
    return data
