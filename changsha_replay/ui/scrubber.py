"""The timeline scrubber: phases as named bands, event density marks, annotation spans, the current time."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .names import bilingual, short_time
from .session import Session

_BANDS = (QColor("#e8e4da"), QColor("#d9d3c5"))
_HANDLE = QColor("#b91c1c")
_MARKS = QColor("#334155")
_LOOP = QColor(37, 99, 235, 50)
_TOP_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


def label_starts(bands: list[tuple[float, float]], number_widths: list[float]) -> list[float | None]:
    """Where each phase's name starts on the timeline: 4 px into its band. A band too narrow for
    its number has the number centred on it, and the next name starts after it; where even that
    leaves the previous name no room for its own number, the narrow band goes unnamed (its hover
    tooltip and, while it is current, its plate still name it)."""
    starts: list[float | None] = []
    free = float("-inf")  # where the next name may start: after a centred number
    last: tuple[float, float] | None = None  # the start and number width of the last name placed
    for (x0, x1), w in zip(bands, number_widths):
        if x1 - x0 >= w + 7:
            start: float | None = max(x0 + 4, free)
        else:
            start = (x0 + x1) / 2 - w / 2
            if last is not None and start - last[0] < last[1] + 6:
                start = None
        if start is not None:
            free = start + w + 6 if x1 - x0 < w + 7 else float("-inf")
            last = (start, w)
        starts.append(start)
    return starts


class Scrubber(QWidget):
    """Click to seek; drag to scrub (playback pauses). Phases are drawn as bands, events as ticks,
    and the time spans of the annotations as a thin lane along the top (the selected one bolder)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setMinimumHeight(40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to jump, drag to scrub")
        self._pressed_at: float | None = None
        self._dragging = False
        self._density: np.ndarray = np.zeros(0)
        # Everything but the time handle, drawn once per change of phase, size, names or loop.
        self._background: QPixmap | None = None
        self._background_key: tuple | None = None
        self._handle_x: float | None = None
        self._spans_of: object = None
        self._spans_hash = 0
        session.scenario_changed.connect(self._on_scenario_changed)
        session.time_changed.connect(self._on_time)
        session.name_mode_changed.connect(lambda _m: self.update())
        session.loop_changed.connect(lambda _l: self.update())
        session.edited.connect(lambda change, _who: "annotations" in change.parts and self.update())
        session.annotation_selected.connect(lambda _id: self.update())

    def sizeHint(self) -> QSize:
        return QSize(600, 40)

    # -- geometry ------------------------------------------------------------------------
    def _track(self) -> QRectF:
        return QRectF(6, 4, max(self.width() - 12, 1), self.height() - 8)

    def _x_of(self, t: float) -> float:
        info = self.session.scenario.info
        track = self._track()
        return track.left() + (t - info.start) / (info.end - info.start) * track.width()

    def time_at(self, x: float) -> float:
        info = self.session.scenario.info
        track = self._track()
        f = min(max((x - track.left()) / track.width(), 0.0), 1.0)
        return info.start + f * (info.end - info.start)

    def _on_scenario_changed(self) -> None:
        scenario = self.session.scenario
        if scenario is not None and len(scenario.events):
            bins = 240
            self._density, _ = np.histogram(
                scenario.events.times, bins=bins, range=(scenario.info.start, scenario.info.end)
            )
        else:
            self._density = np.zeros(0)
        self._background = None
        self.update()

    def _on_time(self, _t: float) -> None:
        """Repaint the old and the new handle only, unless the phase band to darken changed."""
        if self.session.scenario is None or self._handle_x is None or self._key() != self._background_key:
            self.update()
            return
        x = self._x_of(self.session.time)
        for at in (self._handle_x, x):
            self.update(QRect(int(at) - 7, 0, 15, self.height()))

    # -- painting ------------------------------------------------------------------------
    def _key(self) -> tuple:
        clock = self.session.clock
        return (
            self.width(),
            self.height(),
            self.devicePixelRatioF(),
            self.session.phase_index,
            self.session.name_mode,
            clock.loop if clock is not None else None,
            self.font().key(),
            self._spans_key(),
            self.session.selected_annotation,
        )

    def _spans_key(self) -> int:
        """Changes when a span or colour changes (not a text): the lane is then drawn again."""
        scenario = self.session.scenario
        if scenario is None:
            return 0
        if self._spans_of is not scenario.annotations:
            self._spans_of = scenario.annotations
            self._spans_hash = hash(tuple((a.colour, a.start, a.end) for a in scenario.annotations))
        return self._spans_hash

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        track = self._track()
        if self.session.scenario is None:
            painter.fillRect(track, _BANDS[0])
            self._handle_x = None
            return
        key = self._key()
        if self._background is None or key != self._background_key:
            self._background = self._draw_background()
            self._background_key = key
        painter.drawPixmap(0, 0, self._background)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x = self._handle_x = self._x_of(self.session.time)
        painter.setPen(QPen(_HANDLE, 2))
        painter.drawLine(QPointF(x, track.top() - 2), QPointF(x, track.bottom() + 2))
        painter.setBrush(_HANDLE)
        painter.drawEllipse(QPointF(x, track.top() + 1), 4, 4)
        painter.end()

    def _draw_background(self) -> QPixmap:
        """Phase bands and names, the loop range and the event density marks."""
        scenario = self.session.scenario
        assert scenario is not None
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(max(round(self.width() * ratio), 1), max(round(self.height() * ratio), 1))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = self._track()
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        current = self.session.phase_index
        metrics = painter.fontMetrics()
        bands = [(self._x_of(p.start), self._x_of(p.end)) for p in scenario.phases]
        mode = self.session.name_mode
        labels = [f"{i + 1} {bilingual(p.title_en, p.title_zh, mode)}" for i, p in enumerate(scenario.phases)]
        starts = label_starts(bands, [metrics.horizontalAdvance(str(i + 1)) for i in range(len(bands))])
        painter.setPen(QColor("#44403c"))
        for i, (x0, x1) in enumerate(bands):
            band = QRectF(x0, track.top(), x1 - x0, track.height())
            painter.fillRect(band, _BANDS[i % 2].darker(108) if i == current else _BANDS[i % 2])
        top = track.top() + 3
        height = track.height() / 2 - 3
        plate = None
        if 0 <= current < len(bands):  # the current phase is always named, over its neighbours if need be
            x0, x1 = bands[current]
            width = min(metrics.horizontalAdvance(labels[current]) + 8, max(x1 - x0, track.width() * 0.3))
            left = min(max(x0 + 0.5, track.left()), track.right() - width)
            plate = QRectF(left, top - 1, width, metrics.height() + 2)
        for i, start in enumerate(starts):
            if start is None or i == current or (plate is not None and plate.left() - 2 <= start < plate.right()):
                continue
            end = next((s for s in starts[i + 1 :] if s is not None), track.right() + 4) - 4
            if plate is not None and start < plate.left():
                end = min(end, plate.left() - 4)
            elided = metrics.elidedText(labels[i], Qt.TextElideMode.ElideRight, int(end - start))
            if not elided.startswith(f"{i + 1} "):  # too narrow for "5 R…": the number alone
                elided = str(i + 1)
            if metrics.horizontalAdvance(str(i + 1)) <= end - start:
                painter.drawText(QRectF(start, top, end - start, height), _TOP_LEFT, elided)
        if plate is not None:
            painter.fillRect(plate, _BANDS[current % 2].darker(108))
            elided = metrics.elidedText(labels[current], Qt.TextElideMode.ElideRight, int(plate.width() - 8))
            painter.drawText(plate.adjusted(4, 1, -4, 0), _TOP_LEFT, elided)
        loop = self.session.clock.loop if self.session.clock else None
        if loop is not None:
            x0, x1 = self._x_of(loop[0]), self._x_of(loop[1])
            painter.fillRect(QRectF(x0, track.top(), x1 - x0, track.height()), _LOOP)
        self._draw_annotation_spans(painter, track)
        if len(self._density) and self._density.max() > 0:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_MARKS)
            width = track.width() / len(self._density)
            scale = (track.height() * 0.45) / self._density.max()
            for i in np.flatnonzero(self._density):
                h = max(2.0, self._density[i] * scale)
                painter.drawRect(QRectF(track.left() + i * width, track.bottom() - h, max(width - 0.5, 1.0), h))
        painter.end()
        return pixmap

    def _draw_annotation_spans(self, painter: QPainter, track: QRectF) -> None:
        """Each annotation's time span as a line in its colour along the top of the track: per
        colour, the pixels covered are found with numpy and drawn as runs (1,000 spans ≈ a few runs)."""
        scenario = self.session.scenario
        if scenario is None or not scenario.annotations:
            return
        info = scenario.info
        width = max(int(track.width()), 1)
        span = max(info.end - info.start, 1.0)
        by_colour: dict[str, list[tuple[float, float]]] = {}
        selected = None
        for a in scenario.annotations:
            start = info.start if a.start is None else a.start
            end = info.end if a.end is None else a.end
            if a.id == self.session.selected_annotation:
                selected = (a.colour, start, end)
            by_colour.setdefault(a.colour, []).append((start, end))
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, spans in by_colour.items():
            times = np.array(spans, dtype=float)
            x = np.clip(((times - info.start) / span * width).astype(np.int64), 0, width)
            x[:, 1] = np.maximum(x[:, 1], x[:, 0] + 2)  # a short span is still seen
            cover = np.zeros(width + 3, np.int64)
            np.add.at(cover, x[:, 0], 1)
            np.add.at(cover, np.minimum(x[:, 1], width + 2), -1)
            covered = np.cumsum(cover)[: width + 2] > 0
            edges = np.flatnonzero(np.diff(np.concatenate(([False], covered, [False])).astype(np.int8)))
            c = QColor(colour)
            c.setAlpha(150)
            painter.setBrush(c)
            for x0, x1 in zip(edges[0::2].tolist(), edges[1::2].tolist()):
                painter.drawRect(QRectF(track.left() + x0, track.top(), x1 - x0, 2.0))
        if selected is not None:
            colour, start, end = selected
            x0, x1 = self._x_of(start), self._x_of(end)
            painter.setBrush(QColor(colour))
            painter.drawRect(QRectF(x0, track.top() - 1, max(x1 - x0, 3.0), 4.0))

    # -- mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.session.scenario is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._pressed_at = event.position().x()
        self._dragging = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.session.scenario is None:
            return
        x = event.position().x()
        if self._pressed_at is not None and (self._dragging or abs(x - self._pressed_at) > 3):
            self._dragging = True
            self.session.scrub(self.time_at(x))
        else:
            t = self.time_at(x)
            phase = self.session.scenario.phases.at(t)
            title = bilingual(phase.title_en, phase.title_zh, self.session.name_mode) if phase else ""
            QToolTip.showText(
                event.globalPosition().toPoint(),
                f"{short_time(t, self.session.scenario.info.time_zone)}\n{title}",
                self,
            )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pressed_at is None or self.session.scenario is None:
            return
        if not self._dragging:
            self.session.seek(self.time_at(event.position().x()))
        self._pressed_at = None
        self._dragging = False
