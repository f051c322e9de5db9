"""Small hand-made scenarios for tests."""

from __future__ import annotations

import numpy as np

from changsha_replay.model import (
    Citation,
    Event,
    EventLog,
    EventUnit,
    Feature,
    OrderOfBattle,
    Phase,
    Phases,
    Place,
    Scenario,
    ScenarioInfo,
    Side,
    Source,
    Unit,
    UnitTracks,
)
from changsha_replay.model.records import Annotation, Credit
from changsha_replay.model.times import parse_offset, parse_time

T0 = parse_time("1942-01-04T00:00:00+08:00")
HOUR = 3600.0
CITE = Citation("SRC", "p. 1")


def unit(uid: str, parent: str | None = None, side: str = "cn", echelon: str = "division") -> Unit:
    return Unit(
        uid,
        side,
        parent,
        f"Unit {uid}",
        f"部队 {uid}",
        echelon,
        "infantry",
        "10031000211211000000",
        commander_en="Gen X",
        basis="historical",
        sources=(CITE,),
    )


def tiny(**changes) -> Scenario:
    """Two sides, five units in a tree, keyframes for four of them, three phases, four events."""
    units = OrderOfBattle(
        [
            unit("cn-army", echelon="corps"),
            unit("cn-div-a", "cn-army"),
            unit("cn-div-b", "cn-army"),
            unit("jp-div", side="jp"),
            unit("jp-regt", "jp-div", side="jp", echelon="regiment"),
        ]
    )
    #                 unit, hour, lat,  lon,   strength, status, interpolate
    rows = [
        (0, 0, 28.0, 113.0, 100, 2, True),
        (0, 10, 28.5, 113.5, 80, 3, True),
        (1, 0, 28.1, 113.1, 100, 2, True),
        (1, 5, 28.2, 113.2, 90, 4, False),
        (1, 20, 28.9, 113.9, 50, 6, True),
        (3, 2, 29.0, 113.0, 100, 3, True),
        (3, 12, 28.2, 113.0, 40, 6, True),
        (4, 6, 28.7, 113.2, 70, 7, True),
    ]
    cols = list(zip(*rows))
    tracks = UnitTracks(
        len(units),
        np.array(cols[0]),
        T0 + np.array(cols[1], float) * HOUR,
        np.array(cols[2], float),
        np.array(cols[3], float),
        np.array(cols[4], float),
        np.array(cols[5], np.int8),
        np.array(cols[6], bool),
        np.zeros(len(rows), np.int8),
        np.zeros(len(rows), np.int32),
        np.array([0] + [-1] * (len(rows) - 1)),
        (CITE,),
        ("changsha",),
    )
    end = T0 + 24 * HOUR
    phases = Phases(
        [
            Phase("p1", T0, T0 + 6 * HOUR, "First", "第一"),
            Phase("p2", T0 + 6 * HOUR, T0 + 12 * HOUR, "Second", "第二"),
            Phase("p3", T0 + 12 * HOUR, end, "Third", "第三"),
        ]
    )
    events = EventLog(
        [
            Event(
                "e1",
                T0 + 1 * HOUR,
                "order",
                "Order",
                "命令",
                units=(EventUnit("cn-army", "commanding"),),
                sources=(CITE,),
                basis="seed",
            ),
            Event(
                "e2",
                T0 + 6 * HOUR,
                "engagement",
                "Fight",
                "战斗",
                lat=28.2,
                lon=113.1,
                units=(EventUnit("cn-div-a", "defending"), EventUnit("jp-div", "attacking")),
                sources=(CITE,),
            ),
            Event("e3", T0 + 6 * HOUR, "weather", "Snow", "雪", end=T0 + 9 * HOUR, sources=(CITE,), basis="both"),
            Event(
                "e4",
                T0 + 15 * HOUR,
                "narrative",
                "Told",
                "叙述",
                place_id="changsha",
                lat=28.19,
                lon=112.97,
                basis="conflict",
                other_version_en="History says otherwise.",
                units=(EventUnit("jp-regt", "subject"),),
                sources=(CITE, Citation("SRC", "p. 2")),
            ),
        ]
    )
    fields = dict(
        info=ScenarioInfo(
            "Tiny", "小", "A test scenario.", "测试", parse_offset("+08:00"), T0, end, (112.5, 27.5, 114.0, 29.5)
        ),
        sides=(Side("cn", "China", "中国", "#2563eb"), Side("jp", "Japan", "日本", "#dc2626")),
        units=units,
        phases=phases,
        events=events,
        tracks=tracks,
        places=(Place("changsha", "Changsha", "长沙", "Chángshā", 28.19, 112.97, "city", 2.0, CITE),),
        features=(
            Feature(
                "xiang",
                "river",
                "Xiang",
                "湘江",
                {"type": "LineString", "coordinates": [[112.9, 28.0], [112.95, 28.5]]},
                False,
                None,
                None,
                CITE,
            ),
        ),
        annotations=(
            Annotation(
                "a1",
                "arrow",
                {"type": "LineString", "coordinates": [[113.0, 28.0], [113.1, 28.1]]},
                "Push",
                "#ff0000",
                T0,
                T0 + HOUR,
                "tester",
                T0,
            ),
        ),
        sources=(Source("SRC", "A source", "https://example.org", ""),),
        credits=(Credit("Rivers", "Someone", "CC0", ""),),
    )
    fields.update(changes)
    return Scenario(**fields)
