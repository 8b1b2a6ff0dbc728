"""Bounded reading of an untrusted workbook file before python-calamine parses it.

A returned workbook is a zip of XML parts and comes from outside: its central
directory may lie, a part may inflate to gigabytes, and a single cell typed
far away (XFD1048576) makes calamine allocate the whole dense range and abort
the process. So nothing reaches calamine that has not been measured here:

1. the zip's end record and central directory (number of parts, their
   declared sizes and compression ratios, encryption, compression method);
2. every part calamine needs is inflated here, in a stream that stops at
   :attr:`Limits.part_bytes` whatever the directory declares, and its CRC is
   checked;
3. every worksheet's cells are measured: a fast byte search proves that the
   sheet lies within a small range (the common case); otherwise each cell is
   placed and cells beyond :attr:`Limits.max_row` / :attr:`Limits.max_column`
   are dropped, and named; cells whose value would be lost without a word
   (an error value, a formula without a saved result, NaN or infinity) are
   noted for the reader;
4. calamine gets a new zip of only those parts, stored uncompressed, so it
   never inflates anything itself (and the file's parts are inflated once).

calamine 0.9.1 (measured): the ``<dimension>`` element is ignored; a cell at
XFD1048576 aborts the process (signal 6) while allocating 1 048 576 × 16 384
cells; one space in A1048576 costs 650 MB and 10 s; a shared-string
``uniqueCount`` of 4 000 000 000 aborts (it is used as a capacity), so those
counts are removed before calamine sees the part.

The limits are data (:class:`Limits`); :data:`RETURN_LIMITS` is for unit
workbooks, :data:`KF_LIMITS` for the council workbooks malbok writes itself.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from xlsxwriter.utility import xl_col_to_name

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a workbook may take before it is refused (sizes in bytes).

    ``part_bytes``: the inflated size of one part calamine reads (a sheet, the
    shared strings); ``total_bytes``: of all of them together; ``ratio``: the
    largest inflated/compressed ratio of a part larger than ``ratio_floor``
    (XML compresses 3–20 times; deflate cannot exceed about 1 032); ``max_row``
    and ``max_column`` (1-based): cells beyond are not read but named;
    ``max_cells``: rows × columns of a sheet's range, which calamine allocates
    densely; ``fast_rows``/``fast_columns``: a sheet whose every cell
    reference is provably below both is accepted by a byte search alone
    (their product must be within ``max_cells``).
    """

    file_bytes: int = 50 * MiB
    entries: int = 5_000
    directory_bytes: int = 4 * MiB
    part_bytes: int = 25 * MiB
    total_bytes: int = 80 * MiB
    ratio: float = 200.0
    ratio_floor: int = 4 * MiB
    max_row: int = 10_000
    max_column: int = 100  # CV
    max_cells: int = 1_000_000
    fast_rows: int = 9_999  # at most 4 digits
    fast_columns: int = 26  # one letter


# a unit workbook is 30–500 kB (a few MB with pictures); 40 rows per area sheet, 14 columns
RETURN_LIMITS = Limits()
# KF.xlsx / Budget.xlsx, written by malbok: 1 000 units × 160 rows is 160 000 rows of Data, 21 columns
KF_LIMITS = Limits(file_bytes=500 * MiB, part_bytes=600 * MiB, total_bytes=1200 * MiB, max_row=1_048_576,
                   max_column=200, max_cells=30_000_000, fast_rows=999_999, fast_columns=26)


class Unreadable(Exception):  # noqa: N818 - a reason, carried to a finding
    """The whole file cannot be read safely: ``code`` and a Swedish ``message`` for the finding."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class SheetUnreadable(Exception):  # noqa: N818
    """One sheet cannot be read safely; ``str(e)`` is the Swedish reason."""


class Note(NamedTuple):
    """A cell calamine would give as empty (or not at all) although something was typed there."""

    row: int  # 0-based, in calamine's rows (from A1)
    col: int
    kind: str  # "fel" (#DIV/0!, #N/A …), "formel" (no saved result), "ej-ändligt" (NaN, ±inf, 1e400), "utanför"
    text: str  # what the cell holds, as typed (shortened)

    @property
    def cell(self) -> str:
        return f"{xl_col_to_name(self.col)}{self.row + 1}"


@dataclass
class Problem:
    """Something found while measuring a file that the reader names as a finding."""

    code: str
    sheet: str
    cell: str
    message: str
    severity: str | None = None


@dataclass
class BoundedBook:
    """A workbook measured and rebuilt for calamine: its sheet names, rows on demand, and what was found."""

    calamine: Any
    sheet_names: list[str]
    notes: dict[str, list[Note]] = field(default_factory=dict)  # sheet -> cells whose value calamine cannot give
    problems: list[Problem] = field(default_factory=list)  # for the reader to add as findings
    broken: dict[str, str] = field(default_factory=dict)  # sheet -> why it cannot be read (Swedish)
    skipped: frozenset[str] = frozenset()  # not measured yet: measured (and the zip rebuilt) when asked for
    late: list[Problem] = field(default_factory=list)  # problems of sheets measured after opening
    _source: tuple[bytes, Limits] | None = None
    styles: bytes = b""  # the styles part as inflated (for number formats), b"" when there is none
    sheet_xml: dict[str, bytes] = field(default_factory=dict)  # sheet -> its XML as measured (for cell styles)

    def rows(self, name: str) -> list[list[Any]]:
        """The sheet's values from A1 (empty cells as ''); :class:`SheetUnreadable` when it cannot be read."""
        if name in self.skipped and name in self.sheet_names and self._source is not None:
            self._measure_later(name)
        if name in self.broken:
            raise SheetUnreadable(self.broken[name])
        if name in self.skipped:
            raise SheetUnreadable("bladet lästes inte in")
        try:
            rows = self.calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 - calamine raises PanicException (a BaseException) too
            raise SheetUnreadable(reader_cause(e)) from None
        for note in self.notes.get(name, ()):
            if note.kind == "ej-ändligt" and note.row < len(rows) and note.col < len(rows[note.row]):
                rows[note.row][note.col] = ""  # NaN and infinity are not values; the note says what was there
        return rows

    def _measure_later(self, name: str) -> None:
        """Measure a sheet left out when the file was opened, and open the file again with it."""
        assert self._source is not None
        data, limits = self._source
        try:
            again = open_bounded(data, limits, self.skipped - {name})
        except Unreadable as e:
            self.broken[name] = e.message
            return
        self.calamine, self.skipped = again.calamine, again.skipped
        if name in again.broken:
            self.broken[name] = again.broken[name]
        if name in again.notes:
            self.notes[name] = again.notes[name]
        self.late += [p for p in again.problems if p.sheet == name]


# what the reader's (English) error texts mean, for the Swedish message
_CAUSES = (
    ("cannot detect file format", "filformatet känns inte igen"),
    ("corrupt deflate", "de komprimerade uppgifterna är skadade"),
    ("invalid checksum", "kontrollsumman stämmer inte, innehållet har ändrats eller skadats"),
    ("larger than its declared", "en del är större än filen uppger, innehållet är skadat"),
    ("xmlerror", "XML-innehållet är skadat"),
    ("invalid character", "XML-innehållet är skadat"),
    ("entity", "XML-innehållet är skadat (en okänd entitet)"),
    ("parse float", "ett tal i filen är skadat"),
    ("parse int", "ett tal i filen är skadat"),
    ("not found", "en del av filen saknas"),
    ("panic", "läsaren klarade inte innehållet"),
)


def reader_cause(e: BaseException) -> str:
    """A reader error in Swedish (never the reader's English words)."""
    text = f"{type(e).__name__}: {e}".lower()
    for key, swedish in _CAUSES:
        if key in text:
            return swedish
    return "innehållet är skadat eller i en form som inte kan läsas"


# -- the zip --------------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _mb(n: float) -> str:
    if n < MiB:
        return f"{max(1, round(n / 1024))} kB"
    return f"{n / MiB:.0f} MB".replace(".", ",") if n >= 10 * MiB else f"{n / MiB:.1f} MB".replace(".", ",")


def _directory_bounds(data: bytes, limits: Limits) -> None:
    """The end record says how many parts there are and how large the directory is: check before zipfile reads it."""
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or len(data) - at < 22:
        return  # zipfile says what is wrong (cut short, say)
    _sig, _disk, _cd_disk, _n_here, entries, size, _offset, _comment = struct.unpack_from("<4sHHHHIIH", data, at)
    loc = data.rfind(_ZIP64_LOCATOR, max(0, at - 20), at)
    if loc >= 0 and len(data) >= loc + 20:
        (rec,) = struct.unpack_from("<Q", data, loc + 8)
        if rec + 56 <= len(data) and data[rec:rec + 4] == b"PK\x06\x06":
            entries, size = struct.unpack_from("<QQ", data, rec + 32)
    if entries > limits.entries or size > limits.directory_bytes:
        raise Unreadable("for-stor", f"filen består av {entries} delar ({_mb(size)} innehållsförteckning); en arbetsbok har "
                                     f"några tiotal. Den läses inte; be enheten spara om den i Excel och skicka den igen")


class Entry(NamedTuple):
    """One part as the central directory describes it (the fields of :class:`zipfile.ZipInfo` used here)."""

    filename: str
    flag_bits: int
    compress_type: int
    CRC: int  # noqa: N815 - as zipfile names it
    compress_size: int
    file_size: int
    header_offset: int


_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")


def _central_directory(data: bytes) -> list[Entry] | None:
    """The parts of a plain zip (no zip64, nothing before it), read straight from the directory;
    None for anything else (zipfile reads those)."""
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or len(data) - at < 22:
        return None
    _sig, disk, _cd_disk, _here, entries, size, offset, _comment = struct.unpack_from("<4sHHHHIIH", data, at)
    if disk or entries == 0xFFFF or size == 0xFFFFFFFF or offset == 0xFFFFFFFF or offset + size != at:
        return None
    out: list[Entry] = []
    pos = offset
    for _ in range(entries):
        if pos + 46 > at:
            return None
        (sig, _made, _need, flags, method, _t, _d, crc, packed, unpacked, n_len, x_len, c_len, _disk, _ia, _ea,
         local) = _CENTRAL.unpack_from(data, pos)
        if sig != 0x02014B50 or 0xFFFFFFFF in (packed, unpacked, local):
            return None
        raw = data[pos + 46:pos + 46 + n_len]
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        out.append(Entry(name, flags, method, crc, packed, unpacked, local))
        pos += 46 + n_len + x_len + c_len
    return out


def _raw(data: bytes, info: zipfile.ZipInfo | Entry) -> bytes:
    """The compressed bytes of one part, from its local header."""
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        raise ValueError("local header")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)  # the local header's own lengths
    start = at + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def _inflate(data: bytes, info: zipfile.ZipInfo | Entry, cap: int) -> bytes:
    """The part inflated, never more than ``cap`` bytes of memory (ValueError/OverflowError with the reason)."""
    raw = _raw(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(raw, cap + 1)
        except zlib.error:
            raise ValueError("de komprimerade uppgifterna är skadade") from None
        if len(out) > cap:
            raise OverflowError(cap)
        if not d.eof:
            raise ValueError("delen är avkortad")
    else:
        raise ValueError("delen är packad med en metod som Excel inte använder")
    if len(out) > cap:
        raise OverflowError(cap)
    if zlib.crc32(out) != info.CRC:
        raise ValueError("kontrollsumman stämmer inte, innehållet har ändrats eller skadats")
    if len(out) != info.file_size:
        raise ValueError("delen är större eller mindre än filen uppger, innehållet är skadat")
    return out


def _stored_zip(parts: list[tuple[str, bytes, int | None]]) -> bytes:
    """A zip of ``parts`` (name, bytes, their CRC-32 when known), uncompressed: calamine reads it
    without inflating anything."""
    out = bytearray()
    central = bytearray()
    for name, body, known in parts:
        n = name.encode("utf-8")
        crc = zlib.crc32(body) if known is None else known
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 0x21, crc, len(body), len(body), len(n), 0)
        out += n
        out += body
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 0, 0, 0x21, crc, len(body), len(body),
                               len(n), 0, 0, 0, 0, 0, offset)
        central += n
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(out) - len(central), 0)
    return bytes(out)


_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1).split(b":")[-1] if m.group(1) != b"r:id" else m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(tag)}


def _xml_text(raw: bytes) -> str:
    if b"&" not in raw:
        return raw.decode("utf-8", "replace")
    from xml.sax.saxutils import unescape

    text = raw.decode("utf-8", "replace")
    text = re.sub(r"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)) if int(m.group(1), 16) < 0x110000 else "", text)
    text = re.sub(r"&#([0-9]+);", lambda m: chr(int(m.group(1))) if int(m.group(1)) < 0x110000 else "", text)
    return unescape(text, {"&quot;": '"', "&apos;": "'"})


_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)>")
_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")


_PLAIN_RELATIONSHIP = re.compile(rb'<Relationship Id="([^"&]*)" Type="[^"&]*/([^"&/]*)" Target="([^"&]*)"/>')


def _relationships(xml: bytes, base: str) -> dict[str, tuple[str, str]]:
    """Id -> (type's last word, part path) of a .rels part."""
    out: dict[str, tuple[str, str]] = {}
    plain = _PLAIN_RELATIONSHIP.findall(xml)
    if len(plain) == xml.count(b"<Relationship ") and b"TargetMode" not in xml and b":Relationship" not in xml:
        for rid, kind, target in plain:  # as Excel and XlsxWriter write them
            t = target.decode("utf-8", "replace").replace("\\", "/")
            out[rid.decode()] = (kind.decode(), t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(base, t)))
        return out
    for m in _RELATIONSHIP.finditer(xml):
        a = _attrs(m.group(1))
        if a.get(b"TargetMode", b"").lower() == b"external":
            continue
        target = _xml_text(a.get(b"Target", b"")).replace("\\", "/")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[_xml_text(a.get(b"Id", b""))] = (_xml_text(a.get(b"Type", b"")).rsplit("/", 1)[-1], path)
    return out


def open_bounded(data: bytes, limits: Limits = RETURN_LIMITS, skip: frozenset[str] = frozenset()) -> BoundedBook:
    """Measure ``data`` (a workbook file's bytes) and open it with calamine; :class:`Unreadable` when it cannot be.

    Sheets named in ``skip`` are neither inflated nor given to calamine (the
    styrmodell a unit workbook carries is not needed to consolidate it).
    """
    from python_calamine import CalamineWorkbook

    _directory_bounds(data, limits)
    try:
        infos: Sequence[zipfile.ZipInfo | Entry] | None = _central_directory(data)
        if infos is None:  # zip64, an archive inside something else …: let zipfile read the directory
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise Unreadable("trasig-fil", "filen är avkortad och kan inte läsas: slutet (arkivets innehållsförteckning) saknas, "
                                       "ofta efter en nedladdning eller kopiering som inte blev klar") from None
    except Exception:  # noqa: BLE001 - zipfile raises many kinds on a damaged directory
        raise Unreadable("trasig-fil", "filen är skadad och kan inte läsas: arkivets innehållsförteckning är trasig; "
                                       "be enheten skicka den igen") from None
    by_name: dict[str, zipfile.ZipInfo | Entry] = {}
    twice: list[str] = []
    for entry in infos:
        name = entry.filename.lstrip("/")
        if name in by_name:
            twice.append(name)
        by_name.setdefault(name, entry)
    if "_rels/.rels" not in by_name and "xl/workbook.xml" not in by_name:
        if "content.xml" in by_name or "mimetype" in by_name:
            raise Unreadable("annat-format", "filen är sparad i OpenDocument-format (.ods, till exempel från LibreOffice eller "
                                             "Google Kalkylark); öppna den och spara som Excel-arbetsbok (.xlsx)")
        if any(n.endswith(".iwa") for n in by_name):
            raise Unreadable("annat-format", "filen är sparad i Apple Numbers-format; exportera den som Excel-arbetsbok (.xlsx)")
        if "xl/workbook.bin" in by_name:
            raise Unreadable("annat-format", "filen är sparad som binär Excel-arbetsbok (.xlsb); spara den som Excel-arbetsbok (.xlsx)")
    if "xl/workbook.bin" in by_name:
        raise Unreadable("annat-format", "filen är sparad som binär Excel-arbetsbok (.xlsb); spara den som Excel-arbetsbok (.xlsx)")
    if infos and all(i.flag_bits & 1 for i in infos if i.file_size or i.compress_size):
        raise Unreadable("krypterad", "filen är lösenordsskyddad (ett zip-lösenord) och kan inte läsas; "
                                      "be enheten spara den i Excel utan lösenord")
    book = BoundedBook(None, [])
    total = 0
    if twice:
        book.problems.append(Problem("trasig-fil", "", "", f"filen har {len(twice)} {'del' if len(twice) == 1 else 'delar'} med "
                                     f"samma namn som en annan ({', '.join(sorted(set(twice))[:3])}); bara den första lästes. Excel sparar aldrig så; "
                                     "be enheten spara om filen i Excel", "varning"))

    def part(name: str, what: str, *, required: bool = True) -> bytes | None:
        nonlocal total
        info = by_name.get(name)
        if info is None:
            if required:
                raise Unreadable("trasig-fil", f"filen kan inte läsas: delen {name} ({what}) saknas; "
                                               "det är ingen hel Excel-arbetsbok. Be enheten skicka den igen")
            return None
        try:
            body = _check_and_inflate(data, info, limits, limits.total_bytes - total)
        except _PartProblem as p:
            raise Unreadable(p.code, f"filen kan inte läsas: delen {name} ({what}) {p.reason}; be enheten skicka den igen") from None
        total += len(body)
        return body

    root_rels = part("_rels/.rels", "arkivets register")
    assert root_rels is not None
    office = next((p for t, p in _relationships(root_rels, "").values() if t == "officeDocument"), "xl/workbook.xml")
    workbook = part(office, "arbetsbokens blad")
    assert workbook is not None
    if _ENTITY.search(workbook) or b"<!DOCTYPE" in workbook or b"<!ENTITY" in workbook:
        raise Unreadable("trasig-fil", f"filen kan inte läsas: XML-innehållet i delen {office} är skadat "
                                       "(en okänd entitet); be enheten spara om den i Excel och skicka den igen")
    base = posixpath.dirname(office)
    wb_rels_name = posixpath.join(base, "_rels", posixpath.basename(office) + ".rels")
    wb_rels = part(wb_rels_name, "arbetsbokens register")
    assert wb_rels is not None
    rels = _relationships(wb_rels, base)
    crc = lambda name: by_name[name].CRC  # noqa: E731 - of a part inflated and checked as it is
    parts: list[tuple[str, bytes, int | None]] = [("_rels/.rels", root_rels, crc("_rels/.rels")), (office, workbook, crc(office)),
                                                  (wb_rels_name, wb_rels, crc(wb_rels_name))]
    for kind, path in rels.values():
        if kind in ("sharedStrings", "styles"):
            body = part(path, "texterna" if kind == "sharedStrings" else "formaten", required=False)
            if body is not None:
                known: int | None = crc(path)
                if kind == "sharedStrings":
                    body, known = _without_counts(body), None
                elif _ENTITY.search(body) or b"<!DOCTYPE" in body:
                    book.problems.append(Problem("trasig-fil", "", "", f"XML-innehållet i delen {path} (formaten) är skadat "
                                                 "(en okänd entitet); tal och datum kan ha fått fel format. Be enheten spara om "
                                                 "filen i Excel", "varning"))
                else:
                    book.styles = body
                parts.append((path, body, known))
    macros = [k for k, _p in rels.values() if k in ("xlMacrosheet", "xlIntlMacrosheet", "vbaProject", "dialogsheet")]
    if macros or "xl/vbaProject.bin" in by_name:
        book.problems.append(Problem("makron", "", "", "arbetsboken innehåller makron (" + (
            "Excel 4.0-makroblad" if any("Macrosheet" in k for k in macros) else "VBA") + "); malbok kör dem aldrig, "
            "bara värdena läses. Be enheten skicka arbetsboken utan makron (.xlsx)", "varning"))
    not_cells: list[tuple[int, int]] = []  # macro, dialog and chart sheets: calamine refuses the whole file for them
    for m in _SHEET_TAG.finditer(workbook):
        a = _attrs(m.group(1))
        name = _xml_text(a.get(b"name", b""))
        rid = _xml_text(a.get(b"r:id", a.get(b"id", b"")))
        kind, path = rels.get(rid, ("", ""))
        if kind != "worksheet" and rid in rels:
            not_cells.append(m.span())
            continue
        book.sheet_names.append(name)
        if name in skip:
            info = by_name.get(path)
            if info is not None and info.compress_size and info.file_size / max(info.compress_size, 1) > limits.ratio \
                    and info.file_size > limits.ratio_floor:
                book.problems.append(Problem("for-stor", name, "", f"det dolda bladet {name} (delen {path}) packas upp till "
                                             f"{_mb(info.file_size)} från {_mb(info.compress_size)}, som en zip-bomb; "
                                             "det behövs inte och lästes inte", "varning"))
            continue
        info = by_name.get(path)
        if info is None:
            book.broken[name] = f"bladets del {path or '(okänd)'} saknas i filen"
            continue
        try:
            body = _check_and_inflate(data, info, limits, limits.total_bytes - total)
        except _PartProblem as p:
            book.broken[name] = f"bladets del {path} {p.reason}"
            continue
        total += len(body)
        measured = body
        if b"sheetData" in body:
            try:
                measured = _measure_sheet(book, name, body, limits)
            except SheetUnreadable as e:
                book.broken[name] = str(e)
                continue
        cells = _cells_only(measured)
        parts.append((path, cells, info.CRC if cells is body else None))
        book.sheet_xml[name] = cells
    if not_cells:
        kept, at = [], 0
        for start, end in not_cells:
            kept.append(workbook[at:start])
            at = end
        parts[1] = (office, b"".join(kept) + workbook[at:], None)
    try:
        book.calamine = CalamineWorkbook.from_filelike(io.BytesIO(_stored_zip(parts)))
        names = list(book.calamine.sheet_names)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - calamine raises PanicException (a BaseException) too
        raise Unreadable("trasig-fil", f"filen är trasig och kan inte läsas: {reader_cause(e)}; be enheten skicka den igen") from None
    if names != book.sheet_names:  # calamine's names are the ones its sheets are found by
        renamed = dict(zip(book.sheet_names, names, strict=False))
        book.broken = {renamed.get(k, k): v for k, v in book.broken.items()}
        book.notes = {renamed.get(k, k): v for k, v in book.notes.items()}
        book.sheet_xml = {renamed.get(k, k): v for k, v in book.sheet_xml.items()}
        book.sheet_names = names
    book.skipped = frozenset(skip)
    book._source = (data, limits)
    return book


class _PartProblem(Exception):  # noqa: N818
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def _check_and_inflate(data: bytes, info: zipfile.ZipInfo | Entry, limits: Limits, room: int) -> bytes:
    if info.flag_bits & 1:
        raise _PartProblem("krypterad", "är krypterad (zip-lösenord)")
    size, packed = info.file_size, info.compress_size
    if size > limits.part_bytes:
        raise _PartProblem("for-stor", f"packas upp till {_mb(size)}; en del får vara högst {_mb(limits.part_bytes)}")
    if size > limits.ratio_floor and packed and size / packed > limits.ratio:
        raise _PartProblem("for-stor", f"packas upp {size // packed} gånger ({_mb(packed)} till {_mb(size)}), som en zip-bomb")
    cap = min(limits.part_bytes, room)
    if size > cap:
        raise _PartProblem("for-stor", f"gör filen större än {_mb(limits.total_bytes)} uppackad, mer än en arbetsbok rymmer")
    try:
        return _inflate(data, info, cap)
    except OverflowError:
        raise _PartProblem("for-stor", f"packas upp till mer än {_mb(cap)} fast filen uppger {_mb(size)}; "
                                       "innehållsförteckningen ljuger") from None
    except (ValueError, IndexError, struct.error) as e:
        raise _PartProblem("trasig-fil", f"är skadad ({e})" if str(e) and not str(e).isascii() else "är skadad") from None


_SST_COUNTS = re.compile(rb'\s(?:count|uniqueCount)\s*=\s*"[^"]*"')


def _without_counts(sst: bytes) -> bytes:
    """The shared strings without their declared counts (calamine reserves that many, and a lie aborts it)."""
    end = sst.find(b">", sst.find(b"sst"))
    if end < 0:
        return sst
    return _SST_COUNTS.sub(b"", sst[:end]) + sst[end:]


# -- the cells of a sheet ---------------------------------------------------------------------

_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:row\b([^>]*)>|c\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c>))", re.S)
_REF = re.compile(rb"([A-Z]{1,4})([0-9]{1,9})$")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<", re.S)
_TEXT = re.compile(rb"<(?:[\w.-]+:)?t\b[^>]*>([^<]*)<", re.S)
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>([^<]*)<)", re.S)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _fast_ok(xml: bytes, limits: Limits) -> bool:
    """True when a byte search proves the sheet small and plain: every cell and row has its reference first,
    none beyond Z or row 9 999, no error value, formula, NaN or infinity, no prefixed elements (the sheets
    malbok writes and Excel saves). Anything else is measured cell by cell."""
    if limits.fast_rows != RETURN_LIMITS.fast_rows or limits.fast_columns != RETURN_LIMITS.fast_columns:
        digits = len(str(limits.fast_rows)) - 1
        pattern = _PLAIN.pattern.replace(b"{0,3}", b"{0,%d}" % digits)
        plain = _FAST_PATTERNS.get(pattern) or _FAST_PATTERNS.setdefault(pattern, re.compile(pattern))
    else:
        plain = _PLAIN
    start = xml.find(b"<sheetData")
    if start < 0:
        return False
    end = xml.find(b"</sheetData>", start)
    end = len(xml) if end < 0 else end
    # only the cells are searched: a sparkline's formula after them (<xm:f> in extLst) is no cell's
    return xml.find(b't="e"', start, end) < 0 and plain.search(xml, start, end) is None


# at a '<': a prefixed cell, row, value or formula; a cell or row whose first attribute is not a short
# reference; a formula; or a value with a letter (NaN, inf, 1e400, an error's or a formula's text).
# One pass, with a literal first (measured: 2 times faster than separate searches)
_PLAIN = re.compile(rb'<(?:[\w.-]+:(?:c|row|v|f|is)[\s>/]|c(?! r="[A-Z][1-9][0-9]{0,3}")[ >/]|row(?! r="[1-9][0-9]{0,3}")[ >/]'
                    rb'|f[ >]|v>[^<]*[A-Za-z#])')
_FAST_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def _short(text: str, n: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def _measure_sheet(book: BoundedBook, sheet: str, xml: bytes, limits: Limits) -> bytes:
    """The sheet's XML as calamine may read it: far cells dropped (and named), lost values noted."""
    if _fast_ok(xml, limits):
        return xml
    notes: list[Note] = []
    far: list[Note] = []
    out: list[bytes] = []
    pos = 0
    row, col = 0, 0  # 1-based position of the last row / cell (0: none yet)
    max_row = max_col = 0
    changed = False
    for m in _TAG.finditer(xml):
        row_attrs, cell_attrs, inner = m.group(1), m.group(2), m.group(3)
        if row_attrs is not None:
            r = _attrs(row_attrs).get(b"r")
            row = int(r) if r is not None and r.isdigit() else row + 1
            col = 0
            if r is None:  # the position is made explicit, so that dropping a cell above cannot move this one
                out.append(xml[pos:m.start()])
                out.append(m.group(0)[:-1].rstrip(b"/") + b' r="%d"' % row + (b"/>" if m.group(0).endswith(b"/>") else b">"))
                pos = m.end()
                changed = True
            continue
        a = _attrs(cell_attrs)
        ref = a.get(b"r")
        rm = _REF.match(ref) if ref is not None else None
        if rm:
            col, cell_row = _column_number(rm.group(1)), int(rm.group(2))
        else:
            col, cell_row = col + 1, max(row, 1)
        row = max(row, cell_row) if rm else row
        body = inner or b""
        t = a.get(b"t", b"n")
        value = _VALUE.search(body)
        has_value = value is not None and value.group(1).strip() != b""
        if cell_row > limits.max_row or col > limits.max_column:
            text = _cell_text(body, t, value)
            far.append(Note(cell_row - 1, col - 1, "utanför", text))
            out.append(xml[pos:m.start()])
            pos = m.end()
            changed = True
            continue
        if not has_value and not (t == b"inlineStr" and b"<t" in body) and b"<f" not in body[:200] and t != b"e":
            if not rm:  # nothing in it: it cannot widen the range
                out.append(xml[pos:m.start()])
                pos = m.end()
                changed = True
            continue
        max_row, max_col = max(max_row, cell_row), max(max_col, col)
        if t == b"e":
            notes.append(Note(cell_row - 1, col - 1, "fel", _xml_text(value.group(1)) if value else "#"))
        elif _FORMULA.search(body) and not has_value:
            f = _FORMULA.search(body)
            notes.append(Note(cell_row - 1, col - 1, "formel", "=" + _xml_text(f.group(1) or b"") if f else "="))
        elif t == b"n" and has_value:
            v = value.group(1).strip()  # type: ignore[union-attr]
            try:
                number = float(v)
            except ValueError:
                number = 0.0
                if not v.replace(b".", b"").replace(b"-", b"").replace(b"+", b"").replace(b"e", b"").replace(b"E", b"").isdigit():
                    book.broken[sheet] = f"cellen {xl_col_to_name(col - 1)}{cell_row} har ett skadat tal ('{_short(_xml_text(v))}')"
            if number != number or number in (float("inf"), float("-inf")):
                notes.append(Note(cell_row - 1, col - 1, "ej-ändligt", _xml_text(v)))
        if not rm:
            out.append(xml[pos:m.start()])
            tag = m.group(0)
            head = 2 if tag.startswith(b"<c") else tag.index(b":c") + 2
            out.append(tag[:head] + b' r="%s%d"' % (xl_col_to_name(col - 1).encode(), cell_row) + tag[head:])
            pos = m.end()
            changed = True
    if sheet in book.broken:
        raise SheetUnreadable(book.broken.pop(sheet))
    if max_row * max_col > limits.max_cells:
        raise SheetUnreadable(f"bladet har celler ända till {xl_col_to_name(max_col - 1)}{max_row}, "
                              f"{max_row * max_col:,} celler; det är mer än en arbetsbok rymmer".replace(",", "\u00a0"))
    if notes:
        book.notes[sheet] = notes
    if far:
        first = far[0]
        more = f" och {len(far) - 1} {'cell' if len(far) == 2 else 'celler'} till" if len(far) > 1 else ""
        shown = f" ('{_short(first.text)}')" if first.text.strip() else " (ett mellanslag eller en tom text)" if first.text else ""
        last_row = f"{limits.max_row:,}".replace(",", "\u00a0")  # only the number is grouped, never the cell's own text
        book.problems.append(Problem(
            "utanfor-tabellen", sheet, first.cell,
            f"cellen {first.cell}{shown}{more} ligger långt utanför tabellen (efter rad {last_row} eller kolumn "
            f"{xl_col_to_name(limits.max_column - 1)}) och lästes inte; ta bort det som står där"))
    if not changed:
        return xml
    out.append(xml[pos:])
    return b"".join(out)


def _cells_only(xml: bytes) -> bytes:
    """A plain sheet's XML with only its cells (``<worksheet …><sheetData>…</sheetData></worksheet>``): calamine
    parses every element of a sheet, and the column widths, data validations, conditional formats and page
    set-up after the cells (a fifth of a unit workbook's sheet) give no value. Anything else is kept whole."""
    start = xml.find(b"<sheetData")
    end = xml.find(b"</sheetData>", start)
    root = xml.find(b"<worksheet")
    if start < 0 or end < 0 or root < 0 or root > start:
        return xml
    head = xml.find(b">", root) + 1
    if head <= 0 or head > start:
        return xml
    return b"".join((xml[:head], xml[start:end + 12], b"</worksheet>"))


def _cell_text(body: bytes, t: bytes, value: re.Match[bytes] | None) -> str:
    if t == b"inlineStr":
        return "".join(_xml_text(x) for x in _TEXT.findall(body))
    if t == b"s" and value is not None:
        return ""  # a shared text: its number says nothing to a person
    return _xml_text(value.group(1)) if value is not None else ""


def read_part(data: bytes, info: zipfile.ZipInfo, limits: Limits = RETURN_LIMITS) -> bytes:
    """One part of the zip ``data``, inflated within ``limits`` (ValueError with the Swedish reason otherwise)."""
    try:
        return _check_and_inflate(data, info, limits, limits.part_bytes)
    except _PartProblem as p:
        raise ValueError(p.reason) from None
