"""The journal of unsaved edits as untrusted input: damaged, hostile or in use."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from changsha_replay.store.journal import Journal, find_journals, read_journal

EDIT = {"op": "remove_annotation", "id": "a1"}


def write(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "x.journal"
    file.write_text("".join(line + "\n" for line in lines))
    return file


HEADER = json.dumps({"journal": 1, "path": "/tmp/s.sqlite", "title": "T"})


def test_the_base_file_is_recorded_by_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    journal = Journal(tmp_path / "j", Path("mine.sqlite"), "T")
    journal.append("Draw note", EDIT)
    journal.close(remove=False)
    header, entries = read_journal(journal.file)
    assert header["path"] == str(tmp_path / "mine.sqlite") and len(entries) == 1


def test_a_journal_in_use_is_not_offered_and_is_offered_once_closed(tmp_path):
    journal = Journal(tmp_path, tmp_path / "s.sqlite", "T")
    journal.append("Draw note", EDIT)
    assert find_journals(tmp_path) == []
    journal.close(remove=False)
    assert [j.edits for j in find_journals(tmp_path)] == [1]


def test_edits_before_a_damaged_line_are_kept(tmp_path):
    good = json.dumps({"at": 1.0, "label": "Draw", "edit": EDIT})
    file = write(tmp_path, [HEADER, good, good[:20], good])  # a write cut short, then one more
    _header, entries = read_journal(file)
    assert len(entries) == 1


@pytest.mark.parametrize(
    "lines",
    [
        [json.dumps({"journal": 1, "path": 5, "title": "T"}), json.dumps({"at": 1, "label": "x", "edit": EDIT})],
        [json.dumps({"journal": 1, "path": None, "title": ["T"]}), json.dumps({"at": 1, "label": "x", "edit": EDIT})],
        [HEADER, '{"at": ' + "9" * 400 + ', "label": "x", "edit": {}}'],
        [HEADER, json.dumps({"at": 1e300, "label": "x", "edit": EDIT})],
        [HEADER, '{"at": NaN, "label": "x", "edit": {}}'],
        [HEADER, "[" * 100_000],
        ["\x00\x01garbage"],
    ],
)
def test_a_hostile_journal_is_skipped_without_an_exception(tmp_path, lines):
    write(tmp_path, lines)
    assert find_journals(tmp_path) == []


def test_a_write_that_fails_stops_journaling_and_keeps_what_was_written(tmp_path, monkeypatch):
    journal = Journal(tmp_path, tmp_path / "s.sqlite", "T")
    journal.append("one", EDIT)

    def full(_fd, _data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        journal.append("two", EDIT)
    monkeypatch.undo()
    journal.close(remove=False)
    assert [e.label for e in read_journal(journal.file)[1]] == ["one"]
