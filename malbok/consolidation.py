"""Consolidate returned workbooks into the council's (KF) follow-up.

:func:`consolidate` is the one function behind ``malbok consolidate`` and the
Excel button. It reads every file, checks it against the model, and never stops
for a bad file: every problem becomes a :class:`~malbok.findings.Finding`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any, NamedTuple, Protocol, TypeVar, cast

import pandas as pd

from .findings import ERROR, INFO, WARNING, Code, Finding, FindingsSummary, UnitStatus
from .kolada import ATTRIBUTION as KOLADA_ATTRIBUTION
from .layout import (
    ACTIVITY_LEVEL,
    ASSESSED_KINDS,
    HEADERS,
    KF_DATA,
    KF_UNITS,
    KIND_ACTIVITY,
    KIND_CONTEXT,
    KIND_GOAL,
    KIND_INDICATOR,
    KIND_PROGRAMME,
    LAYOUT_VERSION,
    ROUND_FOLLOW_UP,
    TEXT_LIMIT,
    TEXT_RULE,
    Expected,
    Identity,
    outcome_rule,
)
from .model import Aggregation, Combine, Indicator, Measure, Model, RankTarget, Scale, Unit
from .periods import Period, PeriodError, parse_period
from .returns import (
    Return,
    ReturnRow,
    file_registry,
    identity_problem,
    layout_problem,
    nfc,
    read_return,
    read_values,
)
from .scope import Row, expected_rows, indicator_texts, plan_workbook
from .targets import (
    Earlier,
    Suggestion,
    applicable_target,
    apply_rules,
    combine_goal,
    comparable_previous,
    needs_baseline,
    suggest_indicator,
    uses_previous,
)
from .util import no_cycle_collection
from .values import cell_text as _text
from .values import parse_number

COUNCIL = "Kommunen"


class DataRecord(NamedTuple):
    """One row of the tidy ``Data`` table: a unit's (or the council's) row at the period.

    The fields are the table's columns in order (their Swedish headers in
    :data:`DATA_HEADERS`), then the suggestion's meaning, which is not a column.
    """

    period: str
    unit: str
    unit_name: str
    area: str
    id: str
    kind: str
    level: str
    parent: str
    text: str
    measure: str
    outcome: float | None
    rank: float | None
    target: str
    assessment: str
    proposal: str
    reason: str
    comment: str
    actions: str
    file: str
    cell: str
    compiled_by: str  # "enhet" or "kommun"
    meaning: Any = None  # the suggestion's Meaning (not a column)


DATA_HEADERS: dict[str, str] = {c.key: c.header for c in KF_DATA.columns}  # declared in malbok.layout.KF_DATA
DATA_COLUMNS = KF_DATA.headers
assert tuple(DATA_HEADERS) == DataRecord._fields[:len(DATA_HEADERS)]
UNIT_COLUMNS = KF_UNITS.headers


@dataclass
class Consolidation(FindingsSummary):
    """Everything consolidated for the council, with the findings."""

    model: Model
    period: Period
    findings: list[Finding]
    data: pd.DataFrame
    units: pd.DataFrame
    files_read: int = 0
    files: list[Path] = field(default_factory=list)
    # seconds: "enheternas rader" (what each unit reports, from the model), "läsning och kontroll" (the files),
    # "sammanställning" (council-level rows and the tables)
    timings: dict[str, float] = field(default_factory=dict)
    # the history store: the accepted returns as (unit, file name, SHA-256), the earlier values used
    # (a malbok.history.History), and after recording the units that resubmitted and what changed
    submissions: list[tuple[str, str, str]] = field(default_factory=list)
    earlier: Any = None
    resubmitted: list[str] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # the files api.consolidate wrote from it

    def __post_init__(self) -> None:
        self.files_given = len(self.files)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# collected too, so that each gets its own finding (save as .xlsx) instead of being skipped without a word
OTHER_SUFFIXES = (".xls", ".xlsb", ".ods", ".fods", ".numbers")


def collect_paths(returns: Iterable[str | Path] | str | Path) -> tuple[list[Path], list[Finding]]:
    """Expand folders into their workbook files (sorted; Excel and LibreOffice lock files skipped).

    Nothing is opened here: what is not a regular file (a FIFO, a device, a dangling link) is
    collected like the rest, and the reader names it without opening it.
    """
    items = [returns] if isinstance(returns, str | Path) else list(returns)
    paths: list[Path] = []
    findings: list[Finding] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            try:
                entries = sorted(p.iterdir())
            except OSError as e:
                from .messages import os_error_text

                findings.append(Finding(p.name or str(p), "", "", "", "tom-mapp", f"mappen '{p}' kan inte läsas: {os_error_text(e)}", ERROR))
                continue
            found = [x for x in entries
                     if x.suffix.lower() in WORKBOOK_SUFFIXES + OTHER_SUFFIXES and not x.name.startswith(("~$", ".~lock", "."))]
            if not found:
                findings.append(Finding(p.name or str(p), "", "", "", "tom-mapp", f"mappen '{p}' innehåller inga arbetsböcker (.xlsx/.xlsm)", ERROR))
            paths += found
        elif p.exists() or p.is_symlink():
            paths.append(p)
        else:
            findings.append(Finding(p.name, "", "", "", "ej-arbetsbok", f"filen '{p}' finns inte", ERROR))
    # the same file named twice is read once
    unique: dict[Path, Path] = {}
    for p in paths:
        unique.setdefault(p.resolve(), p)
    return list(unique.values()), findings


def _label_in_scale(scale: Scale, raw: Any) -> str | None:
    for lab in scale.labels:  # chosen from the list: exactly a label
        if lab.label == raw:
            return lab.label
    text = nfc(" ".join(str(raw).split()))  # typed, perhaps with an å spelled as a + ring (NFD)
    for lab in scale.labels:
        if nfc(lab.label) == text:
            return lab.label
    low = text.casefold()
    for lab in scale.labels:
        if nfc(lab.label).casefold() == low:
            return lab.label
    return None


# Python 3.11 finds an Enum member on its class through EnumType.__getattr__, four times slower than a
# module global: these are compared for every row of every file.
_PERCENT, _NUMBER, _TEXT, _RANK, _COUNT, _SEK = (Measure.PERCENT, Measure.NUMBER, Measure.TEXT, Measure.RANK,
                                                  Measure.COUNT, Measure.SEK)


# the plain number's bounds, from its rule: a number typed within them needs no other check (the common case)
_LOW, _HIGH = cast(float, outcome_rule(Measure.NUMBER).minimum), cast(float, outcome_rule(Measure.NUMBER).maximum)


def _range_error(measure: Measure, value: float) -> str | None:
    """What the Utfall (or Placering) cell's rule says is wrong with ``value``: the rule the writer made Excel enforce."""
    return outcome_rule(measure).check(value)


@dataclass
class _Ctx:
    """What stays the same for every file of one consolidation (computed once, used per row)."""

    model: Model
    period: Period
    history: Any = None  # a malbok.history.History: earlier values per unit and ID, or None
    _previous: dict[tuple[str, str], Any] = field(default_factory=dict)
    _baselines: dict[tuple[str, str], Any] = field(default_factory=dict)
    _ranks: dict[tuple[str, str], Any] = field(default_factory=dict)
    _scales: dict[str, Scale] = field(default_factory=dict)
    _texts: dict[str, tuple[str, str]] = field(default_factory=dict)
    _labels: dict[int, _Labels] = field(default_factory=dict)

    def labels(self, scale: Scale) -> _Labels:
        """The scale's labels, looked up for every row (made once per scale)."""
        found = self._labels.get(id(scale))
        if found is None:
            found = self._labels[id(scale)] = _Labels(scale)
        return found

    def indicator_texts(self, ind: Indicator) -> tuple[str, str]:
        """The indicator's measure and the target that applies at the period, in words (the same for every unit)."""
        found = self._texts.get(ind.id)
        if found is None:
            texts = indicator_texts(ind, self.period.year, full=False)
            found = self._texts[ind.id] = (texts["measure"], texts["target_now"])
        return found

    def previous(self, ind: Indicator, unit: str = COUNCIL) -> Earlier | None:
        """The row's comparable previous outcome, when its suggestion needs it (None otherwise): from the
        history store, the unit's own for a unit's row and the council's for the council's (see
        :func:`malbok.targets.comparable_previous`), the model's values filling gaps."""
        if not uses_previous(ind):
            return None
        key = (ind.id, unit)
        found = self._previous.get(key, _MISSING)
        if found is _MISSING:
            if self.history is not None:
                found = self.history.previous(ind, unit)
            else:
                found = comparable_previous(ind, self.period.year, self.period.occasion.id, "")
            self._previous[key] = found
        return cast("Earlier | None", found)

    def baseline(self, ind: Indicator, unit: str = COUNCIL) -> Earlier | None:
        """The start of the straight path from the history store, when the model gives no baseline value."""
        if self.history is None:
            return None
        key = (ind.id, unit)
        found = self._baselines.get(key, _MISSING)
        if found is _MISSING:
            found = self._baselines[key] = self.history.baseline(ind, unit) if needs_baseline(ind) else None
        return cast("Earlier | None", found)

    def previous_rank(self, ind: Indicator, unit: str = COUNCIL) -> float | None:
        """The row's comparable previous rank from the history store, for a rank target (None otherwise)."""
        if self.history is None:
            return None
        key = (ind.id, unit)
        found = self._ranks.get(key, _MISSING)
        if found is _MISSING:
            found = self._ranks[key] = self.history.previous_rank(ind, unit) if _has_rank_target(ind) else None
        return cast("float | None", found)

    def kolada(self, ind: Indicator) -> Any:
        """Kolada's figure for the indicator up to the period's year (a :class:`malbok.kolada.Figure`) from the
        history store's cache, or None."""
        return self.history.kolada.get(ind.id) if self.history is not None and ind.kolada else None

    def with_kolada(self, ind: Indicator, sug: Suggestion, rank: float | None) -> Suggestion:
        """A rank target that applies now, with no place typed, judged from Kolada's computed place instead."""
        fig = self.kolada(ind)
        if fig is None or rank is not None or sug.meaning is not None:
            return sug
        ranked = fig.rank_suggestion
        if ranked is None or not isinstance(applicable_target(ind, self.period.year), RankTarget):
            return sug
        return Suggestion(ranked.meaning, f"enligt Kolada {ranked.reason}")

    def parent_of(self, goal_id: str) -> str:
        return self.model.goal(goal_id).parent or ""

    def goal_scale(self, goal_id: str) -> Scale:
        if goal_id not in self._scales:
            self._scales[goal_id] = self.model.goal_scale(self.model.goal(goal_id))
        return self._scales[goal_id]


_MISSING = object()
NO_PROPOSAL: dict[Any, str] = {}  # a row that shows no suggestion (compared by identity)


def _has_rank_target(ind: Indicator) -> bool:
    return any(type(t) is RankTarget for t in ind.targets)


class _Proposals(dict[Any, str]):
    """A scale's first label of each meaning, knowing its scale (for the scale's own step rules)."""

    def __init__(self, scale: Scale):
        super().__init__()
        self.scale = scale


def _ruled(proposes: dict[Any, str], sug: Suggestion) -> Suggestion:
    """The suggestion placed by the proposing scale's own step rules, when it has any."""
    if sug.target_share is None and sug.path_share is None:
        return sug
    return apply_rules(getattr(proposes, "scale", None), sug)


class _Labels:
    """A scale's labels by their text, with their step (0 = best) and by meaning."""

    __slots__ = ("scale", "step", "by_meaning")

    def __init__(self, scale: Scale):
        self.scale = scale
        self.step: dict[str, int | None] = {}
        self.by_meaning: dict[Any, str] = _Proposals(scale)  # the first label of each meaning, as Scale.label_for
        for lab in scale.labels:
            self.step.setdefault(lab.label, scale.step(lab.label))
            self.by_meaning.setdefault(lab.meaning, lab.label)


class _UnitPlan:
    """One unit's rows at the period, as the consolidation reads them (made once per unit).

    ``rows`` are the data rows of every area sheet in order (context rows left
    out), ``areas`` the sheet title of each, ``expected`` every row where the
    writer put it, and ``goals`` each goal row's index with the indexes of its
    indicators in this unit's rows. ``proposes`` gives the label of a row's
    suggestion by its meaning, in the scale it is given in (False: none shown). The parts of each row's Data
    record that the model gives are made when the table is: :meth:`heads`.
    """

    __slots__ = ("unit", "rows", "keys", "areas", "expected", "goals", "proposes", "needs", "_heads")

    def __init__(self, ctx: _Ctx, unit: Unit):
        plan = plan_workbook(ctx.model, ctx.period, unit.code)
        self.unit = unit
        self.expected: list[Expected] = expected_rows(plan)
        self.rows: list[Row] = []
        self.keys: list[tuple[str, str]] = []  # (kind, ID) of each row, as returns are read
        self.areas: list[str] = []
        self.goals: list[tuple[int, list[int]]] = []
        self.proposes: list[dict[Any, str]] = []
        # per row: what its suggestion needs besides the typed values (None for a row without an indicator):
        # the previous outcome, the previous rank, a baseline from history; whether the scale has step rules
        self.needs: list[tuple[bool, bool, bool, bool] | None] = []
        self._heads: list[tuple[tuple[Any, ...], tuple[str]]] | None = None
        rows, goals = self.rows, self.goals
        for sp in plan.sheets:
            goal: tuple[str, list[int]] = ("", [])
            for r in sp.rows:
                if r.kind == KIND_CONTEXT:
                    continue
                ind = r.indicator
                if r.kind == KIND_GOAL:  # a goal's indicators follow it in the sheet
                    goal = (r.id, [])
                    goals.append((len(rows), goal[1]))
                elif ind is not None and ind.goal == goal[0]:
                    goal[1].append(len(rows))
                rows.append(r)
                self.keys.append((r.kind, r.id))
                self.areas.append(sp.title)
                if ind is not None:
                    scale = r.scale if r.scale is not None else ctx.goal_scale(ind.goal) if ind.goal else None
                    self.needs.append((uses_previous(ind), _has_rank_target(ind), needs_baseline(ind),
                                       scale is not None and scale.has_rules))
                elif "assessment" in r.inputs:
                    scale = r.scale
                    self.needs.append(None)
                else:
                    self.proposes.append(NO_PROPOSAL)
                    self.needs.append(None)
                    continue
                self.proposes.append(ctx.labels(scale).by_meaning if scale is not None else {})

    def heads(self, ctx: _Ctx) -> list[tuple[tuple[Any, ...], tuple[str]]]:
        """Per row, what the model gives of its Data record: the columns up to Måttenhet, and Målvärde
        (see :func:`_joined`)."""
        if self._heads is None:
            pid, code, uname = ctx.period.id, self.unit.code, self.unit.name
            self._heads = []
            for area, r in zip(self.areas, self.rows, strict=True):
                ind = r.indicator
                if ind is not None:
                    parent = ind.goal or ""
                    measure, target = ctx.indicator_texts(ind)
                else:
                    parent = ctx.parent_of(r.id) if r.kind in ASSESSED_KINDS else ""
                    measure = target = ""
                self._heads.append(((pid, code, uname, area, r.id, r.kind, r.level, parent, r.text, measure), (target,)))
        return self._heads


class _FileCheck:
    """Checks one return's rows against its unit's rows: the values read, each row's suggestion, and findings.

    :meth:`records` gives, in the order of the unit's rows, the part of each
    row's Data record that comes from the file (joined to the model's part by
    :func:`_joined`).
    """

    def __init__(self, ctx: _Ctx, ret: Return):
        self.ctx, self.ret = ctx, ret
        self.refused = False  # set by _number: the last number read broke its column's rule

    def records(self, up: _UnitPlan, name: str) -> tuple[list[tuple[Any, ...]], int]:
        """Every row's record part, read from the file ``name`` (''  when none came), and how many rows were filled in."""
        ctx, ret = self.ctx, self.ret
        year, point, code = ctx.period.year, ctx.period.point, up.unit.code
        get = ret.rows.get
        out: list[tuple[Any, ...]] = []
        later: list[int] = []  # goal and programme rows: their suggestion comes from their indicators
        filled = 0
        history = ctx.history is not None
        add = ret.add
        for row, key, proposes, needs in zip(up.rows, up.keys, up.proposes, up.needs, strict=True):
            rr = get(key)
            ind = row.indicator
            if ind is None:
                if rr is not None and rr.filled("assessment" if "assessment" in row.inputs else "comment"):
                    filled += 1
                later.append(len(out))
                out.append(())
                continue
            if rr is None:
                sug = suggest_indicator(ind, None, year, point, None, None, None)
                out.append((None, None, "", proposes.get(sug.meaning) or "", sug.reason,  # an indicator's: always a dict
                            "", "", "", "", "enhet", sug.meaning))
                continue
            raw = rr.raw
            outcome = raw.get("outcome")
            measure = ind.measure
            letter = rr.letters.get("outcome")
            at = f"{letter}{rr.row}" if letter else ""  # the Utfall cell (rr.cell("outcome"))
            value: float | None
            judged: float | None
            if type(outcome) is float and (measure is _NUMBER and _LOW <= outcome <= _HIGH or measure is _PERCENT and 1 < outcome <= 100):
                value = judged = outcome  # typed as a number that needs no check: the common case
            elif type(outcome) is float and measure is _PERCENT and 0 < outcome <= 1 and ret.is_percent(rr.sheet, at):
                value = judged = round(outcome * 100, 10)  # a share in a percent cell (85 % typed in Excel): as _number reads it
            else:
                value = self._number(rr, "outcome", measure, row.id)
                judged = None if self.refused else value  # a value outside the column's rule is kept, not judged
            if "rank" in row.inputs:
                rank = self._number(rr, "rank", _RANK, row.id)
                judged_rank = None if self.refused else rank
            else:
                rank = judged_rank = None
            comment = raw.get("comment")
            comment = comment.strip() if type(comment) is str else _text(comment)
            if value is None and not rr.filled("outcome") and not comment:
                add(rr.sheet, at, row.id, "utfall-saknas",
                    f"indikatorn {row.id} saknar utfall och kommentaren säger inte varför", ERROR)
            elif value is not None or rr.filled("outcome"):
                filled += 1
            assert needs is not None
            uses_prev, rank_target, base_needed, ruled = needs
            sug = suggest_indicator(ind, judged, year, point, ctx.previous(ind, code) if uses_prev else None, judged_rank,
                                    ctx.previous_rank(ind, code) if history and rank_target else None,
                                    ctx.baseline(ind, code) if history and base_needed else None)
            if ind.kolada:
                sug = ctx.with_kolada(ind, sug, judged_rank)
                self._against_kolada(rr, ind, judged_rank)
            if ruled:
                sug = _ruled(proposes, sug)
            meaning = sug.meaning
            label = self._assessment(rr, row, sug) if row.scale is not None else ""
            if len(comment) > TEXT_LIMIT:
                self._too_long(rr, "comment", row.id, comment)
            actions = raw.get("actions")
            actions = actions.strip() if type(actions) is str else _text(actions)
            if len(actions) > TEXT_LIMIT:
                self._too_long(rr, "actions", row.id, actions)
            out.append((value, rank, label, sug.label or proposes.get(meaning) or "", sug.reason, comment,
                        actions, name, at, "enhet", meaning))
        goal_suggestion: dict[int, Suggestion] = {}
        for i, inds in up.goals:
            meaning = combine_goal([out[j][-1] for j in inds])
            goal_suggestion[i] = Suggestion(meaning, "utifrån indikatorerna" if meaning else "inga indikatorer med målvärde att bedöma")
        for i in later:
            row, proposes, sug = up.rows[i], up.proposes[i], goal_suggestion.get(i, _NONE)
            rr = get(up.keys[i])
            meaning = sug.meaning
            if rr is None:
                label = comment = actions = file = ""
            else:
                label = self._assessment(rr, row, sug) if "assessment" in row.inputs else ""
                comment, actions, file = self._text(rr, "comment", row.id), self._text(rr, "actions", row.id), name
            proposal, why = ("", "") if proposes is NO_PROPOSAL else (proposes.get(meaning) or "", sug.reason)
            out[i] = (None, None, label, proposal, why, comment, actions, file, "", "enhet", meaning)
        return out, filled

    def _text(self, rr: ReturnRow, key: str, rid: str) -> str:
        """A text cell as typed (kept whole); a finding when it is longer than the cell's rule allows."""
        raw = rr.raw.get(key)
        text = raw.strip() if type(raw) is str else _text(raw)
        if len(text) > TEXT_LIMIT:
            self._too_long(rr, key, rid, text)
        return text

    def _too_long(self, rr: ReturnRow, key: str, rid: str, text: str) -> None:
        self.ret.add(rr.sheet, rr.cell(key), rid, "for-lang-text",
                     f"{HEADERS[key]} {TEXT_RULE.problem} ({len(text)} tecken); texten läses hel och finns hel i "
                     "CSV- och Parquet-exporten (malbok export)")

    def _number(self, rr: ReturnRow, key: str, measure: Measure, rid: str) -> float | None:
        """The number in the row's cell ``key``; sets ``refused`` when it breaks the column's rule (with a finding)."""
        self.refused = False
        raw = rr.raw.get(key)
        if raw is None or measure is _TEXT:
            return None
        value: float | None
        if type(raw) is float:  # typed as a number (see rows() for those that need no check)
            value, from_text, percent_sign = raw, False, False
        else:
            parsed = parse_number(raw)
            if parsed.ambiguous:
                self.ret.add(rr.sheet, rr.cell(key), rid, "tvetydigt-tal", f"{_what(key)}: {parsed.ambiguous}",
                             WARNING if parsed.value is not None else ERROR)
            if parsed.error:
                self.ret.add(rr.sheet, rr.cell(key), rid, "ej-tal", f"{_what(key)}: {parsed.error}", ERROR)
                return None
            value, from_text, percent_sign = parsed.value, parsed.from_text, parsed.percent_sign
            if value is None:
                return None
        ret = self.ret
        cell = rr.cell(key)
        # A %-indicator's value is a percent, 0–100 (as in the model and KF.xlsx). A number stored in a
        # percent-formatted cell (the writer's PERCENT_FORMAT, or any format with %) is read as the cell
        # shows it: up to 1 it is a share (0,855 → 85,5 %, which is also what a typed 85 % or 85,5 %
        # and Excel's automatic percent entry of 85 store), above 1 the percent itself (LibreOffice
        # stores a typed 85 as 85). A number up to 1 in a cell without a percent format, or a text
        # '0,855' without a % sign, is genuinely unclear (0,855 % or 85,5 %?): taken as typed, with a
        # warning naming the cell. A text with a % sign ('85,5 %') is the percent.
        if measure is _PERCENT and 0 < value <= 1 and not (from_text and (percent_sign or value == 1)):
            if not from_text and cell and ret.is_percent(rr.sheet, cell):
                value = round(value * 100, 10)  # 0,855 shown as 85,5 %
            else:
                ret.add(rr.sheet, cell, rid, "andel-som-procent",
                        f"{_what(key)} {_sv(value)} lästes som {_sv(value)} %; menade ni {_sv(value * 100)} %? Skriv procent "
                        "som tal mellan 0 och 100 eller med procenttecken (85 %)", WARNING)
        problem = _range_error(measure, value)
        if problem:
            if measure is _PERCENT and value > 100 and not from_text and value.is_integer():
                problem += ("; med engelska inställningar är komma tusentalstecken, så 0,855 blir 855 och 85,5 blir text: "
                            "skriv då punkt som decimaltecken (85.5 eller 0.855)")
            ret.add(rr.sheet, cell, rid, "utanfor-intervall", f"{_what(key)} {_sv(value)} {problem}", ERROR)
            self.refused = True
        return value

    def _against_kolada(self, rr: ReturnRow, ind: Indicator, rank: float | None) -> None:
        """A typed place that differs from the one computed from Kolada's values for the same year: a warning."""
        fig = self.ctx.kolada(ind)
        pos = fig.row.position if fig is not None else None
        if rank is None or pos is None or pos.year != self.ctx.period.year or rank == pos.rank:
            return
        self.ret.add(rr.sheet, rr.cell("rank"), ind.id, Code.KOLADA_RANK,
                     f"placeringen {_sv(rank)} skiljer sig från den som räknats fram ur Koladas värden för "
                     f"{pos.year}: plats {pos.rank} av {pos.n} ({fig.row.kpi}); kontrollera siffran", WARNING)

    def _assessment(self, rr: ReturnRow, row: Row, sug: Suggestion) -> str:
        """The assessment given on the row, checked against its scale and the suggestion ('' when none or not valid)."""
        scale = row.scale
        assert scale is not None
        raw = rr.raw.get("assessment")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            self.ret.add(rr.sheet, rr.cell("assessment"), row.id, "bedomning-saknas", f"{row.kind.lower()} {row.id} saknar bedömning", ERROR)
            return ""
        steps = self.ctx.labels(scale).step
        label = raw if type(raw) is str and raw in steps else _label_in_scale(scale, raw)  # chosen from the list, or typed
        if label is None:
            self.ret.add(rr.sheet, rr.cell("assessment"), row.id, "ej-i-skalan",
                         f"'{_text(raw)}' finns inte i skalan; välj en av: {', '.join(lab.label for lab in scale.labels)}", ERROR)
            return ""
        own = steps[label]
        proposed = sug.label or self.ctx.labels(scale).by_meaning.get(sug.meaning) if sug.meaning else None
        mine = steps.get(proposed) if proposed else None
        if own is not None and mine is not None and mine - own > 1:
            self.ret.add(rr.sheet, rr.cell("assessment"), row.id, "for-optimistisk",
                         f"bedömningen '{label}' är mer än ett steg mer positiv än malboks förslag '{_label(scale, sug)}' ({sug.reason})", WARNING)
        return label


_NONE = Suggestion(None, "")


def _joined(ctx: _Ctx, up: _UnitPlan, parts: list[tuple[Any, ...]]) -> list[DataRecord]:
    """The unit's Data records: the model's part of each row joined to what its file gave."""
    make = DataRecord._make
    return [make(head + part[:2] + target + part[2:]) for (head, target), part in zip(up.heads(ctx), parts, strict=True)]


def _label(scale: Scale | None, sug: Suggestion) -> str:
    if scale is None or sug.meaning is None:
        return ""
    if sug.label:
        return sug.label
    return scale.label_for(sug.meaning) or ""


def _what(key: str) -> str:
    return "Utfall" if key == "outcome" else "Placering"


def _sv(v: float) -> str:
    from .targets import fmt_number

    return fmt_number(v, 3)


def consolidate(
    model: Model | str | Path,
    paths: Iterable[str | Path] | str | Path,
    period: str | Period,
    prefer: Iterable[str | Path] = (),
    progress: Callable[[str], None] | None = None,
    values: dict[str, dict[str, list[list[Any]]]] | None = None,
    processes: int | None = None,
    history: Any = None,
) -> Consolidation:
    """Read every returned workbook, check it, and build the council's follow-up.

    ``paths`` are files or folders. Bad files never stop the others: their
    problems are in ``.findings``. ``prefer`` settles two differing files from
    the same unit. ``values`` are workbooks open in Excel (sheet name -> cell
    values), read like files. ``processes`` is how many processes read the
    files (default: one per core when there are many files; 1 reads them
    here, one at a time); the result is the same whatever it is. ``history``
    (a :class:`malbok.history.History`) gives the earlier values that
    suggestions compare with; without it only the model's are used.
    """
    from .load import load_model

    model = model if isinstance(model, Model) else load_model(model)
    period = period if isinstance(period, Period) else parse_period(model, period)
    files, findings = collect_paths(paths)
    prefer_set = {Path(p).resolve() for p in prefer}
    run = _Run(model, period, history)

    with no_cycle_collection():
        return _consolidate(run, files, findings, prefer_set, progress, values, processes)


def _consolidate(run: _Run, files: list[Path], findings: list[Finding], prefer_set: set[Path],
                 progress: Callable[[str], None] | None, values: dict[str, dict[str, list[list[Any]]]] | None,
                 processes: int | None = None) -> Consolidation:
    model = run.model
    started = time.perf_counter()
    for u in model.units:  # what each unit reports, from the model: also for the units that send nothing
        run.unit_plan(u.code)
    planned = time.perf_counter()
    results = check_files(run, files, progress, processes)
    results += [run.check(read_values(name, sheets, run.expected_for)) for name, sheets in (values or {}).items()]
    returns = [c.ret for c in results]

    accepted: dict[str, list[Return]] = {}
    for c in results:
        if c.accepted:
            accepted.setdefault(c.ret.unit, []).append(c.ret)
    chosen, status = choose_among_duplicates(accepted, prefer_set)
    checked_of = {id(c.ret): c for c in results}

    read: list[tuple[_UnitPlan, list[tuple[Any, ...]]]] = []  # every unit with rows: what its file gave, or nothing
    unit_rows: list[dict[str, Any]] = []
    for u in model.units:
        up = run.unit_plan(u.code)
        if not up.rows:
            continue
        total = len(up.rows)
        ret = chosen.get(u.code)
        if ret is None:
            st = status.get(u.code, UnitStatus.MISSING)
            if st == UnitStatus.MISSING:
                findings.append(Finding("", "", "", "", "saknas", f"ingen arbetsbok från {u.name} ({u.code})", WARNING, u.code))
            read.append((up, _FileCheck(run.ctx, Return(Path(""), identity=Identity(unit=u.code))).records(up, "")[0]))
            unit_rows.append({"Enhet": u.code, "Namn": u.name, "Fil": "", "Status": st, "Rader": total,
                              "Ifyllda": 0, "Andel ifylld": 0.0, "Fel": 0, "Varningar": 0})
            continue
        c = checked_of[id(ret)]
        ret.findings += c.row_findings  # only the chosen file's rows count
        read.append((up, c.records))
        unit_rows.append({"Enhet": u.code, "Namn": u.name, "Fil": ret.name, "Status": status.get(u.code, UnitStatus.SUBMITTED),
                          "Rader": total, "Ifyllda": c.filled, "Andel ifylld": round(c.filled / total, 4) if total else 1.0,
                          "Fel": 0, "Varningar": 0})

    findings = gather_findings(findings, returns, unit_rows)
    submissions = [(unit, ret.name, ret.digest) for unit, ret in sorted(chosen.items())
                   if status.get(unit, UnitStatus.SUBMITTED) in (UnitStatus.SUBMITTED, UnitStatus.CHOSEN)]
    checked = time.perf_counter()

    records = [rec for up, parts in read for rec in _joined(run.ctx, up, parts)]
    records += _council_rows(run.ctx, records)
    columns = list(zip(*records, strict=True)) if records else [()] * len(DATA_COLUMNS)
    data = pd.DataFrame({name: list(columns[i]) for i, name in enumerate(DATA_COLUMNS)}, columns=list(DATA_COLUMNS))
    for col in ("Utfall", "Placering"):
        data[col] = pd.to_numeric(data[col], errors="coerce").astype("float64")
    units = pd.DataFrame(unit_rows, columns=list(UNIT_COLUMNS))
    timings = {"enheternas rader": planned - started, "läsning och kontroll": checked - planned,
               "sammanställning": time.perf_counter() - checked}
    return Consolidation(model, run.period, findings, data, units, files_read=sum(1 for r in returns if r.readable), files=files,
                         timings=timings, submissions=submissions, earlier=run.ctx.history)


@dataclass
class _Checked:
    """One file, read and (when it belongs to this consolidation) checked against its unit's rows."""

    ret: Return
    accepted: bool = False
    records: list[tuple[Any, ...]] = field(default_factory=list)  # what the file gives of the unit's Data records, see _FileCheck
    filled: int = 0
    row_findings: list[Finding] = field(default_factory=list)  # kept apart until the file is chosen


class _Run:
    """What one consolidation knows before any file is read; checks one file at a time.

    Every file is checked on its own (nothing here depends on the other files);
    only the choice among two files from one unit is made afterwards, by
    :func:`consolidate`, which keeps the chosen file's row findings.
    """

    def __init__(self, model: Model, period: Period, history: Any = None):
        self.model, self.period = model, period
        self.ctx = _Ctx(model, period, history)
        self.units = {u.code: u for u in model.units}
        self.fingerprint = model.fingerprint()
        model.build_lookups()  # model-wide, like the fingerprint: not part of any one file's reading
        self.plans: dict[str, _UnitPlan] = {}

    def unit_plan(self, unit: str) -> _UnitPlan:
        found = self.plans.get(unit)
        if found is None:
            found = self.plans[unit] = _UnitPlan(self.ctx, self.units[unit])
        return found

    def expected_for(self, ident: Identity) -> list | None:
        """The rows to expect, known from the model when the file is from this model version and period."""
        unit = ident.unit
        if (ident.model != self.model.id or ident.model_hash != self.fingerprint
                or ident.period != self.period.id or unit not in self.units):
            return None
        return self.unit_plan(unit).expected

    def read(self, path: Path) -> _Checked:
        return self.check(read_return(path, self.expected_for))

    def crashed(self, path: Path, message: str) -> _Checked:
        ret = Return(path)
        ret.add("", "", "", Code.READER_CRASHED, message)
        return _Checked(ret)

    def check(self, ret: Return) -> _Checked:
        result = _Checked(ret)
        if not ret.readable or not self._accept(ret):
            ret.release_formats()  # the kept XML is not sent back from a worker
            return result
        result.accepted = True
        before = len(ret.findings)
        up = self.unit_plan(ret.unit)
        result.records, result.filled = _FileCheck(self.ctx, ret).records(up, ret.name)
        result.row_findings = ret.findings[before:]
        del ret.findings[before:]
        ret.rows, ret.expected = {}, []  # all that is needed of them is in the records
        ret.release_formats()
        return result

    def _accept(self, ret: Return) -> bool:
        """Identity checks: is this file part of this consolidation? A finding says why not."""
        model, period, ident = self.model, self.period, ret.identity
        problem = identity_problem(ident, ROUND_FOLLOW_UP, model.id, f"uppföljningen {period.name} ({period.id})")
        if problem is None and ident.period != period.id:
            problem = "fel-period", (f"arbetsboken gäller {_period_words(model, ident.period)}, inte {period.name} ({period.id}); "
                                     "den konsolideras inte")
        problem = problem or layout_problem(ident, LAYOUT_VERSION, self.units)
        if problem is not None:
            ret.add("", "", "", *problem)
            return False
        unit = ret.unit
        if not self.unit_plan(unit).rows:
            ret.add("", "", "", "enhet-utan-uppdrag", f"enheten {unit} rapporterar inget i perioden {period.id} enligt styrmodellen")
            return False
        if ident.plans == "ja" and not any(pl.year == period.year for pl in model.plans):
            ret.add("", "", "", "plan-saknas", "arbetsboken innehåller nämndernas egna mål och aktiviteter från planomgången; "
                    "konsolidera med --plan Budget.xlsx (samma som vid malbok generate)")
            return False
        if ident.model_hash != self.fingerprint:
            _describe_version_change(ret, self)
        return True


R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class FileReader(Protocol[R_co]):
    """How one round reads a returned file (in a worker process), and what a file whose reading failed gives."""

    def read(self, path: Path) -> R_co: ...

    def crashed(self, path: Path, message: str) -> R_co: ...


def check_files(run: FileReader[R], files: list[Path], progress: Callable[[str], None] | None,
                processes: int | None = None) -> list[R]:
    """``run.read`` for every file, in order; no file can end the run (both rounds read their files so).

    The files are read in worker processes forked from this one (so they know
    the model and the units' rows without sending them): a native abort of
    the reader (which Python cannot catch) ends only that worker. Many files
    are shared among workers, one per core: measured on 2 shared cores, 1 000
    files took 0.63–0.89 of the time of reading them one at a time; threads
    did not pay, since the checks hold Python's lock. When a worker dies, the
    files it may have been reading are each read again in a fresh process of
    their own, and a file whose process dies too becomes a finding; the files
    no worker had started are read by new workers. This process never reads a
    file that made a worker die. Forking is only done on Linux and while no
    other thread runs here; otherwise the files are read here, one at a time,
    relying on the bounded reading alone (:mod:`malbok.bounded`).
    """
    def done(path: Path) -> None:
        if progress is not None:
            progress(path.name)

    workers = _processes(len(files), processes)
    if workers == 0:
        out = []
        for f in files:
            out.append(_read_one(run, f))
            done(f)
        return out
    results: dict[int, R] = {}
    todo = list(range(len(files)))
    chunk = _CHUNK if len(files) >= workers * _CHUNK else max(1, len(files) // workers)
    while todo:
        failed = _read_in_pool(run, files, todo, min(workers, len(todo)), chunk, results, done)
        if not failed:
            break
        in_flight = 2 * workers + 1  # chunks a pool may have started (each worker, and its queue of workers + 1)
        for i in [i for c in failed[:in_flight] for i in c]:
            results[i] = _read_isolated(run, files[i])
            done(files[i])
        todo = [i for c in failed[in_flight:] for i in c]
    return [results[i] for i in range(len(files))]


def _read_in_pool(run: FileReader[R], files: list[Path], todo: list[int], workers: int, chunk: int,
                  results: dict[int, R], done: Callable[[Path], None]) -> list[list[int]]:
    """Read ``files[i]`` for ``i`` in ``todo`` in a pool of forked workers; the chunks of indexes not read
    because a worker died, in order."""
    chunks = [todo[k:k + chunk] for k in range(0, len(todo), chunk)]
    failed: list[list[int]] = []
    ctx = multiprocessing.get_context("fork")
    pids = ctx.SimpleQueue()  # each worker's process id, so that a hanging one can be stopped
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker, initargs=(run, pids))
    try:
        futures = [pool.submit(_read_chunk, [files[i] for i in c]) for c in chunks]
        for c, fut in zip(chunks, futures, strict=True):
            try:
                checked = fut.result(timeout=READ_TIMEOUT)
            except BrokenProcessPool:
                failed.append(c)
                continue
            except TimeoutError:  # no chunk came back in time: a worker hangs. Stop them all; the chunks not
                _stop_workers(pids)  # read are read again, the first ones file by file, each with its own time
                failed.append(c)
                continue
            for i, one in zip(c, checked, strict=True):
                results[i] = one
                done(files[i])
    finally:  # when stopped (Ctrl+C, say), the files not yet started are not read
        pool.shutdown(cancel_futures=True)
    return failed


_CHUNK = 16  # files a worker takes at a time
READ_TIMEOUT = 120.0  # seconds for one file read on its own (and for a worker's next chunk); then it is a finding


def _stop_workers(pids: Any) -> None:
    """Kill every worker of a pool (their ids from the queue the workers wrote them to at start)."""
    while not pids.empty():
        try:
            os.kill(pids.get(), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _processes(files: int, requested: int | None) -> int:
    """How many worker processes read ``files`` files: ``requested``, or one per core when each gets
    enough files (at least one); 0 when workers cannot be forked here (the files are read in this process)."""
    can_fork = (sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
                and threading.active_count() == 1)
    if not can_fork or files < 1:
        return 0
    if requested is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        requested = min(cores, files // _PER_PROCESS)
    return max(1, min(requested, files))


_PER_PROCESS = 16  # fewer files per process than this: one worker reads them all (starting one costs about as much)


_worker_run: Any = None  # the FileReader of the consolidation this worker was forked for


def _start_worker(run: FileReader[Any], pids: Any) -> None:
    """In each worker: the run to read with, and this process's id for the consolidation (which stops a
    worker that hangs). Ctrl+C is left to the consolidation, which stops the workers."""
    global _worker_run
    _worker_run = run
    gc.freeze()  # what the worker was forked with (the model, the units' rows) is never garbage: not scanned again
    pids.put(os.getpid())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _read_chunk(paths: list[Path]) -> list[Any]:
    return [_read_in_worker(p) for p in paths]


def _read_in_worker(path: Path) -> Any:
    assert _worker_run is not None
    return _read_one(_worker_run, path)


def _read_one(run: FileReader[R], path: Path) -> R:
    """``run.read``, with any error of malbok's own while reading this file made a finding of the file."""
    try:
        return run.read(path)
    except Exception as e:  # noqa: BLE001 - a bug, but it must not take the other files down with it
        return run.crashed(path, f"filen kunde inte läsas på grund av ett fel i malbok ({type(e).__name__}); "
                                 "övriga filer har lästs. Rapportera gärna felet och skicka med filen")


def _read_isolated(run: FileReader[R], path: Path, timeout: float | None = None) -> R:
    """Read one file in a fresh forked process; a finding when that process dies or takes too long
    (``timeout`` seconds, by default :data:`READ_TIMEOUT`)."""
    timeout = READ_TIMEOUT if timeout is None else timeout
    import pickle
    import select

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send the result, and leave without running the parent's clean-up
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            payload = pickle.dumps(_read_one(run, path), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    parts: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            part = os.read(r, 1 << 20)
            if not part:
                break
            parts.append(part)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    if not timed_out and os.waitstatus_to_exitcode(status) == 0 and parts:
        return cast(R, pickle.loads(b"".join(parts)))  # noqa: S301 - from our own child
    code = os.waitstatus_to_exitcode(status)
    if timed_out:
        why = f"läsningen tog mer än {timeout:.0f} sekunder och avbröts"
    elif code < 0:
        why = f"läsaren avbröts av operativsystemet (signal {-code}{_SIGNAL_WORDS.get(-code, '')})"
    else:
        why = "läsaren avslutades utan resultat"
    return run.crashed(path, f"filen kunde inte läsas: {why}; övriga filer har lästs. Öppna filen i Excel, "
                             "spara den som Excel-arbetsbok (.xlsx) och skicka den igen")


_SIGNAL_WORDS = {int(getattr(signal, name)): words for name, words in (
    ("SIGABRT", ", avbrott"), ("SIGSEGV", ", minnesfel"), ("SIGBUS", ", minnesfel"),
    ("SIGKILL", ", dödad, ofta för att minnet tog slut")) if hasattr(signal, name)}  # Windows has only some of them


def choose_among_duplicates(accepted: dict[str, list[Any]], prefer_set: set[Path]) -> tuple[dict[str, Any], dict[str, UnitStatus]]:
    """One return per unit: identical copies are read once; differing files only when ``--prefer`` names one.

    Works for follow-up and plan returns alike (they have ``digest``, ``path``, ``name`` and ``add``).
    Returns the chosen return per unit and a status per unit where it is not plain "inlämnad".
    """
    chosen: dict[str, Any] = {}
    status: dict[str, UnitStatus] = {}
    for unit, rets in accepted.items():
        if len(rets) == 1:
            chosen[unit] = rets[0]
            continue
        digests = {r.digest for r in rets}
        if len(digests) == 1:
            chosen[unit] = rets[0]
            for dup in rets[1:]:
                dup.add("", "", "", "dubblett-identisk", f"filen är en identisk kopia av {rets[0].name}; den konsolideras en gång", WARNING)
            continue
        preferred = [r for r in rets if r.path.resolve() in prefer_set]
        if len(preferred) == 1:
            chosen[unit] = preferred[0]
            status[unit] = UnitStatus.CHOSEN
            for other in rets:
                if other is not preferred[0]:
                    other.add("", "", "", "dubblett-vald", f"enheten {unit} har två olika filer; {preferred[0].name} valdes med --prefer och denna fil konsolideras inte", WARNING)
            continue
        names = ", ".join(r.name for r in rets)
        for r in rets:
            r.add("", "", "", "dubblett-olika",
                  f"enheten {unit} har flera olika filer ({names}); ingen av dem konsolideras. Ta bort den felaktiga eller välj med --prefer FIL")
        status[unit] = UnitStatus.DUPLICATE
    return chosen, status


def gather_findings(findings: list[Finding], returns: Iterable[Any], unit_rows: list[dict[str, Any]]) -> list[Finding]:
    """All findings (the run's and every file's), sorted; each unit row gets its counts of errors and warnings."""
    findings = _sorted_findings([*findings, *(f for r in returns for f in r.findings)])
    counts = Counter((f.unit, f.severity) for f in findings)
    for row in unit_rows:
        row["Fel"] = counts[row["Enhet"], ERROR]
        row["Varningar"] = counts[row["Enhet"], WARNING]
    return findings


def _sorted_findings(findings: list[Finding]) -> list[Finding]:
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(findings, key=lambda f: (order.get(f.severity, 3), f.file, f.sheet, _cell_key(f.cell), f.code))


def _cell_key(a1: str) -> tuple[int, str]:
    digits = "".join(ch for ch in a1 if ch.isdigit())
    letters = "".join(ch for ch in a1 if ch.isalpha())
    return (int(digits) if digits else 0, letters.rjust(3))


def _describe_version_change(ret: Return, run: _Run) -> None:
    now = {(r.kind, r.id) for r in run.unit_plan(ret.unit).rows}
    then = {(e.kind, e.id) for e in (ret.expected or file_registry(ret.path)) if e.kind != KIND_CONTEXT}
    gone = sorted(i for _k, i in then - now)
    new = sorted(i for _k, i in now - then)
    parts = [f"arbetsboken skapades från en annan version av styrmodellen (hash {ret.identity.model_hash}, nu {run.fingerprint})"]
    if gone:
        parts.append(f"rader som inte längre finns: {', '.join(gone)}")
    if new:
        parts.append(f"nya rader som saknas i filen: {', '.join(new)}")
    if not gone and not new:
        parts.append("samma rader; texter eller målvärden kan ha ändrats")
    ret.add("", "", "", "fel-modellversion", "; ".join(parts) + ". Raderna läses efter ID.", WARNING)


def _council_rows(ctx: _Ctx, records: list[DataRecord]) -> list[DataRecord]:
    """Council-level rows: aggregated indicators and the overall assessment of each goal.

    Each is the first unit's record of the row with the council's values, and no suggestion kept.
    """
    model, period = ctx.model, ctx.period
    everyone: dict[str, Any] = {"unit": COUNCIL, "unit_name": f"{model.municipality.name} totalt", "comment": "", "actions": "",
                "file": "", "cell": "", "compiled_by": "kommun", "meaning": None}
    out: list[DataRecord] = []
    by_id: dict[tuple[str, str], list[DataRecord]] = {}
    for rec in records:
        by_id.setdefault((rec.kind, rec.id), []).append(rec)
    ind_suggestion: dict[str, Suggestion] = {}
    for ind in model.indicators:
        recs = by_id.get((KIND_INDICATOR, ind.id))
        if not recs:
            continue
        values = [(r.unit, r.outcome) for r in recs if r.outcome is not None]
        value: float | None = None
        if ind.aggregation == Aggregation.SUM and values:
            value = sum(v for _u, v in values)
        elif ind.aggregation == Aggregation.MEAN and values:
            value = mean(v for _u, v in values)
        elif ind.aggregation == Aggregation.WEIGHTED and values:
            w = [(ind.weights.get(u, 0.0), v) for u, v in values]
            total = sum(x for x, _v in w)
            value = sum(x * v for x, v in w) / total if total else None
        elif ind.aggregation == Aggregation.NONE and len(recs) == 1:
            value = recs[0].outcome
        ranks = [r.rank for r in recs if r.rank is not None]
        rank = ranks[0] if len(ranks) == 1 else None
        if ind.aggregation == Aggregation.NONE and len(recs) > 1:
            sug = Suggestion(None, "varje enhets eget värde; inget gemensamt värde")
        elif len(recs) == 1:
            sug = Suggestion(recs[0].meaning, recs[0].reason, label=recs[0].proposal or None)  # one unit: the council's value is that unit's
        else:
            sug = suggest_indicator(ind, value, period.year, period.point, ctx.previous(ind), rank, ctx.previous_rank(ind),
                                    ctx.baseline(ind))
        fig = ctx.kolada(ind)
        if fig is not None:  # the council's row shows Kolada's figure, its place, and where it comes from
            before = sug
            sug = ctx.with_kolada(ind, sug, None if len(recs) == 1 else rank)  # judged on the place typed, if any
            pos = fig.row.position
            # Kolada's value is the kommun's own: the council's row takes it where it has none of its own, unless the
            # units keep their own values (no common value) and the suggestion was not made from Kolada's place
            common = not (ind.aggregation == Aggregation.NONE and len(recs) > 1) or sug is not before
            if common and rank is None and pos is not None and pos.year == period.year:
                rank = float(pos.rank)
            if common and value is None and fig.row.year == period.year:
                value = fig.row.value
        scale = model.scale(model.indicator_scale) if ind.goal is None and model.indicator_scale else (
            ctx.goal_scale(ind.goal) if ind.goal else None)
        if len(recs) != 1:
            sug = apply_rules(scale, sug)
        ind_suggestion[ind.id] = sug
        reason = sug.reason if fig is None else "; ".join(x for x in (sug.reason, f"{fig.text()}. {KOLADA_ATTRIBUTION}") if x)
        assessed = _overall([r.assessment for r in recs], scale, Combine.CAUTIOUS) if ind.goal is None else ""
        out.append(recs[0]._replace(**everyone, outcome=value, rank=rank, proposal=_label(scale, sug),
                                    reason=reason, assessment=assessed))
    for g in model.goals:
        kind = KIND_ACTIVITY if g.level == ACTIVITY_LEVEL else KIND_GOAL
        recs = [r for r in by_id.get((kind, g.id), []) if model.reports(g, r.unit)]
        if not recs:
            continue
        level = model.level(g.level)
        scale = model.scale(level.scale)
        inds = [ind_suggestion[i.id] for i in model.indicators_of(g.id) if i.id in ind_suggestion]
        meaning = combine_goal([s.meaning for s in inds])
        out.append(recs[0]._replace(**everyone, assessment=_overall([r.assessment for r in recs], scale, g.combine or level.combine),
                                    proposal=scale.label_for(meaning) or "" if meaning else "",
                                    reason="utifrån indikatorerna på kommunnivå" if meaning else ""))
    return out


def _overall(labels: list[str], scale: Scale | None, rule: Combine) -> str:
    """The council's assessment of a goal from the units' (default: the most cautious)."""
    if scale is None:
        return ""
    given = [lab for lab in labels if lab]
    if not given:
        return ""
    ranked = [(scale.step(lab), lab) for lab in given if scale.step(lab) is not None]
    if not ranked:
        return given[0] if len(set(given)) == 1 else ""
    if rule == Combine.OPTIMISTIC:
        return min(ranked)[1]
    if rule == Combine.MAJORITY:
        counts: dict[str, int] = {}
        for _s, lab in ranked:
            counts[lab] = counts.get(lab, 0) + 1
        top = max(counts.values())
        tied = [(s, lab) for s, lab in ranked if counts[lab] == top]
        return max(tied)[1]  # ties go to the more cautious
    return max(ranked)[1]


def _period_words(model: Model, period_id: str | None) -> str:
    """'Tertialrapport 1 2016 (2016-t1)' for a period the model knows, else its ID as written in the file."""
    if not period_id:
        return "en okänd period"
    try:
        return f"{parse_period(model, period_id).name} ({period_id})"
    except PeriodError:
        return f"perioden {period_id}"


__all__ = ["COUNCIL", "Consolidation", "consolidate", "collect_paths", "KIND_PROGRAMME"]

