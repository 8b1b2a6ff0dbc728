"""A corpus of damaged and hostile returns, built beside good ones (issue 18).

:func:`build` writes into a folder: good, filled returns of a small model (one
per unit ``G0``…), and one file per kind in :data:`KINDS`, each made from a
good return of its own unit (``H0``…), so that a file that is still read never
competes with a good one. Every file is made here, from bytes: zip bombs are
built from one compressed block repeated (a few MB on disk for 4 GB inflated),
a million rows are written as XML directly.

Each kind says what must become of it: ``named`` (the file is named in
Kontroll) or ``read`` (its values are read, correctly, into Data).
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from malbok.load import dump_yaml
from malbok.model import Model
from malbok.periods import parse_period
from malbok.workbook import plan_workbook, write_workbook

PERIOD = "2024-delar"
GOOD_UNITS = 4
ESC = "\x1b"


def corpus_model(units: int) -> Model:
    """Units G0… (good) and H0… (hostile); per unit two areas, one goal and two indicators in each."""
    codes = [f"G{u}" for u in range(GOOD_UNITS)] + [f"H{u}" for u in range(units - GOOD_UNITS)]
    data: dict = {
        "id": "korpus",
        "kommun": {"namn": "Korpus", "kommunkod": "0001"},
        "mandatperiod": {"från": 2023, "till": 2026},
        "vision": {"rubrik": "Korpus", "text": "Modell för skadade filer."},
        "skalor": [{"id": "s", "namn": "Skala", "etiketter": [
            {"etikett": "Uppfyllt", "betydelse": "uppfyllt", "färg": "#00B050"},
            {"etikett": "Delvis uppfyllt", "betydelse": "på_väg", "färg": "#FFC000"},
            {"etikett": "Ej uppfyllt", "betydelse": "ej_uppfyllt", "färg": "#FF0000"},
        ]}],
        "målnivåer": [{"id": "nm", "namn": "Nämndmål", "skala": "s"}],
        "områden": [{"id": "a0", "namn": "Trygg kommun"}, {"id": "a1", "namn": "Hållbar tillväxt"}],
        "enheter": [{"kod": c, "namn": f"Nämnd {c}"} for c in codes],
        "perioder": [{"id": "delar", "namn": "Delår", "månad": 8, "typ": "delår"}],
        "mål": [],
        "indikatorer": [],
    }
    for c in codes:
        for a in range(2):
            gid = f"{c}-M{a}"
            data["mål"].append({"id": gid, "nivå": "nm", "område": f"a{a}", "text": f"Mål {gid}", "enheter": [c]})
            for i in range(2):
                data["indikatorer"].append({"id": f"{c}-I{a}{i}", "mål": gid, "text": f"Indikator {i} för {gid}",
                                            "måttenhet": "tal", "utgångsvärde": {"värde": 50, "år": 2022},
                                            "målvärden": [{"typ": "värde", "värde": 80, "år": 2026, "jämförelse": "minst"}]})
    return Model.model_validate(data)


def good_value(unit: str, rid: str) -> float:
    """The outcome a good return has for indicator ``rid``: distinct for every unit and row."""
    return float(100 + sum(map(ord, unit)) * 7 + sum(map(ord, rid)))


def write_return(model: Model, unit: str, path: Path, outcomes: dict[str, object] | None = None) -> dict[str, float]:
    """A filled return for ``unit``: every indicator with its :func:`good_value`, every goal assessed."""
    period = parse_period(model, PERIOD)
    plan = plan_workbook(model, period, unit)
    prefill: dict = {}
    values: dict[str, float] = {}
    for sp in plan.sheets:
        for row in sp.rows:
            if row.kind == "Indikator":
                values[row.id] = good_value(unit, row.id)
                prefill[(row.kind, row.id)] = {"outcome": (outcomes or {}).get(row.id, values[row.id]),
                                               "comment": f"Kommentar för {row.id}."}
            elif row.kind == "Mål":
                prefill[(row.kind, row.id)] = {"assessment": "Delvis uppfyllt", "comment": "Analys."}
    write_workbook(plan, path, prefill=prefill)
    return values


# -- zip surgery --------------------------------------------------------------------------------

def parts_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def rezip(data: bytes, change: dict[str, bytes | Callable[[bytes], bytes]] | None = None,
          add: list[tuple[str, bytes]] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts_of(data):
            if name in drop:
                continue
            new = (change or {}).get(name, body)
            z.writestr(name, new(body) if callable(new) else new)
        for name, body in add or []:
            z.writestr(name, body)
    return out.getvalue()


def sheet_part(data: bytes, sheet: str) -> str:
    """The part of the sheet called ``sheet`` (from workbook.xml and its relationships)."""
    parts = dict(parts_of(data))
    rid = re.search(rb'<sheet name="%s" sheetId="\d+"(?: state="\w+")? r:id="(rId\d+)"' % re.escape(sheet.encode()),
                    parts["xl/workbook.xml"]).group(1)
    target = re.search(rb'Id="%s"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="%s"' % (rid, rid),
                       parts["xl/_rels/workbook.xml.rels"])
    return "xl/" + (target.group(1) or target.group(2)).decode()


def in_sheet(data: bytes, sheet: str, fn: Callable[[bytes], bytes]) -> bytes:
    return rezip(data, {sheet_part(data, sheet): fn})


def add_row(xml: bytes, row: bytes) -> bytes:
    return xml.replace(b"</sheetData>", row + b"</sheetData>", 1)


def outcome_cell(data: bytes, rid: str, header: str = "Utfall") -> tuple[str, str]:
    """(sheet, A1 of the cell under ``header``, Utfall by default) of indicator ``rid`` in a return."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in wb.sheet_names:
        if name.startswith("_") or name == "Instruktioner":
            continue
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        at = next((i for i, r in enumerate(rows) if "ID" in r and header in r), None)
        if at is None:
            continue
        col = rows[at].index(header)
        for i, r in enumerate(rows):
            if r and r[0] == rid:
                return name, f"{_letters(col)}{i + 1}"
    raise KeyError(rid)


def _letters(col: int) -> str:
    s = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def set_cell(data: bytes, sheet: str, a1: str, cell_xml: bytes) -> bytes:
    """Replace the cell ``a1`` of ``sheet`` with ``cell_xml`` (a whole ``<c …>…</c>`` element)."""
    def fn(xml: bytes) -> bytes:
        pattern = re.compile(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % a1.encode(), re.S)
        assert pattern.search(xml), a1
        return pattern.sub(lambda _m: cell_xml, xml, count=1)
    return in_sheet(data, sheet, fn)


def bomb_stream(unit: bytes, copies: int, head: bytes = b"", tail: bytes = b"") -> tuple[bytes, int]:
    """A raw deflate stream of ``head + unit * copies + tail`` made by compressing ``unit`` once and
    repeating the block (after a full flush the compressor starts afresh, so the block is the same);
    and the inflated size."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    body = first + block * copies + c.compress(tail) + c.flush()
    return body, len(head) + len(unit) * copies + len(tail)


def raw_zip(entries: list[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """A zip from (name, stored bytes, method, declared size, crc, flags) as given: for lies a writer would not tell."""
    out, central = bytearray(), bytearray()
    for name, body, method, size, crc, flags in entries:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(body), size, len(n), 0) + n + body
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21, crc, len(body), size,
                               len(n), 0, 0, 0, 0, 0, offset) + n
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out)


def with_part_stream(data: bytes, part: str, stream: bytes, size: int, crc: int = 0) -> bytes:
    """The zip ``data`` with ``part`` replaced by a raw deflate ``stream`` declared as ``size`` bytes."""
    entries = []
    for name, body in parts_of(data):
        if name == part:
            entries.append((name, stream, 8, size, crc, 0))
        else:
            packed = zlib.compressobj(6, zlib.DEFLATED, -15)
            entries.append((name, packed.compress(body) + packed.flush(), 8, len(body), zlib.crc32(body), 0))
    return raw_zip(entries)


def zipcrypto(data: bytes, password: bytes = b"hemligt") -> bytes:
    """The zip ``data`` with every part encrypted with the legacy ZipCrypto password scheme."""
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)

    def crc(k: int, b: int) -> int:
        return (k >> 8) ^ table[(k ^ b) & 0xFF]

    entries = []
    for name, body in parts_of(data):
        keys = [0x12345678, 0x23456789, 0x34567890]

        def update(b: int, keys: list[int] = keys) -> None:
            keys[0] = crc(keys[0], b)
            keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
            keys[2] = crc(keys[2], keys[1] >> 24)

        for b in password:
            update(b)
        check = zlib.crc32(body)
        packed = zlib.compressobj(6, zlib.DEFLATED, -15)
        plain = bytes(11) + bytes([check >> 24]) + packed.compress(body) + packed.flush()
        enc = bytearray()
        for b in plain:
            t = keys[2] | 2
            enc.append(b ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            update(b)
        entries.append((name, bytes(enc), 8, len(body), check, 1))
    return raw_zip(entries)


# -- the kinds ------------------------------------------------------------------------------------

@dataclass
class Kind:
    name: str
    expect: str  # "named": the file is named in Kontroll; "read": its values are read into Data
    make: Callable[[bytes, Path, Model, str], bytes | None]  # good bytes, where to write, model, unit -> bytes (None: wrote itself)
    suffix: str = ".xlsx"
    slow: bool = False  # large on purpose (for the timing in the note)


def _outcome(fn: Callable[[bytes, str, str], bytes]) -> Callable[[bytes, Path, Model, str], bytes]:
    """A kind made by changing the first indicator's outcome cell."""
    def make(data: bytes, _path: Path, _model: Model, unit: str) -> bytes:
        sheet, a1 = outcome_cell(data, f"{unit}-I00")
        return set_cell(data, sheet, a1, fn(data, sheet, a1).replace(b"@", a1.encode()))
    return make


def _area(fn: Callable[[bytes], bytes]) -> Callable[[bytes, Path, Model, str], bytes]:
    return lambda data, _p, _m, _u: in_sheet(data, "Trygg kommun", fn)


def _bomb_sheet(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    stream, size = bomb_stream(b" " * (1 << 20), 3800, b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
                               b"</sheetData></worksheet>")
    return with_part_stream(data, sheet_part(data, "Trygg kommun"), stream, size)  # about 4 GB, declared honestly


def _lying_bomb(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    stream, _size = bomb_stream(b" " * (1 << 20), 400, b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
                                b"</sheetData></worksheet>")
    return with_part_stream(data, sheet_part(data, "Trygg kommun"), stream, 9_000)  # 400 MB, declared as 9 kB


def _model_sheet_bomb(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    stream, size = bomb_stream(b"A" * (1 << 20), 3000, b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>',
                               b"</t></is></c></row></sheetData></worksheet>")
    return with_part_stream(data, sheet_part(data, "_modell"), stream, size)  # 3 GB, in the hidden model sheet


def _huge_shared_string(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    stream, size = bomb_stream(b"x" * (1 << 20), 1500, head, b"</t></si></sst>")
    return with_part_stream(data, "xl/sharedStrings.xml", stream, size)  # one 1.5 GB text


def _many_shared_strings(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="30000000" uniqueCount="30000000">'
    unit = b"<si><t>x</t></si>" * 60_000
    stream, size = bomb_stream(unit, 500, head, b"</sst>")
    return with_part_stream(data, "xl/sharedStrings.xml", stream, size)  # 30 million texts


def _million_rows(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>klistrat</t></is></c></row>' % (r, r)
                    for r in range(20, 1_000_020))
    return in_sheet(data, "Hållbar tillväxt", lambda xml: add_row(xml, rows))


def _registry_overflow(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    return in_sheet(data, "_malbok_rader", lambda xml: re.sub(rb'(<c r="D2"[^>]*?)(?: t="\w+")?>(.*?)</c>', rb'\1><v>1e400</v></c>', xml,
                                                             count=1, flags=re.S))


def _fifo(_d: bytes, path: Path, _m: Model, _u: str) -> None:
    os.mkfifo(path)


def _socket(_d: bytes, path: Path, _m: Model, _u: str) -> None:
    subprocess.run([sys.executable, "-c", "import os, socket, sys; os.chdir(sys.argv[1]); "
                    "socket.socket(socket.AF_UNIX).bind(sys.argv[2])", str(path.parent), path.name], check=True)


def _dangling(_d: bytes, path: Path, _m: Model, _u: str) -> None:
    os.symlink(path.parent / "finns-inte.xlsx", path)


def _device(_d: bytes, path: Path, _m: Model, _u: str) -> None:
    os.symlink("/dev/zero", path)


def _directory(_d: bytes, path: Path, _m: Model, _u: str) -> None:
    path.mkdir()
    (path / "inuti.txt").write_text("en mapp som heter som en arbetsbok", encoding="utf-8")


def _ods(_d: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               b'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Trygg kommun"><table:table-row>'
               b'<table:table-cell office:value-type="string"><text:p>ID</text:p></table:table-cell></table:table-row></table:table>'
               b'</office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                   b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>', zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xls(_d: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    """An OLE compound file's header, as every .xls starts (the rest is not needed to be told apart)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
    return header + bytes(4096 - len(header))


def _macro_sheet(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    macro = (b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1" t="str">'
             b'<f>EXEC("calc.exe")</f><v>0</v></c></row><row r="2"><c r="A2" t="str"><f>HALT()</f><v>0</v></c></row></sheetData></xm:macrosheet>')

    def workbook(xml: bytes) -> bytes:
        xml = xml.replace(b"</sheets>", b'<sheet name="Makro1" sheetId="99" state="hidden" r:id="rId99"/></sheets>')
        if b"<definedNames>" in xml:
            return xml.replace(b"<definedNames>", b'<definedNames><definedName name="_xlnm.Auto_Open">Makro1!$A$1</definedName>', 1)
        return xml.replace(b"</sheets>", b'</sheets><definedNames><definedName name="_xlnm.Auto_Open">Makro1!$A$1</definedName></definedNames>')

    rels = lambda xml: xml.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/'  # noqa: E731
                                   b'xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>')
    types = lambda xml: xml.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/'  # noqa: E731
                                    b'vnd.ms-excel.macrosheet+xml"/></Types>')
    return rezip(data, {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
                 add=[("xl/macrosheets/sheet1.xml", macro)])


def _nfd_sheet(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Hållbar tillväxt").encode()
    return rezip(data, {"xl/workbook.xml": lambda xml: xml.replace("Hållbar tillväxt".encode(), nfd)})


def _old_kf(data: bytes, path: Path, model: Model, _u: str) -> None:
    from malbok import consolidate
    from malbok.kfbook import write_kf

    good = path.parent.parent / "kf-källa"
    good.mkdir(exist_ok=True)
    (good / "a.xlsx").write_bytes(data)
    write_kf(consolidate(model, good, PERIOD, processes=1), path)


def _wrong_period(data: bytes, _p: Path, model: Model, unit: str) -> bytes:
    return _identity(data, {"period": "2023-delar"})


def _identity(data: bytes, changes: dict[str, str]) -> bytes:
    """The return with identity keys changed (the identity sheet holds them as inline or shared texts)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = wb.get_sheet_by_name("_malbok").to_python()
    ident = {str(r[0]): str(r[1]) for r in rows if r and r[0]}
    ident.update(changes)
    cells = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                     % (i + 1, i + 1, k.encode(), i + 1, v.encode()) for i, (k, v) in enumerate(ident.items()))
    return in_sheet(data, "_malbok", lambda xml: re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"<sheetData>" + cells.replace(b"\\", b"\\\\") + b"</sheetData>",
                                                       xml, count=1, flags=re.S))


def _many_parts(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    return rezip(data, add=[(f"xl/skräp/{i}.xml", b"<a/>") for i in range(6000)])


def _flipped(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(sheet_part(data, "Trygg kommun"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + info.compress_size // 3, start + info.compress_size // 3 + 8):
        buf[k] ^= 0xFF
    return bytes(buf)


def _lzma_method(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, body in parts_of(data):
            z.writestr(name, body, zipfile.ZIP_LZMA if name == sheet_part(data, "Trygg kommun") else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _duplicate_entry(data: bytes, _p: Path, _m: Model, unit: str) -> bytes:
    part = sheet_part(data, "Trygg kommun")
    import warnings

    out = io.BytesIO(rezip(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "a") as z:
            z.writestr(part, b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    return out.getvalue()


def _doctype_bomb(data: bytes, _p: Path, _m: Model, _u: str) -> bytes:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    return in_sheet(data, "Trygg kommun", lambda xml: lol + xml.split(b"?>", 1)[1].replace(b"<sheetData>", b"<sheetData>", 1)
                    .replace(b"</sheetData>", b'<row r="30"><c r="A30" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData>', 1))


def _truncated(data: bytes, *_a: object) -> bytes:
    return data[: len(data) // 2]


KINDS: list[Kind] = [
    Kind("zipcrypto", "named", lambda d, *_a: zipcrypto(d)),
    Kind("entitet-workbook", "named", lambda d, *_a: rezip(d, {"xl/workbook.xml": lambda x: x.replace(b'name="_malbok"', b'name="_malbok&okand;"')})),
    Kind("entitet-styles", "named", lambda d, *_a: rezip(d, {"xl/styles.xml": lambda x: x.replace(b"<cellXfs", b'<cellXfs x="&okand;"', 1)})),
    Kind("1e400-i-registret", "read", _registry_overflow),  # the registry is only read for another model version
    Kind("1e400-i-registret-annan-version", "named", lambda d, p, m, u: _identity(_registry_overflow(d, p, m, u), {"modellhash": "0"})),
    Kind("cell-XFD1048576", "named", _area(lambda x: add_row(x, b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>hej</t></is></c></row>'))),
    Kind("rad-bortom-excel", "named", _area(lambda x: add_row(x, b'<row r="99999999"><c r="A99999999"><v>1</v></c></row>'))),
    Kind("rad-noll", "named", _area(lambda x: add_row(x, b'<row r="0"><c r="A0"><v>1</v></c></row>'))),
    Kind("kolumn-bortom-excel", "named", _area(lambda x: add_row(x, b'<row r="40"><c r="ZZZZ40"><v>1</v></c></row>'))),
    Kind("mellanslag-sista-raden", "named", _area(lambda x: add_row(x, b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c></row>'))),
    Kind("celler-utan-r-långt-bort", "named", _area(lambda x: add_row(x, b"<row>" + b"<c/>" * 20000 + b"<c><v>1</v></c></row>"))),
    Kind("fifo", "named", _fifo),
    Kind("uttag", "named", _socket),
    Kind("länk-till-ingenting", "named", _dangling),
    Kind("länk-till-enhet", "named", _device),
    Kind("mapp", "named", _directory),
    Kind("zip-bomb-4gb-blad", "named", _bomb_sheet, slow=True),
    Kind("zip-bomb-ljugande-storlek", "named", _lying_bomb, slow=True),
    Kind("zip-bomb-i-modellbladet", "named", _model_sheet_bomb, slow=True),
    Kind("delad-text-1-5gb", "named", _huge_shared_string, slow=True),
    Kind("30-miljoner-delade-texter", "named", _many_shared_strings, slow=True),
    Kind("miljon-klistrade-rader", "named", _million_rows, slow=True),
    Kind("formel-utan-värde", "named", _outcome(lambda *_: b'<c r="@"><f>SUMMA(A1:A2)*2</f></c>')),
    Kind("felvärde-div0", "named", _outcome(lambda *_: b'<c r="@" t="e"><v>#DIV/0!</v></c>')),
    Kind("felvärde-na", "named", _outcome(lambda *_: b'<c r="@" t="e"><f>VLOOKUP(1,A:A,2,0)</f><v>#N/A</v></c>')),
    Kind("nan", "named", _outcome(lambda *_: b'<c r="@"><v>NaN</v></c>')),
    Kind("oändlighet", "named", _outcome(lambda *_: b'<c r="@"><v>inf</v></c>')),
    Kind("minus-oändlighet", "named", _outcome(lambda *_: b'<c r="@"><v>-inf</v></c>')),
    Kind("1e400-som-tal", "named", _outcome(lambda *_: b'<c r="@"><v>1e400</v></c>')),
    Kind("1e400-som-text", "named", _outcome(lambda *_: b'<c r="@" t="inlineStr"><is><t>1e400</t></is></c>')),
    Kind("tvetydigt-1,234.5", "named", _outcome(lambda *_: b'<c r="@" t="inlineStr"><is><t>1,234.5</t></is></c>')),
    Kind("tvetydigt-1.234", "named", _outcome(lambda *_: b'<c r="@" t="inlineStr"><is><t>1.234</t></is></c>')),
    Kind("tvetydigt-1,234", "named", _outcome(lambda *_: b'<c r="@" t="inlineStr"><is><t>1,234</t></is></c>')),
    Kind("kommentar-40000-tecken", "named", lambda d, _p, _m, u: set_cell(
        d, *_comment_cell(d, u), b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (_comment_cell(d, u)[1].encode(), "lång ".encode() * 8000))),
    Kind("escape-sekvenser", "named", _outcome(lambda *_: b'<c r="@" t="inlineStr"><is><t>_x001B_]0;hackad_x0007__x001B_[2J_x001B_[31mrott</t></is></c>')),
    Kind("xls", "named", _xls, suffix=".xls"),
    Kind("ods", "named", _ods, suffix=".ods"),
    Kind("xls-som-heter-xlsx", "named", _xls),
    Kind("xlsm-makroblad", "named", _macro_sheet, suffix=".xlsm"),
    Kind("nfd-bladnamn", "read", _nfd_sheet),
    Kind("uniquecount-4-miljarder", "read", lambda d, *_a: rezip(d, {"xl/sharedStrings.xml": lambda x: re.sub(
        rb'(count|uniqueCount)="\d+"', rb'\1="4000000000"', x)})),
    Kind("formelinjektion-i-kommentar", "read", lambda d, _p, _m, u: set_cell(
        d, *_comment_cell(d, u), b'<c r="%s" t="inlineStr"><is><t>=cmd|\' /C calc\'!A0</t></is></c>' % _comment_cell(d, u)[1].encode())),
    Kind("gammal-KF.xlsx", "named", _old_kf),
    Kind("avkortad", "named", _truncated),
    Kind("tom-fil", "named", lambda *_a: b""),
    Kind("inte-zip", "named", lambda *_a: "det här är ingen arbetsbok".encode()),
    Kind("fel-period", "named", _wrong_period),
    Kind("identitet-layout-x", "named", lambda d, *_a: _identity(d, {"layoutversion": "x"})),
    Kind("identitet-år-inget-tal", "named", lambda d, *_a: _identity(d, {"omgång": "plan", "år": "tjugo"})),
    Kind("okänd-enhet", "named", lambda d, *_a: _identity(d, {"enhet": "ZZ"})),
    Kind("annan-modell", "named", lambda d, *_a: _identity(d, {"modell": "någon-annan"})),
    Kind("6000-delar", "named", _many_parts),
    Kind("skadade-byte", "named", _flipped),
    Kind("lzma-packat-blad", "named", _lzma_method),
    Kind("dubbel-del", "named", _duplicate_entry),
    Kind("xml-entitetsbomb", "named", _doctype_bomb),
    Kind("workbook-saknas", "named", lambda d, *_a: rezip(d, drop=("xl/workbook.xml",))),
    Kind("identitetsblad-borta", "named", lambda d, *_a: rezip(d, {"xl/workbook.xml": lambda x: re.sub(rb'<sheet name="_malbok" [^>]*/>', b"", x)})),
    Kind(f"{ESC}[31mfärg-i-filnamnet{ESC}[0m", "named", _truncated),
]


def _comment_cell(data: bytes, unit: str) -> tuple[str, str]:
    return outcome_cell(data, f"{unit}-I00", "Kommentar")


@dataclass
class Corpus:
    model_path: Path
    returns: Path
    good: dict[str, dict[str, float]]  # unit -> ID -> outcome
    files: dict[str, Kind]  # file name -> its kind
    units: dict[str, str]  # file name -> unit


def build(root: Path, kinds: list[Kind] | None = None) -> Corpus:
    """Write the model, the good returns and one file per kind into ``root``."""
    kinds = KINDS if kinds is None else kinds
    model = corpus_model(GOOD_UNITS + len(kinds) + 1)
    model_path = root / "korpus.yaml"
    model_path.write_text(dump_yaml(model), encoding="utf-8")
    returns = root / "inlamnade"
    returns.mkdir(parents=True)
    good: dict[str, dict[str, float]] = {}
    for u in range(GOOD_UNITS):
        good[f"G{u}"] = write_return(model, f"G{u}", returns / f"Korpus_G{u}.xlsx")
    files: dict[str, Kind] = {}
    units: dict[str, str] = {}
    scratch = root / "underlag"
    scratch.mkdir()
    for i, kind in enumerate(kinds):
        unit = f"H{i}"
        base = scratch / f"{unit}.xlsx"
        write_return(model, unit, base)
        name = f"h{i:02d}_{kind.name}{kind.suffix}"
        path = returns / name
        made = kind.make(base.read_bytes(), path, model, unit)
        if made is not None:
            path.write_bytes(made)
        files[name] = kind
        units[name] = unit
    # and a copy of a good file: named as a duplicate, its values still counted once
    (returns / "Korpus_G0 kopia.xlsx").write_bytes((returns / "Korpus_G0.xlsx").read_bytes())
    files["Korpus_G0 kopia.xlsx"] = Kind("identisk-kopia", "named", lambda *_a: None)
    return Corpus(model_path, returns, good, files, units)
