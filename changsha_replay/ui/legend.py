"""The map's legend, written from what the open scenario contains (Help → Legend)."""

from __future__ import annotations

from html import escape

from ..model import Scenario, vocab
from ..model.records import Side
from .map import style
from .map.events_layer import MARKED_KINDS
from .map.features_layer import TIMED_KINDS
from .map.units_layer import CERTAINTY_OPACITY
from .names import bilingual

_FEATURES = {
    "front_line": ("━━", "a front line, in the colour of the side holding it"),
    "axis": ("━▶", "an axis of advance (a broad arrow), in the colour of the side advancing"),
    "area": ("▨", "an area held or contested, dashed edge, in its side's colour"),
    "encirclement": ("▨", "an encirclement: hatched, solid edge"),
    "river": (
        "<span style='color:#3b82f6'>~~</span>",
        "a river; dashed blue lines are tributaries drawn schematically (their course approximate)",
    ),
    "lake": ("▬", "a lake"),
}
_PLACES = {
    "city": "■ a city (bold name)",
    "town": "● a town",
    "crossing": "● a crossing",
    "mountain": "▲ a mountain",
    "temple": "● a temple",
    "river": "<i>Italic blue</i>: a river's name",
    "lake": "<i>Italic blue</i>: a lake's name",
    "region": "A region's name (no dot)",
}


def _swatch(colour: str, glyph: str = "■") -> str:
    return f"<span style='color:{escape(colour)}; font-size:15px'>{glyph}</span>"


def _row(key: str, text: str) -> str:
    return f"<tr><td style='padding:2px 10px 2px 0; white-space:nowrap'>{key}</td><td>{text}</td></tr>"


def legend_html(scenario: Scenario | None, mode: str = "en") -> str:
    """The legend as rich text: every kind of mark the map can draw for this scenario."""
    if scenario is None:
        return "<p>Open a scenario: the legend lists what its map shows.</p>"
    parts = ["<h3>Units</h3><table>"]
    for side in scenario.sides:
        parts.append(
            _row(
                _swatch(side.colour), f"{escape(bilingual(side.name_en, side.name_zh, mode))}: {_frame(scenario, side)}"
            )
        )
    parts.append(
        _row("×× ×××", "the echelon above the frame: ×× division, ××× corps or army, ×××× army group …")
        + _row("<b>+2</b>", "two subordinates folded into their superior's symbol at this zoom (zoom in to show them)")
        + _row("▂▂▂", "the bar under a symbol: the unit's strength (full: 100 %)")
        + _row("◯", "a ring around a symbol: the unit is encircled")
        + _row("✕", "a cross and a faded symbol: the unit is destroyed")
        + _row("╲ •", "a thin line to a dot: the symbol was moved aside to stay readable; the dot is where the unit is")
    )
    certainty = scenario.tracks.certainty
    shares = [(certainty == i).mean() * 100 if len(certainty) else 0.0 for i in range(len(vocab.CERTAINTIES))]
    colour = scenario.sides[0].colour if scenario.sides else "#2563eb"
    words = (
        "solid: the position in force is <b>documented</b> by its source",
        "lighter: it is <b>inferred</b> from what the sources say",
        "lightest: it is <b>estimated</b> (where the sources are silent)",
    )
    for opacity, text in zip(CERTAINTY_OPACITY.tolist(), words):
        parts.append(_row(_swatch(_faded(colour, opacity)), text))
    parts.append(
        "</table>"
        f"<p style='color:#57534e'>Keyframes of this scenario: {shares[0]:.0f} % documented, "
        f"{shares[1]:.0f} % inferred, {shares[2]:.0f} % estimated. A unit's tooltip names its source.</p>"
    )
    kinds = {f.kind for f in scenario.features}
    shown = [k for k in (*TIMED_KINDS, "river", "lake") if k in kinds]
    if shown:
        parts.append("<h3>Lines and areas</h3><table>")
        parts.extend(_row(_FEATURES[k][0], _FEATURES[k][1]) for k in shown if k in _FEATURES)
        parts.append("</table>")
    places = [k for k in _PLACES if any(p.kind == k for p in scenario.places)]
    if places:
        parts.append("<h3>Places</h3><table>")
        parts.extend(_row("", _PLACES[k]) for k in places)
        parts.append(
            _row("", "The key places and those of the current phase and events are named first, above the units.")
            + "</table>"
        )
    events = [k for k in MARKED_KINDS if any(e.kind == k for e in scenario.events)]
    if events:
        parts.append("<h3>Events on the map</h3><p>A glyph marks each current event with a place (fading over 12 h): ")
        parts.append(", ".join(escape(k.replace("_", " ")) for k in events) + ".</p>")
    parts.append(
        "<h3>The record and the novel</h3><table>"
        + _row(_swatch("#64748b", "●"), "historical: from the historical record")
        + _row(_swatch("#7c3aed", "●"), "novel: from the novel's narrative only")
        + _row(_swatch("#16a34a", "●"), "both: the novel and the record agree")
        + _row(_swatch("#dc2626", "●"), "conflict: they disagree; the event gives both versions")
        + "</table>"
    )
    if scenario.annotations:
        parts.append(
            "<h3>Annotations</h3><p>Arrows, areas, notes and labels drawn by the scenario's authors, each for "
            "its time span (Annotations dock).</p>"
        )
    return "".join(parts)


def _frame(scenario: Scenario, side: Side) -> str:
    """How the side's symbols are framed, from their SIDCs' standard identity (APP-6 / 2525D)."""
    sidc = next((u.sidc for u in scenario.units if u.side_id == side.id and len(u.sidc) == 20), "")
    identity = sidc[3] if sidc else ""
    return {
        "3": "a rectangular frame (APP-6: friend)",
        "2": "a rectangular frame (APP-6: assumed friend)",
        "6": "a diamond frame (APP-6: hostile)",
        "5": "a diamond frame (APP-6: suspect)",
        "4": "a square frame (APP-6: neutral)",
    }.get(identity, "a quatrefoil frame (APP-6: unknown)")


def _faded(colour: str, opacity: float) -> str:
    """``colour`` at ``opacity`` over the map's paper, as #rrggbb."""
    paper = (style.PAPER.red(), style.PAPER.green(), style.PAPER.blue())
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)] if len(colour) == 7 else list(paper)
    mixed = [round(c * opacity + b * (1 - opacity)) for c, b in zip(rgb, paper)]
    return "#" + "".join(f"{c:02x}" for c in mixed)
