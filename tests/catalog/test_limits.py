"""Time-limit colours for the project board and the supervision list (督办)."""

import datetime as dt

import pytest

from catalog.enums import Urgency
from catalog.oversight.limits import Alert, done_deadline, running_clock, warning_level

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("hours_later", "expected"),
    [(0, Alert.NONE), (11, Alert.NONE), (12, Alert.BLUE), (19.2, Alert.YELLOW),
     (23.9, Alert.YELLOW), (24, Alert.RED), (100, Alert.RED)],
)
def test_colours_of_a_24_hour_acknowledgement(hours_later, expected):
    start, deadline = running_clock("published", Urgency.NORMAL, published_at=T0, accepted_at=None,
                                    completed_at=None, window_end=None)
    assert deadline - start == dt.timedelta(hours=24)
    assert warning_level(start, deadline, T0 + dt.timedelta(hours=hours_later)) is expected


def test_urgent_work_is_due_within_a_day_and_a_planned_end_wins():
    assert done_deadline(Urgency.URGENT, T0, None) == T0 + dt.timedelta(hours=24)
    plan_end = T0 + dt.timedelta(days=30)
    assert done_deadline(Urgency.URGENT, T0, plan_end) == plan_end


def test_no_clock_runs_on_drafts_or_finished_projects():
    for status in ("draft", "closed", "rated", "cancelled"):
        assert running_clock(status, Urgency.NORMAL, published_at=T0, accepted_at=T0,
                             completed_at=T0, window_end=None) is None


def test_warning_labels_are_chinese():
    assert Alert.RED.label == "红色督办" and Alert.BLUE.label == "蓝色预警"


def test_a_colour_starts_at_its_share_of_the_limit():
    from catalog.oversight.limits import level_since

    deadline = T0 + dt.timedelta(hours=10)
    assert level_since(Alert.BLUE, T0, deadline) == T0 + dt.timedelta(hours=5)
    assert level_since(Alert.YELLOW, T0, deadline) == T0 + dt.timedelta(hours=8)
    assert level_since(Alert.RED, T0, deadline) == deadline
    for level in Alert:
        since = level_since(level, T0, deadline)
        assert warning_level(T0, deadline, since) is level


def test_one_working_day_skips_the_weekend():
    from catalog.local_time import LOCAL_TIME as CST
    from catalog.oversight.limits import add_working_time

    day = dt.timedelta(hours=24)
    friday = dt.datetime(2026, 11, 6, 17, 0, tzinfo=CST)
    assert add_working_time(friday, day) == dt.datetime(2026, 11, 9, 17, 0, tzinfo=CST)
    saturday = dt.datetime(2026, 11, 7, 10, 0, tzinfo=CST)
    assert add_working_time(saturday, day) == dt.datetime(2026, 11, 10, 0, 0, tzinfo=CST)
    wednesday = dt.datetime(2026, 11, 4, 9, 0, tzinfo=CST)
    assert add_working_time(wednesday, day) == wednesday + day


def test_the_sweep_runs_the_same_clock_as_running_clock():
    from catalog.oversight.limits import DEFAULT_LIMITS, PROJECT_STEP

    for status, step in PROJECT_STEP.items():
        start, deadline = running_clock(status, Urgency.URGENT, published_at=T0, accepted_at=T0, completed_at=T0,
                                        window_end=None)
        assert deadline - start == DEFAULT_LIMITS[step][Urgency.URGENT], status
