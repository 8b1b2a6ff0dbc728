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
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd  # python-docx (and lxml) are imported where a document is written: export needs neither

from .colours import readable
from .findings import counted
from .kfbook import scale_for_row
from .kfread import KfBook, read_kf
from .layout import KIND_INDICATOR
from .model import MEASURE_SYMBOL, Indicator, Measure, Model
from .targets import fmt_number, fmt_shown
from .util import InputError, atomic_write_bytes

COUNCIL = "Kommunen"
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]
NOT_ASSESSED = "Ej bedömd"
GREY = "#D9D9D9"


def swedish_date(d: date) -> str:
    """'31 augusti 2016'."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def fmt_measure(value: float | None, measure: Measure) -> str:
    """A value with its unit, rounded as KF.xlsx shows it (:func:`malbok.targets.fmt_shown`)."""
    s = fmt_shown(value, measure)
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


def report(kf: str | Path | KfBook, docx_path: str | Path, template: str | Path | None = None,
           suggestions: bool = True) -> Path:
    """Write the Word chapter for a KF workbook (follow-up) or a Budget workbook (plan round).

    ``template`` is the municipality's own Word file (.docx): the chapter is written on it, with its
    styles, header, footer and logo (its body is left out). ``suggestions=False`` leaves out the
    assessment computed from the targets ('Bedömning enligt målvärdet'). Returns the path written.
    The file is written atomically; the same KF.xlsx (and template) gives the same bytes.
    """
    book = kf if isinstance(kf, KfBook) else read_kf(kf)
    docx_path = Path(docx_path)
    if docx_path.suffix.lower() != ".docx":
        raise InputError(f"{docx_path.name}: rapporten skrivs som Word-fil; ange ett namn som slutar på .docx")
    doc = _new_document(book, template)
    write_chapter(doc, budget_parts(book) if book.kind == "budget" else followup_parts(book, suggestions))
    buf = io.BytesIO()
    doc.save(buf)
    docx_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(docx_path, _fixed_zip(buf.getvalue(), _company(book)))
    return docx_path


def _company(book: KfBook) -> str:
    from .workbook import kommun

    return kommun(book.model.municipality.name)


def _document_date(book: KfBook) -> datetime:
    """A date that is deterministic and true: the end of the period followed up (of the year before the
    plan year for a plan round, when plans are made)."""
    if book.period is not None:
        p = book.period
        return datetime(p.year, p.occasion.month, calendar.monthrange(p.year, p.occasion.month)[1])
    return datetime((book.year or 2001) - 1, 12, 31)


def _open_template(template: str | Path) -> Any:
    """The municipality's template with its body emptied (its section: page, header, footer, stay)."""
    import docx
    from docx.oxml.ns import qn

    path = Path(template)
    if path.suffix.lower() not in (".docx", ".dotx"):
        raise InputError(f"{path.name}: mallen ska vara en Word-fil eller Word-mall (.docx eller .dotx)")
    if not path.is_file():
        raise InputError(f"{path}: mallen finns inte")
    try:
        doc = docx.Document(io.BytesIO(_as_document(path.read_bytes())) if path.suffix.lower() == ".dotx" else str(path))
    except Exception as exc:  # a damaged or non-Word file: the controller's input, named
        raise InputError(f"{path.name}: mallen går inte att läsa som Word-fil ({type(exc).__name__})") from None
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _ensure_headings(doc)
    return doc


def _ensure_headings(doc: Any) -> None:
    """Heading 1–3 in a template that never defined them (Word keeps unused built-in styles latent): made as
    Word's own, with their outline level, so the chapter keeps its heading structure."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for level, size in ((1, 16), (2, 13), (3, 11)):
        name = f"Heading {level}"
        if _style(doc, name) is not None:
            continue
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = _style(doc, "Normal")
        st.font.bold = True
        st.font.size = Pt(size)
        st.paragraph_format.keep_with_next = True
        st.paragraph_format.space_before = Pt(12 if level == 1 else 8)
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), str(level - 1))
        st.element.get_or_add_pPr().append(outline)


_TEMPLATE_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _as_document(blob: bytes) -> bytes:
    """A Word template (.dotx) as a document (.docx): the same parts, the main part's content type changed."""
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE)
            dst.writestr(info, data)
    return out.getvalue()


def _new_document(book: KfBook, template: str | Path | None = None) -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    m = book.model
    from .workbook import kommun

    if template is not None:
        doc = _open_template(template)
        sec = doc.sections[0]
    else:
        doc = docx.Document()
        sec = doc.sections[0]
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.left_margin = sec.right_margin = Mm(25)
        sec.top_margin = sec.bottom_margin = Mm(25)
        normal = doc.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(10.5)
    _swedish(doc)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = kommun(m.municipality.name)
    cp.title = ("Måluppfyllelse " + book.period.name) if book.period else f"Verksamhetsplaner och budget {book.year}"
    cp.subject = kommun(m.municipality.name)
    cp.keywords = book.period.name if book.period else str(book.year)
    cp.category = "Måluppfyllelse" if book.period else "Verksamhetsplan och budget"
    cp.comments = ""
    cp.language = "sv-SE"
    when = _document_date(book)
    cp.created = cp.modified = when
    cp.last_printed = when
    cp.revision = 1
    footer = sec.footer
    has_page = any(el.get(qn("w:instr"), "").strip().startswith("PAGE") for el in footer._element.iter(qn("w:fldSimple"))) or any(
        (t.text or "").strip().startswith("PAGE") for t in footer._element.iter(qn("w:instrText")))
    worded = any(par.text.strip() for par in footer.paragraphs)
    para = None
    if template is None or not worded:  # our own footer: the kommun, the title and the page
        para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        para.text = f"{kommun(m.municipality.name)} · {cp.title} · "
        if "Footer" in [st.name for st in doc.styles]:
            para.style = doc.styles["Footer"]
    elif not has_page:  # the template's footer, with the page number it lacks
        para = footer.add_paragraph()
    if para is not None:
        para.add_run("Sida ")
        _field(para, "PAGE", OxmlElement, qn)
        para.add_run(" av ")
        _field(para, "NUMPAGES", OxmlElement, qn)
    return doc


def _field(para: Any, instr: str, new: Any, qn: Any) -> None:
    """A simple field (PAGE, NUMPAGES) with a shown value, so a reader that does not update fields shows a number."""
    fld = new("w:fldSimple")
    fld.set(qn("w:instr"), f" {instr} ")
    r = new("w:r")
    t = new("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    para._p.append(fld)


def _swedish(doc: Any) -> None:
    """Swedish as the document's language: in the defaults every style inherits, and in Normal."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    targets = [doc.styles["Normal"].element.get_or_add_rPr()]
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is None:
            rpr_default = OxmlElement("w:rPrDefault")
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            rpr_default.append(rpr)
        targets.append(rpr)
    for rpr in targets:
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "sv-SE")
        lang.set(qn("w:eastAsia"), "sv-SE")
        lang.set(qn("w:bidi"), "ar-SA")
        rpr.append(lang)


def _fixed_zip(blob: bytes, company: str = "") -> bytes:
    """Re-pack the docx with fixed timestamps so the same input gives the same bytes; the extended
    properties name the municipality as the company, not a word processor's template."""
    from xml.sax.saxutils import escape

    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/app.xml" and company:
                data = data.replace(b"<Company/>", f"<Company>{escape(company)}</Company>".encode())
            dst.writestr(zi, data)
    return out.getvalue()


def shade(cell: Any, colour: str) -> None:
    """Fill a table cell with a colour ('#RRGGBB')."""
    _shade(cell._tc, colour)


def _shade(tc: Any, colour: str) -> None:
    """:func:`shade` on the cell's element."""
    tcpr = tc.get_or_add_tcPr()
    for old in tcpr.findall(_W + "shd"):
        tcpr.remove(old)
    shd = _sub(tcpr, "shd")
    shd.set(_W_VAL, "clear")
    shd.set(_W + "color", "auto")
    shd.set(_W + "fill", colour.lstrip("#").upper())


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_VAL = _W + "val"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _sub(parent: Any, tag: str) -> Any:
    """A new last child ``w:<tag>`` of ``parent`` (lxml's SubElement: the document's own element classes)."""
    if not _SUB:  # lxml imported once, when a document is written (the export needs none)
        from lxml import etree

        _SUB.append(etree.SubElement)
    return _SUB[0](parent, _W + tag)


_SUB: list[Any] = []


def _cell_paragraph(tc: Any) -> Any:
    """The paragraph of a new table cell, as ``cell.text = …`` leaves it (python-docx's new cell has one empty
    paragraph, which ``cell.text`` replaces by another empty one)."""
    return tc.find(_W + "p")


def _run(p: Any, text: str, bold: bool = False, italic: bool = False, size: str | None = None,
         colour: str | None = None) -> Any:
    """``p.add_run(text)`` with ``.bold``, ``.italic``, ``.font.color.rgb`` and ``.font.size`` (half points) as
    python-docx writes them, element by element in the schema's order, without its search per property."""
    r = _sub(p, "r")
    if bold or italic or size or colour:
        rpr = _sub(r, "rPr")
        if bold:
            _sub(rpr, "b")
        if italic:
            _sub(rpr, "i")
        if colour:
            _sub(rpr, "color").set(_W_VAL, colour)
        if size:
            _sub(rpr, "sz").set(_W_VAL, size)
    if not text:
        return r
    # tabs and line breaks as python-docx writes them: ``w:tab`` and ``w:br`` between the texts
    for piece in _BREAKS.split(text) if "\t" in text or "\n" in text or "\r" in text else (text,):
        if piece == "\t":
            _sub(r, "tab")
        elif piece in ("\r", "\n"):
            _sub(r, "br")
        elif piece:
            t = _sub(r, "t")
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_XML_SPACE, "preserve")
    return r


_CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_CHART_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def add_chart(doc: Any, title: str, counts: list[tuple[str, int, str]], alt: str) -> None:
    """A bar chart in the document (a Word chart with its values in it, no linked workbook): a bar per step in
    the step's colour, the labels in full, whole numbers on the axis; ``alt`` is its alternative text."""
    import math
    from xml.sax.saxutils import escape

    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.shared import Mm

    n = len(counts)
    if not n:
        return
    most = max(c for _l, c, _col in counts)
    step = max(1, math.ceil(most / 8))
    top = max(step, math.ceil((most + 1) / step) * step)
    points = "".join(
        f'<c:dPt><c:idx val="{i}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/><c:spPr><a:solidFill>'
        f'<a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill><a:ln><a:solidFill><a:srgbClr val="595959"/>'
        f'</a:solidFill></a:ln></c:spPr></c:dPt>' for i, (_l, _c, colour) in enumerate(counts))
    cats = "".join(f'<c:pt idx="{i}"><c:v>{escape(label)}</c:v></c:pt>' for i, (label, _c, _col) in enumerate(counts))
    vals = "".join(f'<c:pt idx="{i}"><c:v>{c}</c:v></c:pt>' for i, (_l, c, _col) in enumerate(counts))
    font = '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr><a:endParaRPr lang="sv-SE"/></a:p></c:txPr>'
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}"><c:lang val="sv-SE"/><c:roundedCorners val="0"/>'
        f'<c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1100" b="1"/></a:pPr>'
        f'<a:r><a:rPr lang="sv-SE" sz="1100" b="1"/><a:t>{escape(title)}</a:t></a:r></a:p></c:rich></c:tx>'
        f'<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        f'<c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>Antal</c:v></c:tx><c:invertIfNegative val="0"/>{points}'
        f'<c:dLbls><c:numFmt formatCode="0" sourceLinked="0"/>{font}<c:showLegendKey val="0"/><c:showVal val="1"/>'
        f'<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
        f'<c:cat><c:strLit><c:ptCount val="{n}"/>{cats}</c:strLit></c:cat>'
        f'<c:val><c:numLit><c:formatCode>0</c:formatCode><c:ptCount val="{n}"/>{vals}</c:numLit></c:val></c:ser>'
        f'<c:gapWidth val="60"/><c:axId val="101"/><c:axId val="102"/></c:barChart>'
        f'<c:catAx><c:axId val="101"/><c:scaling><c:orientation val="maxMin"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{font}<c:crossAx val="102"/><c:crosses val="autoZero"/>'
        f'<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="102"/><c:scaling><c:orientation val="minMax"/><c:max val="{top}"/><c:min val="0"/>'
        f'</c:scaling><c:delete val="0"/><c:axPos val="b"/><c:majorGridlines><c:spPr><a:ln><a:solidFill>'
        f'<a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr></c:majorGridlines><c:numFmt formatCode="0" sourceLinked="0"/>'
        f'<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{font}<c:crossAx val="101"/>'
        f'<c:crosses val="max"/><c:crossBetween val="between"/><c:majorUnit val="{step}"/></c:valAx></c:plotArea>'
        f'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    )
    package = doc.part.package
    name = package.next_partname("/word/charts/chart%d.xml")  # after any chart the template has
    number = int(str(name).rsplit("chart", 1)[1].split(".")[0])
    part = Part(PackURI(str(name)), _CHART_CT, xml.encode("utf-8"), package)
    rid = doc.part.relate_to(part, _CHART_RT)
    width, height = Mm(150), Mm(22 + 9 * n)
    inline = parse_xml(
        f'<wp:inline distT="0" distB="0" distL="0" distR="0" '
        f'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="{_A}" '
        f'xmlns:c="{_C}" xmlns:r="{_R}"><wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{1000 + number}" name="Diagram {number}" descr="{escape(alt, {chr(34): "&quot;"})}" title="{escape(title)}"/>'
        f'<wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="{_C}"><c:chart r:id="{rid}"/></a:graphicData></a:graphic>'
        f'</wp:inline>')
    run = doc.add_paragraph().add_run()
    drawing = parse_xml('<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    drawing.append(inline)
    run._r.append(drawing)


def _style(doc: Any, name: str) -> Any:
    """A style by name, or None when the document (a municipality's template) has none by that name."""
    try:
        return doc.styles[name]
    except KeyError:
        return None


def _empty(text: Any) -> bool:
    return str(text).strip() in ("", "–")


def add_table(doc: Any, header: list[str], rows: Iterable[list[str]], widths_mm: list[float],
              colours: dict[tuple[int, int], str] | None = None, drop_empty: bool = True) -> Any:
    """A table in the built-in 'Table Grid' style, the header row marked as such (repeated on each page and
    read as headers); a column empty on every row ('' or '–') is left out; coloured cells get a text colour
    with WCAG AA contrast."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    rows = list(rows)
    keep = list(range(len(header)))
    if drop_empty and rows:
        keep = [c for c in keep if c == 0 or any(not _empty(r[c]) for r in rows if c < len(r))]
    if len(keep) != len(header):
        where = {c: i for i, c in enumerate(keep)}
        header = [header[c] for c in keep]
        rows = [[r[c] for c in keep] for r in rows]
        freed = sum(w for c, w in enumerate(widths_mm) if c not in where)
        kept_w = [widths_mm[c] for c in keep]
        widths_mm = [w + freed * w / sum(kept_w) for w in kept_w]
        colours = {(r, where[c]): v for (r, c), v in (colours or {}).items() if c in where}
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    grid = _style(doc, "Table Grid")
    if grid is not None:
        table.style = grid
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    # The cells are written on the table's elements, row by row, as python-docx's ``cell.text = …`` and
    # ``run.font`` write them (the same XML), without its costs per cell: ``row.cells`` works out the grid
    # of the row on each call, and each property searches the element's children for its place.
    trs = table._tbl.tr_lst
    size = str(round(_SMALL_PT * 2)) if len(header) >= _SMALL_FROM else None  # a wide table in a smaller type
    hdr = trs[0]
    trpr = hdr.get_or_add_trPr()
    th = OxmlElement("w:tblHeader")
    th.set(qn("w:val"), "true")
    trpr.append(th)
    for tc, text in zip(hdr.tc_lst, header, strict=False):
        p = _cell_paragraph(tc)
        empty = _sub(p, "r")  # ``cell.text = ""`` leaves an empty run before the header's own
        if size:
            _sub(_sub(empty, "rPr"), "sz").set(_W_VAL, size)
        _run(p, text, bold=True, size=size)
        _shade(tc, "#DCE6F1")
    for r, (tr, row) in enumerate(zip(trs[1:], rows, strict=False)):
        for c, (tc, text) in enumerate(zip(tr.tc_lst, row, strict=False)):
            fill = ink = None
            if colours and (r, c) in colours:
                fill, ink = readable(colours[(r, c)])
            _run(_cell_paragraph(tc), str(text), size=size,
                 colour=ink.lstrip("#").upper() if ink is not None and ink != "#000000" else None)
            if fill is not None:
                _shade(tc, fill)
    per_char = _MM_PER_CHAR * (_SMALL_PT / _BODY_PT if size else 1)
    widths = [Mm(w) for w in word_safe_widths([header, *rows], widths_mm, header=True, per_char=per_char)]
    for c, w in enumerate(widths):
        table.columns[c].width = w  # the grid, which LibreOffice follows
    twips = [str(w.twips) for w in widths]
    for tr in trs:  # the cells, which Word follows
        for tc, tw in zip(tr.tc_lst, twips, strict=False):
            tcw = tc.tcPr.find(_W + "tcW")  # every new cell has one (python-docx's table)
            tcw.set(_W + "type", "dxa")
            tcw.set(_W + "w", tw)
    doc.add_paragraph()
    return table


_MM_PER_CHAR = 2.7  # a wide character of 10–11 pt body text in a wide fallback font (DejaVu Sans), in mm, bold included
_BODY_PT, _SMALL_PT, _SMALL_FROM = 10.5, 9.0, 6  # tables of six columns or more are set in 9 pt
_CELL_PADDING_MM = 4.0
_MIN_MM = 12.0


def _word_need(texts: Iterable[Any], per_char: float = _MM_PER_CHAR) -> float:
    longest = max((len(w) for t in texts for w in str(t).split()), default=0)
    return longest * per_char + _CELL_PADDING_MM


def word_safe_widths(rows: list[list[Any]], widths_mm: list[float], header: bool = False,
                     per_char: float = _MM_PER_CHAR) -> list[float]:
    """Column widths that never break a word: each column is at least as wide as its longest word,
    the extra taken from the columns that have room to spare; the table keeps its total width.
    With ``header``, the first row (the headers) is served first: its words never break, the
    body's longest words get what is left."""
    n = len(widths_mm)
    head_need = [0.0] * n
    if header and rows:
        head_need = [_word_need([rows[0][c]], per_char) if c < len(rows[0]) else 0.0 for c in range(n)]
    body_need = [max(head_need[c], _word_need([r[c] for r in rows if c < len(r)], per_char)) for c in range(n)]
    widths = list(widths_mm)
    for need, floor in ((head_need, head_need), (body_need, body_need)):
        for c in range(n):
            short = need[c] - widths[c]
            if short <= 0:
                continue
            for d in sorted(range(n), key=lambda d: widths[d] - floor[d], reverse=True):
                spare = widths[d] - max(floor[d], head_need[d], _MIN_MM)
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


def unit_names(m: Model, codes: Iterable[str]) -> list[str]:
    """The units' names (the code when the model does not know it)."""
    out = []
    for code in codes:
        try:
            out.append(m.unit(code).name)
        except KeyError:
            out.append(code)
    return out


def _and(items: list[str]) -> str:
    """'A, B och C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1] if items else ""


def _marked(scale: Any, label: str) -> str:
    """A label with its step's symbol in front ('● Uppfyllt'), so it reads without its colour."""
    mark = scale.symbol_of(label) if scale is not None and label else ""
    return f"{mark}\u00a0{label}" if mark else label


class _Checks:
    """What Kontroll said of the returned values: the (unit, ID) pairs whose outcome or rank was rejected."""

    def __init__(self, book: KfBook):
        from .findings import ERROR

        self.rejected: set[tuple[str, str]] = set()
        checks = book.tables.get("Kontroll")
        if checks is None or checks.empty or not {"Allvar", "Enhet", "ID", "Kod"} <= set(checks.columns):
            return
        for r in checks.itertuples(index=False):
            if str(r.Allvar) == ERROR and str(r.Kod) in _REJECTED_CODES:
                self.rejected.add((str(r.Enhet), str(r.ID)))


# --------------------------------------------------------------------------- the chapter as data, and its one writer
# Each round's chapter (the follow-up's Måluppfyllelse, the plan round's Verksamhetsplaner och budget) is made as a
# list of parts by a pure function (:func:`followup_parts`, :func:`budget_parts`); :func:`write_chapter` writes any
# of them, so both chapters have the same headings, tables, charts and lists, written the same way.


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Para:
    text: str = ""
    bold: bool = False


@dataclass(frozen=True)
class Lines:
    """A text of the model (a vision, an area's text): each of its lines a paragraph."""

    text: str | None


@dataclass(frozen=True)
class Table:
    """A table as :func:`add_table` writes it; ``groups`` are rows shown as a heading across the table (their first
    cell, in italics), ``note`` a source note in small italics right under it."""

    header: list[str]
    rows: list[list[Any]]  # each cell as its text (str() of it)
    widths_mm: list[float]
    colours: dict[tuple[int, int], str] | None = None
    drop_empty: bool = True
    groups: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    counts: list[tuple[str, int, str]]
    alt: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Analyses:
    """Rows' analyses: each row's text in bold, then one bullet per unit: (who, comment, actions)."""

    rows: list[tuple[str, list[tuple[str, str, str]]]]


Part = Heading | Para | Lines | Table | Chart | Bullets | Analyses


def write_chapter(doc: Any, parts: Iterable[Part]) -> None:
    """Write a chapter's parts into ``doc``, in order: the one Word writer of both rounds."""
    for part in parts:
        if isinstance(part, Heading):
            _heading(doc, part.text, part.level)
        elif isinstance(part, Para):
            if part.bold:
                doc.add_paragraph().add_run(part.text).bold = True
            else:
                doc.add_paragraph(part.text)
        elif isinstance(part, Lines):
            _paragraphs(doc, part.text)
        elif isinstance(part, Table):
            _write_table(doc, part)
        elif isinstance(part, Chart):
            add_chart(doc, part.title, part.counts, part.alt)
        elif isinstance(part, Bullets):
            body = _Body.of(doc)
            for item in part.items:
                body.run(body.paragraph("List Bullet" if _style(doc, "List Bullet") is not None else None), item)
        else:
            _write_analyses(doc, part)


def _write_table(doc: Any, part: Table) -> None:
    table = add_table(doc, part.header, part.rows, part.widths_mm, part.colours, part.drop_empty)
    for g in part.groups:  # the group (a parent goal, an area) as a heading row across the table
        row = table.rows[g + 1]
        merged = row.cells[0].merge(row.cells[-1])
        merged.text = ""
        merged.paragraphs[0].add_run(part.rows[g][0]).italic = True
        shade(merged, "#F2F2F2")
    if part.note:
        from docx.shared import Pt

        note = doc.paragraphs[-1]  # the empty paragraph after the table: the note goes right under it
        run = note.add_run(part.note)
        run.italic = True
        run.font.size = Pt(_SMALL_PT)
        doc.add_paragraph()


def _write_analyses(doc: Any, part: Analyses) -> None:
    body = _Xml(doc)
    for text, mine in part.rows:
        body.paragraph(None, [(text, True, False)])
        for who, comment, actions in mine:
            runs = [(f"{who}: ", False, True), (comment, False, False)]
            if actions:
                runs.append((f" Åtgärder: {actions}", False, False))
            body.paragraph("List Bullet", runs)
    body.close()


_REJECTED_CODES = {"utanfor-intervall", "ej-andligt-tal"}  # the findings that refuse a value yet keep it in Data
REJECTED_NOTE = "underkänt i kontrollen"


def followup_parts(book: KfBook, suggestions: bool = True) -> Iterator[Part]:
    """The follow-up's chapter (Måluppfyllelse) as parts, from a KF workbook read back."""
    from .kfbook import SUGGESTION_HEADING, assessed_rows, assessment_groups, summary_sentence

    m, p = book.model, book.period
    assert p is not None
    data = book.data
    council = data[data["Sammanställning"] == "kommun"]
    units = data[data["Sammanställning"] == "enhet"]
    checks = _Checks(book)
    last_day = calendar.monthrange(p.year, p.occasion.month)[1]
    yield Heading(f"Måluppfyllelse – {p.name}", 1)
    received = {u for u in units.loc[units["Fil"] != "", "Enhet"]}
    reporting = set(units["Enhet"].tolist())
    all_units = [u.code for u in m.units if u.code in reporting]
    names = unit_names(m, [u for u in all_units if u in received])
    yield Para(
        f"Uppföljningen avser perioden till och med {swedish_date(date(p.year, p.occasion.month, last_day))}. "
        f"Den bygger på underlag från {len(received)} av {counted(len(all_units), 'nämnd eller bolag', 'nämnder och bolag')}"
        + (f" ({_and(names)})" if names else "") + ". "
        "Bedömningarna är nämndernas egna; där flera nämnder ansvarar för ett mål redovisas den försiktigaste bedömningen."
        + (f" Kolumnen ”{SUGGESTION_HEADING}” visar vad utfallen innebär mot målvärdena i styrmodellen." if suggestions else "")
    )
    if m.vision.text or m.vision.title:
        yield Heading("Vision", 2)
        if m.vision.title:
            yield Para(m.vision.title, bold=True)
        yield Lines(m.vision.text)
    groups = [g for g in assessment_groups(m) if not g.rows(council).empty]
    if groups:
        yield from _kommun_views(m, council, units, groups)
    outcomes: dict[str, list[tuple[str, float]]] | None = None  # found at the first indicator table
    earlier: dict[str, tuple[str, str, str]] = {}
    for area in m.areas:
        rows_area = council[council["Område"] == area.name]
        if rows_area.empty:
            continue
        yield Heading(area.name, 2)
        yield Lines(area.text)
        assessed = assessed_rows(rows_area)
        if not assessed.empty:
            sentence = summary_sentence(m, area.name, assessed).split(": ", 1)[-1]
            yield Para(sentence[0].upper() + sentence[1:], bold=True)
        for grp in groups:
            goals = grp.rows(rows_area)
            if goals.empty:
                continue
            yield Heading(grp.name if grp.level is not None else "Indikatorer – bedömning", 3)
            yield from _assessment_table(m, goals, units, grp, book.tables.get("Trend mål"), suggestions)
        inds = rows_area[rows_area["Typ"] == KIND_INDICATOR]
        if not inds.empty:
            yield Heading("Indikatorer – utfall", 3)
            if outcomes is None:
                outcomes, earlier = _unit_outcomes(units), _earlier_years(m, book.tables.get("Trend"))
            yield _indicator_table(m, inds, outcomes, earlier, suggestions, checks)
        yield from _analyses(m, rows_area, units)
    yield from _kolada_comparison(book)
    yield from _programmes(m, data)


def _kommun_views(m: Model, council: pd.DataFrame, units: pd.DataFrame, groups: list[Any]) -> Iterator[Part]:
    """The whole kommun (by meaning across levels), per nämnd, and per goal level across areas (its own labels)."""
    from .kfbook import MEANING_HEADINGS, _records, kommun_sentence, per_unit, whole_kommun

    yield Heading("Måluppfyllelse i hela kommunen", 2)
    sentence = kommun_sentence(m, council)
    if sentence:
        said = sentence.split(": ", 1)[-1]  # '8 av 30 mål är uppfyllda, …' without 'Hela kommunen: '
        yield Para(said[:1].upper() + said[1:], bold=True)
    total = whole_kommun(m, council)
    if total:
        if len(groups) > 1:
            yield Para("Stegen i nivåernas skalor räknas samman efter vad de betyder: uppfyllt, delvis uppfyllt, "
                       "ej uppfyllt och ej bedömt.")
        body = [[name if name != "Alla" else "Alla nivåer", str(sum(c)), *(str(x) for x in c)] for name, c in total]
        yield Table(["Målnivå", "Antal", *MEANING_HEADINGS], body, [44, 18, 26, 26, 26, 20], drop_empty=False)
    by_unit = per_unit(m, units)
    if by_unit:
        yield Heading("Per nämnd och bolag", 3)
        yield Para("Nämndernas och bolagens egna bedömningar av de mål de följer upp.")
        body = [[name, str(sum(c)), *(str(x) for x in c)] for _code, name, c in by_unit]
        yield Table(["Nämnd/bolag", "Antal", *MEANING_HEADINGS], body, [50, 16, 24, 26, 24, 20], drop_empty=False)
    yield Heading("Måluppfyllelse per målnivå", 2)
    for grp in groups:
        rows = grp.rows(council)
        yield Heading(f"{grp.name} – {grp.heading}", 3)
        from .kfbook import group_phrase

        phrase = group_phrase(grp, rows["Bedömning"].tolist())
        if phrase:
            yield Para(phrase + ".")
        counts = grp.counts(rows["Bedömning"].tolist())
        body, colours = [], {}
        for label, n, colour in counts:
            body.append([_marked(grp.scale, label) if grp.scale is not None and grp.scale.colour_of(label) else label, str(n)])
            colours[(len(body) - 1, 0)] = colour
        body.append([f"Summa {grp.many}", str(len(rows))])
        yield Table([grp.heading, "Antal"], body, [120, 40], colours, drop_empty=False)
        yield Chart(f"{grp.name} – antal per steg", counts,
                    f"Stapeldiagram över {grp.many}: " + "; ".join(f"{label} {n}" for label, n, _c in counts) + ".")
        listed, lcol = [], {}
        for rec in _records(rows):
            label = rec["Bedömning"] or NOT_ASSESSED
            listed.append([rec["Text"], rec["Område"], _marked(grp.scale, rec["Bedömning"]) if rec["Bedömning"] else label])
            colour = grp.scale.colour_of(rec["Bedömning"]) if grp.scale is not None and rec["Bedömning"] else None
            lcol[(len(listed) - 1, 2)] = colour or GREY
        yield Table([grp.name, "Område", grp.heading], listed, [82, 38, 40], lcol)


def _kolada_comparison(book: KfBook) -> Iterator[Part]:
    """The indicators that are Kolada key figures beside the other municipalities (KF.xlsx's ``Kolada`` sheet): per row
    the kommun's latest value and its year, the median among the municipalities with a value that year, and the
    place among them ('plats 3 av 11'); the source note Kolada's terms ask for once, under the table."""
    from .kolada import ATTRIBUTION, KOLADA_COLUMNS

    table = book.tables.get("Kolada")
    if table is None or table.empty or not set(KOLADA_COLUMNS) <= set(table.columns):  # none, or its headers changed
        return
    m = book.model
    name = m.municipality.name
    recs = [r for r in table.to_dict("records") if not math.isnan(r["Värde"]) and not math.isnan(r["År"])]
    if not recs:
        return
    years = sorted({int(r["År"]) for r in recs})
    yield Heading("Jämförelse med landets kommuner", 2)
    whose = name if name[-1:] in "sxz" else f"{name}s"  # 'Hallsbergs', 'Hällefors'
    yield Para(
        "Tabellen visar de indikatorer som också är nationella nyckeltal i Kolada, den öppna databasen för kommuner och "
        f"regioner: {whose} senaste värde ({_and([str(y) for y in years])}) bredvid medianen bland landets kommuner och "
        f"{whose} placering bland de kommuner som har ett värde samma år. Plats 1 är bäst; lika värden delar bästa plats.")
    areas = [a.name for a in m.areas]
    recs.sort(key=lambda r: areas.index(r["Område"]) if r["Område"] in areas else len(areas))
    by_area = len({r["Område"] for r in recs}) > 1
    body: list[list[str]] = []
    headings: list[int] = []
    seen: str | None = None
    for r in recs:
        if by_area and r["Område"] != seen:
            headings.append(len(body))
            body.append([r["Område"] or "Övriga", "", "", "", ""])
            seen = r["Område"]
        ind = _indicator(m, r["ID"])
        measure = ind.measure if ind is not None else Measure.NUMBER
        ranked = not math.isnan(r["Placering"]) and not math.isnan(r["Antal kommuner"])
        place = f"plats {int(r['Placering'])} av {int(r['Antal kommuner'])}" if ranked else "–"
        if ranked and r["Bäst är"] == "lägst":
            place += " (lägre är bättre)"
        median = fmt_measure(r["Median"], measure) if not math.isnan(r["Median"]) else "–"
        body.append([f"{r['Indikator']} ({r['Nyckeltal']})", str(int(r["År"])), fmt_measure(r["Värde"], measure),
                     median or "–", place])
    fetched = sorted({str(r["Hämtat"]) for r in recs if str(r["Hämtat"])})
    when = ""
    if fetched:
        try:
            when = f" (hämtat {swedish_date(date.fromisoformat(fetched[-1][:10]))})"
        except ValueError:
            when = ""
    yield Table(["Indikator (Koladas nyckeltal)", "År", name, "Median, landets kommuner", "Placering"], body,
                [66, 14, 24, 26, 30], drop_empty=False, groups=tuple(headings), note=f"{ATTRIBUTION}{when}.")


def _programmes(m: Model, data: pd.DataFrame) -> Iterator[Part]:
    """Each handlingsprogram followed up at the period: every participating unit's assessment and comment."""
    from .kfbook import programme_results

    results = programme_results(m, data)
    if not results:
        return
    yield Heading("Handlingsprogram", 2)
    for res in results:
        yield Heading(res.name, 3)
        prog = next((p for p in m.programmes if p.id == res.id), None)
        if prog is not None and prog.text:
            yield Para(prog.text)
        if res.goals:
            yield Para(f"Programmet hör till målen: {res.goals}.")
        body, colours = [], {}
        for r in res.rows:
            label = r["Bedömning"] or (NOT_ASSESSED if r["Fil"] else "Ingen uppföljning inlämnad")
            text = "; ".join(x for x in (r["Kommentar"], f"Åtgärder: {r['Åtgärder']}" if r["Åtgärder"] else "") if x)
            body.append([r["Enhetsnamn"] or r["Enhet"], label, text or "–"])
            colour = res.scale.colour_of(r["Bedömning"]) if res.scale is not None and r["Bedömning"] else None
            colours[(len(body) - 1, 1)] = colour or GREY
        yield Table(["Nämnd/bolag", "Bedömning", "Kommentar"], body, [40, 34, 86], colours)


def _paragraphs(doc: Any, text: str | None) -> None:
    """A model text as paragraphs: each line of the YAML text its own paragraph."""
    for line in (text or "").splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


def _assessment_table(m: Model, rows: pd.DataFrame, units: pd.DataFrame, grp: Any,
                      trend: pd.DataFrame | None = None, suggestions: bool = True) -> Iterator[Part]:
    """Goals (or assessed indicators) and their assessments in the level's words, the units by name; with a
    history, last year's beside this year's; with ``suggestions``, the assessment by the targets, and a note
    on every row where the unit's assessment and the figures disagree."""
    from .kfbook import SUGGESTION_HEADING, _owners, _records

    last_year: dict[str, str] = {}
    if trend is not None and len(trend.columns) >= 5:
        last_year = {r[0]: r[3] for r in trend.itertuples(index=False) if r[3] and r[3] != "–"}
    body: list[list[str]] = []
    colours: dict[tuple[int, int], str] = {}
    groups: list[int] = []
    parent_seen: str | None = None
    owners = _owners(units[units["ID"].isin(rows["ID"])])  # each row's units, found once (not searched for per row)
    disagree: list[str] = []
    with_trend = trend is not None
    for rec in _records(rows):
        parent = rec["Överordnat"]
        if parent and parent != parent_seen:
            try:
                pg = m.goal(parent)
                groups.append(len(body))
                body.append([m.shown_under_area(pg.id, f"{m.level(pg.level).name}: {pg.text}"), "", "", "", ""])
            except KeyError:
                pass
            parent_seen = parent
        i = len(body)
        who = "\n".join(unit_names(m, owners.get((rec["ID"], rec["Typ"]), ())))
        scale = scale_for_row(m, rec)
        label = _marked(scale, rec["Bedömning"]) if rec["Bedömning"] else NOT_ASSESSED
        before = last_year.get(rec["ID"], "") if with_trend else ""
        proposal = rec["Förslag"] if suggestions else ""
        text = m.shown_under_area(rec["ID"], rec["Text"]) if rec["Typ"] != KIND_INDICATOR else rec["Text"]
        body.append([text, who, (_marked(scale, before) if before else "–") if with_trend else "", label,
                     _marked(scale, proposal) if proposal else ""])
        if before and scale is not None and (before_colour := scale.colour_of(before)):
            colours[(i, 2)] = before_colour
        colours[(i, 3)] = (scale.colour_of(rec["Bedömning"]) if scale and rec["Bedömning"] else None) or GREY
        if proposal and scale is not None and (pc := scale.colour_of(proposal)):
            colours[(i, 4)] = pc
        note = _disagreement(scale, text, rec["Bedömning"], proposal)
        if note:
            disagree.append(note)
    last = f"Förra året ({trend.columns[3].removeprefix('Bedömning ')})" if trend is not None else ""
    yield Table([grp.name, "Ansvar", last, grp.heading, SUGGESTION_HEADING], body,
                [70, 30, 22, 22, 22] if with_trend else [76, 36, 0, 24, 24], colours, groups=tuple(groups))
    if disagree:
        yield Para("Där bedömningen och utfallen mot målvärdet skiljer sig åt:")
        yield Bullets(disagree)


def _heading(doc: Any, text: str, level: int) -> None:
    """``doc.add_heading(text, level)`` (the same paragraph, style and run) with the style found once per document:
    python-docx looks it up among all styles on every call."""
    p = _Body.of(doc).paragraph(f"Heading {level}")
    if text:  # add_paragraph(text) adds a run only for a text
        _run(p, text)


def _disagreement(scale: Any, text: str, given: str, proposal: str) -> str:
    """A note when the unit's assessment and the figures' differ, in either direction; '' otherwise."""
    if scale is None or not given or not proposal or given == proposal:
        return ""
    a, b = scale.step(given), scale.step(proposal)
    if a is None or b is None or a == b:
        return ""
    way = "en mer positiv bedömning än" if a < b else "en försiktigare bedömning än"
    return f"{text}: bedömningen ”{given}” är {way} utfallen visar (”{proposal}”)."


def _unit_outcomes(units: pd.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """Each indicator's units and their outcomes, in the order of ``Data``: found once, not searched for per row."""
    out: dict[str, list[tuple[str, float]]] = {}
    kinds = units["Typ"].tolist()
    for rid, kind, unit, value in zip(units["ID"].tolist(), kinds, units["Enhet"].tolist(), units["Utfall"].tolist(),
                                      strict=True):
        if kind == KIND_INDICATOR:
            out.setdefault(rid, []).append((unit, value))
    return out


def _outcome(m: Model, rec: Mapping[str, Any], own: list[tuple[str, float]], ind: Indicator | None,
             checks: _Checks | None = None) -> str:
    """The council's outcome of an indicator row; without one, each unit's (``own``: its units' outcomes)."""
    measure = ind.measure if ind else Measure.NUMBER
    rank = "" if math.isnan(rec["Placering"]) else fmt_measure(rec["Placering"], Measure.RANK)
    rejected = {code for code, _v in own if checks is not None and (code, rec["ID"]) in checks.rejected}
    if not math.isnan(rec["Utfall"]):
        value = fmt_measure(rec["Utfall"], measure)
        shown = f"{value} ({rank})" if rank and measure != Measure.RANK else value
        return f"{shown} ({REJECTED_NOTE})" if rejected else shown
    if rank:
        return rank
    parts = []
    for code, outcome in own:
        if math.isnan(outcome):
            continue
        name = unit_names(m, [str(code)])[0]
        note = f" ({REJECTED_NOTE})" if code in rejected else ""
        parts.append(f"{name}: {fmt_measure(outcome, measure)}{note}")
    return "\n".join(parts) if parts else "–"


def _earlier_years(m: Model, trend: pd.DataFrame | None) -> dict[str, tuple[str, str, str]]:
    """ID -> (baseline, previous years, arrow) of the council's rows of the ``Trend`` sheet."""
    from .kfbook import _records

    earlier: dict[str, tuple[str, str, str]] = {}
    if trend is not None and len(trend.columns) >= 8:
        years = [c for c in trend.columns[4:-3] if c.isdigit()]
        for council_rec in _records(trend[trend["Enhet"] == COUNCIL]):
            ind = _indicator(m, council_rec["ID"])
            measure = ind.measure if ind else Measure.NUMBER
            shown = [f"{y}: {fmt_measure(float(v), measure)}" for y in years if (v := str(council_rec[y]).strip()) and _is_number(v)]
            earlier[council_rec["ID"]] = (council_rec["Utgångsvärde"], "; ".join(shown), council_rec["Trend"])
    return earlier


def _indicator_table(m: Model, inds: pd.DataFrame, own: dict[str, list[tuple[str, float]]],
                     earlier: dict[str, tuple[str, str, str]], suggestions: bool = True, checks: _Checks | None = None) -> Table:
    """Indicators with baseline, target, outcome and the assessment by the target; with a history (``earlier``:
    :func:`_earlier_years`), the previous years and the trend arrow. ``own``: :func:`_unit_outcomes`. Columns
    empty on every row are left out."""
    from .kfbook import SUGGESTION_HEADING, _records

    body, colours = [], {}
    for i, rec in enumerate(_records(inds)):
        ind = _indicator(m, rec["ID"])
        base = ""
        if ind is not None and ind.baseline is not None and ind.baseline.value is not None:
            base = f"{fmt_measure(ind.baseline.value, ind.measure)} ({ind.baseline.year})"
        hist_base, before, arrow = earlier.get(rec["ID"], ("", "", ""))
        base = base or hist_base
        unit_txt = MEASURE_SYMBOL.get(ind.measure, "") if ind else ""
        name = rec["Text"] + (f" ({unit_txt})" if unit_txt and unit_txt not in ("%", "text") else "")
        scale = scale_for_row(m, rec) or (m.scale(m.indicator_scale) if m.indicator_scale else None)
        if scale is None and ind is not None and ind.goal:
            try:
                scale = m.goal_scale(m.goal(ind.goal))
            except KeyError:
                scale = None
        proposal = rec["Förslag"] if suggestions else ""
        outcome = _outcome(m, rec, own.get(rec["ID"], []), ind, checks)
        body.append([name, base or "–", rec["Målvärde"] or "–", before or "–", f"{outcome}\n{arrow}" if arrow else outcome,
                     _marked(scale, proposal) if proposal else "–"])
        if proposal and scale is not None and (colour := scale.colour_of(proposal)):
            colours[(i, 5)] = colour
    return Table(["Indikator", "Utgångsvärde", "Målvärde", "Tidigare år", "Utfall och trend" if earlier else "Utfall",
                  SUGGESTION_HEADING], body, [46, 24, 24, 24, 20, 22], colours)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _analyses(m: Model, rows_area: pd.DataFrame, units: pd.DataFrame) -> Iterator[Part]:
    """Each row's analyses by the units that wrote a comment or actions: the row's text in bold, one bullet per unit."""
    said = units[units["ID"].isin(rows_area["ID"]) & ((units["Kommentar"] != "") | (units["Åtgärder"] != ""))]
    own: dict[tuple[str, str], list[tuple[str, str, str]]] = {}  # (ID, Typ) -> the units' analyses, in the order of Data
    for rid, kind, unit, name, comment, actions in zip(*(said[c].tolist() for c in (
            "ID", "Typ", "Enhet", "Enhetsnamn", "Kommentar", "Åtgärder")), strict=True):
        own.setdefault((str(rid), str(kind)), []).append((name or unit, comment or "", actions))
    if not own:
        return
    rows = [(m.shown_under_area(rid, text) if kind != KIND_INDICATOR else text, mine)
            for rid, kind, text in zip(rows_area["ID"], rows_area["Typ"], rows_area["Text"], strict=True)
            if (mine := own.get((rid, kind)))]
    if rows:
        yield Heading("Nämndernas analyser", 3)
        yield Analyses(rows)


class _Xml:
    """Paragraphs written as WordprocessingML text and parsed once into the body, before its section properties:
    the same elements (and bytes) as ``add_paragraph(style=…)`` and ``add_run(text)`` with ``.bold`` / ``.italic``,
    without python-docx's costs per paragraph and run. :meth:`close` puts them in."""

    def __init__(self, doc: Any):
        self.body = _Body.of(doc)
        self.parts: list[str] = []

    def paragraph(self, style: str | None, runs: list[tuple[str, bool, bool]]) -> None:
        """A paragraph of ``style`` (when the document has it) with ``runs``: (text, bold, italic)."""
        out = self.parts
        out.append("<w:p>")
        sid = self.body.style_id(style) if style is not None else None
        if sid is not None:
            out.append(f'<w:pPr><w:pStyle w:val="{_attr(sid)}"/></w:pPr>')
        for text, bold, italic in runs:
            out.append("<w:r>")
            if bold or italic:
                out.append("<w:rPr>" + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + "</w:rPr>")
            if text:
                out.append(_run_text(text))
            out.append("</w:r>")
        out.append("</w:p>")

    def close(self) -> None:
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        if not self.parts:
            return
        parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self.parts)}</w:body>")
        self.parts = []
        for p in list(parsed):
            self.body.put(p)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


_BREAKS = re.compile(r"([\t\r\n])")


def _run_text(text: str) -> str:
    """A run's text as python-docx writes it: ``w:t`` (``xml:space="preserve"`` when it begins or ends with white
    space), a tab as ``w:tab`` and a line break (\\n or \\r) as ``w:br``."""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        pre = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
        return f"<w:t{pre}>{_escape(text)}</w:t>"
    out = []
    for piece in _BREAKS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            out.append(_run_text(piece))
    return "".join(out)


class _Body:
    """Appends paragraphs and runs to a document's body as python-docx does, byte for byte, without its costs per
    paragraph: ``add_paragraph(style=…)`` looks the style up by name among all styles, each append searches the
    body for its section properties, and each property of a run searches its children for its place; here the
    first two are found once and the elements are made in the schema's order."""

    def __init__(self, doc: Any):
        from docx.enum.style import WD_STYLE_TYPE
        from docx.oxml import OxmlElement

        self.new, self.paragraph_style = OxmlElement, WD_STYLE_TYPE.PARAGRAPH
        self.doc = doc
        self.element = doc.element.body
        self.end = self.element.find(_W + "sectPr")  # paragraphs go before it, as python-docx puts them
        self.style_ids: dict[str, str | None] = {}

    def style_id(self, style: str) -> str | None:
        """The id of the paragraph style named ``style``; None when the document (a municipality's template) lacks
        it, and the paragraph stays plain."""
        if style not in self.style_ids:
            found = _style(self.doc, style)
            self.style_ids[style] = self.doc.part.get_style_id(found, self.paragraph_style) if found is not None else None
        return self.style_ids[style]

    def put(self, block: Any) -> None:
        """A paragraph (or table) at the end of the body, before its section properties."""
        if self.end is not None:
            self.end.addprevious(block)
        else:
            self.element.append(block)

    @classmethod
    def of(cls, doc: Any) -> _Body:
        """The document's own, made once: its style ids found once for the whole chapter."""
        body = doc.__dict__.get("_malbok_body")
        if body is None:
            body = doc.__dict__["_malbok_body"] = cls(doc)
        return body

    def paragraph(self, style: str | None = None) -> Any:
        p = self.new("w:p")
        if style is not None and (sid := self.style_id(style)) is not None:
            _sub(_sub(p, "pPr"), "pStyle").set(_W_VAL, sid)
        self.put(p)
        return p

    def run(self, p: Any, text: str, bold: bool = False, italic: bool = False) -> None:
        """``paragraph.add_run(text)`` (then ``.bold`` / ``.italic = True``)."""
        _run(p, text, bold, italic)


# --------------------------------------------------------------------------- the plan round's Word chapter


def budget_parts(book: KfBook) -> Iterator[Part]:
    """The plan round's chapter (Verksamhetsplaner och budget) as parts, from a Budget workbook read back: per council
    goal the units' goals and activities; the budget per unit."""
    from .plan import ACTIVITY_LEVEL, KIND_UNIT_GOAL, nested_text, plan_level, total_words, unit_name

    m, year = book.model, book.year
    data = book.data
    yield Heading(f"Verksamhetsplaner och budget {year}", 1)
    plans = [p for p in m.plans if p.year == year]
    yield Para(f"Sammanställningen bygger på verksamhetsplaner från {counted(len(plans), 'nämnd eller bolag', 'nämnder och bolag')}"
               + (f" ({', '.join(unit_name(m, p.unit) for p in plans)})" if plans else "") + ". Belopp i tusen kronor (tkr).")
    if m.vision.title:
        yield Heading("Vision", 2)
        yield Para(m.vision.title, bold=True)
    for area in m.areas:
        goals = [g for g in m.goals if g.area == area.id and g.level not in (plan_level(m).id, ACTIVITY_LEVEL)]
        if not goals:
            continue
        yield Heading(area.name, 2)
        yield Lines(area.text)
        for g in goals:
            yield Heading(f"{m.level(g.level).name}: {g.text}", 3)
            rows = data[(data["Fullmäktiges mål"] == g.id) & (data["Typ"] != "Budget")]
            if rows.empty:
                yield Para("Inga nämndmål eller aktiviteter under målet.")
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
            yield Table(["Nämnd/bolag", "Typ", "Mål / aktivitet"], body, [30, 24, 106])
    unlinked = data[(data["Typ"] == KIND_UNIT_GOAL) & (data["Fullmäktiges mål"] == "")]
    if not unlinked.empty:
        yield Heading("Nämndmål utan koppling till fullmäktiges mål", 2)
        yield Para("Dessa mål behöver kopplas till ett av fullmäktiges mål innan de kan följas upp.")
        yield Table(["Enhet", "Typ", "Mål"], [[r.Enhet, r.Typ, r.Text] for r in unlinked.itertuples(index=False)], [22, 26, 112])
    yield Heading("Budget per nämnd och bolag", 2)
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
    yield Table(["Nämnd/bolag", "Verksamhet", "Belopp (tkr)"], body, [50, 80, 30], colours)


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
    if isinstance(kf, KfBook):
        data = kf.data.copy()  # not the book's own table
    else:
        from .kfread import read_data

        data = read_data(kf)  # the Data table alone: the styrmodell and the other tables are not needed
    write_tidy(data, csv, parquet)
    return data
