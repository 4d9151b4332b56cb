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
from .._dtype import typemeta_name
from .._tensor import Tensor, _wrap_dim
from ._core import kernel_error, record
from ._fpstate import quiet
from .elementwise import add
from .linalg import matmul
from .movement import t

__all__ = ["linear", "log_softmax", "softmax", "bilinear"]


@quiet
def linear(input, weight, bias=None) -> Tensor:
    """``input @ weight.T + bias``; input (*, in), weight (out, in), bias (out,)."""
    x, w = input, weight
    xd, wd = x._data, w._data
    if xd.dtype != wd.dtype or (bias is not None and bias._data.dtype != xd.dtype):
        other = w if wd.dtype != xd.dtype else bias
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{typemeta_name(x.dtype)} != {typemeta_name(other.dtype)}")
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[-1]:
        if wd.ndim == 2 and xd.ndim >= 1:
            rows = int(np.prod(xd.shape[:-1])) if xd.ndim > 1 else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xd.shape[-1]} "
                               f"and {wd.shape[1]}x{wd.shape[0]})")
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
            g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
            x2 = xd if xd.ndim == 2 else xd.reshape(-1, xd.shape[-1])
            # one row: the outer product, each element one rounded product as in PyTorch's
            # kernel; 4x faster than NumPy's matmul over an inner size of 1
            gw = g2.T * x2 if g2.shape[0] == 1 else g2.T @ x2
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
    d = _soft_dim(dim, xd.ndim)
    if xd.dtype.kind != "f":  # PyTorch names the kernel it looked for
        last = "lastdim_" if d == max(xd.ndim, 1) - 1 else ""
        raise kernel_error(f"softmax_{last}kernel_impl", xd)
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
    d = _soft_dim(dim, xd.ndim)
    if xd.dtype.kind != "f":  # PyTorch names the kernel it looked for
        last = "lastdim_" if d == max(xd.ndim, 1) - 1 else ""
        raise kernel_error(f"log_softmax_{last}kernel_impl", xd)
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


@quiet
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k`` for each output feature ``k``, with its gradients

        dL/dx1 = sum_k g_k A_k x2,   dL/dx2 = sum_k g_k A_k^T x1,   dL/dA_k = g_k x1 x2^T.

    Arguments are validated by ``nn.functional.bilinear``.
    """
    a, c, w = input1._data, input2._data, weight._data
    ins = (input1, input2, weight) + (() if bias is None else (bias,))
    lead = a.shape[:-1]
    a2, c2 = a.reshape(-1, a.shape[-1]), c.reshape(-1, c.shape[-1])
    tmp = np.einsum("ni,oij->noj", a2, w)  # (N, out, in2)
    out = np.einsum("noj,nj->no", tmp, c2)
    if bias is not None:
        out += bias._data

    def vjp(g, needs):
        g2 = g.reshape(-1, w.shape[0])
        ga = (np.einsum("no,oij,nj->ni", g2, w, c2, optimize=True).reshape(a.shape)
              if needs[0] else None)
        gc = np.einsum("no,noj->nj", g2, tmp).reshape(c.shape) if needs[1] else None
        gw = np.einsum("no,ni,nj->oij", g2, a2, c2, optimize=True) if needs[2] else None
        gb = g2.sum(0) if len(needs) > 3 and needs[3] else None
        return ga, gc, gw, gb

    return record(out.reshape(lead + (w.shape[0],)), "AddBackward0", vjp, ins, ins)
