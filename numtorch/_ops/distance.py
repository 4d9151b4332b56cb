"""The primitives behind ``normalize``, ``cosine_similarity`` and ``pairwise_distance``.

``vector_norm(x, p, dim, keepdim)`` is ``(sum |x|^p)^(1/p)`` along one dim, with its gradient

    p = 2:    dL/dx = g x / n             p = 1:    dL/dx = g sign(x)
    p = inf:  dL/dx = g sign(x) [|x| = n] / (number of maxima)
    other p:  dL/dx = g x |x|^(p-2) / n^(p-1)                (0 wherever the norm is 0)

and ``clamp_min_keep_grad`` is ``max(t, eps)`` whose gradient passes straight through, as
PyTorch's ``cosine_similarity`` clamps its norms.  The ``nn.functional`` functions in
``_distance.py`` compose them with Tensor ops.

Example:
    >>> import numtorch
    >>> vector_norm(numtorch.tensor([[3.0, 4.0]]), 2, 1, False).tolist()
    [5.0]
"""

from __future__ import annotations

import math

import numpy as np

from .._dtype import type_word
from .._tensor import Tensor, _wrap_dim
from ._core import NOSAVE, record
from ._fpstate import quiet

__all__ = ["vector_norm", "clamp_min_keep_grad"]


@quiet
def vector_norm(input: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """``(sum |x|^p)^(1/p)`` along ``dim``; the gradient is 0 where the norm is 0.

    Quiet, as PyTorch is: squares that overflow give an inf norm without a NumPy warning (the
    vjp runs in the engine's quiet backward pass).
    """
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_word(x)}")
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


def clamp_min_keep_grad(t: Tensor, eps: float) -> Tensor:
    """``max(t, eps)`` whose gradient passes straight through (PyTorch clamps under no_grad)."""
    return record(np.maximum(t._data, eps).astype(t._data.dtype, copy=False), "CloneBackward0",
                  lambda g, needs: (g,), (t,), NOSAVE)
