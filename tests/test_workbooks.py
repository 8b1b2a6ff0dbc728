"""Issue 3: per-unit workbooks for a follow-up period."""

from __future__ import annotations

import filecmp
import shutil

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from malbok.api import generate
from malbok.cli import app
from malbok.layout import META_SHEET, REQUIRED_HEADERS
from malbok.model import Model
from malbok.returns import read_return

from .conftest import TEMPLATES, lo_convert

runner = CliRunner()


@pytest.fixture(scope="module")
def hallsberg_books(tmp_path_factory, hallsberg):
    out = tmp_path_factory.mktemp("hb")
    return generate(hallsberg, "2016-delar", out)


@pytest.fixture(scope="module")
def hallefors_books(tmp_path_factory, hallefors):
    out = tmp_path_factory.mktemp("hf")
    return generate(hallefors, "2011-maj", out)


def test_deterministic(tmp_path, hallsberg):
    a = generate(hallsberg, "2016-delar", tmp_path / "a")
    b = generate(hallsberg, "2016-delar", tmp_path / "b")
    for x, y in zip(a, b, strict=True):
        assert x.path.name == y.path.name
        assert filecmp.cmp(x.path, y.path, shallow=False), x.path.name


def test_every_hallsberg_indicator_in_some_workbook(tmp_path, hallsberg):
    seen: set[str] = set()
    for r in generate(hallsberg, "2016-ar", tmp_path):
        if r.path:
            seen |= {e.id for e in read_return(r.path).expected}
    assert {i.id for i in hallsberg.indicators} <= seen


def test_hallefors_month_has_exactly_that_months_goals(tmp_path, hallefors):
    for occ in ("maj", "dec", "jun"):
        out = tmp_path / occ
        books = generate(hallefors, f"2011-{occ}", out)
        got: set[tuple[str, str]] = set()
        for r in books:
            if r.path:
                got |= {(read_return(r.path).unit, e.id) for e in read_return(r.path).expected if e.kind == "Mål"}
        want = {(u, g.id) for g in hallefors.goals if g.level == "resultatmal" and occ in g.follow_up for u in g.units}
        assert got == want, occ


def test_units_without_anything_get_no_file(hallefors_books):
    skipped = {r.unit for r in hallefors_books if r.path is None}
    assert skipped == {"BoAB", "BRT"}


def test_goal_of_several_units_in_each_workbook(hallefors_books):
    holders = {r.unit for r in hallefors_books if r.path and "RM3.9" in {e.id for e in read_return(r.path).expected}}
    assert holders == {"KS", "BN", "ON"}  # "Maj 2011 – KS, BN & ON"


def test_sheets_identity_and_headers(hallsberg_books):
    for r in hallsberg_books:
        wb = openpyxl.load_workbook(r.path)
        assert wb.sheetnames[0] == "Instruktioner"
        assert wb[META_SHEET].sheet_state == "veryHidden"
        for name in wb.sheetnames:
            assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
        cal = CalamineWorkbook.from_path(str(r.path))
        meta = {row[0]: row[1] for row in cal.get_sheet_by_name(META_SHEET).to_python()[:10]}
        assert meta["modell"] == "hallsberg-2015-2018" and meta["period"] == "2016-delar" and meta["enhet"] == r.unit
        assert meta["layoutversion"] and meta["malbokversion"] and meta["modellhash"]
        area = cal.get_sheet_by_name(wb.sheetnames[1]).to_python(skip_empty_area=False)
        header = area[3]
        for h in REQUIRED_HEADERS:
            assert h in header
        ids = [row[0] for row in area[4:] if row[0]]
        assert ids and all(isinstance(i, str) for i in ids)
        assert wb.properties.title and wb.properties.title.startswith("Uppföljning")


def test_protection_inputs_and_validations(hallsberg_books):
    r = next(b for b in hallsberg_books if b.unit == "BIN")
    wb = openpyxl.load_workbook(r.path)
    ws = wb["Hållbar kommun"]
    assert ws.protection.sheet is True and not ws.protection.password
    header = [c.value for c in ws[4]]
    col = {h: i + 1 for i, h in enumerate(header)}
    row = next(i for i in range(5, ws.max_row + 1) if ws.cell(i, 1).value == "HK6")
    assert ws.cell(row, col["Utfall"]).protection.locked is False
    assert ws.cell(row, col["Bedömning"]).protection.locked is False
    assert ws.cell(row, col["Placering"]).protection.locked is False  # HK6 has a rank milestone
    assert ws.cell(row, col["Mål och indikatorer"]).protection.locked is True
    assert ws.cell(row, col["ID"]).protection.locked is True
    dvs = ws.data_validations.dataValidation
    utfall = openpyxl.utils.get_column_letter(col["Utfall"])
    bed = openpyxl.utils.get_column_letter(col["Bedömning"])
    pct = [d for d in dvs if d.type == "decimal" and f"{utfall}{row}" in str(d.sqref)]
    assert pct and pct[0].formula1 == "0" and pct[0].formula2 == "100" and pct[0].error
    lists = [d for d in dvs if d.type == "list" and f"{bed}{row}" in str(d.sqref)]
    assert lists and "Uppfyllt" in lists[0].formula1 and lists[0].errorTitle == "Ogiltig bedömning"
    assert lists[0].showErrorMessage and lists[0].prompt
    assert ws.freeze_panes == "E5"  # ID and the name stay in view
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$4:$4"
    assert "Hallsbergs kommun" in ws.oddHeader.left.text
    assert ws.conditional_formatting  # scale colours


def test_password_option(tmp_path, hallsberg):
    res = generate(hallsberg, "2016-delar", tmp_path, units=["KS"], password="hemligt")
    ws = openpyxl.load_workbook(res[0].path)["Hållbar kommun"]
    assert ws.protection.sheet and ws.protection.password


def test_safe_file_names(tmp_path, hallsberg):
    data = hallsberg.model_dump(by_alias=True)
    data["kommun"]["namn"] = "../../Ö/..\\evil:*?"
    data["id"] = "evil"
    m = Model.model_validate(data)
    out = tmp_path / "out"
    res = generate(m, "2016-delar", out)
    for r in res:
        assert r.path.parent == out.resolve()
        assert r.path.name.isascii() and "/" not in r.path.name and ".." not in r.path.name
    assert sorted(p.name for p in out.iterdir()) == sorted(r.path.name for r in res)


def test_libreoffice_opens_every_workbook(tmp_path, hallsberg_books, hallefors_books):
    files = [r.path for r in hallsberg_books + hallefors_books if r.path]
    converted = lo_convert(files, tmp_path / "lo", "xlsx")
    for src, dst in zip(files, converted, strict=True):
        assert dst.exists() and dst.stat().st_size > 0
        back = read_return(dst)  # LibreOffice's re-save still reads back by ID
        assert back.identity.unit == read_return(src).unit
        assert {k for k in back.rows} == {k for k in read_return(src).rows}
        assert not [f for f in back.findings if f.severity == "fel"]


def test_cli_generate_and_inspect(tmp_path):
    res = runner.invoke(app, ["generate", str(TEMPLATES / "hallefors.yaml"), "--period", "2011-maj", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "BoAB" in res.output and "inget att rapportera" in res.output
    f = next(tmp_path.glob("*_KS.xlsx"))
    res = runner.invoke(app, ["inspect", str(f)])
    assert res.exit_code == 0 and "RM1.1" in res.output and "tom" in res.output
    res = runner.invoke(app, ["generate", str(TEMPLATES / "hallefors.yaml"), "--period", "2011-xyz", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "okänt uppföljningstillfälle" in res.output


def test_copy_survives(tmp_path, hallefors_books):
    """A file renamed by the nämnd is still read by its identity, not its name."""
    src = next(r.path for r in hallefors_books if r.unit == "ON")
    dst = tmp_path / "omsorg svar.xlsx"
    shutil.copy(src, dst)
    assert read_return(dst).unit == "ON"


@pytest.mark.parametrize("name", ["hallsberg", "hallefors", "soderhamn"])
def test_unit_extract_is_enough_for_the_unit(name):
    """A unit workbook carries only its unit's part of the model, and that part gives the same workbook."""
    from malbok.load import load_model
    from malbok.model import check_model
    from malbok.periods import periods_of_year
    from malbok.workbook import plan_workbook

    model = load_model(TEMPLATES / f"{name}.yaml")

    def shape(plan):  # noqa: ANN001, ANN202
        return [(sp.name, [(r.id, r.kind, r.text, r.display(), r.inputs, r.scale) for r in sp.rows]) for sp in plan.sheets]

    for unit in model.units:
        extract = model.for_unit(unit.code)
        assert not check_model(extract)
        assert len(extract.goals) <= len(model.goals)
        back = Model.unpack(extract.packed())
        assert back == extract and back.fingerprint() == model.fingerprint()
        for year in (model.mandate.start, model.mandate.end):
            for period in periods_of_year(model, year):
                assert shape(plan_workbook(back, period, unit.code)) == shape(plan_workbook(model, period, unit.code))


def test_workbook_carries_the_units_extract(hallefors_books, hallefors):
    from malbok.kfread import embedded_model

    paths = [g.path for g in hallefors_books if g.path]
    for path in paths:
        ident = read_return(path).identity
        carried = embedded_model(path)
        assert carried == hallefors.for_unit(ident.unit)
        assert carried.fingerprint() == ident.model_hash
    assert any(len(embedded_model(p).goals) < len(hallefors.goals) for p in paths)


@pytest.mark.parametrize("name", ["hallsberg", "hallefors", "soderhamn"])
def test_demo_period_has_something_to_report(name):
    """The demo's default period is one where units report (Hällefors's second-year delår has nothing)."""
    from malbok.api import demo_period
    from malbok.load import load_model
    from malbok.periods import parse_period
    from malbok.workbook import plan_workbook

    model = load_model(TEMPLATES / f"{name}.yaml")
    period = parse_period(model, demo_period(model))
    reporting = [u.code for u in model.units if plan_workbook(model, period, u.code).sheets]
    assert len(reporting) >= 2
    if name == "hallsberg":
        assert period.id == "2016-delar"  # the README's quick start shows this period
