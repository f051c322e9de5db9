"""Cold start to a painted window: Changsha Replay against a bare PySide6 + pyqtgraph window.

Both render their window offscreen to a PNG and exit, measured side by side, alternating, in one
run: ``python benchmarks/startup.py [--runs 7]``. The target is at most 1.3× the bare window.
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


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=True, cwd=ROOT, capture_output=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    ns = parser.parse_args()
    out = Path(tempfile.mkdtemp()) / "shot.png"
    # Like an installed package (pip compiles on install), and like pyqtgraph in site-packages:
    # start from bytecode, even where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "changsha_replay")], check=True)
    bare, app = [], []
    timed([sys.executable, "-c", BARE, str(out)])  # warm the file cache for both
    timed([sys.executable, "-m", "changsha_replay", "--screenshot", str(out)])
    for _ in range(ns.runs):
        bare.append(timed([sys.executable, "-c", BARE, str(out)]))
        app.append(timed([sys.executable, "-m", "changsha_replay", "--screenshot", str(out)]))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"bare PySide6 + pyqtgraph window to PNG: median {b:.3f} s over {ns.runs} runs")
    print(f"Changsha Replay (bundled scenario) to PNG: median {a:.3f} s over {ns.runs} runs")
    print(f"ratio {a / b:.2f} (target ≤ 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
