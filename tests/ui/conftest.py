"""GUI tests run offscreen and never touch the user's settings."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    from PySide6.QtCore import QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    qapp.setOrganizationName("Changsha Replay Tests")
    qapp.setApplicationName("Changsha Replay Tests")
    yield


@pytest.fixture
def session(qapp):
    """A session on the small test scenario."""
    from factories import tiny

    from changsha_replay.ui.session import Session

    s = Session()
    s.set_scenario(tiny())
    return s


@pytest.fixture
def present(qtbot):
    """Show a widget at a size and wait until it is on screen."""

    def show(widget, width, height):
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture
def changsha(bundled):
    return bundled


@pytest.fixture(scope="session")
def bundled():
    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load

    return load(default_scenario())
