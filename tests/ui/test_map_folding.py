"""Folding subordinates into their superiors' symbols by zoom, the "+n" badges, and nudging apart
the symbols that still overlap."""

import numpy as np
import pytest
from map_canvas import at, make_canvas
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from changsha_replay.ui.map.folding import Hierarchy, Shapes, declutter, fold, overlap_fractions
from changsha_replay.ui.map.symbols import BADGE_FILL
from changsha_replay.ui.map.tooltips import unit_tooltip
from changsha_replay.ui.map.units_layer import NUDGE_REACH

FIT_TIME = "1942-01-05T12:00:00"
KM_PER_DEGREE = 111.2


@pytest.fixture
def canvas(qtbot, changsha):
    canvas = make_canvas(qtbot, changsha)
    canvas.session.seek(at(FIT_TIME))
    return canvas


def layout(canvas):
    units = canvas.units
    return units.layout(units.screen_transform())


def ids(canvas, indices) -> set[str]:
    return {canvas.scenario.units[int(i)].id for i in indices}


def image_array(canvas) -> np.ndarray:
    image = canvas.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = data.reshape(image.height(), image.bytesPerLine())[:, : 3 * image.width()]
    return rows.reshape(image.height(), image.width(), 3).copy()


# -- the algorithm, on its own ------------------------------------------------------------


def reference_fold(parent, drawable, anchored, keep, x, y, rects, threshold=0.2) -> np.ndarray:
    """Folding one unit at a time, top-down, as the rule reads (the vectorised one must agree)."""
    tree = Hierarchy(parent)
    into = np.full(len(parent), -1)

    def area(r):
        return (r[2] - r[0]) * (r[3] - r[1])

    for i in sorted(range(len(parent)), key=lambda k: tree.depth[k]):
        if not drawable[i] or keep[i]:
            continue
        s = tree.parent[i]
        while s >= 0 and not (drawable[s] and into[s] < 0):  # look through folded and hidden superiors
            s = tree.parent[s] if anchored[s] else -1  # … but not through one without a position
        if s < 0:
            continue
        a, b = rects[i] + [x[i], y[i], x[i], y[i]], rects[s] + [x[s], y[s], x[s], y[s]]
        w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
        if w > 0 and h > 0 and w * h > threshold * min(area(a), area(b)):
            into[i] = s
    return into


def test_folding_agrees_with_the_rule_applied_one_unit_at_a_time():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 50))
        parent = np.array([int(rng.integers(-1, k)) if k else -1 for k in range(n)])
        shuffle = rng.permutation(n)  # superiors need not come first in the file
        parent = np.where(parent >= 0, np.argsort(shuffle)[np.maximum(parent, 0)], -1)[shuffle]
        anchored = rng.random(n) > 0.15
        drawable = anchored & (rng.random(n) > 0.15)
        keep = rng.random(n) > 0.9
        x = np.where(anchored, rng.uniform(0, 150, n), np.nan)
        y = np.where(anchored, rng.uniform(0, 150, n), np.nan)
        w, h = rng.uniform(10, 40, n), rng.uniform(10, 60, n)
        cx, cy = rng.uniform(-10, 10, n), rng.uniform(-20, 5, n)
        rects = np.column_stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        tree = Hierarchy(parent)
        got = fold(tree, drawable, anchored, keep, x, y, Shapes.of(rects, tree))
        np.testing.assert_array_equal(got, reference_fold(parent, drawable, anchored, keep, x, y, rects))


def test_hierarchy_levels_cut_cycles_and_ancestors():
    tree = Hierarchy([1, 2, 0, -1, 3, 9])  # 0 → 1 → 2 → 0 is a cycle; 5's parent does not exist
    assert sorted(tree.order) == list(range(6))
    assert (tree.parent[[0, 1, 2]] == -1).sum() == 1  # the cycle is cut once
    assert tree.parent[4] == 3 and tree.depth[4] == 1 and tree.parent[5] == -1
    assert len(tree.levels[0]) == 3  # 3, 5 and the unit the cycle was cut at
    mask = np.zeros(6, bool)
    mask[4] = True
    assert list(np.flatnonzero(tree.with_ancestors(mask))) == [3, 4]


def test_top_level_units_and_units_under_a_superior_without_a_position_never_fold():
    parent = np.array([-1, 0, 1, -1])
    anchored = np.array([True, False, True, True])
    x, y = np.zeros(4), np.zeros(4)  # all on the same spot
    rects = np.tile([-10.0, -10.0, 10.0, 10.0], (4, 1))
    tree = Hierarchy(parent)
    into = fold(tree, anchored, anchored, np.zeros(4, bool), x, y, Shapes.of(rects, tree))
    assert list(into) == [-1, -1, -1, -1]  # 2's superior has no position; 0 and 3 are at the top
    anchored[1] = True
    into = fold(tree, anchored, anchored, np.zeros(4, bool), x, y, Shapes.of(rects, tree))
    assert list(into) == [-1, 0, 0, -1]  # 2 folds through its folded division into the army


def test_declutter_separates_overlapping_boxes_and_leaves_the_others():
    rng = np.random.default_rng(3)
    cx, cy = rng.uniform(0, 300, 40), rng.uniform(0, 200, 40)
    cx[-1], cy[-1] = 900.0, 900.0  # far from the others
    hw, hh = np.full(40, 18.0), np.full(40, 20.0)
    mass = np.ones(40)
    mass[0] = 1e3
    ux, uy = declutter(cx, cy, hw, hh, mass)
    rects = np.column_stack((cx + ux - hw, cy + uy - hh, cx + ux + hw, cy + uy + hh))
    assert overlap_fractions(rects).max() < 0.05
    assert ux[-1] == 0 and uy[-1] == 0
    assert np.hypot(ux[0], uy[0]) < 1.0  # the heavy box (a selected unit) stays put
    same = declutter(cx + 1000, cy - 500, hw, hh, mass)  # only relative positions matter
    np.testing.assert_allclose(same[0], ux, atol=1e-6)
    np.testing.assert_allclose(same[1], uy, atol=1e-6)
    heap = declutter(np.zeros(60), np.zeros(60), np.full(60, 18.0), np.full(60, 20.0), np.ones(60))
    assert not np.any(heap)  # sixty symbols on one spot cannot be spread out readably: left as they are


def test_declutter_moves_no_box_further_than_its_reach():
    rng = np.random.default_rng(5)
    cx, cy = rng.uniform(0, 90, 12), rng.uniform(0, 60, 12)  # a heap: room only further out
    hw, hh = np.full(12, 18.0), np.full(12, 14.0)
    free = declutter(cx, cy, hw, hh, np.ones(12))
    assert np.hypot(*free).max() > 36  # unbounded, some would go further than a width
    ux, uy = declutter(cx, cy, hw, hh, np.ones(12), reach=36.0)
    assert np.hypot(ux, uy).max() <= 36.0 + 1e-9
    assert np.hypot(ux, uy).max() > 30  # and yet they make what room they can


# -- on the map ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1200, 800), (1000, 700)])
@pytest.mark.parametrize("when", ["1941-12-25T12:00:00", "1942-01-05T12:00:00", "1942-01-09T12:00:00"])
def test_every_symbol_stays_within_a_symbol_width_of_its_unit(qtbot, changsha, size, when):
    canvas = make_canvas(qtbot, changsha, size)
    canvas.session.seek(at(when))
    canvas.grab()
    lay = layout(canvas)
    rect = canvas.units.sprite_rect[lay.idx]
    width = np.maximum(rect[:, 2] - rect[:, 0], lay.badge_rect[:, 2] - rect[:, 0])
    moved = np.hypot(lay.x - lay.true_x, lay.y - lay.true_y)
    assert moved.max() > 4  # the heaps around Changsha are nudged apart …
    assert np.all(moved <= NUDGE_REACH * width + 1.0)  # … by at most a symbol's width (and rounding)
    assert overlap_fractions(lay.boxes).max(initial=0) <= 0.3


def test_selecting_a_drawn_unit_does_not_reshuffle_the_symbols(canvas):
    canvas.grab()
    before = layout(canvas)
    k = int(np.argmax(np.hypot(before.x - before.true_x, before.y - before.true_y)))  # a nudged one
    canvas.session.select({canvas.scenario.units[int(before.idx[k])].id})
    canvas.grab()
    after = layout(canvas)
    b, a = np.argsort(before.idx), np.argsort(after.idx)  # the selected one is painted last
    assert np.array_equal(after.idx[a], before.idx[b])
    assert np.array_equal(after.x[a], before.x[b]) and np.array_equal(after.y[a], before.y[b])


@pytest.mark.parametrize("size", [(1200, 800), (860, 800)])
@pytest.mark.parametrize("when", [FIT_TIME, "1941-12-25T12:00:00", "1942-01-09T12:00:00"])
def test_at_the_fit_zoom_no_two_symbols_pile_up(qtbot, changsha, size, when):
    canvas = make_canvas(qtbot, changsha, size)
    canvas.session.seek(at(when))
    canvas.grab()
    lay = layout(canvas)
    assert len(lay.idx) == len(canvas.drawn_unit_ids())  # the whole scenario is in view
    assert overlap_fractions(lay.boxes).max(initial=0) <= 0.3
    folded = canvas.units.folded_into() >= 0
    assert folded.sum() >= 10 and lay.badge.sum() == folded.sum()  # the heaps are folded, not hidden


def test_folding_only_where_symbols_would_overlap(canvas):
    units, scenario = canvas.units, canvas.scenario
    t = units.screen_transform()
    sx, sy = units.x * t.m11(), units.y * t.m22()
    into = units.folded_into()
    for i in np.flatnonzero(into >= 0):
        s = int(into[i])
        assert scenario.units[s].id in {u.id for u in scenario.units.ancestors(scenario.units[i].id)}
        assert abs(sx[i] - sx[s]) < 60 and abs(sy[i] - sy[s]) < 60  # within about one symbol
    assert not (into[into >= 0][:, None] == np.flatnonzero(into >= 0)).any()  # folded into drawn units only


def test_zooming_in_unfolds_every_unit_away_from_its_superior(canvas):
    state = canvas.session.state()
    folded_at_fit = int((canvas.units.folded_into() >= 0).sum())
    assert folded_at_fit >= 10
    for _ in range(3):
        canvas.zoom_by(3)
        assert (canvas.units.folded_into() >= 0).sum() <= folded_at_fit
    canvas.zoom_by(1e4)  # as far as the view goes
    assert canvas.km_per_pixel() < 0.002
    into = canvas.units.folded_into()
    for i in np.flatnonzero(into >= 0):
        s = int(into[i])
        km = np.hypot(state.lat[i] - state.lat[s], (state.lon[i] - state.lon[s]) * np.cos(np.radians(28.3)))
        assert km * KM_PER_DEGREE < 0.05, canvas.scenario.units[i].id  # only units where their superior is
    canvas.fit_scenario()
    assert (canvas.units.folded_into() >= 0).sum() == folded_at_fit


def test_a_selected_unit_is_drawn_with_its_superiors(canvas):
    units, scenario = canvas.units, canvas.scenario
    into = units.folded_into()
    i = int(next(k for k in np.flatnonzero(into >= 0) if scenario.units.depth(scenario.units[k].id) >= 2))
    unit_id = scenario.units[i].id
    assert unit_id not in canvas.drawn_unit_ids()
    canvas.session.select({unit_id})
    drawn = set(canvas.drawn_unit_ids())
    assert unit_id in drawn
    chain = [u.id for u in scenario.units.ancestors(unit_id)]
    assert all(a in drawn for a in chain if canvas.unit_scene_pos(a) is not None)
    canvas.grab()
    assert i in canvas.unit_labels.shown  # a selected unit is always labelled
    lay = layout(canvas)
    k = int(np.flatnonzero(lay.idx == i)[0])
    assert canvas.unit_at(QPointF(lay.x[k], lay.y[k])) == unit_id  # drawn on top, so picked
    canvas.session.select(())
    assert unit_id not in canvas.drawn_unit_ids()


def test_badges_count_the_folded_descendants(canvas):
    units, scenario = canvas.units, canvas.scenario
    img = image_array(canvas)
    lay = layout(canvas)
    counts = units.folded_counts()
    assert list(lay.badge) == list(counts[lay.idx])
    for k in np.flatnonzero(lay.badge > 0):
        unit_id = scenario.units[int(lay.idx[k])].id
        folded = canvas.folded_unit_ids(unit_id)
        assert len(folded) == lay.badge[k]
        assert set(folded) <= scenario.units.subtree_ids(unit_id) - {unit_id}
        assert all(canvas.folded_into(f) == unit_id for f in folded)
        # the badge is painted, in its dark fill, at the symbol's top right corner
        left, top, right, bottom = (lay.badge_rect[k] + [lay.x[k], lay.y[k], lay.x[k], lay.y[k]]).astype(int)
        patch = img[max(top, 0) : bottom, max(left, 0) : right].astype(int)
        fill = (np.abs(patch - [BADGE_FILL.red(), BADGE_FILL.green(), BADGE_FILL.blue()]).sum(axis=-1) < 30).sum()
        assert fill > 20, unit_id
    assert counts.sum() == (units.folded_into() >= 0).sum()


def test_folded_units_have_no_label_are_not_picked_and_show_in_the_superiors_tooltip(canvas):
    canvas.grab()
    drawn = set(canvas.drawn_unit_ids())
    assert ids(canvas, canvas.unit_labels.shown) <= drawn
    assert ids(canvas, layout(canvas).idx) == drawn
    into = canvas.units.folded_into()
    for i in np.flatnonzero(into >= 0):
        unit_id = canvas.scenario.units[int(i)].id
        assert canvas.unit_at(canvas.unit_scene_pos(unit_id)) != unit_id
    superior = int(np.bincount(into[into >= 0]).argmax())
    folded = np.flatnonzero(into == superior)
    text = unit_tooltip(canvas.scenario, superior, canvas.session.state(), "en", folded)
    assert f"+{len(folded)} here" in text
    assert canvas.scenario.units[int(folded[0])].name_en in text


def test_hidden_branches_are_looked_through_and_stay_hidden(canvas):
    canvas.set_hidden_branches(frozenset({"headquarters"}))
    hq = {u.id for u in canvas.scenario.units if u.branch == "headquarters"}
    drawn = set(canvas.drawn_unit_ids())
    assert not drawn & hq
    into = canvas.units.folded_into()
    assert not ids(canvas, into[into >= 0]) & hq  # nothing folds into a hidden unit
    canvas.grab()
    assert ids(canvas, canvas.unit_labels.shown) <= drawn
    assert ids(canvas, layout(canvas).idx) == drawn


def test_folding_can_be_turned_off(canvas):
    folded = set(canvas.drawn_unit_ids())
    canvas.set_folding(False)
    every = set(canvas.drawn_unit_ids())
    assert folded < every
    assert every == {u.id for u, lat in zip(canvas.scenario.units, canvas.session.state().lat) if np.isfinite(lat)}
    canvas.set_folding(True)
    assert set(canvas.drawn_unit_ids()) == folded


def test_nudged_symbols_have_leader_lines_to_their_positions(canvas):
    lay = layout(canvas)
    moved = np.hypot(lay.x - lay.true_x, lay.y - lay.true_y) > 4
    assert moved.any()
    img = image_array(canvas).astype(int)
    k = int(np.flatnonzero(moved)[0])
    x, y = int(lay.true_x[k]), int(lay.true_y[k])
    patch = img[y - 2 : y + 3, x - 2 : x + 3]
    assert patch.sum(axis=-1).min() < 3 * 150  # the dark dot at the unit's true position


def test_hovering_a_superior_lists_what_is_folded_into_it(canvas, qtbot):
    from PySide6.QtWidgets import QToolTip

    canvas.grab()
    lay = layout(canvas)
    rect = canvas.view.viewport().rect().adjusted(40, 40, -40, -40)
    for k in np.flatnonzero(lay.badge > 0):
        pos = QPointF(lay.x[k], lay.y[k])
        superior = canvas.scenario.units[int(lay.idx[k])].id
        if rect.contains(pos.toPoint()) and canvas.unit_at(pos) == superior:
            break
    else:
        raise AssertionError("no superior with a badge on top at its own position")
    folded = canvas.folded_unit_ids(superior)
    qtbot.mouseMove(canvas.view.viewport(), canvas.view.mapFromScene(pos))
    qtbot.waitUntil(lambda: f"+{len(folded)} here" in QToolTip.text())
    assert canvas.scenario.units.unit(folded[0]).name_en in QToolTip.text()
