"""Loss reductions: ``'none'``, ``'mean'`` and ``'sum'``, and the legacy flags that map onto them.

Every loss computes one value per element (or per sample), ``l_n``, then reduces:

    none: ``L = (l_1, ..., l_N)``     sum: ``L = sum_n l_n``     mean: ``L = sum_n l_n / N``

The mean of an empty loss is NaN, as in PyTorch.  In backward, a reduced loss spreads its
gradient back over the elements: ``dL/dl_n = g`` for ``sum`` and ``g / N`` for ``mean``
(``_expand_grad``).  The deprecated ``size_average`` and ``reduce`` arguments still work: they
are turned into a ``reduction`` string, with PyTorch's deprecation warning.

Example:
    >>> import numpy as np
    >>> _reduce_array(np.array([1.0, 2.0, 6.0]), "mean").item()
    3.0
    >>> _check_reduction("sum")
    'sum'
"""

from __future__ import annotations

import warnings

import numpy as np

from numtorch._tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce) -> str:
    """The ``reduction`` string the deprecated ``size_average``/``reduce`` flags stand for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
                  "instead.", stacklevel=3)
    return ret


def _check_reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce_array(l: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return l
    if reduction == "sum":
        return np.asarray(l.sum(), dtype=l.dtype)
    if l.size == 0:
        return np.asarray(np.nan, dtype=l.dtype)
    return np.asarray(l.mean(), dtype=l.dtype)


def _expand_grad(g: np.ndarray, shape: tuple, size: int, reduction: str) -> np.ndarray:
    """The gradient of a reduced loss, spread back over the elementwise losses."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = g / size if size else g * np.nan
    return np.broadcast_to(g, shape)


def _reduce_tensor(l: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return l.mean()
    if reduction == "sum":
        return l.sum()
    return l
