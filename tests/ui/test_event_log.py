"""Event log: only events reached are shown, the current one is highlighted, filters, clicks, details."""

import pytest
from factories import HOUR, T0
from PySide6.QtCore import Qt

from changsha_replay.ui.event_details import HISTORICAL_LABEL, NARRATIVE_LABEL, event_html
from changsha_replay.ui.event_log import EventFilterProxy, EventLogDock, EventTableModel
from changsha_replay.ui.event_model import BASIS, CURRENT_BACKGROUND, EVENT_ROLE, TIME, TITLE

END = T0 + 24 * HOUR


@pytest.fixture
def dock(session, present):
    return present(EventLogDock(session), 420, 700)


def shown(proxy):
    return [proxy.index(r, 0).data(EVENT_ROLE).id for r in range(proxy.rowCount())]


def test_model_columns(session):
    model = EventTableModel(session)
    assert model.rowCount() == 0  # before the first event
    session.seek(END)
    assert model.rowCount() == 4
    row = [model.index(1, c).data() for c in range(model.columnCount())]
    assert row == ["1942-01-04 06:00", "Second", "Engagement", "Fight", "Unit cn-div-a, Unit jp-div", "historical"]
    conflict = model.index(3, BASIS)
    assert conflict.data(Qt.ItemDataRole.FontRole).bold()
    assert conflict.data(Qt.ItemDataRole.DecorationRole) is not None
    session.set_name_mode("zh")
    assert model.index(1, TITLE).data() == "战斗"


def test_only_events_up_to_now_are_shown_and_follow_seeks(session):
    model = EventTableModel(session)
    proxy = EventFilterProxy(session)
    proxy.setSourceModel(model)
    assert shown(proxy) == []  # at the start, before the first event
    session.seek(T0 + 6 * HOUR)
    assert shown(proxy) == ["e1", "e2", "e3"]  # an event at exactly now is shown
    session.seek(T0 + 16 * HOUR)
    assert shown(proxy) == ["e1", "e2", "e3", "e4"]
    session.seek(T0 + 2 * HOUR)  # backwards
    assert shown(proxy) == ["e1"]
    assert model.rowCount() == 1  # the model holds the events reached, no more


def test_time_moves_filter_only_the_events_crossed(session):
    model = EventTableModel(session)
    proxy = EventFilterProxy(session)
    proxy.setSourceModel(model)
    proxy.set_kinds({"order", "weather"})
    session.seek(T0 + 2 * HOUR)
    checked = []
    accepts = proxy.filterAcceptsRow
    proxy.filterAcceptsRow = lambda row, parent: checked.append(row) or accepts(row, parent)
    session.seek(T0 + 3 * HOUR)
    session.seek(T0 + 5 * HOUR)
    assert checked == []  # no event crossed: no row is filtered again
    session.seek(T0 + 7 * HOUR)
    # the two events just reached, and the old current row (restyled, so looked at again)
    assert set(checked) == {0, 1, 2}
    assert shown(proxy) == ["e1", "e3"]
    checked.clear()
    session.seek(T0 + 2 * HOUR)
    assert set(checked) <= {0} and shown(proxy) == ["e1"]  # going back removes rows; only the new current is restyled


def test_current_event_is_highlighted(session):
    model = EventTableModel(session)
    session.seek(T0 + 6 * HOUR)
    assert model.current_row == 2  # e2 and e3 share the time: the last in log order
    font = lambda row: model.index(row, TIME).data(Qt.ItemDataRole.FontRole)
    assert font(2).bold() and model.index(2, TITLE).data(Qt.ItemDataRole.BackgroundRole) == CURRENT_BACKGROUND
    assert font(1) is None
    changed = []
    model.dataChanged.connect(lambda a, b, roles: changed.extend(range(a.row(), b.row() + 1)))
    session.seek(T0 + 16 * HOUR)
    assert model.current_row == 3 and font(3).bold() and font(2) is None
    assert sorted(changed) == [2, 3]  # only the old and the new current rows are restyled


def test_dock_scrolls_to_and_shows_the_current_event(session, dock):
    session.seek(END)
    index = dock.proxy.mapFromSource(dock.model.index(dock.model.current_row, TITLE))
    assert dock.table.visualRect(index).intersects(dock.table.viewport().rect())
    assert "Current event" in dock.details.toPlainText() and "Told" in dock.details.toPlainText()
    assert "4 events" in dock.count_label.text()


def test_kind_filter(session, dock):
    session.seek(END)
    dock.set_kinds(frozenset({"engagement", "weather"}))
    assert shown(dock.proxy) == ["e2", "e3"]
    assert dock.kind_button.text() == "2 of 4 kinds"
    dock.kind_actions["weather"].setChecked(False)  # as from the menu
    assert shown(dock.proxy) == ["e2"]
    dock.set_kinds(None)
    assert shown(dock.proxy) == ["e1", "e2", "e3", "e4"]


def test_the_kind_menu_stays_open_while_several_kinds_are_toggled(session, dock, qtbot):
    from PySide6.QtTest import QTest

    session.seek(END)
    menu = dock.kind_menu
    menu.popup(dock.kind_button.mapToGlobal(dock.kind_button.rect().bottomLeft()))
    qtbot.waitExposed(menu)
    for kind in ("weather", "engagement"):  # two clicks in one visit
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(dock.kind_actions[kind]).center())
        assert menu.isVisible() and not dock.kind_actions[kind].isChecked()
    assert shown(dock.proxy) == ["e1", "e4"] and dock.kind_button.text() == "2 of 4 kinds"
    menu.setActiveAction(dock.kind_actions["weather"])
    QTest.keyClick(menu, Qt.Key.Key_Space)  # and from the keyboard
    assert menu.isVisible() and dock.kind_actions["weather"].isChecked()
    show_all = menu.actions()[0]
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(show_all).center())
    qtbot.waitUntil(lambda: not menu.isVisible())  # All kinds closes the menu
    assert shown(dock.proxy) == ["e1", "e2", "e3", "e4"]


def test_side_filter(session, dock):
    session.seek(END)
    dock.set_side("jp")
    assert shown(dock.proxy) == ["e2", "e4"]
    dock.set_side("cn")
    assert shown(dock.proxy) == ["e1", "e2"]
    dock.set_side(None)
    assert len(shown(dock.proxy)) == 4


def test_text_filter_searches_both_languages(session, dock):
    session.seek(END)
    dock.text_edit.setText("SNOW")
    assert shown(dock.proxy) == ["e3"]
    dock.text_edit.setText("叙述")
    assert shown(dock.proxy) == ["e4"]
    dock.text_edit.setText("")
    assert len(shown(dock.proxy)) == 4


def test_selected_unit_filter_takes_subordinates(session, dock):
    session.seek(END)
    dock.selected_check.setChecked(True)
    assert len(shown(dock.proxy)) == 4  # nothing selected: no effect
    session.select({"cn-army"})
    assert shown(dock.proxy) == ["e1", "e2"]  # e2 involves cn-div-a, under cn-army
    session.select({"jp-div"})
    assert shown(dock.proxy) == ["e2", "e4"]  # e4 involves jp-regt, under jp-div
    session.seek(T0 + 6 * HOUR)
    assert shown(dock.proxy) == ["e2"]  # combined with time
    dock.selected_check.setChecked(False)
    assert shown(dock.proxy) == ["e1", "e2", "e3"]


def test_clicking_an_event_seeks_and_centres(session, dock, qtbot):
    session.seek(END)

    def click(event_id):
        row = shown(dock.proxy).index(event_id)
        rect = dock.table.visualRect(dock.proxy.index(row, TITLE))
        qtbot.mouseClick(dock.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    with qtbot.waitSignal(dock.center_requested) as blocker:
        click("e2")
    assert session.time == T0 + 6 * HOUR
    assert blocker.args == pytest.approx([28.2, 113.1])
    assert shown(dock.proxy) == ["e1", "e2", "e3"]  # e4 is in the future again
    assert "Selected event" in dock.details.toPlainText() and "Fight" in dock.details.toPlainText()
    with qtbot.assertNotEmitted(dock.center_requested):
        click("e1")  # no location: seeks only
    assert session.time == T0 + HOUR

    session.seek(END)
    dock.table.setCurrentIndex(dock.proxy.index(shown(dock.proxy).index("e4"), TITLE))
    with qtbot.waitSignal(dock.center_requested) as blocker:
        qtbot.keyClick(dock.table, Qt.Key.Key_Return)  # Enter chooses like a click
    assert session.time == T0 + 15 * HOUR and blocker.args == pytest.approx([28.19, 112.97])


def test_conflict_details_show_both_versions(session, dock):
    session.seek(END)
    assert dock.select_event("e4")
    text = dock.details.toPlainText()
    assert NARRATIVE_LABEL in text and HISTORICAL_LABEL in text
    assert "History says otherwise." in text
    assert "A source" in text and "p. 2" in text  # sources with locators
    assert "https://example.org" in dock.details.toHtml()


def test_details_of_a_seed_event_and_languages(session):
    scenario = session.scenario
    seed = scenario.events[scenario.events.index_of("e1")]
    assert "from the novel only" in event_html(scenario, seed, "en")
    both = event_html(scenario, seed, "both")
    assert "Order" in both and "命令" in both
    assert "命令" not in event_html(scenario, seed, "en")


def test_bundled_conflict_shows_chinese_other_version(qapp, bundled):
    event = next(e for e in bundled.events if e.basis == "conflict")
    html = event_html(bundled, event, "both")
    assert event.other_version_zh[:10] in html and event.other_version_en[:10].replace("'", "&#x27;") in html


def test_while_playing_rows_follow_the_time_at_most_every_refresh_interval(session, qtbot):
    model = EventTableModel(session)
    reached = []
    model.reached_changed.connect(reached.append)
    session.set_rate_index(0)  # 10 min/s: playing itself moves time little during the test
    session.play()
    session.seek(T0 + 2 * HOUR)  # the first change while playing comes at once
    assert model.rowCount() == 1 and reached == [1]
    session.seek(T0 + 7 * HOUR)  # within the interval: waits
    assert model.rowCount() == 1
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=model.REFRESH_MS * 5)
    assert reached == [1, 3]
    session.seek(T0 + 16 * HOUR)
    session.pause()  # pausing brings the rows up to date at once
    assert model.rowCount() == 4 and model.current_row == 3


def test_a_filter_that_matches_nothing_says_so(session, dock):
    session.seek(END)
    dock.text_edit.setText("no event is called this")
    assert shown(dock.proxy) == []
    assert dock.count_label.text().startswith("No matches among the 4 events by")
    dock.text_edit.setText("")
    assert "4 events by" in dock.count_label.text() and "No matches" not in dock.count_label.text()


def test_stepping_to_an_event_of_the_same_time_makes_it_the_current_one(session, dock):
    session.seek(T0)
    session.step_event(+1)
    session.step_event(+1)  # e2: e2 and e3 share a time
    model = dock.model
    assert model.index(model.current_row, 0).data(EVENT_ROLE).id == "e2"
    assert dock.current_event().id == "e2"
    assert model.index(1, TITLE).data(Qt.ItemDataRole.BackgroundRole) == CURRENT_BACKGROUND
    session.step_event(+1)  # e3, same time
    assert dock.current_event().id == "e3"
    assert model.index(1, TITLE).data(Qt.ItemDataRole.BackgroundRole) != CURRENT_BACKGROUND


def test_before_any_event_a_filter_is_not_blamed(session, dock):
    session.seek(T0)
    dock.text_edit.setText("anything")
    assert "No matches" not in dock.count_label.text()
