"""Order of battle: cells follow the time without resets, selection sync, filter, branches, centring."""

import pytest
from factories import HOUR, T0, tiny
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from changsha_replay.model.times import parse_time
from changsha_replay.ui.orbat import OrbatDock
from changsha_replay.ui.orbat_model import NAME, STATUS, STRENGTH, UNIT_ID_ROLE, OrbatModel
from changsha_replay.ui.session import Session


@pytest.fixture
def dock(session, present):
    return present(OrbatDock(session), 420, 600)


def record_changes(model):
    """(unit id, first column, last column, roles) of every dataChanged, and whether a reset happened."""
    changes, resets = [], []
    model.dataChanged.connect(
        lambda a, b, roles: changes.extend(
            (model.index(r, 0, a.parent()).data(UNIT_ID_ROLE), a.column(), b.column(), tuple(roles))
            for r in range(a.row(), b.row() + 1)
        )
    )
    model.modelAboutToBeReset.connect(lambda: resets.append(True))
    return changes, resets


def visible_ids(proxy, parent=QModelIndex()):  # noqa: B008
    ids = []
    for row in range(proxy.rowCount(parent)):
        index = proxy.index(row, 0, parent)
        ids.append(index.data(UNIT_ID_ROLE) or f"side:{index.data()}")
        ids.extend(visible_ids(proxy, index))
    return ids


def cell(model, unit_id, column, role=Qt.ItemDataRole.DisplayRole):
    return model.unit_index(unit_id, column).data(role)


def test_tree_is_sides_then_units_under_their_superiors(session):
    model = OrbatModel(session)
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["China", "Japan"]
    army = model.unit_index("cn-army")
    assert army.parent().data() == "China"
    assert [model.index(r, 0, army).data(UNIT_ID_ROLE) for r in range(model.rowCount(army))] == [
        "cn-div-a",
        "cn-div-b",
    ]
    assert model.unit_index("jp-regt").parent() == model.unit_index("jp-div")
    assert model.index(0, NAME).data(Qt.ItemDataRole.DecorationRole) is not None  # side colour swatch
    assert cell(model, "cn-div-b", STRENGTH) == "—" and cell(model, "cn-div-b", STATUS) == "—"  # no keyframes


def test_seek_emits_data_changed_for_changed_strength_and_status_cells_only(session):
    model = OrbatModel(session)
    changes, resets = record_changes(model)
    session.seek(T0 + 5 * HOUR)
    assert not resets
    assert {c[1:3] for c in changes} <= {(STRENGTH, STRENGTH), (STATUS, STATUS)}
    assert {c[0] for c in changes if c[1] == STRENGTH} == {"cn-army", "cn-div-a", "jp-div"}
    assert {c[0] for c in changes if c[1] == STATUS} == {"cn-div-a"}
    assert cell(model, "cn-div-a", STRENGTH) == "90 %"
    assert cell(model, "cn-div-a", STATUS) == "Blocking"
    assert cell(model, "cn-army", STRENGTH) == "90 %"  # halfway from 100 to 80
    assert cell(model, "jp-div", STRENGTH) == "82 %"

    changes.clear()
    session.seek(T0 + 5 * HOUR + 1)  # values move by less than the shown precision
    assert changes == []
    session.seek(T0)  # and back
    assert cell(model, "cn-div-a", STATUS) == "Defending" and cell(model, "cn-div-a", STRENGTH) == "100 %"
    assert not resets


def test_new_scenario_resets_and_name_mode_rerenders_names(session):
    model = OrbatModel(session)
    changes, resets = record_changes(model)
    session.set_name_mode("zh")
    assert cell(model, "cn-army", NAME) == "部队 cn-army"
    assert model.index(1, 0).data() == "日本"
    assert changes and all(c[1:3] == (NAME, NAME) for c in changes)
    assert not resets
    session.set_scenario(tiny())
    assert resets


def test_destroyed_and_encircled_units_are_styled(qapp, bundled):
    session = Session()
    session.set_scenario(bundled)
    model = OrbatModel(session)
    changes, _ = record_changes(model)
    session.seek(parse_time("1942-01-09T12:00:00+08:00"))  # the 6th Division surrounded at Fulinpu
    assert cell(model, "jp-40-div-kamekawa-regt", STATUS) == "Destroyed"
    assert cell(model, "jp-40-div-kamekawa-regt", NAME, Qt.ItemDataRole.FontRole).strikeOut()
    assert cell(model, "jp-40-div-kamekawa-regt", NAME, Qt.ItemDataRole.ForegroundRole) is not None
    assert cell(model, "jp-6-div", NAME, Qt.ItemDataRole.FontRole).italic()  # encircled
    assert cell(model, "cn-10-army", NAME, Qt.ItemDataRole.FontRole) is None
    names = {c[0] for c in changes if c[1] == NAME}  # the name cell changes only with its style
    assert "jp-40-div-kamekawa-regt" in names and "cn-10-army" not in names
    tooltip = cell(model, "cn-10-army", NAME, Qt.ItemDataRole.ToolTipRole)
    assert "第10军" in tooltip and "New 22nd Army" in tooltip and "Li Yutang" in tooltip


def test_tree_and_session_selection_follow_each_other_without_loops(session, dock):
    emitted = []
    session.selection_changed.connect(emitted.append)
    index = dock.proxy.mapFromSource(dock.model.unit_index("cn-div-a"))
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    dock.tree.selectionModel().select(index, flags)
    assert session.selection == {"cn-div-a"}
    assert emitted == [frozenset({"cn-div-a"})]

    session.select({"jp-regt", "cn-army"})
    assert dock.selected_unit_ids() == {"jp-regt", "cn-army"}
    assert dock.tree.isExpanded(dock.proxy.mapFromSource(dock.model.unit_index("jp-div")))
    assert len(emitted) == 2  # the tree did not echo the selection back

    session.select(())
    assert dock.selected_unit_ids() == frozenset()
    assert len(emitted) == 3


def test_filter_keeps_ancestors_and_not_the_selection_out(qapp, qtbot, bundled):
    session = Session()
    session.set_scenario(bundled)
    dock = OrbatDock(session)
    qtbot.addWidget(dock)
    session.select({"cn-3-div"})
    dock.set_filter_text("kanda")  # a commander, in English
    assert visible_ids(dock.proxy) == ["side:Japan — 11th Army", "jp-11-army", "jp-6-div"]
    dock.filter_edit.setText("第6師団")  # a name, in Japanese/Chinese
    assert visible_ids(dock.proxy)[-1] == "jp-6-div"
    dock.set_filter_text("New 22nd")  # a narrative name
    assert visible_ids(dock.proxy) == ["side:China — 9th War Zone", "cn-9-wz", "cn-10-army"]
    assert session.selection == {"cn-3-div"}  # filtering does not change the selection
    dock.set_filter_text("")
    assert dock.selected_unit_ids() == {"cn-3-div"}
    assert len(visible_ids(dock.proxy)) == len(bundled.units) + len(bundled.sides)


def test_tree_expands_to_divisions_by_default(qapp, qtbot, bundled):
    session = Session()
    session.set_scenario(bundled)
    dock = OrbatDock(session)
    qtbot.addWidget(dock)
    expanded = lambda uid: dock.tree.isExpanded(dock.proxy.mapFromSource(dock.model.unit_index(uid)))
    assert expanded("cn-9-wz") and expanded("cn-10-army") and expanded("jp-11-army")
    assert not expanded("jp-6-div")  # a division: its regiments stay folded


def testbranch_boxes_emit_hidden_branches(qapp, qtbot, bundled):
    session = Session()
    session.set_scenario(bundled)
    dock = OrbatDock(session)
    qtbot.addWidget(dock)
    dock.show()
    assert set(dock.branch_boxes) == {"headquarters", "infantry", "artillery", "transport", "air"}
    with qtbot.waitSignal(dock.hidden_branches_changed) as blocker:
        qtbot.mouseClick(dock.branch_boxes["transport"], Qt.MouseButton.LeftButton)
    assert blocker.args == [frozenset({"transport"})]
    with qtbot.waitSignal(dock.hidden_branches_changed) as blocker:
        dock.set_branch_visible("air", False)
    assert blocker.args == [frozenset({"transport", "air"})]
    with qtbot.waitSignal(dock.hidden_branches_changed) as blocker:
        dock.set_branch_visible("transport", True)
    assert blocker.args == [frozenset({"air"})]
    assert dock.hidden_branches == {"air"}


def test_double_click_centres_on_the_unit_now(session, dock, qtbot):
    session.seek(T0 + 5 * HOUR)

    def double_click(unit_id):
        index = dock.proxy.mapFromSource(dock.model.unit_index(unit_id))
        dock.tree.scrollTo(index)
        point = dock.tree.visualRect(index).center()
        qtbot.mouseClick(dock.tree.viewport(), Qt.MouseButton.LeftButton, pos=point)
        qtbot.mouseDClick(dock.tree.viewport(), Qt.MouseButton.LeftButton, pos=point)

    with qtbot.waitSignal(dock.center_requested) as blocker:
        double_click("cn-div-a")
    assert blocker.args == pytest.approx([28.2, 113.2])
    with qtbot.assertNotEmitted(dock.center_requested):
        double_click("cn-div-b")  # no keyframes: no position


def test_when_many_units_change_at_once_the_tree_repaints_instead_of_a_flood_of_signals(qapp, qtbot):
    from synthetic import synthetic

    session = Session()
    session.set_scenario(synthetic(300, 6, 20))
    dock = OrbatDock(session)
    qtbot.addWidget(dock)
    model = dock.model
    changes, resets = record_changes(model)
    with qtbot.waitSignal(model.live_changed, timeout=1000) as live:
        session.seek((session.scenario.info.start + session.scenario.info.end) / 2)
    assert changes == [] and not resets  # one signal, not hundreds of dataChanged
    assert live.args[0] in (NAME, STRENGTH)
    state = session.state()
    unit = session.scenario.units[123]
    assert cell(model, unit.id, STRENGTH) == f"{state.strength[123]:.0f} %"  # cells read the new time


def test_live_repaints_of_the_tree_are_spaced(qapp, qtbot):
    from synthetic import synthetic

    import changsha_replay.ui.orbat as orbat

    session = Session()
    session.set_scenario(synthetic(300, 6, 20))
    dock = OrbatDock(session)
    qtbot.addWidget(dock)
    rounds = []
    clock = dock._live_clock  # restarted by every repaint of the live cells
    real_start = clock.start
    clock.start = lambda: rounds.append(True) or real_start()
    info = session.scenario.info
    for k in range(5):  # five big changes in a few milliseconds
        session.seek(info.start + (k + 1) * (info.end - info.start) / 6)
    assert len(rounds) == 1  # the first at once, the others wait
    qtbot.waitUntil(lambda: len(rounds) == 2, timeout=orbat.LIVE_REPAINT_MS * 5)
    qtbot.wait(orbat.LIVE_REPAINT_MS * 2)
    assert len(rounds) == 2  # the four waiting changes made one repaint


def test_live_repaints_follow_columns_the_user_moved(qapp, qtbot, monkeypatch):
    from synthetic import synthetic

    session = Session()
    session.set_scenario(synthetic(300, 6, 20))
    dock = OrbatDock(session)
    dock.resize(500, 600)
    qtbot.addWidget(dock)
    header = dock.tree.header()
    header.moveSection(header.visualIndex(NAME), header.count() - 1)  # Name dragged to the right
    painted = []
    monkeypatch.setattr(dock.tree.viewport(), "update", lambda *args: painted.append(args))
    session.seek((session.scenario.info.start + session.scenario.info.end) / 2)
    for column in (STRENGTH, STATUS):
        left, width = header.sectionViewportPosition(column), header.sectionSize(column)
        assert any(x <= left and left + width <= x + w for x, _y, w, _h in painted), column
