"""Convolution primitives: ``conv`` and ``conv_transpose`` over 1, 2 or 3 spatial dims, and the
non-constant padding modes (``reflect``, ``replicate``, ``circular``) that convolution layers use.

Every function here takes raw, already-validated arguments (a batched input ``(B, C, *L)``, one
stride / dilation / padding entry per spatial dim); argument parsing and PyTorch's error
messages live in ``numtorch.nn.functional._conv``.

NOTE [ convolution as GEMMs over an im2col view ]
For input ``x`` ``(B, C, *L)`` padded to ``xp``, weight ``w`` ``(Cout, C/G, *K)``, the output is

    y[b, g*Co+o, *p] = sum_{c, *k} w[g*Co+o, c, *k] * xp[b, g*Ci+c, *(p*stride + k*dilation)]

``_im2col`` writes the windows of ``xp`` as one array ``cols`` of layout ``(B, G, K*Ci, P)``
(kernel offset then channel down the rows, output position along the columns): one strided
copy per kernel offset, each a whole ``(B, C, *P)`` block, so no Python loop runs over the
pixels.  The layout keeps the batch first, as in ``x`` and ``y``, so no operand is ever
transposed in memory:

    y      = w.reshape(G, Co, K*Ci) @ cols                      (one GEMM per sample and group)
    dL/dw  = (sum_b cols_b @ g_b^T)^T                           (same layout)
    dL/dx  = _col2im(w^T @ g)                                   (scatter-add per kernel offset)

and the transposed convolution is the same machinery read backwards: its forward is the
input-gradient of a convolution (``w^T @ x`` then ``_col2im``), its input-gradient is a
convolution (``_im2col`` of the incoming gradient then ``w @ cols``).

NOTE [ cache-blocked im2col ]
``cols`` holds ``prod(K)`` copies of the input: for a 32 -> 64 channel 3x3 convolution of a batch
of 64 26x26 images, 42 MB, written to memory by the copy and read back by the GEMM.  ``conv``
instead walks the batch in chunks of about ``_BLOCK_BYTES`` of columns (one sample there, dozens
for a one-channel input), reusing one buffer: the columns are still in the core's cache when the
GEMM reads them.  Nothing is kept for the backward pass but ``xp``: it rebuilds each chunk's
columns for ``dL/dw`` and accumulates ``dL/dx`` chunk by chunk, so a training step holds no
``cols`` at all.  Measured in CPU time (one thread), this makes the forward plus backward of the
32 -> 64 layer about 13% faster and the 3x3 layers of a small CIFAR network about 25% faster.

NOTE [ stride-1 convolution on the flattened padded grid ]
With stride 1, flatten each channel of ``xp`` (spatial ``Lp``) to one row.  Kernel offset ``k``
then reads, for output ``p``, the element ``flat(p) + shift(k)`` where ``flat`` uses ``xp``'s own
row lengths and ``shift(k) = sum_d k_d * dilation_d * (row length below d)``.  Computing the
output on the *wide* grid ``(O_0, Lp_1, ..., Lp_n)`` (every dim past the first as long as the
padded input), offset ``k``'s columns are one contiguous slice of the flattened input,
``xf[..., shift(k) : shift(k) + L]``: a plain block copy instead of a strided gather, and the
input-gradient's scatter-add becomes a contiguous ``+=`` of the same slice (no ``_col2im``).
The wide grid's extra columns (positions ``>= O_d`` in a dim past the first) read wrapped-around
elements; the forward drops them, and the backward gives them a zero gradient (and zero columns
for ``dL/dw``), so they add nothing.  The waste is ``L / prod(O)`` more GEMM columns, so the
layout is used when that ratio is at most ``_WIDE_WASTE`` (1 for every 1-d convolution).
Measured on one thread, the 32 -> 64 3x3 layers of the MNIST and CIFAR benchmark networks run
forward plus backward about 5-10% faster: their three GEMMs are most of the time either way.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._tensor import Tensor
from ._core import NOSAVE, record

__all__ = ["conv", "conv_transpose", "pad_nd", "constant_pad"]


# ---------------------------------------------------------------------------------------------
# layouts shared by the forward and backward passes
# ---------------------------------------------------------------------------------------------

def _offsets(k: tuple) -> list:
    return list(itertools.product(*[range(n) for n in k]))


def _window(off: tuple, stride: tuple, dil: tuple, out: tuple, lead: int = 2) -> tuple:
    """The strided slices of the padded input that kernel offset ``off`` reads."""
    return (slice(None),) * lead + tuple(
        slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in zip(off, dil, stride, out))


def _im2col(xp: np.ndarray, k: tuple, stride: tuple, dil: tuple, out: tuple,
            groups: int, buf: np.ndarray | None = None) -> np.ndarray:
    """``xp`` ``(B, C, *Lp)`` as ``cols`` ``(B, G, prod(k) * C/G, prod(out))``, offset-major rows.

    ``buf``, when given, is a ``(B', G, prod(k), C/G, *out)`` array with ``B' >= B`` whose
    leading ``B`` samples receive the columns (no allocation).
    """
    b, c = xp.shape[:2]
    cg, nk = c // groups, int(np.prod(k))
    if buf is None:
        cols = np.empty((b, groups, nk, cg) + tuple(out), xp.dtype)
    else:
        cols = buf[:b]
    for i, off in enumerate(_offsets(k)):
        cols[:, :, i] = xp[_window(off, stride, dil, out)].reshape((b, groups, cg) + tuple(out))
    return cols.reshape(b, groups, nk * cg, int(np.prod(out)))


def _col2im_add(cols: np.ndarray, res: np.ndarray, k: tuple, stride: tuple, dil: tuple,
                out: tuple, groups: int) -> np.ndarray:
    """The adjoint of ``_im2col``: add each column of ``cols`` back where it was read in ``res``."""
    b, c = res.shape[:2]
    cg = c // groups
    cols = cols.reshape((b, groups, int(np.prod(k)), cg) + tuple(out))
    view = res.reshape((b, groups, cg) + res.shape[2:])
    for i, off in enumerate(_offsets(k)):
        view[_window(off, stride, dil, out, 3)] += cols[:, :, i]
    return res


def _col2im(cols: np.ndarray, shape: tuple, k: tuple, stride: tuple, dil: tuple, out: tuple,
            groups: int) -> np.ndarray:
    """``_col2im_add`` into a fresh zero array of ``shape``."""
    return _col2im_add(cols, np.zeros(shape, cols.dtype), k, stride, dil, out, groups)


# Bytes of columns built per batch chunk: small enough to stay in a core's cache between the
# copy that writes them and the GEMM that reads them.  See NOTE [ cache-blocked im2col ].
_BLOCK_BYTES = 1 << 20


def _chunks(bsz: int, per_sample: int) -> list:
    """Batch slices of about ``_BLOCK_BYTES`` of columns each (at least one sample) and the
    largest slice's length; ``per_sample`` is one sample's columns in bytes."""
    n = max(1, min(bsz, _BLOCK_BYTES // max(per_sample, 1)))
    return [slice(s, min(s + n, bsz)) for s in range(0, bsz, n)], n


# The most extra GEMM columns (as a ratio) the flattened stride-1 layout may compute.  See
# NOTE [ stride-1 convolution on the flattened padded grid ].
_WIDE_WASTE = 1.3


def _flat_plan(lp: tuple, k: tuple, stride: tuple, dil: tuple, out: tuple):
    """For the stride-1 flattened layout: ``(shifts, L, wide)`` (one flat shift per kernel
    offset, the wide grid's size and shape), or None when the layout does not apply or wastes
    more than ``_WIDE_WASTE``."""
    if any(s != 1 for s in stride) or 0 in out:
        return None
    wide = (out[0],) + tuple(lp[1:])
    size = int(np.prod(wide))
    if size > _WIDE_WASTE * int(np.prod(out)):
        return None
    rows = [int(np.prod(lp[d + 1:])) for d in range(len(lp))]
    shifts = [sum(o * d * r for o, d, r in zip(off, dil, rows)) for off in _offsets(k)]
    return shifts, size, wide


def _valid(out: tuple, lead: int) -> tuple:
    """The slices of the wide grid (after ``lead`` leading axes) holding the real outputs."""
    return (slice(None),) * lead + (slice(None),) + tuple(slice(0, o) for o in out[1:])


def _flat_cols(xf: np.ndarray, shifts: list, size: int, buf: np.ndarray) -> np.ndarray:
    """``xf`` ``(B, G, Ci, F)`` as wide columns ``(B, G, K, Ci, size)`` in ``buf``: offset ``i``
    is the slice ``xf[..., shifts[i]:shifts[i] + size]``, cut at ``F``.  The columns past the
    cut lie on the wide grid's extra positions and are never written: ``buf`` starts as zeros,
    so that they hold no NaN bits for the GEMM to warn about."""
    b, f = xf.shape[0], xf.shape[-1]
    cols = buf[:b]
    for i, sh in enumerate(shifts):
        n = min(size, f - sh)
        cols[:, :, i, :, :n] = xf[..., sh:sh + n]
    return cols


def _w_rows(w: np.ndarray, groups: int) -> np.ndarray:
    """Weight ``(A*G, Bc, *K)`` as ``(G, A, prod(K) * Bc)``, offset-major like ``cols``' rows."""
    nk = int(np.prod(w.shape[2:]))
    a = w.shape[0] // groups
    return np.ascontiguousarray(
        w.reshape(groups, a, w.shape[1], nk).transpose(0, 1, 3, 2)).reshape(groups, a, -1)


def _w_unrows(g: np.ndarray, shape: tuple, groups: int) -> np.ndarray:
    """The inverse of ``_w_rows``: a gradient in row layout back to the weight's shape."""
    nk = int(np.prod(shape[2:]))
    return np.ascontiguousarray(
        g.reshape(groups, shape[0] // groups, nk, shape[1]).transpose(0, 1, 3, 2)).reshape(shape)


def _pad_zeros(x: np.ndarray, pads: tuple) -> np.ndarray:
    if not any(lo or hi for lo, hi in pads):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + tuple(pads))


def _crop(a: np.ndarray, pads: tuple) -> np.ndarray:
    return a[(slice(None), slice(None)) + tuple(slice(lo, a.shape[2 + i] - hi)
                                               for i, (lo, hi) in enumerate(pads))]


# ---------------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------------

def conv(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple, pads: tuple,
         dilation: tuple, groups: int) -> Tensor:
    """N-d cross-correlation of ``input`` ``(B, C, *L)`` with ``weight`` ``(Cout, C/G, *K)``.

    ``pads`` holds ``(low, high)`` zero padding per spatial dim.  See NOTE [ convolution as
    GEMMs over an im2col view ] for the forward and the vector-Jacobian product, and NOTE
    [ stride-1 convolution on the flattened padded grid ] for the layout stride 1 uses.
    """
    x, w = input._data, weight._data
    bsz = x.shape[0]
    k = w.shape[2:]
    xp = _pad_zeros(x, pads)
    out = tuple((xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1
                for i in range(len(k)))
    plan = _flat_plan(xp.shape[2:], k, stride, dilation, out)
    if plan is not None:
        return _conv_flat(input, weight, bias, xp, out, plan, groups, pads)
    w2 = _w_rows(w, groups)  # (G, Co, K*Ci)
    npos = int(np.prod(out))
    rows = w2.shape[2]
    dtype = np.result_type(x, w)
    chunks, nb = _chunks(bsz, rows * groups * npos * xp.itemsize)
    bshape = (nb, groups, int(np.prod(k)), x.shape[1] // groups) + out
    buf = np.empty(bshape, xp.dtype)
    y = np.empty((bsz, groups, w2.shape[1], npos), dtype)
    for sl in chunks:
        np.matmul(w2, _im2col(xp[sl], k, stride, dilation, out, groups, buf), out=y[sl])
    y = y.reshape((bsz, w.shape[0]) + out)
    if bias is not None:
        y += bias._data.reshape((-1,) + (1,) * len(k))
        inputs = (input, weight, bias)
    else:
        inputs = (input, weight)

    def vjp(g, n):
        gr = g.reshape(bsz, groups, w2.shape[1], npos)  # (B, G, Co, P)
        gx = gw = gb = None
        if n[1]:
            cbuf = np.empty(bshape, xp.dtype)
            gw2t = np.zeros((groups, rows, w2.shape[1]), np.result_type(g, xp))  # (G, K*Ci, Co)
        if n[0]:
            gxp = np.zeros(xp.shape, np.result_type(g, w2))
            gbuf = np.empty((nb, groups, rows, npos), gxp.dtype)
            w2t = w2.transpose(0, 2, 1)
        for sl in chunks:
            if n[1]:
                cols = _im2col(xp[sl], k, stride, dilation, out, groups, cbuf)
                # cols @ g^T measures faster than g @ cols^T (the long axis P is the sum)
                gw2t += np.matmul(cols, gr[sl].transpose(0, 1, 3, 2)).sum(0)
            if n[0]:
                gcols = np.matmul(w2t, gr[sl], out=gbuf[:sl.stop - sl.start])
                _col2im_add(gcols, gxp[sl], k, stride, dilation, out, groups)
        if n[0]:
            gx = _crop(gxp, pads)
        if n[1]:
            gw = _w_unrows(gw2t.transpose(0, 2, 1), w.shape, groups)
        if len(n) == 3 and n[2]:
            gb = gr.sum(axis=(0, 3)).reshape(-1)
        return gx, gw, gb
    return record(y, "ConvolutionBackward0", vjp, inputs, (input, weight))


def _conv_flat(input: Tensor, weight: Tensor, bias: Tensor | None, xp: np.ndarray, out: tuple,
               plan: tuple, groups: int, pads: tuple) -> Tensor:
    """``conv`` with stride 1 on the wide grid of NOTE [ stride-1 convolution on the flattened
    padded grid ]: the same GEMMs as the im2col path, with block copies for the gathers."""
    x, w = input._data, weight._data
    shifts, size, wide = plan
    bsz, c = xp.shape[:2]
    k = w.shape[2:]
    nk, cg = len(shifts), c // groups
    w2 = _w_rows(w, groups)  # (G, Co, K*Ci)
    co = w2.shape[1]
    rows = w2.shape[2]
    xf = xp.reshape(bsz, groups, cg, -1)  # (B, G, Ci, F); a view when xp is contiguous
    dtype = np.result_type(x, w)
    chunks, nb = _chunks(bsz, rows * groups * size * xp.itemsize)
    bshape = (nb, groups, nk, cg, size)
    buf = np.zeros(bshape, xp.dtype)  # see _flat_cols
    yw = np.empty((nb, groups, co, size), dtype)
    y = np.empty((bsz, groups * co) + out, dtype)
    valid = _valid(out, 2)
    for sl in chunks:
        m = sl.stop - sl.start
        cols = _flat_cols(xf[sl], shifts, size, buf).reshape(m, groups, rows, size)
        np.matmul(w2, cols, out=yw[:m])
        y[sl] = yw[:m].reshape((m, groups * co) + wide)[valid]
    del buf, yw
    if bias is not None:
        y += bias._data.reshape((-1,) + (1,) * len(k))
        inputs = (input, weight, bias)
    else:
        inputs = (input, weight)

    def vjp(g, n):
        gx = gw = gb = None
        # g on the wide grid, zero on its extra positions; one chunk at a time
        gwide = np.zeros((nb, groups * co) + wide, g.dtype)
        gflat = gwide.reshape(nb, groups, co, size)
        if n[1]:
            cbuf = np.zeros(bshape, xp.dtype)
            gw2t = np.zeros((groups, rows, co), np.result_type(g, xp))  # (G, K*Ci, Co)
        if n[0]:
            gxf = np.zeros(xf.shape, np.result_type(g, w2))
            gbuf = np.empty((nb, groups, nk, cg, size), gxf.dtype)
            w2t = w2.transpose(0, 2, 1)
            f = xf.shape[-1]
        for sl in chunks:
            m = sl.stop - sl.start
            gwide[:m][valid] = g[sl]
            gm = gflat[:m]
            if n[1]:
                cols = _flat_cols(xf[sl], shifts, size, cbuf)
                # the extra positions read wrapped-around inputs: zero them, so that an inf
                # there cannot turn its zero gradient into a NaN
                cw = cols.reshape((m, groups * nk * cg) + wide)
                for d in range(1, len(out)):
                    cw[(slice(None),) * (2 + d) + (slice(out[d], None),)] = 0
                gw2t += np.matmul(cols.reshape(m, groups, rows, size),
                                  gm.transpose(0, 1, 3, 2)).sum(0)
            if n[0]:
                gcols = gbuf[:m]
                np.matmul(w2t, gm, out=gcols.reshape(m, groups, rows, size))
                dst = gxf[sl]
                for i, sh in enumerate(shifts):
                    e = min(size, f - sh)
                    dst[..., sh:sh + e] += gcols[:, :, i, :, :e]
        if n[0]:
            gx = _crop(gxf.reshape(xp.shape), pads)
        if n[1]:
            gw = _w_unrows(gw2t.transpose(0, 2, 1), w.shape, groups)
        if len(n) == 3 and n[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb
    return record(y, "ConvolutionBackward0", vjp, inputs, (input, weight))


def conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple, pads: tuple,
                   output_padding: tuple, dilation: tuple, groups: int) -> Tensor:
    """N-d transposed convolution of ``input`` ``(B, Cin, *L)``.

    ``weight`` is ``(Cin, Cout/G, *K)``.

    The adjoint of ``conv`` with the same arguments: output size per dim is
    ``(L - 1) * stride - 2 * pad + dilation * (K - 1) + output_padding + 1``.
    """
    x, w = input._data, weight._data
    bsz, cin = x.shape[:2]
    k = w.shape[2:]
    co = w.shape[1]
    spatial_in = x.shape[2:]
    full = tuple((spatial_in[i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 + output_padding[i]
                 for i in range(len(k)))
    crop = tuple((p, p) for p, _ in pads)
    full_shape = (bsz, co * groups) + full
    xr = x.reshape(bsz, groups, cin // groups, int(np.prod(spatial_in)))  # (B, G, Ci, P)
    w2 = _w_rows(w, groups)  # (G, Ci, K*Co)
    y = _crop(_col2im(np.matmul(w2.transpose(0, 2, 1), xr), full_shape, k, stride, dilation,
                      spatial_in, groups), crop)
    y = np.ascontiguousarray(y)
    if bias is not None:
        y += bias._data.reshape((-1,) + (1,) * len(k))
        inputs = (input, weight, bias)
    else:
        inputs = (input, weight)

    def vjp(g, n):
        gfull = np.zeros(full_shape, g.dtype)
        gfull[(slice(None), slice(None)) + tuple(slice(p, p + g.shape[2 + i])
                                                 for i, (p, _) in enumerate(crop))] = g
        cols = _im2col(gfull, k, stride, dilation, spatial_in, groups)  # (B, G, Co*K, P)
        gx = gw = gb = None
        if n[0]:
            gx = np.matmul(w2, cols).reshape(x.shape)
        if n[1]:
            gw = _w_unrows(np.matmul(xr, cols.transpose(0, 1, 3, 2)).sum(0), w.shape, groups)
        if len(n) == 3 and n[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb
    return record(y, "ConvolutionBackward0", vjp, inputs, (input, weight))


# ---------------------------------------------------------------------------------------------
# padding modes other than constant
# ---------------------------------------------------------------------------------------------

def _source_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each position of a dim padded from ``n`` by ``(lo, hi)``, the input position read."""
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        i = np.abs(i) % period
        return np.where(i >= n, period - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n  # circular


_PAD_NODE = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0",
             "circular": "CircularPad{}DBackward0"}


def pad_nd(input: Tensor, pads: tuple, mode: str) -> Tensor:
    """Pad the last ``len(pads)`` dims by ``pads[i] = (low, high)``, copying input values.

    ``reflect`` mirrors without repeating the edge (``dcb|abcd|cba``), ``replicate`` repeats the
    edge (``aa|abcd|dd``), ``circular`` wraps around (``cd|abcd|ab``).  Each output element is a
    copy of one input element, so the gradient adds each output's gradient into its source.
    """
    x = input._data
    first = x.ndim - len(pads)
    idx = [_source_index(x.shape[first + i], lo, hi, mode) for i, (lo, hi) in enumerate(pads)]
    y = x
    for i, ix in enumerate(idx):
        y = y.take(ix, axis=first + i)

    def vjp(g, n):
        for i in reversed(range(len(idx))):
            ax = first + i
            m = x.shape[ax]
            gm = np.moveaxis(g, ax, -1)
            flat = gm.reshape(-1, gm.shape[-1])
            acc = np.zeros((flat.shape[0], m), g.dtype)
            np.add.at(acc, (slice(None), idx[i]), flat)
            g = np.moveaxis(acc.reshape(gm.shape[:-1] + (m,)), -1, ax)
        return (np.ascontiguousarray(g),)
    return record(np.ascontiguousarray(y), _PAD_NODE[mode].format(len(pads)), vjp, (input,), None)


def constant_pad(input: Tensor, widths: list, value) -> Tensor:
    """``input`` padded with ``value`` by ``widths[d] = (before, after)`` elements on each dim
    (negative widths crop).  Its gradient is the incoming gradient's window over the input:

        dL/dx = g[before_0 : before_0 + n_0, ...]
    """
    x = input._data
    new_shape = [s + lo + hi for s, (lo, hi) in zip(x.shape, widths)]
    out = np.full(new_shape, 0 if value is None else value, dtype=x.dtype)
    src, dst = [], []
    for s, (lo, hi) in zip(x.shape, widths):
        src.append(slice(max(-lo, 0), s - max(-hi, 0)))
        dst.append(slice(max(lo, 0), max(lo, 0) + max(s - max(-lo, 0) - max(-hi, 0), 0)))
    src, dst = tuple(src), tuple(dst)
    out[dst] = x[src]

    def vjp(g, needs):
        gx = np.zeros(x.shape, g.dtype)
        gx[src] = g[dst]
        return (gx,)

    return record(out, "ConstantPadNdBackward0", vjp, (input,), NOSAVE)
