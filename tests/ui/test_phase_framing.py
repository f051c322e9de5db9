"""The map frames each phase's view when the phase changes (View → Frame Each Phase)."""

import pytest
from map_canvas import make_canvas
from PySide6.QtCore import QRectF

from changsha_replay.ui.map.framing import between


def contains(outer, inner, slack=1e-6) -> bool:
    w0, s0, e0, n0 = outer
    w1, s1, e1, n1 = inner
    return w0 <= w1 + slack and s0 <= s1 + slack and e0 >= e1 - slack and n0 >= n1 - slack


def fills(shown, view) -> bool:
    """``shown`` holds ``view`` and is no more than a margin larger along one of its axes."""
    w, s, e, n = shown
    vw, vs, ve, vn = view
    return contains(shown, view) and min((e - w) / (ve - vw), (n - s) / (vn - vs)) < 1.25


@pytest.fixture
def canvas(qtbot, changsha):
    canvas = make_canvas(qtbot, changsha)
    canvas.set_frame_phases(True)
    return canvas


def test_stepping_to_a_phase_moves_the_map_to_its_view_smoothly(canvas, qtbot):
    phases = canvas.scenario.phases
    assert all(p.view is not None for p in phases)
    before = canvas.visible_extent()
    canvas.session.seek(phases[5].start)
    assert canvas.framing.moving  # an animation, not a jump
    qtbot.waitUntil(lambda: not canvas.framing.moving, timeout=3000)
    shown = canvas.visible_extent()
    assert shown != before and fills(shown, phases[5].view)


def test_a_manual_zoom_holds_until_the_next_phase(canvas, qtbot):
    phases = canvas.scenario.phases
    canvas.session.seek(phases[3].start)
    canvas.framing.finish()
    canvas.zoom_by(2.0)
    zoomed = canvas.visible_extent()
    canvas.session.seek(phases[3].start + 3600)  # time moves within the phase: the map stays
    canvas.session.seek(phases[3].end - 60)
    assert canvas.visible_extent() == zoomed and not canvas.framing.moving
    canvas.session.step_phase(1)
    canvas.framing.finish()
    assert fills(canvas.visible_extent(), phases[4].view)


def test_the_users_own_pan_or_zoom_stops_the_move_where_it_is(canvas, qtbot):
    canvas.session.seek(canvas.scenario.phases[5].start)
    before = canvas.visible_extent()
    qtbot.waitUntil(lambda: canvas.visible_extent() != before, timeout=1000)  # under way
    assert canvas.framing.moving
    canvas.viewbox.sigRangeChangedManually.emit([True, True])  # what a wheel turn or a drag emits
    assert not canvas.framing.moving
    held = canvas.visible_extent()
    qtbot.wait(600)  # longer than the move would have lasted
    assert canvas.visible_extent() == held


def test_closing_the_scenario_stops_a_move(canvas):
    canvas.session.seek(canvas.scenario.phases[5].start)
    assert canvas.framing.moving
    canvas.session.set_scenario(None)
    assert not canvas.framing.moving


def test_a_programmatic_move_finishes_the_framing_first(canvas):
    phases = canvas.scenario.phases
    canvas.session.seek(phases[7].start)
    assert canvas.framing.moving
    canvas.center_on(28.55, 113.15)  # e.g. an event's place: at the phase's zoom, centred there
    assert not canvas.framing.moving
    w, s, e, n = canvas.visible_extent()
    assert abs((w + e) / 2 - 113.15) < 0.01 and abs((s + n) / 2 - 28.55) < 0.01
    vw, vs, ve, vn = phases[7].view
    assert (e - w) < 1.3 * max(ve - vw, (vn - vs) * (e - w) / (n - s))


def test_framing_off_or_following_a_unit_leaves_the_map_alone(canvas):
    phases = canvas.scenario.phases
    canvas.set_frame_phases(False)
    before = canvas.visible_extent()
    canvas.session.seek(phases[5].start)
    assert canvas.visible_extent() == before and not canvas.framing.moving
    canvas.set_frame_phases(True)  # on again: the current phase now
    canvas.framing.finish()
    assert fills(canvas.visible_extent(), phases[5].view)
    canvas.session.select({"jp-3-div"})
    canvas.session.set_follow(True)
    canvas.session.seek(phases[7].start)
    assert not canvas.framing.moving


def test_a_scenario_opens_on_its_phase_view_without_animation(qtbot, changsha):
    canvas = make_canvas(qtbot, None)
    canvas.set_frame_phases(True)
    canvas.session.set_scenario(changsha)
    assert not canvas.framing.moving
    assert fills(canvas.visible_extent(), changsha.phases[0].view)


def test_a_phase_without_a_view_keeps_what_the_map_shows(qtbot, changsha):
    phases = changsha.phases.__class__(p._replace(view=None) if p.id == "p5" else p for p in changsha.phases)
    canvas = make_canvas(qtbot, changsha.replace(phases=phases))
    canvas.set_frame_phases(True)
    canvas.session.seek(phases[4].start)
    canvas.framing.finish()
    before = canvas.visible_extent()
    canvas.session.seek(phases[5].start)
    assert not canvas.framing.moving and canvas.visible_extent() == before


def test_the_move_between_two_views_zooms_geometrically():
    a, b = QRectF(0, 0, 100, 50), QRectF(200, 100, 1, 0.5)
    half = between(a, b, 0.5)
    assert half.width() == pytest.approx(10) and half.height() == pytest.approx(5)
    assert half.center().x() == pytest.approx((50 + 200.5) / 2)
    assert between(a, b, 0.0) == a and between(a, b, 1.0).width() == pytest.approx(1)


def test_unit_names_lie_wholly_on_the_map(qtbot, changsha):
    """Zoomed to a phase, units stand by the map's edges: their names go where they can be read."""
    canvas = make_canvas(qtbot, changsha, (820, 650))  # the map of a 1600×1000 window
    canvas.set_frame_phases(True)
    canvas.session.seek(canvas.scenario.phases[5].start + 16 * 3600)
    canvas.framing.finish()
    canvas.grab()
    width, height = canvas.unit_labels.view_size()
    placed = canvas.unit_labels.placement(canvas.units.screen_transform())
    assert len(placed) >= 10
    for _i, left, top, w, h in placed:
        assert left >= 0 and top >= 0 and left + w <= width and top + h <= height
