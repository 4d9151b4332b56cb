"""``pad``: widen (or, with negative sizes, crop) the last dims of a tensor.

``pad`` lists sizes from the last dim backwards: ``(left, right)`` pads the last dim,
``(left, right, top, bottom)`` the last two, and so on.  In ``constant`` mode the forward
copies the input into the middle of a new array filled with ``value``; the gradient is the same
window cut back out of the incoming gradient.  The modes ``reflect`` (``dcb|abcd|cba``),
``replicate`` (``aa|abcd|dd``) and ``circular`` (``cd|abcd|ab``) copy input values into the
border and pad 1, 2 or 3 trailing dims of a (batched or unbatched) input; their kernel is
``numtorch._ops.conv.pad_nd``.

Example:
    >>> import numtorch
    >>> pad(numtorch.ones(1, 1), (1, 1, 1, 0)).tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

from numtorch._ops.conv import constant_pad, pad_nd
from numtorch._tensor import Tensor

from ._conv import _pad_mode

_NON_CONSTANT = """Padding size {} is not supported for {}D input tensor.
Supported combinations for non-constant padding:
  - 2D or 3D input: padding size = 2 (pads last dimension)
  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)
  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"""


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims.

    ``pad = (left_last, right_last, left_second_last, right_second_last, ...)``.

    Args:
        input: the tensor to pad.
        pad: an even number of sizes, last dim first.
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'``, ``'replicate'``
            or ``'circular'``; the last three pad 1-3 dims of an input with one or two more dims.
        value: the fill value of ``'constant'`` mode.

    Example:
        >>> import numtorch
        >>> pad(numtorch.tensor([[1.0, 2.0]]), (1, 2)).tolist()
        [[0.0, 1.0, 2.0, 0.0, 0.0]]
    """
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pad = tuple(int(v) for v in pad)
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        if len(pad) % 2:
            raise RuntimeError("Padding length must be divisible by 2")
        n, dim = len(pad) // 2, input.dim()
        if n not in (1, 2, 3) or dim not in (n + 1, n + 2):
            raise NotImplementedError(_NON_CONSTANT.format(len(pad), dim))
        if mode != "circular" and input._data.dtype == np.bool_:
            kind = "reflection" if mode == "reflect" else "replication"
            raise NotImplementedError(f'"{kind}_pad{n}d" not implemented for \'Bool\'')
        if mode == "reflect":
            for i in range(n):  # the last dim first; PyTorch numbers the arguments 4, 6, 8
                ax, lo, hi = dim - 1 - i, pad[2 * i], pad[2 * i + 1]
                if lo >= input.shape[ax] or hi >= input.shape[ax]:
                    raise RuntimeError(
                        f"Argument #{4 + 2 * i}: Padding size should be less than the "
                        f"corresponding input dimension, but got: padding ({lo}, {hi}) at "
                        f"dimension {ax} of input {list(input.shape)}")
        if mode == "circular":
            return _circular(input, pad)
        return _pad_mode(input, pad, mode)
    x = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{x.ndim}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    for s, (lo, hi) in zip(x.shape, widths):
        if s + lo + hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return constant_pad(input, widths, value)


def _circular(input: Tensor, pad: tuple) -> Tensor:
    """Circular padding; negative sizes crop first, and the wrap then reads the cropped part."""
    n, dim = len(pad) // 2, input.dim()
    shape = tuple(input.shape)
    for i in range(n):
        lo, hi, size = pad[2 * i], pad[2 * i + 1], shape[dim - 1 - i]
        if lo > size or hi > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size + lo + hi < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    if min(pad) < 0:
        crop = [slice(None)] * dim
        for i in range(n):
            lo, hi = pad[2 * i], pad[2 * i + 1]
            crop[dim - 1 - i] = slice(max(-lo, 0), shape[dim - 1 - i] - max(-hi, 0))
        input, pad = input[tuple(crop)], tuple(max(v, 0) for v in pad)
    pads = tuple((pad[2 * (n - 1 - i)], pad[2 * (n - 1 - i) + 1]) for i in range(n))
    return pad_nd(input, pads, "circular")
