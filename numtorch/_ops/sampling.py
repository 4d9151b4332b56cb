"""Resampling primitives: ``upsample`` (``F.interpolate``'s nearest, nearest-exact, linear and
cubic modes over 1-3 spatial dims) and ``grid_sample``.

Arguments arrive validated from ``numtorch.nn.functional._upsampling`` / ``._vision``.

NOTE [ separable resampling ]
Every ``upsample`` mode is separable: along each spatial axis, output position ``o`` reads
``K`` input positions ``idx[k, o]`` with weights ``w[k, o]`` (nearest: ``K = 1``, weight 1;
linear: ``K = 2``; cubic: ``K = 4``), and the N-d result applies the axes one after another,
the last axis first, so each output is ``sum_k w_h[k] * (sum_j w_w[j] * x[h_k, w_j])``, the
order of PyTorch's CPU kernel (equal to float32 rounding; the nearest modes bit for bit).  The axis
step is linear in ``x``, so its vector-Jacobian
product scatters ``g * w[k]`` back to ``idx[k]``, axis by axis in the reverse order.

Source positions follow PyTorch's arithmetic in the input's compute type (float32 for
float32 inputs), with the scale ``(in - 1) / (out - 1)`` under ``align_corners``, else
``1 / scale_factor`` when one was given, else ``in / out``:

    nearest         src = min(floor(o * scale), in - 1)                 (scale in float32)
    nearest-exact   src = min(floor((o + 0.5) * scale), in - 1)
    linear          s = scale * (o + 0.5) - 0.5 (clamped at 0; evaluated in double, then rounded),
                    or scale * o with align_corners;
                    taps floor(s) and the next, weights 1 - l and l, l = s - floor(s)
    cubic           s as linear without the clamp, taps floor(s) - 1 ... floor(s) + 2 clamped
                    to the edge, Keys' cubic convolution weights with A = -0.75
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._core import record

__all__ = ["upsample", "grid_sample"]

_NODE = {"nearest": "UpsampleNearest{}DBackward0",
         "nearest-exact": "UpsampleNearestExact{}DBackward0",
         "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
         "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0"}


# ---------------------------------------------------------------------------------------------
# taps along one axis
# ---------------------------------------------------------------------------------------------

def _scale(n_in: int, n_out: int, align_corners: bool, scale, ft) -> np.floating:
    """The output-to-input step of one axis, in the compute type ``ft``."""
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n_in) / ft(n_out)


def _nearest_taps(n_in: int, n_out: int, scale, exact: bool):
    o = np.arange(n_out)
    s = _scale(n_in, n_out, False, scale, np.float32)
    if exact:
        src = np.floor(((o + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(o.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), n_in - 1)[None], None


def _centre(s, o: np.ndarray, ft) -> np.ndarray:
    """``s * (o + 0.5) - 0.5``: ``o + 0.5`` is a double, so the sum runs in double precision."""
    return (np.float64(s) * (o + 0.5) - 0.5).astype(ft)


def _linear_taps(n_in: int, n_out: int, align_corners: bool, scale, ft):
    o = np.arange(n_out)
    if n_in == n_out and not align_corners:
        return np.stack([o, o]), np.stack([np.ones(n_out, ft), np.zeros(n_out, ft)])
    s = _scale(n_in, n_out, align_corners, scale, ft)
    src = s * o.astype(ft) if align_corners else np.maximum(_centre(s, o, ft), ft(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam = np.clip(src - i0.astype(ft), ft(0), ft(1)).astype(ft)
    i1 = i0 + (i0 < n_in - 1)
    return np.stack([i0, i1]), np.stack([ft(1) - lam, lam])


def _cubic_taps(n_in: int, n_out: int, align_corners: bool, scale, ft):
    o = np.arange(n_out)
    s = _scale(n_in, n_out, align_corners, scale, ft)
    src = s * o.astype(ft) if align_corners else _centre(s, o, ft)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(ft)).astype(ft)
    a = ft(-0.75)

    def near(x):  # |x| <= 1
        return ((a + ft(2)) * x - (a + ft(3))) * x * x + ft(1)

    def far(x):  # 1 < |x| < 2
        return ((a * x - ft(5) * a) * x + ft(8) * a) * x - ft(4) * a

    u = ft(1) - t
    w = np.stack([far(t + ft(1)), near(t), near(u), far(u + ft(1))]).astype(ft)
    idx = np.clip(i0[None] + np.arange(-1, 3)[:, None], 0, n_in - 1)
    return idx, w


def _apply(x: np.ndarray, axis: int, idx: np.ndarray, w) -> np.ndarray:
    """One axis of NOTE [ separable resampling ]: ``y[o] = sum_k w[k, o] * x[idx[k, o]]``."""
    if w is None:
        return x.take(idx[0], axis=axis)
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    y = x.take(idx[0], axis=axis) * w[0].reshape(shape)
    for k in range(1, len(idx)):
        y += x.take(idx[k], axis=axis) * w[k].reshape(shape)
    return y


_GEMM_LIMIT = 1 << 22  # tap matrices up to this many entries are applied as one GEMM


def _adjoint(g: np.ndarray, axis: int, idx: np.ndarray, w, n_in: int) -> np.ndarray:
    """The vjp of ``_apply``: add ``g[o] * w[k, o]`` into position ``idx[k, o]`` along ``axis``.

    Usually one GEMM with the ``out x in`` tap matrix (BLAS beats any scatter here); for very
    long axes, where that matrix would be large, every tap's indices are non-decreasing in
    ``o``, so the outputs reading one input position form a run, summed by ``np.add.reduceat``.
    """
    gm = np.ascontiguousarray(np.moveaxis(g, axis, -1))
    n_out = gm.shape[-1]
    if n_out * n_in <= _GEMM_LIMIT:
        a = np.zeros((n_out, n_in), g.dtype)
        cols = np.arange(n_out)
        for k in range(len(idx)):
            np.add.at(a, (cols, idx[k]), 1 if w is None else w[k])
        out = (gm.reshape(-1, n_out) @ a).reshape(gm.shape[:-1] + (n_in,))
        return np.moveaxis(out, -1, axis)
    out = np.zeros(gm.shape[:-1] + (n_in,), g.dtype)
    for k in range(len(idx)):
        contrib = gm if w is None else gm * w[k].astype(g.dtype)
        starts = np.flatnonzero(np.r_[True, idx[k][1:] != idx[k][:-1]])
        out[..., idx[k][starts]] += np.add.reduceat(contrib, starts, axis=-1)
    return np.moveaxis(out, -1, axis)


# ---------------------------------------------------------------------------------------------
# upsample
# ---------------------------------------------------------------------------------------------

def upsample(input: Tensor, size: tuple, mode: str, align_corners: bool, scales) -> Tensor:
    """Resample ``input`` ``(B, C, *L)`` to ``(B, C, *size)`` in ``mode``.

    ``scales`` holds the user's ``scale_factor`` per axis (or None); see NOTE [ separable
    resampling ] for the formulas and the vector-Jacobian product.
    """
    x = input._data
    ft = x.dtype.type if x.dtype == np.float64 else np.float32
    n = len(size)
    taps = []
    for i in range(n):
        n_in, n_out, sc = x.shape[2 + i], size[i], scales[i] if scales else None
        if mode in ("nearest", "nearest-exact"):
            taps.append(_nearest_taps(n_in, n_out, sc, mode == "nearest-exact"))
        elif mode == "bicubic":
            taps.append(_cubic_taps(n_in, n_out, align_corners, sc, ft))
        else:
            taps.append(_linear_taps(n_in, n_out, align_corners, sc, ft))
    y = x
    for i in reversed(range(n)):
        y = _apply(y, 2 + i, *taps[i])
    y = np.ascontiguousarray(y, dtype=x.dtype)

    def vjp(g, needs):
        for i in range(n):
            g = _adjoint(g, 2 + i, *taps[i], x.shape[2 + i])
        return (np.ascontiguousarray(g, dtype=x.dtype),)
    return record(y, _NODE[mode].format(n), vjp, (input,), None)


# ---------------------------------------------------------------------------------------------
# grid_sample
# ---------------------------------------------------------------------------------------------
#
# NOTE [ grid_sample as taps ]
# A grid point holds normalised coordinates in [-1, 1] per spatial dim (x is the last dim).
# Each is mapped to a pixel coordinate (``unnormalize``: ``(c + 1) / 2 * (n - 1)`` with
# align_corners, else ``((c + 1) * n - 1) / 2``), then folded into range by the padding mode
# (``border`` clips, ``reflection`` mirrors about the edge pixels' centres or edges, then
# clips).  The output is a weighted sum over taps: the 2**d corners around the point
# (bilinear), the nearest pixel (round half to even) or the 4x4 pixels around it (bicubic,
# whose integer taps are folded by the padding mode one by one); a tap outside the input reads
# zero.  Every tap has a flat index, a validity mask and a weight with its derivative along
# each coordinate, so the backward pass scatters ``weight * grad`` into the input and adds
# ``d weight / d coord * value * grad`` (times the chain rule factor of the mapping) into the
# grid.

_A = -0.75


def _unnormalize(c, n: int, align_corners: bool):
    """Normalised coordinate to pixel coordinate, and the derivative of the map."""
    if align_corners:
        return (c + 1) / 2 * (n - 1), (n - 1) / 2
    return ((c + 1) * n - 1) / 2, n / 2


def _clip(c, n: int):
    grad = ((c > 0) & (c < n - 1)).astype(c.dtype)
    return np.clip(c, 0, n - 1), grad


def _reflect(c, twice_low: int, twice_high: int):
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(c)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = c - lo
    sign = np.where(c < 0, -1, 1).astype(c.dtype)
    c = np.abs(c)
    extra = np.fmod(c, span)
    flips = np.floor(c / span)
    even = flips % 2 == 0
    return np.where(even, extra + lo, span - extra + lo).astype(c.dtype), np.where(even, sign,
                                                                                   -sign)


def _fold_coord(c, n: int, padding_mode: str, align_corners: bool):
    """Apply the padding mode to pixel coordinates; returns the coordinate and its derivative."""
    if padding_mode == "border":
        return _clip(c, n)
    if padding_mode == "reflection":
        c, g1 = (_reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1))
        c, g2 = _clip(c, n)
        return c, g1 * g2
    return c, np.ones_like(c)


def _cubic_weights(t):
    """Keys' cubic convolution weights of the 4 taps at offsets -1..2, and their derivatives."""
    def near(x):
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x):
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A

    def dnear(x):
        return (3 * (_A + 2) * x - 2 * (_A + 3)) * x

    def dfar(x):
        return (3 * _A * x - 10 * _A) * x + 8 * _A

    u = 1 - t
    w = [far(t + 1), near(t), near(u), far(u + 1)]
    dw = [dfar(t + 1), dnear(t), -dnear(u), -dfar(u + 1)]
    return w, dw


def _grid_taps(grid: np.ndarray, spatial: tuple, mode: str, padding_mode: str,
               align_corners: bool) -> list:
    """Taps of NOTE [ grid_sample as taps ]: ``(flat index, valid, weight, dweight)`` each,
    with index/valid/weight ``(N, P)`` and ``dweight`` ``(N, P, d)`` per grid coordinate."""
    d = len(spatial)
    ft = grid.dtype.type
    n = grid.shape[0]
    coords = grid.reshape(n, -1, d)
    sizes = spatial[::-1]  # grid coordinate k indexes spatial dim d-1-k
    per_dim = []  # per coordinate: list of (integer position, weight, dweight)
    for k in range(d):
        size = sizes[k]
        c, dmap = _unnormalize(coords[..., k], size, align_corners)
        c = c.astype(ft)
        if mode == "bicubic":
            lo = np.floor(c)
            w, dw = _cubic_weights((c - lo).astype(ft))
            taps = []
            for i in range(4):
                pos = lo + (i - 1)
                if padding_mode != "zeros":
                    pos, _ = _fold_coord(pos, size, padding_mode, align_corners)
                taps.append((pos, w[i].astype(ft), (dw[i] * dmap).astype(ft)))
            per_dim.append(taps)
            continue
        c, dfold = _fold_coord(c, size, padding_mode, align_corners)
        if mode == "nearest":
            per_dim.append([(np.rint(c), np.ones_like(c), np.zeros_like(c))])
            continue
        lo = np.floor(c)
        per_dim.append([(lo, (lo + 1 - c).astype(ft), -dfold * dmap),
                        (lo + 1, (c - lo).astype(ft), dfold * dmap)])
    out = []
    for combo in _product([range(len(t)) for t in per_dim]):
        taps = [per_dim[k][combo[k]] for k in range(d)]
        valid = np.ones(coords.shape[:2], bool)
        flat = np.zeros(coords.shape[:2], np.int64)
        weight = None
        for k in reversed(range(d)):  # spatial dims outermost first
            pos = taps[k][0]
            ok = (pos >= 0) & (pos <= sizes[k] - 1)
            valid &= ok
            flat = flat * sizes[k] + np.where(ok, pos, 0).astype(np.int64)
        for k in range(d):
            weight = taps[k][1] if weight is None else weight * taps[k][1]
        dweight = np.empty(coords.shape, ft)
        for k in range(d):
            prod = taps[k][2]
            for e in range(d):
                if e != k:
                    prod = prod * taps[e][1]
            dweight[..., k] = prod
        out.append((flat, valid, weight, dweight))
    return out


def _product(ranges: list) -> list:
    """Tap combinations with the first grid coordinate (x) varying fastest."""
    combos = [()]
    for r in ranges:
        combos = [c + (i,) for i in r for c in combos]
    return combos


def grid_sample(input: Tensor, grid: Tensor, mode: str, padding_mode: str,
                align_corners: bool) -> Tensor:
    """Sample ``input`` ``(N, C, *L)`` at ``grid`` ``(N, *P, d)`` (NOTE [ grid_sample as taps ]).

    Returns ``(N, C, *P)``.
    """
    x, gr = input._data, grid._data
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    out_sp = gr.shape[1:-1]
    s = int(np.prod(spatial))
    xf = x.reshape(n, c, s)
    taps = _grid_taps(gr, spatial, mode, padding_mode, align_corners)
    bidx = np.arange(n)[:, None, None]
    cidx = np.arange(c)[None, :, None]
    y = None
    vals = []  # the tapped values, kept for the grid's gradient only
    keep = grid.requires_grad
    for flat, valid, weight, _ in taps:
        v = np.where(valid[:, None], xf[bidx, cidx, flat[:, None]], 0).astype(x.dtype)
        if keep:
            vals.append(v)
        term = v * weight[:, None]
        y = term if y is None else y + term
    y = np.ascontiguousarray(y.reshape((n, c) + out_sp), dtype=x.dtype)

    def vjp(g, needs):
        g = g.reshape(n, c, -1)
        gx = ggrid = None
        if needs[0]:
            base = (np.arange(n)[:, None, None] * c + np.arange(c)[None, :, None]) * s
            acc = np.zeros(n * c * s)
            for flat, valid, weight, _ in taps:
                idx = base + flat[:, None]
                wv = g * np.where(valid, weight, 0)[:, None]
                acc += np.bincount(idx.ravel(), wv.ravel(), minlength=n * c * s)
            gx = acc.reshape(x.shape).astype(x.dtype)
        if needs[1]:
            ggrid = np.zeros((n, g.shape[2], len(spatial)), gr.dtype)
            for v, (_, _, _, dweight) in zip(vals, taps):
                ggrid += (v * g).sum(1)[..., None] * dweight
            ggrid = ggrid.reshape(gr.shape)
        return gx, ggrid
    name = "GridSampler2DBackward0" if len(spatial) == 2 else "GridSampler3DBackward0"
    return record(y, name, vjp, (input, grid), (input, grid))
