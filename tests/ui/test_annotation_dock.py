"""Annotations dock and inspector: rows follow edits without resets, filters, choosing a row,
editing fields as one undo step each, refused edits, deleting."""

import pytest
from factories import HOUR, T0
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QTextCursor
from PySide6.QtWidgets import QColorDialog, QMainWindow

from changsha_replay.model.edits import Batch, RemoveAnnotation, SetAnnotation
from changsha_replay.model.records import Annotation
from changsha_replay.ui.annotation_dock import (
    ANNOTATION_ID_ROLE,
    CURRENT_ROLE,
    DETAIL_ROLE,
    AnnotationDock,
    geometry_centre,
)
from changsha_replay.ui.annotation_inspector import HINT, AnnotationInspector, span_text

END = T0 + 24 * HOUR


def note(aid, text="", start=None, end=None, **fields):
    span = fields.pop("span", "always" if start is None and end is None else "range")
    return Annotation(
        aid, "note", {"type": "Point", "coordinates": [113.2, 28.4]}, text, "#2563eb", start, end, span=span, **fields
    )


def circle(aid, text="", start=None, end=None, **fields):
    return Annotation(
        aid,
        "circle",
        {"type": "Point", "coordinates": [113.3, 28.6]},
        text,
        "#dc2626",
        start,
        end,
        radius_km=10.0,
        span="range",
        **fields,
    )


def area(aid, text="", start=None, end=None):
    ring = [[113.0, 28.0], [113.4, 28.0], [113.4, 28.2], [113.0, 28.0]]
    return Annotation(
        aid, "area", {"type": "Polygon", "coordinates": [ring]}, text, "#16a34a", start, end, span="range"
    )


def add(session, *annotations):
    for a in annotations:
        session.document.apply(SetAnnotation(a), f"Add {a.kind}")


def record(session, aid):
    return next((a for a in session.scenario.annotations if a.id == aid), None)


@pytest.fixture
def dock(session, present):
    return present(AnnotationDock(session), 360, 800)


def click_row(qtbot, dock, aid):
    row = dock.shown_ids().index(aid)
    rect = dock.list.visualRect(dock.proxy.index(row, 0))
    qtbot.mouseClick(dock.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# -- the list ----------------------------------------------------------------------------
def test_rows_follow_edits_undo_and_redo_without_a_reset(session, dock):
    resets = []
    for model in (dock.model, dock.proxy):
        model.modelReset.connect(lambda: resets.append("reset"))
    dock.model.layoutChanged.connect(lambda *_: resets.append("layout"))
    inserted, removed, changed = [], [], []
    dock.model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    dock.model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    dock.model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row())))
    assert dock.shown_ids() == ["a1"]  # the one annotation of the test scenario

    add(session, note("n1", "Hello"))
    session.document.apply(SetAnnotation(note("n0", "First"), 0), "Add note")
    assert dock.shown_ids() == ["n0", "a1", "n1"]
    assert inserted == [(1, 1), (0, 0)]

    session.document.apply(SetAnnotation(record(session, "a1")._replace(text="Push on")), "Edit text")
    assert changed == [(1, 1)]  # only the edited row
    assert dock.proxy.index(1, 0).data() == "Push on"

    undo = session.undo_stack
    undo.undo()
    assert dock.proxy.index(1, 0).data() == "Push"
    undo.undo()
    undo.undo()
    assert dock.shown_ids() == ["a1"] and removed == [(0, 0), (1, 1)]
    undo.redo()
    undo.redo()
    assert dock.shown_ids() == ["n0", "a1", "n1"]

    session.document.apply(RemoveAnnotation("a1"), "Delete arrow")
    assert dock.shown_ids() == ["n0", "n1"]
    undo.undo()
    assert dock.shown_ids() == ["n0", "a1", "n1"]  # back where it was in the drawing order

    moves = []
    dock.model.rowsMoved.connect(lambda *args: moves.append(args[1:3]))
    n1 = record(session, "n1")
    session.document.apply(Batch((RemoveAnnotation("n1"), SetAnnotation(n1, 0))), "Bring to back")
    assert dock.shown_ids() == ["n1", "n0", "a1"] and moves  # a move, not a reset
    assert resets == []

    session.set_scenario(session.scenario.replace(annotations=()))
    assert resets and dock.shown_ids() == []  # another scenario: the only reset
    assert "No annotations" in dock.count_label.text()


def test_rows_show_kind_span_and_name_mode(session, dock):
    add(
        session,
        note("n1", "Army HQ\nsecond line", text_zh="军部"),
        circle("c1", start=T0 + 6 * HOUR, end=T0 + 12 * HOUR),
    )
    index = lambda aid: dock.proxy.index(dock.shown_ids().index(aid), 0)
    assert index("n1").data() == "Army HQ…"
    assert index("n1").data(DETAIL_ROLE) == "Note · Always"
    assert index("c1").data() == "Circle"  # no text: its kind, in italics
    assert index("c1").data(Qt.ItemDataRole.FontRole).italic()
    assert index("c1").data(DETAIL_ROLE) == "Circle · 1942-01-04 06:00 – 12:00"
    assert index("a1").data(Qt.ItemDataRole.DecorationRole) is not None
    session.set_name_mode("zh")
    assert index("n1").data() == "军部"
    session.set_name_mode("both")
    assert index("n1").data() == "Army HQ… 军部"
    assert span_text(T0, T0 + 30 * HOUR, session.scenario) == "1942-01-04 00:00 – 1942-01-05 06:00"
    assert span_text(T0, None, session.scenario) == "From 1942-01-04 00:00"
    assert span_text(None, T0, session.scenario) == "Until 1942-01-04 00:00"


def test_filter_text_and_current_only(session, dock):
    add(
        session,
        note("n1", "Army HQ", text_zh="军部"),  # always
        circle("c1", "Encirclement ring", start=T0 + 6 * HOUR, end=T0 + 12 * HOUR),
        area("r1", "Crossing", start=T0 + 12 * HOUR, end=END),
    )
    assert dock.shown_ids() == ["a1", "n1", "c1", "r1"]
    assert dock.count_label.text() == "4 annotations · 2 shown now"  # at T0: a1 and n1

    dock.filter_edit.setText("RING")
    assert dock.shown_ids() == ["c1"]
    assert dock.count_label.text() == "1 of 4 annotations"
    dock.filter_edit.setText("军部")
    assert dock.shown_ids() == ["n1"]
    dock.filter_edit.setText("area")  # the kind
    assert dock.shown_ids() == ["r1"]
    dock.filter_edit.clear()

    dock.current_check.setChecked(True)
    assert dock.shown_ids() == ["a1", "n1"]
    session.seek(T0 + 7 * HOUR)
    assert dock.shown_ids() == ["n1", "c1"]
    session.seek(T0 + 12 * HOUR)  # both bounds are inside the span
    assert dock.shown_ids() == ["n1", "c1", "r1"]
    session.seek(T0 + 20 * HOUR)
    assert dock.shown_ids() == ["n1", "r1"]
    assert dock.count_label.text() == "2 of 4 annotations"

    add(session, note("n2", "Later", start=T0 + 22 * HOUR, end=END))  # not current: filtered at once
    assert dock.shown_ids() == ["n1", "r1"]
    session.document.apply(SetAnnotation(record(session, "n2")._replace(start=T0)), "Edit time span")
    assert dock.shown_ids() == ["n1", "r1", "n2"]  # an edit into the current time shows it

    dock.current_check.setChecked(False)
    assert dock.shown_ids() == ["a1", "n1", "c1", "r1", "n2"]
    assert not dock.proxy.index(0, 0).data(CURRENT_ROLE)  # a1 is over, shown faded
    assert dock.proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_time_moves_update_only_rows_that_start_or_stop(session, dock):
    add(session, note("n1"), circle("c1", start=T0 + 6 * HOUR, end=T0 + 12 * HOUR))
    changed = []
    dock.model.dataChanged.connect(lambda a, b, _roles=(): changed.append(a.data(ANNOTATION_ID_ROLE)))
    session.seek(T0 + 0.5 * HOUR)
    assert changed == []
    session.seek(T0 + 7 * HOUR)
    assert sorted(changed) == ["a1", "c1"]  # a1 ended, c1 began; n1 is always shown


def test_clicking_a_row_selects_seeks_and_centres(session, dock, qtbot):
    add(session, note("n1", "Army HQ"), circle("c1", start=T0 + 6 * HOUR, end=T0 + 12 * HOUR))
    with qtbot.waitSignal(dock.center_requested) as blocker:
        click_row(qtbot, dock, "c1")
    assert session.selected_annotation == "c1"
    assert session.time == T0 + 6 * HOUR  # it was not current: seek to its start
    assert blocker.args == pytest.approx([28.6, 113.3])

    with qtbot.waitSignal(dock.center_requested) as blocker:
        click_row(qtbot, dock, "n1")  # always shown: the time stays
    assert session.time == T0 + 6 * HOUR and session.selected_annotation == "n1"
    assert blocker.args == pytest.approx([28.4, 113.2])

    with qtbot.waitSignal(dock.center_requested) as blocker:
        click_row(qtbot, dock, "a1")  # the arrow: the middle of its line
    assert session.time == T0 and blocker.args == pytest.approx([28.05, 113.05])

    session.seek(T0 + 7 * HOUR)
    dock.list.setCurrentIndex(dock.proxy.index(dock.shown_ids().index("c1"), 0))
    with qtbot.waitSignal(dock.center_requested):
        qtbot.keyClick(dock.list, Qt.Key.Key_Return)  # Enter chooses like a click
    assert session.selected_annotation == "c1" and session.time == T0 + 7 * HOUR  # current: no seek

    assert geometry_centre({"type": "Polygon", "coordinates": [[[1, 2], [3, 2], [3, 6], [1, 2]]]}) == (4.0, 2.0)


def test_the_sessions_selection_selects_the_row(session, dock):
    add(session, note("n1", "Army HQ"))
    selected = lambda: [i.data(ANNOTATION_ID_ROLE) for i in dock.list.selectionModel().selectedRows()]
    session.select_annotation("n1")  # from the map
    assert selected() == ["n1"]
    dock.filter_edit.setText("push")
    assert selected() == [] and session.selected_annotation == "n1"  # filtered out: still selected
    dock.filter_edit.clear()
    assert selected() == ["n1"]  # shown again, selected again
    session.select_annotation(None)
    assert selected() == []


def test_an_attached_note_centres_on_its_unit(session, dock, qtbot):
    add(session, note("n1", "HQ", unit_id="cn-army"))
    with qtbot.waitSignal(dock.center_requested) as blocker:
        click_row(qtbot, dock, "n1")
    assert blocker.args == pytest.approx([28.0, 113.0])  # where cn-army is at T0


def test_deleting_from_the_dock_is_undoable(session, qtbot):
    add(session, note("n1", "Army HQ"))
    # the window's own Delete shortcut does not steal the list's Delete key
    window = QMainWindow()
    qtbot.addWidget(window)
    dock = AnnotationDock(session)  # the window owns it
    other = QAction("Delete on the map", window)
    other.setShortcut(QKeySequence(Qt.Key.Key_Delete))
    window.addAction(other)
    stolen = []
    other.triggered.connect(lambda: stolen.append(True))
    window.setCentralWidget(dock)
    window.show()
    qtbot.waitExposed(window)

    click_row(qtbot, dock, "a1")
    dock.list.setFocus()
    qtbot.keyClick(dock.list, Qt.Key.Key_Delete)
    assert dock.shown_ids() == ["n1"] and record(session, "a1") is None and not stolen
    assert session.undo_stack.undoText() == "Delete arrow"
    assert session.selected_annotation is None
    session.undo_stack.undo()
    assert dock.shown_ids() == ["a1", "n1"] and record(session, "a1").text == "Push"

    dock.delete(["n1"])  # what the context menu's action does
    assert session.undo_stack.undoText() == "Delete note" and dock.shown_ids() == ["a1"]
    session.undo_stack.undo()
    assert dock.shown_ids() == ["a1", "n1"]


# -- the inspector -----------------------------------------------------------------------
@pytest.fixture
def inspector(session, present):
    return present(AnnotationInspector(session), 360, 600)


def test_inspector_is_disabled_with_a_hint_until_something_is_selected(session, inspector):
    assert not inspector.form_widget.isEnabled() and inspector.hint.isVisible()
    assert inspector.hint.text() == HINT
    add(session, circle("c1", "Ring", start=T0, end=T0 + HOUR))
    session.select_annotation("c1")
    assert inspector.form_widget.isEnabled() and not inspector.hint.isVisible()
    assert inspector.title_label.text() == "Circle"
    visible = lambda field: inspector.form.isRowVisible(inspector._rows[field])
    assert visible("radius_km") and visible("fill_opacity") and visible("hatch")
    assert not visible("arrowhead") and not visible("unit_id")
    assert inspector.radius_spin.value() == 10.0 and inspector.text_edit.toPlainText() == "Ring"
    session.select_annotation("a1")
    assert visible("arrowhead") and not visible("radius_km") and not visible("fill_opacity")
    assert inspector.text_edit.toPlainText() == "Push"
    session.document.apply(RemoveAnnotation("a1"), "Delete arrow")
    assert session.selected_annotation is None and not inspector.form_widget.isEnabled()


def test_typing_is_one_undo_step_and_the_cursor_stays(session, inspector, qtbot):
    session.select_annotation("a1")
    before = session.undo_stack.count()
    box = inspector.text_edit
    box.setFocus()
    box.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(box, " harder")
    assert record(session, "a1").text == "Push harder"
    assert box.textCursor().position() == len("Push harder")  # its own edits do not refresh the box
    assert session.undo_stack.count() == before + 1 and session.undo_stack.undoText() == "Edit text"
    inspector.text_zh_edit.insertPlainText("推进")  # an input method's commit (QTest types Latin-1 only)
    assert record(session, "a1").text_zh == "推进"
    assert session.undo_stack.count() == before + 2  # another field: another step

    session.undo_stack.undo()
    session.undo_stack.undo()
    assert record(session, "a1").text == "Push" and record(session, "a1").text_zh == ""
    assert box.toPlainText() == "Push"  # the undo refreshed the field
    session.undo_stack.redo()
    assert box.toPlainText() == "Push harder"


def test_colour_width_and_span_are_one_undo_step_each(session, inspector, monkeypatch):
    session.select_annotation("a1")
    old = record(session, "a1")
    stack = session.undo_stack
    before = stack.count()
    blue = next(b for b in inspector.colour_buttons if b.property("colour") == "#2563eb")  # China's side colour
    blue.click()
    assert record(session, "a1").colour == "#2563eb" and blue.isChecked()
    inspector.width_spin.setValue(4.0)
    inspector.width_spin.setValue(5.5)  # spinning on: the same step
    assert record(session, "a1").width == 5.5
    inspector.set_span("always")
    assert (record(session, "a1").start, record(session, "a1").end, record(session, "a1").span) == (
        None,
        None,
        "always",
    )
    assert stack.count() == before + 3
    assert [stack.text(i) for i in range(before, before + 3)] == ["Edit colour", "Edit width", "Edit time span"]

    stack.undo()
    assert (record(session, "a1").start, record(session, "a1").end) == (old.start, old.end)
    assert inspector.span_combo.currentData() == "phase"
    stack.undo()
    assert record(session, "a1").width == old.width and inspector.width_spin.value() == old.width
    stack.undo()
    assert record(session, "a1").colour == old.colour and not blue.isChecked()

    monkeypatch.setattr(QColorDialog, "getColor", lambda *args, **kwargs: QColor("#123456"))
    inspector.other_colour_button.click()
    assert record(session, "a1").colour == "#123456"
    assert not any(b.isChecked() for b in inspector.colour_buttons)

    inspector.dash_combo.setCurrentIndex(inspector.dash_combo.findData("dot"))
    inspector.arrowhead_combo.setCurrentIndex(inspector.arrowhead_combo.findData("both"))
    assert (record(session, "a1").dash, record(session, "a1").arrowhead) == ("dot", "both")


def test_fill_hatch_radius_and_unit(session, inspector):
    add(session, circle("c1", start=T0, end=END), note("n1", "HQ"))
    session.select_annotation("c1")
    inspector.fill_slider.setValue(55)
    inspector.hatch_check.setChecked(True)
    inspector.radius_spin.setValue(25.0)
    c1 = record(session, "c1")
    assert (c1.fill_opacity, c1.hatch, c1.radius_km) == (0.55, True, 25.0)
    assert inspector.fill_value.text() == "55 %"
    session.select_annotation("n1")
    assert inspector.unit_combo.currentText() == "None"
    inspector.unit_combo.setCurrentIndex(inspector.units.row_of("cn-div-a"))
    assert record(session, "n1").unit_id == "cn-div-a"
    inspector.unit_combo.setCurrentIndex(0)
    assert record(session, "n1").unit_id is None


def test_span_choices_resolve_to_times(session, inspector):
    session.select_annotation("a1")
    session.seek(T0 + 7 * HOUR + 31)  # in the second phase, after e2 and e3 (6 h)
    inspector.set_span("phase")
    assert (record(session, "a1").start, record(session, "a1").end) == (T0 + 6 * HOUR, T0 + 12 * HOUR)
    assert inspector.span_summary.text() == "Second · 1942-01-04 06:00 – 12:00"
    inspector.set_span("from")
    assert (record(session, "a1").start, record(session, "a1").end) == (T0 + 7 * HOUR + 60, None)  # to the minute
    inspector.set_span("event")
    assert inspector.event_combo.isVisibleTo(inspector)
    assert (record(session, "a1").start, record(session, "a1").end) == (T0 + 6 * HOUR, T0 + 15 * HOUR)
    inspector.event_combo.setCurrentIndex(0)  # e1 until e2
    assert (record(session, "a1").start, record(session, "a1").end) == (T0 + HOUR, T0 + 6 * HOUR)
    inspector.set_span("range")  # keeps the times, now editable
    assert inspector.range_row.isVisibleTo(inspector) and not inspector.event_combo.isVisibleTo(inspector)
    assert inspector.start_edit.dateTime().toSecsSinceEpoch() == T0 + HOUR
    assert inspector.start_edit.text() == "1942-01-04 01:00"  # in the scenario's time zone
    inspector.end_edit.setDateTime(inspector.end_edit.dateTime().addSecs(3600))
    assert record(session, "a1").end == T0 + 7 * HOUR and record(session, "a1").span == "range"


def test_an_invalid_value_shows_why_and_changes_nothing(session, inspector):
    session.select_annotation("a1")
    stack = session.undo_stack
    before, old = stack.count(), record(session, "a1")
    inspector.text_edit.setPlainText("x" * 3000)  # pasted
    assert record(session, "a1") == old and stack.count() == before
    error = inspector.errors["text"]
    assert error.isVisibleTo(inspector) and "too long" in error.text().lower()
    inspector.width_spin.setValue(3.0)  # another field meanwhile: the typed text and its message stay
    assert record(session, "a1").width == 3.0
    assert len(inspector.text_edit.toPlainText()) == 3000 and error.isVisibleTo(inspector)
    inspector.text_edit.setPlainText("Fine")
    assert record(session, "a1").text == "Fine" and not error.isVisibleTo(inspector)

    inspector.set_span("range")  # an end before the start
    inspector.end_edit.setDateTime(inspector.start_edit.dateTime().addSecs(-3600))
    assert record(session, "a1").end == old.end
    assert "ends before it starts" in inspector.errors["span"].text().lower()
    session.select_annotation(None)
    session.select_annotation("a1")
    assert not inspector.errors["span"].isVisibleTo(inspector)  # a new selection starts clean


def test_edits_from_elsewhere_refresh_the_fields(session, inspector):
    session.select_annotation("a1")
    moved = record(session, "a1")._replace(text="From the map", width=7.0, colour="#16a34a")
    session.document.apply(SetAnnotation(moved), "Move arrow")
    assert inspector.text_edit.toPlainText() == "From the map"
    assert inspector.width_spin.value() == 7.0
    assert next(b for b in inspector.colour_buttons if b.isChecked()).property("colour") == "#16a34a"


def test_dock_with_inspector_paints(session, present, qtbot):
    add(session, note("n1", "Army HQ", text_zh="军部"), circle("c1", "Ring", start=T0 + 6 * HOUR, end=T0 + 12 * HOUR))
    dock = present(AnnotationDock(session), 360, 800)
    session.select_annotation("c1")
    image = dock.grab().toImage()
    assert not image.isNull() and image.width() >= 360
    assert dock.inspector.title_label.text() == "Circle"
