"""The bundled scenario tells one coherent story: units cross the drawn rivers only when an event
moves them across, regiments stay on their division's bank, events happen where their units are,
and the corrections of the historian's review stay made."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pytest

from changsha_replay.model import vocab
from changsha_replay.model.records import Event, Unit
from changsha_replay.resources import default_scenario
from changsha_replay.store import load

HOUR = 3600.0
KM_PER_DEG = 111.2
WINDOW = 6 * HOUR  # how close in time a crossing must be to the event that tells it
NEAR_KM = 15.0  # how far from an event's place the units it puts there may be
NOT_THERE = frozenset({"commanding", "ordered"})  # roles that do not put a unit at the event's place
MOVING_KINDS = frozenset({"river_crossing", "movement", "engagement", "breakout"})


@pytest.fixture(scope="module")
def sc():
    return load(default_scenario())


# ------------------------------------------------------------------ geometry and sampling


def _lines(geometry: dict) -> list[np.ndarray]:
    if geometry["type"] == "LineString":
        return [np.asarray(geometry["coordinates"], float)]
    if geometry["type"] == "MultiLineString":
        return [np.asarray(c, float) for c in geometry["coordinates"]]
    return []


def _rivers(sc) -> dict[str, np.ndarray]:
    """Every named river drawn on the map (Xiang, Yangtze, Xinqiang, Miluo, Laodao, Liuyang) as
    segments: rows of (lon_a, lat_a, lon_b, lat_b)."""
    out = {}
    for f in sc.features:
        if f.kind == "river" and f.name_en.endswith(" River"):
            segs = [np.hstack([line[:-1], line[1:]]) for line in _lines(f.geometry) if len(line) > 1]
            out[f.name_en.removesuffix(" River")] = np.vstack(segs)
    assert {"Xiang", "Xinqiang", "Miluo", "Laodao", "Liuyang"} <= set(out)
    return out


def _crossings(p: np.ndarray, q: np.ndarray, river: np.ndarray) -> list[tuple[int, float]]:
    """Where the moves p[k] → q[k] (lon, lat) cross the river: (k, fraction of the move).

    A point exactly on the line counts as lying on one side, so a path through a vertex of the
    line counts once, and a path that only touches the line counts twice at the same point
    (the caller cancels such pairs)."""
    ax, ay, bx, by = (river[:, i][None, :] for i in range(4))
    px, py, qx, qy = (v[:, None] for v in (p[:, 0], p[:, 1], q[:, 0], q[:, 1]))
    d1 = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    d2 = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax)
    d3 = (qx - px) * (ay - py) - (qy - py) * (ax - px)
    d4 = (qx - px) * (by - py) - (qy - py) * (bx - px)
    hit = ((d1 >= 0) != (d2 >= 0)) & ((d3 >= 0) != (d4 >= 0))
    k, s = np.nonzero(hit)
    return [(int(i), float(d1[i, j] / (d1[i, j] - d2[i, j]))) for i, j in zip(k, s, strict=True)]


def _sample_times(sc, step: float | None = None) -> np.ndarray:
    """Every keyframe time and the second before it (where a held state jumps), the scenario's
    span, and optionally a regular grid: between two samples every unit moves in a straight line."""
    kt = np.unique(sc.tracks.time)
    times = [kt, kt - 1.0, [sc.info.start, sc.info.end]]
    if step:
        times.append(np.arange(sc.info.start, sc.info.end, step))
    t = np.unique(np.concatenate(times))
    return t[(t >= sc.info.start) & (t <= sc.info.end)]


def _positions(sc, times: np.ndarray) -> np.ndarray:
    """(time, unit, lon/lat) positions, interpolated by the model exactly as the app shows them."""
    out = np.empty((len(times), len(sc.units), 2))
    for i, t in enumerate(times):
        state = sc.state_at(float(t))
        out[i, :, 0], out[i, :, 1] = state.lon, state.lat
    return out


def _km(lat1, lon1, lat2, lon2):
    return np.hypot((lat2 - lat1) * KM_PER_DEG, (lon2 - lon1) * KM_PER_DEG * np.cos(np.radians((lat1 + lat2) / 2)))


def _unit_crossings(sc, rivers, times, pos, i: int) -> list[tuple[str, float, int]]:
    """(river, time, sample index) of every crossing of unit i; touch-and-return pairs cancelled."""
    out = []
    for name, segs in rivers.items():
        found = []
        for k, f in _crossings(pos[:-1, i], pos[1:, i], segs):
            found.append((times[k] + f * (times[k + 1] - times[k]), k))
        found.sort()
        kept: list[tuple[float, int]] = []
        for t, k in found:
            if kept and abs(kept[-1][0] - t) < 1.0:
                kept.pop()  # touched the line and went back: no crossing
            else:
                kept.append((t, k))
        out += [(name, t, k) for t, k in kept]
    return out


# ------------------------------------------------------------------ events


def _names(event: Event, unit_ids: Iterable[str]) -> bool:
    ids = set(unit_ids)
    return any(eu.unit_id in ids and eu.role not in NOT_THERE for eu in event.units)


def _mentions(event: Event, river: str) -> bool:
    return re.search(rf"\b{river}\b", event.title_en + " " + event.text_en) is not None


def _close_in_time(event: Event, t: float) -> bool:
    end = event.end if event.end is not None else event.time
    return abs(t - event.time) <= WINDOW or abs(t - end) <= WINDOW


def _moves_across(event: Event, river: str) -> bool:
    return event.kind in MOVING_KINDS or _mentions(event, river)


def _fmt(t: float) -> str:
    from datetime import UTC, datetime, timedelta, timezone

    return datetime.fromtimestamp(t, UTC).astimezone(timezone(timedelta(hours=8))).strftime("%d %b %H:%M")


def _ground(unit: Unit) -> bool:
    return unit.branch != "air"


# ------------------------------------------------------------------ tests


def test_rivers_are_crossed_only_around_an_event_that_moves_the_unit(sc):
    """Rule. Every unit track, interpolated by the model as the app shows it, is tested against
    the named rivers drawn on the map (the Xinqiang, Miluo, Laodao and Liuyang schematic lines,
    the Xiang and the Yangtze); aircraft fly over them and are left out. A crossing is a true
    passage from one bank to the other (touching the line and going back is not one). Each
    crossing must happen within 6 hours of the start or the end of an event that
      - names the unit or its parent in a role that puts it on the ground (not "commanding" or
        "ordered"), and
      - is a crossing, a movement, an engagement or a breakout, or names the river.
    A long event (a concentration over three days, a breakout over three) thus covers crossings
    only near its start and its end, not over its whole span.
    """
    rivers = _rivers(sc)
    times = _sample_times(sc)
    pos = _positions(sc, times)
    lineage = {u.id: [u.id] + ([u.parent_id] if u.parent_id else []) for u in sc.units}
    bad = []
    for i, unit in enumerate(sc.units):
        if not _ground(unit):
            continue
        for river, t, _ in _unit_crossings(sc, rivers, times, pos, i):
            if not any(
                _names(e, lineage[unit.id]) and _moves_across(e, river) and _close_in_time(e, t) for e in sc.events
            ):
                bad.append(f"{unit.id} crosses the {river} at {_fmt(t)}")
    assert not bad, "crossings no event tells:\n" + "\n".join(bad)


def test_regiments_and_divisions_stay_on_the_bank_of_their_formation(sc):
    """Rule. A unit whose parent is a fighting formation (a division, or a Chinese army of
    corps size; headquarters, which command across the whole front, are left out) is on the same
    side of every drawn river as its parent, sampled every half hour and at every keyframe, unless
    it has been destroyed. Being apart for up to 6 hours is allowed (one crosses a little before
    the other). Longer only while the story has the unit on its own: an event names the unit
    itself (not only its parent), in a role that puts it on the ground, at a time within the
    separation or within 6 hours of it — a detachment sent on a mission, a train left behind.
    """
    rivers = _rivers(sc)
    times = _sample_times(sc, step=HOUR / 2)
    pos = _positions(sc, times)
    destroyed = vocab.STATUSES.index("destroyed")
    status = np.array([sc.state_at(float(t)).status for t in times])
    index = {u.id: i for i, u in enumerate(sc.units)}
    bad = []
    for i, unit in enumerate(sc.units):
        parent = sc.units.get(unit.parent_id) if unit.parent_id else None
        if parent is None or parent.branch == "headquarters" or not _ground(unit):
            continue
        j = index[parent.id]
        own = [e for e in sc.events if _names(e, [unit.id])]
        across = {}
        for river, segs in rivers.items():
            sep = np.zeros(len(times), bool)
            for k, _ in _crossings(pos[:, j], pos[:, i], segs):
                sep[k] ^= True  # an odd number of crossings between the two: opposite banks
            across[river] = sep & (status[:, i] != destroyed)
        apart = np.any(list(across.values()), axis=0)
        runs = np.flatnonzero(np.diff(np.concatenate(([0], apart.astype(int), [0]))))
        for a, b in zip(runs[::2], runs[1::2] - 1, strict=True):
            start, stop = times[a], times[b]
            if stop - start <= WINDOW:
                continue
            if not any(e.time <= stop + WINDOW and (e.end or e.time) >= start - WINDOW for e in own):
                names = ", ".join(r for r, sep in across.items() if sep[a : b + 1].any())
                bad.append(f"{unit.id} is across the {names} from {parent.id}, {_fmt(start)} – {_fmt(stop)}")
    assert not bad, "\n".join(bad)


def test_events_happen_where_their_units_are(sc):
    """Rule. An event with a location is near every unit it names in a role that puts the unit
    there (every role but "commanding" and "ordered", which an event uses for a headquarters
    giving or receiving an order from afar): at the event's time, or at some moment of its span,
    the unit is within 15 km of the event's location, or within the event place's uncertainty
    radius plus 5 km when that is larger (a region such as Xiangbei, a place located only
    roughly). An event that names a unit elsewhere says so by naming it "commanding" or "ordered".
    """
    places = {p.id: p for p in sc.places}
    index = {u.id: i for i, u in enumerate(sc.units)}
    bad = []
    for e in sc.events:
        if e.lat is None:
            continue
        conf = places[e.place_id].confidence_km if e.place_id in places else 0.0
        limit = max(NEAR_KM, conf + 5.0)
        end = e.end if e.end is not None else e.time
        times = np.unique(np.concatenate(([e.time, end], np.arange(e.time, end, HOUR))))
        states = [sc.state_at(float(t)) for t in times]
        for eu in e.units:
            if eu.role in NOT_THERE:
                continue
            i = index[eu.unit_id]
            km = min(float(_km(e.lat, e.lon, s.lat[i], s.lon[i])) for s in states)
            if not km <= limit:
                bad.append(f"{e.id}: {eu.unit_id} ({eu.role}) is {km:.0f} km away (limit {limit:.0f} km)")
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------ the historian's review, point by point


def _north_of(segs: np.ndarray, lat: float, lon: float) -> bool:
    """On the north bank: a ray due north from the point crosses the line an even number of times."""
    ray = _crossings(np.array([[lon, lat]]), np.array([[lon, 89.0]]), segs)
    return len(ray) % 2 == 0


def _at(sc, unit_id: str, when: str):
    from changsha_replay.model.times import parse_time

    state = sc.state_at(parse_time(when))
    i = sc.units.index_of(unit_id)
    return float(state.lat[i]), float(state.lon[i])


def test_liqiao_its_river_its_front_and_the_6th_divisions_route_agree(sc):
    """Kuribashi (Liqiao) is where the 8 January accounts put it: north of the Laodao, which is not
    drawn through it; the 58th Army holds the Liqiao front there, the 6th Division's route of 8
    January comes within the place's uncertainty of it, the reroute event is at it, and the place
    says it is uncertain."""
    place = sc.place("kuribashi")
    laodao = _rivers(sc)["Laodao"]
    assert _north_of(laodao, place.lat, place.lon)
    vertices = laodao[:, :2]
    assert _km(place.lat, place.lon, vertices[:, 1], vertices[:, 0]).min() > place.confidence_km
    assert _km(place.lat, place.lon, *_at(sc, "cn-58-army", "1942-01-08T12:00+08:00")) <= 5
    sixth = min(_km(place.lat, place.lon, *_at(sc, "jp-6-div", f"1942-01-08T{h:02d}:00+08:00")) for h in range(24))
    assert sixth <= place.confidence_km
    reroute = sc.events[sc.events.index_of("e-0108-liqiao-reroute")]
    assert reroute.place_id == "kuribashi"
    assert place.confidence_km >= 10 and "LOW CONFIDENCE" in place.note  # located only from the accounts


def test_the_40th_division_sends_a_detachment_north_west_on_8_january(sc):
    """A unit of the 40th Division is north-west of Fulinpu and north of Qingshan City on 9 January
    (WEI; the novel), while the division's main body stays east of Fulinpu; an event tells it."""
    fulinpu, qingshan = sc.place("fulinpu"), sc.place("qingshan-city")
    main = _at(sc, "jp-40-div", "1942-01-09T12:00+08:00")
    assert main[1] > fulinpu.lon + 0.1
    detached = []
    for unit in sc.units.children("jp-40-div"):
        lat, lon = _at(sc, unit.id, "1942-01-09T12:00+08:00")
        if lat > fulinpu.lat and lon < fulinpu.lon and lat > qingshan.lat:
            detached.append(unit.id)
    assert detached
    assert any(_names(e, detached) and e.kind == "movement" for e in sc.events)


def test_the_ring_of_8_to_10_january_has_a_northern_side(sc):
    """The 20th and 58th Armies block from the north (the novel ¶8; XILU): from the evening of 8
    January to 10 January the 20th Army is north of both Japanese divisions and the 58th north of
    the 6th Division, which it turned back at Liqiao."""
    for when in ("1942-01-08T18:00", "1942-01-09T00:00", "1942-01-09T12:00", "1942-01-10T00:00", "1942-01-10T12:00"):
        t = when + "+08:00"
        third, sixth = _at(sc, "jp-3-div", t)[0], _at(sc, "jp-6-div", t)[0]
        assert _at(sc, "cn-20-army", t)[0] > max(third, sixth), when
        assert _at(sc, "cn-58-army", t)[0] > sixth, when


def test_the_xinqiang_is_drawn_under_every_japanese_crossing_of_it(sc):
    """Every Japanese ground unit (headquarters aside) crosses the drawn Xinqiang once going south
    at the offensive and once going north at the return, or only going south if it was destroyed:
    no unit goes round an end of the drawn river."""
    rivers = _rivers(sc)
    xinqiang = {"Xinqiang": rivers["Xinqiang"]}
    times = _sample_times(sc)
    pos = _positions(sc, times)
    destroyed = vocab.STATUSES.index("destroyed")
    last = sc.state_at(sc.info.end).status
    for i, unit in enumerate(sc.units):
        if unit.side_id != "jp" or not _ground(unit) or unit.branch == "headquarters":
            continue
        found = _unit_crossings(sc, xinqiang, times, pos, i)
        south = [_north_of(rivers["Xinqiang"], *pos[k, i][::-1]) for _, _, k in found]
        expected = [True] if last[i] == destroyed else [True, False]
        assert south == expected, (unit.id, [(_fmt(t), s) for (_, t, _), s in zip(found, south, strict=True)])


def test_the_44th_sentai_is_a_reconnaissance_unit_and_the_novels_bombers_stay_unidentified(sc):
    sentai = sc.units.unit("jp-44-sentai")
    assert sentai.sidc[10:16] == "110111" and not sentai.narrative_name_en  # APP-6 air: reconnaissance
    assert "reconnaissance" in sentai.note.lower() and "8 December 1941" in sentai.note
    assert not any("bomber" in u.narrative_name_en.lower() or "bomber" in u.name_en.lower() for u in sc.units)
    for e in sc.events:
        if "bomber" in (e.title_en + e.text_en).lower():
            assert all(eu.unit_id != "jp-44-sentai" for eu in e.units), e.id


def test_the_reviewed_disagreements_are_conflicts_with_both_versions(sc):
    for event_id in (
        "e-0107-laodao-crossing",  # evening (novel) / early morning of 7 January (XILU)
        "e-0106-junction",  # 5 January (novel) / 6 January (XILU)
        "e-0108-counter-offensive-order",  # Qingshan City, Tongpen Temple / north-west of Fulinpu, west of Liqiao
        "e-0104-cremation",  # over 1,000 dead in a day / 1,591 killed in the whole operation
        "e-0105-chongqing-telegram",  # telegram of 5 January / Chiang's order of 7 January
        "e-0108-40th-detachment",
    ):
        e = sc.events[sc.events.index_of(event_id)]
        assert e.basis == "conflict" and e.other_version_en and e.other_version_zh, event_id


def test_no_advance_arrow_runs_south_of_the_miluo_before_anami_decides_on_changsha(sc):
    """The plan of 13 December went to the Miluo (WUQI); Anami decided on Changsha on 26 December
    (WEI, JA-WP-mi). An advance arrow that runs south of the drawn Miluo starts no earlier."""
    decided = sc.events[sc.events.index_of("e-1226-anami-changsha")].time
    miluo = _rivers(sc)["Miluo"]
    for f in sc.features:
        if f.kind != "axis" or "advance" not in f.name_en.lower():
            continue
        south = [not _north_of(miluo, lat, lon) for line in _lines(f.geometry) for lon, lat in line]
        if any(south):
            assert f.start is not None and f.start >= decided, f.id


def test_the_japanese_divisions_strengths_say_they_are_estimates(sc):
    for unit_id in ("jp-3-div", "jp-6-div"):
        note = sc.units.unit(unit_id).note
        assert "estimate" in note and "1,591" in note and "4,412" in note, unit_id


def test_every_cited_source_is_identified(sc):
    """Every source has a title and an address, except the project's own estimates."""
    for source in sc.sources:
        assert source.title and "not recorded" not in source.title, source.key
        assert source.url or source.key in {"AUTHOR", "REF-PLACES"}, source.key


def test_the_40th_divisions_move_from_jinjing_to_chunhua_mountain_is_an_event(sc):
    moves = [
        e
        for e in sc.events
        if e.kind == "movement" and _names(e, ["jp-40-div"]) and "Jinjing" in e.text_en and "Chunhua" in e.text_en
    ]
    assert moves and all(e.time < sc.events[sc.events.index_of("e-0107-40th-div-leaves-chunhua")].time for e in moves)
