"""Command line: ``changsha-replay [SCENARIO]``, ``validate FILE…``, ``info FILE``, ``build SRC OUT``,
``new OUT --title … --units CSV --keyframes CSV …``.

The model and the store (numpy, sqlite-utils) are imported where they are used: opening the app
loads them in ``ui.app.run``, with the garbage collector off during start-up.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import APP_NAME, __version__

if TYPE_CHECKING:
    from .model.scenario import Scenario

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
COMMANDS = ("validate", "info", "build", "new")


def _error(message: str) -> None:
    print(f"changsha-replay: {message}", file=sys.stderr)


def cmd_validate(paths: Sequence[str]) -> int:
    """Exit 0 when every file is a valid scenario; else print the problems, one per line."""
    from .store import ScenarioError, check

    status = EXIT_OK
    for name in paths:
        try:
            problems = check(name)
        except ScenarioError as exc:
            _error(str(exc))
            status = EXIT_INVALID
            continue
        if problems:
            status = EXIT_INVALID
            for problem in problems:
                print(f"{name}: {problem}")
        else:
            print(f"{name}: valid")
    return status


def summary(scenario: Scenario, path: str | Path) -> str:
    """A short text description of a scenario."""
    from .model.times import format_time
    from .store.untrusted import read_header

    info, tz = scenario.info, scenario.info.time_zone
    version = read_header(Path(path))[0]
    lines = [
        f"{info.title_en} / {info.title_zh}".rstrip(" /"),
        f"file: {path} (scenario format {version})",
        f"time: {format_time(info.start, tz)} – {format_time(info.end, tz)}",
        f"sides: {len(scenario.sides)}  units: {len(scenario.units)}  keyframes: {len(scenario.tracks)}  "
        f"events: {len(scenario.events)}  places: {len(scenario.places)}  features: {len(scenario.features)}  "
        f"annotations: {len(scenario.annotations)}",
        f"phases: {len(scenario.phases)}",
    ]
    for i, phase in enumerate(scenario.phases, 1):
        lines.append(f"  {i}. {format_time(phase.start, tz)[:16].replace('T', ' ')}  {phase.title_en}")
    return "\n".join(lines)


def cmd_info(path: str) -> int:
    from .store import ScenarioError, load

    try:
        scenario = load(path)
    except ScenarioError as exc:
        _error(str(exc))
        return EXIT_INVALID
    print(summary(scenario, path))
    return EXIT_OK


def cmd_build(source: str, output: str) -> int:
    """Build a scenario file from its source folder; exit 1 with the problems if it is invalid,
    2 if the folder is no scenario source (a bad argument)."""
    from .authoring import SourceError, read_source
    from .model.validation import validate
    from .store import ScenarioError, save

    folder = Path(source)
    if not (folder / "scenario.toml").is_file():  # not a source folder at all: a bad argument
        _error(f"{folder}: not a scenario source folder (no scenario.toml)")
        return EXIT_USAGE
    try:
        scenario = read_source(source)
    except SourceError as exc:  # a source folder with something wrong in it: invalid
        _error(str(exc))
        return EXIT_INVALID
    problems = validate(scenario)
    for problem in problems:
        print(f"{source}: {problem}")
    if problems:
        return EXIT_INVALID
    try:
        save(scenario, output, building_bundle=True)
    except ScenarioError as exc:
        _error(str(exc))
        return EXIT_INVALID
    print(f"{output}: {len(scenario.units)} units, {len(scenario.tracks)} keyframes, {len(scenario.events)} events")
    return EXIT_OK


def cmd_new(ns: argparse.Namespace) -> int:
    """A new scenario file from CSV and GeoJSON tables; exit 2, writing nothing, on any bad input."""
    from .authoring.tables import TableError, new_scenario
    from .model.validation import validate
    from .store import ScenarioError, save

    output = Path(ns.output)
    if output.exists() and not ns.force:
        _error(f"{output}: exists (--force replaces it)")
        return EXIT_USAGE
    features = []
    for spec in ns.features:
        path, _colon, kind = spec.rpartition(":") if ":" in Path(spec).name else (spec, "", "")
        features.append((Path(path), kind or None))
    try:
        scenario = new_scenario(
            ns.title,
            Path(ns.units),
            Path(ns.keyframes),
            sides=Path(ns.sides) if ns.sides else None,
            events=Path(ns.events) if ns.events else None,
            places=Path(ns.places) if ns.places else None,
            features=features,
        )
    except TableError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except RecursionError:
        _error("a GeoJSON geometry nested too deeply")
        return EXIT_USAGE
    problems = validate(scenario)
    if problems:
        files = {
            "unit": ns.units,
            "side": ns.sides or ns.units,
            "keyframe": ns.keyframes,
            "event": ns.events,
            "event_unit": ns.events,
            "place": ns.places,
        }
        file = files.get(problems[0].table)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        _error(f"{Path(file).name + ': ' if file else ''}{problems[0]}{more}")
        return EXIT_USAGE
    try:
        save(scenario, output)
    except ScenarioError as exc:
        _error(str(exc))
        return EXIT_USAGE
    print(f"{output}: {len(scenario.units)} units, {len(scenario.tracks)} keyframes, {len(scenario.events)} events")
    return EXIT_OK


def _tool_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="changsha-replay", description=f"{APP_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check scenario files; exit 0 when all are valid")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("info", help="describe a scenario file")
    p.add_argument("file")
    p = sub.add_parser("build", help="build a scenario file from a source folder")
    p.add_argument("source")
    p.add_argument("output")
    p = sub.add_parser("new", help="make a scenario file from CSV and GeoJSON tables (README: Make your own scenario)")
    p.add_argument("output", help="the scenario file to write")
    p.add_argument("--title", required=True)
    p.add_argument(
        "--units", required=True, metavar="CSV", help="id,parent_id,side_id,name_en,name_zh,echelon,branch,commander_en"
    )
    p.add_argument(
        "--keyframes", required=True, metavar="CSV", help="unit_id,time,lat,lon,strength,status,certainty,source"
    )
    p.add_argument("--sides", metavar="CSV", help="id,name_en,name_zh,colour (default: from the units' side ids)")
    p.add_argument("--events", metavar="CSV", help="id,time,kind,title_en,text_en,lat,lon,units,source")
    p.add_argument("--places", metavar="CSV|GEOJSON", help="id,name_en,name_zh,lat,lon,kind, or GeoJSON points")
    p.add_argument("--features", nargs="*", default=[], metavar="GEOJSON[:KIND]", help="rivers, lakes, roads …")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        try:
            ns = _tool_parser().parse_args(args)
        except SystemExit as exc:
            return EXIT_USAGE if exc.code else EXIT_OK
        if ns.command == "validate":
            return cmd_validate(ns.files)
        if ns.command == "info":
            return cmd_info(ns.file)
        if ns.command == "new":
            return cmd_new(ns)
        return cmd_build(ns.source, ns.output)
    return run_app(args)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size like 1600x1000: {text!r}") from None
    if not (200 <= w <= 10000 and 200 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"size out of range (200–10000 pixels): {text!r}")
    return w, h


def _time(text: str) -> float:
    from .model.times import TimeFormatError, parse_time

    try:
        return parse_time(text)
    except TimeFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_app(args: Sequence[str]) -> int:
    """Open the replay window on a scenario (the last one, or the bundled Changsha scenario)."""
    parser = argparse.ArgumentParser(
        prog="changsha-replay",
        description=f"{APP_NAME} {__version__}: replay the Third Battle of Changsha.",
        epilog="Tools: changsha-replay validate FILE… | info FILE | build SRC OUT",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        help="scenario file (default: the last one, or the bundled Changsha 1941–42 scenario)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--phase", type=int, metavar="N", help="open at the start of phase N (1-based)")
    where.add_argument("--time", type=_time, metavar="ISO8601", help="open at this time, e.g. 1942-01-05T06:00+08:00")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="render the window to a PNG and exit")
    parser.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH", help="window size for --screenshot")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    try:
        ns = parser.parse_args(list(args))
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    from .ui.app import Options, run

    return run(Options(ns.scenario, ns.phase, ns.time, ns.screenshot, ns.size))


if __name__ == "__main__":
    sys.exit(main())
