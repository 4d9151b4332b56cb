"""The gated linear unit: ``glu``.

The input is halved along ``dim`` into ``a`` (first half) and ``b`` (second half), and the
second half gates the first:

    glu(x) = a * sigmoid(b)

Composed from ``chunk``, ``sigmoid`` and a product, so it needs no gradient code of its own:
``dL/da = g * sigmoid(b)`` and ``dL/db = g * a * sigmoid(b) * (1 - sigmoid(b))`` follow from the
parts.  The final node carries PyTorch's name, ``GluBackward0``.

Example:
    >>> import numtorch
    >>> [round(v, 4) for v in glu(numtorch.tensor([1.0, 2.0, 0.0, 3.0])).tolist()]
    [0.5, 1.9051]
"""

from __future__ import annotations

import numpy as np

from numtorch._ops._core import kernel_error as _kernel_error
from numtorch._ops._core import rename
from numtorch._tensor import Tensor, _wrap_dim

from ._activation import sigmoid

__all__ = ["glu"]


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` on ``dim``.

    Args:
        input: a floating-point tensor whose size on ``dim`` is even.
        dim: the dim to halve (default the last).

    Shape:
        ``(*, 2N, *)`` -> ``(*, N, *)``.

    Example:
        >>> import numtorch
        >>> glu(numtorch.tensor([[2.0, 0.0]])).tolist()
        [[1.0]]
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"glu(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input.dim())
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    if input._data.dtype.kind != "f":
        raise _kernel_error("glu_cpu", input._data)
    a, b = input.chunk(2, d) if n else (input, input)
    return rename(a * sigmoid(b), "GluBackward0")
