"""The ``malbok`` command line: thin shells over :mod:`malbok.api`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.tree import Tree

from . import api
from .load import ModelError
from .model import MEASURE_SYMBOL, Model
from .periods import PeriodError
from .targets import target_text

app = typer.Typer(
    help="malbok – mål- och resultatstyrning för svenska kommuner, i Excel.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
model_app = typer.Typer(help="Arbeta med styrmodellens filer.", no_args_is_help=True)
app.add_typer(model_app, name="model")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the user's own bad input into a Swedish message and exit 1, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ModelError as e:
            err.print(f"[red]Fel:[/red] {e.source}: {len(e.problems)} fel i styrmodellen", markup=True)
            for place, msg in e.problems:
                err.print(f"  {place}: {msg}", markup=False)
            raise typer.Exit(1) from None
        except PeriodError as e:
            err.print(f"Fel: {e}", markup=False)
            raise typer.Exit(1) from None
        except OSError as e:
            err.print(f"Fel: {e.strerror or e} ({e.filename or ''})", markup=False)
            raise typer.Exit(1) from None

    return wrapper


@app.command()
@user_errors
def validate(fil: Path = typer.Argument(..., help="Styrmodellen, .yaml eller .xlsx")) -> None:
    """Kontrollera en styrmodell. Slutkod 0 när den är giltig, 1 när den inte är det."""
    model = api.validate(fil)
    n_goals, n_ind = len(model.goals), len(model.indicators)
    out.print(
        f"{fil.name}: giltig styrmodell för {model.municipality.name} ({model.municipality.code}), "
        f"{len(model.areas)} områden, {n_goals} mål, {n_ind} indikatorer, {len(model.units)} enheter.",
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
    targets = "; ".join(target_text(t, ind.measure) for t in ind.targets) or "inget målvärde"
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


def main() -> None:  # pragma: no cover - console script entry
    app()
