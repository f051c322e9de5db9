"""Annotating in the window: every tool drawn with real mouse events on the map, undo and redo,
saving and reopening, and what an edit must never reset (time, zoom, selection, filters)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from changsha_replay.model.times import parse_time
from changsha_replay.resources import default_scenario
from changsha_replay.store import load
from changsha_replay.ui.main_window import MainWindow

T = parse_time("1942-01-05T12:00:00+08:00")


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, journal_folder=tmp_path / "journal")
    qtbot.addWidget(w)
    assert w.open_file(default_scenario())
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.session.seek(T)
    w.editing.ask_save_changes = lambda _reason: "discard"  # closing at teardown asks nothing
    w.editing.ask_text = lambda _title, _initial: "Hold the line"
    w.map.annotator.ask_text = w.editing.ask_text
    return w


def send(window, kind: QEvent.Type, at: QPointF, button=Qt.MouseButton.LeftButton) -> None:
    """A real mouse event on the map's viewport (through the same filters as a user's)."""
    viewport = window.map.view.viewport()
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    if kind == QEvent.Type.MouseMove:
        button = Qt.MouseButton.NoButton
    global_pos = QPointF(viewport.mapToGlobal(at.toPoint()))
    event = QMouseEvent(kind, at, global_pos, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def drag(window, points: list[QPointF]) -> None:
    send(window, QEvent.Type.MouseButtonPress, points[0])
    for p in points[1:]:
        send(window, QEvent.Type.MouseMove, p)
    send(window, QEvent.Type.MouseButtonRelease, points[-1])


def click(window, p: QPointF) -> None:
    send(window, QEvent.Type.MouseButtonPress, p)
    send(window, QEvent.Type.MouseButtonRelease, p)


def double_click(window, p: QPointF) -> None:
    click(window, p)
    send(window, QEvent.Type.MouseButtonDblClick, p)
    send(window, QEvent.Type.MouseButtonRelease, p)


def pt(window, fx: float, fy: float) -> QPointF:
    """A point of the map viewport, as fractions of its size (away from units where possible)."""
    viewport = window.map.view.viewport()
    return QPointF(viewport.width() * fx, viewport.height() * fy)


def draw(window, tool: str) -> None:
    window.editing.tool_actions[tool].trigger()
    a, b, c = pt(window, 0.2, 0.2), pt(window, 0.3, 0.25), pt(window, 0.25, 0.35)
    if tool in ("note", "label"):
        click(window, a)
    elif tool in ("circle", "rectangle", "freehand"):
        drag(window, [a, pt(window, 0.22, 0.22), pt(window, 0.26, 0.21), b])
    elif tool == "arrow" or tool == "line":
        drag(window, [a, pt(window, 0.25, 0.22), b])
    elif tool == "area":
        click(window, a)
        click(window, b)
        double_click(window, c)


def view_state(window):
    return (
        window.session.time,
        window.map.viewbox.viewRect(),
        window.session.selection,
        window.orbat_dock.filter_box.text() if hasattr(window.orbat_dock, "filter_box") else None,
    )


KINDS = {
    "arrow": "LineString",
    "line": "LineString",
    "area": "Polygon",
    "circle": "Point",
    "rectangle": "Polygon",
    "note": "Point",
    "label": "Point",
    "freehand": "LineString",
}


@pytest.mark.parametrize("tool", list(KINDS))
def test_each_tool_draws_one_undoable_annotation_and_keeps_the_view(window, tool):
    s = window.session
    s.select({"jp-3-div"})
    before = view_state(window)
    count = len(s.scenario.annotations)
    draw(window, tool)
    added = s.scenario.annotations[count:]
    assert len(added) == 1, f"{tool}: {len(added)} annotations"
    a = added[0]
    assert a.kind == tool and a.geometry["type"] == KINDS[tool]
    if tool == "area":
        assert len(a.geometry["coordinates"][0]) == 4  # three corners, closed
    if tool == "circle":
        assert a.radius_km > 1
    if tool in ("note", "label"):
        assert a.text == "Hold the line"
    phase = s.scenario.phases[s.phase_index]
    assert (a.start, a.end, a.span) == (phase.start, phase.end, "phase")  # this phase, by default
    assert s.undo_stack.count() == 1 and window.editing.undo.text().startswith("&Undo Draw")
    assert view_state(window) == before
    assert window.windowTitle().startswith("changsha-1942.sqlite[*]") and window.isWindowModified()  # shown as "*"
    window.editing.undo.trigger()
    assert len(s.scenario.annotations) == count
    assert view_state(window) == before
    assert not window.isWindowModified()
    window.editing.redo.trigger()
    assert s.scenario.annotations[-1] == a
    assert a.id in window.map.annotations.drawn_ids()


def test_escape_cancels_a_drawing_and_records_nothing(window):
    window.editing.tool_actions["area"].trigger()
    click(window, pt(window, 0.2, 0.2))
    click(window, pt(window, 0.3, 0.2))
    window.editing.escape.trigger()
    assert window.session.undo_stack.count() == 0
    window.editing.escape.trigger()  # nothing in progress: back to the select tool
    assert window.map.annotator.tool == "select"


def test_a_click_instead_of_a_drag_starts_a_bent_arrow_ended_by_a_double_click(window):
    window.editing.tool_actions["arrow"].trigger()
    click(window, pt(window, 0.2, 0.2))
    send(window, QEvent.Type.MouseMove, pt(window, 0.25, 0.3))
    click(window, pt(window, 0.25, 0.3))
    double_click(window, pt(window, 0.35, 0.25))
    a = window.session.scenario.annotations[-1]
    assert a.kind == "arrow" and len(a.geometry["coordinates"]) == 3
    assert window.session.undo_stack.count() == 1


def test_dragging_a_selected_annotation_moves_it_in_one_undo_step(window):
    draw(window, "rectangle")
    window.editing.tool_actions["select"].trigger()
    s = window.session
    a = s.scenario.annotations[-1]
    assert s.selected_annotation == a.id
    inside = pt(window, 0.25, 0.22)
    drag(window, [inside, pt(window, 0.27, 0.24), pt(window, 0.3, 0.28)])
    moved = s.scenario.annotations[-1]
    assert moved.id == a.id and moved.geometry != a.geometry
    assert s.undo_stack.count() == 2 and "Move" in s.undo_stack.undoText()
    s.seek(s.scenario.phases[-1].start)  # out of its span, then undo: it is brought back into view
    window.editing.undo.trigger()
    assert s.scenario.annotations[-1] == a
    assert a.start <= s.time < a.end


def test_arrow_keys_nudge_the_selected_annotation_in_one_undo_step(window):
    draw(window, "note")
    window.editing.tool_actions["select"].trigger()
    s = window.session
    a = s.scenario.annotations[-1]
    assert s.selected_annotation == a.id
    steps, t = s.undo_stack.count(), s.time
    view = window.map.view
    view.setFocus()
    for _ in range(3):
        QTest.keyClick(view, Qt.Key.Key_Right)  # through the shortcut map, as a user's key
    QTest.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    moved = s.scenario.annotations[-1]
    size_x, size_y = window.map.viewbox.viewPixelSize()
    k = window.map.annotator._projection().k
    (lon0, lat0), (lon1, lat1) = a.geometry["coordinates"], moved.geometry["coordinates"]
    assert lon1 - lon0 == pytest.approx(3 * size_x / k, abs=1e-5)
    assert lat1 - lat0 == pytest.approx(-10 * size_y, abs=1e-5)
    assert s.time == t  # the arrows did not step through events meanwhile
    assert s.undo_stack.count() == steps + 1 and s.undo_stack.undoText() == "Nudge note"
    window.editing.undo.trigger()
    assert s.scenario.annotations[-1] == a
    s.select_annotation(None)
    QTest.keyClick(view, Qt.Key.Key_Right)  # nothing selected: the next event, as before
    assert s.time > t and s.scenario.annotations[-1] == a


def test_delete_removes_the_selected_annotation_and_undo_brings_it_back(window):
    draw(window, "note")
    s = window.session
    a = s.scenario.annotations[-1]
    window.editing.delete.trigger()
    assert a not in s.scenario.annotations and s.selected_annotation is None
    window.editing.undo.trigger()
    assert s.scenario.annotations[-1] == a


def test_save_as_writes_a_copy_that_reopens_with_the_annotations(window, tmp_path):
    for tool in KINDS:
        draw(window, tool)
    target = tmp_path / "my copy.sqlite"
    window.editing.ask_save_path = lambda _suggested, _why, kind="scenario": target
    assert window.editing.save_document(wait=True)
    assert not window.isWindowModified() and window.session.path == target
    reopened = load(target, use_cache=False)
    assert reopened.annotations == window.session.scenario.annotations
    assert reopened.info.based_on and reopened.info.title_en.endswith("my copy")
    assert window.windowTitle().startswith("my copy.sqlite[*]") and not window.isWindowModified()


def test_the_bundled_scenario_is_never_written_and_its_first_save_asks_where(window, tmp_path):
    draw(window, "note")
    asked = []
    window.editing.ask_save_path = lambda suggested, why, kind="scenario": asked.append(why) or None
    assert not window.editing.save_document()
    assert asked == ["the bundled scenario is read-only"] and window.isWindowModified()


def test_edits_made_while_saving_stay_unsaved(window, tmp_path):
    draw(window, "note")
    window.editing.ask_save_path = lambda _s, _w, kind="scenario": tmp_path / "x.sqlite"
    window.editing.save_document()  # runs on the worker
    draw(window, "label")  # during the save
    window.saver.wait()
    QApplication.processEvents()
    assert window.session.document.is_modified()


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_everything(window):
    draw(window, "note")
    answers = iter(["cancel", "discard"])
    window.editing.ask_save_changes = lambda _reason: next(answers)
    window.close_scenario()
    assert window.session.scenario is not None and window.isWindowModified()
    window.close_scenario()
    assert window.session.scenario is None


def test_every_edit_is_journaled_and_recovered_in_a_new_window(window, qtbot, tmp_path):
    draw(window, "arrow")
    draw(window, "note")
    window.editing.undo.trigger()
    expected = window.session.scenario
    folder = tmp_path / "journal"
    assert len(list(folder.glob("*.journal"))) == 1
    assert window.journal.pending() == []  # a journal in use is never offered
    window.journal.close()  # as if the program had stopped: its journal stays
    other = MainWindow(settings=QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat), journal_folder=folder)
    qtbot.addWidget(other)
    other.editing.ask_save_changes = lambda _reason: "discard"
    other.editing.ask_recover = lambda *_args: "recover"
    other.editing.offer_recovery()
    assert other.session.scenario.same_content(expected)
    assert other.isWindowModified() and other.session.undo_stack.count() == 3


def test_a_journal_that_cannot_be_applied_is_set_aside_and_never_offered_again(window, qtbot, tmp_path):
    draw(window, "note")
    folder = tmp_path / "journal"
    (journal,) = folder.glob("*.journal")
    window.journal.close()  # as if the program had stopped
    with journal.open("a") as fh:
        fh.write('{"at": 1, "label": "Bad", "edit": {"op": "remove_annotation", "id": "no-such"}}\n')
    other = MainWindow(settings=QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat), journal_folder=folder)
    qtbot.addWidget(other)
    other.editing.ask_save_changes = lambda _reason: "discard"
    other.editing.ask_recover = lambda *_args: "recover"
    other.editing.offer_recovery()
    assert len(other.session.scenario.annotations) == len(window.session.scenario.annotations)  # the good edit
    assert not journal.exists() and journal.with_suffix(".failed").exists()
    asked = []
    other.editing.ask_recover = lambda *args: asked.append(args) or "recover"
    other.editing.offer_recovery()
    assert asked == []


def test_import_of_a_hostile_geojson_says_why_and_changes_nothing(window, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
        '{"type": "Point", "coordinates": [NaN, 28]}, "properties": {}}]}'
    )
    before = window.session.scenario
    assert window.editing.import_geojson(bad) == 0
    assert window.session.scenario is before and window.session.undo_stack.count() == 0


def test_annotations_travel_as_geojson_into_another_scenario_as_one_step(window, tmp_path):
    for tool in ("arrow", "area", "note"):
        draw(window, tool)
    path = tmp_path / "notes.geojson"
    assert window.editing.export_geojson(path)
    drawn = window.session.scenario.annotations
    window.editing.ask_save_changes = lambda _reason: "discard"
    window.session.set_scenario(load(default_scenario()), default_scenario())  # the unchanged battle
    assert window.editing.import_geojson(path) == 3
    assert window.session.undo_stack.count() == 1
    assert [a.geometry for a in window.session.scenario.annotations[-3:]] == [a.geometry for a in drawn[-3:]]


def _save_to(window, path):
    window.editing.ask_save_path = lambda _s, _w, kind="scenario": path


def test_a_new_edit_after_an_undo_during_a_save_is_refused_until_the_save_ends(window, tmp_path):
    from changsha_replay.model.edits import EditError, SetAnnotation

    draw(window, "note")
    draw(window, "label")
    _save_to(window, tmp_path / "x.sqlite")
    window.editing.save_document()  # on the worker: it writes both
    window.editing.undo.trigger()
    note = window.session.scenario.annotations[-1]
    with pytest.raises(EditError, match="save is running"):
        window.session.document.apply(SetAnnotation(note._replace(text="changed")), "Edit")
    window.editing.wait_for_save()
    assert window.session.document.is_modified()  # the file holds the label; the window does not


def test_edits_made_while_saving_are_journaled_against_the_saved_file(window, qtbot, tmp_path):
    draw(window, "note")
    target = tmp_path / "x.sqlite"
    _save_to(window, target)
    window.editing.save_document()
    draw(window, "arrow")  # while it saves
    window.editing.wait_for_save()
    expected = window.session.scenario
    window.journal.close()  # the program stops here
    assert len(list((tmp_path / "journal").glob("*.journal"))) == 1  # the old one went with the save
    other = MainWindow(
        settings=QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat), journal_folder=tmp_path / "journal"
    )
    qtbot.addWidget(other)
    other.editing.ask_save_changes = lambda _reason: "discard"
    other.editing.ask_recover = lambda *_args: "recover"
    other.editing.offer_recovery()
    assert other.session.path == target and other.session.undo_stack.count() == 1  # only the arrow
    assert other.session.scenario.same_content(expected)


def test_quitting_during_a_save_waits_for_it_and_asks_nothing(window, tmp_path):
    draw(window, "note")
    _save_to(window, tmp_path / "x.sqlite")
    window.editing.save_document()

    def unexpected(_reason):
        raise AssertionError("asked while the save was completing")

    window.editing.ask_save_changes = unexpected
    assert window.editing.maybe_save("quitting")
    assert not window.session.document.is_modified()


def test_discarding_for_an_open_that_fails_keeps_the_journal(window, qtbot, tmp_path):
    draw(window, "note")
    (journal,) = (tmp_path / "journal").glob("*.journal")
    window.open_file_in_background(tmp_path / "missing.sqlite")  # the fixture answers Discard
    qtbot.waitUntil(lambda: not window.loader.busy)
    for box in window.findChildren(QMessageBox):
        box.close()
    assert window.session.document.is_modified() and journal.exists()


def test_undo_during_a_drag_cancels_the_drag(window):
    draw(window, "rectangle")
    window.editing.tool_actions["select"].trigger()
    s = window.session
    send(window, QEvent.Type.MouseButtonPress, pt(window, 0.25, 0.22))
    send(window, QEvent.Type.MouseMove, pt(window, 0.28, 0.26))
    window.editing.undo.trigger()  # the rectangle goes
    send(window, QEvent.Type.MouseButtonRelease, pt(window, 0.3, 0.28))
    assert not [a for a in s.scenario.annotations if a.kind == "rectangle"]
    assert s.undo_stack.index() == 0 and s.undo_stack.count() == 1  # the draw can still be redone


def test_a_copy_of_a_copy_is_based_on_the_original_title(window, tmp_path):
    info = window.session.scenario.info
    draw(window, "note")
    for name in ("a", "b"):
        _save_to(window, tmp_path / f"{name}.sqlite")
        assert window.editing.save_document(choose=True, wait=True)
    saved = load(tmp_path / "b.sqlite", use_cache=False).info
    assert (saved.title_en, saved.based_on) == (f"{info.title_en} — b", info.title_en)


def test_annotation_spans_show_on_the_timeline(window):
    scrubber = window.playback_bar.scrubber
    draw(window, "arrow")  # this phase, in the default purple
    a = window.session.scenario.annotations[-1]
    image = scrubber.grab().toImage()
    y = int(scrubber._track().top()) + 1
    xs = [
        x
        for x in range(image.width())
        if image.pixelColor(x, y).blue() > 150
        and image.pixelColor(x, y).red() > 80
        and image.pixelColor(x, y).green() < 100
    ]
    assert xs, "no span drawn"
    assert abs(min(xs) - scrubber._x_of(a.start)) <= 2 and abs(max(xs) - scrubber._x_of(a.end)) <= 3


def test_unit_labels_keep_clear_of_the_annotations_texts(window, qtbot):
    from pathlib import Path

    from PySide6.QtCore import QRectF

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "assault-on-changsha.geojson"
    assert window.editing.import_geojson(example) == 5
    window.session.seek(parse_time("1942-01-02T12:00:00+08:00"))
    x0, y0, x1, y1 = window.map.projection.rect((112.86, 28.10, 113.16, 28.28))  # the README picture
    window.map.viewbox.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)
    labels = window.map.unit_labels
    qtbot.waitUntil(lambda: len(labels.last_rects) > 5)
    window.map.view.viewport().repaint()
    layer = window.map.annotations
    texts = layer.text_rects(layer.deviceTransform(window.map.view.viewportTransform()))
    assert len(texts) >= 5  # the notes and the captions of the area, the circle and the arrows
    for left, top, width, height in labels.last_rects:
        for t_left, t_top, t_right, t_bottom in texts:
            overlap = min(left + width, t_right) - max(left, t_left), min(top + height, t_bottom) - max(top, t_top)
            assert overlap[0] <= 0.5 or overlap[1] <= 0.5, "a unit label over an annotation's text"
