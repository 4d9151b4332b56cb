"""ASGD: stochastic gradient descent with Polyak-Ruppert averaging of the iterates."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from .optimizer import (
    Optimizer,
    _check_lr,
    _eval_closure,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _value,
    _zeros_like,
)

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
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
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (("foreach", None), ("maximize", False), ("differentiable", False),
                               ("capturable", False)):
                group.setdefault(key, value)
            for p in group["params"]:
                s = self.state.get(p, [])
                if len(s) != 0:
                    for key in ("step", "eta", "mu"):
                        if not isinstance(s[key], Tensor):
                            s[key] = _scalar_tensor(float(s[key]))

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss if one is given."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["eta"] = _scalar_tensor(_value(group["lr"]))
                    state["mu"] = _scalar_tensor(1.0)
                    state["ax"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            asgd(params, [p.grad for p in params], [s["ax"] for s in st], [s["mu"] for s in st],
                 [s["eta"] for s in st], [s["step"] for s in st], lambd=group["lambd"],
                 lr=group["lr"], t0=group["t0"], alpha=group["alpha"],
                 weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss


def asgd(params: list[Tensor], grads: list[Tensor], axs: list[Tensor], mus: list[Tensor], etas: list[Tensor],
         state_steps: list[Tensor], *, lambd: float, lr: float, t0: float, alpha: float,
         weight_decay: float, maximize: bool, **_) -> None:
    """The ASGD update of each parameter and its state, in place.  See :class:`ASGD`."""
    lr = _value(lr)
    for i, param in enumerate(params):
        p, ax = param._data, axs[i]._data
        g = K.neg(grads[i]._data) if maximize else grads[i]._data
        mu, eta, step_t = mus[i]._data, etas[i]._data, state_steps[i]._data
        step_t += 1
        if weight_decay != 0:
            g = K.add(g, p, weight_decay)
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
        param._bump()
