"""The scenario file format: one SQLite file per scenario (see docs/scenario-format.md).

Version 2 is written; version 1 is still read (the reader gives it the columns version 2 added,
with the values ``STAND_INS`` says). A version only ever appends columns to the end of its tables.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from .sqlite_gate import using_sqlite

FORMAT_VERSION = 4  # PRAGMA user_version of the files written
OLDEST_VERSION = 1  # the oldest format still read
APPLICATION_ID = int.from_bytes(b"CSRP", "big")  # PRAGMA application_id: "a Changsha Replay scenario"

_DDL_1 = """
CREATE TABLE scenario (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    title_en       TEXT NOT NULL,
    title_zh       TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    description_zh TEXT NOT NULL DEFAULT '',
    time_zone      TEXT NOT NULL,
    start_time     TEXT NOT NULL,
    end_time       TEXT NOT NULL,
    west           REAL NOT NULL,
    south          REAL NOT NULL,
    east           REAL NOT NULL,
    north          REAL NOT NULL
);
CREATE TABLE source (
    key   TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    url   TEXT NOT NULL DEFAULT '',
    note  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE credit (
    id      INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    holder  TEXT NOT NULL,
    licence TEXT NOT NULL,
    url     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE side (
    id         TEXT PRIMARY KEY,
    sort_order INTEGER NOT NULL DEFAULT 0,
    name_en    TEXT NOT NULL,
    name_zh    TEXT NOT NULL DEFAULT '',
    colour     TEXT NOT NULL
);
CREATE TABLE unit (
    id                TEXT PRIMARY KEY,
    sort_order        INTEGER NOT NULL DEFAULT 0,
    side_id           TEXT NOT NULL REFERENCES side (id),
    parent_id         TEXT REFERENCES unit (id),
    name_en           TEXT NOT NULL,
    name_zh           TEXT NOT NULL DEFAULT '',
    narrative_name_en TEXT NOT NULL DEFAULT '',
    narrative_name_zh TEXT NOT NULL DEFAULT '',
    echelon           TEXT NOT NULL,
    branch            TEXT NOT NULL,
    sidc              TEXT NOT NULL,
    commander_en      TEXT NOT NULL DEFAULT '',
    commander_zh      TEXT NOT NULL DEFAULT '',
    basis             TEXT NOT NULL DEFAULT 'historical',
    note              TEXT NOT NULL DEFAULT ''
);
CREATE TABLE unit_source (
    unit_id    TEXT NOT NULL REFERENCES unit (id),
    source_key TEXT NOT NULL REFERENCES source (key),
    locator    TEXT NOT NULL DEFAULT '',
    UNIQUE (unit_id, source_key, locator)
);
CREATE TABLE phase (
    id         TEXT PRIMARY KEY,
    start_time TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    title_zh   TEXT NOT NULL DEFAULT '',
    summary_en TEXT NOT NULL DEFAULT '',
    summary_zh TEXT NOT NULL DEFAULT ''
);
CREATE TABLE place (
    id            TEXT PRIMARY KEY,
    name_en       TEXT NOT NULL,
    name_zh       TEXT NOT NULL DEFAULT '',
    pinyin        TEXT NOT NULL DEFAULT '',
    lat           REAL NOT NULL,
    lon           REAL NOT NULL,
    kind          TEXT NOT NULL,
    confidence_km REAL NOT NULL,
    source_key    TEXT NOT NULL REFERENCES source (key),
    locator       TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT ''
);
CREATE TABLE citation (
    id         INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL REFERENCES source (key),
    locator    TEXT NOT NULL DEFAULT '',
    place_id   TEXT REFERENCES place (id)
);
CREATE TABLE keyframe (
    unit_id     TEXT NOT NULL REFERENCES unit (id),
    t           TEXT NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    strength    REAL NOT NULL DEFAULT 100,
    status      TEXT NOT NULL,
    interpolate INTEGER NOT NULL DEFAULT 1,
    certainty   TEXT NOT NULL DEFAULT 'estimated',
    citation_id INTEGER NOT NULL REFERENCES citation (id),
    PRIMARY KEY (unit_id, t)
) WITHOUT ROWID;
CREATE TABLE event (
    id               TEXT PRIMARY KEY,
    t                TEXT NOT NULL,
    end_t            TEXT,
    kind             TEXT NOT NULL,
    title_en         TEXT NOT NULL,
    title_zh         TEXT NOT NULL DEFAULT '',
    text_en          TEXT NOT NULL DEFAULT '',
    text_zh          TEXT NOT NULL DEFAULT '',
    lat              REAL,
    lon              REAL,
    place_id         TEXT REFERENCES place (id),
    basis            TEXT NOT NULL,
    other_version_en TEXT NOT NULL DEFAULT '',
    other_version_zh TEXT NOT NULL DEFAULT ''
);
CREATE TABLE event_unit (
    event_id TEXT NOT NULL REFERENCES event (id),
    unit_id  TEXT NOT NULL REFERENCES unit (id),
    role     TEXT NOT NULL,
    UNIQUE (event_id, unit_id, role)
);
CREATE TABLE event_source (
    event_id   TEXT NOT NULL REFERENCES event (id),
    source_key TEXT NOT NULL REFERENCES source (key),
    locator    TEXT NOT NULL DEFAULT '',
    UNIQUE (event_id, source_key, locator)
);
CREATE TABLE feature (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    name_zh    TEXT NOT NULL DEFAULT '',
    geometry   TEXT NOT NULL,
    schematic  INTEGER NOT NULL DEFAULT 0,
    start_time TEXT,
    end_time   TEXT,
    source_key TEXT NOT NULL REFERENCES source (key),
    locator    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE annotation (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    geometry   TEXT NOT NULL,
    text       TEXT NOT NULL DEFAULT '',
    colour     TEXT NOT NULL DEFAULT '#000000',
    start_time TEXT,
    end_time   TEXT,
    author     TEXT NOT NULL DEFAULT '',
    created    TEXT NOT NULL
);
CREATE INDEX event_t ON event (t);
"""

#: Columns each version added, appended in this order at the end of their tables.
ADDED_COLUMNS: dict[int, dict[str, tuple[str, ...]]] = {
    2: {
        "scenario": (
            "author   TEXT NOT NULL DEFAULT ''",
            "based_on TEXT NOT NULL DEFAULT ''",
        ),
        "annotation": (
            "text_zh      TEXT NOT NULL DEFAULT ''",
            "width        REAL NOT NULL DEFAULT 2",
            "dash         TEXT NOT NULL DEFAULT 'solid'",
            "fill_opacity REAL NOT NULL DEFAULT 0.2",
            "hatch        INTEGER NOT NULL DEFAULT 0",
            "arrowhead    TEXT NOT NULL DEFAULT 'end'",
            "span         TEXT NOT NULL DEFAULT 'phase'",
            "unit_id      TEXT REFERENCES unit (id)",
            "radius_km    REAL",
        ),
    },
    3: {
        "place": ("key_place INTEGER NOT NULL DEFAULT 0",),
    },
    4: {
        "phase": ("view_west REAL", "view_south REAL", "view_east REAL", "view_north REAL"),
    },
}

#: What a file of an older version reads as in each column added since: SQL over its row.
STAND_INS: dict[int, dict[str, dict[str, str]]] = {
    2: {
        "scenario": {"author": "''", "based_on": "''"},
        "annotation": {
            "text_zh": "''",
            "width": "2.0",
            "dash": "'solid'",
            "fill_opacity": "0.2",
            "hatch": "0",
            "arrowhead": "'end'",
            # how the span was chosen, told from the times it has
            "span": (
                "CASE WHEN start_time IS NULL AND end_time IS NULL THEN 'always'"
                " WHEN end_time IS NULL THEN 'from' ELSE 'range' END"
            ),
            "unit_id": "NULL",
            "radius_km": "NULL",
        },
    },
    3: {
        # a city of an older file is a key place (always named on the map)
        "place": {"key_place": "CASE WHEN kind = 'city' THEN 1 ELSE 0 END"},
    },
    4: {
        # no view of its own: the map keeps what it shows
        "phase": {"view_west": "NULL", "view_south": "NULL", "view_east": "NULL", "view_north": "NULL"},
    },
}


def _append_columns(ddl: str, added: dict[str, tuple[str, ...]]) -> str:
    """``ddl`` with the column definitions ``added`` appended to the end of their tables."""
    for table, definitions in added.items():
        start = ddl.index(f"CREATE TABLE {table} (\n")
        end = ddl.index("\n)", start)
        ddl = ddl[:end] + "".join(f",\n    {d}" for d in definitions) + ddl[end:]
    return ddl


#: The DDL of every version read (each file is made with the one of its version).
DDL_BY_VERSION: dict[int, str] = {1: _DDL_1}
for _version in range(OLDEST_VERSION + 1, FORMAT_VERSION + 1):
    DDL_BY_VERSION[_version] = _append_columns(DDL_BY_VERSION[_version - 1], ADDED_COLUMNS[_version])
DDL = DDL_BY_VERSION[FORMAT_VERSION]

#: Longest text (in characters) accepted per column; anything longer is an absurd value.
MAX_TEXT = {
    "geometry": 8_000_000,
    "text_en": 20_000,
    "text_zh": 20_000,
    "other_version_en": 20_000,
    "other_version_zh": 20_000,
    "description_en": 20_000,
    "description_zh": 20_000,
    "summary_en": 20_000,
    "summary_zh": 20_000,
    "note": 20_000,
    # a column of one table only: "table.column" (matching validation.MAX_ANNOTATION_TEXT)
    "annotation.text": 2_000,
    "annotation.text_zh": 2_000,
}
MAX_TEXT_DEFAULT = 2_000
MAX_VALUE_BYTES = 32_000_000  # SQLITE_LIMIT_LENGTH while reading: no value may be larger

#: Most rows accepted per table (memory stays bounded whatever the file says).
MAX_ROWS = {
    "keyframe": 20_000_000,
    "event": 2_000_000,
    "event_unit": 10_000_000,
    "event_source": 10_000_000,
    "unit": 1_000_000,
    "unit_source": 5_000_000,
    "place": 1_000_000,
    "citation": 5_000_000,
    "feature": 100_000,
    "annotation": 1_000_000,
}
MAX_ROWS_DEFAULT = 100_000


@cache
def expected_columns(version: int = FORMAT_VERSION) -> dict[str, tuple[str, ...]]:
    """Table name → column names, as the DDL of ``version`` defines them."""
    with using_sqlite():
        conn = sqlite3.connect(":memory:")
        try:
            conn.executescript(DDL_BY_VERSION[version])
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
            return {t: tuple(r[1] for r in conn.execute(f"PRAGMA table_info({t})")) for t in tables}
        finally:
            conn.close()


def stand_ins(table: str, version: int) -> dict[str, str]:
    """Column → SQL giving its value, for the columns of ``table`` that a file of ``version`` lacks."""
    found: dict[str, str] = {}
    for newer in range(version + 1, FORMAT_VERSION + 1):
        found.update(STAND_INS[newer].get(table, {}))
    return found


def max_text(column: str, table: str = "") -> int:
    """Longest text accepted in ``column`` (of ``table``: some limits are one table's)."""
    return MAX_TEXT.get(f"{table}.{column}") or MAX_TEXT.get(column, MAX_TEXT_DEFAULT)
