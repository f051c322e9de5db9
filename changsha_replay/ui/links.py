"""Opening a source's web address: in the browser, or, where none opens, offering to copy it."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QTextBrowser, QWidget

from ..model.shown import shown

WEB_SCHEMES = ("http", "https")


def open_link(parent: QWidget | None, url: QUrl) -> QMessageBox | None:
    """Open a web address in the browser. Where that fails, or the address is not http(s) (a file
    may name anything; only web pages are opened from it), a dialog shows the address with Copy
    Address; it is returned (opened, not run) so callers and tests can reach it."""
    if url.scheme().lower() in WEB_SCHEMES and QDesktopServices.openUrl(url):
        return None
    address = url.toString()
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Open Link")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the address is the file's text, never markup
    if url.scheme().lower() in WEB_SCHEMES:
        reason = "No web browser could be opened on this computer."
    else:
        reason = "Only web addresses (http, https) are opened from a scenario."
    box.setText(f"{reason}\n\nThe address:\n{shown(address, 500)}")
    copy = box.addButton("Copy Address", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(address))
    box.setDefaultButton(copy)
    box.open()
    return box


def route_links(browser: QTextBrowser) -> None:
    """Links clicked in `browser` go through `open_link` instead of Qt's silent attempt; a link
    within the text (``#keys``) scrolls to its anchor."""
    browser.setOpenLinks(False)
    browser.setOpenExternalLinks(False)

    def follow(url: QUrl) -> None:
        if url.isRelative() and not url.path() and url.hasFragment():
            browser.scrollToAnchor(url.fragment())
        else:
            open_link(browser, url)

    browser.anchorClicked.connect(follow)
