"""The playback clock: playing, seeking, stepping, looping, and its properties."""

from factories import HOUR, T0, tiny
from hypothesis import given, settings
from hypothesis import strategies as st

from changsha_replay.model import PlaybackClock


def make_clock() -> PlaybackClock:
    s = tiny()
    return PlaybackClock(s.info.start, s.info.end, s.phases, s.events)


def test_play_advances_by_rate_times_wall_time():
    clock = make_clock()
    clock.set_rate(HOUR)
    assert clock.advance(1.0).time == T0  # paused: nothing happens
    clock.play()
    moved = clock.advance(2.5)
    assert moved.time == T0 + 2.5 * HOUR and moved.direction == 1
    assert [clock.events[i].id for i in moved.events] == ["e1"]


def test_play_stops_at_the_end_and_restarts_from_the_start():
    clock = make_clock()
    clock.set_rate(10 * HOUR)
    clock.play()
    last = clock.advance(10.0)
    assert last.time == clock.end and last.stopped and not clock.playing
    clock.play()
    assert clock.time == clock.start and clock.playing


def test_backwards_play_reports_events_uncrossed():
    clock = make_clock()
    clock.seek(T0 + 16 * HOUR)
    clock.set_rate(-HOUR)
    clock.play()
    moved = clock.advance(10.0)
    assert moved.direction == -1 and moved.time == T0 + 6 * HOUR
    assert sorted(clock.events[i].id for i in moved.events) == ["e4"]
    assert moved.phase_before == 2 and moved.phase_after == 1 and moved.phase_changed


def test_loop_range_wraps_to_its_start():
    clock = make_clock()
    clock.set_loop(T0 + 2 * HOUR, T0 + 8 * HOUR)
    clock.seek(T0 + 7 * HOUR)
    clock.set_rate(HOUR)
    clock.play()
    moved = clock.advance(2.0)
    assert moved.wrapped and clock.time == T0 + 2 * HOUR and clock.playing


def test_step_phase_and_event():
    clock = make_clock()
    assert clock.step_phase(+1).time == T0 + 6 * HOUR
    assert clock.step_phase(+1).time == T0 + 12 * HOUR
    assert clock.step_phase(+1).time == clock.end
    assert clock.step_phase(+1).time == clock.end
    assert clock.step_phase(-1).time == T0 + 12 * HOUR
    clock.to_start()
    assert clock.step_event(+1).time == T0 + 1 * HOUR
    assert clock.step_event(+1).time == T0 + 6 * HOUR
    assert clock.step_event(+1).time == T0 + 15 * HOUR
    assert clock.step_event(+1).time == T0 + 15 * HOUR  # no later event: stays
    assert clock.step_event(-1).time == T0 + 6 * HOUR
    assert clock.to_end().time == clock.end and clock.to_start().time == clock.start


def test_seek_is_clamped_to_the_scenario():
    clock = make_clock()
    assert clock.seek(T0 - 1e9).time == clock.start
    assert clock.seek(T0 + 1e9).time == clock.end


times = st.floats(T0 - HOUR, T0 + 25 * HOUR, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 3.0, allow_nan=False), max_size=12), st.floats(-4 * HOUR, 4 * HOUR))
def test_seek_to_t_gives_exactly_the_state_playing_to_t_gives(steps, rate):
    s = tiny()
    played = make_clock()
    played.seek(T0 + 12 * HOUR)
    played.set_rate(rate)
    played.play()
    for dt in steps:
        played.advance(dt)
    sought = make_clock()
    sought.seek(played.time)
    assert sought.time == played.time and sought.phase_index == played.phase_index
    assert s.state_at(sought.time).equals(s.state_at(played.time))
    assert s.events.until(sought.time) == s.events.until(played.time)


@settings(max_examples=200, deadline=None)
@given(times)
def test_next_phase_then_previous_phase_returns_to_the_start_of_the_phase(t):
    clock = make_clock()
    clock.seek(t)
    if clock.time >= clock.end:
        return
    start_of_phase = clock.phases[clock.phase_index].start
    clock.step_phase(+1)
    assert clock.step_phase(-1).time == max(start_of_phase, clock.start)


@settings(max_examples=200, deadline=None)
@given(times, times)
def test_events_crossed_from_a_to_b_are_those_with_a_lt_time_le_b(a, b):
    clock = make_clock()
    clock.seek(a)
    a = clock.time
    moved = clock.seek(b)
    b = clock.time
    lo, hi = min(a, b), max(a, b)
    expected = {e.id for e in clock.events if lo < e.time <= hi}
    assert {clock.events[i].id for i in moved.events} == expected
