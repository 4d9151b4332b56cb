"""Linear layers: ``Identity``, ``Linear`` (``y = x W^T + b``) and ``Bilinear``.

The weights start as PyTorch's do, drawn in the same order from the same
generator: ``Linear`` fills its weight with ``kaiming_uniform_(a=sqrt(5))``,
which is U(-1/sqrt(in), 1/sqrt(in)), then its bias from the same interval.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> layer = nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(numtorch.zeros(4, 3)).shape
    torch.Size([4, 2])
"""

from __future__ import annotations

import math
from typing import Any

from numtorch import _dtype
from numtorch._ops.creation import _new_array
from numtorch._size import _INT64_MAX, check_factory_device, current_default, unpack_error
from numtorch._tensor import Tensor, _wrap

from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]


def _empty(shape: tuple, dtype=None, device=None) -> Tensor:
    """A new float tensor of ``shape`` for ``reset_parameters`` to fill, with ``torch.empty``'s
    checks in its order: the device (None meaning the default device, so a CUDA default raises
    PyTorch's error when the module is built), sizes outside int64, negative sizes, then the
    allocation (NOTE [ allocation failures ] in ``numtorch._size``)."""
    if device is not None or current_default() is not None:
        check_factory_device(device)
    for k, s in enumerate(shape):
        if not -_INT64_MAX - 1 <= s <= _INT64_MAX:
            raise unpack_error("empty", k + 1)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    return _wrap(_new_array(shape, _dtype.as_np(dt), 0))


class Identity(Module):
    """Return the input unchanged; any constructor arguments are ignored.

    Example:
        >>> import numtorch
        >>> x = numtorch.ones(2)
        >>> Identity(54, unused="argument")(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x W^T + b``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias (default True).

    Shape:
        input ``(*, in_features)``, output ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised U(-1/sqrt(in), 1/sqrt(in)).
        bias: ``(out_features,)``, initialised from the same interval.
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in_features), dtype, device))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype, device))
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

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """``y = x1^T A x2 + b``: one bilinear form per output feature.

    Attributes:
        weight: ``(out_features, in1_features, in2_features)``, U(-1/sqrt(in1), 1/sqrt(in1)).
        bias: ``(out_features,)``, from the same interval.
    """

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in1_features, in2_features), dtype, device))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype, device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.in1_features <= 0:
            raise ValueError(
                f"in1_features must be > 0, but got (in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
