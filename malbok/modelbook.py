"""The styrmodell as an Excel workbook: one sheet per table, converted both ways.

Each sheet is declared once, in :mod:`malbok.layout` (:data:`~malbok.layout.MODEL_BOOK`): its header texts,
widths, the YAML key of each column and its input rule. The writer turns the rules into Excel validation
and the reader checks every cell by the same rule, so YAML -> xlsx -> YAML gives an equal model and what
Excel refuses in the workbook the reader names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from .errors import Locator, ModelError, best_place
from .layout import (
    MODEL_BOOK_MODEL,
    MODEL_BOOK_SCALES,
    MODEL_BOOK_TABLES,
    MODEL_BOOK_TARGETS,
    NO,
    YES,
    YES_NO_RULE,
    Column,
    SheetLayout,
)
from .model import Model
from .util import atomic_xlsx
from .values import parse_number

LIST_SEP = ", "
# Fixed document date so the same model gives the same file, byte for byte.
_FIXED_DATE = datetime(2000, 1, 1)


@dataclass(frozen=True)
class Table:
    """A model-book sheet (its columns declared in :mod:`malbok.layout`) and the YAML list it holds."""

    layout: SheetLayout
    coll: str  # key of the list in the YAML data

    @property
    def sheet(self) -> str:
        return self.layout.name

    @property
    def cols(self) -> tuple[Column, ...]:
        return self.layout.columns


TABLES: tuple[Table, ...] = tuple(Table(t, coll) for t, coll in zip(MODEL_BOOK_TABLES, (
    "värdeord", "områden", "målnivåer", "mål", "indikatorer", "enheter", "perioder", "handlingsprogram"), strict=True))
SCALES = Table(MODEL_BOOK_SCALES, "skalor")
TARGETS = Table(MODEL_BOOK_TARGETS, "målvärden")
MODEL_KEYS = MODEL_BOOK_MODEL.fields  # the sheet Modell: a label in A, its value in B
_WHOLE_COLUMN = 1_048_575  # the last row (zero-based) a column's validation reaches: rows added later are checked too


# -- formatting of one cell ------------------------------------------------------------


def _fmt(col: Column, value: Any) -> Any:
    """A YAML value as the column's cell holds it."""
    if value is None:
        return None
    kind = col.form
    if col.rule is YES_NO_RULE:
        return YES if value else NO
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
    return value


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _shown(value: Any) -> str:
    """A typed value in a message, as the cell shows it (2016, not 2016.0)."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()


def _parse_number(text: str) -> float:
    """A number typed as text in the model workbook, read by the one Swedish parser (:func:`malbok.values.parse_number`):
    decimal comma or point, spaces between thousands, a % sign; ValueError with the Swedish reason otherwise,
    also for a number that Swedish and English read differently (1.234, 1,234.5)."""
    parsed = parse_number(text)
    if parsed.value is None:
        raise ValueError(parsed.error or parsed.ambiguous or f"'{text.strip()}' är inte ett tal")
    return parsed.value


def _parse(col: Column, value: Any) -> Any:
    """Cell value -> YAML data value, read by the column's rule (what the writer's validation allows) or, for a text
    holding several values, its form; raises ValueError with a Swedish reason."""
    rule = col.rule
    kind = col.form
    if not kind:
        assert rule is not None, col.key
        if rule.kind == "length":  # a text; a number typed in it is that number's text (2016, not 2016.0)
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else value if isinstance(value, str) else str(value)
            wrong = rule.check(text)
            if wrong:
                raise ValueError(wrong)
            return text
        got = rule.read(value)
        if got.code in ("ej-tal", "tvetydigt-tal") and isinstance(value, str):  # the parser says what is wrong with the text
            parsed = parse_number(value)
            raise ValueError(parsed.error or parsed.ambiguous or got.problem)
        if got.code:  # refused by the rule, or a number Swedish and English read differently (1.234): the model is exact
            raise ValueError(f"'{_shown(value)}' {got.problem}")
        if rule is YES_NO_RULE:
            return got.value == YES
        if rule.kind == "integer":
            return int(got.value)
        return got.value
    text = str(value)
    wrong = rule.check(text) if rule is not None else None
    if wrong:
        raise ValueError(wrong)
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

        keys = MODEL_BOOK_MODEL
        label_w, value_w = keys.widths
        ws = wb.add_worksheet(keys.name)
        ws.write_row(0, 0, list(keys.headers), head)
        ws.set_column(0, 0, label_w)
        ws.set_column(1, 1, value_w, wrap)
        for r, fld in enumerate(keys.fields, start=1):
            ws.write_string(r, 0, fld.header)
            value = _get(data, fld.key)
            if value is not None and value != "":
                ws.write(r, 1, value)
                ws.set_row(r, fitted_height([(fld.header, label_w), (str(value), value_w)], font_pt=11))
            if fld.rule is not None:
                ws.data_validation(r, 1, r, 1, fld.validation())
        ws.freeze_panes(1, 0)
        setup(ws, keys.name, keys.widths, landscape=False)

        def sheet(name: str, cols: tuple[Column, ...], rows: list[dict[str, Any]]) -> None:
            sh = wb.add_worksheet(name)
            for c, col in enumerate(cols):
                sh.write_string(0, c, col.header, head)
                sh.set_column(c, c, col.width, wrap)
                if col.rule is not None:  # the whole column below the header: rows the controller adds are checked too
                    sh.data_validation(1, c, _WHOLE_COLUMN, c, col.validation())
            sh.set_row(0, fitted_height(((col.header, col.width) for col in cols), font_pt=11, bold=True))
            for r, row in enumerate(rows, start=1):
                texts = []
                for c, col in enumerate(cols):
                    v = _fmt(col, _get(row, col.key))
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
        sheet(SCALES.sheet, SCALES.cols, scale_rows)
        for table in TABLES:
            sheet(table.sheet, table.cols, data.get(table.coll) or [])
        target_rows = [{"indikator": ind["id"], **t} for ind in data.get("indikatorer", []) for t in ind.get("målvärden", [])]
        sheet(TARGETS.sheet, TARGETS.cols, target_rows)
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
    rows = rows_of(MODEL_BOOK_MODEL.name)
    if rows is None:
        problems.append((name, f"bladet '{MODEL_BOOK_MODEL.name}' saknas"))
    else:
        keys = {fld.header: fld for fld in MODEL_BOOK_MODEL.fields}
        for r, row in enumerate(rows[1:], start=1):
            if not row or row[0] is None:
                continue
            label = str(row[0]).strip()
            value = row[1] if len(row) > 1 else None
            if label not in keys:
                problems.append((where("Modell", r, 0), f"okänd nyckel '{label}'"))
                continue
            fld = keys[label]
            key = fld.key
            places[tuple(key.split("."))] = where("Modell", r, 1)
            places.setdefault((key.split(".")[0],), where("Modell", r, 1))  # a key missing as a whole: its first cell
            if value is None or value == "":
                continue
            try:
                _set(data, key, _parse(fld, value))
            except ValueError as e:
                problems.append((where("Modell", r, 1), str(e)))

    def table(sheet: str, cols: tuple[Column, ...], coll: str, required: bool) -> list[tuple[int, dict[str, Any]]]:
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
        colmap: dict[int, Column] = {}
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
                    _set(item, col.key, _parse(col, value))
                except ValueError as e:
                    problems.append((where(sheet, r, c), str(e)))
            out.append((r, item, item_places))
        return out  # type: ignore[return-value]

    def register(coll: str, index: int, item_places: dict[tuple[Any, ...], str]) -> None:
        for sub, place in item_places.items():
            places[(coll, index, *sub)] = place

    # scales grouped by id
    scales: dict[str, dict[str, Any]] = {}
    for _r, item, item_places in table(SCALES.sheet, SCALES.cols, SCALES.coll, True):  # type: ignore[misc]
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
    for _r, item, item_places in table(TARGETS.sheet, TARGETS.cols, TARGETS.coll, False):  # type: ignore[misc]
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

