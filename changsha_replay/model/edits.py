"""Edits as data: each edit is a record, applied by a pure function that returns the new scenario,
the inverse edit and what changed (the shape of Orange's owpaintdata ``transform``).

``apply`` keeps the scenario valid: an edit that would introduce a problem raises ``EditError``
naming it, and nothing changes. Edits name records by id, never by index, so they stay true
whatever else changed. Every edit converts to and from plain JSON (``to_json``/``from_json``)
for the journal of unsaved work.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable
from datetime import timedelta, timezone
from functools import singledispatch
from itertools import count
from typing import NamedTuple

from .changes import Change
from .records import Annotation, ScenarioInfo
from .scenario import Scenario
from .validation import Problem, annotation_problems, info_problems, validate


class EditError(ValueError):
    """An edit that cannot be applied; ``problems`` says why, naming table, row and column."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class SetAnnotation(NamedTuple):
    """Add an annotation, or replace the one with its id. ``index``: where a new one goes in the
    drawing order (None: on top)."""

    annotation: Annotation
    index: int | None = None


class RemoveAnnotation(NamedTuple):
    annotation_id: str


class SetInfo(NamedTuple):
    """Replace the scenario's metadata (titles, description, author, time span, map extent)."""

    info: ScenarioInfo


class Batch(NamedTuple):
    """Several edits as one (one undo step): applied in order, undone in reverse."""

    edits: tuple


Edit = SetAnnotation | RemoveAnnotation | SetInfo | Batch


class Applied(NamedTuple):
    scenario: Scenario
    inverse: Edit
    change: Change


@singledispatch
def apply(edit: object, scenario: Scenario) -> Applied:
    """Apply ``edit`` to ``scenario``: the new scenario, the edit that undoes it, and what changed."""
    raise TypeError(f"not an edit: {type(edit).__name__}")


@apply.register
def _(edit: SetAnnotation, scenario: Scenario) -> Applied:
    a = edit.annotation
    problems = list(annotation_problems(a, scenario.info, scenario.units))
    if problems:
        raise EditError(f"{problems[0]}", problems)
    annotations = list(scenario.annotations)
    at = next((i for i, old in enumerate(annotations) if old.id == a.id), None)
    if at is None:
        index = len(annotations) if edit.index is None else max(0, min(edit.index, len(annotations)))
        annotations.insert(index, a)
        inverse: Edit = RemoveAnnotation(a.id)
    else:
        inverse = SetAnnotation(annotations[at])
        annotations[at] = a
    change = Change(frozenset({"annotations"}), annotations=frozenset({a.id}))
    return Applied(scenario.replace(annotations=tuple(annotations)), inverse, change)


@apply.register
def _(edit: RemoveAnnotation, scenario: Scenario) -> Applied:
    annotations = list(scenario.annotations)
    at = next((i for i, old in enumerate(annotations) if old.id == edit.annotation_id), None)
    if at is None:
        raise EditError(f"annotation {edit.annotation_id!r}: no such annotation")
    old = annotations.pop(at)
    return Applied(
        scenario.replace(annotations=tuple(annotations)),
        SetAnnotation(old, at),
        Change(frozenset({"annotations"}), annotations={old.id}),
    )


@apply.register
def _(edit: SetInfo, scenario: Scenario) -> Applied:
    new = scenario.replace(info=edit.info)
    old = scenario.info
    if (edit.info.start, edit.info.end, edit.info.extent, edit.info.time_zone) != (
        old.start,
        old.end,
        old.extent,
        old.time_zone,
    ):
        problems = validate(new)  # the span or the map changed: everything may depend on it
    else:
        problems = list(info_problems(new))
    problems += list(_info_text_problems(edit.info, old))
    if problems:
        raise EditError(str(problems[0]), problems)
    return Applied(new, SetInfo(old), Change(frozenset({"info"})))


@apply.register
def _(edit: Batch, scenario: Scenario) -> Applied:
    inverses = []
    change = Change()
    before = scenario
    for part in edit.edits:
        done = apply(part, scenario)
        scenario = done.scenario
        inverses.append(done.inverse)
        change = change | done.change
    if change.annotations:  # name only what differs in the end, not what a batch touched on the way
        old = {a.id: a for a in before.annotations}
        new = {a.id: a for a in scenario.annotations}
        change = change._replace(annotations=frozenset(i for i in change.annotations if old.get(i) != new.get(i)))
    return Applied(scenario, Batch(tuple(reversed(inverses))), change)


MAX_INFO_TEXT = {"title_en": 200, "title_zh": 200, "author": 200, "based_on": 400}


def _info_text_problems(info: ScenarioInfo, old: ScenarioInfo) -> Iterable[Problem]:
    """Limits of the texts an edit changes (a file may hold older, longer texts: those stay)."""
    for column in ("title_en", "title_zh", "description_en", "description_zh", "author", "based_on"):
        text = getattr(info, column)
        if text == getattr(old, column):
            continue
        limit = MAX_INFO_TEXT.get(column, 20_000)
        if not isinstance(text, str):
            yield Problem("scenario", "", column, "must be text")
        elif len(text) > limit:
            yield Problem("scenario", "", column, f"too long ({len(text):,} characters; at most {limit:,})")
        elif any(ord(c) < 32 and c not in "\n\t" for c in text):
            yield Problem("scenario", "", column, "contains control characters")


def merged(first: Edit, second: Edit) -> Edit | None:
    """One edit doing what ``first`` then ``second`` do, when the second simply supersedes the
    first (a nudge after a nudge, a keystroke after a keystroke of the same record); else None."""
    if (
        isinstance(first, SetAnnotation)
        and isinstance(second, SetAnnotation)
        and first.annotation.id == second.annotation.id
    ):
        return SetAnnotation(second.annotation, first.index)
    if isinstance(first, SetInfo) and isinstance(second, SetInfo):
        return second
    return None


def fresh_id(prefix: str, taken: Container[str]) -> str:
    """An id starting with ``prefix`` that is not taken."""
    for n in count(1):
        candidate = f"{prefix}-{n}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


# -- JSON, for the journal ---------------------------------------------------------------
def to_json(edit: Edit) -> dict:
    """A plain-JSON form of an edit (``from_json`` reads it back)."""
    if isinstance(edit, SetAnnotation):
        return {"op": "set_annotation", "annotation": edit.annotation._asdict(), "index": edit.index}
    if isinstance(edit, RemoveAnnotation):
        return {"op": "remove_annotation", "id": edit.annotation_id}
    if isinstance(edit, SetInfo):
        info = edit.info._asdict()
        offset = edit.info.time_zone.utcoffset(None)
        info["time_zone"] = 0 if offset is None else int(offset.total_seconds())
        info["extent"] = list(edit.info.extent)
        return {"op": "set_info", "info": info}
    if isinstance(edit, Batch):
        return {"op": "batch", "edits": [to_json(e) for e in edit.edits]}
    raise TypeError(f"not an edit: {type(edit).__name__}")


def from_json(data: object) -> Edit:
    """The edit ``to_json`` wrote; ValueError when ``data`` is no such thing."""
    if not isinstance(data, dict):
        raise ValueError("an edit must be a JSON object")
    op = data.get("op")
    if op == "set_annotation":
        fields = _fields(data.get("annotation"), Annotation)
        index = data.get("index")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise ValueError("index must be an integer")
        return SetAnnotation(Annotation(**fields), index)
    if op == "remove_annotation":
        if not isinstance(data.get("id"), str):
            raise ValueError("id must be text")
        return RemoveAnnotation(data["id"])
    if op == "set_info":
        fields = _fields(data.get("info"), ScenarioInfo)
        offset = fields["time_zone"]
        if not isinstance(offset, int) or abs(offset) >= 86400:
            raise ValueError("time_zone must be an offset in seconds")
        extent = fields["extent"]
        if not (isinstance(extent, list) and len(extent) == 4 and all(_number(v) for v in extent)):
            raise ValueError("extent must be four numbers")
        fields["time_zone"] = timezone(timedelta(seconds=offset))
        fields["extent"] = tuple(float(v) for v in extent)
        return SetInfo(ScenarioInfo(**fields))
    if op == "batch":
        parts = data.get("edits")
        if not isinstance(parts, list):
            raise ValueError("a batch needs a list of edits")
        return Batch(tuple(from_json(p) for p in parts))
    raise ValueError(f"unknown edit {str(op)[:40]!r}")


def _fields(value: object, record: type) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{record.__name__} must be a JSON object")
    unknown = set(value) - set(record._fields)  # type: ignore[attr-defined]
    if unknown:
        raise ValueError(f"{record.__name__}: unknown fields {sorted(unknown)[:5]}")
    fields = dict(value)
    for name, default in record._field_defaults.items():  # type: ignore[attr-defined]
        fields.setdefault(name, default)
    missing = set(record._fields) - set(fields)  # type: ignore[attr-defined]
    if missing:
        raise ValueError(f"{record.__name__}: missing fields {sorted(missing)}")
    return fields


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
