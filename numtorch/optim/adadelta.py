"""Adadelta: a learning rate per coordinate from running averages of squared gradients and steps."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["Adadelta", "adadelta"]


class Adadelta(BuiltinOptimizer):
    r"""Adadelta (Zeiler).

    .. math::
        v_t &= \rho v_{t-1} + (1 - \rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} \, g_t, \qquad
        u_t = \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma \Delta_t

    State per parameter: ``step``, ``square_avg`` (:math:`v`), ``acc_delta`` (:math:`u`).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: coefficient :math:`\gamma` that scales delta (default: 1.0).
        rho: decay rate :math:`\rho` of the running averages (default: 0.9).
        eps: term added inside the square roots (default: 1e-6).
        weight_decay: L2 penalty (default: 0).
        maximize: maximize the objective (default: False).
        foreach, capturable, differentiable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.Adadelta([w])
        >>> w.grad = torch.tensor([1.0])
        >>> opt.step()
        >>> round(w.item(), 5)     # 1 - sqrt(1e-6) / sqrt(0.1 + 1e-6)
        0.99684
    """

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative("epsilon", eps)
        check_nonnegative("weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    _state_keys = ("square_avg", "acc_delta", "step")

    def _init_state(self, group, p):
        return {
            "step": _scalar_tensor(0.0), "square_avg": _zeros_like(p), "acc_delta": _zeros_like(p)
        }


def adadelta(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
             acc_deltas: list[Tensor], state_steps: list[Tensor], *, lr: float, rho: float,
             eps: float, weight_decay: float, maximize: bool, **_) -> None:
    """The Adadelta update of each parameter and its state, in place.  See :class:`Adadelta`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay):
        state_steps[i]._data += 1
        v, u = square_avgs[i]._data, acc_deltas[i]._data
        K.mul_(v, rho)
        K.addcmul_(v, g, g, 1 - rho)
        e = K.scalar(eps, v)
        std = K.new(np.add, v, e)
        np.sqrt(std, out=std)
        delta = K.new(np.add, u, e)
        np.sqrt(delta, out=delta)
        np.divide(delta, std, out=delta)
        np.multiply(delta, g, out=delta)
        K.mul_(u, rho)
        K.addcmul_(u, delta, delta, 1 - rho)
        K.add_(p, delta, -lr)


Adadelta._update = staticmethod(adadelta)
