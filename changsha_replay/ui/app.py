"""Starting the application: QApplication, fonts, the main window, and the command-line options."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class Options:
    """What the command line asked for (already checked for form)."""

    scenario: Path | None
    phase: int | None  # 1-based
    time: float | None
    screenshot: Path | None
    size: tuple[int, int]


#: Set in the environment, a screenshot run prints "painted <epoch seconds>" to stderr once the
#: window is painted, before the picture is taken and saved (benchmarks/startup.py reads it).
MARK_PAINTED = "CHANGSHA_REPLAY_MARK_PAINTED"


def _fail(message: str) -> int:
    print(f"changsha-replay: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _no_display() -> bool:
    """On Linux without X11 or Wayland, Qt would abort: say so instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(options: Options) -> int:
    """Open the window (or render a screenshot) and return the exit code.

    Start-up makes over 100,000 objects that live as long as the app (modules, Qt wrappers,
    views). Collecting garbage while they are made only scans them again and again (≈ 30 ms),
    so the collector is off until the window is up (see :func:`_collect_from_now_on`).
    """
    gc.disable()
    try:
        return _run(options)
    finally:
        _collect_from_now_on()


def _collect_from_now_on() -> None:
    """Turn the garbage collector on, leaving the objects made so far out of its scans for good
    (one scan of them costs ≈ 25 ms). The scenario and its views hold no reference cycles, so
    they are still freed when replaced. Called once the window is up, and when :func:`run` ends:
    then Python's exit does not collect them one by one either (≈ 80 ms)."""
    gc.freeze()
    gc.enable()


#: Qt's notes that say nothing to the user of this app (the window plugins that cannot pass size
#: hints to a window manager say so for every window)
_QT_NOTES_DROPPED = ("does not support propagateSizeHints",)


def _qt_message(_mode, _context, message: str) -> None:
    """Qt's messages to stderr, as Qt prints them, without the notes in ``_QT_NOTES_DROPPED``."""
    if not any(note in message for note in _QT_NOTES_DROPPED):
        print(message, file=sys.stderr)


def _run(options: Options) -> int:
    if options.screenshot is not None and not options.screenshot.parent.is_dir():  # before any work
        return _fail(f"cannot write the screenshot to {options.screenshot}: no folder {options.screenshot.parent}")
    if options.screenshot is not None and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a picture needs no display
    if _no_display():
        return _fail("there is no display to open a window on: set DISPLAY, or render one with --screenshot PNG")
    # numpy and sqlite-utils before PySide6: loaded after it, every module pays for its import hook
    from ..store import ScenarioError

    from PySide6.QtCore import QSettings, QTimer, qInstallMessageHandler  # isort: skip
    from PySide6.QtGui import QIcon  # isort: skip
    from PySide6.QtWidgets import QApplication  # isort: skip

    from .. import APP_NAME, __version__, crash
    from ..resources import default_scenario, resource
    from .main_window import MainWindow
    from .map.fonts import ensure_fonts

    crash.install()  # an unexpected error leaves a log in the user's data folder, not a silent exit
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("changsha-replay")
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        icon.addFile(str(resource("icons", f"changsha-replay-{size}.png")))
    app.setWindowIcon(icon)
    ensure_fonts()
    if options.screenshot is not None:  # neither read nor write the user's layout
        import tempfile

        scratch = tempfile.TemporaryDirectory(prefix="changsha-replay-")  # removed when run() returns
        settings = QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
    else:
        settings = QSettings()
    window = MainWindow(settings=settings)
    path = options.scenario
    if path is None:
        last = settings.value("lastFile")
        path = Path(last) if isinstance(last, str) and Path(last).is_file() else default_scenario()
    if opens_behind_the_window(options, path):
        window.show()
        window.open_at_start(path)
        QTimer.singleShot(0, _collect_from_now_on)  # the window is up
        QTimer.singleShot(0, window.editing.offer_recovery)  # unsaved edits left by a crash
        return app.exec()
    try:
        window.session.open(path)
    except ScenarioError as error:
        if options.scenario is not None:
            return _fail(str(error))
        try:  # a remembered file went bad: the bundled one instead
            window.session.open(default_scenario())
        except ScenarioError as bundled_error:
            return _fail(str(bundled_error))
    else:
        window.remember(Path(path))
    error = _position(window.session, options)
    if error:
        return _fail(error)
    if options.screenshot is not None:
        return _screenshot(app, window, options.screenshot, options.size)
    window.show()
    QTimer.singleShot(0, _collect_from_now_on)  # the window is up
    QTimer.singleShot(0, window.editing.offer_recovery)  # unsaved edits left by a crash
    return app.exec()


#: A remembered file at least this large opens behind the window (its first read takes seconds).
BACKGROUND_OPEN_BYTES = 4 * 1024 * 1024


def opens_behind_the_window(options: Options, path: Path) -> bool:
    """True for the remembered file of a plain start when it is large: the window shows at once
    and the file loads behind it. A file named on the command line, a --phase or --time to go
    to, or a screenshot still wait for the file (and fail with exit code 2 if it is bad)."""
    if options.scenario is not None or options.phase is not None or options.time is not None:
        return False
    if options.screenshot is not None:
        return False
    try:
        return path.stat().st_size >= BACKGROUND_OPEN_BYTES
    except OSError:
        return False


def _position(session, options: Options) -> str | None:
    scenario = session.scenario
    if options.phase is not None:
        if not 1 <= options.phase <= len(scenario.phases):
            return f"--phase must be between 1 and {len(scenario.phases)}"
        session.seek(scenario.phases[options.phase - 1].start)
    if options.time is not None:
        from ..model.times import format_time

        info = scenario.info
        if not info.start <= options.time <= info.end:
            span = f"{format_time(info.start, info.time_zone)} to {format_time(info.end, info.time_zone)}"
            return f"--time is outside the scenario's time span ({span})"
        session.seek(options.time)
    return None


def _painted(app, window) -> QImage:
    """The window as painted. Offscreen, that is its backing store, read as it is; elsewhere the
    screen could hold other windows over it, so the window paints itself once more (``grab``)."""
    if app.platformName() == "offscreen":
        image = window.screen().grabWindow(window.winId()).toImage()
        if not image.isNull() and image.size() == window.size() * window.devicePixelRatio():
            return image
    return window.grab().toImage()


def _screenshot(app, window, path: Path, size: tuple[int, int]) -> int:
    window.resize(*size)
    window.show()
    for _ in range(5):
        app.processEvents()
    if os.environ.get(MARK_PAINTED):  # for benchmarks/startup.py: when the window was painted
        import time

        print(f"painted {time.time():.6f}", file=sys.stderr, flush=True)
    image = _painted(app, window)
    if not image.save(str(path)):
        return _fail(f"cannot write the screenshot to {path}")
    window.session.pause()
    window.close()
    return 0
