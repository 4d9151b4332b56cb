"""``python -m numtorch ...``: the command-line tool."""

import sys

from numtorch.cli.main import main

sys.exit(main())
