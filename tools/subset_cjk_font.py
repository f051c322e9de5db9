"""Make resources/fonts/noto-sans-cjk-ext-a.otf: CJK Extension A from Noto Sans CJK SC.

The bundled WenQuanYi Micro Hei has no CJK Extension A (U+3400–U+4DBF), so a name such as 㮾梨
(Langli) showed a box. This keeps only that block of Noto Sans CJK SC Regular (6,582 glyphs,
1.7 MB, SIL Open Font License 1.1) and names the family apart so it never stands in for a full
Noto Sans CJK installed on the system. The app lists it after Micro Hei (`ui/map/fonts.py`).

Run once, by hand; fontTools is not a dependency of the app::

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
    pip install --target /tmp/ft fonttools
    PYTHONPATH=/tmp/ft python tools/subset_cjk_font.py \
        noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-not-found]
from fontTools.ttLib import TTCollection  # type: ignore[import-not-found]

FAMILY = "Noto Sans CJK Ext A"
POSTSCRIPT = "NotoSansCJKExtA-Regular"
EXT_A = range(0x3400, 0x4DC0)
OUT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "noto-sans-cjk-ext-a.otf"


def main(ttc: str) -> None:
    """Subset the Simplified Chinese face of `ttc` to Extension A and write OUT."""
    faces = TTCollection(ttc).fonts
    font = next(f for f in faces if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []  # no vertical forms or locale variants: labels are horizontal
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=list(EXT_A))
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (16, 17):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName(FAMILY, 4, 3, 1, 0x409)
    names.setName(POSTSCRIPT, 6, 3, 1, 0x409)
    names.setName(f"{POSTSCRIPT};subset of Noto Sans CJK SC 2.004", 3, 3, 1, 0x409)
    font["CFF "].cff.fontNames = [POSTSCRIPT]
    font.save(OUT)
    covered = set(font.getBestCmap())
    print(f"{OUT.name}: {OUT.stat().st_size:,} bytes, {len(covered & set(EXT_A)):,} of {len(EXT_A):,}")


if __name__ == "__main__":
    main(sys.argv[1])
