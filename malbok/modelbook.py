"""The styrmodell as an Excel workbook: one sheet per table, converted both ways.

Each sheet is declared once (:data:`TABLES`): its header texts and how each
column maps to the YAML data. The writer and the reader both use the
declaration, so YAML -> xlsx -> YAML gives an equal model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from .errors import Locator, ModelError, best_place
from .model import Model
from .util import atomic_xlsx
from .values import parse_number

LIST_SEP = ", "
# Fixed document date so the same model gives the same file, byte for byte.
_FIXED_DATE = datetime(2000, 1, 1)


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    kind: str = "str"  # str, int, float, bool, list, map, years
    width: int = 14


@dataclass(frozen=True)
class Table:
    sheet: str
    coll: str  # key of the list in the YAML data
    cols: tuple[Col, ...]


TABLES: tuple[Table, ...] = (
    Table("Värdeord", "värdeord", (Col("namn", "namn", width=18), Col("text", "text", width=90))),
    Table("Områden", "områden", (Col("id", "id"), Col("namn", "namn", width=36), Col("text", "text", width=90))),
    Table("Målnivåer", "målnivåer", (
        Col("id", "id"), Col("namn", "namn", width=20), Col("singular", "singular", width=18), Col("plural", "plural", width=18),
        Col("bedömningsrubrik", "bedömningsrubrik", width=20), Col("skala", "skala"), Col("tidshorisont", "tidshorisont"),
        Col("beskrivning", "beskrivning", width=50), Col("uppföljning", "uppföljning", "list"),
        Col("sammanvägning", "sammanvägning"), Col("grunduppdrag", "grunduppdrag", "bool", 13),
    )),
    Table("Mål", "mål", (
        Col("id", "id", width=10), Col("nivå", "nivå"), Col("område", "område"), Col("överordnat", "överordnat"),
        Col("text", "text", width=70), Col("enheter", "enheter", "list"), Col("uppföljning", "uppföljning", "list"),
        Col("uppföljs_av", "uppföljs_av", "list"), Col("från_år", "från_år", "int", 9), Col("till_år", "till_år", "int", 9),
        Col("beslutad_uppföljning", "beslutad_uppföljning", width=26), Col("sammanvägning", "sammanvägning"),
        Col("tidigare_bedömningar", "tidigare_bedömningar", "labels", 24),
    )),
    Table("Indikatorer", "indikatorer", (
        Col("id", "id", width=10), Col("område", "område"), Col("mål", "mål"), Col("namn", "namn", width=40),
        Col("text", "text", width=70), Col("måttenhet", "måttenhet", width=11),
        Col("utgångsvärde", "utgångsvärde.värde", "float", 12), Col("utgångsår", "utgångsvärde.år", "int", 10),
        Col("kolada", "kolada", width=10), Col("högre_är_bättre", "högre_är_bättre", "bool", 10),
        Col("enheter", "enheter", "list"), Col("uppföljning", "uppföljning", "list"),
        Col("sammanräkning", "sammanräkning"), Col("vikter", "vikter", "map"),
        Col("tidigare_utfall", "tidigare_utfall", "years", 20),
        Col("tidigare_bedömningar", "tidigare_bedömningar", "labels", 24),
    )),
    Table("Enheter", "enheter", (
        Col("kod", "kod", width=8), Col("namn", "namn", width=34), Col("typ", "typ", width=11),
        Col("kontakt", "kontakt", width=30), Col("verksamheter", "verksamheter", "semilist", 50),
        Col("budgetramar", "budgetramar", "frames", 24),
    )),
    Table("Perioder", "perioder", (
        Col("id", "id", width=9), Col("namn", "namn", width=32), Col("månad", "månad", "int", 8), Col("typ", "typ", width=10),
        Col("sista_dag", "sista_dag", width=10), Col("beskrivning", "beskrivning", width=50), Col("ämnen", "ämnen", "list"),
    )),
    Table("Handlingsprogram", "handlingsprogram", (
        Col("id", "id"), Col("namn", "namn", width=30), Col("text", "text", width=60), Col("mål", "mål", "list"),
        Col("enheter", "enheter", "list"), Col("uppföljning", "uppföljning", "list"),
    )),
)

SCALE_COLS = (
    Col("skala", "skala"), Col("skalnamn", "skalnamn", width=24), Col("etikett", "etikett", width=24),
    Col("betydelse", "betydelse", width=12), Col("färg", "färg", width=10), Col("symbol", "symbol", width=8),
    Col("regel andel_av", "regel.andel_av", width=14), Col("regel minst_procent", "regel.minst_procent", "float", 14),
    Col("beskrivning", "beskrivning", width=40),
)
TARGET_COLS = (
    Col("indikator", "indikator", width=10), Col("typ", "typ", width=16), Col("värde", "värde", "float", 9),
    Col("år", "år", "int", 8), Col("jämförelse", "jämförelse", width=11), Col("riktning", "riktning", width=10),
    Col("procent", "procent", "float", 9), Col("bland_bästa_procent", "bland_bästa_procent", "float", 10),
    Col("placering", "placering", "int", 10), Col("antal_kommuner", "antal_kommuner", "int", 10), Col("text", "text", width=50),
)
MODEL_KEYS = (
    ("id", "id", "str"), ("kommun", "kommun.namn", "str"), ("kommunkod", "kommun.kommunkod", "str"),
    ("mandatperiod från", "mandatperiod.från", "int"), ("mandatperiod till", "mandatperiod.till", "int"),
    ("vision rubrik", "vision.rubrik", "str"), ("vision text", "vision.text", "str"),
    ("kontakt", "kontakt", "str"), ("indikatorskala", "indikatorskala", "str"),
    ("plannivå", "plannivå", "str"), ("aktivitetsskala", "aktivitetsskala", "str"), ("historik", "historik", "str"),
)


# -- formatting of one cell ------------------------------------------------------------


def _fmt(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("list",):
        return LIST_SEP.join(str(v) for v in value) or None
    if kind == "semilist":
        return "; ".join(str(v) for v in value) or None
    if kind == "map":
        return "; ".join(f"{k}: {_num(v)}" for k, v in value.items()) or None
    if kind == "years":
        return "; ".join(f"{k}: {_num(v)}" for k, v in sorted(value.items(), key=lambda kv: int(kv[0]))) or None
    if kind == "labels":
        return "; ".join(f"{k}: {v}" for k, v in sorted(value.items(), key=lambda kv: int(kv[0]))) or None
    if kind == "frames":
        return "; ".join(f"{f['år']}: {_num(f['ram_tkr'])}" for f in value) or None
    if kind == "bool":
        return "ja" if value else "nej"
    return value


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _parse_number(text: str) -> float:
    """A number typed as text in the model workbook, read by the one Swedish parser (:func:`malbok.values.parse_number`):
    decimal comma or point, spaces between thousands, a % sign; ValueError with the Swedish reason otherwise,
    also for a number that Swedish and English read differently (1.234, 1,234.5)."""
    parsed = parse_number(text)
    if parsed.value is None:
        raise ValueError(parsed.error or parsed.ambiguous or f"'{text.strip()}' är inte ett tal")
    return parsed.value


def _parse(kind: str, value: Any) -> Any:
    """Cell value -> YAML data value; raises ValueError with a Swedish reason."""
    if kind == "str":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value) if not isinstance(value, str) else value
    if kind == "int":
        if isinstance(value, str):
            value = _parse_number(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError("ska vara ett heltal")
            return int(value)
        return value
    if kind == "float":
        if isinstance(value, str):
            return _parse_number(value)
        return value
    if kind == "bool":
        word = str(value).strip().lower()
        if isinstance(value, bool) or word in ("ja", "nej", "true", "false", "1", "0", "1.0", "0.0"):
            return value if isinstance(value, bool) else word in ("ja", "true", "1", "1.0")
        raise ValueError(f"'{value}' ska vara ja eller nej")
    text = str(value)
    if kind == "list":
        return [p.strip() for p in text.split(",") if p.strip()]
    if kind == "semilist":
        return [p.strip() for p in text.split(";") if p.strip()]
    if kind == "labels":
        labels: dict[int, str] = {}
        for part in text.split(";"):
            if part.strip():
                k, sep, v = part.partition(":")
                if not sep or not k.strip().isdigit():
                    raise ValueError(f"'{part.strip()}' ska skrivas år: etikett, t.ex. '2014: Uppfyllt'")
                labels[int(k)] = v.strip()
        return labels
    pairs = []
    for part in text.split(";"):
        if not part.strip():
            continue
        if ":" not in part:
            raise ValueError(f"'{part.strip()}' ska skrivas nyckel: värde")
        k, v = part.split(":", 1)
        pairs.append((k.strip(), _parse_number(v)))
    if kind == "map":
        return dict(pairs)
    if kind == "years":
        try:
            return {int(k): v for k, v in pairs}
        except ValueError:
            raise ValueError("åren ska vara heltal, t.ex. '2014: 80; 2015: 82'") from None
    if kind == "frames":
        try:
            return [{"år": int(k), "ram_tkr": v} for k, v in pairs]
        except ValueError:
            raise ValueError("budgetramar skrivs 'år: tkr', t.ex. '2014: 120000'") from None
    raise AssertionError(kind)


def _get(d: dict[str, Any], dotted: str) -> Any:
    cur: Any = d
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _set(d: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        d = d.setdefault(part, {})
    d[parts[-1]] = value


# -- writing ------------------------------------------------------------------------------


def write_model_book(model: Model | None, path: str | Path) -> Path:
    """Write the model as an Excel model workbook (atomically); with ``model=None`` an empty one to fill in:
    every sheet with its headers, and the keys of the sheet ``Modell``."""
    path = Path(path)
    if model is not None and model.plans:
        raise ModelError(path.name, [("planer", "nämndernas verksamhetsplaner (planer) kan inte skrivas till en Excel-modellbok; "
                                                 "de finns i Budget.xlsx från planomgången – ta bort dem ur YAML-filen före konverteringen")])
    data = model.model_dump(mode="json", by_alias=True) if model is not None else {}
    name = model.municipality.name if model is not None else ""
    with atomic_xlsx(path) as wb:
        wb.set_properties({"title": f"Styrmodell {name}" if name else "Styrmodell (att fylla i)", "company": name,
                           "created": _FIXED_DATE})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})

        from .workbook import kommun
        from .xlstyle import fitted_height, page_setup

        mandate = model.mandate if model is not None else None
        period = f"Mandatperiod {mandate.start}–{mandate.end}" if mandate else ""
        document = f"Styrmodell {model.id}" if model is not None else "Styrmodell"

        def setup(sh: Any, where: str, widths: list[float], landscape: bool = True) -> None:
            page_setup(sh, kommun=kommun(name) if name else "", document=document, period=period, where=where,
                       widths=widths, header_row=0, key_columns=1, landscape=landscape, font_pt=11)

        ws = wb.add_worksheet("Modell")
        ws.write_row(0, 0, ["nyckel", "värde"], head)
        ws.set_column(0, 0, 20)
        ws.set_column(1, 1, 100, wrap)
        for r, (label, key, _kind) in enumerate(MODEL_KEYS, start=1):
            ws.write_string(r, 0, label)
            value = _get(data, key)
            if value is not None and value != "":
                ws.write(r, 1, value)
                ws.set_row(r, fitted_height([(label, 20), (str(value), 100)], font_pt=11))
        ws.freeze_panes(1, 0)
        setup(ws, "Modell", [20, 100], landscape=False)

        def sheet(name: str, cols: tuple[Col, ...], rows: list[dict[str, Any]]) -> None:
            sh = wb.add_worksheet(name)
            for c, col in enumerate(cols):
                sh.write_string(0, c, col.header, head)
                sh.set_column(c, c, col.width, wrap)
            sh.set_row(0, fitted_height(((col.header, col.width) for col in cols), font_pt=11, bold=True))
            for r, row in enumerate(rows, start=1):
                texts = []
                for c, col in enumerate(cols):
                    v = _fmt(col.kind, _get(row, col.key))
                    if v is None or v == "" or v == [] or v == {}:
                        continue
                    if isinstance(v, str):
                        sh.write_string(r, c, v)
                        texts.append((v, col.width))
                    else:
                        sh.write_number(r, c, v)
                sh.set_row(r, fitted_height(texts, font_pt=11))
            sh.freeze_panes(1, 1)
            setup(sh, name, [col.width for col in cols])
            if rows:
                sh.autofilter(0, 0, len(rows), len(cols) - 1)

        scale_rows = [
            {"skala": s["id"], "skalnamn": s["namn"], **lab} for s in data.get("skalor", []) for lab in s["etiketter"]
        ]
        sheet("Skalor", SCALE_COLS, scale_rows)
        for table in TABLES:
            sheet(table.sheet, table.cols, data.get(table.coll) or [])
        target_rows = [{"indikator": ind["id"], **t} for ind in data.get("indikatorer", []) for t in ind.get("målvärden", [])]
        sheet("Målvärden", TARGET_COLS, target_rows)
    return path


# -- reading -------------------------------------------------------------------------------


def read_model_book(path: Path) -> tuple[dict[str, Any], Locator, list[tuple[str, str]]]:
    """Read an Excel model workbook into YAML-shaped data, a cell locator, and the cells
    that could not be read (reported together with the model's own problems)."""
    import zipfile

    from openpyxl import load_workbook

    name = path.name
    if not path.exists():
        raise ModelError(name, [(name, "filen finns inte")])
    if not zipfile.is_zipfile(path):
        raise ModelError(name, [(name, "filen är inte en Excel-arbetsbok (.xlsx)")])
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any reader failure is the user's file
        raise ModelError(name, [(name, f"arbetsboken kan inte läsas: {e}")]) from None
    places: dict[tuple[Any, ...], str] = {(): name}
    problems: list[tuple[str, str]] = []
    data: dict[str, Any] = {}

    def where(sheet: str, r: int, c: int) -> str:
        return f"{name}, blad {sheet}, cell {xl_rowcol_to_cell(r, c)}"

    def rows_of(sheet: str) -> list[tuple[Any, ...]] | None:
        if sheet not in wb.sheetnames:
            return None
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]

    # Modell: key/value
    rows = rows_of("Modell")
    if rows is None:
        problems.append((name, "bladet 'Modell' saknas"))
    else:
        keys = {label: (key, kind) for label, key, kind in MODEL_KEYS}
        for r, row in enumerate(rows[1:], start=1):
            if not row or row[0] is None:
                continue
            label = str(row[0]).strip()
            value = row[1] if len(row) > 1 else None
            if label not in keys:
                problems.append((where("Modell", r, 0), f"okänd nyckel '{label}'"))
                continue
            key, kind = keys[label]
            places[tuple(key.split("."))] = where("Modell", r, 1)
            places.setdefault((key.split(".")[0],), where("Modell", r, 1))  # a key missing as a whole: its first cell
            if value is None or value == "":
                continue
            try:
                _set(data, key, _parse(kind, value))
            except ValueError as e:
                problems.append((where("Modell", r, 1), str(e)))

    def table(sheet: str, cols: tuple[Col, ...], coll: str, required: bool) -> list[tuple[int, dict[str, Any]]]:
        places.setdefault((coll,), f"{name}, blad {sheet}")  # a list missing as a whole: its sheet
        rows = rows_of(sheet)
        if rows is None:
            if required:
                problems.append((name, f"bladet '{sheet}' saknas"))
            return []
        if not rows:
            return []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        by_header = {col.header: col for col in cols}
        colmap: dict[int, Col] = {}
        for c, h in enumerate(header):
            if not h:
                continue
            if h not in by_header:
                problems.append((where(sheet, 0, c), f"okänd kolumnrubrik '{h}'"))
                continue
            colmap[c] = by_header[h]
        out = []
        for r, row in enumerate(rows[1:], start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            item: dict[str, Any] = {}
            first_col = min(colmap) if colmap else 0
            item_places: dict[tuple[str, ...], str] = {(): where(sheet, r, first_col)}
            for c, col in colmap.items():
                value = row[c] if c < len(row) else None
                item_places[tuple(col.key.split("."))] = where(sheet, r, c)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                try:
                    _set(item, col.key, _parse(col.kind, value))
                except ValueError as e:
                    problems.append((where(sheet, r, c), str(e)))
            out.append((r, item, item_places))
        return out  # type: ignore[return-value]

    def register(coll: str, index: int, item_places: dict[tuple[Any, ...], str]) -> None:
        for sub, place in item_places.items():
            places[(coll, index, *sub)] = place

    # scales grouped by id
    scales: dict[str, dict[str, Any]] = {}
    for _r, item, item_places in table("Skalor", SCALE_COLS, "skalor", True):  # type: ignore[misc]
        sid = item.pop("skala", None)
        sname = item.pop("skalnamn", None)
        if sid is None:
            problems.append((item_places[()], "skalans id saknas"))
            continue
        if sid not in scales:
            scales[sid] = {"id": sid, "namn": sname or sid, "etiketter": []}
            idx = len(scales) - 1
            places[("skalor", idx)] = item_places[()]
            places[("skalor", idx, "id")] = item_places[("skala",)]
        idx = list(scales).index(sid)
        lab_idx = len(scales[sid]["etiketter"])
        scales[sid]["etiketter"].append(item)
        for sub, place in item_places.items():
            places[("skalor", idx, "etiketter", lab_idx, *sub)] = place
    if scales:
        data["skalor"] = list(scales.values())

    for t in TABLES:
        required = t.coll in ("områden", "enheter", "perioder")
        items = table(t.sheet, t.cols, t.coll, required)
        if items:
            data[t.coll] = []
        for i, (_r, item, item_places) in enumerate(items):  # type: ignore[misc]
            data[t.coll].append(item)
            register(t.coll, i, item_places)

    ind_index = {ind.get("id"): i for i, ind in enumerate(data.get("indikatorer", []))}
    for _r, item, item_places in table("Målvärden", TARGET_COLS, "målvärden", False):  # type: ignore[misc]
        ind_id = item.pop("indikator", None)
        if ind_id not in ind_index:
            problems.append((item_places[("indikator",)], f"okänd indikator '{ind_id}'"))
            continue
        i = ind_index[ind_id]
        targets = data["indikatorer"][i].setdefault("målvärden", [])
        for sub, place in item_places.items():
            places[("indikatorer", i, "målvärden", len(targets), *sub)] = place
        targets.append(item)
    wb.close()

    def locate(p: tuple[Any, ...]) -> str:
        return best_place(places, p)

    return data, locate, problems

