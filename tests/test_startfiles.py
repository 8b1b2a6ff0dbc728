"""The ready workbooks in workbooks/ are exactly what the code builds (rebuild with `malbok excel workbooks`)."""

import zipfile
from pathlib import Path

import openpyxl
import pytest

from malbok.api import workbooks

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks"
# Konsolidering.xlsm carries xlwings' own VBA project, byte for byte from the installed xlwings (test_excel checks it
# with olevba); every other part of every file must be as built.
FROM_XLWINGS = {"xl/vbaProject.bin"}


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_committed_workbooks_are_what_the_code_builds(tmp_path: Path) -> None:
    built = tmp_path / "workbooks"
    written = workbooks(built)
    assert _files(built) == _files(COMMITTED) == sorted(str(p.relative_to(built)) for p in written)
    stale = []
    for name in _files(built):
        new, old = built / name, COMMITTED / name
        if new.suffix in (".xlsx", ".xlsm"):
            with zipfile.ZipFile(new) as a, zipfile.ZipFile(old) as b:
                assert a.namelist() == b.namelist(), name
                stale += [f"{name}:{m}" for m in a.namelist() if m not in FROM_XLWINGS and a.read(m) != b.read(m)]
        elif new.read_bytes() != old.read_bytes():
            stale.append(name)
    assert not stale, f"workbooks/ är inaktuell, kör `malbok excel workbooks`: {stale}"


def test_building_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    a, b = workbooks(tmp_path / "a"), workbooks(tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_the_consolidation_workbook_points_at_the_bundled_example() -> None:
    wb = openpyxl.load_workbook(COMMITTED / "Konsolidering.xlsm", keep_vba=True)
    settings = {r[0].value: r[1].value for r in wb["Inställningar"].iter_rows(min_row=2) if r[0].value}
    assert settings["Styrmodell"] == str(Path("modeller") / "Hallsberg.xlsx")
    assert (COMMITTED / settings["Styrmodell"]).is_file()
    assert (COMMITTED / settings["Mapp med inlämnade arbetsböcker"]).is_dir()


def test_the_empty_model_workbook_lists_what_to_fill_in_by_sheet_and_cell() -> None:
    from malbok.load import ModelError, load_model

    with pytest.raises(ModelError) as e:
        load_model(COMMITTED / "Ny styrmodell.xlsx")
    places = dict(e.value.problems)
    assert any(p.endswith("blad Modell, cell B3") for p in places)  # kommun
    assert any(p.endswith("blad Områden") for p in places) and any(p.endswith("blad Enheter") for p in places)
