"""The device-specific spellings ``torch.cpu.amp`` and ``torch.cuda.amp`` build on.

``torch.cpu.amp.autocast(...)`` is ``torch.amp.autocast("cpu", ...)`` and
``torch.cuda.amp.GradScaler(...)`` is ``torch.amp.GradScaler("cuda", ...)``; PyTorch keeps
them, deprecated, with a ``FutureWarning`` at construction, and so does numtorch.  The classes
are made here, once per device, and exported by ``numtorch.cpu.amp`` and ``numtorch.cuda.amp``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     autocast_cpu().device
    'cpu'
"""

from __future__ import annotations

import warnings

from numtorch import _dtype

from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["autocast_cpu", "autocast_cuda", "GradScaler_cpu", "GradScaler_cuda"]


def _deprecated(name: str, device: str) -> None:
    warnings.warn(f"`torch.{device}.amp.{name}(args...)` is deprecated. Please use "
                  f"`torch.amp.{name}('{device}', args...)` instead.", FutureWarning, stacklevel=3)


class autocast_cpu(autocast):
    """``autocast("cpu", ...)`` (bfloat16 by default), the deprecated spelling."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        _deprecated("autocast", "cpu")
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class autocast_cuda(autocast):
    """``autocast("cuda", ...)`` (float16 by default), the deprecated spelling."""

    def __init__(self, enabled: bool = True, dtype=_dtype.float16,
                 cache_enabled: bool = True) -> None:
        _deprecated("autocast", "cuda")
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler_cpu(GradScaler):
    """``GradScaler("cpu", ...)``, the deprecated spelling."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        _deprecated("GradScaler", "cpu")
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


class GradScaler_cuda(GradScaler):
    """``GradScaler("cuda", ...)``, the deprecated spelling (disabled here: no CUDA)."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        _deprecated("GradScaler", "cuda")
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


for _cls, _dev in ((autocast_cpu, "cpu"), (autocast_cuda, "cuda"), (GradScaler_cpu, "cpu"),
                   (GradScaler_cuda, "cuda")):
    _cls.__name__ = _cls.__qualname__ = _cls.__name__.split("_")[0]
    _cls.__module__ = f"numtorch.{_dev}.amp"
