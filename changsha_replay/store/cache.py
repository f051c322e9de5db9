"""A derived cache of large scenarios, so that a file opens fast the second time.

Reading a scenario of a million keyframes costs seconds in Python's sqlite3 (a cost per row
and per value). After such a file has been read and validated, its content is written to the
user's cache folder as one ``.npz`` file: the keyframe columns as numpy arrays and everything
else as JSON (never pickle). The next load of the *same* file reads that instead.

"The same file" means: same resolved path, size, modification time (ns), inode and device,
the same SQLite file change counter (header bytes 24–27, bumped by every write) and the same
checksum of sampled content (the first and last 64 KB and 16 blocks between); files in
WAL mode or with a journal beside them are never cached, since their content is not all in the
main file. A cache entry that is missing, stale, unreadable or malformed is ignored (and
removed); the file is then read as usual. The cache is an accelerator, never a source of truth.

Records are stored as lists of their fields in order; the stamp of an entry holds the field
names of every record type, so an entry written by code whose records had other fields is
never decoded into the wrong ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import zlib
from datetime import timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import __version__
from ..model.orbat import OrderOfBattle
from ..model.records import (
    Annotation,
    Citation,
    Credit,
    Event,
    EventUnit,
    Feature,
    Phase,
    Place,
    ScenarioInfo,
    Side,
    Source,
    Unit,
)
from ..model.scenario import Scenario
from ..model.timeline import EventLog, Phases
from ..model.tracks import UnitTracks
from ..paths import cache_dir
from .schema import FORMAT_VERSION

LAYOUT = 4  # of the cache file; bump when it changes, or when reading checks more (an entry a file earned
#           under weaker checks must not stand in for reading it)
MIN_BYTES = 4 * 1024 * 1024  # smaller files load in well under a second without a cache
MAX_ENTRIES = 8
_TRACK_COLUMNS = ("time", "lat", "lon", "strength", "status", "interpolate", "certainty", "citation", "place")
_RECORDS = (Citation, Source, Credit, ScenarioInfo, Side, Unit, Phase, EventUnit, Event, Place, Feature, Annotation)


def _records_fingerprint() -> str:
    """What identifies the fields of every record type (an entry is lists of fields in order)."""
    names = ";".join(f"{r.__name__}:{','.join(r._fields)}" for r in _RECORDS).encode()
    return f"{zlib.crc32(names):08x}{zlib.adler32(names):08x}"


_FIELDS = _records_fingerprint()


class FileStamp(NamedTuple):
    """What identifies one version of a file's content."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    device: int
    change_counter: int
    sample: int  # CRC-32 of the first and last 64 KB and 16 blocks between


_SAMPLE_EDGE = 64 * 1024
_SAMPLE_BLOCK = 4096
_SAMPLE_BLOCKS = 16


def _sample(fh, size: int) -> int:
    """A checksum of part of a file's content: where two versions of a file agree in size,
    modification time (coarse on FAT, restorable by copying tools) and change counter, their
    pages still differ somewhere, most likely at the ends (SQLite appends) or in a sampled block."""
    crc = 0
    offsets = [0, max(size - _SAMPLE_EDGE, 0)]
    offsets += [size * k // (_SAMPLE_BLOCKS + 1) for k in range(1, _SAMPLE_BLOCKS + 1)]
    for k, offset in enumerate(offsets):
        fh.seek(offset)
        crc = zlib.crc32(fh.read(_SAMPLE_EDGE if k < 2 else _SAMPLE_BLOCK), crc)
    return crc


def stamp(path: Path, min_bytes: int = 0) -> FileStamp | None:
    """The file's stamp, or None when it cannot be cached (smaller than ``min_bytes``, WAL mode, a
    journal beside it, unreadable)."""
    try:
        resolved = path.resolve()
        if any(Path(f"{resolved}{suffix}").exists() for suffix in ("-wal", "-journal")):
            return None
        with resolved.open("rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size < min_bytes:
                return None  # not worth caching: its content is not even sampled
            header = fh.read(100)
            if len(header) < 100 or header[18] != 1 or header[19] != 1:  # 1, 1: rollback journal (2: WAL)
                return None
            sample = _sample(fh, st.st_size)
    except OSError:
        return None
    counter = int.from_bytes(header[24:28], "big")
    return FileStamp(str(resolved), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, counter, sample)


def default_folder() -> Path | None:
    """The user's cache folder for scenarios (``$CHANGSHA_REPLAY_CACHE`` moves it; "off" disables)."""
    return cache_dir("scenarios")


_SHARED: dict[Path | None, ScenarioCache] = {}


class ScenarioCache:
    """Cache entries in one folder, one per scenario path, the most recently used kept."""

    def __init__(self, folder: Path | None, min_bytes: int = MIN_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.folder = folder
        self.min_bytes = min_bytes
        self.max_entries = max_entries
        self._writers: list[threading.Thread] = []

    @classmethod
    def default(cls) -> ScenarioCache:
        """The cache in :func:`default_folder` (one shared instance per folder)."""
        folder = default_folder()
        if folder not in _SHARED:
            _SHARED[folder] = cls(folder)
        return _SHARED[folder]

    def _entry(self, key: FileStamp) -> Path | None:
        if self.folder is None:
            return None
        import hashlib  # here, not at start-up: most files are too small to be cached

        return self.folder / (hashlib.sha256(key.path.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".npz")

    def wants(self, key: FileStamp | None) -> bool:
        return key is not None and self.folder is not None and key.size >= self.min_bytes

    def get(self, key: FileStamp | None) -> Scenario | None:
        """The cached scenario of exactly this file version, or None."""
        if not self.wants(key):
            return None
        entry = self._entry(key)  # type: ignore[arg-type]
        try:
            if entry is None or not entry.is_file():  # may raise, e.g. a folder one cannot enter
                return None
        except OSError:
            return None
        try:
            with np.load(entry, allow_pickle=False) as npz:
                # the stamp alone first: a stale entry costs no parsing of the whole old scenario
                if json.loads(npz["stamp"].tobytes().decode("utf-8")) != _stamp_json(key):  # type: ignore[arg-type]
                    return None  # another version of the file: replaced on the next put
                meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
                if meta.get("stamp") != _stamp_json(key):  # type: ignore[arg-type]
                    return None
                arrays = {name: npz[name] for name in (*_TRACK_COLUMNS, "offsets")}
            scenario = _decode(meta, arrays)
        except Exception:  # a damaged entry of a derived cache is simply dropped
            _remove(entry)
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # most recently used
        return scenario

    def put_later(self, key: FileStamp | None, scenario: Scenario) -> None:
        """:meth:`put` on a background thread (the interpreter waits for it at exit; :meth:`wait` too)."""
        if not self.wants(key):
            return
        thread = threading.Thread(target=self.put, args=(key, scenario), name="scenario-cache-writer")
        self._writers = [t for t in self._writers if t.is_alive()] + [thread]
        thread.start()

    def wait(self) -> None:
        """Until every :meth:`put_later` has finished."""
        for thread in self._writers:
            thread.join()
        self._writers = []

    def put(self, key: FileStamp | None, scenario: Scenario) -> None:
        """Remember ``scenario`` as the content of this file version; errors are ignored."""
        if not self.wants(key):
            return
        entry = self._entry(key)  # type: ignore[arg-type]
        assert entry is not None
        tmp = None
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            meta = json.dumps(_encode(scenario, key), ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # type: ignore[arg-type]
            tracks = scenario.tracks
            arrays = {name: np.ascontiguousarray(getattr(tracks, name)) for name in _TRACK_COLUMNS}
            import tempfile

            fd, tmp = tempfile.mkstemp(prefix=".scenario.", suffix=".npz", dir=entry.parent)
            with os.fdopen(fd, "wb") as fh:
                stamp = json.dumps(_stamp_json(key)).encode("utf-8")  # type: ignore[arg-type]
                np.savez(
                    fh,
                    stamp=np.frombuffer(stamp, np.uint8),
                    meta=np.frombuffer(meta, np.uint8),
                    offsets=tracks.offsets,
                    **arrays,
                )
            os.replace(tmp, entry)
            tmp = None
            self._evict()
        except Exception:  # a cache that cannot be written costs speed, nothing else
            pass
        finally:
            if tmp is not None:
                _remove(Path(tmp))

    def _evict(self) -> None:
        assert self.folder is not None
        entries = sorted(self.folder.glob("*.npz"), key=_mtime, reverse=True)
        for old in entries[self.max_entries :]:
            _remove(old)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _stamp_json(key: FileStamp) -> dict:
    return {"layout": LAYOUT, "format": FORMAT_VERSION, "app": __version__, "records": _FIELDS, **key._asdict()}


# -- the scenario as JSON (everything but the keyframe columns) ----------------------------------
def _encode(s: Scenario, key: FileStamp) -> dict:
    info = s.info
    columns = [list(c) for c in zip(*s.events)] if len(s.events) else []
    sources, source_groups = _groups(columns.pop() if columns else [])  # the last column
    units, unit_groups = _groups(columns.pop() if columns else [])
    return {
        "stamp": _stamp_json(key),
        "info": {
            **info._asdict(),
            "time_zone": info.time_zone.utcoffset(None).total_seconds(),
            "extent": list(info.extent),
        },
        "sides": [list(x) for x in s.sides],
        "units": [[*u[:-1], [list(c) for c in u.sources]] for u in s.units],
        "phases": [list(p) for p in s.phases],
        "events": {
            "columns": columns,
            "units": units,
            "unit_group_of": unit_groups,
            "sources": sources,
            "source_group_of": source_groups,
        },
        "places": [[*p[:8], list(p.source), p.note, p.key_place] for p in s.places],
        "features": [[*f[:-1], list(f.source)] for f in s.features],
        "annotations": [list(a) for a in s.annotations],
        "sources": [list(x) for x in s.sources],
        "credits": [list(x) for x in s.credits],
        "track_citations": [list(c) for c in s.tracks.citations],
        "track_places": list(s.tracks.places),
    }


def _groups(values: list[tuple]) -> tuple[list, list[int]]:
    """Distinct tuples (of EventUnit or Citation) as lists, and each value's index among them.

    Equal tuples are usually one shared object (the reader shares them), so most lookups go by
    object identity before falling back to equality."""
    by_id: dict[int, int] = {}
    by_value: dict[tuple, int] = {}
    distinct: list = []
    index = []
    for value in values:
        i = by_id.get(id(value))
        if i is None:
            i = by_value.get(value)
            if i is None:
                i = by_value[value] = len(distinct)
                distinct.append([list(x) for x in value])
            by_id[id(value)] = i
        index.append(i)
    return distinct, index


def _decode(meta: dict, arrays: dict[str, np.ndarray]) -> Scenario:
    fields = meta["info"]
    info = ScenarioInfo(
        **{
            **fields,
            "time_zone": timezone(timedelta(seconds=fields["time_zone"])),
            "extent": tuple(fields["extent"]),
        }
    )
    units = OrderOfBattle([Unit(*u[:-1], tuple(Citation(*c) for c in u[-1])) for u in meta["units"]])
    offsets = arrays["offsets"]
    if len(offsets) != len(units) + 1:
        raise ValueError("cache entry does not match its order of battle")
    unit_index = np.repeat(np.arange(len(units)), np.diff(offsets))
    tracks = UnitTracks(
        len(units),
        unit_index,
        *(arrays[name] for name in _TRACK_COLUMNS),
        citations=tuple(Citation(*c) for c in meta["track_citations"]),
        places=tuple(meta["track_places"]),
    )
    return Scenario(
        info=info,
        sides=tuple(Side(*x) for x in meta["sides"]),
        units=units,
        phases=Phases(Phase(*p[:7], tuple(p[7]) if p[7] is not None else None) for p in meta["phases"]),
        events=_decode_events(meta["events"]),
        tracks=tracks,
        places=tuple(Place(*p[:8], Citation(*p[8]), p[9], p[10]) for p in meta["places"]),
        features=tuple(Feature(*f[:-1], Citation(*f[-1])) for f in meta["features"]),
        annotations=tuple(map(Annotation._make, meta["annotations"])),
        sources=tuple(Source(*x) for x in meta["sources"]),
        credits=tuple(Credit(*x) for x in meta["credits"]),
    )


def _decode_events(data: dict) -> EventLog:
    columns = data["columns"]
    if not columns:
        return EventLog(())
    unit_groups = [tuple(EventUnit(*link) for link in g) for g in data["units"]]
    source_groups = [tuple(Citation(*c) for c in g) for g in data["sources"]]
    words: dict[str, str] = {}
    word = words.setdefault
    for i in (2, 10, 11):  # kind, place, basis: a few distinct values, shared as in a fresh read
        columns[i] = [v if v is None else word(v, v) for v in columns[i]]
    units = map(unit_groups.__getitem__, data["unit_group_of"])
    sources = map(source_groups.__getitem__, data["source_group_of"])
    return EventLog(map(Event._make, zip(*columns, units, sources, strict=True)))
