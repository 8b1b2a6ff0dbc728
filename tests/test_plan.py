"""Issue 7: the plan round for Söderhamn, end to end, and the delår that follows it."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from malbok import api
from malbok.cli import app
from malbok.filler import fill_workbook
from malbok.kfread import read_kf
from malbok.layout import PLAN_AREA
from malbok.load import load_model
from malbok.periods import parse_period
from malbok.plan import apply_plans, consolidate_plan, load_plans, read_plan_return

from .conftest import TEMPLATES, lo_convert

runner = CliRunner()
MODEL = TEMPLATES / "soderhamn.yaml"
YEAR = 2014
HEAD = {c.key: c.header for c in PLAN_AREA.columns}


def plan_type_in(path, sheet: str, goal_id: str, rows: list[dict]) -> dict[str, str]:
    """Type rows into the spare rows under a council goal, as a person does; returns text -> cell of 'Kopplat till'."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    hdr = next(r for r in range(1, 10) if ws.cell(r, 1).value == "ID")
    cols = {ws.cell(hdr, c).value: c for c in range(1, ws.max_column + 1)}
    r = next(r for r in range(hdr + 1, ws.max_row + 1) if ws.cell(r, cols["ID"]).value == goal_id) + 1
    cells = {}
    for values in rows:
        for key, value in values.items():
            ws.cell(r, cols[HEAD[key]]).value = value
        cells[values["text"]] = ws.cell(r, cols["Kopplat till"]).coordinate
        r += 1
    wb.save(path)
    return cells


def budget_type_in(path, amounts: dict[str, object], new: list[tuple[str, object]] = ()) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Budget"]
    hdr = next(r for r in range(1, 12) if ws.cell(r, 1).value == "Verksamhet")
    where = {}
    free = []
    for r in range(hdr + 1, ws.max_row + 1):
        name = ws.cell(r, 1).value
        if name == "Summa":
            break
        if name in amounts:
            ws.cell(r, 3).value = amounts[name]
            where[name] = ws.cell(r, 3).coordinate
        elif name is None:
            free.append(r)
    for (name, amount), r in zip(new, free, strict=False):
        ws.cell(r, 1).value = name
        ws.cell(r, 3).value = amount
        where[name] = ws.cell(r, 3).coordinate
    wb.save(path)
    return where


@pytest.fixture(scope="module")
def plan_round(tmp_path_factory):
    d = tmp_path_factory.mktemp("plan")
    res = runner.invoke(app, ["generate", str(MODEL), "--round", "plan", "--year", str(YEAR), "--out", str(d / "ut")])
    assert res.exit_code == 0, res.output
    books = {p.name.split("_")[-1][:-5]: p for p in (d / "ut").glob("*.xlsx")}
    assert set(books) == {"KS", "BUN", "SOCN", "SNAB"}
    places: dict[str, dict] = {}
    places["KS"] = plan_type_in(books["KS"], "Tillhandahålla omsorgstjänster", "IM-OMS", [
        {"kind": "Nämndmål", "text": "Fler äldre ska vara nöjda med bemötandet i hemtjänsten", "target": "minst 90 % nöjda 2014",
         "comment": "Mäts i brukarundersökningen i oktober"},
        {"kind": "Aktivitet", "link": None, "text": "Utbilda all personal i bemötande", "owner": "Omsorgschef",
         "start": datetime(2014, 2, 1), "end": "2014-11-30"},
        {"kind": "Indikator", "link": None, "text": "Andel nöjda brukare i hemtjänsten", "measure": "procent", "target": "minst 85 %"},
        {"kind": "Aktivitet", "link": None, "text": "Ta fram en värdighetsgaranti"},  # no owner, no end date
    ])
    places["KS"].update(plan_type_in(books["KS"], "Skapa arbete & tillväxt", "IM-TIL", [
        {"kind": "Nämndmål", "text": "Fler företag ska starta i kommunen"},
    ]))
    places["BUN"] = plan_type_in(books["BUN"], "Möjliggöra lärande & utveckling", "IM-LAR", [
        {"kind": "Nämndmål", "link": "IT-MÅL", "text": "Alla elever ska ha en egen dator"},  # unlinked: not a council goal
        {"kind": "Nämndmål", "text": "Fler elever ska nå behörighet till gymnasiet"},
        {"kind": "Aktivitet", "link": None, "text": "Läsfrämjande insatser i årskurs 1–3", "owner": "Rektorerna",
         "start": "2014-01-15", "end": "2014-12-20"},
    ])
    budget = {
        "KS": (budget_type_in(books["KS"], {"Ledning och administration": 60000, "Näringsliv och arbetsmarknad": "25 000",
                                            "Kultur och fritid": 30000.5}), 115000.5),
        "BUN": (budget_type_in(books["BUN"], {"Förskola": 200000, "Grundskola": 300000, "Gymnasieskola": 100000,
                                              "Vuxenutbildning": 20000}, [("Modersmål", "ca 5000")]), 620000.0),  # over 610 000
        "SOCN": (budget_type_in(books["SOCN"], {"Äldreomsorg": 400000, "Funktionshinderomsorg": 200000,
                                                "Individ- och familjeomsorg": 100000}, [("Bostad först", 12000)]), 712000.0),
    }
    books["SNAB"].unlink()  # Söderhamn Nära AB is late
    res = runner.invoke(app, ["consolidate", str(MODEL), str(d / "ut"), "--round", "plan", "--year", str(YEAR),
                              "--out", str(d / "Budget.xlsx")])
    assert res.exit_code == 0, res.output
    return d, books, places, budget, res.output


def test_plan_workbook_layout(plan_round):
    d, books, _p, _b, _o = plan_round
    wb = openpyxl.load_workbook(d / "ut" / "Soderhamn_2014-plan_SOCN.xlsx")
    assert wb.sheetnames[0] == "Instruktioner" and "Budget" in wb.sheetnames
    ws = wb["Tillhandahålla omsorgstjänster"]
    assert ws.protection.sheet and ws.protection.insertRows is False  # False = inserting rows allowed
    goal_row = next(r for r in range(5, 20) if ws.cell(r, 1).value == "IM-OMS")
    assert ws.cell(goal_row, 4).protection.locked
    assert not ws.cell(goal_row + 1, 4).protection.locked and ws.cell(goal_row + 1, 3).value is None  # empty: the goal above
    kinds = [dv for dv in ws.data_validations.dataValidation if dv.type == "list" and "Nämndmål" in (dv.formula1 or "")]
    assert kinds
    bs = wb["Budget"]
    formulas = [bs.cell(r, 3).value for r in range(1, bs.max_row + 1) if isinstance(bs.cell(r, 3).value, str)]
    assert any(f.startswith("=SUM(C7:") for f in formulas) and any(re.match(r"^=C\d+-C\d+$", f) for f in formulas)
    assert bs.protection.sheet and bs["C4"].value == 720000


def test_budget_totals_equal_the_sums_typed(plan_round):
    d, _books, _p, budget, output = plan_round
    book = read_kf(d / "Budget.xlsx")
    assert book.kind == "budget" and book.year == YEAR
    units = book.tables["Enheter"].set_index("Enhet")
    for unit, (_cells, total) in budget.items():
        assert units.loc[unit, "Budget (tkr)"] == pytest.approx(total)
    assert units.loc["BUN", "Avvikelse (tkr)"] == pytest.approx(-10000)
    assert units.loc["SNAB", "Status"] == "saknas"
    data = book.data
    lines = data[data["Typ"] == "Budget"]
    assert lines.groupby("Enhet")["Belopp (tkr)"].sum().to_dict() == pytest.approx({u: t for u, (_c, t) in budget.items()})
    assert "Bostad först" in set(lines["Text"])
    sheet = book.tables["Budget"]
    sums = sheet[sheet["Verksamhet"].str.startswith("Summa") & (sheet["Enhet"] != "")].set_index("Enhet")["Belopp (tkr)"]
    assert sums.to_dict() == pytest.approx({u: t for u, (_c, t) in budget.items()})
    assert "3 filer lästa" in output.replace("\n", " ")


def test_over_frame_unlinked_goal_and_bad_cells_in_kontroll(plan_round):
    d, _books, places, budget, _o = plan_round
    kontroll = read_kf(d / "Budget.xlsx").tables["Kontroll"]
    by_code = {code: grp for code, grp in kontroll.groupby("Kod")}
    over = by_code["over-ram"]
    assert list(over["Enhet"]) == ["BUN"] and over.iloc[0]["Blad"] == "Budget" and re.match(r"C\d+", over.iloc[0]["Cell"])
    assert "10\u00a0000 tkr över ramen" in over.iloc[0]["Meddelande"]
    unlinked = by_code["ej-kopplat"]
    assert list(unlinked["Enhet"]) == ["BUN"]
    assert unlinked.iloc[0]["Cell"] == places["BUN"]["Alla elever ska ha en egen dator"]
    assert unlinked.iloc[0]["Allvar"] == "fel" and unlinked.iloc[0]["Blad"] == "Möjliggöra lärande & utveckling"
    text = by_code["ej-tal"]
    assert text.iloc[0]["Cell"] == budget["BUN"][0]["Modersmål"] and "ca 5000" in text.iloc[0]["Meddelande"]
    assert set(by_code["ansvarig-saknas"]["Enhet"]) == {"KS"} and set(by_code["slutdatum-saknas"]["Enhet"]) == {"KS"}
    assert "saknas" in by_code and set(by_code["saknas"]["Enhet"]) == {"SNAB"}


def test_units_goals_and_activities_per_council_goal(plan_round):
    d, *_ = plan_round
    data = read_kf(d / "Budget.xlsx").data
    ks = data[(data["Enhet"] == "KS") & (data["Typ"] != "Budget")].set_index("ID")
    assert ks.loc["KS-M1", "Fullmäktiges mål"] == "IM-OMS" and ks.loc["KS-M1", "Typ"] == "Nämndmål"
    assert ks.loc["KS-A1", "Kopplat till"] == "KS-M1" and ks.loc["KS-A1", "Start"] == "2014-02-01" and ks.loc["KS-A1", "Slut"] == "2014-11-30"
    assert ks.loc["KS-I1", "Måttenhet"] == "procent" and ks.loc["KS-I1", "Målvärde"] == "minst 85 %"
    assert ks.loc["KS-M2", "Fullmäktiges mål"] == "IM-TIL"
    bun = data[(data["Enhet"] == "BUN") & (data["Typ"] == "Nämndmål")].set_index("ID")
    assert bun.loc["BUN-M1", "Fullmäktiges mål"] == "" and bun.loc["BUN-M2", "Fullmäktiges mål"] == "IM-LAR"


def test_budget_report_through_libreoffice(plan_round):
    d, *_ = plan_round
    res = runner.invoke(app, ["report", str(d / "Budget.xlsx"), "--docx", str(d / "Budget.docx")])
    assert res.exit_code == 0, res.output
    (pdf,) = lo_convert([d / "Budget.docx"], d / "pdf", "pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    for phrase in ("Verksamhetsplaner och budget 2014", "Fler äldre ska vara nöjda med bemötandet i hemtjänsten",
                   "Utbilda all personal i bemötande", "Avvikelse mot ram", "620 000", "Barn- och utbildningsnämnden"):
        assert phrase.replace("\u00a0", " ") in text.replace("\u00a0", " "), phrase


def test_following_delar_round_follows_the_plan(plan_round, soderhamn):
    d, *_ = plan_round
    out = d / "delar"
    hist = ["--historik", str(d / "historik.sqlite")]  # never beside the bundled model
    res = runner.invoke(app, ["generate", str(MODEL), "--period", f"{YEAR}-delar", "--plan", str(d / "Budget.xlsx"), "--out", str(out),
                              *hist])
    assert res.exit_code == 0, res.output
    ks = out / "Soderhamn_2014-delar_KS.xlsx"
    ret = api.inspect(ks)
    ids = {rid for (_k, rid) in ret.rows}
    assert {"IM-OMS", "KS-M1", "KS-A1", "KS-I1", "KS-M2"} <= ids
    bun_ids = {rid for (_k, rid) in api.inspect(out / "Soderhamn_2014-delar_BUN.xlsx").rows}
    assert "BUN-M2" in bun_ids and "BUN-M1" not in bun_ids  # the unlinked goal has no place in the follow-up
    # the activity's status is reported on the activity scale
    wb = CalamineWorkbook.from_path(str(ks))
    sheet = wb.get_sheet_by_name("Tillhandahålla omsorgstjänster").to_python()
    row = next(r for r in sheet if r and r[0] == "KS-A1")
    assert "Omsorgschef" in " ".join(str(x) for x in row) and "Aktivitet" in row
    model = apply_plans(load_plans(d / "Budget.xlsx", soderhamn), YEAR)
    p = parse_period(model, f"{YEAR}-delar")
    for f in out.glob("*.xlsx"):
        fill_workbook(f, model, p, f.name.split("_")[-1][:-5])
    res = runner.invoke(app, ["consolidate", str(MODEL), str(out), "--period", f"{YEAR}-delar", "--plan", str(d / "Budget.xlsx"), *hist,
                              "--out", str(d / "KF.xlsx")])
    assert res.exit_code == 0, res.output
    data = read_kf(d / "KF.xlsx").data
    own = data[(data["Enhet"] == "KS") & data["ID"].isin(["KS-M1", "KS-A1"])].set_index("ID")
    assert own.loc["KS-A1", "Nivå"] == "Aktivitet" and own.loc["KS-A1", "Bedömning"] in {"Genomfört", "Pågår enligt plan", "Försenat", "Ej påbörjat"}
    assert own.loc["KS-M1", "Nivå"] == "Nämndmål" and own.loc["KS-M1", "Bedömning"] != ""
    # without the plan, consolidation says what to do
    cons = api.consolidate(MODEL, [out], f"{YEAR}-delar", history=False)
    assert {f.code for f in cons.errors} == {"plan-saknas"}
    # LibreOffice opens every file the two rounds produced
    files = [*sorted((d / "ut").glob("*.xlsx")), d / "Budget.xlsx", *sorted(out.glob("*.xlsx")), d / "KF.xlsx"]
    converted = lo_convert(files, d / "lo", "pdf")
    assert all(c.stat().st_size > 1000 for c in converted)


def test_plan_reader_on_a_follow_up_file_and_bad_year(plan_round, soderhamn, tmp_path):
    d, books, *_ = plan_round
    ret = read_plan_return(books["KS"], soderhamn)
    assert ret.plan is not None and ret.plan.year == YEAR and len(ret.plan.goals) == 2
    pc = api.consolidate(soderhamn, [books["KS"]], None, round="plan", year=2015)
    assert [f.code for f in pc.errors] == ["fel-period"]
    res = runner.invoke(app, ["generate", str(MODEL), "--round", "plan", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "--year" in res.output


def test_cli_inspect_shows_the_plan(plan_round):
    _d, books, *_ = plan_round
    res = runner.invoke(app, ["inspect", str(books["BUN"])])
    assert res.exit_code == 0, res.output
    assert "BUN-M2" in res.output and "IM-LAR" in res.output and "620" in res.output
    assert "inte kopplat till fullmäktiges mål" in res.output


# -- issue 17: what a unit typed in its plan reaches Budget.xlsx and the Word chapter ----------------------


def test_unit_goal_target_and_comment_reach_data_and_word(plan_round):
    d, *_ = plan_round
    data = read_kf(d / "Budget.xlsx").data.set_index("ID")
    assert data.loc["KS-M1", "Målvärde"] == "minst 90 % nöjda 2014"
    assert data.loc["KS-M1", "Kommentar"] == "Mäts i brukarundersökningen i oktober"
    res = runner.invoke(app, ["report", str(d / "Budget.xlsx"), "--docx", str(d / "Budget-17.docx")])
    assert res.exit_code == 0, res.output
    import docx

    text = "\n".join(c.text for t in docx.Document(str(d / "Budget-17.docx")).tables for row in t.rows for c in row.cells)
    assert "målvärde: minst 90 % nöjda 2014" in text and "Mäts i brukarundersökningen i oktober" in text


def test_text_amount_is_listed_not_dropped_nor_counted(plan_round):
    d, _books, _p, budget, _o = plan_round
    book = read_kf(d / "Budget.xlsx")
    line = book.data[(book.data["Enhet"] == "BUN") & (book.data["Text"] == "Modersmål")]
    assert len(line) == 1 and line.iloc[0]["Belopp (tkr)"] != line.iloc[0]["Belopp (tkr)"]  # NaN: not a number, not 0
    assert "ca 5000" in line.iloc[0]["Kommentar"] and line.iloc[0]["Cell"] == f"Budget!{budget['BUN'][0]['Modersmål']}"
    sheet = book.tables["Budget"]
    bun = sheet[sheet["Enhet"] == "BUN"]
    assert "Inget tal: ”ca 5000”" in " ".join(bun["Kommentar"].astype(str))
    assert "Summa (utan 1 belopp som inte är ett tal)" in set(bun["Verksamhet"])


def test_an_amount_two_ways_is_a_finding_at_its_cell_not_silently_left_out(tmp_path, soderhamn):
    """'1.234' is 1 234 or 1,234: not read, and Kontroll names the cell (it was neither counted nor said before)."""
    made = api.generate(soderhamn, None, tmp_path / "ut", units=["KS"], round="plan", year=YEAR)
    where = budget_type_in(made[0].path, {"Ledning och administration": "1.234", "Kultur och fritid": 30000})
    pc = api.consolidate(soderhamn, [made[0].path], None, round="plan", year=YEAR)
    (f,) = [f for f in pc.findings if f.cell == where["Ledning och administration"]]
    assert f.sheet == "Budget" and f.code == "tvetydigt-tal" and "1\u00a0234" in f.message and "räknas inte i summan" in f.message
    assert pc.units.set_index("Enhet").loc["KS", "Budget (tkr)"] == 30000


def test_empty_plan_is_tom_not_inlamnad(tmp_path, soderhamn):
    made = api.generate(soderhamn, None, tmp_path / "ut", units=["SOCN"], round="plan", year=YEAR)
    pc = api.consolidate(soderhamn, [made[0].path], None, round="plan", year=YEAR)
    status = pc.units.set_index("Enhet").loc["SOCN", "Status"]
    assert status == "tom"
    assert "tom-plan" in {f.code for f in pc.findings}


def test_rows_listed_under_the_goal_they_were_typed_under(plan_round):
    """Kopplat till starts empty and means the goal above; Budget.xlsx lists each activity under its nämndmål."""
    d, _books, places, *_ = plan_round
    book = read_kf(d / "Budget.xlsx")
    ks = book.data[(book.data["Enhet"] == "KS") & (book.data["Fullmäktiges mål"] == "IM-OMS")]
    assert list(ks["ID"]) == ["KS-M1", "KS-A1", "KS-I1", "KS-A2"]  # in the order typed, under their goal
    assert set(ks["Kopplat till"]) == {"IM-OMS", "KS-M1"}
    kontroll = book.tables["Kontroll"]
    assert not ((kontroll["Kod"] == "ej-kopplat") & (kontroll["Enhet"] == "KS")).any()
    wb = openpyxl.load_workbook(d / "Budget.xlsx")
    texts = [c.value for row in wb["Översikt"].iter_rows() for c in row if isinstance(c.value, str)]
    goal_at = texts.index("Fler äldre ska vara nöjda med bemötandet i hemtjänsten")
    assert texts[goal_at + 1:goal_at + 12].count("    Utbilda all personal i bemötande") == 1
    # and the Word chapter: the same rows, in the same order, in the table under the council goal they were typed under
    import docx

    doc = docx.Document(str(api.report(d / "Budget.xlsx", d / "Budget-ordning.docx")))
    typed = ["Fler äldre ska vara nöjda med bemötandet i hemtjänsten", "Utbilda all personal i bemötande",
             "Andel nöjda brukare i hemtjänsten", "Ta fram en värdighetsgaranti"]
    tables = list(doc.tables)
    (at,) = [i for i, t in enumerate(tables) if any(typed[0] in c.text for row in t.rows for c in row.cells)]
    ks_rows = [row.cells[2].text for row in tables[at].rows[1:] if row.cells[0].text == "Kommunstyrelsen"]
    assert [next(i for i, text in enumerate(ks_rows) if want in text) for want in typed] == [0, 1, 2, 3], ks_rows
    elsewhere = [c.text for i, t in enumerate(tables) if i != at for row in t.rows for c in row.cells]
    assert not any(typed[1] in text for text in elsewhere)


def test_a_plan_file_that_kills_the_reader_is_a_finding(tmp_path, monkeypatch):
    """The plan round reads its files as the follow-up does: a native abort while reading one plan workbook (as
    the Rust reader gives) ends only the process reading it; that file is a finding, the other plans are read."""
    import os
    import sys

    from malbok import plan as plan_module

    if sys.platform != "linux":
        pytest.skip("worker processes are forked on Linux only")
    res = runner.invoke(app, ["generate", str(MODEL), "--round", "plan", "--year", str(YEAR), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    books = sorted(tmp_path.glob("*.xlsx"))
    victim = next(p for p in books if p.name.endswith("_BUN.xlsx"))
    parent = os.getpid()
    real = plan_module._PlanReader.read

    def aborts(self, path):
        if path.name == victim.name and os.getpid() != parent:
            import faulthandler

            faulthandler.disable()  # pytest's: it would print the worker's stack before dying
            os.abort()
        return real(self, path)

    monkeypatch.setattr(plan_module._PlanReader, "read", aborts)
    pc = consolidate_plan(load_model(MODEL), books, YEAR)
    died = [f for f in pc.findings if f.code == "lasaren-kraschade"]
    assert [f.file for f in died] == [victim.name] and "signal 6" in died[0].message
    assert "BUN" not in pc.consolidated_units and len(pc.consolidated_units) == len(books) - 1
    assert os.getpid() == parent


def test_plan_cells_are_checked_by_their_columns_rules(tmp_path, soderhamn):
    """A date typed wrong or outside the years the validation allows, an unknown Måttenhet and an amount typed as text:
    each a finding naming its cell, in the words of the column's rule (the rule the writer put into Excel)."""
    from malbok.layout import AMOUNT_RULE, MEASURE_RULE, plan_date_rule

    made = api.generate(soderhamn, None, tmp_path / "ut", units=["KS"], round="plan", year=YEAR)
    path = made[0].path
    cells = plan_type_in(path, "Tillhandahålla omsorgstjänster", "IM-OMS", [
        {"kind": "Aktivitet", "text": "Utbilda personalen", "owner": "Omsorgschef", "start": "snart", "end": datetime(2031, 1, 1)},
        {"kind": "indikator", "text": "Andel nöjda", "measure": "liter"},
    ])
    where = budget_type_in(path, {"Kultur och fritid": "ca 30000", "Ledning och administration": "25 000"})
    pc = api.consolidate(soderhamn, [path], None, round="plan", year=YEAR)
    by_cell = {(f.sheet, f.cell): f for f in pc.findings}
    row = int(cells["Utbilda personalen"][1:])
    dates = plan_date_rule(YEAR)
    start = by_cell[("Tillhandahålla omsorgstjänster", f"F{row}")]
    assert start.code == "ej-datum" and start.message == f"Start ”snart” {dates.problem}"
    end = by_cell[("Tillhandahålla omsorgstjänster", f"G{row}")]
    assert end.code == "utanfor-intervall" and dates.problem in end.message and "2031-01-01" in end.message
    measure = by_cell[("Tillhandahålla omsorgstjänster", f"H{row + 1}")]
    assert measure.code == "okand-mattenhet" and measure.severity == "varning" and MEASURE_RULE.problem in measure.message
    amount = by_cell[("Budget", where["Kultur och fritid"])]
    assert amount.code == "ej-tal" and AMOUNT_RULE.problem in amount.message and "ca 30000" in amount.message
    assert ("Budget", where["Ledning och administration"]) not in by_cell  # '25 000' is the number, as typed in Excel
    data = pc.data.set_index("Text")
    assert data.loc["Andel nöjda", "Typ"] == "Indikator" and data.loc["Andel nöjda", "Måttenhet"] == "tal"
    assert data.loc["Utbilda personalen", "Start"] == ""
    lines = pc.data[pc.data["Typ"] == "Budget"].set_index("Text")["Belopp (tkr)"]
    assert lines["Ledning och administration"] == 25000 and lines["Kultur och fritid"] != lines["Kultur och fritid"]


def test_columns_found_by_header_when_the_unit_inserts_one(tmp_path, soderhamn):
    """A unit that inserts a column of its own in the Budget sheet and in a plan sheet: both are read by header text."""
    made = api.generate(soderhamn, None, tmp_path / "ut", units=["SOCN"], round="plan", year=YEAR)
    path = made[0].path
    wb = openpyxl.load_workbook(path)
    bs = wb["Budget"]
    bs.insert_cols(2)
    hdr = next(r for r in range(1, 12) if bs.cell(r, 1).value == "Verksamhet")
    bs.cell(hdr, 2).value = "Egen anteckning"
    rows = {bs.cell(r, 1).value: r for r in range(hdr + 1, hdr + 6)}
    bs.cell(rows["Äldreomsorg"], 4).value = 400000
    bs.cell(rows["Äldreomsorg"], 2).value = "inte ett belopp"
    bs.cell(rows["Äldreomsorg"], 3).value = "enligt ramen"
    area = next(s for s in wb.sheetnames if s not in ("Instruktioner", "Budget") and not s.startswith("_"))
    ws = wb[area]
    ws.insert_cols(1)
    head = next(r for r in range(1, 10) if ws.cell(r, 2).value == "ID")
    ws.cell(head, 1).value = "Nr"
    cols = {ws.cell(head, c).value: c for c in range(1, ws.max_column + 1)}
    r = head + 2
    ws.cell(r, 1).value = 1
    ws.cell(r, cols["Typ"]).value = "Nämndmål"
    ws.cell(r, cols["Text"]).value = "Fler ska få stöd i tid"
    ws.cell(r, cols["Målvärde"]).value = "90 %"
    wb.save(path)
    pc = api.consolidate(soderhamn, [path], None, round="plan", year=YEAR)
    assert not [f for f in pc.findings if f.code == "kolumn-saknas"], [f.message for f in pc.findings]
    lines = pc.data[pc.data["Typ"] == "Budget"].set_index("Text")
    assert lines.loc["Äldreomsorg", "Belopp (tkr)"] == 400000 and lines.loc["Äldreomsorg", "Kommentar"] == "enligt ramen"
    assert lines.loc["Äldreomsorg", "Cell"] == f"Budget!D{rows['Äldreomsorg']}"
    goal = pc.data.set_index("Text").loc["Fler ska få stöd i tid"]
    assert goal["Typ"] == "Nämndmål" and goal["Målvärde"] == "90 %" and goal["Cell"] == f"{area}!E{r}"


def test_a_sheet_the_unit_added_to_its_plan_is_named(plan_round, soderhamn, tmp_path):
    """Notes on a sheet of the unit's own (no plan header row) are not read: a warning names the sheet and cell."""
    import shutil

    _d, books, *_ = plan_round
    book = tmp_path / books["KS"].name
    shutil.copy(books["KS"], book)
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Anteckningar")["B2"] = "Mål: fler i arbete"
    wb.save(book)
    ret = read_plan_return(book, soderhamn)
    added = [f for f in ret.findings if f.code == "eget-blad"]
    assert [(f.sheet, f.cell, f.severity) for f in added] == [("Anteckningar", "B2", "varning")]
    assert ret.plan is not None and len(ret.plan.goals) == 2  # the plan itself is read as before


def test_what_is_typed_under_the_budget_sum_is_named(tmp_path, soderhamn):
    """A line the unit typed under the Budget sheet's Summa row (its own rows inserted there) and a note below them are
    not budget lines: the sum leaves them out, as Excel's does, and a warning names each one's cell. Before, both were
    neither read nor said."""
    made = api.generate(soderhamn, None, tmp_path / "ut", units=["KS"], round="plan", year=YEAR)
    path = made[0].path
    budget_type_in(path, {"Kultur och fritid": 30000})
    wb = openpyxl.load_workbook(path)
    bs = wb["Budget"]
    total = next(r for r in range(1, bs.max_row + 1) if bs.cell(r, 1).value == "Summa")
    bs.cell(bs.max_row + 1, 1).value = "Bostad först"
    bs.cell(bs.max_row, 3).value = 12000
    line = bs.cell(bs.max_row, 1).coordinate
    bs.cell(bs.max_row + 2, 2).value = "Ramen är preliminär"
    note = bs.cell(bs.max_row, 2).coordinate
    wb.save(path)
    pc = api.consolidate(soderhamn, [path], None, round="plan", year=YEAR)
    below = {f.cell: f for f in pc.findings if f.code == "under-summan"}
    assert set(below) == {line, note}, [(f.cell, f.message) for f in pc.findings]
    assert below[line].sheet == "Budget" and below[line].severity == "varning" and "”Bostad först”, 12\u00a0000 står under" in below[line].message
    assert "läses inte" in below[note].message and below[note].title == "Skrivet under summaraden"
    assert pc.units.set_index("Enhet").loc["KS", "Budget (tkr)"] == 30000
    assert total < int(line[1:])


def test_a_hand_edited_year_and_a_damaged_sheet_are_findings_in_the_plan_round(tmp_path, soderhamn):
    """The plan reader used to raise on a damaged sheet or a hand-edited identity year and stop the whole plan
    consolidation. Now: the year that is no year is named on the identity sheet, the damaged sheet is named and the file's other
    sheets are read, and the other units' plans are consolidated."""
    import zipfile

    made = {b.unit: b.path for b in api.generate(soderhamn, None, tmp_path / "ut", round="plan", year=YEAR)}
    plan_type_in(made["KS"], "Tillhandahålla omsorgstjänster", "IM-OMS", [{"kind": "Nämndmål", "text": "Fler nöjda brukare"}])
    plan_type_in(made["KS"], "Skapa arbete & tillväxt", "IM-TIL", [{"kind": "Nämndmål", "text": "Fler företag startar"}])
    budget_type_in(made["BUN"], {"Förskola": 200000})
    wb = openpyxl.load_workbook(made["BUN"])
    ident = wb["_malbok"]
    (year_row,) = [r for r in range(1, ident.max_row + 1) if ident.cell(r, 1).value == "år"]
    ident.cell(year_row, 2).value = "tjugofjorton"  # the year, typed over by hand
    wb.save(made["BUN"])
    data = bytearray(made["KS"].read_bytes())
    wb = openpyxl.load_workbook(made["KS"], read_only=True)
    damaged = "Tillhandahålla omsorgstjänster"
    part = f"xl/worksheets/sheet{wb.sheetnames.index(damaged) + 1}.xml"
    wb.close()
    with zipfile.ZipFile(made["KS"]) as z:
        info = z.getinfo(part)
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + info.compress_size // 3, start + info.compress_size // 3 + 16):
        data[k] ^= 0xFF
    made["KS"].write_bytes(bytes(data))
    pc = api.consolidate(soderhamn, [tmp_path / "ut"], None, round="plan", year=YEAR)
    by_file = {}
    for f in pc.findings:
        by_file.setdefault(f.file, []).append(f)
    (year,) = [f for f in by_file[made["BUN"].name] if f.code == "identitet-andrad"]
    assert year.sheet == "_malbok" and "tjugofjorton" in year.message and year.severity == "fel"
    assert year.cell == f"B{year_row}"  # the cell typed over
    (broken,) = [f for f in by_file[made["KS"].name] if f.code == "trasig-fil"]
    assert broken.sheet == damaged and broken.message.startswith("bladet kan inte läsas")
    data_rows = pc.data[pc.data["Enhet"] == "KS"]
    assert "Fler företag startar" in set(data_rows["Text"]) and "Fler nöjda brukare" not in set(data_rows["Text"])
    assert {"KS", "SOCN", "SNAB"} <= set(pc.consolidated_units) and "BUN" not in pc.consolidated_units


def test_a_return_of_the_other_round_is_the_same_finding_in_both(plan_round, soderhamn, tmp_path):
    """A plan workbook among the follow-up's returns and a follow-up workbook among the plan's are one finding,
    fel-omgang, saying what the file is and what is consolidated (one identity check for both rounds; the
    follow-up used to call it fel-period)."""
    d, books, *_ = plan_round
    period = f"{YEAR}-apr"
    (follow_up,) = [g.path for g in api.generate(soderhamn, period, tmp_path / "f", units=["KS"]) if g.path is not None]
    in_follow_up = api.consolidate(soderhamn, [books["KS"]], period)
    in_plan = api.consolidate(soderhamn, [follow_up], None, round="plan", year=YEAR)
    (a,) = [f for f in in_follow_up.findings if f.file == books["KS"].name and f.code != "saknas"]
    (b,) = [f for f in in_plan.findings if f.file == follow_up.name and f.code != "saknas"]
    assert (a.code, b.code) == ("fel-omgang", "fel-omgang")
    assert a.message.startswith(f"arbetsboken är en verksamhetsplan ({YEAR}), inte uppföljningen")
    assert b.message.startswith(f"arbetsboken är en uppföljning ({period}), inte verksamhetsplanen för {YEAR}")
