"""Normalisation primitives: ``group_norm`` and ``rms_norm``.

Group normalisation splits the ``C`` channels of an ``(N, C, *)`` input into ``G`` groups of
``C / G`` consecutive channels and normalises each sample's group over its channels and every
spatial position, then scales and shifts each channel:

    y[n, c, *] = (x[n, c, *] - mean[n, g]) * rstd[n, g] * w[c] + b[c],    g = c // (C / G)
    rstd[n, g] = 1 / sqrt(var[n, g] + eps)                               (biased variance)

It is a primitive because its gradient through the statistics is one short formula,
NOTE [ the group-norm gradient ], instead of the many nodes a composed version would record.
Argument checks and PyTorch's error messages live in ``numtorch.nn.functional._normalization``;
the function here takes validated arguments.

Root-mean-square normalisation divides each sample by the root mean square of its trailing
dims (no centring, no bias) and scales each element:

    y = x * rstd * w,    rstd = 1 / sqrt(mean(x ** 2) + eps)

also one node, with the gradient of NOTE [ the rms-norm gradient ].

Example:
    >>> import numtorch
    >>> x = numtorch.tensor([[[1.0], [3.0], [2.0], [6.0]]])
    >>> [round(v, 3) for v in group_norm(x, 2, None, None, 0.0).flatten().tolist()]
    [-1.0, 1.0, -1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad
from ._core import record
from ._fpstate import quiet

__all__ = ["layer_norm", "batch_norm", "group_norm", "rms_norm"]


@quiet
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None, bias: Tensor | None,
               eps: float) -> Tensor:
    """Group normalisation of an ``(N, C, *)`` input; ``weight``/``bias`` of shape ``(C,)``.

    NOTE [ the group-norm gradient ]
    Write ``xhat = (x - mean) * rstd`` and ``gh = g * w`` (``g`` the incoming gradient). With the
    means taken over each ``(n, g)`` group,

        dL/dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat))
        dL/dw = sum over n and * of g * xhat,     dL/db = sum over n and * of g.
    """
    x = input._data
    shape = x.shape
    n, c = shape[0], shape[1]
    grouped = (n, num_groups, (c // num_groups) * int(np.prod(shape[2:], dtype=np.int64)))
    cshape = (1, c) + (1,) * (x.ndim - 2)
    xg = x.reshape(grouped)
    acc = np.float32 if x.dtype == np.float16 else None  # half precision sums in float32
    m = grouped[2]
    mean = (xg.sum(axis=2, keepdims=True, dtype=acc) / m).astype(x.dtype, copy=False)
    xc = xg - mean
    var = ((xc * xc).sum(axis=2, keepdims=True, dtype=acc) / m).astype(x.dtype, copy=False)
    rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat = (xc * rstd).reshape(shape)
    wd = None if weight is None else weight._data.reshape(cshape)
    out = xhat * wd if wd is not None else xhat.copy()
    if bias is not None:
        out += bias._data.reshape(cshape)
    out = out.astype(x.dtype, copy=False)
    ins = tuple(t for t in (input, weight, bias) if t is not None)
    has_w, has_b = weight is not None, bias is not None
    stat_axes = (0,) + tuple(range(2, x.ndim))

    def vjp(g, needs):
        res = [None]
        if needs[0]:
            gh = (g * wd if has_w else g).reshape(grouped)
            xh = xhat.reshape(grouped)
            res[0] = (rstd * (gh - gh.mean(axis=2, keepdims=True)
                              - xh * (gh * xh).mean(axis=2, keepdims=True))).reshape(shape)
        if has_w:
            res.append((g * xhat).sum(axis=stat_axes) if needs[1] else None)
        if has_b:
            res.append(g.sum(axis=stat_axes) if needs[-1] else None)
        return tuple(res)

    return record(out, "NativeGroupNormBackward0", vjp, ins, ins)


@quiet
def rms_norm(input: Tensor, k: int, weight: Tensor | None, eps: float | None) -> Tensor:
    """RMS normalisation over the last ``k`` dims; ``weight`` has the shape of those dims.

    ``eps=None`` takes the machine epsilon of the computing dtype.  Half precision computes in
    float32 (and so takes float32's epsilon) and rounds the result back; the result always has
    the input's dtype.

    NOTE [ the rms-norm gradient ]
    Write ``xhat = x * rstd`` and ``gh = g * w`` (``g`` the incoming gradient).  Since
    ``d rstd / dx = -rstd ** 3 * x / n`` over the ``n`` normalised elements,

        dL/dx = rstd * (gh - xhat * mean(gh * xhat))
        dL/dw = sum over the leading dims of g * xhat.

    PyTorch's CPU autograd records the op as a composition whose last node is a product, so
    the node here carries that name.
    """
    x = input._data
    dt = x.dtype
    xo = x.astype(np.float32) if dt == np.float16 else x  # half precision computes in float32
    if eps is None:
        eps = float(np.finfo(xo.dtype).eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    ms = (xo * xo).mean(axis=axes, keepdims=True) if xo.size else np.zeros(
        x.shape[:x.ndim - k] + (1,) * k, xo.dtype)
    rstd = (1.0 / np.sqrt(ms + xo.dtype.type(eps))).astype(xo.dtype, copy=False)
    xhat = xo * rstd
    wd = None if weight is None else weight._data.astype(xo.dtype, copy=False)
    out = (xhat * wd if wd is not None else xhat).astype(dt, copy=False)
    ins = (input,) if weight is None else (input, weight)
    lead = tuple(range(x.ndim - k))

    def vjp(g, needs):
        go = g.astype(xo.dtype, copy=False)
        gx = gw = None
        if needs[0]:
            gh = go * wd if wd is not None else go
            dot = (gh * xhat).mean(axis=axes, keepdims=True) if xo.size else 0.0
            gx = (rstd * (gh - xhat * dot)).astype(dt, copy=False)
        if weight is not None and needs[1]:
            gw = (go * xhat).sum(axis=lead).astype(weight._data.dtype, copy=False)
        return (gx,) if weight is None else (gx, gw)

    return record(out, "MulBackward0", vjp, ins, ins)

# ---- layer and batch normalisation -----------------------------------------------------------

@quiet
def _normalize_over(x: np.ndarray, axes: tuple, eps: float):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance), with its pieces.

    Quiet, as PyTorch is: no elements give NaN statistics, and huge values an inf variance,
    without NumPy's warnings.
    """
    n = 1
    for ax in axes:
        n *= x.shape[ax]
    acc = np.float32 if x.dtype == np.float16 else None  # half precision sums in float32
    mean = (x.sum(axis=axes, keepdims=True, dtype=acc) / n).astype(x.dtype, copy=False)
    xc = x - mean
    sq = xc * xc
    var = (sq.sum(axis=axes, keepdims=True, dtype=acc) / n).astype(x.dtype, copy=False)
    del sq
    rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xc *= rstd  # xhat, in the buffer of x - mean
    return xc, rstd, mean, var


def _mean(a: np.ndarray, axes: tuple) -> np.ndarray:
    """``a.mean(axes, keepdims=True)``, computed alike, without NumPy's "Mean of empty slice"
    warning when ``axes`` hold no elements (the mean is then nan, silently, as in PyTorch)."""
    n = 1
    for ax in axes:
        n *= a.shape[ax]
    acc = np.float32 if a.dtype == np.float16 else None  # as NumPy's mean sums half precision
    return (a.sum(axis=axes, keepdims=True, dtype=acc) / n).astype(a.dtype, copy=False)


@quiet
def _affine_norm(name: str, input: Tensor, weight, bias, xhat, rstd, w_b, b_b, axes, stat_axes,
                 batch_stats: bool) -> Tensor:
    """Record ``y = xhat * w + b`` where ``xhat`` is ``input`` normalised over ``axes``.

    NOTE [ the normalisation gradient ]
    With ``gh = g * w`` and ``n`` elements per statistic, the gradient through the batch
    statistics is ``rstd * (gh - mean(gh) - xhat * mean(gh * xhat))``; with fixed (running)
    statistics it is just ``gh * rstd``.  ``w`` and ``b`` get ``sum(g * xhat)`` and ``sum(g)``
    over every axis but their own.
    """
    out = xhat * w_b if w_b is not None else xhat
    if b_b is not None:
        out = out + b_b if out is xhat else np.add(out, b_b, out=out)
    out = out.astype(input._data.dtype, copy=False)
    ins = tuple(t for t in (input, weight, bias) if t is not None)
    if not (_grad.enabled and any(i._requires_grad for i in ins)):
        return _wrap(out)
    has_w, has_b = weight is not None, bias is not None
    if batch_stats and axes == stat_axes:  # batch norm: weight, bias and statistics per channel
        return record(out, name, _per_channel_vjp(xhat, rstd, w_b, axes, weight, bias), ins, ins)

    def vjp(g, needs):
        res = [None]
        if needs[0]:
            gh = g * w_b if has_w else g
            if batch_stats:
                res[0] = rstd * (gh - _mean(gh, axes) - xhat * _mean(gh * xhat, axes))
            else:
                res[0] = gh * rstd
        if has_w:
            res.append((g * xhat).sum(axis=stat_axes).reshape(weight._data.shape)
                       if needs[1] else None)
        if has_b:
            res.append(g.sum(axis=stat_axes).reshape(bias._data.shape) if needs[-1] else None)
        return tuple(res)

    return record(out, name, vjp, ins, ins)


def _per_channel_vjp(xhat: np.ndarray, rstd: np.ndarray, w_b, axes: tuple, weight, bias):
    """NOTE [ the normalisation gradient ] when the weight is constant over ``axes`` (batch
    norm): ``mean(gh) = w * sum(g) / n`` and ``mean(gh * xhat) = w * sum(g * xhat) / n`` reuse
    the bias and weight gradients' sums, so, with ``s = rstd * w``,

        dL/dx = g * s - xhat * (s * sum(g * xhat) / n) - s * sum(g) / n

    three passes over the data besides the two sums.
    """
    n = xhat.size // rstd.size

    def vjp(g, needs):
        acc = np.float32 if g.dtype == np.float16 else None  # half precision sums in float32
        sg = g.sum(axis=axes, keepdims=True, dtype=acc)
        sgx = (g * xhat).sum(axis=axes, keepdims=True, dtype=acc)
        res = [None]
        if needs[0]:
            s = rstd * w_b if w_b is not None else rstd
            gx = g * s
            gx -= xhat * (s * sgx / n).astype(g.dtype, copy=False)
            gx -= (s * sg / n).astype(g.dtype, copy=False)
            res[0] = gx
        if weight is not None:
            res.append(sgx.astype(g.dtype, copy=False).reshape(weight._data.shape)
                       if needs[1] else None)
        if bias is not None:
            res.append(sg.astype(g.dtype, copy=False).reshape(bias._data.shape)
                       if needs[-1] else None)
        return tuple(res)
    return vjp


def layer_norm(input: Tensor, normalized_shape: tuple, weight: Tensor | None, bias: Tensor | None,
               eps: float) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims, then scale and shift:

        y = (x - mean) / sqrt(var + eps) * w + b      (biased variance over those dims)

    The gradient is NOTE [ the normalisation gradient ].  Arguments are validated by
    ``nn.functional.layer_norm``.
    """
    x = input._data
    k = len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    xhat, rstd, _, _ = _normalize_over(x, axes, eps)
    return _affine_norm("NativeLayerNormBackward0", input, weight, bias, xhat, rstd,
                        None if weight is None else weight._data,
                        None if bias is None else bias._data, axes, tuple(range(x.ndim - k)), True)


@quiet
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float,
               eps: float) -> Tensor:
    """Normalise each channel (dim 1) over the batch and trailing dims, then scale and shift.

    In training the batch's mean and biased variance normalise, and the running statistics
    move towards the batch's mean and unbiased variance, in place:
    ``running = (1 - momentum) * running + momentum * batch``.  Otherwise the running
    statistics normalise, and the gradient is just ``g * w * rstd``.  Arguments are validated by
    ``nn.functional.batch_norm``.
    """
    x = input._data
    c = x.shape[1] if x.ndim > 1 else 1
    axes = (0,) + tuple(range(2, x.ndim))
    cshape = (1, c) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        xhat, rstd, mean, var = _normalize_over(x, axes, eps)
        if training and running_mean is not None and running_var is not None:
            cnt = x.size // c
            unbiased = var.reshape(c) * (cnt / max(cnt - 1, 1))
            rm, rv = running_mean._data, running_var._data
            np.copyto(rm, rm * (1 - momentum) + mean.reshape(c) * momentum, casting="unsafe")
            np.copyto(rv, rv * (1 - momentum) + unbiased * momentum, casting="unsafe")
            running_mean._bump()
            running_var._bump()
    else:
        rstd = (1.0 / np.sqrt(running_var._data.reshape(cshape) + eps)).astype(x.dtype, copy=False)
        xhat = (x - running_mean._data.reshape(cshape)).astype(x.dtype, copy=False) * rstd
    return _affine_norm("NativeBatchNormBackward0", input, weight, bias, xhat, rstd,
                        None if weight is None else weight._data.reshape(cshape),
                        None if bias is None else bias._data.reshape(cshape), axes, axes, use_batch)
