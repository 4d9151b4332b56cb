"""Dropout layers: zero random elements (or channels) in training, pass through in eval.

The mask is drawn as PyTorch draws it (``bernoulli_(1 - p)`` on a tensor of the
input's shape, scaled by ``1 / (1 - p)``), so the same seed zeroes the same
elements.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> drop = nn.Dropout(p=0.2)
    >>> drop
    Dropout(p=0.2, inplace=False)
    >>> x = numtorch.ones(4)
    >>> drop.eval()(x) is x
    True
"""

from __future__ import annotations

from numtorch._tensor import Tensor

from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    __constants__ = ["p", "inplace"]

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability ``p``, scale the rest by ``1 / (1 - p)``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """In training, zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input (chance ``p``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels of an ``(N, C, H, W)`` input with probability ``p``.

    A 3D input is read as ``(N, C, L)`` (with a warning), as ``F.dropout2d`` does.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """In training, zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the zero mean and unit variance of SELU activations.

    See NOTE [ alpha dropout ] in ``numtorch.nn.functional._dropout``; ``inplace`` is stored
    but, as in PyTorch, the layer never works in place.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (one draw per ``(n, c)``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
