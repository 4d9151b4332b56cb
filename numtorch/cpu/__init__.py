"""numtorch.cpu: the CPU as a device module, the one device numtorch computes on.

Answers as ``torch.cpu`` does: the CPU is always available, there is one, and synchronising
is a no-op.  ``numtorch.cpu.amp`` holds the deprecated ``torch.cpu.amp.autocast`` and
``GradScaler`` spellings.

Example:
    >>> is_available(), device_count(), current_device()
    (True, 1, 'cpu')
"""

from __future__ import annotations

from . import amp

__all__ = ["is_available", "device_count", "current_device", "synchronize", "amp"]


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing runs asynchronously on the CPU."""
