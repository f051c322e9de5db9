"""Stepping through events one by one, also through events of the same time."""

from changsha_replay.model.records import Event
from changsha_replay.model.timeline import EventLog


def log() -> EventLog:
    return EventLog(Event(i, t, "order", i) for i, t in (("a", 10.0), ("b", 20.0), ("c", 20.0), ("d", 30.0)))


def test_forward_visits_every_event_also_two_at_one_time():
    events, t, focus, seen = log(), 0.0, None, []
    while (j := events.step(t, focus, +1)) is not None:
        focus, t = j, float(events.times[j])
        seen.append(events[j].id)
    assert seen == ["a", "b", "c", "d"]


def test_backward_visits_every_event_and_starts_from_the_time():
    events = log()
    assert events.step(25.0, None, -1) == 2  # past c: back to c, the last event before the time
    assert events.step(20.0, None, -1) == 1  # at the time of b and c, no focus: from c to b
    t, focus, seen = 35.0, None, []
    while (j := events.step(t, focus, -1)) is not None:
        focus, t = j, float(events.times[j])
        seen.append(events[j].id)
    assert seen == ["d", "c", "b", "a"]


def test_a_focus_not_at_the_time_counts_for_nothing():
    events = log()
    assert events.step(30.0, 0, +1) is None  # (focus on a, but the time is d's): past the end
    assert events.step(15.0, 3, +1) == 1
