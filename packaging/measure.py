"""Size and start-up of the packaged application against the source one.

    .venv/bin/python packaging/measure.py [--runs 7] [--json]

after ``make package``. Prints

- the unpacked bundle's size (as ``du -sb dist/changsha-replay`` counts it) and the archive's size;
- the start-up time to a painted window, frozen against source: each run is a new process that
  renders the replay window offscreen to a PNG and exits (``--screenshot``), from a scratch working
  folder, frozen and source runs alternating (which goes first alternates too), after one untimed
  run of each; the medians and their ratio (the goal: frozen ≤ 1.5 × source).

The page cache stays warm (clearing it needs privileges this does not ask for): the figures are a
new process's start-up, not a first start after booting.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_package import ROOT, SLUG, executable, platform_tag, tree_size, version

TARGET_RATIO = 1.5


def timed_run(command: list[str], cwd: Path, env: dict[str, str], png: Path) -> float:
    png.unlink(missing_ok=True)
    started = time.perf_counter()
    result = subprocess.run([*command, "--screenshot", str(png)], cwd=cwd, env=env, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or not png.is_file():
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return elapsed


def measure_startup(frozen: list[str], source: list[str], runs: int, warmup: bool) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"frozen": [], "source": []}
    with tempfile.TemporaryDirectory(prefix="changsha-measure-") as scratch:
        cwd = Path(scratch)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(cwd / "config"),
            "XDG_DATA_HOME": str(cwd / "data"),
            "XDG_CACHE_HOME": str(cwd / "cache"),
        }
        commands = {"frozen": frozen, "source": source}
        if warmup:
            for name, command in commands.items():
                timed_run(command, cwd, env, cwd / f"{name}.png")
        for i in range(runs):
            order = ("frozen", "source") if i % 2 == 0 else ("source", "frozen")
            for name in order:
                times[name].append(timed_run(commands[name], cwd, env, cwd / f"{name}.png"))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / SLUG)
    parser.add_argument("--archive", type=Path, default=ROOT / "dist" / f"{SLUG}-{version()}-{platform_tag()}.tar.gz")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"), help="the source app's Python")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-warmup", action="store_true", help="time the first run of each too")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    exe = executable(args.bundle)
    if not exe.is_file():
        print(f"measure: {exe} does not exist: run `make package` first", file=sys.stderr)
        return 2
    bundle_bytes = tree_size(args.bundle)
    archive_bytes = args.archive.stat().st_size if args.archive.is_file() else None
    times = measure_startup([str(exe)], [args.python, "-m", "changsha_replay"], args.runs, not args.no_warmup)
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["frozen"] / medians["source"]
    figures = {
        "bundle_bytes": bundle_bytes,
        "archive_bytes": archive_bytes,
        "runs": args.runs,
        "startup_seconds": times,
        "median_seconds": medians,
        "ratio_frozen_to_source": ratio,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"bundle   {args.bundle}: {bundle_bytes:,} bytes ({bundle_bytes / 1e6:.1f} MB)")
    if archive_bytes is not None:
        print(f"archive  {args.archive.name}: {archive_bytes:,} bytes ({archive_bytes / 1e6:.1f} MB)")
    print(f"start-up to a painted window (--screenshot, offscreen), {args.runs} alternating runs each:")
    for name in ("frozen", "source"):
        values = times[name]
        print(
            f"  {name:6}  median {medians[name]:.3f} s   min {min(values):.3f}   max {max(values):.3f}   "
            + " ".join(f"{v:.2f}" for v in values)
        )
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"  frozen / source = {ratio:.2f} ({verdict} the {TARGET_RATIO}× goal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
