"""The history store: every period's returns and values, in one SQLite file.

The steering loop runs over years, so malbok remembers: each consolidation
records, in one transaction, the returns it accepted (a log that is never
replaced) and every value (outcome, rank, assessment, comment) of every unit
and of the council. Older years come in by :func:`import_file` (a CSV or Excel
sheet, or an earlier KF.xlsx). Suggestions, workbooks and reports read the
store back through :class:`History`.

The file is plain SQLite (stdlib :mod:`sqlite3`), readable with the sqlite3
shell, DB Browser, Datasette or pandas; its schema is :data:`SCHEMA`, described
in the README. Other modules may keep their own tables in the same file (the
Kolada cache keeps ``kolada_*``): :func:`store_path` finds the file and
:func:`connect` opens it for writing as every writer must (WAL, a busy timeout).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ._version import __version__
from .findings import ERROR, Finding
from .layout import KIND_GOAL, KIND_INDICATOR
from .messages import os_error_text, sqlite_error_text
from .model import Indicator, Measure, Model, OccasionKind
from .periods import Period, PeriodError, parse_period
from .targets import Earlier, comparable_previous, history_baseline
from .util import InputError

SUFFIX = ".historik.sqlite"
SCHEMA_VERSION = "1"
COUNCIL = "Kommunen"  # the council's row, as in the Data table (malbok.consolidation.COUNCIL)
SOURCE_RETURN, SOURCE_IMPORT, SOURCE_KOLADA = "inlämning", "import", "kolada"
BUSY_TIMEOUT_MS = 60_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS historik_info (
    nyckel TEXT PRIMARY KEY,
    värde TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS konsolideringar (
    id INTEGER PRIMARY KEY,
    modell TEXT NOT NULL,
    modellhash TEXT NOT NULL,
    period TEXT NOT NULL,
    konsoliderad TEXT NOT NULL,
    malbokversion TEXT NOT NULL,
    filer INTEGER NOT NULL,
    enheter INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inlämningar (
    id INTEGER PRIMARY KEY,
    konsolidering INTEGER NOT NULL REFERENCES konsolideringar(id),
    modell TEXT NOT NULL,
    period TEXT NOT NULL,
    enhet TEXT NOT NULL,
    fil TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    konsoliderad TEXT NOT NULL,
    ny_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS inlämningar_period ON inlämningar(modell, period, enhet);
CREATE TABLE IF NOT EXISTS importer (
    id INTEGER PRIMARY KEY,
    fil TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    modell TEXT NOT NULL,
    importerad TEXT NOT NULL,
    rader INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS värden (
    modell TEXT NOT NULL,
    period TEXT NOT NULL,
    år INTEGER NOT NULL,
    tillfälle TEXT NOT NULL,
    månad INTEGER NOT NULL,
    enhet TEXT NOT NULL,
    id TEXT NOT NULL,
    typ TEXT NOT NULL,
    utfall REAL,
    placering REAL,
    bedömning TEXT NOT NULL DEFAULT '',
    kommentar TEXT NOT NULL DEFAULT '',
    källa TEXT NOT NULL,  -- 'inlämning', 'import' or 'kolada' (a CHECK here made recording 40 % slower)
    konsolidering INTEGER,
    import INTEGER,
    fil TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS värden_år ON värden(år, id);
"""

_COLUMNS = ("modell", "period", "år", "tillfälle", "månad", "enhet", "id", "typ", "utfall", "placering", "bedömning",
            "kommentar", "källa", "konsolidering", "import", "fil", "cell")
_INSERT = f"INSERT INTO värden ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
_PAUSE_ENV = "MALBOK_HISTORIK_TESTPAUS"  # tests only: a file to touch, then wait before the commit


# --------------------------------------------------------------------------- the file


def store_path(model_path: str | Path | None, override: str | Path | None = None, model: Model | None = None) -> Path | None:
    """Where the history store of a model is: ``override`` (``--historik FIL``), else the file the
    model names (``historik:``, relative to the model file), else ``<model>.historik.sqlite`` beside
    the model file. None when neither a file nor a model path is given."""
    if override is not None:
        return Path(override)
    if model is not None and model.history_file:
        named = Path(model.history_file)
        if named.is_absolute() or model_path is None:
            return named
        return Path(model_path).parent / named
    if model_path is None:
        return None
    mp = Path(model_path)
    return mp.with_name(mp.name.rsplit(".", 1)[0] + SUFFIX)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (and create when new) the store for reading and writing: WAL journal, a busy timeout so
    that a second writer waits instead of failing, foreign keys on, the schema in place.

    Transactions are explicit (``isolation_level=None``): a writer begins with ``BEGIN IMMEDIATE``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except OSError as e:
        raise InputError(f"{path}: historikfilen kan inte skapas ({os_error_text(e)}); välj en annan med --historik FIL") from None
    except sqlite3.Error as e:
        raise InputError(f"{path.name}: historikfilen kan inte öppnas ({sqlite_error_text(e)}); "
                         "välj en annan med --historik FIL") from None
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = NORMAL")
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'värden'").fetchone() is None:
            con.executescript(SCHEMA)  # IF NOT EXISTS: a second process doing the same is harmless
            con.execute("INSERT OR IGNORE INTO historik_info VALUES ('schemaversion', ?)", (SCHEMA_VERSION,))
    except sqlite3.Error as e:
        con.close()
        raise InputError(f"{path.name}: historikfilen kan inte öppnas som SQLite ({sqlite_error_text(e)})") from None
    return con


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def year_end(model: Model) -> str:
    """The id of the year-end occasion: the one of kind 'helår', else the latest in the year."""
    for o in model.occasions:
        if o.kind == OccasionKind.ANNUAL:
            return o.id
    return max(model.occasions, key=lambda o: o.month).id


# --------------------------------------------------------------------------- reading back


@dataclass
class History:
    """Earlier values from the store for one round (a period): what suggestions, workbooks and
    reports compare with. Rows are looked up by (unit, ID); the council's unit is ``Kommunen``."""

    model: Model
    period: Period
    path: Path | None = None
    # (unit, ID) -> (year, occasion) -> (outcome, rank, assessment, comment)
    values: dict[tuple[str, str], dict[tuple[int, str], tuple[Any, Any, str, str]]] = field(default_factory=dict)
    # indicator ID -> Kolada's figure up to the period's year (malbok.kolada.Figure), from the same file's cache
    kolada: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.year_end = year_end(self.model)
        self.names = {o.id: o.name for o in self.model.occasions}
        self.first_year = self.model.mandate.start - 1
        self._outcomes: dict[tuple[str, str], dict[tuple[int, str], float]] = {}

    def outcomes(self, unit: str, ind_id: str) -> dict[tuple[int, str], float]:
        """The row's earlier outcomes by (year, occasion id)."""
        key = (unit, ind_id)
        found = self._outcomes.get(key)
        if found is None:
            found = self._outcomes[key] = {k: v[0] for k, v in self.values.get(key, {}).items() if v[0] is not None}
        return found

    def previous(self, ind: Indicator, unit: str = COUNCIL) -> Earlier | None:
        """The comparable previous outcome (:func:`malbok.targets.comparable_previous`)."""
        p = self.period
        return comparable_previous(ind, p.year, p.occasion.id, self.year_end, self.outcomes(unit, ind.id), self.names)

    def baseline(self, ind: Indicator, unit: str = COUNCIL) -> Earlier | None:
        """The path's start from history when the model gives no baseline value (:func:`malbok.targets.history_baseline`)."""
        return history_baseline(ind, self.period.year, self.year_end, self.first_year, self.outcomes(unit, ind.id), self.names)

    def previous_rank(self, ind: Indicator, unit: str = COUNCIL) -> float | None:
        """The row's rank the same occasion last year, else at last year's year-end (for a rank
        measure, its outcome)."""
        got = self.values.get((unit, ind.id), {})
        for occ in (self.period.occasion.id, self.year_end):
            v = got.get((self.period.year - 1, occ))
            if v is not None:
                rank = v[1] if v[1] is not None else v[0] if ind.measure == Measure.RANK else None
                if rank is not None:
                    return rank
        return None

    def series(self, ind: Indicator, unit: str = COUNCIL, years: int = 4) -> list[Earlier]:
        """The row's comparable value of each of the ``years`` years before this one (oldest first):
        the same occasion where there is one, else the year-end (the model's values fill gaps)."""
        p = self.period
        own = self.outcomes(unit, ind.id)
        out: list[Earlier] = []
        from .targets import year_end_values

        ends = year_end_values(ind, p.year, self.year_end, own, self.names.get(self.year_end, ""))
        for y in range(p.year - years, p.year):
            same = own.get((y, p.occasion.id)) if p.occasion.id != self.year_end else None
            if same is not None:
                out.append(Earlier(same, y, self.names.get(p.occasion.id, "")))
            elif y in ends:
                out.append(ends[y])
        return out

    def assessment(self, kind: str, row_id: str, unit: str = COUNCIL) -> tuple[int, str] | None:
        """Last year's assessment of a row (same occasion, else year-end), as (year, label)."""
        got = self.values.get((unit, row_id), {})
        y = self.period.year - 1
        for occ in (self.period.occasion.id, self.year_end):
            v = got.get((y, occ))
            if v is not None and v[2]:
                return y, v[2]
        return None

    def comment(self, row_id: str, unit: str) -> str:
        """The unit's latest earlier comment on a row (same occasion last year, else last year-end)."""
        got = self.values.get((unit, row_id), {})
        for occ in (self.period.occasion.id, self.year_end):
            v = got.get((self.period.year - 1, occ))
            if v is not None and v[3]:
                return v[3]
        return ""


_PRECEDENCE = "CASE källa WHEN 'kolada' THEN 0 WHEN 'import' THEN 1 ELSE 2 END"


def load(path: str | Path | None, model: Model, period: Period, years: int = 4) -> History:
    """The store's earlier values for ``period``: the years before it that suggestions, workbooks
    and trends use (from the year before the mandate period, and at least ``years`` back).

    A store that does not exist yet gives an empty history (nothing is created). For one period,
    unit and ID, a value from a return wins over an imported one, which wins over Kolada's.
    """
    hist = History(model, period, Path(path) if path is not None else None)
    if path is None or not Path(path).is_file():
        return hist
    lo = min(model.mandate.start - 1, period.year - years,
             *(i.baseline.year for i in model.indicators if i.baseline is not None))
    con = connect(path)
    try:
        rows = con.execute(
            f"SELECT enhet, id, år, tillfälle, utfall, placering, bedömning, kommentar FROM värden "
            f"WHERE år >= ? AND år < ? ORDER BY {_PRECEDENCE}, modell = ?", (lo, period.year, model.id)).fetchall()
        if any(i.kolada for i in model.indicators):
            from .kolada import figures, has_cache

            if has_cache(con):
                hist.kolada = figures(con, model, period.year)
    except sqlite3.Error as e:
        raise _store_error(Path(path), "läsas", e) from None
    finally:
        con.close()
    values = hist.values
    for unit, rid, y, occ, v, rank, label, comment in rows:
        values.setdefault((unit, rid), {})[(y, occ)] = (v, rank, label or "", comment or "")
    return hist


# --------------------------------------------------------------------------- recording a consolidation


@dataclass
class Change:
    """One cell of a resubmitted return that differs from the previous consolidation of the period."""

    unit: str
    row_id: str
    kind: str
    what: str  # Utfall, Placering, Bedömning or Kommentar
    before: Any
    after: Any
    file: str
    sheet: str
    cell: str


CHANGE_COLUMNS = ("Enhet", "ID", "Typ", "Vad", "Före", "Efter", "Fil", "Blad", "Cell")


@dataclass
class Recorded:
    """What recording a consolidation did: its number, the units that resubmitted and what changed."""

    run: int
    resubmitted: list[str]
    changes: list[Change]
    values: int


# what a resubmission may change, by its Swedish name (as the Ändringar sheet shows it) and its workbook column key,
# in the order of the values compared: (utfall, placering, bedömning, kommentar)
_FIELD_COLUMN = {"Utfall": "outcome", "Placering": "rank", "Bedömning": "assessment", "Kommentar": "comment"}


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    return v


def _store_error(path: str | Path, what: str, e: sqlite3.Error) -> InputError:
    return InputError(f"{Path(path).name}: historiken kunde inte {what} ({sqlite_error_text(e)}); inget ändrades i den")


def record(path: str | Path, cons: Any) -> Recorded:
    """Record a follow-up consolidation in the store, in one transaction.

    Logs the consolidation and every accepted return (file name, SHA-256, unit, time), replaces
    the period's values from returns (units' and council's; imported and Kolada values stay),
    and finds the units whose return differs from the one consolidated for the period before,
    with what changed. A second process waits for the first (the busy timeout); a run stopped
    before the commit leaves the store as it was.
    """
    model, period = cons.model, cons.period
    d = cons.data
    mask = (d["Fil"] != "") | (d["Sammanställning"] == "kommun")
    sub = d.loc[mask, ["Enhet", "ID", "Typ", "Utfall", "Placering", "Bedömning", "Kommentar", "Fil", "Cell", "Område"]]
    cols = [sub[c].tolist() for c in sub.columns]  # plain lists: iterating pandas' own columns costs more than writing
    now = _now()
    with _write(path) as con:
        con.execute("PRAGMA cache_size = -65536")  # 64 MB: the index pages of a large period stay in memory
        last: dict[str, str] = dict(con.execute(
            "SELECT enhet, sha256 FROM inlämningar WHERE modell = ? AND period = ? ORDER BY id", (model.id, period.id)).fetchall())
        subs = list(cons.submissions)
        resubmitted = sorted({u for u, _f, digest in subs if u in last and last[u] != digest})
        before: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        if resubmitted:
            marks = ", ".join("?" for _ in resubmitted)
            for unit, kind, rid, *vals in con.execute(
                    f"SELECT enhet, typ, id, utfall, placering, bedömning, kommentar FROM värden WHERE modell = ? AND period = ? "
                    f"AND källa = 'inlämning' AND enhet IN ({marks})", (model.id, period.id, *resubmitted)):
                before[(unit, kind, rid)] = tuple(vals)
        run = cast(int, con.execute(  # an INSERT: lastrowid is the new row's id, never None
            "INSERT INTO konsolideringar (modell, modellhash, period, konsoliderad, malbokversion, filer, enheter) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (model.id, model.fingerprint(), period.id, now, __version__, cons.files_read, len(subs))).lastrowid)
        con.executemany(
            "INSERT INTO inlämningar (konsolidering, modell, period, enhet, fil, sha256, konsoliderad, ny_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(run, model.id, period.id, u, f, digest, now, int(u in resubmitted)) for u, f, digest in subs])
        con.execute("DELETE FROM värden WHERE år = ? AND period = ? AND modell = ? AND källa = 'inlämning'",
                    (period.year, period.id, model.id))
        # what is the same for every row is written into the statement, not bound for each row
        fixed = (model.id, period.id, period.year, period.occasion.id, period.occasion.month)
        sql = (f"INSERT INTO värden ({', '.join(_COLUMNS)}) VALUES ({', '.join(_sql(v) for v in fixed)}, ?, ?, ?, ?, ?, ?, ?, "
               f"'{SOURCE_RETURN}', {int(run)}, NULL, ?, ?)")
        rows = [(unit, rid, kind, None if v != v else v, None if rank != rank else rank, label or "", comment or "", file, cell)
                for unit, rid, kind, v, rank, label, comment, file, cell, _area in zip(*cols, strict=True)]
        con.executemany(sql, rows)
        changes = _changes(resubmitted, before, cols) if resubmitted else []
        _pause_for_tests()
    return Recorded(run, resubmitted, changes, len(rows))


@contextmanager
def _write(path: str | Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on the store: committed when the block ends, rolled back when it does not (an
    SQLite error then in Swedish, naming the file, and the store as it was); the connection closed either way."""
    con = connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield con
        con.execute("COMMIT")
    except BaseException as e:
        if con.in_transaction:
            con.execute("ROLLBACK")
        if isinstance(e, sqlite3.Error):
            raise _store_error(path, "sparas", e) from None
        raise
    finally:
        con.close()


def _sql(v: str | int) -> str:
    """A constant in an SQL statement: an integer, or a quoted text."""
    return str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"


def _changes(resubmitted: list[str], before: dict[tuple[str, str, str], tuple[Any, ...]], cols: list[list[Any]]) -> list[Change]:
    from .layout import sheet_name  # the unit workbook names its sheets so (a long area name shortened)

    wanted = set(resubmitted)
    out: list[Change] = []
    for unit, rid, kind, v, rank, label, comment, file, cell, area in zip(*cols, strict=True):
        if unit not in wanted:
            continue
        old = before.get((unit, kind, rid))
        now = (_value(v), _value(rank), label or "", comment or "")
        if old is None:
            old = (None, None, "", "")
        for what, a, b in zip(_FIELD_COLUMN, old, now, strict=True):
            if (a or None) != (b or None):
                out.append(Change(unit, rid, kind, what, "" if a is None else a, "" if b is None else b, file,
                                  sheet_name(area, set()) if area else "", _cell_of(cell, what)))
    return out


def _cell_of(outcome_cell: str, what: str) -> str:
    """Where a changed field stands: the outcome's own cell, else its row ('rad 12'), since a nämnd may
    have moved or inserted columns and only the outcome's cell is recorded."""
    if not outcome_cell:
        return ""
    if _FIELD_COLUMN[what] == "outcome":
        return outcome_cell
    from xlsxwriter.utility import xl_cell_to_rowcol

    row, _col = xl_cell_to_rowcol(outcome_cell)
    return f"rad {row + 1}"


def _pause_for_tests() -> None:
    """Tests only: with MALBOK_HISTORIK_TESTPAUS set to a file name (optionally ``|seconds``, default 60),
    write it and wait before the commit, holding the write lock, so a test can kill the process there
    (the store must then be as it was) or start a second writer."""
    marker = os.environ.get(_PAUSE_ENV)
    if marker:
        name, _, seconds = marker.partition("|")
        Path(name).write_text("väntar", encoding="utf-8")
        time.sleep(float(seconds or 60))


# --------------------------------------------------------------------------- import


@dataclass
class Imported:
    """The result of an import: how many values were written (0 when any row was bad), and the findings."""

    path: Path
    store: Path
    values: int
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


_HEADERS = {  # header as written (case-insensitive) -> key
    "år": "year", "ar": "year", "period": "period", "tillfälle": "occasion", "tillfalle": "occasion",
    "enhet": "unit", "id": "id", "utfall": "outcome", "värde": "outcome", "placering": "rank",
    "bedömning": "assessment", "bedomning": "assessment", "kommentar": "comment", "typ": "kind",
    "sammanställning": "level",
}


def _finding(file: str, sheet: str, row: int, col: int | None, header: str, rid: str, code: str, message: str) -> Finding:
    from xlsxwriter.utility import xl_rowcol_to_cell

    cell = xl_rowcol_to_cell(row - 1, col) if col is not None else ""
    where = f"rad {row}" + (f", kolumn {header}" if header else "")
    return Finding(file, sheet, cell, rid, code, f"{where}: {message}", ERROR)


def _read_table(path: Path) -> tuple[str, list[list[Any]]]:
    """The rows of a CSV (';' or ',', UTF-8 with or without BOM) or of an Excel sheet with an 'ID' column."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        import csv

        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{path.name}: CSV-filen är inte UTF-8; spara den som 'CSV UTF-8' i Excel") from None
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") >= first.count(",") else ","
        return "", [row for row in csv.reader(text.splitlines(), delimiter=sep)]
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        from .returns import sheet_rows

        try:
            wb = CalamineWorkbook.from_path(str(path))
        except Exception as e:  # noqa: BLE001 - calamine raises many kinds
            raise InputError(f"{path.name}: arbetsboken kan inte läsas ({str(e)[:160]})") from None
        for name in wb.sheet_names:
            rows = sheet_rows(wb, name)
            if any(_header_row(rows[:12])):
                return name, rows
        raise InputError(f"{path.name}: inget blad har en rubrikrad med kolumnerna ID och Utfall")
    raise InputError(f"{path.name}: okänd filtyp; importera en CSV-fil, en Excel-arbetsbok eller en KF.xlsx från malbok")


def _header_row(rows: list[list[Any]]) -> list[bool]:
    return [any(str(c).strip().casefold() == "id" for c in r) and any(str(c).strip().casefold() in ("utfall", "värde") for c in r)
            for r in rows]


def _is_kf(path: Path) -> bool:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        from python_calamine import CalamineWorkbook

        from .layout import META_SHEET

        return META_SHEET in CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # noqa: BLE001
        return False


def import_file(path: str | Path, model: Model, store: str | Path) -> Imported:
    """Import earlier values into the store: a CSV or Excel sheet, or a KF.xlsx made by malbok.

    Columns (headers, any order, case-insensitive): ``År`` or ``Period`` (``2015`` is that year's
    year-end; ``2015-delar`` a period of the model), optionally ``Tillfälle`` beside ``År``,
    ``Enhet`` (empty or missing: the council), ``ID``, ``Utfall``, and optionally ``Placering``,
    ``Bedömning``, ``Kommentar``. CSV: ``;`` or ``,`` between fields, decimal comma or point,
    UTF-8 with or without BOM. A KF.xlsx gives its ``Data`` sheet.

    All or nothing: every bad row is a finding (row and column), and when there is one, nothing
    is written. Importing the same values again replaces them.
    """
    path, store = Path(path), Path(store)
    if not path.is_file():
        raise InputError(f"{path.name}: filen finns inte")
    name = path.name
    findings: list[Finding] = []
    records: list[tuple[Any, ...]] = []
    if _is_kf(path):
        records = _kf_records(path, model, findings)
    else:
        sheet, rows = _read_table(path)
        records = _table_records(name, sheet, rows, model, findings)
    if not records and not findings:
        findings.append(Finding(name, "", "", "", "tom-import", "filen har inga rader med värden att importera", ERROR))
    if any(f.severity == ERROR for f in findings):
        return Imported(path, store, 0, findings)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with _write(store) as con:
        imp = con.execute("INSERT INTO importer (fil, sha256, modell, importerad, rader) VALUES (?, ?, ?, ?, ?)",
                          (name, digest, model.id, _now(), len(records))).lastrowid
        con.executemany(  # importing the same value again replaces it
            "DELETE FROM värden WHERE år = ? AND id = ? AND period = ? AND enhet = ? AND typ = ? AND modell = ? AND källa = 'import'",
            [(r[2], r[6], r[1], r[5], r[7], r[0]) for r in records])
        con.executemany(_INSERT, [(*r[:12], SOURCE_IMPORT, None, imp, name, r[12]) for r in records])
    return Imported(path, store, len(records), findings)


def _table_records(name: str, sheet: str, rows: list[list[Any]], model: Model, findings: list[Finding]) -> list[tuple[Any, ...]]:
    from .values import cell_text, fmt_sv, parse_number

    flags = _header_row(rows[:12])
    if not any(flags):
        cols_seen = ", ".join(str(c) for c in (rows[0] if rows else []) if str(c).strip()) or "inga"
        findings.append(Finding(name, sheet, "", "", "kolumn-saknas",
                                f"rubrikraden saknar kolumnerna ID och Utfall (kolumner: {cols_seen})", ERROR))
        return []
    h = flags.index(True)
    header = [str(c).strip() for c in rows[h]]
    cols: dict[str, int] = {}
    for i, text in enumerate(header):
        key = _HEADERS.get(text.casefold())
        if key and key not in cols:
            cols[key] = i
    if "year" not in cols and "period" not in cols:
        findings.append(Finding(name, sheet, "", "", "kolumn-saknas", f"rad {h + 1}: kolumnen År eller Period saknas", ERROR))
        return []
    units = {u.code for u in model.units}
    inds = {i.id: i for i in model.indicators}
    goals = {g.id for g in model.goals}
    occasions = {o.id: o for o in model.occasions}
    by_name = {o.name.casefold(): o for o in model.occasions}
    end = year_end(model)
    seen: dict[tuple[str, str, str], int] = {}
    out: list[tuple[Any, ...]] = []

    def get(r: list[Any], key: str) -> Any:
        i = cols.get(key)
        return r[i] if i is not None and i < len(r) else ""

    for n, r in enumerate(rows[h + 1:], start=h + 2):
        if all(cell_text(c) == "" for c in r):
            continue
        bad = len(findings)
        rid = cell_text(get(r, "id"))

        def fail(key: str | None, code: str, message: str, n: int = n, rid: str = rid) -> None:
            col = cols.get(key) if key else None
            findings.append(_finding(name, sheet, n, col, header[col] if col is not None else "", rid, code, message))

        period: Period | None = None
        if "period" in cols and cell_text(get(r, "period")):
            text = cell_text(get(r, "period"))
            if text.isdigit() and len(text) == 4:
                period = parse_period(model, f"{text}-{end}")
            else:
                try:
                    period = parse_period(model, text)
                except PeriodError as e:
                    fail("period", "okand-period", str(e))
        elif "year" in cols:
            text = cell_text(get(r, "year"))
            if not (text.isdigit() and len(text) == 4):
                fail("year", "okand-period", f"'{text}' är inte ett år (skriv t.ex. 2015)" if text else "året saknas")
            else:
                occ_text = cell_text(get(r, "occasion")).strip()
                occ = occasions.get(occ_text.lower()) or by_name.get(occ_text.casefold()) if occ_text else occasions[end]
                if occ is None:
                    fail("occasion", "okand-period", f"okänt tillfälle '{occ_text}'; modellen har: {', '.join(occasions)}")
                else:
                    period = Period(int(text), occ)
        else:
            fail("period", "okand-period", "perioden saknas")
        unit = cell_text(get(r, "unit")) or COUNCIL
        if unit.casefold() in ("kommunen", "kommun", "kf", "hela kommunen"):
            unit = COUNCIL
        elif unit not in units:
            fail("unit", "okand-enhet", f"enheten '{unit}' finns inte i styrmodellen; lämna tomt för kommunen")
        kind = KIND_INDICATOR
        ind = inds.get(rid)
        if not rid:
            fail("id", "okant-id", "ID saknas")
        elif ind is None:
            if rid in goals:
                kind = KIND_GOAL
            else:
                fail("id", "okant-id", f"'{rid}' är inget mål eller indikator i styrmodellen")
        value = rank = None
        parsed = parse_number(get(r, "outcome"))
        if parsed.error:
            fail("outcome", "ej-tal", parsed.error)
        else:
            value = parsed.value
            if value is not None and ind is not None and ind.measure.value == "procent" and not 0 <= value <= 100:
                fail("outcome", "utanfor-intervall", f"{fmt_sv(value)} ligger utanför 0–100 %")
        if "rank" in cols:
            parsed = parse_number(get(r, "rank"))
            if parsed.error:
                fail("rank", "ej-tal", parsed.error)
            else:
                rank = parsed.value
        label, comment = cell_text(get(r, "assessment")), cell_text(get(r, "comment"))
        if value is None and rank is None and not label and not comment and len(findings) == bad:
            fail("outcome", "ej-tal", "raden har inget utfall, ingen placering, bedömning eller kommentar")
        if len(findings) > bad or period is None:
            continue
        row_key = (period.id, unit, rid)
        if row_key in seen:
            fail("id", "dubblett-rad", f"{rid} för {unit} i {period.id} står redan på rad {seen[row_key]}")
            continue
        seen[row_key] = n
        out.append((model.id, period.id, period.year, period.occasion.id, period.occasion.month, unit, rid, kind,
                    value, rank, label, comment, ""))
    return out


def _kf_records(path: Path, model: Model, findings: list[Finding]) -> list[tuple[Any, ...]]:
    """The values of an earlier KF.xlsx (its Data sheet): the units' returned rows and the council's."""
    from .kfread import read_kf

    book = read_kf(path)
    if book.kind != "kf" or book.period is None:
        raise InputError(f"{path.name}: bara en KF.xlsx från uppföljningen kan importeras, inte en Budget.xlsx")
    p = book.period
    known = {i.id for i in model.indicators} | {g.id for g in model.goals}
    out: list[tuple[Any, ...]] = []
    data = book.data
    for n, rec in enumerate(data.itertuples(index=False), start=5):
        # itertuples gives namedtuples; pandas-stubs types them without _asdict
        row = cast(Any, rec)._asdict() if hasattr(rec, "_asdict") else dict(zip(data.columns, rec, strict=True))
        rid, unit = row["ID"], row["Enhet"]
        if row["Sammanställning"] == "enhet" and not row["Fil"]:
            continue  # a unit that sent nothing
        if row["Typ"] not in (KIND_INDICATOR, KIND_GOAL):
            continue
        value, rank = _value(row["Utfall"]), _value(row["Placering"])
        if value is None and rank is None and not row["Bedömning"] and not row["Kommentar"]:
            continue
        if rid not in known:
            findings.append(Finding(path.name, "Data", "", rid, "okant-id",
                                    f"rad {n}: '{rid}' finns inte i styrmodellen {model.id} (filen är från {book.model.id})", ERROR))
            continue
        occ = p.occasion
        out.append((model.id, p.id, p.year, occ.id, occ.month, unit, rid, row["Typ"], value, rank,
                    row["Bedömning"] or "", row["Kommentar"] or "", row["Cell"] or ""))
    return out


# --------------------------------------------------------------------------- show and export

EXPORT_COLUMNS = ("Period", "År", "Tillfälle", "Enhet", "ID", "Typ", "Utfall", "Placering", "Bedömning", "Kommentar",
                  "Källa", "Fil", "Modell")


def table(store: str | Path, ids: Iterable[str] | None = None) -> Any:
    """The store's values as a tidy table (pandas), one row per period, unit and ID, in time order.

    For one period, unit and ID the value from a return wins over an imported one (and Kolada's)."""
    import pandas as pd

    store = Path(store)
    if not store.is_file():
        raise InputError(f"{store.name}: historikfilen finns inte (den skapas vid första konsolideringen eller importen)")
    con = connect(store)
    try:
        wanted = list(ids or [])
        where = f"WHERE id IN ({', '.join('?' for _ in wanted)})" if wanted else ""
        rows = con.execute(
            f"SELECT period, år, tillfälle, månad, enhet, id, typ, utfall, placering, bedömning, kommentar, källa, fil, modell "
            f"FROM värden {where} ORDER BY {_PRECEDENCE}", wanted).fetchall()
    finally:
        con.close()
    best: dict[tuple[str, str, str, str], tuple[Any, ...]] = {}
    for r in rows:
        best[(r[0], r[4], r[6], r[5])] = r  # the later (preferred) source wins
    ordered = sorted(best.values(), key=lambda r: (r[5], r[4] != COUNCIL, r[4], r[1], r[3]))
    frame = pd.DataFrame([(r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13]) for r in ordered],
                         columns=list(EXPORT_COLUMNS))
    for col in ("Utfall", "Placering"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """A small text sparkline: '▁▃▅█' (a space for a missing value)."""
    nums = [v for v in values if v is not None]
    if not nums:
        return ""
    lo, hi = min(nums), max(nums)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif hi == lo:
            out.append(SPARKS[3])
        else:
            out.append(SPARKS[min(7, int((v - lo) / (hi - lo) * 7 + 0.5))])
    return "".join(out)


__all__ = ["History", "Imported", "Recorded", "Change", "SCHEMA", "store_path", "connect", "load", "record", "import_file",
           "table", "sparkline", "year_end"]
