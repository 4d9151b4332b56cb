"""Classification losses on class indices: ``nll_loss`` and ``cross_entropy``.

With log-probabilities ``x`` (classes on dim 1, or dim 0 for a 1-D input), targets ``y`` and
class weights ``w``:

    nll:            l_n = -w[y_n] x[n, y_n]
    mean reduction: L = sum_n l_n / sum_n w[y_n]        (a weighted mean; ignored targets
                                                         count in neither sum)
    cross_entropy:  nll_loss(log_softmax(x, class_dim), y)

``cross_entropy`` also takes class-probability targets (the same shape as the input),
``L = -sum_c w_c p_c log_softmax(x)_c``, and ``label_smoothing`` ``s``, which mixes the target
with the uniform distribution: ``(1 - s) nll + s / C * sum_c (-w_c log p_c)``.
``nll_loss`` is one primitive, in ``numtorch/_ops/loss.py``; ``cross_entropy`` is composed
from it and ``log_softmax``.  Inputs may be ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``.

Example:
    >>> import numtorch
    >>> round(cross_entropy(numtorch.tensor([[2.0, 0.0]]), numtorch.tensor([0])).item(), 4)
    0.1269
"""

from __future__ import annotations

import numpy as np

from numtorch._dtype import type_word as _tname
from numtorch._ops import loss as L
from numtorch._ops import nn as _ops_nn
from numtorch._ops._core import rename
from numtorch._ops._fpstate import quiet
from numtorch._tensor import Tensor, _wrap

from ._reduction import _check_reduction


@quiet
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: ``l_n = -w[y_n] * x[n, y_n]`` for log-probabilities ``x``.

    Input ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; target of class indices ``()``, ``(N)``
    or ``(N, d1, ..., dk)``.  Targets equal to ``ignore_index`` contribute nothing.  The mean is
    weighted: ``sum_n l_n / sum_n w[y_n]`` over the non-ignored targets.

    Example:
        >>> import numtorch
        >>> logp = numtorch.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> round(nll_loss(logp, numtorch.tensor([0, 1])).item(), 4)
        0.3
    """
    return L.nll_loss(input, target, weight, ignore_index,
                      _check_reduction(reduction, size_average, reduce))


@quiet
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, class_dim), target)``, or with class-probability targets
    ``-sum_c w_c p_c log_softmax(x)_c``.

    ``label_smoothing`` mixes the target with the uniform distribution:
    ``(1 - s) * loss + s / C * (smoothing term)``.  The class dim is 1 (0 for a 1-D input).

    Example:
        >>> import numtorch
        >>> round(cross_entropy(numtorch.zeros(2, 4), numtorch.tensor([1, 3])).item(), 4)
        1.3863
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x, t = input._data, target._data
    cdim = 0 if x.ndim == 1 else 1
    if t.shape == x.shape:
        if t.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class probabilities, "
                               f"got {_tname(t)}")
        if x.ndim == 0:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        c = x.shape[cdim]
        if weight is not None and weight._data.size != c:
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                f"classes but got weight tensor of shape: {list(weight._data.shape)}")
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing, cdim, c)
    if x.ndim == 0:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    c = x.shape[cdim]
    if t.dtype.kind == "f" and t.ndim == x.ndim:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    logp = _ops_nn.log_softmax(input, cdim)
    nll = L.nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0.0:
        return nll
    wshape = [1] * x.ndim
    wshape[cdim] = c
    smooth = logp * weight.reshape(wshape) if weight is not None else logp
    smooth = -smooth.sum(cdim)
    ignore = _wrap(t == ignore_index)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            keep = t[t != ignore_index].reshape(-1).astype(np.int64)
            ret = smooth.sum() / weight[_wrap(keep)].sum()
        else:
            ret = smooth.sum() / float((t != ignore_index).sum())
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / c)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, s, cdim, c):
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    if s > 0.0:
        target = target * (1 - s) + s / c
    logp = _ops_nn.log_softmax(input, cdim)
    prod = logp * target
    if weight is not None:
        wshape = [1] * input._data.ndim
        wshape[cdim] = c
        prod = prod * weight.reshape(wshape)
    if reduction == "mean":  # divided by a C++ scalar in PyTorch: its node is DivBackward1
        return rename(-prod.sum() / (input._data.size / c), "DivBackward1")
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(cdim)
