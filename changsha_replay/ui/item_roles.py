"""Answering a view's many-roles query (``multiData``) from a Python item model."""

from __future__ import annotations

from collections.abc import Callable


def fill_roles(span, value_of: Callable[[int], object]) -> None:
    """Fill a QModelRoleDataSpan: each role's value, or cleared when it has none (a delegate
    reuses one span from cell to cell, so a role left alone would keep the previous cell's value)."""
    for item in span:
        value = value_of(item.role())
        if value is None:
            item.clearData()
        else:
            item.setData(value)
