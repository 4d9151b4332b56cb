"""Pooling: max, average, adaptive, power-average (LP) pooling and max-unpooling, 1-3 dims.

Each function checks its arguments (PyTorch's messages) and makes one call to the primitives
of ``numtorch._ops.pooling``; ``lp_pool*`` is composed from ``avg_pool*`` and Tensor ops.
Output size per dim, for kernel ``k``, stride ``s``, padding ``p``, dilation ``d``:

    out = floor((L + 2p - d(k-1) - 1) / s) + 1         (ceil with ``ceil_mode``; a window
                                                       that would start in the right padding
                                                       is dropped)

Example:
    >>> import numtorch
    >>> x = numtorch.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    >>> avg_pool2d(x, 2).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
"""

from __future__ import annotations

import numpy as np

from numtorch._dtype import type_word
from numtorch._ops import pooling as _ops
from numtorch._ops.elementwise import relu
from numtorch._tensor import Tensor, _wrap

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
    "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
    "max_unpool2d", "max_unpool3d",
]

_WORDS = {1: "a single int", 2: "a tuple of two ints", 3: "a tuple of three ints"}


def _size(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _tuple(v, n: int, fn: str, what: str, phrase: str) -> tuple:
    v = (int(v),) if isinstance(v, (int, np.integer)) else tuple(int(s) for s in v)
    if len(v) == 1:
        v = v * n
    if len(v) != n:
        raise RuntimeError(f"{fn}: {what} {phrase} {_WORDS[n]}")
    return v


def _out_size(size: int, k: int, p: int, s: int, d: int, ceil: bool) -> int:
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    out = num // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(name: str, n: int, input: Tensor, kernel_size, stride, padding, dilation,
               ceil_mode: bool) -> tuple:
    """Parse and check a (max or average) pooling's arguments; the batched input and sizes."""
    fn = f"{name}{n}d"
    if n == 1:
        k = _tuple(kernel_size, 1, fn, "kernel_size", "must either be")
    else:
        k = _tuple(kernel_size, n, fn, "kernel_size", "must either be a single int, or")
    st = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, n, fn, "stride", "must either be omitted, a single int, or")
    p = _tuple(padding, n, fn, "padding", "must either be a single int, or")
    d = _tuple(dilation, n, fn, "dilation", "must be either a single int, or")
    nd = input.dim()
    if nd in (n + 1, n + 2) and 0 in input.shape[nd - n - 1:]:
        shape = tuple(input.shape)
        if n == 3:
            fname = ("max_pool3d_with_indices_out_cpu_template" if name == "max_pool"
                     else "avg_pool3d")
            dim = [i for i in range(nd - n - 1, nd) if shape[i] == 0][0] - (nd - n - 1)
            raise RuntimeError(f"{fname}(): Expected input's non-batch dimensions to have positive "
                               f"length, but input has a shape of {_size(shape)} and non-batch "
                               f"dimension {dim} has length zero!")
        if n == 1 and name == "max_pool":
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{_size(shape)}")
        if n == 1:  # average pooling of one dim runs as two, on (..., 1, L)
            n2, shape = 2, shape[:-1] + (1,) + shape[-1:]
        else:
            n2 = n
        raise RuntimeError(f"Expected {n2 + 1}D or {n2 + 2}D (batch mode) tensor with optional 0 "
                           f"dim "
                           f"batch size for input, but got:{_size(shape)}")
    if n == 1 and name == "max_pool" and nd in (2, 3):
        for what, v, bad in (("kernel_size", k[0], k[0] <= 0), ("stride", st[0], st[0] <= 0)):
            if bad:
                raise RuntimeError(f"max_pool1d() {what} must be greater than zero, but got {v}")
        if p[0] < 0:
            raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p[0]}")
        if p[0] > k[0] // 2:
            raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but "
                               f"got padding={p[0]} and kernel_size={k[0]}")
        if d[0] <= 0:
            raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d[0]}")
    if nd not in (n + 1, n + 2):
        if n == 1 and name == "max_pool":
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{_size(input.shape)}")
        if n == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {nd}-dimensional tensor for "
                               f"argument #1 'self' (while checking arguments for {fn})")
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    if any(s == 0 for s in st):
        raise RuntimeError("stride should not be zero")
    if any(v < 0 for v in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
    for kk, pp, dd in zip(k, p, d):
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={dd}")
    if any(v <= 0 for v in k):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"k{a}: {v}" for a, v in zip("THW"[3 - n:], k)))
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero, but got "
                           + " ".join(f"dilation{a}: {v}" for a, v in zip("THW"[3 - n:], d)))
    x = input.unsqueeze(0) if nd == n + 1 else input
    if n == 3 and name == "avg_pool" and any(x.shape[2 + i] < k[i] for i in range(3)):
        t, h, w = x.shape[2:]
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
                           f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    out = tuple(_out_size(x.shape[2 + i], k[i], p[i], st[i], d[i], ceil_mode) for i in range(n))
    if any(o <= 0 for o in out):
        if n == 1 and name == "max_pool":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {min(out)}")
        c = x.shape[1]
        lead = (1, c) if n == 1 else (c,)
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, lead + tuple(x.shape[2:])))}). "
                           f"Calculated output size: ({'x'.join(map(str, lead + out))}). "
                           "Output size is too small")
    return x, nd == n + 1, k, st, p, d, out


# ---------------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------------

def _max_pool(n: int, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched, k, st, p, d, out = _pool_args("max_pool", n, input, kernel_size, stride, padding,
                                                dilation, ceil_mode)
    y, idx = _ops.max_pool(x, k, st, p, d, out, indices=return_indices)
    if unbatched:
        y, idx = y.squeeze(0), idx[0] if return_indices else None
    if return_indices:
        return y, _as_tensor(idx)
    return y


def _max_pool_any(n: int, input, kernel_size, stride=None, padding=0, dilation=1,
                  ceil_mode: bool = False, return_indices: bool = False):
    """``max_poolNd``'s arguments: values only, or ``(values, indices)`` with ``return_indices``."""
    return _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _adaptive_max_any(n: int, input, output_size, return_indices: bool = False):
    return _adaptive_max(n, input, output_size, return_indices)


def _as_tensor(a: np.ndarray) -> Tensor:
    return _wrap(np.ascontiguousarray(a, dtype=np.int64))


def max_pool1d(*args, **kwargs):
    """Max over windows of ``(B, C, L)`` (or ``(C, L)``); see ``max_pool2d``."""
    return _max_pool_any(1, *args, **kwargs)


def max_pool2d(*args, **kwargs):
    """Max over ``kernel_size`` windows of ``(B, C, H, W)`` (or ``(C, H, W)``).

    ``max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False)``: values, or ``(values, indices)`` with ``return_indices``.

    Args:
        kernel_size: window size, an int or a pair.
        stride: window step (default ``kernel_size``).
        padding: implicit ``-inf`` on both sides, at most half the effective kernel.
        dilation: spacing between the window's elements.
        ceil_mode: round the output size up instead of down.
        return_indices: also return, per output, the flat ``H*W`` index of the maximum
            (what ``max_unpool2d`` takes).

    Example:
        >>> import numtorch
        >>> y, i = max_pool2d(numtorch.arange(9.0).reshape(1, 1, 3, 3), 2, 1, return_indices=True)
        >>> i.tolist()
        [[[[4, 5], [7, 8]]]]
    """
    return _max_pool_any(2, *args, **kwargs)


def max_pool3d(*args, **kwargs):
    """Max over windows of ``(B, C, D, H, W)`` (or unbatched); see ``max_pool2d``."""
    return _max_pool_any(3, *args, **kwargs)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool1d`` returning ``(values, indices)``."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool2d`` returning ``(values, indices)``."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool3d`` returning ``(values, indices)``."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------------

def _avg_pool(n: int, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override=None):
    if n == 1 and not isinstance(kernel_size, int) and len(kernel_size) != 1:
        raise RuntimeError(f"avg_pool1d() argument 'kernel_size' should contain one int "
                           f"(got {len(kernel_size)})")
    if n == 2 and input.dim() < 3 and input.dim() != 0:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.dim()}, "
                         f"{input.dim() - 1}], but got -3)")
    x, unbatched, k, st, p, _, out = _pool_args("avg_pool", n, input, kernel_size, stride, padding,
                                                1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    y = _ops.avg_pool(x, k, st, p, out, count_include_pad, divisor_override)
    return y.squeeze(0) if unbatched else y


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over windows of ``(B, C, L)`` (or ``(C, L)``); see ``avg_pool2d``."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over ``kernel_size`` windows of ``(B, C, H, W)`` (or ``(C, H, W)``).

    Args:
        kernel_size, stride, padding, ceil_mode: as ``max_pool2d`` (zero padding).
        count_include_pad: divide by the window size including the zero padding (default)
            or only by the number of input elements in the window.
        divisor_override: divide every window sum by this number instead.

    Example:
        >>> import numtorch
        >>> x = numtorch.ones(1, 1, 2, 2)
        >>> avg_pool2d(x, 2, padding=1, count_include_pad=False).tolist()
        [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over windows of ``(B, C, D, H, W)`` (or unbatched); see ``avg_pool2d``."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ---------------------------------------------------------------------------------------------
# adaptive pooling
# ---------------------------------------------------------------------------------------------

def _adaptive_args(name: str, n: int, input: Tensor, output_size) -> tuple:
    fn = f"{name}{n}d"
    nd = input.dim()
    if nd not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {nd}-dimensional tensor for "
                               f"argument #1 'self' (while checking arguments for {fn})")
        colon = ":" if name == "adaptive_max_pool" else ""
        raise RuntimeError(f"{fn}(): Expected {n + 1}D or {n + 2}D tensor, but got{colon} "
                           f"{_size(input.shape)}")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * n
    output_size = tuple(output_size)
    if len(output_size) == 1 and n > 1:
        output_size = output_size * n
    if len(output_size) != n:
        raise RuntimeError(f"{fn}: output_size must be {n}")
    spatial = input.shape[-n:]
    out = tuple(int(spatial[i]) if o is None else int(o) for i, o in enumerate(output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but "
                           "received {" + ", ".join(map(str, out)) + "}")
    for i in range(nd - n, nd):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_size(input.shape)} with "
                               f"dimension {i} being empty")
    unbatched = nd == n + 1
    return (input.unsqueeze(0) if unbatched else input), unbatched, out


def _adaptive_avg(n: int, input, output_size) -> Tensor:
    x, unbatched, out = _adaptive_args("adaptive_avg_pool", n, input, output_size)
    y = _ops.adaptive_avg_pool(x, out)
    return y.squeeze(0) if unbatched else y


def _adaptive_max(n: int, input, output_size, return_indices: bool):
    x, unbatched, out = _adaptive_args("adaptive_max_pool", n, input, output_size)
    y, idx = _ops.adaptive_max_pool(x, out)
    if unbatched:
        y, idx = y.squeeze(0), idx[0]
    return (y, _as_tensor(idx)) if return_indices else y


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Mean over ``output_size`` windows covering ``(B, C, L)``; see ``adaptive_avg_pool2d``."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average ``(B, C, H, W)`` down to exactly ``output_size`` (an int, a pair, None keeps a dim).

    Output ``o`` averages input positions ``[floor(o*L/O), ceil((o+1)*L/O))`` per dim.

    Example:
        >>> import numtorch
        >>> adaptive_avg_pool2d(numtorch.arange(6.0).reshape(1, 1, 2, 3), 1).tolist()
        [[[[2.5]]]]
    """
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Mean over adaptive windows of ``(B, C, D, H, W)``; see ``adaptive_avg_pool2d``."""
    return _adaptive_avg(3, input, output_size)


def adaptive_max_pool1d(*args, **kwargs):
    """Max over adaptive windows of ``(B, C, L)``; see ``adaptive_avg_pool2d`` for the windows."""
    return _adaptive_max_any(1, *args, **kwargs)


def adaptive_max_pool2d(*args, **kwargs):
    """Max over adaptive windows of ``(B, C, H, W)``; indices as ``max_pool2d``'s."""
    return _adaptive_max_any(2, *args, **kwargs)


def adaptive_max_pool3d(*args, **kwargs):
    """Max over adaptive windows of ``(B, C, D, H, W)``."""
    return _adaptive_max_any(3, *args, **kwargs)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool1d`` returning ``(values, indices)``."""
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool2d`` returning ``(values, indices)``."""
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool3d`` returning ``(values, indices)``."""
    return _adaptive_max(3, input, output_size, True)


# ---------------------------------------------------------------------------------------------
# power-average pooling (composed)
# ---------------------------------------------------------------------------------------------

def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum over window of x^p)^(1/p)`` over windows of ``(B, C, L)``; see ``lp_pool2d``."""
    return _lp(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: ``(sum_{window} x^p)^(1/p)``; ``p = inf`` is max pooling of ``|x|``.

    Computed as ``avg_pool2d(x^p) * prod(kernel_size)``, then the ``1/p`` power (negative window
    sums, possible for odd ``p``, are clamped to 0 first).

    Example:
        >>> import numtorch
        >>> lp_pool2d(numtorch.full((1, 1, 2, 2), 3.0), 2, 2).tolist()
        [[[[6.0]]]]
    """
    return _lp(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(B, C, D, H, W)``; see ``lp_pool2d``."""
    return _lp(3, input, norm_type, kernel_size, stride, ceil_mode)


def _lp(n: int, input, norm_type, kernel_size, stride, ceil_mode) -> Tensor:
    mp = (max_pool1d, max_pool2d, max_pool3d)[n - 1]
    ap = (avg_pool1d, avg_pool2d, avg_pool3d)[n - 1]
    if norm_type == float("inf"):
        return mp(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -mp(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = ap(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    size = int(np.prod(kernel_size if not isinstance(kernel_size, int) else (kernel_size,) * n))
    return (out.sign() * relu(out.abs())).mul(size).pow(1.0 / norm_type)


# ---------------------------------------------------------------------------------------------
# max unpooling
# ---------------------------------------------------------------------------------------------

def _unpool(n: int, input, indices, kernel_size, stride, padding, output_size) -> Tensor:
    k = (kernel_size,) * n if isinstance(kernel_size, int) else tuple(kernel_size)
    st = k if stride is None else ((stride,) * n if isinstance(stride, int) else tuple(stride))
    p = (padding,) * n if isinstance(padding, int) else tuple(padding)
    default = [(input.shape[-n + i] - 1) * st[i] + k[i] - 2 * p[i] for i in range(n)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)
        if len(size) == n + 2:
            size = size[2:]
        if len(size) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} "
                             f"elements, "
                             f"but it has a length of '{len(size)}'")
        for i in range(n):
            lo, hi = default[i] - st[i], default[i] + st[i]
            if not lo < size[i] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between '
                                 f"{lo} and {hi})")
    for i, s in enumerate(size):
        if s < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{i}]={s}")
    m = 3 if n == 3 else 2  # 1-d unpooling runs as 2-d with a trailing 1
    nd = input.dim() + (1 if n == 1 else 0)
    if nd not in (m + 1, m + 2):
        raise RuntimeError(f"Input to max_unpooling{m}d should be a {m + 1}d or {m + 2}d Tensor, "
                           f"but got a tensor with {nd} dimensions.")
    if indices.dtype.is_floating_point or indices._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{type_word(indices.dtype)}")
    if tuple(indices.shape) != tuple(input.shape):
        shp = lambda t: _size(tuple(t.shape) + ((1,) if n == 1 else ()))  # noqa: E731
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({shp(input)}) but got indices tensor with shape: {shp(indices)}")
    total = int(np.prod(size))
    idx = indices._data
    bad = (idx < 0) | (idx >= total)
    if bad.any():
        shown = "x".join(map(str, list(size) + ([1] if n == 1 else [])))
        raise RuntimeError(f"Found an invalid max index: {int(idx[bad].flat[0])} (output volumes "
                           f"are of size {shown})")
    unbatched = input.dim() == n + 1
    x = input.unsqueeze(0) if unbatched else input
    y = _ops.max_unpool(x, idx[None] if unbatched else idx, tuple(size))
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of ``max_pool1d``: each value back at its index, zeros elsewhere."""
    return _unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of ``max_pool2d``: each value put back at its flat ``H*W`` index.

    The output size defaults to ``(L - 1) * stride - 2 * padding + kernel_size`` per dim;
    ``output_size`` may pick another within ``stride`` of it.

    Example:
        >>> import numtorch
        >>> x = numtorch.arange(16.0).reshape(1, 1, 4, 4)
        >>> y, i = max_pool2d(x, 2, return_indices=True)
        >>> max_unpool2d(y, i, 2)[0, 0, 1].tolist()
        [0.0, 5.0, 0.0, 7.0]
    """
    return _unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of ``max_pool3d``."""
    return _unpool(3, input, indices, kernel_size, stride, padding, output_size)
