"""Saving and loading: the round trip is exact, saving is atomic, bundled files are read-only."""

import os
import sqlite3

import pytest
from factories import tiny
from synthetic import synthetic

from changsha_replay.resources import default_scenario
from changsha_replay.store import FORMAT_VERSION, ScenarioError, load, save
from changsha_replay.store.schema import APPLICATION_ID


def test_round_trip_keeps_everything(tmp_path):
    s = tiny()
    save(s, tmp_path / "t.sqlite")
    assert load(tmp_path / "t.sqlite").same_content(s)


def test_round_trip_of_a_larger_synthetic_scenario(tmp_path):
    s = synthetic(200, 20, 500)
    save(s, tmp_path / "s.sqlite")
    again = load(tmp_path / "s.sqlite")
    assert again.same_content(s)
    for t in (s.info.start, (s.info.start + s.info.end) / 2, s.info.end):
        assert again.state_at(t).equals(s.state_at(t))


def test_file_is_versioned_and_readable_as_documented(tmp_path):
    save(tiny(), tmp_path / "t.sqlite")
    conn = sqlite3.connect(tmp_path / "t.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone() == (FORMAT_VERSION,)
    assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    rows = conn.execute("SELECT t, status, certainty FROM keyframe WHERE unit_id = 'cn-army' ORDER BY t").fetchall()
    assert rows == [
        ("1942-01-04T00:00:00+08:00", "defending", "documented"),
        ("1942-01-04T10:00:00+08:00", "attacking", "documented"),
    ]
    assert conn.execute("SELECT start_time, end_time FROM scenario").fetchone() == (
        "1942-01-04T00:00:00+08:00",
        "1942-01-05T00:00:00+08:00",
    )


def test_save_replaces_atomically_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "t.sqlite"
    target.write_bytes(b"old content")
    save(tiny(), target)
    assert load(target).info.title_en == "Tiny"
    assert os.listdir(tmp_path) == ["t.sqlite"]


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "t.sqlite"
    save(tiny(), target)
    before = target.read_bytes()

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(ScenarioError, match="No space left"):
        save(tiny(info=tiny().info._replace(title_en="New")), target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["t.sqlite"]


def test_invalid_scenarios_are_not_written(tmp_path):
    s = tiny()
    bad = s.replace(units=type(s.units)([u._replace(side_id="nobody") for u in s.units]))
    with pytest.raises(ScenarioError, match="side_id"):
        save(bad, tmp_path / "bad.sqlite")
    assert not (tmp_path / "bad.sqlite").exists()


def test_bundled_scenarios_are_never_written():
    with pytest.raises(ScenarioError, match="read-only"):
        save(tiny(), default_scenario())


def test_saving_keeps_the_files_permissions(tmp_path):
    target = tmp_path / "shared.sqlite"
    save(tiny(), target)
    os.chmod(target, 0o644)
    save(tiny(), target)
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_times_are_kept_to_the_second(tmp_path):
    import numpy as np

    from changsha_replay.model import UnitTracks

    s = tiny()
    tr = s.tracks
    times = tr.time.copy()
    times[1] += 0.4
    fractional = UnitTracks(
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
    with pytest.raises(ScenarioError, match="kept to the second"):
        save(s.replace(tracks=fractional), tmp_path / "f.sqlite")
    assert np.all(s.tracks.time == np.round(s.tracks.time))


def test_a_citation_equal_to_a_unit_link_stays_a_citation(tmp_path):
    """A source keyed like a unit id, cited with a locator like a role: equal tuples, other kinds."""
    from changsha_replay.model import Citation, EventLog, Source

    s = tiny()
    events = EventLog(e._replace(sources=(Citation("cn-army", "commanding"),)) if e.id == "e3" else e for e in s.events)
    s = s.replace(sources=(*s.sources, Source("cn-army", "A book keyed like a unit")), events=events)
    save(s, tmp_path / "t.sqlite")
    again = load(tmp_path / "t.sqlite", use_cache=False)
    assert again.same_content(s)
    assert all(type(c) is Citation for e in again.events for c in e.sources)
