"""Adam: per-coordinate step sizes from running averages of the gradient and its square."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from ._builtin import (
    BuiltinOptimizer,
    check_betas,
    check_fused,
    check_lr,
    check_nonnegative,
)
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["Adam", "adam"]


class Adam(BuiltinOptimizer):
    r"""Adam (Kingma & Ba), optionally AMSGrad, with L2 or decoupled weight decay.

    With gradient :math:`g_t` at step :math:`t` (negated when ``maximize``):

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \,
                   \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    With ``amsgrad``, :math:`v_t` in the denominator is replaced by its running maximum.
    Weight decay adds :math:`\lambda\theta` to the gradient, or with
    ``decoupled_weight_decay`` (AdamW) multiplies :math:`\theta` by :math:`1 - \gamma\lambda` first.
    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`),
    ``max_exp_avg_sq`` (AMSGrad only).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-3).
        betas: :math:`(\beta_1, \beta_2)` (default: (0.9, 0.999)).
        eps: :math:`\epsilon` added to the denominator (default: 1e-8).
        weight_decay: :math:`\lambda` (default: 0).
        amsgrad: use the AMSGrad variant (default: False).
        maximize: maximize the objective (default: False).
        decoupled_weight_decay: AdamW-style weight decay (default: False).
        foreach, capturable, differentiable, fused: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = torch.optim.Adam([w], lr=0.1)
        >>> w.grad = torch.tensor([0.5, -2.0])
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]   # the first step moves each coordinate by ~lr
        [0.9, -0.9]
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError(
                    "lr as a Tensor is not supported for capturable=False and foreach=True"
                )
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(
                        f"betas[{i}] as a Tensor is not supported for capturable=False and "
                        "foreach=True"
                    )
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(b.squeeze() if isinstance(b, Tensor) and b.dim() != 0 else b for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    _state_keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step")
    _split = {"betas": ("beta1", "beta2")}
    _flags = (("amsgrad", False), ("maximize", False), ("foreach", None), ("capturable", False),
              ("differentiable", False), ("decoupled_weight_decay", False), ("fused", None))

    def _init_state(self, group, p):
        state = {
            "step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)
        }
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_like(p)
        return state


def adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
         exp_avg_sqs: list[Tensor], max_exp_avg_sqs: list[Tensor], state_steps: list[Tensor], *,
         amsgrad: bool, beta1: float, beta2: float, lr: float, weight_decay: float, eps: float,
         maximize: bool, decoupled_weight_decay: bool = False, **_) -> None:
    """The Adam update of each parameter and its state, in place.  See :class:`Adam`.

    The moment updates run over all the parameters at once (``_kernels.lerp_lists_`` and
    ``addcmul_lists_``: one pass of fused multiply-adds for a weight and its bias), the rest
    parameter by parameter; every element is rounded as in a per-parameter loop.
    """
    lr, beta1, beta2, weight_decay = _value(lr), _value(beta1), _value(beta2), _value(weight_decay)
    ps = [p._data for p in params]
    gs = [g._data for g in grads]
    if maximize:
        gs = [K.neg(g) for g in gs]
    if weight_decay != 0:
        if decoupled_weight_decay:
            for p in ps:
                K.mul_(p, 1 - lr * weight_decay)
        else:
            gs = K.add_lists(gs, ps, weight_decay)
    ms = [m._data for m in exp_avgs]
    vs = [v._data for v in exp_avg_sqs]
    for step_t in state_steps:
        step_t._data += 1
    K.lerp_lists_(ms, gs, 1 - beta1)
    for v in vs:
        K.mul_(v, beta2)
    K.addcmul_lists_(vs, gs, gs, 1 - beta2)
    for i, p in enumerate(ps):
        step = state_steps[i]._data.item()
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        v = vs[i]
        if amsgrad:
            vmax = max_exp_avg_sqs[i]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = K.sqrt(v)
        np.divide(denom, K.scalar(bias_correction2_sqrt, denom), out=denom)
        np.add(denom, K.scalar(eps, denom), out=denom)
        K.addcdiv_(p, ms[i], denom, -step_size)
        params[i]._bump()


Adam._update = staticmethod(adam)
