"""Writing a scenario: a complete new file beside the target, then an atomic replace."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from ..model import vocab
from ..model.scenario import Scenario
from ..model.times import format_offset, format_time
from ..model.validation import validate
from ..resources import is_bundled
from .errors import ScenarioError
from .schema import APPLICATION_ID, DDL, FORMAT_VERSION


def save(scenario: Scenario, path: str | os.PathLike, *, building_bundle: bool = False) -> None:
    """Write ``scenario`` to ``path``; the old file stays intact until the new one is complete.

    Refuses to write a scenario that does not validate (it could not be opened again) and
    refuses to write over a bundled scenario (unless the scenario builder is making it).
    """
    target = Path(path)
    if is_bundled(target) and not building_bundle:
        raise ScenarioError(f"{target.name}: the bundled scenarios are read-only; save a copy elsewhere")
    problems = validate(scenario)
    if problems:
        raise ScenarioError(f"cannot save: the scenario has {len(problems)} problems (first: {problems[0]})", problems)
    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ScenarioError(f"{target.name}: cannot write to {directory} ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(scenario, tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        _keep_mode(target, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise ScenarioError(
            f"{target.name}: saving failed ({exc.strerror or exc}); the previous file is unchanged"
        ) from None
    except sqlite3.Error as exc:
        raise ScenarioError(f"{target.name}: saving failed ({exc}); the previous file is unchanged") from None
    finally:
        tmp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the new file is in place; this only makes the rename durable
        _fsync_directory(directory)


def _keep_mode(target: Path, tmp: Path) -> None:
    """The new file gets the old one's permissions (or the usual ones for a new file), not mkstemp's 0600."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(scenario: Scenario, path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        db = Database(conn, recursive_triggers=False, execute_plugins=False)
        conn.execute("PRAGMA journal_mode = OFF")  # a fresh temporary file: nothing to roll back to
        conn.execute("PRAGMA synchronous = OFF")  # fsync happens once, before the replace
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
        db.executescript(DDL)
        with conn:
            for table, rows in _rows(scenario):
                rows = iter(rows)
                first = next(rows, None)
                if first is None:
                    continue
                marks = ", ".join("?" * len(first))
                statement = f"INSERT INTO {table} VALUES ({marks})"
                conn.execute(statement, first)
                conn.executemany(statement, rows)
        conn.execute("VACUUM")  # compact and in page order: faster to open, smaller to ship
    finally:
        conn.close()


def _rows(s: Scenario) -> Iterator[tuple[str, Iterator[tuple]]]:
    tz = s.info.time_zone

    def iso(t: float | None) -> str | None:
        return None if t is None else format_time(round(t), tz)

    info = s.info
    yield (
        "scenario",
        iter(
            [
                (
                    1,
                    info.title_en,
                    info.title_zh,
                    info.description_en,
                    info.description_zh,
                    format_offset(tz),
                    iso(info.start),
                    iso(info.end),
                    *info.extent,
                )
            ]
        ),
    )
    yield "source", ((x.key, x.title, x.url, x.note) for x in s.sources)
    yield "credit", ((i, c.subject, c.holder, c.licence, c.url) for i, c in enumerate(s.credits, 1))
    yield "side", ((x.id, i, x.name_en, x.name_zh, x.colour) for i, x in enumerate(s.sides))
    yield (
        "unit",
        (
            (
                u.id,
                i,
                u.side_id,
                u.parent_id,
                u.name_en,
                u.name_zh,
                u.narrative_name_en,
                u.narrative_name_zh,
                u.echelon,
                u.branch,
                u.sidc,
                u.commander_en,
                u.commander_zh,
                u.basis,
                u.note,
            )
            for i, u in enumerate(s.units)
        ),
    )
    yield "unit_source", ((u.id, c.source_key, c.locator) for u in s.units for c in u.sources)
    yield "phase", ((p.id, iso(p.start), p.title_en, p.title_zh, p.summary_en, p.summary_zh) for p in s.phases)
    yield (
        "place",
        (
            (
                p.id,
                p.name_en,
                p.name_zh,
                p.pinyin,
                p.lat,
                p.lon,
                p.kind,
                p.confidence_km,
                p.source.source_key,
                p.source.locator,
                p.note,
            )
            for p in s.places
        ),
    )
    citation_ids, citation_rows = _keyframe_citations(s.tracks)
    yield "citation", iter(citation_rows)
    yield "keyframe", _keyframe_rows(s, citation_ids)
    yield (
        "event",
        (
            (
                e.id,
                iso(e.time),
                iso(e.end),
                e.kind,
                e.title_en,
                e.title_zh,
                e.text_en,
                e.text_zh,
                e.lat,
                e.lon,
                e.place_id,
                e.basis,
                e.other_version_en,
                e.other_version_zh,
            )
            for e in s.events
        ),
    )
    yield "event_unit", ((e.id, link.unit_id, link.role) for e in s.events for link in e.units)
    yield "event_source", ((e.id, c.source_key, c.locator) for e in s.events for c in e.sources)
    yield (
        "feature",
        (
            (
                f.id,
                f.kind,
                f.name_en,
                f.name_zh,
                _json(f.geometry),
                int(f.schematic),
                iso(f.start),
                iso(f.end),
                f.source.source_key,
                f.source.locator,
            )
            for f in s.features
        ),
    )
    yield (
        "annotation",
        (
            (a.id, a.kind, _json(a.geometry), a.text, a.colour, iso(a.start), iso(a.end), a.author, iso(a.created))
            for a in s.annotations
        ),
    )


def _json(geometry: dict) -> str:
    return json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))


def _keyframe_citations(tr) -> tuple[np.ndarray, list[tuple]]:
    """Citation id of every keyframe, and the rows of the citation table (source, locator, place)."""
    pair = tr.citation.astype(np.int64) * (len(tr.places) + 1) + (tr.place.astype(np.int64) + 1)
    pairs, ids = np.unique(pair, return_inverse=True)
    rows = []
    for i, value in enumerate(pairs.tolist(), 1):
        citation = tr.citations[value // (len(tr.places) + 1)]
        place = value % (len(tr.places) + 1) - 1
        rows.append((i, citation.source_key, citation.locator, tr.places[place] if place >= 0 else None))
    return ids + 1, rows


def _keyframe_rows(s: Scenario, citation_ids: np.ndarray) -> Iterator[tuple]:
    tr = s.tracks
    tz = s.info.time_zone
    unit_ids = [u.id for u in s.units]
    unit_of = tr.unit_indices().tolist()
    times = np.round(tr.time).tolist()
    lat, lon, strength = tr.lat.tolist(), tr.lon.tolist(), np.round(tr.strength, 2).tolist()
    status, interpolate, certainty = tr.status.tolist(), tr.interpolate.tolist(), tr.certainty.tolist()
    cid = citation_ids.tolist()
    for i in range(len(tr)):
        yield (
            unit_ids[unit_of[i]],
            format_time(times[i], tz),
            lat[i],
            lon[i],
            strength[i],
            vocab.STATUSES[status[i]],
            int(interpolate[i]),
            vocab.CERTAINTIES[certainty[i]],
            cid[i],
        )
