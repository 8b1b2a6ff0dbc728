"""Typing into generated workbooks as nämnd staff do, shared on purpose by the demo and the tests.

:func:`fill_workbook` types into a generated workbook the way a person does in
Excel (numbers, Swedish text numbers, dropdown labels, comments), through
openpyxl, so the demo and the tests exercise the same reading paths as real
returns; :func:`correct_one` is the unit that sends a corrected file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .layout import COL_INDEX, HEADER_SCAN_ROWS, KIND_CONTEXT, KIND_INDICATOR, META_SHEET
from .model import Measure, Model, RankTarget, ValueTarget
from .periods import Period
from .targets import applicable_target, previous_outcome, suggest_indicator
from .values import parse_number

COMMENTS_GOOD = [
    "Utvecklingen går åt rätt håll. Arbetet med att {x} har gett effekt under perioden.",
    "Resultatet ligger i nivå med plan. Vi fortsätter arbetet enligt verksamhetsplanen.",
    "Positiv utveckling jämfört med föregående år, bland annat tack vare samverkan mellan förvaltningarna.",
]
COMMENTS_BAD = [
    "Utfallet ligger under målbanan. Personalomsättning har påverkat arbetet under perioden.",
    "Resultatet är lägre än väntat. En fördjupad analys görs till nästa uppföljning.",
]
ACTIONS = [
    "Handlingsplan tas fram under hösten.",
    "Uppföljning i ledningsgruppen varje månad.",
    "Fortsatt arbete enligt plan.",
]


def _rng(key: str) -> float:
    """A deterministic number in [0, 1) from a text, so the demo is reproducible."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0x100000000


def _sample_outcome(model: Model, ind, period: Period, unit: str, history=None) -> float | None:  # noqa: ANN001
    r = _rng(f"{ind.id}/{unit}/{period.id}")
    earlier = history.previous(ind, unit) if history is not None else None
    if earlier is not None:  # a year later: near last year's value, a little better or worse
        if ind.measure == Measure.RANK:
            return float(max(1, int(earlier.value + (r - 0.6) * 40)))
        value = earlier.value * (0.94 + r * 0.14)
        if ind.measure == Measure.PERCENT:
            value = min(max(value, 0), 100)
        if ind.measure == Measure.COUNT:
            return float(round(value))
        return round(value, 1)
    target = applicable_target(ind, period.year)
    prev = previous_outcome(ind, period.year)
    base = ind.baseline.value if ind.baseline else prev
    if ind.measure == Measure.RANK:
        return float(int(20 + r * 150))
    if isinstance(target, ValueTarget):
        start = base if base is not None else target.value * 0.8
        value = start + (target.value - start) * (0.5 + r * 0.7)
    elif base is not None:
        value = base * (0.95 + r * 0.12)
    elif ind.measure == Measure.PERCENT:
        value = 55 + r * 40
    elif ind.measure == Measure.COUNT:
        value = float(int(3 + r * 40))
    else:
        value = round(1 + r * 20, 1)
    if ind.measure == Measure.PERCENT:
        value = min(max(value, 0), 100)
    if ind.measure == Measure.COUNT:
        value = float(round(value))
    return round(value, 1)


def fill_workbook(path: Path, model: Model, period: Period, unit: str, style: str = "mixed",
                  history=None) -> dict[tuple[str, str], object]:  # noqa: ANN001
    """Fill a generated workbook as staff would; return what was typed per (sheet, cell).

    With ``history`` (a :class:`malbok.history.History`) the outcomes stay near the unit's earlier ones.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path)
    typed: dict[tuple[str, str], object] = {}
    inds = {i.id: i for i in model.indicators}
    goals = {g.id: g for g in model.goals}
    n = 0
    for ws in wb.worksheets:
        if ws.title in (META_SHEET, "Instruktioner") or ws.sheet_state != "visible":
            continue
        header = None
        for r in range(1, HEADER_SCAN_ROWS + 1):
            if ws.cell(r, COL_INDEX["id"] + 1).value == "ID":
                header = r
                break
        if header is None:
            continue
        for r in range(header + 1, ws.max_row + 1):
            rid = ws.cell(r, COL_INDEX["id"] + 1).value
            kind = ws.cell(r, COL_INDEX["kind"] + 1).value
            if not rid or kind == KIND_CONTEXT:
                continue
            n += 1

            def put(key: str, value: object, r: int = r, ws=ws) -> None:  # noqa: ANN001
                cell = ws.cell(r, COL_INDEX[key] + 1)
                if cell.protection.locked:
                    return
                cell.value = value
                typed[(ws.title, cell.coordinate)] = value

            if kind == KIND_INDICATOR and rid in inds:
                ind = inds[rid]
                value = _sample_outcome(model, ind, period, unit, history)
                if value is not None:
                    # staff type numbers in many ways; the reader must take them all
                    if style == "mixed" and n % 4 == 1 and ind.measure == Measure.PERCENT:
                        put("outcome", f"{value:.1f}".replace(".", ",") + " %")
                    elif style == "mixed" and n % 4 == 2 and value >= 1000:
                        put("outcome", f"{value:,.0f}".replace(",", " "))
                    elif style == "mixed" and n % 4 == 3:
                        put("outcome", f"{value:g}".replace(".", ","))
                    else:
                        put("outcome", value)
                if any(isinstance(t, RankTarget) for t in ind.targets) and ind.measure != Measure.RANK:
                    put("rank", int(20 + _rng(rid + "rank") * 120))
                if history is not None:
                    sug = suggest_indicator(ind, value, period.year, period.point, history.previous(ind, unit),
                                            baseline=history.baseline(ind, unit))
                else:
                    sug = suggest_indicator(ind, value, period.year, period.point, previous_outcome(ind, period.year))
                good = sug.meaning is None or sug.meaning.value in ("uppfyllt", "på_väg")
                put("comment", (COMMENTS_GOOD if good else COMMENTS_BAD)[int(_rng(rid) * 10) % (2 if not good else 3)].format(x="nå målet"))
                if ind.goal is None and model.indicator_scale:
                    sc = model.scale(model.indicator_scale)
                    label = sc.label_for(sug.meaning) if sug.meaning else sc.labels[1].label
                    put("assessment", label)
                    put("actions", ACTIONS[int(_rng(rid + "a") * 3)])
            elif rid in goals:
                sc = model.goal_scale(goals[rid])
                put("assessment", sc.labels[int(_rng(rid + unit) * min(3, len(sc.labels)))].label)
                put("comment", COMMENTS_GOOD[int(_rng(rid + "c") * 3)].format(x="arbeta mot målet"))
                put("actions", ACTIONS[int(_rng(rid + "a") * 3)])
            else:
                sc_label = ws.cell(r, COL_INDEX["assessment"] + 1)
                if not sc_label.protection.locked:
                    level_sc = model.scale(model.levels[0].scale) if model.levels else None
                    if level_sc:
                        put("assessment", level_sc.labels[1].label)
                put("comment", "Handlingsprogrammet följs enligt plan.")
    wb.save(path)
    return typed


def correct_one(model: Model, period: Period, made: list, returned: Path) -> str | None:  # noqa: ANN001
    """One unit corrects its file after the first consolidation: an outcome and its comment; its code (None when
    no file had an outcome to correct)."""
    from openpyxl import load_workbook

    inds = {i.id: i for i in model.indicators}
    for g in made:
        path = returned / g.path.name
        wb = load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible" or ws.cell(4, COL_INDEX["id"] + 1).value != "ID":
                continue
            for r in range(5, ws.max_row + 1):
                rid = ws.cell(r, COL_INDEX["id"] + 1).value
                cell = ws.cell(r, COL_INDEX["outcome"] + 1)
                ind = inds.get(rid)
                if ind is None or ind.measure not in (Measure.PERCENT, Measure.NUMBER) or cell.protection.locked:
                    continue
                old = cell.value
                number = parse_number(old).value  # what the reader reads there ('1 234', '85,5 %', 85.5)
                if number is None:
                    continue
                cell.value = round(min(number * 1.04, 100) if ind.measure == Measure.PERCENT else number * 1.04, 1)
                ws.cell(r, COL_INDEX["comment"] + 1).value = "Rättat utfall: den första siffran byggde på en ofullständig mätning."
                wb.save(path)
                return g.unit
    return None
