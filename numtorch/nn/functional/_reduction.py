"""Loss reductions: ``'none'``, ``'mean'`` and ``'sum'``, and the legacy flags that map onto them.

Every loss computes one value per element (or per sample), ``l_n``, then reduces:

    none: ``L = (l_1, ..., l_N)``     sum: ``L = sum_n l_n``     mean: ``L = sum_n l_n / N``

The mean of an empty loss is NaN, as in PyTorch.  The reductions themselves, and how a reduced
loss spreads its gradient back over the elements, are in ``numtorch/_ops/loss.py``.  Here, the
deprecated ``size_average`` and ``reduce`` arguments still work: they are turned into a
``reduction`` string, with PyTorch's deprecation warning.

Example:
    >>> _check_reduction("sum")
    'sum'
"""

from __future__ import annotations

import warnings

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
