"""Issue 5: the Excel front end, tested with xlwings' remote engine, olevba and LibreOffice."""

from __future__ import annotations

import importlib.util
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

import malbok.excel
from malbok import generate
from malbok.cli import app
from malbok.excel import MALBOK_BEDOMNING, MALBOK_MALBANA, konsolidera, kontrollera
from malbok.filler import fill_workbook
from malbok.periods import parse_period
from malbok.targets import path_value

from .conftest import TEMPLATES, lo_convert
from .helpers import find

runner = CliRunner()
PERIOD = "2016-delar"
ROOT = Path(__file__).resolve().parents[1]


def payload(path: Path, edit: dict[str, list[list]] | None = None) -> dict:
    """The JSON Excel sends to a remote interpreter: every sheet's values (hidden ones too)."""
    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in wb.sheet_names:
        values = (edit or {}).get(name) or wb.get_sheet_by_name(name).to_python(skip_empty_area=False) or [[]]
        width = max((len(r) for r in values), default=0)
        values = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in values]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": []})
    for name, values in (edit or {}).items():
        if name not in wb.sheet_names:
            sheets.append({"name": name, "values": values, "pictures": [], "tables": []})
    return {"client": "Microsoft Office Scripts", "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"}, "names": [], "sheets": sheets}


def actions(book, func: str) -> list[dict]:
    return [a for a in book.json()["actions"] if a["func"] == func]


def written_text(book) -> str:
    return "\n".join(str(v) for a in actions(book, "setValues") for row in a["values"] for v in row)


@pytest.fixture(scope="module")
def controller(tmp_path_factory, hallsberg):
    d = tmp_path_factory.mktemp("excel")
    returns = d / "inlamnade"
    p = parse_period(hallsberg, PERIOD)
    for g in generate(hallsberg, PERIOD, returns):
        if g.path:
            fill_workbook(g.path, hallsberg, p, g.unit)
    shutil.copy(TEMPLATES / "hallsberg.yaml", d / "hallsberg.yaml")
    res = runner.invoke(app, ["excel", "init", "--model", str(d / "hallsberg.yaml"), "--period", PERIOD,
                              "--returns", str(returns), "--out", str(d / "Konsolidering.xlsm")])
    assert res.exit_code == 0, res.output
    return d


def test_built_workbook_has_button_macro_reaching_malbok(controller):
    book = controller / "Konsolidering.xlsm"
    with zipfile.ZipFile(book) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode()
    assert "SampleCall" in vml and "Konsolidera" in vml
    vba = VBA_Parser(str(book))
    modules = {Path(name).stem: code for _f, _s, name, code in vba.extract_macros()}
    assert "Sub SampleCall()" in modules["Module1"]
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in modules["Module1"]
    assert "Public Function RunPython(" in modules["xlwings"]  # standalone: no add-in needed
    # mymodule is the workbook's name: Konsolidering.py beside it reaches malbok's entry point
    spec = importlib.util.spec_from_file_location("Konsolidering", controller / "Konsolidering.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main.__globals__["konsolidera"] is malbok.excel.konsolidera
    # the readable source in macros/ is what the workbook contains
    assert (ROOT / "macros" / "Module1.bas").read_text().strip().splitlines()[-4:] == \
        [line.rstrip() for line in modules["Module1"].strip().splitlines()][-4:]
    wb = openpyxl.load_workbook(book, keep_vba=True)
    assert wb.sheetnames == ["Start", "Inställningar", "xlwings.conf"]
    settings = {r[0].value: r[1].value for r in wb["Inställningar"].iter_rows(min_row=2) if r[0].value}
    assert settings["Period"] == PERIOD and settings["Styrmodell"] == "hallsberg.yaml"
    assert settings["Mapp med inlämnade arbetsböcker"] == "inlamnade"
    conf = {wb["xlwings.conf"].cell(r, 1).value: wb["xlwings.conf"].cell(r, 2).value for r in (1, 2)}
    assert conf["UDF Modules"] == "malbok.excel"
    # xlwings reads the hidden sheet all the same (its VBA reads Range("A1") down); the user sees Swedish only
    assert wb["xlwings.conf"].sheet_state == "hidden" and wb["Start"].sheet_state == "visible"
    assert wb["Start"]["A1"].value.startswith("Konsolidering – ") and "Målbok" not in wb["Start"]["A1"].value
    (out,) = lo_convert([book], controller / "lo", "pdf")
    assert out.stat().st_size > 1000


def test_konsolidera_writes_sheets_and_status(controller, monkeypatch):
    monkeypatch.chdir(controller)
    book = xw.Book(json=payload(controller / "Konsolidering.xlsm"))
    status = konsolidera(book)
    assert status.startswith("Konsoliderat") and "4 filer lästa" in status and "0 fel" in status
    added = [a["args"][1] for a in actions(book, "addSheet")]
    assert added[0] == "Översikt" and added[-3:] == ["Enheter", "Kontroll", "Data"]
    assert "Hållbar kommun" in added
    assert not actions(book, "sheetDelete")
    text = written_text(book)
    assert status in text and "Måluppfyllelse Delårsrapport 2016" in text
    for header in ("Period", "Enhet", "ID", "Typ", "Utfall", "Målvärde", "Bedömning", "Förslag", "Kommentar"):
        assert header in text
    # the status line on the Start sheet, beside "Status"
    start_status = [a for a in actions(book, "setValues") if a["sheet_position"] == 0]
    assert start_status and start_status[-1]["values"] == [[status]] and start_status[-1]["start_row"] == 9
    # the settings' switches wrote KF.xlsx, the Word chapter and the CSV beside the workbook
    for name in ("KF.xlsx", "Maluppfyllelse.docx", "data.csv"):
        assert (controller / name).stat().st_size > 1000
    # the data written in Excel is the consolidation's Data
    data_writes = [a for a in actions(book, "setValues") if a["values"] and len(a["values"][0]) == 21]
    assert sum(len(a["values"]) for a in data_writes) > 40


def test_konsolidera_again_replaces_only_its_own_sheets(controller, monkeypatch):
    monkeypatch.chdir(controller)
    first = xw.Book(json=payload(controller / "Konsolidering.xlsm"))
    konsolidera(first)
    written = [a["args"][1] for a in actions(first, "addSheet")]
    settings = CalamineWorkbook.from_path(str(controller / "Konsolidering.xlsm")).get_sheet_by_name("Inställningar").to_python()
    settings = [list(r) for r in settings]
    row = next(i for i, r in enumerate(settings) if r[0] == "Blad skrivna av malbok")
    settings[row][1] = ";".join(written)
    edit = {"Inställningar": settings, "Mina anteckningar": [["Controllerns egna noteringar"]]}
    edit.update({name: [["gammalt resultat"]] for name in written})
    book = xw.Book(json=payload(controller / "Konsolidering.xlsm", edit))
    status = konsolidera(book)
    assert status.startswith("Konsoliderat")
    names = [s["name"] for s in book.api["sheets"]]
    deleted = []
    for a in actions(book, "sheetDelete"):  # positions as they are when each delete runs
        deleted.append(names.pop(a["sheet_position"]))
    assert sorted(deleted) == sorted(written)
    assert "Mina anteckningar" in names and "Mina anteckningar" not in [a["args"][1] for a in actions(book, "addSheet")]


@pytest.mark.parametrize("setting,value,expected", [
    ("Mapp med inlämnade arbetsböcker", "finns-inte", "Fel: Inställningar!B4: mappen"),
    ("Period", "2016-okt", "Fel: okänt uppföljningstillfälle 'okt'"),
    ("Styrmodell", "trasig.yaml", "Fel: styrmodellen trasig.yaml har"),
    ("Styrmodell", "saknas.yaml", "Fel: Inställningar!B2: styrmodellen"),
    # refused by the path rule the workbook validates the cell with (layout.SETTINGS_LAYOUT)
    ("KF-arbetsbok", "k" * 300 + ".xlsx", "Fel: Inställningar!B6: KF-arbetsbok är längre än de 259 tecken"),
    # a period the model's mandate does not have: Excel warns, and so does the button, naming the cell
    ("Period", "2030-delar", "Varning: Inställningar!B3: perioden ”2030-delar” är ingen av styrmodellens perioder"),
])
def test_wrong_setting_gives_swedish_status_not_traceback(controller, monkeypatch, setting, value, expected):
    monkeypatch.chdir(controller)
    (controller / "trasig.yaml").write_text("kommun: {namn: X}\nokänd_nyckel: 1\n", encoding="utf-8")
    settings = [list(r) for r in CalamineWorkbook.from_path(str(controller / "Konsolidering.xlsm")).get_sheet_by_name("Inställningar").to_python()]
    row = next(i for i, r in enumerate(settings) if r[0] == setting)
    settings[row][1] = value
    book = xw.Book(json=payload(controller / "Konsolidering.xlsm", {"Inställningar": settings}))
    status = konsolidera(book)
    assert status.startswith(expected), status
    if not expected.startswith("Varning"):
        assert not actions(book, "addSheet") and not actions(book, "sheetDelete")
    assert status in written_text(book) and "Traceback" not in status


def test_konsolidera_refuses_to_overwrite_the_controllers_sheet(controller, monkeypatch):
    monkeypatch.chdir(controller)
    book = xw.Book(json=payload(controller / "Konsolidering.xlsm", {"Översikt": [["min egen översikt"]]}))
    status = konsolidera(book)
    assert status.startswith("Fel: bladen Översikt finns redan")
    assert not actions(book, "sheetDelete")


def test_kontrollera_lists_findings_in_the_unit_workbook(tmp_path, hallsberg):
    p = parse_period(hallsberg, PERIOD)
    path = next(g.path for g in generate(hallsberg, PERIOD, tmp_path, ["BIN"]) if g.path)
    fill_workbook(path, hallsberg, p, "BIN")
    wb = openpyxl.load_workbook(path)
    ws = wb["Hållbar kommun"]
    bad = find(ws, "HK5", "Utfall")
    ws[bad].value = "ungefär tio"
    label = find(ws, "HK6", "Bedömning")
    ws[label].value = "Helt okej"
    wb.save(path)
    book = xw.Book(json=payload(path))
    findings = kontrollera(book)
    places = {(f.sheet, f.cell) for f in findings if f.severity == "fel"}
    assert ("Hållbar kommun", bad) in places and ("Hållbar kommun", label) in places
    added = [a["args"][1] for a in actions(book, "addSheet")]
    assert added == ["Malbok kontroll"]
    text = written_text(book)
    assert "Rätta felen innan arbetsboken skickas in" in text and bad in text and "ungefär tio" in text
    # the check sheet is declared in malbok.layout (UNIT_CHECK): its header row, and a finding's row by its columns
    from malbok.layout import CHECK_SHEET, UNIT_CHECK
    from malbok.returns import _NOT_INPUT

    rows = [row for a in actions(book, "setValues") for row in a["values"]]
    assert list(UNIT_CHECK.headers) in rows and added == [CHECK_SHEET]
    hit = next(f for f in findings if f.cell == bad)
    assert [hit.severity, "Hållbar kommun", bad, "HK5", hit.message] in rows
    assert CHECK_SHEET.lower() in _NOT_INPUT  # and the reader passes over it (not an added sheet of the unit's)


def test_kontrollera_on_a_clean_workbook_and_on_a_foreign_one(tmp_path, hallsberg):
    p = parse_period(hallsberg, PERIOD)
    path = next(g.path for g in generate(hallsberg, PERIOD, tmp_path, ["KS"]) if g.path)
    fill_workbook(path, hallsberg, p, "KS")
    book = xw.Book(json=payload(path))
    assert [f for f in kontrollera(book) if f.severity == "fel"] == []
    assert "0 fel" in written_text(book)
    other = tmp_path / "annan.xlsx"
    openpyxl.Workbook().save(other)
    book = xw.Book(json=payload(other))
    assert kontrollera(book) == []
    assert "Fel: arbetsboken är inte skapad med malbok generate" in written_text(book)


def test_worksheet_functions_follow_the_suggestion_rules():
    # the straight path from 60 (2014) to 80 (2018): at the end of 2016, 70
    assert MALBOK_MALBANA(60, 80, 2014, 2018, 2016) == pytest.approx(path_value(60, 80, 2014, 2018, 2017))
    assert MALBOK_MALBANA(60, 80, 2014, 2018, 2016) == pytest.approx(70)
    assert MALBOK_MALBANA(60, 80, 2014, 2018, 2016, 8) == pytest.approx(60 + 20 * (8 / 12 + 1) / 4)
    assert MALBOK_BEDOMNING(81, 60, 80, 2014, 2018, 2016) == "Uppfyllt"
    assert MALBOK_BEDOMNING(71, 60, 80, 2014, 2018, 2016) == "På väg"
    assert MALBOK_BEDOMNING(65, 60, 80, 2014, 2018, 2016) == "Ej uppfyllt"
    assert MALBOK_BEDOMNING(79, 60, 80, 2014, 2018, 2019) == "Ej uppfyllt"  # target year passed
    # decreasing targets (ogiltig frånvaro ska minska): below the path is ahead
    assert MALBOK_BEDOMNING(7, 10, 4, 2014, 2018, 2016) == "På väg"
    assert MALBOK_BEDOMNING(9, 10, 4, 2014, 2018, 2016) == "Ej uppfyllt"
    # the model's own labels
    labels = ["Målet är uppnått", "Målet är delvis uppnått", "Målet är inte uppnått"]
    assert MALBOK_BEDOMNING(71, 60, 80, 2014, 2018, 2016, 12, labels) == "Målet är delvis uppnått"
    assert MALBOK_BEDOMNING(None, 60, 80, 2014, 2018, 2016) == ""


def test_cli_excel_init_refuses_bad_names(tmp_path):
    res = runner.invoke(app, ["excel", "init", "--model", str(TEMPLATES / "hallsberg.yaml"), "--period", PERIOD,
                              "--returns", str(tmp_path), "--out", str(tmp_path / "Min bok.xlsm")])
    assert res.exit_code == 1 and "får bara innehålla" in res.output
    res = runner.invoke(app, ["excel", "init", "--model", str(TEMPLATES / "hallsberg.yaml"), "--period", PERIOD,
                              "--returns", str(tmp_path), "--out", str(tmp_path / "K.xlsx")])
    assert res.exit_code == 1 and ".xlsm" in res.output
    assert os.listdir(tmp_path) == []


def _sheet_grid(book, name: str) -> dict[tuple[int, int], object]:
    """The cells xlwings' remote engine was told to write on sheet ``name`` (added by the run): (row, column) -> value,
    rows and columns from 1 as in Excel, empty values left out."""
    added = [a["args"][1] for a in actions(book, "addSheet")]
    assert name in added, added
    grid: dict[tuple[int, int], object] = {}
    for a in actions(book, "setValues"):
        if a["sheet_position"] != _position(book, name):
            continue
        for i, row in enumerate(a["values"]):
            for j, v in enumerate(row):
                if v not in ("", None):
                    grid[(a["start_row"] + 1 + i, a["start_column"] + 1 + j)] = v
    return grid


def _position(book, name: str) -> int:
    return [s.name for s in book.sheets].index(name)


def test_konsolidera_with_kolada_figures_writes_the_kolada_sheet(tmp_path, monkeypatch):
    """Kolada's figures in the history store: the button puts the Kolada sheet into the open workbook, with what
    KF.xlsx's Kolada sheet has (the kommun's value, its year, the median, the place among the municipalities and
    the source Kolada's terms ask for)."""
    from malbok.api import history_store
    from malbok.kolada import ATTRIBUTION, KOLADA_COLUMNS, Client, parse_years
    from malbok.kolada import fetch as kolada_fetch
    from malbok.load import load_model

    from .kolada_server import KoladaServer, sample

    model_file = tmp_path / "hallsberg.yaml"
    shutil.copy(TEMPLATES / "hallsberg.yaml", model_file)
    m = load_model(model_file)
    with KoladaServer(sample()) as srv:
        kolada_fetch(m, parse_years("2015-2016"), history_store(model_file),
                     client=Client(srv.base, tries=2, backoff=0.01, max_wait=0.05, timeout=2.0))
    returns = tmp_path / "inlamnade"
    p = parse_period(m, PERIOD)
    for g in generate(m, PERIOD, returns, history=False):
        if g.path:
            fill_workbook(g.path, m, p, g.unit)
    res = runner.invoke(app, ["excel", "init", "--model", str(model_file), "--period", PERIOD,
                              "--returns", str(returns), "--out", str(tmp_path / "Konsolidering.xlsm")])
    assert res.exit_code == 0, res.output
    monkeypatch.chdir(tmp_path)
    book = xw.Book(json=payload(tmp_path / "Konsolidering.xlsm"))
    status = konsolidera(book)
    assert status.startswith("Konsoliderat") and "0 fel" in status, status
    added = [a["args"][1] for a in actions(book, "addSheet")]
    assert "Kolada" in added and added[-3:] == ["Enheter", "Kontroll", "Data"]
    grid = _sheet_grid(book, "Kolada")
    kf = CalamineWorkbook.from_path(str(tmp_path / "KF.xlsx")).get_sheet_by_name("Kolada").to_python(skip_empty_area=False)
    in_kf = {(r + 1, c + 1): v for r, row in enumerate(kf) for c, v in enumerate(row) if v not in ("", None)}
    header_row = next(r for (r, c), v in grid.items() if c == 1 and v == KOLADA_COLUMNS[0])
    assert [grid.get((header_row, c + 1)) for c in range(len(KOLADA_COLUMNS))] == list(KOLADA_COLUMNS)
    rows = {grid[(r, 1)]: {h: grid.get((r, c + 1)) for c, h in enumerate(KOLADA_COLUMNS)}
            for r in range(header_row + 1, max(r for r, _c in grid) + 1) if (r, 1) in grid}
    hk6 = rows["HK6"]
    assert (hk6["Nyckeltal"], hk6["År"], hk6["Värde"], hk6["Placering"], hk6["Antal kommuner"]) == ("N15428", 2016, 86, 3, 11)
    assert ATTRIBUTION in " ".join(str(v) for v in grid.values())
    # every figure of KF.xlsx's Kolada sheet is in the book's, in the same place in its table
    kf_header = next(r for (r, c), v in in_kf.items() if c == 1 and v == KOLADA_COLUMNS[0])
    table_kf = {(r - kf_header, c): v for (r, c), v in in_kf.items() if r >= kf_header}
    table_book = {(r - header_row, c): v for (r, c), v in grid.items() if r >= header_row}
    assert table_book == table_kf
