"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor, _wrap

from . import _kernels as K
from ._builtin import check_fused
from .optimizer import Optimizer, _eval_closure, _use_grad_for_differentiable, _value

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``):

    .. math::
        g &\leftarrow g + \lambda \theta \quad (\text{weight decay } \lambda) \\
        b &\leftarrow \begin{cases} g & \text{first step} \\
             \mu b + (1 - \tau) g & \text{later steps} \end{cases} \\
        g &\leftarrow \begin{cases} g + \mu b & \text{nesterov} \\
             b & \text{otherwise} \end{cases} \\
        \theta &\leftarrow \theta - \gamma g

    The momentum buffer :math:`b` is kept in ``state[p]["momentum_buffer"]`` (None when
    ``momentum == 0``).

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-3).
        momentum: momentum factor :math:`\mu` (default: 0).
        dampening: dampening :math:`\tau` for momentum (default: 0).
        weight_decay: L2 penalty :math:`\lambda` (default: 0).
        nesterov: use Nesterov momentum (default: False).
        maximize: maximize the objective instead of minimizing (default: False).
        foreach, differentiable, fused: accepted for compatibility; one implementation runs.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> round(w.item(), 4)
        0.46
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        # SGD compares with ``<`` (NaN passes), unlike the ``not 0.0 <= x`` of the others.
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (("nesterov", False), ("maximize", False), ("foreach", None),
                               ("differentiable", False), ("fused", False)):
                group.setdefault(key, value)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss if one is given."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            momentum = group["momentum"]
            bufs = [self.state[p].get("momentum_buffer") for p in params] if momentum != 0 else []
            sgd(params, [p.grad for p in params], bufs, weight_decay=group["weight_decay"],
                momentum=momentum, lr=group["lr"], dampening=group["dampening"],
                nesterov=group["nesterov"], maximize=group["maximize"])
            for p, buf in zip(params, bufs):
                self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params: list[Tensor], grads: list[Tensor], momentum_buffer_list: list, *,
        weight_decay: float, momentum: float, lr: float, dampening: float, nesterov: bool,
        maximize: bool, **_) -> None:
    """The SGD update of each parameter in place; ``momentum_buffer_list`` entries that are None
    are created (as Tensors) on the way.  See :class:`SGD` for the maths.

    Each stage runs over all the parameters at once (``_kernels.add_lists_``), so that the
    fused multiply-adds of a weight and its bias share one pass (NOTE [ float64 scratch ] in
    numtorch/random/numerics.py); every element is rounded as in the per-parameter loop.
    """
    lr, weight_decay = _value(lr), _value(weight_decay)
    ps = [p._data for p in params]
    gs = [g._data for g in grads]
    if maximize:
        gs = [K.neg(g) for g in gs]
    if weight_decay != 0:
        gs = K.add_lists(gs, ps, weight_decay)
    if momentum != 0:
        old = []                                    # buffers that exist: mu * b + (1 - tau) g
        for i, g in enumerate(gs):
            buf = momentum_buffer_list[i]
            if buf is None:
                momentum_buffer_list[i] = _wrap(np.array(g, copy=True))
            else:
                K.mul_(buf._data, momentum)
                old.append(i)
        if old:
            bs = [momentum_buffer_list[i]._data for i in old]
            K.add_lists_(bs, bs, [gs[i] for i in old], 1 - dampening)
        bufs = [b._data for b in momentum_buffer_list]
        gs = K.add_lists(gs, bufs, momentum) if nesterov else bufs
    K.add_lists_(ps, ps, gs, -lr)
    for p in params:
        p._bump()
