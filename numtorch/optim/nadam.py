"""NAdam: Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_betas, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["NAdam", "nadam"]


class NAdam(BuiltinOptimizer):
    r"""NAdam (Dozat): Adam with Nesterov momentum.

    With the momentum schedule :math:`\mu_t = \beta_1 (1 - \tfrac12 \, 0.96^{t \psi})`
    (:math:`\psi` = ``momentum_decay``) and its running product
    :math:`\Pi_t = \prod_{i \le t} \mu_i`:

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
        d_t = \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        \theta_t &= \theta_{t-1} - \gamma \frac{1 - \mu_t}{1 - \Pi_t} \frac{g_t}{d_t}
                    - \gamma \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}} \frac{m_t}{d_t}

    State per parameter: ``step``, ``mu_product`` (:math:`\Pi`), ``exp_avg``, ``exp_avg_sq``.

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 2e-3).
        betas: :math:`(\beta_1, \beta_2)` (default: (0.9, 0.999)).
        eps: term added to the denominator (default: 1e-8).
        weight_decay: weight decay (default: 0).
        momentum_decay: :math:`\psi` (default: 4e-3).
        decoupled_weight_decay: decay the weights directly, as AdamW (default: False).
        maximize: maximize the objective (default: False).
        foreach, capturable, differentiable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.NAdam([w], lr=0.1)
        >>> w.grad = torch.tensor([1.0])
        >>> opt.step()
        >>> w.item() < 1.0
        True
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    _state_keys = ("exp_avg", "exp_avg_sq", "mu_product", "step")
    _split = {"betas": ("beta1", "beta2")}
    _flags = BuiltinOptimizer._flags + (("decoupled_weight_decay", False),)
    _scalar_state = ("step", "mu_product")

    def _init_state(self, group, p):
        return {"step": _scalar_tensor(0.0), "mu_product": _scalar_tensor(1.0),
                "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}


def nadam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], mu_products: list[Tensor], state_steps: list[Tensor], *,
          beta1: float, beta2: float, lr: float, weight_decay: float, momentum_decay: float,
          eps: float, decoupled_weight_decay: bool = False, maximize: bool, **_) -> None:
    """The NAdam update of each parameter and its state, in place.  See :class:`NAdam`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay, lr=lr,
                              decoupled=decoupled_weight_decay):
        m, v = exp_avgs[i]._data, exp_avg_sqs[i]._data
        mu_product = mu_products[i]._data
        step_t = state_steps[i]._data
        step_t += 1
        step = step_t.item()
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        np.multiply(mu_product, K.scalar(mu, mu_product), out=mu_product)
        K.lerp_(m, g, 1 - beta1)
        K.mul_(v, beta2)
        K.addcmul_(v, g, g, 1 - beta2)
        denom = K.new(np.divide, v, K.scalar(bias_correction2, v))
        np.sqrt(denom, out=denom)
        mu_product_value = mu_product.item()
        mu_product_next = mu_product_value * mu_next
        np.add(denom, K.scalar(eps, denom), out=denom)
        K.addcdiv_(p, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product_value))
        K.addcdiv_(p, m, denom, (-lr * mu_next) / (1.0 - mu_product_next))


NAdam._update = staticmethod(nadam)
