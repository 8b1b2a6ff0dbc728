"""Issue 21: the workbooks print legibly on A4 and show their texts whole; tables start at A1.

The unit workbook, KF.xlsx and Budget.xlsx are rendered to PDF by LibreOffice; the sizes of the
printed words come from ``pdftotext -bbox``, the row heights from the sheets' own XML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from malbok import api, load_model
from malbok.kfread import read_kf
from malbok.targets import suggest_indicator
from malbok.workbook import indicator_texts, plan_workbook, write_workbook
from malbok.xlstyle import chars_per_line, row_height, text_lines

from .conftest import TEMPLATES, lo_convert
from .helpers import type_in

# A nämnd's analysis as it is written: three sentences, more than three lines of the Kommentar column.
ANALYSIS = ("Resultatet för perioden är lägre än budgeterat, främst på grund av ökade kostnader för försörjningsstöd "
            "och placeringar inom individ- och familjeomsorgen. Intäkterna från statsbidrag blev samtidigt högre än "
            "väntat. Nämnden har beslutat om åtgärder som ger full effekt under andra halvåret, bland annat "
            "en översyn av bemanningen och nya ramavtal för externa placeringar.")

# pdftotext's box of a word is the font's ascent to descent: 1,30 times the font size for Carlito
CARLITO_BOX = 1.30


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("print")
    res = api.demo(d / "demo")
    ks = next(p for p in res.returned if p.name.endswith("_KS.xlsx"))
    type_in(ks, [("Hållbar kommun", "HK2", "Kommentar", ANALYSIS)])  # reaches KF.xlsx
    # the unit workbook as malbok writes it, with last period's answers filled in
    model = load_model(TEMPLATES / "hallsberg.yaml")
    unit_book = write_workbook(plan_workbook(model, res.period, "KS"), d / "KS.xlsx", prefill={
        ("Indikator", "HK2"): {"outcome": 65.1, "assessment": "Uppfyllt", "comment": ANALYSIS, "actions": "Fortsatt arbete enligt plan."}})
    kf = d / "KF.xlsx"
    api.consolidate(TEMPLATES / "hallsberg.yaml", d / "demo" / "inlamnade", res.period.id, out=kf,
                    history=d / "historik.sqlite")  # never beside the bundled model in the repository
    # Budget.xlsx from Söderhamn's plan round, one budget typed
    api.generate(TEMPLATES / "soderhamn.yaml", None, d / "plan", round="plan", year=2014)
    ksplan = next((d / "plan").glob("*_KS.xlsx"))
    wb = openpyxl.load_workbook(ksplan)
    ws = wb["Budget"]
    hdr = next(r for r in range(1, 12) if ws.cell(r, 1).value == "Verksamhet")
    ws.cell(hdr + 1, 3).value = 1545000
    wb.save(ksplan)
    budget = d / "Budget.xlsx"
    api.consolidate(TEMPLATES / "soderhamn.yaml", d / "plan", None, out=budget, round="plan", year=2014)
    books = {"arbetsbok": unit_book, "kf": kf, "budget": budget}
    pdfs = lo_convert(list(books.values()), d / "pdf", "pdf")
    return {**books, **{f"{k}.pdf": p for k, p in zip(books, pdfs, strict=True)}}


def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, every word with its box (x0, y0, x1, y1)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(e), w) for a, b, c, e, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages


@pytest.mark.parametrize("book", ["arbetsbok", "kf", "budget"])
def test_printed_text_is_at_least_8_pt_with_header_and_footer(printed: dict[str, Path], book: str) -> None:
    pdf = printed[f"{book}.pdf"]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    if "Carlito" not in fonts:
        pytest.fail("LibreOffice visar inte Calibri som Carlito; .ci/run installerar fonts-crosextra-carlito")
    pages = _words(pdf)
    assert len(pages) >= 2
    sizes = [(y1 - y0) / CARLITO_BOX for page in pages for _x0, y0, _x1, y1, _w in page]
    assert min(sizes) >= 7.95, f"den minsta texten är {min(sizes):.1f} pt"
    kommun = "Hallsbergs" if book != "budget" else "Söderhamns"
    for n, page in enumerate(pages, start=1):
        text = " ".join(w for *_box, w in page)
        assert f"Sida {n} av {len(pages)}" in text  # the footer on every page
        assert kommun in text.split("Sida")[0][:200] or kommun in text  # the header names the kommun
        top = min(y0 for _x0, y0, _x1, _y1, _w in page)
        assert any(w.startswith(kommun[:6]) and y0 <= top + 1 for _x0, y0, _x1, _y1, w in page)  # at the top of the page


def test_unit_sheet_prints_two_pages_across_with_id_and_name_on_both(printed: dict[str, Path]) -> None:
    pages = [" ".join(w for *_b, w in p) for p in _words(printed["arbetsbok.pdf"])]
    area = [p for p in pages if "Hållbar kommun" in p and "HK1" in p]
    assert len(area) == 2  # the targets and outcomes, then the assessments and texts
    assert "Utfall" in area[0] and "Kommentar" not in area[0]
    assert "Kommentar" in area[1] and "Ekonomiskt resultat" in area[1]  # ID and name repeated
    assert not any(w in " ".join(pages) for w in ("Fil ", "Cell "))


def test_long_analysis_prints_whole_in_kf(printed: dict[str, Path]) -> None:
    """The KF area sheet's rows are as tall as their texts: every word of a long analysis is on paper."""
    pages = [" ".join(w for *_b, w in p) for p in _words(printed["kf.pdf"])]
    text = " ".join(pages)
    for word in ANALYSIS.replace(",", " ").replace(".", " ").split():
        assert word in text, word
    area = [p for p in pages if "Skäl för förslaget" in p or "Målvärde" in p and "Förslag" in p]
    assert area
    for p in area:  # the area sheets' technical columns do not print
        assert "Fil" not in p.split() and "Cell" not in p.split()


def _sheet_rows(book: Path) -> list[tuple[str, int, float | None, list[tuple[str, float, float, bool]]]]:
    """Every row of every visible sheet holding wrapped text: (sheet, row, height, [(text, column width, font size, bold)])."""
    wb = openpyxl.load_workbook(book)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        widths: dict[str, float] = {}
        for d in ws.column_dimensions.values():  # a <col> may stand for several columns
            for c in range(d.min or 1, (d.max or d.min or 1) + 1):
                widths[get_column_letter(c)] = 0 if d.hidden else d.width
        merged = {(m.min_row, m.min_col): sum(widths.get(get_column_letter(c), 8.43) for c in range(m.min_col, m.max_col + 1))
                  for m in ws.merged_cells.ranges}  # a merged cell is as wide as its columns
        for row in ws.iter_rows():
            cells = [(str(c.value), merged.get((c.row, c.column), widths.get(c.column_letter, 8.43)), float(c.font.sz or 11),
                      bool(c.font.b)) for c in row if isinstance(c.value, str) and c.value and c.alignment.wrap_text]
            if cells:
                out.append((ws.title, row[0].row, ws.row_dimensions[row[0].row].height, cells))
    return out


@pytest.mark.parametrize("book", ["arbetsbok", "kf", "budget"])
def test_no_wrapped_text_is_taller_than_its_row(printed: dict[str, Path], book: str) -> None:
    rows = _sheet_rows(printed[book])
    assert rows
    for sheet, r, height, cells in rows:
        for text, width, size, bold in cells:
            if not width:
                continue
            lines = text_lines(text, width, size, bold)
            # a row without its own height would be as tall as one line in Excel
            assert height is not None or lines == 1, (sheet, r, text[:40])
            if height is not None:
                assert height >= row_height(lines, size) - 0.5, (sheet, r, height, lines, text[:40])


def test_input_rows_grow_with_what_is_typed(printed: dict[str, Path]) -> None:
    """The rows a unit types in carry their height without Excel's 'custom height' flag, so they grow
    when a longer text is typed; the analysis written into one prints whole."""
    with zipfile.ZipFile(printed["arbetsbok"]) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet2"))
        rows = re.findall(r"<row [^>]*>", z.read(sheet).decode())
    data = [r for r in rows if 'r="1"' not in r and 'ht="' in r]
    assert data and sum("customHeight" not in r for r in data) >= 3
    text = " ".join(" ".join(w for *_b, w in p) for p in _words(printed["arbetsbok.pdf"]))
    for word in ANALYSIS.replace(",", " ").replace(".", " ").split():
        assert word in text, word


def test_line_estimate_is_conservative() -> None:
    assert chars_per_line(36) < 36 * 1.15  # Calibri 10 pt holds about 1,2 characters a width unit
    assert text_lines("ord " * 30, 36) == 4
    assert text_lines("a\nb\nc", 36) == 3


def test_data_is_a_table_from_a1_that_pandas_reads(printed: dict[str, Path]) -> None:
    kf = printed["kf"]
    data = pd.read_excel(engine="calamine", io=kf, sheet_name="Data")
    cols = list(data.columns)
    assert cols[0] == "Period"
    for c in ("Period", "Enhet", "ID", "Typ", "Utfall", "Målvärde", "Bedömning", "Förslag", "Kommentar"):
        assert c in cols
    assert [c for c in ("Period", "Enhet", "ID", "Typ", "Utfall", "Målvärde", "Bedömning", "Förslag", "Kommentar")
            ] == [c for c in cols if c in ("Period", "Enhet", "ID", "Typ", "Utfall", "Målvärde", "Bedömning", "Förslag", "Kommentar")]
    assert len(data) == len(read_kf(kf).data)
    wb = openpyxl.load_workbook(kf)
    assert wb["Data"].tables["malbok_Data"].ref.startswith("A1:")
    for sheet in ("Kontroll", "Enheter"):
        frame = pd.read_excel(engine="calamine", io=kf, sheet_name=sheet)
        assert not any(str(c).startswith("Unnamed") for c in frame.columns), sheet
    budget = pd.read_excel(engine="calamine", io=printed["budget"], sheet_name="Data")
    assert "Belopp (tkr)" in budget.columns and budget.columns[0] == "Enhet"


def test_report_and_export_read_the_previous_layout(printed: dict[str, Path], tmp_path: Path) -> None:
    """A KF.xlsx from before (tables under a title, header on row 4) is still read: municipalities keep last year's."""
    old = tmp_path / "KF-gammal.xlsx"
    shutil.copy(printed["kf"], old)
    wb = openpyxl.load_workbook(old)
    for sheet in ("Data", "Kontroll", "Enheter"):
        ws = wb[sheet]
        ws.tables.clear()
        ws.insert_rows(1, 3)
        ws["A1"] = "Data" if sheet == "Data" else sheet
    wb.save(old)
    assert pd.read_excel(engine="calamine", io=old, sheet_name="Data").columns[0] == "Data"  # as finance saw it before
    new, then = read_kf(printed["kf"]), read_kf(old)
    pd.testing.assert_frame_equal(new.data, then.data)
    assert len(then.tables["Kontroll"]) == len(new.tables["Kontroll"])
    docx = api.report(old, tmp_path / "gammal.docx")
    assert docx.exists()
    api.export(old, csv=tmp_path / "gammal.csv")
    assert pd.read_csv(tmp_path / "gammal.csv").shape[0] == len(new.data)


def test_number_formats_by_unit_of_measure(printed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(printed["kf"])
    ws = wb["Hållbar kommun"]
    head = next(r for r in ws.iter_rows(max_row=10) if r[0].value == "ID")
    col = {c.value: c.column for c in head}
    assert "Måttenhet" in col
    formats: dict[str, set[str]] = {}
    for r in range(head[0].row + 1, ws.max_row + 1):
        unit, value = ws.cell(r, col["Måttenhet"]).value, ws.cell(r, col["Utfall"])
        if unit and isinstance(value.value, int | float):
            formats.setdefault(unit, set()).add(value.number_format)
    assert formats["%"] == {'#,##0.0" %"'} and formats["antal"] == {"#,##0"} and formats["index"] == {"#,##0.0"}
    enheter = wb["Enheter"]
    share = next(c.column for c in enheter[1] if c.value == "Andel ifylld")
    assert enheter.cell(2, share).number_format == "0%"
    budget = openpyxl.load_workbook(printed["budget"])["Budget"]
    amounts = [c for row in budget.iter_rows() for c in row if c.value == 1545000]
    assert amounts and amounts[0].number_format == "#,##0;[Red]-#,##0"


def test_workbooks_have_their_page_setup(printed: dict[str, Path]) -> None:
    for book in ("arbetsbok", "kf", "budget"):
        wb = openpyxl.load_workbook(printed[book])
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            assert ws.page_setup.paperSize == 9 and int(ws.page_setup.scale or 100) >= 80, (book, ws.title)
            assert ws.oddFooter.right.text and "Sida &P av &N" in ws.oddFooter.right.text, (book, ws.title)
            assert ws.oddHeader.left.text and "kommun" in ws.oddHeader.left.text, (book, ws.title)
            assert ws.oddHeader.right.text, (book, ws.title)  # the period (or the plan's year)


def test_workbook_shows_the_target_that_applies_and_the_suggestion_judges_exactly_that(tmp_path: Path) -> None:
    """Hallsberg's HK1: 'senast 2017 uppgå till 1,6 %' applies in 2016, 'på längre sikt 2 %' is the final
    target; the suggestion for 1,8 % is made against the 1,6 % the workbook shows, not against the 2 %."""
    model = TEMPLATES / "hallsberg.yaml"
    store = tmp_path / "historik.sqlite"  # never beside the bundled model
    books = {g.unit: g.path for g in api.generate(model, "2016-delar", tmp_path / "ut", history=store) if g.path}
    ws = openpyxl.load_workbook(books["KS"])["Hållbar kommun"]
    head = next(r for r in ws.iter_rows(max_row=10) if r[0].value == "ID")
    col = {c.value: c.column for c in head}
    row = next(r[0].row for r in ws.iter_rows(min_row=head[0].row + 1) if r[0].value == "HK1")
    now, final = ws.cell(row, col["Målvärde som gäller nu"]).value, ws.cell(row, col["Slutligt målvärde"]).value
    assert "1,6 %" in now and "2017" in now and "2 %" not in now
    assert "2 %" in final and not ws.column_dimensions[get_column_letter(col["Slutligt målvärde"])].hidden
    type_in(books["KS"], [("Hållbar kommun", "HK1", "Utfall", 1.8)])
    cons = api.consolidate(model, tmp_path / "ut", "2016-delar", history=store)
    rec = cons.data[(cons.data["ID"] == "HK1") & (cons.data["Enhet"] == "KS")].iloc[0]
    assert rec["Målvärde"] == now  # Data shows the same target
    assert rec["Förslag"] == "Uppfyllt" and "1,6" in rec["Förslagsskäl"] and "2" not in rec["Förslagsskäl"].replace("1,6", "")
    # once 2017 has passed, the long-term 2 % is what applies, and is judged
    hk1 = next(i for i in load_model(model).indicators if i.id == "HK1")
    texts = indicator_texts(hk1, 2018)
    assert "2 %" in texts["target_now"] and texts["target_final"] == ""
    assert suggest_indicator(hk1, 1.8, 2018, 2018.67).meaning.value == "ej_uppfyllt"


def test_a_sheet_that_fits_one_page_width_prints_on_one_page(printed: dict[str, Path]) -> None:
    """KF.xlsx's Enheter fits one A4 width at its scale: LibreOffice prints it on one page, not one and a blank."""
    pages = [" ".join(w for *_b, w in p) for p in _words(printed["kf.pdf"])]
    enheter = [p for p in pages if "Inlämnade arbetsböcker" in p]
    assert len(enheter) == 1 and "Varningar" in enheter[0] and "Kommunstyrelsen" in enheter[0]


def test_the_instructions_print_one_page_wide(printed: dict[str, Path], tmp_path: Path) -> None:
    """The Instruktioner sheet of a unit workbook and of a plan workbook prints its labels and their texts on the
    same page (it printed column A on one page and the texts on the next)."""
    plan = next((printed["budget"].parent / "plan").glob("*_KS.xlsx"))
    (pdf,) = lo_convert([plan], tmp_path / "plan-pdf", "pdf")
    for book, kommun in ((printed["arbetsbok.pdf"], "Hallsbergs"), (pdf, "Söderhamns")):
        first = " ".join(w for *_b, w in _words(book)[0])
        assert "Kommun" in first and "kommunkod" in first and "Så fyller du i" in first and "1." in first, (book, first[:300])
        assert f"{kommun} kommun –" in first  # the title whole on the page


@pytest.mark.parametrize("book", ["kf", "budget"])
def test_kontroll_prints_each_message_beside_its_file(printed: dict[str, Path], book: str) -> None:
    """Kontroll is too wide for one page at 8 pt: the page across that carries Meddelande repeats Allvar and Fil,
    so a printed message says which file it is about (it used to stand alone on its page)."""
    pages = [" ".join(w for *_b, w in p) for p in _words(printed[f"{book}.pdf"])]
    with_message = [p for p in pages if "Meddelande" in p]
    assert with_message
    for page in with_message:
        assert "Allvar" in page and " Fil " in f" {page} " and "Rubrik" not in page
