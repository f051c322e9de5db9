"""Every rule the format declares is checked, whether the app reads the value or not; NULs and
control characters are refused; problem lists are capped; nothing from a file reaches a
terminal raw; a bad time is named, never a Python error."""

import re
import time

import pytest
from test_format_versions import edit, make_file, rows_v2

from changsha_replay.model.shown import shown
from changsha_replay.model.validation import MAX_PROBLEMS, Problem, cap
from changsha_replay.store import ScenarioError, check, load
from changsha_replay.store.declared import declared
from changsha_replay.store.schema import DDL_BY_VERSION, FORMAT_VERSION

DDL = DDL_BY_VERSION[FORMAT_VERSION]


def made(tmp_path, rows=None, ddl=DDL, name="x.sqlite"):
    return make_file(tmp_path / name, FORMAT_VERSION, rows or rows_v2(), ddl)


def declared_as(table: str, old: str, new: str) -> str:
    """The format's DDL with one column (or key) of ``table`` declared otherwise."""
    start = DDL.index(f"CREATE TABLE {table} (")
    end = DDL.index(";", start)
    body = DDL[start:end]
    assert old in body, old
    return DDL[:start] + body.replace(old, new, 1) + DDL[end:]


def refused(path, table: str, column: str, message: str) -> ScenarioError:
    start = time.monotonic()
    with pytest.raises(ScenarioError) as caught:
        load(path, use_cache=False)
    assert time.monotonic() - start < 5
    matches = [p for p in caught.value.problems if p.table == table and p.column == column]
    assert matches, caught.value.problems
    assert re.search(message, matches[0].message), matches[0]
    assert "Error" not in str(caught.value)  # never a Python exception's name
    return caught.value


def test_the_rules_come_from_the_ddl():
    rules = declared(FORMAT_VERSION)
    assert set(rules) == {
        "scenario",
        "source",
        "credit",
        "side",
        "unit",
        "unit_source",
        "phase",
        "place",
        "citation",
        "keyframe",
        "event",
        "event_unit",
        "event_source",
        "feature",
        "annotation",
    }
    side = {(r.column, r.message) for r in rules["side"].rules}
    assert ("sort_order", "must be an integer") in side and ("sort_order", "is missing") in side
    assert [k.columns for k in rules["keyframe"].keys] == [("unit_id", "t")]
    assert ("event_id", "unit_id", "role") in [k.columns for k in rules["event_unit"].keys]


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("side", "sort_order", "'north'", "must be an integer, not text 'north'"),
        ("unit", "sort_order", "2.5", "must be an integer, not real"),
        ("credit", "id", "'north'", "must be an integer"),
        ("place", "confidence_km", "'far'", "must be a number"),
    ],
)
def test_columns_the_app_does_not_read_are_checked(tmp_path, table, column, value, message):
    rows = rows_v2()
    rows["credit"] = [dict(id=1, subject="Map", holder="Someone", licence="CC0")]
    rows["place"] = [
        dict(id="cs", name_en="Changsha", lat=28.2, lon=113.0, kind="city", confidence_km=1.0, source_key="SRC")
    ]
    ddl = declared_as("credit", "id      INTEGER PRIMARY KEY", "id      ANY") if table == "credit" else DDL
    path = made(tmp_path, rows, ddl)
    edit(path, f"UPDATE {table} SET {column} = {value}")
    refused(path, table, column, message)


def test_a_null_where_the_format_says_not_null_is_missing(tmp_path):
    ddl = declared_as("unit", "sort_order        INTEGER NOT NULL DEFAULT 0", "sort_order        INTEGER")
    path = made(tmp_path, ddl=ddl)
    edit(path, "UPDATE unit SET sort_order = NULL")
    error = refused(path, "unit", "sort_order", "is missing")
    assert {p.row for p in error.problems if p.column == "sort_order"} == {"'cn-army'", "'cn-div'"}


def test_the_scenario_row_is_row_1(tmp_path):
    ddl = declared_as("scenario", "id             INTEGER PRIMARY KEY CHECK (id = 1)", "id             INTEGER")
    path = made(tmp_path, ddl=ddl)
    edit(path, "UPDATE scenario SET id = 7")
    refused(path, "scenario", "id", "must be 1")


def test_an_integer_declared_as_text_by_the_file_is_refused(tmp_path):
    # '1' in a column the file declares TEXT: SQL's "NOT IN (0, 1)" lets it through as 1
    ddl = declared_as("keyframe", "interpolate INTEGER NOT NULL DEFAULT 1", "interpolate TEXT NOT NULL DEFAULT 1")
    path = made(tmp_path, ddl=ddl)
    edit(path, "UPDATE keyframe SET interpolate = '1'")
    refused(path, "keyframe", "interpolate", "must be an integer, not text '1'")


@pytest.mark.parametrize(
    ("table", "old", "new", "duplicate"),
    [
        (
            "credit",
            "id      INTEGER PRIMARY KEY",
            "id      INTEGER NOT NULL",
            "INSERT INTO credit SELECT * FROM credit",
        ),
        (
            "citation",
            "id         INTEGER PRIMARY KEY",
            "id         INTEGER NOT NULL",
            "INSERT INTO citation SELECT * FROM citation",
        ),
        (
            "feature",
            "id         TEXT PRIMARY KEY",
            "id         TEXT NOT NULL",
            "INSERT INTO feature SELECT * FROM feature",
        ),
    ],
)
def test_duplicate_keys_are_refused(tmp_path, table, old, new, duplicate):
    rows = rows_v2()
    rows["credit"] = [dict(id=1, subject="Map", holder="Someone", licence="CC0")]
    rows["feature"] = [dict(id="river", kind="river", geometry=LINE, source_key="SRC")]
    path = made(tmp_path, rows, declared_as(table, old, new))
    edit(path, duplicate)
    error = refused(path, table, "id", "2 rows have this key; it must be unique")
    assert [p.row for p in error.problems if p.table == table] in (["1"], ["'river'"])


def test_keys_the_file_enforces_are_not_counted(tmp_path, monkeypatch):
    from changsha_replay.store import declared as module

    counted = []
    real = module.duplicate_keys_sql
    monkeypatch.setattr(module, "duplicate_keys_sql", lambda *a: counted.append(a) or real(*a))
    assert load(made(tmp_path), use_cache=False)
    assert counted == []  # the format's own DDL declares every key: SQLite enforces them


def test_a_nul_cannot_hide_ten_megabytes_behind_the_length_cap(tmp_path):
    path = made(tmp_path)
    edit(path, "UPDATE side SET name_en = name_en || char(0) || zeroblob(10000000)")
    error = refused(path, "side", "name_en", "contains a NUL character")
    assert len(str(error)) < 300


@pytest.mark.parametrize(
    ("table", "column", "text", "message"),
    [
        ("unit", "name_en", "'a' || char(27) || '[2Jb'", r"the control character '\\x1b'"),
        ("phase", "title_en", "'two' || char(10) || 'lines'", r"the control character '\\n'"),
        ("event", "text_en", "'bell' || char(7)", r"the control character '\\x07'"),
        ("source", "key", "'SRC' || char(0)", "a NUL character"),
    ],
)
def test_control_characters_are_refused(tmp_path, table, column, text, message):
    path = made(tmp_path)
    edit(path, "PRAGMA foreign_keys = OFF", f"UPDATE {table} SET {column} = {text}")
    refused(path, table, column, message)


def test_free_text_keeps_its_line_breaks_and_tabs(tmp_path):
    path = made(tmp_path)
    edit(path, "UPDATE event SET text_en = 'one' || char(10) || char(9) || 'two', title_zh = '命令'")
    assert load(path, use_cache=False).events[0].text_en == "one\n\ttwo"


def test_a_column_bad_in_every_row_is_a_few_lines(tmp_path):
    rows = rows_v2()
    rows["event"] = [
        dict(id=f"e{i}", t="1942-01-04T01:00:00+08:00", kind="order", title_en="Order", basis="seed")
        for i in range(3000)
    ]
    rows["event_source"] = []
    path = made(tmp_path, rows)
    edit(path, "UPDATE event SET kind = 'nonsense', basis = 'rumour'")
    problems = check(path)  # 3,000 unknown kinds and bases, 3,000 events citing nothing
    from collections import Counter

    per_column = Counter((p.table, p.column) for p in problems)
    assert per_column[("event", "kind")] == 21 and max(per_column.values()) == 21
    assert any(p.column == "kind" and p.message == "… and 2,980 more problems like these" for p in problems)


def test_a_file_bad_everywhere_is_at_most_a_hundred_lines():
    problems = [Problem(f"t{i}", "r", f"c{i}", "bad") for i in range(500)]
    capped = cap(problems)
    assert len(capped) == MAX_PROBLEMS + 1 and capped[-1].message == "… and 400 more problems"


def test_no_control_character_from_a_file_reaches_a_message(tmp_path):
    path = made(tmp_path)
    edit(path, "UPDATE scenario SET title_en = CAST(X'1b5d303b68616b65641b5b324aff' AS TEXT)")
    with pytest.raises(ScenarioError) as caught:
        load(path, use_cache=False)
    text = str(caught.value)
    assert "\x1b" not in text and "\\x1b]0;" in text
    assert "\x1b" not in str(Problem("unit", "'a\x1b[2J'", "name_en", "odd \x9b"))
    assert shown("a\x00b\u202ec\n", None) == "a\\x00b\\u202ec\\x0a"


@pytest.mark.parametrize(
    ("statement", "table", "column", "message"),
    [
        ("UPDATE phase SET start_time = 'soon' WHERE id = 'p1'", "phase", "start_time", "not an ISO 8601 time"),
        ("UPDATE phase SET start_time = NULL WHERE id = 'p1'", "phase", "start_time", "is missing"),
        ("UPDATE event SET t = '1942-13-01T00:00:00+08:00'", "event", "t", "not an ISO 8601 time"),
    ],
)
def test_a_bad_time_is_named_not_a_python_error(tmp_path, statement, table, column, message):
    ddl = declared_as("phase", "start_time TEXT NOT NULL", "start_time TEXT")
    path = made(tmp_path, ddl=ddl)
    edit(path, statement)
    refused(path, table, column, message)


LINE = '{"type":"LineString","coordinates":[[113.0,28.0],[113.1,28.1]]}'


def test_a_partial_unique_index_enforces_no_key(tmp_path):
    ddl = declared_as("citation", "id         INTEGER PRIMARY KEY", "id         INTEGER NOT NULL")
    ddl += "CREATE UNIQUE INDEX fake ON citation (id) WHERE id IS NULL;\n"
    path = made(tmp_path, ddl=ddl)
    edit(path, "INSERT INTO citation SELECT * FROM citation")
    refused(path, "citation", "id", "2 rows have this key; it must be unique")


def test_a_blob_in_a_text_column_is_named_not_decoded(tmp_path):
    path = made(tmp_path)
    edit(path, "UPDATE unit SET note = X'1bff00fe' WHERE id = 'cn-div'")
    refused(path, "unit", "note", "must be text, not blob 'x1BFF00FE'")


def test_a_name_cannot_turn_itself_around(tmp_path):
    path = made(tmp_path)
    edit(path, "UPDATE unit SET name_en = 'Army' || char(8238) || 'ymra' WHERE id = 'cn-div'")
    refused(path, "unit", "name_en", r"the control character '\\u202e'")


def test_a_fork_pending_while_a_file_loads_waits_for_it_and_no_longer(tmp_path, monkeypatch):
    """The load holds the fork gate; its verifier thread must not wait on a fork that waits for
    the load (that was a deadlock of three threads)."""
    import threading

    from changsha_replay.store import sqlite_gate, verify

    path = made(tmp_path)
    forked: list[bool] = []
    real_start = verify.Verifier.start

    def start_with_a_fork_pending(self):
        def fork():
            with sqlite_gate.no_sqlite():
                forked.append(True)

        threading.Thread(target=fork, daemon=True).start()
        for _ in range(500):  # until the fork is pending
            if sqlite_gate._forking:
                break
            time.sleep(0.002)
        assert sqlite_gate._forking
        return real_start(self)

    monkeypatch.setattr(verify.Verifier, "start", start_with_a_fork_pending)
    done: list[object] = []
    loader = threading.Thread(target=lambda: done.append(load(path, use_cache=False)), daemon=True)
    loader.start()
    loader.join(10)
    assert not loader.is_alive() and done, "the load never finished"
    for _ in range(500):
        if forked:
            break
        time.sleep(0.01)
    assert forked == [True]
