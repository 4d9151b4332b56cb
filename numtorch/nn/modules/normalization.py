"""``LayerNorm``, ``GroupNorm``, ``LocalResponseNorm``, ``RMSNorm``: normalisations within each
sample.

``LayerNorm`` normalises each sample over its trailing dims, ``GroupNorm`` over groups of
channels (and every spatial dim), both then scaling and shifting; ``LocalResponseNorm`` divides
each element by a power of its neighbours' mean square across channels; ``RMSNorm`` divides
each sample by the root mean square of its trailing dims, then scales.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> ln = nn.LayerNorm(4)
    >>> ln
    LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> y = ln(numtorch.arange(8.0).reshape(2, 4))
    >>> [round(v, 4) for v in y[0].tolist()]
    [-1.3416, -0.4472, 0.4472, 1.3416]
"""

from __future__ import annotations

from numtorch._tensor import Tensor

from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _empty
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm"]


def _affine_parameters(module: Module, shape: tuple, affine: bool, bias: bool, dtype,
                       device) -> None:
    """Register ``weight`` and ``bias`` of ``shape`` (or None for those that are off)."""
    module.register_parameter("weight", Parameter(_empty(shape, dtype, device)) if affine else None)
    module.register_parameter("bias", Parameter(_empty(shape, dtype, device)) if affine and bias
                              else None)


def _reset_affine(module: Module) -> None:
    """The affine parameters start as the identity: weight ones, bias zeros."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` over the trailing dims.

    The statistics are taken over the last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape: an int or a shape: the trailing dims to normalise over.
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape.
        bias: learn the ``bias`` (only with ``elementwise_affine``).
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` per sample and group of channels.

    The ``num_channels`` channels of an ``(N, C, *)`` input are split into ``num_groups``
    groups of consecutive channels; each sample's group is normalised over its channels and
    every spatial position (biased variance), then each channel is scaled and shifted.

    Args:
        num_groups: number of groups; must divide ``num_channels``.
        num_channels: ``C``.
        eps: added to the variance (default 1e-5).
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        bias: learn the ``bias`` (only with ``affine``).

    Example:
        >>> import numtorch
        >>> from numtorch import nn
        >>> nn.GroupNorm(2, 4)
        GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    """

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, (num_channels,), affine, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """``y[c] = x[c] / (k + alpha / size * sum of x[c']^2 over size channels around c) ** beta``.

    Args:
        size: how many neighbouring channels the sum runs over.
        alpha: multiplicative factor (default 1e-4).
        beta: exponent (default 0.75).
        k: additive factor (default 1).

    Example:
        >>> from numtorch import nn
        >>> nn.LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """``y = x / sqrt(mean(x ** 2) + eps) * weight`` over the last ``normalized_shape`` dims.

    Root-mean-square normalisation: like ``LayerNorm`` without centring and without a bias.

    Args:
        normalized_shape: an int or a shape: the trailing dims to normalise over.
        eps: added to the mean square; ``None`` (the default) takes ``finfo(dtype).eps`` of
            the input's computing dtype (see ``F.rms_norm``).
        elementwise_affine: learn a ``weight`` (ones) of that shape.

    Example:
        >>> import numtorch
        >>> from numtorch import nn
        >>> nn.RMSNorm(2)
        RMSNorm((2,), eps=None, elementwise_affine=True)
        >>> [round(v, 4) for v in nn.RMSNorm(2)(numtorch.tensor([[3.0, 4.0]]))[0].tolist()]
        [0.8485, 1.1314]
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, False, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
