"""Reading a KF workbook (or a Budget workbook) back, for reports and exports.

The KF workbook carries its own styrmodell (very hidden sheet ``_modell``) and
identity (``_malbok``), so a report needs nothing but the file finance was sent.
Tables are found by their header text, not by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from .layout import (
    BUDGET_DATA,
    BUDGET_LINES,
    BUDGET_UNITS,
    KF_DATA,
    KF_UNITS,
    KIND_BUDGET,
    KIND_KF,
    KONTROLL,
    META_SHEET,
    MODEL_SHEET,
    Identity,
    SheetLayout,
)
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


LONG_TEXT_SHEET = "_langa_texter"  # see malbok.kfbook: texts longer than a cell, whole


def _whole_texts(data: pd.DataFrame, rows: list[list[Any]]) -> None:
    """Put back, in the Data table, the texts KF.xlsx had to cut (kept whole in its very hidden sheet)."""
    for row in rows:
        if len(row) < 3 or not isinstance(row[0], float) or not row[0].is_integer() or row[1] not in data.columns:
            continue
        i = int(row[0])
        if 0 <= i < len(data):
            col = cast(int, data.columns.get_loc(row[1]))  # the Data sheet's headers are unique: an int, not a slice or mask
            data.iat[i, col] = "".join(str(x) for x in row[2:] if x != "")


def _open(path: Path, limits: Any = None, skip: frozenset[str] = frozenset()) -> Any:
    """The workbook at ``path``, measured and opened within :data:`~malbok.bounded.KF_LIMITS`; Swedish
    :class:`InputError` when it cannot be. The sheets in ``skip`` are measured only if they are read."""
    from .bounded import KF_LIMITS, Unreadable, open_bounded

    limits = limits or KF_LIMITS
    from .messages import os_error_text
    from .returns import not_regular

    why = not_regular(path)
    if why is not None:
        raise InputError(f"{path.name}: {why}")
    try:
        if path.stat().st_size > limits.file_bytes:
            raise InputError(f"{path.name}: filen är större än {limits.file_bytes // 2**20} MB; den läses inte")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path.name}: filen kan inte läsas: {os_error_text(e)}") from None
    if not data.startswith(b"PK"):
        raise InputError(f"{path.name}: filen är ingen Excel-arbetsbok (.xlsx)")
    try:
        return open_bounded(data, limits, skip)
    except Unreadable as e:
        raise InputError(f"{path.name}: {e.message}") from None


def _model_of(path: Path, wb: Any) -> Model:
    from .bounded import SheetUnreadable

    if MODEL_SHEET in wb.broken:
        raise InputError(f"{path.name}: styrmodellen i bladet '{MODEL_SHEET}' kan inte läsas: {wb.broken[MODEL_SHEET]}")
    try:
        cells = [r[0] for r in wb.rows(MODEL_SHEET) if r and r[0]]
    except SheetUnreadable as e:
        raise InputError(f"{path.name}: styrmodellen i bladet '{MODEL_SHEET}' kan inte läsas: {e}") from None
    try:
        return Model.unpack(cells)
    except Exception:  # noqa: BLE001 - base64, zlib, JSON or the schema: all say the sheet was changed or damaged
        raise InputError(f"{path.name}: styrmodellen i bladet '{MODEL_SHEET}' är skadad eller ändrad och kan inte läsas; "
                         "använd filen som malbok skrev") from None


def embedded_model(path: str | Path) -> Model:
    """The styrmodell a malbok workbook carries in its very hidden ``_modell`` sheet."""
    from .bounded import RETURN_LIMITS

    path = Path(path)
    wb = _open(path, RETURN_LIMITS)
    if MODEL_SHEET not in wb.sheet_names:
        raise InputError(f"{path.name}: arbetsboken bär ingen styrmodell (bladet '{MODEL_SHEET}' saknas)")
    return _model_of(path, wb)


# the sheets of KF.xlsx that no reader reads back: each is measured only if it is read after all
_NOT_READ = frozenset({"Översikt", "Ändringar", "Handlingsprogram"})
# and those an export does not need either (the Trend sheet's sparklines make it the slowest to measure)
_NOT_EXPORTED = _NOT_READ | {"Enheter", "Kontroll", "Trend", "Budget"}


def _identity(path: Path, skip: frozenset[str] = _NOT_READ) -> tuple[Any, Identity]:
    """The workbook at ``path``, opened, and its identity, which must be a consolidation's (KF or Budget)."""
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{path.name}: filen finns inte")
    wb = _open(path, skip=skip)
    names = set(wb.sheet_names)
    if META_SHEET not in names or MODEL_SHEET not in names:
        raise InputError(f"{path.name}: inte en sammanställning från malbok (bladet '{META_SHEET}' eller '{MODEL_SHEET}' saknas). "
                         "Ange filen som malbok consolidate skrev.")
    ident = Identity.from_rows([(str(r[0] or ""), _text(r[1]) if len(r) >= 2 else "") for r in sheet_rows(wb, META_SHEET) if r])
    if ident.kind not in (KIND_KF, KIND_BUDGET):
        raise InputError(f"{path.name}: bladet '{META_SHEET}' beskriver inte en sammanställning (malbok = '{ident.kind}')")
    return wb, ident


def _data(path: Path, wb: Any, kind: str) -> pd.DataFrame:
    """The workbook's ``Data`` table (:data:`~malbok.layout.KF_DATA` or :data:`~malbok.layout.BUDGET_DATA`), the
    texts its sheet had to cut put back whole."""
    layout = KF_DATA if kind == KIND_KF else BUDGET_DATA
    names = set(wb.sheet_names)
    if "Data" not in names:
        raise InputError(f"{path.name}: bladet 'Data' saknas")
    try:
        data = read_layout(sheet_rows(wb, "Data"), layout)
    except KeyError:
        raise InputError(f"{path.name}: tabellen i bladet 'Data' saknar sin rubrikrad") from None
    _whole_texts(data, sheet_rows(wb, LONG_TEXT_SHEET) if LONG_TEXT_SHEET in names else [])
    missing = [h for h in (layout.column(k).header for k in layout.required) if h not in data.columns]
    if missing:
        raise InputError(f"{path.name}: bladet 'Data' saknar kolumnerna {', '.join(missing)}")
    return data


def read_layout(rows: list[list[Any]], layout: SheetLayout) -> pd.DataFrame:
    """An output table declared in :mod:`malbok.layout`: found by its first header, its numeric columns as numbers."""
    return read_table(rows, layout.columns[0].header, numeric=layout.numeric)


def read_data(path: str | Path) -> pd.DataFrame:
    """The ``Data`` table of a KF.xlsx (or Budget.xlsx) written by malbok, as :func:`read_kf` reads it, for an
    export: its other tables are not read (nor their sheets measured). Swedish :class:`InputError` when it is
    not such a workbook, or a damaged one (its styrmodell is checked as :func:`read_kf` checks it)."""
    path = Path(path)
    wb, ident = _identity(path, _NOT_EXPORTED)
    _model_of(path, wb)
    return _data(path, wb, ident.kind)


def read_kf(path: str | Path) -> KfBook:
    """Read a KF.xlsx (or Budget.xlsx) written by malbok; Swedish :class:`InputError` otherwise."""
    path = Path(path)
    wb, ident = _identity(path)
    names = set(wb.sheet_names)
    kind = ident.kind
    model = _model_of(path, wb)
    try:
        period = parse_period(model, ident.period) if ident.period else None
    except Exception:  # noqa: BLE001
        raise InputError(f"{path.name}: bladet '{META_SHEET}' anger en period som styrmodellen inte har") from None
    year_text = ident.year or "0"
    if not year_text.isdigit():
        raise InputError(f"{path.name}: bladet '{META_SHEET}' är ändrat (år '{year_text[:20]}' är inget årtal)")
    year = period.year if period else int(year_text)
    tables: dict[str, pd.DataFrame] = {"Data": _data(path, wb, kind)}
    units = KF_UNITS if kind == KIND_KF else BUDGET_UNITS
    for sheet, layout in (("Kontroll", KONTROLL), ("Enheter", units), ("Budget", BUDGET_LINES)):
        if sheet in names:
            try:
                tables[sheet] = read_layout(sheet_rows(wb, sheet), layout)
            except KeyError:
                pass
    if "Kolada" in names:  # with Kolada's figures in the history store (malbok.kfbook.kolada_sheets)
        from .kolada import KOLADA_NUMBERS

        try:
            tables["Kolada"] = read_table(sheet_rows(wb, "Kolada"), "ID", numeric=KOLADA_NUMBERS)
        except KeyError:
            pass
    if "Trend" in names:  # with a history store: the indicators' earlier years, and the goals' last assessments
        rows = sheet_rows(wb, "Trend")
        for i, r in enumerate(rows):
            if r and str(r[0]).strip() == "ID" and len(r) > 1:  # the block is known by its second header
                key = {"Indikator": "Trend", "Mål / indikator": "Trend mål"}.get(str(r[1]).strip())
                if key:
                    tables[key] = read_table(rows[i:], "ID")
    return KfBook(path, kind, model, period, year, tables)
