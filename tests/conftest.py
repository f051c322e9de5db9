import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "tests", ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import os  # noqa: E402
import tempfile  # noqa: E402

# Tests never touch the user's cache of scenarios: one throwaway folder for the whole run
# (tests of the cache itself use their own).
os.environ["CHANGSHA_REPLAY_CACHE"] = tempfile.mkdtemp(prefix="changsha-replay-test-cache-")
