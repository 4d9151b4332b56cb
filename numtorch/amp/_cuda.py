"""``torch.cuda.amp``: ``autocast`` and ``GradScaler`` bound to CUDA (deprecated spellings of
``torch.amp.autocast("cuda", ...)`` and ``torch.amp.GradScaler("cuda", ...)``).  numtorch has
no CUDA device, so both disable themselves with PyTorch's warnings, as PyTorch does on a
machine without one.  ``numtorch.cuda`` exports this module as its ``amp``."""

from ._device import GradScaler_cuda as GradScaler
from ._device import autocast_cuda as autocast
from .autocast_mode import custom_bwd, custom_fwd  # noqa: F401


def amp_definitely_not_available() -> bool:
    """True: there is no CUDA device."""
    return True


__all__ = ["autocast", "custom_bwd", "custom_fwd", "GradScaler"]
