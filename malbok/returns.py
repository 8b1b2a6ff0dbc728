"""Read a returned unit workbook: identity, rows by ID and header, file-level findings.

python-calamine reads values; the only thing it cannot see is a cell's number
format, which matters for one case (0,85 shown as 85 % in a %-indicator). That
case is settled by reading just that cell's style from the file's XML.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from .bounded import (
    RETURN_LIMITS,
    BoundedBook,
    Limits,
    Note,
    SheetUnreadable,
    Unreadable,
    open_bounded,
    read_part,
    reader_cause,
)
from .findings import WARNING, Code, Finding, counted, default_severity
from .layout import (
    CHECK_SHEET,
    FOLLOW_UP_AREA,
    HEADERS,
    INPUT_KEYS,
    INSTRUCTIONS_SHEET,
    KIND_BUDGET,
    KIND_KF,
    META_SHEET,
    MODEL_SHEET,
    PERCENT_CELLS_SHARE,
    ROUND_FOLLOW_UP,
    ROUND_PLAN,
    ROWS_SHEET,
    Expected,
    Identity,
    SheetLayout,
)
from .messages import os_error_text, visible
from .values import cell_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass(slots=True)
class ReturnRow:
    id: str
    kind: str
    sheet: str
    row: int  # 1-based, where it was found
    raw: dict[str, Any] = field(default_factory=dict)  # key -> cell value
    letters: dict[str, str] = field(default_factory=dict)  # key -> column letter (shared by the sheet's rows)

    def filled(self, key: str) -> bool:
        v = self.raw.get(key)
        return v is not None and not (isinstance(v, str) and not v.strip())

    def cell(self, key: str) -> str:
        """The A1 reference of this row's cell for ``key`` ('' when the column is missing)."""
        letter = self.letters.get(key)
        return f"{letter}{self.row}" if letter else ""

    @property
    def cells(self) -> dict[str, str]:
        return {k: f"{v}{self.row}" for k, v in self.letters.items()}


@dataclass
class ReturnedFile:
    """A workbook that came back: its identity (from the hidden metadata sheet) and its findings."""

    path: Path
    digest: str = ""
    identity: Identity = field(default_factory=Identity)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = False

    def __post_init__(self) -> None:
        self._name = self.path.name

    @property
    def name(self) -> str:
        return self._name

    @property
    def unit(self) -> str:
        return self.identity.unit

    def add(self, sheet: str, cell: str, row_id: str, code: str, message: str, severity: str | None = None) -> None:
        """Record a finding; ``severity`` defaults to the code's own in :data:`~malbok.findings.REGISTRY`."""
        self.findings.append(Finding(self._name, sheet, cell, row_id, code, message,
                                     severity or default_severity(code), self.unit))


@dataclass
class Return(ReturnedFile):
    """A returned follow-up workbook: its rows by (kind, ID)."""

    expected: list[Expected] = field(default_factory=list)
    rows: dict[tuple[str, str], ReturnRow] = field(default_factory=dict)  # (kind, id) -> row
    on_disk: bool = True  # False when read from values in an open Excel workbook
    _percent: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _found: dict[str, int] = field(default_factory=dict, repr=False, compare=False)  # sheet -> where its last cell was
    # the styles part and the sheets' XML as read (malbok.bounded), for the cells' number formats; dropped
    # (release_formats) once the file is checked
    _formats: tuple[bytes | frozenset[int], dict[str, bytes]] | None = field(default=None, repr=False, compare=False)

    @property
    def period(self) -> str:
        return self.identity.period

    def is_percent(self, sheet: str, a1: str) -> bool:
        """True when the cell shows its value as a percentage (0,855 as 85,5 %).

        On disk, from the cell's number format (each sheet's styles read once). For values from a
        workbook open in Excel, where formats are not known, from the workbook's own word: malbok's
        writer marks in the metadata that its %-outcome cells are percent cells (Identity.percent_cells)."""
        if not self.on_disk:
            return self.identity.percent_cells == PERCENT_CELLS_SHARE
        formats = self._formats
        if formats is not None and sheet in formats[1]:
            styles, sheets = formats
            if not isinstance(styles, frozenset):  # the styles part, read once per file
                styles = percent_styles(styles)
                self._formats = (styles, sheets)
            if not styles:
                return False
            xml = sheets[sheet]
            at = self._found.get(sheet, 0)  # rows are mostly asked for in order: search on from the last one
            style, at = cell_style(xml, a1, at)
            self._found[sheet] = at
            return style in styles
        cells = self._percent.get(sheet)
        if cells is None:
            cells = self._percent[sheet] = percent_cells(self.path, sheet)
        return a1 in cells

    def release_formats(self) -> None:
        """Drop the XML kept for number formats (the file has been checked)."""
        self._formats = None
        self._found = {}


def _file_problem(add: Callable[..., None], data: bytes) -> bool:
    """File-level checks before any parsing; True when the file cannot be read."""
    if not data:
        add("", "", "", "trasig-fil", "filen är tom (0 byte)")
        return True
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_MARK in data:
            add("", "", "", "krypterad", "filen är lösenordsskyddad (krypterad) och kan inte läsas; be enheten spara den utan lösenord")
        else:
            add("", "", "", "annat-format", "filen är i det gamla .xls-formatet (eller .xlsb); öppna den i Excel och spara som "
                                            "Excel-arbetsbok (.xlsx)")
        return True
    if not data.startswith(b"PK"):
        head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith((b"<?xml", b"<html", b"<!doctype", b"<table")) and (b"office:document" in head or b"spreadsheet" in head
                                                                             or b"<html" in head or b"<table" in head):
            add("", "", "", "annat-format", "filen är en kalkylbladsfil i XML- eller HTML-form (som .fods, .xml eller en webbsida "
                                            "sparad som .xls); öppna den och spara som Excel-arbetsbok (.xlsx)")
        else:
            add("", "", "", "ej-arbetsbok", "filen är inte en Excel-arbetsbok (.xlsx/.xlsm)")
        return True
    return False


_KINDS = ((stat.S_ISDIR, "en mapp"), (stat.S_ISFIFO, "en namngiven rörledning (FIFO)"), (stat.S_ISSOCK, "ett uttag (socket)"),
          (stat.S_ISCHR, "en enhetsfil"), (stat.S_ISBLK, "en enhetsfil"))


def not_regular(path: Path) -> str | None:
    """Why ``path`` is not a regular file that can be read (None when it is), without opening it."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return f"filen är en länk till '{visible(os.readlink(path))}', som inte finns"
        return "filen finns inte"
    except OSError as e:
        return f"filen kan inte läsas: {os_error_text(e)}"
    if stat.S_ISREG(mode):
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "inte en vanlig fil")
    return f"det här är {kind}, inte en fil; den öppnas inte"


def read_file(ret: ReturnedFile, limits: Limits = RETURN_LIMITS) -> bytes | None:
    """The file's bytes (and ``ret.digest``), only from a regular file of a sane size; None, with a finding, otherwise."""
    add = ret.add
    why = not_regular(ret.path)
    if why is not None:
        add("", "", "", "ej-vanlig-fil", why)
        return None
    try:  # never blocks, even if the file was swapped for a FIFO since
        fd = os.open(ret.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                add("", "", "", "ej-vanlig-fil", "det här är inte en vanlig fil; den öppnas inte")
                return None
            if st.st_size > limits.file_bytes:
                add("", "", "", "for-stor", f"filen är {st.st_size // (1024 * 1024)} MB; en arbetsbok får vara högst "
                                            f"{limits.file_bytes // (1024 * 1024)} MB. Be enheten ta bort bilder eller annat som inte hör dit")
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(limits.file_bytes + 1)
        finally:
            os.close(fd)
    except OSError as e:
        add("", "", "", "trasig-fil", f"filen kan inte läsas: {os_error_text(e)}")
        return None
    if len(data) > limits.file_bytes:
        add("", "", "", "for-stor", "filen växte medan den lästes; den läses inte")
        return None
    ret.digest = hashlib.sha256(data).hexdigest()
    return data


def open_book(ret: ReturnedFile, skip: frozenset[str] = frozenset({MODEL_SHEET})) -> tuple[bytes, BoundedBook, list[str]] | None:
    """The file's bytes and its workbook, measured and opened (:func:`malbok.bounded.open_bounded`),
    with its sheet names (and ``ret.digest`` set); None, with a finding, when it cannot be read.

    What the measuring found (cells far outside the table, damaged sheets) is added to ``ret``'s findings.
    """
    data = read_file(ret)
    if data is None:
        return None
    if _file_problem(ret.add, data):
        return None
    try:
        book = open_bounded(data, RETURN_LIMITS, skip)
    except Unreadable as e:
        ret.add("", "", "", e.code, e.message)
        return None
    _report(ret, book, book.problems, book.broken, book.notes)
    return data, book, book.sheet_names


def _report(ret: ReturnedFile, book: BoundedBook, problems: list[Any], broken: dict[str, str], notes: dict[str, list[Note]]) -> None:
    """What measuring the file found, as findings of ``ret``."""
    for p in problems:
        ret.add(p.sheet, p.cell, "", p.code, p.message, p.severity)
    for sheet, why in broken.items():
        ret.add(sheet, "", "", "trasig-fil", f"bladet kan inte läsas: {why}; be enheten skicka filen igen")
    for sheet, found in notes.items():
        if sheet.startswith("_"):  # malbok's own hidden sheets: changed by hand, or damaged
            for n in found:
                ret.add(sheet, n.cell, "", _NOTE_CODE[n.kind], f"det dolda bladet {sheet} är ändrat: {_note_words(n)}", WARNING)


# sheets a consolidation does not need: measured (and given to calamine) only if something asks for them
NOT_NEEDED = frozenset({MODEL_SHEET, ROWS_SHEET, INSTRUCTIONS_SHEET})


_NOTE_CODE = {"fel": "felvarde", "formel": "formel-utan-varde", "ej-ändligt": "ej-andligt-tal"}


def _note_words(n: Note) -> str:
    if n.kind == "fel":
        return f"cellen {n.cell} visar felvärdet {n.text}, inget värde"
    if n.kind == "formel":
        return (f"cellen {n.cell} har formeln {_shown(n.text)} men inget sparat resultat (filen är sparad av ett program "
                "som inte räknar); skriv in värdet, eller öppna filen i Excel och spara den")
    return f"cellen {n.cell} innehåller {_shown(n.text)}, som inte är ett ändligt tal"


def _shown(text: str, n: int = 60) -> str:
    text = visible(text.strip())
    return f"'{text if len(text) <= n else text[: n - 1] + '…'}'"


def read_return(path: str | Path, expected_for: Callable[[Identity], list[Expected] | None] | None = None) -> Return:
    """Read one returned workbook. Never raises for the file's content: problems become findings.

    ``expected_for`` may give the rows to expect from the file's identity (the
    consolidation knows them from the model); otherwise the file's own registry
    of rows is read.
    """
    path = Path(path)
    ret = Return(path)
    opened = open_book(ret, NOT_NEEDED)
    if opened is None:
        return ret
    _data, book, sheet_names = opened
    ret._formats = (book.styles, book.sheet_xml)
    return _read_book(ret, sheet_names, book.rows, expected_for, book)


def read_values(name: str, sheets: dict[str, list[list[Any]]],
                expected_for: Callable[[Identity], list[Expected] | None] | None = None) -> Return:
    """Read a workbook from its sheets' values (as Excel gives them through xlwings).

    The same checks as :func:`read_return`, for a workbook open in Excel with
    unsaved changes. Number formats are not known here, so a 0,85 in a
    %-indicator is taken as typed (and warned about).
    """
    ret = Return(Path(name), on_disk=False)
    blob = repr(sorted((k, v) for k, v in sheets.items() if not k.startswith("_"))).encode("utf-8")
    ret.digest = hashlib.sha256(blob).hexdigest()
    return _read_book(ret, list(sheets), lambda n: [list(r) for r in sheets[n]], expected_for, None)


def sheet_rows(wb: Any, name: str) -> list[list[Any]]:
    """A sheet's values from A1 as python-calamine reads them (empty cells as '').

    For a :class:`~malbok.bounded.BoundedBook` a sheet that cannot be read gives no rows (:func:`open_book`
    has named it already)."""
    if isinstance(wb, BoundedBook):
        try:
            return wb.rows(name)
        except SheetUnreadable:
            return []
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def nfc(text: str) -> str:
    """``text`` in Unicode's composed form (NFC): an å typed as a+ring is the same å."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def sheet_named(sheet_names: list[str], name: str) -> str | None:
    """The sheet called ``name``, compared in composed form (NFC); None when there is none."""
    if name in sheet_names:
        return name
    wanted = nfc(name)
    return next((s for s in sheet_names if nfc(s) == wanted), None)


def read_identity(ret: ReturnedFile, sheet_names: list[str], get_rows: Callable[[str], list[list[Any]]],
                  book: BoundedBook | None = None) -> bool:
    """Fill ``ret.identity`` from the hidden metadata sheet (key in A, value in B); False, with a finding, when it cannot."""
    meta_name = sheet_named(sheet_names, META_SHEET)
    broken = book.broken if book is not None else {}
    if meta_name is None:
        if broken:
            ret.add("", "", "", "trasig-fil", "filen är skadad: malboks identitetsblad hittas inte bland bladen som kan läsas; "
                                              "be enheten skicka filen igen")
        else:
            ret.add("", "", "", "okand-arbetsbok", "arbetsboken saknar malboks identitetsblad; den är inte skapad med malbok "
                                                   "generate (eller har sparats om på ett sätt som tog bort bladet)")
        return False
    if meta_name in broken:
        return False  # named when the file was opened
    try:
        meta = get_rows(meta_name)
    except Exception as e:  # noqa: BLE001
        ret.add(META_SHEET, "", "", "trasig-fil", f"identitetsbladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
        return False
    identity = Identity.from_rows([(cell_text(row[0]) if row else "", cell_text(row[1]) if len(row) > 1 else "") for row in meta])
    kind = identity.kind
    if kind in (KIND_KF, KIND_BUDGET):
        ret.add("", "", "", "sammanstallning", f"filen är en sammanställning som malbok har skrivit ({'KF.xlsx' if kind == KIND_KF else 'Budget.xlsx'}), "
                                               "inte en inlämnad arbetsbok; den läses inte. Spara sammanställningar utanför mappen med inlämnade filer")
        return False
    if not identity:
        ret.add(META_SHEET, "", "", "identitet-andrad", "identitetsbladet är tomt; be enheten skicka den arbetsbok som skickades ut")
        return False
    bad_year = bool(identity.cell("year")) and not identity.year.isdigit()
    wrong = [f"år {_shown(identity.year)} är inget årtal"] if bad_year else []
    if not identity.cell("layout"):
        wrong.append("layoutversion saknas")
    if wrong:  # the cell named is the year's, where it was typed over (a missing layout has no cell)
        ret.add(META_SHEET, identity.cell("year") if bad_year else "", "", "identitet-andrad",
                f"identitetsbladet är ändrat ({', '.join(wrong)}); be enheten skicka den arbetsbok som skickades ut")
        return False
    ret.identity = identity
    ret.readable = True
    return True


_ROUND_WORDS = {ROUND_FOLLOW_UP: "en uppföljning", ROUND_PLAN: "en verksamhetsplan"}


def identity_problem(ident: Identity, round_kind: str, model_id: str, consolidating: str) -> tuple[str, str] | None:
    """Whether a readable return is of this round and model at all, as both rounds check it first: a finding's
    code and Swedish message, or None. ``consolidating`` says in words what is consolidated ('uppföljningen
    2016-delar', 'verksamhetsplanen för 2016'); an identity without a round is a follow-up (older workbooks)."""
    own = ident.round or ROUND_FOLLOW_UP
    if own != round_kind:
        what = _ROUND_WORDS.get(own, f"omgången '{visible(own)}'")
        at = f" ({ident.period})" if own == ROUND_FOLLOW_UP and ident.period else f" ({ident.year})" if ident.year else ""
        return "fel-omgang", f"arbetsboken är {what}{at}, inte {consolidating}; den konsolideras inte"
    if ident.model != model_id:
        return "fel-modell", f"arbetsboken är skapad från styrmodellen '{visible(ident.model)}', inte '{model_id}'"
    return None


def layout_problem(ident: Identity, layout: str, units: Container[str]) -> tuple[str, str] | None:
    """The second half of both rounds' identity check, after each round's own period check: the layout version
    this malbok reads, and a unit the model knows."""
    if ident.layout != layout:
        return "fel-layout", (f"arbetsboken har layoutversion {visible(ident.layout)}, denna malbok läser {layout}; "
                              "skapa nya arbetsböcker")
    if ident.unit not in units:
        return "okand-enhet", f"enheten '{visible(ident.unit)}' finns inte i styrmodellen"
    return None


def _read_book(ret: Return, sheet_names: list[str], get_rows: Callable[[str], list[list[Any]]],
               expected_for: Callable[[Identity], list[Expected] | None] | None, book: BoundedBook | None) -> Return:
    if not read_identity(ret, sheet_names, get_rows, book):
        return ret
    if (ret.identity.round or ROUND_FOLLOW_UP) != ROUND_FOLLOW_UP:
        return ret  # a plan workbook: its sheets are not a follow-up's (the consolidation says which round it is)
    expected = expected_for(ret.identity) if expected_for is not None else None
    if expected is None:
        ret.expected = read_registry(get_rows, sheet_names)
        if book is not None and (book.late or ROWS_SHEET in book.broken or ROWS_SHEET in book.notes):
            _report(ret, book, book.late, {k: v for k, v in book.broken.items() if k == ROWS_SHEET},
                    {k: v for k, v in book.notes.items() if k == ROWS_SHEET})
    else:
        ret.expected = expected
    sheets: dict[str, list[Expected]] = {}
    for exp in ret.expected:
        sheets.setdefault(exp.sheet, []).append(exp)
    broken = book.broken if book is not None else {}
    for sheet, expected in sheets.items():
        actual = sheet_named(sheet_names, sheet)
        if actual is None:
            ret.add(sheet, "", "", "blad-saknas", f"bladet '{sheet}' saknas (borttaget eller omdöpt); "
                    f"{counted(len(expected), 'rad', 'rader')} kan inte läsas")
            continue
        if actual in broken:
            continue  # named when the file was opened
        try:
            rows = get_rows(actual)
        except Exception as e:  # noqa: BLE001
            ret.add(sheet, "", "", "trasig-fil", f"bladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
            continue
        _read_sheet(ret, sheet, rows, expected, book.notes.get(actual, ()) if book is not None else ())
    if sheets:  # a file whose rows are not known (no registry) has no sheets of its own to tell from added ones
        added_sheets(ret, sheet_names, sheets, get_rows)
    return ret


# sheets that are no unit's input although a workbook may carry them: the check a nämnd ran in Excel (malbok.excel)
_NOT_INPUT = frozenset({META_SHEET.lower(), INSTRUCTIONS_SHEET.lower(), CHECK_SHEET.lower()})


def added_sheets(ret: ReturnedFile, sheet_names: list[str], known: Iterable[str], get_rows: Callable[[str], list[list[Any]]]) -> None:
    """A sheet the unit added (not one malbok wrote, nor a hidden one of malbok's) with something in it: a
    warning naming it and its first filled cell, since nothing typed there is read. Empty ones say nothing."""
    wanted = {nfc(k).lower() for k in known} | _NOT_INPUT
    for name in sheet_names:
        if name.startswith("_") or nfc(name).lower() in wanted:
            continue
        try:
            rows = get_rows(name)
        except Exception:  # noqa: BLE001 - a damaged sheet is named where the file is opened
            continue
        first = next(((r, c) for r, row in enumerate(rows) for c, v in enumerate(row)
                      if v is not None and not (type(v) is str and not v.strip())), None)
        if first is not None:
            ret.add(name, xl_rowcol_to_cell(*first), "", Code.ADDED_SHEET,
                    f"bladet '{visible(name)}' finns inte i arbetsboken som skickades ut och läses inte (först ifyllda cell "
                    f"{xl_rowcol_to_cell(*first)}); skriv det som ska med i de gula cellerna på områdesbladen")


def _cause(e: BaseException) -> str:
    """A reader error in Swedish."""
    return str(e) if isinstance(e, SheetUnreadable) else reader_cause(e)


def read_registry(get_rows: Callable[[str], list[list[Any]]], sheet_names: list[str]) -> list[Expected]:
    """The rows the file was written with (its own registry)."""
    if ROWS_SHEET not in sheet_names:
        return []
    out = []
    try:
        rows = get_rows(ROWS_SHEET)
    except Exception:  # noqa: BLE001 - damaged: named when the file was opened
        return []
    for row in rows[1:]:
        if not row or not row[0]:
            continue
        try:
            sheet, rid, kind, rownum, scale, inputs = (str(x) if x is not None else "" for x in row[:6])
            out.append(Expected(sheet, rid, kind, int(float(rownum)), scale, tuple(x for x in inputs.split(",") if x)))
        except (ValueError, TypeError, OverflowError):
            continue
    return out


def file_registry(path: Path) -> list[Expected]:
    """The registry of a workbook file (used to say what differs between model versions)."""
    ret = ReturnedFile(Path(path))
    opened = open_book(ret)
    if opened is None:
        return []
    book = opened[1]
    return read_registry(lambda n: sheet_rows(book, n), book.sheet_names)


def _find_header(rows: list[list[Any]], layout: SheetLayout = FOLLOW_UP_AREA) -> tuple[int, dict[str, int]] | None:
    """The header row of a sheet of kind ``layout`` (the first of its first rows that holds every marker) and
    the column of each key whose header is there (the first, when a header stands twice); None when there is none.

    Runs once per sheet of every return: plain loops, no generators."""
    wanted = layout.by_header
    markers = layout.markers
    prefixed = layout.prefixed
    needed = len(set(markers))
    for r, row in enumerate(rows[:layout.scan_rows]):
        if len(row) - row.count("") - row.count(None) < needed:  # a title or an empty row: too few cells to hold them
            continue
        texts = [nfc(str(v).strip()) if v is not None else "" for v in row]
        for m in markers:
            if m not in texts:
                break
        else:
            cols: dict[str, int] = {}
            for c, t in enumerate(texts):
                key = wanted.get(t)
                if key is None:
                    for p, k in prefixed:
                        if t.startswith(p) and t[len(p):].isdigit():
                            key = k
                            break
                if key is not None and key not in cols:
                    cols[key] = c
            return r, cols
    return None


def table_header(ret: ReturnedFile, sheet: str, rows: list[list[Any]],
                 layout: SheetLayout = FOLLOW_UP_AREA) -> tuple[int, dict[str, int]] | None:
    """:func:`_find_header`, with a finding when there is no header row and for each required column missing."""
    found = _find_header(rows, layout)
    if found is None:
        ret.add(sheet, "", "", "kolumn-saknas", f"rubrikraden med {' och '.join(layout.markers)} hittades inte; "
                "rubrikerna får inte ändras")
        return None
    header_row, cols = found
    for key in layout.required:
        if key not in cols:
            ret.add(sheet, xl_rowcol_to_cell(header_row, 0), "", "kolumn-saknas",
                    f"kolumnen '{layout.column(key).header}' saknas eller har bytt rubrik")
    return found


def _read_sheet(ret: Return, sheet: str, rows: list[list[Any]], expected: list[Expected], notes: Any = ()) -> None:
    found = table_header(ret, sheet, rows)
    if found is None:
        return
    header_row, cols = found
    id_col = cols["id"]
    present = [(k, cols[k]) for k in INPUT_KEYS if k in cols]
    letters = {k: xl_rowcol_to_cell(0, c)[:-1] for k, c in present}
    kind_col = cols.get("kind")
    if not _read_in_place(ret, sheet, rows, expected, header_row, id_col, kind_col, present, letters):
        _read_by_id(ret, sheet, rows, expected, header_row, id_col, kind_col, present, letters)
    if notes:
        lost_values(ret, sheet, rows, notes, header_row, id_col, {c: HEADERS.get(k, k) for k, c in present})


@dataclass
class Table:
    """A sheet read by its declaration (:class:`~malbok.layout.SheetLayout`): where its header is, each key's
    column, and every row below the header with something in it, as a :class:`ReturnRow` (ID and Typ, when the
    sheet has those columns, and every input cell by key)."""

    sheet: str
    header_row: int  # zero-based
    cols: dict[str, int]
    rows: list[ReturnRow]
    end_row: int | None = None  # zero-based: the row ``until`` named, when there is one


def read_table(ret: ReturnedFile, sheet: str, rows: list[list[Any]], layout: SheetLayout, notes: Any = (),
               until: tuple[str, str] | None = None) -> Table | None:
    """The sheet's rows, found by header text; None (with findings) when its header row or a required column is
    missing. ``until`` (key, text): the table ends at the row whose cell in that column says the text (a sum row).
    Cells typed that hold nothing to read (an error value, a formula without a result) are named here."""
    found = table_header(ret, sheet, rows, layout)
    if found is None:
        return None
    header_row, cols = found
    if any(key not in cols for key in layout.required):
        return None
    present = [(c.key, cols[c.key]) for c in layout.columns if c.key in cols and c.input_for]
    letters = {k: xl_rowcol_to_cell(0, c)[:-1] for k, c in present}
    id_col, kind_col = cols.get("id"), cols.get("kind")
    stop_col = cols.get(until[0]) if until is not None else None
    out: list[ReturnRow] = []
    end = None
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if stop_col is not None and until is not None and stop_col < len(row) and cell_text(row[stop_col]) == until[1]:
            end = r
            break
        raw = _inputs(row, present)
        if all(v is None or (type(v) is str and not v.strip()) for v in raw.values()):
            continue
        rid = _id_text(row[id_col]) if id_col is not None and id_col < len(row) else ""
        kind = cell_text(row[kind_col]) if kind_col is not None and kind_col < len(row) else ""
        out.append(ReturnRow(rid, kind, sheet, r + 1, raw, letters))
    if notes:
        last = end if end is not None else len(rows)
        lost_values(ret, sheet, rows, [n for n in notes if n.row < last], header_row, id_col,
                    {c: layout.column(k).header for k, c in present})
    return Table(sheet, header_row, cols, out, end)


def guarded_rows(ret: ReturnedFile, book: BoundedBook, sheet: str) -> list[list[Any]] | None:
    """A sheet's values, or None when it cannot be read: a finding, never an exception (a sheet found damaged
    when the file was opened has been named then)."""
    if sheet in book.broken:
        return None
    try:
        return sheet_rows(book, sheet)
    except Exception as e:  # noqa: BLE001 - a damaged sheet is this file's problem, not the run's
        ret.add(sheet, "", "", "trasig-fil", f"bladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
        return None


def lost_values(ret: ReturnedFile, sheet: str, rows: list[list[Any]], notes: Any, header_row: int, id_col: int | None,
                headers: dict[int, str]) -> None:
    """Input cells that calamine gives as empty although something is there: an error value, a formula
    without a saved result, NaN or infinity. Each is named; its value is not read.

    ``headers`` are the input columns (index -> header) of the sheet, below ``header_row``; used by the
    readers of every kind of sheet."""
    for n in notes:
        if n.row <= header_row or n.col not in headers:
            continue
        row = rows[n.row] if n.row < len(rows) else []
        rid = _id_text(row[id_col]) if id_col is not None and id_col < len(row) else ""
        hint = ""
        if headers[n.col] in _TEXT_HEADERS and n.kind in ("fel", "formel"):
            # a comment typed as '=se bilaga' in a cell that is not a text cell (an older workbook) became a formula
            hint = ("; en text som börjar med = blir en formel i celler som inte är textceller: skriv en apostrof "
                    "först ('=se bilaga) eller börja texten på annat sätt")
        ret.add(sheet, n.cell, rid, _NOTE_CODE[n.kind], f"{headers[n.col]}: {_note_words(n)}; värdet lästes inte{hint}")


_TEXT_HEADERS = frozenset({HEADERS["comment"], HEADERS["actions"]})


def _shown_text(v: Any, n: int = 60) -> str:
    """A typed value in a message: as text, control characters visible, shortened."""
    text = visible(cell_text(v))
    return text if len(text) <= n else text[: n - 1] + "…"


def _id_text(v: Any) -> str:
    if type(v) is str:
        return v.strip()
    if v is None:
        return ""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()


def _inputs(row: list[Any], columns: list[tuple[str, int]]) -> dict[str, Any]:
    """The row's input cells by their columns, empty ones as None."""
    width = len(row)
    return {k: v if c < width and (v := row[c]) != "" else None for k, c in columns}


class _InputColumns(dict):
    """A row's inputs -> the columns of those present in the sheet (worked out once per kind of row)."""

    def __init__(self, present: list[tuple[str, int]]):
        super().__init__()
        self.present = present

    def __missing__(self, wanted: tuple[str, ...]) -> list[tuple[str, int]]:
        found = self[wanted] = [(k, c) for k, c in self.present if k in wanted]
        return found


def _read_in_place(ret: Return, sheet: str, rows: list[list[Any]], expected: list[Expected], header_row: int,
                   id_col: int, kind_col: int | None, present: list[tuple[str, int]], letters: dict[str, str]) -> bool:
    """The common case: every row is where the writer put it and the sheet has no other rows.
    False, with nothing read, otherwise."""
    n = len(rows)
    if n - header_row - 1 != len(expected):
        return False
    last = max([id_col, kind_col or 0, *(c for _k, c in present)])  # shorter rows are read by ID
    columns = _InputColumns(present)
    read: dict[tuple[str, str], ReturnRow] = {}
    for _sheet, eid, kind, rownum, _scale, inputs in expected:
        r = rownum - 1
        if r <= header_row or r >= n:
            return False
        row = rows[r]
        if len(row) <= last:  # every column is within the row: no need to check each below
            return False
        rid = row[id_col]
        if rid != eid and _id_text(rid) != eid:
            return False
        if kind_col is not None and row[kind_col] != kind and _id_text(row[kind_col]) != kind:
            return False
        key = (kind, eid)
        if key in read:  # the same row twice: read by ID, which says so
            return False
        read[key] = ReturnRow(eid, kind, sheet, rownum, {k: v if (v := row[c]) != "" else None for k, c in columns[inputs]},
                              letters)
    ret.rows.update(read)
    return True


def _read_by_id(ret: Return, sheet: str, rows: list[list[Any]], expected: list[Expected], header_row: int,
                id_col: int, kind_col: int | None, present: list[tuple[str, int]], letters: dict[str, str]) -> None:
    """Rows found by their ID wherever they are (sorted, moved, or with rows added or removed)."""
    known = {(e.kind, e.id): e for e in expected}
    known_ids = {e.id: e for e in expected}
    seen_here: dict[tuple[str, str], int] = {}
    columns = _InputColumns(present)
    got = ret.rows
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        width = len(row)
        rid = _id_text(row[id_col]) if id_col < width else ""
        if not rid:  # a row the nämnd added: whatever it typed there is named, never dropped silently
            inputs = {c: k for k, c in present}
            for c in range(width):
                v = row[c]
                if v is None or v == "" or (type(v) is str and not v.strip()):
                    continue
                if c in inputs:
                    ret.add(sheet, xl_rowcol_to_cell(r, c), "", "rad-utan-id",
                            f"{HEADERS.get(inputs[c], inputs[c])} på en rad utan ID läses inte; skriv värdet på raden med "
                            "rätt ID (raderna får sorteras men inte läggas till)")
                else:  # a note under the table, say: not read anywhere
                    ret.add(sheet, xl_rowcol_to_cell(r, c), "", "rad-utan-id",
                            f"'{_shown_text(v)}' står på en rad utan ID, utanför de gula cellerna, och läses inte; skriv det "
                            "som ska med i Kommentar på raden det gäller")
            continue
        kind = row[kind_col] if kind_col is not None and kind_col < width else None
        exp = known.get((kind.strip() if type(kind) is str else "", rid)) or known_ids.get(rid)
        if exp is None:
            ret.add(sheet, xl_rowcol_to_cell(r, id_col), rid, "okant-id",
                    f"raden har ID '{rid}' som inte finns i arbetsboken som skickades ut; raden läses inte", WARNING)
            continue
        key = (exp.kind, exp.id)
        if key in seen_here:
            ret.add(sheet, xl_rowcol_to_cell(r, id_col), rid, "dubblett-id",
                    f"ID '{rid}' står också på rad {seen_here[key]}; bara den första raden läses")
            continue
        seen_here[key] = r + 1
        got[key] = ReturnRow(exp.id, exp.kind, sheet, r + 1, _inputs(row, columns[exp.inputs]), letters)
    for exp in expected:
        if (exp.kind, exp.id) not in got:
            ret.add(sheet, f"A{exp.row}", exp.id, "rad-saknas",
                    f"raden för {exp.kind.lower()} {exp.id} saknas (borttagen eller ID ändrat); den rapporteras som tom")


# -- number formats: the one thing calamine cannot see -------------------------------------

_BUILTIN_PERCENT = {9, 10}


_NUM_FMT = re.compile(rb"<(?:[\w.-]+:)?numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<(?:[\w.-]+:)?cellXfs\b[^>]*>(.*?)</(?:[\w.-]+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:[\w.-]+:)?xf\b([^>]*)>")
_NUM_FMT_PLAIN = re.compile(rb"<numFmt\b([^>]*)>")
_FMT_ID = re.compile(rb'(?<![\w:])numFmtId\s*=\s*"([^"]*)"')  # the attribute itself, not a prefixed one
_FMT_CODE = re.compile(rb'(?<![\w:])formatCode\s*=\s*"([^"]*)"')
_XF_PLAIN = re.compile(rb"<xf\b([^>]*)>")


def _is_percent_code(code: str) -> bool:
    """A number format code that shows a percentage: a % outside quoted text and escapes."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", code)


def percent_styles(styles: bytes) -> frozenset[int]:
    """The cell style indexes (``s`` of a cell) whose number format is a percentage, from the styles part."""
    import html

    # the spellings Excel, LibreOffice and XlsxWriter write (no namespace prefix) are found by their literal
    # tags, 10 times faster than by the patterns that allow a prefix
    prefixed = b":numFmt" in styles or b":cellXfs" in styles or b":xf" in styles
    num_fmt, xf = (_NUM_FMT, _XF) if prefixed else (_NUM_FMT_PLAIN, _XF_PLAIN)
    custom: dict[int, bool] = {}
    for m in num_fmt.finditer(styles):
        found_id, code = _FMT_ID.search(m.group(1)), _FMT_CODE.search(m.group(1))
        if found_id is not None and found_id.group(1).isdigit():
            custom[int(found_id.group(1))] = _is_percent_code(html.unescape((code.group(1) if code else b"").decode("utf-8", "replace")))
    if prefixed:
        found = _CELL_XFS.search(styles)
        if found is None:
            return frozenset()
        xfs = found.group(1)
    else:
        start = styles.find(b"<cellXfs")
        end = styles.find(b"</cellXfs>", start)
        if start < 0 or end < 0:
            return frozenset()
        xfs = styles[styles.find(b">", start) + 1:end]
    out = set()
    for i, m in enumerate(xf.finditer(xfs)):
        found_id = _FMT_ID.search(m.group(1))
        fid = found_id.group(1) if found_id is not None else b"0"
        n = int(fid) if fid.isdigit() else 0
        if n in _BUILTIN_PERCENT or custom.get(n, False):
            out.add(i)
    return frozenset(out)


def styled_cells(sheet_xml: bytes, styles: frozenset[int]) -> frozenset[str]:
    """The cells (A1) of a sheet's XML whose style is one of ``styles`` (one search for just those styles)."""
    if not styles:
        return frozenset()
    found = _STYLED.get(styles)
    if found is None:
        alternatives = b"|".join(str(i).encode() for i in sorted(styles))
        found = _STYLED[styles] = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*?\ss="(?:' + alternatives + rb')"')
    return frozenset(m.group(1).decode() for m in found.finditer(sheet_xml))



_STYLE_ATTR = re.compile(rb'\ss="([0-9]+)"')


def cell_style(sheet_xml: bytes, a1: str, start: int = 0) -> tuple[int | None, int]:
    """The style index (``s``) of cell ``a1`` in a sheet's XML (None when the cell is not there or has none), and
    where the cell was found: searching from ``start`` first (the cells before it are not searched again when
    a sheet's cells are asked for in order), then from the beginning. The cell as :func:`styled_cells` finds it
    (``<c r="A1" … s="…">``)."""
    needle = b'<c r="' + a1.encode("ascii", "replace") + b'"'
    at = sheet_xml.find(needle, start)
    if at < 0:
        at = sheet_xml.find(needle, 0, start + len(needle))
        if at < 0:
            return None, start
    end = sheet_xml.find(b">", at)
    m = _STYLE_ATTR.search(sheet_xml, at + len(needle) - 1, len(sheet_xml) if end < 0 else end)
    return (int(m.group(1)) if m else None), at

_STYLED: dict[frozenset[int], re.Pattern[bytes]] = {}


def percent_cells(path_or_bytes: Path | bytes, sheet: str) -> frozenset[str]:
    """The cells of ``sheet`` (A1 references) whose number format is a percentage format.

    Every part is read within :data:`~malbok.bounded.RETURN_LIMITS`; anything odd gives none."""
    from defusedxml import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    try:
        if isinstance(path_or_bytes, bytes):
            data = path_or_bytes
        else:
            data = read_file(ReturnedFile(Path(path_or_bytes))) or b""
        if not data:
            return frozenset()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            def part(name: str) -> bytes:
                return read_part(data, z.getinfo(name), RETURN_LIMITS)

            wbx = ET.fromstring(part("xl/workbook.xml"))
            rid = None
            for s in wbx.iterfind("m:sheets/m:sheet", ns):
                if nfc(s.get("name") or "") == nfc(sheet):
                    rid = s.get(f"{{{ns['r']}}}id")
            if rid is None:
                return frozenset()
            rels = ET.fromstring(part("xl/_rels/workbook.xml.rels"))
            target = next((x.get("Target") for x in rels if x.get("Id") == rid), None)
            if target is None:
                return frozenset()
            target = target.lstrip("/")
            name = target if target.startswith("xl/") else str(PurePosixPath("xl") / target)
            return styled_cells(part(name), percent_styles(part("xl/styles.xml")))
    except Exception:  # noqa: BLE001 - a damaged or hostile file: the value is taken as typed (and warned about)
        return frozenset()
