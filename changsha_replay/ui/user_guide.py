"""Help → User Guide (F1): how to use the replay, the keyboard, the legend and what the bases mean."""

from __future__ import annotations

from html import escape

from ..model.scenario import Scenario
from .actions import PLAYBACK
from .legend import legend_html

OTHER_KEYS = (
    ("Ctrl+O", "Open a scenario"),
    ("Ctrl+W", "Close the scenario"),
    ("Ctrl+Q", "Quit"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / Save As (the bundled scenario is saved as a copy)"),
    ("Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y", "Undo / Redo"),
    ("Delete", "Delete the selected annotation"),
    ("V A P C R N T H", "Annotation tools: select, arrow, area, circle, rectangle, note, text label, freehand"),
    ("Enter / Backspace / Escape", "While drawing: finish, take back a corner, cancel (again: the select tool)"),
    ("Arrows / Shift+Arrows", "With an annotation selected on the map: nudge it 1 / 10 pixels (one undo step)"),
    ("Ctrl+0", "Fit the map to the scenario"),
    ("Ctrl+Shift+F", "Frame each phase: move the map to the part each phase is about when the phase changes"),
    ("Ctrl+G", "Fold units whose symbols would cover their superior's into it, or show them all"),
    ("Ctrl+Arrows", "Pan the map (when it has focus)"),
    ("Ctrl+= / Ctrl+−", "Zoom the map in / out (when it has focus); the mouse wheel zooms too"),
    ("Ctrl+D", "Go to a date and time"),
    ("F1", "This guide"),
    ("F2", "The legend: what the marks on the map mean"),
    ("?", "The list of keyboard shortcuts"),
)


def shortcut_table() -> str:
    """Every keyboard shortcut of the window as an HTML table."""
    rows = [(" or ".join(spec.keys), spec.tip) for spec in PLAYBACK] + list(OTHER_KEYS)
    body = "".join(
        f"<tr><td style='padding:2px 14px 2px 0'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in rows
    )
    return f"<table>{body}</table>"


_SECTIONS = (
    ("start", "Getting started"),
    ("map", "The map"),
    ("docks", "The order of battle and the event log"),
    ("record", "The novel and the record"),
    ("edit", "Annotating and saving"),
    ("keys", "Keyboard"),
    ("legend", "Legend"),
)


def user_guide_html(scenario: Scenario | None, mode: str = "en") -> str:
    """The guide as rich text; its legend is written from the open scenario."""
    contents = "".join(f"<li><a href='#{key}'>{escape(title)}</a></li>" for key, title in _SECTIONS)
    titles = dict(_SECTIONS)

    def head(key: str) -> str:
        return f"<h2><a name='{key}'></a>{escape(titles[key])}</h2>"

    return "".join(
        (
            "<h1>Changsha Replay: user guide</h1>",
            f"<ul>{contents}</ul>",
            head("start"),
            "<p>The window opens the last scenario you used, at first the bundled Third Battle of "
            "Changsha (December 1941 – January 1942); File → Open (Ctrl+O) opens another. "
            "<b>Space</b> plays and pauses. <b>→ / ←</b> step from event to event, <b>Page Down / Page Up</b> "
            "from phase to phase, <b>Home / End</b> go to the start and the end; <b>+ / −</b> change the "
            "speed (battle time per second). Click the timeline under the map to jump, drag it to scrub; "
            "<b>Ctrl+D</b> or the date in the playback bar goes to a date you type.</p>",
            head("map"),
            "<p>The map shows where each unit is at the current time, moving smoothly between the "
            "positions its sources give. Hover a unit for its names, commander, strength, status and "
            "the source of its position; click to select it, also in the order of battle (Ctrl+click "
            "adds or removes); <b>F</b> makes the map follow the selected unit. The mouse wheel "
            "zooms, dragging pans. When the phase changes the map moves to the part of the battle that "
            "phase is about (View → Frame Each Phase); a zoom of your own holds until the next phase. "
            "Symbols that would overlap fold into their superior (<b>+N</b>) or are nudged at most one "
            "symbol width, with a thin line to a dot at the unit's true position. The key places, those "
            "of the phase and of the current events, the selected units, the units of the current "
            "events and the encircled ones are named first. View → Names shows "
            "names in English, 中文 or both.</p>",
            head("docks"),
            "<p>The <b>order of battle</b> (left) lists sides, armies, divisions and regiments with "
            "their strength and status now; its check boxes hide a branch on the map. The <b>event "
            "log</b> (right) lists the events up to now, the current one highlighted; filter it by kind, "
            "side, text or the selected unit. Clicking an event goes to its time and place; its details "
            "name its sources (click one to open it, or copy its address where no browser opens).</p>",
            head("record"),
            "<p>The scenario follows a novel's chapter and the historical record side by side. Each "
            "event says which it rests on:</p><ul>"
            "<li><b>novel</b>: the novel's narrative only (stored as <i>seed</i> in the file);</li>"
            "<li><b>historical</b>: the historical record;</li>"
            "<li><b>both</b>: the novel and the record agree;</li>"
            "<li><b>conflict</b>: they disagree, and the event gives both versions. For example, the "
            "novel's city defender is a “New 22nd Army”; history has the 10th Army.</li></ul>"
            "<p>Each position says how certain it is: <b>documented</b> (its source gives it), "
            "<b>inferred</b> (it follows from what the sources say) or <b>estimated</b> (the sources "
            "are silent); the map draws the less certain ones lighter, and a unit's tooltip says "
            "“about 12 km north-east of Fulinpu” when it is away from the place its source names.</p>",
            head("edit"),
            "<p>Draw arrows, areas, circles, notes and labels with the Annotate menu or toolbar, each "
            "shown for a time span; the Annotations dock lists and edits them. Every change can be "
            "undone (Ctrl+Z). File → Save (Ctrl+S) writes the file in the background; the bundled "
            "scenario is saved as a copy in your documents folder. Edits are journalled as you make "
            "them: after a crash, the next start offers to recover them.</p>",
            head("keys"),
            shortcut_table(),
            head("legend"),
            legend_html(scenario, mode),
        )
    )
