"""Normalisation primitives: ``group_norm``.

Group normalisation splits the ``C`` channels of an ``(N, C, *)`` input into ``G`` groups of
``C / G`` consecutive channels and normalises each sample's group over its channels and every
spatial position, then scales and shifts each channel:

    y[n, c, *] = (x[n, c, *] - mean[n, g]) * rstd[n, g] * w[c] + b[c],    g = c // (C / G)
    rstd[n, g] = 1 / sqrt(var[n, g] + eps)                               (biased variance)

It is a primitive because its gradient through the statistics is one short formula,
NOTE [ the group-norm gradient ], instead of the many nodes a composed version would record.
Argument checks and PyTorch's error messages live in ``numtorch.nn.functional._normalization``;
the function here takes validated arguments.

Example:
    >>> import numtorch
    >>> x = numtorch.tensor([[[1.0], [3.0], [2.0], [6.0]]])
    >>> [round(v, 3) for v in group_norm(x, 2, None, None, 0.0).flatten().tolist()]
    [-1.0, 1.0, -1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._core import record
from ._fpstate import quiet

__all__ = ["group_norm"]


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
