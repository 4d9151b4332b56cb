"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``.

A layer holds its weight, bias and settings; ``forward`` calls ``F.conv*``.  The weights start
as PyTorch's do for the same seed: ``kaiming_uniform_(a=sqrt(5))`` on the weight, which is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with ``fan_in = weight.shape[1] * prod(kernel_size)``, then
the bias from the same interval, drawn in that order from the global generator.

``padding_mode`` other than ``'zeros'`` pads the input first (``reflect``, ``replicate`` or
``circular``) and then convolves without padding.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> conv = nn.Conv2d(1, 4, 3, padding=1)
    >>> conv
    Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(numtorch.zeros(2, 1, 5, 5)).shape
    torch.Size([2, 4, 5, 5])
"""

from __future__ import annotations

import math

from numtorch._tensor import Tensor

from .. import functional as F
from .. import init
from ..functional._conv import _pad_mode
from ..parameter import Parameter
from .linear import _empty
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


def _tuple(v, n: int) -> tuple:
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * n


class _ConvNd(Module):
    """What every convolution layer shares: validation, parameters, initialisation, printing."""

    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple, stride: tuple,
                 padding, dilation: tuple, transposed: bool, output_padding: tuple, groups: int,
                 bias: bool, padding_mode: str, device=None, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # the padding in F.pad's order (last dim first), used for the non-zero padding modes
        n = len(kernel_size)
        rev = [0, 0] * n
        if isinstance(padding, str):
            if padding == "same":
                for i, (d, k) in enumerate(zip(dilation, kernel_size)):
                    total = d * (k - 1)
                    rev[2 * (n - 1 - i)], rev[2 * (n - 1 - i) + 1] = total // 2, total - total // 2
        else:
            for i, p in enumerate(padding):
                rev[2 * (n - 1 - i)] = rev[2 * (n - 1 - i) + 1] = p
        self._reversed_padding_repeated_twice = rev
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + tuple(kernel_size)
        self.weight = Parameter(_empty(shape, dtype, device))
        if bias:
            self.bias = Parameter(_empty((out_channels,), dtype, device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming-uniform weight with ``a = sqrt(5)``; bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _n = 2
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        n = self._n
        super().__init__(in_channels, out_channels, _tuple(kernel_size, n), _tuple(stride, n),
                         padding if isinstance(padding, str) else _tuple(padding, n),
                         _tuple(dilation, n), False, (0,) * n, groups, bias, padding_mode,
                         device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        fn = getattr(F, f"conv{self._n}d")
        if self.padding_mode != "zeros":
            return fn(_pad_mode(input, tuple(self._reversed_padding_repeated_twice),
                                self.padding_mode), weight, bias, self.stride, 0, self.dilation,
                      self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-d convolution over ``(B, Cin, L)`` (or ``(Cin, L)``) giving ``(B, Cout, Lout)``.

    ``Lout = floor((L + 2*padding - dilation*(kernel_size-1) - 1) / stride) + 1``.

    Args:
        in_channels, out_channels: channel counts, each divisible by ``groups``.
        kernel_size, stride, dilation: an int or a 1-tuple.
        padding: an int, a 1-tuple, ``'valid'`` or ``'same'``.
        groups: independent channel groups (``groups == in_channels``: depthwise).
        bias: learn an additive bias per output channel.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
    """

    _n = 1


class Conv2d(_Conv):
    """2-d convolution: ``(B, Cin, H, W)`` (or ``(Cin, H, W)``) to ``(B, Cout, Hout, Wout)``.

    ``Hout = floor((H + 2*padding[0] - dilation[0]*(kernel_size[0]-1) - 1) / stride[0]) + 1``,
    likewise ``Wout``.  Arguments as ``Conv1d``, with pairs.

    Attributes:
        weight: ``(out_channels, in_channels/groups, kH, kW)``.
        bias: ``(out_channels,)`` or None.

    Example:
        >>> import numtorch
        >>> from numtorch import nn
        >>> nn.Conv2d(3, 8, 3, stride=2)(numtorch.zeros(1, 3, 9, 9)).shape
        torch.Size([1, 8, 4, 4])
    """

    _n = 2


class Conv3d(_Conv):
    """3-d convolution over ``(B, Cin, D, H, W)`` (or unbatched); arguments as Conv1d's, triples."""

    _n = 3


class _ConvTranspose(_ConvNd):
    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        n = self._n
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, _tuple(kernel_size, n), _tuple(stride, n),
                         padding if isinstance(padding, str) else _tuple(padding, n),
                         _tuple(dilation, n), True, _tuple(output_padding, n), groups, bias,
                         padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The ``output_padding`` that makes the output ``output_size`` (spatial, or with B, C)."""
        n = self._n
        if output_size is None:
            return self.output_padding
        batched = input.dim() == n + 2
        lead = 2 if batched else 1
        if len(output_size) == lead + n:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have "
                             f"{n} or {lead + n} elements (got {len(output_size)})")
        mins = [(input.shape[d + lead] - 1) * self.stride[d] - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        maxs = [m + s - 1 for m, s in zip(mins, self.stride)]
        for size, lo, hi in zip(output_size, mins, maxs):
            if size < lo or size > hi:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {mins} to {maxs} (for an input of {input.shape[2:]})")
        return tuple(int(output_size[d]) - mins[d] for d in range(n))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        op = self._output_padding(input, output_size)
        fn = getattr(F, f"conv_transpose{self._n}d")
        return fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                  self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution (the gradient of ``Conv1d`` with respect to its input).

    ``Lout = (L-1)*stride - 2*padding + dilation*(kernel_size-1) + output_padding + 1``;
    ``forward(input, output_size)`` picks ``output_padding`` to reach ``output_size``.

    Attributes:
        weight: ``(in_channels, out_channels/groups, K)``.
    """

    _n = 1


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution; arguments and sizes as ``ConvTranspose1d``, with pairs.

    Example:
        >>> import numtorch
        >>> from numtorch import nn
        >>> up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
        >>> up(numtorch.zeros(1, 4, 5, 5), output_size=[10, 10]).shape
        torch.Size([1, 2, 10, 10])
    """

    _n = 2


class ConvTranspose3d(_ConvTranspose):
    """3-d transposed convolution; arguments and sizes as ``ConvTranspose1d``, with triples."""

    _n = 3
