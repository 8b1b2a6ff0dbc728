"""Numbers the way Swedes type them: '85', '85,5', '85 %', '1 234', '1 234,5'."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

MISSING_WORDS = {"", "-", "–", "—", "saknas", "ej aktuellt", "ej tillämpligt", "n/a", "na", "uppgift saknas", "x"}
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f']")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$", re.IGNORECASE)


class Parsed(NamedTuple):
    value: float | None
    from_text: bool = False  # typed as text (a warning only when it was ambiguous)
    percent_sign: bool = False
    error: str | None = None  # Swedish reason when not a number


def cell_text(v: object) -> str:
    """A cell as text: '' for empty, whole numbers without '.0', surrounding space removed."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_number(raw: object) -> Parsed:
    """Parse one cell value as calamine gives it."""
    if raw is None:
        return Parsed(None)
    if type(raw) is float:  # the common case first
        return Parsed(raw)
    if isinstance(raw, bool):
        return Parsed(None, error=f"'{'SANT' if raw else 'FALSKT'}' är ett sanningsvärde, inte ett tal")
    if isinstance(raw, int | float):
        return Parsed(float(raw))
    if isinstance(raw, datetime | date | time | timedelta):
        return Parsed(None, error="cellen innehåller ett datum eller en tid, inte ett tal (kontrollera cellformatet)")
    text = str(raw).strip()
    if text.lower() in MISSING_WORDS:
        return Parsed(None, from_text=True)
    pct = False
    if text.endswith("%"):
        pct = True
        text = text[:-1].strip()
    text = text.replace("\u2212", "-")
    compact = _SPACES.sub("", text)
    if "," in compact and "." in compact:
        # 1.234,5 (dots as thousands separators)
        compact = compact.replace(".", "")
    elif compact.count(".") > 1:
        compact = compact.replace(".", "")
    elif compact.count(",") > 1:
        compact = compact.replace(",", "")
    compact = compact.replace(",", ".")
    if not _NUMBER.match(compact):
        shown = str(raw).strip()
        if len(shown) > 40:
            shown = shown[:37] + "…"
        return Parsed(None, from_text=True, error=f"'{shown}' är inte ett tal")
    try:
        return Parsed(float(compact), from_text=True, percent_sign=pct)
    except ValueError:
        return Parsed(None, from_text=True, error=f"'{raw}' är inte ett tal")


def fmt_sv(value: float) -> str:
    from .targets import fmt_number

    return fmt_number(value, 2)
