"""A real editing process killed with SIGKILL: its edits come back at the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from changsha_replay.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

EDITOR = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from changsha_replay.model.edits import SetAnnotation
    from changsha_replay.model.records import Annotation
    from changsha_replay.resources import default_scenario
    from changsha_replay.ui.main_window import MainWindow

    app = QApplication([])
    window = MainWindow(settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
    window.open_file(default_scenario())
    for n in range(int(sys.argv[1])):
        note = Annotation(f"note-{n}", "note", {"type": "Point", "coordinates": [113.0 + n / 100, 28.2]},
                          text=f"Note {n}", colour="#7c3aed", span="always", created=1.0)
        window.session.document.apply(SetAnnotation(note), f"Draw note {n}")
    print("edited", flush=True)
    time.sleep(60)  # killed here, with the edits unsaved
    """
)


@pytest.mark.slow
def test_a_killed_editing_process_loses_no_edit(qtbot, tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "CHANGSHA_REPLAY_DATA": str(data), "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", EDITOR, "5", str(tmp_path / "child.ini")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "edited", child.stderr.read()
        child.send_signal(signal.SIGKILL)  # at once: the last edit was made a moment ago
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    window = MainWindow(
        settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), journal_folder=data / "journal"
    )
    qtbot.addWidget(window)
    window.editing.ask_save_changes = lambda _reason: "discard"
    offered = []
    window.editing.ask_recover = lambda title, name, edits, when: offered.append((name, edits)) or "recover"
    window.editing.offer_recovery()
    assert offered == [("changsha-1942.sqlite", 5)]
    notes = [a for a in window.session.scenario.annotations if a.id.startswith("note-")]
    assert [a.text for a in notes] == [f"Note {n}" for n in range(5)]
    assert window.session.document.is_modified()
