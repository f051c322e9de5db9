"""The units a moment is about: those of the current events, and the encircled ones."""

import numpy as np

from changsha_replay.model import vocab
from changsha_replay.model.featured import EVENT_SHOWN, FeaturedUnits
from changsha_replay.model.records import Event, EventUnit

HOUR = 3600.0


def _event(eid, t, units, end=None):
    return Event(eid, t, "engagement", eid, end=end, units=tuple(EventUnit(u, "attacking") for u in units))


def test_units_of_an_event_are_featured_from_its_time_to_its_end_or_twelve_hours():
    index = {"a": 0, "b": 1, "c": 2, "d": 3}
    events = [_event("e1", 0.0, ["a", "b"]), _event("e2", 5 * HOUR, ["c"], end=30 * HOUR), _event("e3", 0, ["zz"])]
    featured = FeaturedUnits(events, index, 4)
    assert featured.at(-1.0).tolist() == [False, False, False, False]  # before anything
    assert featured.at(1 * HOUR).tolist() == [True, True, False, False]
    assert featured.at(6 * HOUR).tolist() == [True, True, True, False]
    assert featured.at(EVENT_SHOWN + 1).tolist() == [False, False, True, False]  # e1 is over, e2 lasts
    assert featured.at(31 * HOUR).tolist() == [False, False, False, False]


def test_encircled_units_are_featured_while_encircled():
    featured = FeaturedUnits([], {"a": 0, "b": 1}, 2)
    status = np.array([vocab.STATUSES.index("encircled"), vocab.STATUSES.index("attacking")])
    assert featured.at(0.0, status).tolist() == [True, False]
    assert featured.at(0.0, status[:1]).tolist() == [False, False]  # a state of another order of battle
