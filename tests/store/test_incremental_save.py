"""Saving a scenario read from a file copies its unchanged parts from that file, and only while
that file is provably the one read; the result is always what is in memory."""

import copy
import os
import shutil
import sqlite3
from datetime import timedelta, timezone

import pytest
from synthetic import synthetic
from test_format_versions import make_file, rows_v1
from test_saving import _dump

from changsha_replay.store import load, save, writer
from changsha_replay.store.origin import COPIED_PARTS, Origin

ALL_COPIED = {table for tables in COPIED_PARTS.values() for table in tables}


@pytest.fixture
def copies(monkeypatch):
    """The tables copied from a file by the saves made meanwhile."""
    copied: list[str] = []
    real = writer._copy_table

    def spy(conn, table):
        copied.append(table)
        real(conn, table)

    monkeypatch.setattr(writer, "_copy_table", spy)
    return copied


@pytest.fixture
def opened(tmp_path):
    """A scenario saved from memory and read back: (scenario, its path)."""
    path = tmp_path / "base.sqlite"
    save(synthetic(40, 6, 60), path)
    return load(path, use_cache=False), path


def test_a_read_scenario_knows_its_file(opened):
    scenario, path = opened
    assert isinstance(scenario.origin, Origin)
    assert scenario.origin.snapshot.path == path.resolve()
    assert set(scenario.origin.snapshot.unchanged(scenario)) == set(COPIED_PARTS)


def test_unchanged_parts_are_copied_and_the_file_is_what_a_full_save_writes(opened, tmp_path, copies):
    scenario, _ = opened
    edited = scenario.replace(info=scenario.info._replace(title_en="Edited"))
    save(edited, tmp_path / "copied.sqlite")
    assert set(copies) == ALL_COPIED
    save(edited.replace(origin=None), tmp_path / "written.sqlite")
    assert set(copies) == ALL_COPIED  # no origin: nothing more copied
    assert _dump(tmp_path / "copied.sqlite") == _dump(tmp_path / "written.sqlite")
    again = load(tmp_path / "copied.sqlite", use_cache=False)
    assert again.same_content(edited) and again.info.title_en == "Edited"
    # Copied tables come in full pages: the file is no larger than a compacted one.
    assert (tmp_path / "copied.sqlite").stat().st_size <= (tmp_path / "written.sqlite").stat().st_size


def test_a_changed_part_is_written_from_memory(opened, tmp_path, copies):
    scenario, _ = opened
    events = scenario.events.__class__(list(scenario.events)[1:])
    edited = scenario.replace(events=events)
    save(edited, tmp_path / "out.sqlite")
    assert set(copies) == ALL_COPIED - set(COPIED_PARTS["events"])
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(edited)


def test_a_source_changed_after_reading_is_not_copied(opened, tmp_path, copies):
    scenario, path = opened
    conn = sqlite3.connect(path)
    conn.execute("UPDATE keyframe SET lat = lat + 0.5")
    conn.commit()
    conn.close()
    save(scenario, tmp_path / "out.sqlite")
    assert copies == []
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(scenario)


def _plans(monkeypatch) -> list[bool]:
    """Whether each filling of a file meanwhile had a plan to copy from a source."""
    plans: list[bool] = []
    real = writer._fill

    def spy(conn, scenario, fast, plan=None):
        plans.append(plan is not None)
        return real(conn, scenario, fast, plan)

    monkeypatch.setattr(writer, "_fill", spy)
    return plans


def _replace_with_changed(path, statement):
    """What another program saving atomically does: a changed copy renamed over ``path``.
    (SQLite itself cannot write the source meanwhile: the copy holds a read lock on it.)"""
    changed = path.with_name("changed.sqlite")
    shutil.copyfile(path, changed)
    conn = sqlite3.connect(changed)
    conn.execute(statement)
    conn.commit()
    conn.close()
    os.replace(changed, path)


def test_sqlite_cannot_change_the_source_while_it_is_copied(opened, tmp_path, monkeypatch):
    scenario, path = opened
    real = writer._copy_table
    refused = []

    def meddle(conn, table):
        real(conn, table)
        if table == "keyframe":
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("UPDATE keyframe SET lat = lat + 0.5")
                other.commit()
            except sqlite3.OperationalError as exc:
                refused.append(str(exc))
            finally:
                other.close()

    monkeypatch.setattr(writer, "_copy_table", meddle)
    save(scenario, tmp_path / "out.sqlite")
    assert refused == ["database is locked"]
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(scenario)


def test_a_source_changed_while_copying_is_written_again_from_memory(opened, tmp_path, monkeypatch):
    scenario, path = opened
    real = writer._copy_table

    def meddle(conn, table):
        real(conn, table)
        if table == "keyframe":  # another program saves over the source meanwhile
            _replace_with_changed(path, "UPDATE keyframe SET lat = lat + 0.5")

    monkeypatch.setattr(writer, "_copy_table", meddle)
    plans = _plans(monkeypatch)
    for compact in (True, False):
        scenario = load(path, use_cache=False)  # (a save moves the origin to the file saved)
        plans.clear()
        target = tmp_path / f"out-{compact}.sqlite"
        save(scenario, target, compact=compact)
        assert plans == [True, False]  # copying, then everything again from memory
        assert load(target, use_cache=False).same_content(scenario)


@pytest.mark.parametrize("compact", [True, False])
def test_a_source_changed_during_a_partial_copy_restarts(opened, tmp_path, monkeypatch, compact):
    """Events copied, keyframes written: the source changing still sends everything to memory."""
    scenario, path = opened
    real = writer._copy_table

    def meddle(conn, table):
        real(conn, table)
        if table == "event":
            _replace_with_changed(path, "UPDATE event SET title_en = 'changed elsewhere'")

    monkeypatch.setattr(writer, "_copy_table", meddle)
    plans = _plans(monkeypatch)
    edited = scenario.replace(tracks=copy.copy(scenario.tracks))  # equal content, a new object
    target = tmp_path / "out.sqlite"
    save(edited, target, compact=compact)
    assert plans == [True, False]
    assert load(target, use_cache=False).same_content(edited)


def test_a_deleted_source_is_not_copied(opened, tmp_path, copies):
    scenario, path = opened
    path.unlink()
    save(scenario, tmp_path / "out.sqlite")
    assert copies == []
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(scenario)


def test_a_new_time_zone_writes_every_time_again(opened, tmp_path, copies):
    scenario, _ = opened
    edited = scenario.replace(info=scenario.info._replace(time_zone=timezone(timedelta(hours=9))))
    save(edited, tmp_path / "out.sqlite")
    assert copies == []
    again = load(tmp_path / "out.sqlite", use_cache=False)
    assert again.same_content(edited)
    assert "+09:00" in _dump(tmp_path / "out.sqlite")["keyframe"][0][1]


def test_saving_in_place_copies_from_the_file_it_replaces(opened, copies):
    scenario, path = opened
    edited = scenario.replace(info=scenario.info._replace(title_en="In place"))
    save(edited, path)
    assert set(copies) == ALL_COPIED
    assert load(path, use_cache=False).same_content(edited)


def test_after_a_save_the_new_file_is_the_origin(opened, tmp_path, copies):
    scenario, path = opened
    first = scenario.replace(info=scenario.info._replace(title_en="First"))
    save(first, tmp_path / "saved.sqlite")
    assert first.origin.snapshot.path == (tmp_path / "saved.sqlite").resolve()
    path.unlink()  # the file first read is gone: the saved one serves
    copies.clear()
    second = first.replace(info=first.info._replace(title_en="Second"))
    save(second, tmp_path / "again.sqlite")
    assert set(copies) == ALL_COPIED
    assert load(tmp_path / "again.sqlite", use_cache=False).same_content(second)


def test_a_version_1_source_is_not_copied(tmp_path, copies):
    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    scenario = load(path, use_cache=False)
    save(scenario, tmp_path / "out.sqlite")
    assert copies == []
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(scenario)


def test_keyframes_are_copied_only_with_their_units(opened, tmp_path, copies):
    """In memory keyframes belong to units by position: new units (reordered) with the same tracks
    must write the keyframes from memory."""
    scenario, _ = opened
    units = list(scenario.units)
    units[1], units[2] = units[2], units[1]
    reordered = scenario.replace(units=scenario.units.__class__(units))
    assert "tracks" not in reordered.origin.snapshot.unchanged(reordered)
    save(reordered, tmp_path / "out.sqlite")
    assert "keyframe" not in copies
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(reordered)


def test_keyframes_of_units_edited_in_place_are_copied(opened, tmp_path, copies):
    """Units renamed keep their ids and places: the file's keyframes still belong to them."""
    scenario, _ = opened
    units = list(scenario.units)
    units[3] = units[3]._replace(name_en="Renamed")
    renamed = scenario.replace(units=scenario.units.__class__(units))
    assert set(renamed.origin.snapshot.unchanged(renamed)) == set(COPIED_PARTS) - {"units"}
    save(renamed, tmp_path / "copied.sqlite")
    assert "keyframe" in copies and "unit" not in copies
    save(renamed.replace(origin=None), tmp_path / "written.sqlite")
    assert _dump(tmp_path / "copied.sqlite") == _dump(tmp_path / "written.sqlite")
    assert load(tmp_path / "copied.sqlite", use_cache=False).same_content(renamed)


def test_keyframes_are_not_copied_when_a_unit_is_added_or_removed(opened, tmp_path, copies):
    scenario, _ = opened
    fewer = scenario.replace(units=scenario.units.__class__(list(scenario.units)[:-1]))
    assert "tracks" not in fewer.origin.snapshot.unchanged(fewer)


def test_a_copy_that_fails_is_written_again_from_memory(opened, tmp_path, monkeypatch):
    scenario, _ = opened
    real = writer._copy_table

    def failing(conn, table):
        if table == "keyframe":
            raise sqlite3.IntegrityError("UNIQUE constraint failed: keyframe.unit_id, keyframe.t")
        real(conn, table)

    monkeypatch.setattr(writer, "_copy_table", failing)
    plans = _plans(monkeypatch)
    save(scenario, tmp_path / "out.sqlite")
    assert plans == [True, False]
    assert load(tmp_path / "out.sqlite", use_cache=False).same_content(scenario)


def test_a_file_of_an_older_format_counts_as_written_from_memory(tmp_path):
    from changsha_replay.store.origin import rows_from_memory

    path = make_file(tmp_path / "v1.sqlite", 1, rows_v1())
    scenario = load(path, use_cache=False)
    assert scenario.origin.snapshot.version == 1 and scenario.origin.snapshot.unchanged(scenario) == ()
    assert rows_from_memory(scenario) >= len(scenario.tracks) + len(scenario.events)


def test_a_file_replaced_right_after_the_save_is_not_taken_for_it(opened, tmp_path, monkeypatch, copies):
    """The Origin moves only to the very file written: another program replacing it at once (or
    another save winning the race) makes the next save write from memory."""
    scenario, _ = opened
    foreign = tmp_path / "foreign.sqlite"
    save(synthetic(5, 3, 4), foreign)
    real_replace = os.replace

    def replace_then_overwritten(src, dst):
        real_replace(src, dst)
        if str(dst).endswith("target.sqlite"):
            shutil.copyfile(foreign, tmp_path / "other.tmp")
            real_replace(tmp_path / "other.tmp", dst)

    monkeypatch.setattr(writer.os, "replace", replace_then_overwritten)
    edited = scenario.replace(info=scenario.info._replace(title_en="Mine"))
    written = save(edited, tmp_path / "target.sqlite")
    assert written is not None and edited.origin.snapshot is None
    monkeypatch.setattr(writer.os, "replace", real_replace)
    copies.clear()
    save(edited, tmp_path / "again.sqlite")
    assert copies == []  # nothing copied from the foreign file
    assert load(tmp_path / "again.sqlite", use_cache=False).same_content(edited)
