"""Write docs/examples/tables/: the defence of Changsha (31 Dec 1941 – 5 Jan 1942) as the CSV
tables ``changsha-replay new`` reads, taken from the bundled scenario with its sources.

``python tools/example_tables.py``; then README: Make your own scenario.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from changsha_replay.model import vocab  # noqa: E402
from changsha_replay.model.times import format_time, parse_time  # noqa: E402
from changsha_replay.resources import default_scenario  # noqa: E402
from changsha_replay.store import load  # noqa: E402

OUT = ROOT / "docs" / "examples" / "tables"
START, END = parse_time("1941-12-31T00:00+08:00"), parse_time("1942-01-05T00:00+08:00")


def _minutes(t: float, tz) -> str:
    text = format_time(t, tz)
    return text[:16] + text[19:]  # the seconds are always :00 here


def main() -> None:
    s = load(default_scenario(), use_cache=False)
    keep = ["cn-10-army"] + [u.id for u in s.units if u.parent_id == "cn-10-army"] + ["jp-3-div", "jp-6-div"]
    units = [u for u in s.units if u.id in keep]
    tz = s.info.time_zone
    sources = {x.key: x for x in s.sources}

    def cite(c) -> str:
        title = sources[c.source_key].title if c.source_key in sources else c.source_key
        return f"{title}, {c.locator}" if c.locator else title

    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "sides.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name_en", "name_zh", "colour", "identity"])
        for side, identity in zip(s.sides, ("friend", "hostile")):
            w.writerow([side.id, side.name_en, side.name_zh, side.colour, identity])
    with (OUT / "units.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "parent_id", "side_id", "name_en", "name_zh", "echelon", "branch", "commander_en"])
        for u in units:
            parent = u.parent_id if u.parent_id in keep else ""
            w.writerow([u.id, parent, u.side_id, u.name_en, u.name_zh, u.echelon, u.branch, u.commander_en])
    t = s.tracks
    with (OUT / "keyframes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_id", "time", "lat", "lon", "strength", "status", "certainty", "source"])
        for u in units:
            i = s.units.index_of(u.id)
            for k in range(t.offsets[i], t.offsets[i + 1]):
                if START <= t.time[k] <= END:
                    w.writerow(
                        [
                            u.id,
                            _minutes(float(t.time[k]), tz),
                            f"{t.lat[k]:.4f}",
                            f"{t.lon[k]:.4f}",
                            f"{t.strength[k]:g}",
                            vocab.STATUSES[t.status[k]],
                            vocab.CERTAINTIES[t.certainty[k]],
                            cite(t.citations[t.citation[k]]),
                        ]
                    )
    with (OUT / "events.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "time", "kind", "title_en", "text_en", "lat", "lon", "units", "source"])
        for e in s.events:
            ids = [x.unit_id for x in e.units if x.unit_id in keep]
            if START <= e.time <= END and ids:
                lat = "" if e.lat is None else f"{e.lat:.4f}"
                lon = "" if e.lon is None else f"{e.lon:.4f}"
                sources_of = "; ".join(cite(c) for c in e.sources)
                w.writerow(
                    [e.id, _minutes(e.time, tz), e.kind, e.title_en, e.text_en, lat, lon, ";".join(ids), sources_of]
                )


if __name__ == "__main__":
    main()
