"""A map canvas on screen for the map tests."""

from changsha_replay.ui.map import MapCanvas
from changsha_replay.ui.session import Session


def make_canvas(qtbot, scenario, size=(1200, 800)) -> MapCanvas:
    canvas = MapCanvas(Session())
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.session.set_scenario(scenario)
    return canvas
