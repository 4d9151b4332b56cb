"""``Unfold`` and ``Fold``: sliding blocks to columns and back (see ``F.unfold``/``F.fold``).

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> nn.Unfold(kernel_size=2)(numtorch.zeros(1, 3, 4, 4)).shape
    torch.Size([1, 12, 9])
    >>> nn.Fold(output_size=(4, 4), kernel_size=2)(numtorch.zeros(1, 12, 9)).shape
    torch.Size([1, 3, 4, 4])
"""

from __future__ import annotations

from numtorch._tensor import Tensor

from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sums columns ``(B, C*kh*kw, L)`` into images ``(B, C, *output_size)``."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extracts sliding blocks of ``(B, C, H, W)`` images as columns ``(B, C*kh*kw, L)``."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
