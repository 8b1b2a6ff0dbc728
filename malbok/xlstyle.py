"""Print and screen set-up shared by every workbook malbok writes (XlsxWriter).

One place decides how a sheet prints on A4 (orientation, margins, scale, header and
footer, repeated header rows, print area), how tall a row must be for its wrapped
texts, and which Excel number format a unit of measure gets. Widths are Excel's
column widths (characters of the default font, Calibri 11).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet

from .model import Measure

A4 = 9  # Excel's paper code
MIN_PRINT_PT = 8.0  # the smallest body text a printed page may have
BODY_PT = 10.0  # the body font of malbok's sheets
MARGIN_IN = 0.3  # left and right margins
# the Instruktioner sheet's two columns (label, text): one A4 width, portrait, at the 80 % that prints 10 pt as 8 pt
INSTRUCTIONS_WIDTHS = (26.0, 88.0)
_PAGE_PT = {True: 842.0, False: 595.0}  # A4 page width, landscape and portrait


def column_pt(width: float) -> float:
    """A column's printed width in points at 100 %: Excel's 7 pixels a character and 5 of padding, and
    6 % more, as LibreOffice measures a Calibri (Carlito) column, so a page that fits in one fits in both."""
    return (math.floor(width * 7 + 0.5) + 5) * 0.75 * 1.06


def fit_scale(widths: Iterable[float], landscape: bool = True) -> float:
    """The print scale (per cent) at which the columns ``widths`` fill one page width."""
    total = sum(column_pt(w) for w in widths)
    # 6 % to spare: LibreOffice breaks a page a little before the columns it draws reach the margin
    printable = (_PAGE_PT[landscape] - 2 * MARGIN_IN * 72) * 0.94
    return 100.0 if total <= 0 else min(100.0, printable / total * 100)


def min_scale(font_pt: float = BODY_PT) -> int:
    """The smallest scale (per cent) that keeps text of ``font_pt`` at :data:`MIN_PRINT_PT` or more."""
    return math.ceil(MIN_PRINT_PT / font_pt * 100)


def hf(text: str) -> str:
    """``text`` as it may stand in an Excel header or footer ('&' doubled; kept short)."""
    return text.replace("&", "&&")[:80]


def page_setup(ws: Any, *, kommun: str, document: str, period: str, widths: Sequence[float], where: str = "",
               landscape: bool = True, header_row: int | None = None, key_columns: int = 0,
               print_columns: int | None = None, last_row: int | None = None, font_pt: float = BODY_PT,
               break_before: int | None = None) -> int:
    """A4, margins, header (kommun · document · period) and footer (``where`` · 'Sida X av Y'), the
    header rows repeated on every page.

    The sheet prints at the scale that fits its columns to one page width, but never below the scale
    that keeps its text at 8 pt: a sheet too wide for that prints across pages, broken between
    columns, with its first ``key_columns`` (ID and name) repeated on each. A fixed scale rather than
    Excel's 'fit to width', so a spreadsheet whose font is wider than Calibri prints more pages, not
    smaller text. ``widths`` are the widths of the columns (hidden ones as 0); ``print_columns``
    limits the print area to the first that many (technical columns after them do not print);
    ``break_before`` is the column a second page across had best start with, when both halves fit.
    Returns the scale (per cent)."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=0.75, bottom=0.65)
    # 10 pt, so the header prints at 8 pt or more at the sheet's scale; a space after the size code, as
    # a text may start with a digit ('&10' then '2016' would read as size 102016)
    ws.set_header(f"&L&10 {hf(kommun)}&C&10&B {hf(document)}&R&10 {hf(period)}", {"margin": 0.3})
    ws.set_footer(f"&L&10 {hf(where)}&R&10 Sida &P av &N", {"margin": 0.3})
    if header_row is not None:
        ws.repeat_rows(header_row)
    cols = list(widths[:print_columns] if print_columns is not None else widths)
    if print_columns is not None:
        ws.print_area(0, 0, max(last_row or 0, header_row or 0, 1), print_columns - 1)
    least = min_scale(font_pt)
    scale = max(least, math.floor(fit_scale(cols, landscape)))
    ws.set_print_scale(scale)
    if scale > least or fit_scale(cols, landscape) >= least:
        return scale
    # too wide for one page at 8 pt: pages across, each starting with the key columns
    room = (_PAGE_PT[landscape] - 2 * MARGIN_IN * 72) * 0.94 * 100 / scale
    key = sum(column_pt(w) for w in cols[:key_columns] if w > 0)

    def width(first: int, last: int) -> float:
        return key + sum(column_pt(w) for w in cols[first:last] if w > 0)

    breaks: list[int] = []
    used = key
    if break_before is not None and width(key_columns, break_before) <= room and width(break_before, len(cols)) <= room:
        breaks = [break_before]
    for c in range(key_columns, len(cols) if not breaks else 0):
        w = column_pt(cols[c]) if cols[c] > 0 else 0.0
        if used + w > room and used > key:
            breaks.append(c)
            used = key
        used += w
    ws.set_v_pagebreaks(breaks)
    ws.print_across()
    if key_columns and breaks:
        ws.repeat_columns(0, key_columns - 1)
    return scale


# -- row heights --------------------------------------------------------------------------------------

# Characters of running Swedish text a column of width 1 holds at 10 pt, a little fewer than Calibri
# (and Carlito, LibreOffice's metric twin) fits, so a row has room to spare rather than clip.
_CHARS_PER_WIDTH = 1.1
_LINE_PT = 1.3  # a line's height, in font sizes


def chars_per_line(width: float, font_pt: float = BODY_PT, bold: bool = False) -> int:
    """How many characters of running text fit on one line of a column ``width`` wide."""
    per = width * _CHARS_PER_WIDTH * BODY_PT / font_pt * (0.92 if bold else 1.0)
    return max(1, int(per) - 1)


def text_lines(text: str, width: float, font_pt: float = BODY_PT, bold: bool = False) -> int:
    """The lines ``text`` takes wrapped in a column ``width`` wide (word by word, as a spreadsheet wraps)."""
    if not text:
        return 1
    cpl = chars_per_line(width, font_pt, bold)
    if len(text) <= cpl and "\n" not in text:  # the common case: one line
        return 1
    lines = 0
    for para in text.split("\n"):
        n, used = 1, 0
        for word in para.split(" "):
            size = len(word)
            while size > cpl:  # a word longer than the line is broken
                if used:
                    n, used = n + 1, 0
                n, size = n + 1, size - cpl
            if used and used + 1 + size > cpl:
                n, used = n + 1, size
            else:
                used += (1 if used else 0) + size
        lines += n
    return lines


def row_height(lines: int, font_pt: float = BODY_PT) -> float:
    """The height (points) of a row showing ``lines`` lines of ``font_pt`` text."""
    return round(max(1, lines) * font_pt * _LINE_PT + 4, 1)


def fitted_height(cells: Iterable[tuple[str, float]], font_pt: float = BODY_PT, least: int = 1, bold: bool = False) -> float:
    """The row height that shows every (text, column width) of ``cells`` whole, at least ``least`` lines."""
    lines = least
    for text, width in cells:
        if text and width > 0:
            lines = max(lines, text_lines(text, width, font_pt, bold))
    return row_height(lines, font_pt)


class GrowingSheet(Worksheet):
    """A worksheet whose rows marked with :meth:`grow` keep their height without Excel's 'custom height'
    flag: the row opens as tall as its texts, and grows when someone types a longer text in it (Excel and
    LibreOffice fit only rows whose height nobody set). Rows set with ``set_row`` alone stay fixed."""

    def __init__(self) -> None:
        super().__init__()
        self.growing: set[int] = set()

    def grow(self, row: int, height: float) -> None:
        """Row ``row`` (0-based) opens ``height`` points tall and grows with its texts."""
        self.set_row(row, height)
        self.growing.add(row + 1)

    def _drop_custom(self, tag: str, attributes: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        if tag == "row" and self.growing and attributes and attributes[0][1] in self.growing:
            return [a for a in attributes if a[0] != "customHeight"]
        return attributes

    def _xml_start_tag_unencoded(self, tag: str, attributes: Any = ()) -> None:  # noqa: D102 - XlsxWriter's writer
        super()._xml_start_tag_unencoded(tag, self._drop_custom(tag, list(attributes)))

    def _xml_empty_tag_unencoded(self, tag: str, attributes: Any = ()) -> None:  # noqa: D102
        super()._xml_empty_tag_unencoded(tag, self._drop_custom(tag, list(attributes)))


# -- number formats -----------------------------------------------------------------------------------

# Excel number formats by unit of measure. ',' and '.' are Excel's thousands and decimal marks,
# shown as the reader's locale writes them (1 545 000 and 85,5 in Swedish). The decimals are those
# of malbok.targets.fmt_number, so KF.xlsx and the Word chapter round alike. Percent values are
# stored as per cent (85.5 for 85,5 %).
INTEGER = "#,##0"
ONE_DECIMAL = "#,##0.0"
PERCENT_VALUE = '#,##0.0" %"'
SHARE = "0%"  # a share stored as 0–1 ("Andel ifylld")
TKR = "#,##0;[Red]-#,##0"  # thousands of kronor, negative deviations in red with a minus sign
_BY_MEASURE = {
    Measure.PERCENT: PERCENT_VALUE,
    Measure.COUNT: INTEGER,
    Measure.RANK: INTEGER,
    Measure.SEK: INTEGER,
    Measure.INDEX: ONE_DECIMAL,
    Measure.NUMBER: ONE_DECIMAL,
    Measure.TEXT: "@",
}
_BY_SYMBOL = {"%": PERCENT_VALUE, "procent": PERCENT_VALUE, "antal": INTEGER, "placering": INTEGER, "kr": INTEGER,
              "tkr": TKR, "index": ONE_DECIMAL, "tal": ONE_DECIMAL, "": ONE_DECIMAL}


def number_format(measure: Measure | str | None) -> str:
    """The Excel number format of a value in ``measure`` (a :class:`Measure`, or the symbol a sheet shows)."""
    if isinstance(measure, Measure):
        return _BY_MEASURE[measure]
    return _BY_SYMBOL.get((measure or "").strip().lower(), ONE_DECIMAL)
