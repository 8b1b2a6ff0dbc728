"""Issue 17: one rule per input cell. What the workbook's Excel validation refuses, the reader flags.

The validations are read back from a generated workbook with openpyxl (as Excel and LibreOffice see
them) and evaluated here on their own terms; the reader's findings must agree.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import range_boundaries

from malbok import api, consolidate, generate, load_model
from malbok.layout import (
    AMOUNT_RULE,
    BUDGET_TABLE,
    FOLLOW_UP_AREA,
    FRAME_LABEL,
    MODEL_BOOK,
    MODEL_BOOK_TABLES,
    PLAN_AREA,
    RANK_RULE,
    SETTINGS_LAYOUT,
    SHEET_KINDS,
    TEXT_RULE,
    YEAR_RULE,
    outcome_rule,
    plan_date_rule,
)
from malbok.model import Goal, Measure
from malbok.values import parse_number

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


class _Books(dict):  # type: ignore[type-arg]
    """The fixture's models, without printing them whole in Hypothesis' falsifying example."""

    def __repr__(self) -> str:
        return f"<{', '.join(self)}>"


FOLLOW_UP_BOOKS = {"hallsberg": ("2016-delar", "BIN"), "hallefors": ("2011-dec", "KS"), "soderhamn": ("2012-apr", "KS")}
CHECKED_HEADERS = ("Utfall", "Placering", "Bedömning", "Kommentar", "Åtgärder")


@pytest.fixture(scope="module")
def follow_up_books(tmp_path_factory: Any) -> dict[str, tuple[Any, str, Path]]:
    """A follow-up workbook of each bundled model: (model, period, file)."""
    out = _Books()
    for name, (period, unit) in FOLLOW_UP_BOOKS.items():
        model = load_model(TEMPLATES / f"{name}.yaml")
        (made,) = [g for g in generate(model, period, tmp_path_factory.mktemp(f"rules-{name}"), units=[unit]) if g.path is not None]
        out[name] = (model, period, made.path)
    return out


def _validated_cells(path: Path) -> dict[tuple[str, str], tuple[str, Any]]:
    """(sheet, cell) -> (its column's header, the validation on it), for every validated input cell of the visible sheets
    (Utfall, Placering, Bedömning, Kommentar, Åtgärder)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Instruktioner":
            continue
        hdr = next(r for r in range(1, 13) if ws.cell(r, 1).value == "ID")
        wanted = {c: ws.cell(hdr, c).value for c in range(1, ws.max_column + 1) if ws.cell(hdr, c).value in CHECKED_HEADERS}
        for dv in ws.data_validations.dataValidation:
            for rng in str(dv.sqref).split():
                c1, r1, c2, r2 = range_boundaries(rng)
                for r in range(max(r1, hdr + 1), r2 + 1):
                    for c in range(c1, c2 + 1):
                        if c in wanted and not ws.cell(r, c).protection.locked:
                            out[(ws.title, ws.cell(r, c).coordinate)] = (wanted[c], dv)
    return out


NUMBERS = st.one_of(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False, allow_infinity=False),
                    st.integers(min_value=-10, max_value=500), st.sampled_from([0, 1, 100, 100.5, -0.5, 2.5, 1e12, 1.5e12]))
TEXTS = st.one_of(st.sampled_from(["Enligt plan", "a" * 32000, "a" * 32001, "Målet nåddes inte på grund av färre öppettider"]),
                  st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
                  .filter(str.strip))


def _label_typed(book: Any, dv: Any) -> st.SearchStrategy[Any]:
    """What a nämnd types in a Bedömning cell: one of the list's labels (as written, or in other case), or something else."""
    source = dv.formula1
    if source.startswith('"'):
        labels = source.strip('"').split(",")
    else:
        sheet, cells = source.lstrip("=").split("!")
        labels = [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row if c.value]
    return st.one_of(st.sampled_from(labels), st.sampled_from(labels).map(str.upper), st.sampled_from(["Uppfylld", "Bra", "3"]))


@pytest.mark.parametrize("name", sorted(FOLLOW_UP_BOOKS))
@settings(max_examples=10, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_excel_refuses_the_reader_flags(name: str, follow_up_books: Any, tmp_path_factory: Any, data: Any) -> None:
    """Every validated input cell of a follow-up workbook (Utfall and Placering by their numbers, Bedömning by its scale's
    list, Kommentar and Åtgärder by their length), for each bundled model: a value Excel's validation refuses gets a finding
    at its cell, and one it accepts is no error."""
    model, period, src = follow_up_books[name]
    path = tmp_path_factory.mktemp("rules-fill") / src.name
    shutil.copy(src, path)
    cells = _validated_cells(path)
    heads = {head for head, _dv in cells.values()}
    assert heads >= {"Bedömning", "Kommentar", "Åtgärder"} and ("Utfall" in heads) == bool(model.indicators), heads
    wb = openpyxl.load_workbook(path)
    typed = {}
    for (sheet, coord), (head, dv) in sorted(cells.items()):
        if not data.draw(st.booleans(), label="fill?"):
            continue
        what = NUMBERS if head in ("Utfall", "Placering") else _label_typed(wb, dv) if dv.type == "list" else TEXTS
        value = data.draw(what, label=f"{sheet}!{coord}")
        wb[sheet][coord].value = value
        typed[(sheet, coord)] = (value, excel_accepts_any(dv, value, wb))
    wb.save(path)
    cons = consolidate(model, [path], period)
    named = {(f.sheet, f.cell) for f in cons.findings}
    flagged = {(f.sheet, f.cell) for f in cons.findings if f.severity == "fel"}
    for place, (value, accepted) in typed.items():
        if not accepted:
            assert place in named, f"{place}: Excel refuses {value!r}, the reader says nothing"
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


# -- every sheet kind: the plan round's area sheet and Budget sheet as well as the follow-up's ---------------

PLAN_YEAR = 2014


def excel_accepts_any(dv: Any, value: Any, book: Any) -> bool:
    """:func:`excel_accepts` for every validation type malbok writes: lists (inline or a range of ``book``, compared
    without regard to case as Excel does) and dates (a date, or the serial number Excel stores for it) too."""
    if dv.type == "list":
        source = dv.formula1
        if source.startswith('"'):
            values = source.strip('"').split(",")
        else:
            sheet, cells = source.lstrip("=").split("!")
            values = [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row]
        return str(value).strip().casefold() in {str(v).casefold() for v in values}
    if dv.type == "date":
        if isinstance(value, datetime | date):
            day = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
            serial = (day - datetime(1899, 12, 30)).days
        elif isinstance(value, int | float) and not isinstance(value, bool):
            serial = value
        else:
            return False
        return float(dv.formula1) <= serial <= float(dv.formula2)
    return excel_accepts(dv, value)


def entered(value: Any) -> Any:
    """What a spreadsheet with Swedish settings stores for a text typed into a General, number or date cell: '25 000' is
    the number, '2014-03-31' the date (a text cell, format @, keeps the text). The reader reads such texts alike."""
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
        if m:
            try:
                return datetime(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return value
        parsed = parse_number(value)
        if parsed.value is not None and not parsed.error and not parsed.percent_sign:
            return parsed.value
    return value


@pytest.fixture(scope="module")
def sheet_books(tmp_path_factory: Any) -> dict[str, tuple[Any, Path, str]]:
    """A workbook of each sheet kind: (model, file, sheet) — the follow-up's area sheet, a plan area sheet, a Budget sheet
    with the frame to type (no frame in the model) and one with the frame given."""
    d = tmp_path_factory.mktemp("kinds")
    hallsberg, soderhamn = load_model(TEMPLATES / "hallsberg.yaml"), load_model(TEMPLATES / "soderhamn.yaml")
    (follow,) = [g.path for g in generate(hallsberg, PERIOD, d / "f", units=["BIN"]) if g.path is not None]
    no_frame = soderhamn.changed(units=[u.model_copy(update={"frames": []}) if u.code == "SNAB" else u for u in soderhamn.units])
    plans = {b.unit: b.path for b in api.generate(no_frame, None, d / "p", round="plan", year=PLAN_YEAR)}
    area = next(s for s in openpyxl.load_workbook(plans["KS"]).sheetnames if s not in ("Instruktioner", "Budget")
                and not s.startswith("_"))
    first = next(s for s in openpyxl.load_workbook(follow).sheetnames if s != "Instruktioner")
    book = api.convert(TEMPLATES / "hallsberg.yaml", d / "modell.xlsx")  # the model workbook: a sheet per table
    controller = api.excel_init(TEMPLATES / "hallsberg.yaml", PERIOD, d / "f", d / "Konsolidering.xlsm")
    return {FOLLOW_UP_AREA.name: (hallsberg, follow, first), PLAN_AREA.name: (no_frame, plans["KS"], area),
            BUDGET_TABLE.name: (no_frame, plans["SNAB"], "Budget"), "budget-ram": (no_frame, plans["KS"], "Budget"),
            **{t.name: (hallsberg, book, t.name) for t in MODEL_BOOK}, SETTINGS_LAYOUT.name: (hallsberg, controller, SETTINGS_LAYOUT.name)}


def _header_row(ws: Any, layout: Any) -> tuple[int, dict[str, int]]:
    for r in range(1, layout.scan_rows + 1):
        texts = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        if all(m in texts for m in layout.markers):
            return r, {layout.by_header[t]: c for c, t in enumerate(texts, start=1) if t in layout.by_header}
    raise AssertionError(f"no header row of {layout.name} on {ws.title}")


def _validation_at(ws: Any, row: int, col: int) -> Any:
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            c1, r1, c2, r2 = range_boundaries(rng)
            if r1 <= row <= r2 and c1 <= col <= c2:
                return dv
    return None


SAMPLES = (0, 1, -3, 2.5, 1200, 1e9, 1.5e9, -1e9 - 1, "", "x", "procent", "PROCENT", "liter", "%", "Aktivitet", "aktivitet",
           "Mål", "IM-OMS", "im-oms", "NOPE-1", "a" * 32000, "a" * 32001, datetime(2014, 3, 31), datetime(2012, 12, 31),
           datetime(2013, 1, 1), datetime(2019, 12, 31), datetime(2020, 1, 1), 41730.0)


INPUT_KINDS = [FOLLOW_UP_AREA.name, PLAN_AREA.name, BUDGET_TABLE.name, *(t.name for t in MODEL_BOOK), SETTINGS_LAYOUT.name]


def _input_cells(ws: Any, layout: Any, rules: dict[str, Any]) -> list[tuple[Any, Any, list[tuple[int, int]]]]:
    """(column or field, its rule, the input cells) of every declared input of the sheet: a key/value sheet's fields
    (label in A, value in B), or a table's columns (the unlocked cells of a protected sheet, every row of an open one)."""
    if layout.fields:
        labels = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
        return [(f, rules.get(f.key, f.rule), [(labels[f.header], 2)]) for f in layout.fields if f.input_for]
    hdr, cols = _header_row(ws, layout)
    out = []
    for col in layout.columns:
        rule = rules.get(col.key, col.rule)
        if not col.input_for and rule is None:
            continue  # shown, never read
        if rule is None:  # the follow-up's Utfall and Bedömning: a rule per row (measure, scale), tested above
            assert layout is FOLLOW_UP_AREA and col.key in ("outcome", "assessment"), col.key
            continue
        c = cols[col.key]
        if ws.protection.sheet:
            rows = [r for r in range(hdr + 1, ws.max_row + 1) if not ws.cell(r, c).protection.locked]
        else:  # the model workbook: every row is typed, and a row added under the table is checked too
            rows = [*range(hdr + 1, ws.max_row + 1), ws.max_row + 1]
        if not col.input_for and not rows:
            continue  # an input on some rows only (Placering, beside a rank target), none in this workbook
        out.append((col, rule, [(r, c) for r in rows]))
    return out


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_every_declared_column_writes_the_rule_its_checker_applies(sheet_books: Any, kind: str) -> None:
    """Walks every column (or field) of the sheet kind's declaration: each input cell carries the Excel validation of the
    column's rule (read back with openpyxl), and Excel's verdict on a value is the rule's, for every sample value."""
    from malbok.controllerbook import setting_rules
    from malbok.scope import plan_rules

    layout = next(s for s in SHEET_KINDS if s.name == kind)
    model, path, sheet = sheet_books[kind]
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    rules = plan_rules(model, PLAN_YEAR, "KS") if layout is PLAN_AREA else setting_rules(model) if layout is SETTINGS_LAYOUT else {}
    checked = 0
    for col, rule, cells in _input_cells(ws, layout, rules):
        assert cells, f"{kind}: column {col.header} has no input cell"
        for r, c in cells:
            dv = _validation_at(ws, r, c)
            assert dv is not None, f"{kind}: {ws.cell(r, c).coordinate} ({col.header}) has no validation"
            assert (dv.type or "any") in {"any": ("any", "none"), "length": ("textLength",), "integer": ("whole",)}.get(
                rule.kind, (rule.kind,)), f"{col.header}: {dv.type} written for a {rule.kind} rule"
            assert (dv.errorStyle or "stop") == ("warning" if rule.warning else "stop"), f"{col.header}: {dv.errorStyle}"
            if col.num_format:
                assert ws.cell(r, c).number_format == col.num_format, f"{ws.cell(r, c).coordinate}: {ws.cell(r, c).number_format}"
        dv = _validation_at(ws, *cells[0])
        for value in (*SAMPLES, *rule.values[:2], *(v.upper() for v in rule.values[:1])):
            if rule.kind in ("decimal", "integer", "date") and isinstance(value, str) and value:
                continue  # a text in a number or date cell: see test_entered_texts_are_read_as_entered
            excel = excel_accepts_any(dv, value, book) if value != "" else True  # blanks are ignored (ignore_blank)
            ours = rule.check(value) is None if value != "" else rule.read(value).problem == ""
            assert excel == ours, f"{kind} {col.header}: Excel {'accepts' if excel else 'refuses'} {value!r}, the rule says {rule.check(value)!r}"
            checked += 1
    assert checked > 20


def test_the_readers_refuse_what_the_model_book_and_settings_refuse(sheet_books: Any, tmp_path: Path) -> None:
    """The model workbook's and the settings' readers check with the declared rules: a value the validation refuses
    is named at its cell, and a value it accepts is read."""
    from malbok.controllerbook import setting_rules
    from malbok.load import ModelError

    model, book, _sheet = sheet_books[MODEL_BOOK_TABLES[4].name]
    wb = openpyxl.load_workbook(book)
    inds, levels = wb["Indikatorer"], wb["Målnivåer"]
    ihdr = {c.value: c.column for c in inds[1]}
    lhdr = {c.value: c.column for c in levels[1]}
    inds.cell(2, ihdr["utgångsår"]).value = 1850  # Excel refuses: not a year 1900–2200
    levels.cell(2, lhdr["grunduppdrag"]).value = "kanske"  # Excel refuses: not in the list ja, nej
    levels.cell(2, lhdr["sammanvägning"]).value = "MAJORITET"  # Excel accepts (its lists ignore case): read as 'majoritet'
    wb.save(tmp_path / "m.xlsx")
    with pytest.raises(ModelError) as e:
        load_model(tmp_path / "m.xlsx")
    year = f"m.xlsx, blad Indikatorer, cell {openpyxl.utils.get_column_letter(ihdr['utgångsår'])}2"
    yes_no = f"m.xlsx, blad Målnivåer, cell {openpyxl.utils.get_column_letter(lhdr['grunduppdrag'])}2"
    assert sorted(e.value.problems) == sorted([(year, f"'1850' {YEAR_RULE.problem}"), (yes_no, "'kanske' ska vara ja eller nej")])
    inds.cell(2, ihdr["utgångsår"]).value = 2015
    levels.cell(2, lhdr["grunduppdrag"]).value = "NEJ"
    wb.save(tmp_path / "m.xlsx")
    read = load_model(tmp_path / "m.xlsx")
    assert read.levels[0].combine.value == "majoritet" and read.indicators[0].baseline.year == 2015
    rule = setting_rules(model)["period"]
    assert rule.check(PERIOD) is None and rule.check("2016-DELAR") is None and rule.check("2040-delar")
    assert rule.warning  # Excel warns and lets it in: the button consolidates it if the model knows it, and says so


def test_the_budget_frame_to_type_has_the_amount_rule(sheet_books: Any) -> None:
    """A unit whose frame the model does not give types it above the lines: the cell is an amount cell, rule and all."""
    _model, path, _sheet = sheet_books[BUDGET_TABLE.name]
    ws = openpyxl.load_workbook(path)["Budget"]
    frame = next(r for r in range(1, 10) if ws.cell(r, 1).value == FRAME_LABEL)
    cell = ws.cell(frame, 3)
    assert not cell.protection.locked and cell.number_format == BUDGET_TABLE.column("amount").num_format
    dv = _validation_at(ws, frame, 3)
    assert dv is not None and dv.type == "decimal" and float(dv.formula2) == AMOUNT_RULE.maximum


def test_entered_texts_are_read_as_entered() -> None:
    """Number and date cells: what Swedish settings turn a typed text into is what the rule reads of it."""
    dates = plan_date_rule(PLAN_YEAR)
    for text in ("2014-03-31", "2030-01-01", "2014-13-01", "snart", "31/3"):
        want = entered(text)
        assert (dates.read(text).problem == "") == (isinstance(want, datetime) and dates.check(want) is None), text
    for text in ("25 000", "1 200,5", "ca 30000", "2 000 000 000", "12 tkr"):
        want = entered(text)
        assert (AMOUNT_RULE.read(text).problem == "") == (isinstance(want, float) and AMOUNT_RULE.check(want) is None), text


REFUSALS = {"ej-tal", "utanfor-intervall", "ej-datum", "okand-typ", "okand-mattenhet", "ej-kopplat", "for-lang-text",
            "ej-anvand-cell"}
_PLAN_VALUES = {
    "kind": st.sampled_from(["Nämndmål", "Aktivitet", "Indikator", "aktivitet", "INDIKATOR", "Mål", "Fullmäktige"]),
    "link": st.sampled_from(["IM-OMS", "IM-LAR", "im-til", "IT-MÅL", "KS-M1", "1"]),
    "start": st.one_of(st.dates(date(2011, 1, 1), date(2021, 12, 31)).map(lambda d: datetime(d.year, d.month, d.day)),
                       st.sampled_from(["2014-03-31", "2031-01-01", "snart", "31/3"])),
    "measure": st.sampled_from(["procent", "Antal", "kr", "%", "st", "liter", "km", "tkr"]),
    "text": st.sampled_from(["Fler nöjda brukare", "a" * 32001]),
    "owner": st.sampled_from(["Omsorgschefen", "a" * 32000, "a" * 32001]),
    "target": st.sampled_from(["minst 90 %", "a" * 32001]),
    "comment": st.sampled_from(["Mäts i oktober", "a" * 32001]),
}
_PLAN_VALUES["end"] = _PLAN_VALUES["start"]
_KIND_FOR = {"measure": "Indikator", "target": "Nämndmål", "comment": "Nämndmål"}  # a row kind the column is an input for


@settings(max_examples=8, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_excel_refuses_in_a_plan_the_reader_flags(sheet_books: Any, tmp_path_factory: Any, data: Any) -> None:
    """Values typed into a plan sheet and the Budget sheet: each one the cell's validation refuses (read back with openpyxl)
    gets a finding naming the cell, and none it accepts gets a refusal."""
    model, src, sheet = sheet_books[PLAN_AREA.name]
    path = tmp_path_factory.mktemp("plan-rules") / src.name
    shutil.copy(src, path)
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    hdr, cols = _header_row(ws, PLAN_AREA)
    spare = [r for r in range(hdr + 1, ws.max_row + 1) if not ws.cell(r, 1).protection.locked and ws.cell(r, 1).value is None]
    typed: dict[str, tuple[Any, bool]] = {}  # cell -> (value, Excel accepts it)
    for r in spare[:6]:
        key = data.draw(st.sampled_from(sorted(_PLAN_VALUES)), label="column")
        value = data.draw(_PLAN_VALUES[key], label=f"{key}@{r}")
        kind = value if key == "kind" else _KIND_FOR.get(key, "Aktivitet")
        row = {"kind": kind, "text": "Fler nöjda brukare", key: value}
        if kind == "Aktivitet":  # what an activity needs, so that only the column under test can be wrong
            row = {"owner": "Chefen", "end": datetime(2014, 12, 31), **row}
        for k, v in row.items():
            cell = ws.cell(r, cols[k])
            cell.value = v
            excel = excel_accepts_any(_validation_at(ws, r, cols[k]), entered(v), book)
            typed[cell.coordinate] = (v, excel)
    bs = book["Budget"]
    bhdr, bcols = _header_row(bs, BUDGET_TABLE)
    amounts = [r for r in range(bhdr + 1, bhdr + 5)]
    budget: dict[str, tuple[Any, bool]] = {}
    texts = st.sampled_from(["Hyror", "Enligt ramen", "a" * 32001])
    for r in amounts:
        value = data.draw(st.one_of(st.integers(-2 * 10**9, 2 * 10**9), st.sampled_from(["ca 30000", "25 000", "30 tkr"])))
        typed_here = {"amount": value}
        if not bs.cell(r, bcols["activity"]).protection.locked:  # a line the unit adds: it names the verksamhet
            typed_here["activity"] = data.draw(texts, label="verksamhet")
        if data.draw(st.booleans(), label="comment?"):
            typed_here["comment"] = data.draw(texts, label="kommentar")
        for key, v in typed_here.items():
            cell = bs.cell(r, bcols[key])
            cell.value = v
            budget[cell.coordinate] = (v, excel_accepts_any(_validation_at(bs, r, bcols[key]), entered(v), book))
    book.save(path)
    pc = api.consolidate(model, [path], None, round="plan", year=PLAN_YEAR)
    named = {(f.sheet, f.cell) for f in pc.findings}
    refused = {(f.sheet, f.cell) for f in pc.findings if f.code in REFUSALS}
    for where, marks in ((sheet, typed), ("Budget", budget)):
        for cell, (value, accepted) in marks.items():
            if not accepted:
                assert (where, cell) in named, f"{where}!{cell}: Excel refuses {value!r}, the reader says nothing"
            else:
                assert (where, cell) not in refused, f"{where}!{cell}: Excel accepts {value!r}, the reader refuses it"


def test_a_long_goal_list_is_a_range_the_reader_agrees_with(soderhamn: Any, tmp_path: Path) -> None:
    """'Kopplat till' of a unit with more goals than Excel takes inline (255 characters): the validation's list is a range
    of the hidden identity sheet, it holds exactly the goals the reader accepts, and LibreOffice opens the workbook."""
    from malbok.scope import plan_rules

    from .conftest import lo_convert

    template = next(g for g in soderhamn.goals if g.id == "IM-OMS")
    extra = [Goal.model_validate({"id": f"IM-EXTRA-{n:02d}", "nivå": template.level, "område": template.area,
                                  "text": f"Ett mål till, nummer {n}", "enheter": ["KS"]}) for n in range(40)]
    model = soderhamn.changed(goals=[*soderhamn.goals, *extra])
    (made,) = api.generate(model, None, tmp_path / "ut", units=["KS"], round="plan", year=PLAN_YEAR)
    rule = plan_rules(model, PLAN_YEAR, "KS")["link"]
    assert not rule.inline() and len(rule.values) > 40
    book = openpyxl.load_workbook(made.path)
    ws = book["Tillhandahålla omsorgstjänster"]
    hdr, cols = _header_row(ws, PLAN_AREA)
    dv = _validation_at(ws, hdr + 2, cols["link"])
    assert dv.type == "list" and "!" in dv.formula1
    for value in ("IM-EXTRA-39", "im-extra-07", "IM-OMS", "IM-EXTRA-40", "KS-M1"):
        assert excel_accepts_any(dv, value, book) == (rule.check(value) is None), value
    ws.cell(hdr + 2, cols["kind"]).value = "Nämndmål"
    ws.cell(hdr + 2, cols["link"]).value = "IM-EXTRA-39"
    ws.cell(hdr + 2, cols["text"]).value = "Ett nämndmål under det sista målet"
    book.save(made.path)
    pc = api.consolidate(model, [made.path], None, round="plan", year=PLAN_YEAR)
    assert not [f for f in pc.findings if f.code == "ej-kopplat"]
    assert pc.data.set_index("Text").loc["Ett nämndmål under det sista målet", "Fullmäktiges mål"] == "IM-EXTRA-39"
    (pdf,) = lo_convert([made.path], tmp_path / "pdf", "pdf")
    assert pdf.stat().st_size > 1000


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"[ ]?[+-]?[0-9]{1,17}(,[0-9]{0,4}|\.[0-9]{1,4})?[ \u00a0]?%?[ ]?", fullmatch=True))
def test_a_plain_number_typed_as_text_is_read_as_the_full_parse_reads_it(text):
    """parse_number's fast path for '85', '85,5' and '85,5 %' gives exactly what the whole parse gives
    (value, percent sign, no ambiguity), and leaves everything else to it."""
    from malbok import values

    fast = values.parse_number(text)
    saved = values._PLAIN_TEXT
    values._PLAIN_TEXT = re.compile(r"(?!)")  # the whole parse, no fast path
    try:
        full = values.parse_number(text)
    finally:
        values._PLAIN_TEXT = saved
    assert fast == full
