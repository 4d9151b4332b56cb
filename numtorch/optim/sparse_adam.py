"""SparseAdam: Adam that only touches the rows a gradient actually reaches.

NOTE [ dense gradients as sparse ones ]
    In PyTorch, SparseAdam is meant for ``nn.Embedding(sparse=True)``, whose gradient is a
    sparse tensor holding only the looked-up rows.  This library's gradients are always
    dense, so SparseAdam reads a dense gradient as a sparse one along dim 0: the rows that
    are not all zero are the "present" rows, and only they (and their moment estimates)
    are updated, exactly as PyTorch updates the rows of a sparse gradient.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._tensor import Tensor
from numtorch.autograd import grad_mode

from . import _kernels as K
from ._builtin import check_betas
from .optimizer import Optimizer, _eval_closure, _value, _zeros_like

__all__ = ["SparseAdam"]


def _present_rows(g: np.ndarray) -> np.ndarray:
    if g.ndim == 0:
        return np.array([0]) if g != 0 else np.zeros(0, np.int64)
    return np.flatnonzero(np.any(g.reshape(g.shape[0], -1) != 0, axis=1))


class SparseAdam(Optimizer):
    r"""Adam restricted to the rows present in each gradient
    (see NOTE [ dense gradients as sparse ones ]).

    For the present rows only:
    :math:`m \leftarrow m + (1-\beta_1)(g - m)`, :math:`v \leftarrow v + (1-\beta_2)(g^2 - v)`,
    :math:`\theta \leftarrow \theta - \gamma \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}
    \frac{m}{\sqrt v + \epsilon}`.
    State per parameter: ``step`` (an int), ``exp_avg``, ``exp_avg_sq``.

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-3).
        betas: :math:`(\beta_1, \beta_2)` (default: (0.9, 0.999)).
        eps: term added to the denominator (default: 1e-8).
        maximize: maximize the objective (default: False).

    Example:
        >>> import numtorch as torch
        >>> emb = torch.zeros(3, 2, requires_grad=True)
        >>> opt = torch.optim.SparseAdam([emb], lr=0.1)
        >>> emb.grad = torch.tensor([[0.0, 0.0], [1.0, -1.0], [0.0, 0.0]])
        >>> opt.step()
        >>> [[round(x, 4) for x in row] for row in emb.tolist()]
        [[0.0, 0.0], [-0.1, 0.1], [0.0, 0.0]]
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    @grad_mode.no_grad()
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss if one is given."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps = _value(group["lr"]), group["eps"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                state["step"] += 1
                g = p.grad._data
                if group.get("maximize", False):
                    g = K.neg(g)
                rows = _present_rows(g)
                if rows.size == 0:
                    continue
                data, m, v = p._data, state["exp_avg"]._data, state["exp_avg_sq"]._data
                if data.ndim == 0:
                    data, m, v, g = (a.reshape(1) for a in (data, m, v, g))
                gv = g[rows]
                old_m, old_v = m[rows], v[rows]
                upd_m = np.subtract(gv, old_m)
                K.mul_(upd_m, 1 - beta1)
                m[rows] = old_m + upd_m
                upd_v = np.multiply(gv, gv)
                np.subtract(upd_v, old_v, out=upd_v)
                K.mul_(upd_v, 1 - beta2)
                v[rows] = old_v + upd_v
                numer = np.add(upd_m, old_m, out=upd_m)
                denom = np.add(upd_v, old_v, out=upd_v)
                np.sqrt(denom, out=denom)
                np.add(denom, K.scalar(eps, denom), out=denom)
                step = state["step"]
                step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
                np.divide(numer, denom, out=numer)
                np.multiply(numer, K.scalar(-step_size, numer), out=numer)
                data[rows] = data[rows] + numer
                p._bump()
        return loss
