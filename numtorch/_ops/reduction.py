"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norm, cumsum, all/any...

Every reduction takes ``dim`` (None, an int, or a tuple) and ``keepdim``.  Its vjp
re-inserts the reduced axes into the incoming gradient (``_unsqueeze_to``) and lets
NumPy broadcasting spread it back over the input.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from .. import _dtype
from .._dtype import type_word
from .._tensor import Tensor, _wrap, _wrap_dim
from ..autograd.graph import node_class
from ._core import NOSAVE, record, rename
from ._fpstate import quiet
from .compare import isnan, ne

__all__ = ["all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "count_nonzero", "cumprod",
           "cumsum", "kthvalue", "logsumexp", "max", "mean", "median", "min", "nanmean", "nansum",
           "norm", "prod", "std", "std_mean", "sum", "var", "var_mean"]


def dims(dim, ndim: int) -> tuple:
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        out = []
        for d in dim:
            w = _wrap_dim(d, ndim)
            if w in out:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            out.append(w)
        return tuple(sorted(out)) if ndim else ()
    return (_wrap_dim(dim, ndim),) if ndim else ()


def _unsqueeze_to(g: np.ndarray, axes: tuple, keepdim: bool) -> np.ndarray:
    """Put the reduced axes back (size 1) so ``g`` broadcasts against the input."""
    if keepdim or not axes:
        return g
    return np.expand_dims(g, axes)


def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _sum_dtype(d: np.dtype, dtype) -> np.dtype:
    if dtype is not None:
        return _dtype.as_np(dtype)
    return np.dtype(np.int64) if d.kind in "biu" else d


@quiet
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:  # noqa: A001
    """The sum over ``dim`` (all elements by default); integers sum to int64. Its vjp spreads the
    gradient back over the summed axes.

    Example:
        >>> import numtorch as torch
        >>> x = torch.arange(6.0).reshape(2, 3)
        >>> x.sum(), x.sum(0), x.sum(1, keepdim=True).shape
        (tensor(15.), tensor([3., 5., 7.]), torch.Size([2, 1]))
    """
    x = input
    xd = x._data
    axes = dims(dim, xd.ndim)
    shape = xd.shape
    o = np.asarray(xd.sum(axis=axes, keepdims=keepdim, dtype=_sum_dtype(xd.dtype, dtype)))
    if o.dtype.kind != "f":
        return _wrap(o)
    return record(o, "SumBackward0" if dim is None else "SumBackward1",
                  lambda g, n: (np.broadcast_to(_unsqueeze_to(g, axes, keepdim), shape),), (x,),
                  NOSAVE)


@quiet
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The sum over ``dim`` treating NaN as zero: ``sum(where(isnan(x), 0, x))``.

    VJP (composed): ``g`` broadcast back, zero at the NaN positions.
    """
    return sum(input.where(isnan(input).logical_not(), 0.0), dim, keepdim, dtype=dtype)


@quiet
def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """The mean over ``dim`` (all elements by default); floating inputs only, as in PyTorch.

    Example:
        >>> import numtorch as torch
        >>> torch.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(dim=0)
        tensor([2.0000, 3.5000])
    """
    x = input
    xd = x._data
    if dtype is None and xd.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {type_word(xd)}")
    if dtype is not None:
        xd = xd.astype(_dtype.as_np(dtype))
    axes = dims(dim, xd.ndim)
    shape = xd.shape
    count = _count(shape, axes)
    if count:
        o = np.asarray(xd.mean(axis=axes, keepdims=keepdim))
    else:  # the mean of nothing is nan, quietly, as in PyTorch
        o = np.full(xd.sum(axis=axes, keepdims=keepdim).shape, np.nan, xd.dtype)
    return record(o, "MeanBackward0" if dim is None else "MeanBackward1",
                  lambda g, n: (np.broadcast_to(_unsqueeze_to(g, axes, keepdim) / (count or 1),
                                                shape),), (x,), NOSAVE)




@quiet
def prod(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product over ``dim`` (one int, or all elements): ``prod_i x_i``.

    VJP: ``d/dx_i = g * prod_{j != i} x_j``, computed from exclusive cumulative products from
    both sides, so zeros in ``x`` are handled without dividing.
    """
    x = input
    xd = x._data
    if dim is not None and isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    axes = dims(dim, xd.ndim)
    o = np.asarray(xd.prod(axis=axes, keepdims=keepdim, dtype=_sum_dtype(xd.dtype, dtype)))
    if o.dtype.kind != "f":
        return _wrap(o)

    def vjp(g, n):
        if xd.size == 0:
            return (np.zeros_like(xd),)
        gk = _unsqueeze_to(g, axes, keepdim)
        # product of all the other elements: exclusive cumulative products from both sides
        if dim is None:
            flat = xd.reshape(-1)
            return ((_others_prod(flat) * gk.reshape(())).reshape(xd.shape),)
        ax = axes[0]
        moved = np.moveaxis(xd, ax, -1)
        others = np.moveaxis(_others_prod(moved), -1, ax)
        return (gk * others,)
    return record(o, "ProdBackward0" if dim is None else "ProdBackward1", vjp, (x,), (x,))


def _others_prod(a: np.ndarray) -> np.ndarray:
    """For each element along the last axis, the product of the other elements (zeros welcome)."""
    ones = np.ones(a.shape[:-1] + (1,), a.dtype)
    left = np.cumprod(np.concatenate([ones, a[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, a[..., :0:-1]], -1), -1)[..., ::-1]
    return left * right


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        out=None) -> Tensor:
    """The variance over ``dim``: ``sum((x - mean)^2) / (N - correction)``, ``correction=1`` by
    default (``unbiased=False`` means 0).

    VJP: ``d/dx = g * 2 * (x - mean) / (N - correction)``.
    """
    if isinstance(dim, bool):  # var(x, unbiased)
        dim, unbiased = None, dim
    return _var(input, dim, _correction(unbiased, correction), keepdim, False)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        out=None) -> Tensor:
    """The standard deviation over ``dim``: ``sqrt(var(x, dim, correction))``.

    VJP: ``d/dx = g * (x - mean) / (std * (N - correction))``, zero where ``std`` is 0.
    """
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return _var(input, dim, _correction(unbiased, correction), keepdim, True)


@quiet
def _var(x, dim, corr, keepdim, take_sqrt):
    xd = x._data
    if xd.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = dims(dim, xd.ndim)
    n = _count(xd.shape, axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = xd.sum(axis=axes, keepdims=True) / np.asarray(n, xd.dtype)
    c = xd - m
    denom = builtins.max(n - corr, 0)
    if denom <= 0:
        import warnings
        warnings.warn(f"{'std' if take_sqrt else 'var'}(): degrees of freedom is <= 0. Correction "
                      "should be strictly less than the reduction factor (input numel divided by "
                      "output numel).",
                      UserWarning, stacklevel=3)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.asarray((c * c).sum(axis=axes, keepdims=keepdim) / np.asarray(denom, xd.dtype))
        o = np.sqrt(v) if take_sqrt else v

    def vjp(g, needs):
        gk = _unsqueeze_to(g, axes, keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            if take_sqrt:
                ok = _unsqueeze_to(o, axes, keepdim)
                # zero where std is 0, as PyTorch
                return (np.where(ok == 0, 0, gk * c / (ok * denom)),)
            return (gk * (2 / denom if denom else np.inf) * c,)
    name = ("StdBackward0" if take_sqrt else "VarBackward0")
    return record(o.astype(xd.dtype, copy=False), name, vjp, (x,), (x,))


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var(input, dim, ...), mean(input, dim))`` as a pair."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std(input, dim, ...), mean(input, dim))`` as a pair."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


@quiet
def _ext(x, dim, keepdim, np_fn, name):
    """amax/amin: the gradient is shared evenly between tied extreme elements."""
    xd = x._data
    axes = dims(dim, xd.ndim)
    if xd.size == 0 and dim is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == "
                           "0. Specify the reduction dim with the 'dim' argument.")
    if xd.size == 0 and (not axes or builtins.any(xd.shape[a] == 0 for a in axes)):
        raise IndexError(f"{name}(): Expected reduction dim {axes[0] if axes else 0} to have "
                         "non-zero size.")
    o = np.asarray(np_fn(xd, axis=axes, keepdims=keepdim))
    if xd.dtype.kind != "f":
        return _wrap(o)

    def vjp(g, n):
        ok = _unsqueeze_to(o, axes, keepdim)
        mask = xd == ok
        cnt = mask.sum(axis=axes, keepdims=True)
        return (_unsqueeze_to(g, axes, keepdim) * mask / cnt,)
    return record(o, name.capitalize() + "Backward0", vjp, (x,), (x,))


def amax(input, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """The maximum over ``dim`` (all elements by default), values only.

    VJP: ``g`` shared evenly between the elements equal to the maximum (``g / count`` each).
    """
    return _ext(input, None if dim == () else dim, keepdim, np.max, "amax")


def amin(input, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """The minimum over ``dim`` (all elements by default), values only.

    VJP: ``g`` shared evenly between the elements equal to the minimum (``g / count`` each).
    """
    return _ext(input, None if dim == () else dim, keepdim, np.min, "amin")


class _ReturnType(tuple):
    _name = ""

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"


def _return_type(name, fields):
    base = namedtuple(name, fields)
    cls = type(name, (_ReturnType, base),
               {"_name": name, "__slots__": (), "__repr__": _ReturnType.__repr__})
    return cls


return_types = {n: _return_type(n, ("values", "indices"))
                for n in ("max", "min", "sort", "topk", "mode", "median", "kthvalue", "cummax",
                          "cummin")}
return_types["aminmax"] = _return_type("aminmax", ("min", "max"))


@quiet
def _max_min(input, dim, keepdim, other, is_max):
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return input.maximum(other) if is_max else input.minimum(other)
    x = input
    xd = x._data
    if dim is None:
        if xd.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        o = _ext(x, None, False, np.max if is_max else np.min, "amax" if is_max else "amin")
        if o.grad_fn is not None:
            node = o.grad_fn
            new = node_class("MaxBackward1" if is_max else "MinBackward1")(
                node.vjp, node.inputs, node.needs, node.saved)
            o.grad_fn = new
        return o
    ax = _wrap_dim(dim, xd.ndim)
    if xd.ndim and xd.shape[ax] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {ax} to have non-zero size.")
    if xd.ndim == 0:
        idx = np.zeros((), np.int64)
        vals = xd.copy()
    else:
        idx = np.asarray((np.argmax if is_max else np.argmin)(xd, axis=ax, keepdims=True))
        vals = np.take_along_axis(xd, idx, ax)
        if not keepdim:
            idx = idx.squeeze(ax)
            vals = vals.squeeze(ax)
    idx = idx.astype(np.int64, copy=False)
    if xd.dtype.kind == "f":
        shape = xd.shape

        def vjp(g, n):
            gz = np.zeros(shape, g.dtype)
            if not shape:
                return (g.copy(),)
            ik = idx if keepdim else np.expand_dims(idx, ax)
            gk = g if keepdim else np.expand_dims(g, ax)
            np.put_along_axis(gz, ik, gk, ax)
            return (gz,)
        v = record(vals, "MaxBackward0" if is_max else "MinBackward0", vjp, (x,), NOSAVE)
    else:
        v = _wrap(vals)
    return return_types[name](v, _wrap(idx))


def max(input, dim=None, keepdim: bool = False, *, other=None, out=None):  # noqa: A001
    """The maximum: of all elements; or ``(values, indices)`` along ``dim``; or, with a tensor
    ``other``, the elementwise ``maximum(input, other)``.

    VJP: over all elements as ``amax`` (ties share ``g``); along ``dim``, ``g`` goes to the one
    element at ``indices``.
    """
    return _max_min(input, dim, keepdim, other, True)


def min(input, dim=None, keepdim: bool = False, *, other=None, out=None):  # noqa: A001
    """The minimum: of all elements; or ``(values, indices)`` along ``dim``; or, with a tensor
    ``other``, the elementwise ``minimum(input, other)``.

    VJP: over all elements as ``amin`` (ties share ``g``); along ``dim``, ``g`` goes to the one
    element at ``indices``.
    """
    return _max_min(input, dim, keepdim, other, False)


def _arg(x, dim, keepdim, fn, name):
    xd = x._data
    if xd.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if xd.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                             "== 0.")
        r = np.asarray(fn(xd.reshape(-1)), np.int64)
        return _wrap(r.reshape((1,) * xd.ndim) if keepdim else r)
    ax = _wrap_dim(dim, xd.ndim)
    if xd.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    return _wrap(np.asarray(fn(xd, axis=ax, keepdims=keepdim), np.int64))


def argmax(input, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the maximum (of the flattened tensor, or along ``dim``); the first on ties."""
    return _arg(input, dim, keepdim, np.argmax, "argmax")


def argmin(input, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the minimum (of the flattened tensor, or along ``dim``); the first on ties."""
    return _arg(input, dim, keepdim, np.argmin, "argmin")


def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(min, max)`` as a named tuple."""
    mn = amin(input, () if dim is None else dim, keepdim)
    mx = amax(input, () if dim is None else dim, keepdim)
    return return_types["aminmax"](rename(mn, "AminmaxBackward0"), rename(mx, "AminmaxBackward0"))


@quiet
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the non-NaN elements."""
    keep = isnan(input).logical_not()
    return nansum(input, dim, keepdim, dtype=dtype) / sum(keep, dim, keepdim).to(input.dtype)


@quiet
def _kth(x, k0, dim, keepdim, rtype):
    """The k0-th smallest (0-based) on ``dim`` and its index, by a stable sort (PyTorch's ties)."""
    xd = x._data
    if dim is None:
        x = x.reshape((-1,))
        dim = 0
    d = _wrap_dim(dim, x._data.ndim)
    s = x.sort(d)
    key = (slice(None),) * d + (slice(k0, k0 + 1),) if x._data.ndim else ()
    v, i = (s.values[key], s.indices[key]) if key else (s.values, s.indices)
    if not keepdim and x._data.ndim:
        v, i = v.squeeze(d), i.squeeze(d)
    del xd
    return return_types[rtype](v, i)


def median(input, dim=None, keepdim: bool = False):
    """The lower median (for an even count, the smaller of the two middle values), as PyTorch."""
    n = input._data.size if dim is None else (input._data.shape[_wrap_dim(dim, input._data.ndim)]
                                              if input._data.ndim else 1)
    if dim is None:
        if n == 0:
            return _wrap(np.array(np.nan, input._data.dtype))
        return rename(_kth(input, (n - 1) // 2, None, False, "median").values, "MedianBackward0")
    r = _kth(input, (n - 1) // 2, dim, keepdim, "median")
    return return_types["median"](rename(r.values, "MedianBackward1"), r.indices)


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element (1-based) along ``dim``, and its index."""
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)] if input._data.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {dim}")
    r = _kth(input, k - 1, dim, keepdim, "kthvalue")
    return return_types["kthvalue"](rename(r.values, "KthvalueBackward0"), r.indices)


@quiet
def logsumexp(input, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably as ``m + log(sum(exp(x - m)))``
    with ``m = max(x)``.

    VJP: ``d/dx = g * exp(x - logsumexp(x)) = g * softmax(x)``.
    """
    x = input
    xd = x._data
    if xd.dtype.kind != "f":
        xd = xd.astype(_dtype.get_default_dtype().np)
    axes = dims(dim, xd.ndim)
    m = np.max(xd, axis=axes, keepdims=True) if xd.size else np.zeros((1,) * xd.ndim, xd.dtype)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        o = np.log(np.exp(xd - m).sum(axis=axes, keepdims=True)) + m
    ok = o
    if not keepdim:
        o = o.squeeze(axes) if axes else o
    o = np.asarray(o)
    return record(o, "LogsumexpBackward0",
                  lambda g, n: (_unsqueeze_to(g, axes, keepdim) * np.exp(xd - ok),), (x,), (x,))


@quiet
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default); ``"fro"`` is the 2-norm."""
    x = input
    if x._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_word(x._data)}")
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    if p in ("fro", 2, 2.0, None):
        return _norm2(x, dim, keepdim)
    p = float("inf") if p == "inf" else p
    v = _wrap(x._data)                       # the value, outside the graph
    if p == float("inf"):
        r = amax(v.abs(), () if dim is None else dim, keepdim)
    elif p == float("-inf"):
        r = amin(v.abs(), () if dim is None else dim, keepdim)
    elif p == 1:
        r = sum(v.abs(), dim, keepdim)
    elif p == 0:
        r = sum(ne(v, 0).to(v.dtype), dim, keepdim)
    else:
        r = sum(v.abs().pow(p), dim, keepdim).pow(1.0 / p)
    xd, o, axes = x._data, r._data, dims(dim, x._data.ndim)
    return record(o, "LinalgVectorNormBackward0",
                  lambda g, n: (_norm_vjp(xd, float(p), _unsqueeze_to(o, axes, keepdim),
                                          _unsqueeze_to(g, axes, keepdim), axes),),
                  (x,), (x,))


def _norm_vjp(x: np.ndarray, p: float, nrm: np.ndarray, g: np.ndarray, axes: tuple) -> np.ndarray:
    """d||x||_p / dx times ``g`` (``nrm`` and ``g`` with the reduced axes kept), for p != 2;
    None for p = 0.

    ``d/dx_i (sum |x_j|^p)^(1/p) = sgn(x_i) |x_i|^(p-1) / ||x||^(p-1)``, with the conventions
    that keep it finite at zeros: 0 where the norm is 0, and (for p < 1, where ``|x_i|^(p-1)``
    is infinite at ``x_i = 0``) 0 at zero entries.  p = 1 is ``sgn(x)``; p = 0 (a count) has no
    gradient (None, PyTorch's undefined one); p = +-inf (a max or min of ``|x|``) shares the
    gradient equally among the entries that attain it (nan entries attain a nan norm).
    """
    if p == 0:
        # no gradient at all, as PyTorch (the leaf's stays None)
        return None
    sgn = np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype, copy=False)  # PyTorch's sgn(nan) = 0
    if p == 1:
        return sgn * g
    if math.isinf(p):
        hit = (np.abs(x) == nrm) | (np.isnan(x) & np.isnan(nrm))
        count = hit.sum(axis=axes, keepdims=True).astype(x.dtype)
        return sgn * hit.astype(x.dtype) * (g / count)
    a = np.abs(x)
    dt = x.dtype.type
    if p < 1:
        scaled = np.where(x == 0, dt(0), sgn * a ** dt(p - 1))
        return scaled * g * nrm ** dt(1 - p)
    scale = np.where(nrm == 0, dt(0), g / nrm ** dt(p - 1))
    if p < 2:
        return sgn * a ** dt(p - 1) * scale
    return x * a ** dt(p - 2) * scale


@quiet
def _norm2(x, dim, keepdim):
    xd = x._data
    axes = dims(dim, xd.ndim)
    o = np.asarray(np.sqrt((xd * xd).sum(axis=axes, keepdims=keepdim)))

    def vjp(g, n):
        ok = _unsqueeze_to(o, axes, keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(ok == 0, 0, xd / ok)
        return (_unsqueeze_to(g, axes, keepdim) * r,)
    return record(o, "LinalgVectorNormBackward0", vjp, (x,), (x,))


@quiet
def cumsum(input, dim, *, dtype=None, out=None) -> Tensor:
    """Cumulative sum along ``dim``: ``y_i = x_0 + ... + x_i`` (integers accumulate in int64).

    VJP: the reversed cumulative sum of ``g``: ``d/dx_i = g_i + ... + g_{n-1}``.
    """
    x = input
    xd = x._data
    ax = _wrap_dim(dim, xd.ndim)
    if xd.ndim == 0:
        o = xd.astype(_sum_dtype(xd.dtype, dtype))
    else:
        o = np.cumsum(xd, axis=ax, dtype=_sum_dtype(xd.dtype, dtype))
    if o.dtype.kind != "f":
        return _wrap(o)
    if xd.ndim == 0:
        return record(o, "CumsumBackward0", lambda g, n: (g,), (x,), NOSAVE)
    return record(o, "CumsumBackward0",
                  lambda g, n: (np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax),), (x,), NOSAVE)


@quiet
def cumprod(input, dim, *, dtype=None, out=None) -> Tensor:
    """Cumulative product along ``dim``: ``y_i = x_0 * ... * x_i``.

    VJP: ``d/dx_i = (sum_{k >= i} g_k * y_k) / x_i``.
    """
    x = input
    xd = x._data
    ax = _wrap_dim(dim, xd.ndim)
    o = np.cumprod(xd, axis=ax, dtype=_sum_dtype(xd.dtype, dtype)) if xd.ndim else xd.copy()
    if o.dtype.kind != "f":
        return _wrap(o)

    def vjp(g, n):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.flip(np.cumsum(np.flip(g * o, ax), axis=ax), ax) / xd
        return (r,)
    return record(o, "CumprodBackward0", vjp, (x,), (x,))


def all(input, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    """Whether every element is nonzero (over ``dim``, or in all): a bool tensor."""
    xd = input._data
    return _wrap(np.asarray(np.all(xd, axis=dims(dim, xd.ndim) if dim is not None else None,
                                   keepdims=keepdim)))


def any(input, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    """Whether some element is nonzero (over ``dim``, or in all): a bool tensor."""
    xd = input._data
    return _wrap(np.asarray(np.any(xd, axis=dims(dim, xd.ndim) if dim is not None else None,
                                   keepdims=keepdim)))


def count_nonzero(input, dim=None) -> Tensor:
    """The number of nonzero elements over ``dim`` (all by default), as int64."""
    xd = input._data
    return _wrap(np.asarray(np.count_nonzero(xd, axis=dims(dim, xd.ndim) if dim is not None
                                             else None),
                            np.int64))
