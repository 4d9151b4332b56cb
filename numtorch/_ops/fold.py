"""``unfold`` (im2col) and ``fold`` (col2im): sliding 2-d blocks as columns, and back.

Arguments arrive validated from ``numtorch.nn.functional._fold``; inputs are batched.

``unfold`` of ``x`` ``(B, C, H, W)`` with kernel ``(kh, kw)`` gives ``(B, C*kh*kw, L)``: row
``c*kh*kw + i*kw + j`` holds, for each of the ``L`` block positions ``p`` (row-major), the
padded input at ``p*stride + (i, j)*dilation``.  That is the convolution layout of NOTE
[ convolution as GEMMs over an im2col view ] in ``numtorch/_ops/conv.py`` with one channel per
group, so both directions reuse its ``_im2col`` / ``_col2im``.  ``fold`` is the adjoint: every
column entry is added back where ``unfold`` would have read it, so overlapping blocks sum.
Each is the other's vector-Jacobian product.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._core import NOSAVE, record
from .conv import _col2im, _crop, _im2col, _pad_zeros

__all__ = ["unfold", "fold"]


def _unfold(x: np.ndarray, k: tuple, dil: tuple, pads: tuple, stride: tuple,
            blocks: tuple) -> np.ndarray:
    b, c = x.shape[:2]
    cols = _im2col(_pad_zeros(x, pads), k, stride, dil, blocks, c)  # (B, C, K, L)
    return cols.reshape(b, c * int(np.prod(k)), -1)


def _fold(cols: np.ndarray, shape: tuple, k: tuple, dil: tuple, pads: tuple, stride: tuple,
          blocks: tuple) -> np.ndarray:
    b, c = shape[:2]
    padded = (b, c) + tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], pads))
    res = _col2im(cols.reshape(b, c, -1), padded, k, stride, dil, blocks, c)
    return np.ascontiguousarray(_crop(res, pads))


def unfold(input: Tensor, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple,
           blocks: tuple) -> Tensor:
    """``(B, C, H, W) -> (B, C*kh*kw, L)`` (or unbatched ``(C, H, W) -> (C*kh*kw, L)``);
    ``blocks`` is the grid of block positions."""
    x = input._data
    batched = x.ndim == 4
    xb = x if batched else x[None]
    pads = tuple((p, p) for p in padding)
    y = _unfold(xb, kernel, dilation, pads, stride, blocks)
    y = y if batched else y[0]

    def vjp(g, n):
        gx = _fold(g if batched else g[None], xb.shape, kernel, dilation, pads, stride, blocks)
        return (gx if batched else gx[0],)
    return record(y, "Im2ColBackward0", vjp, (input,), NOSAVE)


def fold(input: Tensor, output_size: tuple, kernel: tuple, dilation: tuple, padding: tuple,
         stride: tuple, blocks: tuple) -> Tensor:
    """``(B, C*kh*kw, L) -> (B, C, *output_size)`` (or unbatched ``(C*kh*kw, L) -> (C, ...)``),
    summing overlapping blocks."""
    x = input._data
    batched = x.ndim == 3
    xb = x if batched else x[None]
    b = xb.shape[0]
    c = xb.shape[1] // int(np.prod(kernel))
    pads = tuple((p, p) for p in padding)
    y = _fold(xb, (b, c) + tuple(output_size), kernel, dilation, pads, stride, blocks)
    y = y if batched else y[0]

    def vjp(g, n):
        gx = _unfold(g if batched else g[None], kernel, dilation, pads, stride, blocks)
        return (gx if batched else gx[0],)
    return record(y, "Col2ImBackward0", vjp, (input,), NOSAVE)
