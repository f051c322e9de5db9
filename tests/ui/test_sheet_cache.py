"""The disk cache of symbol sheets gives back exactly the sheet it was given, and only for the same input."""

import numpy as np
from PySide6.QtGui import QImage

from changsha_replay.ui.map import sheet_cache
from changsha_replay.ui.map.sheet_cache import _ARRAYS, SheetCache
from changsha_replay.ui.map.symbols import build_sheet

SIDCS = ["SFGPUCI----E---", "SHGPUCI----E---"]
LOOKS = [(0, 0), (1, 1)]
COLOURS = ["#2563eb", "#dc2626"]


def _pixels(sheet) -> bytes:
    image = sheet.pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    return bytes(image.constBits())


def test_a_cached_sheet_equals_a_drawn_one_and_is_not_drawn_again(qapp, tmp_path, monkeypatch):
    cache = SheetCache(tmp_path)
    first = cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    assert len(list(tmp_path.glob("*.sheet"))) == 1
    monkeypatch.setattr(
        sheet_cache, "build_sheet", lambda *a, **k: (_ for _ in ()).throw(AssertionError("drawn again"))
    )
    second = cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    assert second.sidcs == first.sidcs and second.looks == first.looks and second.levels == first.levels
    assert all(np.array_equal(getattr(second, name), getattr(first, name)) for name in _ARRAYS)
    assert _pixels(second) == _pixels(first) == _pixels(build_sheet(SIDCS, LOOKS, COLOURS, 1.0))


def test_other_colours_or_pixel_ratios_are_other_entries_and_damage_is_redrawn(qapp, tmp_path):
    cache = SheetCache(tmp_path)
    cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    cache.sheet(SIDCS, LOOKS, ["#000000", "#dc2626"], 1.0)
    cache.sheet(SIDCS, LOOKS, COLOURS, 2.0)
    entries = sorted(tmp_path.glob("*.sheet"))
    assert len(entries) == 3
    for entry in entries:
        entry.write_bytes(b"not a sheet")
    again = cache.sheet(SIDCS, LOOKS, COLOURS, 2.0)
    assert again.dpr == 2.0 and _pixels(again) == _pixels(build_sheet(SIDCS, LOOKS, COLOURS, 2.0))


def _rewrite(entry, change):
    """Apply ``change`` to an entry's header and store it with a correct checksum (a crafted file)."""
    import json
    import zlib

    data = entry.read_bytes()
    size = int.from_bytes(data[8:16], "little")
    header = json.loads(data[20 : 20 + size])
    change(header)
    encoded = json.dumps(header).encode()
    payload = data[20 + size :]
    checksum = zlib.crc32(payload, zlib.crc32(encoded))
    entry.write_bytes(
        data[:8] + len(encoded).to_bytes(8, "little") + checksum.to_bytes(4, "little") + encoded + payload
    )


def test_a_damaged_or_crafted_entry_is_drawn_again_never_used(qapp, tmp_path, monkeypatch):
    cache = SheetCache(tmp_path)
    cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    (entry,) = tmp_path.glob("*.sheet")
    good = entry.read_bytes()
    drawn = []
    real_build = sheet_cache.build_sheet
    monkeypatch.setattr(sheet_cache, "build_sheet", lambda *a, **k: drawn.append(1) or real_build(*a, **k))

    def levels(h):
        h["levels"] = 13

    def dtype(h):
        h["arrays"]["frames"][0] = "<f4"

    def shape(h):
        h["arrays"]["sprite_src"][1] = [1]

    def offset(h):
        h["image"][0] = -1

    def width(h):
        h["width"] = h["per_line"]

    flipped = bytearray(good)
    flipped[40] ^= 1  # a bit of the header: the checksum no longer matches
    for damage in (
        lambda: entry.write_bytes(bytes(flipped)),
        *(lambda c=c: _rewrite(entry, c) for c in (levels, dtype, shape, offset, width)),
    ):
        entry.write_bytes(good)
        damage()
        before = len(drawn)
        sheet = cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
        assert len(drawn) == before + 1  # drawn again, not taken from the entry
        assert _pixels(sheet) == _pixels(real_build(SIDCS, LOOKS, COLOURS, 1.0))


def test_a_sheet_from_the_cache_does_not_hold_on_to_the_file(qapp, tmp_path):
    cache = SheetCache(tmp_path)
    cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    sheet = cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    assert all(getattr(sheet, name).flags.owndata for name in _ARRAYS)
