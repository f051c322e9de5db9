"""Map labels: greedy placement never overlaps, symbols are avoided, the CJK font renders."""

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFontMetricsF, QImage

from changsha_replay.model.times import parse_time
from changsha_replay.resources import default_scenario, resource
from changsha_replay.store import load
from changsha_replay.ui.map import MapCanvas, ensure_fonts
from changsha_replay.ui.map.fonts import label_font
from changsha_replay.ui.map.labels import (
    Coverage,
    TextSprites,
    label_rect_overlaps,
    place_label,
    place_labels,
    short_name,
)
from changsha_replay.ui.session import Session


def overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_greedy_placement_keeps_priority_and_never_overlaps():
    rng = np.random.default_rng(3)
    n = 400
    left = rng.uniform(0, 800, (n, 2)).round()
    top = rng.uniform(0, 500, (n, 2)).round()
    width, height = rng.uniform(20, 90, n), np.full(n, 14.0)
    order = list(rng.permutation(n))
    placed = place_labels(left, top, width, height, order)
    rects = [(left[i, k], top[i, k], width[i], height[i]) for i, k in placed]
    assert label_rect_overlaps(rects) == 0
    assert placed[0] == (order[0], 0)  # the first in priority always gets its first choice
    kept = {i for i, _k in placed}
    assert [i for i in order if i in kept] == [i for i, _k in placed]  # placed in priority order
    for i in set(range(n)) - kept:  # a dropped label clashes with a kept one wherever it could go
        for k in range(2):
            assert any(overlap((left[i, k], top[i, k], width[i], height[i]), r) for r in rects)


def test_coverage_counts_the_symbols_under_a_label_but_not_its_own():
    symbols = np.array([[100, 100, 136, 130], [300, 100, 336, 130]], float)
    coverage = Coverage(symbols, 800, 600)
    labels = np.array([[140, 108, 200, 122], [90, 90, 120, 110], [500, 500, 560, 514], [280, 95, 310, 105]], float)
    counts = coverage.count(labels)
    assert counts[0] == 0 and counts[2] == 0
    assert counts[1] > 0 and counts[3] > 0
    own = np.array([symbols[0], symbols[0], symbols[0], symbols[0]])
    assert coverage.count(labels[:2], own[:2])[1] == 0  # a label over its own symbol only is free


def test_map_abbreviations():
    assert short_name("6th Transport Regiment") == "6th Tpt Regt"
    assert short_name("18th Infantry Regiment") == "18th Inf. Regt"
    assert short_name("19th Army Group") == "19th Army Gp"
    assert short_name("9th War Zone Headquarters") == "9th War Zone HQ"
    assert place_label("Langli ('Lishi' / 'Li City' in the seed)") == "Langli"
    assert place_label("汨罗江（磊石）") == "汨罗江"


@pytest.fixture(scope="module")
def changsha():
    return load(default_scenario())


@pytest.fixture
def canvas(qtbot, changsha):
    canvas = MapCanvas(Session())
    qtbot.addWidget(canvas)
    canvas.resize(1200, 800)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.session.set_scenario(changsha)
    return canvas


@pytest.mark.parametrize("mode", ["en", "zh", "both"])
def test_unit_labels_never_overlap_each_other_or_other_symbols(canvas, mode):
    canvas.session.set_name_mode(mode)
    labels, units = canvas.unit_labels, canvas.units
    seen = 0
    for zoom in (1.0, 3.0):
        canvas.fit_scenario()
        canvas.zoom_by(zoom)
        canvas.center_on(28.3, 113.1)
        for when in ("1941-12-25T12:00:00", "1942-01-02T12:00:00", "1942-01-06T12:00:00", "1942-01-09T12:00:00"):
            canvas.session.seek(parse_time(when + "+08:00"))
            canvas.grab()
            assert label_rect_overlaps(labels.last_rects) == 0
            assert len(labels.shown) >= 6
            seen += len(labels.shown)
            drawn, sx, sy, _styles = units.screen_positions(units.sceneTransform())
            boxes = units.symbol_boxes(drawn, sx, sy)
            for i, (x, y, w, h) in zip(labels.shown, labels.last_rects):
                if labels.featured[i]:  # what the moment is about is named over other symbols if need be
                    continue
                for j, (x0, y0, x1, y1) in zip(drawn, boxes):
                    if j != i:
                        assert not (x < x1 and x0 < x + w and y < y1 and y0 < y + h), (mode, when, i, j)
    assert seen > 100


@pytest.mark.parametrize(
    ("when", "units"),
    [
        ("1942-01-09T12:00:00", ["jp-3-div", "jp-6-div", "cn-20-army", "cn-58-army"]),  # the ring, its event
        ("1942-01-05T12:00:00", ["jp-3-div"]),  # stopped at Dongshan
    ],
)
def test_the_units_of_the_current_events_and_the_encircled_are_labelled(canvas, when, units):
    canvas.session.seek(parse_time(when + "+08:00"))
    phase = canvas.scenario.phases[canvas.session.phase_index]
    canvas.viewbox.setRange(canvas._framed(phase.view), padding=0)  # as the window frames the phase
    canvas.grab()
    labels = canvas.unit_labels
    for unit_id in units:
        i = canvas.scenario.units.index_of(unit_id)
        assert labels.featured[i], unit_id
        if canvas.units.drawn_mask()[i]:  # not folded into a superior at this zoom
            assert i in labels.shown, unit_id
    assert label_rect_overlaps(labels.last_rects) == 0


def test_lower_echelons_are_labelled_only_when_zoomed_in(canvas):
    canvas.session.seek(parse_time("1942-01-05T21:00:00+08:00"))
    i = canvas.scenario.units.index_of("jp-3-div-kato-bn")
    canvas.zoom_by(0.5)
    canvas.grab()
    assert i not in canvas.unit_labels.shown
    lat, lon = canvas.session.state().lat[i], canvas.session.state().lon[i]
    canvas.fit_scenario()
    canvas.zoom_by(16)
    canvas.center_on(float(lat), float(lon))
    canvas.grab()
    assert i in canvas.unit_labels.shown


def test_place_names_keep_clear_of_units_and_their_names(canvas):
    def overlaps(a, b) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    for when in ("1941-12-10T00:00:00+08:00", "1942-01-05T12:00:00+08:00", "1942-01-09T12:00:00+08:00"):
        canvas.session.seek(parse_time(when))
        canvas.fit_scenario()
        canvas.grab()
        places = [(x, y, x + w, y + h) for x, y, w, h in canvas.places.last_rects]
        names = [(x, y, x + w, y + h) for x, y, w, h in canvas.unit_labels.last_rects]
        symbols = canvas.units.screen_boxes(canvas.units.screen_transform())
        assert places and names
        assert not any(overlaps(p, q) for p in places for q in names), when
        assert not any(overlaps(p, box) for p in places for box in symbols.tolist()), when


def test_places_are_decluttered(canvas):
    canvas.grab()
    rects = canvas.places.last_rects
    assert len(rects) > 15
    assert label_rect_overlaps(rects) == 0


def test_the_bundled_cjk_font_renders_chinese(qapp):
    family = ensure_fonts()
    assert family == "WenQuanYi Micro Hei"
    assert ensure_fonts() == family  # registered once
    assert resource("fonts", "wqy-microhei.ttc").is_file()
    assert "Apache" in resource("fonts", "LICENSE-wqy-microhei.txt").read_text(encoding="utf-8")
    font = label_font(12)
    metrics = QFontMetricsF(font)
    text = "第六师团岳麓山"
    assert all(metrics.inFontUcs4(ord(ch)) for ch in text)
    assert metrics.horizontalAdvance(text) > 7 * 8
    sprite = TextSprites(font, QColor("black"))
    image = sprite.pixmap(text).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(image.height(), -1, 4).copy()
    dark = (data[..., 3] > 200) & (data[..., :3].max(axis=2) < 80)
    assert dark.sum() > 100  # glyphs, not empty boxes: many dark pixels
    assert dark.any(axis=0).sum() > metrics.horizontalAdvance(text) * 0.5  # ink across the width


def test_chinese_labels_have_width(canvas):
    canvas.session.set_name_mode("zh")
    labels = canvas.unit_labels
    i = canvas.scenario.units.index_of("cn-9-wz")
    assert labels.texts[i] == "第九战区司令长官部"
    assert labels.width[i] > 9 * 9
    canvas.grab()
    assert len(labels.shown) > 0 and all(w > 10 for _x, _y, w, _h in labels.last_rects)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _named_first(canvas) -> list[str]:
    placed = canvas.key_place_labels.placement(canvas.units.screen_transform())
    return [canvas.places.places[i].id for i, *_rect in placed]


WHEN = ["1941-12-10T00:00:00", "1942-01-02T12:00:00", "1942-01-05T12:00:00", "1942-01-09T12:00:00"]


@pytest.mark.parametrize("when", WHEN)
def test_the_key_places_are_always_named_ahead_of_unit_names(canvas, when):
    canvas.session.seek(parse_time(when + "+08:00"))
    canvas.fit_scenario()
    canvas.grab()
    named = _named_first(canvas)
    assert {"changsha", "yueyang", "xiangtan"} <= set(named), named
    first = [(x, y, x + w, y + h) for x, y, w, h in canvas.key_place_labels.last_rects]
    units = [(x, y, x + w, y + h) for x, y, w, h in canvas.unit_labels.last_rects]
    others = [(x, y, x + w, y + h) for x, y, w, h in canvas.places.last_rects]
    assert not any(_overlaps(a, b) for a in first for b in units + others), when
    assert label_rect_overlaps(canvas.key_place_labels.last_rects) == 0


def test_the_places_of_the_phase_and_of_the_current_events_are_named_first(canvas):
    canvas.session.seek(parse_time("1942-01-02T12:00:00+08:00"))  # Kanda refuses, at Langli
    canvas.fit_scenario()
    canvas.grab()
    assert "langli" in _named_first(canvas)
    canvas.session.seek(parse_time("1942-01-09T12:00:00+08:00"))  # "8. … Fulinpu … Yingzhu Mountain"
    canvas.grab()
    assert {"fulinpu", "yingzhu-mountain"} <= set(_named_first(canvas))
    places = canvas.places
    first = {places.places[i].id for i in np.flatnonzero(places.first)}
    assert {"fulinpu", "yingzhu-mountain", "changsha"} <= first and "langli" not in first


def test_the_key_places_stay_named_zoomed_in(canvas):
    canvas.session.seek(parse_time("1942-01-02T12:00:00+08:00"))
    canvas.fit_scenario()
    canvas.zoom_by(8)
    canvas.center_on(28.198, 112.97)  # the walled city, units all around it
    canvas.grab()
    assert "changsha" in _named_first(canvas)


def test_zoom_stops_at_a_kilometre(canvas):
    from changsha_replay.ui.map.geo import KM_PER_DEGREE

    canvas.fit_scenario()
    for _ in range(40):
        canvas.zoom_by(3)
    rect = canvas.viewbox.viewRect()
    assert min(rect.width(), rect.height()) * KM_PER_DEGREE == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize("size", [(1200, 800), (1600, 400), (500, 900)])
def test_zoom_out_stops_at_twice_the_battle_in_any_window_shape(canvas, qtbot, size):
    canvas.resize(*size)
    qtbot.waitUntil(lambda: abs(canvas.viewbox.width() / canvas.viewbox.height() - size[0] / size[1]) < 0.2)
    x0, y0, x1, y1 = canvas.projection.rect(canvas.scenario.info.extent)
    canvas.fit_scenario()  # the whole battle fits, whatever the shape
    rect = canvas.viewbox.viewRect()
    assert rect.left() <= x0 and rect.right() >= x1 and rect.top() <= y0 and rect.bottom() >= y1
    for _ in range(40):
        canvas.zoom_by(1 / 3)
    rect = canvas.viewbox.viewRect()
    assert rect.width() >= 1.5 * (x1 - x0) or rect.height() >= 1.5 * (y1 - y0)  # it did zoom out …
    fits = min(rect.width() / (x1 - x0), rect.height() / (y1 - y0))
    assert fits <= 2.02  # … until twice the battle fits the window, and no farther


def test_in_a_small_map_the_key_places_come_before_the_phases_and_keep_clear_of_the_overlays(canvas, qtbot):
    canvas.resize(456, 465)
    canvas.session.seek(parse_time("1942-01-05T12:00:00+08:00"))  # phase 6 names places near Changsha
    canvas.fit_scenario()
    canvas.grab()
    assert "changsha" in _named_first(canvas)
    reserved = canvas.unit_labels.reserved
    for x, y, w, h in canvas.key_place_labels.last_rects:
        assert not any(_overlaps((x, y, x + w, y + h), r) for r in reserved.tolist())  # scale bar, weather


def test_another_language_places_the_first_names_again(canvas):
    canvas.session.seek(parse_time("1942-01-02T12:00:00+08:00"))
    canvas.fit_scenario()
    canvas.grab()
    widths = {canvas.places.places[i].id: w for i, _x, _y, w, _h in canvas.key_place_labels._placed[1]}
    canvas.session.set_name_mode("both")
    canvas.grab()
    wider = {canvas.places.places[i].id: w for i, _x, _y, w, _h in canvas.key_place_labels._placed[1]}
    assert wider["changsha"] > widths["changsha"]  # "Changsha 长沙城" is measured, not the old width
