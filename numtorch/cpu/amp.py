"""``torch.cpu.amp``: ``autocast`` and ``GradScaler`` bound to the CPU (deprecated spellings of
``torch.amp.autocast("cpu", ...)`` and ``torch.amp.GradScaler("cpu", ...)``)."""

from numtorch.amp import autocast_mode, grad_scaler  # noqa: F401  (as torch.cpu.amp has them)
from numtorch.amp._device import GradScaler_cpu as GradScaler
from numtorch.amp._device import autocast_cpu as autocast

__all__ = ["autocast", "GradScaler"]
