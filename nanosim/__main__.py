"""``python -m nanosim``: the command line."""

import sys

from nanosim.cli import main

sys.exit(main())
