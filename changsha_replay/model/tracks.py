"""Unit keyframes as columns, and the state of every unit at a time, vectorised with numpy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .records import Citation


class Keyframe(NamedTuple):
    """One keyframe as a record (for display and editing; the tracks keep columns)."""

    unit_index: int
    time: float
    lat: float
    lon: float
    strength: float
    status: int
    interpolate: bool
    certainty: int
    citation: Citation
    place_id: str | None


@dataclass(frozen=True, slots=True, eq=False)
class UnitStates:
    """State of all units at one time; row ``i`` is the unit of index ``i``.

    Units without keyframes have NaN position and strength and status -1.
    ``keyframe`` is the index of the keyframe in force (at or before the time, or the first).
    """

    time: float
    lat: np.ndarray
    lon: np.ndarray
    strength: np.ndarray
    status: np.ndarray
    keyframe: np.ndarray

    @property
    def known(self) -> np.ndarray:
        """Mask of units that have a position."""
        return self.status >= 0

    def equals(self, other: UnitStates) -> bool:
        """Exactly the same state (NaN equal to NaN)."""
        return self.time == other.time and all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=name != "status" and name != "keyframe")
            for name in ("lat", "lon", "strength", "status", "keyframe")
        )


_COLUMNS = ("time", "lat", "lon", "strength", "status", "interpolate", "certainty", "citation", "place")


class UnitTracks:
    """Keyframes of all units, sorted by unit index then time.

    ``offsets[u]:offsets[u + 1]`` is the slice of unit ``u``. ``citation`` and ``place`` index into
    ``citations`` and ``places`` (-1: no place). Arrays are read-only.
    Seeking costs one binary search per unit (all units searched together, vectorised).
    """

    __slots__ = (
        *_COLUMNS,
        "offsets",
        "citations",
        "places",
        "_rows",
        "_first",
        "_steps",
        "_last",
        "_has",
    )

    def __init__(
        self,
        unit_count: int,
        unit_index: np.ndarray,
        time: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        strength: np.ndarray,
        status: np.ndarray,
        interpolate: np.ndarray,
        certainty: np.ndarray | None = None,
        citation: np.ndarray | None = None,
        place: np.ndarray | None = None,
        citations: tuple[Citation, ...] = (),
        places: tuple[str, ...] = (),
    ) -> None:
        n = len(time)
        unit_index = np.asarray(unit_index, dtype=np.int64)
        time = np.asarray(time, dtype=np.float64)
        order = None if _is_sorted(unit_index, time) else np.lexsort((time, unit_index))

        def column(values, dtype, default):
            arr = np.full(n, default, dtype=dtype) if values is None else np.asarray(values, dtype=dtype)
            if order is not None:
                arr = arr[order]
            arr.setflags(write=False)
            return arr

        if order is not None:
            unit_index = unit_index[order]
        # time, lat, lon and strength side by side: state_at() gathers a unit's two keyframes
        # from one place in memory instead of eight.
        rows = np.empty((n, 4))
        for k, (values, default) in enumerate(((time, 0.0), (lat, np.nan), (lon, np.nan), (strength, 100.0))):
            rows[:, k] = column(values, np.float64, default)
        rows.setflags(write=False)
        self._rows = rows
        self.time, self.lat, self.lon, self.strength = (rows[:, k] for k in range(4))
        self.status = column(status, np.int8, 0)
        self.interpolate = column(interpolate, np.bool_, True)
        self.certainty = column(certainty, np.int8, 0)
        self.citation = column(citation, np.int32, -1)
        self.place = column(place, np.int32, -1)
        self.citation, self.citations = _renumber(self.citation, tuple(citations))
        self.place, self.places = _renumber(self.place, tuple(places))
        if n and (unit_index[0] < 0 or unit_index[-1] >= unit_count):
            raise ValueError("keyframe unit index out of range")
        counts = np.bincount(unit_index, minlength=unit_count) if n else np.zeros(unit_count, np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.offsets.setflags(write=False)
        # Per-unit constants of state_at(), computed once.
        self._first = self.offsets[:-1]
        self._has = self.offsets[1:] > self._first
        self._last = np.where(self._has, self.offsets[1:] - 1, 0)
        self._steps = int(np.ceil(np.log2(int(counts.max()) + 1))) if n else 0

    # -- sizes and per-unit access -------------------------------------------------------
    @property
    def unit_count(self) -> int:
        return len(self.offsets) - 1

    def __len__(self) -> int:
        return len(self.time)

    def unit_slice(self, unit_index: int) -> slice:
        return slice(int(self.offsets[unit_index]), int(self.offsets[unit_index + 1]))

    def unit_indices(self) -> np.ndarray:
        """Unit index of every keyframe."""
        return np.repeat(np.arange(self.unit_count), np.diff(self.offsets))

    def keyframe(self, i: int) -> Keyframe:
        citation = self.citations[self.citation[i]] if self.citation[i] >= 0 else Citation("")
        place = self.places[self.place[i]] if self.place[i] >= 0 else None
        unit = int(np.searchsorted(self.offsets, i, side="right") - 1)
        return Keyframe(
            unit,
            float(self.time[i]),
            float(self.lat[i]),
            float(self.lon[i]),
            float(self.strength[i]),
            int(self.status[i]),
            bool(self.interpolate[i]),
            int(self.certainty[i]),
            citation,
            place,
        )

    def equals(self, other: UnitTracks) -> bool:
        if self.citations != other.citations or self.places != other.places:
            return False
        if not np.array_equal(self.offsets, other.offsets):
            return False
        return all(np.array_equal(getattr(self, c), getattr(other, c), equal_nan=True) for c in _COLUMNS)

    # -- state at a time -----------------------------------------------------------------
    def state_at(self, t: float) -> UnitStates:
        """Position, strength and status of every unit at time ``t``.

        Before a unit's first keyframe and after its last the state is held. Between two
        keyframes it is interpolated linearly when the earlier one says so, else held.
        """
        count = self.unit_count
        if not len(self.time):
            nan = np.full(count, np.nan)
            return UnitStates(
                float(t), nan, nan.copy(), nan.copy(), np.full(count, -1, np.int8), np.full(count, -1, np.int64)
            )
        tc = float(t)
        # One binary search per unit, all units at once: the first keyframe later than tc.
        lo, hi = self._first.copy(), self.offsets[1:].copy()
        top = len(self.time) - 1
        for _ in range(self._steps):
            active = lo < hi
            mid = (lo + hi) >> 1
            later = self.time[np.minimum(mid, top)] > tc
            np.copyto(hi, mid, where=active & later)
            np.copyto(lo, mid + 1, where=active & ~later)
        i0 = lo - 1
        np.maximum(i0, np.where(self._has, self._first, 0), out=i0)  # before the first keyframe: hold it
        np.minimum(i0, self._last, out=i0)
        i1 = np.minimum(i0 + 1, self._last)
        r0, r1 = self._rows[i0], self._rows[i1]
        t0 = r0[:, 0]
        dt = r1[:, 0] - t0
        glide = self.interpolate[i0] & (dt > 0) & (tc > t0)
        f = np.zeros(count)
        np.divide(tc - t0, dt, out=f, where=glide)
        np.minimum(f, 1.0, out=f)
        lat = _lerp(r0[:, 1], r1[:, 1], f)
        lon = _lerp(r0[:, 2], r1[:, 2], f)
        strength = _lerp(r0[:, 3], r1[:, 3], f)
        status = self.status[i0]
        if not self._has.all():
            missing = ~self._has
            lat[missing] = lon[missing] = strength[missing] = np.nan
            status[missing] = -1
            i0[missing] = -1
        return UnitStates(float(t), lat, lon, strength, status, i0)


def _lerp(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> np.ndarray:
    """a + f (b - a) for f in [0, 1], kept inside [min(a, b), max(a, b)] despite rounding."""
    out = b - a
    out *= f
    out += a
    return np.clip(out, np.minimum(a, b), np.maximum(a, b), out=out)


def _is_sorted(unit_index: np.ndarray, time: np.ndarray) -> bool:
    """True when rows are ordered by unit, then time (an O(n) check that spares the sort)."""
    if len(unit_index) < 2:
        return True
    du = np.diff(unit_index)
    return bool(np.all((du > 0) | ((du == 0) & (np.diff(time) >= 0))))


def _renumber(codes: np.ndarray, table: tuple) -> tuple[np.ndarray, tuple]:
    """Codes and table in canonical form: table entries in order of first use, unused ones dropped.

    Equal content then gives equal arrays, whatever order the data was read in.
    """
    used = codes >= 0
    if not used.any():
        return codes, ()
    seen = np.maximum.accumulate(np.where(used, codes, -1))
    if seen[-1] == len(table) - 1 and np.all(np.diff(seen) <= 1) and np.all(codes <= seen) and seen[0] <= 0:
        codes.setflags(write=False)
        return codes, table  # already canonical: every entry used, in order of first use
    values, first = np.unique(codes[used], return_index=True)
    order = values[np.argsort(first)]
    remap = np.full(len(table), -1, dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    out = np.where(used, remap[np.where(used, codes, 0)], -1).astype(np.int32)
    out.setflags(write=False)
    return out, tuple(table[i] for i in order)
