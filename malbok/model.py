"""The styrmodell as validated data.

One pydantic declaration gives parsing, validation and the JSON Schema that
editors use to autocomplete the YAML. YAML keys are Swedish (aliases); Python
attribute names are English. Cross-references (unknown unit, parent in another
area, ...) are checked in :func:`check_model`, which returns every problem at
once as ``(path, message)`` pairs so that the loaders can name file and line or
sheet and cell.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .values import fmt_number

Path_ = tuple[str | int, ...]


def _field_title(name: str, info: Any) -> str:
    """A field's title in the JSON Schema: its Swedish key ('ram_tkr' -> 'Ram tkr'), as editors show it."""
    key = getattr(info, "alias", None) or name
    return key[:1].upper() + key[1:].replace("_", " ")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False, field_title_generator=_field_title)


def _int_keys(v: Any) -> Any:
    if isinstance(v, dict):
        return {int(k) if isinstance(k, str) and k.strip().isdigit() else k: val for k, val in v.items()}
    return v


class Meaning(StrEnum):
    """What a scale label means, so malbok can map its own suggestion to it."""

    REACHED = "uppfyllt"
    ON_THE_WAY = "på_väg"
    NOT_REACHED = "ej_uppfyllt"
    NOT_ASSESSED = "ej_bedömt"


MEANING_RANK = {Meaning.REACHED: 0, Meaning.ON_THE_WAY: 1, Meaning.NOT_REACHED: 2}


class Municipality(_Base):
    name: str = Field(alias="namn", min_length=1)
    code: str = Field(alias="kommunkod", pattern=r"^\d{4}$", description="Fyrsiffrig kommunkod, t.ex. 1861")


class Mandate(_Base):
    start: int = Field(alias="från", ge=1900, le=2200)
    end: int = Field(alias="till", ge=1900, le=2200)


class Vision(_Base):
    title: str = Field(alias="rubrik")
    text: str = Field("", alias="text")


class Value(_Base):
    name: str = Field(alias="namn")
    text: str = Field("", alias="text")


class RuleBasis(StrEnum):
    """What a step's threshold is a share of."""

    TARGET = "målvärdet"
    PATH = "vägen"


class StepRule(_Base):
    """A step's own threshold for the suggestion: 'minst 80 % av målvärdet'.

    ``målvärdet``: the outcome as a share of the target value (the target as a share of the outcome
    when lower is better); ``vägen``: the share of the way from the baseline to the target covered."""

    model_config = ConfigDict(title="Regel för förslaget")
    basis: RuleBasis = Field(RuleBasis.TARGET, alias="andel_av",
                             description="Vad andelen räknas av: målvärdet eller vägen från utgångsvärdet till målvärdet")
    at_least: float = Field(alias="minst_procent", gt=0, le=1000, description="Minsta andel i procent, t.ex. 80")

    def words(self) -> str:
        """'minst 80 % av målvärdet'."""
        what = "målvärdet" if self.basis == RuleBasis.TARGET else "vägen till målvärdet"
        return f"minst {fmt_number(self.at_least)} % av {what}"


# symbols beside colours (so a label reads in grey print), by meaning; a scale may give its own
DEFAULT_SYMBOLS = {"uppfyllt": "●", "på_väg": "◐", "ej_uppfyllt": "○", "ej_bedömt": "–"}
MIN_STEPS, MAX_STEPS = 2, 7


class Label(_Base):
    """One step of a scale, in the municipality's own words."""

    model_config = ConfigDict(title="Steg i skalan")
    label: str = Field(alias="etikett", min_length=1, description="Stegets ordalydelse, t.ex. 'Kvalitén uppnås'")
    meaning: Meaning = Field(alias="betydelse", description=(
        "Vad steget betyder när nivåer med olika skalor räknas samman för hela kommunen: "
        "uppfyllt, på_väg, ej_uppfyllt eller ej_bedömt"))
    colour: str = Field(alias="färg", pattern=r"^#[0-9A-Fa-f]{6}$", description="Färg som #RRGGBB")
    symbol: str = Field("", alias="symbol", max_length=3,
                        description="Tecken bredvid färgen så att steget syns i gråskala, t.ex. ●; standard efter betydelsen")
    rule: StepRule | None = Field(None, alias="regel", description="Egen gräns för förslaget, t.ex. minst 80 % av målvärdet")
    description: str = Field("", alias="beskrivning", description="Vad steget innebär, visas i arbetsboken")

    @property
    def mark(self) -> str:
        """The step's symbol: its own, else the default for its meaning."""
        return self.symbol or DEFAULT_SYMBOLS[self.meaning.value]


class Scale(_Base):
    """An ordered list of steps (2–7 that assess, and any 'ej bedömt'), best first."""

    model_config = ConfigDict(title="Bedömningsskala")
    id: str = Field(description="Skalans id, som målnivåerna hänvisar till")
    name: str = Field(alias="namn", description="Skalans namn")
    labels: list[Label] = Field(alias="etiketter", min_length=1, description="Stegen, ordnade från bäst till sämst")

    @cached_property
    def _by_label(self) -> dict[str, tuple[Label, int | None]]:
        out: dict[str, tuple[Label, int | None]] = {}
        step = 0
        for lab in self.labels:
            if lab.meaning == Meaning.NOT_ASSESSED:
                out.setdefault(lab.label, (lab, None))
            else:
                out.setdefault(lab.label, (lab, step))
                step += 1
        return out

    @property
    def steps(self) -> list[Label]:
        """The labels that assess (not 'ej bedömt'), best first."""
        return [lab for lab in self.labels if lab.meaning != Meaning.NOT_ASSESSED]

    def label_for(self, meaning: Meaning | None) -> str | None:
        if meaning is None:
            return None
        for lab in self.labels:
            if lab.meaning == meaning:
                return lab.label
        return None

    def step(self, label: str) -> int | None:
        """Position of a label among the assessing labels (0 = best); None for 'ej bedömt' and unknown labels."""
        found = self._by_label.get(label)
        return found[1] if found is not None else None

    def meaning_of(self, label: str) -> Meaning | None:
        found = self._by_label.get(label)
        return found[0].meaning if found is not None else None

    def colour_of(self, label: str) -> str | None:
        found = self._by_label.get(label)
        return found[0].colour if found is not None else None

    def symbol_of(self, label: str) -> str:
        found = self._by_label.get(label)
        return found[0].mark if found is not None else ""

    @cached_property
    def has_rules(self) -> bool:
        """Whether any step has its own rule (asked for every indicator row of every file: worked out once)."""
        return any(lab.rule is not None for lab in self.labels)

    def by_rules(self, meaning: Meaning | None, target_share: float | None, path_share: float | None) -> Label | None:
        """The step the scale's own rules give, best first: a step with a rule when its share is met, a step
        without one when the computed meaning is its meaning; the last step when none holds. None when the
        scale has no rules or the shares are unknown."""
        if not self.has_rules or (target_share is None and path_share is None):
            return None
        if meaning is None:  # no path (no baseline), yet a rule on the share may still decide
            known = [lab for lab in self.labels if lab.rule is not None
                     and (target_share if lab.rule.basis == RuleBasis.TARGET else path_share) is not None]
            if not known:
                return None
            meaning = Meaning.NOT_REACHED
        steps = self.steps
        for lab in steps:
            if meaning == Meaning.REACHED:
                if lab.meaning == Meaning.REACHED:
                    return lab
            elif lab.rule is not None:
                share = target_share if lab.rule.basis == RuleBasis.TARGET else path_share
                if share is not None and share >= lab.rule.at_least - 1e-9:
                    return lab
            elif lab.meaning == meaning:  # a step without a rule: the computed meaning decides
                return lab
        return steps[-1] if steps else None


class Combine(StrEnum):
    """How several units' assessments of one goal form the council's."""

    CAUTIOUS = "försiktigast"
    OPTIMISTIC = "mest_positiv"
    MAJORITY = "majoritet"


class GoalLevel(_Base):
    """A kind of goal (inriktningsmål, kvalitetsfaktor, grunduppdrag …) with its own scale and words."""

    model_config = ConfigDict(title="Målnivå")
    id: str = Field(description="Nivåns id, som målen hänvisar till")
    name: str = Field(alias="namn", description="Nivåns namn som rubrik, t.ex. 'Kvalitetsfaktor'")
    singular: str = Field("", alias="singular", description="Ett mål på nivån i löptext, t.ex. 'kvalitetsfaktor'; standard: namnet")
    plural: str = Field("", alias="plural", description="Flera mål på nivån i löptext, t.ex. 'kvalitetsfaktorer'; standard: namnet")
    heading: str = Field("", alias="bedömningsrubrik",
                         description="Rubriken över bedömningskolumnen, t.ex. 'Grad av kvalitet'; standard: 'Bedömning'")
    scale: str = Field(alias="skala", description="Skalan (id) som målen på nivån bedöms med")
    horizon: str = Field("", alias="tidshorisont", description="T.ex. '4 år' eller '1 år'")
    description: str = Field("", alias="beskrivning", description="Vad nivån är, visas i arbetsböckerna")
    follow_up: list[str] = Field(
        default_factory=list,
        alias="uppföljning",
        description="Tillfällen då mål på nivån följs upp när målet inte själv anger några",
    )
    combine: Combine = Field(Combine.CAUTIOUS, alias="sammanvägning",
                             description="Hur flera enheters bedömningar av ett mål blir kommunens: försiktigast, mest_positiv eller majoritet")
    basic: bool = Field(False, alias="grunduppdrag", description=(
        "Nivån är områdenas grunduppdrag: högst ett mål per område, vars text är områdets text "
        "(målets text kan utelämnas) och som visas en gång"))

    def one(self) -> str:
        """'kvalitetsfaktor': a goal of the level in running text."""
        return self.singular or _lower_first(self.name)

    def many(self) -> str:
        """'kvalitetsfaktorer': goals of the level in running text."""
        return self.plural or _lower_first(self.name)

    def words(self, n: int) -> str:
        return self.one() if n == 1 else self.many()

    @property
    def assessment_heading(self) -> str:
        """The heading of the assessment column: 'Grad av kvalitet', else 'Bedömning'."""
        return self.heading or "Bedömning"


def _lower_first(text: str) -> str:
    """'Inriktningsmål' -> 'inriktningsmål'; an abbreviation ('KF-mål') stays as it is."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


class Area(_Base):
    id: str
    name: str = Field(alias="namn")
    text: str = Field("", alias="text")


class UnitKind(StrEnum):
    COMMITTEE = "nämnd"
    COMPANY = "bolag"
    OFFICE = "förvaltning"
    OTHER = "övrigt"


class BudgetFrame(_Base):
    year: int = Field(alias="år")
    amount: float = Field(alias="ram_tkr", description="Budgetram i tkr")


class Unit(_Base):
    code: str = Field(alias="kod", pattern=r"^[A-Za-zÅÄÖåäö0-9][A-Za-zÅÄÖåäö0-9_-]{0,15}$")
    name: str = Field(alias="namn")
    kind: UnitKind = Field(UnitKind.COMMITTEE, alias="typ")
    contact: str = Field("", alias="kontakt")
    frames: list[BudgetFrame] = Field(default_factory=list, alias="budgetramar")
    activities: list[str] = Field(
        default_factory=list, alias="verksamheter", description="Verksamheter som budgeten fördelas på"
    )

    def frame_for(self, year: int) -> float | None:
        for f in self.frames:
            if f.year == year:
                return f.amount
        return None


class OccasionKind(StrEnum):
    MONTH = "månad"
    TERTIAL = "tertial"
    INTERIM = "delår"
    ANNUAL = "helår"
    SPECIAL = "särskild"


class Occasion(_Base):
    """A reporting occasion, repeated every year; a period is year + occasion."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$", description="Kort id, används i periodid: 2025-delar")
    name: str = Field(alias="namn")
    month: int = Field(alias="månad", ge=1, le=12, description="Månaden då perioden slutar")
    kind: OccasionKind = Field(OccasionKind.MONTH, alias="typ")
    deadline: str = Field("", alias="sista_dag", pattern=r"^(|\d{2}-\d{2})$", description="MM-DD, året efter periodens slutmånad om den är tidigare")
    description: str = Field("", alias="beskrivning")
    topics: list[str] = Field(default_factory=list, alias="ämnen")


class Goal(_Base):
    id: str
    level: str = Field(alias="nivå")
    area: str = Field(alias="område")
    parent: str | None = Field(None, alias="överordnat")
    text: str = Field("", alias="text", description=(
        "Den beslutade lydelsen; på en grunduppdragsnivå områdets text, som inte behöver upprepas här"))
    units: list[str] = Field(default_factory=list, alias="enheter", description="Ansvariga enheter")
    follow_up: list[str] = Field(default_factory=list, alias="uppföljning", description="Tillfällen (id)")
    follow_up_by: list[str] = Field(
        default_factory=list, alias="uppföljs_av", description="Enheter som rapporterar; standard: enheter"
    )
    from_year: int | None = Field(None, alias="från_år")
    to_year: int | None = Field(None, alias="till_år")
    decided_follow_up: str = Field("", alias="beslutad_uppföljning", description="Uppföljningen som den står i beslutet")
    combine: Combine | None = Field(None, alias="sammanvägning")
    assessments: dict[int, str] = Field(default_factory=dict, alias="tidigare_bedömningar", description="År: etikett")

    @field_validator("assessments", mode="before")
    @classmethod
    def _assessment_keys(cls, v: Any) -> Any:
        return _int_keys(v)

    @property
    def reporters(self) -> list[str]:
        return self.follow_up_by or self.units


class Measure(StrEnum):
    PERCENT = "procent"
    COUNT = "antal"
    SEK = "kr"
    INDEX = "index"
    RANK = "placering"
    TEXT = "text"
    NUMBER = "tal"


MEASURE_SYMBOL = {
    Measure.PERCENT: "%",
    Measure.COUNT: "antal",
    Measure.SEK: "kr",
    Measure.INDEX: "index",
    Measure.RANK: "placering",
    Measure.TEXT: "text",
    Measure.NUMBER: "",
}


class Comparison(StrEnum):
    AT_LEAST = "minst"
    AT_MOST = "högst"


class Direction(StrEnum):
    UP = "öka"
    DOWN = "minska"


class ValueTarget(_Base):
    """A value to reach by a year (a milestone when there are several)."""

    kind: Literal["värde"] = Field(alias="typ")
    value: float = Field(alias="värde")
    year: int = Field(alias="år")
    comparison: Comparison | None = Field(None, alias="jämförelse", description="Standard: från utgångsvärdets riktning")
    text: str = Field("", alias="text")


class RankTarget(_Base):
    """Among the best p % of municipalities, or at a rank at most N, by a year."""

    kind: Literal["rang"] = Field(alias="typ")
    best_percent: float | None = Field(None, alias="bland_bästa_procent", gt=0, le=100)
    rank: int | None = Field(None, alias="placering", ge=1)
    year: int | None = Field(None, alias="år")
    population: int = Field(290, alias="antal_kommuner", ge=1)
    text: str = Field("", alias="text")

    def max_rank(self) -> int:
        if self.rank is not None:
            return self.rank
        assert self.best_percent is not None
        # "bland de p % bästa": rank <= ceil(p/100 * n); rounded first so that 20 % of 290 stays 58
        return max(1, math.ceil(round(self.population * self.best_percent / 100, 9)))


class DirectionTarget(_Base):
    kind: Literal["riktning"] = Field(alias="typ")
    direction: Direction = Field(alias="riktning")
    year: int | None = Field(None, alias="år")
    text: str = Field("", alias="text")


class ChangeTarget(_Base):
    """A relative change every year, e.g. -5 for 'minska med 5 % årligen'."""

    kind: Literal["årlig_förändring"] = Field(alias="typ")
    percent: float = Field(alias="procent")
    text: str = Field("", alias="text")


class LevelTarget(_Base):
    """A level to keep: 'noll', 'minst 93 %'."""

    kind: Literal["nivå"] = Field(alias="typ")
    value: float = Field(alias="värde")
    comparison: Comparison = Field(alias="jämförelse")
    year: int | None = Field(None, alias="år")
    text: str = Field("", alias="text")


class ReportTarget(_Base):
    """Report only ('ska redovisas årligen'): no suggestion is made."""

    kind: Literal["redovisas"] = Field(alias="typ")
    text: str = Field("", alias="text")


Target = Annotated[
    ValueTarget | RankTarget | DirectionTarget | ChangeTarget | LevelTarget | ReportTarget,
    Field(discriminator="kind"),
]


class Aggregation(StrEnum):
    SUM = "summa"
    MEAN = "medel"
    WEIGHTED = "vägt_medel"
    NONE = "ingen"


class Baseline(_Base):
    value: float | None = Field(None, alias="värde", description="Utan värde hämtas årets utfall ur historiken")
    year: int = Field(alias="år")


class Indicator(_Base):
    id: str
    text: str = Field(alias="text", min_length=1, description="Den beslutade lydelsen, ordagrant")
    name: str = Field("", alias="namn", description="Kort namn för tabeller; standard: texten")
    goal: str | None = Field(None, alias="mål")
    area: str | None = Field(None, alias="område", description="För indikatorer beslutade direkt under ett område")
    measure: Measure = Field(Measure.NUMBER, alias="måttenhet")
    baseline: Baseline | None = Field(None, alias="utgångsvärde")
    targets: list[Target] = Field(default_factory=list, alias="målvärden")
    kolada: str | None = Field(None, alias="kolada", pattern=r"^[A-Z]\d{5}$")
    higher_is_better: bool | None = Field(
        None, alias="högre_är_bättre",
        description="För placeringen bland kommunerna i Kolada: är ett högre värde bättre? Standard: målvärdenas riktning",
    )
    units: list[str] = Field(default_factory=list, alias="enheter", description="Standard: målets enheter")
    follow_up: list[str] = Field(default_factory=list, alias="uppföljning")
    aggregation: Aggregation = Field(Aggregation.NONE, alias="sammanräkning")
    weights: dict[str, float] = Field(default_factory=dict, alias="vikter")
    history: dict[int, float] = Field(default_factory=dict, alias="tidigare_utfall")

    @property
    def short(self) -> str:
        return self.name or self.text

    @property
    def dated_targets(self) -> list[Any]:
        """Targets with a year (milestones), in order."""
        # cached by hand: functools.cached_property takes a class-wide lock before Python 3.12,
        # which serialises the threads that read returned workbooks
        found = self.__dict__.get("_dated_targets")
        if found is None:
            found = self.__dict__["_dated_targets"] = [t for t in self.targets if getattr(t, "year", None) is not None]
        return found

    assessments: dict[int, str] = Field(default_factory=dict, alias="tidigare_bedömningar", description="År: etikett")

    @field_validator("history", "assessments", mode="before")
    @classmethod
    def _history_keys(cls, v: Any) -> Any:
        return _int_keys(v)


class Programme(_Base):
    id: str
    name: str = Field(alias="namn")
    text: str = Field("", alias="text")
    goals: list[str] = Field(default_factory=list, alias="mål")
    units: list[str] = Field(default_factory=list, alias="enheter")
    follow_up: list[str] = Field(default_factory=list, alias="uppföljning")


# -- the plan round: what a unit adds under the council's goals ------------------------


class PlanGoal(_Base):
    """A unit's own goal (nämndmål) in its verksamhetsplan, under one of the council's goals."""

    id: str
    parent: str | None = Field(None, alias="överordnat", description="Fullmäktiges mål som nämndmålet hör till")
    text: str = Field(alias="text", min_length=1)
    target: str = Field("", alias="målvärde", description="Målvärdet som nämnden skrev det")
    comment: str = Field("", alias="kommentar")


class Activity(_Base):
    """Planned work (aktivitet) under a unit goal or a council goal."""

    id: str
    goal: str | None = Field(None, alias="mål", description="Nämndmålet eller fullmäktiges mål aktiviteten hör till")
    text: str = Field(alias="text", min_length=1)
    owner: str = Field("", alias="ansvarig")
    start: date | None = Field(None, alias="start")
    end: date | None = Field(None, alias="slut")
    status: str = Field("", alias="status")
    comment: str = Field("", alias="kommentar")


class PlanIndicator(_Base):
    """An indicator a unit adds to follow one of its goals."""

    id: str
    goal: str | None = Field(None, alias="mål")
    text: str = Field(alias="text", min_length=1)
    measure: Measure = Field(Measure.NUMBER, alias="måttenhet")
    target: str = Field("", alias="målvärde", description="Målvärdet som nämnden skrev det")
    comment: str = Field("", alias="kommentar")


class BudgetLine(_Base):
    """An amount in the unit's budget, per verksamhet or activity (tkr)."""

    activity: str = Field(alias="verksamhet")
    amount: float | None = Field(alias="belopp_tkr", description="Beloppet; tomt när det som skrevs inte var ett tal")
    typed: str = Field("", alias="angivet", description="Det som skrevs i beloppscellen när det inte var ett tal")
    comment: str = Field("", alias="kommentar")


class Plan(_Base):
    """A unit's verksamhetsplan for one year."""

    unit: str = Field(alias="enhet")
    year: int = Field(alias="år")
    goals: list[PlanGoal] = Field(default_factory=list, alias="mål")
    activities: list[Activity] = Field(default_factory=list, alias="aktiviteter")
    indicators: list[PlanIndicator] = Field(default_factory=list, alias="indikatorer")
    budget: list[BudgetLine] = Field(default_factory=list, alias="budget")

    @property
    def total(self) -> float:
        """The sum of the amounts that are numbers (see :attr:`unreadable` for the others)."""
        return sum(b.amount for b in self.budget if b.amount is not None)

    @property
    def unreadable(self) -> list[BudgetLine]:
        """Budget lines whose amount was typed but is not a number: not in :attr:`total`."""
        return [b for b in self.budget if b.amount is None]

    @property
    def empty(self) -> bool:
        return not self.goals and not self.activities and not self.indicators and not self.budget


PACKED_MARK = "malbok-modell:zlib+base64"
_EXTRACT_LISTS = ("goals", "indicators", "programmes", "plans")  # the lists a unit's extract takes its part of
PACKED_CHUNK = 30000  # below Excel's 32 767 characters per cell
MAX_PACKED_BYTES = 32 * 1024 * 1024  # a packed model inflates to at most this (the largest seed is well under 1 MB)


class Model(_Base):
    """A municipality's styrmodell."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Modellens id, t.ex. hallsberg-2015-2018")
    municipality: Municipality = Field(alias="kommun")
    mandate: Mandate = Field(alias="mandatperiod")
    vision: Vision
    values: list[Value] = Field(default_factory=list, alias="värdeord")
    contact: str = Field("", alias="kontakt")
    scales: list[Scale] = Field(alias="skalor", min_length=1)
    levels: list[GoalLevel] = Field(default_factory=list, alias="målnivåer")
    indicator_scale: str | None = Field(
        None, alias="indikatorskala", description="Skala för indikatorer beslutade direkt under ett område"
    )
    areas: list[Area] = Field(alias="områden", min_length=1)
    units: list[Unit] = Field(alias="enheter", min_length=1)
    occasions: list[Occasion] = Field(alias="perioder", min_length=1)
    goals: list[Goal] = Field(default_factory=list, alias="mål")
    indicators: list[Indicator] = Field(default_factory=list, alias="indikatorer")
    programmes: list[Programme] = Field(default_factory=list, alias="handlingsprogram")
    plan_level: str | None = Field(None, alias="plannivå", description="Målnivån för nämndernas egna mål i planomgången")
    activity_scale: str | None = Field(None, alias="aktivitetsskala", description="Skalan för aktiviteternas status")
    plans: list[Plan] = Field(default_factory=list, alias="planer", description="Nämndernas verksamhetsplaner")
    history_file: str | None = Field(None, alias="historik", description="Historikfilen (SQLite), relativt modellfilen; "
                                     "standard: <modellens namn>.historik.sqlite bredvid modellen")

    @model_validator(mode="after")
    def _basic_mission_texts(self) -> Model:
        """A grunduppdrag goal takes its area's text (the decided wording) when it gives none, or the same words
        broken otherwise; a text of other words is left for :func:`check_model` to name."""
        basic = {lv.id for lv in self.levels if lv.basic}
        if basic:
            texts = {a.id: a.text for a in self.areas}
            for g in self.goals:
                area_text = texts.get(g.area, "")
                if g.level in basic and area_text.strip() and (not g.text.strip() or _words(g.text) == _words(area_text)):
                    g.text = area_text
        return self

    # -- lookups (indexed once; a loaded model is not changed afterwards) -----------
    @cached_property
    def _index(self) -> dict[str, dict[str, Any]]:
        by_goal: dict[str, list[Indicator]] = {}
        for ind in self.indicators:
            if ind.goal is not None:
                by_goal.setdefault(ind.goal, []).append(ind)
        involved: dict[str, dict[str, Goal]] = {}  # unit -> goals in model order
        for g in self.goals:
            for code in g.reporters:
                involved.setdefault(code, {})[g.id] = g
            for ind in by_goal.get(g.id, ()):
                for code in ind.units:
                    involved.setdefault(code, {})[g.id] = g
        standalone: dict[str, list[Indicator]] = {}
        for ind in self.indicators:
            if ind.goal is None:
                for code in ind.units:
                    standalone.setdefault(code, []).append(ind)
        return {
            # who reports each goal and each indicator, as sets: asked once per row of every unit's workbook
            "reporters": {g.id: frozenset(g.reporters) for g in self.goals},
            "indicator_units": {i.id: frozenset(i.units) for i in self.indicators if i.units},
            "goals_of_unit": involved,
            "area_indicators_of": standalone,
            "scale": {s.id: s for s in self.scales},
            "level": {lv.id: lv for lv in self.levels},
            "area": {a.id: a for a in self.areas},
            "unit": {u.code: u for u in self.units},
            "goal": {g.id: g for g in self.goals},
            "goal_order": {g.id: i for i, g in enumerate(self.goals)},
            "occasion": {o.id: o for o in self.occasions},
            "indicators_of": by_goal,
        }

    def build_lookups(self) -> None:
        """Build the lookups by ID now (otherwise built on first use)."""
        self._index  # noqa: B018

    def _get(self, kind: str, key: str) -> Any:
        try:
            return self._index[kind][key]
        except KeyError:
            raise KeyError(f"{kind} {key!r} finns inte i styrmodellen") from None

    def scale(self, scale_id: str) -> Scale:
        return self._get("scale", scale_id)

    def level(self, level_id: str) -> GoalLevel:
        return self._get("level", level_id)

    def area(self, area_id: str) -> Area:
        return self._get("area", area_id)

    def unit(self, code: str) -> Unit:
        return self._get("unit", code)

    def goal(self, goal_id: str) -> Goal:
        return self._get("goal", goal_id)

    def occasion(self, occ_id: str) -> Occasion:
        return self._get("occasion", occ_id)

    def goal_position(self, goal_id: str) -> int:
        """Where a goal stands among the model's goals (0 first): the order of the sheets' rows."""
        return self._index["goal_order"][goal_id]

    def basic_mission(self, goal_id: str) -> GoalLevel | None:
        """The goal's level when the goal is its area's grunduppdrag (its text is the area's text), else None."""
        g = self._index["goal"].get(goal_id)
        lv = self._index["level"].get(g.level) if g is not None else None
        return lv if lv is not None and lv.basic else None

    def shown_under_area(self, goal_id: str, text: str) -> str:
        """What a goal's row shows right under its area's text: the text, or for the area's grunduppdrag
        (whose text is the area's, just above) the level's name, so that the text is not printed twice."""
        lv = self.basic_mission(goal_id)
        return f"{lv.name} (se områdets text ovan)" if lv is not None else text

    def goal_scale(self, goal: Goal) -> Scale:
        return self.scale(self.level(goal.level).scale)

    def indicator_area(self, ind: Indicator) -> str:
        if ind.area:
            return ind.area
        assert ind.goal is not None
        return self.goal(ind.goal).area

    def indicator_units(self, ind: Indicator) -> list[str]:
        if ind.units:
            return ind.units
        if ind.goal:
            return self.goal(ind.goal).reporters
        return []

    def reports(self, goal: Goal, code: str) -> bool:
        """Whether unit ``code`` reports ``goal`` (one of its :attr:`Goal.reporters`); a set lookup."""
        found = self._index["reporters"].get(goal.id)
        return code in found if found is not None else code in goal.reporters

    def reports_indicator(self, ind: Indicator, goal: Goal, code: str) -> bool:
        """Whether unit ``code`` reports ``ind`` under ``goal``: its own units, else the goal's reporters."""
        if not ind.units:
            return self.reports(goal, code)
        found = self._index["indicator_units"].get(ind.id)
        return code in found if found is not None else code in ind.units

    def goals_involving(self, code: str) -> list[Goal]:
        """Goals a unit reports on, itself or through one of their indicators (model order)."""
        return list(self._index["goals_of_unit"].get(code, {}).values())

    def area_indicators_of(self, code: str) -> list[Indicator]:
        """Indicators decided directly under an area that a unit reports (model order)."""
        return list(self._index["area_indicators_of"].get(code, ()))

    def indicators_of(self, goal_id: str) -> list[Indicator]:
        return list(self._index["indicators_of"].get(goal_id, ()))

    def changed(self, **update: Any) -> Model:
        """A copy with some fields replaced; the cached lookups and hashes are rebuilt for it."""
        new = self.model_copy(update=update)
        for key in ("_index", "_fingerprint", "_json_text", "_packed", "_extracts", "_extract_of", "_parts"):
            new.__dict__.pop(key, None)
        return new

    def for_unit(self, code: str, keep: bool = True) -> Model:
        """The part of the model one unit's workbook needs (its extract, *utdrag*).

        Everything the unit reports or sees as context stays — its goals with
        their parents, their indicators, the area indicators it reports, its
        programmes and its plans — with the whole frame (scales, levels, areas,
        units, periods). The extract keeps this model's fingerprint, so a
        workbook checked against it is checked against the version that made it.
        A unit workbook then carries a few kilobytes, not the whole municipality.
        ``keep=False`` makes it without keeping it (``generate`` writes each
        extract once: kept, 1 500 of them filled the memory).
        """
        cache = self.__dict__.setdefault("_extracts", {})
        if code in cache:
            return cache[code]
        goals = self._index["goal"]
        wanted = set(self._index["goals_of_unit"].get(code, {}))
        programmes = [p for p in self.programmes if code in p.units]
        plans = [p for p in self.plans if p.unit == code]
        wanted.update(g for p in programmes for g in p.goals)
        for plan in plans:
            wanted.update(x for x in [*(g.parent for g in plan.goals), *(a.goal for a in plan.activities),
                                      *(i.goal for i in plan.indicators)] if x)
        for gid in list(wanted):  # parents, for the context rows and valid references
            seen: set[str] = set()
            while gid in goals and goals[gid].parent and gid not in seen:
                seen.add(gid)
                gid = goals[gid].parent
                wanted.add(gid)
        indicators = [i for i in self.indicators
                      if (i.goal in wanted and i.goal is not None) or (i.goal is None and code in i.units)]
        extract = self.changed(goals=[g for g in self.goals if g.id in wanted], indicators=indicators,
                               programmes=programmes, plans=plans)
        extract.__dict__["_fingerprint"] = self.fingerprint()
        extract.__dict__["_extract_of"] = code
        extract.__dict__["_json_text"] = self._extract_text(extract)
        if keep:
            cache[code] = extract
        return extract

    @cached_property
    def _parts(self) -> tuple[list[tuple[str, str, str | None]], dict[int, str]]:
        """This model's JSON text in parts, for its extracts: each top-level key (Python name, JSON) with its
        value's JSON, None for the lists an extract takes a part of; and each item of those lists' JSON, by id."""
        data = self.to_data()
        items: dict[int, str] = {}
        lists = {_alias(Model, name): name for name in _EXTRACT_LISTS}
        for alias, name in lists.items():
            for obj, item in zip(getattr(self, name), data.get(alias, []), strict=True):
                items[id(obj)] = json.dumps(item, ensure_ascii=False)
        keys = [(lists.get(k, ""), json.dumps(k, ensure_ascii=False), None if k in lists else json.dumps(v, ensure_ascii=False))
                for k, v in data.items()]
        return keys, items

    def _extract_text(self, extract: Model) -> str:
        """``extract.json_text()`` put together from this model's parts: what stays the same for every unit is
        written once, not again for each (at 1 500 units, most of each workbook's time)."""
        keys, items = self._parts
        out = []
        try:
            for name, key, value in keys:
                if value is None:
                    chosen = getattr(extract, name)
                    if not chosen:
                        continue  # an empty list is left out, as exclude_defaults leaves it out
                    value = "[" + ", ".join(items[id(x)] for x in chosen) + "]"
                out.append(f"{key}: {value}")
        except KeyError:  # an item that is not this model's own: written the plain way
            return json.dumps(extract.to_data(), ensure_ascii=False)
        return "{" + ", ".join(out) + "}"

    def to_data(self) -> dict[str, Any]:
        """The model as plain data with the Swedish keys, as written in YAML."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)

    @cached_property
    def _fingerprint(self) -> str:
        # pydantic's own JSON (fields in declared order, lists and dicts in model order): fast and stable
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()[:16]

    def fingerprint(self) -> str:
        """A short, stable hash of the model's content (not of its file)."""
        return self._fingerprint

    @cached_property
    def _json_text(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False)

    def json_text(self) -> str:
        """The model as compact JSON (Swedish keys)."""
        return self._json_text

    @cached_property
    def _packed(self) -> list[str]:
        import base64
        import zlib

        blob = base64.b64encode(zlib.compress(self.json_text().encode("utf-8"), 9)).decode("ascii")
        mark = PACKED_MARK
        if "_extract_of" in self.__dict__:  # an extract names its unit and the whole model's fingerprint
            mark += f";utdrag={self.__dict__['_extract_of']};modellhash={self.fingerprint()}"
        return [mark] + [blob[i:i + PACKED_CHUNK] for i in range(0, len(blob), PACKED_CHUNK)]

    def packed(self) -> list[str]:
        """The model as cell texts for a workbook's ``_modell`` sheet: a mark, then zlib+base64 chunks."""
        return self._packed

    @classmethod
    def unpack(cls, cells: list[str]) -> Model:
        """The model (or unit extract) from the cell texts :meth:`packed` wrote (or from plain JSON cells)."""
        cells = [str(c) for c in cells if c]
        mark, _, extra = (cells[0] if cells else "").partition(";")
        if mark == PACKED_MARK:
            import base64
            import zlib

            inflater = zlib.decompressobj()  # bounded: the cells come from a file that may have been tampered with
            raw = inflater.decompress(base64.b64decode("".join(cells[1:])), MAX_PACKED_BYTES + 1)
            if len(raw) > MAX_PACKED_BYTES or not inflater.eof:
                raise ValueError(f"the packed model inflates to more than {MAX_PACKED_BYTES} bytes, or is cut short")
            text = raw.decode("utf-8")
        else:
            text, extra = "".join(cells), ""
        model = cls.model_validate(json.loads(text))
        fields = dict(part.partition("=")[::2] for part in extra.split(";") if "=" in part)
        if fields.get("utdrag") and fields.get("modellhash"):
            model.__dict__["_fingerprint"] = fields["modellhash"]
            model.__dict__["_extract_of"] = fields["utdrag"]
        return model


# -- the JSON Schema in Swedish (editors show titles and descriptions as tooltips) ------

SCHEMA_WORDS: dict[str, tuple[str, str]] = {
    "Model": ("Styrmodell", "En kommuns styrmodell: vision, värdeord, skalor, målnivåer, områden, enheter, perioder, mål och indikatorer"),
    "Municipality": ("Kommun", "Kommunens namn och kommunkod"),
    "Mandate": ("Mandatperiod", "Första och sista året"),
    "Vision": ("Vision", "Visionens rubrik och text"),
    "Value": ("Värdeord", "Ett värdeord med sin text"),
    "Meaning": ("Betydelse", "Vad ett steg betyder när nivåer med olika skalor räknas samman"),
    "RuleBasis": ("Andel av", "Vad regelns andel räknas av: målvärdet eller vägen från utgångsvärdet till målvärdet"),
    "StepRule": ("Regel för förslaget", "Stegets egen gräns för förslaget, t.ex. minst 80 % av målvärdet"),
    "Label": ("Steg i skalan", "Ett steg med kommunens egen ordalydelse, färg och eventuellt tecken och regel"),
    "Scale": ("Bedömningsskala", "Stegen ordnade från bäst till sämst: 2–7 bedömande steg och eventuellt 'ej bedömt'"),
    "Combine": ("Sammanvägning", "Hur flera enheters bedömningar av ett mål blir kommunens"),
    "GoalLevel": ("Målnivå", "Ett slags mål (inriktningsmål, kvalitetsfaktor, grunduppdrag …) med egen skala och egna ord"),
    "Area": ("Område", "Strategiskt område, huvudprocess eller perspektiv: den översta indelningen"),
    "UnitKind": ("Enhetstyp", "Nämnd, bolag, förvaltning eller övrigt"),
    "BudgetFrame": ("Budgetram", "Ett års budgetram i tkr"),
    "Unit": ("Enhet", "En nämnd, ett bolag eller en förvaltning som rapporterar"),
    "OccasionKind": ("Periodtyp", "Månad, tertial, delår, helår eller särskild"),
    "Occasion": ("Period", "Ett uppföljningstillfälle som återkommer varje år"),
    "Goal": ("Mål", "Ett mål på en nivå, i ett område, med ansvariga enheter"),
    "Measure": ("Måttenhet", "Vad indikatorn mäts i"),
    "Comparison": ("Jämförelse", "Minst eller högst"),
    "Direction": ("Riktning", "Öka eller minska"),
    "ValueTarget": ("Målvärde", "Ett värde att nå ett visst år (ett delmål när de är flera)"),
    "RankTarget": ("Rangmål", "Bland de p % bästa kommunerna, eller en placering, ett visst år"),
    "DirectionTarget": ("Riktningsmål", "Värdet ska öka eller minska"),
    "ChangeTarget": ("Årlig förändring", "En förändring i procent varje år, t.ex. −5 för 'minska med 5 % årligen'"),
    "LevelTarget": ("Nivå att hålla", "En nivå att hålla, t.ex. minst 93 %"),
    "ReportTarget": ("Redovisas", "Redovisas utan målvärde: inget förslag görs"),
    "Aggregation": ("Sammanräkning", "Hur enheternas utfall blir kommunens"),
    "Baseline": ("Utgångsvärde", "Värdet och året målbanan utgår från"),
    "Indicator": ("Indikator", "Något som mäts, med måttenhet, utgångsvärde och målvärden"),
    "Programme": ("Handlingsprogram", "Ett program som flera enheter följer upp, kopplat till mål"),
    "PlanGoal": ("Nämndmål", "En nämnds eget mål i verksamhetsplanen, under ett av fullmäktiges mål"),
    "Activity": ("Aktivitet", "Planerat arbete under ett nämndmål eller ett av fullmäktiges mål"),
    "PlanIndicator": ("Nämndens indikator", "En indikator som nämnden lägger till för sitt mål"),
    "BudgetLine": ("Budgetrad", "Ett belopp i nämndens budget per verksamhet (tkr)"),
    "Plan": ("Verksamhetsplan", "En nämnds verksamhetsplan för ett år"),
}


def json_schema() -> dict[str, Any]:
    """The styrmodell's JSON Schema (Swedish keys), with Swedish titles and descriptions."""
    sch = Model.model_json_schema(by_alias=True)
    for name, part in [("Model", sch), *sch.get("$defs", {}).items()]:
        words = SCHEMA_WORDS.get(name)
        if words is not None:
            part["title"], part["description"] = words
    return sch


# -- cross-reference checks ------------------------------------------------------


def check_model(model: Model) -> list[tuple[Path_, str]]:
    """Every cross-reference problem of a parsed model, as (path, Swedish message)."""
    problems: list[tuple[Path_, str]] = []

    def dupes(items: list[Any], key: str, coll: str, what: str) -> set[str]:
        seen: set[str] = set()
        ids: set[str] = set()
        for i, item in enumerate(items):
            value = getattr(item, key)
            if value in seen:
                problems.append(((coll, i, _alias(type(item), key)), f"{what} '{value}' finns redan (dubblett)"))
            seen.add(value)
            ids.add(value)
        return ids

    scale_ids = dupes(model.scales, "id", "skalor", "skalan")
    level_ids = dupes(model.levels, "id", "målnivåer", "målnivån")
    area_ids = dupes(model.areas, "id", "områden", "området")
    unit_ids = dupes(model.units, "code", "enheter", "enheten")
    occ_ids = dupes(model.occasions, "id", "perioder", "perioden")
    dupes(model.goals, "id", "mål", "målet")
    dupes(model.indicators, "id", "indikatorer", "indikatorn")
    dupes(model.programmes, "id", "handlingsprogram", "handlingsprogrammet")
    all_ids: dict[str, str] = {}
    collections: tuple[tuple[str, Sequence[Goal | Indicator]], ...] = (("mål", model.goals), ("indikatorer", model.indicators))
    for coll, items in collections:
        for i, item in enumerate(items):
            if item.id in all_ids and all_ids[item.id] != coll:
                problems.append(((coll, i, "id"), f"id '{item.id}' används redan av ett {all_ids[item.id]}-objekt"))
            all_ids.setdefault(item.id, coll)

    if model.mandate.end < model.mandate.start:
        problems.append((("mandatperiod", "till"), "mandatperiodens slutår ligger före startåret"))

    for i, sc in enumerate(model.scales):
        seen: set[str] = set()
        for j, lab in enumerate(sc.labels):
            if lab.label in seen:
                problems.append((("skalor", i, "etiketter", j, "etikett"), f"etiketten '{lab.label}' finns två gånger i skalan '{sc.id}'"))
            seen.add(lab.label)
        if not any(lab.meaning == Meaning.REACHED for lab in sc.labels):
            problems.append((("skalor", i, "etiketter"), f"skalan '{sc.id}' saknar en etikett med betydelsen 'uppfyllt'"))
        n_steps = len(sc.steps)
        if not MIN_STEPS <= n_steps <= MAX_STEPS:
            problems.append((("skalor", i, "etiketter"), f"skalan '{sc.id}' har {n_steps} bedömande steg; "
                             f"en skala har {MIN_STEPS}–{MAX_STEPS} steg (utöver 'ej bedömt')"))

    def check_units(path: Path_, codes: list[str]) -> None:
        for k, code in enumerate(codes):
            if code not in unit_ids:
                problems.append(((*path, k), f"okänd enhet '{code}' (finns inte under enheter)"))

    def check_occ(path: Path_, occs: list[str]) -> None:
        for k, occ in enumerate(occs):
            if occ not in occ_ids:
                problems.append(((*path, k), f"okänd period '{occ}' (finns inte under perioder)"))

    for i, lv in enumerate(model.levels):
        if lv.scale not in scale_ids:
            problems.append((("målnivåer", i, "skala"), f"okänd skala '{lv.scale}'"))
        check_occ(("målnivåer", i, "uppföljning"), lv.follow_up)
    if model.indicator_scale is not None and model.indicator_scale not in scale_ids:
        problems.append((("indikatorskala",), f"okänd skala '{model.indicator_scale}'"))

    goals = {g.id: g for g in model.goals}
    basic_levels = {lv.id: lv for lv in model.levels if lv.basic}
    areas = {a.id: a for a in model.areas}
    basic_of_area: dict[str, str] = {}
    for i, g in enumerate(model.goals):
        basic = basic_levels.get(g.level)
        area = areas.get(g.area)
        if basic is not None and area is not None:
            if g.area in basic_of_area:
                problems.append((("mål", i, "nivå"), f"området '{g.area}' har redan ett {basic.one()} ('{basic_of_area[g.area]}'); "
                                 f"nivån '{g.level}' är områdenas grunduppdrag, högst ett mål per område"))
            basic_of_area.setdefault(g.area, g.id)
            if not area.text.strip():
                problems.append((("mål", i, "område"), f"målet '{g.id}' är områdets {basic.one()} och har områdets text, "
                                 f"men området '{g.area}' saknar text"))
            elif _words(g.text) != _words(area.text):
                problems.append((("mål", i, "text"), f"målet '{g.id}' är områdets {basic.one()}: dess text ska vara områdets text "
                                 f"('{_clip(area.text)}'), inte '{_clip(g.text)}'; utelämna texten så tas den från området"))
        elif not g.text.strip():
            problems.append((("mål", i, "text"), f"målet '{g.id}' saknar text (den beslutade lydelsen)"))
        if g.level not in level_ids:
            problems.append((("mål", i, "nivå"), f"okänd målnivå '{g.level}'"))
        if g.area not in area_ids:
            problems.append((("mål", i, "område"), f"okänt område '{g.area}'"))
        if g.parent is not None:
            parent = goals.get(g.parent)
            if parent is None:
                problems.append((("mål", i, "överordnat"), f"okänt överordnat mål '{g.parent}'"))
            elif parent.area != g.area:
                problems.append((("mål", i, "överordnat"), f"överordnat mål '{g.parent}' ligger i ett annat område ('{parent.area}', inte '{g.area}')"))
            elif parent.id == g.id:
                problems.append((("mål", i, "överordnat"), "ett mål kan inte vara överordnat sig självt"))
        check_units(("mål", i, "enheter"), g.units)
        check_units(("mål", i, "uppföljs_av"), g.follow_up_by)
        check_occ(("mål", i, "uppföljning"), g.follow_up)
        if not g.reporters:
            problems.append((("mål", i, "enheter"), f"målet '{g.id}' har ingen ansvarig enhet"))
        if g.level in level_ids and model.level(g.level).scale in scale_ids:
            sc = model.scale(model.level(g.level).scale)
            for year, given in g.assessments.items():
                if sc.step(given) is None and sc.meaning_of(given) is None:
                    problems.append((("mål", i, "tidigare_bedömningar", year), f"etiketten '{given}' finns inte i skalan '{sc.id}' ({', '.join(x.label for x in sc.labels)})"))
        if g.from_year and g.to_year and g.to_year < g.from_year:
            problems.append((("mål", i, "till_år"), "till_år ligger före från_år"))
    # cycles in the goal tree
    for i, g in enumerate(model.goals):
        seen_ids = {g.id}
        cur = g
        while cur.parent and cur.parent in goals:
            if cur.parent in seen_ids:
                problems.append((("mål", i, "överordnat"), f"målet '{g.id}' ingår i en cirkel av överordnade mål"))
                break
            seen_ids.add(cur.parent)
            cur = goals[cur.parent]

    for i, ind in enumerate(model.indicators):
        if ind.goal is None and ind.area is None:
            problems.append((("indikatorer", i), f"indikatorn '{ind.id}' måste ha ett mål eller ett område"))
        if ind.goal is not None and ind.goal not in goals:
            problems.append((("indikatorer", i, "mål"), f"okänt mål '{ind.goal}'"))
        if ind.area is not None and ind.area not in area_ids:
            problems.append((("indikatorer", i, "område"), f"okänt område '{ind.area}'"))
        if ind.goal in goals and ind.area is not None and goals[ind.goal].area != ind.area:
            problems.append((("indikatorer", i, "område"), f"indikatorns område '{ind.area}' skiljer sig från målets ('{goals[ind.goal].area}')"))
        if ind.goal is None and ind.area is not None and model.indicator_scale is None:
            problems.append((("indikatorer", i, "område"), "indikatorer direkt under ett område kräver 'indikatorskala' i modellen"))
        if ind.assessments and model.indicator_scale is not None and model.indicator_scale in scale_ids:
            sc = model.scale(model.indicator_scale)
            for year, given in ind.assessments.items():
                if sc.meaning_of(given) is None:
                    problems.append((("indikatorer", i, "tidigare_bedömningar", year), f"etiketten '{given}' finns inte i skalan '{sc.id}' ({', '.join(x.label for x in sc.labels)})"))
        check_units(("indikatorer", i, "enheter"), ind.units)
        check_occ(("indikatorer", i, "uppföljning"), ind.follow_up)
        for code in ind.weights:
            if code not in unit_ids:
                problems.append((("indikatorer", i, "vikter", code), f"okänd enhet '{code}' i vikter"))
        if ind.aggregation == Aggregation.WEIGHTED and not ind.weights:
            problems.append((("indikatorer", i, "sammanräkning"), "vägt_medel kräver vikter per enhet"))
        units = ind.units or (goals[ind.goal].reporters if ind.goal in goals else [])
        if ind.goal is None and not units:
            problems.append((("indikatorer", i, "enheter"), f"indikatorn '{ind.id}' har ingen ansvarig enhet"))
        last_year = None
        for j, t in enumerate(ind.targets):
            target_year = getattr(t, "year", None)
            if target_year is not None and ind.baseline is not None and target_year < ind.baseline.year:
                problems.append((("indikatorer", i, "målvärden", j, "år"), f"målåret {target_year} ligger före utgångsvärdets år {ind.baseline.year}"))
            if target_year is not None and last_year is not None and target_year < last_year:
                problems.append((("indikatorer", i, "målvärden", j, "år"), "delmålen ska stå i årsordning"))
            if target_year is not None:
                last_year = target_year
            if isinstance(t, RankTarget) and (t.best_percent is None) == (t.rank is None):
                problems.append((("indikatorer", i, "målvärden", j), "ett rangmål anger antingen bland_bästa_procent eller placering"))
            if isinstance(t, ValueTarget | LevelTarget) and ind.measure == Measure.PERCENT and not 0 <= t.value <= 100:
                problems.append((("indikatorer", i, "målvärden", j, "värde"), f"målvärdet {fmt_number(t.value, 4)} ligger utanför 0–100 %"))
        if ind.baseline is not None and ind.baseline.value is not None and ind.measure == Measure.PERCENT and not 0 <= ind.baseline.value <= 100:
            problems.append((("indikatorer", i, "utgångsvärde", "värde"), f"utgångsvärdet {fmt_number(ind.baseline.value, 4)} ligger utanför 0–100 %"))

    for i, p in enumerate(model.programmes):
        for k, gid in enumerate(p.goals):
            if gid not in goals:
                problems.append((("handlingsprogram", i, "mål", k), f"okänt mål '{gid}'"))
        check_units(("handlingsprogram", i, "enheter"), p.units)
        check_occ(("handlingsprogram", i, "uppföljning"), p.follow_up)

    if model.plan_level is not None and model.plan_level not in level_ids:
        problems.append((("plannivå",), f"okänd målnivå '{model.plan_level}'"))
    if model.activity_scale is not None and model.activity_scale not in scale_ids:
        problems.append((("aktivitetsskala",), f"okänd skala '{model.activity_scale}'"))
    plan_ids: set[str] = set()
    for i, pl in enumerate(model.plans):
        check_units(("planer", i, "enhet"), [pl.unit])
        own = {g.id for g in pl.goals}
        for j, pg in enumerate(pl.goals):
            if pg.parent is not None and pg.parent not in goals:
                problems.append((("planer", i, "mål", j, "överordnat"), f"okänt mål '{pg.parent}'"))
        planned: tuple[tuple[str, Sequence[PlanGoal | Activity | PlanIndicator]], ...] = (
            ("mål", pl.goals), ("aktiviteter", pl.activities), ("indikatorer", pl.indicators))
        for kind, planned_items in planned:
            for j, planned_item in enumerate(planned_items):
                if planned_item.id in plan_ids or planned_item.id in goals:
                    problems.append((("planer", i, kind, j, "id"), f"id '{planned_item.id}' finns redan"))
                plan_ids.add(planned_item.id)
        linked: tuple[tuple[str, Sequence[Activity | PlanIndicator]], ...] = (
            ("aktiviteter", pl.activities), ("indikatorer", pl.indicators))
        for kind, linked_items in linked:
            for j, linked_item in enumerate(linked_items):
                if linked_item.goal is not None and linked_item.goal not in own and linked_item.goal not in goals:
                    problems.append((("planer", i, kind, j, "mål"), f"okänt mål '{linked_item.goal}'"))
    return problems


def _words(text: str) -> str:
    """A text with its white space evened out: the same wording however the lines are broken."""
    return " ".join(text.split())


def _clip(text: str, n: int = 80) -> str:
    t = _words(text)
    return t if len(t) <= n else t[: n - 1] + "…"


def _alias(cls: type[BaseModel], name: str) -> str:
    f = cls.model_fields.get(name)
    return (f.alias or name) if f else name
