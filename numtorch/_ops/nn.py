"""Neural-network primitives, fused for stability or speed: linear, softmax, log_softmax.

NOTE [ why these are primitives ]
``log_softmax`` composed from exp/sum/log overflows for large logits and costs
several graph nodes; as one op it subtracts the row maximum first and its vjp is
one line.  ``linear`` (``x @ W.T + b``) runs every training step: one node with
one matmul per gradient beats three nodes.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dtype import type_word, typemeta_name
from .._tensor import Tensor, _wrap_dim
from ._core import record
from ._fpstate import quiet
from .elementwise import add
from .linalg import matmul
from .movement import t

__all__ = ["linear", "log_softmax", "softmax"]


@quiet
def linear(input, weight, bias=None) -> Tensor:
    """``input @ weight.T + bias``; input (*, in), weight (out, in), bias (out,)."""
    x, w = input, weight
    xd, wd = x._data, w._data
    if xd.dtype != wd.dtype or (bias is not None and bias._data.dtype != xd.dtype):
        other = w if wd.dtype != xd.dtype else bias
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {typemeta_name(x.dtype)} != "
                           f"{typemeta_name(other.dtype)}")
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[-1]:
        if wd.ndim == 2 and xd.ndim >= 1:
            rows = int(np.prod(xd.shape[:-1])) if xd.ndim > 1 else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xd.shape[-1]} and "
                               f"{wd.shape[1]}x{wd.shape[0]})")
        out = matmul(x, t(w) if wd.ndim == 2 else w)
        if bias is not None:
            out = add(out, bias)
        return out
    o = xd @ wd.T
    if bias is not None:
        o += bias._data
        inputs = (x, w, bias)
    else:
        inputs = (x, w)

    def vjp(g, n):
        gx = g @ wd if n[0] else None
        gw = gb = None
        if n[1]:
            if g.ndim == 2:
                gw = g.T @ xd
            else:
                gw = g.reshape(-1, g.shape[-1]).T @ xd.reshape(-1, xd.shape[-1])
        if len(n) == 3 and n[2]:
            gb = g.reshape(-1, g.shape[-1]).sum(0) if g.ndim != 1 else g
        return gx, gw, gb
    if xd.ndim == 2:
        name = "AddmmBackward0" if bias is not None else "MmBackward0"
    elif bias is not None:
        name = "AddBackward0"
    else:
        name = "SqueezeBackward4" if xd.ndim == 1 else "UnsafeViewBackward0"
    return record(o, name, vjp, inputs, (x, w))


def _soft_dim(dim, ndim):
    return _wrap_dim(dim, ndim)


@quiet
def softmax(input, dim=None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed after subtracting the maximum."""
    x = input
    if dtype is not None:
        x = x.to(dtype)
    xd = x._data
    if xd.dtype.kind != "f":
        raise NotImplementedError(f'"softmax_lastdim_kernel_impl" not implemented for \'{type_word(xd)}\'')
    d = _soft_dim(dim, xd.ndim)
    if xd.ndim == 0:
        o = np.ones((), xd.dtype)
    else:
        e = np.exp(xd - xd.max(axis=d, keepdims=True)) if xd.size else xd.copy()
        o = e / e.sum(axis=d, keepdims=True)

    def vjp(g, n):
        if o.ndim == 0:
            return (np.zeros_like(g),)
        go = g * o
        return (go - o * go.sum(axis=d, keepdims=True),)
    return record(o, "SoftmaxBackward0", vjp, (x,), (), save_out=True)


@quiet
def log_softmax(input, dim=None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: stable for large logits."""
    x = input
    if dtype is not None:
        x = x.to(dtype)
    xd = x._data
    if xd.dtype.kind != "f":
        raise NotImplementedError(f'"log_softmax_lastdim_kernel_impl" not implemented for \'{type_word(xd)}\'')
    d = _soft_dim(dim, xd.ndim)
    if xd.ndim == 0:
        o = np.zeros((), xd.dtype)
    elif xd.size:
        s = xd - xd.max(axis=d, keepdims=True)
        o = s - np.log(np.exp(s).sum(axis=d, keepdims=True))
    else:
        o = xd.copy()

    def vjp(g, n):
        if o.ndim == 0:
            return (np.zeros_like(g),)
        return (g - np.exp(o) * g.sum(axis=d, keepdims=True),)
    return record(o, "LogSoftmaxBackward0", vjp, (x,), (), save_out=True)



del _dtype
