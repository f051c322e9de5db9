"""A teacher's annotations of the assault on Changsha, as GeoJSON, and the README picture of them.

``python tools/annotated_screenshot.py`` writes ``docs/examples/assault-on-changsha.geojson``
(notes drawn from the bundled scenario's own events, which cite their sources) and renders the
window with them imported to ``docs/images/1942-01-02-annotated.png``. Run by ``make screenshots``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from changsha_replay.model.records import Annotation  # noqa: E402
from changsha_replay.model.times import parse_time  # noqa: E402

GEOJSON = ROOT / "docs" / "examples" / "assault-on-changsha.geojson"
PICTURE = ROOT / "docs" / "images" / "1942-01-02-annotated.png"
MOMENT = parse_time("1942-01-02T12:00:00+08:00")
VIEW = (112.86, 28.10, 113.16, 28.28)  # west, south, east, north
BLUE, RED, INK = "#1d4ed8", "#b91c1c", "#374151"


def teaching_notes(start: float, end: float) -> list[Annotation]:
    """Notes for phase 4, each told after the scenario's events of the same days."""
    common = dict(start=start, end=end, span="phase", author="Changsha Replay example", created=start)
    return [
        Annotation(
            "city-held",
            "area",
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [112.962, 28.228],
                        [112.996, 28.236],
                        [113.014, 28.192],
                        [112.996, 28.163],
                        [112.963, 28.168],
                        [112.962, 28.228],
                    ]
                ],
            },
            text="10th Army holds the city (novel: New 22nd Army)",
            text_zh="第十军守城（小说：新二十二军）",
            colour=BLUE,
            width=2.5,
            fill_opacity=0.12,
            hatch=True,
            **common,
        ),
        Annotation(
            "axis-3-div",
            "arrow",
            {"type": "LineString", "coordinates": [[113.075, 28.148], [113.04, 28.163], [113.008, 28.181]]},
            text="3rd Div., 1 Jan",
            text_zh="第三师团 1月1日",
            colour=RED,
            width=5.0,
            **common,
        ),
        Annotation(
            "axis-6-div",
            "arrow",
            {"type": "LineString", "coordinates": [[113.105, 28.205], [113.05, 28.236], [113.0, 28.224]]},
            text="6th Div., 3 Jan",
            text_zh="第六师团 1月3日",
            colour=RED,
            width=5.0,
            dash="dash",
            **common,
        ),
        Annotation(
            "yuelu-guns",
            "circle",
            {"type": "Point", "coordinates": [112.934, 28.186]},
            text="Yuelu guns",
            text_zh="岳麓山炮兵",
            colour=BLUE,
            width=2.0,
            fill_opacity=0.18,
            radius_km=2.2,
            **common,
        ),
        Annotation(
            "kato-papers",
            "note",
            {"type": "Point", "coordinates": [112.996, 28.176]},
            text="Night of 1 Jan: Maj. Katō killed; his papers reveal the Japanese plan",
            text_zh="1月1日夜：加藤大队长战死，其文件泄露日军计划",
            colour=INK,
            **common,
        ),
    ]


def main() -> int:
    from PySide6.QtCore import QRectF, QSettings
    from PySide6.QtWidgets import QApplication

    from changsha_replay.resources import default_scenario
    from changsha_replay.store.annotation_geojson import write_annotations
    from changsha_replay.ui.app import _painted
    from changsha_replay.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        window = MainWindow(
            settings=QSettings(str(Path(scratch) / "s.ini"), QSettings.Format.IniFormat),
            journal_folder=Path(scratch) / "journal",
        )
        window.resize(1600, 1000)
        window.show()
        window.open_file(default_scenario())
        s = window.session.scenario
        phase = s.phases[3]
        notes = teaching_notes(phase.start, phase.end)
        GEOJSON.parent.mkdir(parents=True, exist_ok=True)
        write_annotations(notes, GEOJSON, scenario_title=s.info.title_en, time_zone=s.info.time_zone)
        assert window.editing.import_geojson(GEOJSON) == len(notes)
        window.session.seek(MOMENT)
        x0, y0, x1, y1 = window.map.projection.rect(VIEW)
        window.map.viewbox.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)
        window.session.select_annotation("axis-3-div")
        window.editing.annotation_dock.raise_()  # the list and the inspector beside the map
        for _ in range(10):
            app.processEvents()
        image = _painted(app, window)
        PICTURE.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(PICTURE))
        window.editing.ask_save_changes = lambda _reason: "discard"
        window.close()
    print(f"wrote {GEOJSON.relative_to(ROOT)} and {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
