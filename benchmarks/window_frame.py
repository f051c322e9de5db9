"""Frame time of the whole replay window while it plays (offscreen).

``python benchmarks/window_frame.py [--frames 300] [--size 1600x1000]`` plays the bundled scenario
and a synthetic 10,000-unit scenario in the main window and times each frame: the playback tick
(clock advance by one 60 Hz frame of wall time, at the default speed of 6 h/s), then everything
the window does for it — map, order-of-battle tree, event log, playback bar, phase header — up
to the paint. Targets: ≤ 4 ms median for the bundled scenario, ≤ 8 ms for 10,000 units.
``benchmarks/map_frame.py`` times the map canvas alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGETS_MS = {"bundled": 4.0, "synthetic": 8.0}


class FakeWallClock:
    """A wall clock that moves one 60 Hz frame per reading, so every tick advances the same."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1 / 60
        return self.now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=10_000)
    ns = parser.parse_args()
    width, height = (int(v) for v in ns.size.split("x"))

    import numpy as np
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from map_frame import count_paints
    from synthetic import synthetic

    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load
    from changsha_replay.ui.main_window import MainWindow
    from changsha_replay.ui.session import Session

    warmup = 20
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, make in (
            ("bundled", lambda: load(default_scenario())),
            ("synthetic", lambda: synthetic(ns.units, 20, ns.events)),
        ):
            settings = QSettings(str(Path(folder) / f"{name}.ini"), QSettings.Format.IniFormat)
            session = Session(wall_clock=FakeWallClock())
            window = MainWindow(session, settings)
            window.resize(width, height)
            window.show()
            app.processEvents()
            scenario = make()
            t0 = time.perf_counter()
            session.set_scenario(scenario)
            app.processEvents()
            build = time.perf_counter() - t0
            paints = count_paints(window.map.units)
            session.play()
            session._timer.setInterval(2**30)  # still playing, but the ticks are driven here, one per frame
            samples = []
            for k in range(ns.frames + warmup):
                t0 = time.perf_counter()
                session.tick()
                app.processEvents()  # every view reacts and the window paints
                if k >= warmup:
                    samples.append(time.perf_counter() - t0)
            assert paints[0] >= ns.frames, "the map did not paint every frame"
            span = (session.time - scenario.info.start) / 3600
            ms = np.array(samples) * 1e3
            rows.append((name, len(scenario.units), len(scenario.events), build, float(np.median(ms)), ms, span))
            window.close()
    print(f"replay window frame (tick + all views + paint), {width}×{height} offscreen, {ns.frames} frames of play")
    for name, units, events, build, median, ms, span in rows:
        target = TARGETS_MS[name]
        flag = "ok" if median <= target else "OVER"
        print(
            f"  {name:<9} {units:>6} units {events:>6} events  open {build:5.2f} s  median {median:6.2f} ms"
            f"  p95 {np.percentile(ms, 95):6.2f} ms  mean {statistics.mean(ms):6.2f} ms  ({span:.0f} h played)"
            f"  target ≤ {target:g} ms  {flag}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
