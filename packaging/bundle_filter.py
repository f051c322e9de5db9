"""What the frozen application leaves out: used by build.spec after PyInstaller's analysis.

PyInstaller collects every Qt plugin and translation a Qt module might use, and the libraries
those plugins link to. The replay window needs far less: a platform plugin (X11, Wayland, offscreen;
Windows or Cocoa there), SVG for icons and symbols, input methods, the desktop portal. Everything
else is dropped here by name, then (on Linux) every shared library no longer reachable from what is
kept is dropped too, so a removed plugin does not leave its dependencies behind.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePath

# Python modules the application never imports (tests, other Qt bindings, network, GUI toolkits).
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "turtle",
    "idlelib",
    "lib2to3",
    "test",
    "readline",  # GPL libreadline; nothing in the app reads a terminal line
    "curses",
    "ssl",
    "_ssl",  # no network: drops libssl
    "_hashlib",  # hashlib falls back to its built-in hashes: drops libcrypto
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "importlinter",
    "grimp",
    "IPython",
    "matplotlib",
    "scipy",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "pyqtgraph.opengl",
    "pyqtgraph.examples",
    "pyqtgraph.jupyter",
    "pyqtgraph.canvas",
    "pyqtgraph.flowchart",
    "OpenGL",
    "numpy.random",  # only pyqtgraph's scatter-histogram helper uses it, never the app
    "numpy.fft",  # pyqtgraph's FFT plot mode
    "numpy._core._multiarray_tests",
    "numpy.f2py",
    "numpy.testing",
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.QtTest",  # pyqtgraph imports it inside try/except
]

# Qt plugins kept, by plugin folder: file name stems without "lib"/"q" prefixes and extensions.
# A folder not listed here is dropped whole (generic input, TLS, network information, EGLFS, SQL…).
KEPT_PLUGINS = {
    "platforms": {"xcb", "wayland", "offscreen", "minimal", "windows", "cocoa"},
    "platformthemes": {"xdgdesktopportal"},  # native file dialogs through the desktop portal
    "platforminputcontexts": {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"},
    "imageformats": {"svg"},  # PNG is built into QtGui; SVG draws the symbols and the icon
    "iconengines": {"svgicon"},
    "xcbglintegrations": {"xcb-glx-integration", "xcb-egl-integration"},
    "wayland-shell-integration": {"xdg-shell"},
    "wayland-decoration-client": {"adwaita", "bradient"},
    "wayland-graphics-integration-client": {"qt-plugin-wayland-egl"},
    "styles": None,  # Windows and macOS widget styles: all of them
}

# Qt libraries that only the dropped plugins and modules use (names without prefix, suffix, version).
DROPPED_QT_LIBRARIES = {
    "Qt6Network",
    "Qt6EglFSDeviceIntegration",
    "Qt6EglFsKmsSupport",
    "Qt6WlShellIntegration",
    "Qt6Qml",
    "Qt6QmlModels",
    "Qt6QmlMeta",
    "Qt6QmlWorkerScript",
    "Qt6Quick",
    "Qt6Pdf",
    "Qt6VirtualKeyboard",
    "Qt6PrintSupport",
    "opengl32sw",  # Windows: the 20 MB software OpenGL fallback; the map draws with QPainter
}

# Libraries every system that can run the bundle has: the bundle already needs glibc 2.36 (Debian 12's,
# from the libraries collected on the build machine), and every such system ships a libstdc++ at least
# as new as the GLIBCXX_3.4.29 the Qt and numpy binaries ask for. The system's copy also avoids the
# known clash of an older bundled libstdc++ with newer Mesa OpenGL drivers.
SYSTEM_LIBRARIES = ("libstdc++.so.6", "libgcc_s.so.1")

# Loaded with dlopen() (by the bootloader), so no kept binary names it as a dependency.
DLOPENED = ("libpython3*",)

# Data files of packages that the application never reads.
DROPPED_DATA = (
    "pyqtgraph/icons/peegee/*",  # pyqtgraph's own application icon (mkQApp); the app sets its own
)

PLUGIN_DIR = re.compile(r"(?:^|/)plugins/([^/]+)/([^/]+)$")


def keep_plugin(dest: str) -> bool | None:
    """True/False for a Qt plugin file, None for anything that is not one."""
    match = PLUGIN_DIR.search(dest.replace("\\", "/"))
    if not match or "PySide6" not in dest:
        return None
    folder, name = match.groups()
    if folder not in KEPT_PLUGINS:
        return False
    kept = KEPT_PLUGINS[folder]
    if kept is None:
        return True
    stem = name.split(".")[0].removeprefix("lib")
    return stem in kept or stem.removeprefix("q") in kept


def is_translation(dest: str) -> bool:
    dest = dest.replace("\\", "/")
    return "PySide6/" in dest and "/translations/" in dest and dest.endswith(".qm")


def is_dropped_qt_library(dest: str) -> bool:
    name = PurePath(dest.replace("\\", "/")).name
    base = name.split(".")[0].removeprefix("lib")
    return base in DROPPED_QT_LIBRARIES


def filter_analysis(binaries, datas):
    """The binaries and datas TOCs of an Analysis without what the application does not use.

    Drops the plugins, libraries and translations named above; on Linux also every shared library no
    kept file links to; then the symbolic links (PyInstaller lists them with the datas) whose target
    is gone.
    """
    kept = []
    for entry in binaries:
        dest = entry[0]
        plugin = keep_plugin(dest)
        if plugin is False or (plugin is None and is_dropped_qt_library(dest)):
            continue
        kept.append(entry)
    if sys.platform.startswith("linux"):
        kept = [entry for entry in kept if PurePath(_norm(entry[0])).name not in SYSTEM_LIBRARIES]
        kept = drop_unreachable(kept)
    datas = [
        entry
        for entry in datas
        if not is_translation(entry[0]) and not any(fnmatch.fnmatch(_norm(entry[0]), p) for p in DROPPED_DATA)
    ]
    present = {_norm(entry[0]) for entry in kept} | {_norm(entry[0]) for entry in datas if entry[2] != "SYMLINK"}
    datas = [entry for entry in datas if entry[2] != "SYMLINK" or _link_target(entry) in present]
    return kept, datas


def _norm(path: str) -> str:
    return path.replace("\\", "/")


def _link_target(entry) -> str:
    """Where a SYMLINK entry (dest, relative target, "SYMLINK") points, relative to the bundle."""
    dest, target = _norm(entry[0]), _norm(entry[1])
    return posixpath.normpath(posixpath.join(posixpath.dirname(dest), target))


def strip_symbols(binaries, workdir):
    """Copies without symbol tables of the binaries that ship with them: libpython, lib-dynload, ICU.

    A Python built from source (pyenv, as on the build machines) keeps its debug information: 18 MB
    in libpython alone; PySide6's ICU libraries keep their symbol tables. Only these are stripped:
    other wheels' libraries are stripped already, and stripping the ones auditwheel patched
    (numpy's OpenBLAS) breaks them.
    """
    strip = shutil.which("strip")
    if not strip or not sys.platform.startswith("linux"):
        return binaries
    base = os.path.realpath(sys.base_prefix) + os.sep
    result = []
    for entry in binaries:
        dest, src, kind = entry[0], entry[1], entry[2]
        real = os.path.realpath(src) if kind in ("BINARY", "EXTENSION") else ""
        if real and (real.startswith(base) or fnmatch.fnmatch(PurePath(dest).name, "libicu*.so.*")):
            copy = Path(workdir, "stripped", dest)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(real, copy)
            if subprocess.run([strip, "--strip-unneeded", str(copy)], capture_output=True).returncode == 0:
                entry = (dest, str(copy), kind)
        result.append(entry)
    return result


def _needed(path: str) -> list[str]:
    """DT_NEEDED names of an ELF file (empty for anything else)."""
    from PyInstaller.depend import bindepend

    try:
        return [name for name, _ in bindepend.get_imports(path)]
    except Exception:
        return []


def drop_unreachable(binaries):
    """Keep extension modules, Qt plugins, dlopen()ed libraries and all they link to; drop the rest."""
    by_name: dict[str, list] = {}
    roots = []
    for entry in binaries:
        dest, src, kind = entry[0], entry[1], entry[2]
        name = PurePath(dest).name
        by_name.setdefault(name, []).append(entry)
        if kind == "EXTENSION" or keep_plugin(dest) or any(fnmatch.fnmatch(name, p) for p in DLOPENED):
            roots.append(src)
    reachable: set[str] = set()
    todo = list(roots)
    seen_src: set[str] = set()
    while todo:
        src = todo.pop()
        if src in seen_src:
            continue
        seen_src.add(src)
        for name in _needed(src):
            if name in by_name and name not in reachable:
                reachable.add(name)
                todo.extend(entry[1] for entry in by_name[name])
    result = []
    for entry in binaries:
        dest, src, kind = entry[0], entry[1], entry[2]
        name = PurePath(dest).name
        if src in roots or name in reachable:
            result.append(entry)
    return result
