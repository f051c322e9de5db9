"""Every rule the format declares for a column, checked in SQL whatever the file's own schema says.

The rules come from the format's own DDL (``schema.DDL_BY_VERSION``), so no column escapes them
because the app does not read it yet: its declared type (TEXT, INTEGER, REAL), NOT NULL, the
primary keys and UNIQUE constraints, the one CHECK (``scenario.id = 1``). A file's schema may
declare anything: these checks look at the values. What a text may hold (no NUL, no control
character in a name or an id, its length) is checked on the records read, in Python, where a
whole column is one regular-expression pass (``model.validation``); ranges, vocabularies and
references too.

:func:`bad_rows_sql` counts the rows that break a rule (the verifier thread runs it beside the
reading); :func:`problems` names them, a few per column ("and N more") for a clear refusal.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache

from ..model.shown import shown
from ..model.validation import Problem
from .schema import DDL_BY_VERSION
from .sqlite_gate import using_sqlite

#: How each table's rows are named in messages (SQL over the row).
ROW_NAMES = {
    "scenario": "rowid",
    "source": "key",
    "credit": "rowid",
    "citation": "rowid",
    "unit_source": "unit_id",
    "event_unit": "event_id",
    "event_source": "event_id",
    "keyframe": "'(unit_id=' || quote(unit_id) || ', t=' || quote(t) || ')'",  # as the reader names them
}
ROWS_NAMED_PER_COLUMN = 5  # then "and N more"
_TYPES = {"TEXT": "text", "INTEGER": "an integer", "REAL": "a number"}


@dataclass(frozen=True)
class Rule:
    """One declared rule of one column: SQL true for a row breaking it, and what it means."""

    column: str
    bad: str
    message: str  # "must be an integer", "is missing", …


@dataclass(frozen=True)
class Unique:
    """A declared key: the columns whose values no two rows share."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class TableRules:
    rules: tuple[Rule, ...]
    keys: tuple[Unique, ...]


@cache
def declared(version: int) -> dict[str, TableRules]:
    """The rules of every table of format ``version``, read from its DDL."""
    with using_sqlite():
        conn = sqlite3.connect(":memory:")
        try:
            conn.executescript(DDL_BY_VERSION[version])
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
            return {table: _table_rules(conn, table) for table in tables}
        finally:
            conn.close()


def _table_rules(conn: sqlite3.Connection, table: str) -> TableRules:
    rules: list[Rule] = []
    primary: list[tuple[int, str]] = []
    for _cid, name, declared_type, not_null, _default, pk in conn.execute(f"PRAGMA table_info({table})"):
        kind = declared_type.upper()
        if pk:
            primary.append((pk, name))
        if not_null or pk:  # a primary key is NOT NULL in the format (SQLite allows NULLs in some)
            rules.append(Rule(name, f"{name} IS NULL", "is missing"))
        if kind == "TEXT":  # (what a text may hold is checked on the records: model.validation)
            rules.append(Rule(name, f"typeof({name}) NOT IN ('text', 'null')", "must be text"))
        elif kind == "INTEGER":
            rules.append(Rule(name, f"typeof({name}) NOT IN ('integer', 'null')", "must be an integer"))
        elif kind == "REAL":
            rules.append(Rule(name, f"typeof({name}) NOT IN ('integer', 'real', 'null')", "must be a number"))
    if table == "scenario":  # its one CHECK: a single row, id 1
        rules.append(Rule("id", "typeof(id) = 'integer' AND id != 1", "must be 1 (a scenario file holds one scenario)"))
    keys = [Unique(tuple(name for _order, name in sorted(primary)))] if primary else []
    for _seq, index, unique, *_rest in conn.execute(f"PRAGMA index_list({table})"):
        if unique:
            columns = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})"))
            if columns not in [k.columns for k in keys]:
                keys.append(Unique(columns))
    return TableRules(tuple(rules), tuple(keys))


def bad_rows_where(table: str, version: int) -> str:
    """SQL true for a row of ``table`` that breaks a declared rule of a column."""
    return " OR ".join(f"({r.bad})" for r in declared(version)[table].rules)


def bad_rows_sql(table: str, version: int) -> str:
    """SQL counting the rows of ``table`` that break a declared rule of a column."""
    return f"SELECT count(*) FROM {table} WHERE {bad_rows_where(table, version)}"


def duplicate_keys_sql(table: str, key: Unique) -> str:
    """SQL counting the values of ``key`` that more than one row of ``table`` has."""
    columns = ", ".join(key.columns)
    return f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {columns} HAVING count(*) > 1)"


def enforced_keys(db: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    """The keys of ``table`` that the file's own schema makes SQLite enforce (a primary key or a
    unique index on exactly those columns): those need no counting."""
    found: set[tuple[str, ...]] = set()
    pk = sorted((r[5], r[1]) for r in db.execute(f"PRAGMA table_info({table})") if r[5])
    if pk:
        found.add(tuple(name for _order, name in pk))
    for _seq, index, unique, _origin, partial in db.execute(f"PRAGMA index_list({table})"):
        if unique and not partial:  # a partial index ("… WHERE id IS NULL") enforces nothing here
            columns = tuple(r[2] for r in db.execute(f"PRAGMA index_info({index})"))
            if all(columns):  # not an index on expressions
                found.add(columns)
    return found


def shared_keys(db: sqlite3.Connection, table: str, version: int) -> bool:
    """Whether two rows of ``table`` share a declared key that the file's schema does not enforce."""
    enforced = enforced_keys(db, table)
    return any(
        key.columns not in enforced and db.execute(duplicate_keys_sql(table, key)).fetchone()[0]
        for key in declared(version)[table].keys
    )


def problems(db: sqlite3.Connection, version: int, tables: set[str]) -> list[Problem]:
    """What breaks the declared rules in ``tables``: at most a few rows named per column and rule,
    then how many more."""
    found: list[Problem] = []
    for table, rules in declared(version).items():
        if table not in tables:
            continue
        name = ROW_NAMES.get(table, "id")
        for rule in rules.rules:
            rows = db.execute(
                f"SELECT {name}, typeof({rule.column}), CASE typeof({rule.column}) WHEN 'blob'"
                f" THEN 'x' || hex(substr({rule.column}, 1, 16)) ELSE substr(CAST({rule.column} AS TEXT), 1, 40) END"
                f" FROM {table} WHERE {rule.bad} LIMIT {ROWS_NAMED_PER_COLUMN + 1}"
            ).fetchall()
            if not rows:
                continue
            for row, kind, value in rows[:ROWS_NAMED_PER_COLUMN]:
                named = shown(row, 120) if table == "keyframe" else _row(row)
                found.append(Problem(table, named, rule.column, _message(rule, kind, value)))
            if len(rows) > ROWS_NAMED_PER_COLUMN:
                (count,) = db.execute(f"SELECT count(*) FROM {table} WHERE {rule.bad}").fetchone()
                more = count - ROWS_NAMED_PER_COLUMN
                found.append(Problem(table, "", rule.column, f"… and {more:,} more rows like these"))
        enforced = enforced_keys(db, table)
        for key in rules.keys:
            if key.columns in enforced:
                continue
            columns = ", ".join(key.columns)
            joined = " || ' ' || ".join(key.columns)
            shared = db.execute(
                f"SELECT {joined}, count(*) FROM {table} GROUP BY {columns}"
                f" HAVING count(*) > 1 LIMIT {ROWS_NAMED_PER_COLUMN + 1}"
            ).fetchall()
            for value, count in shared[:ROWS_NAMED_PER_COLUMN]:
                found.append(Problem(table, _row(value), columns, f"{count} rows have this key; it must be unique"))
            if len(shared) > ROWS_NAMED_PER_COLUMN:
                found.append(Problem(table, "", columns, "… and more keys shared by several rows"))
    return found


def _row(value: object) -> str:
    return repr(shown(value, 60)) if isinstance(value, str) else str(value)


def _message(rule: Rule, kind: str, value: str | None) -> str:
    if rule.message == "is missing" or value is None:
        return rule.message
    if rule.message.startswith("must be"):
        return f"{rule.message}, not {kind} {shown(value, 40)!r}"
    return rule.message
