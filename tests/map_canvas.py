"""A map canvas on screen, and times, for the map tests."""

from changsha_replay.model.times import parse_time
from changsha_replay.ui.map import MapCanvas
from changsha_replay.ui.session import Session


def at(text: str) -> float:
    """Epoch seconds of a local (UTC+8) time such as '1942-01-05T12:00'."""
    return parse_time(text + "+08:00")


def make_canvas(qtbot, scenario, size=(1200, 800)) -> MapCanvas:
    canvas = MapCanvas(Session())
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.session.set_scenario(scenario)
    return canvas
