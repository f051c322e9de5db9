"""Corrupt, truncated, foreign and hostile files: one clear ScenarioError each, quickly."""

import sqlite3
import time

import pytest
from factories import tiny
from synthetic import synthetic

from changsha_replay.store import ScenarioError, check, load, save
from changsha_replay.store.schema import APPLICATION_ID


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.sqlite"
    save(tiny(), path)
    return path


def edit(path, *statements):
    conn = sqlite3.connect(path)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()
    return path


def fails(path, pattern):
    start = time.monotonic()
    with pytest.raises(ScenarioError, match=pattern) as info:
        load(path)
    assert time.monotonic() - start < 5.0
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return info.value


def test_missing_and_empty_files(tmp_path):
    fails(tmp_path / "nope.sqlite", "no such file")
    (tmp_path / "empty.sqlite").write_bytes(b"")
    fails(tmp_path / "empty.sqlite", "empty")
    fails(tmp_path, "not a file")


def test_foreign_files(tmp_path):
    (tmp_path / "text.sqlite").write_text("hello, I am a text file\n" * 10)
    fails(tmp_path / "text.sqlite", "not an SQLite database")
    other = tmp_path / "other.sqlite"
    edit(other, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    fails(other, "not a Changsha Replay scenario")


def test_truncated_and_corrupt_files(good, tmp_path):
    data = good.read_bytes()
    (tmp_path / "head.sqlite").write_bytes(data[:60])
    fails(tmp_path / "head.sqlite", "truncated")
    (tmp_path / "half.sqlite").write_bytes(data[: len(data) // 2])
    fails(tmp_path / "half.sqlite", "damaged|cannot be read")
    garbled = bytearray(data)
    for i in range(2048, len(garbled), 97):
        garbled[i] ^= 0x5A
    (tmp_path / "garbled.sqlite").write_bytes(bytes(garbled))
    fails(tmp_path / "garbled.sqlite", "damaged|cannot be read|problem|not")


def test_newer_and_older_format_versions(good):
    edit(good, "PRAGMA user_version = 99")
    fails(good, "made by a newer version")
    edit(good, "PRAGMA user_version = 0")
    fails(good, "no format version")


def test_missing_tables_and_columns(good):
    edit(good, "DROP TABLE phase", "ALTER TABLE event DROP COLUMN basis")
    error = fails(good, "missing")
    assert {(p.table, p.column) for p in error.problems} == {("phase", ""), ("event", "basis")}


def test_views_triggers_and_generated_columns_are_refused(good, tmp_path):
    edit(good, "ALTER TABLE side RENAME TO side_data", "CREATE VIEW side AS SELECT * FROM side_data")
    fails(good, "is a view")
    other = tmp_path / "trigger.sqlite"
    save(tiny(), other)
    edit(other, "CREATE TRIGGER t AFTER INSERT ON side BEGIN DELETE FROM unit; END")
    fails(other, "trigger")
    third = tmp_path / "generated.sqlite"
    save(tiny(), third)
    edit(third, "ALTER TABLE unit ADD COLUMN evil TEXT GENERATED ALWAYS AS (upper(name_en)) VIRTUAL")
    fails(third, "generated")


def test_a_slow_query_is_cut_off(tmp_path, monkeypatch):
    # With a deadline of zero every long statement overruns: the load must stop with a message, not hang.
    import changsha_replay.store.untrusted as untrusted

    path = tmp_path / "big.sqlite"
    save(synthetic(200, 20, 1000), path)
    monkeypatch.setattr(untrusted, "DEADLINE_SECONDS", 0.0)
    fails(path, "longer than")


def test_the_checks_beside_the_reading_keep_to_the_deadline_too(tmp_path, monkeypatch):
    # The verifier's own connection checks its deadline rarely (every million instructions):
    # a table to scan is still cut off, with the same message.
    import changsha_replay.store.untrusted as untrusted
    from changsha_replay.store.verify import Verifier

    path = tmp_path / "big.sqlite"
    save(synthetic(200, 100, 1000), path)  # 20,000 keyframes: far more than a million instructions to check
    monkeypatch.setattr(untrusted, "DEADLINE_SECONDS", 0.0)
    verifier = Verifier(path).start()
    with pytest.raises(ScenarioError, match="longer than"):
        verifier.result()


def test_absurd_sizes_are_named(good):
    edit(good, "UPDATE unit SET name_en = printf('%.10000000c', 'x') WHERE id = 'jp-div'")
    error = fails(good, "absurdly long")
    assert any(p.table == "unit" and p.row == "'jp-div'" and p.column == "name_en" for p in error.problems)


def test_values_too_big_for_memory_are_refused(good):
    edit(good, "UPDATE event SET text_en = zeroblob(40000000) WHERE id = 'e1'")
    fails(good, "too big|damaged|cannot be read")


def test_bad_values_are_named_by_table_row_and_column(good):
    edit(
        good,
        "UPDATE keyframe SET lat = 'north' WHERE unit_id = 'cn-army' AND t LIKE '1942-01-04T00%'",
        "UPDATE keyframe SET t = 'yesterday' WHERE unit_id = 'jp-div' AND t LIKE '1942-01-04T02%'",
        "UPDATE keyframe SET status = 'dancing' WHERE unit_id = 'jp-regt'",
        "UPDATE event SET t = '1942-01-04 01:00' WHERE id = 'e1'",
        "UPDATE place SET lon = 400 WHERE id = 'changsha'",
        "UPDATE unit SET parent_id = 'jp-regt' WHERE id = 'jp-div'",
        "INSERT INTO event_unit VALUES ('e2', 'ghost', 'attacking')",
        "UPDATE phase SET start_time = '1942-01-04T01:00:00+08:00' WHERE id = 'p1'",
    )
    problems = check(good)
    where = {(p.table, p.column) for p in problems}
    assert {
        ("keyframe", "lat"),
        ("keyframe", "t"),
        ("keyframe", "status"),
        ("event", "t"),
        ("place", "lat/lon"),
        ("unit", "parent_id"),
        ("event_unit", "unit_id"),
        ("phase", "start_time"),
    } <= where
    text = "\n".join(str(p) for p in problems)
    assert "keyframe (unit_id='jp-div', t='yesterday') [t]" in text
    assert "parent cycle" in text
    fails(good, "problem|keyframe|unit|event")


def test_a_failed_load_leaves_the_callers_scenario_alone(good, tmp_path):
    current = load(good)
    (tmp_path / "bad.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 10)
    with pytest.raises(ScenarioError):
        current = load(tmp_path / "bad.sqlite")
    assert current.info.title_en == "Tiny"


def test_the_file_is_opened_read_only(good):
    before = good.read_bytes()
    load(good)
    check(good)
    assert good.read_bytes() == before
    assert sorted(p.name for p in good.parent.iterdir()) == ["good.sqlite"]


def test_application_id_marks_the_file_as_ours(good):
    conn = sqlite3.connect(good)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_fractional_seconds_are_reported_not_dropped(good):
    edit(
        good,
        "UPDATE keyframe SET t = '1942-01-04T00:00:00.7+08:00' WHERE unit_id = 'cn-army' AND t LIKE '1942-01-04T00%'",
    )
    problems = check(good)
    assert any(p.table == "keyframe" and p.column == "t" for p in problems)
