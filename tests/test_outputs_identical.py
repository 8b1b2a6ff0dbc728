"""Issue 23: the faster writers give the same bytes.

Two kinds of checks. The whole round run twice from the same inputs (a freshly
loaded model the second time, so nothing cached carries over) gives the same
KF.xlsx, Word chapter, CSV and unit workbooks, byte for byte. And each shortcut
the writers take is compared with the plain library call it replaces, in the
same test run: python-docx's ``add_paragraph``/``add_run`` for the analyses'
paragraphs, XlsxWriter's ``add_table(data=…)`` for the tables' cells, pandas'
``to_dict``/``itertuples`` for the rows of ``Data``. (When a sheet's content
changes on purpose, these still hold; a checksum constant would not.)
"""

from __future__ import annotations

import io
import math
import shutil
import zipfile
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from malbok import consolidate, export, generate, load_model, report
from malbok.filler import fill_workbook
from malbok.kfbook import _cells, _records, _table_cells, _xl
from malbok.periods import parse_period
from malbok.reports import _Body
from malbok.workbook import FIXED_DATE

from .conftest import TEMPLATES

PERIOD = "2016-delar"


def _outputs(tmp: Path, returns: Path, name: str) -> dict[str, bytes]:
    """KF.xlsx, the Word chapter, the CSV and the unit workbooks, from a freshly loaded model."""
    model = load_model(TEMPLATES / "hallsberg.yaml")
    out = tmp / name
    books = {g.path.name: g.path.read_bytes() for g in generate(model, PERIOD, out / "arbetsbocker") if g.path}
    consolidate(model, [returns], PERIOD, out=out / "KF.xlsx")
    report(out / "KF.xlsx", out / "Maluppfyllelse.docx")
    export(out / "KF.xlsx", csv=out / "data.csv")
    return {**books, **{f: (out / f).read_bytes() for f in ("KF.xlsx", "Maluppfyllelse.docx", "data.csv")}}


def test_whole_round_gives_the_same_bytes_twice(tmp_path):
    model = load_model(TEMPLATES / "hallsberg.yaml")
    p = parse_period(model, PERIOD)
    returns = tmp_path / "inlamnade"
    for g in generate(model, PERIOD, returns):
        if g.path:
            fill_workbook(g.path, model, p, g.unit)
    first = _outputs(tmp_path, returns, "först")
    shutil.rmtree(tmp_path / "först")
    second = _outputs(tmp_path, returns, "sedan")
    assert sorted(first) == sorted(second) and len(first) > 4
    for name in first:
        assert first[name] == second[name], name


def test_body_writes_the_paragraphs_python_docx_writes():
    texts = ["Mål 1: ökad trygghet", " inledande mellanslag", "rad ett\nrad två\tflik", "", "slutar med mellanslag "]
    plain, fast = docx.Document(), docx.Document()
    for text in texts:
        plain.add_paragraph().add_run(text).bold = True
        para = plain.add_paragraph(style="List Bullet")
        para.add_run(f"{text}: ").italic = True
        para.add_run(text)
        plain.add_table(rows=1, cols=1)  # the body grows in between, as in the chapter
    body = _Body(fast)
    for text in texts:
        body.run(body.paragraph(), text, bold=True)
        para = body.paragraph("List Bullet")
        body.run(para, f"{text}: ", italic=True)
        body.run(para, text)
        fast.add_table(rows=1, cols=1)
    assert fast.element.body.xml == plain.element.body.xml


def _book(fill: object) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True, "strings_to_numbers": False,
                                   "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": FIXED_DATE})
    ws = wb.add_worksheet("Data")
    fill(ws)  # type: ignore[operator]
    wb.close()
    with zipfile.ZipFile(buf) as z:  # the parts, not the zip's own timestamps
        return b"".join(z.read(n) for n in sorted(z.namelist()))


def test_table_cells_are_what_add_table_data_writes():
    rows = [["Text", "", None, 1.5, 3, np.float64(2.25), np.int64(7), True, math.nan, "=SUMMA(A1)", "http://x.se"],
            ["Ännu en", "b", "c", -0.0, 0, np.float64("nan"), np.int64(0), False, "", "-5 %", " "]]
    header = [f"K{i}" for i in range(len(rows[0]))]
    options = {"name": "malbok_Data", "style": "Table Style Medium 2", "autofilter": True, "columns": [{"header": h} for h in header]}

    def with_data(ws) -> None:  # noqa: ANN001
        ws.add_table(3, 0, 3 + len(rows), len(header) - 1, {**options, "data": [[_xl(v) for v in row] for row in rows]})

    def by_cells(ws) -> None:  # noqa: ANN001
        ws.add_table(3, 0, 3 + len(rows), len(header) - 1, options)
        _table_cells(ws, 4, rows)

    assert _book(by_cells) == _book(with_data)


def test_rows_of_a_frame_are_what_pandas_gives():
    frame = pd.DataFrame({"ID": ["a", "b", "c"], "Utfall": [1.5, math.nan, 3.0], "Typ": pd.array(["x", None, "z"], dtype="str"),
                          "Antal": [1, 2, 3], "Övrigt": [None, "y", 2]})
    def same(a: object, b: object) -> bool:  # NaN is NaN
        return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))

    ours, theirs = _records(frame), frame.to_dict("records")
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert list(a) == list(b) and all(same(a[k], b[k]) and type(a[k]) is type(b[k]) for k in a)
    expected = [["" if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in r] for r in frame.itertuples(index=False)]
    assert _cells(frame) == expected


def test_extract_text_is_the_plain_json_of_the_extract(hallsberg, hallefors, soderhamn):
    import json

    for model in (hallsberg, hallefors, soderhamn):
        for unit in model.units:
            extract = model.for_unit(unit.code, keep=False)
            assert extract.json_text() == json.dumps(extract.to_data(), ensure_ascii=False), (model.id, unit.code)


def test_neutralised_columns_are_what_neutralise_gives():
    from malbok.reports import neutralise, neutralised

    texts = ["=SUMMA(A1)", "+46", "-5 %", "@x", "\tflik", "\rcr", "vanlig", "", "a=b", "'redan"]
    frame = pd.DataFrame({"Text": pd.array(texts, dtype="str"), "Med saknade": pd.array([None, "=1", *texts[2:]], dtype="str"),
                          "Blandat": pd.Series([1, "=x", None, "-", 2.5, "y", "", "z", "w", "v"], dtype=object),
                          "Utfall": [1.0, math.nan, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]})
    expected = frame.copy()
    for col in ("Text", "Med saknade", "Blandat"):
        expected[col] = expected[col].map(neutralise)
    ours = neutralised(frame)
    pd.testing.assert_frame_equal(ours, expected)
    assert ours.to_csv(sep=";", decimal=",", index=False) == expected.to_csv(sep=";", decimal=",", index=False)


def _sheet_cells(path: Path) -> dict[str, list[tuple[str, object, str, str | None, bool]]]:
    """Per sheet every cell that has a value or a style: coordinate, value (a text only as 'text': openpyxl
    leaves an inline string's _xHHHH_ escapes as they are; calamine, compared beside, reads the texts), number
    format, fill and bold."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.has_style:
                    fill = c.fill.fgColor.rgb if c.fill and c.fill.fill_type == "solid" else None
                    value = "text" if isinstance(c.value, str) else c.value
                    cells.append((c.coordinate, value, c.number_format, fill, bool(c.font and c.font.b)))
        out[ws.title] = cells
    return out


def _layout(path: Path) -> dict[str, tuple]:
    """Per sheet its tables (name, range, header), merged ranges, frozen panes, row heights, print titles, state."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        tables = sorted((t.name, t.ref, tuple(c.name for c in t.tableColumns)) for t in ws.tables.values())
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        out[ws.title] = (tables, sorted(str(m) for m in ws.merged_cells.ranges), ws.freeze_panes, heights,
                         ws.print_title_rows, ws.sheet_state, len(ws._charts))
    return out


# texts a nämnd can type that XlsxWriter escapes or treats on its own: XML's special characters, control
# characters and a literal _xHHHH_, spaces at the ends, and ones that look like rich-text XML
TRICKY = ["<r>Hej & välkommen</r>", "<r><t>inget XML</t></r>", " <r>med mellanslag</r>", "A & B < C > D",
          "flik\tmitt i och _x0041_ bokstavligt", "  inledande och avslutande  ", "rad ett\nrad två\n", "\x01styrtecken",
          "'=SUMMA(A1)", "\ufffe icke-tecken"]


@pytest.fixture(scope="module")
def tricky_round(tmp_path_factory):
    """A consolidated Hallsberg round whose units' comments and actions hold :data:`TRICKY`."""
    model = load_model(TEMPLATES / "hallsberg.yaml")
    p = parse_period(model, PERIOD)
    returns = tmp_path_factory.mktemp("knepiga") / "inlamnade"
    for g in generate(model, PERIOD, returns):
        if g.path:
            fill_workbook(g.path, model, p, g.unit)
    cons = consolidate(model, [returns], PERIOD)
    units = cons.data.index[cons.data["Sammanställning"] == "enhet"]
    for k, text in enumerate(TRICKY):
        cons.data.at[units[k], "Kommentar"] = text
        cons.data.at[units[-1 - k], "Åtgärder"] = text
    cons.data.at[units[len(TRICKY)], "Kommentar"] = "En lång analys." + " Och mer & mer." * 3000  # longer than a cell: kept whole aside
    return cons


def test_streamed_kf_has_the_cells_of_the_kept_one(tricky_round, tmp_path):
    """KF.xlsx streamed row by row (inline strings) holds what the one kept in memory (shared strings) holds:
    every cell's value, number format, fill and boldness, the tables and their ranges, merges, frozen panes,
    row heights; calamine, openpyxl and malbok's own reader read it. A comment that looks like rich-text XML
    stays a text (XlsxWriter alone would copy it into the file as XML, in either form, and break the file)."""
    from python_calamine import CalamineWorkbook

    from malbok.kfbook import write_kf
    from malbok.kfread import read_data, read_kf

    cons = tricky_round
    streamed, kept = write_kf(cons, tmp_path / "KF.xlsx"), write_kf(cons, tmp_path / "KF-minne.xlsx", stream=False)
    names = CalamineWorkbook.from_path(str(streamed)).sheet_names
    with zipfile.ZipFile(streamed) as z:
        data_xml = z.read(f"xl/worksheets/sheet{1 + names.index('Data')}.xml")
    assert b't="inlineStr"' in data_xml and b't="s"' not in data_xml  # the streamed form, not the kept one again
    assert _sheet_cells(streamed) == _sheet_cells(kept)
    assert _layout(streamed) == _layout(kept)
    a, b = CalamineWorkbook.from_path(str(streamed)), CalamineWorkbook.from_path(str(kept))
    assert a.sheet_names == b.sheet_names == names
    for name in names:
        assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), name
    ours, theirs = read_kf(streamed), read_kf(kept)
    assert ours.tables.keys() == theirs.tables.keys()
    for key in theirs.tables:
        pd.testing.assert_frame_equal(ours.tables[key], theirs.tables[key])
    pd.testing.assert_frame_equal(read_data(streamed), ours.data)  # the export's read: Data alone, the same table
    for col in ("Kommentar", "Åtgärder"):  # as typed (trimmed), the ones that look like rich-text XML too
        typed = [v.strip() for v in cons.data[col].tolist()]
        assert sum(a != b for a, b in zip(ours.data[col], typed, strict=True)) == 1  # U+FFFE: as _xFFFE_ either way
        assert {t.strip() for t in TRICKY if "\ufffe" not in t} <= set(ours.data[col])


def test_rows_written_at_once_are_what_xlsxwriter_writes(tricky_round, tmp_path, monkeypatch):
    """The streamed sheets' rows, written straight into the sheet's XML, are byte for byte what XlsxWriter's
    own cell-by-cell calls write."""
    from malbok.kfbook import StreamedSheet, write_kf

    at_once = write_kf(tricky_round, tmp_path / "KF.xlsx")
    monkeypatch.setattr(StreamedSheet, "at_once", False)
    by_cell = write_kf(tricky_round, tmp_path / "KF-cell.xlsx")
    with zipfile.ZipFile(at_once) as a, zipfile.ZipFile(by_cell) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
