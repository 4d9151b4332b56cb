"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_betas, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["Adamax", "adamax"]


class Adamax(BuiltinOptimizer):
    r"""Adamax (Kingma & Ba), the infinity-norm variant of Adam.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \, \frac{m_t}{u_t}

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_inf`` (:math:`u`).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 2e-3).
        betas: :math:`(\beta_1, \beta_2)` (default: (0.9, 0.999)).
        eps: term added to :math:`|g|` (default: 1e-8).
        weight_decay: L2 penalty (default: 0).
        maximize: maximize the objective (default: False).
        foreach, differentiable, capturable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.Adamax([w], lr=0.1)
        >>> w.grad = torch.tensor([4.0])
        >>> opt.step()
        >>> round(w.item(), 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    _state_keys = ("exp_avg", "exp_inf", "step")
    _split = {"betas": ("beta1", "beta2")}

    def _init_state(self, group, p):
        return {"step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_inf": _zeros_like(p)}


def adamax(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
           exp_infs: list[Tensor], state_steps: list[Tensor], *, eps: float, beta1: float,
           beta2: float, lr: float, weight_decay: float, maximize: bool, **_) -> None:
    """The Adamax update of each parameter and its state, in place.  See :class:`Adamax`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay):
        m, u = exp_avgs[i]._data, exp_infs[i]._data
        state_steps[i]._data += 1
        K.lerp_(m, g, 1 - beta1)
        K.mul_(u, beta2)
        a = K.new(np.abs, g)
        np.add(a, K.scalar(eps, a), out=a)
        np.maximum(u, a, out=u)
        clr = lr / (1 - beta1 ** state_steps[i]._data.item())
        K.addcdiv_(p, m, u, -clr)


Adamax._update = staticmethod(adamax)
