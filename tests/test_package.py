"""The packaged application (PyInstaller, build.spec) and its crash reports.

The packaging tests build the one-folder bundle into a temporary folder (about 30 s), then run the
frozen program as a user would: from another working folder, offscreen to a PNG, and once in a real
X server (Xvfb) driven by key presses. They are skipped only when PyInstaller is not installed
(``make package`` installs it; packaging/requirements.txt). The crash-report tests need no build.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import xserver

ROOT = Path(__file__).resolve().parent.parent
SLUG = "changsha-replay"
SCENARIO = ROOT / "scenarios" / "changsha-1942.sqlite"
SIZE_BUDGET = 150_000_000  # bytes, as du -sb counts them


def packaged(test):
    """A test of the built application: marked ``package`` and ``slow``, skipped without PyInstaller."""
    for mark in (
        pytest.mark.package,
        pytest.mark.slow,
        pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller is not installed"),
    ):
        test = mark(test)
    return test


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a user without settings: nothing read from or written to the real home."""
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def _tree_size(folder: Path) -> int:
    return folder.lstat().st_size + sum(path.lstat().st_size for path in folder.rglob("*"))


def _pixels(png: Path):
    """The PNG as an (h, w, 4) uint8 array."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert not image.isNull(), f"{png} is not a readable image"
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).copy()  # a copy: the QImage goes
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :]


# --- the bundle ---------------------------------------------------------------------------------------


def _make_package():
    """packaging/make_package.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("make_package", ROOT / "packaging" / "make_package.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The application built by PyInstaller from build.spec into a temporary folder."""
    work = tmp_path_factory.mktemp("pyinstaller")
    command = _make_package().pyinstaller_command(work / "dist", work / "build")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    folder = work / "dist" / SLUG
    assert (folder / SLUG).is_file(), f"no executable in {folder}"
    return folder


def _frozen(bundle: Path, *args: str, cwd: Path, env: dict[str, str], timeout: float = 120):
    return subprocess.run(
        [str(bundle / SLUG), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@packaged
def test_bundle_carries_what_the_app_needs_and_fits_the_size_budget(bundle):
    internal = bundle / "_internal"
    scenario = internal / "scenarios" / "changsha-1942.sqlite"
    assert scenario.is_file()
    assert sorted(p.name for p in (internal / "scenarios").iterdir()) == ["changsha-1942.sqlite"], (
        "only the built scenario is bundled, not its source folder"
    )
    assert scenario.read_bytes() == SCENARIO.read_bytes()
    assert scenario.stat().st_mode & 0o222 == 0, "the bundled scenario is read-only"
    assert (internal / "resources" / "fonts" / "wqy-microhei.ttc").is_file()
    assert (internal / "resources" / "icons" / "changsha-replay.svg").is_file()
    assert list((internal / "milsymbol" / "data").glob("*.json*")), "milsymbol's symbol tables"
    libraries = {path.name for path in internal.rglob("*.so*")}
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0"):
        assert name in libraries, f"{name} (for X11 windows) is not carried"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "imageformats/libqsvg.so"):
        assert (plugins / plugin).is_file(), plugin
    assert (internal / "PySide6" / "QtOpenGL.abi3.so").is_file(), "pyqtgraph imports QtOpenGL"
    assert not list(internal.rglob("*.qm")), "Qt translations are left out"
    for dropped in ("libQt6Network.so.6", "libQt6Qml.so.6", "libQt6Quick.so.6", "libssl.so.3", "libgtk-3.so.0"):
        assert dropped not in libraries, dropped
    dangling = [str(p) for p in bundle.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling, dangling
    size = _tree_size(bundle)
    assert size <= SIZE_BUDGET, f"the bundle is {size / 1e6:.1f} MB (binutils missing? tools/system-deps.sh)"


@packaged
def test_frozen_app_renders_the_bundled_scenario_from_any_folder_like_the_source_app(bundle, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(tmp_path, QT_QPA_PLATFORM="offscreen")
    frozen_png, source_png = tmp_path / "frozen.png", tmp_path / "source.png"
    args = ["--phase", "3", "--size", "1000x640"]

    result = _frozen(bundle, *args, "--screenshot", str(frozen_png), cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    pixels = _pixels(frozen_png)
    assert pixels.shape[:2] == (640, 1000)
    assert pixels[..., :3].std() > 20, "the picture is (nearly) blank"
    assert len({tuple(p) for p in pixels[::16, ::16, :3].reshape(-1, 3)}) > 50, "too few colours for the map"

    source = subprocess.run(
        [sys.executable, "-m", "changsha_replay", *args, "--screenshot", str(source_png)],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert source.returncode == 0, source.stderr
    differing = (_pixels(source_png) != pixels).any(axis=2).mean()
    assert differing < 0.01, f"{differing:.1%} of the pixels differ from the source app's picture"


@packaged
def test_frozen_app_takes_the_same_arguments(bundle, tmp_path):
    env = _env(tmp_path, QT_QPA_PLATFORM="offscreen")
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(SCENARIO, copy)
    png = tmp_path / "time.png"

    at = ["--time", "1942-01-05T12:00+08:00"]
    result = _frozen(bundle, str(copy), *at, "--screenshot", str(png), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert _pixels(png).shape[:2] == (1000, 1600), "the default --size"

    bad = _frozen(bundle, "--phase", "99", "--screenshot", str(tmp_path / "x.png"), cwd=tmp_path, env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["changsha-replay: --phase must be between 1 and 9"]

    version = _frozen(bundle, "--version", cwd=tmp_path, env=env)
    assert version.returncode == 0 and "Changsha Replay" in version.stdout

    bundled = bundle / "_internal" / "scenarios" / "changsha-1942.sqlite"
    checked = _frozen(bundle, "validate", str(bundled), cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert hashlib.sha256(bundled.read_bytes()).digest() == hashlib.sha256(SCENARIO.read_bytes()).digest()
    assert sorted(p.name for p in bundled.parent.iterdir()) == ["changsha-1942.sqlite"], "nothing written beside it"


# --- a real window (Xvfb) ----------------------------------------------------------------------------


@pytest.fixture
def display():
    if not xserver.AVAILABLE:
        pytest.skip("needs Xvfb and xdotool (make test installs them: tools/system-deps.sh)")
    with xserver.xvfb(first=121) as name:
        yield name


_xdotool, _wait_for = xserver.xdotool, xserver.wait_for


@packaged
def test_frozen_app_opens_a_window_that_takes_real_key_presses(bundle, display, tmp_path):
    env = _env(tmp_path, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    app = subprocess.Popen(
        [str(bundle / SLUG)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        search = ["search", "--onlyvisible", "--name", "Changsha Replay"]
        window = _wait_for(lambda: _xdotool(display, *search, check=False).split("\n")[0])
        assert window, "the window did not appear: " + (app.stdout.read() if app.poll() is not None else "")
        assert _wait_for(lambda: "Phase 1:" in _xdotool(display, "getwindowname", window)), "opens at the start"
        _xdotool(display, "windowactivate", "--sync", window, check=False)
        _xdotool(display, "windowfocus", "--sync", window, check=False)
        _xdotool(display, "key", "--window", window, "Next")  # Page Down: next phase
        assert _wait_for(lambda: "Phase 2:" in _xdotool(display, "getwindowname", window), 10)
        _xdotool(display, "key", "--window", window, "ctrl+q", check=False)  # the window may be gone before key-up
        assert app.wait(timeout=20) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


# --- crash reports (changsha_replay.crash) ------------------------------------------------------------


def _python(code: str, tmp_path: Path, **env: str):
    """Run ``code`` as a script of its own (tracebacks then show its lines)."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code), "utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_uncaught_exception_is_written_to_a_log_file(tmp_path):
    result = _python(
        f"""
        from changsha_replay import crash
        crash.install({str(tmp_path / "logs")!r})
        def load():
            raise ValueError("the scenario is on fire")
        load()
        """,
        tmp_path,
    )
    assert result.returncode == 1
    assert "ValueError: the scenario is on fire" in result.stderr
    logs = list((tmp_path / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    assert f"this error was written to {logs[0]}" in result.stderr
    text = logs[0].read_text("utf-8")
    assert text.startswith("Changsha Replay ")
    assert 'in load\n    raise ValueError("the scenario is on fire")' in text
    assert "error 1 at " in text and "in thread MainThread" in text


def test_errors_in_qt_slots_and_threads_are_logged_with_one_message_and_no_loop(tmp_path):
    result = _python(
        """
        import json, threading
        from PySide6.QtCore import QThread, QTimer
        from PySide6.QtWidgets import QApplication
        from changsha_replay import APP_NAME, crash

        app = QApplication([])
        app.setOrganizationName(APP_NAME)
        app.setApplicationName(APP_NAME)
        crash.install()
        shown = []
        crash._show_dialog = lambda exc, text, path: shown.append([str(exc), QThread.currentThread() is app.thread()])
        app.platformName = lambda: "xcb"  # as on a desktop, where the message box would show
        ticks = []

        def paint():  # a fault that repeats every frame
            ticks.append(1)
            raise RuntimeError(f"frame {len(ticks)}")

        def worker():
            raise KeyError("loader")

        threading.Thread(target=worker, name="loader").start()
        timer = QTimer()
        timer.timeout.connect(paint)
        QTimer.singleShot(100, lambda: timer.start(1))
        QTimer.singleShot(600, app.quit)
        code = app.exec()
        print(json.dumps({"code": code, "ticks": len(ticks), "shown": shown, "log": str(crash.log_file())}))
        """,
        tmp_path,
        QT_QPA_PLATFORM="offscreen",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, "the application went on running"
    assert report["ticks"] > 30
    assert report["shown"] == [["'loader'", True]], "one message, shown by the GUI thread"
    log = Path(report["log"])
    assert log.parent == tmp_path / "data" / "Changsha Replay" / "Changsha Replay" / "logs", "Qt's AppDataLocation"
    text = log.read_text("utf-8")
    assert text.count("--- error ") == 20, "at most 20 reports"
    assert "in thread loader" in text and "KeyError: 'loader'" in text
    assert "further ones in this run are not recorded" in text


def test_no_message_box_offscreen_and_a_failing_handler_falls_back(tmp_path):
    result = _python(
        f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from changsha_replay import crash

        app = QApplication([])
        crash.install({str(tmp_path / "logs")!r})
        calls = []
        crash._show_dialog = lambda *args: calls.append(args)
        QTimer.singleShot(0, lambda: 1 / 0)
        QTimer.singleShot(50, app.quit)
        app.exec()
        assert calls == [], "no message box where nobody could see or close it"

        app.platformName = lambda: "xcb"
        crash._state.dialog_shown = False
        def broken(*args):
            raise OSError("no dialog today")
        crash._show_dialog = broken
        QTimer.singleShot(0, lambda: [][1])
        QTimer.singleShot(50, app.quit)
        app.exec()
        print("still here")
        """,
        tmp_path,
        QT_QPA_PLATFORM="offscreen",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "still here"
    assert "ZeroDivisionError" in result.stderr
    assert "IndexError" in result.stderr, "Python's own hook reported the error the handler could not"
    assert len(list((tmp_path / "logs").glob("crash-*.log"))) == 1


def test_the_log_folder_is_the_same_with_or_without_qt(tmp_path):
    without_qt = _python(
        """
        import sys
        from changsha_replay import crash
        print(crash.default_log_dir())
        print("PySide6" in sys.modules)
        """,
        tmp_path,
    )
    with_qt = _python(
        """
        from PySide6.QtWidgets import QApplication
        from changsha_replay import APP_NAME, crash
        app = QApplication([])
        app.setOrganizationName(APP_NAME)
        app.setApplicationName(APP_NAME)
        print(crash.default_log_dir())
        """,
        tmp_path,
        QT_QPA_PLATFORM="offscreen",
    )
    assert without_qt.returncode == 0 and with_qt.returncode == 0, without_qt.stderr + with_qt.stderr
    assert without_qt.stdout.splitlines() == [with_qt.stdout.strip(), "False"]
    if sys.platform.startswith("linux"):
        assert with_qt.stdout.strip() == str(tmp_path / "data" / "Changsha Replay" / "Changsha Replay" / "logs")
