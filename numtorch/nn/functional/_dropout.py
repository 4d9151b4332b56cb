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

import math
import warnings

import numpy as np

from numtorch._dtype import type_word as _tname
from numtorch._ops import elementwise as E
from numtorch._tensor import Tensor, _wrap


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, noise_shape: tuple, p: float, inplace: bool) -> Tensor:
    """``input * noise`` with ``noise ~ Bernoulli(1 - p) / (1 - p)`` drawn as PyTorch draws it."""
    x = input._data
    if x.dtype.kind != "f" and p != 1.0:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_tname(x)}")
    if p == 1.0:
        noise = np.zeros(noise_shape, x.dtype)
    else:
        noise = input.new_empty(noise_shape).bernoulli_(1 - p)._data
        noise /= 1 - p

    return input.mul_(_wrap(noise)) if inplace else E.mul(input, _wrap(noise))


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


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
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


def _feature_noise_shape(input: Tensor, p: float, batched: bool = True) -> tuple:
    """``(N, C, 1, ...)``: one draw per channel; a 0-dim zero when every element is dropped.

    An unbatched input is treated as a batch of one: ``(C, 1, ...)``, the same draws.
    """
    if p == 1.0:
        return ()
    shape = input._data.shape if batched else (1,) + input._data.shape
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    noise = shape[:2] + (1,) * (len(shape) - 2)
    return noise if batched else noise[1:]


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool,
                     batched: bool = True) -> Tensor:
    if not training or p == 0.0 or input._data.size == 0:
        return input
    return _masked(input, _feature_noise_shape(input, p, batched), p, inplace)


def _spatial_warning(name: str, nd: int, dims: tuple, kind: str) -> None:
    if nd not in dims:
        warnings.warn(
            f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in "
            "an error in a future release. To retain the behavior and silence this warning, "
            f"please use dropout instead. Note that {name} exists to provide channel-wise "
            f"dropout on inputs with {kind} spatial dimensions, a channel dimension, and an "
            f"optional batch dimension (i.e. {dims[0]}D or {dims[1]}D inputs).", stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an ``(N, C, H, W)`` input with probability ``p``.

    Each ``(n, c)`` plane is kept (scaled by ``1 / (1 - p)``) or zeroed as a whole, one
    Bernoulli draw per plane.  A 3D input is read as ``(N, C, L)`` (channel-wise 1D dropout),
    with a warning, as PyTorch does.

    Example:
        >>> import numtorch
        >>> _ = numtorch.manual_seed(0)
        >>> y = dropout2d(numtorch.ones(1, 4, 2, 2), 0.5)
        >>> sorted(set(y.flatten().tolist())) <= [0.0, 2.0]
        True
    """
    _check_p(p)
    nd = input._data.ndim
    _spatial_warning("dropout2d", nd, (3, 4), "2")
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability p.

    Example:
        >>> import numtorch
        >>> x = numtorch.ones(2, 3, 1, 1, 1)
        >>> dropout3d(x, 0.5, training=False) is x
        True
    """
    _check_p(p)
    nd = input._data.ndim
    _spatial_warning("dropout3d", nd, (4, 5), "3")
    if nd == 5:
        return _feature_dropout(input, p, training, inplace)
    if inplace:  # the input is a batch of one, changed where it is
        return _feature_dropout(input, p, training, True, batched=False)
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


# NOTE [ alpha dropout ]
# Alpha dropout keeps the mean and variance of SELU activations: a dropped element takes the
# value SELU tends to for very negative inputs, ``-alpha' = -scale * alpha`` (``alpha'`` below),
# and the result is scaled and shifted back to zero mean and unit variance:
#
#     a = 1 / sqrt((alpha'^2 p + 1) (1 - p)),    y = x * (m a) + (m - 1) alpha' a + alpha' a p
#
# with ``m ~ Bernoulli(1 - p)``.  ``m a`` and the shift are computed from the mask in the input's
# dtype, in PyTorch's order (``b = (m - 1) * alpha' a + alpha' a p``), so a seeded run gives the
# same values bit for bit.
_SELU_ALPHA_SCALED = 1.7580993408473766  # SELU's scale * alpha


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    _check_p(p)
    if p == 0.0 or not training or input._data.size == 0:
        return input
    if input._data.dtype.kind != "f":
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{_tname(input._data)}")
    if p == 1.0:
        return _masked(input, (), p, inplace)
    shape = _feature_noise_shape(input, p) if feature else input._data.shape
    noise = input.new_empty(shape).bernoulli_(1 - p)
    a = 1.0 / math.sqrt((_SELU_ALPHA_SCALED * _SELU_ALPHA_SCALED * p + 1) * (1 - p))
    b = noise.add(-1).mul_(_SELU_ALPHA_SCALED * a).add_(_SELU_ALPHA_SCALED * a * p)
    noise.mul_(a)
    return (input.mul_(noise) if inplace else input.mul(noise)).add_(b)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for self-normalising (SELU) networks: see NOTE [ alpha dropout ].

    Dropped elements become ``-alpha'`` before an affine correction that keeps zero mean and
    unit variance.  Note that ``training`` defaults to False here.

    Example:
        >>> import numtorch
        >>> x = numtorch.zeros(3)
        >>> alpha_dropout(x, 0.5) is x
        True
    """
    return _alpha(input, p, training, inplace, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (one draw per ``(n, c)``); see NOTE [ alpha dropout ]."""
    return _alpha(input, p, training, inplace, True)
