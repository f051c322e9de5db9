"""Content validation: each problem names table, row and column."""

import numpy as np
import pytest
from factories import HOUR, T0, tiny, unit

from changsha_replay.model import OrderOfBattle, Phase, Phases, UnitTracks, validate
from changsha_replay.model.validation import geometry_problem


def problems_of(scenario):
    return {(p.table, p.column) for p in validate(scenario)}


def test_the_tiny_scenario_is_valid():
    assert validate(tiny()) == []


def test_dangling_references_and_parent_cycles():
    s = tiny()
    units = list(s.units)
    units[1] = units[1]._replace(parent_id="ghost")
    units[3] = units[3]._replace(side_id="mars", parent_id="jp-regt")  # jp-div ↔ jp-regt cycle
    found = validate(s.replace(units=OrderOfBattle(units)))
    text = [str(p) for p in found]
    assert "unit 'cn-div-a' [parent_id]: unknown unit 'ghost'" in text
    assert "unit 'jp-div' [side_id]: unknown side 'mars'" in text
    assert any("parent cycle" in t for t in text)


def test_coordinates_out_of_range_or_nan():
    s = tiny()
    tr = s.tracks
    lat = tr.lat.copy()
    lat[0], lat[1] = np.nan, 123.0
    bad = UnitTracks(tr.unit_count, tr.unit_indices(), tr.time, lat, tr.lon, tr.strength, tr.status, tr.interpolate)
    found = [p for p in validate(s.replace(tracks=bad)) if p.column == "lat"]
    assert len(found) == 2 and "cn-army" in found[0].row and "1942-01-04T00:00:00+08:00" in found[0].row


def test_keyframes_at_the_same_instant_are_out_of_order():
    s = tiny()
    tr = s.tracks
    times = tr.time.copy()
    times[1] = times[0]
    bad = UnitTracks(tr.unit_count, tr.unit_indices(), times, tr.lat, tr.lon, tr.strength, tr.status, tr.interpolate)
    assert ("keyframe", "t") in problems_of(s.replace(tracks=bad))


def test_phase_gap_and_overlap():
    s = tiny()
    late = Phases([Phase("p1", T0 + HOUR, T0 + 6 * HOUR, "First", ""), Phase("p2", T0 + HOUR, s.info.end, "B", "")])
    found = [str(p) for p in validate(s.replace(phases=late))]
    assert any("gap" in t for t in found)
    assert any("overlaps" in t for t in found)


def test_events_need_valid_kind_units_sources_and_conflict_text():
    s = tiny()
    events = list(s.events)
    events[0] = events[0]._replace(kind="party", sources=())
    events[3] = events[3]._replace(other_version_en="", units=(events[3].units[0]._replace(unit_id="x"),))
    found = problems_of(s.replace(events=type(s.events)(events)))
    assert {
        ("event", "kind"),
        ("event_source", "source_key"),
        ("event", "other_version_en"),
        ("event_unit", "unit_id"),
    } <= found


def test_geometry_must_be_geojson_in_degrees():
    s = tiny()
    feature = s.features[0]._replace(geometry={"type": "LineString", "coordinates": [[500, 28], [113, 28]]})
    annotation = s.annotations[0]._replace(geometry={"type": "Circle"})
    assert {("feature", "geometry"), ("annotation", "geometry")} <= problems_of(
        s.replace(features=(feature,), annotations=(annotation,))
    )


def test_a_flood_of_problems_is_capped():
    units = OrderOfBattle([unit(f"u{i}", side="nowhere") for i in range(100)])
    s = tiny()
    tr = s.tracks
    found = [
        p
        for p in validate(
            s.replace(
                units=units,
                tracks=UnitTracks(
                    100, tr.unit_indices(), tr.time, tr.lat, tr.lon, tr.strength, tr.status, tr.interpolate
                ),
            )
        )
        if p.column == "side_id"
    ]
    assert len(found) == 21 and "80 more" in found[-1].message


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        ({"type": "Point", "coordinates": [113.0, 28.2]}, None),
        ({"type": "LineString", "coordinates": [[113.0, 28.2], [113.1, 28.3, 5.0]]}, None),
        ({"type": "MultiPolygon", "coordinates": [[[[113, 28], [113.1, 28], [113, 28.1], [113, 28]]]]}, None),
        ({"type": "Circle", "coordinates": [113.0, 28.2]}, "not a GeoJSON geometry"),
        ({"type": "LineString", "coordinates": []}, "empty or malformed"),
        ({"type": "LineString", "coordinates": [[113.0, 28.2], [113.1]]}, "a position must be"),
        ({"type": "LineString", "coordinates": [[113.0, 28.2], [True, 28.0]]}, "a position must be"),
        ({"type": "LineString", "coordinates": [[113.0, 28.2], ["113", 28.0]]}, "a position must be"),
        ({"type": "Polygon", "coordinates": [[[113.0, 28.2], [200.0, 28.0]]]}, "out of range"),
        ({"type": "Point", "coordinates": [113.0, float("nan")]}, "out of range"),
        ({"type": "Point", "coordinates": [float("inf"), 28.0]}, "out of range"),
        ({"type": "MultiLineString", "coordinates": [[113.0, 28.2]]}, "a position must be"),
    ],
)
def test_geometry_problems(geometry, problem):
    found = geometry_problem(geometry)
    assert (found is None) if problem is None else (found is not None and problem in found)
