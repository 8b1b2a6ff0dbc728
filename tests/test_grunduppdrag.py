"""Issue 22, build 2: a goal level that is the areas' basic mission (grunduppdrag): one goal per area, whose text
is the area's text, shown once where the area's text stands above the goals."""

from __future__ import annotations

import copy
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml

from malbok import ModelError, api, load_model
from malbok.api import convert
from malbok.filler import fill_workbook
from malbok.load import dump_yaml
from malbok.periods import parse_period

from .test_scales import GRUND, MODEL, PERIOD

ARB = "Kommunen är en attraktiv arbetsgivare där medarbetarna trivs och utvecklas"
VALF = "Välfärden ges med god kvalitet, likvärdigt och nära den enskilde"
BASIC_ROW = "Grunduppdrag (se områdets text ovan)"


def _model() -> dict:
    m = copy.deepcopy(MODEL)
    m["målnivåer"][0]["grunduppdrag"] = True
    m["områden"] = [{"id": "arb", "namn": "Arbetsgivare", "text": ARB}, {"id": "valf", "namn": "Välfärd", "text": VALF}]
    goals = {g["id"]: g for g in m["mål"]}
    del goals["G1"]["text"]  # taken from the area
    goals["G2"]["text"] = VALF.replace(", ", ",\n")  # given, the same words with other line breaks
    goals["K1"]["överordnat"] = "G1"
    return m


def _write(tmp: Path, data: dict, name: str = "m.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _errors(tmp: Path, data: dict) -> list[tuple[str, str]]:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path = tmp / "fel.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as e:
        load_model(path)
    return e.value.problems


def _line(path: Path, needle: str, nth: int = 0) -> int:
    return [i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in ln][nth]


def test_the_goal_takes_the_areas_text(tmp_path):
    model = load_model(_write(tmp_path, _model()))
    assert model.level("grund").basic and not model.level("kf").basic
    assert model.goal("G1").text == ARB and model.goal("G2").text == VALF  # the area's wording, as the area has it
    assert model.basic_mission("G1") is model.level("grund") and model.basic_mission("K1") is None
    assert model.shown_under_area("G1", ARB) == BASIC_ROW and model.shown_under_area("K1", "x") == "x"


def test_two_basic_missions_in_one_area_is_an_error(tmp_path):
    data = _model()
    data["mål"].append({"id": "G3", "nivå": "grund", "område": "arb", "enheter": ["KS"]})
    probs = _errors(tmp_path, data)
    line = _line(tmp_path / "fel.yaml", "nivå: grund", 2)
    assert (f"fel.yaml, rad {line}", "området 'arb' har redan ett grunduppdrag ('G1'); nivån 'grund' är områdenas "
            "grunduppdrag, högst ett mål per område") in probs


def test_a_text_other_than_the_areas_is_an_error(tmp_path):
    data = _model()
    data["mål"][1]["text"] = "Välfärden är god"
    probs = _errors(tmp_path, data)
    line = _line(tmp_path / "fel.yaml", "text: Välfärden är god")
    assert [(p, m) for p, m in probs if "G2" in m] == [
        (f"fel.yaml, rad {line}", "målet 'G2' är områdets grunduppdrag: dess text ska vara områdets text "
         f"('{VALF}'), inte 'Välfärden är god'; utelämna texten så tas den från området")]


def test_without_an_area_text_or_a_goal_text(tmp_path):
    data = _model()
    data["områden"][0]["text"] = ""
    data["mål"][2]["text"] = ""
    probs = _errors(tmp_path, data)
    msgs = [m for _p, m in probs]
    assert "målet 'G1' är områdets grunduppdrag och har områdets text, men området 'arb' saknar text" in msgs
    assert "målet 'K1' saknar text (den beslutade lydelsen)" in msgs
    assert all(p.startswith("fel.yaml, rad ") for p, _m in probs)


def test_validate_command_accepts_the_model(tmp_path):
    from typer.testing import CliRunner

    from malbok.cli import app

    res = CliRunner().invoke(app, ["validate", str(_write(tmp_path, _model()))])
    assert res.exit_code == 0 and "giltig styrmodell" in res.output, res.output


def test_schema_describes_the_key():
    prop = api.schema()["$defs"]["GoalLevel"]["properties"]["grunduppdrag"]
    assert prop["type"] == "boolean" and "högst ett mål per område" in prop["description"]


def test_model_workbook_round_trip(tmp_path):
    path = _write(tmp_path, _model())
    model = load_model(path)
    xlsx = convert(path, tmp_path / "m.xlsx")
    header = [c.value for c in openpyxl.load_workbook(xlsx)["Målnivåer"][1]]
    assert "grunduppdrag" in header and "singular" in header and "bedömningsrubrik" in header
    back = load_model(convert(xlsx, tmp_path / "back.yaml"))
    assert back == model and dump_yaml(back) == dump_yaml(model)
    assert back.level("grund").basic and back.scale("kvalitet").labels[1].rule is not None


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grund")
    path = _write(tmp, _model())
    model = load_model(path)
    period = parse_period(model, PERIOD)
    books = {g.unit: g.path for g in api.generate(path, PERIOD, tmp / "in") if g.path}
    for unit, book in books.items():
        fill_workbook(book, model, period, unit)
    kf, word = tmp / "KF.xlsx", tmp / "Maluppfyllelse.docx"
    cons = api.consolidate(path, [tmp / "in"], PERIOD, out=kf)
    api.report(kf, word)
    return model, books, cons, kf, word


def _cells(ws) -> list[str]:  # noqa: ANN001
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_unit_workbook_shows_the_area_text_once(flow):
    _model, books, *_ = flow
    ws = openpyxl.load_workbook(books["KS"])["Arbetsgivare"]
    assert sum(ARB in v for v in _cells(ws)) == 1  # on the grunduppdrag's row, which the unit assesses
    ws = openpyxl.load_workbook(books["SN"])["Välfärd"]
    assert sum(VALF in v for v in _cells(ws)) == 1


def test_kf_area_sheets_show_the_area_text_once(flow):
    _model, _books, _cons, kf, _word = flow
    wb = openpyxl.load_workbook(kf)
    for sheet, text, gid in (("Arbetsgivare", ARB, "G1"), ("Välfärd", VALF, "G2")):
        cells = _cells(wb[sheet])
        assert sum(text in v for v in cells) == 1, sheet  # under the title
        rows = [[c.value for c in r] for r in wb[sheet].iter_rows()]
        mine = [r for r in rows if r[0] == gid]
        assert len(mine) == 2 and all(r[2] == BASIC_ROW for r in mine)  # the kommun's row and the unit's
        assert all(r[8] in GRUND for r in mine)


def test_the_assessment_reaches_data_and_the_per_level_tables(flow):
    _model, _books, cons, kf, word = flow
    data = cons.data.set_index(["ID", "Enhet"])
    council = cons.data[cons.data["Sammanställning"] == "kommun"].set_index("ID")
    for gid, text, unit in (("G1", ARB, "KS"), ("G2", VALF, "SN")):
        assert council.loc[gid, "Text"] == text  # Data keeps the decided wording
        assert council.loc[gid, "Bedömning"] in GRUND
        assert data.loc[(gid, unit), "Bedömning"] == council.loc[gid, "Bedömning"]
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(kf)["Översikt"].iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Grunduppdrag – Måluppfyllnad")
    level = {r[0]: r for r in rows[start + 2:start + 4]}
    assert set(level) == {"G1", "G2"} and level["G1"][2] == council.loc["G1", "Bedömning"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in docx.Document(str(word)).tables]
    per_level = next(t for t in tables if t[0][:2] == ["Grunduppdrag", "Område"])
    assert sorted(r[1] for r in per_level[1:]) == ["Arbetsgivare", "Välfärd"]


def test_word_chapter_shows_the_area_text_once_in_the_area(flow):
    _model, _books, cons, _kf, word = flow
    d = docx.Document(str(word))
    council = cons.data[cons.data["Sammanställning"] == "kommun"].set_index("ID")
    body = d.element.body
    # the area's section: from its heading to the next heading of the same level, paragraphs and tables in order
    texts: list[tuple[str, str]] = []
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            par = docx.text.paragraph.Paragraph(el, d)
            texts.append((par.style.name, par.text))
        elif tag == "tbl":
            table = docx.table.Table(el, d)
            texts.extend(("table", c.text) for row in table.rows for c in row.cells)
    for area, text, gid in (("Arbetsgivare", ARB, "G1"), ("Välfärd", VALF, "G2")):
        start = texts.index(("Heading 2", area))
        end = next((i for i in range(start + 1, len(texts)) if texts[i][0] == "Heading 2"), len(texts))
        section = texts[start:end]
        assert sum(text in t for _s, t in section) == 1, area
        assert section[1][1] == text  # right under the heading
        rows = [t for s, t in section if s == "table"]
        assert BASIC_ROW in rows, area
        label = council.loc[gid, "Bedömning"]
        assert any(label in t for t in rows), area
