"""Issue 17's invariant: every value a nämnd types reaches the consolidated output, or a finding names its cell.

Hypothesis types random values into every input cell of a generated workbook the way people type them
(numbers, Swedish text numbers, percent cells, labels, long and odd text, blanks), optionally sorts the
rows, inserts a column or adds a note row, saves with openpyxl and consolidates. Then each typed value
is in ``Data`` (follow-up) or the Budget tables (plan round) with its unit and ID, or a finding names
that file, sheet and cell. Never neither.
"""

from __future__ import annotations

import math
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from malbok import consolidate, generate, load_model
from malbok.layout import BUDGET_TABLE, FRAME_LABEL, PLAN_AREA, ROWS_SHEET
from malbok.layout import MEASURE_WORDS as MEASURES
from malbok.model import Measure
from malbok.periods import periods_of_year
from malbok.returns import read_registry, sheet_rows

from .conftest import TEMPLATES

SETTINGS = settings(max_examples=12, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])

# -- how people type -------------------------------------------------------------------------------------

WORDS = st.sampled_from(["bra", "Målet", "nåddes", "inte", "på", "grund", "av", "färre", "öppettider", "85", "%", "=se", "bilaga",
                         "+46", "-", "Åtgärd:", "\t", "ökad", "samverkan", "x", "€", "—", "1/2"])
FREE_TEXT = st.one_of(
    st.lists(WORDS, min_size=1, max_size=12).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40),
    st.just("=se bilaga"), st.just("Rad ett\nRad två\nRad tre"), st.just("a" * 5000),
).filter(lambda t: t.strip() != "")


def _sv(x: float, decimals: int) -> str:
    text = f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


@st.composite
def outcome(draw: Any, measure: Measure) -> tuple[Any, float | None, str | None]:
    """(what is typed, the number it means or None when it is no number, a number format for the cell)."""
    hi = 100.0 if measure is Measure.PERCENT else 50000.0
    x = draw(st.floats(min_value=0, max_value=hi, allow_nan=False).map(lambda v: round(v, 1)))
    kind = draw(st.sampled_from(["number", "int", "sv", "sv-space", "sv-pct", "pct-cell", "text", "negative", "huge"]))
    share = measure is Measure.PERCENT  # a %-indicator's cell is a percent cell: a number up to 1 is a share (0,3 is 30 %)
    if kind == "number":
        return x, x * 100 if share and 0 < x <= 1 else x, None
    if kind == "int":
        return int(x), float(int(x)) * 100 if share and int(x) == 1 else float(int(x)), None
    if kind == "sv":
        return _sv(x, 1), x, None
    if kind == "sv-space":
        return f" {_sv(x, 1)} ", x, None
    if kind == "sv-pct":
        return f"{_sv(x, 1)} %", x, None
    if kind == "pct-cell" and measure is Measure.PERCENT:
        return round(x / 100, 4), round(x, 2), "0.0%"
    if kind == "negative":
        return -x - 1, -x - 1, None
    if kind == "huge":
        return 1e15, 1e15, None
    return draw(FREE_TEXT), None, None


def _assessment(labels: list[str]) -> st.SearchStrategy[tuple[Any, str | None]]:
    exact = st.sampled_from(labels).map(lambda lab: (lab, lab))
    sloppy = st.sampled_from(labels).map(lambda lab: (f"  {lab.upper()} ", lab))
    other = FREE_TEXT.map(lambda t: (t, None))
    return st.one_of(exact, exact, sloppy, other)


def sort_by_id(ws: Any, header_row: int) -> dict[int, int]:
    """The rows under the header sorted by their first column (the ID), descending, as a unit does with Excel's sort:
    values and number formats move with their row. Returns each row's old number -> its new one."""
    first = header_row + 1
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=ws.max_row)]
    fmts = [[c.number_format for c in row] for row in ws.iter_rows(min_row=first, max_row=ws.max_row)]
    order = sorted(range(len(rows)), key=lambda i: str(rows[i][0]), reverse=True)
    for new, old in enumerate(order):
        for c, v in enumerate(rows[old], start=1):
            ws.cell(first + new, c).value = v
            ws.cell(first + new, c).number_format = fmts[old][c - 1]
    return {first + old: first + new for new, old in enumerate(order)}


# -- the follow-up ---------------------------------------------------------------------------------------


def _header(ws: Any) -> tuple[int, dict[str, int]]:
    for r in range(1, 13):
        if ws.cell(r, 1).value == "ID":
            return r, {ws.cell(r, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(r, c).value}
    raise AssertionError("no header")


HEADER_OF = {"outcome": "Utfall", "rank": "Placering", "assessment": "Bedömning", "comment": "Kommentar", "actions": "Åtgärder"}
DATA_OF = {"outcome": "Utfall", "rank": "Placering", "assessment": "Bedömning", "comment": "Kommentar", "actions": "Åtgärder"}


@pytest.fixture(scope="module")
def followup_books(tmp_path_factory: Any) -> dict[str, tuple[Any, str, Path]]:
    """Per model: the model, a period, and a folder of generated workbooks (copied for each example)."""
    out = _Quiet()
    for name, occasion, later in (("hallsberg", "delar", 1), ("hallefors", "dec", 0), ("soderhamn", "apr", 1)):
        model = load_model(TEMPLATES / f"{name}.yaml")
        year = model.mandate.start + later
        period = next(p.id for p in periods_of_year(model, year) if p.occasion.id == occasion)
        d = tmp_path_factory.mktemp(name)
        generate(model, period, d)
        out[name] = (model, period, d)
    out["soderhamn-plan"] = _delar_from_a_plan(tmp_path_factory.mktemp("soderhamn-plan"))
    return out


def _delar_from_a_plan(d: Path) -> tuple[Any, str, Path]:
    """Söderhamn's delår workbooks built from the units' plans: beside the council's goals, each unit's own nämndmål,
    activities (on the activity scale) and indicators are rows to fill."""
    from malbok.model import Activity, Plan, PlanGoal, PlanIndicator
    from malbok.plan import apply_plans

    soderhamn = load_model(TEMPLATES / "soderhamn.yaml")
    plans = [Plan.model_validate({
        "enhet": unit, "år": 2014,
        "mål": [PlanGoal(id=f"{unit}-M1", överordnat=goal, text="Nöjdare brukare", målvärde="minst 90 %")],
        "aktiviteter": [Activity(id=f"{unit}-A1", mål=f"{unit}-M1", text="Utbilda personalen", ansvarig="Chefen"),
                        Activity(id=f"{unit}-A2", mål=goal, text="Ta fram en garanti")],
        "indikatorer": [PlanIndicator(id=f"{unit}-I1", mål=f"{unit}-M1", text="Andel nöjda", måttenhet="procent",
                                      målvärde="90")],
    }) for unit, goal in (("KS", "IM-OMS"), ("BUN", "IM-LAR"))]
    model = apply_plans(soderhamn.changed(plans=plans), 2014)
    made = [g.path for g in generate(model, "2014-delar", d, units=["KS", "BUN"]) if g.path is not None]
    assert len(made) == 2
    return model, "2014-delar", d


class _Quiet(dict):  # type: ignore[type-arg]
    """The fixtures' models, without printing them whole in Hypothesis' falsifying example."""

    def __repr__(self) -> str:
        return f"<{', '.join(self)}>"


@pytest.mark.parametrize("name", ["hallsberg", "hallefors", "soderhamn", "soderhamn-plan"])
@SETTINGS
@given(data=st.data())
def test_every_typed_value_reaches_data_or_a_finding(name: str, followup_books: Any, tmp_path_factory: Any, data: Any) -> None:
    model, period, books = followup_books[name]
    files = sorted(books.glob("*.xlsx"))
    src = data.draw(st.sampled_from(files), label="workbook")
    work = tmp_path_factory.mktemp("fill")
    path = work / src.name
    shutil.copy(src, path)
    unit = path.stem.split("_")[-1]
    wb = openpyxl.load_workbook(path)
    registry = read_registry(lambda n: [[c.value for c in row] for row in wb[n].iter_rows()], wb.sheetnames)
    scales = {s.id: [lab.label for lab in s.labels] for s in model.scales}
    measures = {i.id: i.measure for i in model.indicators}
    typed: list[tuple[str, str, str, str, Any, Any]] = []  # sheet, kind, id, key, typed, meant
    for exp in registry:
        if not exp.inputs:
            continue
        ws = wb[exp.sheet]
        hdr, cols = _header(ws)
        for key in exp.inputs:
            if not data.draw(st.booleans(), label="fill?"):
                continue
            cell = ws.cell(exp.row, cols[HEADER_OF[key]])
            fmt = None
            if key == "outcome":
                measure = measures.get(exp.id, Measure.NUMBER)
                if measure is Measure.TEXT:
                    value, meant = (t := data.draw(FREE_TEXT)), t.strip()
                else:
                    value, meant, fmt = data.draw(outcome(measure))
            elif key == "rank":
                r = data.draw(st.integers(min_value=-5, max_value=400))
                value, meant = data.draw(st.sampled_from([r, str(r)])), float(r)
            elif key == "assessment":
                value, meant = data.draw(_assessment(scales[exp.scale]))
            else:
                value = data.draw(FREE_TEXT)
                meant = value.strip()
            cell.value = value
            if fmt:
                cell.number_format = fmt
            typed.append((exp.sheet, exp.kind, exp.id, key, value, meant))
    edit = data.draw(st.sampled_from(["none", "sort", "insert-column", "note-row", "added-row"]), label="edit")
    added: list[tuple[str, str, Any]] = []  # (sheet, cell, typed) on a row the nämnd added, without an ID
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Instruktioner":
            continue
        hdr, cols = _header(ws)
        if edit == "sort" and ws.max_row > hdr + 1:
            sort_by_id(ws, hdr)
        elif edit == "insert-column":
            ws.insert_cols(3)
            ws.cell(hdr, 3).value = "Egen anteckning"
        elif edit == "note-row":
            # not asserted: a text outside the input columns of a row without an ID is not named yet (see
            # test_consolidate.py::test_a_note_under_the_table_is_named, the lead's returns.py)
            ws.cell(ws.max_row + 2, 4).value = "Anteckning från nämndsekreteraren: se bilaga 2"
        elif edit == "added-row":  # a row typed below the table, as if to add an indicator
            r = ws.max_row + 1
            for head in ("Utfall", "Kommentar"):
                if head in cols:
                    cell = ws.cell(r, cols[head])
                    cell.value = data.draw(st.one_of(FREE_TEXT, st.floats(0, 100, allow_nan=False)), label="added")
                    added.append((ws.title, cell.coordinate, cell.value))
    wb.save(path)
    del registry

    cons = consolidate(model, [path], period)
    # where each typed value ended up, found again by ID and header after the edit
    wb = openpyxl.load_workbook(path)
    place: dict[tuple[str, str, str], str] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Instruktioner":
            continue
        hdr, cols = _header(ws)
        for r in range(hdr + 1, ws.max_row + 1):
            rid = ws.cell(r, cols["ID"]).value
            if rid:
                for key, head in HEADER_OF.items():
                    if head in cols:
                        place[(ws.title, str(rid), key)] = ws.cell(r, cols[head]).coordinate
    named = {(f.file, f.sheet, f.cell) for f in cons.findings}
    for sheet, cell, value in added:
        assert (path.name, sheet, cell) in named, f"{sheet}!{cell} typed {value!r} on a row without an ID: no finding"
    rows = cons.data[(cons.data["Enhet"] == unit) & (cons.data["Sammanställning"] == "enhet")]
    by_key = {(r["Typ"], r["ID"]): r for r in rows.to_dict("records")}
    for sheet, kind, rid, key, value, meant in typed:
        cell = place[(sheet, rid, key)]
        if (path.name, sheet, cell) in named:
            continue  # a finding names the cell
        rec = by_key.get((kind, rid))
        assert rec is not None, f"{sheet}!{cell} ({rid}, {key}) typed {value!r}: no Data row and no finding"
        got = rec[DATA_OF[key]]
        if key in ("outcome", "rank"):
            assert meant is not None, f"{sheet}!{cell} typed {value!r}: taken as {got!r} with no finding"
            if isinstance(meant, str):  # a text indicator's outcome is kept as text
                continue
            assert not (isinstance(got, float) and math.isnan(got)) and got == pytest.approx(meant, rel=1e-9), \
                f"{sheet}!{cell} typed {value!r}: Data has {got!r}, meant {meant!r}, and no finding"
        elif key == "assessment":
            assert meant is not None and got == meant, f"{sheet}!{cell} typed {value!r}: Data has {got!r} and no finding"
        else:
            assert got == meant, f"{sheet}!{cell} typed {value!r}: Data has {got!r} and no finding"


# -- the plan round --------------------------------------------------------------------------------------

PLAN_HEAD = {c.key: c.header for c in PLAN_AREA.columns}
PLAN_DATA = {"owner": "Ansvarig", "start": "Start", "end": "Slut", "measure": "Måttenhet", "target": "Målvärde",
             "comment": "Kommentar", "text": "Text"}
BUDGET_HEAD = {c.key: c.header for c in BUDGET_TABLE.columns}
PLAN_EDITS = ["none", "sort", "insert-column", "note-row"]
NOTE = "Anteckning från nämndsekreteraren: se bilaga 2"


def _day(draw: Any) -> Any:
    return draw(st.one_of(st.dates(date(2013, 1, 1), date(2018, 12, 31)).map(lambda d: datetime(d.year, d.month, d.day)),
                          st.just("2014-03-31"), FREE_TEXT))


@st.composite
def plan_row(draw: Any, kinds: list[str], goals: list[str]) -> dict[str, Any]:
    """A row a unit types under the council's goals: its kind and text, and any of the other inputs, "Kopplat till" a goal of
    the sheet (as written or in lower case), a goal that is not the council's, or left empty (the goal above)."""
    kind = draw(st.sampled_from(kinds))
    row: dict[str, Any] = {"kind": kind, "text": draw(FREE_TEXT)}
    for key in ("owner", "target", "comment"):
        if draw(st.booleans()):
            row[key] = draw(FREE_TEXT)
    for key in ("start", "end"):
        if draw(st.booleans()):
            row[key] = _day(draw)
    if draw(st.booleans()):
        row["measure"] = draw(st.sampled_from(["procent", "antal", "kr", "index", "tal", "%", "st", "liter"]))
    if goals and draw(st.booleans()):
        goal = draw(st.sampled_from(goals))
        row["link"] = draw(st.sampled_from([goal, goal.lower(), "IT-MÅL", f" {goal} "]))
    return row


@pytest.fixture(scope="module")
def plan_books(tmp_path_factory: Any) -> dict[str, tuple[Any, int, Path]]:
    from malbok import api

    out = _Quiet()
    for name in ("soderhamn", "hallefors"):
        model = load_model(TEMPLATES / f"{name}.yaml")
        year = model.mandate.start + 1
        d = tmp_path_factory.mktemp(f"plan-{name}")
        api.generate(model, None, d, round="plan", year=year)
        out[name] = (model, year, d)
    return out


def test_hallsberg_has_no_plan_to_fill(tmp_path: Path) -> None:
    """The third bundled model has nothing a unit fills in the plan round: Hallsberg steers by indicators only (no
    council goal to plan under) and gives no budget frames, so no plan workbook is written, in any year of the mandate;
    the plan round's invariant above therefore runs on the other two."""
    from malbok import api

    model = load_model(TEMPLATES / "hallsberg.yaml")
    assert not model.goals and not any(u.frames for u in model.units)
    for year in range(model.mandate.start, model.mandate.end + 1):
        made = api.generate(model, None, tmp_path / str(year), round="plan", year=year)
        assert made and all(b.path is None for b in made), year
        assert not list((tmp_path / str(year)).glob("*.xlsx"))


def _plan_header(ws: Any, first: str, scan: int) -> tuple[int, dict[str, int]]:
    for r in range(1, scan + 1):
        texts = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        if first in texts and ("Text" in texts or "Belopp (tkr)" in texts):
            return r, {t: c for c, t in enumerate(texts, start=1) if t}
    raise AssertionError(f"no header on {ws.title}")


@pytest.mark.parametrize("name", ["soderhamn", "hallefors"])
@SETTINGS
@given(data=st.data())
def test_every_value_typed_in_a_plan_reaches_budget_or_a_finding(name: str, plan_books: Any, tmp_path_factory: Any,
                                                                  data: Any) -> None:
    """Every cell typed in a plan workbook (the plan sheets' rows, the Budget sheet's lines and frame), after the unit
    sorted its rows, inserted a column or added a note row: in Budget.xlsx with its unit and cell, or a finding names
    the cell (or, for a row not taken, the row)."""
    from openpyxl.utils import get_column_letter

    from malbok import api

    model, year, books = plan_books[name]
    src = data.draw(st.sampled_from(sorted(books.glob("*.xlsx"))), label="workbook")
    work = tmp_path_factory.mktemp("plan-fill")
    path = work / src.name
    shutil.copy(src, path)
    unit = path.stem.split("_")[-1]
    wb = openpyxl.load_workbook(path)
    areas = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title not in ("Instruktioner", "Budget")]
    typed: list[tuple[str, int, str, Any]] = []  # sheet, row as typed, key, value
    for ws in areas:
        hdr, cols = _plan_header(ws, "ID", 10)
        goals = [str(ws.cell(r, 1).value) for r in range(hdr + 1, ws.max_row + 1) if ws.cell(r, 1).value]
        spare = [r for r in range(hdr + 1, ws.max_row + 1) if not ws.cell(r, 1).value]
        n = data.draw(st.integers(0, min(4, len(spare))), label="rows")
        for r in spare[:n]:
            for key, value in data.draw(plan_row(["Nämndmål", "Aktivitet", "Indikator"], goals)).items():
                ws.cell(r, cols[PLAN_HEAD[key]]).value = value
                typed.append((ws.title, r, key, value))
    bs = wb["Budget"]
    hdr, bcols = _plan_header(bs, "Verksamhet", 12)
    amounts: list[tuple[int, str, Any, float | None]] = []  # row, key, typed, the number meant
    frame_row = next(r for r in range(1, hdr) if bs.cell(r, 1).value == FRAME_LABEL)
    if not bs.cell(frame_row, bcols["Belopp (tkr)"]).protection.locked and data.draw(st.booleans(), label="frame?"):
        x = data.draw(st.integers(0, 900000))
        value, meant = data.draw(st.sampled_from([(x, float(x)), (_sv(x, 0), float(x)), (f"ca {x}", None)]), label="frame")
        bs.cell(frame_row, bcols["Belopp (tkr)"]).value = value
        amounts.append((frame_row, "frame", value, meant))
    for r in range(hdr + 1, bs.max_row + 1):
        if bs.cell(r, 1).value == "Summa":
            break
        if data.draw(st.booleans(), label="amount?"):
            if not bs.cell(r, 1).value:
                bs.cell(r, 1).value = data.draw(FREE_TEXT)
            x = data.draw(st.integers(0, 900000))
            value, meant = data.draw(st.sampled_from([(x, float(x)), (_sv(x, 0), float(x)), (f"ca {x}", None)]))
            bs.cell(r, bcols["Belopp (tkr)"]).value = value
            amounts.append((r, "amount", value, meant))
        if data.draw(st.booleans(), label="comment?"):
            value = data.draw(FREE_TEXT)
            bs.cell(r, bcols["Kommentar"]).value = value
            amounts.append((r, "comment", value, None))

    edit = data.draw(st.sampled_from(PLAN_EDITS), label="edit")
    moved: dict[tuple[str, int], int] = {}  # (sheet, row as typed) -> its row after the edit
    notes: list[tuple[str, str]] = []  # (sheet, cell) of a note typed below the table
    for ws in [*areas, bs]:
        hdr, _cols = _plan_header(ws, "ID" if ws is not bs else "Verksamhet", 12)
        if edit == "sort" and ws is not bs and ws.max_row > hdr + 1:
            moved.update({(ws.title, old): new for old, new in sort_by_id(ws, hdr).items()})
        elif edit == "insert-column":
            ws.insert_cols(3)
            ws.cell(hdr, 3).value = "Egen anteckning"
        elif edit == "note-row":
            cell = ws.cell(ws.max_row + 2, 4 if ws is not bs else 1)
            cell.value = NOTE
            notes.append((ws.title, cell.coordinate))
    wb.save(path)

    pc = api.consolidate(model, [path], None, round="plan", year=year)
    named_cells = {(f.sheet, f.cell) for f in pc.findings}
    named_rows = {(f.sheet, int("".join(ch for ch in f.cell if ch.isdigit()))) for f in pc.findings if f.cell}
    data_rows = pc.data.to_dict("records")
    for sheet, cell in notes:  # a note of the unit's own: read, or a finding names it or its row
        row = int("".join(ch for ch in cell if ch.isdigit()))
        assert (sheet, row) in named_rows or any(NOTE in str(v) for r in data_rows for v in r.values()), \
            f"{sheet}!{cell}: the note typed there is neither in Budget.xlsx nor named"
    wb = openpyxl.load_workbook(path)  # the columns as the edit left them
    letters = {}
    for ws in [*areas, bs]:
        _hdr, cols = _plan_header(wb[ws.title], "ID" if ws is not bs else "Verksamhet", 12)
        letters[ws.title] = {head: get_column_letter(c) for head, c in cols.items()}
    by_cell = {r["Cell"]: r for r in data_rows if r["Typ"] != "Budget"}
    for sheet, typed_row, key, value in typed:
        r = moved.get((sheet, typed_row), typed_row)
        letter = letters[sheet][PLAN_HEAD[key]]
        if (sheet, f"{letter}{r}") in named_cells:
            continue  # a finding names this very cell
        rec = by_cell.get(f"{sheet}!{letters[sheet]['Text']}{r}")
        if rec is None:  # the row is not in Budget.xlsx: then a finding must name the row
            assert (sheet, r) in named_rows, f"{sheet}!{letter}{r} typed {value!r}: no Budget.xlsx row and no finding"
            continue
        # the row is there: every other cell typed in it must be too, whatever else on the row was named
        assert rec["Enhet"] == unit
        if key == "kind":
            assert rec["Typ"] == value
        elif key in ("start", "end"):
            shown = value.date().isoformat() if isinstance(value, datetime) else str(value).strip()
            assert rec[PLAN_DATA[key]] == shown, f"{sheet}!{letter}{r} typed {value!r}: {rec[PLAN_DATA[key]]!r}"
        elif key == "measure":
            assert rec["Måttenhet"] == MEASURES[str(value).strip().lower()].value, f"{sheet}!{letter}{r} typed {value!r}"
        elif key == "link":
            got = rec["Fullmäktiges mål"] if rec["Typ"] == "Nämndmål" else rec["Kopplat till"]
            assert got.casefold() == str(value).strip().casefold(), f"{sheet}!{letter}{r} typed {value!r}: linked to {got!r}"
        else:
            got, want = rec[PLAN_DATA[key]], str(value).strip()
            assert got == want, f"{sheet}!{letter}{r} typed {value!r}: Budget.xlsx has {got!r} and no finding"
    budget = {r["Cell"]: r for r in data_rows if r["Typ"] == "Budget"}
    amount_at = letters["Budget"]["Belopp (tkr)"]
    frame = pc.units.set_index("Enhet").loc[unit, FRAME_LABEL]
    for r, key, value, meant in amounts:
        letter = letters["Budget"][BUDGET_HEAD[key] if key != "frame" else "Belopp (tkr)"]
        if ("Budget", f"{letter}{r}") in named_cells:
            assert meant is None or key == "frame" or budget.get(f"Budget!{amount_at}{r}") is not None
            continue
        if key == "frame":
            assert meant is not None and frame == pytest.approx(meant), f"Budget!{letter}{r} typed {value!r}: frame {frame!r}"
            continue
        rec = budget.get(f"Budget!{amount_at}{r}")
        assert rec is not None and rec["Enhet"] == unit, f"Budget!{letter}{r} typed {value!r}: no Budget.xlsx row and no finding"
        if key == "comment":
            assert str(value).strip() in rec["Kommentar"], f"Budget!{letter}{r} typed {value!r}: Kommentar {rec['Kommentar']!r}"
        else:
            assert meant is not None and rec["Belopp (tkr)"] == pytest.approx(meant), \
                f"Budget!{letter}{r} typed {value!r}: {rec['Belopp (tkr)']!r} and no finding"


def test_registry_reader_reads_what_openpyxl_sees(tmp_path: Path) -> None:
    """The test above finds the input cells through the file's own registry, read here with openpyxl: it is the
    registry calamine reads too."""
    from python_calamine import CalamineWorkbook

    model = load_model(TEMPLATES / "hallsberg.yaml")
    made = [g for g in generate(model, "2016-delar", tmp_path) if g.path is not None]
    wb = openpyxl.load_workbook(made[0].path)
    mine = read_registry(lambda n: [[c.value for c in row] for row in wb[n].iter_rows()], wb.sheetnames)
    cal = CalamineWorkbook.from_path(str(made[0].path))
    theirs = read_registry(lambda n: sheet_rows(cal, n), list(cal.sheet_names))
    assert mine == theirs and mine and ROWS_SHEET in wb.sheetnames
