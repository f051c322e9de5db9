"""A disk cache of milsymbol's output (SVG text and geometry per SIDC and size).

milsymbol loads its symbol tables (≈ 0.5 s) the first time it draws; with the SVGs of the
scenario's symbols cached in the user's cache folder, later starts skip that. The cache is
keyed by milsymbol's version, read once, written back (atomically) when it grew, and simply
ignored when it is missing, unreadable or malformed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

from ...paths import cache_dir

Entry = tuple[str, float, float, float, float, tuple[float, float, float, float]]


def _milsymbol_version() -> str:
    """The installed milsymbol's version, read from its ``.dist-info`` folder name when it sits
    beside the package (importing ``importlib.metadata`` costs ≈ 10 ms of start-up)."""
    spec = find_spec("milsymbol")
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob("milsymbol-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len("milsymbol-") : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("milsymbol")
    except metadata.PackageNotFoundError:  # frozen without metadata: the module's own word
        import milsymbol

        return str(getattr(milsymbol, "__version__", "unknown"))


class SymbolCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, list] | None = None
        self._dirty = False

    @classmethod
    def default(cls) -> SymbolCache:
        folder = cache_dir()
        return cls(folder / f"symbols-milsymbol-{_milsymbol_version()}.json" if folder is not None else None)

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(data, dict):
                        self._entries = data
                except (OSError, ValueError):
                    pass
        return self._entries

    def get(self, sidc: str, size: int, make: Callable[[str, int], Entry]) -> Entry:
        """The cached entry for (sidc, size), made (and remembered) when missing or malformed."""
        key = f"{sidc}@{size}"
        hit = self._load().get(key)
        try:
            svg, ax, ay, w, h, frame = hit  # type: ignore[misc]
            if isinstance(svg, str) and len(frame) == 4:
                return svg, float(ax), float(ay), float(w), float(h), tuple(float(v) for v in frame)  # type: ignore[return-value]
        except (TypeError, ValueError):
            pass
        entry = make(sidc, size)
        self._entries[key] = [entry[0], *entry[1:5], list(entry[5])]  # type: ignore[index]
        self._dirty = True
        return entry

    def save(self) -> None:
        """Write the cache back if it grew (a temporary file, then a replace); errors are ignored."""
        if not self._dirty or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".symbols.", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._entries, fh)
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            pass
