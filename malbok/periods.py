"""Periods (year + occasion) and what each unit reports at a period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import PeriodError as PeriodError  # declared with malbok's other errors
from .model import Goal, Indicator, Model, Occasion, OccasionKind

_PERIOD_RE = re.compile(r"^(\d{4})-([a-z0-9_]+)$")


@dataclass(frozen=True)
class Period:
    year: int
    occasion: Occasion

    @property
    def id(self) -> str:
        return f"{self.year}-{self.occasion.id}"

    @property
    def name(self) -> str:
        return f"{self.occasion.name} {self.year}"

    @property
    def point(self) -> float:
        """Time of the period's end in years (end of month)."""
        return self.year + self.occasion.month / 12

    @property
    def deadline(self) -> date | None:
        if not self.occasion.deadline:
            return None
        month, day = (int(x) for x in self.occasion.deadline.split("-"))
        year = self.year + 1 if month < self.occasion.month else self.year
        try:
            return date(year, month, day)
        except ValueError:
            return None


def parse_period(model: Model, period_id: str) -> Period:
    m = _PERIOD_RE.match(period_id.strip().lower())
    known = ", ".join(o.id for o in model.occasions)
    if not m:
        raise PeriodError(f"perioden '{period_id}' ska skrivas ÅÅÅÅ-tillfälle, t.ex. '{model.mandate.start}-{model.occasions[0].id}' (tillfällen: {known})")
    year, occ = int(m.group(1)), m.group(2)
    for o in model.occasions:
        if o.id == occ:
            return Period(year, o)
    raise PeriodError(f"okänt uppföljningstillfälle '{occ}' i perioden '{period_id}'; modellen har: {known}")


def periods_of_year(model: Model, year: int) -> list[Period]:
    order = {o.id: i for i, o in enumerate(model.occasions)}
    occs = sorted(model.occasions, key=lambda o: (o.month, o.kind == OccasionKind.SPECIAL, order[o.id]))
    return [Period(year, o) for o in occs]


def goal_valid(model: Model, goal: Goal, year: int) -> bool:
    start = goal.from_year if goal.from_year is not None else model.mandate.start
    end = goal.to_year if goal.to_year is not None else model.mandate.end
    return start <= year <= end


def follows_up(occasions: list[str], default: list[str], period: Period) -> bool:
    effective = occasions or default
    if effective:
        return period.occasion.id in effective
    # no follow-up given: reported at every ordinary occasion
    return period.occasion.kind != OccasionKind.SPECIAL


def goal_due(model: Model, goal: Goal, period: Period) -> bool:
    return goal_valid(model, goal, period.year) and follows_up(
        goal.follow_up, model.level(goal.level).follow_up, period
    )


def indicator_due(model: Model, ind: Indicator, period: Period) -> bool:
    if ind.goal is not None:
        goal = model.goal(ind.goal)
        if not goal_valid(model, goal, period.year):
            return False
        return follows_up(ind.follow_up, goal.follow_up or model.level(goal.level).follow_up, period)
    if not model.mandate.start <= period.year <= model.mandate.end + 1:
        return False
    return follows_up(ind.follow_up, [], period)


def programme_due(model: Model, period: Period) -> list:
    """Programmes followed up at this period (their own follow-up occasions)."""
    return [p for p in model.programmes if period.occasion.id in p.follow_up]
