"""Saving: the options (check, compact), the error messages, no temporary file left behind, the
old file kept on failure, the fast keyframe path equal to the plain one, and a kill test."""

import errno
import os
import sqlite3
import tempfile

import numpy as np
import pytest
from factories import tiny
from synthetic import synthetic

from changsha_replay.model import UnitTracks
from changsha_replay.store import ScenarioError, load, save, writer
from changsha_replay.store.schema import expected_columns


def _dump(path) -> dict[str, list[tuple]]:
    """Every row of every table, in rowid order (keyframes in key order)."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(
                f"SELECT * FROM {table} ORDER BY {'unit_id, t' if table == 'keyframe' else 'rowid'}"
            ).fetchall()
            for table in expected_columns()
        }
    finally:
        conn.close()


def _annotated():
    """tiny() with the version-2 fields set to values other than their defaults."""
    s = tiny()
    a = s.annotations[0]._replace(
        text_zh="推进", width=3.5, dash="dash", fill_opacity=0.4, hatch=True, arrowhead="both", span="range"
    )
    note = s.annotations[0]._replace(
        id="a2",
        kind="circle",
        geometry={"type": "Point", "coordinates": [113.0, 28.2]},
        radius_km=5.0,
        span="always",
        start=None,
        end=None,
    )
    label = note._replace(id="a3", kind="label", radius_km=None, unit_id="cn-army", text="Here")
    info = s.info._replace(author="A. Author", based_on="The original")
    return s.replace(info=info, annotations=(a, note, label))


def test_every_column_of_the_format_is_written(tmp_path):
    s = _annotated()
    save(s, tmp_path / "v2.sqlite")
    again = load(tmp_path / "v2.sqlite", use_cache=False)
    assert again.same_content(s)
    assert again.info.author == "A. Author" and again.annotations[0].hatch is True
    conn = sqlite3.connect(tmp_path / "v2.sqlite")
    assert conn.execute("SELECT author, based_on FROM scenario").fetchone() == ("A. Author", "The original")
    assert conn.execute("SELECT hatch, dash, unit_id, radius_km FROM annotation ORDER BY id").fetchall() == [
        (1, "dash", None, None),
        (0, "solid", None, 5.0),
        (0, "solid", "cn-army", None),
    ]


def test_the_writer_names_every_column_of_every_table():
    s = _annotated()
    written = {table: tuple(make_rows(s)[0]) for table, make_rows in writer._TABLES}
    written["citation"] = writer._CITATION_COLUMNS
    written["keyframe"] = writer.KEYFRAME_COLUMNS
    assert {t: set(c) for t, c in written.items()} == {t: set(c) for t, c in expected_columns().items()}


@pytest.mark.parametrize("compact", [True, False])
def test_the_fast_keyframe_path_writes_what_the_plain_one_does(tmp_path, compact):
    s = synthetic(120, 15, 300)
    writer.write_file(s, tmp_path / "fast.sqlite", compact=compact)
    writer.write_file(s, tmp_path / "plain.sqlite", compact=compact, fast=False)
    assert _dump(tmp_path / "fast.sqlite") == _dump(tmp_path / "plain.sqlite")
    assert load(tmp_path / "fast.sqlite", use_cache=False).same_content(s)


def test_times_the_fast_path_cannot_format_take_the_plain_one(tmp_path):
    s = tiny()
    tr = s.tracks
    times = tr.time.copy()
    times[0] = -40_000_000_000.0  # the year 702: not four significant digits
    early = UnitTracks(
        tr.unit_count,
        tr.unit_indices(),
        times,
        tr.lat,
        tr.lon,
        tr.strength,
        tr.status,
        tr.interpolate,
        tr.certainty,
        tr.citation,
        tr.place,
        tr.citations,
        tr.places,
    )
    s = s.replace(tracks=early)
    conn = sqlite3.connect(":memory:")
    conn.executescript(writer.DDL)
    assert not writer._insert_keyframes_fast(conn, s, np.ones(len(tr), np.int64))
    assert conn.execute("SELECT count(*) FROM keyframe").fetchone() == (0,)
    save(s, tmp_path / "t.sqlite", check=False)
    writer.write_file(s, tmp_path / "plain.sqlite", fast=False)
    assert _dump(tmp_path / "t.sqlite") == _dump(tmp_path / "plain.sqlite")
    assert _dump(tmp_path / "t.sqlite")["keyframe"][0][1].startswith("0702-")


def test_iso_texts_are_format_time_exactly():
    from datetime import UTC, timedelta, timezone

    from changsha_replay.model.times import format_time

    rng = np.random.default_rng(3)
    times = [*np.round(rng.uniform(-30_000_000_000, 250_000_000_000, 2000)).tolist(), 0.0, -1.0, 86399.0]
    for tz in (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))):
        assert writer.iso_texts([*times, None], tz) == [*(format_time(t, tz) for t in times), None]


def test_check_false_skips_validation(tmp_path, monkeypatch):
    def refuse(scenario):
        raise AssertionError("validate must not run")

    monkeypatch.setattr(writer, "validate", refuse)
    s = tiny()
    save(s, tmp_path / "t.sqlite", check=False)
    save(s, tmp_path / "u.sqlite", check=False, compact=False)
    for name in ("t.sqlite", "u.sqlite"):
        assert load(tmp_path / name, use_cache=False).same_content(s)


def test_check_false_writes_what_validation_would_refuse(tmp_path):
    s = tiny()
    bad = s.replace(sides=tuple(x._replace(colour="blue") for x in s.sides))
    with pytest.raises(ScenarioError, match="colour"):
        save(bad, tmp_path / "t.sqlite")
    assert os.listdir(tmp_path) == []
    save(bad, tmp_path / "t.sqlite", check=False)  # the caller's word is taken
    with pytest.raises(ScenarioError, match="colour"):
        load(tmp_path / "t.sqlite", use_cache=False)


@pytest.mark.parametrize("compact", [True, False])
def test_invalid_scenarios_are_refused_in_both_modes(tmp_path, compact):
    s = tiny()
    bad = s.replace(units=type(s.units)([u._replace(side_id="nobody") for u in s.units]))
    with pytest.raises(ScenarioError, match="side_id") as caught:
        save(bad, tmp_path / "t.sqlite", compact=compact)
    assert caught.value.problems
    assert os.listdir(tmp_path) == []


def test_compact_false_skips_compaction(tmp_path):
    s = synthetic(200, 40, 500)
    save(s, tmp_path / "compact.sqlite")
    save(s, tmp_path / "quick.sqlite", compact=False)
    assert load(tmp_path / "quick.sqlite", use_cache=False).same_content(s)
    assert load(tmp_path / "compact.sqlite", use_cache=False).same_content(s)
    assert (tmp_path / "compact.sqlite").stat().st_size < (tmp_path / "quick.sqlite").stat().st_size
    for name in ("compact.sqlite", "quick.sqlite"):
        conn = sqlite3.connect(tmp_path / name)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
        conn.close()


def test_saving_leaves_no_sqlite_scratch_file(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("SQLITE_TMPDIR", str(scratch))
    save(synthetic(50, 10, 100), tmp_path / "t.sqlite")
    assert os.listdir(scratch) == []


# -- failures --------------------------------------------------------------------------------
@pytest.fixture
def old_file(tmp_path):
    target = tmp_path / "t.sqlite"
    save(tiny(), target)
    return target, target.read_bytes()


def _changed():
    s = tiny()
    return s.replace(info=s.info._replace(title_en="Changed"))


def _assert_untouched(target, before):
    assert target.read_bytes() == before
    assert os.listdir(target.parent) == [target.name]  # no temporary file left


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EROFS, "cannot write to {folder}: it is read-only"),
        (errno.EACCES, "cannot write to {folder}: permission denied"),
        (errno.EPERM, "cannot write to {folder}: permission denied"),
        (errno.ENOSPC, "the disk is full"),
    ],
)
def test_a_folder_that_cannot_be_written_is_named(old_file, monkeypatch, code, expected):
    target, before = old_file

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ScenarioError) as caught:
        save(_changed(), target)
    message = str(caught.value)
    assert message.startswith(f"t.sqlite: {expected.format(folder=target.parent)}")
    assert message.endswith("the previous file is unchanged")
    _assert_untouched(target, before)


@pytest.mark.parametrize("code", [errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)])
@pytest.mark.parametrize("compact", [True, False])
def test_a_full_disk_while_writing_keeps_the_old_file(old_file, monkeypatch, code, compact):
    target, before = old_file
    real = writer.insert

    def insert(conn, table, columns, rows):
        real(conn, table, columns, rows)
        if table == "event":
            raise OSError(code, os.strerror(code))

    monkeypatch.setattr(writer, "insert", insert)
    with pytest.raises(ScenarioError, match=r"^t\.sqlite: the disk is full .*; the previous file is unchanged$"):
        save(_changed(), target, compact=compact)
    _assert_untouched(target, before)


@pytest.mark.parametrize("compact", [True, False])
def test_sqlite_reporting_a_full_disk_is_a_full_disk(old_file, monkeypatch, compact):
    target, before = old_file

    def insert(conn, table, columns, rows):
        exc = sqlite3.OperationalError("database or disk is full")
        exc.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise exc

    monkeypatch.setattr(writer, "insert", insert)
    with pytest.raises(ScenarioError, match=r"the disk is full \(database or disk is full\); the previous file"):
        save(_changed(), target, compact=compact)
    _assert_untouched(target, before)


def test_a_failing_flush_keeps_the_old_file(old_file, monkeypatch):
    target, before = old_file

    def fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(ScenarioError, match="the disk is full"):
        save(_changed(), target)
    _assert_untouched(target, before)


def test_a_failing_compaction_keeps_the_old_file(old_file, monkeypatch):
    target, before = old_file

    def copy(conn, path, alongside):
        path.write_bytes(b"half a file")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(writer, "_copy_alongside", copy)
    with pytest.raises(ScenarioError, match=r"saving failed \(disk I/O error\); the previous file is unchanged"):
        save(_changed(), target)
    _assert_untouched(target, before)


def test_a_target_folder_that_is_a_file(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    with pytest.raises(ScenarioError) as caught:
        save(tiny(), blocker / "t.sqlite")
    assert str(caught.value) == f"t.sqlite: cannot write to {blocker}: it is not a folder; nothing was written"
    assert blocker.read_text() == "not a folder"


def test_a_missing_target_folder(tmp_path):
    with pytest.raises(ScenarioError, match="the folder does not exist; nothing was written"):
        save(tiny(), tmp_path / "nowhere" / "t.sqlite")


def test_a_folder_in_the_way_of_the_target(tmp_path):
    (tmp_path / "t.sqlite").mkdir()
    with pytest.raises(ScenarioError, match="a folder of that name is in the way"):
        save(tiny(), tmp_path / "t.sqlite")
    assert os.listdir(tmp_path) == ["t.sqlite"]


def test_invalid_beats_unwritable(tmp_path, monkeypatch):
    """An invalid scenario is reported as such even where the folder could not be written either."""
    s = tiny()
    bad = s.replace(units=type(s.units)([u._replace(side_id="nobody") for u in s.units]))

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ScenarioError, match="side_id"):
        save(bad, tmp_path / "t.sqlite")


# -- the kill test -----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_a_save_killed_at_any_moment_leaves_a_valid_file():
    from kill_save import kill_test

    report = kill_test(10, seed=7, log=lambda line: None)
    assert report.ok, report.summary()
    assert report.runs == 10
    assert len(report.leftovers) <= 10
