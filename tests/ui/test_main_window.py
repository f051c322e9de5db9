"""The replay window as a whole: views kept in sync by the session, shortcuts, settings, errors."""

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from changsha_replay.model.times import parse_time
from changsha_replay.resources import default_scenario
from changsha_replay.store import load
from changsha_replay.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    assert w.open_file(default_scenario())
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_seek_updates_map_tree_log_and_header_together(window):
    s = window.session
    t = parse_time("1942-01-06T06:00:00+08:00")
    s.seek(t)
    state = s.state()
    i = s.scenario.units.index_of("jp-6-div")
    x, y = window.map.projection.xy(state.lat, state.lon)
    known = np.isfinite(state.lat)
    assert np.allclose(window.map.units.x[known], x[known]) and np.allclose(window.map.units.y[known], y[known])
    assert window.map.unit_scene_pos("jp-6-div") is not None
    model = window.orbat_dock.model
    shown = model.data(model.unit_index("jp-6-div", 1))
    assert shown.startswith(f"{state.strength[i]:.0f}")
    proxy = window.event_dock.table.model()
    times = [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())]
    assert times and max(times) <= "1942-01-06 06:00"
    assert "6." in window.header.title.text() and "Phase 6" in window.windowTitle()


def test_map_click_selects_in_tree_and_tree_selection_highlights_on_map(window, qtbot):
    s = window.session
    s.seek(parse_time("1942-01-05T12:00:00+08:00"))
    window.map.center_on(*_position(s, "jp-3-div"))
    window.map.zoom_by(6)
    click(window.map.view.viewport(), window.map.view.mapFromScene(window.map.unit_symbol_center("jp-3-div")))
    assert s.selection == {"jp-3-div"}
    assert set(window.orbat_dock.selected_unit_ids()) == {"jp-3-div"}
    window.orbat_dock.tree.setCurrentIndex(
        window.orbat_dock.proxy.mapFromSource(window.orbat_dock.model.unit_index("cn-79-army"))
    )
    assert s.selection == {"cn-79-army"}
    assert window.map.units.selected[s.scenario.units.index_of("cn-79-army")]


def click(widget, pos):
    """A real left click (pyqtgraph needs the global position QTest leaves out)."""
    local = QPointF(pos)
    screen = QPointF(widget.mapToGlobal(local.toPoint()))
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        QApplication.sendEvent(
            widget, QMouseEvent(kind, local, screen, Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier)
        )


def _position(session, unit_id):
    i = session.scenario.units.index_of(unit_id)
    state = session.state()
    return float(state.lat[i]), float(state.lon[i])


def test_keyboard_steps_phases_and_events_forwards_and_back(window, qtbot):
    s = window.session
    s.to_start()
    window.map.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert s.phase_index == 1
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)
    assert s.phase_index == 2
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert s.phase_index == 1 and s.time == s.scenario.phases[1].start
    before = s.time
    qtbot.keyClick(window, Qt.Key.Key_Right)
    after = s.time
    assert after > before and any(abs(e.time - after) < 1 for e in s.scenario.events)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert s.time < after
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert s.time == s.scenario.info.end
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert s.time == s.scenario.info.start
    rate = s.rate
    qtbot.keyClick(window, Qt.Key.Key_Plus)
    assert s.rate > rate
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert s.playing
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not s.playing


def test_clicking_an_event_seeks_and_pans_the_map(window):
    s = window.session
    s.to_end()
    event = next(e for e in s.scenario.events if e.lat is not None and e.time > s.scenario.phases[3].start)
    dock = window.event_dock
    dock.select_event(event.id)
    dock.table.clicked.emit(dock.table.currentIndex())
    assert s.time == event.time
    west, south, east, north = window.map.visible_extent()
    assert abs((west + east) / 2 - event.lon) < 0.02 and abs((south + north) / 2 - event.lat) < 0.02


def test_hiding_a_branch_removes_its_units_from_the_map(window):
    drawn = set(window.map.drawn_unit_ids())
    assert "jp-44-sentai" in drawn
    window.orbat_dock.set_branch_visible("air", False)
    assert "jp-44-sentai" not in set(window.map.drawn_unit_ids())
    window.orbat_dock.set_branch_visible("air", True)
    assert "jp-44-sentai" in set(window.map.drawn_unit_ids())


def test_layout_and_options_are_remembered(qtbot, tmp_path):
    path = str(tmp_path / "remember.ini")
    first = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.open_file(default_scenario())
    first.resize(760, 540)  # inside the offscreen screen, which restoreGeometry() clamps to
    first.show()
    qtbot.waitExposed(first)
    first.session.set_name_mode("both")
    first.layer_actions["trails"].setChecked(False)
    first.close()
    second = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert (second.size().width(), second.size().height()) == (760, 540)
    assert second.session.name_mode == "both" and not second.layer_actions["trails"].isChecked()
    assert Path(second._recent()[0]) == default_scenario().resolve()


def test_a_bad_file_shows_an_error_and_keeps_the_scenario(window, tmp_path, qtbot):
    bad = tmp_path / "broken.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x07" * 300)
    current = window.session.scenario
    assert not window.open_file(bad)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "broken.sqlite" in boxes[0].text()
    boxes[0].close()
    assert window.session.scenario is current


def _run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "changsha_replay", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_screenshot_from_the_command_line(tmp_path):
    shot = tmp_path / "phase3.png"
    result = _run("--phase", "3", "--screenshot", shot, "--size", "1200x800", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1200, 800)
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB32).constBits(), np.uint8)
    assert pixels.std() > 20  # not blank


@pytest.mark.parametrize(
    "args", [("--phase", "42"), ("--time", "yesterday"), ("--size", "big"), ("no-such-file.sqlite",)]
)
def test_bad_arguments_exit_2_with_one_clear_line(args, tmp_path):
    result = _run(*args, "--screenshot", tmp_path / "x.png")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()
    assert not (tmp_path / "x.png").exists()


def test_without_a_display_the_app_says_so_instead_of_aborting(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "changsha_replay"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "no display" in result.stderr and "Traceback" not in result.stderr


def test_opening_in_the_background_keeps_the_window_responsive_and_then_swaps(window, tmp_path, qtbot):
    release = threading.Event()

    def slow_load(path):
        assert release.wait(10)  # the file "loads" until the test says so
        return load(path)

    window.loader._load_file = slow_load
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(default_scenario(), copy)
    before = window.session.scenario
    assert window.open_file_in_background(copy)
    assert window.loading_bar.isVisible() and not window.open_action.isEnabled()
    assert "copy.sqlite" in window.statusBar().currentMessage()
    assert not window.open_file_in_background(copy)  # one file at a time
    window.session.seek(window.session.time + 3600)  # the window works meanwhile, on the open scenario
    qtbot.wait(50)
    assert window.session.scenario is before
    with qtbot.waitSignal(window.loader.loaded, timeout=10_000):
        release.set()
    assert window.session.scenario is not before and window.session.path == copy
    assert not window.loading_bar.isVisible() and window.open_action.isEnabled()
    assert Path(window._recent()[0]) == copy.resolve()


def test_a_bad_file_opened_in_the_background_shows_an_error_and_keeps_the_scenario(window, tmp_path, qtbot):
    bad = tmp_path / "broken.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x07" * 300)
    current = window.session.scenario
    with qtbot.waitSignal(window.loader.failed, timeout=10_000):
        assert window.open_file_in_background(bad)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "broken.sqlite" in boxes[0].text()
    boxes[0].close()
    assert window.session.scenario is current and window.open_action.isEnabled()


def test_folding_can_be_switched_off_from_the_view_menu_and_is_remembered(qtbot, tmp_path):
    path = str(tmp_path / "fold.ini")
    first = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.open_file(default_scenario())
    first.resize(1000, 700)
    first.show()
    qtbot.waitExposed(first)
    first.session.seek(parse_time("1942-01-05T12:00:00+08:00"))
    first.map.fit_scenario()
    folded = set(first.map.drawn_unit_ids())
    first.fold_action.trigger()  # off
    unfolded = set(first.map.drawn_unit_ids())
    assert folded < unfolded  # at this zoom, subordinates were folded into their superiors
    first.close()
    second = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert not second.fold_action.isChecked() and not second.map.units.folding


def test_framing_each_phase_is_on_by_default_and_remembered(qtbot, tmp_path):
    path = str(tmp_path / "frame.ini")
    first = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    assert first.frame_action.isChecked() and first.map.frame_phases
    assert first.frame_action.shortcut().toString() == "Ctrl+Shift+F"
    first.frame_action.trigger()  # off
    assert not first.map.frame_phases
    first.close()
    second = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert not second.frame_action.isChecked() and not second.map.frame_phases


def test_a_large_remembered_file_opens_behind_the_window_and_nothing_else_does(tmp_path):
    from changsha_replay.ui.app import BACKGROUND_OPEN_BYTES, Options, opens_behind_the_window

    large, small = tmp_path / "large.sqlite", tmp_path / "small.sqlite"
    large.write_bytes(b"\0" * BACKGROUND_OPEN_BYTES)
    small.write_bytes(b"\0" * 1000)
    plain = Options(None, None, None, None, (1600, 1000))
    assert opens_behind_the_window(plain, large)
    assert not opens_behind_the_window(plain, small)
    assert not opens_behind_the_window(plain, tmp_path / "gone.sqlite")
    for other in (
        Options(large, None, None, None, (1600, 1000)),  # named on the command line: exit 2 if bad
        Options(None, 2, None, None, (1600, 1000)),
        Options(None, None, 0.0, None, (1600, 1000)),
        Options(None, None, None, tmp_path / "shot.png", (1600, 1000)),
    ):
        assert not opens_behind_the_window(other, large)


def test_a_remembered_file_that_fails_behind_the_window_gives_way_to_the_bundled_scenario(qtbot, tmp_path):
    w = MainWindow(settings=QSettings(str(tmp_path / "start.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    bad = tmp_path / "remembered.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x07" * 300)
    with qtbot.waitSignal(w.loader.failed, timeout=10_000):
        assert w.open_at_start(bad)
    boxes = [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible()]
    assert len(boxes) == 1 and "remembered.sqlite" in boxes[0].text()
    assert "bundled" in boxes[0].informativeText()
    boxes[0].close()
    assert w.session.path == default_scenario()
    assert w.settings.value("lastFile") is None and w._recent() == []  # the remembered file stays remembered
    # later failures (File > Open) leave whatever is open alone
    w.close_scenario()
    with qtbot.waitSignal(w.loader.failed, timeout=10_000):
        assert w.open_file_in_background(bad)
    for box in [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible()]:
        box.close()
    assert w.session.scenario is None


def test_a_remembered_file_opens_behind_the_window(qtbot, tmp_path):
    w = MainWindow(settings=QSettings(str(tmp_path / "start.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    copy = tmp_path / "remembered.sqlite"
    shutil.copyfile(default_scenario(), copy)
    with qtbot.waitSignal(w.loader.loaded, timeout=10_000):
        assert w.open_at_start(copy)
    assert w.session.path == copy and Path(w._recent()[0]) == copy.resolve()


def test_a_screenshot_into_a_folder_that_does_not_exist_is_refused(tmp_path):
    result = _run("--screenshot", tmp_path / "nowhere" / "x.png")
    assert result.returncode == 2 and "no folder" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_time_outside_the_battle_states_the_span(tmp_path):
    result = _run("--time", "1950-01-01T00:00+08:00", "--screenshot", tmp_path / "x.png")
    assert result.returncode == 2
    assert "outside the scenario's time span (1941-12-" in result.stderr and "to 1942-" in result.stderr


def test_qt_notes_for_no_one_stay_off_stderr(tmp_path):
    result = _run("--screenshot", tmp_path / "x.png", cwd=tmp_path)
    assert result.returncode == 0 and "propagateSizeHints" not in result.stderr, result.stderr


def test_following_with_nothing_selected_says_so(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from changsha_replay.resources import default_scenario
    from changsha_replay.ui.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.open_file(default_scenario())
    window.session.select([])
    window.playback["follow"].trigger()
    assert "Nothing to follow" in window.statusBar().currentMessage()
    window.playback["follow"].trigger()
    window.session.select(["cn-10-army"])
    window.statusBar().clearMessage()
    window.playback["follow"].trigger()
    assert window.statusBar().currentMessage() == ""


def test_a_small_window_keeps_a_usable_map(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from changsha_replay.model.times import parse_time
    from changsha_replay.resources import default_scenario
    from changsha_replay.ui.main_window import MainWindow
    from changsha_replay.ui.orbat import STATUS

    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_file(default_scenario())
    window.session.seek(parse_time("1942-01-02T12:00:00+08:00"))
    qtbot.waitUntil(lambda: window.map.width() >= 0.44 * window.width())  # the docks narrowed
    assert window.width() == 1024  # and the window did not widen
    header = window.header
    qtbot.waitUntil(lambda: header.folded)  # the long summary is one line …
    assert header.height() < 90 and header.summary.text().endswith("…")
    header.more.click()  # … that unfolds
    assert not header.folded and header.more.text() == "Less" and "Yuelu Mountain" in header.summary.text()
    header.more.click()
    assert header.folded
    header.more.click()  # unfolded by hand …
    window.session.step_phase(+1)  # … until another phase: the room decides again
    assert header.folded
    tree = window.orbat_dock.tree
    assert tree.isColumnHidden(STATUS)  # a narrow order of battle keeps room for the names
    window.resize(1700, 1000)
    window.resizeDocks([window.orbat_dock], [420], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: not tree.isColumnHidden(STATUS))


def test_an_empty_window_says_how_to_open_a_scenario(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from changsha_replay.resources import default_scenario
    from changsha_replay.ui.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(default_scenario())
    assert not window.map.empty_hint.isVisible()
    window.close_scenario()
    hint = window.map.empty_hint
    assert hint.isVisible() and "Ctrl+O" in hint.text() and hint.width() > 100
    window.resize(window.width() - 50, window.height())  # (a resize must not bring the old summary back)
    QApplication.processEvents()
    assert window.header.summary.text() == "" and not window.map.scale_bar.isVisible()
    window.open_bundled_action.trigger()
    qtbot.waitUntil(lambda: window.session.scenario is not None)
    assert not hint.isVisible()


def test_the_legend_says_what_the_map_of_this_scenario_shows():
    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load
    from changsha_replay.ui.legend import legend_html

    changsha = load(default_scenario())
    html = legend_html(changsha)
    for words in ("9th War Zone", "rectangular frame", "diamond frame", "documented", "estimated", "encircled"):
        assert words in html, words
    assert "front line" in html and "axis of advance" in html and "% estimated" in html
    assert "novel: from the novel" in html and "Annotations" not in html  # none in the bundled one
    from changsha_replay.model.records import Annotation

    note = Annotation("n", "note", {"type": "Point", "coordinates": [113.0, 28.2]}, text="Here")
    assert "Annotations" in legend_html(changsha.replace(annotations=(note,)))
    assert "Open a scenario" in legend_html(None)
