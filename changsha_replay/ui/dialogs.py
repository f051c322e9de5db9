"""Help → User Guide, Keyboard Shortcuts, Legend and About, and the error dialog for files that cannot be opened."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from .. import APP_NAME, __version__
from ..model.scenario import Scenario
from ..store import ScenarioError
from .links import route_links


def _browser_dialog(parent: QWidget | None, title: str, html: str, size: tuple[int, int]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    text = QTextBrowser(dialog)
    route_links(text)
    text.setHtml(html)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addWidget(buttons)
    dialog.resize(*size)
    return dialog


def legend_dialog(parent: QWidget | None, scenario: Scenario | None, mode: str) -> QDialog:
    """Help → Legend: what the marks on the map mean, for the open scenario."""
    from .legend import legend_html

    return _browser_dialog(parent, "Legend", legend_html(scenario, mode), (560, 640))


def shortcuts_dialog(parent: QWidget | None) -> QDialog:
    from .user_guide import shortcut_table

    return _browser_dialog(parent, "Keyboard Shortcuts", f"<h3>Keyboard shortcuts</h3>{shortcut_table()}", (520, 460))


def user_guide_dialog(parent: QWidget | None, scenario: Scenario | None, mode: str) -> QDialog:
    """Help → User Guide: how to use the replay, the keyboard, the legend, what the bases mean."""
    from .user_guide import user_guide_html

    return _browser_dialog(parent, "Changsha Replay User Guide", user_guide_html(scenario, mode), (680, 720))


def about_dialog(parent: QWidget | None, scenario: Scenario | None) -> QDialog:
    parts = [
        f"<h2>{APP_NAME} {escape(__version__)}</h2>",
        "<p>Replay, study and annotate a historical battle: the Third Battle of Changsha, "
        "December 1941 – January 1942.</p>",
        "<p>Built with PySide6 (Qt, LGPL-3.0), pyqtgraph (MIT), sqlite-utils (Apache-2.0), NumPy (BSD) and "
        "milsymbol (MIT; APP-6 / MIL-STD-2525 symbols). Chinese text: WenQuanYi Micro Hei (Apache-2.0) "
        "and Noto Sans CJK, Extension A subset (SIL OFL 1.1).</p>",
    ]
    if scenario is not None:
        parts.append(f"<h3>Data of “{escape(scenario.info.title_en)}”</h3><ul>")
        for credit in scenario.credits:
            link = f" — <a href='{escape(credit.url)}'>{escape(credit.url)}</a>" if credit.url else ""
            parts.append(
                f"<li><b>{escape(credit.subject)}</b>: {escape(credit.holder)}, {escape(credit.licence)}{link}</li>"
            )
        parts.append("</ul><h3>Sources</h3><ul>")
        for source in scenario.sources:
            link = f" — <a href='{escape(source.url)}'>link</a>" if source.url.startswith("http") else ""
            parts.append(f"<li><b>{escape(source.key)}</b>: {escape(source.title)}{link}</li>")
        parts.append("</ul>")
    return _browser_dialog(parent, f"About {APP_NAME}", "".join(parts), (640, 560))


def show_open_error(
    parent: QWidget | None, error: ScenarioError, consequence: str = "The scenario that was open stays open."
) -> QMessageBox:
    """A clear, window-modal dialog naming the problem and what happens now; the problems, if
    any, under Show Details."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Cannot open scenario")
    box.setText(str(error))
    box.setInformativeText(consequence)
    if error.problems:
        box.setDetailedText("\n".join(str(p) for p in error.problems))
    box.open()
    return box
