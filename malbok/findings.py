"""Findings: problems in the users' data, collected as data, never raised.

The shape follows frictionless-py's validation reports: a code, a place and a
message a person can read, so that a program can filter and a controller can
act. Severity is ``fel`` (error), ``varning`` (warning) or ``info``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from .layout import KONTROLL

ERROR = "fel"
WARNING = "varning"
INFO = "info"


class Code(StrEnum):
    """Every kind of finding malbok can report. A member equals its code text, so either may be passed."""

    # the run and the files
    EMPTY_FOLDER = "tom-mapp"
    NOT_A_WORKBOOK = "ej-arbetsbok"
    DAMAGED = "trasig-fil"
    ENCRYPTED = "krypterad"
    UNKNOWN_WORKBOOK = "okand-arbetsbok"
    WRONG_PERIOD = "fel-period"
    WRONG_ROUND = "fel-omgang"
    WRONG_MODEL = "fel-modell"
    MODEL_VERSION = "fel-modellversion"
    NEW_MODEL_VERSION = "ny-modellversion"
    WRONG_LAYOUT = "fel-layout"
    UNKNOWN_UNIT = "okand-enhet"
    NOTHING_TO_REPORT = "enhet-utan-uppdrag"
    PLAN_MISSING = "plan-saknas"
    DUPLICATE_SAME = "dubblett-identisk"
    DUPLICATE_DIFFERENT = "dubblett-olika"
    DUPLICATE_CHOSEN = "dubblett-vald"
    MISSING = "saknas"
    NOT_REGULAR = "ej-vanlig-fil"
    OTHER_FORMAT = "annat-format"
    TOO_LARGE = "for-stor"
    READER_CRASHED = "lasaren-kraschade"
    CONSOLIDATION_FILE = "sammanstallning"
    IDENTITY_CHANGED = "identitet-andrad"
    MACROS = "makron"
    # sheets, columns and rows
    SHEET_MISSING = "blad-saknas"
    COLUMN_MISSING = "kolumn-saknas"
    ROW_MISSING = "rad-saknas"
    UNKNOWN_ID = "okant-id"
    DUPLICATE_ID = "dubblett-id"
    ROW_WITHOUT_ID = "rad-utan-id"
    ADDED_SHEET = "eget-blad"
    # cells
    OUTCOME_MISSING = "utfall-saknas"
    ASSESSMENT_MISSING = "bedomning-saknas"
    NOT_A_NUMBER = "ej-tal"
    OUT_OF_RANGE = "utanfor-intervall"
    SHARE_AS_PERCENT = "andel-som-procent"
    NOT_IN_SCALE = "ej-i-skalan"
    TOO_OPTIMISTIC = "for-optimistisk"
    KOLADA_RANK = "placering-ej-kolada"
    NUMBER_AS_TEXT = "text-tolkad"
    OUTSIDE_TABLE = "utanfor-tabellen"
    ERROR_VALUE = "felvarde"
    FORMULA_WITHOUT_VALUE = "formel-utan-varde"
    NOT_FINITE = "ej-andligt-tal"
    AMBIGUOUS_NUMBER = "tvetydigt-tal"
    TEXT_TOO_LONG = "for-lang-text"
    # the plan round
    TEXT_MISSING = "text-saknas"
    UNKNOWN_KIND = "okand-typ"
    NOT_LINKED = "ej-kopplat"
    NOT_A_DATE = "ej-datum"
    OWNER_MISSING = "ansvarig-saknas"
    END_MISSING = "slutdatum-saknas"
    END_BEFORE_START = "slut-fore-start"
    UNKNOWN_MEASURE = "okand-mattenhet"
    BUDGET_LINE_MISSING = "verksamhet-saknas"
    OVER_FRAME = "over-ram"
    EMPTY_PLAN = "tom-plan"
    FRAME_MISSING = "ram-saknas"
    UNUSED_CELL = "ej-anvand-cell"
    BELOW_SUM = "under-summan"
    # importing earlier years into the history store
    UNKNOWN_PERIOD = "okand-period"
    DUPLICATE_ROW = "dubblett-rad"
    EMPTY_IMPORT = "tom-import"
    HISTORY_NOT_SAVED = "historik-ej-sparad"


class UnitStatus(StrEnum):
    """What came from a unit in a consolidation (the Status column of Enheter)."""

    SUBMITTED = "inlämnad"
    CHOSEN = "inlämnad (vald)"  # one of two differing files, chosen with --prefer
    EMPTY = "tom"  # a file came, but nothing in it was filled in
    MISSING = "saknas"
    DUPLICATE = "dubblett"  # two differing files and none chosen: neither is consolidated


STATUS_COLOURS: dict[str, str] = {
    UnitStatus.SUBMITTED: "#C6EFCE", UnitStatus.CHOSEN: "#C6EFCE", UnitStatus.EMPTY: "#FFEB9C",
    UnitStatus.MISSING: "#FFC7CE", UnitStatus.DUPLICATE: "#FFEB9C",
}


class CodeInfo(NamedTuple):
    title: str  # short Swedish title, the heading of the finding in Kontroll
    severity: str  # the default severity


# code -> Swedish title and default severity (the message carries the details)
REGISTRY: dict[Code, CodeInfo] = {
    Code.EMPTY_FOLDER: CodeInfo("Inga arbetsböcker", ERROR),
    Code.NOT_A_WORKBOOK: CodeInfo("Inte en arbetsbok", ERROR),
    Code.DAMAGED: CodeInfo("Trasig eller avkortad fil", ERROR),
    Code.ENCRYPTED: CodeInfo("Lösenordsskyddad fil", ERROR),
    Code.UNKNOWN_WORKBOOK: CodeInfo("Arbetsboken är inte från malbok", ERROR),
    Code.WRONG_PERIOD: CodeInfo("Fel period", ERROR),
    Code.WRONG_ROUND: CodeInfo("Fel omgång", ERROR),
    Code.WRONG_MODEL: CodeInfo("Annan styrmodell", ERROR),
    Code.MODEL_VERSION: CodeInfo("Annan version av styrmodellen", WARNING),
    Code.NEW_MODEL_VERSION: CodeInfo("Styrmodellen har ändrats", WARNING),
    Code.WRONG_LAYOUT: CodeInfo("Annan layoutversion", ERROR),
    Code.UNKNOWN_UNIT: CodeInfo("Okänd enhet", ERROR),
    Code.NOTHING_TO_REPORT: CodeInfo("Enheten rapporterar inget i perioden", ERROR),
    Code.PLAN_MISSING: CodeInfo("Planen saknas", ERROR),
    Code.DUPLICATE_SAME: CodeInfo("Samma fil två gånger", WARNING),
    Code.DUPLICATE_DIFFERENT: CodeInfo("Två olika filer för samma enhet", ERROR),
    Code.DUPLICATE_CHOSEN: CodeInfo("Dubblett avgjord med --prefer", WARNING),
    Code.MISSING: CodeInfo("Enhetens arbetsbok saknas", WARNING),
    Code.NOT_REGULAR: CodeInfo("Inte en vanlig fil", ERROR),
    Code.OTHER_FORMAT: CodeInfo("Sparad i ett annat format än .xlsx", ERROR),
    Code.TOO_LARGE: CodeInfo("För stor eller uppblåst fil", ERROR),
    Code.READER_CRASHED: CodeInfo("Filen fick läsaren att krascha", ERROR),
    Code.CONSOLIDATION_FILE: CodeInfo("En sammanställning, inte en inlämnad arbetsbok", WARNING),
    Code.IDENTITY_CHANGED: CodeInfo("Identitetsbladet är ändrat", ERROR),
    Code.MACROS: CodeInfo("Arbetsboken innehåller makron", WARNING),
    Code.SHEET_MISSING: CodeInfo("Blad saknas", ERROR),
    Code.COLUMN_MISSING: CodeInfo("Kolumn saknas", ERROR),
    Code.ROW_MISSING: CodeInfo("Rad borttagen", ERROR),
    Code.UNKNOWN_ID: CodeInfo("Okänt ID", WARNING),
    Code.DUPLICATE_ID: CodeInfo("Samma ID två gånger", ERROR),
    Code.ROW_WITHOUT_ID: CodeInfo("Värden på en rad utan ID", WARNING),
    Code.ADDED_SHEET: CodeInfo("Ett eget blad läses inte", WARNING),
    Code.OUTCOME_MISSING: CodeInfo("Utfall saknas", ERROR),
    Code.ASSESSMENT_MISSING: CodeInfo("Bedömning saknas", ERROR),
    Code.NOT_A_NUMBER: CodeInfo("Inte ett tal", ERROR),
    Code.OUT_OF_RANGE: CodeInfo("Utanför tillåtet intervall", ERROR),
    Code.SHARE_AS_PERCENT: CodeInfo("Andel skriven som decimaltal", WARNING),
    Code.NOT_IN_SCALE: CodeInfo("Bedömningen finns inte i skalan", ERROR),
    Code.TOO_OPTIMISTIC: CodeInfo("Bedömningen är mer positiv än utfallet visar", WARNING),
    Code.KOLADA_RANK: CodeInfo("Placering skiljer sig från Kolada", WARNING),
    Code.NUMBER_AS_TEXT: CodeInfo("Tal skrivet som text", INFO),
    Code.OUTSIDE_TABLE: CodeInfo("Celler långt utanför tabellen", WARNING),
    Code.ERROR_VALUE: CodeInfo("Felvärde i cellen", ERROR),
    Code.FORMULA_WITHOUT_VALUE: CodeInfo("Formel utan sparat värde", ERROR),
    Code.NOT_FINITE: CodeInfo("Inte ett ändligt tal", ERROR),
    Code.AMBIGUOUS_NUMBER: CodeInfo("Talet kan läsas på två sätt", WARNING),
    Code.TEXT_TOO_LONG: CodeInfo("För lång text", WARNING),
    Code.TEXT_MISSING: CodeInfo("Text saknas", WARNING),
    Code.UNKNOWN_KIND: CodeInfo("Okänd radtyp", ERROR),
    Code.NOT_LINKED: CodeInfo("Inte kopplat till fullmäktiges mål", ERROR),
    Code.NOT_A_DATE: CodeInfo("Inte ett datum", ERROR),
    Code.OWNER_MISSING: CodeInfo("Ansvarig saknas", WARNING),
    Code.END_MISSING: CodeInfo("Slutdatum saknas", WARNING),
    Code.END_BEFORE_START: CodeInfo("Slutdatum före start", ERROR),
    Code.UNKNOWN_MEASURE: CodeInfo("Okänd måttenhet", WARNING),
    Code.BUDGET_LINE_MISSING: CodeInfo("Belopp utan verksamhet", WARNING),
    Code.OVER_FRAME: CodeInfo("Budgeten är över ramen", ERROR),
    Code.EMPTY_PLAN: CodeInfo("Tom verksamhetsplan", WARNING),
    Code.FRAME_MISSING: CodeInfo("Budgetram saknas", WARNING),
    Code.UNUSED_CELL: CodeInfo("Värdet används inte för radens typ", WARNING),
    Code.BELOW_SUM: CodeInfo("Skrivet under summaraden", WARNING),
    Code.UNKNOWN_PERIOD: CodeInfo("Okänt år eller period", ERROR),
    Code.DUPLICATE_ROW: CodeInfo("Samma värde två gånger", ERROR),
    Code.EMPTY_IMPORT: CodeInfo("Inget att importera", ERROR),
    Code.HISTORY_NOT_SAVED: CodeInfo("Historiken kunde inte användas", WARNING),
}

# code text -> title, for readers that only have the text
CODES: dict[str, str] = {c.value: info.title for c, info in REGISTRY.items()}


def default_severity(code: str) -> str:
    """The registry's severity of ``code`` (raises for a code that is not registered: a bug)."""
    return REGISTRY[Code(code)].severity


@dataclass(frozen=True)
class Finding:
    file: str
    sheet: str
    cell: str
    row_id: str
    code: str
    message: str
    severity: str
    unit: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a bug in malbok, not in the user's data
            raise ValueError(f"finding code {self.code!r} is not registered in malbok.findings.REGISTRY")

    @property
    def title(self) -> str:
        return CODES[self.code]

    def as_row(self) -> dict[str, str]:
        d = asdict(self)
        return {
            "Allvar": d["severity"], "Fil": d["file"], "Enhet": d["unit"], "Blad": d["sheet"], "Cell": d["cell"],
            "ID": d["row_id"], "Kod": d["code"], "Rubrik": self.title, "Meddelande": d["message"],
        }

    def place(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"blad {self.sheet}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(p for p in parts if p)


def counted(n: int, singular: str, plural: str) -> str:
    """'1 varning', '3 varningar', '0 varningar': the number with the word in the right form."""
    return f"{n} {singular if n == 1 else plural}"


FINDING_COLUMNS = KONTROLL.headers  # declared in malbok.layout.KONTROLL


class FindingsSummary:
    """What a consolidation (follow-up or plan) says about its findings and units.

    Mixed into classes that have ``findings`` (list of :class:`Finding`),
    ``units`` (a DataFrame with the columns ``Enhet`` and ``Status``) and the
    numbers of files given and read.
    """

    findings: list[Finding]
    units: Any
    files_read: int
    files_given: int

    def files_summary(self) -> str:
        """'4 filer lästa', '1 fil läst', or '6 filer, 4 kunde läsas' when some files could not be read at all."""
        if self.files_given > self.files_read:
            return f"{counted(self.files_given, 'fil', 'filer')}, {self.files_read} kunde läsas"
        return f"{counted(self.files_read, 'fil', 'filer')} {'läst' if self.files_read == 1 else 'lästa'}"

    def findings_summary(self) -> str:
        """'2 fel · 1 varning'."""
        return f"{len(self.errors)} fel · {counted(len(self.warnings), 'varning', 'varningar')}"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def missing_units(self) -> list[str]:
        return list(self.units.loc[self.units["Status"] == UnitStatus.MISSING, "Enhet"])

    @property
    def consolidated_units(self) -> list[str]:
        return list(self.units.loc[self.units["Status"].isin([UnitStatus.SUBMITTED, UnitStatus.CHOSEN, UnitStatus.EMPTY]), "Enhet"])

    def findings_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([f.as_row() for f in self.findings], columns=list(FINDING_COLUMNS))
