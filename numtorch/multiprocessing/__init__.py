"""``torch.multiprocessing``: the standard library's ``multiprocessing``, plus ``spawn``.

Everything of :mod:`multiprocessing` is here under the same names, so a script may write
``import torch.multiprocessing as mp`` and use ``mp.Process``, ``mp.Queue``,
``mp.get_context``...  ``spawn``/``start_processes`` start ``nprocs`` copies of a function
and join them, raising in the parent what failed in a child (``spawn.py``).

Tensors travel between processes by pickling (their arrays are copied); the sharing
strategies are reported as PyTorch reports them on Linux, for scripts that ask.  Under
``python -m numtorch run``, spawned children import numtorch as ``torch`` too
(NOTE [ children of the runner ] in ``numtorch/compat.py``).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import *  # noqa: F403

from .spawn import (
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    spawn,
    start_processes,
)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           "spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessExitedException", "ProcessRaisedException"] + multiprocessing.__all__

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how CPU tensors would be shared (``"file_descriptor"`` or ``"file_system"``)."""
    global _sharing_strategy
    assert new_strategy in _all_sharing_strategies
    _sharing_strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current strategy for sharing CPU tensors."""
    return _sharing_strategy


def get_all_sharing_strategies() -> set[str]:
    """The strategies this system supports."""
    return _all_sharing_strategies
