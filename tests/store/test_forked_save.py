"""Saving in a forked child: the same file and the same errors as saving here, a child that
dies is reported, and no fork happens while another thread is inside SQLite."""

import os
import signal
import threading
import time

import pytest
from factories import tiny
from synthetic import synthetic
from test_saving import _dump

from changsha_replay.store import ScenarioError, forked, load, save, sqlite_gate, writer

pytestmark = pytest.mark.skipif(not forked.CAN_FORK, reason="no fork on this system")


@pytest.fixture(autouse=True)
def always_fork(monkeypatch):
    """Every save of these tests forks (small ones are otherwise saved in the calling thread)."""
    monkeypatch.setattr(forked, "FORK_ABOVE_ROWS", -1)


def _count_forks(monkeypatch) -> list[int]:
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", counting_fork)
    return forks


def test_only_saves_that_write_many_rows_from_memory_fork(tmp_path, monkeypatch):
    monkeypatch.setattr(forked, "FORK_ABOVE_ROWS", 10_000)
    forks = _count_forks(monkeypatch)
    big = synthetic(200, 60, 100)  # 12,000 keyframes
    forked.save_in_child(tiny(), tmp_path / "small.sqlite")
    assert forks == []
    forked.save_in_child(big, tmp_path / "big.sqlite")
    assert len(forks) == 1
    opened = load(tmp_path / "big.sqlite", use_cache=False)
    edited = opened.replace(info=opened.info._replace(title_en="Edited"))
    forked.save_in_child(edited, tmp_path / "again.sqlite")  # copied from the file: no fork
    assert len(forks) == 1
    assert load(tmp_path / "again.sqlite", use_cache=False).same_content(edited)


def test_the_child_writes_what_saving_here_writes(tmp_path):
    scenario = tiny()
    forked.save_in_child(scenario, tmp_path / "child.sqlite")
    save(scenario, tmp_path / "here.sqlite")
    assert _dump(tmp_path / "child.sqlite") == _dump(tmp_path / "here.sqlite")


def test_the_origin_moves_to_the_file_the_child_saved(tmp_path):
    save(tiny(), tmp_path / "base.sqlite")
    opened = load(tmp_path / "base.sqlite", use_cache=False)
    edited = opened.replace(info=opened.info._replace(title_en="Edited"))
    forked.save_in_child(edited, tmp_path / "saved.sqlite", check=False)
    assert edited.origin.snapshot.path == (tmp_path / "saved.sqlite").resolve()
    assert load(tmp_path / "saved.sqlite", use_cache=False).same_content(edited)


def test_the_childs_error_is_raised_here_with_its_problems(tmp_path):
    bad = tiny()
    bad = bad.replace(annotations=(bad.annotations[0]._replace(colour="not a colour"),))
    with pytest.raises(ScenarioError) as caught:
        forked.save_in_child(bad, tmp_path / "bad.sqlite")
    assert "cannot save" in str(caught.value) and caught.value.problems
    assert not (tmp_path / "bad.sqlite").exists()


def test_a_missing_folder_is_named_as_here(tmp_path):
    target = tmp_path / "gone" / "x.sqlite"
    with pytest.raises(ScenarioError) as here:
        save(tiny(), target)
    with pytest.raises(ScenarioError) as child:
        forked.save_in_child(tiny(), target)
    assert str(child.value) == str(here.value) and "the folder does not exist" in str(child.value)


def test_a_child_killed_while_saving_is_reported(tmp_path, monkeypatch):
    (tmp_path / "old.sqlite").write_bytes(b"old")

    def killed(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(writer, "save", killed)  # in the child, which has the module as it was
    with pytest.raises(ScenarioError) as caught:
        forked.save_in_child(tiny(), tmp_path / "old.sqlite")
    assert str(caught.value) == (
        "old.sqlite: saving stopped unexpectedly (the saving process was stopped by SIGKILL);"
        " the previous file is unchanged"
    )
    assert (tmp_path / "old.sqlite").read_bytes() == b"old"


def test_no_fork_while_another_thread_is_inside_sqlite(tmp_path, monkeypatch):
    forks: list[float] = []
    real_fork = os.fork

    def recording_fork():
        forks.append(time.monotonic())
        return real_fork()

    monkeypatch.setattr(forked.os, "fork", recording_fork)
    inside, leave = threading.Event(), threading.Event()
    left: list[float] = []

    def reader():
        with sqlite_gate.using_sqlite():
            with sqlite_gate.using_sqlite():  # nested uses count once
                inside.set()
                leave.wait(5)
            left.append(time.monotonic())

    other = threading.Thread(target=reader)
    other.start()
    inside.wait(5)
    saver = threading.Thread(target=forked.save_in_child, args=(tiny(), tmp_path / "x.sqlite"))
    saver.start()
    time.sleep(0.2)
    assert forks == []  # waiting for the reader
    leave.set()
    saver.join(10)
    other.join(5)
    assert len(forks) == 1 and forks[0] >= left[0]
    assert load(tmp_path / "x.sqlite", use_cache=False).same_content(tiny())


def test_a_reader_waits_while_a_fork_is_made(tmp_path):
    entered: list[float] = []
    with sqlite_gate.no_sqlite():
        started = time.monotonic()

        def reader_body():
            with sqlite_gate.using_sqlite():
                entered.append(time.monotonic())

        reader = threading.Thread(target=reader_body)
        reader.start()
        time.sleep(0.1)
        assert entered == []
    reader.join(5)
    assert entered and entered[0] >= started + 0.1


def test_without_fork_the_save_runs_here(tmp_path, monkeypatch):
    monkeypatch.setattr(forked, "CAN_FORK", False)
    monkeypatch.setattr(forked.os, "fork", lambda: pytest.fail("forked"))
    forked.save_in_child(tiny(), tmp_path / "x.sqlite")
    assert load(tmp_path / "x.sqlite", use_cache=False).same_content(tiny())
