"""RAdam: Adam with a rectifier that tames the variance of the adaptive step early on."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_betas, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["RAdam", "radam"]


class RAdam(BuiltinOptimizer):
    r"""RAdam (Liu et al.): rectified Adam.

    With :math:`\rho_\infty = 2/(1-\beta_2) - 1` and
    :math:`\rho_t = \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t)`:

    .. math::
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        \theta_t &= \theta_{t-1} - \gamma \hat m_t \, r_t \,
            \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon}
            \quad \text{if } \rho_t > 5, \qquad r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t -
            2)\rho_\infty} {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
        \theta_t &= \theta_{t-1} - \gamma \hat m_t \quad \text{otherwise (plain momentum SGD)}

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-3).
        betas: :math:`(\beta_1, \beta_2)` (default: (0.9, 0.999)).
        eps: term added to the denominator (default: 1e-8).
        weight_decay: weight decay (default: 0).
        decoupled_weight_decay: decay the weights directly, as AdamW (default: False).
        maximize: maximize the objective (default: False).
        foreach, capturable, differentiable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.RAdam([w], lr=0.1)
        >>> w.grad = torch.tensor([2.0])
        >>> opt.step()
        >>> round(w.item(), 4)     # early steps: 1 - 0.1 * 2
        0.8
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    _state_keys = ("exp_avg", "exp_avg_sq", "step")
    _split = {"betas": ("beta1", "beta2")}
    _flags = BuiltinOptimizer._flags + (("decoupled_weight_decay", False),)

    def _init_state(self, group, p):
        return {
            "step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)
        }


def radam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], state_steps: list[Tensor], *, beta1: float, beta2: float,
          lr: float, weight_decay: float, eps: float, decoupled_weight_decay: bool = False,
          maximize: bool, **_) -> None:
    """The RAdam update of each parameter and its state, in place.  See :class:`RAdam`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay, lr=lr,
                              decoupled=decoupled_weight_decay):
        m, v = exp_avgs[i]._data, exp_avg_sqs[i]._data
        step_t = state_steps[i]._data
        step_t += 1
        step = step_t.item()
        K.lerp_(m, g, 1 - beta1)
        K.mul_(v, beta2)
        K.addcmul_(v, g, g, 1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = K.new(np.divide, m, K.scalar(bias_correction1, m))
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        np.multiply(update, K.scalar(lr, update), out=update)
        if rho_t > 5.0:
            adaptive = K.sqrt(v)
            np.add(adaptive, K.scalar(eps, adaptive), out=adaptive)
            np.divide(K.scalar(bias_correction2 ** 0.5, adaptive), adaptive, out=adaptive)
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            np.multiply(update, adaptive, out=update)
            np.multiply(update, K.scalar(rect, update), out=update)
        np.subtract(p, update, out=p)


RAdam._update = staticmethod(radam)
