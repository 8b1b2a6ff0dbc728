"""One layout, two directions: the columns of a unit workbook's area sheet.

The writer (:mod:`malbok.workbook`) and the reader (:mod:`malbok.returns`) both
use :data:`COLUMNS`; header texts are how the reader finds its columns, so a
nämnd that moves, widens or adds columns does not break consolidation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .model import MEASURE_SYMBOL, Measure

LAYOUT_VERSION = "1"
META_SHEET = "_malbok"


# What each workbook malbok writes says about itself on its hidden sheet META_SHEET: one key per row (in A),
# its value beside it (in B). Field -> key, in the order they are written.
IDENTITY_KEYS = {
    "kind": "malbok", "round": "omgång", "model": "modell", "model_hash": "modellhash", "municipality": "kommun",
    "municipality_code": "kommunkod", "period": "period", "year": "år", "unit": "enhet", "layout": "layoutversion",
    "version": "malbokversion", "plans": "planer", "percent_cells": "procentceller",
}
KIND_WORKBOOK, KIND_KF, KIND_BUDGET = "arbetsbok", "kf", "budget"  # what the file is (key 'malbok')
ROUND_FOLLOW_UP, ROUND_PLAN = "uppföljning", "plan"


@dataclass(frozen=True)
class Identity:
    """A workbook's identity sheet, typed: one declaration of its keys for every writer and reader.

    Values are kept as the texts the sheet holds (a hand-edited year is still shown as typed); ``other`` keeps
    keys this malbok does not know, and ``cells`` where each key was read (for findings), neither compared.
    """

    kind: str = ""
    round: str = ""
    model: str = ""
    model_hash: str = ""
    municipality: str = ""
    municipality_code: str = ""
    period: str = ""
    year: str = ""
    unit: str = ""
    layout: str = ""
    version: str = ""
    plans: str = ""  # "ja" when the follow-up workbook carries the units' own goals and activities
    percent_cells: str = ""  # "andel" when the %-outcome cells are percent cells holding shares (PERCENT_CELLS_SHARE)
    other: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    cells: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def pairs(self) -> list[tuple[str, str]]:
        """(key, value) in the written order: the fields that have a value, then the unknown keys."""
        return [(key, getattr(self, name)) for name, key in IDENTITY_KEYS.items() if getattr(self, name)] + list(self.other)

    def __bool__(self) -> bool:
        return bool(self.pairs())

    def cell(self, name: str) -> str:
        """Where the field's key was read (``B6``), or '' when it was not."""
        return dict(self.cells).get(IDENTITY_KEYS[name], "")

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str]]) -> Identity:
        """The identity from the sheet's (key, value) rows, in order (row 1 first); empty keys left out."""
        by_key = {key: name for name, key in IDENTITY_KEYS.items()}
        known: dict[str, str] = {}
        other: list[tuple[str, str]] = []
        cells: list[tuple[str, str]] = []
        for r, (key, value) in enumerate(rows, start=1):
            if not key:
                continue
            cells.append((key, f"B{r}"))
            if key in by_key:
                known[by_key[key]] = value
            else:
                other.append((key, value))
        return cls(**known, other=tuple(other), cells=tuple(cells))


def write_identity(ws: Any, identity: Identity) -> None:
    """Write the identity sheet (key in A, value in B, as text), the sheet's every writer's one way."""
    for r, (key, value) in enumerate(identity.pairs()):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
INSTRUCTIONS_SHEET = "Instruktioner"
HEADER_SCAN_ROWS = 12

# Row kinds, as written in the "Typ" column and the metadata registry.
KIND_GOAL = "Mål"
KIND_INDICATOR = "Indikator"
KIND_CONTEXT = "Överordnat mål"
KIND_PROGRAMME = "Handlingsprogram"
KIND_ACTIVITY = "Aktivitet"
KIND_UNIT_GOAL = "Nämndmål"
ASSESSED_KINDS = (KIND_GOAL, KIND_ACTIVITY)  # rows assessed on their level's scale, as goals are

# The goal level of the units' planned activities (added to the model by the plan round)
ACTIVITY_LEVEL = "aktivitet"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    input_for: frozenset[str] = frozenset()  # row kinds where the cell is an input
    help_title: str = ""
    help_text: str = ""


def _inp(*kinds: str) -> frozenset[str]:
    return frozenset(kinds)


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", 9),
    Column("kind", "Typ", 11),
    Column("level", "Nivå", 14),
    Column("text", "Mål och indikatorer", 58),
    Column("measure", "Måttenhet", 10),
    Column("baseline", "Utgångsvärde", 13),
    Column("target_now", "Målvärde i år", 18),
    Column("target_final", "Slutligt målvärde", 20),
    Column("history", "Tidigare utfall", 16),
    Column("outcome", "Utfall", 11, _inp(KIND_INDICATOR), "Utfall",
           "Skriv periodens utfall som ett tal, t.ex. 85 eller 85,5 (85.5 med engelska inställningar). "
           "Lämna tomt och förklara i Kommentar om det saknas."),
    Column("rank", "Placering", 10, _inp(), "Placering",
           "Kommunens placering i riket (1 = bäst), för mål om att ligga bland de bästa."),
    Column("assessment", "Bedömning", 22, _inp(KIND_GOAL, KIND_INDICATOR, KIND_PROGRAMME, KIND_ACTIVITY), "Bedömning",
           "Välj er bedömning i listan."),
    Column("comment", "Kommentar", 46, _inp(KIND_GOAL, KIND_INDICATOR, KIND_PROGRAMME, KIND_ACTIVITY), "Kommentar",
           "Analys: vad har hänt, varför, och vad betyder det för måluppfyllelsen?"),
    Column("actions", "Åtgärder", 36, _inp(KIND_GOAL, KIND_INDICATOR, KIND_PROGRAMME, KIND_ACTIVITY), "Åtgärder",
           "Planerade eller vidtagna åtgärder."),
)

COL_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
HEADERS = {c.key: c.header for c in COLUMNS}
REQUIRED_HEADERS = ("ID", "Utfall", "Bedömning", "Kommentar")
INPUT_KEYS = ("outcome", "rank", "assessment", "comment", "actions")

# Metadata sheet: key/value pairs from row 1. The row registry (every data row as
# written) is on its own very hidden sheet, read when no model is at hand.
ROWS_SHEET = "_malbok_rader"
MODEL_SHEET = "_modell"  # the styrmodell, packed by Model.packed()
REGISTRY_HEADER = ("blad", "id", "typ", "rad", "skala", "indata")


class Expected(NamedTuple):
    """A data row as written: where it is and which of its cells are inputs."""

    sheet: str
    id: str
    kind: str
    row: int  # 1-based
    scale: str
    inputs: tuple[str, ...]

_FORBIDDEN = set('[]:*?/\\')
_RESERVED = {INSTRUCTIONS_SHEET.lower(), META_SHEET.lower(), ROWS_SHEET.lower(), "history", "budget", "kontroll"}


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\\)."""
    clean = "".join(" " if ch in _FORBIDDEN else ch for ch in name)
    clean = " ".join(clean.split()).strip("'") or "Område"
    base = clean
    if len(clean) > 31:  # shortened only when it does not fit, at a word boundary where there is a useful one
        base = clean[:30].rsplit(" ", 1)[0].rstrip(" ,-&") + "…"
        if len(base) < 12:
            base = clean[:30].rstrip() + "…"
    candidate, n = base, 2
    while candidate.lower() in taken or candidate.lower() in _RESERVED:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


# -- input rules: what Excel's validation allows, and the same check for the reader ------------------


@dataclass(frozen=True)
class Rule:
    """An input cell's rule, declared once.

    The writer turns it into Excel data validation (:meth:`validation`), with
    the input prompt and the error message; the reader calls :meth:`check` on
    what came back, so whatever Excel refuses, the reader flags too.
    ``kind`` is XlsxWriter's validation type: ``decimal``, ``integer``,
    ``length`` (of a text) or ``any``.
    """

    kind: str
    minimum: float | None = None
    maximum: float | None = None
    title: str = ""
    prompt: str = ""
    error_title: str = ""
    error: str = ""
    problem: str = ""  # what is wrong, in the reader's finding: 'ska ligga mellan 0 och 100 (procent)'

    def check(self, value: Any) -> str | None:
        """None when Excel's validation would accept ``value``; else what is wrong, in Swedish."""
        if self.kind == "any":
            return None
        if self.kind == "length":
            n = len(value) if isinstance(value, str) else len(str(value))
            return None if self.maximum is None or n <= self.maximum else self.problem
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value) or math.isinf(value):
            return self.problem
        if self.kind == "integer" and not float(value).is_integer():
            return self.problem
        if self.minimum is not None and value < self.minimum or self.maximum is not None and value > self.maximum:
            return self.problem
        return None

    def validation(self) -> dict[str, Any]:
        """XlsxWriter's ``data_validation`` options for the rule."""
        opts: dict[str, Any] = {"validate": self.kind, "input_title": self.title[:32], "input_message": self.prompt[:255]}
        if self.kind == "any":
            return opts
        if self.minimum is not None and self.maximum is not None:
            opts.update({"criteria": "between", "minimum": self.minimum, "maximum": self.maximum})
        elif self.minimum is not None:
            opts.update({"criteria": ">=", "value": self.minimum})
        elif self.maximum is not None:
            opts.update({"criteria": "<=", "value": self.maximum})
        opts.update({"error_title": self.error_title[:32], "error_message": self.error[:255]})
        return opts


TEXT_LIMIT = 32000  # characters a text cell may hold (Excel's own limit is 32 767)
TEXT_RULE = Rule("length", maximum=TEXT_LIMIT, error_title="För lång text", error="Texten får vara högst 32 000 tecken.",
                 problem="är längre än de 32 000 tecken som arbetsbokens kontroll tillåter")
RANK_RULE = Rule("integer", minimum=1, title="Placering", prompt="Kommunens placering i riket, 1 = bäst.",
                 error_title="Ogiltig placering", error="Skriv placeringen som ett heltal, 1 eller högre.",
                 problem="ska vara en placering, ett heltal 1 eller högre")


def outcome_rule(measure: Measure) -> Rule:
    """The rule of an indicator's Utfall cell, by its unit of measure."""
    return _OUTCOME_RULES.get(measure, _NUMBER_RULE)


# The workbook cannot know the locale of the program that fills it: Swedish settings take a decimal
# comma (85,5), English ones a decimal point (85.5), and each refuses or misreads the other's form.
# Every prompt and error message of a number cell therefore names both.
DECIMAL_HINT = "85,5 (85.5 med engelska inställningar)"
DECIMAL_ERROR = ("Decimaltecknet är komma med svenska inställningar (85,5) och punkt med engelska (85.5); "
                 "skriv inga tusentalstecken.")

# A %-indicator's Utfall cell holds a share or a percent (see malbok.workbook.PERCENT_FORMAT): what is
# stored for a typed 85, 85,5, 85 %, 85,5 % or 0,855 is always within 0–100, so the validation stays 0–100.
_NUMBER_RULE = Rule("decimal", -1e12, 1e12, "Utfall", f"Skriv utfallet som ett tal, t.ex. 1234 eller {DECIMAL_HINT}.",
                    "Ogiltigt utfall", f"Utfallet ska vara ett tal. {DECIMAL_ERROR}",
                    "ska vara ett tal mellan −1 000 000 000 000 och 1 000 000 000 000")
_OUTCOME_RULES: dict[Measure, Rule] = {
    Measure.TEXT: Rule("any", title="Utfall", prompt="Skriv utfallet."),
    Measure.RANK: Rule("integer", minimum=1, title="Utfall (placering)", prompt="Placering i riket som heltal, 1 = bäst.",
                       error_title="Ogiltig placering", error="Skriv placeringen som ett heltal, 1 eller högre.",
                       problem="ska vara en placering, ett heltal 1 eller högre"),
    Measure.PERCENT: Rule("decimal", 0, 100, "Utfall i procent",
                          f"Skriv procent mellan 0 och 100, t.ex. 85 eller {DECIMAL_HINT}. "
                          "85 %, 85,5 % och andelen 0,855 går också; cellen visar procenttalet.",
                          "Ogiltigt utfall", f"Utfallet ska vara procent mellan 0 och 100, t.ex. 85 eller 85 %. {DECIMAL_ERROR}",
                          "ska ligga mellan 0 och 100 (procent)"),
    **{m: Rule("decimal", minimum=0, title="Utfall",
               prompt=f"Skriv ett tal ({MEASURE_SYMBOL[m]}), 0 eller mer, t.ex. 1234 eller {DECIMAL_HINT}.",
               error_title="Ogiltigt utfall", error=f"Utfallet ska vara ett tal, 0 eller mer. {DECIMAL_ERROR}",
               problem="får inte vara negativt")
       for m in (Measure.COUNT, Measure.SEK)},
}

# Identity.percent_cells ('procentceller' on the metadata sheet): 'andel' says the workbook's %-outcome cells are
# percent cells as above, so a reader that sees only values (a workbook open in Excel) reads 0,855 there as 85,5 %.
PERCENT_CELLS_SHARE = "andel"
