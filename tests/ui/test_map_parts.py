"""Parts of the map: projection, symbols, feature sides, weather wording, hover texts."""

from html import escape

import numpy as np
import pytest
from PySide6.QtGui import QImage

from changsha_replay.resources import default_scenario
from changsha_replay.store import load
from changsha_replay.ui.map.features_layer import feature_side
from changsha_replay.ui.map.geo import KM_PER_DEGREE, Projection, lines_of, nice_length, polygons_of
from changsha_replay.ui.map.symbols import DOT, FULL, SMALL, build_sheet, compact_sidc
from changsha_replay.ui.map.tooltips import event_tooltip, unit_tooltip
from changsha_replay.ui.map.weather import weather_kind

FRIEND, HOSTILE = "10031000211211000000", "10061000171211000000"


@pytest.fixture(scope="module")
def changsha():
    return load(default_scenario())


def test_projection_round_trip_and_scale():
    proj = Projection.for_extent((112.55, 27.8, 113.75, 29.45))
    x, y = proj.xy(np.array([28.2, 29.0]), np.array([113.0, 112.9]))
    lat, lon = proj.latlon(x, y)
    np.testing.assert_allclose(lat, [28.2, 29.0])
    np.testing.assert_allclose(lon, [113.0, 112.9])
    # 0.1° of longitude at lat0 is as long on the map as cos(lat0) × 0.1° of latitude
    assert (proj.xy(28.6, 113.1)[0] - proj.xy(28.6, 113.0)[0]) == pytest.approx(0.1 * np.cos(np.radians(28.625)))
    assert pytest.approx(111.19, abs=0.01) == KM_PER_DEGREE


@pytest.mark.parametrize(("limit", "length"), [(150.0, 100.0), (37.0, 20.0), (9.9, 5.0), (1.0, 1.0), (0.42, 0.2)])
def test_scale_bar_lengths_are_round(limit, length):
    assert nice_length(limit) == pytest.approx(length)


def test_geometry_parts():
    line = {
        "type": "MultiLineString",
        "coordinates": [[[113, 28], [113.1, 28.1]], [[112, 27], [112.5, 27.5], [112.6, 27]]],
    }
    assert [len(p) for p in lines_of(line)] == [2, 3]
    polygon = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]], [[0.2, 0.2], [0.4, 0.2], [0.2, 0.4], [0.2, 0.2]]],
    }
    assert [len(rings) for rings in polygons_of(polygon)] == [2]


def image_rgba(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return (
        data.reshape(image.height(), image.bytesPerLine())[:, : 4 * image.width()].reshape(image.height(), -1, 4).copy()
    )


def sprite(sheet, style, look, level=0) -> np.ndarray:
    x, y, w, h = (int(v) for v in sheet.sprite_src[style, look, level])
    return image_rgba(sheet.pixmap.toImage().copy(x, y, w, h))


def count(rgba: np.ndarray, colour) -> int:
    return int((np.abs(rgba[..., :3].astype(int) - colour).sum(axis=2) <= 9).sum())


def test_symbol_sheet_sprites(qapp):
    sheet = build_sheet([FRIEND, HOSTILE, "not a sidc"], [(0, 0), (1, 1), (2, 0)], ["#2563eb", "#dc2626"], 1.0)
    friend, hostile = sprite(sheet, FULL, 0), sprite(sheet, FULL, 1)
    assert count(friend, (128, 224, 255)) > 300 and count(friend, (255, 128, 128)) == 0  # affiliation fill
    assert count(hostile, (255, 128, 128)) > 200 and count(hostile, (128, 224, 255)) == 0
    assert (sprite(sheet, FULL, 2)[..., 3] > 0).sum() > 100  # an unknown SIDC still gets a symbol
    # the strength bar fills with the side's colour, one pixel per level
    full_bar = count(sprite(sheet, FULL, 1, sheet.levels - 1), (220, 38, 38))
    half_bar = count(sprite(sheet, FULL, 1, (sheet.levels - 1) // 2), (220, 38, 38))
    assert count(hostile, (220, 38, 38)) == 0 and full_bar == pytest.approx(2 * half_bar, rel=0.1) and full_bar >= 100
    # smaller styles are smaller
    assert sheet.sprite_area[FULL, 0] > sheet.sprite_area[SMALL, 0] > sheet.sprite_area[DOT, 0]
    # the frame of a plain unit is centred on its anchor
    left, top, right, bottom = sheet.frames[FULL, 0]
    assert left == pytest.approx(-right) and top == pytest.approx(-bottom)


def test_headquarters_symbols_stand_on_their_staff(qapp):
    hq = "10031002251211000000"
    sheet = build_sheet([hq], [(0, 0)], ["#2563eb"], 1.0)
    left, _top, _right, bottom = sheet.frames[FULL, 0]
    assert bottom < -10 and left == pytest.approx(0, abs=1)  # the frame is above and right of the staff's foot
    assert compact_sidc(hq) == "10031000001211000000"
    assert compact_sidc("SFGPUCI----D---") == "SFGPUCI--------"  # 2525C: no echelon either


def test_feature_sides_come_from_their_names(changsha):
    sides = {f.id: feature_side(f, changsha.sides, list(changsha.units)) for f in changsha.features}
    names = [s.id for s in changsha.sides]
    assert names[sides["axis-japanese-advance"]] == "jp"
    assert names[sides["axis-40th-division-advance"]] == "jp"
    assert names[sides["front-xinqiang-chinese-line"]] == "cn"
    assert names[sides["front-liuyang-79th-army"]] == "cn"
    assert sides["area-killing-ground"] is None


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Cold wave and heavy snow over Xiangbei", "snow"),
        ("Rain and snow over Xiangbei during the retreat", "sleet"),
        ("Bad weather; rivers swollen by rain and snow", "sleet"),
        ("The weather over Xiangbei clears", "clear"),
        ("Heavy rain", "rain"),
        ("Overcast", "cloud"),
    ],
)
def test_weather_wording(title, kind):
    assert weather_kind(title) == kind


def test_unit_hover_text(changsha):
    i = changsha.units.index_of("cn-10-army")
    tracks = changsha.tracks
    grounded = next(k for k in range(*tracks.unit_slice(i).indices(len(tracks))) if tracks.keyframe(k).place_id)
    state = changsha.state_at(tracks.keyframe(grounded).time)
    text = unit_tooltip(changsha, i, state, "en")
    for part in ("10th Army", "第10军", "New 22nd Army", "Li Yutang", "李玉堂", "defending"):
        assert part in text
    assert f"Strength {state.strength[i]:.0f}%" in text
    keyframe = changsha.tracks.keyframe(int(state.keyframe[i]))
    assert escape(keyframe.citation.source_key) in text and escape(keyframe.citation.locator) in text
    place = changsha.place(keyframe.place_id)
    assert f"{escape(place.name_en)}" in text  # the place the position is grounded in
    source = changsha.source(keyframe.citation.source_key)
    assert source is not None and escape(source.title[:40]) in text


def test_event_hover_text(changsha):
    event = next(e for e in changsha.events if e.kind == "bridge_destroyed")
    text = event_tooltip(changsha, event, "zh")
    assert event.title_zh in text and "bridge destroyed" in text and "1942-01-05 01:00" in text


def test_a_position_far_from_its_place_says_how_far_and_which_way():
    from changsha_replay.model.records import Citation, Place
    from changsha_replay.ui.map.tooltips import where_from

    fulinpu = Place("f", "Fulinpu", "福临铺", "", 28.50, 113.20, "town", 2.0, Citation("S"))
    assert where_from(28.51, 113.20, fulinpu, "Fulinpu") == "at Fulinpu"  # 1.1 km: at it
    assert where_from(28.58, 113.29, fulinpu, "Fulinpu") == "about 13 km north-east of Fulinpu"
    assert where_from(28.40, 113.20, fulinpu, "Fulinpu") == "about 11 km south of Fulinpu"
    wide = fulinpu._replace(confidence_km=15.0)
    assert where_from(28.58, 113.29, wide, "Fulinpu") == "at Fulinpu"  # within the place's own uncertainty
