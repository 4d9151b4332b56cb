"""Losses composed from Tensor ops, with no gradient code of their own.

    kl_div:                 l = y (log y - x)     or, with log_target, e^y (y - x)
    poisson_nll_loss:       l = e^x - y x         or x - y log(x + eps); ``full`` adds
                            Stirling's term y log y - y + 0.5 log(2 pi y) where y > 1
    cosine_embedding_loss:  l = 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin)
                            where y = -1
    margin_ranking_loss:    l = max(0, -y (x1 - x2) + margin)

These are rarely on a hot path, so they are written with Tensor methods and autograd derives
their gradients; only the argument checks and reductions are written out.  The one exception
is ``y log y`` in ``kl_div``, a small primitive so that ``0 log 0 = 0`` as in PyTorch.

Example:
    >>> import numtorch
    >>> one = numtorch.ones(2)
    >>> margin_ranking_loss(one, 2 * one, one, margin=0.5).item()
    1.5
"""

from __future__ import annotations

import math
import warnings

from numtorch._ops._core import broadcast_shape as _broadcast_shape
from numtorch._ops._fpstate import quiet
from numtorch._ops.loss import reduce_tensor as _reduce_tensor
from numtorch._tensor import Tensor, _wrap

from ._reduction import _REDUCTIONS, _check_reduction, _legacy_reduction


def _xlogx(target: Tensor) -> Tensor:
    """``y log y`` with ``0 log 0 = 0``: PyTorch's ``xlogy(y, y)``, whose two gradient terms
    (``log y`` and ``y / y``, NaN where ``y = 0``) autograd adds, as PyTorch's does."""
    return target.xlogy(target)


@quiet
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with log-probabilities ``x``: ``l = y (log y - x)`` (or ``exp(y)(y - x)``).

    ``reduction='batchmean'`` divides the sum by the batch size, as the maths defines it.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support "
                "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                "major release.", stacklevel=2)
        if reduction not in _REDUCTIONS + ("batchmean",):
            raise ValueError(f"{reduction} is not a valid value for reduction")
    if input._data.dtype.kind not in "fc" or target._data.dtype.kind not in "fc":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        l = target.exp() * (target - input)
    else:
        l = _xlogx(target) - target * input
    if reduction == "batchmean":
        s = l.sum()
        return s / input.shape[0] if input.dim() != 0 else s
    return _reduce_tensor(l, reduction)


@quiet
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood: ``exp(x) - y x`` (``log_input``) or ``x - y log(x + eps)``.

    ``full`` adds Stirling's approximation ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        l = input.exp() - target * input
    else:
        l = input - target * (input + eps).log()
    if full:
        mask = _wrap(target._data <= 1)
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        l = l + stirling.masked_fill(mask, 0.0)
    return _reduce_tensor(l, reduction)


@quiet
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1``; ``max(0, cos(x1, x2) - margin)`` where ``y = -1``."""
    reduction = _check_reduction(reduction, size_average, reduce)
    td = target._data.ndim
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    s1, s2 = list(input1.shape), list(input2.shape)
    if td == 1 and (len(s1) != 2 or len(s2) != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes "
                           f"{s1} and {s2}.")
    if td == 0 and (len(s1) != 1 or len(s2) != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes "
                           f"{s1} and {s2}.")
    _broadcast_shape(tuple(target.shape), tuple(s1[:td]))
    prod = (input1 * input2).sum(td)
    m1 = (input1 * input1).sum(td) + 1e-12
    m2 = (input2 * input2).sum(td) + 1e-12
    cos = prod / (m1 * m2).sqrt()
    zeros = cos * 0.0
    pos = (1 - cos).where(target == 1, zeros)
    neg = (cos - margin).clamp_min(0.0).where(target == -1, zeros)
    return _reduce_tensor(pos + neg, reduction)


@quiet
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``."""
    reduction = _check_reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    _broadcast_shape(_broadcast_shape(tuple(target.shape), tuple(input1.shape)),
                     tuple(input2.shape))
    return _reduce_tensor((-target * (input1 - input2) + margin).clamp_min(0.0), reduction)
