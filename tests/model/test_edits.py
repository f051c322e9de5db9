"""Edits as data: every edit undone by its inverse, and its change-set naming exactly what changed."""

from __future__ import annotations

import json

import pytest
from factories import HOUR, T0, tiny
from hypothesis import given, settings
from hypothesis import strategies as st

from changsha_replay.model import vocab
from changsha_replay.model.changes import Change
from changsha_replay.model.edits import (
    Batch,
    EditError,
    RemoveAnnotation,
    SetAnnotation,
    SetInfo,
    apply,
    fresh_id,
    from_json,
    merged,
    to_json,
)
from changsha_replay.model.records import Annotation

lon = st.floats(112.6, 113.9)
lat = st.floats(27.6, 29.4)
position = st.tuples(lon, lat).map(list)


@st.composite
def geometries(draw, kind: str) -> dict:
    shape = vocab.ANNOTATION_GEOMETRY[kind]
    if shape == "Point":
        return {"type": "Point", "coordinates": draw(position)}
    if shape == "LineString":
        return {"type": "LineString", "coordinates": draw(st.lists(position, min_size=2, max_size=6))}
    ring = draw(st.lists(position, min_size=3, max_size=6))
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@st.composite
def annotations(draw) -> Annotation:
    kind = draw(st.sampled_from(vocab.ANNOTATION_KINDS))
    start = draw(st.none() | st.integers(0, 20).map(lambda h: T0 + h * HOUR))
    end = None if start is None else draw(st.none() | st.integers(0, 4).map(lambda h: start + h * HOUR))
    return Annotation(
        draw(st.sampled_from(["a1", "n1", "n2", "n3"])),
        kind,
        draw(geometries(kind)),
        text=draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=30)),
        colour=draw(st.sampled_from(["#2563eb", "#dc2626", "#000000"])),
        start=start,
        end=end,
        created=T0,
        text_zh=draw(st.sampled_from(["", "进攻", "包围圈"])),
        width=draw(st.sampled_from([1.0, 2.5, 6.0])),
        dash=draw(st.sampled_from(vocab.DASHES)),
        fill_opacity=draw(st.sampled_from([0.0, 0.2, 1.0])),
        hatch=draw(st.booleans()),
        arrowhead=draw(st.sampled_from(vocab.ARROWHEADS)),
        span=draw(st.sampled_from(vocab.ANNOTATION_SPANS)),
        unit_id=draw(st.sampled_from([None, "cn-div-a"])) if kind in ("note", "label") else None,
        radius_km=draw(st.floats(0.5, 50)) if kind == "circle" else None,
    )


@st.composite
def edits(draw, depth: int = 0):
    choices = ["set", "remove", "info"] + (["batch"] if depth < 2 else [])
    choice = draw(st.sampled_from(choices))
    if choice == "set":
        return SetAnnotation(draw(annotations()), draw(st.none() | st.integers(0, 3)))
    if choice == "remove":
        return RemoveAnnotation(draw(st.sampled_from(["a1", "n1", "n2", "n3"])))
    if choice == "info":
        info = tiny().info
        return SetInfo(info._replace(title_en=draw(st.sampled_from(["Tiny", "My copy", "什么"])), author="me"))
    return Batch(tuple(draw(st.lists(edits(depth + 1), min_size=1, max_size=3))))


def _apply_or_skip(edit, scenario):
    try:
        return apply(edit, scenario)
    except EditError:
        return None  # e.g. removing an annotation that is not there: refused, nothing changed


@settings(max_examples=300, deadline=None)
@given(st.lists(edits(), min_size=1, max_size=6))
def test_every_edit_then_its_inverse_gives_the_same_content(sequence):
    scenario = tiny()
    for edit in sequence:
        done = _apply_or_skip(edit, scenario)
        if done is None:
            continue
        undone = apply(done.inverse, done.scenario)
        assert undone.scenario.same_content(scenario)
        redone = apply(undone.inverse, undone.scenario)  # the inverse of the inverse is the edit again
        assert redone.scenario.same_content(done.scenario)
        scenario = done.scenario


@settings(max_examples=300, deadline=None)
@given(edits())
def test_the_change_names_exactly_the_parts_and_ids_that_changed(edit):
    before = tiny()
    done = _apply_or_skip(edit, before)
    if done is None:
        return
    assert done.change.parts == Change.between(before, done.scenario)
    old = {a.id: a for a in before.annotations}
    new = {a.id: a for a in done.scenario.annotations}
    differ = {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
    assert differ <= done.change.annotations  # every changed id is named
    assert done.change.annotations <= old.keys() | new.keys()  # and only ids that exist on one side


@settings(max_examples=200, deadline=None)
@given(edits())
def test_every_edit_survives_its_journal_form(edit):
    text = json.dumps(to_json(edit), allow_nan=False)
    assert from_json(json.loads(text)) == edit


def test_an_invalid_annotation_is_refused_and_names_the_column():
    s = tiny()
    bad = s.annotations[0]._replace(id="bad", kind="note")  # a note must be a Point
    with pytest.raises(EditError) as caught:
        apply(SetAnnotation(bad), s)
    assert caught.value.problems[0].column == "geometry"
    assert "Point" in str(caught.value)
    long = s.annotations[0]._replace(text="x" * 5000)
    with pytest.raises(EditError, match="too long"):
        apply(SetAnnotation(long), s)
    nul = s.annotations[0]._replace(text="a\x00b")
    with pytest.raises(EditError, match="control characters"):
        apply(SetAnnotation(nul), s)
    far = s.annotations[0]._replace(geometry={"type": "LineString", "coordinates": [[13.0, 28.0], [13.1, 28.1]]})
    with pytest.raises(EditError, match="outside"):
        apply(SetAnnotation(far), s)
    nan = s.annotations[0]._replace(geometry={"type": "LineString", "coordinates": [[float("nan"), 28.0], [1, 2]]})
    with pytest.raises(EditError):
        apply(SetAnnotation(nan), s)


def test_a_removed_annotation_comes_back_at_its_place_in_the_drawing_order():
    s = tiny()
    for n in range(3):
        s = apply(SetAnnotation(s.annotations[0]._replace(id=f"x{n}")), s).scenario
    removed = apply(RemoveAnnotation("x1"), s)
    assert [a.id for a in removed.scenario.annotations] == ["a1", "x0", "x2"]
    assert [a.id for a in apply(removed.inverse, removed.scenario).scenario.annotations] == ["a1", "x0", "x1", "x2"]


def test_a_scenario_span_that_would_cut_off_events_is_refused():
    s = tiny()
    with pytest.raises(EditError):
        apply(SetInfo(s.info._replace(end=s.info.start + HOUR)), s)


def test_consecutive_edits_of_one_annotation_merge_into_the_last():
    a = tiny().annotations[0]
    first, second = SetAnnotation(a._replace(text="P")), SetAnnotation(a._replace(text="Pu"))
    assert merged(first, second) == SetAnnotation(a._replace(text="Pu"))
    assert merged(first, SetAnnotation(a._replace(id="other"))) is None
    assert merged(first, RemoveAnnotation(a.id)) is None


def test_fresh_ids_are_not_taken():
    assert fresh_id("note", {"note-1", "note-2"}) == "note-3"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"op": "drop_table"},
        {"op": "set_annotation", "annotation": {"id": "x", "kind": "note", "geometry": {}, "evil": 1}},
        {"op": "set_info", "info": {**to_json(SetInfo(tiny().info))["info"], "time_zone": 10**9}},
        {"op": "batch", "edits": "nope"},
    ],
)
def test_a_damaged_journal_entry_is_refused(data):
    with pytest.raises(ValueError):
        from_json(data)


@pytest.mark.parametrize(
    "change",
    [{"colour": "#112233\n"}, {"id": "a\nb"}, {"id": "a\x85b"}, {"text": "C1 \x9b control"}],
)
def test_control_characters_and_trailing_newlines_are_refused(change):
    s = tiny()
    with pytest.raises(EditError):
        apply(SetAnnotation(s.annotations[0]._replace(**change)), s)


def test_an_edit_of_other_scenario_properties_keeps_an_older_long_description():
    s = tiny()
    s = s.replace(info=s.info._replace(description_en="line one\r\nline two"))  # as read from a file
    done = apply(SetInfo(s.info._replace(title_en="Renamed")), s)
    assert done.scenario.info.title_en == "Renamed"
