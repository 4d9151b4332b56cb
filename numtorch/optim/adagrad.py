"""Adagrad: step sizes shrink with the accumulated squared gradient of each coordinate."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor, _wrap

from . import _kernels as K
from .optimizer import (
    Optimizer,
    _check_lr,
    _eval_closure,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _value,
)

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.).

    .. math::
        \tilde\gamma_t &= \gamma / (1 + (t - 1)\eta) \qquad (\eta: \text{lr\_decay}) \\
        s_t &= s_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \tilde\gamma_t \, g_t / (\sqrt{s_t} + \epsilon)

    The state (``step`` and ``sum``, starting at ``initial_accumulator_value``) is created for
    every parameter at construction, as in PyTorch.

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-2).
        lr_decay: learning-rate decay :math:`\eta` (default: 0).
        weight_decay: L2 penalty (default: 0).
        initial_accumulator_value: starting value of ``sum`` (default: 0).
        eps: term added to the denominator (default: 1e-10).
        maximize: maximize the objective (default: False).
        foreach, differentiable, fused: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.Adagrad([w], lr=0.1)
        >>> w.grad = torch.tensor([3.0])
        >>> opt.step()
        >>> round(w.item(), 4)     # 1 - 0.1 * 3 / sqrt(9)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None,
                 *, maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = _scalar_tensor(0.0)
        state["sum"] = _wrap(np.full_like(p._data, self.defaults["initial_accumulator_value"]))

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (("foreach", None), ("maximize", False), ("differentiable", False),
                               ("fused", None)):
                group.setdefault(key, value)
        for s in self.state.values():
            if "step" in s and not isinstance(s["step"], Tensor):
                s["step"] = _scalar_tensor(float(s["step"]))

    def share_memory(self) -> None:
        """Kept for compatibility: NumPy state is already in this process's memory."""

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss if one is given."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            for p in params:
                if len(self.state[p]) == 0:
                    self._init_state(p)
            st = [self.state[p] for p in params]
            adagrad(params, [p.grad for p in params], [s["sum"] for s in st], [s["step"] for s in st],
                    lr=group["lr"], weight_decay=group["weight_decay"], lr_decay=group["lr_decay"],
                    eps=group["eps"], maximize=group["maximize"])
        return loss


def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor], state_steps: list[Tensor],
            *, lr: float, weight_decay: float, lr_decay: float, eps: float, maximize: bool, **_) -> None:
    """The Adagrad update of each parameter and its state, in place.  See :class:`Adagrad`."""
    lr = _value(lr)
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step_t._data += 1
        step = step_t._data.item()
        p, s = param._data, state_sum._data
        g = K.neg(grad._data) if maximize else grad._data
        if weight_decay != 0:
            g = K.add(g, p, weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        K.addcmul_(s, g, g, 1)
        std = K.sqrt(s)
        np.add(std, K.scalar(eps, std), out=std)
        K.addcdiv_(p, g, std, -clr)
        param._bump()
