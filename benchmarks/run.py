"""Benchmarks of the foundation: load, seek, clock advance and peak memory.

``python benchmarks/run.py [--units 10000 --keyframes 100 --events 100000]`` prints the figures
and the targets (load ≤ 1.0 s, seek ≤ 2 ms, peak RSS ≤ 300 MB at 10,000 × 100 and 100,000 events).
The synthetic file is generated once into benchmarks/data/.

Load is measured twice, each in fresh processes: *first open* reads the SQLite file (the
scenario cache switched off), *next opens* come from the derived cache in a throwaway folder
that the first of those runs fills (``changsha_replay.store.cache``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGETS = {"load_s": 1.0, "seek_ms": 2.0, "peak_rss_mb": 300.0}

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from changsha_replay.store import load
imported = time.perf_counter()
scenario = load(sys.argv[1])
done = time.perf_counter()
print(json.dumps({"import_s": imported - t0, "load_s": done - imported,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def ensure_file(units: int, keyframes: int, events: int) -> Path:
    path = HERE / "data" / f"synthetic-{units}x{keyframes}-{events}.sqlite"
    if not path.exists():
        from synthetic import synthetic

        from changsha_replay.store import save

        path.parent.mkdir(exist_ok=True)
        print(f"generating {path.name} …", flush=True)
        save(synthetic(units, keyframes, events), path)
    return path


def fresh_process_load(path: Path, cache: str) -> dict:
    """Load once in a new interpreter: cold-process load time and peak resident memory.

    ``cache``: the scenario cache folder, or "off"."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
        env={**os.environ, "CHANGSHA_REPLAY_CACHE": cache},
    )
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--keyframes", type=int, default=100)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import numpy as np

    from changsha_replay.model import PlaybackClock
    from changsha_replay.store import load

    path = ensure_file(ns.units, ns.keyframes, ns.events)
    print(f"file: {path.name} ({path.stat().st_size / 1e6:.1f} MB)")

    children = [fresh_process_load(path, "off") for _ in range(ns.repeat)]
    load_s = statistics.median(c["load_s"] for c in children)
    with tempfile.TemporaryDirectory(prefix="changsha-replay-bench-cache-") as folder:
        fresh_process_load(path, folder)  # fills the cache
        cached = [fresh_process_load(path, folder) for _ in range(ns.repeat)]
    cached_s = statistics.median(c["load_s"] for c in cached)
    peak = max(c["peak_rss_mb"] for c in children + cached)

    scenario = load(path, use_cache=False)
    rng = np.random.default_rng(7)
    info = scenario.info
    seeks = []
    for t in rng.uniform(info.start, info.end, 2000):
        t0 = time.perf_counter()
        scenario.state_at(float(t))
        seeks.append(time.perf_counter() - t0)
    clock = PlaybackClock(info.start, info.end, scenario.phases, scenario.events)
    clock.play()
    advances, frames = [], []
    for _ in range(2000):
        t0 = time.perf_counter()
        clock.advance(1 / 60)
        t1 = time.perf_counter()
        scenario.state_at(clock.time)
        t2 = time.perf_counter()
        advances.append(t1 - t0)
        frames.append(t2 - t0)
    rows = [
        (
            f"load, first open: file read (fresh process, median of {ns.repeat})",
            f"{load_s:.3f} s",
            f"≤ {TARGETS['load_s']} s",
        ),
        (
            f"load, next opens: from the cache (fresh process, median of {ns.repeat})",
            f"{cached_s:.3f} s",
            f"≤ {TARGETS['load_s']} s",
        ),
        (
            "seek: state of all units at a random t, median",
            f"{statistics.median(seeks) * 1e3:.3f} ms",
            f"≤ {TARGETS['seek_ms']} ms",
        ),
        ("seek, 95th percentile", f"{np.percentile(seeks, 95) * 1e3:.3f} ms", ""),
        ("clock advance, median", f"{statistics.median(advances) * 1e6:.1f} µs", ""),
        ("clock advance + state of all units, median", f"{statistics.median(frames) * 1e3:.3f} ms", ""),
        ("peak RSS of a process that loads the file", f"{peak:.0f} MB", f"≤ {TARGETS['peak_rss_mb']:.0f} MB"),
        ("import of the store and model", f"{statistics.median(c['import_s'] for c in children):.3f} s", ""),
    ]
    print(f"{ns.units} units × {ns.keyframes} keyframes, {ns.events} events; {len(scenario.tracks):,} keyframes")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>12}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
