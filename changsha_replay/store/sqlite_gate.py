"""A gate between the threads that use SQLite and a fork.

``os.fork`` copies only the calling thread; a mutex another thread held at that moment stays
locked in the child for ever. SQLite takes process-wide mutexes (its allocator's, on every
allocation), so a child that uses SQLite must be forked while no other thread is inside it.
Every use of SQLite in the store is therefore inside :func:`using_sqlite` (nestable), and a
fork happens inside :func:`no_sqlite`, which waits for those uses to end and holds new ones back
until the fork is done (a few milliseconds).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_condition = threading.Condition()
_users = 0  # threads inside using_sqlite
_forking = False
_depth = threading.local()


@contextmanager
def using_sqlite() -> Iterator[None]:
    """This thread uses SQLite meanwhile (no fork happens)."""
    global _users
    nested = getattr(_depth, "value", 0)
    if not nested:
        with _condition:
            while _forking:
                _condition.wait()
            _users += 1
    _depth.value = nested + 1
    try:
        yield
    finally:
        _depth.value = nested
        if not nested:
            with _condition:
                _users -= 1
                _condition.notify_all()


@contextmanager
def no_sqlite() -> Iterator[None]:
    """No other thread is inside SQLite meanwhile (the calling thread must not be either)."""
    global _forking
    if getattr(_depth, "value", 0):
        raise RuntimeError("no_sqlite() inside using_sqlite() on the same thread")
    with _condition:
        while _forking:
            _condition.wait()
        _forking = True  # new users wait from now on
        while _users:
            _condition.wait()
    try:
        yield
    finally:
        with _condition:
            _forking = False
            _condition.notify_all()


def _reset_in_child() -> None:
    """A forked child starts with no other thread: nobody uses SQLite and nobody forks."""
    global _condition, _users, _forking, _depth
    _condition, _users, _forking, _depth = threading.Condition(), 0, False, threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_in_child)
