"""Text from a file, made safe to show in a message: a terminal or a dialog must never receive
control characters from it (``ESC [2J`` clears a terminal, ``ESC ]0;`` retitles it)."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the format characters that reorder or hide text
# (bidirectional overrides and isolates, line and paragraph separators)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object, limit: int | None = None) -> str:
    """``text`` with every control character escaped (``\\x1b``), cut to ``limit`` characters
    (with "…") when given."""
    value = str(text)
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)] + "…"
    return _UNSAFE.sub(_escaped, value)
