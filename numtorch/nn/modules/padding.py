"""Padding layers: constant (and zero), reflection, replication and circular padding of the
last 1, 2 or 3 dims.

Each layer holds its ``padding`` (an int pads every side alike; a tuple lists
``(left, right[, top, bottom[, front, back]])``, last dim first) and calls ``F.pad``.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> nn.ReflectionPad1d(2)(numtorch.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    >>> nn.ZeroPad2d((1, 0, 0, 1))
    ZeroPad2d((1, 0, 0, 1))
"""

from __future__ import annotations

from numtorch._tensor import Tensor

from .. import functional as F
from .module import Module

__all__ = [
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _sides(padding, n: int) -> tuple:
    """``padding`` as ``2 * n`` sizes: an int repeated, a sequence kept as given."""
    if isinstance(padding, (list, tuple)):
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    """Pads the last ``_dims`` dims in ``_mode``; ``padding`` lists sizes last dim first."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, self._dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


# ---------------------------------------------------------------------------------------------
# constant and zero padding
# ---------------------------------------------------------------------------------------------

class _ConstantPadNd(_PadNd):
    """Pads with the constant ``value``."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``: ``W_out = W + left + right``."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with ``value``: ``(left, right, top, bottom)``."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with ``value``: ``(left, right, top, bottom, front, back)``."""

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros.

    Example:
        >>> import numtorch
        >>> ZeroPad2d(1)(numtorch.ones(1, 1, 1)).tolist()
        [[[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]
    """

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


# ---------------------------------------------------------------------------------------------
# reflection, replication and circular padding
# ---------------------------------------------------------------------------------------------

class ReflectionPad1d(_PadNd):
    """Mirrors the last dim about its edges, not repeating them (``cb|abc|ba``)."""

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirrors the last two dims about their edges."""

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirrors the last three dims about their edges."""

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeats the edge values of the last dim (``aa|abc|cc``)."""

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeats the edge values of the last two dims."""

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeats the edge values of the last three dims."""

    _dims, _mode = 3, "replicate"


class _CircularPadNd(_PadNd):
    """Wraps around: the end of a dim pads its start and the start its end (``bc|abc|ab``)."""

    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        d = self._dims
        if input.dim() not in (d + 1, d + 2):
            raise ValueError(f"expected {d + 1}D or {d + 2}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Circular padding of the last dim."""

    _dims = 1


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last two dims."""

    _dims = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last three dims."""

    _dims = 3
