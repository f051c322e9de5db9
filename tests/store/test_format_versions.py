"""Format versions: version-1 files are still read (the columns version 2 added get their
defaults), every version-2 column is checked like the others, newer versions are refused.

The files here are made by hand with each version's DDL, not with ``store.save``, so these tests
check the reading side alone.
"""

import math
import sqlite3

import pytest

from changsha_replay.model import vocab
from changsha_replay.model.times import parse_time
from changsha_replay.store import ScenarioCache, ScenarioError, check, load, save
from changsha_replay.store.cache import stamp
from changsha_replay.store.schema import (
    APPLICATION_ID,
    DDL_BY_VERSION,
    FORMAT_VERSION,
    STAND_INS,
    expected_columns,
)

T0 = "1942-01-04T00:00:00+08:00"
POINT = '{"type":"Point","coordinates":[113.0,28.2]}'
LINE = '{"type":"LineString","coordinates":[[113.0,28.0],[113.1,28.1]]}'
SQUARE = '{"type":"Polygon","coordinates":[[[113.0,28.0],[113.1,28.0],[113.1,28.1],[113.0,28.0]]]}'


def rows_v1() -> dict[str, list[dict]]:
    """A small valid scenario, as the rows of a version-1 file."""
    return {
        "scenario": [
            dict(
                id=1,
                title_en="Hand-made",
                title_zh="手工",
                time_zone="+08:00",
                start_time=T0,
                end_time="1942-01-05T00:00:00+08:00",
                west=112.5,
                south=27.5,
                east=114.0,
                north=29.5,
            )
        ],
        "source": [dict(key="SRC", title="A source")],
        "side": [dict(id="cn", sort_order=0, name_en="China", colour="#2563eb")],
        "unit": [
            dict(id="cn-army", side_id="cn", name_en="Army", echelon="army", branch="infantry", sidc="1" * 20),
            dict(
                id="cn-div",
                sort_order=1,
                side_id="cn",
                parent_id="cn-army",
                name_en="Division",
                echelon="division",
                branch="infantry",
                sidc="1" * 20,
            ),
        ],
        "phase": [
            dict(id="p1", start_time=T0, title_en="First"),
            dict(id="p2", start_time="1942-01-04T12:00:00+08:00", title_en="Second"),
        ],
        "citation": [dict(id=1, source_key="SRC", locator="p. 1")],
        "keyframe": [
            dict(unit_id="cn-div", t=T0, lat=28.0, lon=113.0, status="defending", citation_id=1),
            dict(unit_id="cn-div", t="1942-01-04T10:00:00+08:00", lat=28.3, lon=113.2, status="moving", citation_id=1),
        ],
        "event": [dict(id="e1", t="1942-01-04T01:00:00+08:00", kind="order", title_en="Order", basis="seed")],
        "event_source": [dict(event_id="e1", source_key="SRC", locator="¶1")],
        "annotation": [
            dict(id="always", kind="note", geometry=POINT, text="Here", created=T0),
            dict(id="from", kind="arrow", geometry=LINE, start_time="1942-01-04T02:00:00+08:00", created=T0),
            dict(
                id="range",
                kind="area",
                geometry=SQUARE,
                colour="#ff0000",
                start_time="1942-01-04T02:00:00+08:00",
                end_time="1942-01-04T05:00:00+08:00",
                author="tester",
                created=T0,
            ),
        ],
    }


def make_file(path, version: int, rows: dict[str, list[dict]], ddl: str | None = None):
    """A scenario file of ``version`` made with that version's DDL (or ``ddl``); columns not given
    get their defaults."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.executescript(ddl or DDL_BY_VERSION[version])
        with conn:
            for table, found in rows.items():
                for row in found:
                    marks = ", ".join("?" * len(row))
                    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", tuple(row.values()))
    finally:
        conn.close()
    return path


def rows_v2(**annotation) -> dict[str, list[dict]]:
    """The same scenario as a version-2 file, with one more annotation (columns ``annotation``)."""
    rows = rows_v1()
    rows["scenario"][0].update(author="Someone", based_on="Changsha 1942")
    row = dict(id="bad", kind="note", geometry=POINT, text="Hold", created=T0)
    row.update(annotation)
    rows["annotation"].append(row)
    return rows


def edit(path, *statements):
    conn = sqlite3.connect(path)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


# -- the schema ---------------------------------------------------------------------------------
def test_version_4_appends_a_view_to_each_phase():
    assert FORMAT_VERSION == 4
    v3, v4 = expected_columns(3), expected_columns(4)
    assert expected_columns() == v4
    assert v4["phase"] == (*v3["phase"], "view_west", "view_south", "view_east", "view_north")
    assert {t for t in v3 if v3[t] != v4[t]} == {"phase"}
    assert tuple(STAND_INS[4]) == ("phase",) and tuple(STAND_INS[4]["phase"]) == v4["phase"][-4:]


def test_phase_views_are_read_and_an_older_file_has_none(tmp_path):
    rows = rows_v2()
    older = load(make_file(tmp_path / "v3.sqlite", 3, rows), use_cache=False)
    assert [p.view for p in older.phases] == [None] * len(older.phases)
    rows["phase"][0].update(view_west=112.9, view_south=28.0, view_east=113.2, view_north=28.3)
    path = make_file(tmp_path / "v4.sqlite", 4, rows)
    scenario = load(path, use_cache=False)
    assert scenario.phases[0].view == (112.9, 28.0, 113.2, 28.3)
    save(scenario.replace(origin=None), tmp_path / "again.sqlite")
    assert load(tmp_path / "again.sqlite", use_cache=False).phases[0].view == (112.9, 28.0, 113.2, 28.3)
    cache = ScenarioCache(tmp_path / "cache")
    load(path, cache=cache)
    cache.wait()
    assert load(path, cache=cache).phases[0].view == (112.9, 28.0, 113.2, 28.3)


@pytest.mark.parametrize(
    "view, column, words",
    [
        ((112.9, 28.0, None, 28.3), "view_west", "all four bounds, or none"),
        ((113.2, 28.0, 112.9, 28.3), "view_west/view_east", "invalid view"),
        ((112.9, 28.3, 113.2, 28.3), "view_south/view_north", "invalid view"),
        ((112.9, 28.0, 113.2, 95.0), "view_south/view_north", "invalid view"),
        ((10.0, 28.0, 11.0, 28.3), "view_west", "outside the scenario's map extent"),
        (("west", 28.0, 113.2, 28.3), "view_west", ""),
    ],
)
def test_a_bad_phase_view_is_refused_naming_the_phase(tmp_path, view, column, words):
    rows = rows_v2()
    rows["phase"][0].update(zip(("view_west", "view_south", "view_east", "view_north"), view, strict=True))
    problems = check(make_file(tmp_path / "v4.sqlite", 4, rows))
    assert any(p.table == "phase" and p.column == column and words in p.message for p in problems), problems


def test_version_3_appends_a_key_place_flag():
    v2, v3 = expected_columns(2), expected_columns(3)
    assert v3["place"] == (*v2["place"], "key_place")
    assert {t for t in v2 if v2[t] != v3[t]} == {"place"}
    assert tuple(STAND_INS[3]) == ("place",) and tuple(STAND_INS[3]["place"]) == ("key_place",)


def test_the_cities_of_a_version_2_file_are_its_key_places(tmp_path):
    rows = rows_v2()
    rows["place"] = [
        dict(id="cs", name_en="Changsha", lat=28.2, lon=113.0, kind="city", confidence_km=1.0, source_key="SRC"),
        dict(id="ds", name_en="Dongshan", lat=28.16, lon=113.07, kind="town", confidence_km=5.0, source_key="SRC"),
    ]
    path = make_file(tmp_path / "v2.sqlite", 2, rows)
    scenario = load(path, use_cache=False)
    assert [(p.id, p.key_place) for p in scenario.places] == [("cs", True), ("ds", False)]
    save(scenario.replace(origin=None), tmp_path / "v3.sqlite")
    again = load(tmp_path / "v3.sqlite", use_cache=False)
    assert [(p.id, p.key_place) for p in again.places] == [("cs", True), ("ds", False)]


def test_version_2_appends_exactly_these_columns():
    v1, v2 = expected_columns(1), expected_columns(2)
    assert list(v1) == list(v2)
    assert v2["scenario"] == (*v1["scenario"], "author", "based_on")
    added = ("text_zh", "width", "dash", "fill_opacity", "hatch", "arrowhead", "span", "unit_id", "radius_km")
    assert v2["annotation"] == (*v1["annotation"], *added)
    assert {t for t in v1 if v1[t] != v2[t]} == {"scenario", "annotation"}
    for table in v1:  # every added column has a stand-in for version-1 files, and only those
        assert tuple(STAND_INS[2].get(table, {})) == v2[table][len(v1[table]) :]


def test_version_2_defaults_are_the_records_defaults(tmp_path):
    """A row given only its version-1 columns reads as the record's defaults (span aside)."""
    path = make_file(tmp_path / "v2.sqlite", 2, rows_v1())
    scenario = load(path, use_cache=False)
    assert (scenario.info.author, scenario.info.based_on) == ("", "")
    note = scenario.annotations[0]
    assert (note.text_zh, note.width, note.dash, note.fill_opacity, note.hatch, note.arrowhead, note.span) == (
        "",
        2.0,
        "solid",
        0.2,
        False,
        "end",
        "phase",
    )
    assert note.unit_id is None and note.radius_km is None


# -- version 1 ----------------------------------------------------------------------------------
def test_a_version_1_file_opens_with_defaults_for_what_version_2_added(tmp_path):
    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    assert check(path) == []
    scenario = load(path, use_cache=False)
    info = scenario.info
    assert (info.title_en, info.author, info.based_on) == ("Hand-made", "", "")
    assert info.extent == (112.5, 27.5, 114.0, 29.5)
    assert [u.id for u in scenario.units] == ["cn-army", "cn-div"]
    assert len(scenario.tracks) == 2 and len(scenario.events) == 1
    by_id = {a.id: a for a in scenario.annotations}
    assert list(by_id) == ["always", "from", "range"]
    assert {a.id: a.span for a in scenario.annotations} == {"always": "always", "from": "from", "range": "range"}
    for a in scenario.annotations:
        assert a.text_zh == "" and a.dash == "solid" and a.arrowhead == "end"
        assert a.width == 2.0 and isinstance(a.width, float)
        assert a.fill_opacity == 0.2
        assert a.hatch is False
        assert a.unit_id is None and a.radius_km is None
    area = by_id["range"]
    assert (area.colour, area.author, area.text) == ("#ff0000", "tester", "")
    assert (area.start, area.end) == (parse_time("1942-01-04T02:00:00+08:00"), parse_time("1942-01-04T05:00:00+08:00"))
    assert by_id["always"].text == "Here" and by_id["always"].start is None


def test_bad_values_of_a_version_1_file_are_still_named(tmp_path):
    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    edit(path, "UPDATE annotation SET created = 'yesterday', colour = x'00' WHERE id = 'from'")
    with pytest.raises(ScenarioError) as info:
        load(path, use_cache=False)
    where = {(p.table, p.row, p.column) for p in info.value.problems}
    assert {("annotation", "'from'", "created"), ("annotation", "'from'", "colour")} <= where


def test_a_version_1_file_is_refused_when_it_lacks_a_version_1_column(tmp_path):
    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    edit(path, "ALTER TABLE annotation DROP COLUMN author")
    with pytest.raises(ScenarioError, match="missing") as info:
        load(path, use_cache=False)
    assert [(p.table, p.column) for p in info.value.problems] == [("annotation", "author")]


def test_a_version_2_header_over_version_1_tables_names_the_missing_columns(tmp_path):
    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    edit(path, "PRAGMA user_version = 2")
    with pytest.raises(ScenarioError, match="column is missing") as info:
        load(path, use_cache=False)
    assert {(p.table, p.column) for p in info.value.problems} == {
        ("scenario", "author"),
        ("scenario", "based_on"),
        *(("annotation", c) for c in STAND_INS[2]["annotation"]),
    }


def test_a_version_1_file_goes_through_the_cache_unchanged(tmp_path):
    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    cache = ScenarioCache(tmp_path / "cache", min_bytes=0)
    first = load(path, cache=cache)
    cache.wait()
    cached = cache.get(stamp(path))
    assert cached is not None and cached.same_content(first)
    assert [a.span for a in cached.annotations] == ["always", "from", "range"]


# -- version 2 ----------------------------------------------------------------------------------
def test_a_version_2_file_reads_every_new_column(tmp_path):
    rows = rows_v2(
        kind="label",
        text_zh="坚守",
        width=3.5,
        dash="dot",
        fill_opacity=0.6,
        hatch=1,
        arrowhead="both",
        span="event",
        unit_id="cn-div",
        start_time="1942-01-04T01:00:00+08:00",
        end_time="1942-01-04T03:00:00+08:00",
    )
    rows["annotation"].append(dict(id="ring", kind="circle", geometry=POINT, radius_km=12.5, created=T0))
    path = make_file(tmp_path / "v2.sqlite", 2, rows)
    assert check(path) == []
    scenario = load(path, use_cache=False)
    assert (scenario.info.author, scenario.info.based_on) == ("Someone", "Changsha 1942")
    by_id = {a.id: a for a in scenario.annotations}
    label = by_id["bad"]
    assert (label.kind, label.text, label.text_zh, label.width, label.dash, label.fill_opacity) == (
        "label",
        "Hold",
        "坚守",
        3.5,
        "dot",
        0.6,
    )
    assert label.hatch is True
    assert (label.arrowhead, label.span, label.unit_id, label.radius_km) == ("both", "event", "cn-div", None)
    assert by_id["ring"].radius_km == 12.5 and by_id["ring"].span == "phase"
    assert [a.span for a in scenario.annotations[:3]] == ["phase", "phase", "phase"]  # stored, not derived


LONG = "x" * 3000


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        (dict(hatch=5), "hatch", "0 or 1"),
        (dict(hatch="yes"), "hatch", "0 or 1"),
        (dict(hatch=0.5), "hatch", "0 or 1"),
        (dict(width="wide"), "width", "must be a number"),
        (dict(width=50), "width", "0.5–20"),
        (dict(width=0.1), "width", "0.5–20"),
        (dict(fill_opacity=1.5), "fill_opacity", "0–1"),
        (dict(fill_opacity="half"), "fill_opacity", "must be a number"),
        (dict(kind="circle", radius_km="far"), "radius_km", "must be a number"),
        (dict(kind="circle", radius_km=3000), "radius_km", "radius"),
        (dict(kind="circle"), "radius_km", "radius"),
        (dict(radius_km=5), "radius_km", "only circles"),
        (dict(kind="blob"), "kind", "unknown kind"),
        (dict(geometry=LINE), "geometry", "a note must be a Point"),
        (dict(geometry='{"type":"Point","coordinates":[NaN,28.2]}'), "geometry", "out of range"),
        (dict(geometry='{"type":"Point","coordinates":[100.0,28.2]}'), "geometry", "far outside"),
        (dict(geometry="{not json"), "geometry", "not valid JSON"),
        (dict(text="a\x00b"), "text", "control characters"),
        (dict(text=LONG), "text", "3,000 characters"),
        (dict(text_zh=LONG), "text_zh", "3,000 characters"),
        (dict(text_zh=b"7"), "text_zh", "must be text"),
        (dict(dash="wavy"), "dash", "unknown pattern"),
        (dict(arrowhead="middle"), "arrowhead", "unknown arrowhead"),
        (dict(span="sometimes"), "span", "unknown span"),
        (dict(unit_id=b"cn-div"), "unit_id", "must be text"),
        (dict(unit_id="ghost"), "unit_id", "unknown unit"),
        (dict(kind="arrow", geometry=LINE, unit_id="cn-div"), "unit_id", "only notes and labels"),
        (dict(colour="red"), "colour", "#rrggbb"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_version_2_annotation_is_refused_naming_row_and_column(tmp_path, values, column, message):
    path = make_file(tmp_path / "v2.sqlite", 2, rows_v2(**values))
    with pytest.raises(ScenarioError) as info:
        load(path, use_cache=False)
    found = [p for p in info.value.problems if (p.table, p.row, p.column) == ("annotation", "'bad'", column)]
    assert found, info.value.problems
    assert any(message in p.message for p in found), found
    text = str(info.value)
    assert "\n" not in text and text.startswith("v2.sqlite: annotation 'bad' [")


def test_bad_scenario_columns_of_version_2_are_named(tmp_path):
    rows = rows_v2()
    rows["scenario"][0].update(author=b"me", based_on="y" * 2001)
    path = make_file(tmp_path / "v2.sqlite", 2, rows)
    with pytest.raises(ScenarioError) as info:
        load(path, use_cache=False)
    messages = {p.column: p.message for p in info.value.problems if p.table == "scenario"}
    assert "must be text" in messages["author"]
    assert "2,001 characters" in messages["based_on"]


def test_annotation_text_is_capped_but_event_text_is_not(tmp_path):
    rows = rows_v2(text="x" * 2000, text_zh="字" * 2000)
    rows["event"][0].update(text_en="y" * 5000, text_zh="事" * 5000)
    path = make_file(tmp_path / "v2.sqlite", 2, rows)
    scenario = load(path, use_cache=False)
    assert len(scenario.annotations[-1].text_zh) == 2000 and len(scenario.events[0].text_zh) == 5000


def test_a_nan_or_null_in_a_number_column_is_refused(tmp_path):
    """SQLite stores a NaN as NULL; in a file whose DDL lacks the NOT NULL it reads as missing."""
    ddl = DDL_BY_VERSION[2].replace("width        REAL NOT NULL DEFAULT 2", "width REAL")
    assert ddl != DDL_BY_VERSION[2]
    path = make_file(tmp_path / "v2.sqlite", 2, rows_v2(width=math.nan), ddl)
    with pytest.raises(ScenarioError) as info:
        load(path, use_cache=False)
    assert ("annotation", "'bad'", "width", "is missing") in {
        (p.table, p.row, p.column, p.message) for p in info.value.problems
    }


# -- newer versions -----------------------------------------------------------------------------
def test_a_newer_version_is_refused_as_newer(tmp_path):
    newer = FORMAT_VERSION + 1
    path = make_file(tmp_path / "newer.sqlite", FORMAT_VERSION, rows_v2())
    edit(path, f"PRAGMA user_version = {newer}")
    with pytest.raises(ScenarioError, match="made by a newer version") as info:
        load(path, use_cache=False)
    assert f"format {newer}" in str(info.value)
    with pytest.raises(ScenarioError, match="made by a newer version"):
        check(path)


def test_every_vocabulary_value_of_version_2_is_read(tmp_path):
    rows = rows_v2()
    extra = rows["annotation"]
    n = max(len(vocab.DASHES), len(vocab.ARROWHEADS), len(vocab.ANNOTATION_SPANS))
    combos = [
        (vocab.DASHES[i % len(vocab.DASHES)], vocab.ARROWHEADS[i % len(vocab.ARROWHEADS)], vocab.ANNOTATION_SPANS[i])
        for i in range(n)
    ]
    assert {c[2] for c in combos} == set(vocab.ANNOTATION_SPANS)  # every value of every vocabulary
    for i, (dash, arrowhead, span) in enumerate(combos):
        extra.append(
            dict(id=f"v{i}", kind="arrow", geometry=LINE, dash=dash, arrowhead=arrowhead, span=span, created=T0)
        )
    path = make_file(tmp_path / "v2.sqlite", 2, rows)
    scenario = load(path, use_cache=False)
    assert [(a.dash, a.arrowhead, a.span) for a in scenario.annotations[-n:]] == combos
