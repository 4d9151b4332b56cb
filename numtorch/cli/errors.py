"""The command-line tool's one error type: a user's mistake, reported in one line.

``numtorch train``, ``evaluate`` and ``predict`` raise :class:`CLIError` for bad input (an
unknown dataset, a missing file, a negative learning rate, a checkpoint from another
architecture...). ``numtorch.cli.main`` prints ``numtorch <command>: error: <message>`` on
stderr, without a traceback, and exits with status 2, as ``argparse`` does for a bad flag.
"""

from __future__ import annotations

__all__ = ["CLIError", "EXIT_USAGE"]

EXIT_USAGE = 2


class CLIError(Exception):
    """A user's mistake: the message names the problem in one line; the exit status is 2."""
