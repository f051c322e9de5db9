"""Annotations as GeoJSON: the round trip is exact, a plain GIS file imports, a hostile file is refused whole."""

import json
import math
import os

import pytest
from factories import HOUR, T0, tiny

from changsha_replay.model.records import Annotation
from changsha_replay.model.validation import MAX_ANNOTATION_TEXT, MAX_ANNOTATION_VERTICES, Problem
from changsha_replay.store import ScenarioError
from changsha_replay.store import annotation_geojson as ag
from changsha_replay.store.annotation_geojson import read_annotations, to_feature_collection, write_annotations

SCENARIO = tiny()
INFO = SCENARIO.info
NOW = T0 + 99 * HOUR


def point(lon=113.0, lat=28.2):
    return {"type": "Point", "coordinates": [lon, lat]}


def line(*positions):
    return {"type": "LineString", "coordinates": [list(p) for p in positions]}


def polygon(*positions):
    ring = [list(p) for p in positions]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def every_kind() -> list[Annotation]:
    return [
        Annotation(
            "note-1",
            "note",
            point(),
            "Hold here",
            "#123456",
            T0,
            T0 + HOUR,
            "Ann",
            T0 + 0.123456789,
            text_zh="坚守",
            span="range",
        ),
        Annotation("label-1", "label", point(112.9, 28.3), "6th Div.", unit_id="cn-div-a", span="always", created=-0.3),
        Annotation("note-2", "note", point(), "Tab\there,\nnew line", unit_id="jp-regt", span="from", start=T0),
        Annotation(
            "arrow-1",
            "arrow",
            line((113.0, 28.0), (113.1, 28.1), (113.2, 28.15)),
            width=3.5,
            arrowhead="both",
            dash="dash",
            span="event",
            start=T0 + HOUR,
            end=T0 + 6 * HOUR,
        ),
        Annotation("line-1", "line", line((113.0, 28.0), (113.123456789012345, 28.1)), dash="dot", width=0.5),
        Annotation(
            "free-1", "freehand", line(*[(113 + i / 1000, 28 + math.sin(i) / 100) for i in range(500)]), width=20
        ),
        Annotation(
            "area-1",
            "area",
            polygon((113.0, 28.0), (113.1, 28.0), (113.05, 28.1)),
            fill_opacity=0.55,
            hatch=True,
            colour="#ABCDEF",
        ),
        Annotation(
            "rect-1",
            "rectangle",
            polygon((113.0, 28.0), (113.1, 28.0), (113.1, 28.1), (113.0, 28.1)),
            fill_opacity=0,
            text='长沙 « quoted » "x"',
        ),
        Annotation(
            "circle-1",
            "circle",
            point(113.02, 28.21),
            "Ring",
            radius_km=12.345678901234567,
            created=1_700_000_000.987654321,
            span="phase",
            start=T0,
            end=T0 + 6 * HOUR,
        ),
    ]


def write(tmp_path, annotations, name="a.geojson"):
    path = tmp_path / name
    write_annotations(annotations, path, scenario_title=INFO.title_en, time_zone=INFO.time_zone)
    return path


def read(path, taken=(), units=None, author=""):
    return read_annotations(
        path,
        info=INFO,
        unit_ids=SCENARIO.units.ids if units is None else units,
        taken_ids=taken,
        author=author,
        now=NOW,
    )


def dump(tmp_path, document, name="in.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return path


def collection(*features, **extra):
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


# --- round trip --------------------------------------------------------------------------------


def test_round_trip_of_every_kind_is_exact(tmp_path):
    annotations = every_kind()
    assert {a.kind for a in annotations} == set(ag.vocab.ANNOTATION_KINDS)
    assert read(write(tmp_path, annotations)) == annotations


def test_round_trip_keeps_unit_attachment_and_exact_floats(tmp_path):
    back = {a.id: a for a in read(write(tmp_path, every_kind()))}
    assert back["label-1"].unit_id == "cn-div-a"
    assert back["note-2"].unit_id == "jp-regt"
    assert back["note-1"].created == T0 + 0.123456789
    assert back["label-1"].created == -0.3
    assert back["line-1"].geometry["coordinates"][1][0] == 113.123456789012345
    circle = back["circle-1"]
    assert circle.geometry == point(113.02, 28.21)
    assert abs(circle.radius_km - 12.345678901234567) < 1e-9


def test_the_file_is_a_feature_collection_qgis_can_draw(tmp_path):
    path = write(tmp_path, every_kind())
    raw = path.read_bytes()
    assert "长沙".encode() in raw  # UTF-8, not \\u escapes
    document = json.loads(raw)
    assert document["type"] == "FeatureCollection"
    assert document["changsha_replay"] == {"format": 1, "scenario": "Tiny"}
    by_id = {f["properties"]["id"]: f for f in document["features"]}
    note = by_id["note-1"]
    assert note["type"] == "Feature"
    assert note["geometry"] == point()
    assert note["properties"]["start"] == "1942-01-04T00:00:00+08:00"
    assert note["properties"]["end"] == "1942-01-04T01:00:00+08:00"
    assert note["properties"]["text_en"] == "Hold here"
    assert note["properties"]["text_zh"] == "坚守"
    assert by_id["line-1"]["properties"]["start"] is None
    assert "radius_km" not in note["properties"]
    assert set(note["properties"]) >= {
        "id",
        "kind",
        "text_en",
        "text_zh",
        "colour",
        "width",
        "dash",
        "fill_opacity",
        "hatch",
        "arrowhead",
        "span",
        "start",
        "end",
        "unit_id",
        "author",
        "created",
    }
    circle = by_id["circle-1"]
    assert circle["properties"]["center"] == [113.02, 28.21]
    assert circle["properties"]["radius_km"] == 12.345678901234567
    ring = circle["geometry"]["coordinates"]
    assert circle["geometry"]["type"] == "Polygon" and len(ring) == 1
    assert len(ring[0]) == ag.CIRCLE_VERTICES + 1 and ring[0][0] == ring[0][-1]
    for lon, lat in ring[0]:
        assert _distance_km(113.02, 28.21, lon, lat) == pytest.approx(12.345678901234567, rel=1e-4)


def test_to_feature_collection_matches_the_file(tmp_path):
    annotations = every_kind()
    in_memory = to_feature_collection(annotations, scenario_title="Tiny", time_zone=INFO.time_zone)
    assert json.loads(write(tmp_path, annotations).read_text("utf-8")) == json.loads(json.dumps(in_memory))


def test_writing_is_atomic(tmp_path):
    path = write(tmp_path, every_kind())
    before = path.read_bytes()
    broken = Annotation("x", "note", point(float("nan"), 28.0))
    with pytest.raises(ScenarioError, match="cannot export"):
        write(tmp_path, [broken])
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["a.geojson"]  # no temporary file left behind
    with pytest.raises(ScenarioError, match="cannot write"):
        write(tmp_path / "missing-folder", every_kind())


def test_an_empty_export_reads_back_empty(tmp_path):
    assert read(write(tmp_path, [])) == []


# --- import of other files ---------------------------------------------------------------------


def test_a_plain_gis_file_imports(tmp_path):
    document = collection(
        feature(point(113.0, 28.1), fid=1, name="Changsha gate"),
        feature(line((113.0, 28.0), (113.2, 28.2)), text="Road", colour=None, width=None),
        feature(polygon((113.0, 28.0), (113.1, 28.0), (113.1, 28.1)), name=None, area_m2=123.4),
        feature(
            {
                "type": "MultiPolygon",
                "coordinates": [
                    polygon((113.0, 28.0), (113.1, 28.0), (113.1, 28.1))["coordinates"],
                    polygon((113.2, 28.0), (113.3, 28.0), (113.3, 28.1))["coordinates"],
                ],
            },
            name="Two fields",
        ),
        name="layer",
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    )
    got = read(dump(tmp_path, document), author="Teacher")
    assert [a.kind for a in got] == ["note", "line", "area", "area", "area"]
    assert [a.text for a in got] == ["Changsha gate", "Road", "", "Two fields", "Two fields"]
    assert [a.id for a in got] == ["ann-1", "ann-2", "ann-3", "ann-4", "ann-5"]
    assert got[4].geometry == polygon((113.2, 28.0), (113.3, 28.0), (113.3, 28.1))
    default = Annotation("", "", {})
    for a in got:
        assert (a.author, a.created, a.start, a.end, a.span) == ("Teacher", NOW, None, None, "always")
        assert (a.colour, a.width, a.dash, a.fill_opacity, a.hatch, a.unit_id, a.radius_km) == (
            default.colour,
            default.width,
            default.dash,
            default.fill_opacity,
            default.hatch,
            None,
            None,
        )


def test_integer_ids_and_feature_ids_are_kept_as_text(tmp_path):
    document = collection(
        feature(point(), id=7),
        {"type": "Feature", "id": "gate", "properties": None, "geometry": point()},
    )
    assert [a.id for a in read(dump(tmp_path, document))] == ["7", "gate"]


def test_an_unknown_unit_is_dropped_and_the_note_kept(tmp_path):
    annotations = [Annotation("n", "note", point(), "Here", unit_id="cn-div-a")]
    back = read(write(tmp_path, annotations), units={"cn-army"})
    assert back == [annotations[0]._replace(unit_id=None)]


def test_taken_and_repeated_ids_get_fresh_ones(tmp_path):
    document = collection(
        feature(point(), id="a1"),
        feature(point(), id="a1"),
        feature(point(), id="b"),
        feature(point()),
        feature(point()),
    )
    got = read(dump(tmp_path, document), taken={"a1", "a1-2", "ann-1"})
    assert [a.id for a in got] == ["a1-3", "a1-4", "b", "ann-2", "ann-3"]


def test_exported_ids_come_back_fresh_when_taken(tmp_path):
    annotations = every_kind()
    path = write(tmp_path, annotations)
    back = read(path, taken={a.id for a in annotations})
    assert [a.id for a in back] == [f"{a.id}-2" for a in annotations]
    assert [a._replace(id="") for a in back] == [a._replace(id="") for a in annotations]


# --- hostile files -----------------------------------------------------------------------------


def _refused(path, match) -> ScenarioError:
    with pytest.raises(ScenarioError, match=match) as caught:
        read(path)
    error = caught.value
    assert "\n" not in str(error) and len(str(error)) < 400
    return error


GOOD = feature(point(), id="good", kind="note", text_en="fine")


@pytest.mark.parametrize(
    ("properties", "geometry", "column", "match"),
    [
        ({"width": "2"}, point(), "width", "must be a number, not text"),
        ({"hatch": "yes"}, point(), "hatch", "must be true or false"),
        ({"text_en": 5}, point(), "text_en", "must be text, not a number"),
        ({"text_zh": ["a"]}, point(), "text_zh", "must be text, not a list"),
        ({"start": 123}, point(), "start", "must be an ISO 8601 time"),
        ({"end": "yesterday"}, point(), "end", "not an ISO 8601 time"),
        ({"start": "1942-01-04T08:00:00"}, point(), "start", "not an ISO 8601 time"),  # no offset
        ({"start": "1942-01-04T08:00:00.5+08:00"}, point(), "start", "whole seconds"),
        ({"start": "1942-01-05T00:00:00+08:00", "end": "1942-01-04T00:00:00+08:00"}, point(), "end", "before"),
        ({"id": {"x": 1}}, point(), "id", "must be text"),
        ({"id": "x" * 300}, point(), "id", "short text"),
        ({"kind": "blob"}, point(), "kind", "unknown kind 'blob'"),
        ({"kind": 3}, point(), "kind", "must be text"),
        ({"dash": "wavy"}, point(), "dash", "unknown pattern 'wavy'"),
        ({"span": "forever"}, point(), "span", "unknown span 'forever'"),
        ({"arrowhead": "left"}, line((113, 28), (113.1, 28.1)), "arrowhead", "unknown arrowhead"),
        ({"colour": "red"}, point(), "colour", "#rrggbb"),
        ({"width": 100}, point(), "width", "0.5–20"),
        ({"fill_opacity": 2}, point(), "fill_opacity", "0–1"),
        ({"kind": "arrow"}, point(), "geometry", "a arrow must be a LineString, not a Point"),
        ({"kind": "note"}, polygon((113, 28), (113.1, 28), (113.1, 28.1)), "geometry", "must be a Point"),
        ({"kind": "circle", "radius_km": 5}, line((113, 28), (113.1, 28.1)), "geometry", "circle must be a Polygon"),
        ({"kind": "circle", "radius_km": 5}, polygon((113, 28), (113.1, 28), (113.1, 28.1)), "center", "center"),
        (
            {"kind": "circle", "radius_km": 5, "center": [113, "28"]},
            polygon((113, 28), (113.1, 28), (113.1, 28.1)),
            "center",
            "center",
        ),
        (
            {"kind": "circle", "radius_km": 5, "center": [200, 28]},
            polygon((113, 28), (113.1, 28), (113.1, 28.1)),
            "center",
            "out of range",
        ),
        ({"kind": "circle"}, point(), "radius_km", "needs a radius"),
        ({"kind": "circle", "radius_km": 99999}, point(), "radius_km", "needs a radius"),
        ({"radius_km": 5}, point(), "radius_km", "only circles"),
        ({"kind": "line", "unit_id": "cn-army"}, line((113, 28), (113.1, 28.1)), "unit_id", "only notes and labels"),
        ({"text_en": "x" * (MAX_ANNOTATION_TEXT + 1)}, point(), "text_en", "too long"),
        ({"text_zh": "bell\x07"}, point(), "text_zh", "control characters"),
        ({"author": "esc\x1b[31m"}, point(), "author", "control characters"),
        ({}, point(150.0, 28.0), "geometry", "far outside"),
        ({}, point(113.0, 95.0), "geometry", "out of range"),
        ({}, {"type": "Point", "coordinates": [113.0]}, "geometry", r"\[lon, lat\]"),
        ({}, {"type": "LineString", "coordinates": [[113.0, 28.0]]}, "geometry", "at least two"),
        (
            {},
            {"type": "Polygon", "coordinates": [[[113, 28], [113.1, 28], [113.1, 28.1], [113.2, 28.3]]]},
            "geometry",
            "closed",
        ),
        ({}, {"type": "LineString", "coordinates": [[113.0, 28.0], [True, 28.0]]}, "geometry", r"\[lon, lat\]"),
        ({}, {"type": "LineString", "coordinates": "nope"}, "geometry", "malformed"),
        ({}, {"type": "MultiLineString", "coordinates": []}, "geometry", "malformed"),
        ({}, {"type": "GeometryCollection", "geometries": []}, "geometry", "'GeometryCollection' cannot be imported"),
        ({}, {"type": 5}, "geometry", "not a GeoJSON geometry"),
        ({}, None, "geometry", "no geometry"),
        (
            {},
            line(*[(113 + i / 1e5, 28.0) for i in range(MAX_ANNOTATION_VERTICES + 1)]),
            "geometry",
            "more than 10,000 positions",
        ),
    ],
)
def test_a_bad_feature_refuses_the_whole_file(tmp_path, properties, geometry, column, match):
    path = dump(tmp_path, collection(GOOD, GOOD | {"properties": {"id": "bad", **properties}, "geometry": geometry}))
    error = _refused(path, match)
    assert str(error).startswith("in.geojson: cannot import the annotations: feature #2")
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert isinstance(problem, Problem)
    assert (problem.table, problem.column) == ("feature", column)
    assert problem.row.startswith("#2")


def test_every_bad_feature_is_named(tmp_path):
    bad = feature(point(), kind="blob")
    path = dump(tmp_path, collection(bad, GOOD, bad | {"properties": {"width": "x", "dash": 1}}))
    error = _refused(path, r"feature #1 \[kind\]: unknown kind 'blob' \(and 2 more\)")
    assert [(p.row, p.column) for p in error.problems] == [("#1", "kind"), ("#3", "width"), ("#3", "dash")]


def test_quoted_file_content_is_escaped_and_truncated(tmp_path):
    kind = "\x1b[2J\r\n" + "k" * 500
    path = dump(tmp_path, collection(feature(point(), id="evil\x1b\n" + "i" * 500, kind=kind)))
    error = _refused(path, "unknown kind")
    text = str(error)
    assert "\x1b" not in text and "\r" not in text and "\n" not in text
    assert "\\x1b" in text and "…" in text
    assert "k" * 100 not in text and "i" * 100 not in text


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"<html></html>", "not valid JSON"),
        (b"[]", "not a GeoJSON FeatureCollection"),
        (b'{"type": "Feature", "properties": {}, "geometry": null}', "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection"}', "no list of features"),
        (b'{"type": "FeatureCollection", "features": {}}', "no list of features"),
        (b'{"type": "FeatureCollection", "features": [1]}', r"feature #1: not a GeoJSON Feature"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [], "geometry": null}]}',
            r"#1 \[properties\]: must be an object",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
            b' "geometry": {"type": "Point", "coordinates": [NaN, 28]}}]}',
            "NaN is not a number JSON allows",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"width": -Infinity},'
            b' "geometry": {"type": "Point", "coordinates": [113, 28]}}]}',
            "-Infinity is not a number JSON allows",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"width": 1e999},'
            b' "geometry": {"type": "Point", "coordinates": [113, 28]}}]}',
            r"#1 \[width\]: must be 0.5–20",
        ),  # inf
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
            b' "geometry": {"type": "Point", "coordinates": [113, -1e999]}}]}',
            "out of range",
        ),
        (b'{"type": "FeatureCollection", "features": [], "x": ' + b"1" * 5000 + b"}", "not usable JSON"),
        (b'{"type": "FeatureCollection", "features": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}", "nested too deeply"),
        (
            b'{"type": "FeatureCollection", "features": [], "x": ' + b'{"a": ' * 200_000 + b"1" + b"}" * 200_001,
            "nested too deeply",
        ),
        (b'{"type": "FeatureCollection", "features": [], "name": "\xff\xfe"}', "not UTF-8 text"),
        (b'\xff\xfe{\x00"\x00', "not UTF-8 text"),  # UTF-16
        (b'{"type": "FeatureCollection", "changsha_replay": {"format": 2}, "features": []}', "newer version"),
    ],
)
def test_a_bad_file_is_refused(tmp_path, content, match):
    path = tmp_path / "in.geojson"
    path.write_bytes(content)
    _refused(path, match)


def test_too_many_features_are_refused(tmp_path):
    path = dump(tmp_path, collection(*[GOOD] * (ag.MAX_FEATURES + 1)))
    _refused(path, r"too many features \(10,001; at most 10,000\)")


def test_too_many_parts_are_refused(tmp_path):
    many = {"type": "MultiPoint", "coordinates": [[113.0, 28.0]] * 300}
    path = dump(tmp_path, collection(*[feature(many)] * 40))
    _refused(path, "too many annotations")


def test_too_many_positions_in_all_are_refused(tmp_path):
    # 300,000 positions: past the cap, but few enough '[' to be parsed and then counted.
    lines = [line(*[(113.0, 28.0)] * 10_000) for _ in range(30)]
    _refused(dump(tmp_path, collection(*map(feature, lines))), r"too many positions \(more than 200,000 in a file\)")


def test_a_million_positions_are_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "huge.geojson"
    coordinates = ",".join(["[113,28]"] * 1_000_000)
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        f'"geometry":{{"type":"LineString","coordinates":[{coordinates}]}}}}]}}'
    )

    def never(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(ag.json, "loads", never)
    _refused(path, r"huge.geojson: too many positions \(about 1,000,000; at most 200,000 in a file\)")


def test_many_brackets_in_text_are_not_positions(tmp_path):
    # '[' in texts count towards the quick check, but only arrays of numbers refuse the file.
    texts = [feature(point(), text_en="[" * 1_000) for _ in range(500)]
    assert len(read(dump(tmp_path, collection(*texts)))) == 500


def test_millions_of_empty_arrays_are_refused_before_parsing(tmp_path, monkeypatch):
    # 19 MB of "[]": under the size cap, no positions, but half a gigabyte once parsed.
    path = tmp_path / "empty.geojson"
    path.write_text('{"type":"FeatureCollection","features":[],"x":[' + ",".join(["[]"] * 6_000_000) + "]}")
    monkeypatch.setattr(ag.json, "loads", lambda *a, **k: pytest.fail("the file was parsed"))
    _refused(path, r"empty.geojson: too many arrays and objects \(about 6,000,003; at most 600,000 in a file\)")


def test_brackets_and_braces_in_texts_are_not_containers(tmp_path):
    texts = [feature(point(), text_en='{[\\"' * 400) for _ in range(800)]  # 640,000 in texts
    assert len(read(dump(tmp_path, collection(*texts)))) == 800


def test_a_50_mb_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.geojson"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: nothing written

    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(ag.Path, "open", never)
    _refused(path, r"big.geojson: too large for annotations \(50 MB; at most 20 MB\)")


def test_what_cannot_be_read_is_refused(tmp_path):
    _refused(tmp_path / "missing.geojson", "missing.geojson: cannot be read")
    _refused(tmp_path, "not a file")


def _distance_km(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * ag.EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def test_thousands_of_repeated_ids_each_get_the_next_free_one(tmp_path):
    parts = [[[113.0 + i * 1e-4, 28.2], [113.0 + i * 1e-4, 28.3]] for i in range(5000)]
    path = dump(tmp_path, collection(feature({"type": "MultiLineString", "coordinates": parts}, id="axis")))
    found = read(path, taken={"axis-3"})
    ids = [a.id for a in found]
    assert len(ids) == len(set(ids)) == 5000
    assert ids[:4] == ["axis", "axis-2", "axis-4", "axis-5"]
