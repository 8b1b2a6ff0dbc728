"""Issue 6: the Word chapter and the tidy export, for the Hallsberg and Hällefors round trips."""

from __future__ import annotations

import re
import subprocess

import docx
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn
from typer.testing import CliRunner

from malbok import consolidate, export, generate, report
from malbok.cli import app
from malbok.filler import fill_workbook
from malbok.kfread import read_kf
from malbok.periods import parse_period
from malbok.reports import fmt_measure, neutralise, swedish_date
from malbok.util import InputError

from .conftest import TEMPLATES, lo_convert
from .helpers import find

runner = CliRunner()

ROUNDS = {"hallsberg": "2016-delar", "hallefors": "2011-maj"}


def _round(tmp, model, period, nasty: tuple[str, str, str] | None = None):
    p = parse_period(model, period)
    books = {g.unit: g.path for g in generate(model, period, tmp / "in") if g.path}
    for unit, path in books.items():
        fill_workbook(path, model, p, unit)
    if nasty:  # texts a spreadsheet would run as formulas (typed in Excel after an apostrophe)
        unit, sheet, rid = nasty
        wb = openpyxl.load_workbook(books[unit])
        for header, text in (("Kommentar", "=SUMMA(A1:A3) ska inte räknas"), ("Åtgärder", "-5 % jämfört med i fjol")):
            cell = wb[sheet][find(wb[sheet], rid, header)]
            cell.value = text
            cell.data_type = "s"
        wb.save(books[unit])
    kf = tmp / "KF.xlsx"
    cons = consolidate(model, [tmp / "in"], period, out=kf)
    return kf, cons


@pytest.fixture(scope="module", params=sorted(ROUNDS))
def kf_round(request, tmp_path_factory, hallsberg, hallefors):
    model = {"hallsberg": hallsberg, "hallefors": hallefors}[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    nasty = ("BIN", "Hållbar kommun", "HK6") if request.param == "hallsberg" else None
    kf, cons = _round(tmp, model, ROUNDS[request.param], nasty)
    docx_path = report(kf, tmp / "Maluppfyllelse.docx")
    return model, kf, cons, docx_path, tmp


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("\u00ad", "")


def test_pdf_through_libreoffice_contains_every_goal(kf_round):
    model, kf, cons, docx_path, tmp = kf_round
    (pdf,) = lo_convert([docx_path], tmp / "pdf", "pdf")
    assert pdf.stat().st_size > 5000
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and "595.3" in info, info  # A4 portrait
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = _squash(text)
    council = cons.data[cons.data["Sammanställning"] == "kommun"]
    assert len(council) > 10
    for t in council["Text"]:
        assert _squash(t) in flat, t
    assert _squash(model.vision.title) in flat
    for area in model.areas:
        if (council["Område"] == area.name).any():
            assert _squash(area.name) in flat
    assert re.search(r"\d+ av \d+ (mål|indikatorer) är uppfyll", text), "summary sentence"


def test_docx_uses_builtin_styles_and_scale_colours(kf_round):
    model, kf, cons, docx_path, _tmp = kf_round
    d = docx.Document(str(docx_path))
    styles = {p.style.name for p in d.paragraphs}
    assert {"Heading 1", "Heading 2", "Heading 3"} <= styles
    assert all(t.style.name == "Table Grid" for t in d.tables)
    sec = d.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    from malbok.colours import readable

    colours = {readable(lab.colour)[0].lstrip("#"): lab.label for s in model.scales for lab in s.labels}
    shaded = 0
    for t in d.tables:
        header = [c.text for c in t.rows[0].cells]
        if "Bedömning" not in header:
            continue
        col = header.index("Bedömning")
        for row in t.rows[1:]:
            cell = row.cells[col]
            shd = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
            mark, _, label = cell.text.partition("\u00a0")  # a symbol beside every colour: '● Uppfyllt'
            if shd is not None and label in colours.values():
                assert mark and colours.get(shd.get(qn("w:fill"))) == label
                shaded += 1
    assert shaded >= 5
    # the units' analyses are in the chapter
    body = "\n".join(p.text for p in d.paragraphs)
    comments = cons.data.loc[(cons.data["Sammanställning"] == "enhet") & (cons.data["Kommentar"] != ""), "Kommentar"]
    assert len(comments) > 5 and all(c in body for c in comments)


def test_report_is_deterministic(kf_round, tmp_path):
    _m, kf, _c, docx_path, _t = kf_round
    again = report(kf, tmp_path / "igen.docx")
    assert again.read_bytes() == docx_path.read_bytes()


def test_csv_for_swedish_excel_equals_data_sheet(kf_round):
    _m, kf, cons, _d, tmp = kf_round
    csv = tmp / "data.csv"
    parquet = tmp / "data.parquet"
    export(kf, csv=csv, parquet=parquet)
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.splitlines()[0].decode("utf-8-sig").startswith("Period;Enhet;")
    numeric = ("Utfall", "Placering")
    back = pd.read_csv(csv, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False,
                       na_values={c: [""] for c in numeric},
                       dtype={c: str for c in cons.data.columns if c not in numeric})
    sheet = read_kf(kf).data
    expected = sheet.copy()
    for col in expected.columns:
        if not pd.api.types.is_numeric_dtype(expected[col]):
            expected[col] = expected[col].map(neutralise)
    assert (expected["Kommentar"].str.startswith("'=")).sum() == (1 if "HK6" in set(sheet["ID"]) else 0)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    # the Data sheet itself is the consolidation's tidy table
    assert len(sheet) == len(cons.data)
    assert pd.read_parquet(parquet).equals(sheet)
    # decimal comma in the file
    if (sheet["Utfall"] % 1 > 0).any():
        assert re.search(rb";\d+,\d+;", raw)


def test_csv_neutralises_formulas(tmp_path, hallsberg):
    kf, _cons = _round(tmp_path, hallsberg, "2016-delar", ("BIN", "Hållbar kommun", "HK6"))
    csv = tmp_path / "d.csv"
    export(kf, csv=csv)
    text = csv.read_text("utf-8-sig")
    assert "'=SUMMA(A1:A3) ska inte räknas" in text
    assert "'-5 % jämfört med i fjol" in text
    assert ";=SUMMA" not in text and ";-5 %" not in text
    for value in ("=1+1", "+46 70", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(value) == "'" + value
    assert neutralise("Bra resultat") == "Bra resultat" and neutralise(3.5) == 3.5


def test_swedish_formats():
    from datetime import date

    from malbok.model import Measure

    # rounded as KF.xlsx's number format for the measure shows it (malbok.xlstyle), so Word and KF.xlsx agree
    assert fmt_measure(85.5, Measure.PERCENT) == "85,5\u00a0%"
    assert fmt_measure(85, Measure.PERCENT) == "85,0\u00a0%"
    assert fmt_measure(1234.5, Measure.SEK) == "1\u00a0235\u00a0kr"
    assert fmt_measure(45, Measure.RANK) == "plats 45"
    assert fmt_measure(5, Measure.INDEX) == "5,0"
    assert fmt_measure(-3.25, Measure.NUMBER) == "\u22123,3"  # half away from zero, as Excel rounds
    assert swedish_date(date(2016, 8, 31)) == "31 augusti 2016"


def test_report_and_export_refuse_other_files(tmp_path, hallsberg):
    unit_book = next(g.path for g in generate(hallsberg, "2016-delar", tmp_path) if g.path)
    with pytest.raises(InputError, match="inte en sammanställning"):
        report(unit_book, tmp_path / "x.docx")
    junk = tmp_path / "KF.xlsx"
    junk.write_text("inte en arbetsbok")
    with pytest.raises(InputError, match="KF.xlsx: filen är ingen Excel-arbetsbok"):
        export(junk, csv=tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
    res = runner.invoke(app, ["report", str(tmp_path / "saknas.xlsx"), "--docx", str(tmp_path / "r.docx")])
    assert res.exit_code == 1 and "saknas.xlsx: filen finns inte" in res.output
    res = runner.invoke(app, ["report", str(unit_book), "--docx", str(tmp_path / "r.docx")])
    assert res.exit_code == 1 and "Traceback" not in res.output


def test_cli_demo_runs_the_whole_round(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    d = tmp_path / "demo"
    for name in ("KF.xlsx", "Maluppfyllelse.docx", "data.csv"):
        assert (d / name).stat().st_size > 1000
    assert len(list((d / "inlamnade").glob("*.xlsx"))) == len(list((d / "arbetsbocker").glob("*.xlsx"))) >= 3
    assert "Hallsberg" in res.output and "av" in res.output
    res = runner.invoke(app, ["export", str(d / "KF.xlsx"), "--csv", str(d / "igen.csv")])
    assert res.exit_code == 0 and (d / "igen.csv").read_bytes() == (d / "data.csv").read_bytes()
    assert (TEMPLATES / "hallsberg.yaml").exists()


def test_summary_sentence_counts_every_meaning_across_scales(hallefors):
    from malbok.kfbook import kommun_sentence, summary_sentence

    def rows(assessed):
        return pd.DataFrame([{"Typ": "Mål", "ID": gid, "Överordnat": "", "Bedömning": label,
                              "Nivå": "Inriktningsmål" if gid.startswith("IM") else "Resultatmål"} for gid, label in assessed])

    # across levels (the whole kommun) the differently worded scales add up by meaning
    mixed = rows([("IM1.1", "Uppfyllt"), ("RM1.1", "Målet är uppnått"), ("IM1.2", "Delvis uppfyllt"),
                  ("RM1.2", "Målet är inte uppnått"), ("RM1.3", "Ej bedömt"), ("RM1.4", "")])
    assert kommun_sentence(hallefors, mixed, "Tillväxt") == (
        "Tillväxt: 2 av 6 mål är uppfyllda, 1 delvis uppfyllt, 1 ej uppfyllt och 2 ej bedömda.")
    # per area, each level speaks its own scale's labels and its own words
    assert summary_sentence(hallefors, "Tillväxt", mixed) == (
        "Tillväxt: 1 av 2 inriktningsmål – Uppfyllt; 1 – Delvis uppfyllt. "
        "1 av 4 resultatmål – Målet är uppnått; 1 – Målet är inte uppnått; 2 – Ej bedömt.")  # the scale's own word
    # mid-year, nothing reached yet: the sentence still says what is on its way
    mid = rows([("IM1.1", "Delvis uppfyllt"), ("IM1.2", "Delvis uppfyllt"), ("RM1.1", "Målet är delvis uppnått")])
    assert kommun_sentence(hallefors, mid, "Tillväxt") == "Tillväxt: 0 av 3 mål är uppfyllda, 3 delvis uppfyllda."
    one = rows([("IM1.1", "Uppfyllt"), ("IM1.2", "Ej uppfyllt"), ("IM1.3", "Ej uppfyllt")])
    assert kommun_sentence(hallefors, one, "Tillväxt") == "Tillväxt: 1 av 3 mål är uppfyllt, 2 ej uppfyllda."


AWKWARD = ["", "Vanlig text", " inleds med mellanslag", "slutar med mellanslag ", " ", "a\tb", "rad ett\nrad två\r\ntre",
           "\nbörjar med radbrytning", "& < > \" ' – åäö", "Nämnd: ", "\t"]


def _body_xml(doc) -> bytes:
    from lxml import etree

    return etree.tostring(doc.element.body)


@pytest.mark.parametrize("template", [False, True])
def test_the_chapters_own_paragraphs_and_tables_are_python_docx_s_to_the_byte(tmp_path, template):
    """The chapter writes paragraphs, runs and tables on the elements, and the analyses as text parsed once: the same
    XML python-docx's add_heading, add_paragraph(style=…), add_run (bold, italic), add_table, cell.text and run.font write, for
    awkward texts too (white space at either end, tabs, line breaks, characters XML escapes); in a template without
    'List Bullet' the paragraph stays plain, as it does with python-docx (the style is looked for by name)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Mm, Pt, RGBColor

    from malbok.reports import _heading, _Xml, add_table

    def new():
        d = docx.Document()
        if template:  # a municipality's template without the bullet style
            d.styles["List Bullet"].element.getparent().remove(d.styles["List Bullet"].element)
        return d

    ours, theirs = new(), new()
    for level, text in ((1, "Måluppfyllelse – Delårsrapport 2016"), (2, "Vård & omsorg <i>"), (3, " a\tb\nc "), (3, "")):
        _heading(ours, text, level)
        theirs.add_heading(text, level=level)
    writer = _Xml(ours)
    has_bullet = "List Bullet" in [s.name for s in theirs.styles]
    for text in AWKWARD:
        writer.paragraph(None, [(text, True, False)])
        writer.paragraph("List Bullet", [(f"{text}: ", False, True), (text, False, False), (text, True, True)])
        p = theirs.add_paragraph()
        p.add_run(text).bold = True
        p = theirs.add_paragraph(style="List Bullet" if has_bullet else None)
        p.add_run(f"{text}: ").italic = True
        p.add_run(text)
        r = p.add_run(text)
        r.bold = r.italic = True
    writer.close()
    header = ["Indikator", "Utgångsvärde", "Målvärde", "Tidigare år", "Utfall", "Bedömning"]  # six: set in 9 pt
    rows = [[t or "x", t, "80 %", "–", t, "● Uppfyllt"] for t in AWKWARD]
    colours = {(0, 5): "#00B050", (1, 5): "#FF0000", (2, 0): "#1F3864"}
    add_table(ours, header, rows, [46, 24, 24, 24, 20, 22], colours, drop_empty=False)
    # the same table through python-docx's own API, as add_table wrote it before it wrote the elements itself
    from malbok.colours import readable
    from malbok.reports import _BODY_PT, _MM_PER_CHAR, _SMALL_PT, shade, word_safe_widths

    table = theirs.add_table(rows=1 + len(rows), cols=len(header))
    table.style = theirs.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    hdr = table.rows[0]
    from docx.oxml import OxmlElement

    th = OxmlElement("w:tblHeader")
    th.set(qn("w:val"), "true")
    hdr._tr.get_or_add_trPr().append(th)
    for c, text in enumerate(header):
        cell = hdr.cells[c]
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        shade(cell, "#DCE6F1")
        for run in cell.paragraphs[0].runs:
            run.font.size = Pt(_SMALL_PT)
    for r, row in enumerate(rows, start=1):
        cells = table.rows[r].cells
        for c, text in enumerate(row):
            cells[c].text = text
            for run in cells[c].paragraphs[0].runs:
                run.font.size = Pt(_SMALL_PT)
            if (r - 1, c) in colours:
                fill, ink = readable(colours[(r - 1, c)])
                shade(cells[c], fill)
                if ink != "#000000":
                    for run in cells[c].paragraphs[0].runs:
                        run.font.color.rgb = RGBColor.from_string(ink.lstrip("#"))
    widths = word_safe_widths([header, *rows], [46, 24, 24, 24, 20, 22], header=True, per_char=_MM_PER_CHAR * _SMALL_PT / _BODY_PT)
    for c, w in enumerate(widths):
        table.columns[c].width = Mm(w)
        for row in table.rows:
            row.cells[c].width = Mm(w)
    theirs.add_paragraph()
    assert b"<w:tab/>" in _body_xml(ours) and b"<w:br/>" in _body_xml(ours) and b"&amp; &lt; &gt;" in _body_xml(ours)
    assert any(ink != "#000000" for ink in (readable(c)[1] for c in colours.values()))  # a light text colour is written
    assert _body_xml(ours) == _body_xml(theirs)
    ours.save(tmp_path / "ours.docx")
    theirs.save(tmp_path / "theirs.docx")
    assert (tmp_path / "ours.docx").read_bytes() == (tmp_path / "theirs.docx").read_bytes()
