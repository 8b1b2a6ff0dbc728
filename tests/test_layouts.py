"""Issue 17: the consolidations' own tables (KF.xlsx and Budget.xlsx: Data, Enheter, Kontroll, Budget) are written
and read by their one declaration in malbok.layout: the header row, the column widths and the number formats in the
file (read back with openpyxl) are the declared ones, and the reader gives the numeric columns as numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from malbok import api, consolidate, generate, load_model
from malbok.filler import fill_workbook
from malbok.findings import Finding
from malbok.kfread import read_kf
from malbok.layout import (
    BUDGET_DATA,
    BUDGET_LINES,
    BUDGET_UNITS,
    KF_AREA,
    KF_DATA,
    KF_PROGRAMME,
    KF_UNITS,
    KONTROLL,
    SheetLayout,
)
from malbok.periods import parse_period

from .conftest import TEMPLATES
from .test_plan import budget_type_in

PERIOD = "2016-delar"


@pytest.fixture(scope="module")
def books(tmp_path_factory: Any, hallsberg: Any) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("layouts")
    p = parse_period(hallsberg, PERIOD)
    for g in generate(hallsberg, PERIOD, d / "inl", units=["BIN", "KS"]):
        if g.path:
            fill_workbook(g.path, hallsberg, p, g.unit)
    consolidate(hallsberg, [d / "inl"], PERIOD, out=d / "KF.xlsx")
    plans = {b.unit: b.path for b in api.generate(TEMPLATES / "soderhamn.yaml", None, d / "plan", round="plan", year=2014)}
    budget_type_in(plans["KS"], {"Ledning och administration": 60000, "Kultur och fritid": "ca 30000"})
    plans["SNAB"].unlink()
    api.consolidate(TEMPLATES / "soderhamn.yaml", [d / "plan"], None, out=d / "Budget.xlsx", round="plan", year=2014)
    soderhamn = load_model(TEMPLATES / "soderhamn.yaml")  # a model with a handlingsprogram
    period = api.demo_period(soderhamn)
    for g in generate(soderhamn, period, d / "sod"):
        if g.path:
            fill_workbook(g.path, soderhamn, parse_period(soderhamn, period), g.unit)
    consolidate(soderhamn, [d / "sod"], period, out=d / "KF-soderhamn.xlsx")
    return {"kf": d / "KF.xlsx", "budget": d / "Budget.xlsx", "soderhamn": d / "KF-soderhamn.xlsx"}


def _header(ws: Any, layout: SheetLayout) -> int:
    first = layout.columns[0].header
    return next(r for r in range(1, 40) if ws.cell(r, 1).value == first and ws.cell(r, 2).value == layout.columns[1].header)


CASES = [("kf", "Data", KF_DATA), ("kf", "Enheter", KF_UNITS), ("kf", "Kontroll", KONTROLL), ("kf", "Hållbar kommun", KF_AREA),
         ("soderhamn", "Handlingsprogram", KF_PROGRAMME), ("budget", "Data", BUDGET_DATA),
         ("budget", "Enheter", BUDGET_UNITS), ("budget", "Kontroll", KONTROLL), ("budget", "Budget", BUDGET_LINES)]


@pytest.mark.parametrize(("book", "sheet", "layout"), CASES, ids=[f"{b}-{s}" for b, s, _l in CASES])
def test_the_written_table_is_its_declaration(books: dict[str, Path], book: str, sheet: str, layout: SheetLayout) -> None:
    ws = openpyxl.load_workbook(books[book])[sheet]
    hdr = _header(ws, layout)
    assert tuple(ws.cell(hdr, c).value for c in range(1, len(layout.columns) + 2)) == (*layout.headers, None)
    body = [r for r in range(hdr + 1, ws.max_row + 1) if ws.cell(r, 1).value not in (None, "")]
    assert body, f"{book} {sheet}: no rows"
    widths = {c: dim.width for dim in ws.column_dimensions.values() for c in range(dim.min, dim.max + 1)}  # <col> ranges
    for c, col in enumerate(layout.columns, start=1):
        width = widths.get(c)
        assert width == pytest.approx(col.width, abs=1), f"{sheet} {col.header}: width {width}, declared {col.width}"
        if col.num_format:
            shown = {ws.cell(r, c).number_format for r in body if isinstance(ws.cell(r, c).value, int | float)}
            assert shown == {col.num_format}, f"{sheet} {col.header}: {shown}, declared {col.num_format}"


READ = [c for c in CASES if c[2] not in (KF_AREA, KF_PROGRAMME)]  # the tables kfread reads back


@pytest.mark.parametrize(("book", "sheet", "layout"), READ, ids=[f"{b}-{s}" for b, s, _l in READ])
def test_the_reader_reads_the_declared_table(books: dict[str, Path], book: str, sheet: str, layout: SheetLayout) -> None:
    table = read_kf(books[book]).tables[sheet]
    assert tuple(table.columns) == layout.headers
    for col in layout.columns:
        if col.numeric:
            assert pd.api.types.is_float_dtype(table[col.header]), f"{sheet} {col.header}: {table[col.header].dtype}"
    if layout is BUDGET_UNITS:  # the numbers as typed: KS's budget without the text amount, its frame beside it
        ks = table.set_index("Enhet").loc["KS"]
        assert ks["Budget (tkr)"] == 60000 and ks["Avvikelse (tkr)"] == ks["Ram (tkr)"] - 60000


def test_a_data_sheet_without_a_declared_column_is_refused(books: dict[str, Path], tmp_path: Path) -> None:
    """Budget.xlsx's Data is checked by its declaration as KF.xlsx's is: a column taken out is named."""
    from malbok.util import InputError

    wb = openpyxl.load_workbook(books["budget"])
    ws = wb["Data"]
    col = BUDGET_DATA.index["target"] + 1
    ws.cell(1, col).value = "Något annat"
    wb.save(tmp_path / "Budget.xlsx")
    with pytest.raises(InputError, match="saknar kolumnerna Målvärde"):
        read_kf(tmp_path / "Budget.xlsx")


def test_a_finding_is_a_kontroll_row_by_the_declaration() -> None:
    """A finding's row has Kontroll's declared headers, each the finding's field of the column's key."""
    f = Finding("a.xlsx", "Blad", "J5", "HK2", "ej-tal", "”x” är inget tal", "fel", "BIN")
    row = f.as_row()
    assert tuple(row) == KONTROLL.headers
    assert row == {c.header: getattr(f, c.key) for c in KONTROLL.columns}
