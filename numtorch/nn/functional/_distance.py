"""Norms and distances: ``normalize``, ``cosine_similarity``, ``pairwise_distance``.

All three rest on the vector p-norm along one dim, ``||x||_p = (sum_i |x_i|^p)^(1/p)``, a
primitive here with its gradient ``dn/dx_i = x_i |x_i|^(p-2) / n^(p-1)`` (``x / n`` for
``p = 2``, ``sign(x)`` for ``p = 1``, shared among the maxima for ``p = inf``; 0 where the
norm is 0, so a zero vector does not produce NaN).

    normalize:          x / max(||x||_p, eps)
    cosine_similarity:  sum_i (x1_i / max(||x1||, eps)) (x2_i / max(||x2||, eps))
    pairwise_distance:  ||x1 - x2 + eps||_p   along the last dim

Example:
    >>> import numtorch
    >>> a, b = numtorch.tensor([[3.0, 0.0]]), numtorch.tensor([[0.0, 4.0]])
    >>> pairwise_distance(a, b, eps=0).item()
    5.0
"""

from __future__ import annotations

import numpy as np

from numtorch._dtype import from_np, promote_types, type_word
from numtorch._ops import distance as _D
from numtorch._ops._core import broadcast_shape as _broadcast_shape
from numtorch._ops.registry import FUNCTIONS
from numtorch._tensor import Tensor


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``; with ``out``, the result is written there."""
    n = _D.vector_norm(input, p, dim, True).clamp_min(eps)
    if out is not None:
        return FUNCTIONS["div"](input, n, out=out)  # numtorch.div, with out=
    return input / n


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    Each input is divided by its own norm first, which keeps the result within [-1, 1].
    """
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    common = promote_types(from_np(x1._data.dtype), from_np(x2._data.dtype)).np
    if common.kind != "f":
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{type_word(np.empty((), common))}")
    if x1._data.dtype != common:
        x1 = x1.to(from_np(common))
    if x2._data.dtype != common:
        x2 = x2.to(from_np(common))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = _D.clamp_min_keep_grad(_D.vector_norm(x1, 2, dim, True), eps)
    n2 = _D.clamp_min_keep_grad(_D.vector_norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim."""
    _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    return _D.vector_norm(x1 - x2 + eps, p, -1, keepdim)
