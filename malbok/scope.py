"""What a unit reports or plans: the rows of its workbook, for the writer and the readers alike.

A follow-up workbook's scope is :func:`plan_workbook` (which sheets, which rows, which of their cells
are inputs; :func:`expected_rows` says where the writer puts each); a plan workbook's is
:func:`plan_sheets` (the council goals the unit plans under, per area sheet) with :func:`plan_rules`
(each column's rule in that workbook). Pure functions of the model: no file is written or read here,
so the readers (:mod:`malbok.returns`, :mod:`malbok.consolidation`, :mod:`malbok.plan`'s reader) need
no writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .layout import (
    ACTIVITY_LEVEL,
    BUDGET_SHEET,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    KIND_ACTIVITY,
    KIND_CONTEXT,
    KIND_GOAL,
    KIND_INDICATOR,
    KIND_PROGRAMME,
    LINK_RULE,
    PLAN_AREA,
    Expected,
    Rule,
    plan_date_rule,
    sheet_name,
)
from .model import (
    MEASURE_SYMBOL,
    Area,
    Goal,
    GoalLevel,
    Indicator,
    Meaning,
    Measure,
    Model,
    RankTarget,
    Scale,
)
from .periods import Period, follows_up, goal_due, goal_valid, indicator_due, programme_due
from .targets import dated_text, fmt_value, shown_targets

ACTIVITY_SCALE = "aktivitetsstatus"


# --------------------------------------------------------------------------- the follow-up: what a unit reports

@dataclass
class GoalItem:
    goal: Goal
    indicators: list[Indicator] = field(default_factory=list)
    context: list[Goal] = field(default_factory=list)  # parents, outermost first


@dataclass
class AreaScope:
    area_id: str
    goals: list[GoalItem] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)  # decided directly under the area

    @property
    def empty(self) -> bool:
        return not self.goals and not self.indicators


def unit_scope(model: Model, period: Period, unit: str) -> list[AreaScope]:
    """What ``unit`` reports at ``period``, per area in model order (empty areas dropped)."""
    scopes = {a.id: AreaScope(a.id) for a in model.areas}
    for g in model.goals_involving(unit):
        # indicator_due for the goal's indicators, with the goal's part worked out once
        inds: list[Indicator] = []
        if goal_valid(model, g, period.year):
            default = g.follow_up or model.level(g.level).follow_up
            inds = [i for i in model.indicators_of(g.id)
                    if model.reports_indicator(i, g, unit) and follows_up(i.follow_up, default, period)]
        owns = model.reports(g, unit) and goal_due(model, g, period)
        if not owns and not inds:
            continue
        context: list[Goal] = []
        cur = g
        while cur.parent and len(context) < 10:
            cur = model.goal(cur.parent)
            context.insert(0, cur)
        scopes[g.area].goals.append(GoalItem(g, inds, context))
    for i in model.area_indicators_of(unit):
        if indicator_due(model, i, period):
            scopes[i.area].indicators.append(i)  # type: ignore[index]
    return [s for s in scopes.values() if not s.empty]


@dataclass(slots=True)
class Row:
    """One data row of an area sheet, as written (and as the registry records it)."""

    id: str
    kind: str
    level: str
    text: str
    scale: Scale | None = None
    indicator: Indicator | None = None
    inputs: tuple[str, ...] = ()
    values: Mapping[str, object] | None = None  # shown texts of goal and programme rows
    depth: int = 0
    year: int = 0  # the period's year: an indicator row's texts depend on it
    _shown: Mapping[str, object] | None = field(default=None, repr=False, compare=False)

    def display(self) -> Mapping[str, object]:
        """Every text the sheet shows beside the inputs, made on first use (reading a return needs none)."""
        if self._shown is None:
            ind, values = self.indicator, self.values or {}
            self._shown = values if ind is None else {**indicator_texts(ind, self.year), **values}
        return self._shown


@dataclass
class SheetPlan:
    name: str
    title: str
    text: str
    rows: list[Row]


@dataclass
class WorkbookPlan:
    model: Model
    period: Period
    unit_code: str
    sheets: list[SheetPlan]

    @property
    def goal_count(self) -> int:
        return sum(1 for s in self.sheets for r in s.rows if r.kind in (KIND_GOAL, KIND_ACTIVITY, KIND_PROGRAMME))

    @property
    def indicator_count(self) -> int:
        return sum(1 for s in self.sheets for r in s.rows if r.kind == KIND_INDICATOR)


_INPUTS = {  # (has a rank input, is assessed on its own) -> the row's inputs
    (False, False): ("outcome", "comment", "actions"),
    (True, False): ("outcome", "comment", "actions", "rank"),
    (False, True): ("outcome", "comment", "actions", "assessment"),
    (True, True): ("outcome", "comment", "actions", "rank", "assessment"),
}


def indicator_texts(ind: Indicator, year: int, full: bool = True) -> dict[str, str]:
    """An indicator's texts in a workbook of ``year``: its measure and the targets that apply now
    (with their years: exactly what malbok's suggestion judges against, :func:`malbok.targets.shown_targets`),
    and with ``full`` also its baseline, final target and earlier outcomes."""
    now, final = shown_targets(ind, year)
    texts = {"measure": MEASURE_SYMBOL[ind.measure] or "tal",
             "target_now": "; ".join(dated_text(t, ind.measure) for t in now)}
    if full:
        base = ind.baseline
        texts["baseline"] = (f"{fmt_value(base.value, ind.measure)} ({base.year})" if base.value is not None else f"– ({base.year})") if base else ""
        texts["target_final"] = dated_text(final, ind.measure) if final is not None else ""
        texts["history"] = "; ".join(f"{y}: {fmt_value(v, ind.measure)}" for y, v in sorted(ind.history.items())
                                     if y < year) if ind.history else ""
    return texts


def _indicator_row(ind: Indicator, period: Period, assess: Scale | None, depth: int) -> Row:
    rank = False  # a rank input beside the outcome, when a rank target is set on another measure
    if ind.measure is not Measure.RANK:
        for t in ind.targets:
            if type(t) is RankTarget:
                rank = True
                break
    return Row(ind.id, KIND_INDICATOR, "Indikator", ind.short, assess, ind, _INPUTS[rank, assess is not None],
               depth=depth, year=period.year)


def plan_workbook(model: Model, period: Period, unit_code: str) -> WorkbookPlan:
    """Which sheets and rows ``unit_code`` gets at ``period`` (empty when nothing to report)."""
    taken: set[str] = set()
    sheets: list[SheetPlan] = []
    ind_scale = model.scale(model.indicator_scale) if model.indicator_scale else None
    order = model.goal_position  # built once with the model's lookups, not once per unit
    for scope in unit_scope(model, period, unit_code):
        area = model.area(scope.area_id)
        rows: list[Row] = []
        # each goal once: a goal the unit assesses is not repeated as the context of the goals under it,
        # and it stands before them (parents first, children grouped under their parent)
        items = sorted(scope.goals, key=lambda it: [*(order(p.id) for p in it.context), order(it.goal.id)])
        assessed = {it.goal.id for it in items}
        shown_context: set[str] = set()
        for item in items:
            for depth, parent in enumerate(item.context):
                if parent.id in shown_context or parent.id in assessed:
                    continue
                shown_context.add(parent.id)
                rows.append(Row(parent.id, KIND_CONTEXT, model.level(parent.level).name, parent.text, depth=depth))
            g = item.goal
            level = model.level(g.level)
            owns = model.reports(g, unit_code)
            rows.append(Row(
                g.id, KIND_ACTIVITY if g.level == ACTIVITY_LEVEL else KIND_GOAL, level.name, g.text, scale=model.scale(level.scale),
                inputs=("assessment", "comment", "actions") if owns else ("comment",),
                depth=len(item.context),
                values={"target_now": g.decided_follow_up and f"Uppföljning: {g.decided_follow_up}" or ""},
            ))
            for ind in item.indicators:
                rows.append(_indicator_row(ind, period, None, len(item.context) + 1))
        for ind in scope.indicators:
            rows.append(_indicator_row(ind, period, ind_scale, 0))
        sheets.append(SheetPlan(sheet_name(area.name, taken), area.name, area.text, rows))
    progs = [p for p in programme_due(model, period) if unit_code in p.units]
    if progs:
        scale = programme_scale(model)
        rows = [Row(p.id, KIND_PROGRAMME, "Handlingsprogram", p.name, scale=scale,
                    inputs=("assessment", "comment", "actions"), values={"target_now": ", ".join(p.goals)})
                for p in progs]
        sheets.append(SheetPlan(sheet_name("Handlingsprogram", taken), "Handlingsprogram",
                                "Handlingsprogrammen följs upp av de nämnder och bolag som deltar.", rows))
    return WorkbookPlan(model, period, unit_code, sheets)


def programme_scale(model: Model) -> Scale | None:
    """The scale a handlingsprogram is assessed on: the first goal level's (else the indicator scale)."""
    if model.levels:
        return model.scale(model.levels[0].scale)
    return model.scale(model.indicator_scale) if model.indicator_scale else None


def expected_rows(plan: WorkbookPlan) -> list[Expected]:
    """Every data row of the plan, where the writer puts it (the reader's expectation)."""
    out = []
    for sp in plan.sheets:
        for i, row in enumerate(sp.rows):
            out.append(Expected(sp.name, row.id, row.kind, HEADER_ROW + 2 + i, row.scale.id if row.scale else "", row.inputs))
    return out



# --------------------------------------------------------------------------- the plan round: what a unit plans under

def council_goals(model: Model, year: int, unit: str) -> list[Goal]:
    """The council's goals a unit plans under in ``year`` (its own goals' level excluded)."""
    own_level = plan_level(model).id
    return [g for g in model.goals
            if g.level not in (own_level, ACTIVITY_LEVEL) and unit in g.reporters and goal_valid(model, g, year)]


def plan_sheets(model: Model, year: int, unit: str) -> list[tuple[str, Area, list[Goal]]]:
    """The area sheets of a unit's plan workbook: (sheet name, area, the council goals on it), in model order."""
    by_area: dict[str, list[Goal]] = {}
    for g in council_goals(model, year, unit):
        by_area.setdefault(g.area, []).append(g)
    taken = {INSTRUCTIONS_SHEET.lower(), BUDGET_SHEET.lower()}
    return [(sheet_name(a.name, taken), a, by_area[a.id]) for a in model.areas if by_area.get(a.id)]


def plan_rules(model: Model, year: int, unit: str) -> dict[str, Rule]:
    """The input rule of each plan sheet column in the unit's workbook of ``year``, for the writer and the reader
    alike: 'Kopplat till' one of the council goals in the workbook, the dates within the years the plan looks at."""
    rules = {c.key: c.rule for c in PLAN_AREA.columns if c.rule is not None}
    dates = plan_date_rule(year)
    return {**rules, "link": LINK_RULE.among([g.id for g in council_goals(model, year, unit)]), "start": dates, "end": dates}


def plan_level(model: Model) -> GoalLevel:
    """The level of the units' own goals: the model's ``plannivå``, else a level named nämndmål."""
    if model.plan_level:
        return model.level(model.plan_level)
    for lv in model.levels:
        if "nämnd" in lv.name.lower() or "namnd" in lv.id:
            return lv
    scale = model.levels[0].scale if model.levels else model.scales[0].id
    return GoalLevel.model_validate({"id": "namndmal", "namn": "Nämndmål", "skala": scale, "tidshorisont": "1 år"})


def activity_scale(model: Model) -> Scale:
    if model.activity_scale:
        return model.scale(model.activity_scale)
    return Scale.model_validate({"id": ACTIVITY_SCALE, "namn": "Aktiviteternas status", "etiketter": [
        {"etikett": "Genomförd", "betydelse": Meaning.REACHED, "färg": "#00B050"},
        {"etikett": "Pågår enligt plan", "betydelse": Meaning.ON_THE_WAY, "färg": "#92D050"},
        {"etikett": "Försenad", "betydelse": Meaning.NOT_REACHED, "färg": "#FF0000"},
        {"etikett": "Ej påbörjad", "betydelse": Meaning.NOT_ASSESSED, "färg": "#BFBFBF"},
    ]})


