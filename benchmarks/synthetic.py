"""Synthetic scenarios of any size, for benchmarks and scale tests.

``python benchmarks/synthetic.py OUT.sqlite --units 10000 --keyframes 100 --events 100000``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from changsha_replay.model import vocab
from changsha_replay.model.orbat import OrderOfBattle
from changsha_replay.model.records import (
    Citation,
    Event,
    EventUnit,
    Phase,
    ScenarioInfo,
    Side,
    Source,
    Unit,
)
from changsha_replay.model.scenario import Scenario
from changsha_replay.model.timeline import EventLog, Phases
from changsha_replay.model.times import parse_offset, parse_time
from changsha_replay.model.tracks import UnitTracks

START = parse_time("1941-12-10T00:00:00+08:00")
END = parse_time("1942-01-17T00:00:00+08:00")


def synthetic(units: int, keyframes: int, events: int, seed: int = 1) -> Scenario:
    """A valid scenario: ``units`` units in a tree (sides → divisions → regiments), each with
    ``keyframes`` keyframes on a random walk, and ``events`` events."""
    rng = np.random.default_rng(seed)
    info = ScenarioInfo(
        "Synthetic", "合成", "generated", "", parse_offset("+08:00"), START, END, (112.0, 27.5, 114.0, 29.5)
    )
    sides = (Side("a", "Side A", "甲", "#2563eb"), Side("b", "Side B", "乙", "#dc2626"))
    cite = (Citation("SYN", "generated"),)
    unit_list: list[Unit] = []
    for i in range(units):
        side = "a" if i % 2 == 0 else "b"
        if i < 2:
            parent, echelon = None, "army"
        elif i < 2 + max(units // 20, 1) * 2:
            parent, echelon = f"u{i % 2}", "division"
        else:
            parent, echelon = f"u{2 + (i % (max(units // 20, 1) * 2))}", "regiment"
        if parent is not None and parent.endswith(str(i)):
            parent = None
        unit_list.append(
            Unit(
                f"u{i}",
                side,
                parent,
                f"Unit {i}",
                f"部队{i}",
                echelon,
                "infantry",
                "10061000171211000000" if side == "b" else "10031000171211000000",
                sources=cite,
            )
        )
    span = END - START
    n = units * keyframes
    steps = np.sort(rng.uniform(0, span, size=(units, keyframes)).round(), axis=1)
    steps[:, 0] = 0
    steps += np.arange(keyframes) * 0  # keep distinct by construction below
    steps = np.maximum.accumulate(steps + np.arange(keyframes), axis=1)
    time = (START + np.minimum(steps, span)).ravel()
    lat = (28.5 + np.cumsum(rng.normal(0, 0.01, size=(units, keyframes)), axis=1)).ravel().clip(27.6, 29.4)
    lon = (113.0 + np.cumsum(rng.normal(0, 0.01, size=(units, keyframes)), axis=1)).ravel().clip(112.1, 113.9)
    strength = np.round(rng.uniform(20, 100, n), 2)
    status = rng.integers(0, len(vocab.STATUSES), n).astype(np.int8)
    interpolate = rng.random(n) > 0.05
    tracks = UnitTracks(
        units,
        np.repeat(np.arange(units), keyframes),
        time,
        lat,
        lon,
        strength,
        status,
        interpolate,
        np.zeros(n, np.int8),
        np.zeros(n, np.int32),
        None,
        cite,
        (),
    )
    bounds = np.linspace(START, END, 10)[:-1]
    phases = Phases(
        Phase(f"p{i}", float(s), float(e), f"Phase {i}", f"阶段{i}")
        for i, (s, e) in enumerate(zip(bounds, [*bounds[1:], END]))
    )
    event_times = np.sort(rng.uniform(START, END, events).round())
    kinds = vocab.EVENT_KINDS
    event_list = [
        Event(
            f"e{i}",
            float(t),
            kinds[i % len(kinds)],
            f"Event {i}",
            f"事件{i}",
            "Something happened.",
            "发生了一件事。",
            lat=28.5,
            lon=113.0,
            basis="historical",
            units=(EventUnit(f"u{i % units}", "attacking"),),
            sources=cite,
        )
        for i, t in enumerate(event_times)
    ]
    return Scenario(
        info=info,
        sides=sides,
        units=OrderOfBattle(unit_list),
        phases=phases,
        events=EventLog(event_list),
        tracks=tracks,
        sources=(Source("SYN", "Synthetic data"),),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--keyframes", type=int, default=100)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    ns = parser.parse_args()
    from changsha_replay.store import save

    save(synthetic(ns.units, ns.keyframes, ns.events, ns.seed), ns.output)
    print(f"{ns.output}: {ns.units} units × {ns.keyframes} keyframes, {ns.events} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
