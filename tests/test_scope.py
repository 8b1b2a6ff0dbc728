"""Issue 17, layout: what a unit reports or plans is one scope module (malbok.scope), and no reader imports a writer."""

from __future__ import annotations

import subprocess
import sys

import openpyxl

from malbok import api, load_model
from malbok.scope import plan_sheets

from .conftest import TEMPLATES

WRITERS = ("malbok.workbook", "malbok.kfbook", "malbok.reports", "malbok.controllerbook", "malbok.modelbook")


def test_readers_import_no_writer() -> None:
    """Reading and consolidating the returns of both rounds (the plan round's reader and consolidation are in
    malbok.plan) loads none of the workbook and report writers."""
    code = ("import sys, malbok.returns, malbok.consolidation, malbok.scope, malbok.plan; "
            f"print(','.join(m for m in {WRITERS!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"a reader imports the writers {out}"


def test_plan_sheets_are_the_sheets_written(tmp_path) -> None:
    """The plan scope names the sheets the plan writer writes and the plan reader expects, with the council goals on each."""
    model = load_model(TEMPLATES / "soderhamn.yaml")
    for made in api.generate(model, None, tmp_path, round="plan", year=2014):
        assert made.path is not None
        wb = openpyxl.load_workbook(made.path)
        scoped = plan_sheets(model, 2014, made.unit)
        assert [s for s in wb.sheetnames if s not in ("Instruktioner", "Budget") and not s.startswith("_")] == [s for s, _a, _g in scoped]
        for sheet, _area, goals in scoped:
            ids = [c.value for c in wb[sheet]["A"] if c.value and c.value in {g.id for g in model.goals}]
            assert ids == [g.id for g in goals]
