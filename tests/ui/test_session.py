"""The session: playback driven by the wall clock, seeking, selection, opening files."""

import pytest
from factories import HOUR, T0, tiny

from changsha_replay.store import ScenarioError
from changsha_replay.ui.session import RATES, Session


class FakeWallClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def session(qapp):
    clock = FakeWallClock()
    s = Session(wall_clock=clock)
    s.set_scenario(tiny())
    s.fake = clock
    return s


def test_play_advances_time_by_rate_times_elapsed_wall_time(session, qtbot):
    session.set_rate_index([r for r, _ in RATES].index(3600.0))
    times = []
    session.time_changed.connect(times.append)
    session.play()
    assert session.playing
    session.fake.now += 0.1
    session.tick()
    session.fake.now += 0.15
    session.tick()
    assert session.time == pytest.approx(T0 + 0.25 * HOUR)
    assert times[-1] == session.time
    session.pause()
    session.fake.now += 10
    session.tick()
    assert session.time == pytest.approx(T0 + 0.25 * HOUR) and not session.playing


def test_frame_rate_does_not_change_speed(qapp):
    results = []
    for step in (0.016, 0.05):
        wall = FakeWallClock()
        s = Session(wall_clock=wall)
        s.set_scenario(tiny())
        s.set_rate_index(0)
        s.play()
        for _ in range(round(2.0 / step)):
            wall.now += step
            s.tick()
        results.append(s.time)
    assert results[0] == pytest.approx(results[1], abs=1.0)


def test_play_stops_at_the_end(session):
    session.set_rate_index(len(RATES) - 1)  # 1 day per second
    stopped = []
    session.playing_changed.connect(stopped.append)
    session.play()
    for _ in range(20):
        session.fake.now += 0.2
        session.tick()
    assert session.time == session.scenario.info.end and not session.playing and stopped == [True, False]


def test_phase_and_event_steps_emit_signals(session):
    phases = []
    session.phase_changed.connect(phases.append)
    session.step_phase(+1)
    assert session.time == T0 + 6 * HOUR and phases == [1]
    session.step_event(-1)  # e2 and e3 share this time: from e3 (the latest) to e2, time stays
    assert session.time == T0 + 6 * HOUR and session.scenario.events[session.event_focus].id == "e2"
    session.step_event(-1)
    assert session.time == T0 + 1 * HOUR and phases == [1, 0] and session.event_focus == 0
    session.to_end()
    assert session.phase_index == 2


def test_scrub_pauses(session):
    session.play()
    session.scrub(T0 + 3 * HOUR)
    assert not session.playing and session.time == T0 + 3 * HOUR


def test_state_is_computed_once_per_time(session):
    first = session.state()
    assert session.state() is first
    session.seek(T0 + 2 * HOUR)
    assert session.state() is not first and session.state().time == T0 + 2 * HOUR


def test_a_failed_open_keeps_the_scenario(session, tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a scenario")
    current = session.scenario
    with pytest.raises(ScenarioError):
        session.open(bad)
    assert session.scenario is current


def test_selection_and_options(session):
    seen = []
    session.selection_changed.connect(seen.append)
    session.select(["cn-army"])
    session.select(["cn-army"])  # no change, no signal
    assert seen == [frozenset({"cn-army"})]
    session.set_name_mode("both")
    assert session.name_mode == "both"
    with pytest.raises(ValueError):
        session.set_name_mode("klingon")
    session.faster()
    session.slower()
    session.slower()
    assert session.rate == RATES[session.rate_index][0]


def test_loop_the_current_phase(session):
    loops = []
    session.loop_changed.connect(loops.append)
    session.seek(T0 + 7 * HOUR)
    session.loop_current_phase(True)
    assert loops[-1] == (T0 + 6 * HOUR, T0 + 12 * HOUR)
    session.set_rate_index([r for r, _ in RATES].index(3 * 3600.0))
    session.play()
    for _ in range(12):
        session.fake.now += 0.2
        session.tick()
        assert T0 + 6 * HOUR <= session.time <= T0 + 12 * HOUR
    assert session.playing
    session.loop_current_phase(False)
    assert loops[-1] is None


def test_arrows_reach_every_event_also_two_at_one_time(session):
    focused, times = [], []
    session.event_focused.connect(focused.append)
    session.time_changed.connect(times.append)
    ids = []
    for _ in range(5):
        session.step_event(+1)
        ids.append(session.scenario.events[session.event_focus].id)
    assert ids == ["e1", "e2", "e3", "e4", "e4"]  # (past the last: stays)
    assert times == [T0 + 1 * HOUR, T0 + 6 * HOUR, T0 + 15 * HOUR]  # e3 moved no time
    session.seek(T0 + 7 * HOUR)  # time moved otherwise: no event in focus
    assert session.event_focus is None and focused[-1] is None
