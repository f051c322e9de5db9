"""Saving in a forked child process, so that the window's process does no work meanwhile.

A worker thread is not enough for the window: writing a scenario from memory is Python work
(rows of events, parameters of keyframes), and a thread running Python starves the GUI thread of
the GIL, which PySide releases and takes back around every call into Qt (measured: frames of
100–150 ms during a 1 M-keyframe save on a thread). A forked child has its own GIL and a copy
of the scenario for free (the pages are shared until written); the parent only waits for it.

The child is forked while no thread of the parent is inside SQLite (``store.sqlite_gate``),
never touches Qt, runs :func:`store.writer.save` at a lower priority and ends with ``os._exit``;
its result (None or the ScenarioError) comes back through a pipe. Where there is no fork the
save runs in the calling thread.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
from pathlib import Path

from ..model.scenario import Scenario
from .atomic import unchanged_note
from .errors import ScenarioError
from .origin import Origin, rows_from_memory
from .sqlite_gate import no_sqlite

CAN_FORK = hasattr(os, "fork")
CHILD_NICENESS = 5  # the window keeps the first claim on the processor
#: Rows written from memory above which a save forks. A fork costs the window one slower frame
#: (after it, every page the window writes is copied once: ~30-60 ms for a large heap); below
#: this, or when a save mostly copies from the file read (inside SQLite, the GIL released),
#: the calling thread does it.
FORK_ABOVE_ROWS = 10_000


def save_in_child(scenario: Scenario, path: str | os.PathLike, **options) -> None:
    """``store.save(scenario, path, **options)`` in a forked child when it writes many rows
    from memory (else here); the same result and errors either way."""
    target = Path(path)
    if not CAN_FORK or rows_from_memory(scenario) <= FORK_ABOVE_ROWS:
        _save_here(scenario, target, options)
        return
    read_end, write_end = os.pipe()
    try:
        with no_sqlite():
            pid = os.fork()
    except OSError:  # no memory or processes left for a child: save here instead
        os.close(read_end)
        os.close(write_end)
        _save_here(scenario, target, options)
        return
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(scenario, target, options, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reply = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not reply:
        raise ScenarioError(f"{target.name}: saving stopped unexpectedly ({_ended(status)}); {unchanged_note(target)}")
    error, written = pickle.loads(reply)  # from our own child
    if error is not None:
        raise error
    if isinstance(scenario.origin, Origin) and written is not None:
        scenario.origin.moved(scenario, target, written)  # as the child did in its copy, if still that file


def _save_here(scenario: Scenario, target: Path, options: dict) -> None:
    from .writer import save

    save(scenario, target, **options)


def _child(scenario: Scenario, target: Path, options: dict, write_end: int) -> None:
    """Save, report, exit: no cleanup of the parent's objects (Qt's above all) runs here."""
    code = 0
    try:
        gc.disable()  # a collection would write to every page of the shared heap
        with contextlib.suppress(OSError):
            os.nice(CHILD_NICENESS)
        try:
            # imported here: the window's process never loads the writer (nor sqlite-utils, whose
            # import takes ~50 ms of the GIL), and the parent does no Python work for a save
            from .writer import save

            written = save(scenario, target, **options)
            error = None
        except ScenarioError as exc:
            error, written = exc, None
        except BaseException as exc:  # a clear message rather than a traceback
            error, written = (
                ScenarioError(f"{target.name}: saving failed ({type(exc).__name__}: {str(exc)[:160]})"),
                None,
            )
        try:
            reply = pickle.dumps((error, written))
        except Exception:
            reply = pickle.dumps((ScenarioError(str(error)), None))
        view = memoryview(reply)
        while view:
            view = view[os.write(write_end, view) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        with contextlib.suppress(ValueError):
            return f"the saving process was stopped by {signal.Signals(number).name}"
        return f"the saving process was stopped by signal {number}"
    return f"the saving process ended with code {os.waitstatus_to_exitcode(status)}"
