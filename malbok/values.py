"""Numbers the way Swedes type them: '85', '85,5', '85 %', '1 234', '1 234,5'."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

MISSING_WORDS = {"", "-", "–", "—", "saknas", "ej aktuellt", "ej tillämpligt", "n/a", "na", "uppgift saknas", "x"}
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f']")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$", re.IGNORECASE)


class Parsed(NamedTuple):
    value: float | None
    from_text: bool = False  # typed as text (a warning only when it was ambiguous)
    percent_sign: bool = False
    error: str | None = None  # Swedish reason when not a number
    ambiguous: str | None = None  # Swedish: the readings of a number Swedes and English write differently


_EN_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+\.\d+$")  # 1,234.5
_DOT_THOUSAND = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")  # 1.234: 1 234 or 1,234?
_COMMA_THOUSAND = re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$")  # 1,234: 1,234 or 1 234?
_COMMAS_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3}){2,}$")  # 1,234,567
# digits with at most two decimals after a comma, perhaps a per cent sign: never a thousands separator, never ambiguous
_PLAIN_TEXT = re.compile(r"([+-]?[0-9]{1,15})(?:,([0-9]{1,2}))?[ \u00a0]?(%)?\Z")

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
        if raw - raw == 0:  # not NaN, not ±infinity
            return Parsed(raw)
        return Parsed(None, error=f"'{raw}' är inte ett ändligt tal")
    if isinstance(raw, bool):
        return Parsed(None, error=f"'{'SANT' if raw else 'FALSKT'}' är ett sanningsvärde, inte ett tal")
    if isinstance(raw, int | float):
        return Parsed(float(raw))
    if isinstance(raw, datetime | date | time | timedelta):
        return Parsed(None, error="cellen innehåller ett datum eller en tid, inte ett tal (kontrollera cellformatet)")
    text = str(raw).strip()
    plain = _PLAIN_TEXT.match(text)
    if plain is not None:  # '85', '85,5', '85,5 %': no reading but one (the common case of a number typed as text)
        whole, decimals, pct_sign = plain.groups()
        return Parsed(float(f"{whole}.{decimals}" if decimals else whole), from_text=True, percent_sign=pct_sign is not None)
    if text.lower() in MISSING_WORDS:
        return Parsed(None, from_text=True)
    pct = False
    if text.endswith("%"):
        pct = True
        text = text[:-1].strip()
    text = text.replace("\u2212", "-")
    compact = _SPACES.sub("", text)
    ambiguous = None
    if _EN_THOUSANDS.match(compact):
        english = float(compact.replace(",", ""))
        swedish = float(compact.replace(".", "").replace(",", "."))
        return Parsed(None, from_text=True, percent_sign=pct, ambiguous=(
            f"'{_shown(raw)}' kan läsas som {fmt_sv(english)} (engelskt skrivsätt, komma mellan tusental) eller som "
            f"{fmt_sv(swedish)} (decimalkomma, punkt mellan tusental); värdet lästes inte. Skriv talet med decimalkomma "
            f"och utan tusentalstecken, t.ex. {_plain(english)}"))
    if _DOT_THOUSAND.match(compact):
        whole, decimal = float(compact.replace(".", "")), float(compact)
        return Parsed(None, from_text=True, percent_sign=pct, ambiguous=(
            f"'{_shown(raw)}' kan läsas som {fmt_sv(whole)} (punkt mellan tusental) eller som {fmt_sv(decimal)} "
            f"(punkt som decimaltecken); värdet lästes inte. Skriv {_plain(whole)} eller {fmt_sv(decimal)}"))
    if _COMMA_THOUSAND.match(compact):
        ambiguous = (f"'{_shown(raw)}' lästes som {fmt_sv(float(compact.replace(',', '.')))} (decimalkomma); menade ni "
                     f"{fmt_sv(float(compact.replace(',', '')))} (engelskt skrivsätt, komma mellan tusental)? Skriv då "
                     f"{compact.replace(',', '')}")
    elif _COMMAS_THOUSANDS.match(compact):
        ambiguous = (f"'{_shown(raw)}' lästes som {fmt_sv(float(compact.replace(',', '')))} (komma mellan tusental, "
                     "engelskt skrivsätt); skriv tal utan tusentalstecken")
    if "," in compact and "." in compact:
        # 1.234,5 (dots as thousands separators)
        compact = compact.replace(".", "")
    elif compact.count(".") > 1:
        compact = compact.replace(".", "")
    elif compact.count(",") > 1:
        compact = compact.replace(",", "")
    compact = compact.replace(",", ".")
    if not _NUMBER.match(compact):
        return Parsed(None, from_text=True, error=f"'{_shown(raw)}' är inte ett tal")
    try:
        value = float(compact)
    except ValueError:
        return Parsed(None, from_text=True, error=f"'{_shown(raw)}' är inte ett tal")
    if value - value != 0:
        return Parsed(None, from_text=True, error=f"'{_shown(raw)}' är inte ett ändligt tal (för stort för ett tal i Excel)")
    return Parsed(value, from_text=True, percent_sign=pct, ambiguous=ambiguous)


def _plain(value: float) -> str:
    """A number as it should be typed: decimal comma, no grouping."""
    return fmt_sv(value).replace("\u00a0", "")


def _shown(raw: object, n: int = 40) -> str:
    """What was typed, shortened, with control characters made visible."""
    from .messages import visible

    shown = visible(str(raw).strip())
    return shown if len(shown) <= n else shown[: n - 3] + "…"


_STEPS = {n: Decimal(1).scaleb(-n) for n in range(7)}


def fmt_number(value: float | None, decimals: int = 1) -> str:
    """A number as Swedish writes it, the one formatter for workbooks, KF.xlsx, Word and the terminal:
    decimal comma, thousands grouped with a non-breaking space, the minus sign '−', at most ``decimals``
    decimals and no trailing zeros ('1\u00a0234,5', '−3,2', '85'); '' for None and NaN."""
    if value is None:
        return ""
    v = float(value)
    if v != v:  # NaN
        return ""
    if v.is_integer():
        s = str(int(v)) if -999 < v < 999 else f"{int(v):,}".replace(",", "\u00a0")
    else:
        # rounded as Excel rounds what it shows (half away from zero on the shortest decimal form, so
        # 39,85 is 39,9 and 0,25 is 0,3), so KF.xlsx's number formats and the Word chapter agree
        d = Decimal(repr(v)).quantize(_STEPS[decimals] if decimals in _STEPS else Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
        s = f"{d:,f}" if not -999 < v < 999 else f"{d:f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        s = s.replace(",", "\u00a0").replace(".", ",")
        if s in ("-0", "\u22120"):
            s = "0"
    return "\u2212" + s[1:] if s.startswith("-") else s


def fmt_sv(value: float, decimals: int = 4) -> str:
    """A number as Swedish writes it with up to four decimals (what was typed, in a message)."""
    return fmt_number(value, decimals)
