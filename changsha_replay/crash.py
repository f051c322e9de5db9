"""Unexpected errors: a log file in the user's data folder and, in the window, a message naming it.

``install()`` replaces ``sys.excepthook`` and ``threading.excepthook``. An exception nobody caught
(in a Qt slot or paint event too: PySide6 passes those to ``sys.excepthook``) is then

- written, with its traceback and the versions in use, to ``<log dir>/crash-<time>-<pid>.log``
  (one file per run; later errors of the same run are appended, at most ``MAX_REPORTS`` of them);
- printed to stderr as Python would, with the name of the log file;
- shown once per run in a message box naming the file, when a QApplication with a visible
  platform exists (never on the offscreen platform, where nobody could close the box).

It never loops: an error repeating every frame writes ``MAX_REPORTS`` reports and shows one box;
an error inside the handler falls back to Python's own hook.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from . import APP_NAME, __version__

MAX_REPORTS = 20
EXIT_CRASHED = 1


class _State:
    def __init__(self) -> None:
        self.log_dir: Path | None = None
        self.log_file: Path | None = None
        self.reports = 0
        self.dialog_shown = False
        self.active = False
        self.lock = threading.RLock()
        self.previous_excepthook = None
        self.previous_threading_excepthook = None


_state = _State()


def install(log_dir: str | os.PathLike[str] | None = None) -> None:
    """Report uncaught exceptions to a log file in ``log_dir`` (default: :func:`default_log_dir`).

    Calling it again only changes the folder.
    """
    _state.log_dir = Path(log_dir) if log_dir is not None else None
    if sys.excepthook is not _excepthook:
        _state.previous_excepthook = sys.excepthook
        sys.excepthook = _excepthook
    if threading.excepthook is not _threading_excepthook:
        _state.previous_threading_excepthook = threading.excepthook
        threading.excepthook = _threading_excepthook


def uninstall() -> None:
    """Put back the hooks that were there before :func:`install` (for tests)."""
    if sys.excepthook is _excepthook:
        sys.excepthook = _state.previous_excepthook or sys.__excepthook__
    if threading.excepthook is _threading_excepthook:
        threading.excepthook = _state.previous_threading_excepthook or threading.__excepthook__
    _state.__init__()


def default_log_dir() -> Path:
    """``logs`` in the user's data folder: Qt's AppDataLocation once the application has its name,
    else the same place worked out by hand (Qt's layout: ``<data>/<organisation>/<application>``)."""
    core = sys.modules.get("PySide6.QtCore")
    if core is not None:
        try:
            app = core.QCoreApplication
            if app.organizationName() == APP_NAME and app.applicationName() == APP_NAME:
                location = core.QStandardPaths.writableLocation(core.QStandardPaths.StandardLocation.AppDataLocation)
                if location:
                    return Path(location) / "logs"
        except Exception:  # any trouble with Qt: the platform default below
            pass
    return _platform_data_dir() / APP_NAME / APP_NAME / "logs"


def _platform_data_dir() -> Path:
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    if sys.platform == "darwin":
        return home / "Library" / "Application Support"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")


def log_file() -> Path | None:
    """The log file this run has written to, if any."""
    return _state.log_file


# --- the hooks ----------------------------------------------------------------------------------------


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):  # Ctrl+C in a terminal: Python's usual message
        sys.__excepthook__(exc_type, exc, tb)
        return
    _handle(exc_type, exc, tb, threading.current_thread())


def _threading_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:  # threading ignores these too
        return
    _handle(args.exc_type, args.exc_value, args.exc_traceback, args.thread)


def _handle(exc_type, exc, tb, thread) -> None:
    with _state.lock:
        if _state.active:  # an error while reporting one: Python's own hook, no recursion
            _fallback(exc_type, exc, tb)
            return
        _state.active = True
    try:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        path = _write_report(text, thread)
        _print(text, path)
        _offer_dialog(exc, text, path)
    except Exception:
        _fallback(exc_type, exc, tb)
    finally:
        _state.active = False


def _fallback(exc_type, exc, tb) -> None:
    with contextlib.suppress(Exception):  # no stderr, e.g. a windowed application on Windows
        sys.__excepthook__(exc_type, exc, tb)


def _print(text: str, path: Path | None) -> None:
    stream = sys.stderr
    if stream is None:  # a windowed application on Windows has no console
        return
    try:
        stream.write(text)
        if path is not None:
            stream.write(f"{APP_NAME}: this error was written to {path}\n")
        stream.flush()
    except (OSError, ValueError):
        pass


# --- the log file -------------------------------------------------------------------------------------


def _write_report(text: str, thread: threading.Thread | None) -> Path | None:
    """Append a report to this run's log file; its path, or None when nothing was written."""
    with _state.lock:
        if _state.reports >= MAX_REPORTS:
            return None
        _state.reports += 1
        number = _state.reports
        now = _dt.datetime.now().astimezone()
        body = [
            f"--- error {number} at {now.isoformat(timespec='milliseconds')} in thread "
            f"{thread.name if thread is not None else '?'}",
            text.rstrip("\n"),
        ]
        if number == MAX_REPORTS:
            body.append(f"--- {MAX_REPORTS} errors: further ones in this run are not recorded")
        entry = "\n".join(body) + "\n\n"
        if _state.log_file is not None and _append(_state.log_file, entry):
            return _state.log_file
        import tempfile  # here: start-up need not pay for it

        for folder in (_state.log_dir or default_log_dir(), Path(tempfile.gettempdir())):
            path = folder / f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.log"
            if _append(path, "\n".join(_environment(now)) + "\n" + entry):
                _state.log_file = path
                return path
        return None


def _append(path: Path, content: str) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(content)
        return True
    except OSError:
        return False


def _environment(now: _dt.datetime) -> list[str]:
    lines = [
        f"{APP_NAME} {__version__} — error report of {now.isoformat(timespec='seconds')}",
        f"python: {sys.version.split()[0]} ({platform.python_implementation()})"
        f"{' frozen' if getattr(sys, 'frozen', False) else ''}",
        f"system: {platform.platform()}",
        f"command: {' '.join(sys.argv)}",
    ]
    qt_core = sys.modules.get("PySide6.QtCore")
    if qt_core is not None:
        pyside = sys.modules.get("PySide6")
        lines.append(f"qt: {qt_core.qVersion()} (PySide6 {getattr(pyside, '__version__', '?')})")
        gui = sys.modules.get("PySide6.QtGui")
        app = gui.QGuiApplication.instance() if gui is not None else None
        if app is not None:
            lines.append(f"qt platform: {app.platformName()}")
    return lines


# --- the message box ----------------------------------------------------------------------------------


def _offer_dialog(exc: BaseException, text: str, path: Path | None) -> None:
    """Show the message once per run; from another thread, ask the GUI thread to show it."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or _state.dialog_shown:
        return
    app = widgets.QApplication.instance()
    if not isinstance(app, widgets.QApplication) or app.platformName() in ("offscreen", "minimal"):
        return
    _state.dialog_shown = True
    core = sys.modules["PySide6.QtCore"]
    if core.QThread.currentThread() is app.thread():
        _show_dialog(exc, text, path)
    else:
        core.QTimer.singleShot(0, app, lambda: _show_dialog(exc, text, path))


def _show_dialog(exc: BaseException, text: str, path: Path | None) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    where = f"The details were written to:\n{path}" if path else "The details could not be written to a file."
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, f"{APP_NAME} ran into an unexpected error.")
    box.setInformativeText(
        f"{type(exc).__name__}: {exc}\n\n{where}\n\n"
        "It may not work properly any more: you can go on, or quit. "
        "Please attach that file when you report the problem."
    )
    box.setDetailedText(text)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(box.addButton("Continue", QMessageBox.ButtonRole.AcceptRole))
    box.exec()
    if box.clickedButton() is quit_button:
        QApplication.exit(EXIT_CRASHED)
