"""Targets in words, and malbok's suggested assessment from outcomes.

The rules (also used by the Excel custom functions):

* value by a year: reached when the outcome meets the target; otherwise on the
  way when at or ahead of the straight path from baseline to target at the
  period; not reached when behind the path or past the target year;
* milestones: the first milestone whose year is not passed applies, with the
  previous milestone as the start of its path;
* rank: reached when the rank is within the best share; on the way when it
  improved since the previous rank and the target year is not passed;
* direction: against the previous outcome (unknown without one);
* yearly relative change: the change since the previous year against the rate;
* level to keep: met or not;
* report only: no suggestion.

Several applicable targets (a dated milestone and standing targets) give the
most cautious of their suggestions. A goal's suggestion derives from its
indicators: all reached -> reached, none reached -> not reached, else on the way.
"""

from __future__ import annotations

from .model import (
    MEANING_RANK,
    ChangeTarget,
    Comparison,
    Direction,
    DirectionTarget,
    Indicator,
    LevelTarget,
    Meaning,
    Measure,
    RankTarget,
    ReportTarget,
    ValueTarget,
)


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
    elif -999 < v < 999:  # no grouping needed (the common case, so kept short)
        s = f"{v:.{decimals}f}"
        s = (s.rstrip("0").rstrip(".") if "." in s else s).replace(".", ",")
    else:
        s = f"{v:,.{decimals}f}".rstrip("0").rstrip(".").replace(",", "\u00a0").replace(".", ",")
    return "\u2212" + s[1:] if s.startswith("-") else s


def fmt_value(value: float | None, measure: Measure) -> str:
    if value is None:
        return ""
    s = fmt_number(value)
    if measure == Measure.PERCENT:
        return f"{s} %"
    if measure == Measure.SEK:
        return f"{s} kr"
    return s


def target_text(t: object, measure: Measure = Measure.NUMBER) -> str:
    """A target in words (Swedish), for workbooks and reports."""
    if getattr(t, "text", ""):
        return t.text  # type: ignore[attr-defined]
    if isinstance(t, ValueTarget):
        return f"{_CMP_WORD[t.comparison]}{fmt_value(t.value, measure)} år {t.year}"
    if isinstance(t, RankTarget):
        where = f"bland de {fmt_number(t.best_percent)} % bästa" if t.best_percent else f"placering {t.rank} eller bättre"
        return f"{where}{f' år {t.year}' if t.year else ''}"
    if isinstance(t, DirectionTarget):
        return f"ska {t.direction.value}{f' till {t.year}' if t.year else ''}"
    if isinstance(t, ChangeTarget):
        verb = "öka" if t.percent > 0 else "minska"
        return f"{verb} med {fmt_number(abs(t.percent))} % årligen"
    if isinstance(t, LevelTarget):
        return f"{t.comparison.value} {fmt_value(t.value, measure)}"
    if isinstance(t, ReportTarget):
        return "redovisas"
    return ""


_CMP_WORD = {Comparison.AT_LEAST: "minst ", Comparison.AT_MOST: "högst ", None: ""}


def _dated(t: object) -> int | None:
    return getattr(t, "year", None)


def applicable_target(ind: Indicator, year: int) -> object | None:
    """The target that applies in ``year``: the first dated one not yet passed, else the last."""
    dated = ind.dated_targets
    for t in dated:
        if t.year >= year:  # type: ignore[attr-defined]
            return t
    if dated:
        return dated[-1]
    return ind.targets[0] if ind.targets else None


def final_target(ind: Indicator) -> object | None:
    dated = ind.dated_targets
    if dated:
        return dated[-1]
    return ind.targets[-1] if ind.targets else None


class Suggestion:
    """malbok's suggested meaning (None: no suggestion) and the reason in words."""

    __slots__ = ("meaning", "reason")

    def __init__(self, meaning: Meaning | None, reason: str) -> None:
        self.meaning = meaning
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Suggestion) and (self.meaning, self.reason) == (other.meaning, other.reason)

    def __hash__(self) -> int:
        return hash((self.meaning, self.reason))

    def __repr__(self) -> str:
        return f"Suggestion({self.meaning!r}, {self.reason!r})"


_NO_OUTCOME = Suggestion(None, "utfall saknas")  # shared: a suggestion is not changed once made

_SHOWN: dict[tuple[float, int], str] = {}


def _shown(n: float, decimals: int = 1) -> str:
    """A number of a reason in words, remembered: the same target and path values come back in every
    unit's reasons, and outcomes repeat."""
    found = _SHOWN.get((n, decimals))
    if found is None:
        if len(_SHOWN) >= 100_000:
            _SHOWN.clear()
        found = _SHOWN[(n, decimals)] = fmt_number(n, decimals)
    return found


def path_value(base: float, target: float, base_year: float, target_year: float, at: float) -> float:
    """Value on the straight path from (base_year, base) to (target_year, target) at time ``at``.

    Years are ends of years: the baseline of 2014 is measured at the end of 2014.
    """
    t0, t1 = base_year + 1, target_year + 1
    if t1 <= t0:
        return target
    frac = min(max((at - t0) / (t1 - t0), 0.0), 1.0)
    return base + (target - base) * frac


def _meets(value: float, target: float, up: bool) -> bool:
    return value >= target if up else value <= target


# Python 3.11 finds an Enum member on its class through EnumType.__getattr__, four times slower than a
# module global: suggest_value runs for nearly every indicator row of every file.
_REACHED, _ON_THE_WAY, _NOT_REACHED = Meaning.REACHED, Meaning.ON_THE_WAY, Meaning.NOT_REACHED
_AT_LEAST = Comparison.AT_LEAST


def suggest_value(
    outcome: float, target: float, target_year: int, at: float,
    base: float | None = None, base_year: int | None = None, comparison: Comparison | None = None,
) -> Suggestion:
    if comparison is not None:
        up = comparison == _AT_LEAST
    elif base is not None:
        up = target >= base
    else:
        up = True
    if outcome >= target if up else outcome <= target:
        return Suggestion(_REACHED, f"utfallet {_shown(outcome)} når målvärdet {_shown(target)}")
    if at >= target_year + 1:
        return Suggestion(_NOT_REACHED, f"målåret {target_year} har passerats och målvärdet {_shown(target)} är inte nått")
    if base is None or base_year is None:
        return Suggestion(None, "utgångsvärde saknas, så målbanan kan inte beräknas")
    on_path = path_value(base, target, base_year, target_year, at)
    if _meets(outcome, on_path, up) or abs(outcome - on_path) < 1e-9:
        return Suggestion(_ON_THE_WAY, f"utfallet {_shown(outcome)} ligger i eller före målbanan ({_shown(on_path, 2)})")
    return Suggestion(_NOT_REACHED, f"utfallet {_shown(outcome)} ligger efter målbanan ({_shown(on_path, 2)})")


def suggest_rank(rank: float, t: RankTarget, at: float, previous_rank: float | None = None) -> Suggestion:
    limit = t.max_rank()
    if rank <= limit:
        return Suggestion(Meaning.REACHED, f"placering {fmt_number(rank)} är inom de {limit} bästa")
    if t.year is not None and at >= t.year + 1:
        return Suggestion(Meaning.NOT_REACHED, f"placering {fmt_number(rank)} når inte de {limit} bästa till {t.year}")
    if previous_rank is not None and rank < previous_rank:
        return Suggestion(Meaning.ON_THE_WAY, f"placeringen förbättrades från {fmt_number(previous_rank)} till {fmt_number(rank)}")
    if previous_rank is None:
        return Suggestion(Meaning.NOT_REACHED, f"placering {fmt_number(rank)} är utanför de {limit} bästa")
    return Suggestion(Meaning.NOT_REACHED, f"placeringen förbättrades inte ({fmt_number(previous_rank)} → {fmt_number(rank)})")


def suggest_direction(outcome: float, direction: Direction, previous: float | None) -> Suggestion:
    if previous is None:
        return Suggestion(None, "okänt: tidigare utfall saknas att jämföra med")
    better = outcome > previous if direction == Direction.UP else outcome < previous
    if better:
        return Suggestion(Meaning.REACHED, f"utfallet {fmt_number(outcome)} har {'ökat' if direction == Direction.UP else 'minskat'} från {fmt_number(previous)}")
    return Suggestion(Meaning.NOT_REACHED, f"utfallet {fmt_number(outcome)} har inte {'ökat' if direction == Direction.UP else 'minskat'} från {fmt_number(previous)}")


def suggest_change(outcome: float, percent: float, previous: float | None) -> Suggestion:
    if previous is None or previous == 0:
        return Suggestion(None, "okänt: föregående års utfall saknas att jämföra med")
    change = (outcome - previous) / abs(previous) * 100
    wanted_up = percent > 0
    if (change >= percent) if wanted_up else (change <= percent):
        return Suggestion(Meaning.REACHED, f"förändringen {fmt_number(change)} % når {fmt_number(percent)} %")
    if (change > 0) if wanted_up else (change < 0):
        return Suggestion(Meaning.ON_THE_WAY, f"förändringen {fmt_number(change)} % går åt rätt håll men når inte {fmt_number(percent)} %")
    return Suggestion(Meaning.NOT_REACHED, f"förändringen {fmt_number(change)} % går åt fel håll")


def suggest_level(outcome: float, t: LevelTarget) -> Suggestion:
    ok = outcome >= t.value if t.comparison == Comparison.AT_LEAST else outcome <= t.value
    word = "når" if ok else "når inte"
    return Suggestion(Meaning.REACHED if ok else Meaning.NOT_REACHED, f"utfallet {fmt_number(outcome)} {word} {t.comparison.value} {fmt_number(t.value)}")


def most_cautious(meanings: list[Meaning]) -> Meaning | None:
    ranked = [m for m in meanings if m in MEANING_RANK]
    if not ranked:
        return None
    return max(ranked, key=lambda m: MEANING_RANK[m])


def suggest_indicator(
    ind: Indicator, outcome: float | None, year: int, at: float,
    previous: float | None = None, rank: float | None = None, previous_rank: float | None = None,
) -> Suggestion:
    """malbok's suggestion for one indicator's outcome at a period (year, time point ``at``)."""
    targets = ind.targets
    if len(targets) == 1 and type(t := targets[0]) is ValueTarget:  # the common case: one value by a year
        if outcome is None:
            return _NO_OUTCOME
        base = ind.baseline
        if base is None:
            return suggest_value(outcome, t.value, t.year, at, None, None, t.comparison)
        return suggest_value(outcome, t.value, t.year, at, base.value, base.year, t.comparison)
    considered = _considered(ind, year)
    if considered is None:
        return Suggestion(None, "redovisas utan målvärde; inget förslag")
    if rank is None and ind.measure == Measure.RANK:
        rank = outcome
    if len(considered) == 1:  # the common case: one target applies
        t, base, base_year = considered[0]
        return _one(ind, t, outcome, at, previous, rank, previous_rank, base, base_year) or _NO_OUTCOME
    results: list[Suggestion] = []
    for t, base, base_year in considered:
        s = _one(ind, t, outcome, at, previous, rank, previous_rank, base, base_year)
        if s is not None:
            results.append(s)
    assessed = [s for s in results if s.meaning is not None]
    if not assessed:
        if results:
            return results[0]
        return _NO_OUTCOME
    worst = most_cautious([s.meaning for s in assessed])  # type: ignore[misc]
    reason = "; ".join(s.reason for s in assessed if s.meaning == worst)
    return Suggestion(worst, reason)


def _considered(ind: Indicator, year: int) -> list[tuple[object, float | None, int | None]] | None:
    """The targets that apply in ``year``, each with the start of its path; None when the indicator
    is only reported (cached on the indicator)."""
    cache = ind.__dict__.get("_considered_by_year")
    if cache is None:
        cache = ind.__dict__["_considered_by_year"] = {}
    found = cache.get(year, _UNKNOWN)
    if found is _UNKNOWN:
        found = cache[year] = _targets_considered(ind, year)
    return found  # type: ignore[return-value]


_UNKNOWN = object()


def _targets_considered(ind: Indicator, year: int) -> list[tuple[object, float | None, int | None]] | None:
    if not ind.targets or all(isinstance(t, ReportTarget) for t in ind.targets):
        return None
    primary = applicable_target(ind, year)
    targets: list[object] = []
    if primary is not None and _dated(primary) is not None:
        targets.append(primary)
    targets += [t for t in ind.targets if _dated(t) is None and not isinstance(t, ReportTarget)]
    return [(t, *(_start_of_path(ind, t) if isinstance(t, ValueTarget) else (None, None))) for t in targets]


def _one(ind: Indicator, t: object, outcome: float | None, at: float, previous: float | None,
         rank: float | None, previous_rank: float | None, base: float | None = None,
         base_year: int | None = None) -> Suggestion | None:
    if isinstance(t, RankTarget):
        if rank is None:
            return Suggestion(None, "placering i riket saknas; rangmålet kan inte bedömas")
        return suggest_rank(rank, t, at, previous_rank)
    if outcome is None:
        return None
    if isinstance(t, ValueTarget):
        return suggest_value(outcome, t.value, t.year, at, base, base_year, t.comparison)
    if isinstance(t, DirectionTarget):
        return suggest_direction(outcome, t.direction, previous)
    if isinstance(t, ChangeTarget):
        return suggest_change(outcome, t.percent, previous)
    if isinstance(t, LevelTarget):
        return suggest_level(outcome, t)
    return None


def _start_of_path(ind: Indicator, t: ValueTarget) -> tuple[float | None, int | None]:
    """The start of the path to milestone ``t``: the previous value milestone, else the baseline."""
    prev: ValueTarget | None = None
    for other in ind.targets:
        if other is t:
            break
        if isinstance(other, ValueTarget):
            prev = other
    if prev is not None:
        return prev.value, prev.year
    if ind.baseline is not None:
        return ind.baseline.value, ind.baseline.year
    return None, None


def uses_previous(ind: Indicator) -> bool:
    """Whether a suggestion for ``ind`` needs its previous outcome (a direction or a yearly change)."""
    for t in ind.targets:
        if type(t) is DirectionTarget or type(t) is ChangeTarget:
            return True
    return False


def previous_outcome(ind: Indicator, year: int) -> float | None:
    """The latest known outcome before ``year`` (from the model's history or baseline)."""
    if not ind.history:
        return ind.baseline.value if ind.baseline is not None and ind.baseline.year < year else None
    known = {y: v for y, v in ind.history.items() if y < year}
    if ind.baseline is not None and ind.baseline.year < year:
        known.setdefault(ind.baseline.year, ind.baseline.value)
    if not known:
        return None
    return known[max(known)]


def combine_goal(meanings: list[Meaning | None]) -> Meaning | None:
    """A goal's suggestion from its indicators' suggestions."""
    ms = {m for m in meanings if m in MEANING_RANK}
    if not ms:
        return None
    if len(ms) == 1 and (Meaning.REACHED in ms or Meaning.NOT_REACHED in ms):
        return ms.pop()  # all reached, or none
    return Meaning.ON_THE_WAY
