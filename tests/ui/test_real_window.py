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
