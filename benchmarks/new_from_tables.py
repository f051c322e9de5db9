"""How long ``changsha-replay new`` takes to make a scenario from CSV tables (target ≤ 10 s at
10,000 units and 1 M keyframes).

``python benchmarks/new_from_tables.py [--units 10000 --keyframes 100 --events 100000 --runs 3]``
writes the synthetic battle (``synthetic.py``) as units.csv, keyframes.csv and events.csv once
into benchmarks/data/, then times the command in fresh processes (median) and reports the peak
memory of the process.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGET_S = 10.0
_CHILD = """
import json, resource, sys, time
from changsha_replay.cli import main
t0 = time.perf_counter()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "s": time.perf_counter() - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_tables(units: int, keyframes: int, events: int) -> Path:
    folder = HERE / "data" / f"tables-{units}x{keyframes}-{events}"
    if (folder / "events.csv").exists():
        return folder
    from synthetic import synthetic

    from changsha_replay.model import vocab
    from changsha_replay.model.times import format_time

    print(f"writing {folder.name} …", flush=True)
    s = synthetic(units, keyframes, events)
    tz = s.info.time_zone
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "units.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "parent_id", "side_id", "name_en", "name_zh", "echelon", "branch", "commander_en"])
        for u in s.units:
            w.writerow([u.id, u.parent_id or "", u.side_id, u.name_en, u.name_zh, u.echelon, u.branch, u.commander_en])
    import numpy as np

    t = s.tracks
    ids = [u.id for u in s.units]
    unit_of = np.repeat(np.arange(len(ids)), np.diff(t.offsets))
    with (folder / "keyframes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_id", "time", "lat", "lon", "strength", "status", "certainty", "source"])
        for k in range(len(t)):
            w.writerow(
                [
                    ids[unit_of[k]],
                    format_time(float(t.time[k]), tz),
                    f"{t.lat[k]:.5f}",
                    f"{t.lon[k]:.5f}",
                    f"{t.strength[k]:.1f}",
                    vocab.STATUSES[t.status[k]],
                    vocab.CERTAINTIES[t.certainty[k]],
                    "synthetic keyframe",
                ]
            )
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "time", "kind", "title_en", "text_en", "lat", "lon", "units", "source"])
        for e in s.events:
            units_of = ";".join(u.unit_id for u in e.units)
            lat = "" if e.lat is None else f"{e.lat:.5f}"
            lon = "" if e.lon is None else f"{e.lon:.5f}"
            w.writerow([e.id, format_time(e.time, tz), e.kind, e.title_en, e.text_en, lat, lon, units_of, "synthetic"])
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--keyframes", type=int, default=100)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = write_tables(args.units, args.keyframes, args.events)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(folder.glob("*.csv")))
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "new.sqlite"
        for _ in range(args.runs):
            command = ["new", str(out), "--force", "--title", "Synthetic"]
            command += ["--units", str(folder / "units.csv"), "--keyframes", str(folder / "keyframes.csv")]
            command += ["--events", str(folder / "events.csv")]
            done = subprocess.run([sys.executable, "-c", _CHILD, *command], capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            assert runs[-1]["code"] == 0, done.stderr
    seconds = statistics.median(r["s"] for r in runs)
    peak = max(r["peak_rss_mb"] for r in runs)
    print(f"tables: {sizes}")
    print(f"  changsha-replay new, {args.units} units × {args.keyframes} keyframes, {args.events} events")
    print(f"  median of {args.runs} fresh processes  {seconds:8.2f} s   ≤ {TARGET_S:.0f} s")
    print(f"  peak RSS                             {peak:8.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
