"""End to end: the real application in a real X server (Xvfb), driven by real key presses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import xserver

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not xserver.AVAILABLE, reason="needs Xvfb and xdotool (make test installs them)")


@pytest.fixture
def display():
    with xserver.xvfb() as name:
        yield name


_xdotool, _wait_for = xserver.xdotool, xserver.wait_for


def test_real_key_presses_step_through_phases(display, tmp_path):
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "changsha_replay", "--phase", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        window = _wait_for(
            lambda: _xdotool(display, "search", "--onlyvisible", "--name", "Changsha Replay", check=False).split("\n")[
                0
            ]
        )
        assert window, "the window did not appear: " + (app.stdout.read() if app.poll() is not None else "")
        assert _wait_for(lambda: "Phase 2:" in _xdotool(display, "getwindowname", window))
        _xdotool(display, "windowactivate", "--sync", window, check=False)
        _xdotool(display, "windowfocus", "--sync", window, check=False)
        _xdotool(display, "key", "--window", window, "Next")  # Page Down: next phase
        assert _wait_for(lambda: "Phase 3:" in _xdotool(display, "getwindowname", window), 10)
        _xdotool(display, "key", "--window", window, "bracketright")  # ]: next phase
        assert _wait_for(lambda: "Phase 4:" in _xdotool(display, "getwindowname", window), 10)
        _xdotool(display, "key", "--window", window, "Home")
        assert _wait_for(lambda: "Phase 1:" in _xdotool(display, "getwindowname", window), 10)
        _xdotool(display, "key", "--window", window, "ctrl+q", check=False)  # the window may be gone before the key-up
        assert app.wait(timeout=20) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def _app_env(display: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "CHANGSHA_REPLAY_DATA": str(tmp_path / "appdata"),
    }


def test_a_real_mouse_draws_an_arrow_that_undo_redo_and_save_keep(display, tmp_path):
    """Draw an arrow with the real pointer, undo and redo it with the keys, save, restart: it is there."""
    import shutil

    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load

    scenario = tmp_path / "mine.sqlite"
    shutil.copyfile(default_scenario(), scenario)
    env = _app_env(display, tmp_path)
    app = subprocess.Popen(
        [sys.executable, "-m", "changsha_replay", str(scenario), "--phase", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def title() -> str:
        return _xdotool(display, "getwindowname", window, check=False)

    try:
        window = _wait_for(
            lambda: _xdotool(display, "search", "--onlyvisible", "--name", "Changsha Replay", check=False).split("\n")[
                0
            ]
        )
        assert window, "the window did not appear: " + (app.stdout.read() if app.poll() is not None else "")
        assert _wait_for(lambda: "Phase 4:" in title())
        _xdotool(display, "windowactivate", "--sync", window, check=False)
        _xdotool(display, "windowfocus", "--sync", window, check=False)
        _xdotool(display, "key", "--window", window, "a")  # the arrow tool
        _xdotool(display, "mousemove", "--window", window, "640", "420", "mousedown", "1")
        for x, y in ((680, 440), (740, 470), (820, 520)):
            _xdotool(display, "mousemove", "--window", window, str(x), str(y))
        _xdotool(display, "mouseup", "1")
        assert _wait_for(lambda: title().startswith("mine.sqlite*"), 10), title()
        _xdotool(display, "key", "--window", window, "ctrl+z")
        assert _wait_for(lambda: title().startswith("mine.sqlite —"), 10), title()
        _xdotool(display, "key", "--window", window, "ctrl+shift+z")
        assert _wait_for(lambda: title().startswith("mine.sqlite*"), 10), title()
        _xdotool(display, "key", "--window", window, "ctrl+s")  # not bundled: saved in place, no dialog
        assert _wait_for(lambda: title().startswith("mine.sqlite —"), 20), title()
        _xdotool(display, "key", "--window", window, "ctrl+q", check=False)
        assert app.wait(timeout=20) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    (arrow,) = load(scenario, use_cache=False).annotations
    assert arrow.kind == "arrow" and len(arrow.geometry["coordinates"]) == 2
    # the restarted app shows it: its colour on the map of phase 4
    picture = tmp_path / "again.png"
    again = subprocess.run(
        [sys.executable, "-m", "changsha_replay", str(scenario), "--phase", "4", "--screenshot", str(picture)],
        cwd=ROOT,
        env={**env, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(picture))
    purple = QColor(arrow.colour)
    hits = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(300, image.width() - 300, 2)
        if abs(image.pixelColor(x, y).red() - purple.red()) < 12
        and abs(image.pixelColor(x, y).green() - purple.green()) < 12
        and abs(image.pixelColor(x, y).blue() - purple.blue()) < 12
    )
    assert hits > 40, hits
