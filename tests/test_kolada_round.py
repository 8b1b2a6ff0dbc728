"""Kolada in the follow-up round: a rank target judged from the place computed from Kolada's values, and
Kolada's figure with its source on the council's row (local v3-shaped server on 127.0.0.1, real SQLite file)."""

import re
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pandas as pd
import pytest

from malbok import api
from malbok.api import history_store as default_store
from malbok.filler import fill_workbook
from malbok.kolada import ATTRIBUTION, Client, parse_years
from malbok.kolada import fetch as kolada_fetch
from malbok.load import load_model
from malbok.periods import parse_period

from .conftest import TEMPLATES, lo_convert
from .helpers import find
from .kolada_server import KoladaServer, sample

PERIOD = "2016-delar"


def _with_kolada(tmp_path: Path, text: str | None = None) -> tuple[Path, Any]:
    """The Hallsberg model (or ``text``) as a file in tmp_path, with Kolada's 2015–2016 values fetched from the
    local server into its history store."""
    model_file = tmp_path / "hallsberg.yaml"
    model_file.write_text(text if text is not None else (TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8"),
                          encoding="utf-8")
    m = load_model(model_file)
    with KoladaServer(sample()) as srv:
        kolada_fetch(m, parse_years("2015-2016"), default_store(model_file),
                     client=Client(srv.base, tries=2, backoff=0.01, max_wait=0.05, timeout=2.0))
    return model_file, m


@pytest.fixture
def round_(tmp_path: Path):  # noqa: ANN201
    model_file, m = _with_kolada(tmp_path)
    api.generate(model_file, PERIOD, tmp_path / "ut", units=["BIN"], history=False)
    book = next((tmp_path / "ut").glob("*.xlsx"))
    fill_workbook(book, m, parse_period(m, PERIOD), "BIN")
    wb = openpyxl.load_workbook(book)
    ws = next(ws for ws in wb.worksheets if any(c.value == "HK6" for c in ws["A"]))
    return model_file, book, ws.title, find(ws, "HK6", "Placering")


def _consolidate(model_file: Path, book: Path, out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    api.consolidate(model_file, [book], PERIOD, out=out)
    data = pd.read_excel(out, sheet_name="Data", header=None, engine="calamine")
    head = next(i for i, row in data.iterrows() if list(row)[:2] == ["Period", "Enhet"])
    data = pd.read_excel(out, sheet_name="Data", header=head, engine="calamine")
    checks = pd.read_excel(out, sheet_name="Kontroll", header=None, engine="calamine").astype(str)
    return data[data["ID"] == "HK6"].set_index("Enhet"), checks


def test_rank_target_without_a_typed_place_is_judged_from_kolada(round_, tmp_path: Path) -> None:
    model_file, book, sheet, rank_cell = round_
    wb = openpyxl.load_workbook(book)
    wb[sheet][rank_cell].value = None  # the nämnd leaves the place to Kolada
    wb.save(book)
    rows, _checks = _consolidate(model_file, book, tmp_path / "KF.xlsx")
    bin_ = rows.loc["BIN"]
    assert bin_["Förslag"] == "Uppfyllt"
    assert bin_["Förslagsskäl"] == "enligt Kolada 2016: plats 3 av 11; de 25 % bästa är plats 1–3"
    council = rows.loc["Kommunen"]
    assert council["Placering"] == 3
    assert "Kolada 2016: 86 % · plats 3 av 11 · median" in council["Förslagsskäl"]
    assert "(N15428)" in council["Förslagsskäl"] and ATTRIBUTION in council["Förslagsskäl"]


def test_a_typed_place_that_differs_from_kolada_is_a_warning(round_, tmp_path: Path) -> None:
    model_file, book, sheet, rank_cell = round_
    wb = openpyxl.load_workbook(book)
    wb[sheet][rank_cell].value = 40
    wb.save(book)
    rows, checks = _consolidate(model_file, book, tmp_path / "KF.xlsx")
    assert rows.loc["BIN", "Placering"] == 40  # what the nämnd typed is kept, and judged as typed
    hits = checks[checks.apply(lambda r: r.str.contains("skiljer sig från den som räknats fram ur Koladas").any(), axis=1)]
    assert len(hits) == 1
    assert hits.apply(lambda r: r.str.contains(rank_cell).any(), axis=1).all()
    assert hits.apply(lambda r: r.str.contains("plats 3 av 11").any(), axis=1).all()


def test_without_a_kolada_fetch_nothing_changes(tmp_path: Path) -> None:
    """No fetch: no Kolada figure in KF.xlsx (no reason, no sheet) and nothing of Kolada in the Word chapter."""
    model_file = tmp_path / "hallsberg.yaml"
    model_file.write_text((TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    m = load_model(model_file)
    api.generate(model_file, PERIOD, tmp_path / "ut", units=["BIN"], history=False)
    book = next((tmp_path / "ut").glob("*.xlsx"))
    fill_workbook(book, m, parse_period(m, PERIOD), "BIN")
    rows, _checks = _consolidate(model_file, book, tmp_path / "KF.xlsx")
    assert "Kolada" not in " ".join(rows["Förslagsskäl"].astype(str))
    assert "Kolada" not in openpyxl.load_workbook(tmp_path / "KF.xlsx", read_only=True).sheetnames
    api.report(tmp_path / "KF.xlsx", tmp_path / "Maluppfyllelse.docx")
    text = _docx_text(tmp_path / "Maluppfyllelse.docx")
    assert "Kolada" not in text, [li for li in text.splitlines() if "Kolada" in li]
    assert "Jämförelse med landets kommuner" not in text and "median" not in text.lower()


def _docx_text(path: Path) -> str:
    """Every paragraph and table cell of a Word file, as python-docx reads it."""
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_kf_and_the_word_chapter_show_kolada_beside_the_median(round_, tmp_path: Path) -> None:
    """Hallsberg's rank target judged from Kolada in a round; KF.xlsx's Kolada sheet and the Word chapter made from
    that KF.xlsx show per indicator the value, year, place, n and median, and the attribution Kolada asks for."""
    model_file, book, sheet, rank_cell = round_
    wb = openpyxl.load_workbook(book)
    wb[sheet][rank_cell].value = None  # the place is left to Kolada
    wb.save(book)
    kf = tmp_path / "KF.xlsx"
    rows, _checks = _consolidate(model_file, book, kf)
    assert rows.loc["Kommunen", "Förslag"] == "Uppfyllt"  # judged from Kolada's place 3 of 11: the best 25 % are 1–3

    sheet_ = pd.read_excel(kf, sheet_name="Kolada", header=None, engine="calamine")
    assert ATTRIBUTION in str(sheet_.iat[1, 0])  # under the title, on screen and on paper
    head = next(i for i, r in sheet_.iterrows() if r.iloc[0] == "ID")
    table = pd.read_excel(kf, sheet_name="Kolada", header=head, engine="calamine").set_index("ID")
    hk6 = table.loc["HK6"]
    assert (hk6["Nyckeltal"], hk6["År"], hk6["Värde"], hk6["Placering"], hk6["Antal kommuner"]) == ("N15428", 2016, 86, 3, 11)
    assert hk6["Median"] == 80 and hk6["Bäst är"] == "högst"  # 11 municipalities with a value: the 6th is 80
    assert hk6["Källa"] == "egen bearbetning av data från Kolada"
    assert table.loc["LL4", "Bäst är"] == "lägst" and table.loc["LL4", "Placering"] == 12  # fewer poor children is better
    assert set(table.index) == {"HK2", "HK6", "LL4"}  # the model's three indicators with a Kolada id

    docx_path = api.report(kf, tmp_path / "Maluppfyllelse.docx")
    d = docx.Document(str(docx_path))
    heading = next(i for i, p in enumerate(d.paragraphs) if p.text == "Jämförelse med landets kommuner")
    assert d.paragraphs[heading].style.name == "Heading 2"
    tbl = next(t for t in d.tables if t.rows[0].cells[0].text.startswith("Indikator (Koladas"))
    assert [c.text for c in tbl.rows[0].cells] == ["Indikator (Koladas nyckeltal)", "År", "Hallsberg",
                                                   "Median, landets kommuner", "Placering"]
    body = [[c.text for c in r.cells] for r in tbl.rows[1:]]
    assert ["Behörighet till gymnasiet (N15428)", "2016", "86,0\u00a0%", "80,0\u00a0%", "plats 3 av 11"] in body
    ll4 = next(r for r in body if "(N66077)" in r[0])
    assert ll4[4] == "plats 12 av 12 (lägre är bättre)"
    assert ["Hållbar kommun"] * 5 in body and ["Livslångt lärande"] * 5 in body  # the areas as rows across the table
    notes = [p.text for p in d.paragraphs if ATTRIBUTION in p.text]
    assert len(notes) == 1 and re.fullmatch(re.escape(ATTRIBUTION) + r" \(hämtat \d{1,2} \w+ \d{4}\)\.", notes[0]), notes

    (pdf,) = lo_convert([docx_path], tmp_path / "pdf", "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    part = text[text.index("Jämförelse med landets kommuner"):]
    line = next(li for li in part.splitlines() if "(N15428)" in li)
    assert re.search(r"2016\s+86,0\s%\s+80,0\s%\s+plats 3 av 11", line), line
    assert ATTRIBUTION in " ".join(part.split())


def test_two_units_without_places_give_the_council_a_judgement_from_kolada(tmp_path: Path) -> None:
    """HK6 reported by two units (mean of their values), neither typing a place: the council's row is judged
    from Kolada's place as the units' rows are, and shows that place."""
    text = (TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: HK6\n")
    block = text[start:text.index("  - id: HK7\n")]
    assert "    enheter: [BIN]\n" in block
    text = text.replace(block, block.replace("    enheter: [BIN]\n", "    enheter: [BIN, SBN]\n    sammanräkning: medel\n"))
    model_file, m = _with_kolada(tmp_path, text)
    api.generate(model_file, PERIOD, tmp_path / "ut", units=["BIN", "SBN"], history=False)
    books = sorted((tmp_path / "ut").glob("*.xlsx"))
    assert len(books) == 2
    for book in books:
        fill_workbook(book, m, parse_period(m, PERIOD), book.stem.rsplit("_", 1)[-1])
        wb = openpyxl.load_workbook(book)
        ws = next(ws for ws in wb.worksheets if any(c.value == "HK6" for c in ws["A"]))
        ws[find(ws, "HK6", "Placering")].value = None
        wb.save(book)
    out = tmp_path / "KF.xlsx"
    api.consolidate(model_file, books, PERIOD, out=out)
    data = pd.read_excel(out, sheet_name="Data", engine="calamine")
    rows = data[data["ID"] == "HK6"].set_index("Enhet")
    assert set(rows.index) == {"BIN", "SBN", "Kommunen"}
    council = rows.loc["Kommunen"]
    assert council["Förslag"] == "Uppfyllt" and council["Placering"] == 3
    assert council["Förslagsskäl"].startswith("enligt Kolada 2016: plats 3 av 11")


def test_the_unit_workbook_shows_kolada_with_its_source(tmp_path: Path) -> None:
    """After a fetch, the workbook a nämnd gets shows Kolada's latest value, year, place and n for the indicator,
    with the attribution, beside its earlier outcomes (locked, not an input)."""
    model_file, m = _with_kolada(tmp_path)
    api.generate(model_file, "2017-delar", tmp_path / "ut", units=["BIN"])
    book = next((tmp_path / "ut").glob("*.xlsx"))
    ws = next(ws for ws in openpyxl.load_workbook(book).worksheets if any(c.value == "HK6" for c in ws["A"]))
    cell = ws[find(ws, "HK6", "Tidigare utfall")]
    assert "Kolada 2016: 86 % · plats 3 av 11" in cell.value and "(N15428)" in cell.value
    assert ATTRIBUTION in cell.value and cell.protection.locked


def test_the_demo_asks_nothing_of_kolada(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo works without a network: it never calls Kolada (a call would go to the local server that
    $MALBOK_KOLADA_URL names), and as it ships no sample cache, nothing of Kolada is shown."""
    with KoladaServer(sample()) as srv:
        monkeypatch.setenv("MALBOK_KOLADA_URL", srv.base)
        res = api.demo(tmp_path / "demo")
        assert srv.log == []  # not one request
    assert "Kolada" not in openpyxl.load_workbook(res.kf, read_only=True).sheetnames
    assert "Kolada" not in _docx_text(res.docx)
    # the typed result, and the Swedish keys of the dict it was before (docs/ and older scripts read res["kf"])
    assert res["kf"] == res.kf and res["inlämnade"] == res.returned and res["konsolidering"] is res.consolidation
    assert res.before is not None and res.suggestions[0] > 0 and res.corrected in {u.code for u in res.model.units}


def test_a_later_period_shows_koladas_latest_year(tmp_path: Path) -> None:
    """Kolada lags: in the delårsrapport 2017, with values up to 2016 fetched, KF.xlsx and the chapter show 2016's
    figures and say which year they are."""
    model_file, m = _with_kolada(tmp_path)
    api.generate(model_file, "2017-delar", tmp_path / "ut", units=["BIN"], history=False)
    book = next((tmp_path / "ut").glob("*.xlsx"))
    fill_workbook(book, m, parse_period(m, "2017-delar"), "BIN")
    kf = tmp_path / "KF.xlsx"
    api.consolidate(model_file, [book], "2017-delar", out=kf, docx=tmp_path / "Maluppfyllelse.docx")
    d = docx.Document(str(tmp_path / "Maluppfyllelse.docx"))
    tbl = next(t for t in d.tables if t.rows[0].cells[0].text.startswith("Indikator (Koladas"))
    row = next([c.text for c in r.cells] for r in tbl.rows if "(N15428)" in r.cells[0].text)
    assert row[1:] == ["2016", "86,0\u00a0%", "80,0\u00a0%", "plats 3 av 11"]
    intro = next(p.text for p in d.paragraphs if p.text.startswith("Tabellen visar de indikatorer"))
    assert "Hallsbergs senaste värde (2016)" in intro
    sheet_ = pd.read_excel(kf, sheet_name="Kolada", header=None, engine="calamine")
    assert "till och med 2017" in str(sheet_.iat[1, 0])
