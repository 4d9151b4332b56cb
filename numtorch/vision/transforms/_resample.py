"""Resampling kernels for tensor images, on NumPy arrays of shape (..., H, W).

NOTE [ Separable resampling tables ]
Every resize mode that ``torch.nn.functional.interpolate`` offers for images is
separable: output pixel ``(i, j)`` is ``sum_a sum_b wh[i, a] * ww[j, b] *
x[ih[i, a], iw[j, b]]``. One *table* per axis, an index array and a weight
array of shape ``(out_size, taps)``, describes a mode completely, so a resize
is two 1-D passes: along the width first, then along the height, each
accumulating its taps in order. That is the order PyTorch's CPU kernels use
(width is the contiguous dimension), which keeps results equal to theirs to
float32 rounding. The tables are computed in the image's floating dtype, with
the same formulas as PyTorch:

- nearest:        src = min(floor(dst * (in / out)), in - 1)
- nearest-exact:  src = min(floor((dst + 0.5) * (in / out)), in - 1)
- bilinear:       s = max((dst + 0.5) * in / out - 0.5, 0), two taps floor(s), floor(s) + 1
- bicubic:        s = (dst + 0.5) * in / out - 0.5, four taps around floor(s), clamped at the
                  borders, Keys' cubic convolution with a = -0.75
- antialiased bilinear / bicubic: the filter (triangle, or Keys' cubic with a = -0.5)
  is stretched by in / out when shrinking, covers every input pixel under its
  support, and its weights are normalised to sum to 1 (Pillow's algorithm).
"""

from __future__ import annotations

import math

import numpy as np


def _nearest_table(in_size: int, out_size: int, exact: bool) -> np.ndarray:
    if out_size == in_size and not exact:
        return np.arange(out_size)
    scale = np.float32(in_size) / np.float32(out_size)
    dst = np.arange(out_size, dtype=np.float32)
    if exact:
        dst = dst + np.float32(0.5)
    elif out_size == 2 * in_size:
        return np.arange(out_size) >> 1
    src = np.floor(dst * scale).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _linear_table(in_size: int, out_size: int, dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    scale = dt.type(in_size) / dt.type(out_size)
    dst = np.arange(out_size, dtype=dt)
    real = scale * (dst + dt.type(0.5)) - dt.type(0.5)
    real = np.maximum(real, dt.type(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam = np.clip(real - i0.astype(dt), 0, 1).astype(dt)
    i1 = i0 + (i0 < in_size - 1)
    return np.stack([i0, i1], 1), np.stack([dt.type(1) - lam, lam], 1)


def _cubic_table(in_size: int, out_size: int, dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    a = dt.type(-0.75)
    one = dt.type(1)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + one

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    scale = dt.type(in_size) / dt.type(out_size)
    dst = np.arange(out_size, dtype=dt)
    real = scale * (dst + dt.type(0.5)) - dt.type(0.5)
    i0 = np.floor(real).astype(np.int64)
    t = (real - i0.astype(dt)).astype(dt)
    weights = np.stack([far(t + one), near(t), near(one - t), far((one - t) + one)], 1)
    index = np.clip(i0[:, None] + np.arange(-1, 3), 0, in_size - 1)
    return index, weights.astype(dt)


def _aa_filter(mode: str):
    if mode == "bilinear":
        return 1.0, lambda x: np.where(np.abs(x) < 1, 1 - np.abs(x), 0)

    def cubic(x, a=-0.5):
        x = np.abs(x)
        inner = ((a + 2) * x - (a + 3)) * x * x + 1
        outer = (((x - 5) * x + 8) * x - 4) * a
        return np.where(x < 1, inner, np.where(x < 2, outer, 0))

    return 2.0, cubic


def _aa_table(
    in_size: int, out_size: int, mode: str, dt: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    half_taps, filt = _aa_filter(mode)
    scale = float(dt.type(in_size) / dt.type(out_size))
    support = half_taps * scale if scale >= 1.0 else half_taps
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    taps = int(math.ceil(support)) * 2 + 1
    index = np.zeros((out_size, taps), np.int64)
    weights = np.zeros((out_size, taps), dt)
    for i in range(out_size):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xsize = min(int(center + support + 0.5), in_size) - xmin
        j = np.arange(xsize)
        w = filt((j + xmin - center + 0.5) * invscale).astype(dt)
        total = w.sum(dtype=dt)
        if total != 0:
            w = w / total
        index[i, :xsize] = xmin + j
        weights[i, :xsize] = w
    return index, weights


def _apply(x: np.ndarray, index: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """One 1-D pass: accumulate ``weights[:, k] * x[index[:, k]]`` along ``axis`` over k in order.
    """
    shape = (-1, 1) if axis == -2 else (-1,)
    out = np.take(x, index[:, 0], axis=axis) * weights[:, 0].reshape(shape)
    for k in range(1, index.shape[1]):
        out += np.take(x, index[:, k], axis=axis) * weights[:, k].reshape(shape)
    return out


def resize(x: np.ndarray, size: list[int], mode: str, antialias: bool) -> np.ndarray:
    """Resize a floating array (..., H, W) to ``size = [h, w]`` as ``F.interpolate`` does.

    ``mode`` is one of ``nearest``, ``nearest-exact``, ``bilinear``, ``bicubic``;
    ``antialias`` applies to the last two (``align_corners=False`` throughout).
    """
    out_h, out_w = size
    in_h, in_w = x.shape[-2:]
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        rows = _nearest_table(in_h, out_h, exact)
        cols = _nearest_table(in_w, out_w, exact)
        return x[..., rows[:, None], cols[None, :]]
    dt = x.dtype
    if antialias:
        if out_w != in_w:
            x = _apply(x, *_aa_table(in_w, out_w, mode, dt), axis=-1)
        if out_h != in_h:
            x = _apply(x, *_aa_table(in_h, out_h, mode, dt), axis=-2)
        return np.ascontiguousarray(x)
    table = _linear_table if mode == "bilinear" else _cubic_table
    x = _apply(x, *table(in_w, out_w, dt), axis=-1)
    return _apply(x, *table(in_h, out_h, dt), axis=-2)


def affine_grid(matrix: list[float], w: int, h: int, ow: int, oh: int, dt: np.dtype) -> np.ndarray:
    """Sampling grid (oh, ow, 2) in [-1, 1] for the inverse affine ``matrix`` about the image
    centre.

    Output pixel centres, measured from the centre of the output, are mapped by
    the 2 x 3 ``matrix`` and normalised by half the input size, the convention of
    ``grid_sample(..., align_corners=False)``.
    """
    theta = np.asarray(matrix, dtype=dt).reshape(2, 3)
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=dt)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=dt)
    base = np.empty((oh, ow, 3), dt)
    base[..., 0] = xs[None, :]
    base[..., 1] = ys[:, None]
    base[..., 2] = 1
    scaled = theta.T / np.asarray([0.5 * w, 0.5 * h], dtype=dt)
    return (base.reshape(-1, 3) @ scaled).reshape(oh, ow, 2)


def grid_sample(x: np.ndarray, grid: np.ndarray, mode: str) -> np.ndarray:
    """Sample (..., C, H, W) at ``grid`` (oh, ow, 2), zeros outside, ``align_corners=False``."""
    h, w = x.shape[-2:]
    ix = ((grid[..., 0] + 1) * w - 1) / 2
    iy = ((grid[..., 1] + 1) * h - 1) / 2

    def tap(yy, xx):
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        vals = x[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return np.where(inside, vals, 0).astype(x.dtype)

    if mode == "nearest":
        return tap(np.rint(iy).astype(np.int64), np.rint(ix).astype(np.int64))
    x0 = np.floor(ix).astype(np.int64)
    y0 = np.floor(iy).astype(np.int64)
    fx = (ix - x0).astype(x.dtype)
    fy = (iy - y0).astype(x.dtype)
    return (tap(y0, x0) * ((1 - fx) * (1 - fy)) + tap(y0, x0 + 1) * (fx * (1 - fy))
            + tap(y0 + 1, x0) * ((1 - fx) * fy) + tap(y0 + 1, x0 + 1) * (fx * fy))
