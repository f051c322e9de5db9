"""Cold start to a painted window: Changsha Replay against a bare PySide6 + pyqtgraph window.

Both render their window offscreen to a PNG and exit, measured side by side, alternating, in one
run: ``python benchmarks/startup.py [--runs 7]``. Measured from the spawn of the process to the
PNG being written (the first painted window) and, apart, to the exit. The target is at most 1.3×
the bare window, to the painted window.
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

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1600, 1000)
window.show()
app.processEvents()
window.grab().save(sys.argv[1])
"""


def timed(command: list[str], png: Path) -> tuple[float, float]:
    """(seconds to the PNG written, seconds to the process's exit), from the process's spawn.

    The PNG is written right after the first painted window is grabbed: its modification
    time marks the first painted window, and exit (tearing down Python and Qt) is apart."""
    png.unlink(missing_ok=True)
    start = time.time()
    subprocess.run(
        command, check=True, cwd=ROOT, capture_output=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    )
    end = time.time()
    return png.stat().st_mtime - start, end - start


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
        rows.append((name, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))
    print(f"cold start, median of {ns.runs} runs each (alternating): to the painted window saved as PNG / to exit")
    for name, painted, ended in rows:
        print(f"  {name:<36} {painted:.3f} s / {ended:.3f} s")
    painted, ended = rows[1][1] / rows[0][1], rows[1][2] / rows[0][2]
    print(f"ratio to the painted window {painted:.2f} (target ≤ 1.3); to exit {ended:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
