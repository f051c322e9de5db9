"""Kill test of saving: a process killed (SIGKILL) while it saves never leaves a broken file.

``python benchmarks/kill_save.py --runs 100 [--seed 1] [--units 300 --keyframes 30 --events 1000]``

Each run starts a child Python process that saves, over and over, to one target file:
scenario A (the bundled scenario, or a synthetic one with ``--units``) and B (A with another
title), alternately, and with ``check``/``compact`` on for two saves and off for the next two.
After a few saves the child is killed with SIGKILL at a random moment within a save's
duration. Then the target must exist, pass ``PRAGMA integrity_check``, and hold exactly A or B
(``store.load(..., use_cache=False)`` then ``same_content``). Beside it there may be at most
the one temporary file (``.name.XXXX.tmp``) that the killed save was writing: those are
named in the output, then removed; SQLite's own scratch files (a private folder is given to
the child as SQLITE_TMPDIR) must not remain at all. Prints a line per run and a summary;
exits 1 on any failure. POSIX only.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

TARGET = "scenario.sqlite"


@dataclass
class Report:
    runs: int = 0
    held: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0})
    leftovers: list[str] = field(default_factory=list)  # temporary files of killed saves, one per run at most
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        lines = [
            f"{self.runs} runs, {self.runs - len({f.split(':')[0] for f in self.failures})} passed;"
            f" the target held A {self.held['A']}×, B {self.held['B']}×",
            f"temporary files left by killed saves (at most one per run allowed): {len(self.leftovers)}"
            + (f" ({', '.join(self.leftovers)})" if self.leftovers else ""),
            f"failures: {len(self.failures)}",
            *(f"  {f}" for f in self.failures),
        ]
        return "\n".join(lines)


def _modes(i: int) -> dict:
    """The options of the child's i-th save: A, B with checks and compaction, then A, B without."""
    full = (i // 2) % 2 == 0
    return {"check": full, "compact": full}


def child(target: str, a: str, b: str) -> None:
    """Save A and B to ``target`` until killed; one line on stdout when ready and after each save."""
    from changsha_replay.store import load, save

    scenarios = (load(a, use_cache=False), load(b, use_cache=False))
    print("ready", flush=True)
    i = 0
    while True:
        save(scenarios[i % 2], target, **_modes(i))
        print(f"saved {i}", flush=True)
        i += 1


def _scenarios(units: int | None, keyframes: int, events: int):
    from changsha_replay.resources import default_scenario
    from changsha_replay.store import load

    if units:
        from synthetic import synthetic

        a = synthetic(units, keyframes, events)
    else:
        a = load(default_scenario(), use_cache=False)
    b = a.replace(info=a.info._replace(title_en=a.info.title_en + " (B)"))
    return a, b


def _save_duration(a, target: Path) -> float:
    """Median time of a save, the longer of the two kinds the child makes."""
    from changsha_replay.store import save

    medians = []
    for i in (0, 2):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            save(a, target, **_modes(i))
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return max(medians)


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def kill_test(
    runs: int,
    *,
    seed: int | None = None,
    units: int | None = None,
    keyframes: int = 30,
    events: int = 1000,
    log=print,
) -> Report:
    """Run the kill test ``runs`` times; the report lists every failure."""
    from changsha_replay.store import ScenarioError, load, save

    rng = random.Random(seed)
    report = Report()
    a, b = _scenarios(units, keyframes, events)
    with tempfile.TemporaryDirectory(prefix="changsha-replay-kill-") as work:
        work = Path(work)
        folder, scratch = work / "target", work / "sqlite-tmp"
        folder.mkdir()
        scratch.mkdir()
        a_path, b_path, target = work / "a.sqlite", work / "b.sqlite", folder / TARGET
        save(a, a_path)
        save(b, b_path)
        duration = _save_duration(a, target)
        log(f"a save takes about {duration * 1e3:.0f} ms; {runs} runs")
        env = {**os.environ, "SQLITE_TMPDIR": str(scratch), "CHANGSHA_REPLAY_CACHE": "off"}
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(target), str(a_path), str(b_path)]
        for run in range(1, runs + 1):
            report.runs += 1
            saves_first = rng.randint(0, 5)
            delay = rng.uniform(0, duration)
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
            try:
                if proc.stdout.readline().strip() != "ready":
                    report.failures.append(f"run {run}: the child did not start (exit {proc.wait()})")
                    continue
                for _ in range(saves_first):
                    if not proc.stdout.readline():
                        break
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                proc.stdout.close()
            if proc.returncode != -signal.SIGKILL:
                report.failures.append(f"run {run}: the child ended by itself (exit {proc.returncode})")
                continue
            problems = []
            held = "-"
            if not target.exists():
                problems.append("the target is gone")
            else:
                integrity = _integrity(target)
                if integrity != "ok":
                    problems.append(f"integrity_check: {integrity[:200]}")
                try:
                    found = load(target, use_cache=False)
                except ScenarioError as exc:
                    problems.append(f"cannot be loaded: {exc}")
                else:
                    held = "A" if found.same_content(a) else "B" if found.same_content(b) else "?"
                    if held == "?":
                        problems.append("holds neither A nor B")
                    else:
                        report.held[held] += 1
            others = sorted(p.name for p in folder.iterdir() if p.name != TARGET)
            temporary = [n for n in others if n.startswith(f".{TARGET}.") and n.endswith(".tmp")]
            if len(temporary) > 1:
                problems.append(f"{len(temporary)} temporary files left: {', '.join(temporary)}")
            if set(others) - set(temporary):
                problems.append(
                    f"unexpected files beside the target: {', '.join(sorted(set(others) - set(temporary)))}"
                )
            stray_scratch = sorted(p.name for p in scratch.iterdir())
            if stray_scratch:
                problems.append(f"SQLite scratch files left: {', '.join(stray_scratch)}")
            report.leftovers.extend(temporary)
            for name in others:  # the next run starts clean (correctness never depends on this)
                (folder / name).unlink()
            for name in stray_scratch:
                (scratch / name).unlink()
            report.failures.extend(f"run {run}: {p}" for p in problems)
            left = f", left {', '.join(temporary)}" if temporary else ""
            log(
                f"run {run:3d}: killed {delay * 1e3:5.1f} ms after {saves_first} saves: "
                f"{'ok' if not problems else 'FAILED'}, held {held}{left}"
            )
    return report


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--units", type=int, default=None, help="a synthetic scenario instead of the bundled one")
    parser.add_argument("--keyframes", type=int, default=30)
    parser.add_argument("--events", type=int, default=1000)
    ns = parser.parse_args()
    if os.name != "posix":
        print("the kill test needs POSIX signals")
        return 2
    report = kill_test(ns.runs, seed=ns.seed, units=ns.units, keyframes=ns.keyframes, events=ns.events)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
