"""numtorch.amp: automatic mixed precision, as PyTorch scripts use it on a CPU.

``autocast`` regions keep PyTorch's state and warnings while numtorch computes in the tensors'
own precision (NOTE [ autocast keeps float32 ] in ``autocast_mode``); ``GradScaler`` scales the
loss and unscales gradients, and disables itself, as PyTorch's does, when asked for CUDA.
``torch.cpu.amp`` and ``torch.cuda.amp`` hold the older, device-specific spellings.

Example:
    >>> import numtorch
    >>> with numtorch.amp.autocast("cpu", enabled=False):
    ...     numtorch.is_autocast_enabled("cpu")
    False
"""

from . import autocast_mode, grad_scaler
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "GradScaler", "is_autocast_available",
           "autocast_mode", "grad_scaler"]
