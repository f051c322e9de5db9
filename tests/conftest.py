import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "tests", ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import os  # noqa: E402
import tempfile  # noqa: E402

# Tests never touch the user's caches: one throwaway folder for the whole run (tests of the
# caches themselves use their own), removed at the end.
_CACHE = tempfile.mkdtemp(prefix="changsha-replay-test-cache-")
os.environ["CHANGSHA_REPLAY_CACHE"] = _CACHE
# Nor the user's data folder (journals of unsaved edits).
_DATA = tempfile.mkdtemp(prefix="changsha-replay-test-data-")
os.environ["CHANGSHA_REPLAY_DATA"] = _DATA


def pytest_sessionfinish(session, exitstatus):
    import shutil

    shutil.rmtree(_CACHE, ignore_errors=True)
    shutil.rmtree(_DATA, ignore_errors=True)
