"""Issue 21: what people type in Excel and LibreOffice, in Swedish and English settings, ends right in KF.xlsx.

The LibreOffice test types through LibreOffice itself (tests/lo_type.py, run by the system python,
which has LibreOffice's ``uno``); the others write into the cells what each client stores for what
was typed, so the reader's rules are covered without LibreOffice too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from malbok import api, load_model
from malbok.layout import (
    COL_INDEX,
    DECIMAL_HINT,
    IDENTITY_KEYS,
    KIND_INDICATOR,
    PERCENT_CELLS_SHARE,
    outcome_rule,
)
from malbok.model import Measure
from malbok.periods import parse_period
from malbok.workbook import PERCENT_FORMAT, expected_rows, plan_workbook

from .conftest import TEMPLATES
from .helpers import find, type_in

PERIOD = "2016-delar"
LO_TYPE = Path(__file__).with_name("lo_type.py")
SYSTEM_PYTHON = os.environ.get("MALBOK_UNO_PYTHON", "/usr/bin/python3")  # Debian's python3-uno: the system python

# What a person types in a %-indicator's Utfall cell, by locale, and what KF.xlsx must say.
PERCENT_TYPED = {
    "sv-SE": ["85", "85,5", "85 %", "85,5%", "0,855"],
    "en-US": ["85", "85.5", "85 %", "85.5%", "0.855"],
}
PERCENT_MEANT = [85.0, 85.5, 85.0, 85.5, 85.5]
NUMBER_TYPED = {"sv-SE": ["12,5", "1234"], "en-US": ["12.5", "1234"]}
NUMBER_MEANT = [12.5, 1234.0]


def _letter(key: str) -> str:
    return openpyxl.utils.get_column_letter(COL_INDEX[key] + 1)


def _plan_cells(model, period, unit: str, locale: str) -> tuple[list[list[str]], dict[str, float], dict[str, str]]:
    """Every input cell of the unit's workbook with what a person types there; the outcomes and
    comments meant, by ID."""
    plan = plan_workbook(model, period, unit)
    cells: list[list[str]] = []
    outcomes: dict[str, float] = {}
    comments: dict[str, str] = {}
    rows = {(e.kind, e.id): e for e in expected_rows(plan)}
    pct = num = 0
    for sp in plan.sheets:
        for row in sp.rows:
            e = rows[(row.kind, row.id)]
            where = lambda key, e=e: f"{_letter(key)}{e.row}"  # noqa: E731
            if "outcome" in row.inputs and row.indicator is not None:
                m = row.indicator.measure
                if m is Measure.PERCENT:
                    i = pct % 5
                    typed, meant = PERCENT_TYPED[locale][i], PERCENT_MEANT[i]
                    pct += 1
                elif m is Measure.RANK:
                    typed, meant = "17", 17.0
                elif m in (Measure.COUNT, Measure.SEK):
                    typed, meant = "1234", 1234.0
                else:
                    i = num % 2
                    typed, meant = NUMBER_TYPED[locale][i], NUMBER_MEANT[i]
                    num += 1
                cells.append([sp.name, where("outcome"), typed])
                outcomes[row.id] = meant
            if "rank" in row.inputs:
                cells.append([sp.name, where("rank"), "17"])
            if "assessment" in row.inputs and row.scale is not None:
                # the least positive label: never more positive than malbok's suggestion
                label = next(lab.label for lab in row.scale.labels if lab.meaning.value == "ej_uppfyllt")
                cells.append([sp.name, where("assessment"), label])
            if "comment" in row.inputs:
                text = "=se bilaga" if row.kind == KIND_INDICATOR and len(comments) % 3 == 0 else "Analys av utfallet."
                cells.append([sp.name, where("comment"), text])
                comments[row.id] = text
            if "actions" in row.inputs:
                cells.append([sp.name, where("actions"), "-"])
    return cells, outcomes, comments


def _kf_data(kf: Path) -> list[dict]:
    """KF.xlsx's Data sheet as records (header found by its names, wherever the title puts it)."""
    ws = openpyxl.load_workbook(kf, read_only=True)["Data"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows[:12]) if "Enhet" in r and "ID" in r and "Utfall" in r)
    names = rows[head]
    return [dict(zip(names, r, strict=False)) for r in rows[head + 1:] if any(v is not None for v in r)]


@pytest.mark.parametrize("locale", ["sv-SE", "en-US"])
def test_typed_in_libreoffice_ends_right_in_kf(tmp_path, locale):
    """Every input cell typed in LibreOffice (sv-SE and en-US settings), saved as xlsx, consolidated."""
    if not Path(SYSTEM_PYTHON).exists() or subprocess.run([SYSTEM_PYTHON, "-c", "import uno"],
                                                          capture_output=True).returncode != 0:
        pytest.fail("LibreOffice's python (python3-uno) saknas; .ci/run installerar python3-uno")
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) saknas; .ci/run installerar libreoffice-calc-nogui")
    model = load_model(TEMPLATES / "hallsberg.yaml")
    period = parse_period(model, PERIOD)
    sent, returned = tmp_path / "ut", tmp_path / "in"
    returned.mkdir()
    made = api.generate(model, PERIOD, sent, history=False)
    jobs, meant, said = [], {}, {}
    for g in made:
        cells, outcomes, comments = _plan_cells(model, period, g.unit, locale)
        jobs.append({"in": str(g.path), "out": str(returned / g.path.name), "cells": cells})
        meant[g.unit], said[g.unit] = outcomes, comments
    (tmp_path / "jobs.json").write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([SYSTEM_PYTHON, str(LO_TYPE), "--locale", locale, "--profile", str(tmp_path / "lo-profile"),
                          str(tmp_path / "jobs.json")], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    typed = [c for job in json.loads(run.stdout) for c in job]
    assert len(typed) == sum(len(j["cells"]) for j in jobs)
    # FormulaLocal, which the driver types with, does what the cell editor's Enter does
    differ = [(c["typed"], c["type"], c["shown"], c["entered"]) for c in typed
              if (c["type"], c["value"], c["shown"], c["format"]) != tuple(c["entered"][k] for k in ("type", "value", "shown", "format"))]
    assert differ == []
    # LibreOffice parsed the locale's forms as numbers, and kept the comment that looks like a formula as text
    by_text = {(c["typed"], c["type"]) for c in typed}
    for text in PERCENT_TYPED[locale] + NUMBER_TYPED[locale]:
        assert (text, "VALUE") in by_text, (text, locale)
    assert ("=se bilaga", "TEXT") in by_text
    shown = {c["shown"] for c in typed if c["typed"] in PERCENT_TYPED[locale]}
    decimal = "," if locale == "sv-SE" else "."
    assert shown == {f"85{decimal}0 %", f"85{decimal}5 %"}, shown  # the cell shows what the reader takes

    # what LibreOffice saved keeps the percent format the reader relies on, and the validation whose
    # message tells an en-US user who typed 85,5 which decimal separator to use
    first = openpyxl.load_workbook(returned / made[0].path.name)
    pct_cell = next(c for c in jobs[0]["cells"] if c[2] == PERCENT_TYPED[locale][0])
    ws = first[pct_cell[0]]
    assert "%" in ws[pct_cell[1]].number_format.split(";")[0]
    dv = next(d for d in ws.data_validations.dataValidation if pct_cell[1] in d.sqref)
    assert "85.5" in (dv.error or "") and "85,5" in (dv.error or "") and "85.5" in (dv.prompt or "")

    kf = tmp_path / "KF.xlsx"
    cons = api.consolidate(model, returned, PERIOD, out=kf, history=False)
    assert sorted(cons.consolidated_units) == sorted(g.unit for g in made)
    ours = [f for f in cons.findings if f.file]
    assert ours == [], [(f.file, f.sheet, f.cell, f.code, f.message) for f in ours]
    data = [r for r in _kf_data(kf) if r.get("Sammanställning", "enhet") == "enhet"]
    n = 0
    for unit, outcomes in meant.items():
        for rid, value in outcomes.items():
            (rec,) = [r for r in data if r["Enhet"] == unit and r["ID"] == rid]
            assert rec["Utfall"] == pytest.approx(value), (locale, unit, rid, rec["Utfall"])
            n += 1
        for rid, text in said[unit].items():
            (rec,) = [r for r in data if r["Enhet"] == unit and r["ID"] == rid]
            assert rec["Kommentar"] == text, (unit, rid)
    assert n == sum(len(o) for o in meant.values()) >= 30


# -- the rules without LibreOffice ---------------------------------------------------------------


@pytest.fixture
def ks_book(tmp_path, hallsberg):
    (g,) = api.generate(hallsberg, PERIOD, tmp_path, units=["KS"], history=False)
    return g.path


def test_writer_percent_and_text_cells(ks_book):
    wb = openpyxl.load_workbook(ks_book)
    ws = wb["Hållbar kommun"]
    assert ws[find(ws, "HK1", "Utfall")].number_format.replace("\\ ", '" "') == PERCENT_FORMAT
    assert ws[find(ws, "HK3", "Utfall")].number_format != PERCENT_FORMAT  # an index
    assert ws[find(ws, "HK1", "Kommentar")].number_format == "@"
    assert ws[find(ws, "HK1", "Åtgärder")].number_format == "@"
    meta = {r[0]: r[1] for r in wb["_malbok"].iter_rows(values_only=True) if r[0]}
    assert meta[IDENTITY_KEYS["percent_cells"]] == PERCENT_CELLS_SHARE
    # the prompt and the error of every number cell name both decimal separators
    outcome = find(ws, "HK1", "Utfall")
    dv = next(d for d in ws.data_validations.dataValidation if outcome in d.sqref)
    assert "85,5" in dv.prompt and "85.5" in dv.prompt and "85.5" in dv.error and "komma" in dv.error
    for m in (Measure.NUMBER, Measure.PERCENT, Measure.COUNT, Measure.SEK):
        rule = outcome_rule(m)
        assert DECIMAL_HINT in rule.prompt and "punkt" in rule.error and len(rule.prompt) <= 255 and len(rule.error) <= 255


def _outcomes(cons, unit: str = "KS") -> dict[str, float]:
    d = cons.data
    d = d[(d["Enhet"] == unit) & (d["Sammanställning"] == "enhet")]
    return dict(zip(d["ID"], d["Utfall"], strict=True))


def test_what_each_client_stores_is_read_as_meant(ks_book, hallsberg):
    """The values Excel and LibreOffice store for what was typed (see tests/lo_type.py for LibreOffice's own)."""
    where = type_in(ks_book, [
        ("Hållbar kommun", "HK1", "Utfall", 0.85),  # Excel: 85 typed in a percent cell (automatic percent entry)
        ("Hållbar kommun", "HK2", "Utfall", 85.5),  # LibreOffice: 85,5 typed
        ("Livslångt lärande", "LL1", "Utfall", 0.855),  # both: 85,5 % or 0,855 typed
        ("Livslångt lärande", "LL2", "Utfall", "85,5"),  # LibreOffice en-US: 85,5 is text
        ("Hållbar kommun", "HK3", "Utfall", "12.5"),  # an index typed with a point where it became text
    ])
    wb = openpyxl.load_workbook(ks_book)  # a text cell ('@') keeps '=se bilaga' as text in both clients
    cell = wb["Hållbar kommun"][find(wb["Hållbar kommun"], "HK1", "Kommentar")]
    cell.value = "=se bilaga"
    cell.data_type = "s"  # openpyxl would write a formula
    wb.save(ks_book)
    where[("Hållbar kommun", "HK1", "Kommentar")] = cell.coordinate
    cons = api.consolidate(hallsberg, [ks_book], PERIOD, history=False)
    got = _outcomes(cons)
    assert got["HK1"] == pytest.approx(85) and got["HK2"] == pytest.approx(85.5)
    assert got["LL1"] == pytest.approx(85.5) and got["LL2"] == pytest.approx(85.5) and got["HK3"] == pytest.approx(12.5)
    cells = set(where.values())
    assert not [f for f in cons.findings if f.cell in cells and f.code != "utfall-saknas"]
    d = cons.data
    assert d[(d["Enhet"] == "KS") & (d["ID"] == "HK1")]["Kommentar"].iloc[0] == "=se bilaga"


def test_unclear_and_wrong_percentages_are_findings(ks_book, hallsberg):
    where = type_in(ks_book, [
        ("Hållbar kommun", "HK1", "Utfall", 0.93),  # in a cell reformatted as a plain number: 0,93 % or 93 %?
        ("Hållbar kommun", "HK2", "Utfall", "0,5"),  # a text share without % sign
        ("Livslångt lärande", "LL1", "Utfall", 855),  # LibreOffice en-US: 0,855 read with a thousands comma
    ], number_format={("Hållbar kommun", "HK1", "Utfall"): "0.00"})
    cons = api.consolidate(hallsberg, [ks_book], PERIOD, history=False)
    by = {(f.sheet, f.cell): f for f in cons.findings}
    f = by[("Hållbar kommun", where[("Hållbar kommun", "HK1", "Utfall")])]
    assert f.code == "andel-som-procent" and f.file == ks_book.name and "93 %" in f.message
    assert by[("Hållbar kommun", where[("Hållbar kommun", "HK2", "Utfall")])].code == "andel-som-procent"
    f = by[("Livslångt lärande", where[("Livslångt lärande", "LL1", "Utfall")])]
    assert f.code == "utanfor-intervall" and "decimaltecken" in f.message and "0.855" in f.message
    assert _outcomes(cons)["HK1"] == pytest.approx(0.93)


def test_values_from_an_open_workbook_read_percent_cells_by_the_workbooks_word(ks_book, hallsberg):
    """Through xlwings only values are known: malbok's mark in the metadata says its %-cells hold shares."""
    type_in(ks_book, [("Hållbar kommun", "HK1", "Utfall", 0.855), ("Hållbar kommun", "HK2", "Utfall", 85)])
    wb = openpyxl.load_workbook(ks_book)
    sheets = {ws.title: [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    from malbok.consolidation import consolidate

    cons = consolidate(hallsberg, [], parse_period(hallsberg, PERIOD), values={ks_book.name: sheets})
    got = _outcomes(cons)
    assert got["HK1"] == pytest.approx(85.5) and got["HK2"] == pytest.approx(85)
    assert not [f for f in cons.findings if f.code == "andel-som-procent"]


def test_a_comment_that_became_a_formula_is_explained(ks_book, hallsberg):
    """In a cell that is not a text cell (a workbook from before), '=se bilaga' is a formula: the finding says why."""
    wb = openpyxl.load_workbook(ks_book)
    ws = wb["Hållbar kommun"]
    cell = ws[find(ws, "HK2", "Kommentar")]
    cell.number_format = "General"
    cell.value = "=se bilaga"  # openpyxl writes a formula without a saved result, as a client that does not calculate
    wb.save(ks_book)
    cons = api.consolidate(hallsberg, [ks_book], PERIOD, history=False)
    (f,) = [f for f in cons.findings if f.cell == cell.coordinate and f.sheet == "Hållbar kommun"]
    assert f.code == "formel-utan-varde" and "apostrof" in f.message and f.file == ks_book.name


def test_percent_cells_from_the_read_xml_equal_those_read_from_the_file(tmp_path) -> None:  # noqa: ANN001
    """The number formats the reader keeps from its own reading give the same percent cells as reading the
    file's parts again (the slower way, used when they are not kept)."""
    from malbok.returns import percent_cells, percent_styles, read_return, styled_cells

    res = api.demo(tmp_path / "demo")
    for path in res.returned:
        ret = read_return(path)
        assert ret._formats is not None
        styles, sheets = ret._formats
        assert sheets and percent_styles(styles)
        for sheet, xml in sheets.items():
            assert styled_cells(xml, percent_styles(styles)) == percent_cells(path, sheet), (path.name, sheet)
