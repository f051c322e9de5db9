"""The bundled Changsha 1941–42 scenario: valid, reproducible from its source, complete."""

import re
from itertools import pairwise

import numpy as np
import pytest

from changsha_replay.authoring import read_source
from changsha_replay.model import validate
from changsha_replay.resources import app_root, default_scenario
from changsha_replay.store import check, load

SOURCE = app_root() / "scenarios" / "changsha-1942"
SEED_PARAGRAPHS = 23  # narrative paragraphs of the seed chapter (the web page's furniture excluded)


@pytest.fixture(scope="module")
def shipped():
    return load(default_scenario())


def test_shipped_file_is_valid():
    assert check(default_scenario()) == []


def test_a_fresh_build_equals_the_shipped_file(shipped):
    built = read_source(SOURCE)
    assert validate(built) == []
    assert built.same_content(shipped), "run `make scenario` after editing scenarios/changsha-1942/"


def test_nine_contiguous_phases_from_the_planning_to_the_return(shipped):
    phases = shipped.phases
    assert len(phases) == 9
    assert phases[0].start == shipped.info.start and phases[-1].end == shipped.info.end
    assert all(a.end == b.start for a, b in pairwise(phases))
    assert all(p.title_zh and p.summary_en and p.summary_zh for p in phases)


def test_each_phase_frames_where_its_events_happen(shipped):
    """Each phase's view holds most of its events (far-off headquarters and regional weather
    aside) and the places its title names."""
    places = {p.name_en.split(" (")[0]: p for p in shipped.places}
    for phase in shipped.phases:
        assert phase.view is not None, phase.id
        west, south, east, north = phase.view

        def inside(lat, lon):
            return west <= lon <= east and south <= lat <= north  # noqa: B023

        located = [e for e in shipped.events if phase.start <= e.time < phase.end and e.lat is not None]
        assert sum(inside(e.lat, e.lon) for e in located) >= 0.7 * len(located), phase.id
        for name in re.findall(r"\b[A-Z][a-z]+\b(?! River)", phase.title_en):  # places, not rivers
            if name in places:
                assert inside(places[name].lat, places[name].lon), (phase.id, name)


def test_every_unit_moves_through_every_phase_at_a_plausible_pace(shipped):
    tr = shipped.tracks
    for i, unit in enumerate(shipped.units):
        times = tr.time[tr.unit_slice(i)]
        for phase in shipped.phases:
            assert np.any((times >= phase.start) & (times < phase.end)), f"{unit.id} has no keyframe in {phase.id}"
    unit_of = tr.unit_indices()
    same = unit_of[1:] == unit_of[:-1]
    km = np.hypot(np.diff(tr.lat) * 111.2, np.diff(tr.lon) * 111.2 * np.cos(np.radians(28.6)))
    hours = np.diff(tr.time) / 3600
    ground = np.array([shipped.units[u].branch != "air" for u in unit_of[:-1]])
    speed = np.where(same & ground & tr.interpolate[:-1], km / hours, 0)
    fastest = int(np.argmax(speed))
    assert speed[fastest] <= 6.0, f"{shipped.units[unit_of[fastest]].id} moves at {speed[fastest]:.1f} km/h"


def test_every_paragraph_of_the_seed_is_told_by_an_event(shipped):
    told: set[int] = set()
    for event in shipped.events:
        for cite in event.sources:
            if cite.source_key == "SEED":
                for a, b in re.findall(r"(\d+)(?:\s*[–-]\s*(\d+))?", cite.locator):
                    told.update(range(int(a), int(b or a) + 1))
    assert set(range(1, SEED_PARAGRAPHS + 1)) <= told


def test_known_conflicts_are_recorded_with_both_versions(shipped):
    conflicts = [e for e in shipped.events if e.basis == "conflict"]
    assert all(e.other_version_en and e.other_version_zh for e in conflicts)
    text = " ".join(e.title_en + " " + e.text_en + " " + e.other_version_en for e in conflicts)
    for needle in ("New 22nd", "10th Army", "73rd", "79th", "14th", "140th"):
        assert needle in text, needle
    assert len(conflicts) >= 5


def test_the_narratives_defender_is_recorded_beside_the_historical_one(shipped):
    tenth = [u for u in shipped.units if u.narrative_name_en == "New 22nd Army"]
    assert len(tenth) == 1 and tenth[0].name_en == "10th Army" and tenth[0].basis == "conflict"


def test_weather_and_the_bombing_are_events(shipped):
    kinds = {e.kind for e in shipped.events}
    assert {"weather", "air_strike", "bridge_destroyed", "river_crossing", "encirclement", "order"} <= kinds
    weather = " ".join(e.text_en.lower() for e in shipped.events if e.kind == "weather")
    assert "snow" in weather and "clear" in weather


def test_strength_falls_where_the_narrative_says(shipped):
    state = shipped.state_at(shipped.phases[4].start + 6 * 3600)  # the night of the withdrawal, 4 Jan
    regiments = [
        i
        for i, u in enumerate(shipped.units)
        if u.parent_id == "jp-6-div"
        and u.echelon == "regiment"
        and ("13th" in u.name_en or "14th" in u.narrative_name_en)
    ]
    assert len(regiments) == 2
    assert all(state.strength[i] <= 40 for i in regiments)


def test_credits_sources_and_schematic_rivers(shipped):
    licences = " ".join(f"{c.holder} {c.licence}" for c in shipped.credits)
    assert "LGPL" in licences and "CC-BY" in licences and "GeoNames" in licences and "Wessel" in licences
    keys = {s.key for s in shipped.sources}
    assert {"SEED", "XILU", "GSHHG", "GEONAMES"} <= keys
    rivers = {f.name_en.split(" (")[0]: f for f in shipped.features if f.kind == "river"}
    for name in ("Liuyang River", "Laodao River", "Miluo River", "Xinqiang River"):
        assert rivers[name].schematic, name
    assert not rivers["Xiang River"].schematic


def test_every_unit_is_bilingual_and_has_a_symbol(shipped):
    for unit in shipped.units:
        assert unit.name_zh and len(unit.sidc) == 20 and unit.sources, unit.id
