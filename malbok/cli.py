"""The ``malbok`` command line: thin shells over :mod:`malbok.api`."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.tree import Tree

from . import api
from .errors import ModelError
from .findings import counted
from .messages import os_error_text, visible
from .model import MEASURE_SYMBOL, Model
from .sv_cli import SwedishGroup, install
from .util import InputError
from .values import fmt_number

install()  # Typer's own words in Swedish, before the commands are built

app = typer.Typer(
    help="malbok – mål- och resultatstyrning för svenska kommuner, i Excel.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=SwedishGroup,
)
model_app = typer.Typer(help="Arbeta med styrmodellens filer.", no_args_is_help=True)
app.add_typer(model_app, name="model")
excel_app = typer.Typer(help="Excel-arbetsboken med Konsolidera-knappen (xlwings).", no_args_is_help=True)
app.add_typer(excel_app, name="excel")
history_app = typer.Typer(help="Historiken: tidigare års utfall (en SQLite-fil bredvid styrmodellen).", no_args_is_help=True)
app.add_typer(history_app, name="history")
HISTORY_HELP = "Historikfilen (SQLite); standard: <modell>.historik.sqlite bredvid styrmodellen, eller den modellen anger"

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the user's own bad input into a Swedish message and exit 1, never a traceback (Ctrl+C: exit 130)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = _stop_on_sigterm()
        try:
            return fn(*args, **kwargs)
        except ModelError as e:
            err.print(f"[red]Fel:[/red] {_esc(visible(str(e.source)))}: {len(e.problems)} fel i styrmodellen", markup=True)
            for place, msg in e.problems:
                err.print(f"  {visible(str(place))}: {visible(str(msg))}", markup=False)
            raise typer.Exit(1) from None
        except InputError as e:
            err.print(f"Fel: {visible(str(e))}", markup=False)
            raise typer.Exit(1) from None
        except OSError as e:
            err.print(f"Fel: {os_error_text(e)}", markup=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt as e:
            err.print("Avbrutet. Det som redan var klart finns kvar; ingen fil är halvskriven.", markup=False)
            raise typer.Exit(143 if isinstance(e, _Terminated) else 130) from None
        finally:
            if previous is not _NOT_INSTALLED:
                signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)

    return wrapper


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl+C is: the temporary files are removed on the way out."""


def _stop_on_sigterm() -> Any:
    """Make SIGTERM stop the command as Ctrl+C does; the previous handler (``_NOT_INSTALLED`` outside the main thread)."""
    def stop(_signum: int, _frame: Any) -> None:
        raise _Terminated

    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        return _NOT_INSTALLED


_NOT_INSTALLED = object()


@app.command()
@user_errors
def validate(fil: Path = typer.Argument(..., help="Styrmodellen, .yaml eller .xlsx")) -> None:
    """Kontrollera en styrmodell. Slutkod 0 när den är giltig, 1 när den inte är det."""
    model = api.validate(fil)
    n_goals, n_ind = len(model.goals), len(model.indicators)
    out.print(
        f"{fil.name}: giltig styrmodell för {model.municipality.name} ({model.municipality.code}), "
        f"{counted(len(model.areas), 'område', 'områden')}, {n_goals} mål, {counted(n_ind, 'indikator', 'indikatorer')}, "
        f"{counted(len(model.units), 'enhet', 'enheter')}.",
        markup=False,
    )


@app.command()
def schema() -> None:
    """Skriv ut styrmodellens JSON Schema (för autokomplettering i editorer)."""
    sys.stdout.write(json.dumps(api.schema(), ensure_ascii=False, indent=2) + "\n")


@app.command()
@user_errors
def show(
    fil: Path = typer.Argument(..., help="Styrmodellen, .yaml eller .xlsx"),
    as_json: bool = typer.Option(False, "--json", help="Skriv modellen som JSON"),
) -> None:
    """Visa styrmodellen som ett träd (eller som JSON)."""
    model = api.validate(fil)
    if as_json:
        sys.stdout.write(api.show_json(model) + "\n")
        return
    out.print(model_tree(model))


def model_tree(model: Model) -> Tree:
    m = model
    root = Tree(f"[bold]{m.municipality.name}[/bold] ({m.municipality.code}) · mandatperiod {m.mandate.start}–{m.mandate.end}")
    root.add(f"Vision: [italic]{_esc(m.vision.title)}[/italic]")
    if m.values:
        root.add("Värdeord: " + ", ".join(_esc(v.name) for v in m.values))
    lv = root.add("Målnivåer")
    for level in m.levels:
        sc = m.scale(level.scale)
        lv.add(f"{_esc(level.name)} ({level.horizon or '–'}) · skala: " + " / ".join(_esc(lab.label) for lab in sc.labels))
    if m.indicator_scale:
        lv.add("Indikatorer direkt under områden · skala: " + " / ".join(_esc(lab.label) for lab in m.scale(m.indicator_scale).labels))
    for area in m.areas:
        node = root.add(f"[bold cyan]{_esc(area.name)}[/bold cyan]")
        children: dict[str | None, list] = {}
        for g in m.goals:
            if g.area == area.id:
                children.setdefault(g.parent, []).append(g)

        def add_goal(parent: Tree, g: Any, children: dict[str | None, list] = children) -> None:
            level = m.level(g.level).name
            follow = ", ".join(g.follow_up or m.level(g.level).follow_up) or "alla tillfällen"
            gnode = parent.add(f"[green]{_esc(level)}[/green] {g.id}: {_esc(g.text)} [dim]({' & '.join(g.reporters)}; {follow})[/dim]")
            for ind in m.indicators_of(g.id):
                gnode.add(_ind_line(m, ind))
            for child in children.get(g.id, []):
                add_goal(gnode, child)

        for g in children.get(None, []):
            add_goal(node, g)
        for g in m.goals:
            if g.area == area.id and g.parent is not None and g.parent not in {x.id for x in m.goals if x.area == area.id}:
                add_goal(node, g)
        for ind in m.indicators:
            if ind.goal is None and ind.area == area.id:
                node.add(_ind_line(m, ind))
    units = root.add("Enheter")
    for u in m.units:
        units.add(f"{u.code} – {_esc(u.name)} ({u.kind.value})")
    per = root.add("Uppföljningstillfällen")
    for o in m.occasions:
        per.add(f"{o.id}: {_esc(o.name)} (månad {o.month}, {o.kind.value})")
    if m.programmes:
        pr = root.add("Handlingsprogram")
        for p in m.programmes:
            pr.add(f"{p.id}: {_esc(p.name)} · uppföljning {', '.join(p.follow_up)}")
    return root


def _ind_line(m: Model, ind: Any) -> str:
    targets = "; ".join(api.target_text(t, ind.measure) for t in ind.targets) or "inget målvärde"
    unit = MEASURE_SYMBOL[ind.measure] or "tal"
    return f"[yellow]Indikator[/yellow] {ind.id}: {_esc(ind.short)} [dim]({unit}; {_esc(targets)}; {' & '.join(m.indicator_units(ind))})[/dim]"


def _esc(text: str) -> str:
    return text.replace("[", "\\[")


@app.command()
@user_errors
def periods(
    fil: Path = typer.Argument(..., help="Styrmodellen"),
    year: int = typer.Option(..., "--year", help="Året, t.ex. 2025"),
) -> None:
    """Skriv periodernas id för ett år, ett per rad (t.ex. 2011-maj, 2025-delar)."""
    for pid in api.periods(fil, year):
        sys.stdout.write(pid + "\n")


@model_app.command("convert")
@user_errors
def convert(
    src: Path = typer.Argument(..., help="Källa: .yaml eller .xlsx"),
    dst: Path = typer.Argument(..., help="Mål: .xlsx eller .yaml"),
) -> None:
    """Konvertera en styrmodell mellan YAML och Excel (väljs av filändelsen)."""
    path = api.convert(src, dst)
    out.print(f"Skrev {path}", markup=False)


def _progress(auto_refresh: bool = True) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, auto_refresh=auto_refresh)


def _ticker(prog: Any, task: Any) -> Callable[[str], None]:
    """Advance ``task`` by one and redraw the bar at most ten times a second, without rich's drawing thread
    (the consolidation starts its worker processes only while it is the one thread)."""
    last = [0.0]

    def tick(_name: str) -> None:
        prog.advance(task)
        now = time.monotonic()
        if now - last[0] >= 0.1:
            last[0] = now
            prog.refresh()

    return tick


@app.command()
@user_errors
def generate(
    model: Path = typer.Argument(..., help="Styrmodellen, .yaml eller .xlsx"),
    period: str = typer.Option(None, "--period", help="Perioden, t.ex. 2016-delar (se malbok periods)"),
    out: Path = typer.Option(..., "--out", metavar="MAPP", help="Mapp för arbetsböckerna"),
    unit: list[str] = typer.Option(None, "--unit", help="Bara dessa enheter (kod); kan upprepas"),
    password: str = typer.Option(None, "--password", help="Lösenord för bladskyddet (standard: inget)"),
    round_: str = typer.Option("uppföljning", "--round", help="uppföljning (standard) eller plan"),
    year: int = typer.Option(None, "--year", help="Planåret, med --round plan"),
    plan: Path = typer.Option(None, "--plan", help="Budget.xlsx från planomgången: nämndernas mål och aktiviteter följs upp"),
    historik: Path = typer.Option(None, "--historik", help=HISTORY_HELP),
) -> None:
    """Skapa en arbetsbok per enhet: uppföljning för en period, eller verksamhetsplan för ett år (--round plan)."""
    from rich.table import Table

    m = api.validate(model)
    is_plan = api._round(round_) == api.PLAN_ROUND
    if not is_plan and period is None:
        raise typer.BadParameter("ange --period, t.ex. --period 2016-delar")
    with _progress() as prog:
        task = prog.add_task("Skapar arbetsböcker", total=len(unit or m.units))
        results = api.generate(m, period, out, unit or None, password, lambda _c: prog.advance(task),
                               round=round_, year=year, plan=plan, history=api.history_store(model, historik, m))
    table = Table(title=f"Arbetsböcker i {out}")
    cols = ("Enhet", "Fil", "Fullmäktiges mål", "Ram (tkr)") if is_plan else ("Enhet", "Fil", "Mål", "Indikatorer")
    for col in cols:
        table.add_column(col)
    for r in results:
        name = r.path.name if r.path else "– (inget att " + ("planera" if is_plan else "rapportera") + ")"
        if api.is_plan(r):
            table.add_row(r.unit, name, str(r.goals), fmt_number(r.frame, 0) if r.frame is not None else "–")
        else:
            table.add_row(r.unit, name, str(r.goals), str(r.indicators))
    out.mkdir(parents=True, exist_ok=True)
    outp = Console(highlight=False, width=max(out_width(), 100))
    outp.print(table)
    written = sum(1 for r in results if r.path)
    skipped = [r.unit for r in results if not r.path]
    outp.print(f"{counted(written, 'arbetsbok skriven', 'arbetsböcker skrivna')}.", markup=False)
    if skipped:
        outp.print(f"Ingen fil för {', '.join(skipped)}: enheten har inget att {'planera' if is_plan else 'rapportera'} "
                   f"{'året' if is_plan else 'i perioden'}.", markup=False)


def out_width() -> int:
    return out.width


@app.command()
@user_errors
def inspect(fil: Path = typer.Argument(..., help="En arbetsbok skapad med malbok generate")) -> None:
    """Läs tillbaka en arbetsbok: identitet och rader (ID, typ, ifylld eller tom)."""
    from rich.table import Table

    ret = api.inspect(fil)
    if api.is_plan(ret):
        _inspect_plan(ret)
        return
    if ret.identity:
        out.print("Identitet:", markup=False)
        for k, v in ret.identity.pairs():
            out.print(f"  {visible(k)}: {visible(v)}", markup=False)
    if ret.rows:
        table = Table(title=f"Rader i {fil.name}")
        for col in ("Blad", "Rad", "ID", "Typ", "Status"):
            table.add_column(col)
        for rr in ret.rows.values():
            exp = next((e for e in ret.expected if e.id == rr.id and e.kind == rr.kind), None)
            needed = [k for k in (exp.inputs if exp else ()) if k in ("outcome", "assessment")]
            filled = [k for k in needed if rr.filled(k)]
            status = "ifylld" if needed and len(filled) == len(needed) else "delvis ifylld" if filled else "tom"
            if not needed:
                status = "ifylld" if rr.filled("comment") else "tom"
            table.add_row(visible(rr.sheet), str(rr.row), visible(rr.id), visible(rr.kind), status)
        Console(highlight=False, width=max(out.width, 100)).print(table)
    for f in ret.findings:
        err.print(f"{f.severity.capitalize()}: {visible(f.place())}: {visible(f.message)}", markup=False)
    if not ret.readable:
        raise typer.Exit(1)


def _inspect_plan(ret: Any) -> None:
    from rich.table import Table

    out.print("Identitet:", markup=False)
    for k, v in ret.identity.pairs():
        out.print(f"  {visible(k)}: {visible(v)}", markup=False)
    plan = ret.plan
    table = Table(title=f"Verksamhetsplan {plan.year} i {ret.name}")
    for col in ("Plats", "ID", "Typ", "Kopplat till", "Text"):
        table.add_column(col, overflow="fold")
    for kind, items in (("Nämndmål", plan.goals), ("Aktivitet", plan.activities), ("Indikator", plan.indicators)):
        for it in items:
            sheet, cell = ret.cells.get(it.id, ("", ""))
            link = getattr(it, "parent", None) if kind == "Nämndmål" else getattr(it, "goal", None)
            table.add_row(visible(f"{sheet}!{cell}"), visible(it.id), kind, visible(link or "–"), visible(it.text))
    Console(highlight=False, width=max(out.width, 110)).print(table)
    out.print(f"Budget: {counted(len(plan.budget), 'rad', 'rader')}, summa {fmt_number(plan.total, 1)} tkr"
              + (f", ram {fmt_number(ret.frame, 1)} tkr" if ret.frame is not None else "") + ".", markup=False)
    for f in ret.findings:
        err.print(f"{f.severity.capitalize()}: {visible(f.place())}: {visible(f.message)}", markup=False)


@app.command()
@user_errors
def consolidate(
    model: Path = typer.Argument(..., help="Styrmodellen"),
    returns: list[Path] = typer.Argument(..., help="Mapp eller filer med inlämnade arbetsböcker"),
    period: str = typer.Option(None, "--period", help="Perioden, t.ex. 2016-delar"),
    out: Path = typer.Option(..., "--out", help="Arbetsboken som skrivs, t.ex. KF.xlsx (eller Budget.xlsx i planomgången)"),
    prefer: list[Path] = typer.Option(None, "--prefer", help="Välj denna fil när en enhet lämnat två olika"),
    strict: bool = typer.Option(False, "--strict", help="Slutkod 1 om något fel hittades"),
    round_: str = typer.Option("uppföljning", "--round", help="uppföljning (standard) eller plan"),
    year: int = typer.Option(None, "--year", help="Planåret, med --round plan"),
    plan: Path = typer.Option(None, "--plan", help="Budget.xlsx vars mål och aktiviteter arbetsböckerna följer upp"),
    processes: int = typer.Option(None, "--processer", min=1,
                                  help="Antal processer som läser filerna (standard: en per kärna när filerna är många; 1 = en i taget)"),
    historik: Path = typer.Option(None, "--historik", help=HISTORY_HELP),
    docx: Path = typer.Option(None, "--docx", help="Skriv också Word-kapitlet, t.ex. Maluppfyllelse.docx"),
    csv: Path = typer.Option(None, "--csv", help="Skriv också den långa tabellen som CSV för svenskt Excel, t.ex. data.csv"),
) -> None:
    """Konsolidera inlämnade arbetsböcker till fullmäktiges uppföljning (KF.xlsx) eller budgetdokumentet (Budget.xlsx).

    Med --docx och --csv skrivs också Word-kapitlet och den långa tabellen, som knappen Konsolidera gör.
    Slutkod 0 när filen skrevs, 1 med --strict när fel hittades, 2 när inget kunde konsolideras.
    """
    for target in (out, docx, csv):  # before anything is read
        api.check_output(target, returns, [model, plan, *(prefer or [])])
    m = api.validate(model)
    is_plan = api._round(round_) == api.PLAN_ROUND
    if not is_plan and period is None:
        raise typer.BadParameter("ange --period, t.ex. --period 2016-delar")
    files = api.returned_files(returns)
    with _progress(auto_refresh=False) as prog:
        task = prog.add_task("Läser arbetsböcker", total=max(len(files), 1))
        cons = api.consolidate(m, returns, period, out=out, prefer=list(prefer or []), progress=_ticker(prog, task),
                               round=round_, year=year, plan=plan, processes=processes,
                               history=None if is_plan else api.history_store(model, historik, m), docx=docx, csv=csv)
    _summary(cons, out, strict)


def _summary(cons: Any, out_path: Path, strict: bool) -> None:
    from rich.table import Table

    errors, warnings = cons.errors, cons.warnings
    con = Console(highlight=False, width=max(out.width, 120))
    if errors or warnings:
        table = Table(title="Kontroll (första 40)")
        for col in ("Allvar", "Plats", "ID", "Meddelande"):
            table.add_column(col, overflow="fold")
        for f in (errors + warnings)[:40]:
            table.add_row(f.severity, visible(f.place()), visible(f.row_id), visible(f.message))
        con.print(table)
    con.print(
        f"{cons.files_summary()} · {counted(len(cons.consolidated_units), 'enhet konsoliderad', 'enheter konsoliderade')} · "
        f"enheter som saknas: {', '.join(cons.missing_units) or 'inga'} · {cons.findings_summary()}",
        markup=False,
    )
    if not cons.consolidated_units:
        err.print("Inget kunde konsolideras; ingen fil skrevs.", markup=False)
        raise typer.Exit(2)
    again = resubmitted_sentence(getattr(cons, "resubmitted", []))
    if again:
        con.print(again, markup=False)
    names = api.book_sheets(cons)
    sheets = f"{', '.join(names[:-1])} och {names[-1]}"
    con.print(f"Skrev {out_path} (se bladen {sheets}).", markup=False)
    for also in cons.written[1:]:
        con.print(f"Skrev {also}.", markup=False)
    if errors and strict:
        raise typer.Exit(1)


def resubmitted_sentence(units: list[str]) -> str:
    """'2 enheter har lämnat in på nytt (BIN, SN); ändringarna står i bladet Ändringar.' ('' for none)."""
    if not units:
        return ""
    word = "enhet" if len(units) == 1 else "enheter"
    return f"{len(units)} {word} har lämnat in på nytt ({', '.join(units)}); ändringarna står i bladet Ändringar."


@history_app.command("import")
@user_errors
def history_import(
    fil: Path = typer.Argument(..., help="CSV, Excel-blad eller en tidigare KF.xlsx från malbok"),
    model: Path = typer.Option(..., "--model", help="Styrmodellen som värdena hör till"),
    historik: Path = typer.Option(None, "--historik", help=HISTORY_HELP),
) -> None:
    """Importera tidigare års utfall till historiken. Allt eller inget: en felaktig rad ger ett fel med rad och kolumn, och inget skrivs."""
    res = api.history_import(fil, model, historik)
    for f in res.findings:
        err.print(f"{f.severity.capitalize()}: {f.place()}: {f.message}", markup=False)
    if res.errors:
        err.print(f"{len(res.errors)} fel i {fil.name}; inget importerades.", markup=False)
        raise typer.Exit(1)
    out.print(f"Importerade {res.values} {'värde' if res.values == 1 else 'värden'} från {fil.name} till {res.store}.", markup=False)


@history_app.command("show")
@user_errors
def history_show(
    model: Path = typer.Argument(None, help="Styrmodellen (behövs inte med --historik)"),
    ids: list[str] = typer.Option(None, "--id", help="Bara dessa ID (kan upprepas)"),
    historik: Path = typer.Option(None, "--historik", help=HISTORY_HELP),
) -> None:
    """Visa historikens serier: en rad per indikator och enhet, utfallen per period och en liten kurva."""
    from rich.table import Table

    data = api.history_show(model, ids or None, historik)
    if data.empty:
        out.print("Historiken har inga värden" + (f" för {', '.join(ids)}" if ids else "") + ".", markup=False)
        return
    periods_shown = list(dict.fromkeys(data.sort_values(["År"], kind="stable")["Period"]))[-6:]  # the six latest
    table = Table(title=f"Historik ({counted(len(data), 'värde', 'värden')})")
    for col in ("ID", "Enhet", *periods_shown, "Kurva"):
        table.add_column(col, justify="right" if col in periods_shown else "left")
    for (rid, unit), rows in data.groupby(["ID", "Enhet"], sort=False):
        by: dict[str, float | None] = {str(r.Period): float(r.Utfall) if isinstance(r.Utfall, int | float) and r.Utfall == r.Utfall
                                       else None for r in rows.itertuples()}
        table.add_row(str(rid), str(unit), *(fmt_number(by[p]) if by.get(p) is not None else "–" for p in periods_shown),
                      api.sparkline(list(by.values())))
    Console(highlight=False, width=max(out.width, 100)).print(table)


@history_app.command("export")
@user_errors
def history_export(
    model: Path = typer.Argument(None, help="Styrmodellen (behövs inte med --historik)"),
    csv: Path = typer.Option(None, "--csv", help="CSV för svenskt Excel (UTF-8, semikolon, decimalkomma)"),
    parquet: Path = typer.Option(None, "--parquet", help="Parquet-fil (kräver pyarrow)"),
    historik: Path = typer.Option(None, "--historik", help=HISTORY_HELP),
) -> None:
    """Exportera historiken som en lång tabell (en rad per period, enhet och ID)."""
    data = api.history_export(model, csv, parquet, historik)
    for p in (csv, parquet):
        if p is not None:
            out.print(f"Skrev {p} ({counted(len(data), 'rad', 'rader')}).", markup=False)


@app.command()
@user_errors
def report(
    kf: Path = typer.Argument(..., help="KF.xlsx (eller Budget.xlsx) från malbok consolidate"),
    docx: Path = typer.Option(..., "--docx", help="Word-filen som skrivs, t.ex. Maluppfyllelse.docx"),
    mall: Path = typer.Option(None, "--mall", help="Kommunens Word-mall (.docx eller .dotx): kapitlet får mallens format, sidhuvud, sidfot och logotyp"),
    utan_forslag: bool = typer.Option(False, "--utan-forslag", help="Utelämna kolumnen 'Bedömning enligt målvärdet'"),
) -> None:
    """Skriv ett Word-kapitel om måluppfyllelsen, färdigt att klistra in i delårsrapport eller årsredovisning."""
    path = api.report(kf, docx, mall, suggestions=not utan_forslag)
    out.print(f"Skrev {path}.", markup=False)


@app.command()
@user_errors
def export(
    kf: Path = typer.Argument(..., help="KF.xlsx från malbok consolidate"),
    csv: Path = typer.Option(None, "--csv", help="CSV för svenskt Excel (UTF-8, semikolon, decimalkomma)"),
    parquet: Path = typer.Option(None, "--parquet", help="Parquet-fil (kräver pyarrow)"),
) -> None:
    """Exportera den långa tabellen (bladet Data) som CSV och/eller Parquet."""
    data = api.export(kf, csv, parquet)
    for p in (csv, parquet):
        if p is not None:
            out.print(f"Skrev {p} ({counted(len(data), 'rad', 'rader')}).", markup=False)


@app.command()
@user_errors
def demo(
    out_dir: Path = typer.Option(Path("demo"), "--out", metavar="MAPP", help="Mapp där allt skrivs (standard: demo)"),
    model: Path = typer.Option(None, "--model", help="Styrmodell (standard: den medföljande Hallsbergsmodellen)"),
    period: str = typer.Option(None, "--period", help="Period (standard: delårsrapporten modellens andra år; rapporterar ingen då, perioden där flest enheter rapporterar)"),
) -> None:
    """Hela varvet på en exempelmodell: arbetsböcker, ifyllda svar, KF.xlsx, Word-kapitel och CSV."""
    with _progress() as prog:
        task = prog.add_task("Demo", total=8)

        def step(text: str) -> None:
            prog.update(task, description=text)
            prog.advance(task)

        res = api.demo(out_dir, model, period, step)
    cons = res.consolidation
    m = res.model
    con = Console(highlight=False, width=max(out.width, 100))
    before = res.before
    if before is not None:
        con.print(f"Först {before.name}, sedan ett år senare {res.period.name}; båda finns i historiken {res.history}.", markup=False)
    con.print(f"{m.municipality.name}, {res.period.name}: "
              f"{counted(len(res.workbooks), 'arbetsbok skapad och ifylld', 'arbetsböcker skapade och ifyllda')}, "
              f"{counted(len(cons.consolidated_units), 'enhet konsoliderad', 'enheter konsoliderade')}, {len(cons.errors)} fel, "
              f"{counted(len(cons.warnings), 'varning', 'varningar')}.", markup=False)
    again = resubmitted_sentence(cons.resubmitted)
    if again:
        con.print(again, markup=False)
    got, total = res.suggestions
    con.print(f"malboks förslag till bedömning: {got} av {total} indikatorrader med bedömbart målvärde "
              f"(allt utom ”redovisas”).", markup=False)
    for s in api.summary_sentences(cons):
        con.print(f"  {s}", markup=False)
    con.print("Titta på:", markup=False)
    if before is not None:
        con.print(f"  {out_dir / before.id}  förra årets runda: arbetsböcker, inlämnade och KF.xlsx", markup=False)
    con.print(f"  {out_dir / 'arbetsbocker'}  arbetsböckerna som skickas till nämnderna (med förra årets utfall)", markup=False)
    con.print(f"  {out_dir / 'inlamnade'}  samma arbetsböcker ifyllda, som de kommer tillbaka", markup=False)
    con.print(f"  {res.kf}  fullmäktiges uppföljning (Översikt, områden, Trend, Ändringar, Enheter, Kontroll, Data)", markup=False)
    con.print(f"  {res.docx}  Word-kapitlet om måluppfyllelsen, med tidigare år och trend", markup=False)
    con.print(f"  {res.csv}  den långa tabellen för ekonomisystem och Excel", markup=False)
    con.print(f"  {res.history}  historiken (SQLite): malbok history show --historik {res.history}", markup=False)


kolada_app = typer.Typer(help="Koladas nyckeltal: hämta till historikfilen och visa placering bland kommunerna.",
                         no_args_is_help=True)
app.add_typer(kolada_app, name="kolada")


@kolada_app.command("fetch")
@user_errors
def kolada_fetch(
    model: Path = typer.Argument(..., help="Styrmodellen, .yaml eller .xlsx"),
    years: str = typer.Option(..., "--years", help="År att hämta, t.ex. 2012-2016 eller 2014,2016"),
    kolada_url: str = typer.Option(None, "--kolada-url", help="Koladas API-adress som slutar på /v3/ "
                                   "(standard: $MALBOK_KOLADA_URL, annars https://api.kolada.se/v3/)"),
    historik: Path = typer.Option(None, "--historik", help="Historikfilen (standard: <modell>.historik.sqlite bredvid modellen)"),
    timeout: float = typer.Option(None, "--timeout", min=0.1, help="Sekunder att vänta på varje svar (standard 30)"),
) -> None:
    """Hämta modellens nyckeltal från Kolada för kommunen och för alla kommuner (för placeringen).

    Slutkod 0 när allt hämtades, 1 när något inte kunde hämtas (tidigare hämtade värden finns kvar).
    """
    m = api.validate(model)
    ys = api.kolada_years(years)
    with _progress() as prog:
        task = prog.add_task("Kolada", total=max(api.kolada_steps(m), 1))

        def step(text: str) -> None:
            prog.update(task, description=text)
            prog.advance(task)

        rep = api.kolada_fetch(m, ys, kolada_url, api.history_store(model, historik, m), step, timeout)
    span = f"{ys[0]}–{ys[-1]}" if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)) else ", ".join(map(str, ys))
    n = len(rep.kpis)
    out.print(f"Kolada ({rep.base_url}), {n} nyckeltal för {m.municipality.name} "
              f"({m.municipality.code}) och alla kommuner, år {span}: {counted(rep.new_values, 'nytt värde', 'nya värden')}, "
              f"{counted(rep.unchanged_values, 'oförändrat', 'oförändrade')}, "
              f"{counted(len(rep.revisions), 'ändrat av Kolada', 'ändrade av Kolada')} · "
              f"{counted(rep.requests, 'anrop', 'anrop')}.", markup=False)
    if rep.incremental:
        out.print("Bara ändringar hämtades (from_date) för: " + "; ".join(rep.incremental) + ".", markup=False)
    if rep.revisions:
        out.print(f"Kolada har ändrat {counted(len(rep.revisions), 'värde', 'värden')} sedan förra hämtningen (gammalt → nytt):",
                  markup=False)
        own = sorted(rep.revisions, key=lambda r: (r.municipality != rep.municipality, r.kpi, r.municipality, r.year))
        for r in own[:40]:  # the municipality's own first
            out.print(f"  {r.text()}", markup=False)
        if len(own) > 40:
            out.print(f"  … och {len(own) - 40} till (alla finns i tabellen kolada_revision i {rep.store.name}).",
                      markup=False)
    if rep.retries:
        out.print(f"{counted(len(rep.retries), 'anrop', 'anrop')} fick göras om "
                  f"({', '.join(sorted({r.reason for r in rep.retries}))}).", markup=False)
    for note in rep.notes:
        out.print(f"Obs: {note}", markup=False)
    for p in rep.problems:
        err.print(f"Problem: {p}", markup=False)
    out.print(f"Värdena finns i {rep.store}.", markup=False)
    _kolada_table(api.kolada_show(m, rep.store))
    if rep.problems:
        err.print("Det som inte kunde hämtas nu visas från tidigare hämtningar, om några finns.", markup=False)
        raise typer.Exit(1)


@kolada_app.command("show")
@user_errors
def kolada_show(
    model: Path = typer.Argument(..., help="Styrmodellen, .yaml eller .xlsx"),
    historik: Path = typer.Option(None, "--historik", help="Historikfilen (standard: <modell>.historik.sqlite bredvid modellen)"),
) -> None:
    """Visa modellens nyckeltal från Kolada: titel, senaste år och värde, placering och antal kommuner (utan nät)."""
    m = api.validate(model)
    store = api.history_store(model, historik)
    if not store.exists():
        out.print(f"Inget hämtat från Kolada ännu ({store} finns inte). "
                  f"Kör: malbok kolada fetch {model} --years 2012-2016", markup=False)
    _kolada_table(api.kolada_show(m, store))


def _kolada_table(rows: list[Any]) -> None:
    from rich.table import Table

    if not rows:
        out.print("Styrmodellen har inga indikatorer med Kolada-id (fältet kolada).", markup=False)
        return
    table = Table(title="Nyckeltal från Kolada")
    for col in ("Indikator", "Nyckeltal", "Koladas titel", "År", "Värde", "Placering", "n", "Median"):
        table.add_column(col, overflow="fold")
    for r in rows:
        pos = r.position
        table.add_row(r.indicator, r.kpi, r.title or "– (ej hämtad)", str(r.year) if r.year else "–",
                      fmt_number(r.value, 1) if r.value is not None else "–",
                      str(pos.rank) if pos else "–", str(pos.n) if pos else "–",
                      fmt_number(pos.median, 1) if pos else "–")
    Console(highlight=False, width=max(out.width, 120)).print(table)
    out.print(f"{api.kolada_attribution()}. Placering bland kommunerna med värde det året; lika värden delar bästa plats (1, 2, 2, 4).",
              markup=False)


@excel_app.command("init")
@user_errors
def excel_init(
    model: Path = typer.Option(..., "--model", help="Styrmodellen"),
    period: str = typer.Option(..., "--period", help="Perioden, t.ex. 2016-delar"),
    returns: Path = typer.Option(..., "--returns", help="Mappen dit nämndernas arbetsböcker sparas"),
    out_path: Path = typer.Option(Path("workbooks/Konsolidering.xlsm"), "--out", help="Arbetsboken som skrivs (.xlsm)"),
    interpreter: str = typer.Option(None, "--interpreter", help="Sökväg till Python för xlwings.conf (annars xlwings standard)"),
) -> None:
    """Skapa kontrollantens arbetsbok med knappen Konsolidera (och .py-filen bredvid som knappen anropar)."""
    path = api.excel_init(model, period, returns, out_path, interpreter)
    out.print(f"Skrev {path} och {path.with_suffix('.py').name}. Öppna arbetsboken i Excel och klicka på Konsolidera.", markup=False)


@excel_app.command("workbooks")
@user_errors
def excel_workbooks(
    out_dir: Path = typer.Option(Path("workbooks"), "--out", metavar="MAPP", help="Mappen som skrivs (standard: workbooks)"),
) -> None:
    """Skriv de färdiga arbetsböckerna att börja från: Konsolidering.xlsm och styrmodellerna som modellarbetsböcker."""
    from .api import workbooks

    paths = workbooks(out_dir)
    out.print(f"Skrev {counted(len(paths), 'fil', 'filer')} i {out_dir}.", markup=False)
    for p in paths:
        out.print(f"  {p}", markup=False)


def main() -> None:  # pragma: no cover - console script entry
    app()
