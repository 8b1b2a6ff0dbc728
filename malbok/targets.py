"""Targets in words, and malbok's suggested assessment from outcomes.

The rules (also used by the Excel custom functions):

* value by a year: reached when the outcome meets the target; otherwise on the
  way when at or ahead of the straight path from baseline to target at the
  period; not reached when behind the path or past the target year;
* milestones: the first milestone whose year is not passed applies, with the
  previous milestone as the start of its path;
* rank: reached when the rank is within the best share; on the way when it
  improved since the previous rank and the target year is not passed;
* direction: against the comparable previous outcome (see
  :func:`comparable_previous`: the same occasion last year, else last year's
  year-end; unknown without one);
* yearly relative change: the change since the comparable previous outcome
  against the rate (per year, when the value compared with is older);
* level to keep: met or not;
* report only: no suggestion.

Several applicable targets (a dated milestone and standing targets) give the
most cautious of their suggestions. A goal's suggestion derives from its
indicators: all reached -> reached, none reached -> not reached, else on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

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
    RuleBasis,
    Scale,
    ValueTarget,
)
from .values import fmt_number

SHOWN_DECIMALS = {Measure.COUNT: 0, Measure.RANK: 0, Measure.SEK: 0}  # else one, as KF.xlsx's number formats show


def fmt_shown(value: float | None, measure: Measure) -> str:
    """A value as KF.xlsx's number format for its measure shows it: whole numbers for antal, placering and
    kr, one decimal always for %, index and tal ('85,0', '5,3'), so the Word chapter and KF.xlsx agree."""
    s = fmt_number(value, SHOWN_DECIMALS.get(measure, 1))
    if s and SHOWN_DECIMALS.get(measure, 1) == 1 and "," not in s:
        s += ",0"
    return s


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
        if t.year >= year:
            return t
    if dated:
        return dated[-1]
    return ind.targets[0] if ind.targets else None


def final_target(ind: Indicator) -> object | None:
    dated = ind.dated_targets
    if dated:
        return dated[-1]
    return ind.targets[-1] if ind.targets else None


def shown_targets(ind: Indicator, year: int) -> tuple[list[object], object | None]:
    """What a workbook shows of an indicator's targets in ``year``: the targets that apply now
    (exactly those :func:`suggest_indicator` judges the outcome against; a dated one with its
    year, the undated ones such as a level or a direction beside it) and the final target when
    it is another one (None otherwise)."""
    considered = _considered(ind, year)
    now: list[object]
    if considered is None:  # only reported: the report target (or nothing) is what applies
        now = list(ind.targets[:1])
    else:
        now = [t for t, _s, _y in considered]
    later = long_term(ind, year)
    final = later[0] if later else final_target(ind)
    if final is None or any(final is t for t in now) or (_dated(final) or year) < year:  # shown, or passed
        return now, None
    return now, final


def long_term(ind: Indicator, year: int) -> list[object]:
    """The levels without a year that stand beside a dated target not yet passed in ``year`` (Hallsberg's
    HK1: 'senast 2017 uppgå till 1,6 %' and 'på längre sikt 2 %'): the final target, judged only once
    the dated targets have passed."""
    dated = ind.dated_targets
    if not dated or dated[-1].year < year:
        return []
    return [t for t in ind.targets if type(t) is LevelTarget and t.year is None]


def dated_text(t: object, measure: Measure = Measure.NUMBER) -> str:
    """:func:`target_text` with the target's year added when it has one that its own words do not name."""
    text = target_text(t, measure)
    year = _dated(t)
    return f"{text} (år {year})" if year is not None and str(year) not in text else text


class Earlier(NamedTuple):
    """An earlier value a suggestion compares with: the value, its year, and where it comes from
    (an occasion's name such as 'Delårsrapport', 'utgångsvärde', or '' for the model's earlier outcomes)."""

    value: float
    year: int
    where: str = ""

    def words(self) -> str:
        """'84,1 år 2015 (Delårsrapport)'."""
        return f"{fmt_number(self.value)} år {self.year}" + (f" ({self.where})" if self.where else "")


class Suggestion:
    """malbok's suggested meaning (None: no suggestion) and the reason in words; for a value target also the
    outcome's share of the target and of the way from the baseline (percent), for a scale's own rules, and the
    label those rules chose (see :func:`apply_rules`)."""

    __slots__ = ("meaning", "reason", "target_share", "path_share", "label")

    def __init__(self, meaning: Meaning | None, reason: str, target_share: float | None = None,
                 path_share: float | None = None, label: str | None = None) -> None:
        self.meaning = meaning
        self.reason = reason
        self.target_share = target_share
        self.path_share = path_share
        self.label = label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Suggestion) and (self.meaning, self.reason) == (other.meaning, other.reason)

    def __hash__(self) -> int:
        return hash((self.meaning, self.reason))

    def __repr__(self) -> str:
        return f"Suggestion({self.meaning!r}, {self.reason!r})"


def apply_rules(scale: Scale | None, sug: Suggestion) -> Suggestion:
    """The suggestion as the scale's own step rules ('minst 80 % av målvärdet') place it: the chosen step's
    meaning and label, the rule named in the reason. Unchanged when the scale has no rules or the
    suggestion no shares (a rank, a direction)."""
    if scale is None or (sug.target_share is None and sug.path_share is None) or not scale.has_rules:
        return sug
    step = scale.by_rules(sug.meaning, sug.target_share, sug.path_share)
    if step is None:
        return sug
    reason = sug.reason
    if step.rule is not None:
        share = sug.target_share if step.rule.basis == RuleBasis.TARGET else sug.path_share
        reason += f"; {fmt_number(share)} % av {'målvärdet' if step.rule.basis == RuleBasis.TARGET else 'vägen'} ({step.rule.words()})"
    elif step.meaning != Meaning.REACHED and sug.meaning != step.meaning:
        reason += "; ingen av skalans regler uppfylls"
    return Suggestion(step.meaning, reason, sug.target_share, sug.path_share, step.label)


def _shares(outcome: float, target: float, up: bool, base: float | None) -> tuple[float | None, float | None]:
    """The outcome as a percentage of the target (of the outcome when lower is better), and of the way from
    the baseline to the target."""
    if up:
        of_target = outcome / target * 100 if target > 0 and outcome >= 0 else None
    else:
        of_target = target / outcome * 100 if outcome > 0 and target >= 0 else None
    of_path = (outcome - base) / (target - base) * 100 if base is not None and target != base else None
    return of_target, of_path


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
        return Suggestion(_REACHED, f"utfallet {_shown(outcome)} når målvärdet {_shown(target)}", *_shares(outcome, target, up, base))
    if at >= target_year + 1:
        return Suggestion(_NOT_REACHED, f"målåret {target_year} har passerats och målvärdet {_shown(target)} är inte nått",
                          *_shares(outcome, target, up, base))
    if base is None or base_year is None:
        return Suggestion(None, "utgångsvärde saknas, så målbanan kan inte beräknas", *_shares(outcome, target, up, base))
    on_path = path_value(base, target, base_year, target_year, at)
    if _meets(outcome, on_path, up) or abs(outcome - on_path) < 1e-9:
        return Suggestion(_ON_THE_WAY, f"utfallet {_shown(outcome)} ligger i eller före målbanan ({_shown(on_path, 2)})",
                          *_shares(outcome, target, up, base))
    return Suggestion(_NOT_REACHED, f"utfallet {_shown(outcome)} ligger efter målbanan ({_shown(on_path, 2)})",
                      *_shares(outcome, target, up, base))


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


def suggest_direction(outcome: float, direction: Direction, previous: float | Earlier | None) -> Suggestion:
    if previous is None:
        return Suggestion(None, "okänt: tidigare utfall saknas att jämföra med")
    before = previous.value if isinstance(previous, Earlier) else previous
    better = outcome > before if direction == Direction.UP else outcome < before
    verb = "ökat" if direction == Direction.UP else "minskat"
    if isinstance(previous, Earlier):  # names the value compared with: '85,9 mot 84,1 år 2015'
        return Suggestion(Meaning.REACHED if better else Meaning.NOT_REACHED,
                          f"utfallet har {'' if better else 'inte '}{verb}: {fmt_number(outcome)} mot {previous.words()}")
    if better:
        return Suggestion(Meaning.REACHED, f"utfallet {fmt_number(outcome)} har {verb} från {fmt_number(before)}")
    return Suggestion(Meaning.NOT_REACHED, f"utfallet {fmt_number(outcome)} har inte {verb} från {fmt_number(before)}")


def suggest_change(outcome: float, percent: float, previous: float | Earlier | None, year: int | None = None) -> Suggestion:
    """A yearly relative change ('minska med 5 % årligen') against the previous value.

    With an :class:`Earlier` value from more than one year before ``year``, the change is
    taken per year (compounded), so a value two years old is not held to one year's rate.
    """
    before = previous.value if isinstance(previous, Earlier) else previous
    if before is None or before == 0:
        return Suggestion(None, "okänt: föregående års utfall saknas att jämföra med")
    years = year - previous.year if isinstance(previous, Earlier) and year is not None else 1
    ratio = outcome / before
    if years > 1 and ratio > 0:
        change = (ratio ** (1 / years) - 1) * 100
        what = f"förändringen {fmt_number(change)} % per år"
    else:
        change = (outcome - before) / abs(before) * 100
        what = f"förändringen {fmt_number(change)} %"
    if isinstance(previous, Earlier):  # '2,4 mot 2,3 år 2015 (Årsredovisning): förändringen 4,3 % …'
        what = f"{fmt_number(outcome)} mot {previous.words()}: {what}"
    wanted_up = percent > 0
    if (change >= percent) if wanted_up else (change <= percent):
        return Suggestion(Meaning.REACHED, f"{what} når {fmt_number(percent)} %")
    if (change > 0) if wanted_up else (change < 0):
        return Suggestion(Meaning.ON_THE_WAY, f"{what} går åt rätt håll men når inte {fmt_number(percent)} %")
    return Suggestion(Meaning.NOT_REACHED, f"{what} går åt fel håll")


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
    previous: float | Earlier | None = None, rank: float | None = None, previous_rank: float | None = None,
    baseline: Earlier | None = None,
) -> Suggestion:
    """malbok's suggestion for one indicator's outcome at a period (year, time point ``at``).

    ``previous`` is the value direction and yearly-change targets are judged against (see
    :func:`comparable_previous`); ``baseline`` the start of the straight path taken from the
    history store when the model gives no baseline value (see :func:`history_baseline`).
    """
    targets = ind.targets
    if len(targets) == 1 and type(t := targets[0]) is ValueTarget:  # the common case: one value by a year
        if outcome is None:
            return _NO_OUTCOME
        base = ind.baseline
        if base is None or base.value is None:
            if baseline is None:
                return suggest_value(outcome, t.value, t.year, at, None, None, t.comparison)
            return _from_history(suggest_value(outcome, t.value, t.year, at, baseline.value, baseline.year, t.comparison), baseline)
        return suggest_value(outcome, t.value, t.year, at, base.value, base.year, t.comparison)
    considered = _considered(ind, year)
    if considered is None:
        return Suggestion(None, "redovisas utan målvärde; inget förslag")
    if rank is None and ind.measure == Measure.RANK:
        rank = outcome
    if len(considered) == 1:  # the common case: one target applies
        target, start, start_year = considered[0]
        return _one(ind, target, outcome, at, previous, rank, previous_rank, start, start_year, year, baseline) or _NO_OUTCOME
    results: list[Suggestion] = []
    for target, start, start_year in considered:
        s = _one(ind, target, outcome, at, previous, rank, previous_rank, start, start_year, year, baseline)
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


def _from_history(s: Suggestion, baseline: Earlier) -> Suggestion:
    """A path suggestion whose baseline came from the history store says which value that was."""
    if "målbanan" not in s.reason:
        return s
    return Suggestion(s.meaning, f"{s.reason}, från {baseline.words()}", s.target_share, s.path_share)


def _considered(ind: Indicator, year: int) -> list[tuple[object, float | None, int | None]] | None:
    """The targets that apply in ``year``, each with the start of its path; None when the indicator
    is only reported (cached on the indicator)."""
    cache = ind.__dict__.get("_considered_by_year")
    if cache is None:
        cache = ind.__dict__["_considered_by_year"] = {}
    found = cache.get(year, _UNKNOWN)
    if found is _UNKNOWN:
        found = cache[year] = _targets_considered(ind, year)
    return found


_UNKNOWN = object()


def _targets_considered(ind: Indicator, year: int) -> list[tuple[object, float | None, int | None]] | None:
    if not ind.targets or all(isinstance(t, ReportTarget) for t in ind.targets):
        return None
    primary = applicable_target(ind, year)
    targets: list[object] = []
    undated = [t for t in ind.targets if _dated(t) is None and not isinstance(t, ReportTarget)]
    if primary is not None and _dated(primary) is not None:
        if long_term(ind, year):  # a level without a year beside a dated target not yet passed: the long-term target
            undated = [t for t in undated if type(t) is not LevelTarget]
            targets.append(primary)
        elif not any(type(t) is LevelTarget for t in undated):  # passed, and nothing after it: still the last target
            targets.append(primary)
    targets += undated
    return [(t, *(_start_of_path(ind, t) if isinstance(t, ValueTarget) else (None, None))) for t in targets]


def _one(ind: Indicator, t: object, outcome: float | None, at: float, previous: float | Earlier | None,
         rank: float | None, previous_rank: float | None, base: float | None = None,
         base_year: int | None = None, year: int | None = None, baseline: Earlier | None = None) -> Suggestion | None:
    if isinstance(t, RankTarget):
        if rank is None:
            return Suggestion(None, "placering i riket saknas; rangmålet kan inte bedömas")
        return suggest_rank(rank, t, at, previous_rank)
    if outcome is None:
        return None
    if isinstance(t, ValueTarget):
        if base is None and baseline is not None and _first_value_target(ind) is t:
            return _from_history(suggest_value(outcome, t.value, t.year, at, baseline.value, baseline.year, t.comparison), baseline)
        return suggest_value(outcome, t.value, t.year, at, base, base_year, t.comparison)
    if isinstance(t, DirectionTarget):
        return suggest_direction(outcome, t.direction, previous)
    if isinstance(t, ChangeTarget):
        return suggest_change(outcome, t.percent, previous, year)
    if isinstance(t, LevelTarget):
        return suggest_level(outcome, t)
    return None


def _first_value_target(ind: Indicator) -> ValueTarget | None:
    for t in ind.targets:
        if isinstance(t, ValueTarget):
            return t
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
    if ind.baseline is not None and ind.baseline.value is not None:
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
    found = comparable_previous(ind, year, "", "")
    return found.value if found is not None else None


def needs_baseline(ind: Indicator) -> bool:
    """Whether a straight-path target of ``ind`` lacks the model's baseline value (history may give it)."""
    if ind.baseline is not None and ind.baseline.value is not None:
        return False
    return _first_value_target(ind) is not None


def year_end_values(ind: Indicator, year: int, year_end: str, known: Mapping[tuple[int, str], float] | None = None,
                    year_end_name: str = "") -> dict[int, Earlier]:
    """Year-end values before ``year``: the store's (``known``, by (year, occasion)) at the year-end
    occasion, with the values decided in the model on top (its baseline and ``tidigare_utfall``
    win for their years: the store fills gaps, it overrides nothing the model says)."""
    ends: dict[int, Earlier] = {}
    if known:
        for (y, occ), v in known.items():
            if occ == year_end and y < year:
                ends[y] = Earlier(v, y, year_end_name)
    base = ind.baseline
    if base is not None and base.value is not None and base.year < year:
        ends[base.year] = Earlier(base.value, base.year, "utgångsvärde")
    for y, v in ind.history.items():
        if y < year:
            ends[y] = Earlier(v, y, "")
    return ends


def comparable_previous(ind: Indicator, year: int, occasion: str, year_end: str,
                        known: Mapping[tuple[int, str], float] | None = None,
                        names: Mapping[str, str] | None = None) -> Earlier | None:
    """The earlier outcome a direction or yearly-change target is judged against, at ``year`` and ``occasion``.

    The rule: the same occasion last year (a Delårsrapport against last year's Delårsrapport);
    else last year's year-end; else the latest earlier year-end. Year-end values decided in the
    model (``tidigare_utfall``, ``utgångsvärde``) win over the store's for the same year. ``known``
    are the row's own values from the history store by (year, occasion id): the unit's for a
    unit's row, the council's for the council's row; ``year_end`` is the id of the year-end occasion.
    """
    names = names or {}
    if known and occasion and occasion != year_end:
        same = known.get((year - 1, occasion))
        if same is not None:
            return Earlier(same, year - 1, names.get(occasion, occasion))
    ends = year_end_values(ind, year, year_end, known, names.get(year_end, year_end))
    if not ends:
        return None
    return ends.get(year - 1) or ends[max(ends)]


def history_baseline(ind: Indicator, year: int, year_end: str, first_year: int,
                     known: Mapping[tuple[int, str], float] | None = None,
                     names: Mapping[str, str] | None = None) -> Earlier | None:
    """The start of the straight path when the model gives no baseline value.

    The rule: when the model names a baseline year without a value, that year's year-end value;
    when it gives no baseline at all, the earliest year-end value from ``first_year`` (the year
    before the mandate period) up to last year. None when the model's own baseline applies.
    """
    if not needs_baseline(ind):
        return None
    names = names or {}
    ends = year_end_values(ind, year, year_end, known, names.get(year_end, year_end))
    if ind.baseline is not None:
        return ends.get(ind.baseline.year)
    years = [y for y in ends if y >= first_year]
    return ends[min(years)] if years else None


def good_direction(ind: Indicator) -> int | None:
    """Which way is better for ``ind``: +1 when a higher value is better, -1 when lower, None when
    the targets do not say (a rank: lower is better)."""
    if ind.measure == Measure.RANK:
        return -1
    for t in ind.targets:
        if isinstance(t, DirectionTarget):
            return 1 if t.direction == Direction.UP else -1
        if isinstance(t, ChangeTarget):
            return 1 if t.percent > 0 else -1
        if isinstance(t, LevelTarget | ValueTarget) and t.comparison is not None:
            return 1 if t.comparison == Comparison.AT_LEAST else -1
        if isinstance(t, RankTarget):
            return None  # the indicator is not a rank (a rank returned -1 above)
    first = next((t for t in ind.targets if isinstance(t, ValueTarget)), None)
    if first is not None and ind.baseline is not None and ind.baseline.value is not None and first.value != ind.baseline.value:
        return 1 if first.value > ind.baseline.value else -1
    return None


TREND_WORDS = {1: "↑ bättre", 0: "→ oförändrat", -1: "↓ sämre"}


def trend(ind: Indicator, now: float | None, before: float | None) -> int | None:
    """+1 better, 0 the same, -1 worse than ``before``, by the indicator's good direction (not by sign);
    None when either value is missing or the direction is unknown."""
    way = good_direction(ind)
    if now is None or before is None or way is None:
        return None
    if abs(now - before) < 1e-9:
        return 0
    return 1 if (now - before) * way > 0 else -1


def combine_goal(meanings: list[Meaning | None]) -> Meaning | None:
    """A goal's suggestion from its indicators' suggestions."""
    ms = {m for m in meanings if m in MEANING_RANK}
    if not ms:
        return None
    if len(ms) == 1 and (Meaning.REACHED in ms or Meaning.NOT_REACHED in ms):
        return ms.pop()  # all reached, or none
    return Meaning.ON_THE_WAY
