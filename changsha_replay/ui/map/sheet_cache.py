"""A disk cache of symbol sheets: a scenario's atlas is drawn once, not at every start.

Drawing the atlas (every symbol from its SVG, each look at every strength level, the markers)
takes ≈ 30 ms of start-up for the bundled scenario. The finished sheet — its lookup tables and
its image as raw premultiplied ARGB rows, after a JSON header, read in one go — is kept in the
user's cache folder, keyed by
everything it is drawn from: the symbols, looks and colours, the device pixel ratio and size,
milsymbol's version, Qt's version, the font of the badges, and the drawing code itself (the
source of the modules that draw, or the application's version where the source is not at hand,
as in the packaged app). The milsymbol SVGs come from their own cache, keyed by milsymbol's
version. An entry that
is missing, unreadable or does not fit is ignored and the sheet drawn again.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np
from PySide6.QtCore import qVersion
from PySide6.QtGui import QFontInfo, QImage, QPixmap

from ... import __version__
from ...paths import cache_dir
from . import fonts, painting, symbols
from .symbol_cache import _milsymbol_version
from .symbols import SymbolSheet, build_sheet

LAYOUT = 1  # of a cache entry
MAX_ENTRIES = 16
_FORMAT = QImage.Format.Format_ARGB32_Premultiplied
_ARRAYS = tuple(f.name for f in fields(SymbolSheet) if f.name not in ("sidcs", "looks", "pixmap", "dpr", "levels"))


def _code_fingerprint() -> str:
    """What identifies how a sheet is drawn: the drawing code's source when readable (else the
    application's version), Qt's version, and the font the badges are written in."""
    parts = [__version__, qVersion(), QFontInfo(fonts.label_font(10, bold=True)).family()]
    for module in (symbols, painting, fonts):
        with contextlib.suppress(OSError):  # frozen, no source: the version stands for the code
            source = Path(module.__file__ or "").read_bytes()
            parts.append(f"{len(source)}:{zlib.crc32(source):08x}:{zlib.adler32(source):08x}")
    return "/".join(parts)


_MAGIC = b"CSRSHEET"
_SUFFIX = ".sheet"


def _split(data: bytes) -> tuple[dict, memoryview]:
    """(header, payload) of an entry: magic, header length, CRC-32 of header and payload, the JSON
    header, then the raw arrays and image rows."""
    if len(data) < 20 or data[:8] != _MAGIC:
        raise ValueError("not a sheet")
    size = int.from_bytes(data[8:16], "little")
    if not 0 < size <= len(data) - 20:
        raise ValueError("damaged")
    if zlib.crc32(memoryview(data)[20:]) != int.from_bytes(data[16:20], "little"):
        raise ValueError("damaged")
    return json.loads(data[20 : 20 + size]), memoryview(data)[20 + size :]


def _expected_shapes(symbols_count: int, looks_count: int, levels: int) -> dict[str, tuple[int, ...]]:
    """The shape of each table of a sheet of so many symbols and looks (all float64)."""
    badges = symbols.BADGE_MAX + 2
    return {
        "sprite_src": (3, looks_count, levels, 4),
        "sprite_offset": (3, looks_count, 2),
        "sprite_area": (3, looks_count),
        "frames": (3, symbols_count, 4),
        "boxes": (3, symbols_count, 4),
        "mark_offset": (3, symbols_count, 2),
        "halo_src": (symbols_count, 4),
        "ring_src": (3, 4),
        "cross_src": (3, 4),
        "badge_src": (badges, 4),
        "badge_size": (badges, 2),
        "pin_src": (4,),
    }


def _tables(header: dict, payload: memoryview, sidcs: tuple, looks: tuple) -> tuple[int, dict[str, np.ndarray]]:
    """(levels, tables) of an entry, each table checked against the shape this sheet must have
    and copied out of the entry (which is then let go)."""
    levels = header["levels"]
    if levels != symbols.strength_levels(len(looks)):
        raise ValueError("damaged")
    expected = _expected_shapes(len(sidcs), len(looks), levels)
    tables = {}
    for name in _ARRAYS:
        dtype, shape, offset = header["arrays"][name]
        count = int(np.prod(expected[name]))
        if dtype != "<f8" or tuple(shape) != expected[name] or not 0 <= offset <= len(payload) - 8 * count:
            raise ValueError("damaged")
        tables[name] = np.frombuffer(payload, np.float64, count=count, offset=offset).reshape(shape).copy()
    return levels, tables


class SheetCache:
    """Symbol sheets in one folder (``None``: no cache), the most recently used kept."""

    def __init__(self, folder: Path | None, max_entries: int = MAX_ENTRIES) -> None:
        self.folder = folder
        self.max_entries = max_entries
        self._fingerprint: str | None = None

    @classmethod
    def default(cls) -> SheetCache:
        return cls(cache_dir("symbol-sheets"))

    def sheet(
        self, sidcs: Sequence[str], looks: Sequence[tuple[int, int]], colours: Sequence[str], dpr: float
    ) -> SymbolSheet:
        """The sheet for these symbols, from the cache or drawn (and then kept)."""
        named = self._entry(sidcs, looks, colours, dpr)
        found = self._read(*named, tuple(sidcs), tuple(looks), dpr) if named is not None else None
        if found is not None:
            return found
        sheet = build_sheet(sidcs, looks, colours, dpr)
        if named is not None:
            self._write(*named, sheet)
        return sheet

    def _entry(self, sidcs, looks, colours, dpr: float) -> tuple[Path, bytes] | None:
        """The entry's file and its whole key."""
        if self.folder is None:
            return None
        if self._fingerprint is None:
            self._fingerprint = _code_fingerprint()
        what = [LAYOUT, self._fingerprint, _milsymbol_version(), list(sidcs), [list(x) for x in looks], list(colours)]
        what += [float(dpr), symbols.SYMBOL_SIZE]
        key = json.dumps(what).encode()
        # A short name from two checksums (hashlib costs ≈ 3 ms of start-up to import); the whole
        # key is kept in the entry and compared on reading, so a clash can only cost a redraw.
        return self.folder / f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}{_SUFFIX}", key

    def _read(self, entry: Path, key: bytes, sidcs: tuple, looks: tuple, dpr: float) -> SymbolSheet | None:
        try:
            if not entry.is_file():  # may raise, e.g. a folder one cannot enter
                return None
        except OSError:
            return None
        try:
            with entry.open("rb") as fh:
                data = fh.read()
            header, payload = _split(data)
            if header["key"] != key.decode():
                return None  # another sheet under the same name: drawn, and replaced
            levels, tables = _tables(header, payload, sidcs, looks)
            width, height, per_line = header["width"], header["height"], header["per_line"]
            offset, size = header["image"]
            shape_ok = width > 0 and height > 0 and per_line >= 4 * width and size == height * per_line
            if not shape_ok or not 0 <= offset <= len(payload) - size:
                raise ValueError("image rows do not match the shape")
            image = QImage(payload[offset : offset + size], width, height, per_line, _FORMAT).copy()  # owns its pixels
            if image.isNull():
                raise ValueError("damaged")
            sheet = SymbolSheet(sidcs, looks, QPixmap.fromImage(image), dpr, levels, **tables)
        except Exception:  # a damaged entry of a derived cache is simply drawn again
            with contextlib.suppress(OSError):
                entry.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)
        return sheet

    def _write(self, entry: Path, key: bytes, sheet: SymbolSheet) -> None:
        """Keep a sheet (a temporary file, then a replace); errors cost only the next start's time."""
        tmp = None
        try:
            image = sheet.pixmap.toImage().convertToFormat(_FORMAT)
            per_line, height = image.bytesPerLine(), image.height()
            parts, table, offset = [], {}, 0
            for name in _ARRAYS:
                array = np.ascontiguousarray(getattr(sheet, name))
                table[name] = [array.dtype.str, list(array.shape), offset]
                parts.append(array.tobytes())
                offset += array.nbytes
            rows = bytes(image.constBits())[: per_line * height]
            parts.append(rows)
            payload = b"".join(parts)
            header = {
                "key": key.decode(),
                "levels": sheet.levels,
                "width": image.width(),
                "height": height,
                "per_line": per_line,
                "arrays": table,
                "image": [offset, len(rows)],
            }
            encoded = json.dumps(header).encode()
            checksum = zlib.crc32(payload, zlib.crc32(encoded))
            entry.parent.mkdir(parents=True, exist_ok=True)
            import tempfile

            fd, tmp = tempfile.mkstemp(prefix=".sheet.", suffix=_SUFFIX, dir=entry.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(
                    _MAGIC + len(encoded).to_bytes(8, "little") + checksum.to_bytes(4, "little") + encoded + payload
                )
            os.replace(tmp, entry)
            tmp = None
            entries = sorted(entry.parent.glob("*" + _SUFFIX), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in [*entries[self.max_entries :], *entry.parent.glob("*.npz")]:  # and an older format's
                old.unlink()
        except Exception:  # the cache is an accelerator, never a reason to fail
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
