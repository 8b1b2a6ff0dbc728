"""Reading a KF workbook (or a Budget workbook) back, for reports and exports.

The KF workbook carries its own styrmodell (very hidden sheet ``_modell``) and
identity (``_malbok``), so a report needs nothing but the file finance was sent.
Tables are found by their header text, not by position.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook

from .layout import META_SHEET, MODEL_SHEET
from .model import Model
from .periods import Period, parse_period
from .returns import sheet_rows
from .util import InputError
from .values import cell_text as _text


@dataclass
class KfBook:
    """A consolidated workbook read back: its kind, model, period and tables."""

    path: Path
    kind: str  # "kf" (follow-up) or "budget" (plan round)
    model: Model
    period: Period | None
    year: int
    tables: dict[str, pd.DataFrame]

    @property
    def data(self) -> pd.DataFrame:
        return self.tables["Data"]


def read_table(rows: list[list[Any]], first: str, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """The table whose header row starts with ``first``; rows until the first empty one."""
    for i, row in enumerate(rows):
        if row and str(row[0]).strip() == first:
            header = [str(h).strip() for h in row]
            while header and not header[-1]:
                header.pop()
            body = []
            for r in rows[i + 1:]:
                cells = list(r[: len(header)]) + [""] * (len(header) - len(r))
                if all(c == "" or c is None for c in cells):
                    break
                body.append(cells)
            texts = [j for j, h in enumerate(header) if h not in numeric]
            for cells in body:  # the texts made before the frame: pandas' map on its Arrow-backed texts is slower
                for j in texts:
                    v = cells[j]
                    cells[j] = v.strip() if type(v) is str else _text(v)  # _text of a text, without the call
            frame = pd.DataFrame(body, columns=header)
            for col in frame.columns:
                if col in numeric:
                    frame[col] = pd.to_numeric(frame[col].replace("", None), errors="coerce").astype("float64")
                elif not body:
                    frame[col] = frame[col].map(_text)  # an empty table keeps the column types it had
            return frame
    raise KeyError(first)


def embedded_model(path: str | Path) -> Model:
    """The styrmodell a malbok workbook carries in its very hidden ``_modell`` sheet."""
    path = Path(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        return Model.unpack([r[0] for r in sheet_rows(wb, MODEL_SHEET) if r and r[0]])
    except Exception as e:  # noqa: BLE001
        raise InputError(f"{path.name}: arbetsboken bär ingen läsbar styrmodell ({str(e)[:160]})") from None


def read_kf(path: str | Path) -> KfBook:
    """Read a KF.xlsx (or Budget.xlsx) written by malbok; Swedish :class:`InputError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path.name}: filen finns inte")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path.name}: filen är ingen Excel-arbetsbok (.xlsx)")
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 - calamine raises many kinds
        raise InputError(f"{path.name}: arbetsboken kan inte läsas ({e})") from None
    names = set(wb.sheet_names)
    if META_SHEET not in names or MODEL_SHEET not in names:
        raise InputError(f"{path.name}: inte en sammanställning från malbok (bladet '{META_SHEET}' eller '{MODEL_SHEET}' saknas). "
                         "Ange filen som malbok consolidate skrev.")
    meta = {str(r[0]): _text(r[1]) for r in sheet_rows(wb, META_SHEET) if len(r) >= 2 and r[0]}
    kind = meta.get("malbok", "")
    if kind not in ("kf", "budget"):
        raise InputError(f"{path.name}: bladet '{META_SHEET}' beskriver inte en sammanställning (malbok = '{kind}')")
    try:
        model = Model.unpack([r[0] for r in sheet_rows(wb, MODEL_SHEET) if r and r[0]])
    except Exception as e:  # noqa: BLE001
        raise InputError(f"{path.name}: styrmodellen i bladet '{MODEL_SHEET}' kan inte läsas ({str(e)[:200]})") from None
    period = parse_period(model, meta["period"]) if meta.get("period") else None
    year = period.year if period else int(meta.get("år", "0") or 0)
    tables: dict[str, pd.DataFrame] = {}
    from .consolidation import DATA_COLUMNS

    if "Data" not in names:
        raise InputError(f"{path.name}: bladet 'Data' saknas")
    try:
        tables["Data"] = read_table(sheet_rows(wb, "Data"), DATA_COLUMNS[0] if kind == "kf" else "Enhet",
                                    numeric=("Utfall", "Placering", "Belopp (tkr)", "Ram (tkr)"))
    except KeyError:
        raise InputError(f"{path.name}: tabellen i bladet 'Data' saknar sin rubrikrad") from None
    if kind == "kf":
        missing = [c for c in DATA_COLUMNS if c not in tables["Data"].columns]
        if missing:
            raise InputError(f"{path.name}: bladet 'Data' saknar kolumnerna {', '.join(missing)}")
    for sheet, first in (("Kontroll", "Allvar"), ("Enheter", "Enhet"), ("Budget", "Enhet")):
        if sheet in names:
            try:
                tables[sheet] = read_table(sheet_rows(wb, sheet), first, numeric=("Ram (tkr)", "Budget (tkr)", "Avvikelse (tkr)", "Belopp (tkr)"))
            except KeyError:
                pass
    return KfBook(path, kind, model, period, year, tables)
