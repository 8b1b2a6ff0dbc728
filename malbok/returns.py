"""Read a returned unit workbook: identity, rows by ID and header, file-level findings.

python-calamine reads values; the only thing it cannot see is a cell's number
format, which matters for one case (0,85 shown as 85 % in a %-indicator). That
case is settled by reading just that cell's style from the file's XML.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_rowcol_to_cell

from .findings import WARNING, Finding, default_severity
from .layout import HEADER_SCAN_ROWS, HEADERS, INPUT_KEYS, META_SHEET, REQUIRED_HEADERS, ROWS_SHEET, Expected
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
    identity: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = False

    def __post_init__(self) -> None:
        self._name = self.path.name

    @property
    def name(self) -> str:
        return self._name

    @property
    def unit(self) -> str:
        return self.identity.get("enhet", "")

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

    @property
    def period(self) -> str:
        return self.identity.get("period", "")


def _file_problem(add: Callable[..., None], data: bytes) -> bool:
    """File-level checks before any parsing; True when the file cannot be read."""
    if not data:
        add("", "", "", "trasig-fil", "filen är tom (0 byte)")
        return True
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_MARK in data:
            add("", "", "", "krypterad", "filen är lösenordsskyddad (krypterad) och kan inte läsas; be enheten spara den utan lösenord")
        else:
            add("", "", "", "ej-arbetsbok", "filen är i det gamla .xls-formatet; öppna den i Excel och spara som .xlsx")
        return True
    if not data.startswith(b"PK"):
        add("", "", "", "ej-arbetsbok", "filen är inte en Excel-arbetsbok (.xlsx/.xlsm)")
        return True
    return False


def open_book(ret: ReturnedFile) -> tuple[bytes, Any, list[str]] | None:
    """The file's bytes and its calamine workbook with sheet names (and ``ret.digest`` set);
    None, with a finding, when it cannot be read."""
    add = ret.add
    try:
        data = ret.path.read_bytes()
    except OSError as e:
        add("", "", "", "trasig-fil", f"filen kan inte läsas: {e.strerror or e}")
        return None
    ret.digest = hashlib.sha256(data).hexdigest()
    if _file_problem(add, data):
        return None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return data, wb, list(wb.sheet_names)
    except Exception as e:  # noqa: BLE001 - any failure is this file's problem
        add("", "", "", "trasig-fil", f"{why_unreadable(data, e)}; be enheten skicka den igen")
        return None


def read_return(path: str | Path, expected_for: Callable[[dict[str, str]], list[Expected] | None] | None = None) -> Return:
    """Read one returned workbook. Never raises for the file's content: problems become findings.

    ``expected_for`` may give the rows to expect from the file's identity (the
    consolidation knows them from the model); otherwise the file's own registry
    of rows is read.
    """
    path = Path(path)
    ret = Return(path)
    opened = open_book(ret)
    if opened is None:
        return ret
    data, wb, sheet_names = opened
    return _read_book(ret, sheet_names, lambda name: sheet_rows(wb, name), data, expected_for)


def read_values(name: str, sheets: dict[str, list[list[Any]]],
                expected_for: Callable[[dict[str, str]], list[Expected] | None] | None = None) -> Return:
    """Read a workbook from its sheets' values (as Excel gives them through xlwings).

    The same checks as :func:`read_return`, for a workbook open in Excel with
    unsaved changes. Number formats are not known here, so a 0,85 in a
    %-indicator is taken as typed (and warned about).
    """
    ret = Return(Path(name), on_disk=False)
    blob = repr(sorted((k, v) for k, v in sheets.items() if not k.startswith("_"))).encode("utf-8")
    ret.digest = hashlib.sha256(blob).hexdigest()
    return _read_book(ret, list(sheets), lambda n: [list(r) for r in sheets[n]], b"", expected_for)


def sheet_rows(wb: CalamineWorkbook, name: str) -> list[list[Any]]:
    """A sheet's values from A1 as python-calamine reads them (empty cells as '')."""
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def read_identity(ret: ReturnedFile, sheet_names: list[str], get_rows: Callable[[str], list[list[Any]]]) -> bool:
    """Fill ``ret.identity`` from the hidden metadata sheet (key in A, value in B); False, with a finding, when it cannot."""
    if META_SHEET not in sheet_names:
        ret.add("", "", "", "okand-arbetsbok", "arbetsboken saknar malboks identitetsblad; den är inte skapad med malbok generate (eller har sparats om på ett sätt som tog bort bladet)")
        return False
    try:
        meta = get_rows(META_SHEET)
    except Exception as e:  # noqa: BLE001
        ret.add(META_SHEET, "", "", "trasig-fil", f"identitetsbladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
        return False
    for row in meta:
        key = cell_text(row[0]) if row else ""
        if key:
            ret.identity[key] = cell_text(row[1]) if len(row) > 1 else ""
    ret.readable = True
    return True


def _read_book(ret: Return, sheet_names: list[str], get_rows: Callable[[str], list[list[Any]]], data: bytes,
               expected_for: Callable[[dict[str, str]], list[Expected] | None] | None) -> Return:
    if not read_identity(ret, sheet_names, get_rows):
        return ret
    expected = expected_for(ret.identity) if expected_for is not None else None
    if expected is None:
        ret.expected = read_registry(get_rows, sheet_names)
    else:
        ret.expected = expected
    sheets: dict[str, list[Expected]] = {}
    for exp in ret.expected:
        sheets.setdefault(exp.sheet, []).append(exp)
    for sheet, expected in sheets.items():
        if sheet not in sheet_names:
            ret.add(sheet, "", "", "blad-saknas", f"bladet '{sheet}' saknas (borttaget eller omdöpt); {len(expected)} rader kan inte läsas")
            continue
        try:
            rows = get_rows(sheet)
        except Exception as e:  # noqa: BLE001
            ret.add(sheet, "", "", "trasig-fil", f"bladet kan inte läsas: {_cause(e)}; be enheten skicka filen igen")
            continue
        _read_sheet(ret, sheet, rows, expected, data)
    return ret


# what the reader's (English) error texts mean, for the Swedish message
_CAUSES = (
    ("cannot detect file format", "filformatet känns inte igen"),
    ("corrupt deflate", "de komprimerade uppgifterna är skadade"),
    ("invalid checksum", "kontrollsumman stämmer inte, innehållet har ändrats eller skadats"),
    ("larger than its declared", "en del är större än filen uppger, innehållet är skadat"),
    ("xmlerror", "XML-innehållet är skadat"),
    ("invalid character", "XML-innehållet är skadat"),
)


def _cause(e: BaseException) -> str:
    """A reader error in Swedish; the reader's own words after it when they are not recognised."""
    text = f"{type(e).__name__}: {e}".lower()
    for key, swedish in _CAUSES:
        if key in text:
            return swedish
    detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"okänt fel i innehållet (teknisk uppgift: {detail[:120]})"


def why_unreadable(data: bytes, e: BaseException) -> str:
    """The message for a file that starts like a workbook but cannot be opened, in words a
    controller can pass on: the zip archive is cut short, or which part of it is damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                try:
                    z.read(info)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                    return f"filen är skadad och kan inte läsas: delen {info.filename} är trasig"
            if "xl/workbook.xml" not in z.namelist():
                return "filen kan inte läsas: delen xl/workbook.xml saknas, det är ingen Excel-arbetsbok"
    except zipfile.BadZipFile:
        return ("filen är avkortad och kan inte läsas: slutet (arkivets innehållsförteckning) saknas, "
                "ofta efter en nedladdning eller kopiering som inte blev klar")
    return f"filen är trasig och kan inte läsas: {_cause(e)}"


def read_registry(get_rows: Callable[[str], list[list[Any]]], sheet_names: list[str]) -> list[Expected]:
    """The rows the file was written with (its own registry)."""
    if ROWS_SHEET not in sheet_names:
        return []
    out = []
    for row in get_rows(ROWS_SHEET)[1:]:
        if not row or not row[0]:
            continue
        try:
            sheet, rid, kind, rownum, scale, inputs = (str(x) if x is not None else "" for x in row[:6])
            out.append(Expected(sheet, rid, kind, int(float(rownum)), scale, tuple(x for x in inputs.split(",") if x)))
        except (ValueError, TypeError):
            continue
    return out


def file_registry(path: Path) -> list[Expected]:
    """The registry of a workbook file (used to say what differs between model versions)."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
        return read_registry(lambda n: sheet_rows(wb, n), list(wb.sheet_names))
    except Exception:  # noqa: BLE001
        return []


_KEY_OF_HEADER = {h: k for k, h in HEADERS.items()}
_REQUIRED = [(h, _KEY_OF_HEADER[h]) for h in REQUIRED_HEADERS]


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    wanted = _KEY_OF_HEADER
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [str(v).strip() if v is not None else "" for v in row]
        if "ID" in texts and "Utfall" in texts:
            cols: dict[str, int] = {}
            for c, t in enumerate(texts):
                key = wanted.get(t)
                if key is None and t.startswith("Målvärde ") and t[9:].isdigit():
                    key = "target_now"
                if key is not None and key not in cols:
                    cols[key] = c
            return r, cols
    return None


def _read_sheet(ret: Return, sheet: str, rows: list[list[Any]], expected: list[Expected], data: bytes) -> None:
    found = _find_header(rows)
    if found is None:
        ret.add(sheet, "", "", "kolumn-saknas", "rubrikraden med ID och Utfall hittades inte; rubrikerna får inte ändras")
        return
    header_row, cols = found
    for h, key in _REQUIRED:
        if key not in cols:
            ret.add(sheet, xl_rowcol_to_cell(header_row, 0), "", "kolumn-saknas", f"kolumnen '{h}' saknas eller har bytt rubrik")
    id_col = cols["id"]
    present = [(k, cols[k]) for k in INPUT_KEYS if k in cols]
    letters = {k: xl_rowcol_to_cell(0, c)[:-1] for k, c in present}
    kind_col = cols.get("kind")
    if not _read_in_place(ret, sheet, rows, expected, header_row, id_col, kind_col, present, letters):
        _read_by_id(ret, sheet, rows, expected, header_row, id_col, kind_col, present, letters)


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
        if not rid:
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


def cell_is_percent(path_or_bytes: Path | bytes, sheet: str, a1: str) -> bool:
    """True when the cell's number format is a percentage format (shows 0,85 as 85 %)."""
    from defusedxml import ElementTree as ET

    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    try:
        with zipfile.ZipFile(src) as z:
            wbx = ET.fromstring(z.read("xl/workbook.xml"))
            rid = None
            for s in wbx.iterfind("m:sheets/m:sheet", ns):
                if s.get("name") == sheet:
                    rid = s.get(f"{{{ns['r']}}}id")
            if rid is None:
                return False
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next((x.get("Target") for x in rels if x.get("Id") == rid), None)
            if target is None:
                return False
            target = target.lstrip("/")
            part = target if target.startswith("xl/") else str(PurePosixPath("xl") / target)
            style_idx = None
            for _ev, el in ET.iterparse(z.open(part)):
                if el.tag.endswith("}c") and el.get("r") == a1:
                    style_idx = int(el.get("s", "0"))
                    break
            if style_idx is None:
                return False
            styles = ET.fromstring(z.read("xl/styles.xml"))
            xfs = styles.find("m:cellXfs", ns)
            if xfs is None or style_idx >= len(xfs):
                return False
            fmt_id = int(xfs[style_idx].get("numFmtId", "0"))
            if fmt_id in _BUILTIN_PERCENT:
                return True
            for nf in styles.iterfind("m:numFmts/m:numFmt", ns):
                if int(nf.get("numFmtId", "-1")) == fmt_id:
                    code = re.sub(r'"[^"]*"|\\.', "", nf.get("formatCode", ""))
                    return "%" in code
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return False
    return False
