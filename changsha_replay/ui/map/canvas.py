"""The map canvas: basemap, units, labels, events and overlays of the session's scenario."""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QLabel, QToolTip, QVBoxLayout, QWidget

import pyqtgraph as pg  # isort: skip  (after PySide6, so pyqtgraph binds to it)

from ...model import Scenario, vocab
from ...model.featured import FeaturedUnits
from ..names import bilingual
from ..session import Session
from . import style
from .annotation_editor import AnnotationEditor
from .basemap import BasemapItem, KeyPlaceLabelsItem, LakesLayer, PlaceLabelsItem, PlacesLayer, RiversLayer, covered
from .events_layer import EventsLayer
from .features_layer import FeaturesLayer
from .fonts import ensure_fonts, label_font
from .framing import Framing
from .geo import KM_PER_DEGREE, Projection
from .labels import TextSprites, UnitLabelsLayer, short_name
from .scale_bar import ScaleBar
from .sheet_cache import SheetCache
from .tooltips import event_tooltip, unit_tooltip
from .trails import TrailsLayer
from .units_layer import UnitsLayer
from .weather import WeatherChip, weather_kind

LAYER_NAMES = ("rivers", "lakes", "places", "unit_labels", "trails", "events", "features", "weather", "annotations")
_Z = {
    "basemap": 0,
    "trails": 1,
    "place_labels": 1.5,
    "units": 2,
    "events": 3,
    "annotations": 3.5,
    "key_place_labels": 3.8,
    "unit_labels": 4,
}
_STATIC = ("lakes", "rivers", "features", "places")  # drawn in this order into the basemap image
_DEFAULT_EXTENT = (112.5, 27.8, 113.8, 29.5)
EMPTY_HINT = (
    "No scenario is open.\n\nFile → Open… (Ctrl+O) opens a scenario file; File → Open Recent one you had;"
    " File → Open the Bundled Scenario the Third Battle of Changsha."
)
MIN_VIEW_KM = 1.0  # the closest zoom: about this much map across the view's narrower side
_FIT_HEADROOM_PX = 44  # above the north edge of a fitted view
MARGIN = 12  # px between the overlays and the map's edges


class MapCanvas(QWidget):
    """A geographic map of the scenario that follows the session (time, selection, names).

    Plot coordinates are an equirectangular projection (``geo.Projection``): x = lon·cos(lat0),
    y = lat, with the aspect locked at 1, so the map has the right shape at this latitude.

    Units fold by zoom: a subordinate whose symbol would overlap its superior's is drawn as part
    of it (a "+n" badge on the superior), so a zoomed-out map shows armies rather than a heap of
    divisions, and zooming in separates them again (see ``folding``). What is drawn, labelled,
    picked and listed by :meth:`drawn_unit_ids` is always the same set of units.
    """

    cursor_moved = Signal(float, float)  # lat, lon under the mouse
    unit_clicked = Signal(str)
    unit_activated = Signal(str)  # double click

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ensure_fonts()
        self.session = session
        self.scenario: Scenario | None = None
        self.projection = Projection.for_extent(_DEFAULT_EXTENT)
        self.hidden_branches: frozenset[str] = frozenset()
        self._index: dict[str, int] = {}
        self._branch = np.zeros(0, dtype=object)
        self._x = np.zeros(0)
        self._side = np.zeros(0, np.int64)
        self._parent = np.zeros(0, np.int64)  # index of each unit's superior, -1 for none
        self._hover: object = None
        self._dpr = 0.0

        self.view = pg.GraphicsView(background=style.PAPER)
        self.view.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)  # the basemap image covers it
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewbox = pg.ViewBox(lockAspect=True, enableMenu=False, defaultPadding=0.0)
        self.viewbox.setMouseEnabled(True, True)
        self.viewbox.setLimits(minXRange=0.004, maxXRange=40.0, minYRange=0.004, maxYRange=40.0)
        # the view box fills the view, so clipping its children to it is wasted work on every frame
        self.viewbox.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, False)
        self.view.setCentralItem(self.viewbox)
        self.framing = Framing(self.viewbox, self)
        self._limit_extent: tuple[float, float, float, float] | None = None
        self._featured: FeaturedUnits | None = None  # the units the moment is about, named first
        self.viewbox.sigResized.connect(lambda _vb: self._limit_zoom())
        self.frame_phases = False  # move to each phase's view when the phase changes (View menu)
        self._framed_phase: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.setFocusProxy(self.view)

        self.lakes = LakesLayer()
        self.rivers = RiversLayer()
        self.features = FeaturesLayer()
        self.places = PlacesLayer()
        self._static = {"lakes": self.lakes, "rivers": self.rivers, "features": self.features, "places": self.places}
        self.basemap = BasemapItem([self._static[name] for name in _STATIC])
        self.trails = TrailsLayer()
        self.events = EventsLayer()
        self.units = UnitsLayer()
        self.unit_labels = UnitLabelsLayer()
        self.unit_labels.units = self.units
        self.key_place_labels = KeyPlaceLabelsItem(self.places, self.units, self.unit_labels)
        self.place_labels = PlaceLabelsItem(self.places, self.units, self.unit_labels, self.key_place_labels)
        self.annotator = AnnotationEditor(session, self.view, self.viewbox, lambda: self.projection, self.unit_at)
        self.annotations = self.annotator.layer
        self.unit_labels.obstacles = self._label_obstacles  # unit names keep clear of these
        self._obstacles: tuple[tuple[int, int], np.ndarray] | None = None
        self._items = {
            "basemap": self.basemap,
            "trails": self.trails,
            "place_labels": self.place_labels,
            "key_place_labels": self.key_place_labels,
            "units": self.units,
            "events": self.events,
            "annotations": self.annotations,
            "unit_labels": self.unit_labels,
        }
        for name, item in self._items.items():
            item.setZValue(_Z[name])
            self.viewbox.addItem(item, ignoreBounds=True)
        self.scale_bar = ScaleBar(self)
        self.weather = WeatherChip(self)
        self.empty_hint = QLabel(EMPTY_HINT, self)  # what to do in a window with no scenario
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("#emptyHint { color: #57534e; font-size: 15px; }")
        self._weather_events: list = []
        self._weather_times = np.zeros(0)
        self._layer_visible = dict.fromkeys(LAYER_NAMES, True)

        self.viewbox.sigRangeChanged.connect(self._on_view_changed)
        self.viewbox.sigTransformChanged.connect(self._on_view_changed)
        scene = self.view.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        self.view.installEventFilter(self)
        self.view.viewport().installEventFilter(self)  # its resting-mouse ToolTip event, below
        session.scenario_changed.connect(self._on_scenario_changed)
        session.time_changed.connect(self._on_time_changed)
        session.selection_changed.connect(self._on_selection_changed)
        session.name_mode_changed.connect(self._on_name_mode_changed)
        session.follow_changed.connect(self._on_follow_changed)
        session.phase_changed.connect(self._on_phase_changed)
        session.edited.connect(self._on_edited)
        self._on_scenario_changed()

    # -- public API ----------------------------------------------------------------------
    @staticmethod
    def layer_names() -> tuple[str, ...]:
        return LAYER_NAMES

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name not in LAYER_NAMES:
            raise KeyError(name)
        self._layer_visible[name] = visible
        if name == "weather":
            self.weather.setProperty("layer_hidden", not visible)
            self.weather.setVisible(visible and bool(self.weather.text))
            self._place_overlays()
            return
        if name in self._static:
            self._static[name].visible = visible
            self.basemap.invalidate()
            self.place_labels.update()
            self.key_place_labels.update()
            return
        self._items[name].setVisible(visible)
        if name == "trails" and visible:
            self._update_trails()

    def is_layer_visible(self, name: str) -> bool:
        return self._layer_visible[name]

    def set_hidden_branches(self, branches: frozenset[str]) -> None:
        """Units of these branches (``vocab.BRANCHES``) are not drawn."""
        self.hidden_branches = frozenset(branches)
        self.units.set_branch_hidden(np.isin(self._branch, list(self.hidden_branches)))
        self.unit_labels.invalidate()
        self._update_trails()

    def center_on(self, lat: float, lon: float) -> None:
        """Move the view so that (lat, lon) is in its centre, keeping the zoom."""
        self.framing.finish()
        x, y = self.projection.xy(lat, lon)
        centre = self.viewbox.viewRect().center()
        self.viewbox.translateBy(x=float(x) - centre.x(), y=float(y) - centre.y())

    def fit_scenario(self) -> None:
        """Show the scenario's extent, with room above its north edge for a symbol standing there
        (symbols rise above their position: echelon marks, HQ staffs)."""
        self.framing.stop()
        extent = self.scenario.info.extent if self.scenario is not None else _DEFAULT_EXTENT
        self.viewbox.setRange(self._framed(extent), padding=0)

    def _framed(self, extent: tuple[float, float, float, float]) -> QRectF:
        """The plot rectangle that shows ``extent`` (west, south, east, north) with a margin and
        room above its north edge."""
        x0, y0, x1, y1 = self.projection.rect(extent)
        height_px = self.viewbox.height()
        headroom = (y1 - y0) * _FIT_HEADROOM_PX / max(height_px - _FIT_HEADROOM_PX, 1) if height_px > 0 else 0.0
        rect = QRectF(x0, y0, x1 - x0, y1 - y0 + headroom)
        pad_x, pad_y = 0.03 * rect.width(), 0.03 * rect.height()
        return rect.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def set_frame_phases(self, on: bool) -> None:
        """Frame each phase's view when the phase changes (and the current one now)."""
        self.frame_phases = on
        self._framed_phase = None
        if on and self.session.clock is not None:
            self._on_phase_changed(self.session.phase_index)
        elif not on:
            self.framing.stop()

    def _on_phase_changed(self, index: int, animate: bool = True) -> None:
        if index == self._framed_phase:
            return
        self._framed_phase = index
        scenario = self.scenario
        if not self.frame_phases or scenario is None or self.session.follow or not 0 <= index < len(scenario.phases):
            return
        view = scenario.phases[index].view
        if view is not None:
            self.framing.move_to(self._framed(view), animate=animate and self.isVisible())

    def _limit_zoom(self, extent: tuple[float, float, float, float] | None = None) -> None:
        """Zoom in to about 1 km across at most (closer shows an empty map), out to twice the
        scenario's extent (farther shows a blob). Twice in the window's shape: a wide window may
        show more of the east-west axis than twice the extent's width, as the fit needs it to, and
        the limits follow the window when it is resized."""
        if extent is not None:
            self._limit_extent = extent
        elif self._limit_extent is None:
            return
        x0, y0, x1, y1 = self.projection.rect(self._limit_extent)
        km = MIN_VIEW_KM / KM_PER_DEGREE
        width, height = max(x1 - x0, km), max(y1 - y0, km)
        aspect = max(self.viewbox.width(), 1.0) / max(self.viewbox.height(), 1.0)  # pixels wide per pixel high
        across = 2 * max(width, height * aspect)
        self.viewbox.setLimits(minXRange=km, minYRange=km, maxXRange=across, maxYRange=across / aspect)

    def zoom_by(self, factor: float) -> None:
        """Zoom in (factor > 1) or out (factor < 1) about the centre of the view."""
        self.framing.finish()
        if factor > 0:
            self.viewbox.scaleBy((1.0 / factor, 1.0 / factor), center=self.viewbox.viewRect().center())

    def pan_by(self, dx_fraction: float, dy_fraction: float) -> None:
        """Move the view by fractions of its size: +dx looks east, +dy looks north."""
        self.framing.finish()
        rect = self.viewbox.viewRect()
        self.viewbox.translateBy(x=dx_fraction * rect.width(), y=dy_fraction * rect.height())

    def visible_extent(self) -> tuple[float, float, float, float]:
        """The map shown, as (west, south, east, north) in degrees."""
        rect = self.viewbox.viewRect()
        south, west = self.projection.latlon(rect.left(), rect.top())
        north, east = self.projection.latlon(rect.right(), rect.bottom())
        return float(west), float(min(south, north)), float(east), float(max(south, north))

    def km_per_pixel(self) -> float:
        return float(self.viewbox.viewPixelSize()[0]) * KM_PER_DEGREE

    def unit_at(self, scene_pos: QPointF) -> str | None:
        """Id of the unit whose symbol is under a scene position (the topmost one)."""
        i = self.units.unit_at(scene_pos)
        return None if i is None or self.scenario is None else self.scenario.units[i].id

    def unit_scene_pos(self, unit_id: str) -> QPointF | None:
        """Scene position of a unit (its symbol's anchor, unless the symbol is nudged clear of
        others or folded into a superior's), or None when it has no position."""
        i = self._index.get(unit_id)
        if i is None or not np.isfinite(self.units.x[i]):
            return None
        return self.units.sceneTransform().map(QPointF(float(self.units.x[i]), float(self.units.y[i])))

    def unit_symbol_center(self, unit_id: str) -> QPointF | None:
        """Scene position of the centre of a unit's symbol as drawn now (moved clear of others
        where it had to be), or None when it is not drawn (no position, hidden or folded)."""
        i = self._index.get(unit_id)
        if i is None:
            return None
        lay = self.units.layout(self.units.screen_transform())
        found = np.flatnonzero(lay.idx == i)
        if not len(found):
            return None
        x0, y0, x1, y1 = (float(v) for v in lay.boxes[found[-1]])
        return QPointF((x0 + x1) / 2, (y0 + y1) / 2)

    def drawn_unit_ids(self) -> list[str]:
        """Ids of the units drawn (a position, branch shown, not folded into a superior at this
        zoom), wherever the view is."""
        if self.scenario is None:
            return []
        return [self.scenario.units[i].id for i in np.flatnonzero(self.units.drawn_mask())]

    def set_folding(self, on: bool) -> None:
        """Fold subordinates into their superior's symbol where they would overlap it (the default)."""
        self.units.set_folding(on)
        self.unit_labels.invalidate()

    def folded_into(self, unit_id: str) -> str | None:
        """Id of the drawn superior a unit is folded into at this zoom, or None when it is not folded."""
        i = self._index.get(unit_id)
        if i is None or self.scenario is None:
            return None
        into = int(self.units.folded_into()[i])
        return self.scenario.units[into].id if into >= 0 else None

    def folded_unit_ids(self, unit_id: str) -> list[str]:
        """Ids of the subordinates folded into a unit's symbol at this zoom (its "+n" badge)."""
        i = self._index.get(unit_id)
        if i is None or self.scenario is None:
            return []
        return [self.scenario.units[k].id for k in np.flatnonzero(self.units.folded_into() == i)]

    # -- scenario ------------------------------------------------------------------------
    def _on_scenario_changed(self) -> None:
        scenario = self.session.scenario
        self.scenario = scenario
        self._dpr = self.devicePixelRatioF()
        self.empty_hint.setVisible(scenario is None)
        self.scale_bar.setVisible(scenario is not None)  # a scale of nothing
        self.framing.stop()  # a move under way belonged to the scenario before
        self._framed_phase = None
        if scenario is None:
            self._index = {}
            self._featured = None
            self._branch = np.zeros(0, dtype=object)
            self._parent = np.zeros(0, np.int64)
            self.units.set_units(None, *(np.zeros(0, np.int64),) * 4)
            self.unit_labels.set_labels([], np.zeros(0, np.int64), [], [])
            for layer in (self.lakes, self.rivers):
                layer.set_features((), self.projection)
            self.basemap.invalidate()
            self.features.set_features((), (), (), self.projection)
            self.places.set_places((), self.projection, self.session.name_mode, self._dpr)
            self.events.set_events((), self.projection, self._dpr)
            self.trails.set_tracks(None, self.projection, np.zeros(0, np.int64), [])
            self._weather_events, self._weather_times = [], np.zeros(0)
            self._update_weather(0.0)
            self.annotator.reset()
            return
        self.projection = Projection.for_extent(scenario.info.extent)
        units = list(scenario.units)
        self._index = {u.id: i for i, u in enumerate(units)}
        self._branch = np.array([u.branch for u in units], dtype=object)
        self._x = np.zeros(len(units))
        side_ids = [s.id for s in scenario.sides]
        side = np.array([side_ids.index(u.side_id) if u.side_id in side_ids else 0 for u in units], dtype=np.int64)
        self._side = side
        colours = [s.colour for s in scenario.sides] or ["#6b7280"]
        orbat = scenario.units  # each unit's superior, by index (an unknown one: none)
        self._parent = np.array([orbat.index_of(u.parent_id) if u.parent_id in orbat else -1 for u in units], np.int64)
        self._build_units(units, side, colours)
        self.lakes.set_features(scenario.features, self.projection)
        self.rivers.set_features(scenario.features, self.projection)
        self.features.set_features(scenario.features, scenario.sides, units, self.projection)
        self.places.set_places(scenario.places, self.projection, self.session.name_mode, self._dpr)
        self.places.set_story(scenario.phases, scenario.events)
        self.basemap.invalidate()
        self.events.set_events(scenario.events, self.projection, self._dpr)
        self._featured = FeaturedUnits(scenario.events, self._index, len(scenario.units))
        self.trails.set_tracks(scenario.tracks, self.projection, side, colours)
        self._weather_events = [e for e in scenario.events if e.kind == "weather"]
        self._weather_times = np.array([e.time for e in self._weather_events], dtype=float)
        self.set_hidden_branches(self.hidden_branches)
        self.annotator.reset()
        self._limit_zoom(scenario.info.extent)
        self.fit_scenario()
        self._framed_phase = None
        if self.session.clock is not None:
            self._on_phase_changed(self.session.phase_index, animate=False)  # opens on its view
        self._on_selection_changed(self.session.selection)
        if self.session.clock is not None:
            self._on_time_changed(self.session.time)

    def _build_units(self, units: list, side: np.ndarray, colours: list[str]) -> None:
        sidcs = sorted({u.sidc for u in units})
        number = {sidc: i for i, sidc in enumerate(sidcs)}
        kind = np.array([number[u.sidc] for u in units], dtype=np.int64)
        pairs = np.column_stack((kind, side)) if units else np.zeros((0, 2), np.int64)
        looks, look = np.unique(pairs, axis=0, return_inverse=True)
        looks_list = [(int(a), int(b)) for a, b in looks]
        sheet = _sheets().sheet(sidcs, looks_list, colours, self._dpr) if units else None
        order = list(vocab.ECHELONS)
        rank = np.array([order.index(u.echelon) if u.echelon in order else len(order) for u in units], np.int64)
        self.units.set_units(sheet, kind, look.reshape(-1), rank, self._parent)
        self._build_labels()

    def _build_labels(self) -> None:
        scenario = self.scenario
        if scenario is None:
            return
        mode = self.session.name_mode
        colours = [s.colour for s in scenario.sides] or ["#374151"]
        sprites = []
        for c in colours:
            sprites.append(TextSprites(label_font(11, bold=True), style.darker(c, 0.62), self._dpr, plate=True))
            sprites.append(TextSprites(label_font(11), style.darker(c, 0.62), self._dpr, plate=True))
        big = {"war_zone", "army_group", "army", "corps", "division"}
        texts, styles = [], []
        for u, s in zip(scenario.units, self._side):
            en = short_name(u.name_en)
            texts.append(bilingual(en, u.name_zh, mode))
            styles.append(2 * int(s) + (0 if u.echelon in big else 1))
        self.unit_labels.set_labels(texts, np.array(styles, np.int64), sprites, [u.echelon for u in scenario.units])

    # -- time ----------------------------------------------------------------------------
    def _on_time_changed(self, t: float) -> None:
        state = self.session.state()
        if state is None:
            return
        np.multiply(state.lon, self.projection.k, out=self._x)
        tracks = self.scenario.tracks if self.scenario is not None else None
        certainty = None
        if tracks is not None and len(tracks):
            k = state.keyframe
            certainty = np.where(k >= 0, tracks.certainty[np.clip(k, 0, len(tracks) - 1)], 0)
        self.units.set_state(self._x, state.lat, state.strength, state.status, certainty)
        if self.places.set_time(t):  # other places matter now
            self.key_place_labels.update()
        if self._featured is not None:
            self.unit_labels.set_featured(self._featured.at(t, state.status))
        self.unit_labels.invalidate()
        self.place_labels.update()  # place names keep clear of the units where they are now
        self.events.set_time(t)
        if self.features.set_time(t):
            self.basemap.invalidate()
        self._update_weather(t)
        self.annotator.on_time(t, self.units.x, self.units.y, self._index)
        if self._layer_visible["trails"]:
            self._update_trails()
        if self.session.follow:
            self._follow()

    def _update_trails(self) -> None:
        state = self.session.state()
        if state is None or not self._layer_visible["trails"]:
            return
        if not self.units.selected.any() and not len(self.trails.trail_units):
            return  # no trails to draw or to clear
        self.trails.set_state(state, self.units.x, self.units.y, self.units.selected, self.units.drawn_mask())

    def _update_weather(self, t: float) -> None:
        """The latest weather event at or before ``t`` (unless it has ended) in the corner chip."""
        kind = text = ""
        i = int(np.searchsorted(self._weather_times, t, side="right")) - 1
        if i >= 0:
            event = self._weather_events[i]
            if event.end is None or t <= event.end:
                kind = weather_kind(event.title_en)
                text = bilingual(event.title_en, event.title_zh, self.session.name_mode)
        if self.weather.set_weather(kind, text):
            self._place_overlays()
        self._fit_weather()

    def _fit_weather(self) -> None:
        """The weather chip shrinks to its icon while its title would cover a unit's symbol."""
        chip = self.weather
        if not chip.text or chip.isHidden():
            return
        width = chip.full_width()
        left, top = self.width() - width - MARGIN, MARGIN
        boxes = self.units.screen_boxes(self.units.screen_transform()) if self.units.sheet is not None else _NO_RECTS
        title = np.array([[left, top, left + width, top + chip.height()]], dtype=float)
        if chip.set_compact(bool(covered(title, boxes, self.width(), self.height())[0])):
            self._place_overlays()

    def _follow(self) -> None:
        sel = np.flatnonzero(self.units.selected & self.units.drawn_mask())
        if len(sel):
            i = int(sel[0])
            lat, lon = self.projection.latlon(self.units.x[i], self.units.y[i])
            self.center_on(float(lat), float(lon))

    # -- selection and options -----------------------------------------------------------
    def _on_selection_changed(self, ids) -> None:
        mask = np.zeros(len(self._index), bool)
        for unit_id in ids or ():
            i = self._index.get(unit_id)
            if i is not None:
                mask[i] = True
        self.units.set_selected(mask)
        self.unit_labels.invalidate()
        self._update_trails()
        if self.session.follow:
            self._follow()

    def _on_name_mode_changed(self, mode: str) -> None:
        self._build_labels()
        self.places.set_name_mode(mode)
        self.basemap.invalidate()
        self.place_labels.update()
        self._update_weather(self.session.time)

    def _on_edited(self, change, _initiator) -> None:
        """The scenario was edited: the view, the zoom and the selection stay as they are."""
        self.scenario = self.session.scenario

    def _on_follow_changed(self, on: bool) -> None:
        if on:
            self._follow()

    def _label_obstacles(self, transform) -> np.ndarray:
        """What unit labels keep clear of: the names of the places that matter now, and the
        annotations' texts while shown (the same array while neither changed)."""
        texts = self.annotations.text_rects(transform) if self.annotations.isVisible() else _NO_RECTS
        names = self.key_place_labels.rects(transform)
        key = (id(texts), id(names))
        if self._obstacles is None or self._obstacles[0] != key:
            self._obstacles = (key, np.concatenate((names, texts)))
        return self._obstacles[1]

    # -- view ----------------------------------------------------------------------------
    def _on_view_changed(self, *args) -> None:
        km = self.km_per_pixel()
        self.scale_bar.set_scale(km)
        self.unit_labels.km_per_px = km
        self._fit_weather()

    def _place_overlays(self) -> None:
        self.empty_hint.setGeometry(self.rect().adjusted(40, 40, -40, -40))
        self.scale_bar.move(MARGIN, self.height() - self.scale_bar.height() - MARGIN)
        self.weather.move(self.width() - self.weather.width() - MARGIN, MARGIN)
        overlays = [w.geometry() for w in (self.scale_bar, self.weather) if not w.isHidden()]
        self.unit_labels.reserved = np.array(
            [(g.left(), g.top(), g.right() + 1, g.bottom() + 1) for g in overlays], dtype=float
        ).reshape(-1, 4)
        self.unit_labels.invalidate()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_overlays()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DevicePixelRatioChange and self.devicePixelRatioF() != self._dpr:
            self._render_sprites()
        return super().event(event)

    def _render_sprites(self) -> None:
        """Draw the symbols, labels and markers again at the screen's new device pixel ratio."""
        self._dpr = self.devicePixelRatioF()
        scenario = self.scenario
        if scenario is None:
            return
        self._build_units(list(scenario.units), self._side, [s.colour for s in scenario.sides] or ["#6b7280"])
        self.places.set_places(scenario.places, self.projection, self.session.name_mode, self._dpr)
        self.places.set_story(scenario.phases, scenario.events)
        self.basemap.invalidate()
        self.events.set_events(scenario.events, self.projection, self._dpr)
        self.set_hidden_branches(self.hidden_branches)
        self._on_selection_changed(self.session.selection)
        self._on_time_changed(self.session.time)

    # -- mouse and keyboard --------------------------------------------------------------
    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.scenario is None:
            return
        unit_id = self.unit_at(ev.scenePos())
        if ev.double():
            if unit_id is not None:
                self.unit_activated.emit(unit_id)
            return
        if unit_id is None:
            self.session.select(())
            return
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.session.select(self.session.selection ^ {unit_id})
        else:
            self.session.select({unit_id})
        self.unit_clicked.emit(unit_id)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if not self.viewbox.sceneBoundingRect().contains(scene_pos):
            return
        p = self.viewbox.mapSceneToView(scene_pos)
        lat, lon = self.projection.latlon(p.x(), p.y())
        self.cursor_moved.emit(float(lat), float(lon))
        self._show_tooltip(scene_pos)

    def _show_tooltip(self, scene_pos: QPointF) -> None:
        scenario = self.scenario
        if scenario is None:
            return
        i = self.units.unit_at(scene_pos)
        event = self.events.event_at(scene_pos) if i is None and self.events.isVisible() else None
        hover = ("unit", i) if i is not None else ("event", event.id) if event is not None else None
        if hover is None:
            if self._hover is not None:
                QToolTip.hideText()
            self._hover = None
            return
        if hover == self._hover and QToolTip.isVisible():
            return
        self._hover = hover
        mode = self.session.name_mode
        text = (
            unit_tooltip(scenario, i, self.session.state(), mode, np.flatnonzero(self.units.folded_into() == i))
            if i is not None
            else event_tooltip(scenario, event, mode)
        )
        global_pos = self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos))
        QToolTip.showText(global_pos, text, self.view)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and watched is self.view.viewport():
            # QGraphicsView answers a resting mouse by asking its items for a tooltip and, as none
            # has one, hides ours about a second after it showed: the map shows its own instead
            if self._hover is not None:
                self._hover = None
                self._show_tooltip(self.view.mapToScene(event.pos()))  # type: ignore[attr-defined]
            return True
        if watched is self.view and event.type() == QEvent.Type.ShortcutOverride and self.annotator.drawing:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace):
                event.accept()  # these keys finish or correct the drawing, not a window action
                return True
        if (
            watched is self.view
            and event.type() == QEvent.Type.ShortcutOverride
            and self.annotator.nudge_key(event) is not None  # type: ignore[arg-type]
        ):
            event.accept()  # the arrows nudge the selected annotation, not step through events
            return True
        if watched is self.view and event.type() == QEvent.Type.KeyPress and self.annotator.key(event):  # type: ignore[arg-type]
            return True
        if watched is self.view and event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            action = self._key_action(event)  # type: ignore[arg-type]
            if action is not None:
                if event.type() == QEvent.Type.KeyPress:
                    action()
                event.accept()
                return True
        return super().eventFilter(watched, event)

    def _key_action(self, event: QKeyEvent):
        """Ctrl+arrows pan, Ctrl+= / Ctrl++ / Ctrl+- zoom (when the map has focus; the window keeps
        the plain keys for playback)."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return None
        key = event.key()
        step = 0.2
        actions = {
            Qt.Key.Key_Left: lambda: self.pan_by(-step, 0),
            Qt.Key.Key_Right: lambda: self.pan_by(step, 0),
            Qt.Key.Key_Up: lambda: self.pan_by(0, step),
            Qt.Key.Key_Down: lambda: self.pan_by(0, -step),
            Qt.Key.Key_Equal: lambda: self.zoom_by(1.5),
            Qt.Key.Key_Plus: lambda: self.zoom_by(1.5),
            Qt.Key.Key_Minus: lambda: self.zoom_by(1 / 1.5),
        }
        return actions.get(key)


_NO_RECTS = np.zeros((0, 4))


@functools.cache
def _sheets() -> SheetCache:
    """The symbol sheets kept in the user's cache folder (one cache for the whole application)."""
    return SheetCache.default()
