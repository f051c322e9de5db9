"""The map canvas follows the session: positions, selection, layers, view, keys, overlays."""

import numpy as np
import pytest
from factories import HOUR, T0, tiny
from map_canvas import at, make_canvas
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage

SIZE = (1200, 800)


@pytest.fixture
def canvas(qtbot, changsha):
    return make_canvas(qtbot, changsha)


def image_array(canvas) -> np.ndarray:
    """The rendered canvas as an (h, w, 3) array of RGB bytes."""
    image = canvas.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = data.reshape(image.height(), image.bytesPerLine())[:, : 3 * image.width()]
    return rows.reshape(image.height(), image.width(), 3).copy()  # the image's memory goes with it


def topmost_unit(canvas) -> tuple[str, QPointF]:
    """A unit whose symbol is the one found at its own position, well inside the view."""
    rect = canvas.view.viewport().rect().adjusted(60, 60, -60, -60)
    for unit_id in canvas.drawn_unit_ids():
        pos = canvas.unit_scene_pos(unit_id)
        if pos is not None and rect.contains(pos.toPoint()) and canvas.unit_at(pos) == unit_id:
            return unit_id, pos
    raise AssertionError("no unit on top at its own position")


def empty_spot(canvas) -> QPointF:
    for y in range(40, SIZE[1] - 80, 37):
        for x in range(40, SIZE[0] - 40, 41):
            p = QPointF(x, y)
            if canvas.unit_at(p) is None and canvas.events.event_at(p) is None:
                return p
    raise AssertionError("no empty spot")


def test_seek_writes_the_session_positions_into_the_units_layer(canvas):
    session = canvas.session
    for when in ("1941-12-25T12:00:00", "1942-01-06T12:00:00"):
        session.seek(at(when))
        state = session.state()
        np.testing.assert_allclose(canvas.units.y, state.lat, equal_nan=True)
        np.testing.assert_allclose(canvas.units.x, state.lon * canvas.projection.k, equal_nan=True)
        np.testing.assert_array_equal(canvas.units.status, state.status)
        # and the map position of a unit is its state's position
        i = int(np.flatnonzero(state.known)[0])
        lat, lon = canvas.projection.latlon(canvas.units.x[i], canvas.units.y[i])
        assert (lat, lon) == pytest.approx((state.lat[i], state.lon[i]))


def test_clicking_a_unit_selects_it_and_clicking_the_map_clears(canvas, qtbot):
    canvas.session.seek(at("1942-01-02T12:00:00"))
    unit_id, pos = topmost_unit(canvas)
    viewport = canvas.view.viewport()
    with qtbot.waitSignal(canvas.unit_clicked) as clicked:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=canvas.view.mapFromScene(pos))
    assert clicked.args == [unit_id]
    assert canvas.session.selection == {unit_id}
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=canvas.view.mapFromScene(empty_spot(canvas)))
    assert canvas.session.selection == frozenset()


def test_double_click_activates_the_unit(canvas, qtbot):
    canvas.session.seek(at("1942-01-02T12:00:00"))
    unit_id, pos = topmost_unit(canvas)
    viewport, button, at_unit = canvas.view.viewport(), Qt.MouseButton.LeftButton, canvas.view.mapFromScene(pos)
    with qtbot.waitSignal(canvas.unit_activated) as activated:  # what a real double click sends
        qtbot.mouseClick(viewport, button, pos=at_unit)
        qtbot.mouseDClick(viewport, button, pos=at_unit)
        qtbot.mouseRelease(viewport, button, pos=at_unit)
    assert activated.args == [unit_id]


def test_selection_is_drawn_with_a_halo(canvas):
    canvas.session.seek(at("1942-01-02T12:00:00"))
    unit_id, pos = topmost_unit(canvas)
    x, y = int(pos.x()), int(pos.y())

    def halo_pixels() -> int:
        patch = image_array(canvas)[y - 40 : y + 40, x - 40 : x + 40].astype(int)
        r, g, b = patch[..., 0], patch[..., 1], patch[..., 2]
        return int(((r > 230) & (g > 160) & (g < 215) & (b < 80)).sum())  # the amber glow

    before = halo_pixels()
    canvas.session.select({unit_id})
    assert list(np.flatnonzero(canvas.units.selected)) == [canvas.scenario.units.index_of(unit_id)]
    assert halo_pixels() > before + 30
    canvas.session.select(())
    assert not canvas.units.selected.any()


def test_hidden_branches_are_not_drawn_or_picked(canvas):
    canvas.session.seek(at("1942-01-02T12:00:00"))
    canvas.set_folding(False)  # every unit with a position is drawn: only the branch filter hides units
    hq = {u.id for u in canvas.scenario.units if u.branch == "headquarters"}
    assert hq <= set(canvas.drawn_unit_ids())
    positions = {u: canvas.unit_scene_pos(u) for u in hq}
    canvas.set_hidden_branches(frozenset({"headquarters"}))
    drawn = set(canvas.drawn_unit_ids())
    assert not drawn & hq
    assert len(drawn) == len([u for u in canvas.scenario.units if u.branch != "headquarters"])
    assert all(canvas.unit_at(p) not in hq for p in positions.values())
    canvas.grab()
    assert not {canvas.scenario.units[i].id for i in canvas.unit_labels.shown} & hq
    canvas.set_hidden_branches(frozenset())
    assert hq <= set(canvas.drawn_unit_ids())


def test_layers_can_be_toggled(canvas):
    canvas.session.seek(at("1942-01-06T12:00:00"))
    assert set(canvas.layer_names()) == {
        "rivers",
        "lakes",
        "places",
        "unit_labels",
        "trails",
        "events",
        "features",
        "weather",
        "annotations",
    }

    def pixels(colour: tuple[int, int, int]) -> int:
        return int((np.abs(image_array(canvas).astype(int) - colour).sum(axis=2) <= 6).sum())

    lake, river = (168, 203, 226), (86, 142, 190)
    assert pixels(lake) > 5000 and pixels(river) > 500 and pixels((87, 83, 78)) > 30
    canvas.set_layer_visible("lakes", False)
    assert pixels(lake) < 50 and pixels(river) > 500
    canvas.set_layer_visible("rivers", False)
    assert pixels(river) < 50
    for name in canvas.layer_names():
        canvas.set_layer_visible(name, False)
        assert not canvas.is_layer_visible(name)
    assert canvas.weather.isHidden()
    assert not canvas.unit_labels.isVisible()
    assert pixels((87, 83, 78)) < 5  # no place names either
    with pytest.raises(KeyError):
        canvas.set_layer_visible("roads", True)
    for name in canvas.layer_names():
        canvas.set_layer_visible(name, True)
    assert pixels(lake) > 5000 and pixels(river) > 500


def test_center_on_moves_the_view_and_keeps_the_zoom(canvas):
    km = canvas.km_per_pixel()
    canvas.center_on(28.2, 113.0)
    west, south, east, north = canvas.visible_extent()
    assert ((south + north) / 2, (west + east) / 2) == pytest.approx((28.2, 113.0), abs=1e-6)
    assert canvas.km_per_pixel() == pytest.approx(km)


def test_fit_scenario_shows_the_whole_extent(canvas):
    canvas.zoom_by(5)
    canvas.center_on(28.0, 113.5)
    west, south, east, north = canvas.scenario.info.extent
    canvas.fit_scenario()
    w, s, e, n = canvas.visible_extent()
    assert w <= west and s <= south and e >= east and n >= north
    # and not much more than it in the tighter direction
    assert min((e - w) / (east - west), (n - s) / (north - south)) < 1.2


def test_fit_scenario_leaves_room_for_the_symbols_at_the_north_edge(canvas):
    canvas.session.seek(at("1941-12-25T12:00"))  # the 11th Army HQ stands near the north edge
    canvas.fit_scenario()
    view = canvas.viewbox.mapRectToScene(canvas.viewbox.viewRect())
    lay = canvas.units.layout(canvas.units.screen_transform())
    assert len(lay.boxes)
    tops = lay.boxes[:, 1]
    assert tops.min() >= view.top()  # no symbol is cut by the top of the map


def test_the_basemap_is_drawn_once_per_zoom_and_once_more_for_panning(canvas, qtbot):
    basemap = canvas.basemap

    def settled() -> int:
        canvas.grab()  # paints
        return basemap.renders

    canvas.fit_scenario()
    after_zoom = settled()
    canvas.pan_by(0.01, 0.0)  # the first pan draws the image with its margin
    assert settled() == after_zoom + 1
    for _ in range(3):
        canvas.pan_by(0.01, 0.0)  # later small pans only move it
    assert settled() == after_zoom + 1
    canvas.zoom_by(1.5)
    assert settled() == after_zoom + 2


def test_map_has_the_right_shape_at_this_latitude(canvas):
    """A pixel covers the same distance east-west and north-south."""
    w, s, e, n = canvas.visible_extent()
    lat0 = np.radians((s + n) / 2)
    view = canvas.view.viewport()
    km_x = (e - w) * 111.2 * np.cos(lat0) / view.width()
    km_y = (n - s) * 111.2 / view.height()
    assert km_x == pytest.approx(km_y, rel=0.01)


def test_zoom_pan_and_keys(canvas, qtbot):
    km = canvas.km_per_pixel()
    canvas.zoom_by(2)
    assert canvas.km_per_pixel() == pytest.approx(km / 2)
    w0, s0, e0, _n0 = canvas.visible_extent()
    canvas.pan_by(0.5, 0)
    w1, s1, e1, n1 = canvas.visible_extent()
    assert w1 - w0 == pytest.approx((e0 - w0) / 2)
    assert s1 == pytest.approx(s0)
    canvas.view.setFocus()
    qtbot.keyClick(canvas.view, Qt.Key.Key_Left)  # the window's playback key: the map ignores it
    assert canvas.visible_extent() == pytest.approx((w1, s1, e1, n1))
    qtbot.keyClick(canvas.view, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert canvas.visible_extent()[0] < w1
    qtbot.keyClick(canvas.view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert canvas.visible_extent()[1] > s1
    km = canvas.km_per_pixel()
    qtbot.keyClick(canvas.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.km_per_pixel() < km
    qtbot.keyClick(canvas.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert canvas.km_per_pixel() == pytest.approx(km)


def test_scale_bar_follows_the_zoom(canvas):
    bar = canvas.scale_bar
    km, px = bar.length_km, bar.length_px
    assert str(km).rstrip("0").rstrip(".")[0] in "125"
    assert 50 <= px <= bar.MAX_PX
    assert px * canvas.km_per_pixel() == pytest.approx(km)
    canvas.zoom_by(4)
    assert bar.length_km < km
    assert bar.length_px * canvas.km_per_pixel() == pytest.approx(bar.length_km)


def test_follow_keeps_the_selected_unit_centred(canvas):
    session = canvas.session
    canvas.zoom_by(3)
    session.select({"jp-6-div"})
    session.set_follow(True)
    for when in ("1942-01-02T12:00:00", "1942-01-06T12:00:00"):
        session.seek(at(when))
        i = canvas.scenario.units.index_of("jp-6-div")
        w, s, e, n = canvas.visible_extent()
        state = session.state()
        assert ((s + n) / 2, (w + e) / 2) == pytest.approx((state.lat[i], state.lon[i]), abs=1e-6)
    session.set_follow(False)
    w, s, e, n = canvas.visible_extent()
    session.seek(at("1942-01-09T12:00:00"))
    assert canvas.visible_extent() == pytest.approx((w, s, e, n))


def test_grab_is_a_real_map(canvas):
    canvas.session.seek(at("1942-01-02T12:00:00"))
    img = image_array(canvas)
    assert img.std() > 20
    colours = np.unique(img.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 500
    # friendly (light blue) and hostile (light red) symbol fills are on it
    r, g, b = (img[..., k].astype(int) for k in range(3))
    assert ((abs(r - 128) < 6) & (abs(g - 224) < 6) & (abs(b - 255) < 6)).sum() > 500
    assert ((abs(r - 255) < 6) & (abs(g - 128) < 6) & (abs(b - 128) < 6)).sum() > 200


def test_events_are_shown_while_current(canvas):
    events = canvas.events
    crossing = next(e for e in events.events if e.kind == "river_crossing" and e.end is None)
    canvas.session.seek(crossing.time + 3600)
    assert crossing in [events.events[i] for i in np.flatnonzero(events.current)]
    canvas.session.seek(crossing.time + 13 * 3600)
    assert crossing not in [events.events[i] for i in np.flatnonzero(events.current)]
    spanned = next(e for e in events.events if e.end is not None and e.end - e.time > 24 * 3600)
    canvas.session.seek(spanned.time + (spanned.end - spanned.time) / 2)
    assert spanned in [events.events[i] for i in np.flatnonzero(events.current)]
    canvas.set_layer_visible("events", False)
    assert not events.isVisible()


def test_time_spanned_features_show_only_within_their_span(canvas):
    timed = [f for f in canvas.scenario.features if f.start is not None]
    for when in ("1941-12-20T00:00:00", "1942-01-06T12:00:00", "1942-01-14T00:00:00"):
        t = at(when)
        canvas.session.seek(t)
        expected = [f.start <= t <= f.end for f in timed]
        assert list(canvas.features.active) == expected


def test_weather_chip_shows_the_latest_weather(canvas):
    session = canvas.session
    session.seek(session.scenario.info.start)
    assert canvas.weather.isHidden()
    session.seek(at("1941-12-25T12:00:00"))
    assert not canvas.weather.isHidden()
    assert "snow" in canvas.weather.text.lower() and canvas.weather.kind == "snow"
    session.seek(at("1942-01-09T12:00:00"))
    assert canvas.weather.kind == "clear"
    session.set_name_mode("zh")
    assert "晴" in canvas.weather.text
    canvas.set_layer_visible("weather", False)
    assert canvas.weather.isHidden()


def test_labels_follow_the_name_mode(canvas):
    session = canvas.session
    session.seek(at("1942-01-02T12:00:00"))
    i = canvas.scenario.units.index_of("jp-6-div")
    assert canvas.unit_labels.texts[i] == "6th Div."
    session.set_name_mode("zh")
    assert canvas.unit_labels.texts[i] == "第6師団"
    assert "长沙城" in canvas.places.texts
    session.set_name_mode("both")
    assert canvas.unit_labels.texts[i] == "6th Div. 第6師団"


def test_units_without_a_position_are_not_drawn(qtbot):
    canvas = make_canvas(qtbot, tiny())
    canvas.session.seek(T0 + 3 * HOUR)
    assert "cn-div-b" not in canvas.drawn_unit_ids()  # no keyframes
    assert canvas.folded_into("cn-div-a") == "cn-army"  # a kilometre away: one symbol at this zoom
    assert set(canvas.drawn_unit_ids()) == {"cn-army", "jp-div", "jp-regt"}
    assert canvas.folded_into("cn-div-b") is None  # nothing to fold
    canvas.set_folding(False)
    assert set(canvas.drawn_unit_ids()) == {"cn-army", "cn-div-a", "jp-div", "jp-regt"}
    assert canvas.unit_scene_pos("cn-div-b") is None
    canvas.grab()
    assert [canvas.scenario.units[i].id for i in canvas.unit_labels.shown].count("cn-div-b") == 0


def test_trails_of_the_selected_units(canvas):
    session = canvas.session
    session.seek(at("1942-01-06T12:00:00"))
    assert len(canvas.trails.trail_units) == 0
    session.select({"jp-3-div"})
    i = canvas.scenario.units.index_of("jp-3-div")
    assert list(canvas.trails.trail_units) == [i]
    assert not canvas.trails.boundingRect().isEmpty()


def test_no_scenario_is_an_empty_paper_map_that_says_how_to_open_one(canvas):
    canvas.session.set_scenario(None)
    assert canvas.drawn_unit_ids() == []
    assert canvas.empty_hint.isVisible() and "Open" in canvas.empty_hint.text()
    image = image_array(canvas).astype(int)
    band = image[40:140, 100:-100]  # above the hint, which stands in the middle
    assert np.abs(band - band[0, 0]).max() <= 1
    assert tuple(band[0, 0]) == (244, 241, 234)  # paper
    middle = image[image.shape[0] // 2 - 60 : image.shape[0] // 2 + 60, 100:-100]
    assert np.abs(middle - band[0, 0]).max() > 50  # the words


def test_a_crowded_view_draws_lower_echelons_smaller(qtbot):
    from synthetic import synthetic

    from changsha_replay.ui.map.symbols import DOT, FULL

    canvas = make_canvas(qtbot, synthetic(3000, 5, 10))
    canvas.set_folding(False)  # folded, the regiments would not crowd the view
    canvas.session.seek(canvas.scenario.info.end)
    unit_id = canvas.drawn_unit_ids()[-1]
    canvas.session.select({unit_id})
    canvas.grab()
    units = canvas.units
    idx = np.flatnonzero(units.drawn_mask())
    styles = units.styles(idx)
    assert (styles != FULL).sum() > 1000
    selected = idx == canvas.scenario.units.index_of(unit_id)
    assert styles[selected][0] == FULL  # selected: full size
    # the others: a larger echelon is never drawn smaller than a lower one
    others, ranks = styles[~selected], units.rank[idx][~selected]
    assert all(others[ranks == r].min() >= others[ranks < r].max(initial=0) for r in np.unique(ranks))
    assert not (set(canvas.unit_labels.shown) & set(idx[styles == DOT]))


def test_hovering_reports_the_position_and_shows_the_unit(canvas, qtbot):
    from PySide6.QtWidgets import QToolTip

    canvas.session.seek(at("1942-01-02T12:00:00"))
    unit_id, pos = topmost_unit(canvas)
    i = canvas.scenario.units.index_of(unit_id)
    with qtbot.waitSignal(canvas.cursor_moved) as moved:
        qtbot.mouseMove(canvas.view.viewport(), canvas.view.mapFromScene(pos))
    state = canvas.session.state()
    lat, lon = moved.args
    assert (lat, lon) == pytest.approx((state.lat[i], state.lon[i]), abs=2 * canvas.km_per_pixel() / 111)
    unit = canvas.scenario.units[i]
    qtbot.waitUntil(lambda: unit.name_en in QToolTip.text())
    assert unit.name_zh in QToolTip.text()


def test_a_unit_tooltip_stays_while_the_mouse_rests(canvas, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QHelpEvent, QMouseEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    canvas.session.seek(at("1942-01-02T12:00:00"))
    unit_id, pos = topmost_unit(canvas)
    name = canvas.scenario.units[canvas.scenario.units.index_of(unit_id)].name_en
    viewport = canvas.view.viewport()
    local = canvas.view.mapFromScene(pos)
    away = next(  # a point of the map with nothing on it
        p
        for p in (QPoint(x, y) for x in range(40, viewport.width(), 40) for y in range(40, viewport.height(), 40))
        if canvas.units.unit_at(canvas.view.mapToScene(p)) is None
        and canvas.events.event_at(canvas.view.mapToScene(p)) is None
    )

    def move(point):  # sent straight to the map: QTest's moves are lost after an earlier test's
        move = QMouseEvent(
            QEvent.Type.MouseMove, QPointF(point), QPointF(viewport.mapToGlobal(point)),
            Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
        )
        with qtbot.waitSignal(canvas.cursor_moved):
            QApplication.sendEvent(viewport, move)

    move(local)
    qtbot.waitUntil(lambda: name in QToolTip.text() and QToolTip.isVisible())
    # what Qt sends when the mouse has rested ~0.7 s: QGraphicsView would hide a tooltip its items lack
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, local, viewport.mapToGlobal(local)))
    qtbot.wait(500)  # Qt hides a tooltip 300 ms after it is told to
    assert QToolTip.isVisible() and name in QToolTip.text()
    move(away)  # nothing there: the tooltip goes and is not conjured up again
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, away, viewport.mapToGlobal(away)))
    qtbot.wait(500)
    assert not QToolTip.isVisible()


def test_the_weather_chip_shrinks_to_its_icon_over_units(canvas):
    session = canvas.session
    session.seek(at("1942-01-02T12:00:00"))  # bad weather: the chip shows
    chip = canvas.weather
    assert chip.isVisible() and chip.text
    i = canvas.scenario.units.index_of("jp-11-army")
    state = session.state()
    canvas.center_on(float(state.lat[i]), float(state.lon[i]))
    canvas.grab()
    # move the view until the HQ stands where the chip's title would be
    rect = canvas.viewbox.viewRect()
    target_x, target_y = canvas.width() - chip.full_width() / 2 - 10, 25
    canvas.viewbox.translateBy(
        x=-(target_x - canvas.width() / 2) * rect.width() / canvas.width(),
        y=(target_y - canvas.height() / 2) * rect.height() / canvas.height(),
    )
    canvas.grab()
    assert chip.compact and chip.width() < 50 and chip.toolTip() == chip.text
    canvas.fit_scenario()
    session.seek(at("1942-01-02T12:00:00"))
    canvas.grab()
    from changsha_replay.ui.map.canvas import MARGIN

    boxes = canvas.units.screen_boxes(canvas.units.screen_transform())
    left, right, top, bottom = canvas.width() - chip.full_width() - MARGIN, canvas.width() - MARGIN, MARGIN, MARGIN + 34
    over = ((boxes[:, 0] < right) & (boxes[:, 2] > left) & (boxes[:, 1] < bottom) & (boxes[:, 3] > top)).any()
    assert chip.compact == bool(over)  # the whole chip exactly where it hides nothing
