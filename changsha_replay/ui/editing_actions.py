"""The window's editing commands: File → Save / Save As / Scenario Properties, the Edit menu
(undo, redo, delete, history), the Annotate menu and toolbar, and recovery of unsaved work."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMessageBox, QToolBar, QUndoView

from ..model.edits import EditError, SetInfo
from ..model.shown import shown
from ..store import ScenarioError, load
from .map.annotation_tools import TOOLS

if TYPE_CHECKING:
    from .main_window import MainWindow

SAVE_FILTER = "Scenarios (*.sqlite);;All files (*)"


class EditingActions:
    """Editing actions of a main window, wired to its session's document."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.session = window.session
        self.document = window.session.document
        self.annotator = window.map.annotator
        self.annotator.ask_text = self.ask_text
        self.annotator.error.connect(self.show_edit_error)
        self.annotator.author = str(window.settings.value("editing/author", "") or "")
        stack = self.document.undo_stack

        self.undo = stack.createUndoAction(window, "&Undo")
        self.undo.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo = stack.createRedoAction(window, "&Redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.delete = QAction("&Delete", window)
        self.delete.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete.setStatusTip("Delete the selected annotation")
        self.delete.triggered.connect(self.annotator.delete_selected)
        self.save = QAction("&Save", window)
        self.save.setShortcut(QKeySequence.StandardKey.Save)
        self.save.triggered.connect(lambda: self.save_document())
        self.save_as = QAction("Save &As…", window)
        self.save_as.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as.triggered.connect(lambda: self.save_document(choose=True))
        self.properties = QAction("Scenario &Properties…", window)
        self.properties.triggered.connect(self.edit_properties)
        self.import_annotations = QAction("&Import Annotations…", window)
        self.import_annotations.setStatusTip("Add the annotations of a GeoJSON file to this scenario (one undo step)")
        self.import_annotations.triggered.connect(lambda: self.import_geojson())
        self.export_annotations = QAction("&Export Annotations…", window)
        self.export_annotations.setStatusTip("Write this scenario's annotations to a GeoJSON file (opens in QGIS)")
        self.export_annotations.triggered.connect(lambda: self.export_geojson())

        self.history = QDockWidget("Undo History", window)
        self.history.setObjectName("undoHistoryDock")
        view = QUndoView(stack, self.history)
        view.setEmptyLabel("<opened>")
        self.history.setWidget(view)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history)
        self.history.hide()
        from .annotation_dock import AnnotationDock

        self.annotation_dock = AnnotationDock(self.session, window)
        self.annotation_dock.center_requested.connect(window.map.center_on)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.annotation_dock)
        window.tabifyDockWidget(window.event_dock, self.annotation_dock)
        window.event_dock.raise_()
        self.docks: list[QDockWidget] = [self.annotation_dock, self.history]

        self.tool_actions: dict[str, QAction] = {}
        group = QActionGroup(window)
        for name, (key, label) in TOOLS.items():
            action = QAction(label, window)
            action.setCheckable(True)
            action.setActionGroup(group)
            if key:
                action.setShortcut(QKeySequence(key))
            action.setStatusTip(f"{label} tool" + (f" ({key})" if key else ""))
            action.triggered.connect(lambda _on=False, n=name: self.annotator.set_tool(n))
            self.tool_actions[name] = action
        self.tool_actions["select"].setChecked(True)
        self.annotator.tool_changed.connect(lambda name: self.tool_actions[name].setChecked(True))
        self.escape = QAction("Cancel Drawing", window)
        self.escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.escape.setStatusTip("Cancel the drawing in progress, or go back to the Select tool")
        self.escape.triggered.connect(self.annotator.escape)
        self.toolbar = QToolBar("Annotate", window)
        self.toolbar.setObjectName("annotateToolBar")
        for action in self.tool_actions.values():
            self.toolbar.addAction(action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        self.document.modified_changed.connect(lambda _m: window._update_title())
        self.document.path_changed.connect(lambda _p: window._update_title())
        self.session.edited.connect(self._on_edited)
        self.session.scenario_changed.connect(self._on_scenario_changed)
        window.journal.failed.connect(self._on_journal_failed)
        window.saver.busy_changed.connect(self._on_saving)
        window.saver.saved.connect(self._on_saved)
        window.saver.failed.connect(self._on_save_failed)
        self._save_ok: bool | None = None
        self._on_scenario_changed()

    # -- menus ---------------------------------------------------------------------------
    def add_file_actions(self, menu: QMenu) -> None:
        menu.addSeparator()
        menu.addAction(self.save)
        menu.addAction(self.save_as)
        menu.addAction(self.properties)
        menu.addSeparator()
        menu.addAction(self.import_annotations)
        menu.addAction(self.export_annotations)
        menu.addSeparator()

    def add_edit_menu(self, menu: QMenu) -> None:
        menu.addAction(self.undo)
        menu.addAction(self.redo)
        menu.addSeparator()
        menu.addAction(self.delete)

    def add_annotate_menu(self, menu: QMenu) -> None:
        for action in self.tool_actions.values():
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.escape)
        layer = self.window.layer_actions.get("annotations")
        if layer is not None:
            menu.addSeparator()
            layer.setText("Show &Annotations")
            menu.addAction(layer)

    # -- reactions -----------------------------------------------------------------------
    def _on_scenario_changed(self) -> None:
        has = self.session.scenario is not None
        actions = (self.save, self.save_as, self.properties, self.import_annotations, self.export_annotations)
        for action in (*actions, *self.tool_actions.values()):
            action.setEnabled(has)
        self.annotator.set_tool("select")

    def _on_edited(self, change, initiator) -> None:
        self.window._update_title()
        if initiator is None and change.annotations:  # an undo or redo: show what it changed
            self._bring_into_view(change.annotations)

    def _bring_into_view(self, ids) -> None:
        scenario = self.session.scenario
        if scenario is None:
            return
        found = [a for a in scenario.annotations if a.id in ids]
        if not found:
            return
        a = found[0]
        t = self.session.time
        if (a.start is not None and t < a.start) or (a.end is not None and t >= a.end and a.end > (a.start or t)):
            self.session.seek(a.start if a.start is not None else t)
        lon, lat = _centre(a.geometry)
        west, south, east, north = self.window.map.visible_extent()
        if not (west <= lon <= east and south <= lat <= north):
            self.window.map.center_on(lat, lon)

    def _on_journal_failed(self, message: str) -> None:
        self.window.statusBar().showMessage(message)
        box = QMessageBox(self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle("Edits not journaled")
        box.setText(message)
        box.open()

    # -- dialogs (tests replace these) ---------------------------------------------------
    def ask_text(self, title: str, initial: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getMultiLineText(self.window, title, "Text (English or 中文):", initial)
        return text if ok else None

    def ask_save_changes(self, reason: str) -> str:
        """ "save", "discard" or "cancel"."""
        name = self.document.path.name if self.document.path is not None else "this scenario"
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save your changes to {name} before {reason}?")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel"
        )

    def ask_save_path(self, suggested: Path, why: str, kind: str = "scenario") -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        if kind == "GeoJSON":
            caption, filters, suffix = "Export Annotations", "GeoJSON (*.geojson);;All files (*)", ".geojson"
        else:
            caption = "Save Scenario As" if not why else f"Save a Copy — {why}"
            filters, suffix = SAVE_FILTER, ".sqlite"
        path, _ = QFileDialog.getSaveFileName(self.window, caption, str(suggested), filters)
        if not path:
            return None
        chosen = Path(path)
        return chosen if chosen.suffix else chosen.with_suffix(suffix)

    def show_edit_error(self, message: str) -> None:
        self.window.statusBar().showMessage(f"Not changed: {message}", 8000)

    def show_save_error(self, error: ScenarioError) -> None:
        consequence = "Your changes are still open and unsaved; try another folder with Save As."
        self._error_box("Cannot save scenario", str(error), consequence, error.problems)

    # -- saving --------------------------------------------------------------------------
    def save_document(self, choose: bool = False, wait: bool = False) -> bool:
        """Save (Ctrl+S) or Save As (``choose``). A bundled scenario is never written: its first
        save is a Save As into the user's documents. Returns False when nothing was started
        (cancelled); with ``wait``, whether the save succeeded."""
        doc = self.document
        if doc.scenario is None:
            return False
        if wait:
            self.wait_for_save()
        elif self.window.saver.busy:
            self.window.statusBar().showMessage("A save is still running", 4000)
            return False
        path = doc.path
        if choose or path is None or doc.bundled:
            why = "the bundled scenario is read-only" if doc.bundled else ""
            path = self.ask_save_path(self._suggested_path(), why)
            if path is None:
                return False
            if not self._name_the_copy(path):
                return False
        self._save_ok = None
        self.window.saver.start(doc.scenario, path, doc.save_started())
        if wait:
            self.wait_for_save()
            return bool(self._save_ok)
        return True

    def _suggested_path(self) -> Path:
        doc = self.document
        if doc.path is not None and not doc.bundled:
            return doc.path
        folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
        stem = (doc.path.stem if doc.path is not None else "scenario") + " (my copy)"
        return folder / f"{stem}.sqlite"

    def _name_the_copy(self, path: Path) -> bool:
        """A copy saved from another file records the scenario it was based on and gets its own
        title, "<original title> — <file name>" (one undo step; Scenario Properties changes it)."""
        doc = self.document
        info = doc.scenario.info  # type: ignore[union-attr]
        if doc.path is None or path.resolve() == doc.path.resolve():
            return True
        original = info.based_on or info.title_en  # a copy of a copy is still based on the original
        renamed = info._replace(title_en=f"{original} — {path.stem}"[:200], based_on=original[:400])
        try:
            doc.apply(SetInfo(renamed), "Name the copy")
        except EditError as exc:
            self.show_edit_error(str(exc))
            return False
        return True

    def _on_saving(self, busy: bool) -> None:
        w = self.window
        w.loading_bar.setVisible(busy or w.loader.busy)
        self.save.setEnabled(not busy)
        self.save_as.setEnabled(not busy)
        if busy and w.saver.path is not None:
            w.statusBar().showMessage(f"Saving {w.saver.path.name}…")
        self._save_started = time.perf_counter()

    def _on_saved(self, path: Path, index: int) -> None:
        self._save_ok = True
        self.document.saved(index, path)
        self.window.remember(path)
        self.window.statusBar().showMessage(f"Saved {path.name}", 5000)

    def _on_save_failed(self, _path: Path, _index: int, error: ScenarioError) -> None:
        self._save_ok = False
        self.document.save_failed()
        self.window.statusBar().clearMessage()
        self.show_save_error(error)

    def maybe_save(self, reason: str) -> bool:
        """Before the document goes (open, close, quit): Save / Discard / Cancel when it has
        unsaved changes. True when it may go. A save in progress is waited for first."""
        self.wait_for_save()
        if not self.document.is_modified():
            return True
        answer = self.ask_save_changes(reason)
        if answer == "cancel":
            return False
        if answer == "discard":
            self.window.journal.discarded = True  # the journal goes with the document (or at quit)
            return True
        return self.save_document(wait=True)

    def wait_for_save(self) -> None:
        """Let a running save finish and report (the window keeps painting meanwhile)."""
        saver = self.window.saver
        if not saver.busy:
            return
        loop = QEventLoop()
        saver.busy_changed.connect(loop.quit)
        while saver.busy:
            loop.exec()
        saver.busy_changed.disconnect(loop.quit)

    # -- annotations as GeoJSON ----------------------------------------------------------
    def import_geojson(self, path: Path | None = None) -> int:
        """Add the annotations of a GeoJSON file as one undo step; the number added (0: none)."""
        from ..model.edits import Batch, SetAnnotation
        from ..store.annotation_geojson import read_annotations

        scenario = self.session.scenario
        if scenario is None:
            return 0
        if path is None:
            path = self.ask_open_path("Import Annotations", "GeoJSON (*.geojson *.json);;All files (*)")
            if path is None:
                return 0
        try:
            found = read_annotations(
                path,
                info=scenario.info,
                unit_ids=scenario.units,
                taken_ids={a.id for a in scenario.annotations},
                author=self.annotator.author,
                now=float(round(time.time())),
            )
            if not found:
                raise ScenarioError(f"{path.name}: holds no annotations")
            self.document.apply(Batch(tuple(SetAnnotation(a) for a in found)), f"Import {len(found)} annotations")
        except (ScenarioError, EditError) as exc:
            self._error_box("Cannot import annotations", str(exc), "Nothing was changed.", getattr(exc, "problems", []))
            return 0
        self.window.statusBar().showMessage(f"Imported {len(found)} annotations from {path.name}", 8000)
        return len(found)

    def export_geojson(self, path: Path | None = None) -> bool:
        from ..store.annotation_geojson import write_annotations

        scenario = self.session.scenario
        if scenario is None:
            return False
        if path is None:
            stem = self.document.path.stem if self.document.path is not None else "annotations"
            path = self.ask_save_path(self._suggested_path().with_name(f"{stem} annotations.geojson"), "", "GeoJSON")
            if path is None:
                return False
        try:
            write_annotations(
                scenario.annotations, path, scenario_title=scenario.info.title_en, time_zone=scenario.info.time_zone
            )
        except ScenarioError as exc:
            self._error_box("Cannot export annotations", str(exc), "The scenario is unchanged.", [])
            return False
        self.window.statusBar().showMessage(f"Exported {len(scenario.annotations)} annotations to {path.name}", 8000)
        return True

    def ask_open_path(self, caption: str, filters: str) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self.window, caption, str(self._suggested_path().parent), filters)
        return Path(path) if path else None

    def _error_box(self, title: str, text: str, consequence: str, problems: list) -> None:
        box = QMessageBox(self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(title)
        box.setText(text)
        box.setInformativeText(consequence)
        if problems:
            box.setDetailedText("\n".join(str(p) for p in problems))
        box.open()

    # -- scenario properties -------------------------------------------------------------
    def edit_properties(self) -> None:
        from .properties_dialog import PropertiesDialog

        scenario = self.session.scenario
        if scenario is None:
            return
        dialog = PropertiesDialog(scenario.info, self.window)
        if dialog.exec() and dialog.info() != scenario.info:
            try:
                self.document.apply(SetInfo(dialog.info()), "Edit scenario properties")
            except EditError as exc:
                self.show_edit_error(str(exc))

    # -- recovery ------------------------------------------------------------------------
    def offer_recovery(self) -> None:
        """At start: journals of unsaved edits left by a crash are offered, newest first; the
        default is Recover. A failed recovery is reported and never retried automatically."""
        loader = self.window.loader
        if loader.busy:  # a file loading behind the window: ask once it has opened (or failed)

            def later(busy: bool) -> None:
                if not busy:
                    loader.busy_changed.disconnect(later)
                    QTimer.singleShot(0, self.offer_recovery)

            loader.busy_changed.connect(later)
            return
        for info in self.window.journal.pending()[:1]:
            try:
                when = datetime.fromtimestamp(info.last_edit).strftime("%Y-%m-%d %H:%M:%S")
            except (OverflowError, OSError, ValueError):
                when = "unknown"
            name = plain(info.path.name) if info.path is not None else "an untitled scenario"
            answer = self.ask_recover(plain(info.title) or name, name, info.edits, when)
            if answer == "discard":
                self.window.journal.set_aside(info)
                continue
            if answer != "recover":
                continue
            done, total, error = self.window.journal.recover(info, load)
            if error is None:
                self.window.statusBar().showMessage(f"Recovered {done} edits of {name}; they are not saved yet", 10000)
                continue
            box = QMessageBox(self.window)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setWindowTitle("Recovery incomplete")
            box.setText(f"{done} of {total} edits of {name} were recovered.")
            box.setInformativeText(f"{plain(error)}\nThe journal was kept aside and will not be offered again.")
            box.open()

    def ask_recover(self, title: str, name: str, edits: int, when: str) -> str:
        """ "recover", "discard" or "later"."""
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle("Recover unsaved changes")
        box.setText(f"Changsha Replay stopped with {edits} unsaved edit{'s' * (edits != 1)} to “{title}”.")
        box.setInformativeText(f"File: {name}\nLast edit: {when}\n\nRecover them now?")
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is recover else "discard" if clicked is discard else "later"


def plain(text: str, limit: int = 200) -> str:
    """Text from a file, safe to show: control characters escaped, cut to ``limit``."""
    return shown(text, limit)


def _centre(geometry: dict) -> tuple[float, float]:
    """(lon, lat) of the middle of a geometry's bounding box."""
    coords = geometry["coordinates"]
    kind = geometry["type"]
    points = [coords] if kind == "Point" else coords if kind == "LineString" else coords[0]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
