"""The disk cache of milsymbol's SVGs: used when valid, ignored when broken, written atomically."""

import json
from importlib import metadata

from changsha_replay.ui.map.symbol_cache import SymbolCache, _milsymbol_version
from changsha_replay.ui.map.symbols import _svg_symbol

SIDC = "10031000211211000000"


def test_a_cached_symbol_is_not_drawn_again(tmp_path):
    path = tmp_path / "cache" / "symbols.json"
    calls = []

    def make(sidc, size):
        calls.append(sidc)
        return _svg_symbol(sidc, size)

    first = SymbolCache(path)
    entry = first.get(SIDC, 32, make)
    first.save()
    assert path.exists() and calls == [SIDC]
    second = SymbolCache(path)
    assert second.get(SIDC, 32, make) == entry and calls == [SIDC]
    assert sorted(p.name for p in path.parent.iterdir()) == ["symbols.json"]  # no temporary file left


def test_a_broken_cache_is_ignored(tmp_path):
    path = tmp_path / "symbols.json"
    for content in ("not json", json.dumps([1, 2]), json.dumps({f"{SIDC}@32": ["svg", "x"]})):
        path.write_text(content)
        entry = SymbolCache(path).get(SIDC, 32, _svg_symbol)
        assert entry[0].startswith("<svg") and len(entry[5]) == 4


def test_the_cache_is_keyed_by_the_installed_milsymbol_version():
    assert _milsymbol_version() == metadata.version("milsymbol")
