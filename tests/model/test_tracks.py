"""State of all units at a time: interpolation, holding, and its properties."""

import math

import numpy as np
from factories import HOUR, T0, tiny
from hypothesis import given, settings
from hypothesis import strategies as st

from changsha_replay.model import UnitTracks


def test_interpolates_linearly_between_keyframes():
    s = tiny()
    state = s.state_at(T0 + 5 * HOUR)  # unit 0: 28.0 → 28.5 over 10 h
    assert math.isclose(state.lat[0], 28.25)
    assert math.isclose(state.lon[0], 113.25)
    assert math.isclose(state.strength[0], 90.0)
    assert state.status[0] == 2  # the status of the keyframe in force


def test_holds_before_first_and_after_last_keyframe():
    s = tiny()
    before = s.state_at(T0 - 100 * HOUR)
    after = s.state_at(T0 + 100 * HOUR)
    assert (before.lat[3], before.lon[3]) == (29.0, 113.0)
    assert (after.lat[3], after.lon[3]) == (28.2, 113.0)
    assert after.strength[3] == 40.0


def test_no_interpolation_where_the_keyframe_says_so():
    s = tiny()
    state = s.state_at(T0 + 12 * HOUR)  # unit 1 holds its 5 h keyframe until 20 h
    assert (state.lat[1], state.lon[1], state.strength[1]) == (28.2, 113.2, 90.0)
    assert s.state_at(T0 + 20 * HOUR).lat[1] == 28.9


def test_unit_without_keyframes_has_no_position():
    state = tiny().state_at(T0)
    assert math.isnan(state.lat[2]) and state.status[2] == -1
    assert list(state.known) == [True, True, False, True, True]


def test_keyframes_may_come_in_any_order():
    s = tiny()
    tr = s.tracks
    order = np.random.default_rng(3).permutation(len(tr))
    shuffled = UnitTracks(
        tr.unit_count,
        tr.unit_indices()[order],
        tr.time[order],
        tr.lat[order],
        tr.lon[order],
        tr.strength[order],
        tr.status[order],
        tr.interpolate[order],
        tr.certainty[order],
        tr.citation[order],
        tr.place[order],
        tr.citations,
        tr.places,
    )
    assert shuffled.equals(tr)
    for hour in (0, 3.5, 7, 19):
        assert shuffled.state_at(T0 + hour * HOUR).equals(s.state_at(T0 + hour * HOUR))


def test_keyframe_record_carries_its_provenance():
    tr = tiny().tracks
    first = tr.keyframe(0)
    assert first.unit_index == 0 and first.place_id == "changsha" and first.citation.source_key == "SRC"
    assert tr.keyframe(len(tr) - 1).unit_index == 4


@st.composite
def tracks(draw):
    units = draw(st.integers(1, 6))
    n = draw(st.integers(1, 30))
    unit_index = np.array(draw(st.lists(st.integers(0, units - 1), min_size=n, max_size=n)))
    times = np.array(draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n, unique=True)), float)
    coords = st.floats(-80, 80, allow_nan=False)
    lat = np.array(draw(st.lists(coords, min_size=n, max_size=n)))
    lon = np.array(draw(st.lists(coords, min_size=n, max_size=n)))
    interp = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return UnitTracks(units, unit_index, times, lat, lon, np.full(n, 100.0), np.zeros(n, np.int8), interp)


@settings(max_examples=200, deadline=None)
@given(tracks(), st.floats(-1_000, 11_000, allow_nan=False))
def test_interpolated_positions_stay_inside_the_box_of_their_two_keyframes(tr, t):
    state = tr.state_at(t)
    for u in range(tr.unit_count):
        rows = tr.unit_slice(u)
        if rows.stop == rows.start:
            assert state.status[u] == -1
            continue
        i = int(state.keyframe[u])
        j = min(i + 1, rows.stop - 1)
        assert rows.start <= i < rows.stop
        assert min(tr.lat[i], tr.lat[j]) <= state.lat[u] <= max(tr.lat[i], tr.lat[j])
        assert min(tr.lon[i], tr.lon[j]) <= state.lon[u] <= max(tr.lon[i], tr.lon[j])


@settings(max_examples=100, deadline=None)
@given(tracks(), st.floats(-1_000, 11_000, allow_nan=False))
def test_vectorised_state_equals_a_plain_per_unit_computation(tr, t):
    state = tr.state_at(t)
    for u in range(tr.unit_count):
        rows = range(tr.unit_slice(u).start, tr.unit_slice(u).stop)
        if not rows:
            continue
        times = tr.time[rows.start : rows.stop]
        k = max(0, min(int(np.searchsorted(times, t, side="right")) - 1, len(rows) - 1))
        i = rows.start + k
        expected = tr.lat[i]
        if k + 1 < len(rows) and tr.interpolate[i] and times[k] < t:
            f = (t - times[k]) / (times[k + 1] - times[k])
            expected = tr.lat[i] + f * (tr.lat[i + 1] - tr.lat[i])
        assert math.isclose(state.lat[u], expected, rel_tol=1e-12, abs_tol=1e-12)
