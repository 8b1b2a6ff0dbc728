"""Issue 2: the styrmodell as validated data."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from malbok import ModelError, load_model
from malbok.api import convert, periods, schema
from malbok.cli import app
from malbok.load import dump_yaml

from .conftest import TEMPLATES

runner = CliRunner()
NAMES = ["hallsberg", "hallefors", "soderhamn"]


@pytest.mark.parametrize("name", NAMES)
def test_templates_validate(name):
    res = runner.invoke(app, ["validate", str(TEMPLATES / f"{name}.yaml")])
    assert res.exit_code == 0, res.output
    assert "giltig styrmodell" in res.output


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_yaml_xlsx_yaml(name, tmp_path):
    m = load_model(TEMPLATES / f"{name}.yaml")
    xlsx = convert(TEMPLATES / f"{name}.yaml", tmp_path / f"{name}.xlsx")
    back = convert(xlsx, tmp_path / f"{name}.yaml")
    m2 = load_model(back)
    assert m2 == m
    assert m2.fingerprint() == m.fingerprint()
    # and the YAML text itself is stable
    assert dump_yaml(m2) == dump_yaml(m)


def _rows(path: Path, sheet: str) -> list[list]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return [r for r in rows[1:] if any(v not in ("", None) for v in r)]


def test_hallsberg_in_xlsx(tmp_path):
    x = convert(TEMPLATES / "hallsberg.yaml", tmp_path / "h.xlsx")
    wb = openpyxl.load_workbook(x)
    for sheet in ["Områden", "Målnivåer", "Mål", "Indikatorer", "Enheter", "Perioder"]:
        assert sheet in wb.sheetnames
    assert len(_rows(x, "Områden")) == 4
    assert len(_rows(x, "Indikatorer")) == 28
    targets = _rows(x, "Målvärden")
    hk6 = [r for r in targets if r[0] == "HK6"]
    assert [r[1] for r in hk6] == ["värde", "rang"]  # two milestones: 85 % by 2015, best 25 % by 2018


def test_hallefors_in_xlsx(tmp_path):
    x = convert(TEMPLATES / "hallefors.yaml", tmp_path / "h.xlsx")
    goals = _rows(x, "Mål")
    header = CalamineWorkbook.from_path(str(x)).get_sheet_by_name("Mål").to_python()[0]
    col = {h: i for i, h in enumerate(header)}
    assert len(_rows(x, "Områden")) == 3
    assert len(goals) == 57
    assert sum(1 for g in goals if g[col["nivå"]] == "inriktningsmal") == 17
    assert sum(1 for g in goals if g[col["nivå"]] == "resultatmal") == 40
    by_id = {g[col["id"]]: g for g in goals}
    rm = by_id["RM1.7"]  # "Uppföljning: Maj & Dec 2011 KS & ON"
    assert rm[col["uppföljning"]] == "maj, dec"
    assert rm[col["enheter"]] == "KS, ON"
    assert by_id["RM3.6"][col["uppföljning"]] == "jan, maj"
    assert by_id["RM3.9"][col["enheter"]] == "KS, BN, ON"
    assert by_id["RM3.16"][col["enheter"]] == "BRT"


def test_soderhamn_in_xlsx(tmp_path):
    x = convert(TEMPLATES / "soderhamn.yaml", tmp_path / "s.xlsx")
    assert len(_rows(x, "Områden")) == 4
    occ = {r[0]: r for r in _rows(x, "Perioder")}
    assert set(occ) == {"apr", "delar", "ar", "mvj"}
    assert occ["delar"][2] == 8 and occ["ar"][2] == 12
    assert occ["mvj"][3] == "särskild"
    prog = _rows(x, "Handlingsprogram")
    assert prog and prog[0][5] == "apr, delar, ar"


def test_levels_have_their_own_scales(hallefors):
    im = hallefors.scale(hallefors.level("inriktningsmal").scale)
    rm = hallefors.scale(hallefors.level("resultatmal").scale)
    assert im.id != rm.id and [lab.label for lab in im.labels] != [lab.label for lab in rm.labels]


def test_periods_of_year():
    res = runner.invoke(app, ["periods", str(TEMPLATES / "hallefors.yaml"), "--year", "2011"])
    assert res.exit_code == 0
    lines = res.output.split()
    assert "2011-maj" in lines and "2011-dec" in lines and lines[0] == "2011-jan"
    assert periods(TEMPLATES / "soderhamn.yaml", 2025) == ["2025-apr", "2025-delar", "2025-ar", "2025-mvj"]


def test_show_tree_and_json():
    res = runner.invoke(app, ["show", str(TEMPLATES / "hallefors.yaml")])
    assert res.exit_code == 0 and "Kommunen som erbjuder lärande för livet" in res.output
    res = runner.invoke(app, ["show", str(TEMPLATES / "hallsberg.yaml"), "--json"])
    data = json.loads(res.output)
    assert data["kommun"]["kommunkod"] == "1861" and len(data["indikatorer"]) == 28


def test_schema_is_json_schema():
    sch = schema()
    assert "områden" in sch["properties"] and "kommun" in sch["required"]
    res = runner.invoke(app, ["schema"])
    assert json.loads(res.output)["title"] == "malbok styrmodell"


# -- validation errors: every one names the place -----------------------------------------

BASE = (TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8")


def _errors(tmp_path: Path, text: str, name: str = "m.yaml") -> list[tuple[str, str]]:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as e:
        load_model(p)
    return e.value.problems


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_duplicate_id(tmp_path):
    text = BASE.replace("  - id: HK2\n", "  - id: HK1\n")
    probs = _errors(tmp_path, text)
    line = [i for i, ln in enumerate(text.splitlines(), 1) if ln == "  - id: HK1"][1]
    assert (f"m.yaml, rad {line}", "indikatorn 'HK1' finns redan (dubblett)") in probs


def test_unknown_unit(tmp_path):
    text = BASE.replace("    enheter: [SBN]\n  - id: HK8", "    enheter: [XYZ]\n  - id: HK8")
    probs = _errors(tmp_path, text)
    assert any("okänd enhet 'XYZ'" in m and p == f"m.yaml, rad {_line_of(text, '[XYZ]')}" for p, m in probs)


def test_parent_in_other_area(tmp_path):
    text = (TEMPLATES / "hallefors.yaml").read_text(encoding="utf-8")
    text = text.replace("{id: RM2.1, nivå: resultatmal, område: larande,", "{id: RM2.1, nivå: resultatmal, område: larande, överordnat: IM1.1,")
    probs = _errors(tmp_path, text)
    assert any("annat område" in m and p == f"m.yaml, rad {_line_of(text, 'överordnat: IM1.1')}" for p, m in probs)


def test_target_year_before_baseline(tmp_path):
    text = BASE.replace("{typ: värde, värde: 8, år: 2015, jämförelse: högst}", "{typ: värde, värde: 8, år: 2010, jämförelse: högst}")
    probs = _errors(tmp_path, text)
    assert any("före utgångsvärdets år 2014" in m and p == f"m.yaml, rad {_line_of(text, 'år: 2010')}" for p, m in probs)


def test_label_not_in_scale(tmp_path):
    text = (TEMPLATES / "hallefors.yaml").read_text(encoding="utf-8").replace(
        "text: Kommunens övergripande planering möjliggör långsiktig och hållbar tillväxt}",
        "text: Kommunens övergripande planering möjliggör långsiktig och hållbar tillväxt, tidigare_bedömningar: {2010: Grönt}}",
    )
    probs = _errors(tmp_path, text)
    assert any("'Grönt' finns inte i skalan" in m and p == f"m.yaml, rad {_line_of(text, 'Grönt')}" for p, m in probs)


def test_unknown_key_typo(tmp_path):
    text = BASE.replace("områden:\n  - id: hallbar", "omraden:\n  - id: hallbar")
    probs = _errors(tmp_path, text)
    assert (f"m.yaml, rad {_line_of(text, 'omraden:')}", "okänd nyckel 'omraden' (stavfel?)") in probs


def test_all_errors_in_one_run(tmp_path):
    text = BASE.replace("    enheter: [SBN]\n  - id: HK8", "    enheter: [XYZ]\n  - id: HK8").replace(
        "  - id: HK2\n", "  - id: HK1\n")
    probs = _errors(tmp_path, text)
    assert len(probs) >= 2


def test_yaml_boolean_trap_explained(tmp_path):
    text = BASE.replace("{kod: KS, namn: Kommunstyrelsen, typ: nämnd}", "{kod: ON, namn: Kommunstyrelsen, typ: nämnd}")
    probs = _errors(tmp_path, text)
    assert any("citattecken" in m for _, m in probs)


def test_xlsx_errors_name_sheet_and_cell(tmp_path):
    x = convert(TEMPLATES / "hallsberg.yaml", tmp_path / "h.xlsx")
    wb = openpyxl.load_workbook(x)
    ws = wb["Indikatorer"]
    hdr = [c.value for c in ws[1]]
    ws.cell(row=3, column=hdr.index("enheter") + 1, value="KS, NOPE")
    ws.cell(row=4, column=hdr.index("utgångsvärde") + 1, value="mycket")
    wb.save(x)
    with pytest.raises(ModelError) as e:
        load_model(x)
    probs = e.value.problems
    gcol = openpyxl.utils.get_column_letter(hdr.index("utgångsvärde") + 1)
    assert (f"h.xlsx, blad Indikatorer, cell {gcol}4", "'mycket' är inte ett tal") in probs
    col = openpyxl.utils.get_column_letter(hdr.index("enheter") + 1)
    assert (f"h.xlsx, blad Indikatorer, cell {col}3", "okänd enhet 'NOPE' (finns inte under enheter)") in e.value.problems


def test_xlsx_numbers_typed_as_text_are_read_by_the_one_swedish_parser(tmp_path):
    """The model workbook reads numbers typed as text as the returns are read (values.parse_number): a decimal comma,
    spaces between thousands and a % sign are fine; a number Swedish and English read differently is an error at its
    cell that names both readings (it was read as 1,234 before)."""
    x = convert(TEMPLATES / "hallsberg.yaml", tmp_path / "h.xlsx")
    wb = openpyxl.load_workbook(x)
    ws = wb["Indikatorer"]
    hdr = [c.value for c in ws[1]]
    col = hdr.index("utgångsvärde") + 1
    for r in (3, 4):
        ws.cell(row=r, column=hdr.index("utgångsår") + 1, value=2015)
    ws.cell(row=3, column=col, value="85,5 %")  # HK2, a percentage
    ws.cell(row=4, column=col, value="1.234")  # HK3, an index
    wb.save(x)
    with pytest.raises(ModelError) as e:
        load_model(x)
    letter = openpyxl.utils.get_column_letter(col)
    found = [p for p in e.value.problems if f"cell {letter}" in p[0]]
    assert len(found) == 1, e.value.problems
    (where, message), = found
    assert where == f"h.xlsx, blad Indikatorer, cell {letter}4"
    assert "1\u00a0234" in message and "1,234" in message and "decimaltecken" in message
    ws.cell(row=4, column=col, value="1 234,5")
    wb.save(x)
    m = load_model(x)
    ids = [ws.cell(row=r, column=hdr.index("id") + 1).value for r in (3, 4)]
    by_id = {i.id: i for i in m.indicators}
    assert [by_id[i].baseline.value for i in ids] == [85.5, 1234.5]
    ws.cell(row=3, column=col, value="1 234,5")  # out of range for a percentage: said the Swedish way
    wb.save(x)
    with pytest.raises(ModelError) as e:
        load_model(x)
    assert any("1\u00a0234,5 ligger utanför 0–100 %" in msg for _where, msg in e.value.problems), e.value.problems


# -- bad input: clear Swedish error, exit 1, no traceback ------------------------------------

BAD_INPUTS = {
    "malformed": (b"kommun:\n  namn: [Hallsberg\nvision: x\n", "felaktig YAML"),
    "wrong_types": (BASE.replace("från: 2015", "från: tvåtusenfemton").encode(), "heltal"),
    "empty": (b"", "tom"),
    "not_utf8": ("kommun:\n  namn: Hällefors\n".encode("latin-1"), "UTF-8"),
    "binary": (bytes(range(256)) * 4, "binär"),
    "alias_bomb": (
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
        "alias",
    ),
    "large": (b"# " + b"x" * (6 * 1024 * 1024) + b"\n", "MB"),
    "list_at_top": (b"- a\n- b\n", "nycklar"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input(case, tmp_path):
    data, expect = BAD_INPUTS[case]
    p = tmp_path / f"{case}.yaml"
    p.write_bytes(data)
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 1
    assert isinstance(res.exception, SystemExit)  # handled, not a traceback
    assert expect in res.output
    assert f"{case}.yaml" in res.output


def test_bad_input_real_process(tmp_path):
    import subprocess
    import sys
    import time

    p = tmp_path / "bomb.yaml"
    p.write_bytes(BAD_INPUTS["alias_bomb"][0])
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "malbok", "validate", str(p)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "alias" in proc.stderr
    assert time.monotonic() - t0 < 30
