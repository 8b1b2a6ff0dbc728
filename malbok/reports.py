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
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd  # python-docx (and lxml) are imported where a document is written: export needs neither

from .findings import counted
from .kfbook import scale_for_row
from .kfread import KfBook, read_kf
from .layout import ASSESSED_KINDS, KIND_INDICATOR
from .model import MEASURE_SYMBOL, Indicator, Measure, Model
from .targets import fmt_number
from .util import InputError, atomic_write_bytes

COUNCIL = "Kommunen"
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]
NOT_ASSESSED = "Ej bedömd"
GREY = "#D9D9D9"


def swedish_date(d: date) -> str:
    """'31 augusti 2016'."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


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
        write_budget_chapter(doc, book)
    else:
        _followup_chapter(doc, book)
    buf = io.BytesIO()
    doc.save(buf)
    docx_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(docx_path, _fixed_zip(buf.getvalue()))
    return docx_path


def _new_document(book: KfBook) -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

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
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

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
    for c, w in enumerate(word_safe_widths([header, *rows], widths_mm)):
        table.columns[c].width = Mm(w)  # the grid, which LibreOffice follows
        for row in table.rows:
            row.cells[c].width = Mm(w)  # the cells, which Word follows
    doc.add_paragraph()
    return table


_MM_PER_CHAR = 2.7  # a wide character of 10–11 pt body text in a wide fallback font (DejaVu Sans), in mm, bold included
_CELL_PADDING_MM = 4.0


def word_safe_widths(rows: list[list[Any]], widths_mm: list[float]) -> list[float]:
    """Column widths that never break a word: each column is at least as wide as its longest word,
    the extra taken from the columns that have room to spare; the table keeps its total width."""
    need = [0.0] * len(widths_mm)
    for row in rows:
        for c, text in enumerate(row[:len(widths_mm)]):
            longest = max((len(w) for w in str(text).split()), default=0)
            need[c] = max(need[c], longest * _MM_PER_CHAR + _CELL_PADDING_MM)
    widths = list(widths_mm)
    for c in range(len(widths)):
        short = need[c] - widths[c]
        if short <= 0:
            continue
        for d in sorted(range(len(widths)), key=lambda d: widths[d] - need[d], reverse=True):
            spare = widths[d] - max(need[d], 12.0)
            if d == c or spare <= 0:
                continue
            take = min(spare, short)
            widths[d] -= take
            widths[c] += take
            short -= take
            if short <= 0:
                break
    return widths


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
        f"Den bygger på underlag från {len(received)} av {counted(len(all_units), 'nämnd eller bolag', 'nämnder och bolag')}"
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
            goals = rows_area[rows_area["Typ"].isin(ASSESSED_KINDS) & (rows_area["Nivå"] == level.name)]
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
    _programmes(doc, m, data)


def _programmes(doc: Any, m: Model, data: pd.DataFrame) -> None:
    """Each handlingsprogram followed up at the period: every participating unit's assessment and comment."""
    from .kfbook import programme_results

    results = programme_results(m, data)
    if not results:
        return
    doc.add_heading("Handlingsprogram", level=2)
    for res in results:
        doc.add_heading(res.name, level=3)
        prog = next((p for p in m.programmes if p.id == res.id), None)
        if prog is not None and prog.text:
            doc.add_paragraph(prog.text)
        if res.goals:
            doc.add_paragraph(f"Programmet hör till målen: {res.goals}.")
        body, colours = [], {}
        for r in res.rows:
            label = r["Bedömning"] or (NOT_ASSESSED if r["Fil"] else "Ingen uppföljning inlämnad")
            text = "; ".join(x for x in (r["Kommentar"], f"Åtgärder: {r['Åtgärder']}" if r["Åtgärder"] else "") if x)
            body.append([r["Enhetsnamn"] or r["Enhet"], label, text or "–"])
            colour = res.scale.colour_of(r["Bedömning"]) if res.scale is not None and r["Bedömning"] else None
            colours[(len(body) - 1, 1)] = colour or GREY
        add_table(doc, ["Nämnd/bolag", "Bedömning", "Kommentar"], body, [40, 34, 86], colours)


def _paragraphs(doc: Any, text: str | None) -> None:
    """A model text as paragraphs: each line of the YAML text its own paragraph."""
    for line in (text or "").splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


def _assessment_table(doc: Any, m: Model, rows: pd.DataFrame, units: pd.DataFrame, what: str,
                      trend: pd.DataFrame | None = None) -> None:
    """Goals (or assessed indicators) and their assessments; with a history, last year's beside this year's."""
    from .kfbook import _owners, _records

    last_year: dict[str, str] = {}
    if trend is not None and len(trend.columns) >= 5:
        last_year = {r[0]: r[3] for r in trend.itertuples(index=False) if r[3] and r[3] != "–"}
    body: list[list[str]] = []
    colours: dict[tuple[int, int], str] = {}
    groups: list[int] = []
    parent_seen: str | None = None
    owners = _owners(units[units["ID"].isin(rows["ID"])])  # each row's units, found once (not searched for per row)
    for rec in _records(rows):
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
        who = ", ".join(owners.get((rec["ID"], rec["Typ"]), ()))
        label = rec["Bedömning"] or NOT_ASSESSED
        scale = scale_for_row(m, rec)
        if trend is not None:
            before = last_year.get(rec["ID"], "")
            body.append([rec["Text"], who, before or "–", label])
            if before and scale is not None and (before_colour := scale.colour_of(before)):
                colours[(i, 2)] = before_colour
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


def _outcome(m: Model, rec: Mapping[str, Any] | pd.Series, units: pd.DataFrame, ind: Indicator | None) -> str:
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
        for council_rec in trend.to_dict("records"):
            if council_rec["Enhet"] != COUNCIL:
                continue
            ind = _indicator(m, council_rec["ID"])
            measure = ind.measure if ind else Measure.NUMBER
            shown = [f"{y}: {fmt_measure(float(v), measure)}" for y in years if (v := str(council_rec[y]).strip()) and _is_number(v)]
            earlier[council_rec["ID"]] = (council_rec["Utgångsvärde"], "; ".join(shown), council_rec["Trend"])
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
    """Each row's analyses by the units that wrote a comment or actions: the row's text in bold, one bullet per unit."""
    said = units[units["ID"].isin(rows_area["ID"]) & ((units["Kommentar"] != "") | (units["Åtgärder"] != ""))]
    own: dict[tuple[str, str], list[Any]] = {}  # (ID, Typ) -> the units' rows, in the order of Data
    for r in said.itertuples(index=False):
        own.setdefault((str(r.ID), str(r.Typ)), []).append(r)
    if not own:
        return
    body: _Body | None = None
    for rid, kind, text in zip(rows_area["ID"], rows_area["Typ"], rows_area["Text"], strict=True):
        mine = own.get((rid, kind))
        if not mine:
            continue
        if body is None:
            doc.add_heading("Nämndernas analyser", level=3)
            body = _Body(doc)
        body.run(body.paragraph(), text, bold=True)
        for r in mine:
            para = body.paragraph("List Bullet")
            body.run(para, f"{r.Enhetsnamn or r.Enhet}: ", italic=True)
            body.run(para, r.Kommentar or "")
            if r.Åtgärder:
                body.run(para, f" Åtgärder: {r.Åtgärder}")


class _Body:
    """Appends paragraphs and runs to a document's body as python-docx does, byte for byte, without its costs per
    paragraph: ``add_paragraph(style=…)`` looks the style up by name among all styles, and each append searches the
    body for its section properties; here both are found once."""

    def __init__(self, doc: Any):
        from docx.enum.style import WD_STYLE_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.text.run import Run

        self.new, self.paragraph_style, self.run_class = OxmlElement, WD_STYLE_TYPE.PARAGRAPH, Run
        self.doc, self.container = doc, doc._body
        self.element = doc.element.body
        self.end = self.element.find(qn("w:sectPr"))  # paragraphs go before it, as python-docx puts them
        self.style_ids: dict[str, str | None] = {}

    def paragraph(self, style: str | None = None) -> Any:
        p = self.new("w:p")
        if style is not None:
            if style not in self.style_ids:
                self.style_ids[style] = self.doc.part.get_style_id(self.doc.styles[style], self.paragraph_style)
            p.style = self.style_ids[style]
        if self.end is not None:
            self.end.addprevious(p)
        else:
            self.element.append(p)
        return p

    def run(self, p: Any, text: str, bold: bool = False, italic: bool = False) -> None:
        """``paragraph.add_run(text)`` (then ``.bold`` / ``.italic = True``)."""
        r = p.add_r()
        if text:
            if "\t" in text or "\n" in text or "\r" in text:
                self.run_class(r, self.container).text = text  # tabs and line breaks as python-docx writes them
            else:
                r.add_t(text)
        if bold or italic:
            run = self.run_class(r, self.container)
            if bold:
                run.bold = True
            if italic:
                run.italic = True


# --------------------------------------------------------------------------- the plan round's Word chapter


def write_budget_chapter(doc: Any, book: Any) -> None:
    """The Word chapter for Budget.xlsx: per council goal the units' goals and activities; the budget per unit."""
    from .plan import ACTIVITY_LEVEL, KIND_UNIT_GOAL, nested_text, plan_level, total_words, unit_name

    m, year = book.model, book.year
    data = book.data
    doc.add_heading(f"Verksamhetsplaner och budget {year}", level=1)
    plans = [p for p in m.plans if p.year == year]
    doc.add_paragraph(f"Sammanställningen bygger på verksamhetsplaner från {counted(len(plans), 'nämnd eller bolag', 'nämnder och bolag')}"
                      + (f" ({', '.join(unit_name(m, p.unit) for p in plans)})" if plans else "") + ". Belopp i tusen kronor (tkr).")
    if m.vision.title:
        doc.add_heading("Vision", level=2)
        doc.add_paragraph().add_run(m.vision.title).bold = True
    for area in m.areas:
        goals = [g for g in m.goals if g.area == area.id and g.level not in (plan_level(m).id, ACTIVITY_LEVEL)]
        if not goals:
            continue
        doc.add_heading(area.name, level=2)
        for line in (area.text or "").splitlines():
            if line.strip():
                doc.add_paragraph(line.strip())
        for g in goals:
            doc.add_heading(f"{m.level(g.level).name}: {g.text}", level=3)
            rows = data[(data["Fullmäktiges mål"] == g.id) & (data["Typ"] != "Budget")]
            if rows.empty:
                doc.add_paragraph("Inga nämndmål eller aktiviteter under målet.")
                continue
            body = []
            for r in rows.to_dict("records"):
                when = "–".join(x for x in (r["Start"], r["Slut"]) if x)
                target = f"målvärde: {r['Målvärde']}" if r["Målvärde"] else ""
                extra = "; ".join(x for x in (r["Ansvarig"], when, target) if x)
                text = nested_text(r["Typ"], r["Kopplat till"], r["Text"], g.id) + (f" ({extra})" if extra else "")
                if r["Kommentar"]:
                    text += f"\n{r['Kommentar']}"
                body.append([unit_name(m, r["Enhet"]), r["Typ"], text])
            add_table(doc, ["Nämnd/bolag", "Typ", "Mål / aktivitet"], body, [30, 24, 106])
    unlinked = data[(data["Typ"] == KIND_UNIT_GOAL) & (data["Fullmäktiges mål"] == "")]
    if not unlinked.empty:
        doc.add_heading("Nämndmål utan koppling till fullmäktiges mål", level=2)
        doc.add_paragraph("Dessa mål behöver kopplas till ett av fullmäktiges mål innan de kan följas upp.")
        add_table(doc, ["Enhet", "Typ", "Mål"], [[r.Enhet, r.Typ, r.Text] for r in unlinked.itertuples(index=False)], [22, 26, 112])
    doc.add_heading("Budget per nämnd och bolag", level=2)
    units = book.tables.get("Enheter")
    body, colours = [], {}
    for p in plans:
        name = m.unit(p.unit).name
        frame = None
        if units is not None and not units.empty:
            hit = units[units["Enhet"] == p.unit]
            if not hit.empty and hit.iloc[0]["Ram (tkr)"] == hit.iloc[0]["Ram (tkr)"]:
                frame = float(hit.iloc[0]["Ram (tkr)"])
        for line in p.budget:
            if line.amount is None:
                body.append([name, f"{line.activity} (inget tal: ”{line.typed}”)", "–"])
                colours[(len(body) - 1, 2)] = "#FFC7CE"
            else:
                body.append([name, line.activity, fmt_number(line.amount, 1)])
        body.append([name, total_words(p), fmt_number(p.total, 1)])
        if frame is not None:
            body.append([name, "Ram", fmt_number(frame, 1)])
            body.append([name, "Avvikelse mot ram", fmt_number(frame - p.total, 1)])
            if frame - p.total < 0:
                colours[(len(body) - 1, 2)] = "#FFC7CE"
    add_table(doc, ["Nämnd/bolag", "Verksamhet", "Belopp (tkr)"], body, [50, 80, 30], colours)


# --------------------------------------------------------------------------- export

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(data: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``data`` with :func:`neutralise` applied to every non-numeric column (a text column at once)."""
    safe = data.copy()
    for col in safe.columns:
        if pd.api.types.is_string_dtype(safe[col].dtype) and not pd.api.types.is_object_dtype(safe[col].dtype):
            risky = safe[col].str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
            if risky.any():
                safe[col] = safe[col].where(~risky, "'" + safe[col])
        elif not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(neutralise)
    return safe


def write_tidy(data: pd.DataFrame, csv: str | Path | None = None, parquet: str | Path | None = None) -> None:
    """A tidy table as CSV for Swedish Excel (see :func:`export`) and/or Parquet."""
    if csv is None and parquet is None:
        raise InputError("ange --csv FIL och/eller --parquet FIL")
    if csv is not None:
        csv = Path(csv)
        text = neutralised(data).to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
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
