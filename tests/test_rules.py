"""Issue 17: one rule per input cell. What the workbook's Excel validation refuses, the reader flags.

The validations are read back from a generated workbook with openpyxl (as Excel and LibreOffice see
them) and evaluated here on their own terms; the reader's findings must agree.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import range_boundaries

from malbok import consolidate, generate, load_model
from malbok.layout import RANK_RULE, TEXT_RULE, outcome_rule
from malbok.model import Measure

from .conftest import TEMPLATES

PERIOD = "2016-delar"


def excel_accepts(dv: Any, value: Any) -> bool:
    """Whether Excel's data validation ``dv`` (as openpyxl reads it from the file) lets ``value`` into the cell."""
    if dv.type in (None, "none"):
        return True
    if dv.type == "textLength":
        size = len(str(value))
        return _compare(dv, size)
    if dv.type in ("decimal", "whole"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if dv.type == "whole" and not float(value).is_integer():
            return False
        return _compare(dv, value)
    raise AssertionError(f"validation type {dv.type} not covered by this test")


def _compare(dv: Any, v: float) -> bool:
    a = float(dv.formula1)
    b = float(dv.formula2) if dv.formula2 is not None else None
    op = dv.operator or "between"
    return {"between": lambda: a <= v <= b, "notBetween": lambda: not a <= v <= b, "equal": lambda: v == a,
            "notEqual": lambda: v != a, "greaterThan": lambda: v > a, "lessThan": lambda: v < a,
            "greaterThanOrEqual": lambda: v >= a, "lessThanOrEqual": lambda: v <= a}[op]()


@pytest.fixture(scope="module")
def bin_book(tmp_path_factory: Any) -> tuple[Any, Path]:
    model = load_model(TEMPLATES / "hallsberg.yaml")
    d = tmp_path_factory.mktemp("rules")
    (made,) = [g for g in generate(model, PERIOD, d, units=["BIN"]) if g.path is not None]
    return model, made.path


def _validated_cells(path: Path) -> dict[tuple[str, str], Any]:
    """(sheet, cell) -> the validation on it, for every outcome and rank cell of the visible sheets."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Instruktioner":
            continue
        hdr = next(r for r in range(1, 13) if ws.cell(r, 1).value == "ID")
        wanted = {c for c in range(1, ws.max_column + 1) if ws.cell(hdr, c).value in ("Utfall", "Placering")}
        for dv in ws.data_validations.dataValidation:
            for rng in str(dv.sqref).split():
                c1, r1, c2, r2 = range_boundaries(rng)
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        if c in wanted:
                            out[(ws.title, ws.cell(r, c).coordinate)] = dv
    return out


NUMBERS = st.one_of(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False, allow_infinity=False),
                    st.integers(min_value=-10, max_value=500), st.sampled_from([0, 1, 100, 100.5, -0.5, 2.5, 1e12, 1.5e12]))


@settings(max_examples=10, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_excel_refuses_the_reader_flags(bin_book: Any, tmp_path_factory: Any, data: Any) -> None:
    model, src = bin_book
    path = tmp_path_factory.mktemp("rules-fill") / src.name
    shutil.copy(src, path)
    cells = _validated_cells(path)
    assert len(cells) > 10
    wb = openpyxl.load_workbook(path)
    typed = {}
    for (sheet, coord), dv in sorted(cells.items()):
        value = data.draw(NUMBERS, label=f"{sheet}!{coord}")
        wb[sheet][coord].value = value
        typed[(sheet, coord)] = (value, excel_accepts(dv, value))
    wb.save(path)
    cons = consolidate(model, [path], PERIOD)
    flagged = {(f.sheet, f.cell) for f in cons.findings if f.severity == "fel"}
    for place, (value, accepted) in typed.items():
        if not accepted:
            assert place in flagged, f"{place}: Excel refuses {value!r}, the reader says nothing"
        else:
            assert place not in flagged, f"{place}: Excel accepts {value!r}, the reader calls it an error"


def test_the_rules_are_the_validations_written() -> None:
    """Each rule's XlsxWriter options are the rule (a rule cannot be enforced by one side only)."""
    for measure in Measure:
        rule = outcome_rule(measure)
        opts = rule.validation()
        assert opts["validate"] == rule.kind
        if rule.kind in ("decimal", "integer"):
            assert rule.check(float("nan")) and rule.check(float("inf"))
            low = rule.minimum if rule.minimum is not None else -1e300
            assert rule.check(low) is None and rule.check(low - 1)
    assert RANK_RULE.check(3) is None and RANK_RULE.check(-3) and RANK_RULE.check(2.5)
    assert TEXT_RULE.check("a" * 32000) is None and TEXT_RULE.check("a" * 32001)
