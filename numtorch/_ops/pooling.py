"""Pooling primitives over 1, 2 or 3 spatial dims: max (with indices), average, adaptive average,
adaptive max and max-unpooling, each forward beside its vector-Jacobian product.

Arguments arrive parsed and validated (``numtorch.nn.functional._pooling`` raises PyTorch's
errors); inputs are batched ``(B, C, *L)`` and every per-dim argument is a tuple.

NOTE [ pooling windows without a loop over pixels ]
A window of kernel ``k``, stride ``s``, dilation ``d`` and left padding ``p`` for output position
``o`` reads input positions ``o*s - p + j*d`` for ``j < k``.  Fixing one kernel offset ``j``
(one per dim) gives a strided slice covering every output position at once, so max and average
pooling loop only over the ``prod(k)`` kernel offsets, each step a whole-array NumPy operation.
Max pooling keeps, per output, the kernel offset its maximum came from (one byte); the flat
input index PyTorch returns (``indices``: an index into the flattened spatial dims of one
channel) is built from it only when asked for, and the gradient builds its own flat index into
the padded input in the backward pass, then scatters back through it with one fancy assignment.
Adaptive pooling uses windows ``[floor(o*L/O), ceil((o+1)*L/O))`` whose size varies, so it
works per dim: a 0/1 matrix sums the windows of an average, and an index table of each
window's positions (the last one repeated to pad the short ones) gathers those of a maximum.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._tensor import Tensor
from ._core import NOSAVE, record

__all__ = ["max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool", "max_unpool"]


def _window(off: tuple, stride: tuple, dil: tuple, out: tuple) -> tuple:
    return (slice(None), slice(None)) + tuple(
        slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in zip(off, dil, stride, out))


def _padded(x: np.ndarray, pads: tuple, k: tuple, stride: tuple, dil: tuple, out: tuple,
            value: float) -> tuple:
    """``x`` padded with ``value``: ``pads[i]`` on the left, on the right as far as windows go."""
    widths = [(0, 0), (0, 0)]
    for i, p in enumerate(pads):
        reach = (out[i] - 1) * stride[i] + dil[i] * (k[i] - 1) + 1
        widths.append((p, max(0, reach - p - x.shape[2 + i])))
    if any(lo or hi for lo, hi in widths):
        if x.dtype.kind != "f" and value == -np.inf:  # integer max pooling pads with the minimum
            value = np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False
        return np.pad(x, widths, constant_values=value), widths
    return x, widths


def _flat_index(coords: list, spatial: tuple) -> np.ndarray:
    """Per-dim input coordinates (broadcastable) as one index into the flattened spatial dims."""
    flat = coords[0]
    for c, n in zip(coords[1:], spatial[1:]):
        flat = flat * n + c
    return flat


def _scatter(g: np.ndarray, idx: np.ndarray, shape: tuple, unique: bool) -> np.ndarray:
    """Add ``g`` ``(B, C, *O)`` into a zero ``(B, C, *L)`` at the flat spatial ``idx``."""
    b, c = shape[:2]
    n = int(np.prod(shape[2:]))
    g2, i2 = g.reshape(b * c, -1), idx.reshape(b * c, -1)
    if unique:  # windows do not overlap: each input position gets at most one gradient
        res = np.zeros((b * c, n), g.dtype)
        np.put_along_axis(res, i2, g2, axis=1)
        return res.reshape(shape)
    rows = (np.arange(b * c) * n)[:, None] + i2
    res = np.bincount(rows.ravel(), weights=g2.ravel(), minlength=b * c * n)
    return res.astype(g.dtype, copy=False).reshape(shape)


# ---------------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------------

def _max_scan(xp: np.ndarray, offs: list, stride: tuple, dilation: tuple, out: tuple,
              nan: bool) -> tuple:
    """The running maximum over the kernel offsets and, per output, the offset it came from."""
    kt = np.int8 if len(offs) < 128 else np.int32
    best = k = None
    for i, off in enumerate(offs):  # the first one wins ties
        v = xp[_window(off, stride, dilation, out)]
        if best is None:
            best, k = v.copy(), np.zeros(v.shape, kt)
            continue
        take = v > best
        if nan:  # PyTorch's scan keeps the last NaN of a window; np.maximum keeps a NaN
            take |= np.isnan(v)
        np.maximum(best, v, out=best)
        # the maximum last changed at the last offset that took it over, and offsets rise:
        # k = max(k, i * take) (much faster than a masked copy)
        np.maximum(k, take.view(np.int8).astype(kt, copy=False) * kt(i), out=k)
    return best, k


def _chosen_index(k: np.ndarray, offs: list, spatial: tuple, stride: tuple, dilation: tuple,
                  out: tuple, pads: tuple) -> np.ndarray:
    """Each output's maximum as a flat index into ``spatial`` (int64): the window's origin
    (``o * stride - pad`` per dim) plus its chosen offset ``offs[k]``, in flattened units."""
    n = len(spatial)
    mult = [int(np.prod(spatial[i + 1:])) for i in range(n)]
    delta = np.array([sum(o * d * m for o, d, m in zip(off, dilation, mult)) for off in offs])
    base = sum(((np.arange(out[i]) * stride[i] - pads[i]) * mult[i]).reshape(
        (-1,) + (1,) * (n - 1 - i)) for i in range(n))
    return base + delta[k]


def max_pool(input: Tensor, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple,
             out: tuple, indices: bool = True) -> tuple:
    """Max over each window; returns ``(values, indices)``, indices int64 into each channel
    (None unless ``indices``: the gradient needs only the offset each maximum came from).

    A NaN in a window wins (the last one, as PyTorch's scan keeps it).
    """
    x = input._data
    n = len(kernel)
    xp, widths = _padded(x, pads, kernel, stride, dilation, out, -np.inf)
    offs = list(itertools.product(*[range(k) for k in kernel]))
    best, k = _max_scan(xp, offs, stride, dilation, out, False)
    if best.dtype.kind in "fc" and np.isnan(best).any():  # np.maximum carries any NaN through
        best, k = _max_scan(xp, offs, stride, dilation, out, True)
    idx = _chosen_index(k, offs, x.shape[2:], stride, dilation, out, pads) if indices else None
    unique = all(s >= d * (kk - 1) + 1 for s, d, kk in zip(stride, dilation, kernel))
    crop = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in
                                              zip(widths[2:], x.shape[2:]))
    pshape, padded = xp.shape, xp.shape != x.shape  # the vjp holds k, not the arrays
    del xp

    def vjp(g, needs):
        # each output's gradient goes to the position its maximum came from, in the padded
        # input: one flat index per output, then one fancy assignment (windows that do not
        # overlap) or bincount (windows that do)
        bc, per = pshape[0] * pshape[1], int(np.prod(pshape[2:]))
        flat = _chosen_index(k, offs, pshape[2:], stride, dilation, out, (0,) * n)
        flat = flat.reshape(bc, -1)
        flat += (np.arange(bc) * per)[:, None]
        if unique:
            gp = np.zeros(bc * per, g.dtype)
            gp[flat.ravel()] = g.ravel()
        else:
            gp = np.bincount(flat.ravel(), weights=g.ravel(), minlength=bc * per)
            gp = gp.astype(g.dtype, copy=False)
        gp = gp.reshape(pshape)
        return (gp[crop] if padded else gp,)
    name = f"MaxPool{n}DWithIndicesBackward0" if n > 1 else "MaxPool2DWithIndicesBackward0"
    return record(best, name, vjp, (input,), NOSAVE), idx


# ---------------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------------

def _avg_divisor(spatial: tuple, kernel: tuple, stride: tuple, pads: tuple, out: tuple,
                 count_include_pad: bool) -> np.ndarray:
    """The number each window's sum is divided by, broadcastable to ``(*out)``."""
    div = np.ones((), np.int64)
    n = len(kernel)
    for i in range(n):
        start = np.arange(out[i]) * stride[i] - pads[i]
        end = np.minimum(start + kernel[i], spatial[i] + pads[i])
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, spatial[i]) - np.maximum(start, 0)
        div = div[..., None] * size.reshape((1,) * i + (-1,))
    return div


def avg_pool(input: Tensor, kernel: tuple, stride: tuple, pads: tuple, out: tuple,
             count_include_pad: bool, divisor_override) -> Tensor:
    """Mean over each window (padding counted or not; or the sum over ``divisor_override``)."""
    x = input._data
    n = len(kernel)
    ones = (1,) * n
    xp, widths = _padded(x, pads, kernel, stride, ones, out, 0)
    acc = None
    offs = list(itertools.product(*[range(k) for k in kernel]))
    for off in offs:
        v = xp[_window(off, stride, ones, out)]
        acc = v.copy() if acc is None else np.add(acc, v, out=acc)
    if divisor_override:
        div = np.asarray(divisor_override, x.dtype)
    else:
        div = _avg_divisor(x.shape[2:], kernel, stride, pads, out,
                           count_include_pad).astype(x.dtype)
    y = acc / div

    def vjp(g, needs):
        gs = g / div
        gp = np.zeros(xp.shape, g.dtype)
        for off in offs:
            gp[_window(off, stride, ones, out)] += gs
        return (gp[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in
                                                      zip(widths[2:], x.shape[2:]))],)
    return record(y, f"AvgPool{n}DBackward0", vjp, (input,), NOSAVE)


# ---------------------------------------------------------------------------------------------
# adaptive pooling
# ---------------------------------------------------------------------------------------------

def _bounds(n_in: int, n_out: int) -> tuple:
    o = np.arange(n_out)
    return (o * n_in) // n_out, -((-(o + 1) * n_in) // n_out)


def adaptive_avg_pool(input: Tensor, out: tuple) -> Tensor:
    """Mean over windows ``[floor(o*L/O), ceil((o+1)*L/O))`` per dim: ``out`` sizes exactly."""
    x = input._data
    n = len(out)
    mats, div = [], np.ones((), np.int64)
    for i in range(n):
        start, end = _bounds(x.shape[2 + i], out[i])
        pos = np.arange(x.shape[2 + i])
        mats.append(((pos >= start[:, None]) & (pos < end[:, None])).astype(x.dtype))
        div = div[..., None] * (end - start).reshape((1,) * i + (-1,))
    div = div.astype(x.dtype)

    def apply(a, ms):
        for i, m in enumerate(ms):
            a = np.moveaxis(np.moveaxis(a, 2 + i, -1) @ m.T, -1, 2 + i)
        return a
    y = np.ascontiguousarray(apply(x, mats) / div)

    def vjp(g, needs):
        return (np.ascontiguousarray(apply(g / div, [m.T for m in mats])),)
    return record(y, f"AdaptiveAvgPool{n}DBackward0", vjp, (input,), NOSAVE)


def adaptive_max_pool(input: Tensor, out: tuple) -> tuple:
    """Max over the adaptive windows; returns ``(values, int64 indices)`` as ``max_pool``."""
    x = input._data
    n = len(out)
    if 0 in out or x.size == 0:
        shape = x.shape[:2] + tuple(out)
        return record(np.zeros(shape, x.dtype), f"AdaptiveMaxPool{n}DBackward0",
                      lambda g, needs: (np.zeros(x.shape, g.dtype),), (input,), NOSAVE), \
            np.zeros(shape, np.int64)
    tables = []
    for i in range(n):
        start, end = _bounds(x.shape[2 + i], out[i])
        kmax = int((end - start).max()) if out[i] else 1
        tables.append(np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1))
    # index (B, C, O0, K0, O1, K1, ...) by broadcasting each dim's table on its own pair of axes
    ix = tuple(t.reshape((1,) * (2 * i) + t.shape + (1,) * (2 * (n - 1 - i)))
               for i, t in enumerate(tables))
    win = x[(slice(None), slice(None)) + ix]
    perm = (0, 1) + tuple(range(2, 2 + 2 * n, 2)) + tuple(range(3, 3 + 2 * n, 2))
    win = win.transpose(perm).reshape(x.shape[:2] + tuple(out) + (-1,))
    k = np.argmax(win, axis=-1)
    nan = np.isnan(win)
    if nan.any():  # the last NaN of a window wins, as in PyTorch's scan
        last = win.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        k = np.where(nan.any(-1), last, k)
    y = np.take_along_axis(win, k[..., None], -1)[..., 0]
    ks = np.unravel_index(k, tuple(t.shape[1] for t in tables))
    coords = [tables[i][np.arange(out[i]).reshape((-1,) + (1,) * (n - 1 - i)), ks[i]]
              for i in range(n)]
    idx = _flat_index(coords, x.shape[2:])

    def vjp(g, needs):
        return (_scatter(g, idx, x.shape, False),)
    return record(np.ascontiguousarray(y), f"AdaptiveMaxPool{n}DBackward0", vjp, (input,),
                  NOSAVE), idx


# ---------------------------------------------------------------------------------------------
# max unpooling
# ---------------------------------------------------------------------------------------------

def max_unpool(input: Tensor, indices: np.ndarray, out: tuple) -> Tensor:
    """Place each input value at its flat index in a zero ``(B, C, *out)``; the inverse of max_pool.

    Indices must already be checked to lie in ``[0, prod(out))``.
    """
    x = input._data
    b, c = x.shape[:2]
    y = np.zeros((b * c, int(np.prod(out))), x.dtype)
    i2 = indices.reshape(b * c, -1)
    np.put_along_axis(y, i2, x.reshape(b * c, -1), axis=1)

    def vjp(g, needs):
        return (np.take_along_axis(g.reshape(b * c, -1), i2, axis=1).reshape(x.shape),)
    return record(y.reshape((b, c) + tuple(out)), f"MaxUnpool{len(out)}DBackward0", vjp, (input,),
                  NOSAVE)
