"""Regression and binary losses as ``nn.functional`` spells them: the legacy ``size_average`` /
``reduce`` flags resolved, then one call into ``numtorch/_ops/loss.py``, where each loss and its
gradient are written out.

Example:
    >>> import numtorch
    >>> huber_loss(numtorch.tensor([0.0, 3.0]), numtorch.zeros(2), reduction="sum").item()
    2.5
"""

from __future__ import annotations

from numtorch._ops import loss as L
from numtorch._tensor import Tensor

from ._reduction import _check_reduction


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error: ``l_n = (x_n - y_n)^2``, then the ``reduction``.

    Example:
        >>> import numtorch
        >>> mse_loss(numtorch.tensor([1.0, 2.0]), numtorch.zeros(2)).item()
        2.5
    """
    return L.mse_loss(input, target, _check_reduction(reduction, size_average, reduce), weight)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: ``l_n = |x_n - y_n|``."""
    return L.l1_loss(input, target, _check_reduction(reduction, size_average, reduce), weight)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = x - y``)."""
    return L.smooth_l1_loss(input, target, _check_reduction(reduction, size_average, reduce), beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    return L.huber_loss(input, target, _check_reduction(reduction), delta, weight)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)]``, logs clamped at -100."""
    return L.binary_cross_entropy(input, target, weight,
                                  _check_reduction(reduction, size_average, reduce))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(x), y)``, computed stably from the logits ``x``, with
    ``pos_weight`` scaling the positive term (the maths: ``numtorch/_ops/loss.py``)."""
    return L.binary_cross_entropy_with_logits(
        input, target, weight, _check_reduction(reduction, size_average, reduce), pos_weight)
