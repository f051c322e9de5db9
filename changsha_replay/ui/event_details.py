"""The details of one event as rich text: when, where, who, the text, its basis and its sources."""

from __future__ import annotations

from html import escape

from ..model import Event, Scenario
from .event_model import BASIS_STYLE, basis_name, readable, unit_names
from .names import bilingual, short_time

NARRATIVE_LABEL = "Narrative (novel)"
HISTORICAL_LABEL = "Historical record"


def texts(en: str, zh: str, mode: str) -> list[str]:
    """The text in the chosen language(s): one paragraph per language shown."""
    if mode == "both":
        return [t for t in (en, zh) if t] if en != zh else [en]
    shown = bilingual(en, zh, mode)
    return [shown] if shown else []


def _paragraphs(en: str, zh: str, mode: str) -> str:
    return "".join(f"<p>{escape(t)}</p>" for t in texts(en, zh, mode))


def _coordinates(lat: float, lon: float) -> str:
    return f"{abs(lat):.3f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.3f}° {'E' if lon >= 0 else 'W'}"


def _facts(scenario: Scenario, event: Event, mode: str) -> str:
    tz = scenario.info.time_zone
    when = short_time(event.time, tz)
    if event.end is not None and event.end != event.time:
        when += f" – {short_time(event.end, tz)}"
    rows = [("When", f"{escape(when)} <span style='color:#6b7280'>({escape(str(tz))})</span>")]
    place = scenario.place(event.place_id) if event.place_id else None
    where = [escape(bilingual(place.name_en, place.name_zh, mode))] if place is not None else []
    if event.lat is not None and event.lon is not None:
        where.append(f"<span style='color:#6b7280'>{_coordinates(event.lat, event.lon)}</span>")
    if where:
        rows.append(("Where", " ".join(where)))
    kind = escape(readable(event.kind))
    phase = scenario.phases.at(event.time)
    if phase is not None:
        kind += f" · phase: {escape(bilingual(phase.title_en, phase.title_zh, mode))}"
    rows.append(("Kind", kind))
    if event.units:
        names = unit_names(scenario, event, mode)
        units = "<br>".join(
            f"{escape(name)} <span style='color:#6b7280'>— {escape(link.role)}</span>"
            for name, link in zip(names, event.units)
        )
        rows.append(("Units", units))
    cells = "".join(
        f"<tr><td style='color:#6b7280; padding-right:8px' valign='top'>{label}</td><td>{value}</td></tr>"
        for label, value in rows
    )
    return f"<table cellspacing='0' cellpadding='1'>{cells}</table>"


def _boxed(colour: str, background: str, body: str) -> str:
    return (
        f"<table width='100%' cellspacing='0' cellpadding='6' style='border: 1px solid {colour};"
        f" background-color: {background}; margin-top: 6px'><tr><td>{body}</td></tr></table>"
    )


def _basis(event: Event, mode: str) -> str:
    colour, explanation = BASIS_STYLE.get(event.basis, ("#6b7280", event.basis))
    label = f"<b style='color:{colour}'>● {escape(basis_name(event.basis))}</b> — {escape(explanation)}"
    if event.basis == "conflict":
        narrative = _paragraphs(event.text_en, event.text_zh, mode) or "<p>—</p>"
        historical = _paragraphs(event.other_version_en, event.other_version_zh, mode) or "<p>—</p>"
        body = (
            f"{label}<h4 style='margin-bottom:0'>{NARRATIVE_LABEL}</h4>{narrative}"
            f"<h4 style='margin-bottom:0'>{HISTORICAL_LABEL}</h4>{historical}"
        )
        return _boxed(colour, "#fef2f2", body)
    text = _paragraphs(event.text_en, event.text_zh, mode)
    if event.basis == "seed":
        note = "This event comes from the novel only: no historical source read records it."
        return text + _boxed(colour, "#f5f3ff", f"{label}<br>{note}")
    return text + f"<p>{label}</p>"


def _sources(scenario: Scenario, event: Event) -> str:
    items = []
    for citation in event.sources:
        source = scenario.source(citation.source_key)
        title = escape(source.title if source is not None else citation.source_key)
        if source is not None and source.url:
            title = f"<a href='{escape(source.url, quote=True)}'>{title}</a>"
        locator = f", {escape(citation.locator)}" if citation.locator else ""
        items.append(f"<li>{title}{locator} <span style='color:#6b7280'>[{escape(citation.source_key)}]</span></li>")
    if not items:
        return ""
    return "<h4 style='margin-bottom:2px'>Sources</h4><ol style='margin-top:0'>" + "".join(items) + "</ol>"


def event_html(scenario: Scenario, event: Event, mode: str, heading: str = "") -> str:
    """Rich text for a QTextBrowser: title, facts, text in the name mode's language(s), basis, sources.

    For a conflict the event's own text is the narrative's version and ``other_version`` the
    historical record's; both are shown, labelled.
    """
    titles = texts(event.title_en, event.title_zh, mode) or [event.id]
    title = "<br>".join(escape(t) for t in titles)
    caption = f"<div style='color:#6b7280'>{escape(heading)}</div>" if heading else ""
    return (
        f"{caption}<h3 style='margin-top:2px'>{title}</h3>"
        f"{_facts(scenario, event, mode)}{_basis(event, mode)}{_sources(scenario, event)}"
    )
