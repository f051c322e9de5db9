"""Cold start to a painted window: Changsha Replay against a bare PySide6 + pyqtgraph window.

Both render their window offscreen to a PNG and exit, measured side by side, alternating, in one
run: ``python benchmarks/startup.py [--runs 7]``. From the spawn of each process it measures
the moment the window has been painted (each says so on stderr, before taking its picture),
the moment the PNG is written (the picture of a full window costs more to encode than an empty
plot's) and the exit. The target is at most 1.3× the bare window, to the painted window.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from changsha_replay.ui.app import MARK_PAINTED  # noqa: E402

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1600, 1000)
window.show()
app.processEvents()
print(f"painted {time.time():.6f}", file=sys.stderr, flush=True)
window.grab().save(sys.argv[1])
"""


def timed(command: list[str], png: Path) -> tuple[float, float, float]:
    """Seconds from the process's spawn to the window painted, to the PNG written, to the exit."""
    png.unlink(missing_ok=True)
    start = time.time()
    done = subprocess.run(
        command,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", MARK_PAINTED: "1"},
    )
    end = time.time()
    painted = next(float(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("painted "))
    return painted - start, png.stat().st_mtime - start, end - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    ns = parser.parse_args()
    out = Path(tempfile.mkdtemp()) / "shot.png"
    # Like an installed package (pip compiles on install), and like pyqtgraph in site-packages:
    # start from bytecode, even where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "changsha_replay")], check=True)
    bare_cmd = [sys.executable, "-c", BARE, str(out)]
    app_cmd = [sys.executable, "-m", "changsha_replay", "--screenshot", str(out)]
    timed(bare_cmd, out)  # warm the file cache for both
    timed(app_cmd, out)
    bare, app = [], []
    for _ in range(ns.runs):
        bare.append(timed(bare_cmd, out))
        app.append(timed(app_cmd, out))
    rows = []
    for name, runs in (("bare PySide6 + pyqtgraph window", bare), ("Changsha Replay (bundled scenario)", app)):
        rows.append((name, *(statistics.median(r[k] for r in runs) for k in range(3))))
    print(f"cold start, median of {ns.runs} runs each (alternating): to the window painted / PNG written / exit")
    for name, painted, saved, ended in rows:
        print(f"  {name:<36} {painted:.3f} s / {saved:.3f} s / {ended:.3f} s")
    ratios = [rows[1][k] / rows[0][k] for k in (1, 2, 3)]
    print(f"ratio to the window painted {ratios[0]:.2f} (target ≤ 1.3)", end="; ")
    print(f"to the PNG written {ratios[1]:.2f}; to exit {ratios[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
