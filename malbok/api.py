"""The Python functions behind every CLI command (and the Excel layer).

Each command of ``malbok`` is a thin shell over the function of the same name
here; see the README for both forms side by side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .layout import ROUND_FOLLOW_UP, ROUND_PLAN
from .load import ModelError, dump_yaml, load_model
from .model import Model
from .periods import periods_of_year

if TYPE_CHECKING:  # the public functions' result types; their modules are imported when the function runs
    import pandas as pd
    from typing_extensions import TypeIs

    from .consolidation import Consolidation
    from .findings import Finding
    from .history import Imported
    from .kfbook import SheetContent
    from .kolada import FetchReport, Row
    from .model import Measure, RankTarget
    from .periods import Period
    from .plan import PlanBook, PlanConsolidation, PlanReturn
    from .returns import Return
    from .targets import Suggestion
    from .workbook import Generated


def _model(model: Model | str | Path) -> Model:
    return model if isinstance(model, Model) else load_model(model)


def validate(path: str | Path) -> Model:
    """Read and check a styrmodell (YAML or xlsx); raise :class:`ModelError` with every problem."""
    return load_model(path)


def schema() -> dict[str, Any]:
    """The JSON Schema of the styrmodell's YAML form (Swedish keys), for editors."""
    from .model import json_schema

    sch = json_schema()
    sch["title"] = "malbok styrmodell"
    sch["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return sch


def periods(model: Model | str | Path, year: int) -> list[str]:
    """The period ids of one year, ``YYYY-<tillfälle>``, in calendar order."""
    return [p.id for p in periods_of_year(_model(model), year)]


def convert(src: str | Path, dst: str | Path) -> Path:
    """Convert a styrmodell between YAML and xlsx, chosen by the file extensions."""
    src, dst = Path(src), Path(dst)
    model = load_model(src)
    suffix = dst.suffix.lower()
    if suffix == ".xlsx":
        from .modelbook import write_model_book

        return write_model_book(model, dst)
    if suffix in (".yaml", ".yml"):
        from .util import atomic_write_bytes

        atomic_write_bytes(dst, dump_yaml(model).encode("utf-8"))
        return dst
    raise ModelError(dst.name, [(dst.name, "okänd filtyp för målet; välj .yaml, .yml eller .xlsx")])


def show(model: Model | str | Path) -> dict[str, Any]:
    """The model as plain data (Swedish keys), as ``malbok show --json`` prints it."""
    return _model(model).to_data()


def show_json(model: Model | str | Path) -> str:
    return json.dumps(show(model), ensure_ascii=False, indent=2)


PLAN_ROUND = ROUND_PLAN


def _round(round: str | None) -> str:
    r = (round or ROUND_FOLLOW_UP).strip().lower().replace("uppfoljning", ROUND_FOLLOW_UP)
    if r not in (ROUND_FOLLOW_UP, PLAN_ROUND):
        from .util import InputError

        raise InputError(f"okänd omgång '{round}'; välj uppföljning eller plan")
    return r


def _year(year: int | None) -> int:
    if year is None:
        from .util import InputError

        raise InputError("planomgången kräver --year, t.ex. --year 2014")
    return int(year)


def generate(
    model: Model | str | Path,
    period: str | None,
    out: str | Path,
    units: list[str] | None = None,
    password: str | None = None,
    progress: Any = None,
    round: str = "uppföljning",
    year: int | None = None,
    plan: str | Path | None = None,
    history: str | Path | bool | None = None,
) -> list[Generated] | list[PlanBook]:
    """Write one workbook per unit into ``out``.

    Follow-up (default): one workbook per unit that reports at ``period``; with
    ``plan`` (a Budget.xlsx from the plan round) the units' own goals and
    activities of that year are included. ``round="plan"``: one plan workbook
    per unit for ``year`` (own goals, activities, indicators, budget).
    Returns one record per unit asked for; a unit with nothing to do has ``path=None``.
    ``history``: the history store whose earlier values the follow-up workbooks show
    (default as for :func:`consolidate`).
    """
    from .periods import parse_period

    m = _model(model)
    codes = {u.code for u in m.units}
    unknown = [u for u in units or [] if u not in codes]
    if unknown:
        raise ModelError("--unit", [("--unit", f"okänd enhet '{u}'; modellen har: {', '.join(sorted(codes))}") for u in unknown])
    if _round(round) == PLAN_ROUND:
        from .plan import generate_plan

        return generate_plan(m, _year(year), Path(out), units or None, password, progress)
    from .workbook import generate as _generate

    if period is None:
        from .util import InputError

        raise InputError("ange --period, t.ex. --period 2016-delar")
    p = parse_period(m, period)
    store = _store(model, m, history)
    m = with_plans(m, plan, p.year)
    earlier = None
    if store is not None:
        from .history import load

        earlier = load(store, m, p)
    return _generate(m, p, Path(out), units or None, password, progress, history=earlier)


def with_plans(model: Model, plan: str | Path | None, year: int) -> Model:
    """The model with the units' plans of ``year`` (from a Budget.xlsx) as goals of the follow-up."""
    if plan is None:
        return model
    from .plan import apply_plans, load_plans

    return apply_plans(load_plans(plan, model), year)


def check_output(out: str | Path | None, returns: Any, others: Any = ()) -> None:
    """Refuse, before anything is read, an output that would overwrite an input.

    ``out`` may not be one of the returned files, lie inside a folder of
    returns (where it would be mixed up with them, and read as one next time),
    or be one of ``others`` (the model, the plan, a ``--prefer`` file).
    Raises :class:`~malbok.util.InputError` with a Swedish message.
    """
    import os

    from .util import InputError

    if out is None:
        return
    target = Path(out).resolve()
    items = [returns] if isinstance(returns, str | Path) else list(returns or [])

    def same(p: Path) -> bool:
        try:
            return p.resolve() == target or (target.exists() and p.exists() and os.path.samefile(p, target))
        except OSError:
            return False

    for item in items:
        p = Path(item)
        if p.is_dir():
            folder = p.resolve()
            if target == folder or target.is_relative_to(folder):
                raise InputError(f"--out {out} ligger i mappen med inlämnade arbetsböcker ({p}); malbok skriver aldrig bland "
                                 f"nämndernas filer. Välj en fil utanför mappen, t.ex. {folder.parent / target.name}")
            for f in (x for x in folder.iterdir() if x.is_symlink()):
                if same(f):
                    raise InputError(f"--out {out} är samma fil som {f.name} i mappen med inlämnade arbetsböcker; "
                                     "den skulle skrivas över. Välj ett annat namn")
        elif same(p):
            raise InputError(f"--out {out} är en av de inlämnade arbetsböckerna ({p.name}); den skulle skrivas över. "
                             "Välj ett annat namn, t.ex. KF.xlsx")
    for other in others or ():
        if other is not None and same(Path(other)):
            raise InputError(f"--out {out} är samma fil som {Path(other).name}, som malbok läser; den skulle skrivas över. "
                             "Välj ett annat namn")


def inspect(path: str | Path) -> Return | PlanReturn:
    """Read a unit workbook back: its identity, rows (ID, kind, filled or empty) and findings.

    A plan workbook gives its plan (own goals, activities, indicators, budget) instead.
    """
    from .returns import read_return

    ret = read_return(path)
    if ret.identity.round == PLAN_ROUND:
        from .kfread import embedded_model
        from .plan import read_plan_return

        return read_plan_return(path, embedded_model(path))
    return ret


@dataclass(frozen=True)
class WorkbookCheck:
    """What :func:`check_workbook` found: the findings of the workbook, and one Swedish status line."""

    findings: list[Finding]
    status: str
    errors: int
    warnings: int


def check_workbook(name: str, sheets: dict[str, list[list[Any]]]) -> WorkbookCheck:
    """Check one unit workbook from its sheets' values (as Excel has them, unsaved changes included),
    with the same rules as the consolidation, against the styrmodell the workbook carries.

    Behind the Kontrollera button of a unit workbook. A workbook that malbok did not write, or whose
    hidden sheets were damaged, raises :class:`~malbok.util.InputError` with the Swedish reason.
    """
    from datetime import datetime

    from .consolidation import consolidate as _consolidate
    from .findings import ERROR, WARNING, counted
    from .layout import META_SHEET, MODEL_SHEET
    from .util import InputError

    if META_SHEET not in sheets or MODEL_SHEET not in sheets:
        raise InputError("arbetsboken är inte skapad med malbok generate (identitetsbladen saknas)")
    model = Model.unpack([r[0] for r in sheets[MODEL_SHEET] if r and r[0]])
    meta = {str(r[0]): ("" if len(r) < 2 or r[1] is None else str(r[1])) for r in sheets[META_SHEET] if r and r[0]}
    cons = _consolidate(model, [], meta.get("period", ""), values={name: sheets})
    unit = meta.get("enhet", "")
    findings = [f for f in cons.findings if f.file == name]
    if unit and unit not in cons.consolidated_units and not findings:
        findings = [f for f in cons.findings if f.unit == unit]
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = sum(1 for f in findings if f.severity == WARNING)
    status = (f"Kontrollerad {datetime.now():%Y-%m-%d %H:%M}: {errors} fel, {counted(warnings, 'varning', 'varningar')}. "
              + ("Arbetsboken kan skickas in." if not errors else "Rätta felen innan arbetsboken skickas in."))
    return WorkbookCheck(findings, status, errors, warnings)


def consolidate(
    model: Model | str | Path,
    returns: Any,
    period: str | None,
    out: str | Path | None = None,
    prefer: list[str | Path] | None = None,
    progress: Any = None,
    round: str = "uppföljning",
    year: int | None = None,
    plan: str | Path | None = None,
    processes: int | None = None,
    history: str | Path | bool | None = None,
    docx: str | Path | None = None,
    csv: str | Path | None = None,
) -> Consolidation | PlanConsolidation:
    """Consolidate returned workbooks (files or folders): the one sequence behind ``malbok consolidate``,
    the Excel button and the demo.

    When something was consolidated, the result is written to ``out`` (KF.xlsx, or Budget.xlsx in the
    plan round), then the Word chapter to ``docx`` and the tidy table to ``csv`` from it, if given;
    ``.written`` lists the files written, in that order (nothing is written when no unit could be
    consolidated). Follow-up: for ``period`` (``plan``: the
    Budget.xlsx whose goals and activities the workbooks carry; ``processes``:
    how many processes read the files, by default one per core when there are
    many). ``round="plan"``: the plan workbooks of ``year``, writing Budget.xlsx
    to ``out`` if given.

    ``history`` is the history store (SQLite): suggestions compare with its
    earlier values, and the consolidation is recorded in it (the accepted
    returns and every value, in one transaction); ``.resubmitted`` and
    ``.changes`` then say which units sent a changed file for a period
    consolidated before, and what changed. By default (None) the store is
    beside the model file when ``model`` is a path (see
    :func:`malbok.history.store_path`); for a :class:`Model` object, the
    file it names (relative to the current folder), else none; ``False``: no history.
    """
    if out is None and (docx is not None or csv is not None):
        from .util import InputError

        raise InputError("Word-kapitlet och CSV-exporten görs från KF-arbetsboken (Budget.xlsx i planomgången): ange också --out")
    outputs = [Path(t).resolve() for t in (out, docx, csv) if t is not None]
    if len(set(outputs)) < len(outputs):
        from .util import InputError

        raise InputError("samma fil är angiven för två av utdata (--out, --docx, --csv); välj olika namn")
    for target in (out, docx, csv):
        check_output(target, returns, [model if not isinstance(model, Model) else None, plan, *(prefer or [])])
    m = _model(model)
    if _round(round) == PLAN_ROUND:
        from .plan import consolidate_plan, write_budget

        pc = consolidate_plan(m, returns, _year(year), prefer or (), progress)
        if out is not None and pc.consolidated_units:
            pc.written = [write_budget(pc, out), *_outputs(out, docx, csv)]
        return pc
    from .consolidation import consolidate as _consolidate
    from .periods import parse_period

    if period is None:
        from .util import InputError

        raise InputError("ange --period, t.ex. --period 2016-delar")
    p = parse_period(m, period)
    store = _store(model, m, history)
    from . import history as _history
    from .findings import WARNING, Finding
    from .util import InputError

    problem = ""
    try:
        earlier = _history.load(store, m, p) if store is not None else None
    except InputError as e:  # an unusable store never costs the council its follow-up
        earlier, problem = None, f"historiken lästes inte, så förslagen jämför inte med tidigare år: {e}"
    cons = _consolidate(with_plans(m, plan, p.year), returns, p, prefer or (), progress, processes=processes, history=earlier)
    if store is not None and cons.consolidated_units and not problem:
        try:
            done = _history.record(store, cons)
            cons.resubmitted, cons.changes = done.resubmitted, done.changes
        except InputError as e:
            problem = f"konsolideringen sparades inte i historiken: {e}"
    if problem:
        cons.findings.insert(0, Finding(Path(store).name if store else "", "", "", "", "historik-ej-sparad", problem, WARNING))
    if out is not None and cons.consolidated_units:
        from .kfbook import write_kf

        cons.written = [write_kf(cons, out), *_outputs(out, docx, csv)]
    return cons


def _outputs(book: str | Path, docx: str | Path | None, csv: str | Path | None) -> list[Path]:
    """The Word chapter and the tidy table made from a KF.xlsx or Budget.xlsx just written."""
    written = []
    if docx is not None:
        written.append(report(book, docx))
    if csv is not None:
        export(book, csv=csv)
        written.append(Path(csv))
    return written


def _store(model: Model | str | Path, m: Model, history: str | Path | bool | None) -> Path | None:
    """The history store to use: ``history`` when given, else the model's (beside its file, or the file
    it names); None for ``False``, and for a Model object that names none."""
    from .history import store_path

    if history is False:
        return None
    if history is not None and history is not True:
        return Path(history)
    return store_path(None if isinstance(model, Model) else model, None, m)


def history_store(model: str | Path, history: str | Path | None = None, loaded: Model | None = None) -> Path:
    """The history store of a model file: ``history`` (``--historik FIL``), else the file the model
    names (``historik:``), else ``<modell>.historik.sqlite`` beside it (``loaded``: the model, if read already)."""
    from .history import store_path

    found = store_path(model, history, loaded or load_model(model))
    assert found is not None
    return found


def history_import(file: str | Path, model: Model | str | Path, history: str | Path | None = None) -> Imported:
    """Import earlier years into the history store: a CSV or Excel sheet (``År`` or ``Period``,
    ``Enhet``, ``ID``, ``Utfall`` …) or a KF.xlsx made by malbok. All or nothing: returns a
    :class:`malbok.history.Imported` whose ``findings`` name row and column of every bad row;
    with an error nothing is written."""
    from .history import import_file

    m = _model(model)
    store = _store(model, m, history)
    if store is None:
        from .util import InputError

        raise InputError("ange historikfilen med --historik FIL (eller styrmodellen som fil)")
    return import_file(file, m, store)


def history_show(model: Model | str | Path | None, ids: list[str] | None = None, history: str | Path | None = None) -> pd.DataFrame:
    """The history store's values (a tidy pandas table), for some IDs or all, in time order
    (the store is ``history``, else the model's)."""
    from .history import table

    store = Path(history) if history is not None else _store(model, _model(model), None) if model is not None else None
    if store is None:
        from .util import InputError

        raise InputError("ange historikfilen med --historik FIL (eller styrmodellen som fil)")
    return table(store, ids)


def history_export(model: Model | str | Path | None, csv: str | Path | None = None, parquet: str | Path | None = None,
                   history: str | Path | None = None) -> pd.DataFrame:
    """Write the history store's tidy table as CSV (Swedish Excel) and/or Parquet; return it."""
    from .reports import write_tidy

    data = history_show(model, None, history)
    write_tidy(data, csv, parquet)
    return data


def report(kf: str | Path, docx: str | Path, mall: str | Path | None = None, suggestions: bool = True) -> Path:
    """Write the Word chapter (``.docx``) for a KF.xlsx or Budget.xlsx written by malbok.

    ``mall``: the municipality's own Word template (.docx); the chapter takes its styles, header, footer
    and logo. ``suggestions=False`` leaves out the column 'Bedömning enligt målvärdet'."""
    from .reports import report as _report

    return _report(kf, docx, mall, suggestions)


def export(kf: str | Path, csv: str | Path | None = None, parquet: str | Path | None = None) -> pd.DataFrame:
    """Write the tidy ``Data`` table of a KF.xlsx as CSV (Swedish Excel) and/or Parquet; return it."""
    from .reports import export as _export

    return _export(kf, csv, parquet)


@dataclass
class Demo:
    """What :func:`demo` wrote: the two rounds' files and the last consolidation."""

    model: Model
    period: Period
    before: Period | None  # last year's year-end, when the model had workbooks to make for it
    workbooks: list[Path]  # as sent (this period)
    returned: list[Path]  # as returned, the corrected file included
    kf: Path
    docx: Path
    csv: Path
    history: Path
    consolidation: Consolidation
    corrected: str | None  # the unit that sent a corrected file
    suggestions: tuple[int, int]  # (rows with malboks förslag, indicator rows with a target to judge by)

    _KEYS = {"modell": "model", "period": "period", "föregående": "before", "arbetsböcker": "workbooks",
             "inlämnade": "returned", "kf": "kf", "docx": "docx", "csv": "csv", "historik": "history",
             "konsolidering": "consolidation", "rättad": "corrected", "förslag": "suggestions"}

    def __getitem__(self, key: str) -> Any:
        """The result by the Swedish keys of the dict :func:`demo` returned before (``res["kf"]``), for older callers."""
        return getattr(self, self._KEYS[key])


def demo(out: str | Path, model: str | Path | None = None, period: str | None = None, progress: Any = None) -> Demo:
    """The whole round trip on a bundled model, two rounds a year apart, all into ``out``.

    First last year's year-end (into ``out/<period>/``), then ``period`` (the delårsrapport of the mandate's
    second year by default, :func:`demo_period`): workbooks that show last year's outcomes, filled as staff
    would (:mod:`malbok.filler`), consolidated, one unit sending a corrected file, consolidated again, and the
    reports. Both rounds are recorded in ``out/historik.sqlite``, which the suggestions, trends and the
    ``Ändringar`` sheet come from. Writes ``arbetsbocker/`` (as sent), ``inlamnade/`` (as returned),
    ``KF.xlsx``, ``Maluppfyllelse.docx`` and ``data.csv``; returns what was written.
    """
    import shutil

    from .consolidation import Consolidation as Consolidation_
    from .filler import correct_one, fill_workbook
    from .history import load, year_end
    from .load import bundled_model
    from .periods import parse_period

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    m = load_model(model or bundled_model())
    p = parse_period(m, period or demo_period(m))
    store = out / "historik.sqlite"
    for old in (store, out / "historik.sqlite-wal", out / "historik.sqlite-shm"):
        old.unlink(missing_ok=True)
    step = progress or (lambda _t: None)
    earlier = parse_period(m, f"{p.year - 1}-{year_end(m)}")
    made: list[Any] = []
    made_earlier: list[Any] = []
    returned = out / "inlamnade"
    for q, where in ((earlier, out / earlier.id), (p, out)):
        sent, returned = where / "arbetsbocker", where / "inlamnade"
        for d in (sent, returned):
            if d.exists():
                shutil.rmtree(d)
        step(f"Skapar arbetsböcker för {q.name}")
        made = [g for g in generate(m, q.id, sent, history=store) if g.path]  # they show last year's outcomes
        returned.mkdir(parents=True, exist_ok=True)
        hist = load(store, m, q)
        step("Fyller i som nämnderna")
        for g in made:
            target = returned / g.path.name
            shutil.copyfile(g.path, target)
            fill_workbook(target, m, q, g.unit, history=hist)
        step(f"Konsoliderar {q.name}")
        if q is earlier:
            made_earlier = made
            if made:
                consolidate(m, [returned], q.id, out=where / "KF.xlsx", history=store)
        else:
            consolidate(m, [returned], q.id, history=store)
    again = correct_one(m, p, made, returned)
    step("En nämnd lämnar in en rättad fil; konsoliderar igen")
    step("Konsoliderar och skriver rapporterna")
    cons = consolidate(m, [returned], p.id, out=out / "KF.xlsx", history=store, docx=out / "Maluppfyllelse.docx",
                       csv=out / "data.csv")
    assert isinstance(cons, Consolidation_)
    return Demo(m, p, earlier if made_earlier else None, [g.path for g in made if g.path is not None], sorted(returned.iterdir()),
                out / "KF.xlsx", out / "Maluppfyllelse.docx", out / "data.csv", store, cons, again, suggestion_count(cons))


def demo_period(model: Model) -> str:
    """The demo's period: the delårsrapport (else the first occasion) of the mandate's second year;
    when nobody reports then, the period of the mandate where the most units report (the first of equals)."""
    from .model import OccasionKind
    from .periods import parse_period
    from .scope import plan_workbook

    occ = next((o for o in model.occasions if o.kind == OccasionKind.INTERIM), model.occasions[0])
    year = min(model.mandate.start + 1, model.mandate.end)
    first = parse_period(model, f"{year}-{occ.id}")

    def reporting(q: Period) -> int:
        return sum(1 for u in model.units if plan_workbook(model, q, u.code).sheets)

    if reporting(first):
        return first.id
    candidates = [q for y in range(model.mandate.start, model.mandate.end + 1) for q in periods_of_year(model, y)]
    return max(candidates, key=reporting).id  # max keeps the first of equals


def suggestion_count(cons: Consolidation) -> tuple[int, int]:
    """How many indicator rows of a consolidation with a target that can be judged (all but report-only
    'redovisas') got a suggestion, of how many."""
    from .layout import KIND_INDICATOR
    from .model import ReportTarget

    inds = {i.id: i for i in cons.model.indicators}
    rows = cons.data[cons.data["Typ"] == KIND_INDICATOR]
    judgeable = [bool(inds[i].targets) and not all(isinstance(t, ReportTarget) for t in inds[i].targets)
                 if i in inds else False for i in rows["ID"]]
    if not any(judgeable):  # an empty list would select columns, not rows
        return 0, 0
    rows = rows[judgeable]
    return int((rows["Förslag"] != "").sum()), len(rows)


def excel_init(model: str | Path, period: str, returns: str | Path, out: str | Path = "workbooks/Konsolidering.xlsm",
               interpreter: str | None = None) -> Path:
    """Write the controller's ``Konsolidering.xlsm`` (the Konsolidera button, ``Inställningar`` filled from the
    arguments, xlwings' settings) and the ``.py`` beside it that the button imports; the workbook's path."""
    from .controllerbook import init_workbook

    return init_workbook(model, period, returns, out, interpreter)


WORKBOOKS_MODEL, WORKBOOKS_PERIOD = "Hallsberg", "2016-delar"  # the example Konsolidering.xlsm is set up for


def workbooks(out: str | Path = "workbooks") -> list[Path]:
    """Build the ready workbooks a controller starts from into ``out`` (the repository's ``workbooks/``), the
    same bytes every time; the paths written:

    - ``Konsolidering.xlsm`` with the Konsolidera button (and ``Konsolidering.py`` beside it), set up for the
      Hallsberg example (its ``Inställningar`` sheet says which model, period and folder; change them there);
    - ``modeller/<Kommun>.xlsx``: the three bundled styrmodeller as model workbooks, and ``Ny styrmodell.xlsx``,
      an empty one to fill in (every sheet with its headers);
    - ``inlamnade/``: the folder the button reads returns from, with a note.

    ``tests/test_startfiles.py`` fails when the committed folder differs from what this builds.
    """
    from .load import bundled_model
    from .util import atomic_write_bytes

    out = Path(out)
    models = out / "modeller"
    models.mkdir(parents=True, exist_ok=True)
    written = [convert(bundled_model(stem), models / f"{name}.xlsx")
               for stem, name in (("hallsberg", "Hallsberg"), ("soderhamn", "Söderhamn"), ("hallefors", "Hällefors"))]
    from .modelbook import write_model_book

    written.append(write_model_book(None, out / "Ny styrmodell.xlsx"))  # empty, to fill in
    returns = out / "inlamnade"
    returns.mkdir(exist_ok=True)
    note = returns / "LÄS MIG.txt"
    atomic_write_bytes(note, "Spara nämndernas ifyllda arbetsböcker i den här mappen och klicka på Konsolidera i "
                             "Konsolidering.xlsm.\n".encode())
    book = excel_init(models / f"{WORKBOOKS_MODEL}.xlsx", WORKBOOKS_PERIOD, returns, out / "Konsolidering.xlsm")
    return [*written, note, book, book.with_suffix(".py")]


def _kolada_store(model: Model | str | Path, store: str | Path | None) -> Path:
    if store is not None:
        return Path(store)
    if isinstance(model, Model):
        from .util import InputError

        raise InputError("ange historikfilen (--historik), t.ex. --historik hallsberg.historik.sqlite")
    return history_store(model)  # the same file as the rest of the history: the model's own, or beside it


def kolada_fetch(
    model: Model | str | Path,
    years: list[int] | str,
    kolada_url: str | None = None,
    store: str | Path | None = None,
    progress: Any = None,
    timeout: float | None = None,
) -> FetchReport:
    """Fetch the model's Kolada KPIs for ``years``, for the municipality and for every municipality (ranks).

    The values go into the history store (default: ``<model stem>.historik.sqlite``
    beside the model). ``kolada_url`` (else ``$MALBOK_KOLADA_URL``) is the API base
    ending in ``/v3/``. Returns a :class:`malbok.kolada.FetchReport`; failures are
    listed in it (Swedish), never raised, and earlier values stay in the store.
    """
    from .kolada import Client, fetch, parse_years

    m = _model(model)
    client = Client(kolada_url) if timeout is None else Client(kolada_url, timeout=timeout)
    ys = parse_years(years) if isinstance(years, str) else sorted(set(int(y) for y in years))
    return fetch(m, ys, _kolada_store(model, store), progress=progress, client=client)


def kolada_show(model: Model | str | Path, store: str | Path | None = None) -> list[Row]:
    """Every indicator with a Kolada id: Kolada's title, latest year and value, rank and n, from the store
    (offline). Returns :class:`malbok.kolada.Row` records."""
    from .kolada import rows

    return rows(_model(model), _kolada_store(model, store))


def kolada_judge(model: Model | str | Path, year: int, store: str | Path | None = None) -> dict[str, list[tuple[RankTarget, Suggestion]]]:
    """The rank targets that apply in ``year``, judged from Kolada's computed ranks in the store (offline).

    Indicator id -> ``[(RankTarget, Suggestion)]``, for the indicators with a Kolada id
    and a rank target; the reason reads "2016: plats 3 av 11; de 25 % bästa är plats 1–3".
    """
    from .kolada import connect, judge_indicator

    m = _model(model)
    path = _kolada_store(model, store)
    if not path.exists():
        return {}
    conn = connect(path)
    try:
        out = {ind.id: judge_indicator(conn, m, ind, year) for ind in m.indicators if ind.kolada}
    finally:
        conn.close()
    return {k: v for k, v in out.items() if v}


# -- for the shells: what the CLI and the Excel layer show besides a command's result, worked out here, so that
# neither imports the pipeline's modules (tests/test_core.py::test_the_shells_call_only_the_api)


def returned_files(returns: Any) -> list[Path]:
    """The workbooks a consolidation of ``returns`` (files and folders) reads, in order: a progress bar's length."""
    from .consolidation import collect_paths

    return collect_paths(returns)[0]


def is_plan(result: object) -> TypeIs[PlanBook | PlanConsolidation | PlanReturn]:
    """Whether a result of :func:`generate`, :func:`inspect` or :func:`consolidate` is the plan round's."""
    from .plan import PlanBook, PlanConsolidation, PlanReturn

    return isinstance(result, PlanBook | PlanConsolidation | PlanReturn)


def book_sheets(cons: Consolidation | PlanConsolidation) -> list[str]:
    """The sheets of the KF.xlsx (or Budget.xlsx) written from ``cons``, in the file's order."""
    from .consolidation import Consolidation

    if not isinstance(cons, Consolidation):
        return ["Översikt", "Budget", "Enheter", "Kontroll", "Data"]
    from .kfbook import history_sheets, kolada_sheets

    return ["Översikt", *(s.name for s in [*history_sheets(cons), *kolada_sheets(cons)]), "Enheter", "Kontroll", "Data"]


def summary_sentences(cons: Consolidation) -> list[str]:
    """KF.xlsx's summary in words: the whole kommun's sentence, then one per area."""
    from .kfbook import _summary_sentences

    return _summary_sentences(cons)


def kf_sheets(cons: Consolidation | PlanConsolidation) -> list[SheetContent]:
    """The follow-up's KF sheets as contents, for the Excel button to write into the controller's workbook."""
    from .consolidation import Consolidation
    from .kfbook import kf_sheets as _kf_sheets
    from .util import InputError

    if not isinstance(cons, Consolidation):
        raise InputError("Konsolidera-knappen sammanställer en uppföljning, inte verksamhetsplaner")
    return _kf_sheets(cons)


def target_text(target: object, measure: Measure | None = None) -> str:
    """A target in words, as the workbooks and reports write it ('minst 85 % 2015')."""
    from .model import Measure
    from .targets import target_text as _target_text

    return _target_text(target, measure or Measure.NUMBER)


def sparkline(values: list[float | None]) -> str:
    """A series as a line of block characters (▁▃▅█), a gap for a missing value."""
    from .history import sparkline as _sparkline

    return _sparkline(values)


def kolada_years(text: str) -> list[int]:
    """'2012-2016' or '2014,2016' as years (InputError in Swedish when it is neither)."""
    from .kolada import parse_years

    return parse_years(text)


def kolada_steps(model: Model) -> int:
    """How many steps :func:`kolada_fetch` reports to its ``progress`` for ``model`` (a progress bar's length)."""
    from .kolada import plan_steps

    return plan_steps(model)


def kolada_attribution() -> str:
    """The source line every Kolada figure is shown with."""
    from .kolada import ATTRIBUTION

    return ATTRIBUTION


SUGGESTED_LABELS = ("Uppfyllt", "På väg", "Ej uppfyllt")  # MALBOK_BEDOMNING's labels when the sheet gives none


def suggested_label(outcome: float | None, baseline: float | str | None, target: float | None, base_year: int | str | None,
                    target_year: int | None, year: int | None, month: int | None = 12, labels: Any = None) -> str:
    """malbok's suggested assessment of an outcome against the straight target path from the baseline (base year) to the
    target (target year), at the end of ``month`` of ``year``, in the scale's words: ``labels`` are its three labels for
    reached, on the way and not reached (a row or column of cells; empty ones take the defaults). '' when something
    needed is missing. The same rule as the consolidation (worksheet function MALBOK_BEDOMNING)."""
    from .model import MEANING_RANK
    from .targets import suggest_value

    if outcome is None or target is None or target_year is None or year is None:
        return ""
    start = int(base_year) if base_year not in (None, "") else None
    base = float(baseline) if baseline not in (None, "") else None
    sug = suggest_value(float(outcome), float(target), int(target_year), int(year) + int(month or 12) / 12, base, start)
    names = list(labels) if labels else list(SUGGESTED_LABELS)
    names = [str(x) for x in (names[0] if names and isinstance(names[0], list) else names) if x not in (None, "")]
    names += list(SUGGESTED_LABELS[len(names):])
    step = MEANING_RANK.get(sug.meaning) if sug.meaning is not None else None
    return names[step] if step is not None else ""


def target_path(baseline: float, target: float, base_year: int, target_year: int, year: int, month: int | None = 12) -> float:
    """The value on the straight target path from the baseline (base year) to the target (target year) at the end of
    ``month`` of ``year`` (worksheet function MALBOK_MALBANA)."""
    from .targets import path_value

    return path_value(float(baseline), float(target), int(base_year), int(target_year), int(year) + int(month or 12) / 12)
