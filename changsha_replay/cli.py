"""Command line: ``changsha-replay [SCENARIO]``, ``validate FILE…``, ``info FILE``, ``build SRC OUT``.

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
COMMANDS = ("validate", "info", "build")


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
