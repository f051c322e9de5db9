"""Guards against a known PySide6 defect: 6.12.0 on Python 3.11 drops a reference to None on every
QPainter draw call from Python, and the interpreter aborts after a few thousand repaints."""

import sys

import pytest

QtGui = pytest.importorskip("PySide6.QtGui")
QtCore = pytest.importorskip("PySide6.QtCore")


def test_painting_does_not_leak_references_to_none(qapp):
    image = QtGui.QImage(64, 64, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        before = sys.getrefcount(None)
        for i in range(500):
            painter.drawRect(QtCore.QRectF(i % 50, 1, 5, 5))
            painter.drawLine(QtCore.QPointF(0, 0), QtCore.QPointF(i % 60, 10))
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after >= before - 50, f"None lost {before - after} references in 1,000 draw calls"
