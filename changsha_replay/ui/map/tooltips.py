"""Hover texts of the map (rich text for QToolTip)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from ...model import Scenario, UnitStates, vocab
from ...model.records import Event
from ..names import bilingual, short_time
from .geo import KM_PER_DEGREE

CERTAINTY_TEXT = {
    "documented": "position documented",
    "inferred": "position inferred",
    "estimated": "position estimated",
}


FOLDED_LISTED = 8  # folded subordinates named in a tooltip; more are counted
AT_PLACE_KM = 3.0  # a position this close to its place (or within the place's own uncertainty) is "at" it
_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


def where_from(lat: float, lon: float, place, name: str) -> str:
    """ "at Fulinpu" for a position at its place, else "about 12 km north-east of Fulinpu"."""
    dy = (lat - place.lat) * KM_PER_DEGREE
    dx = (lon - place.lon) * KM_PER_DEGREE * math.cos(math.radians((lat + place.lat) / 2))
    km = math.hypot(dx, dy)
    if not math.isfinite(km) or km <= max(AT_PLACE_KM, place.confidence_km):
        return f"at {name}"
    direction = _COMPASS[round(math.degrees(math.atan2(dx, dy)) / 45) % 8]
    return f"about {km:.0f} km {direction} of {name}"


def unit_tooltip(
    scenario: Scenario, index: int, state: UnitStates | None, mode: str, folded: Sequence[int] = ()
) -> str:
    """Both names, narrative name, commander, strength, status and the source of the position, and
    the subordinates ``folded`` into the unit's symbol at this zoom."""
    unit = scenario.units[index]
    lines = [f"<b>{escape(unit.name_en)}</b>" + (f" &nbsp;{escape(unit.name_zh)}" if unit.name_zh else "")]
    narrative = bilingual(unit.narrative_name_en, unit.narrative_name_zh, mode)
    if narrative and unit.narrative_name_en != unit.name_en:
        lines.append(f"<i>In the narrative: {escape(narrative)}</i>")
    commander = bilingual(unit.commander_en, unit.commander_zh, "both")
    if commander:
        lines.append(f"Commander: {escape(commander)}")
    side = scenario.side(unit.side_id)
    if side is not None:
        lines.append(
            f"<span style='color:{escape(side.colour)}'>■</span> {escape(bilingual(side.name_en, side.name_zh, mode))}"
        )
    if state is not None and 0 <= index < len(state.status) and state.status[index] >= 0:
        status = int(state.status[index])
        status_text = vocab.STATUSES[status] if status < len(vocab.STATUSES) else "?"
        lines.append(f"Strength {state.strength[index]:.0f}% · {escape(status_text)}")
        k = int(state.keyframe[index])
        if k >= 0:
            keyframe = scenario.tracks.keyframe(k)
            certainty = vocab.CERTAINTIES[keyframe.certainty] if keyframe.certainty < len(vocab.CERTAINTIES) else ""
            when = short_time(keyframe.time, scenario.info.time_zone)
            cite = keyframe.citation
            source = scenario.source(cite.source_key)
            where = escape(cite.source_key) + (f" {escape(cite.locator)}" if cite.locator else "")
            title = f" — {escape(_clip(source.title, 90))}" if source is not None and source.title else ""
            place = scenario.place(keyframe.place_id) if keyframe.place_id else None
            near = ""
            if place is not None:
                near = " " + escape(
                    where_from(keyframe.lat, keyframe.lon, place, bilingual(place.name_en, place.name_zh, mode))
                )
            lines.append(
                f"<span style='color:#57534e'>Keyframe {when}{near}, {CERTAINTY_TEXT.get(certainty, certainty)}</span>"
            )
            lines.append(f"<span style='color:#57534e'>Source: {where}{title}</span>")
    else:
        lines.append("No position at this time")
    if len(folded):
        units = [scenario.units[int(k)] for k in folded]
        names = [escape(bilingual(u.name_en, u.name_zh, mode)) for u in units]
        more = len(names) - FOLDED_LISTED
        listed = ", ".join(names[:FOLDED_LISTED]) + (f" and {more} more" if more > 0 else "")
        lines.append(f"<span style='color:#374151'>+{len(names)} here (zoom in to show): {listed}</span>")
    return "<br>".join(lines)


def event_tooltip(scenario: Scenario, event: Event, mode: str) -> str:
    """Title, time and kind of an event marker."""
    title = escape(bilingual(event.title_en, event.title_zh, mode))
    when = short_time(event.time, scenario.info.time_zone)
    if event.end is not None:
        when += " – " + short_time(event.end, scenario.info.time_zone)
    kind = event.kind.replace("_", " ")
    return f"<b>{title}</b><br>{escape(kind)} · {escape(when)}"


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
