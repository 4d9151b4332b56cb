"""Rprop: resilient backpropagation, which adapts a step size per coordinate from gradient signs."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor, _wrap

from . import _kernels as K
from ._builtin import BuiltinOptimizer, check_lr, each_param
from .optimizer import _scalar_tensor, _value, _zeros_like

__all__ = ["Rprop", "rprop"]


class Rprop(BuiltinOptimizer):
    r"""Rprop (Riedmiller & Braun).

    Each coordinate has its own step size :math:`\delta`.  When the gradient keeps its sign
    :math:`\delta` grows by :math:`\eta_+`, when the sign flips it shrinks by :math:`\eta_-`
    (and that coordinate's gradient is treated as zero for this step); then
    :math:`\theta \leftarrow \theta - \operatorname{sign}(g)\,\delta`, with :math:`\delta`
    clipped to ``step_sizes``.  State per parameter: ``step``, ``prev`` (the last gradient
    used), ``step_size`` (:math:`\delta`, starting at ``lr``).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: initial step size (default: 1e-2).
        etas: :math:`(\eta_-, \eta_+)` (default: (0.5, 1.2)).
        step_sizes: minimal and maximal step size (default: (1e-6, 50)).
        maximize: maximize the objective (default: False).
        capturable, foreach, differentiable: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.Rprop([w], lr=0.1)
        >>> w.grad = torch.tensor([3.0])
        >>> opt.step()
        >>> round(w.item(), 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    _state_keys = ("prev", "step_size", "step")
    _split = {"etas": ("etaminus", "etaplus"), "step_sizes": ("step_size_min", "step_size_max")}

    def _init_state(self, group, p):
        return {"step": _scalar_tensor(0.0), "prev": _zeros_like(p),
                "step_size": _wrap(np.full_like(p.grad._data, _value(group["lr"])))}


def rprop(params: list[Tensor], grads: list[Tensor], prevs: list[Tensor], step_sizes: list[Tensor],
          state_steps: list[Tensor], *, step_size_min: float, step_size_max: float, etaminus: float,
          etaplus: float, maximize: bool, **_) -> None:
    """The Rprop update of each parameter and its state, in place.  See :class:`Rprop`."""
    for i, p, g in each_param(params, grads, maximize=maximize):
        prev, step_size = prevs[i]._data, step_sizes[i]._data
        state_steps[i]._data += 1
        grad = g if maximize else g.copy()
        sign = K.new(np.multiply, grad, prev)
        np.sign(sign, out=sign)
        flipped = sign < 0
        sign[sign > 0] = etaplus
        sign[flipped] = etaminus
        sign[sign == 0] = 1
        np.multiply(step_size, sign, out=step_size)
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        grad[flipped] = 0
        K.addcmul_(p, K.new(np.sign, grad), step_size, -1)
        np.copyto(prev, grad)


Rprop._update = staticmethod(rprop)
