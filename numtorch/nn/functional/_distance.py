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
    >>> pairwise_distance(numtorch.tensor([[3.0, 0.0]]), numtorch.tensor([[0.0, 4.0]]), eps=0).item()
    5.0
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._dtype import from_np
from numtorch._ops._core import NOSAVE, record
from numtorch._ops._fpstate import quiet
from numtorch._ops.registry import FUNCTIONS
from numtorch._tensor import Tensor, _wrap_dim

from ._helpers import _broadcast_shape, _promote, _tname


@quiet
def _vector_norm(input: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """``(sum |x|^p)^(1/p)`` along ``dim``; the gradient is 0 where the norm is 0.

    Quiet, as PyTorch is: squares that overflow give an inf norm without a NumPy warning (the
    vjp runs in the engine's quiet backward pass).
    """
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_tname(x)}")
    ax = _wrap_dim(dim, x.ndim)
    a = np.abs(x)
    if p == 2:
        n = np.sqrt((x * x).sum(axis=ax, keepdims=True))
    elif p == 1:
        n = a.sum(axis=ax, keepdims=True)
    elif p == math.inf:
        n = a.max(axis=ax, keepdims=True)
    elif p == 0:
        n = (x != 0).sum(axis=ax, keepdims=True).astype(x.dtype)
    else:
        n = (a ** p).sum(axis=ax, keepdims=True) ** (1.0 / p)
    n = n.astype(x.dtype, copy=False)
    out = n if keepdim else n.squeeze(ax)

    def vjp(g, needs):
        gk = g if keepdim else np.expand_dims(g, ax)
        if p == 2:
            r = np.where(n == 0, 0.0, x / n)
        elif p == 1:
            r = np.sign(x)
        elif p == math.inf:
            hit = (a == n)
            r = np.sign(x) * hit / hit.sum(axis=ax, keepdims=True)
        elif p == 0:
            r = np.zeros_like(x)
        else:
            r = np.where(n == 0, 0.0, x * a ** (p - 2) / n ** (p - 1))
        return ((gk * r).astype(x.dtype, copy=False),)

    return record(out, "LinalgVectorNormBackward0", vjp, (input,), (input,))


def _clamp_min_keep_grad(t: Tensor, eps: float) -> Tensor:
    """``max(t, eps)`` whose gradient passes straight through (PyTorch clamps under no_grad)."""
    return record(np.maximum(t._data, eps).astype(t._data.dtype, copy=False), "CloneBackward0",
                  lambda g, needs: (g,), (t,), NOSAVE)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``; with ``out``, the result is written there."""
    n = _vector_norm(input, p, dim, True).clamp_min(eps)
    if out is not None:
        return FUNCTIONS["div"](input, n, out=out)  # numtorch.div, with out=
    return input / n


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    Each input is divided by its own norm first, which keeps the result within [-1, 1].
    """
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    common = _promote(x1._data.dtype, x2._data.dtype)
    if common.kind != "f":
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{_tname(np.empty((), common))}")
    if x1._data.dtype != common:
        x1 = x1.to(from_np(common))
    if x2._data.dtype != common:
        x2 = x2.to(from_np(common))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = _clamp_min_keep_grad(_vector_norm(x1, 2, dim, True), eps)
    n2 = _clamp_min_keep_grad(_vector_norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim."""
    _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    return _vector_norm(x1 - x2 + eps, p, -1, keepdim)
