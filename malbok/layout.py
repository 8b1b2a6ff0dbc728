"""One layout, two directions: the columns of a unit workbook's area sheet.

The writer (:mod:`malbok.workbook`) and the reader (:mod:`malbok.returns`) both
use :data:`COLUMNS`; header texts are how the reader finds its columns, so a
nämnd that moves, widens or adds columns does not break consolidation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

LAYOUT_VERSION = "1"
META_SHEET = "_malbok"
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
           "Skriv periodens utfall som ett tal, t.ex. 85 eller 85,5. Lämna tomt och förklara i Kommentar om det saknas."),
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
    base = clean if len(clean) <= 31 else clean[:30].rsplit(" ", 1)[0].rstrip(" ,-&") + "…"
    if len(base) < 12:  # no useful word boundary: cut hard
        base = clean[:30].rstrip() + "…"
    candidate, n = base, 2
    while candidate.lower() in taken or candidate.lower() in _RESERVED:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate
