"""The command line: validate, info, build; one-line errors and exit codes, never a traceback."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import tiny

from changsha_replay.store import FORMAT_VERSION, save

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT):
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "changsha_replay", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    return result, time.monotonic() - start


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "tiny.sqlite"
    save(tiny(), path)
    return path


def test_validate_a_good_file(good):
    result, _ = run("validate", good)
    assert result.returncode == 0 and "valid" in result.stdout and not result.stderr


def test_info(good):
    result, _ = run("info", good)
    assert result.returncode == 0
    assert "Tiny" in result.stdout and "units: 5" in result.stdout and "events: 4" in result.stdout
    assert "phases: 3" in result.stdout and f"format {FORMAT_VERSION}" in result.stdout  # saved as the current format


@pytest.mark.parametrize("content", [b"", b"garbage" * 100, b"SQLite format 3\x00" + b"\x01" * 500])
def test_bad_files_give_one_line_and_exit_1_quickly(tmp_path, content):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(content)
    for command in ("validate", "info"):
        result, seconds = run(command, bad)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert seconds < 5  # includes starting Python; the check itself is milliseconds


def test_validate_lists_problems_one_per_line(good):
    import sqlite3

    conn = sqlite3.connect(good)
    with conn:
        conn.execute("UPDATE unit SET side_id = 'nobody' WHERE id = 'jp-regt'")
        conn.execute("UPDATE place SET lat = 95 WHERE id = 'changsha'")
    conn.close()
    result, _ = run("validate", good)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert any("unit 'jp-regt' [side_id]" in line for line in lines)
    assert any("place 'changsha' [lat/lon]" in line for line in lines)


def test_unknown_option_is_a_usage_error():
    result, _ = run("validate")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_build_rejects_a_broken_source(tmp_path):
    (tmp_path / "src").mkdir()
    result, _ = run("build", tmp_path / "src", tmp_path / "out.sqlite")
    assert result.returncode == 2 and "scenario.toml" in result.stderr  # a bad file: 2, as the README says
    assert not (tmp_path / "out.sqlite").exists()


def test_build_names_a_malformed_entry_without_a_traceback(tmp_path):
    import shutil

    source = tmp_path / "src"
    shutil.copytree(ROOT / "scenarios" / "changsha-1942", source)
    rows = (source / "keyframes.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    first = rows[1].split(",")
    first[header.index("strength")] = "full"
    (source / "keyframes.csv").write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n", encoding="utf-8")
    result, _ = run("build", source, tmp_path / "out.sqlite")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "full" in result.stderr  # invalid content


def test_build_from_a_folder_it_cannot_read_exits_2(tmp_path):
    result, _ = run("build", tmp_path / "no-such-folder", tmp_path / "out.sqlite")
    assert result.returncode == 2 and result.stderr.strip() and "Traceback" not in result.stderr
    assert not (tmp_path / "out.sqlite").exists()
