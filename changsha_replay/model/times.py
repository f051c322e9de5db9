"""Battle time: seconds since 1970-01-01 UTC as floats, shown as ISO 8601 with an offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_OFFSET_RE = re.compile(r"^(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$")
# Whole seconds: the format's resolution (SQLite's unixepoch() reads no fractions).
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # fromtimestamp() fails before 1970 on Windows


class TimeFormatError(ValueError):
    """A text is not an ISO 8601 time with a UTC offset."""


def parse_offset(text: str) -> timezone:
    """Parse a UTC offset such as ``+08:00`` or ``Z``."""
    if not _OFFSET_RE.match(text):
        raise TimeFormatError(f"not a UTC offset like +08:00: {text!r}")
    if text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_time(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 time that carries its UTC offset."""
    if not isinstance(text, str) or not _ISO_RE.match(text):
        raise TimeFormatError(f"not an ISO 8601 time with a UTC offset: {text!r}")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise TimeFormatError(f"not a valid time: {text!r} ({exc})") from None
    return (moment - _EPOCH).total_seconds()


def format_time(seconds: float, offset: timezone) -> str:
    """ISO 8601 text of ``seconds`` in the given offset (whole seconds unless fractional)."""
    moment = (_EPOCH + timedelta(seconds=seconds)).astimezone(offset)
    spec = "seconds" if moment.microsecond == 0 else "microseconds"
    return moment.isoformat(timespec=spec)


def format_offset(offset: timezone) -> str:
    """``+08:00`` style text of an offset."""
    delta = offset.utcoffset(None)
    total = int(delta.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"
