"""Benchmark of saving: median time of ``store.save`` for the bundled scenario and a large one.

``python benchmarks/save.py [--runs 5] [--units 10000 --keyframes 100 --events 100000]``
prints, for the bundled scenario (goal ≤ 100 ms) and for the synthetic scenario of
``benchmarks/run.py`` (10,000 units × 100 keyframes, 100,000 events: goal ≤ 2 s), the median
over the runs of a full save (``check=True``, compaction on) and of a quick one
(``check=False, compact=False``; what the window does). Files are written to a throwaway folder.

"opened" scenarios were read from a file and then edited (their title), as in the window: what
is unchanged is copied from the file (``store.origin``; after the first save, from the file
saved); "units renamed" has every unit renamed (units written, keyframes still copied: the
units keep their ids and order). The "in memory" synthetic scenario has no file behind it: every table is written.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

GOALS = {"bundled, opened": 0.1, "synthetic, opened": 2.0, "synthetic, units renamed": 2.0, "synthetic, in memory": 2.0}
MODES = {"check=True, compact=True": {}, "check=False, compact=False": {"check": False, "compact": False}}


def timed(scenario, path: Path, runs: int, **options) -> list[float]:
    from changsha_replay.store import save

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        save(scenario, path, **options)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--keyframes", type=int, default=100)
    parser.add_argument("--events", type=int, default=100_000)
    ns = parser.parse_args()
    from synthetic import synthetic

    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load, save

    def renamed(scenario):
        units = [u._replace(name_en=u.name_en + " (renamed)") for u in scenario.units]
        return scenario.replace(units=scenario.units.__class__(units))

    def edited(scenario):
        return scenario.replace(info=scenario.info._replace(title_en=scenario.info.title_en + " (edited)"))

    failed = False
    with tempfile.TemporaryDirectory(prefix="changsha-replay-bench-save-") as folder:
        big = synthetic(ns.units, ns.keyframes, ns.events)
        save(big, Path(folder) / "source.sqlite")
        scenarios = {
            "bundled, opened": edited(load(default_scenario(), use_cache=False)),
            "synthetic, opened": edited(load(Path(folder) / "source.sqlite", use_cache=False)),
            "synthetic, units renamed": renamed(load(Path(folder) / "source.sqlite", use_cache=False)),
            "synthetic, in memory": big,
        }
        print(
            f"synthetic: {ns.units} units × {ns.keyframes} keyframes = {len(big.tracks):,} keyframes,"
            f" {ns.events:,} events; median of {ns.runs} runs"
        )
        for k, (name, scenario) in enumerate(scenarios.items()):
            path = Path(folder) / f"{k}.sqlite"
            timed(scenario, path, 1)  # warm: imports, statement caches
            for mode, options in MODES.items():
                times = timed(scenario, path, ns.runs, **options)
                median = statistics.median(times)
                size = path.stat().st_size / 1e6
                ok = median <= GOALS[name]
                failed |= not ok
                print(
                    f"  {name:<24} {mode:<27} median {median:7.3f} s  (min {min(times):.3f}, max {max(times):.3f})"
                    f"  {size:7.1f} MB  goal ≤ {GOALS[name]:g} s {'ok' if ok else 'MISSED'}"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
