"""ASGD: stochastic gradient descent with Polyak-Ruppert averaging of the iterates."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["ASGD", "asgd"]


class ASGD(BuiltinOptimizer):
    r"""Averaged stochastic gradient descent (Polyak & Juditsky).

    .. math::
        \theta_t &= \theta_{t-1}(1 - \lambda \eta_{t-1}) - \eta_{t-1} g_t \\
        \bar\theta_t &= \bar\theta_{t-1} + \mu_{t-1} (\theta_t - \bar\theta_{t-1}) \\
        \eta_t &= \gamma / (1 + \lambda \gamma t)^\alpha, \qquad \mu_t = 1 / \max(1, t - t_0)

    State per parameter: ``step``, ``eta`` (:math:`\eta`), ``mu`` (:math:`\mu`), ``ax``
    (the averaged parameter :math:`\bar\theta`).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-2).
        lambd: decay term :math:`\lambda` (default: 1e-4).
        alpha: power :math:`\alpha` for the eta update (default: 0.75).
        t0: the step at which averaging starts (default: 1e6).
        weight_decay: L2 penalty (default: 0).
        maximize: maximize the objective (default: False).
        foreach, differentiable, capturable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> w.grad = torch.tensor([1.0])
        >>> opt.step()
        >>> round(w.item(), 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("weight_decay", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    _state_keys = ("ax", "mu", "eta", "step")
    _scalar_state = ("step", "eta", "mu")

    def _init_state(self, group, p):
        return {"step": _scalar_tensor(0.0), "eta": _scalar_tensor(_value(group["lr"])),
                "mu": _scalar_tensor(1.0), "ax": _zeros_like(p)}


def asgd(params: list[Tensor], grads: list[Tensor], axs: list[Tensor], mus: list[Tensor],
         etas: list[Tensor], state_steps: list[Tensor], *, lambd: float, lr: float, t0: float,
         alpha: float, weight_decay: float, maximize: bool, **_) -> None:
    """The ASGD update of each parameter and its state, in place.  See :class:`ASGD`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay):
        ax, mu, eta, step_t = axs[i]._data, mus[i]._data, etas[i]._data, state_steps[i]._data
        step_t += 1
        eta_value = eta.item()
        K.mul_(p, 1 - lambd * eta_value)
        K.add_(p, g, -eta_value)
        if mu.item() != 1:
            d = K.new(np.subtract, p, ax)
            np.multiply(d, mu.astype(d.dtype), out=d)
            np.add(ax, d, out=ax)
        else:
            np.copyto(ax, p)
        step = step_t.item()
        eta[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mu[...] = 1 / max(1, step - t0)


ASGD._update = staticmethod(asgd)
