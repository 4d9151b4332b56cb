"""The softmax family: ``softmax``, ``log_softmax`` and ``softmin`` along one dim.

    softmax(x)_i     = exp(x_i) / sum_j exp(x_j)
    log_softmax(x)_i = x_i - log sum_j exp(x_j)
    softmin(x)       = softmax(-x)

Both kernels subtract the maximum first so nothing overflows; they are core primitives
(``numtorch._ops.nn``) because ``cross_entropy`` runs them every step.  Called without
``dim``, PyTorch keeps a legacy rule (dim 0 for 0-, 1- and 3-dimensional inputs, else 1) and
warns that the implicit choice is deprecated; so does this.

Example:
    >>> import numtorch
    >>> [round(v, 4) for v in log_softmax(numtorch.tensor([0.0, 0.0]), dim=0).tolist()]
    [-0.6931, -0.6931]
"""

from __future__ import annotations

import warnings

from numtorch._ops.nn import log_softmax as _core_log_softmax
from numtorch._ops.nn import softmax as _core_softmax
from numtorch._tensor import Tensor, _wrap_dim


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_prep(name: str, input: Tensor, dim, stacklevel: int, dtype):
    if dim is None:
        dim = _softmax_dim(name, input._data.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    ax = _wrap_dim(dim, input._data.ndim)
    return input, ax


def _softmax(input: Tensor, ax: int) -> Tensor:
    return _core_softmax(input, ax)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim``.

    Without ``dim``, PyTorch's legacy rule picks 0 for 0-, 1- and 3-dimensional inputs and 1
    otherwise, with a deprecation warning.  ``dtype`` casts the input first.

    Example:
        >>> import numtorch
        >>> [round(v, 4) for v in softmax(numtorch.tensor([[1.0, 2.0, 3.0]]), dim=1)[0].tolist()]
        [0.09, 0.2447, 0.6652]
    """
    input, ax = _softmax_prep("softmax", input, dim, _stacklevel, dtype)
    return _softmax(input, ax)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``x_i - log(sum_j exp(x_j))`` along ``dim``, computed stably (max subtracted first)."""
    input, ax = _softmax_prep("log_softmax", input, dim, _stacklevel, dtype)
    return _core_log_softmax(input, ax)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    input, ax = _softmax_prep("softmin", input, dim, _stacklevel, dtype)
    return _softmax(-input, ax)
