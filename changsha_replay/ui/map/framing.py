"""Moving the map smoothly to a part of it (a phase's view): one animation at a time."""

from __future__ import annotations

import math

from PySide6.QtCore import QEasingCurve, QObject, QRectF, QVariantAnimation

FRAMING_MS = 450  # how long the map takes to move to a phase's view


class Framing(QObject):
    """Animates a view box from what it shows to a target rectangle (plot coordinates).

    The zoom changes geometrically (the same ratio every frame, so no part of the move looks
    faster than the rest) and the centre linearly, eased out. The user's own pan or zoom stops
    the move where it is; a programmatic one first :meth:`finish`\\ es it.
    """

    def __init__(self, viewbox, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.viewbox = viewbox
        self._start = QRectF()
        self._target: QRectF | None = None
        self._animation = QVariantAnimation(self)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._animation.valueChanged.connect(self._step)
        self._animation.finished.connect(self._done)
        viewbox.sigRangeChangedManually.connect(lambda *_: self.stop())

    @property
    def moving(self) -> bool:
        return self._target is not None

    def move_to(self, target: QRectF, animate: bool = True, duration_ms: int = FRAMING_MS) -> None:
        """Show ``target`` (the view box keeps its aspect: one side gets more room)."""
        self._animation.stop()
        self._start = QRectF(self.viewbox.viewRect())
        self._target = QRectF(target)
        if not animate or duration_ms <= 0 or not self._start.isValid() or self._start.isEmpty():
            self.finish()
            return
        self._animation.setDuration(duration_ms)
        self._animation.start()

    def finish(self) -> None:
        """Jump to the end of the move under way (if any)."""
        target = self._target
        self._target = None
        self._animation.stop()
        if target is not None:
            self.viewbox.setRange(target, padding=0)

    def stop(self) -> None:
        """Leave the view where the move has brought it."""
        self._target = None
        self._animation.stop()

    def _step(self, value: object) -> None:
        if self._target is None:
            return
        self.viewbox.setRange(between(self._start, self._target, float(value)), padding=0)

    def _done(self) -> None:
        self.finish()


def between(a: QRectF, b: QRectF, f: float) -> QRectF:
    """The rectangle ``f`` of the way from ``a`` to ``b``: sizes geometric, centre linear."""
    w = math.exp((1 - f) * math.log(max(a.width(), 1e-12)) + f * math.log(max(b.width(), 1e-12)))
    h = math.exp((1 - f) * math.log(max(a.height(), 1e-12)) + f * math.log(max(b.height(), 1e-12)))
    cx = a.center().x() + f * (b.center().x() - a.center().x())
    cy = a.center().y() + f * (b.center().y() - a.center().y())
    return QRectF(cx - w / 2, cy - h / 2, w, h)
