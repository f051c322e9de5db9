"""The annotations layer: each kind drawn where it lies, time spans, attached notes, picking,
handles, previews, and the kept image brought up to date piece by piece."""

import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from changsha_replay.model.records import Annotation
from changsha_replay.ui.map import style
from changsha_replay.ui.map.annotations_layer import AnnotationsLayer, annotation_text, in_span
from changsha_replay.ui.map.geo import KM_PER_DEGREE, Projection

SIZE = (600, 400)
PROJ = Projection.at(28.45)
RED = (208, 0, 0)
HEX = "#d00000"
PAPER = (style.PAPER.red(), style.PAPER.green(), style.PAPER.blue())


class Map:
    """A bare map view (pyqtgraph view and view box, as the canvas has) with the layer in it."""

    def __init__(self, qtbot) -> None:
        self.view = pg.GraphicsView(background=style.PAPER)
        self.box = pg.ViewBox(lockAspect=True, enableMenu=False, defaultPadding=0.0)
        self.view.setCentralItem(self.box)
        qtbot.addWidget(self.view)
        self.view.resize(*SIZE)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.layer = AnnotationsLayer()
        self.box.addItem(self.layer, ignoreBounds=True)
        # lon 112.8–113.2, and as much latitude as the view's shape gives: about 28.33–28.57
        half = 0.4 * PROJ.k * SIZE[1] / SIZE[0] / 2
        self.box.setRange(xRange=(112.8 * PROJ.k, 113.2 * PROJ.k), yRange=(28.45 - half, 28.45 + half), padding=0)

    def set(self, *annotations: Annotation, t: float = 0.0) -> None:
        self.layer.set_annotations(annotations, PROJ)
        self.layer.set_time(t)

    def scene(self, lon: float, lat: float) -> QPointF:
        x, y = PROJ.xy(lat, lon)
        return self.layer.mapToScene(QPointF(float(x), float(y)))

    def px(self, lon: float, lat: float) -> tuple[int, int]:
        p = self.view.mapFromScene(self.scene(lon, lat))
        return p.x(), p.y()

    def rgb(self) -> np.ndarray:
        image = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
        rows = data.reshape(image.height(), image.bytesPerLine())[:, : 3 * image.width()]
        return rows.reshape(image.height(), image.width(), 3).astype(int)


@pytest.fixture
def m(qtbot):
    return Map(qtbot)


def near(rgb: np.ndarray, at: tuple[float, float], radius: int, colour=RED, tol: int = 40) -> int:
    """How many pixels within ``radius`` px of ``at`` are of (nearly) a colour."""
    x, y = round(at[0]), round(at[1])
    patch = rgb[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
    return int((np.abs(patch - colour).sum(axis=2) <= tol).sum())


def tinted(rgb: np.ndarray, at: tuple[float, float]) -> bool:
    """Whether the pixel at ``at`` is the paper tinted towards red (a translucent red fill)."""
    r, g, _b = rgb[round(at[1]), round(at[0])]
    return r > g + 15 and g < PAPER[1] - 15


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def line(*coords):
    return {"type": "LineString", "coordinates": [list(c) for c in coords]}


def polygon(*coords):
    ring = [list(c) for c in coords]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def ann(id_, kind, geometry, **kw) -> Annotation:
    kw.setdefault("colour", HEX)
    return Annotation(id_, kind, geometry, **kw)


SQUARE = ((112.9, 28.4), (113.0, 28.4), (113.0, 28.5), (112.9, 28.5))
EXAMPLES = {
    "note": ann("n", "note", point(113.0, 28.45), text="Hold the bridge"),
    "label": ann("l", "label", point(113.0, 28.45), text="XINQIANG RIVER"),
    "arrow": ann("a", "arrow", line((112.9, 28.45), (113.1, 28.45)), width=3),
    "line": ann("i", "line", line((112.9, 28.45), (113.1, 28.45))),
    "freehand": ann("f", "freehand", line(*[(112.9 + 0.002 * k, 28.45 + 0.01 * math.sin(k / 8)) for k in range(101)])),
    "area": ann("r", "area", polygon(*SQUARE)),
    "rectangle": ann("e", "rectangle", polygon(*SQUARE)),
    "circle": ann("c", "circle", point(113.0, 28.45), radius_km=5.0),
}


# -- pure helpers ---------------------------------------------------------------------------


def test_spans_include_their_start_and_exclude_their_end_unless_an_instant():
    starts = np.array([10.0, -math.inf, 10.0, 30.0])
    ends = np.array([20.0, math.inf, math.inf, 30.0])
    assert in_span(starts, ends, 5.0).tolist() == [False, True, False, False]
    assert in_span(starts, ends, 10.0).tolist() == [True, True, True, False]
    assert in_span(starts, ends, 20.0).tolist() == [False, True, True, False]
    assert in_span(starts, ends, 30.0).tolist() == [False, True, True, True]


def test_texts_follow_the_name_mode_and_fall_back():
    both = ann("x", "note", point(113, 28.4), text="Bridge", text_zh="桥")
    assert [annotation_text(both, m) for m in ("en", "zh", "both")] == ["Bridge", "桥", "Bridge\n桥"]
    english = both._replace(text_zh="")
    chinese = both._replace(text="")
    assert [annotation_text(english, m) for m in ("en", "zh", "both")] == ["Bridge"] * 3
    assert [annotation_text(chinese, m) for m in ("en", "zh", "both")] == ["桥"] * 3


# -- drawing --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_each_kind_is_drawn_where_it_lies(m, kind):
    a = EXAMPLES[kind]
    m.set(a)
    rgb = m.rgb()
    assert m.layer.drawn_ids() == [a.id]
    assert near(rgb, m.px(112.83, 28.36), 12) == 0  # empty map stays empty
    if kind == "note":
        pin = m.px(113.0, 28.45)
        assert near(rgb, pin, 3) >= 8  # the pin
        assert near(rgb, (pin[0] + 30, pin[1] - 30), 40, tol=60) >= 20  # the box's border, up and right
        assert near(rgb, (pin[0] - 40, pin[1] + 40), 25) == 0
    elif kind == "label":
        assert near(rgb, m.px(113.0, 28.45), 25, tol=90) >= 30  # red letters around the point
    elif kind in ("arrow", "line"):
        assert near(rgb, m.px(113.0, 28.45), 3) >= 8
        assert near(rgb, m.px(113.0, 28.55), 6) == 0
    elif kind == "freehand":
        x, y = PROJ.xy(28.45 + 0.01 * math.sin(50 / 8), 113.0)
        assert near(rgb, m.view.mapFromScene(m.layer.mapToScene(QPointF(float(x), float(y)))).toTuple(), 3) >= 5
    elif kind in ("area", "rectangle"):
        assert near(rgb, m.px(112.95, 28.4), 3) >= 4  # the outline, on the south edge
        assert tinted(rgb, m.px(112.95, 28.45))  # the fill
        assert not tinted(rgb, m.px(112.85, 28.45))
    elif kind == "circle":
        east = 5.0 / KM_PER_DEGREE / PROJ.k  # degrees of longitude to the radius
        assert near(rgb, m.px(113.0 + east, 28.45), 3) >= 4  # the outline
        assert tinted(rgb, m.px(113.0 + east / 2, 28.45))
        assert not tinted(rgb, m.px(113.0 + 1.5 * east, 28.45))


def test_arrowheads_are_drawn_at_the_ends_asked_for(m):
    base = EXAMPLES["arrow"]

    def heads(arrowhead):
        m.set(base._replace(arrowhead=arrowhead))
        rgb = m.rgb()
        # the head is wider than the body: red pixels 5–7 px off the line, 18 px from each end
        start, end = m.px(112.9, 28.45), m.px(113.1, 28.45)
        sides = ((start[0] + 18, start[1]), (end[0] - 18, end[1]))
        return [near(rgb, (x, y - 6), 1) + near(rgb, (x, y + 6), 1) for x, y in sides]

    assert heads("none") == [0, 0]
    start, end = heads("end")
    assert start == 0 and end > 0
    start, end = heads("both")
    assert start > 0 and end > 0


def test_areas_are_hatched_when_asked(m):
    plain = EXAMPLES["area"]._replace(fill_opacity=0.0)
    m.set(plain)
    inside = (*m.px(112.93, 28.47), 6)
    assert near(m.rgb(), inside[:2], 6, tol=200) == 0
    m.set(plain._replace(hatch=True))
    assert near(m.rgb(), inside[:2], 6, tol=200) >= 10  # diagonal red lines


def test_dashed_lines_have_gaps(m):
    solid = EXAMPLES["line"]._replace(width=2.0)
    m.set(solid)
    a, b = m.px(112.92, 28.45), m.px(113.08, 28.45)
    row = m.rgb()[a[1], a[0] : b[0]]
    assert (np.abs(row - RED).sum(axis=1) <= 60).all()
    m.set(solid._replace(dash="dash"))
    row = m.rgb()[a[1], a[0] : b[0]]
    red = np.abs(row - RED).sum(axis=1) <= 60
    assert 0.4 < red.mean() < 0.8


def test_out_of_span_hidden_and_faint_while_editing(m):
    a = EXAMPLES["line"]._replace(start=10.0, end=20.0)
    m.set(a, t=5.0)
    mid = m.px(113.0, 28.45)
    assert m.layer.drawn_ids() == [] and near(m.rgb(), mid, 4, tol=250) == 0
    m.layer.set_time(10.0)
    assert m.layer.drawn_ids() == ["i"] and near(m.rgb(), mid, 3) >= 8
    m.layer.set_time(20.0)  # the end is not in the span
    assert m.layer.drawn_ids() == [] and near(m.rgb(), mid, 4, tol=250) == 0
    m.layer.set_editing(True)
    assert m.layer.drawn_ids() == ["i"] and m.layer.faint_ids() == ["i"]
    rgb = m.rgb()
    assert near(rgb, mid, 3) == 0  # not red, but a pale red
    pale = rgb[mid[1] - 1 : mid[1] + 2, mid[0]]
    assert any(r > g + 30 and g > 150 for r, g, _b in pale)
    m.layer.set_time(15.0)
    assert m.layer.faint_ids() == [] and near(m.rgb(), mid, 3) >= 8
    instant = a._replace(start=30.0, end=30.0)
    m.layer.set_editing(False)
    m.set(instant, t=30.0)
    assert m.layer.drawn_ids() == ["i"]


def test_a_note_attached_to_a_unit_follows_it(m):
    note = EXAMPLES["note"]._replace(unit_id="u2")
    m.set(note)
    own = m.px(113.0, 28.45)
    index = {"u1": 0, "u2": 1}
    x, y = PROJ.xy(np.array([28.5, 28.35]), np.array([112.9, 112.9]))
    m.layer.set_unit_positions(x, y, index)
    unit = m.px(112.9, 28.35)
    rgb = m.rgb()
    assert near(rgb, unit, 2) >= 4 and near(rgb, own, 2) == 0
    x = x + 0.05 * PROJ.k  # the unit moves 0.05° east
    m.layer.set_unit_positions(x, y, index)
    rgb = m.rgb()
    assert near(rgb, m.px(112.95, 28.35), 2) >= 4 and near(rgb, unit, 2) == 0
    assert m.layer.annotation_at(m.scene(112.95, 28.35)) == "n"
    m.layer.set_unit_positions(np.array([0.0, np.nan]), np.array([0.0, np.nan]), index)  # no position: its own
    rgb = m.rgb()
    assert near(rgb, own, 2) >= 4 and near(rgb, m.px(112.95, 28.35), 2) == 0


def test_name_mode_chooses_the_text(m):
    label = EXAMPLES["label"]._replace(text="Bridge", text_zh="桥梁与渡口")
    m.set(label)

    def width():
        rgb = m.rgb()
        red = np.abs(rgb - RED).sum(axis=2) <= 90
        cols = np.flatnonzero(red.any(axis=0))
        return cols.max() - cols.min() if len(cols) else 0

    english = width()
    m.layer.set_name_mode("zh")
    chinese = width()
    m.layer.set_name_mode("both")
    both = width()
    assert english > 20 and chinese > 20 and chinese != english and both >= max(english, chinese)


# -- picking --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_annotation_at_finds_each_kind_and_misses_the_empty_map(m, kind):
    a = EXAMPLES[kind]
    m.set(a)
    on = {
        "note": m.scene(113.0, 28.45) + QPointF(30, -22),  # in its text box
        "label": m.scene(113.0, 28.45) + QPointF(0, 3),
        "arrow": m.scene(113.0, 28.45) + QPointF(0, 4),  # beside the line, within the tolerance
        "line": m.scene(113.0, 28.45) + QPointF(0, 4),
        "freehand": m.scene(113.0, 28.45 + 0.01 * math.sin(50 / 8)),
        "area": m.scene(112.95, 28.45),  # inside
        "rectangle": m.scene(112.95, 28.45),
        "circle": m.scene(113.0, 28.45) + QPointF(10, 5),
    }[kind]
    assert m.layer.annotation_at(on) == a.id
    assert m.layer.annotation_at(m.scene(112.83, 28.36)) is None
    if kind in ("arrow", "line"):
        assert m.layer.annotation_at(m.scene(113.0, 28.45) + QPointF(0, 14)) is None
    m.layer.set_time(1.0)
    hidden = a._replace(start=5.0)
    m.set(hidden, t=1.0)
    assert m.layer.annotation_at(on) is None  # not drawn, not found
    m.layer.set_editing(True)
    assert m.layer.annotation_at(on) == a.id


def test_the_topmost_is_picked(m):
    area = EXAMPLES["area"]
    inner = EXAMPLES["line"]._replace(id="inner", geometry=line((112.92, 28.45), (112.98, 28.45)))
    note = EXAMPLES["note"]._replace(geometry=point(112.95, 28.44))
    m.set(note, inner, area)  # areas lie under lines, lines under notes, whatever the order
    assert m.layer.annotation_at(m.scene(112.95, 28.45)) == "inner"
    assert m.layer.annotation_at(m.scene(112.91, 28.41)) == "r"
    assert m.layer.annotation_at(m.scene(112.95, 28.44) + QPointF(20, -20)) == "n"


def test_handles_of_the_selected_polygon(m):
    area = EXAMPLES["area"]
    m.set(area)
    corner = m.scene(*SQUARE[2])
    assert m.layer.handle_at(corner) is None  # nothing selected
    m.layer.set_selected("r")
    assert len(m.layer.handle_positions()) == 4  # the closing repeat has no handle of its own
    for k, c in enumerate(SQUARE):
        assert m.layer.handle_at(m.scene(*c) + QPointF(3, -3)) == k
    assert m.layer.handle_at(m.scene(112.95, 28.45)) is None
    rgb = m.rgb()
    x, y = m.view.mapFromScene(corner).toTuple()
    assert near(rgb, (x, y), 5, colour=(255, 255, 255), tol=6) >= 6  # a white square with a blue border
    assert near(rgb, (x, y), 5, colour=(37, 99, 235), tol=60) >= 8
    m.layer.set_selected(None)
    assert m.layer.handle_at(corner) is None


def test_handles_of_a_circle_and_a_line(m):
    circle, arrow = EXAMPLES["circle"], EXAMPLES["arrow"]
    m.set(circle, arrow)
    m.layer.set_selected("c")
    east = 5.0 / KM_PER_DEGREE / PROJ.k
    assert m.layer.handle_at(m.scene(113.0, 28.45)) == 0
    assert m.layer.handle_at(m.scene(113.0 + east, 28.45)) == 1
    m.layer.set_selected("a")
    assert m.layer.handle_at(m.scene(112.9, 28.45)) == 0
    assert m.layer.handle_at(m.scene(113.1, 28.45)) == 1


def test_a_preview_replaces_the_stored_annotation(m):
    stored = EXAMPLES["line"]
    m.set(stored)
    here, there = m.px(113.0, 28.45), m.px(113.0, 28.55)
    moved = stored._replace(geometry=line((112.9, 28.55), (113.1, 28.55)))
    m.layer.set_preview(moved)
    rgb = m.rgb()
    assert near(rgb, there, 3, tol=80) >= 5 and near(rgb, here, 4, tol=250) == 0
    assert m.layer.annotation_at(m.scene(113.0, 28.55)) == "i"
    assert m.layer.annotation_at(m.scene(113.0, 28.45)) is None
    m.layer.set_preview(None)
    rgb = m.rgb()
    assert near(rgb, here, 3) >= 8 and near(rgb, there, 4, tol=250) == 0
    # a drawing in progress (a new id) is drawn over the stored ones
    drawing = ann("new", "arrow", line((112.85, 28.35), (112.95, 28.35)), colour="#0040d0")
    m.layer.set_preview(drawing)
    rgb = m.rgb()
    assert near(rgb, m.px(112.9, 28.35), 3, colour=(0, 64, 208)) >= 8 and near(rgb, here, 3) >= 8
    assert m.layer.drawn_ids() == ["i"]


# -- the kept image -------------------------------------------------------------------------


def scatter(n: int, seed: int = 3) -> list[Annotation]:
    """Annotations of every kind at random places and spans (0–100 s)."""
    rng = np.random.default_rng(seed)
    kinds = list(EXAMPLES)
    out = []
    for i in range(n):
        base = EXAMPLES[kinds[i % len(kinds)]]
        lon, lat = rng.uniform(112.85, 113.15), rng.uniform(28.33, 28.57)
        dx, dy = lon - 113.0, lat - 28.45
        geometry = dict(base.geometry)
        coords = np.array(geometry["coordinates"], dtype=float)
        geometry["coordinates"] = (coords + np.array([dx, dy])).tolist()
        start = float(rng.uniform(0, 80))
        out.append(
            base._replace(
                id=f"x{i}",
                geometry=geometry,
                colour=["#d00000", "#0040d0", "#00a000", "#8000c0"][i % 4],
                start=start,
                end=start + float(rng.uniform(5, 30)),
                text=base.text or ("" if i % 3 else f"T{i}"),
            )
        )
    return out


def test_the_kept_image_brought_up_to_date_matches_one_drawn_afresh(m):
    items = scatter(40)
    m.set(*items, t=10.0)
    m.rgb()
    layer = m.layer
    renders = layer.renders
    for t in (12.0, 15.0, 18.0, 21.0, 24.0):
        layer.set_time(t)
        m.rgb()
    layer.set_selected("x3")
    m.rgb()
    layer.set_editing(True)
    m.rgb()
    layer.set_editing(False)
    m.rgb()
    edited = [items[5]._replace(colour="#00a000", start=0.0, end=None), *items[:5], *items[6:30]]
    layer.update_annotations(edited, {"x5"})
    assert layer._marks[1].ann is items[0]
    layer.set_time(27.0)
    kept = m.rgb()
    assert layer.partial_renders >= 5 and layer.renders - renders <= 2  # parts, not the whole, were redrawn
    layer.invalidate()
    fresh = m.rgb()
    assert layer.renders > renders
    assert np.abs(kept - fresh).max() <= 2


def test_an_edit_in_place_keeps_the_image_as_one_drawn_afresh(m):
    """Same ids in the same order (the common edit): only the changed rows are rebuilt, also
    when one changes layer (a line made an area) or span."""
    items = scatter(30)
    m.set(*items, t=20.0)
    m.rgb()
    layer = m.layer
    kept_marks = list(layer._marks)
    area = EXAMPLES["area"].geometry
    edited = list(items)
    edited[4] = items[4]._replace(kind="area", geometry=area, colour="#00a000", start=0.0, end=None)
    edited[7] = items[7]._replace(colour="#8000c0", start=None, end=None, text="moved on")
    layer.update_annotations(edited, {items[4].id, items[7].id})
    assert [mk is old for mk, old in zip(layer._marks, kept_marks)].count(False) == 2
    order, active = layer._order.copy(), layer.active.copy()
    kept = m.rgb()
    layer.set_annotations(edited, layer.projection)  # everything rebuilt
    assert np.array_equal(layer._order, order) and np.array_equal(layer.active, active)
    assert np.abs(kept - m.rgb()).max() <= 2


def test_a_shorter_text_leaves_nothing_of_the_longer_one(m):
    long = EXAMPLES["note"]._replace(id="n1", text="A long note that reaches well beyond the short one", start=None)
    m.set(long, EXAMPLES["arrow"]._replace(start=None))
    m.rgb()
    layer = m.layer
    layer.update_annotations([long._replace(text="x"), EXAMPLES["arrow"]._replace(start=None)], {"n1"})
    kept = m.rgb()
    layer.invalidate()
    assert np.abs(kept.astype(int) - m.rgb().astype(int)).max() <= 2  # the old text's pixels are gone


def test_update_annotations_rebuilds_only_what_changed(m):
    items = scatter(8)
    items = [a._replace(start=None, end=None) for a in items]
    m.set(*items)
    m.rgb()
    marks = {mk.ann.id: mk for mk in m.layer._marks}
    moved = items[2]._replace(geometry=line((112.86, 28.56), (112.9, 28.56)))
    m.layer.update_annotations([items[0], moved, *items[3:]], {items[2].id})
    after = {mk.ann.id: mk for mk in m.layer._marks}
    assert items[1].id not in after  # removed
    assert after[items[0].id] is marks[items[0].id] and after[items[3].id] is marks[items[3].id]
    assert after[items[2].id] is not marks[items[2].id]
    rgb = m.rgb()
    assert near(rgb, m.px(112.88, 28.56), 2, colour=(0, 160, 0), tol=60) + near(rgb, m.px(112.88, 28.56), 2) >= 4


def test_panning_past_the_margin_draws_the_uncovered_part(m):
    far = EXAMPLES["line"]._replace(geometry=line((113.4, 28.45), (113.5, 28.45)))
    m.set(EXAMPLES["line"], far)
    m.rgb()
    m.box.translateBy(x=0.5 * PROJ.k)  # half a degree east: the far line comes into view
    rgb = m.rgb()
    assert near(rgb, m.px(113.45, 28.45), 3) >= 8
    assert m.layer.partial_renders >= 1


def test_a_slow_image_waits_for_the_zoom_to_settle(m, qtbot):
    m.set(EXAMPLES["area"], EXAMPLES["line"])
    m.rgb()
    renders = m.layer.renders
    m.layer._render_seconds = 1.0  # as if drawing it took a second
    m.box.scaleBy((0.8, 0.8))
    rgb = m.rgb()
    assert m.layer.renders == renders  # the old image, scaled
    assert near(rgb, m.px(113.0, 28.45), 4, tol=80) >= 4
    qtbot.waitUntil(lambda: m.layer.renders > renders, timeout=3000)
