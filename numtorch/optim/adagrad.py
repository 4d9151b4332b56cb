"""Adagrad: step sizes shrink with the accumulated squared gradient of each coordinate."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor, _wrap

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_fused, check_lr, check_nonnegative, each_param
from .optimizer import _scalar_tensor, _value

__all__ = ["Adagrad", "adagrad"]


class Adagrad(BuiltinOptimizer):
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

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        check_nonnegative("lr_decay", lr_decay)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        check_nonnegative("epsilon", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._init_state(group, p))

    _state_keys = ("sum", "step")
    _flags = (("foreach", None), ("maximize", False), ("differentiable", False), ("fused", None))

    def _init_state(self, group, p):
        # PyTorch fills ``sum`` from the constructor's value, whatever the group says.
        return {"step": _scalar_tensor(0.0),
                "sum": _wrap(np.full_like(p._data, self.defaults["initial_accumulator_value"]))}

    def share_memory(self) -> None:
        """Kept for compatibility: NumPy state is already in this process's memory."""


def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor],
            state_steps: list[Tensor], *, lr: float, weight_decay: float, lr_decay: float,
            eps: float, maximize: bool, **_) -> None:
    """The Adagrad update of each parameter and its state, in place.  See :class:`Adagrad`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize, weight_decay=weight_decay):
        step_t = state_steps[i]._data
        step_t += 1
        step = step_t.item()
        s = state_sums[i]._data
        clr = lr / (1 + (step - 1) * lr_decay)
        K.addcmul_(s, g, g, 1)
        std = K.sqrt(s)
        np.add(std, K.scalar(eps, std), out=std)
        K.addcdiv_(p, g, std, -clr)


Adagrad._update = staticmethod(adagrad)
