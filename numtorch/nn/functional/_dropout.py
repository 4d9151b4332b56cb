"""Dropout: zero random elements (or whole channels) in training, rescaling the survivors.

    y = x * m / (1 - p),    m ~ Bernoulli(1 - p) elementwise (``dropout``)
                            or one draw per channel, broadcast along its length (``dropout1d``)

Dividing by ``1 - p`` keeps ``E[y] = x``, so evaluation needs no rescaling: outside training
the input is returned as it is.  The mask is drawn with ``Tensor.bernoulli_`` from the global
generator, in the order PyTorch draws it, so a seeded run drops the same elements.

Example:
    >>> import numtorch
    >>> _ = numtorch.manual_seed(0)
    >>> set(dropout(numtorch.ones(8), p=0.5).tolist()) <= {0.0, 2.0}
    True
"""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from ._elementwise import _inplace, _unary
from ._helpers import _tname


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, noise_shape: tuple, p: float, inplace: bool) -> Tensor:
    """``input * noise`` with ``noise ~ Bernoulli(1 - p) / (1 - p)`` drawn as PyTorch draws it."""
    x = input._data
    if x.dtype.kind != "f" and p != 1.0:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_tname(x)}")
    if p == 1.0:
        noise = np.zeros(noise_shape, x.dtype)
    else:
        noise = input.new_empty(noise_shape).bernoulli_(1 - p)._data
        noise /= 1 - p

    def run(t):
        return _unary("MulBackward0", t, lambda a: a * noise, lambda g, a, y: g * noise, False)

    return _inplace(input, run) if inplace else run(input)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Outside training (or with ``p = 0``) the input is returned unchanged.

    Example:
        >>> import numtorch
        >>> x = numtorch.ones(4)
        >>> dropout(x, 0.5, training=False) is x
        True
    """
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    return _masked(input, input._data.shape, p, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0 or input._data.size == 0:
        return input
    shape = input._data.shape
    noise_shape = (shape[0], 1) if nd == 2 else (shape[0], shape[1], 1)
    return _masked(input, noise_shape, p, inplace)
