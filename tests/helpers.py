"""Fill generated workbooks the way a person does in Excel (through openpyxl)."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def find(ws, rid: str, header: str) -> str:  # noqa: ANN001
    hdr_row = next(r for r in range(1, 13) if ws.cell(r, 1).value == "ID")
    cols = {ws.cell(hdr_row, c).value: c for c in range(1, ws.max_column + 1)}
    row = next(r for r in range(hdr_row + 1, ws.max_row + 1) if ws.cell(r, 1).value == rid)
    return ws.cell(row, cols[header]).coordinate


def type_in(path: Path, entries: list[tuple[str, str, str, object]], number_format: dict | None = None) -> dict:
    """entries: (sheet, ID, header, value); returns {(sheet, ID, header): cell}."""
    wb = openpyxl.load_workbook(path)
    where = {}
    for sheet, rid, header, value in entries:
        ws = wb[sheet]
        coord = find(ws, rid, header)
        ws[coord].value = value
        if number_format and (sheet, rid, header) in number_format:
            ws[coord].number_format = number_format[(sheet, rid, header)]
        where[(sheet, rid, header)] = coord
    wb.save(path)
    return where
