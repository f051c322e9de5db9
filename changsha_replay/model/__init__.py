"""The scenario model: plain Python and numpy, no Qt, no files."""

from .clock import DEFAULT_RATE, PlaybackClock, Transition
from .orbat import OrderOfBattle
from .records import (
    Annotation,
    Citation,
    Credit,
    Event,
    EventUnit,
    Feature,
    Phase,
    Place,
    ScenarioInfo,
    Side,
    Source,
    Unit,
)
from .scenario import Scenario
from .timeline import EventLog, Phases
from .tracks import Keyframe, UnitStates, UnitTracks
from .validation import Problem, validate

__all__ = [
    "DEFAULT_RATE",
    "Annotation",
    "Citation",
    "Credit",
    "Event",
    "EventLog",
    "EventUnit",
    "Feature",
    "Keyframe",
    "OrderOfBattle",
    "Phase",
    "Phases",
    "Place",
    "PlaybackClock",
    "Problem",
    "Scenario",
    "ScenarioInfo",
    "Side",
    "Source",
    "Transition",
    "Unit",
    "UnitStates",
    "UnitTracks",
    "validate",
]
