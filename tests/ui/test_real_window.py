"""End to end: the real application in a real X server (Xvfb), driven by real key presses."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool (make test installs them)"
)


@pytest.fixture
def display(tmp_path):
    for number in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        assert time.monotonic() < deadline, "Xvfb did not start"
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _xdotool(display, *args, check=True):
    result = subprocess.run(
        ["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=20
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


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
