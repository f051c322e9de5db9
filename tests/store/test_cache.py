"""The derived cache of large scenarios: exact, used only for the very same file, never a risk."""

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from factories import tiny
from synthetic import synthetic

import changsha_replay.store as store
from changsha_replay.resources import default_scenario
from changsha_replay.store import ScenarioCache, ScenarioError, load, save
from changsha_replay.store.cache import default_folder, stamp


@pytest.fixture
def cache(tmp_path):
    return ScenarioCache(tmp_path / "cache", min_bytes=0)


def _entries(cache: ScenarioCache) -> list:
    return sorted(cache.folder.glob("*.npz")) if cache.folder.exists() else []


def _load_twice(path, cache, monkeypatch):
    """Load (which fills the cache), then load again with file reading made impossible."""
    first = load(path, cache=cache)
    cache.wait()
    assert len(_entries(cache)) == 1
    with monkeypatch.context() as m:
        m.setattr(store, "_read", lambda p: pytest.fail("read the file despite a cache entry"))
        second = load(path, cache=cache)
    return first, second


@pytest.mark.parametrize("make", [tiny, lambda: synthetic(120, 15, 400)], ids=["tiny", "synthetic"])
def test_a_cached_scenario_equals_the_file(tmp_path, cache, monkeypatch, make):
    path = tmp_path / "s.sqlite"
    save(make(), path)
    first, second = _load_twice(path, cache, monkeypatch)
    assert second.same_content(first)
    assert second.same_content(load(path, use_cache=False))
    for t in (first.info.start, (first.info.start + first.info.end) / 2):
        assert second.state_at(t).equals(first.state_at(t))


def test_the_bundled_scenario_round_trips_through_the_cache(tmp_path, cache, monkeypatch):
    path = tmp_path / "changsha.sqlite"
    shutil.copyfile(default_scenario(), path)
    first, second = _load_twice(path, cache, monkeypatch)
    assert second.same_content(first)
    assert [e.units for e in second.events] == [e.units for e in first.events]


def test_a_changed_file_is_read_again(tmp_path, cache):
    path = tmp_path / "s.sqlite"
    save(tiny(), path)
    load(path, cache=cache)
    cache.wait()
    changed = tiny()
    changed = changed.replace(info=changed.info._replace(title_en="Changed"))
    save(changed, path)
    assert load(path, cache=cache).info.title_en == "Changed"


def test_a_file_copied_over_in_place_with_its_old_time_is_read_again(tmp_path, cache):
    """Same path, inode, size, change counter and (restored) mtime: only the content differs."""
    path, other = tmp_path / "s.sqlite", tmp_path / "b.sqlite"
    save(tiny(), path)
    changed = tiny()
    save(changed.replace(info=changed.info._replace(title_en="Changed")), other)
    before = path.stat()
    assert other.stat().st_size == before.st_size
    load(path, cache=cache)
    cache.wait()
    path.write_bytes(other.read_bytes())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_ino == before.st_ino
    assert load(path, cache=cache).info.title_en == "Changed"


def test_a_cache_folder_that_cannot_be_searched_costs_nothing_but_speed(tmp_path, cache, monkeypatch):
    path = tmp_path / "s.sqlite"
    save(tiny(), path)
    load(path, cache=cache)
    cache.wait()
    real_is_file = Path.is_file

    def is_file(self):
        if cache.folder in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert load(path, cache=cache).same_content(tiny())


def test_a_damaged_entry_is_dropped_and_the_file_read(tmp_path, cache):
    path = tmp_path / "s.sqlite"
    save(tiny(), path)
    load(path, cache=cache)
    cache.wait()
    (entry,) = _entries(cache)
    entry.write_bytes(entry.read_bytes()[:300])
    assert load(path, cache=cache).same_content(tiny())
    cache.wait()
    assert cache.get(stamp(path)) is not None  # written again, whole


def test_a_file_that_fails_to_load_fails_even_with_an_entry_for_its_path(tmp_path, cache):
    path = tmp_path / "s.sqlite"
    save(tiny(), path)
    load(path, cache=cache)
    cache.wait()
    path.write_bytes(b"not a scenario")
    with pytest.raises(ScenarioError, match="not a scenario file"):
        load(path, cache=cache)


def test_files_in_wal_mode_and_small_files_are_not_cached(tmp_path, cache):
    path = tmp_path / "s.sqlite"
    save(tiny(), path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    assert stamp(path) is None
    load(path, cache=cache)
    cache.wait()
    assert _entries(cache) == []
    small = ScenarioCache(cache.folder, min_bytes=10**9)
    other = tmp_path / "t.sqlite"
    save(tiny(), other)
    load(other, cache=small)
    small.wait()
    assert _entries(small) == []


def test_only_the_most_recent_entries_are_kept(tmp_path):
    cache = ScenarioCache(tmp_path / "cache", min_bytes=0, max_entries=2)
    for name in ("a", "b", "c"):
        save(tiny(), tmp_path / f"{name}.sqlite")
        load(tmp_path / f"{name}.sqlite", cache=cache)
        cache.wait()
    assert len(_entries(cache)) == 2
    assert cache.get(stamp(tmp_path / "a.sqlite")) is None
    assert cache.get(stamp(tmp_path / "c.sqlite")) is not None


def test_an_unwritable_cache_folder_costs_nothing_but_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    cache = ScenarioCache(blocker / "cache", min_bytes=0)
    save(tiny(), tmp_path / "s.sqlite")
    assert load(tmp_path / "s.sqlite", cache=cache).same_content(tiny())
    cache.wait()


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CHANGSHA_REPLAY_CACHE", str(tmp_path))
    assert default_folder() == tmp_path / "scenarios"
    monkeypatch.setenv("CHANGSHA_REPLAY_CACHE", "off")
    assert default_folder() is None
    assert ScenarioCache.default().get(None) is None


def _any_file(path):
    """A file the cache accepts a stamp of (its content does not matter to put and get)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    return path


def _with_version_2_fields():
    s = tiny()
    (a1,) = s.annotations
    marks = (
        a1._replace(
            text_zh="推进", width=4.5, dash="dash", fill_opacity=0.5, hatch=True, arrowhead="both", span="range"
        ),
        a1._replace(id="ring", kind="circle", geometry={"type": "Point", "coordinates": [113.0, 28.0]}, radius_km=7.5),
        a1._replace(
            id="tag", kind="label", geometry={"type": "Point", "coordinates": [113.0, 28.0]}, unit_id="cn-div-a"
        ),
    )
    return s.replace(info=s.info._replace(author="Someone", based_on="Tiny"), annotations=marks)


def test_the_fields_of_format_2_survive_the_cache(tmp_path, cache):
    key = stamp(_any_file(tmp_path / "s.sqlite"))
    scenario = _with_version_2_fields()
    cache.put(key, scenario)
    again = cache.get(key)
    assert again is not None and again.same_content(scenario)
    assert (again.info.author, again.info.based_on) == ("Someone", "Tiny")
    assert [tuple(a) for a in again.annotations] == [tuple(a) for a in scenario.annotations]
    assert again.annotations[0].hatch is True and again.annotations[1].hatch is False


def test_an_entry_made_with_other_record_fields_is_not_decoded(tmp_path, cache, monkeypatch):
    """Records are cached as lists of fields: code whose records have other fields must not read them."""
    from typing import NamedTuple

    import changsha_replay.store.cache as cache_module

    key = stamp(_any_file(tmp_path / "s.sqlite"))
    cache.put(key, tiny())
    assert cache.get(key) is not None

    class Annotation(NamedTuple):  # as if a field had been added
        id: str
        kind: str
        geometry: dict
        note: str = ""

    before = cache_module._FIELDS
    records = tuple(Annotation if r.__name__ == "Annotation" else r for r in cache_module._RECORDS)
    monkeypatch.setattr(cache_module, "_RECORDS", records)
    monkeypatch.setattr(cache_module, "_FIELDS", cache_module._records_fingerprint())
    assert before != cache_module._FIELDS
    assert cache.get(key) is None


def test_a_stale_entry_is_found_stale_without_parsing_the_old_scenario(tmp_path, cache, monkeypatch):
    import json

    import changsha_replay.store.cache as module

    path = tmp_path / "s.sqlite"
    save(synthetic(120, 15, 400), path)
    load(path, cache=cache)
    cache.wait()
    os.utime(path, ns=(1, 1))  # another version of the file as far as the stamp goes
    parsed: list[int] = []
    real = json.loads
    monkeypatch.setattr(module.json, "loads", lambda text, *a, **k: parsed.append(len(text)) or real(text, *a, **k))
    assert cache.get(stamp(path, 0)) is None
    assert len(parsed) == 1 and parsed[0] < 1000  # the stamp, not the whole old scenario
