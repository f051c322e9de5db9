"""Entry point of the frozen application (PyInstaller runs this as the program's main script).

The same as ``python -m changsha_replay``: the command line, the tools and the replay window.
"""

import sys

from changsha_replay.cli import main

if __name__ == "__main__":
    sys.exit(main())
