"""The main window: the map in the centre, the order of battle and the event log in docks,
the playback bar at the bottom, menus, and the remembered layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QToolBar, QVBoxLayout, QWidget

from .. import APP_NAME
from ..model import Scenario
from ..resources import default_scenario
from ..store import ScenarioError
from .actions import PlaybackActions
from .editing_actions import EditingActions
from .event_log import EventLogDock
from .files import ScenarioSaver
from .journal_keeper import JournalKeeper
from .loader import ScenarioLoader
from .map.canvas import MapCanvas
from .names import bilingual, unit_name
from .orbat import OrbatDock
from .phase_header import PhaseHeader
from .playback_bar import PlaybackBar
from .session import Session

MAX_RECENT = 8
NAME_MODES = (("en", "English"), ("zh", "中文"), ("both", "English + 中文"))


class MainWindow(QMainWindow):
    def __init__(
        self, session: Session | None = None, settings: QSettings | None = None, journal_folder: Path | None = None
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self._shown = False
        self.session = session or Session(self)
        self.settings = settings or QSettings()
        self.journal = JournalKeeper(self.session, journal_folder)
        self.saver = ScenarioSaver(self)
        self.playback = PlaybackActions(self.session, self)
        self.playback["follow"].toggled.connect(self._on_follow)
        self.map = MapCanvas(self.session, self)
        self.header = PhaseHeader(self.session, self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.map, 1)
        self.setCentralWidget(central)
        self.orbat_dock = OrbatDock(self.session, self)
        self.event_dock = EventLogDock(self.session, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.orbat_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.event_dock)
        self.playback_bar = PlaybackBar(self.session, self.playback, self)
        bar = QToolBar("Playback", self)
        bar.setObjectName("playbackToolBar")
        bar.setMovable(False)
        bar.addWidget(self.playback_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)
        self.cursor_label = QLabel(self)
        self.selection_label = QLabel(self)
        self.loading_bar = QProgressBar(self)  # busy indicator while a file loads
        self.loading_bar.setRange(0, 0)
        self.loading_bar.setMaximumWidth(140)
        self.loading_bar.setTextVisible(False)
        self.loading_bar.hide()
        self.statusBar().addPermanentWidget(self.loading_bar)
        self.statusBar().addPermanentWidget(self.selection_label)
        self.statusBar().addPermanentWidget(self.cursor_label)
        self.loader = ScenarioLoader(self)
        self._bundled_if_failed = False  # a failed load at start-up opens the bundled scenario
        self.editing = EditingActions(self)
        self._build_menus()
        self._connect()
        self._restore_settings()
        self._update_title()

    # -- construction --------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = file_menu.addAction("&Open…", QKeySequence.StandardKey.Open, self.choose_file)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.open_bundled_action = file_menu.addAction(
            "Open the &Bundled Scenario", lambda: self.open_file_in_background(default_scenario())
        )
        self.open_bundled_action.setStatusTip("The Third Battle of Changsha, as it comes with the app")
        self.editing.add_file_actions(file_menu)
        self.close_action = file_menu.addAction("&Close", QKeySequence.StandardKey.Close, self.close_scenario)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", QKeySequence.StandardKey.Quit, self.close)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.editing.add_edit_menu(bar.addMenu("&Edit"))
        view = bar.addMenu("&View")
        view.addAction(self.orbat_dock.toggleViewAction())
        view.addAction(self.event_dock.toggleViewAction())
        for dock in self.editing.docks:
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        layers = view.addMenu("Map &Layers")
        self.layer_actions: dict[str, QAction] = {}
        for name in self.map.layer_names():
            action = layers.addAction(name.replace("_", " ").capitalize())
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(lambda on, n=name: self.map.set_layer_visible(n, on))
            self.layer_actions[name] = action
        names = view.addMenu("&Names")
        group = QActionGroup(self)
        self.name_actions: dict[str, QAction] = {}
        for mode, label in NAME_MODES:
            action = names.addAction(label)
            action.setCheckable(True)
            action.setActionGroup(group)
            action.triggered.connect(lambda _checked=False, m=mode: self.session.set_name_mode(m))
            self.name_actions[mode] = action
        self.name_actions[self.session.name_mode].setChecked(True)
        self.fold_action = view.addAction("&Fold Overlapping Subordinates")
        self.fold_action.setCheckable(True)
        self.fold_action.setChecked(True)
        self.fold_action.setShortcut(QKeySequence("Ctrl+G"))
        self.fold_action.setToolTip(
            "Where a unit's symbol would cover its superior's, show it inside the superior ('+N'); zoom in to separate"
        )
        self.fold_action.toggled.connect(self.map.set_folding)
        self.frame_action = view.addAction("F&rame Each Phase")
        self.frame_action.setCheckable(True)
        self.frame_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.frame_action.setToolTip(
            "Move the map to the part each phase is about when the phase changes; your own zoom holds until then"
        )
        self.frame_action.toggled.connect(self.map.set_frame_phases)
        self.frame_action.setChecked(True)
        view.addSeparator()
        view.addAction("&Fit Map to Scenario", QKeySequence("Ctrl+0"), self.map.fit_scenario)

        self.editing.add_annotate_menu(bar.addMenu("&Annotate"))
        play = bar.addMenu("&Playback")
        for name in ("play", "prev_event", "next_event", "prev_phase", "next_phase", "start", "end"):
            play.addAction(self.playback[name])
        play.addSeparator()
        play.addAction(self.playback["slower"])
        play.addAction(self.playback["faster"])
        play.addSeparator()
        play.addAction(self.playback["follow"])
        play.addAction(self.playback["loop"])
        play.addSeparator()
        self.go_to_date_action = play.addAction("Go to &Date…", QKeySequence("Ctrl+D"), self.go_to_date)
        self.go_to_date_action.setStatusTip("Type or pick a date and time of the battle to go to")
        self.go_to_date_action.setEnabled(False)
        self.playback_bar.time_label.clicked.connect(self.go_to_date)

        help_menu = bar.addMenu("&Help")
        guide = help_menu.addAction("&User Guide", QKeySequence.StandardKey.HelpContents, self.show_user_guide)
        guide.setStatusTip("How to use the replay: the map, the docks, the keyboard, the legend")
        help_menu.addAction("&Keyboard Shortcuts", QKeySequence("?"), self.show_shortcuts)
        self.legend_action = help_menu.addAction("&Legend", QKeySequence("F2"), self.show_legend)
        self.legend_action.setStatusTip("What the marks on the map mean")
        about = help_menu.addAction("&About Changsha Replay", self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)

    def _connect(self) -> None:
        s = self.session
        s.scenario_changed.connect(self._on_scenario_changed)
        s.phase_changed.connect(lambda _i: self._update_title())
        s.name_mode_changed.connect(self._on_name_mode_changed)
        s.selection_changed.connect(self._on_selection_changed)
        self.map.cursor_moved.connect(self._on_cursor_moved)
        self.orbat_dock.hidden_branches_changed.connect(self.map.set_hidden_branches)
        self.orbat_dock.center_requested.connect(self.map.center_on)
        self.event_dock.center_requested.connect(self.map.center_on)
        self.loader.busy_changed.connect(self._on_loading)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)

    # -- dialogs (their module is loaded when first needed, not at start-up) -----------------
    def show_shortcuts(self) -> None:
        from .dialogs import shortcuts_dialog

        shortcuts_dialog(self).open()

    def show_user_guide(self) -> None:
        from .dialogs import user_guide_dialog

        user_guide_dialog(self, self.session.scenario, self.session.name_mode).open()

    def go_to_date(self) -> None:
        """Playback → Go to Date: a field for a date and time of the battle."""
        if self.session.scenario is None:
            self.statusBar().showMessage("Open a scenario first: there is no date to go to.", 4000)
            return
        from .go_to_date import GoToDateDialog

        GoToDateDialog(self.session, self).open()

    def show_legend(self) -> None:
        from .dialogs import legend_dialog

        legend_dialog(self, self.session.scenario, self.session.name_mode).open()

    def show_about(self) -> None:
        from .dialogs import about_dialog

        about_dialog(self, self.session.scenario).open()

    def show_open_error(self, error: ScenarioError, consequence: str | None = None) -> None:
        from .dialogs import show_open_error

        if consequence is None:
            show_open_error(self, error)
        else:
            show_open_error(self, error, consequence)

    # -- documents -----------------------------------------------------------------------
    def open_file(self, path: str | Path) -> bool:
        """Open a scenario now (at start-up); on failure an error dialog, and the open scenario stays."""
        try:
            self.session.open(path)
        except ScenarioError as error:
            self.show_open_error(error)
            return False
        self.remember(Path(path))
        return True

    def open_file_in_background(self, path: str | Path) -> bool:
        """Open a scenario on a worker thread (File → Open, Open Recent): the window stays responsive,
        the status bar shows the loading, and the current scenario stays until the new one is read.
        Unsaved changes are offered for saving first."""
        if not self.editing.maybe_save("opening another scenario"):
            return False
        return self.loader.start(path)

    def open_at_start(self, path: str | Path) -> bool:
        """At start-up, a large remembered file loads behind the window, which shows at once; if the
        file cannot be read, the error is shown and the bundled scenario opens instead."""
        self._bundled_if_failed = self.loader.start(path)
        return self._bundled_if_failed

    def _on_load_failed(self, _path: Path, error: ScenarioError) -> None:
        fall_back = self._bundled_if_failed and self.session.scenario is None
        self._bundled_if_failed = False
        if not fall_back:
            self.show_open_error(error)
            return
        # The remembered file stays remembered (it may open next time); the bundled one fills in.
        self.show_open_error(error, "The bundled Changsha scenario opens instead.")
        try:
            self.session.open(default_scenario())
        except ScenarioError as bundled_error:
            self.show_open_error(bundled_error)

    def choose_file(self) -> None:
        start = str(self.session.path.parent if self.session.path else default_scenario().parent)
        from PySide6.QtWidgets import QFileDialog  # here: its many enums cost start-up time

        path, _ = QFileDialog.getOpenFileName(self, "Open Scenario", start, "Scenarios (*.sqlite *.db);;All files (*)")
        if path:
            self.open_file_in_background(path)

    def _on_loading(self, busy: bool) -> None:
        self.open_action.setEnabled(not busy)
        self.recent_menu.setEnabled(not busy and bool(self._recent()))
        self.loading_bar.setVisible(busy)
        if busy and self.loader.path is not None:
            self.statusBar().showMessage(f"Opening {self.loader.path.name}…")
        else:
            self.statusBar().clearMessage()

    def _on_loaded(self, path: Path, scenario: Scenario) -> None:
        self._bundled_if_failed = False
        if not self.editing.maybe_save(f"opening {path.name}"):  # edits made while it loaded
            return
        self.session.set_scenario(scenario, path)
        self.remember(path)

    def close_scenario(self) -> None:
        if self.editing.maybe_save("closing it"):
            self.session.set_scenario(None)

    def remember(self, path: Path) -> None:
        """Put a file at the top of File → Open Recent and open it next time."""
        recent = [str(path.resolve())] + [p for p in self._recent() if p != str(path.resolve())]
        self.settings.setValue("recentFiles", recent[:MAX_RECENT])
        self.settings.setValue("lastFile", str(path.resolve()))
        self._fill_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open_file_in_background(p)).setToolTip(path)
        self.recent_menu.setEnabled(bool(self._recent()))

    # -- reactions -----------------------------------------------------------------------
    def _on_scenario_changed(self) -> None:
        self.close_action.setEnabled(self.session.scenario is not None)
        self.go_to_date_action.setEnabled(self.session.scenario is not None)
        self.map.fit_scenario()
        self._update_title()

    def _on_name_mode_changed(self, mode: str) -> None:
        self.name_actions[mode].setChecked(True)
        self._update_title()
        self._on_selection_changed(self.session.selection)

    def _on_selection_changed(self, ids: frozenset[str]) -> None:
        scenario = self.session.scenario
        if scenario is None or not ids:
            self.selection_label.setText("")
            return
        names = [unit_name(scenario.units.unit(i), self.session.name_mode) for i in sorted(ids) if i in scenario.units]
        self.selection_label.setText("Selected: " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))

    def _on_cursor_moved(self, lat: float, lon: float) -> None:
        ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
        self.cursor_label.setText(f"{abs(lat):.4f}° {ns}  {abs(lon):.4f}° {ew}")

    def _on_follow(self, on: bool) -> None:
        if on and not self.session.selection:
            self.statusBar().showMessage(
                "Nothing to follow yet: select a unit on the map or in the order of battle", 8000
            )

    def _update_title(self) -> None:
        """ "<file>[*] — Phase n: … — <scenario> — Changsha Replay"; Qt shows [*] as * when modified."""
        scenario = self.session.scenario
        document = self.session.document
        self.setWindowModified(document.is_modified())
        if scenario is None:
            self.setWindowTitle(APP_NAME)
            return
        mode = self.session.name_mode
        parts = [bilingual(scenario.info.title_en, scenario.info.title_zh, mode), APP_NAME]
        i = self.session.phase_index
        if i >= 0:
            phase = scenario.phases[i]
            parts.insert(0, f"Phase {i + 1}: {bilingual(phase.title_en, phase.title_zh, mode)}")
        name = document.path.name if document.path is not None else "Untitled"
        parts.insert(0, f"{name}[*]")
        self.setWindowTitle(" — ".join(parts))

    # -- settings ------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 1000)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        else:  # first start: room for unit names and event titles, the rest (at least half) for the map
            width = self.width()
            sides = [min(370, width * 23 // 100), min(400, width * 25 // 100)]
            self.resizeDocks([self.orbat_dock, self.event_dock], sides, Qt.Orientation.Horizontal)
        mode = self.settings.value("view/names", "en")
        if mode in dict(NAME_MODES):
            self.session.set_name_mode(mode)
        rate = self.settings.value("playback/rateIndex")
        if rate is not None:
            self.session.set_rate_index(int(rate))
        self.fold_action.setChecked(self.settings.value("view/fold", "true") not in ("false", False, 0, "0"))
        self.frame_action.setChecked(self.settings.value("view/framePhases", "true") not in ("false", False, 0, "0"))
        hidden = self.settings.value("view/hiddenLayers", [])
        for name in [hidden] if isinstance(hidden, str) else list(hidden or []):
            if name in self.layer_actions:
                self.layer_actions[name].setChecked(False)
        self._fill_recent_menu()

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("view/names", self.session.name_mode)
        self.settings.setValue("playback/rateIndex", self.session.rate_index)
        self.settings.setValue("view/hiddenLayers", [n for n, a in self.layer_actions.items() if not a.isChecked()])
        self.settings.setValue("view/fold", self.fold_action.isChecked())
        self.settings.setValue("view/framePhases", self.frame_action.isChecked())
        self.settings.sync()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self._keep_the_map_wide)  # once the docks have their new sizes

    def _keep_the_map_wide(self) -> None:
        """Side docks narrow (down to what their contents need) so that the map keeps at least
        half the window's width; wider docks the user made in a large window come back in no other way."""
        side = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        docks = [
            d
            for d in (self.orbat_dock, self.event_dock)
            if d.isVisible() and not d.isFloating() and self.dockWidgetArea(d) in side
        ]
        taken = sum(d.width() for d in docks)
        excess = taken - self.width() // 2
        slack = [max(d.width() - d.minimumSizeHint().width(), 0) for d in docks]
        if docks and excess > 0 and sum(slack):
            cut = min(excess, sum(slack))  # taken from each in proportion to what it can give
            sizes = [d.width() - cut * s // sum(slack) for d, s in zip(docks, slack)]
            self.resizeDocks(docks, sizes, Qt.Orientation.Horizontal)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:  # start with the keys going to the map, not a filter box
            self._shown = True
            self.map.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.editing.maybe_save("quitting"):
            event.ignore()
            return
        self.session.pause()
        self.saver.wait()  # a save in progress completes
        self.journal.close()
        self.save_settings()
        super().closeEvent(event)
