"""Root-mean-square normalisation: ``rms_norm``.

Each sample is divided by the root mean square of its trailing ``normalized_shape`` dims, then
scaled elementwise (no centring, no shift):

    y = x / sqrt(mean(x ** 2) + eps) * weight

``eps=None`` takes the machine epsilon of the dtype the op computes in (float32 for half
precision).  The arguments are checked here, with PyTorch's errors; the primitive and its
gradient live in ``numtorch._ops.normalization``.

Example:
    >>> import numtorch
    >>> [round(v, 4) for v in rms_norm(numtorch.tensor([[3.0, 4.0]]), (2,))[0].tolist()]
    [0.8485, 1.1314]
"""

from __future__ import annotations

import operator

from numtorch._ops._core import require_float as _require_float
from numtorch._ops.normalization import rms_norm as _rms_norm
from numtorch._tensor import Tensor

__all__ = ["rms_norm"]


def _int_tuple(shape, fn: str, name: str, pos: int) -> tuple:
    """``shape`` as a tuple of ints, or the TypeError PyTorch's argument parser raises."""
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be tuple of ints, "
                        f"not {type(shape).__name__}")
    out = []
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be tuple of ints, "
                            f"but found element of type {type(s).__name__} at pos {i}")
        out.append(operator.index(s))
    return tuple(out)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dims.

    ``y = x / sqrt(mean(x ** 2) + eps) * weight``, the mean taken over the last
    ``len(normalized_shape)`` dims of each sample.

    Args:
        input: a floating-point tensor of shape ``(*, *normalized_shape)``.
        normalized_shape: a tuple or list of ints (not a bare int, as in PyTorch).
        weight: the elementwise scale, of shape ``normalized_shape``; None scales by one.
        eps: added to the mean square; ``None`` takes ``finfo(dtype).eps`` of the computing
            dtype (float32's for half-precision inputs).

    Example:
        >>> import numtorch
        >>> x = numtorch.tensor([[1.0, -1.0], [2.0, 0.0]])
        >>> [[round(v, 4) for v in r] for r in rms_norm(x, [2]).tolist()]
        [[1.0, -1.0], [1.4142, 0.0]]
    """
    shape = _int_tuple(normalized_shape, "rms_norm", "normalized_shape", 2)
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, (int, float))):
        raise TypeError(f"rms_norm(): argument 'eps' (position 4) must be float, not "
                        f"{type(eps).__name__}")
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if weight is not None and weight.shape != shape:
        raise RuntimeError("Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(shape)}")
    size = input.shape
    if len(size) < k:
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got {len(size)}")
    if tuple(size[len(size) - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size{list(size)}")
    _require_float(input, "rms_norm")
    return _rms_norm(input, k, weight, None if eps is None else float(eps))
