"""Issue 4: every suggestion rule, including Hallsberg's two-milestone and a direction-only indicator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from malbok.model import Indicator, Meaning
from malbok.targets import combine_goal, path_value, suggest_indicator, suggest_value

R, W, N = Meaning.REACHED, Meaning.ON_THE_WAY, Meaning.NOT_REACHED


def ind(**kw) -> Indicator:
    return Indicator.model_validate({"id": "X", "text": "x", "område": "a", **kw})


def test_path_value():
    # baseline 66 end of 2014, 95 end of 2016: halfway at end of 2015
    assert path_value(66, 95, 2014, 2016, 2016.0) == pytest.approx(80.5)
    assert path_value(66, 95, 2014, 2016, 2010) == 66
    assert path_value(66, 95, 2014, 2016, 2030) == 95


def test_value_by_year_on_track_behind_reached_and_passed():
    i = ind(måttenhet="procent", utgångsvärde={"värde": 92, "år": 2014},
            målvärden=[{"typ": "värde", "värde": 97, "år": 2018, "jämförelse": "minst"}])
    # end of August 2016: path = 92 + 5 * (20/12) / 4 ≈ 94.08
    assert suggest_indicator(i, 94.5, 2016, 2016 + 8 / 12).meaning == W
    assert suggest_indicator(i, 93.0, 2016, 2016 + 8 / 12).meaning == N
    assert suggest_indicator(i, 97.0, 2016, 2016 + 8 / 12).meaning == R
    assert suggest_indicator(i, 96.0, 2019, 2020.0).meaning == N  # target year passed


def test_value_decreasing_target():
    i = ind(måttenhet="procent", utgångsvärde={"värde": 11, "år": 2014},
            målvärden=[{"typ": "värde", "värde": 8, "år": 2015, "jämförelse": "högst"}])
    assert suggest_indicator(i, 9.0, 2015, 2015 + 4 / 12).meaning == W  # path at Apr 2015: 10
    assert suggest_indicator(i, 10.8, 2015, 2015 + 8 / 12).meaning == N
    assert suggest_indicator(i, 7.9, 2015, 2015 + 8 / 12).meaning == R


def test_hallsberg_two_milestones(hallsberg):
    hk6 = next(i for i in hallsberg.indicators if i.id == "HK6")  # ≥85 % by 2015, best 25 % by 2018
    # 2015: the first milestone applies
    assert suggest_indicator(hk6, 86, 2015, 2015 + 8 / 12).meaning == R
    assert suggest_indicator(hk6, 80, 2015, 2016.0).meaning == N
    # 2017: the rank milestone applies; the rank decides
    assert suggest_indicator(hk6, 90, 2017, 2017 + 8 / 12, rank=50).meaning == R  # 50 ≤ 72 of 290
    assert suggest_indicator(hk6, 90, 2017, 2017 + 8 / 12, rank=120, previous_rank=150).meaning == W
    assert suggest_indicator(hk6, 90, 2018, 2019.0, rank=120).meaning == N
    s = suggest_indicator(hk6, 90, 2017, 2017 + 8 / 12)
    assert s.meaning is None and "placering" in s.reason


def test_rank_measure(hallsberg):
    ll7 = next(i for i in hallsberg.indicators if i.id == "LL7")  # best 50 % by 2015, best 25 % by 2018
    assert suggest_indicator(ll7, 100, 2015, 2016.0).meaning == R  # 100 ≤ 145
    assert suggest_indicator(ll7, 100, 2016, 2016.5).meaning == N  # needs ≤ 72, no previous rank
    assert suggest_indicator(ll7, 60, 2016, 2016.5).meaning == R


def test_direction_only(hallsberg):
    hk2 = next(i for i in hallsberg.indicators if i.id == "HK2")  # "ska öka"
    s = suggest_indicator(hk2, 80, 2016, 2016.5)
    assert s.meaning is None and "okänt" in s.reason
    assert suggest_indicator(hk2, 80, 2016, 2016.5, previous=78).meaning == R
    assert suggest_indicator(hk2, 78, 2016, 2016.5, previous=78).meaning == N
    down = ind(målvärden=[{"typ": "riktning", "riktning": "minska"}])
    assert suggest_indicator(down, 4, 2016, 2016.5, previous=5).meaning == R


def test_yearly_relative_change(hallsberg):
    hk10 = next(i for i in hallsberg.indicators if i.id == "HK10")  # minska med 5 % årligen
    assert suggest_indicator(hk10, 94, 2016, 2017.0, previous=100).meaning == R
    assert suggest_indicator(hk10, 97, 2016, 2017.0, previous=100).meaning == W
    assert suggest_indicator(hk10, 101, 2016, 2017.0, previous=100).meaning == N
    assert suggest_indicator(hk10, 90, 2016, 2017.0).meaning is None


def test_level_to_keep(hallsberg):
    ai2 = next(i for i in hallsberg.indicators if i.id == "AI2")  # minst 93 %
    assert suggest_indicator(ai2, 93, 2016, 2016.5).meaning == R
    assert suggest_indicator(ai2, 92.9, 2016, 2016.5).meaning == N
    zero = ind(målvärden=[{"typ": "nivå", "värde": 0, "jämförelse": "högst"}])
    assert suggest_indicator(zero, 0, 2016, 2016.5).meaning == R
    assert suggest_indicator(zero, 1, 2016, 2016.5).meaning == N


def test_report_only_gives_no_suggestion(hallsberg):
    hk7 = next(i for i in hallsberg.indicators if i.id == "HK7")
    s = suggest_indicator(hk7, 1234, 2016, 2017.0)
    assert s.meaning is None


def test_several_targets_most_cautious(hallsberg):
    hk5 = next(i for i in hallsberg.indicators if i.id == "HK5")  # ska minska + noll
    assert suggest_indicator(hk5, 3, 2016, 2016.5, previous=5).meaning == N  # decreased, but not zero
    assert suggest_indicator(hk5, 0, 2016, 2016.5, previous=5).meaning == R


def test_goal_from_indicators():
    assert combine_goal([R, R]) == R
    assert combine_goal([N, N, None]) == N
    assert combine_goal([R, N]) == W
    assert combine_goal([None]) is None


@given(base=st.floats(0, 100), target=st.floats(0, 100), at=st.floats(2014, 2025))
def test_path_between_ends(base, target, at):
    v = path_value(base, target, 2014, 2020, at)
    assert min(base, target) - 1e-9 <= v <= max(base, target) + 1e-9


@given(outcome=st.floats(0, 100), target=st.floats(1, 100))
def test_meeting_target_is_reached(outcome, target):
    s = suggest_value(outcome, target, 2020, 2018.0, 0.0, 2014)
    assert (s.meaning == R) == (outcome >= target)
