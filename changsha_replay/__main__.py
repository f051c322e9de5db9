"""``python -m changsha_replay``."""

import sys

from .cli import main

sys.exit(main())
