"""numtorch.cuda: numtorch computes on the CPU; these answer as PyTorch does without a GPU."""

from __future__ import annotations

import sys

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize",
           "current_device", "empty_cache"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Seeding a GPU that is absent does nothing, as in PyTorch."""


def manual_seed_all(seed: int) -> None:
    """Seeding GPUs that are absent does nothing, as in PyTorch."""


def synchronize(device=None) -> None:
    raise AssertionError("Torch not compiled with CUDA enabled")


def current_device() -> int:
    raise AssertionError("Torch not compiled with CUDA enabled")


def empty_cache() -> None:
    """Nothing to free."""


from .amp import _cuda as amp  # noqa: E402  (torch.cuda.amp: autocast, GradScaler)

# ``import torch.cuda.amp`` needs a package: an empty search path, and amp already imported
__path__: list[str] = []
sys.modules[__name__ + ".amp"] = amp
