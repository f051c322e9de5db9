"""The event log orders events by (time, id) whatever order they come in."""

from hypothesis import given
from hypothesis import strategies as st

from changsha_replay.model.records import Event
from changsha_replay.model.timeline import EventLog


def _events(pairs):
    return [Event(eid, t, "order", eid) for eid, t in pairs]


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.sampled_from([0.0, 1.0, 2.0, 5.0])), max_size=12))
def test_events_are_ordered_by_time_then_id(pairs):
    log = EventLog(_events(pairs))
    keys = [(e.time, e.id) for e in log]
    assert keys == sorted((t, eid) for eid, t in pairs)
    assert list(log.times) == [t for t, _ in keys]


def test_ties_in_the_wrong_order_are_sorted_and_an_ordered_log_is_kept_as_it_is():
    assert [e.id for e in EventLog(_events([("b", 1.0), ("a", 1.0), ("c", 0.0)]))] == ["c", "a", "b"]
    ordered = _events([("a", 0.0), ("b", 0.0), ("a", 3.0)])
    assert list(EventLog(ordered)) == ordered
