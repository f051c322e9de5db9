"""Map projection and GeoJSON helpers: plain numpy, no Qt.

The map uses an equirectangular projection centred on the scenario: ``x = lon·cos(lat0)``,
``y = lat``. One unit of x or y is then one degree of latitude (≈ 111 km) in both directions,
so the view keeps a 1:1 aspect ratio and distances read the same across and along the map.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0  # ≈ 111.2 km: one map unit


class Projection(NamedTuple):
    """Equirectangular projection with standard parallel ``lat0``."""

    lat0: float
    k: float  # cos(lat0)

    @classmethod
    def at(cls, lat0: float) -> Projection:
        return cls(lat0, math.cos(math.radians(lat0)))

    @classmethod
    def for_extent(cls, extent: tuple[float, float, float, float]) -> Projection:
        """Projection centred on an extent given as (west, south, east, north)."""
        _west, south, _east, north = extent
        return cls.at((south + north) / 2.0)

    def xy(self, lat, lon):
        """Map coordinates of positions (scalars or arrays)."""
        return np.multiply(lon, self.k), lat

    def latlon(self, x, y):
        """Latitude and longitude of map coordinates."""
        return y, np.divide(x, self.k)

    def rect(self, extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """Map rectangle (x0, y0, x1, y1) of an extent (west, south, east, north)."""
        west, south, east, north = extent
        return west * self.k, south, east * self.k, north


def nice_length(max_km: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ km not longer than ``max_km`` (for a scale bar)."""
    if max_km <= 0 or not math.isfinite(max_km):
        return 0.0
    power = 10.0 ** math.floor(math.log10(max_km))
    for step in (5.0, 2.0, 1.0):
        if step * power <= max_km * (1 + 1e-9):
            return step * power
    return power


def lines_of(geometry: dict) -> Iterator[np.ndarray]:
    """Each line (or polygon ring) of a GeoJSON geometry as an (n, 2) array of [lon, lat]."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates", ())
    if kind == "LineString":
        yield np.asarray(coords, dtype=float).reshape(-1, 2)
    elif kind == "MultiLineString" or kind == "Polygon":
        for part in coords:
            yield np.asarray(part, dtype=float).reshape(-1, 2)
    elif kind == "MultiPolygon":
        for polygon in coords:
            for ring in polygon:
                yield np.asarray(ring, dtype=float).reshape(-1, 2)
    elif kind == "GeometryCollection":
        for child in geometry.get("geometries", ()):
            yield from lines_of(child)


def polygons_of(geometry: dict) -> Iterator[list[np.ndarray]]:
    """Each polygon of a GeoJSON geometry as a list of rings, each an (n, 2) array of [lon, lat]."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates", ())
    if kind == "Polygon":
        yield [np.asarray(ring, dtype=float).reshape(-1, 2) for ring in coords]
    elif kind == "MultiPolygon":
        for polygon in coords:
            yield [np.asarray(ring, dtype=float).reshape(-1, 2) for ring in polygon]
    elif kind == "GeometryCollection":
        for child in geometry.get("geometries", ()):
            yield from polygons_of(child)


def device_points(transform, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply an affine QTransform to coordinate arrays (no per-point Python work)."""
    px = transform.m11() * x + transform.m21() * y + transform.dx()
    py = transform.m12() * x + transform.m22() * y + transform.dy()
    return px, py
