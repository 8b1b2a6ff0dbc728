"""Issue 17: one layout, one pipeline — the defects found where the same thing was written twice."""

from __future__ import annotations

from malbok import consolidate, generate

from .helpers import type_in

PERIOD = "2016-delar"


def test_negative_rank_is_refused_not_judged(hallsberg, tmp_path):
    """A rank of −3 is outside what the workbook's validation allows: the reader says so and judges nothing from it."""
    books = {g.unit: g.path for g in generate(hallsberg, PERIOD, tmp_path, units=["BIN"])}
    where = type_in(books["BIN"], [("Livslångt lärande", "LL7", "Utfall", -3)])
    cons = consolidate(hallsberg, [books["BIN"]], PERIOD)
    cell = where[("Livslångt lärande", "LL7", "Utfall")]
    hits = [f for f in cons.findings if f.row_id == "LL7" and f.code == "utanfor-intervall"]
    assert [(f.sheet, f.cell) for f in hits] == [("Livslångt lärande", cell)]
    assert "placering" in hits[0].message
    row = cons.data[(cons.data["Enhet"] == "BIN") & (cons.data["ID"] == "LL7")].iloc[0]
    assert row["Förslag"] != "Uppfyllt" and "-3" not in row["Förslagsskäl"]


def _ids_twice(plan) -> list[tuple[str, str]]:
    """(sheet, ID) of every ID that stands on more than one row of a sheet."""
    out = []
    for sp in plan.sheets:
        ids = [r.id for r in sp.rows]
        out += [(sp.name, i) for i in sorted({i for i in ids if ids.count(i) > 1})]
    return out


def test_no_goal_twice_on_a_sheet(hallefors, soderhamn, hallsberg):
    """A goal the unit assesses is not repeated as the locked context of the goals under it, and stands before them."""
    from malbok.layout import KIND_CONTEXT
    from malbok.model import Goal
    from malbok.periods import periods_of_year
    from malbok.workbook import plan_workbook

    # Hällefors with its resultatmål under the unit's own inriktningsmål: a model of goals only
    under = ("RM1.5", "RM1.6", "RM1.11")  # followed up in December, like the inriktningsmål at the bokslut
    goals = [g.model_copy(update={"parent": "IM1.1", "follow_up": ["bokslut"]}) if g.id in under else g for g in hallefors.goals]
    nested = hallefors.changed(goals=goals)
    checked = 0
    for model in (hallsberg, hallefors, nested, soderhamn):
        for period in periods_of_year(model, model.mandate.start):
            for u in model.units:
                plan = plan_workbook(model, period, u.code)
                assert _ids_twice(plan) == [], (model.id, period.id, u.code)
                checked += 1
    ks = plan_workbook(nested, next(p for p in periods_of_year(nested, 2011) if p.occasion.id == "bokslut"), "KS")
    rows = [(r.id, r.kind) for sp in ks.sheets for r in sp.rows]
    assert ("IM1.1", KIND_CONTEXT) not in rows
    assert rows.index(("IM1.1", "Mål")) < rows.index(("RM1.5", "Mål")) < rows.index(("RM1.11", "Mål"))
    assert checked > 50
    assert isinstance(goals[0], Goal)


def test_delar_from_a_plan_has_each_goal_once_and_activities_as_activities(soderhamn):
    from malbok.model import Activity, Plan, PlanGoal
    from malbok.periods import parse_period
    from malbok.plan import apply_plans
    from malbok.workbook import plan_workbook

    plan = Plan.model_validate({"enhet": "KS", "år": 2014, "mål": [PlanGoal(id="KS-M1", överordnat="IM-OMS", text="Nöjdare brukare")],
                                "aktiviteter": [Activity(id="KS-A1", mål="KS-M1", text="Utbilda personalen")]})
    model = apply_plans(soderhamn.changed(plans=[plan]), 2014)
    wb = plan_workbook(model, parse_period(model, "2014-delar"), "KS")
    assert _ids_twice(wb) == []
    kinds = {r.id: r.kind for sp in wb.sheets for r in sp.rows}
    assert kinds["KS-M1"] == "Mål" and kinds["KS-A1"] == "Aktivitet" and kinds["IM-OMS"] == "Mål"


def test_programme_results_reach_kf_and_word(soderhamn, tmp_path):
    """Handlingsprogram rows that every unit fills in reach KF.xlsx (their own sheet and Översikt) and the Word chapter."""
    import docx
    import openpyxl

    from malbok import report
    from malbok.kfbook import write_kf

    period = "2014-apr"
    made = [g for g in generate(soderhamn, period, tmp_path / "ut") if g.path is not None]
    assert {g.unit for g in made} >= {"KS", "BUN"}
    comments = {}
    for g in made:
        comments[g.unit] = f"Programmet följs enligt plan hos {g.unit}, med fler samverkansmöten"
        type_in(g.path, [("Handlingsprogram", "HP1", "Bedömning", "Uppfyllt" if g.unit == "KS" else "Delvis uppfyllt"),
                         ("Handlingsprogram", "HP1", "Kommentar", comments[g.unit])])
    cons = consolidate(soderhamn, [tmp_path / "ut"], period)
    kf = write_kf(cons, tmp_path / "KF.xlsx")
    wb = openpyxl.load_workbook(kf)
    assert "Handlingsprogram" in wb.sheetnames
    texts = {c.value for row in wb["Handlingsprogram"].iter_rows() for c in row if isinstance(c.value, str)}
    assert set(comments.values()) <= texts and "Kommunstyrelsen" in texts
    overview = [[c.value for c in row] for row in wb["Översikt"].iter_rows()]
    assert any(r[:4] == ["HP1", "Handlingsprogram (exempel)", "Uppfyllt", "1"] for r in overview)
    out = report(kf, tmp_path / "KF.docx")
    doc = docx.Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Handlingsprogram" in headings and "Handlingsprogram (exempel)" in headings
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert set(comments.values()) <= cells and "Kommunstyrelsen" in cells


def test_sheet_names_whole_when_they_fit():
    from malbok.layout import sheet_name

    taken: set[str] = set()
    assert sheet_name("God service", taken) == "God service"
    assert sheet_name("Hållbar kommun", taken) == "Hållbar kommun"
    assert sheet_name("God service", taken) == "God service (2)"
    long = sheet_name("Kommunen som prioriterar hållbar tillväxt och utveckling", taken)
    assert len(long) <= 31 and long.endswith("…") and " " in long


def test_counts_in_the_right_form():
    from malbok.findings import counted

    assert [counted(n, "varning", "varningar") for n in (0, 1, 2)] == ["0 varningar", "1 varning", "2 varningar"]


def test_one_sequence_for_cli_excel_and_demo(hallsberg, tmp_path):
    """consolidate → KF.xlsx → Word → CSV is api.consolidate's; the CLI's --docx and --csv are the button's outputs."""
    from typer.testing import CliRunner

    from malbok.cli import app
    from malbok.filler import fill_workbook
    from malbok.periods import parse_period

    from .conftest import TEMPLATES

    made = [g for g in generate(hallsberg, PERIOD, tmp_path / "in", units=["KS", "BIN"]) if g.path is not None]
    for g in made:
        fill_workbook(g.path, hallsberg, parse_period(hallsberg, PERIOD), g.unit)
    res = CliRunner().invoke(app, ["consolidate", str(TEMPLATES / "hallsberg.yaml"), str(tmp_path / "in"), "--period", PERIOD,
                                   "--out", str(tmp_path / "KF.xlsx"), "--docx", str(tmp_path / "KF.docx"),
                                   "--csv", str(tmp_path / "data.csv"), "--historik", str(tmp_path / "h.sqlite")])
    assert res.exit_code == 0, res.output
    assert all((tmp_path / n).stat().st_size > 1000 for n in ("KF.xlsx", "KF.docx", "data.csv"))
    assert f"Skrev {tmp_path / 'KF.docx'}." in res.output.replace("\n", "")
    cons = consolidate(hallsberg, [tmp_path / "in"], PERIOD, out=tmp_path / "KF2.xlsx", csv=tmp_path / "d2.csv", history=False)
    assert cons.written == [tmp_path / "KF2.xlsx", tmp_path / "d2.csv"]
    nothing = consolidate(hallsberg, [tmp_path / "KF.docx"], PERIOD, out=tmp_path / "KF3.xlsx", history=False)
    assert nothing.written == [] and not (tmp_path / "KF3.xlsx").exists()


# what the shells may import besides malbok.api: words, numbers, errors and the styrmodell's types (no step of the pipeline)
SHELL_WORDS = {"api", "errors", "findings", "messages", "model", "sv_cli", "util", "values"}
SHELL_ALLOWED = {"cli.py": SHELL_WORDS, "excel.py": SHELL_WORDS | {"controllerbook", "layout"}}  # + the settings sheet's declaration


def test_the_shells_call_only_the_api():
    """The CLI and the xlwings layer hold no logic of their own: of malbok they import (at the top or inside a function)
    only malbok.api and modules of words and types, never the readers, writers, consolidation or reports."""
    import ast
    from pathlib import Path

    import malbok

    for name, allowed in SHELL_ALLOWED.items():
        tree = ast.parse((Path(malbok.__file__).parent / name).read_text(encoding="utf-8"))
        used = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("malbok")):
                module = (node.module or "").removeprefix("malbok").lstrip(".")
                used |= {module.split(".")[0]} if module else {a.name for a in node.names}
            elif isinstance(node, ast.Import):
                used |= {a.name.split(".")[1] for a in node.names if a.name.startswith("malbok.")}
        assert "api" in used and used <= allowed, f"{name} imports {sorted(used - allowed)} of malbok, not through malbok.api"


def test_docx_or_csv_without_the_workbook_is_refused(hallsberg, tmp_path):
    """The Word chapter and the CSV are made from the KF workbook: asked for without it, the API says so instead of
    silently writing nothing."""
    import pytest

    from malbok import api
    from malbok.util import InputError

    with pytest.raises(InputError, match="ange också --out"):
        api.consolidate(hallsberg, [tmp_path], PERIOD, docx=tmp_path / "KF.docx", history=False)
    assert not (tmp_path / "KF.docx").exists()
