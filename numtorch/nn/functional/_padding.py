"""``pad``: widen (or, with negative sizes, crop) the last dims of a tensor with a constant.

``pad`` lists sizes from the last dim backwards: ``(left, right)`` pads the last dim,
``(left, right, top, bottom)`` the last two, and so on.  The forward copies the input into
the middle of a new array filled with ``value``; the gradient is the same window cut back out
of the incoming gradient.  Only ``mode='constant'`` is provided; the other modes raise.

Example:
    >>> import numtorch
    >>> pad(numtorch.ones(1, 1), (1, 1, 1, 0)).tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

from numtorch._ops._core import NOSAVE, record
from numtorch._tensor import Tensor


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims with ``value``.

    ``pad = (left_last, right_last, left_second_last, right_second_last, ...)``.

    Example:
        >>> import numtorch
        >>> pad(numtorch.tensor([[1.0, 2.0]]), (1, 2)).tolist()
        [[0.0, 1.0, 2.0, 0.0, 0.0]]
    """
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        raise NotImplementedError(f"numtorch supports only mode='constant' padding, not {mode!r}")
    pad = tuple(int(v) for v in pad)
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
    new_shape = []
    for s, (lo, hi) in zip(x.shape, widths):
        n = s + lo + hi
        if n < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        new_shape.append(n)
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
