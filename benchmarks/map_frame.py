"""Frame time of the map canvas: seek to a new time, then repaint (offscreen).

``QT_QPA_PLATFORM=offscreen python benchmarks/map_frame.py [--frames 300] [--size 1600x1000]``
prints the median and 95th percentile frame time for the bundled scenario and for a
synthetic 10,000-unit scenario (targets: ≤ 4 ms and ≤ 8 ms median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGETS_MS = {"bundled": 4.0, "synthetic": 8.0}


def measure(canvas, session, app, frames: int, warmup: int = 20) -> tuple[float, float, dict]:
    """Median and 95th percentile of (seek + paint) in ms, stepping through the scenario."""
    import numpy as np

    info = session.scenario.info
    times = np.linspace(info.start + 60.0, info.end, frames + warmup)  # the session opens at the start
    samples = []
    split = {"seek": [], "paint": []}
    for k, t in enumerate(times):
        t0 = time.perf_counter()
        session.seek(float(t))
        t1 = time.perf_counter()
        app.processEvents()  # the scene processes the dirty layers and paints once
        t2 = time.perf_counter()
        if k >= warmup:
            samples.append(t2 - t0)
            split["seek"].append(t1 - t0)
            split["paint"].append(t2 - t1)
    ms = np.array(samples) * 1e3
    parts = {name: statistics.median(v) * 1e3 for name, v in split.items()}
    return float(np.median(ms)), float(np.percentile(ms, 95)), parts


def count_paints(item) -> list[int]:
    """Count the paints of a graphics item (to check one paint per frame)."""
    counter = [0]
    paint = item.paint

    def counted(*args) -> None:
        counter[0] += 1
        paint(*args)

    item.paint = counted
    return counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--units", type=int, default=10_000)
    ns = parser.parse_args()
    width, height = (int(v) for v in ns.size.split("x"))

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from synthetic import synthetic

    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load
    from changsha_replay.ui.map import MapCanvas
    from changsha_replay.ui.session import Session

    rows = []
    for name, make in (
        ("bundled", lambda: load(default_scenario())),
        ("synthetic", lambda: synthetic(ns.units, 20, 1000)),
    ):
        session = Session()
        canvas = MapCanvas(session)
        canvas.resize(width, height)
        canvas.show()
        app.processEvents()
        paints = count_paints(canvas.units)
        scenario = make()
        t0 = time.perf_counter()
        session.set_scenario(scenario)
        app.processEvents()
        build = time.perf_counter() - t0
        before = paints[0]
        median, p95, parts = measure(canvas, session, app, ns.frames)
        assert paints[0] - before == ns.frames + 20, "expected exactly one paint per frame"
        units = len(scenario.units)
        rows.append((name, units, build, median, p95, parts))
        canvas.close()
    print(f"map frame (seek + paint), {width}×{height} offscreen, {ns.frames} frames")
    for name, units, build, median, p95, parts in rows:
        target = TARGETS_MS[name]
        flag = "ok" if median <= target else "OVER"
        print(
            f"  {name:<9} {units:>6} units  open {build:5.2f} s  median {median:6.2f} ms  p95 {p95:6.2f} ms"
            f"  (seek {parts['seek']:.2f} + paint {parts['paint']:.2f})  target ≤ {target:g} ms  {flag}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
