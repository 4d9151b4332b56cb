"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(BuiltinOptimizer):
    r"""RMSprop (Hinton), optionally centered and with momentum.

    .. math::
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \tilde v_t &= v_t - \bar g_t^2, \quad \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t
            \qquad (\text{centered; otherwise } \tilde v_t = v_t) \\
        b_t &= \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon), \quad
        \theta_t = \theta_{t-1} - \gamma b_t \qquad (\text{without momentum: }
            \theta_t = \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon))

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-2).
        alpha: smoothing constant :math:`\alpha` (default: 0.99).
        eps: term added to the denominator (default: 1e-8).
        weight_decay: L2 penalty (default: 0).
        momentum: momentum factor :math:`\mu` (default: 0).
        centered: normalise by an estimate of the gradient's variance (default: False).
        maximize: maximize the objective (default: False).
        capturable, foreach, differentiable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.RMSprop([w], lr=0.01)
        >>> w.grad = torch.tensor([2.0])
        >>> opt.step()
        >>> round(w.item(), 4)     # 1 - 0.01 * 2 / sqrt(0.01 * 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_nonnegative("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    _state_keys = ("square_avg", "grad_avg", "momentum_buffer", "step")
    _flags = (("momentum", 0), ("centered", False)) + BuiltinOptimizer._flags

    def _init_state(self, group, p):
        state = {"step": _scalar_tensor(0.0), "square_avg": _zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_like(p)
        return state


def rmsprop(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
            grad_avgs: list[Tensor], momentum_buffer_list: list[Tensor], state_steps: list[Tensor],
            *, lr: float, alpha: float, eps: float, weight_decay: float, momentum: float,
            centered: bool, maximize: bool, **_) -> None:
    """The RMSprop update of each parameter and its state, in place.  See :class:`RMSprop`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay):
        state_steps[i]._data += 1
        sq = square_avgs[i]._data
        K.mul_(sq, alpha)
        K.addcmul_(sq, g, g, 1 - alpha)
        if centered:
            ga = grad_avgs[i]._data
            K.lerp_(ga, g, 1 - alpha)
            avg = K.addcmul_(sq, ga, ga, -1, out=np.empty_like(sq))
            np.sqrt(avg, out=avg)
        else:
            avg = K.sqrt(sq)
        np.add(avg, K.scalar(eps, avg), out=avg)
        if momentum > 0:
            buf = momentum_buffer_list[i]._data
            K.mul_(buf, momentum)
            K.addcdiv_(buf, g, avg)
            K.add_(p, buf, -lr)
        else:
            K.addcdiv_(p, g, avg, -lr)


RMSprop._update = staticmethod(rmsprop)
