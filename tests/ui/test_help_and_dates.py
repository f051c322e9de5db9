"""Help → User Guide, Go to Date, and source links that cannot open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from changsha_replay.model.times import parse_time
from changsha_replay.resources import default_scenario
from changsha_replay.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(settings=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def _dialog(window, kind):
    found = [d for d in window.findChildren(kind) if d.isVisible()]
    assert len(found) == 1, found
    return found[0]


def test_f1_opens_the_user_guide_with_keys_legend_and_bases(window, qtbot):
    from PySide6.QtWidgets import QDialog, QTextBrowser

    assert window.open_file(default_scenario())
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialog = _dialog(window, QDialog)
    assert dialog.windowTitle() == "Changsha Replay User Guide"
    text = dialog.findChild(QTextBrowser).toPlainText()
    for words in ("Getting started", "Keyboard", "Ctrl+Shift+F", "Go to a date", "Legend", "estimated", "conflict"):
        assert words in text
    assert "novel: the novel's narrative only" in text  # the bases, as the interface names them
    assert "9th War Zone" in text  # the legend is the open scenario's
    dialog.reject()  # a window-modal dialog left open would take the next test's mouse


def test_ctrl_d_goes_to_a_typed_date_within_the_battle(window, qtbot):
    from changsha_replay.ui.go_to_date import GoToDateDialog

    assert not window.go_to_date_action.isEnabled()  # nothing open: nowhere to go
    assert window.open_file(default_scenario())
    QTest.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(window, GoToDateDialog)
    assert "1941-12-10 00:00 to 1942-01-17 00:00 (UTC+08:00)" in dialog.span.text()
    assert dialog.edit.currentSection() == dialog.edit.Section.DaySection  # ready to type over the day
    QTest.keyClicks(dialog.edit, "5Jan19420630")  # typed section by section, in the battle's time zone
    assert dialog.chosen() == parse_time("1942-01-05T06:30+08:00")
    dialog.accept()
    assert window.session.time == parse_time("1942-01-05T06:30+08:00")
    assert window.playback_bar.time_label.text() == "1942-01-05 06:30"
    qtbot.mouseClick(window.playback_bar.time_label, Qt.MouseButton.LeftButton)  # the date is a way in too
    dialog = _dialog(window, GoToDateDialog)
    dialog.edit.setDateTime(dialog.edit.dateTime().addDays(30))  # 4 Feb: after the battle
    dialog.accept()
    assert dialog.isVisible() and "outside the battle" in dialog.problem.text() and dialog.problem.isVisibleTo(dialog)
    assert window.session.time == parse_time("1942-01-05T06:30+08:00")  # nothing moved
    dialog.edit.setDateTime(dialog.edit.dateTime().addDays(-30))
    assert not dialog.problem.isVisibleTo(dialog)
    dialog.reject()


def test_a_source_link_that_cannot_open_offers_to_copy_its_address(window, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or False)
    assert window.open_file(default_scenario())
    details = window.event_dock.details
    details.anchorClicked.emit(QUrl("https://example.org/wei-1941"))
    assert opened == ["https://example.org/wei-1941"]
    box = _dialog(details, QMessageBox)
    assert "No web browser" in box.text() and "https://example.org/wei-1941" in box.text()
    copy = next(b for b in box.buttons() if b.text() == "Copy Address")
    copy.click()
    assert QGuiApplication.clipboard().text() == "https://example.org/wei-1941"
    qtbot.waitUntil(lambda: not box.isVisible())


def test_a_link_that_is_no_web_address_is_never_opened(window, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    details = window.event_dock.details
    details.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert opened == []
    box = _dialog(details, QMessageBox)
    assert "Only web addresses" in box.text() and "file:///etc/passwd" in box.text()
    box.reject()
    details.anchorClicked.emit(QUrl("https://example.org/ok"))  # a web page opens without a word
    assert [u.toString() for u in opened] == ["https://example.org/ok"]
