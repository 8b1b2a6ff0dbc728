"""One layout, two directions: every sheet kind malbok writes and reads, declared once.

The unit workbooks' sheets (the follow-up's area sheet, the plan's area and Budget
sheets), the consolidations' own tables (KF.xlsx and Budget.xlsx: ``Data``,
``Enheter``, ``Kontroll``), the Excel model workbook's tables and the controller's
settings are each a :class:`SheetLayout` of :class:`Column` s (:data:`SHEET_KINDS`).
The writers take headers, widths, number formats and validation from it and the
readers find columns by its header texts and check cells by its rules, so a nämnd
that moves, widens or adds columns does not break consolidation, and what Excel
refuses the reader flags.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from .model import (
    MEASURE_SYMBOL,
    Aggregation,
    Combine,
    Comparison,
    Direction,
    Meaning,
    Measure,
    OccasionKind,
    RuleBasis,
    UnitKind,
)
from .values import cell_text, parse_number
from .xlstyle import INTEGER, SHARE, TKR

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
BUDGET_SHEET = "Budget"  # a plan workbook's budget sheet
HEADER_SCAN_ROWS = 12
HEADER_ROW = 3  # zero-based, where the writer puts a follow-up area sheet's header: title, subtitle, blank, header

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


# -- input rules: what Excel's validation allows, and the same check for the reader ------------------


class Checked(NamedTuple):
    """What a rule made of a typed value: the value as read (None when it is not read), and what is wrong."""

    value: Any
    code: str = ""  # the finding's code ('' when nothing is wrong)
    problem: str = ""  # what is wrong, in Swedish, after the value as typed: 'ska vara ett datum …'
    severity: str = ""  # '' for the code's own


@dataclass(frozen=True)
class Rule:
    """An input cell's rule, declared once.

    The writer turns it into Excel data validation (:meth:`validation`), with
    the input prompt and the error message; the reader calls :meth:`check` on
    what came back (or :meth:`read` on the raw cell, which parses it first), so
    whatever Excel refuses, the reader flags too. ``kind`` is XlsxWriter's
    validation type: ``decimal``, ``integer``, ``length`` (of a text), ``date``,
    ``list`` (one of ``values``, compared without regard to case, as Excel does)
    or ``any``.
    """

    kind: str
    minimum: float | None = None
    maximum: float | None = None
    title: str = ""
    prompt: str = ""
    error_title: str = ""
    error: str = ""
    problem: str = ""  # what is wrong, in the reader's finding: 'ska ligga mellan 0 och 100 (procent)'
    values: tuple[str, ...] = ()  # list: the values allowed (made per workbook with among())
    earliest: date | None = None  # date: the range allowed (made per workbook with within())
    latest: date | None = None
    warning: bool = False  # Excel warns but lets the value in; the reader's finding is then a warning
    code: str = ""  # the reader's finding code for a refused value ('' for the kind's: ej-tal, ej-datum …)

    def check(self, value: Any) -> str | None:
        """None when Excel's validation would accept ``value``; else what is wrong, in Swedish."""
        if self.kind == "any":
            return None
        if self.kind == "length":
            n = len(value) if isinstance(value, str) else len(str(value))
            return None if self.maximum is None or n <= self.maximum else self.problem
        if self.kind == "list":
            folded = cell_text(value).casefold()
            return None if any(folded == v.casefold() for v in self.values) else self.problem
        if self.kind == "date":  # a date, or the serial number a spreadsheet stores for it
            day = parse_date(value)[0] if isinstance(value, int | float) and not isinstance(value, bool) else value
            day = day.date() if isinstance(day, datetime) else day
            if not isinstance(day, date):
                return self.problem
            early = self.earliest is not None and day < self.earliest
            return self.problem if early or self.latest is not None and day > self.latest else None
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value) or math.isinf(value):
            return self.problem
        if self.kind == "integer" and not float(value).is_integer():
            return self.problem
        if self.minimum is not None and value < self.minimum or self.maximum is not None and value > self.maximum:
            return self.problem
        return None

    def read(self, raw: Any) -> Checked:
        """A typed cell read by the rule: parsed as its kind is (a number typed as Swedish text, a date typed
        ÅÅÅÅ-MM-DD), then checked (:meth:`check`). An empty cell is ``Checked(None)`` with nothing wrong."""
        if raw is None or raw == "":
            return Checked(None)
        severity = "varning" if self.warning else ""
        if self.kind in ("any", "length"):
            text = raw.strip() if isinstance(raw, str) else cell_text(raw)
            wrong = self.check(text)
            return Checked(text, self.code or "for-lang-text", wrong, severity) if wrong else Checked(text)
        if self.kind == "list":
            text = cell_text(raw)
            folded = text.casefold()
            value = next((v for v in self.values if v.casefold() == folded), None)
            if value is None:
                return Checked(None, self.code or "utanfor-intervall", self.problem, severity)
            return Checked(value)
        if self.kind == "date":
            day, _error = parse_date(raw)
            if day is None:
                return Checked(None, self.code or "ej-datum", self.problem, severity)
            wrong = self.check(day)
            return Checked(day, "utanfor-intervall", wrong, severity) if wrong else Checked(day)
        parsed = parse_number(raw)
        if parsed.error:
            return Checked(None, self.code or "ej-tal", self.problem, severity)
        if parsed.value is None:  # a number two ways ('1.234'), not read and said; or a word for 'missing' ('saknas', '–')
            return Checked(None, "tvetydigt-tal", parsed.ambiguous, "varning") if parsed.ambiguous else Checked(None)
        wrong = self.check(parsed.value)
        if wrong:
            return Checked(parsed.value, "utanfor-intervall", wrong, severity)
        if parsed.ambiguous:
            return Checked(parsed.value, "tvetydigt-tal", parsed.ambiguous, "varning")
        return Checked(parsed.value)

    def among(self, values: tuple[str, ...] | list[str]) -> Rule:
        """The list rule with the values of one workbook (the goals on its sheets)."""
        return replace(self, values=tuple(values))

    def within(self, earliest: date, latest: date) -> Rule:
        """The date rule with the range of one workbook (its year)."""
        span = f"mellan {earliest.isoformat()} och {latest.isoformat()}"
        return replace(self, earliest=earliest, latest=latest, problem=f"{self.problem} {span}",
                       error=f"{self.error} Datumet ska ligga {span}.")

    def validation(self, source: str | None = None) -> dict[str, Any]:
        """XlsxWriter's ``data_validation`` options for the rule; a list's ``source`` may be a range instead of
        its values (a list longer than the 255 characters Excel takes inline)."""
        opts: dict[str, Any] = {"validate": self.kind, "input_title": self.title[:32], "input_message": self.prompt[:255]}
        if self.kind == "any":
            return opts
        if self.kind == "list":
            opts["source"] = source or list(self.values)
        elif self.kind == "date":
            opts.update({"criteria": "between", "minimum": self.earliest, "maximum": self.latest})
        elif self.minimum is not None and self.maximum is not None:
            opts.update({"criteria": "between", "minimum": self.minimum, "maximum": self.maximum})
        elif self.minimum is not None:
            opts.update({"criteria": ">=", "value": self.minimum})
        elif self.maximum is not None:
            opts.update({"criteria": "<=", "value": self.maximum})
        if self.warning:
            opts["error_type"] = "warning"
        opts.update({"error_title": self.error_title[:32], "error_message": self.error[:255]})
        return opts

    def inline(self) -> bool:
        """Whether a list rule's values fit inline in Excel's validation (255 characters, no commas)."""
        return len(",".join(self.values)) <= 255 and not any("," in v for v in self.values)


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(raw: Any) -> tuple[date | None, str | None]:
    """A date as calamine gives it (a date, or an Excel serial number), or typed as text 'ÅÅÅÅ-MM-DD'."""
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):  # an Excel serial that calamine did not see as a date
        if raw == raw and 1 <= raw <= 2958465:  # 1900-01-01 … 9999-12-31, Excel's own range
            return date(1899, 12, 30) + timedelta(days=int(raw)), None
        return None, "är inget datum; skriv ÅÅÅÅ-MM-DD"
    m = _ISO.match(str(raw).strip())
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
        except ValueError:
            pass
    return None, "är inget datum; skriv ÅÅÅÅ-MM-DD"


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

@dataclass(frozen=True)
class Column:
    """One column of a sheet kind, declared once for the writer and the reader.

    ``input_for`` are the row kinds where the cell is an input (the writer unlocks it, the reader reads it);
    ``rule`` is the input rule (the writer's Excel validation, the reader's check), ``num_format`` the
    cells' number format ('' for General: of the input cells, or of every cell of an output table), and
    ``numeric`` says that an output table's column holds numbers (read back as numbers)."""

    key: str
    header: str
    width: float
    input_for: frozenset[str] = frozenset()  # row kinds where the cell is an input
    help_title: str = ""
    help_text: str = ""
    rule: Rule | None = None
    num_format: str = ""
    numeric: bool = False
    form: str = ""  # a text cell holding several values, as the model workbook writes them (see malbok.modelbook)

    def validation(self, rule: Rule | None = None) -> dict[str, Any]:
        """XlsxWriter's ``data_validation`` options for the column's input cells: its rule's (``rule``, when the
        rule is made for one workbook), with the column's help as the input message where the rule has none."""
        rule = rule or self.rule
        assert rule is not None, f"column {self.key} has no input rule"
        opts = rule.validation()
        if not rule.prompt and self.help_text:
            opts.update({"input_title": (self.help_title or self.header)[:32], "input_message": self.help_text[:255]})
        return opts


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
           "Kommunens placering i riket (1 = bäst), för mål om att ligga bland de bästa.", RANK_RULE),
    Column("assessment", "Bedömning", 22, _inp(KIND_GOAL, KIND_INDICATOR, KIND_PROGRAMME, KIND_ACTIVITY), "Bedömning",
           "Välj er bedömning i listan."),
    Column("comment", "Kommentar", 46, _inp(KIND_GOAL, KIND_INDICATOR, KIND_PROGRAMME, KIND_ACTIVITY), "Kommentar",
           "Analys: vad har hänt, varför, och vad betyder det för måluppfyllelsen?", TEXT_RULE, "@"),
    Column("actions", "Åtgärder", 36, _inp(KIND_GOAL, KIND_INDICATOR, KIND_PROGRAMME, KIND_ACTIVITY), "Åtgärder",
           "Planerade eller vidtagna åtgärder.", TEXT_RULE, "@"),
)  # Utfall's rule is its indicator's (outcome_rule), Bedömning's its scale's list

@dataclass(frozen=True)
class SheetLayout:
    """A sheet kind's columns and how its header row is found: the row (within the first ``scan_rows``) that
    holds every one of ``markers``; ``required`` are the keys a sheet cannot be read without, and a header
    that starts with one of ``prefixed``'s texts and ends with a year is that key's (Målvärde 2016)."""

    name: str
    columns: tuple[Column, ...]
    markers: tuple[str, ...]
    required: tuple[str, ...]
    scan_rows: int = HEADER_SCAN_ROWS
    prefixed: tuple[tuple[str, str], ...] = ()
    fields: tuple[Column, ...] = ()  # a key/value sheet's rows: each field's label (header) in column A, its value in B
    by_header: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_header.update({c.header: c.key for c in self.columns})

    def field(self, key: str) -> Column:
        return next(c for c in self.fields if c.key == key)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def index(self) -> dict[str, int]:
        """Each column's position where the writer puts it."""
        return {c.key: i for i, c in enumerate(self.columns)}

    @property
    def headers(self) -> tuple[str, ...]:
        """The header texts, in the written order."""
        return tuple(c.header for c in self.columns)

    @property
    def widths(self) -> list[float]:
        """The columns' widths, in the written order."""
        return [c.width for c in self.columns]

    @property
    def column_formats(self) -> dict[int, str]:
        """Position -> number format, for the columns that have one."""
        return {i: c.num_format for i, c in enumerate(self.columns) if c.num_format}

    @property
    def numeric(self) -> tuple[str, ...]:
        """The headers of the columns that hold numbers."""
        return tuple(c.header for c in self.columns if c.numeric)


COL_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
HEADERS = {c.key: c.header for c in COLUMNS}
INPUT_KEYS = ("outcome", "rank", "assessment", "comment", "actions")
FOLLOW_UP_AREA = SheetLayout("uppföljning", COLUMNS, ("ID", "Utfall"), ("id", "outcome", "assessment", "comment"),
                              prefixed=(("Målvärde ", "target_now"),))
REQUIRED_HEADERS = tuple(HEADERS[k] for k in FOLLOW_UP_AREA.required)


# -- the plan round's sheets: an area sheet (the unit's own goals, activities and indicators under the
# council's goals) and the Budget sheet -----------------------------------------------------------------

KIND_COUNCIL = "Fullmäktiges mål"  # a council goal's row on a plan sheet (locked)
PLAN_KINDS = (KIND_UNIT_GOAL, KIND_ACTIVITY, KIND_INDICATOR)  # what a unit types in a plan row
_ALL_PLAN_KINDS = frozenset(PLAN_KINDS)
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"  # a text cell: '=se bilaga' or '1-2' stay as typed

# Måttenhet as a unit types it in a plan: the measures' own words, and the short forms people use
MEASURE_WORDS: dict[str, Measure] = {m.value: m for m in Measure} | {"%": Measure.PERCENT, "st": Measure.COUNT}

KIND_RULE = Rule("list", values=PLAN_KINDS, title="Typ", prompt="Nämndmål, Aktivitet eller Indikator.", error_title="Okänd typ",
                 error="Välj Nämndmål, Aktivitet eller Indikator i listan.", code="okand-typ",
                 problem="är ingen typ; välj Nämndmål, Aktivitet eller Indikator")
LINK_RULE = Rule("list", title="Kopplat till", error_title="Okänt mål",
                 error="Ange id för ett av fullmäktiges mål i arbetsboken, eller lämna tomt för målet ovanför.",
                 code="ej-kopplat", problem="är inget av fullmäktiges mål i arbetsboken")
DATE_RULE = Rule("date", error_title="Inget datum",
                 error="Skriv ett datum, t.ex. 2014-03-31.", problem="ska vara ett datum ÅÅÅÅ-MM-DD")
MEASURE_RULE = Rule("list", values=tuple(MEASURE_WORDS), error_title="Okänd måttenhet", error="Välj en måttenhet i listan; en annan läses som tal.", warning=True,
                    code="okand-mattenhet", problem="är ingen känd måttenhet; läses som tal")
AMOUNT_LIMIT = 1e9  # tkr: a thousand billion kronor either way
AMOUNT_RULE = Rule("decimal", -AMOUNT_LIMIT, AMOUNT_LIMIT, "Belopp (tkr)", f"Tusen kronor, som ett tal, t.ex. 1200 eller {DECIMAL_HINT}.",
                   "Inget belopp", f"Skriv beloppet i tkr som ett tal, t.ex. 1200. {DECIMAL_ERROR}",
                   "ska vara ett belopp i tkr, ett tal mellan −1 000 000 000 och 1 000 000 000 (t.ex. 1200)")


def plan_date_rule(year: int) -> Rule:
    """Start and Slut of an activity in the plan of ``year``: from the year before to five years after."""
    return DATE_RULE.within(date(year - 1, 1, 1), date(year + 5, 12, 31))


PLAN_AREA = SheetLayout("plan", (
    Column("id", "ID", 10, _ALL_PLAN_KINDS, "ID", "Lämna tomt på nya rader; malbok ger raden ett id.", Rule("any"), TEXT_FORMAT),
    Column("kind", "Typ", 17, _ALL_PLAN_KINDS, "Typ", "Nämndmål, Aktivitet eller Indikator.", KIND_RULE, TEXT_FORMAT),
    Column("link", "Kopplat till", 12, _ALL_PLAN_KINDS, "Kopplat till",
           "Tomt = målet ovanför: för ett nämndmål fullmäktiges mål ovanför, för en aktivitet eller indikator nämndmålet "
           "närmast ovanför. Skriv ett annat mål-id för att koppla till det målet.", LINK_RULE, TEXT_FORMAT),
    Column("text", "Text", 60, _ALL_PLAN_KINDS, "Text", "Målet, aktiviteten eller indikatorn.", TEXT_RULE, TEXT_FORMAT),
    Column("owner", "Ansvarig", 18, frozenset((KIND_ACTIVITY,)), "Ansvarig", "Vem som ansvarar för aktiviteten.", TEXT_RULE,
           TEXT_FORMAT),
    Column("start", "Start", 11, frozenset((KIND_ACTIVITY,)), "Start", "Datum ÅÅÅÅ-MM-DD (aktiviteter).", DATE_RULE, DATE_FORMAT),
    Column("end", "Slut", 11, frozenset((KIND_ACTIVITY,)), "Slut", "Datum ÅÅÅÅ-MM-DD (aktiviteter).", DATE_RULE, DATE_FORMAT),
    Column("measure", "Måttenhet", 11, frozenset((KIND_INDICATOR,)), "Måttenhet",
           "För indikatorer: välj måttenhet i listan (procent, antal, kr, index …).",
           MEASURE_RULE, TEXT_FORMAT),
    Column("target", "Målvärde", 18, frozenset((KIND_UNIT_GOAL, KIND_INDICATOR)), "Målvärde",
           "För nämndmål och indikatorer: målvärdet för året.", TEXT_RULE, TEXT_FORMAT),
    Column("comment", "Kommentar", 40, _ALL_PLAN_KINDS, "Kommentar", "Kommentar till raden.", TEXT_RULE, TEXT_FORMAT),
), markers=("Typ", "Text"), required=("kind", "link", "text"))

# Budget rows: a verksamhet the writer names (its name locked), or a line the unit adds
BUDGET_GIVEN, BUDGET_NEW = "verksamhet", "ny rad"
BUDGET_TABLE = SheetLayout("budget", (
    Column("activity", "Verksamhet", 36, frozenset((BUDGET_NEW,)), "Verksamhet", "Verksamheten eller aktiviteten beloppet gäller.",
           TEXT_RULE, TEXT_FORMAT),
    Column("comment", "Kommentar", 50, frozenset((BUDGET_GIVEN, BUDGET_NEW)), "Kommentar", "Kommentar till beloppet.", TEXT_RULE,
           TEXT_FORMAT),
    Column("amount", "Belopp (tkr)", 16, frozenset((BUDGET_GIVEN, BUDGET_NEW)), "Belopp (tkr)", "Tusen kronor.", AMOUNT_RULE, TKR),
), markers=("Verksamhet", "Belopp (tkr)"), required=("activity", "amount"), scan_rows=20)
FRAME_LABEL = "Ram (tkr)"  # the Budget sheet's frame, above the header row (an input when the model gives none)
SUM_LABEL = "Summa"  # the row under the budget lines


# -- the consolidations' own tables: KF.xlsx (follow-up) and Budget.xlsx (plan round). Outputs: no input rule;
# kfbook writes them (header, width, number format) and kfread finds them by their first header and reads the
# numeric columns as numbers.


def _out(key: str, header: str, width: float, num_format: str = "", numeric: bool = False) -> Column:
    return Column(key, header, width, num_format=num_format, numeric=numeric or bool(num_format))


def _output(name: str, columns: tuple[Column, ...], required: bool = True) -> SheetLayout:
    """An output table's layout: its header row is the one that starts with its first header."""
    return SheetLayout(name, columns, (columns[0].header,), tuple(c.key for c in columns) if required else ())


# KF.xlsx Data: one row per unit (or the council) and goal or indicator; the keys are consolidation.DataRecord's
# fields, and Utfall's number format is its row's unit of measure
KF_DATA = _output("kf-data", (
    _out("period", "Period", 11), _out("unit", "Enhet", 9), _out("unit_name", "Enhetsnamn", 24), _out("area", "Område", 22),
    _out("id", "ID", 9), _out("kind", "Typ", 10), _out("level", "Nivå", 14), _out("parent", "Överordnat", 10),
    _out("text", "Text", 50), _out("measure", "Måttenhet", 9), _out("outcome", "Utfall", 10, numeric=True),
    _out("rank", "Placering", 9, INTEGER), _out("target", "Målvärde", 22), _out("assessment", "Bedömning", 16),
    _out("proposal", "Förslag", 16), _out("reason", "Förslagsskäl", 30), _out("comment", "Kommentar", 40),
    _out("actions", "Åtgärder", 30), _out("file", "Fil", 26), _out("cell", "Cell", 7), _out("compiled_by", "Sammanställning", 12),
))
# the units' status: KF.xlsx Enheter (returned workbooks) and Budget.xlsx Enheter (plans)
KF_UNITS = _output("kf-enheter", (
    _out("unit", "Enhet", 8), _out("name", "Namn", 32), _out("file", "Fil", 34), _out("status", "Status", 16),
    _out("rows", "Rader", 8, INTEGER), _out("filled", "Ifyllda", 8, INTEGER), _out("share", "Andel ifylld", 12, SHARE),
    _out("errors", "Fel", 7, INTEGER), _out("warnings", "Varningar", 10, INTEGER),
), required=False)
# the findings (Kontroll, either round): the keys are malbok.findings.Finding's fields (Rubrik is its code's title)
KONTROLL = _output("kontroll", (
    _out("severity", "Allvar", 9), _out("file", "Fil", 30), _out("unit", "Enhet", 8), _out("sheet", "Blad", 22),
    _out("cell", "Cell", 7), _out("row_id", "ID", 9), _out("code", "Kod", 20), _out("title", "Rubrik", 30),
    _out("message", "Meddelande", 90),
), required=False)
# Budget.xlsx Data: one row per unit goal, activity, indicator and budget line
BUDGET_DATA = _output("budget-data", (
    _out("unit", "Enhet", 8), _out("unit_name", "Enhetsnamn", 26), _out("area", "Område", 24),
    _out("council_goal", "Fullmäktiges mål", 12), _out("kind", "Typ", 12), _out("id", "ID", 10), _out("link", "Kopplat till", 12),
    _out("text", "Text", 60), _out("owner", "Ansvarig", 18), _out("start", "Start", 11), _out("end", "Slut", 11),
    _out("measure", "Måttenhet", 10), _out("target", "Målvärde", 16), _out("amount", "Belopp (tkr)", 12, TKR),
    _out("comment", "Kommentar", 40), _out("file", "Fil", 30), _out("cell", "Cell", 22),
))
BUDGET_UNITS = _output("budget-enheter", (
    _out("unit", "Enhet", 8), _out("name", "Namn", 32), _out("file", "Fil", 30), _out("status", "Status", 14),
    _out("frame", FRAME_LABEL, 12, TKR), _out("total", "Budget (tkr)", 12, TKR), _out("deviation", "Avvikelse (tkr)", 14, TKR),
    _out("goals", "Nämndmål", 10, INTEGER), _out("activities", "Aktiviteter", 10, INTEGER), _out("errors", "Fel", 7, INTEGER),
    _out("warnings", "Varningar", 10, INTEGER),
), required=False)
# Budget.xlsx Budget: the units' budget lines, their sums, frames and deviations
BUDGET_LINES = _output("budget-rader", (
    _out("unit", "Enhet", 8), _out("name", "Namn", 32), _out("activity", "Verksamhet", 36), _out("comment", "Kommentar", 40),
    _out("amount", "Belopp (tkr)", 14, TKR),
), required=False)
# Budget.xlsx Översikt: per council goal the units' goals, activities and indicators
BUDGET_GOALS = _output("budget-mål", (
    _out("unit", "Enhet", 8), _out("kind", "Typ", 12), _out("id", "ID", 10), _out("text", "Text", 64), _out("owner", "Ansvarig", 18),
    _out("start", "Start", 11), _out("end", "Slut", 11), _out("target", "Målvärde", 18), _out("comment", "Kommentar", 40),
), required=False)
# KF.xlsx's sheet per area: its goals and indicators per unit and the council's (Utfall's format is its row's measure)
KF_AREA = _output("kf-område", (
    _out("id", "ID", 8), _out("kind", "Typ", 10), _out("text", "Mål / indikator", 36), _out("unit", "Enhet", 13),
    _out("measure", "Måttenhet", 9), _out("outcome", "Utfall", 9, numeric=True), _out("rank", "Placering", 9, INTEGER),
    _out("target", "Målvärde", 20), _out("assessment", "Bedömning", 16), _out("proposal", "Förslag", 16),
    _out("reason", "Skäl för förslaget", 28), _out("comment", "Kommentar", 38), _out("actions", "Åtgärder", 28),
    _out("file", "Fil", 26), _out("cell", "Cell", 7),
), required=False)
# KF.xlsx Handlingsprogram: per programme each participating unit's follow-up
KF_PROGRAMME = _output("kf-handlingsprogram", (
    _out("unit", "Enhet", 8), _out("name", "Namn", 32), _out("assessment", "Bedömning", 24), _out("comment", "Kommentar", 60),
    _out("actions", "Åtgärder", 44),
), required=False)
# the check Kontrollera writes into a unit workbook (malbok.excel): its own findings, the file being the workbook itself
CHECK_SHEET = "Malbok kontroll"
UNIT_CHECK = _output("kontrollera", (
    _out("severity", "Allvar", 9), _out("sheet", "Blad", 24), _out("cell", "Cell", 7), _out("row_id", "ID", 9),
    _out("message", "Meddelande", 90),
), required=False)
OUTPUT_KINDS = (KF_DATA, KF_UNITS, KONTROLL, KF_AREA, KF_PROGRAMME, BUDGET_DATA, BUDGET_UNITS, BUDGET_LINES, BUDGET_GOALS,
                UNIT_CHECK)


# -- the Excel model workbook (malbok.modelbook): a sheet per table of the styrmodell, a row per item, every cell typed by
# the controller. A column's key is its dotted YAML key; its rule is the writer's validation (over the whole column)
# and the reader's check; ``form`` is how a text cell holds several values.

MODEL_ROW = "rad"  # every row of a model-book table is an input row
_MODEL_INPUT = frozenset((MODEL_ROW,))
YEAR_RULE = Rule("integer", 1900, 2200, "År", "Ett årtal, t.ex. 2016.", "Inget årtal",
                 "Skriv ett årtal med fyra siffror mellan 1900 och 2200, t.ex. 2016.",
                 "ska vara ett årtal mellan 1900 och 2200, t.ex. 2016")
MONTH_RULE = Rule("integer", 1, 12, "Månad", "Månaden då perioden slutar, ett heltal 1–12.", "Ingen månad",
                  "Skriv månaden som ett heltal 1–12.", "ska vara en månad, ett heltal 1–12")
POSITIVE_WHOLE_RULE = Rule("integer", minimum=1, title="Antal", prompt="Ett heltal, 1 eller mer.", error_title="Inget heltal",
                           error="Skriv ett heltal, 1 eller mer.", problem="ska vara ett heltal, 1 eller mer")
DECIMAL_RULE = Rule("decimal", -1e12, 1e12, "Tal", f"Ett tal, t.ex. 1234 eller {DECIMAL_HINT}.", "Inget tal",
                    f"Skriv ett tal. {DECIMAL_ERROR}", "ska vara ett tal mellan −1 000 000 000 000 och 1 000 000 000 000")
PERCENT_RULE = Rule("decimal", 0, 100, "Procent", f"Procent mellan 0 och 100, t.ex. 25 eller {DECIMAL_HINT}.", "Ingen procentsats",
                    f"Skriv procent som ett tal mellan 0 och 100. {DECIMAL_ERROR}", "ska vara procent, ett tal mellan 0 och 100")
SHARE_RULE = Rule("decimal", 0, 1000, "Procent av målvärdet", f"Minsta andel i procent, t.ex. 80 eller {DECIMAL_HINT}.",
                  "Ingen procentsats", f"Skriv andelen i procent som ett tal mellan 0 och 1000. {DECIMAL_ERROR}",
                  "ska vara en andel i procent, ett tal mellan 0 och 1000")
YES, NO = "ja", "nej"
YES_NO_RULE = Rule("list", values=(YES, NO), title="Ja eller nej", prompt="ja eller nej", error_title="Ja eller nej",
                   error="Välj ja eller nej i listan.", problem="ska vara ja eller nej")


def choice_rule(title: str, values: Iterable[str]) -> Rule:
    """A list rule of a model-book column: one of the words the styrmodell knows (``values``)."""
    words = tuple(values)
    return Rule("list", values=words, title=title, prompt=f"Välj i listan: {', '.join(words)}."[:255], error_title=f"Okänd {title.lower()}"[:32],
                error=f"Välj ett av orden i listan: {', '.join(words)}."[:255], problem=f"är inget av orden {', '.join(words)}")


def _mcol(header: str, key: str = "", width: float = 14, rule: Rule | None = None, form: str = "") -> Column:
    """A model-book column: its header is the YAML key's own word, unless the dotted ``key`` says otherwise."""
    return Column(key or header, header, width, _MODEL_INPUT, rule=rule or TEXT_RULE, form=form)


def _mtable(sheet: str, *columns: Column) -> SheetLayout:
    return SheetLayout(sheet, columns, (columns[0].header,), (), scan_rows=1)


_COMBINE_RULE = choice_rule("Sammanvägning", (c.value for c in Combine))
MODEL_BOOK_MODEL = SheetLayout("Modell", (Column("label", "nyckel", 20), Column("value", "värde", 100)), ("nyckel", "värde"), (),
                               scan_rows=1, fields=(
    _mcol("id"), _mcol("kommun", "kommun.namn"), _mcol("kommunkod", "kommun.kommunkod"),
    _mcol("mandatperiod från", "mandatperiod.från", rule=YEAR_RULE), _mcol("mandatperiod till", "mandatperiod.till", rule=YEAR_RULE),
    _mcol("vision rubrik", "vision.rubrik"), _mcol("vision text", "vision.text"), _mcol("kontakt"), _mcol("indikatorskala"),
    _mcol("plannivå"), _mcol("aktivitetsskala"), _mcol("historik"),
))
MODEL_BOOK_SCALES = _mtable(
    "Skalor", _mcol("skala"), _mcol("skalnamn", width=24), _mcol("etikett", width=24),
    _mcol("betydelse", width=12, rule=choice_rule("Betydelse", (m.value for m in Meaning))), _mcol("färg", width=10),
    _mcol("symbol", width=8), _mcol("regel andel_av", "regel.andel_av", 14, choice_rule("Grund", (b.value for b in RuleBasis))),
    _mcol("regel minst_procent", "regel.minst_procent", 14, SHARE_RULE), _mcol("beskrivning", width=40),
)
MODEL_BOOK_TABLES = (
    _mtable("Värdeord", _mcol("namn", width=18), _mcol("text", width=90)),
    _mtable("Områden", _mcol("id"), _mcol("namn", width=36), _mcol("text", width=90)),
    _mtable("Målnivåer", _mcol("id"), _mcol("namn", width=20), _mcol("singular", width=18), _mcol("plural", width=18),
            _mcol("bedömningsrubrik", width=20), _mcol("skala"), _mcol("tidshorisont"), _mcol("beskrivning", width=50),
            _mcol("uppföljning", form="list"), _mcol("sammanvägning", rule=_COMBINE_RULE),
            _mcol("grunduppdrag", width=13, rule=YES_NO_RULE)),
    _mtable("Mål", _mcol("id", width=10), _mcol("nivå"), _mcol("område"), _mcol("överordnat"), _mcol("text", width=70),
            _mcol("enheter", form="list"), _mcol("uppföljning", form="list"), _mcol("uppföljs_av", form="list"),
            _mcol("från_år", width=9, rule=YEAR_RULE), _mcol("till_år", width=9, rule=YEAR_RULE),
            _mcol("beslutad_uppföljning", width=26), _mcol("sammanvägning", rule=_COMBINE_RULE),
            _mcol("tidigare_bedömningar", width=24, form="labels")),
    _mtable("Indikatorer", _mcol("id", width=10), _mcol("område"), _mcol("mål"), _mcol("namn", width=40), _mcol("text", width=70),
            _mcol("måttenhet", width=11, rule=choice_rule("Måttenhet", (m.value for m in Measure))),
            _mcol("utgångsvärde", "utgångsvärde.värde", 12, DECIMAL_RULE), _mcol("utgångsår", "utgångsvärde.år", 10, YEAR_RULE),
            _mcol("kolada", width=10), _mcol("högre_är_bättre", width=10, rule=YES_NO_RULE), _mcol("enheter", form="list"),
            _mcol("uppföljning", form="list"),
            _mcol("sammanräkning", rule=choice_rule("Sammanräkning", (a.value for a in Aggregation))),
            _mcol("vikter", form="map"), _mcol("tidigare_utfall", width=20, form="years"),
            _mcol("tidigare_bedömningar", width=24, form="labels")),
    _mtable("Enheter", _mcol("kod", width=8), _mcol("namn", width=34),
            _mcol("typ", width=11, rule=choice_rule("Enhetstyp", (k.value for k in UnitKind))), _mcol("kontakt", width=30),
            _mcol("verksamheter", width=50, form="semilist"), _mcol("budgetramar", width=24, form="frames")),
    _mtable("Perioder", _mcol("id", width=9), _mcol("namn", width=32), _mcol("månad", width=8, rule=MONTH_RULE),
            _mcol("typ", width=10, rule=choice_rule("Periodtyp", (k.value for k in OccasionKind))), _mcol("sista_dag", width=10),
            _mcol("beskrivning", width=50), _mcol("ämnen", form="list")),
    _mtable("Handlingsprogram", _mcol("id"), _mcol("namn", width=30), _mcol("text", width=60), _mcol("mål", form="list"),
            _mcol("enheter", form="list"), _mcol("uppföljning", form="list")),
)
TARGET_KINDS = ("värde", "rang", "riktning", "årlig_förändring", "nivå", "redovisas")  # model.Target's kinds ('typ')
MODEL_BOOK_TARGETS = _mtable(
    "Målvärden", _mcol("indikator", width=10), _mcol("typ", width=16, rule=choice_rule("Målvärdestyp", TARGET_KINDS)),
    _mcol("värde", width=9, rule=DECIMAL_RULE), _mcol("år", width=8, rule=YEAR_RULE),
    _mcol("jämförelse", width=11, rule=choice_rule("Jämförelse", (c.value for c in Comparison))),
    _mcol("riktning", width=10, rule=choice_rule("Riktning", (d.value for d in Direction))),
    _mcol("procent", width=9, rule=DECIMAL_RULE), _mcol("bland_bästa_procent", width=10, rule=PERCENT_RULE),
    _mcol("placering", width=10, rule=RANK_RULE), _mcol("antal_kommuner", width=10, rule=POSITIVE_WHOLE_RULE),
    _mcol("text", width=50),
)
MODEL_BOOK = (MODEL_BOOK_MODEL, MODEL_BOOK_SCALES, *MODEL_BOOK_TABLES, MODEL_BOOK_TARGETS)


# -- the controller's settings (malbok.controllerbook writes them, malbok.excel reads them): a key/value sheet

PATH_LIMIT = 259  # characters of a path Windows opens (MAX_PATH, 260 with its ending NUL)
PATH_RULE = Rule("length", maximum=PATH_LIMIT, error_title="För lång sökväg", error=f"En sökväg får vara högst {PATH_LIMIT} tecken.",
                 problem=f"är längre än de {PATH_LIMIT} tecken som en sökväg i Windows får vara")
PERIOD_RULE = Rule("list", title="Period", error_title="Okänd period", warning=True,
                   error="Perioden finns inte i styrmodellen (ÅÅÅÅ-tillfälle, t.ex. 2016-delar); se malbok periods.",
                   code="okand-period", problem="är ingen av styrmodellens perioder")


def _setting(key: str, label: str, help_text: str, rule: Rule | None = PATH_RULE) -> Column:
    return Column(key, label, 60, frozenset((MODEL_ROW,)) if rule is not None else frozenset(), label, help_text, rule, TEXT_FORMAT)


SETTINGS_LAYOUT = SheetLayout("Inställningar", (Column("label", "Inställning", 34), Column("value", "Värde", 60),
                                                Column("help", "Förklaring", 80)), ("Inställning", "Värde"), (), scan_rows=1, fields=(
    _setting("model", "Styrmodell", "Styrmodellen (.yaml eller .xlsx). Absolut sökväg eller relativ till denna arbetsbok."),
    _setting("period", "Period", "Perioden som konsolideras, t.ex. 2016-delar (se malbok periods).", PERIOD_RULE),
    _setting("returns", "Mapp med inlämnade arbetsböcker", "Mappen dit nämndernas ifyllda arbetsböcker sparas."),
    _setting("prefer", "Välj vid dubbletter", "Filnamn att välja när en nämnd lämnat två olika filer; flera skiljs med semikolon.",
             TEXT_RULE),
    _setting("kf", "KF-arbetsbok", "Skriv också KF-arbetsboken som fil, t.ex. KF.xlsx (tom = ingen fil)."),
    _setting("docx", "Word-rapport", "Skriv Word-kapitlet, t.ex. Maluppfyllelse.docx (tom = ingen rapport; kräver KF-arbetsbok)."),
    _setting("csv", "CSV-export", "Skriv den långa tabellen som CSV, t.ex. data.csv (tom = ingen; kräver KF-arbetsbok)."),
    _setting("status", "Senaste körning", "Skrivs av malbok.", None),
    _setting("written", "Blad skrivna av malbok", "Skrivs av malbok; dessa blad ersätts vid nästa körning. Ändra inte.", None),
))
SHEET_KINDS = (FOLLOW_UP_AREA, PLAN_AREA, BUDGET_TABLE, *OUTPUT_KINDS, *MODEL_BOOK, SETTINGS_LAYOUT)

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


# Identity.percent_cells ('procentceller' on the metadata sheet): 'andel' says the workbook's %-outcome cells are
# percent cells as above, so a reader that sees only values (a workbook open in Excel) reads 0,855 there as 85,5 %.
PERCENT_CELLS_SHARE = "andel"
