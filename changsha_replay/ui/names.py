"""Names and texts in the chosen language (English, 中文, or both)."""

from __future__ import annotations

from datetime import timezone

from ..model.records import Unit
from ..model.times import format_time


def bilingual(en: str, zh: str, mode: str) -> str:
    """``en``, ``zh`` or "en 中文" by mode; falls back to whichever exists."""
    if mode == "zh":
        return zh or en
    if mode == "both" and zh and zh != en:
        return f"{en} {zh}" if en else zh
    return en or zh


def unit_name(unit: Unit, mode: str) -> str:
    return bilingual(unit.name_en, unit.name_zh, mode)


def short_time(t: float, tz: timezone) -> str:
    """``1942-01-04 18:00`` in the scenario's offset."""
    return format_time(t, tz)[:16].replace("T", " ")
