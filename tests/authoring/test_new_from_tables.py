"""`changsha-replay new`: a scenario from CSV and GeoJSON tables, or exit 2 naming file, row and column."""

from __future__ import annotations

import json

import numpy as np
import pytest

from changsha_replay.cli import main
from changsha_replay.model import vocab
from changsha_replay.model.times import parse_time
from changsha_replay.store import check, load

UNITS = """id,parent_id,side_id,name_en,name_zh,echelon,branch,commander_en
cn-10,,cn,10th Army,第10军,army,infantry,Li Yutang
cn-3,cn-10,cn,3rd Division,第3师,division,infantry,Zhou Qingxiang
cn-hq,cn-10,cn,10th Army HQ,,army,headquarters,
jp-3,,jp,3rd Division,第3师团,division,infantry,Toyoshima Fusataro
"""
KEYFRAMES = """unit_id,time,lat,lon,strength,status,certainty,source
cn-10,1942-01-01T00:00+08:00,28.2,112.97,100,defending,documented,Wei 1942 p. 3
cn-10,1942-01-04T00:00+08:00,28.2,112.97,80,defending,inferred,Wei 1942 p. 3
cn-3,1942-01-01T00:00+08:00,28.18,112.99,100,defending,documented,https://example.org/x
cn-hq,1942-01-01T00:00+08:00,28.19,112.96,100,defending,,
jp-3,1942-01-01T00:00+08:00,28.3,113.0,100,attacking,estimated,
jp-3,1942-01-04T00:00+08:00,28.22,112.99,70,attacking,estimated,
"""
EVENTS = """id,time,kind,title_en,text_en,lat,lon,units,source
e1,1942-01-01T06:00+08:00,engagement,Assault on the south gate,The 3rd attacks.,28.18,112.98,jp-3; cn-3,Wei 1942
e2,1942-01-03T06:00+08:00,order,An order,,,,cn-10,
"""
SIDES = """id,name_en,name_zh,colour,identity
cn,China,中国,#1d4ed8,friend
jp,Japan,日本,#b91c1c,hostile
"""
PLACES = """id,name_en,name_zh,lat,lon,kind,key_place
changsha,Changsha,长沙,28.2,112.97,city,1
"""


@pytest.fixture
def tables(tmp_path):
    for name, text in (("units", UNITS), ("keyframes", KEYFRAMES), ("events", EVENTS), ("sides", SIDES)):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    (tmp_path / "places.csv").write_text(PLACES, encoding="utf-8")
    river = {
        "type": "Feature",
        "properties": {"name": "Xiang"},
        "geometry": {"type": "LineString", "coordinates": [[112.9, 28.0], [112.95, 28.4]]},
    }
    (tmp_path / "rivers.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [river]}))
    return tmp_path


def _new(tables, out, *extra, units="units.csv", keyframes="keyframes.csv"):
    return main(
        [
            "new",
            str(out),
            "--title",
            "Test battle",
            "--units",
            str(tables / units),
            "--keyframes",
            str(tables / keyframes),
            *extra,
        ]
    )


def test_tables_make_a_scenario_that_opens_and_passes_validate(tables, capsys):
    out = tables / "out.sqlite"
    extra = ["--sides", str(tables / "sides.csv"), "--events", str(tables / "events.csv")]
    extra += ["--places", str(tables / "places.csv"), "--features", f"{tables / 'rivers.geojson'}:river"]
    assert _new(tables, out, *extra) == 0
    assert "4 units, 6 keyframes, 2 events" in capsys.readouterr().out
    assert check(out) == []
    s = load(out, use_cache=False)
    assert s.info.title_en == "Test battle" and str(s.info.time_zone) == "UTC+08:00"
    assert (s.info.start, s.info.end) == (parse_time("1942-01-01T00:00+08:00"), parse_time("1942-01-04T00:00+08:00"))
    west, south, east, north = s.info.extent
    assert west < 112.9 and east > 113.0 and south < 28.0 and north > 28.4  # around every position, rivers too
    assert [(x.id, x.name_en, x.colour) for x in s.sides] == [("cn", "China", "#1d4ed8"), ("jp", "Japan", "#b91c1c")]
    units = {u.id: u for u in s.units}
    assert units["cn-3"].parent_id == "cn-10" and units["cn-3"].name_zh == "第3师"
    assert units["cn-3"].sidc == "10031000211211000000"  # friendly infantry division
    assert units["jp-3"].sidc == "10061000211211000000"  # hostile
    assert units["cn-hq"].sidc[7] == "2"  # a headquarters
    titles = {src.key: src for src in s.sources}
    cited = [titles[s.tracks.citations[c].source_key] for c in s.tracks.citation]
    assert cited[0].title == "Wei 1942 p. 3" and cited[2].url == "https://example.org/x"
    assert cited[4].title.startswith("keyframes.csv")  # a row without a source cites its file
    certainty = [vocab.CERTAINTIES[c] for c in s.tracks.certainty]
    assert certainty == ["documented", "inferred", "documented", "estimated", "estimated", "estimated"]
    assert np.allclose(s.tracks.strength, [100, 80, 100, 100, 100, 70])
    e1 = s.events[0]
    assert e1.kind == "engagement" and [u.unit_id for u in e1.units] == ["jp-3", "cn-3"] and e1.lat == 28.18
    assert s.events[1].lat is None
    assert [p.key_place for p in s.places] == [True]
    assert [(f.kind, f.name_en) for f in s.features] == [("river", "Xiang")]


def test_without_sides_the_units_side_ids_make_them(tables):
    out = tables / "out.sqlite"
    assert _new(tables, out) == 0
    s = load(out, use_cache=False)
    assert [x.id for x in s.sides] == ["cn", "jp"] and s.sides[0].colour != s.sides[1].colour
    assert {u.id: u.sidc[3] for u in s.units}["jp-3"] == "6"  # the second side is hostile


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("units.csv", UNITS.replace("echelon,", "level,"), "units.csv: no column 'echelon'"),
        (
            "keyframes.csv",
            KEYFRAMES.replace("1942-01-04T00:00+08:00", "1942-13-04T00:00+08:00", 1),
            "keyframes.csv row 2, column 'time'",
        ),
        ("keyframes.csv", KEYFRAMES.replace("28.3,113.0", "nan,113.0"), "keyframes.csv row 5, column 'lat'"),
        (
            "keyframes.csv",
            KEYFRAMES.replace("attacking,estimated,\njp", "attack,estimated,\njp"),
            "keyframes.csv row 5, column 'status'",
        ),
        ("units.csv", UNITS.replace("cn-3,cn-10", "cn-3,cn-99"), "units.csv: unit 'cn-3' [parent_id]"),
        ("units.csv", UNITS.replace("cn-10,,cn", "cn-10,cn-3,cn"), "parent cycle"),
        ("units.csv", UNITS.replace("Li Yutang", "x" * 150_000), "units.csv row 1: a cell longer than 131,072"),
        ("keyframes.csv", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "keyframes.csv: no column 'unit_id'"),
        ("units.csv", UNITS + "extra,,cn,X,,army,infantry,,one too many\n", "units.csv row 5: more values"),
    ],
)
def test_bad_input_exits_2_naming_file_row_and_column_and_writes_nothing(tables, capsys, file, text, message):
    (tables / file).write_text(text, encoding="utf-8", errors="surrogateescape")
    out = tables / "out.sqlite"
    assert _new(tables, out) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_a_file_that_is_not_utf8_text_is_refused(tables, capsys):
    (tables / "units.csv").write_bytes(b"\xff\xfe\x00i\x00d" + bytes(range(128, 256)))
    assert _new(tables, tables / "out.sqlite") == 2
    assert "units.csv: not UTF-8 text" in capsys.readouterr().err


def test_an_existing_output_is_kept_unless_forced(tables, capsys):
    out = tables / "out.sqlite"
    out.write_bytes(b"mine")
    assert _new(tables, out) == 2 and out.read_bytes() == b"mine"
    assert "exists" in capsys.readouterr().err
    assert _new(tables, out, "--force") == 0 and check(out) == []


def test_geojson_places_and_a_feature_without_a_kind(tables, capsys):
    place = {
        "type": "Feature",
        "id": "cs",
        "properties": {"name": "Changsha", "kind": "city"},
        "geometry": {"type": "Point", "coordinates": [112.97, 28.2]},
    }
    (tables / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [place]}))
    out = tables / "out.sqlite"
    assert _new(tables, out, "--places", str(tables / "places.geojson")) == 0
    assert [(p.id, p.name_en, p.kind) for p in load(out, use_cache=False).places] == [("cs", "Changsha", "city")]
    assert _new(tables, out, "--force", "--features", str(tables / "rivers.geojson")) == 2
    assert "rivers.geojson feature 1, property 'kind'" in capsys.readouterr().err


def test_the_readme_example_tables_make_a_valid_scenario(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    tables, bundled = root / "docs" / "examples" / "tables", root / "scenarios" / "changsha-1942"
    out = tmp_path / "changsha-defence.sqlite"
    args = ["new", str(out), "--title", "The defence of Changsha"]
    args += [f"--{name}={tables / f'{name}.csv'}" for name in ("sides", "units", "keyframes", "events")]
    args += ["--places", str(bundled / "places.csv"), "--features", f"{bundled / 'rivers_wdbii_f.geojson'}:river"]
    assert main(args) == 0 and check(out) == []
    s = load(out, use_cache=False)
    assert {u.id for u in s.units} >= {"cn-10-army", "jp-3-div", "jp-6-div"} and len(s.events) >= 10
    assert all(src.title for src in s.sources) and not any(src.title.startswith("keyframes.csv") for src in s.sources)


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": "x"},
        {"type": "Point", "coordinates": [1]},
        {"type": "Point", "coordinates": 5},
        {"type": "Point", "coordinates": {"a": 1}},
        {"type": "Point", "coordinates": ["112", "28"]},
        {"type": "Point", "coordinates": [True, 28]},
        {"type": ["x"], "coordinates": [112, 28]},
    ],
)
def test_hostile_geojson_places_exit_2_without_a_traceback(tables, capsys, geometry):
    place = {"type": "Feature", "properties": {"id": "p", "name": "P"}, "geometry": geometry}
    (tables / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [place]}))
    assert _new(tables, tables / "out.sqlite", "--places", str(tables / "places.geojson")) == 2
    err = capsys.readouterr().err
    assert "places.geojson feature 1" in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": ["x"], "coordinates": [[112, 28], [113, 29]]},
        {"type": "LineString", "coordinates": [[10**400, 28], [113, 29]]},
    ],
)
def test_hostile_geojson_features_exit_2_without_a_traceback(tables, capsys, geometry):
    feature = {"type": "Feature", "properties": {"kind": "river"}, "geometry": geometry}
    (tables / "f.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert _new(tables, tables / "out.sqlite", "--features", str(tables / "f.geojson")) == 2
    err = capsys.readouterr().err
    assert "feature" in err and "Traceback" not in err and err.count("\n") == 1


def test_an_offset_beyond_23_59_is_named(tables, capsys):
    (tables / "keyframes.csv").write_text(KEYFRAMES.replace("1942-01-01T00:00+08:00", "1942-01-01T00:00+08:60", 1))
    assert _new(tables, tables / "out.sqlite") == 2
    assert "keyframes.csv row 1, column 'time'" in capsys.readouterr().err
