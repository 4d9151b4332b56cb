"""Adafactor: Adam-like steps with a factored (row x column) second-moment estimate."""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor, _wrap

from . import _kernels as K
from ._builtin import BuiltinOptimizer, each_param
from .optimizer import _scalar_tensor, _value

__all__ = ["Adafactor", "adafactor"]


def _norm(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    sq = np.multiply(x, x)
    return np.sqrt(np.sum(sq, axis=axis, keepdims=keepdims))


class Adafactor(BuiltinOptimizer):
    r"""Adafactor (Shazeer & Stern), as PyTorch defines it.

    For a matrix-shaped gradient :math:`G` only the running means of its squares over rows
    (:math:`R`) and over columns (:math:`C`) are kept, and the second moment is estimated as
    :math:`\hat V = R C / \max(\text{mean}(R), \epsilon_1)`; vectors keep a full :math:`\hat V`.
    With :math:`\hat\beta_{2,t} = 1 - t^{\tau}`, :math:`\rho_t = \min(\gamma, 1/\sqrt t)` and
    :math:`\alpha_t = \max(\epsilon_2, \text{RMS}(\theta))\rho_t`:

    .. math::
        U_t = G_t / \max(\sqrt{\hat V_t}, \epsilon_1), \qquad
        \theta_t = \theta_{t-1}(1 - \gamma\lambda) - \alpha_t \, U_t / \max(1, \text{RMS}(U_t)/d)

    State per parameter: ``step``, and ``row_var``/``col_var`` (matrices) or ``variance``.

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: the cap :math:`\gamma` on the relative step size, also scales weight decay (default:
            1e-2).
        beta2_decay: :math:`\tau` (default: -0.8).
        eps: :math:`(\epsilon_1, \epsilon_2)`; :math:`\epsilon_1` None means the dtype's machine
            epsilon (default: (None, 1e-3)).
        d: the update clipping threshold (default: 1.0).
        weight_decay: decoupled weight decay :math:`\lambda` (default: 0).
        maximize: maximize the objective (default: False).
        foreach: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.ones(2, 2, requires_grad=True)
        >>> opt = torch.optim.Adafactor([w])
        >>> w.grad = torch.ones(2, 2)
        >>> opt.step()
        >>> [round(x, 4) for x in w.flatten().tolist()]   # 1 - max(1e-3, rms(w)) * min(0.01, 1)
        [0.99, 0.99, 0.99, 0.99]
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, beta2_decay: float = -0.8,
                 eps=(None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    _state_keys = ("row_var", "col_var", "variance", "step")
    _split = {"eps": ("eps1", "eps2")}
    _flags = (("foreach", None),)

    def _init_state(self, group, p):
        g = p.grad._data
        if g.ndim > 1:
            return {"step": _scalar_tensor(0.0),
                    "row_var": _wrap(np.zeros(g.shape[:-1] + (1,), g.dtype)),
                    "col_var": _wrap(np.zeros(g.shape[:-2] + (1,) + g.shape[-1:], g.dtype))}
        return {"step": _scalar_tensor(0.0), "variance": _wrap(np.zeros_like(g))}


def adafactor(params: list[Tensor], grads: list[Tensor], row_vars: list, col_vars: list,
              variances: list, state_steps: list[Tensor], *, d: float, lr: float,
              beta2_decay: float, weight_decay: float, eps1: float | None, eps2: float,
              maximize: bool, **_) -> None:
    """The Adafactor update of each parameter and its state, in place.  See :class:`Adafactor`."""
    lr = _value(lr)
    for i, p, g in each_param(params, grads, maximize=maximize):
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype).eps)
        step_t = state_steps[i]._data
        step_t += 1
        step = step_t.item()
        one_minus_beta2_t = step ** beta2_decay
        rho_t = min(lr, 1 / step ** 0.5)
        alpha = max(eps2, _norm(p).item() / p.size ** 0.5) * rho_t
        if weight_decay != 0:
            K.mul_(p, 1 - lr * weight_decay)
        if g.ndim > 1:
            row_var, col_var = row_vars[i]._data, col_vars[i]._data
            row_mean = _norm(g, axis=-1, keepdims=True)
            np.multiply(row_mean, row_mean, out=row_mean)
            np.divide(row_mean, K.scalar(g.shape[-1], row_mean), out=row_mean)
            K.lerp_(row_var, row_mean, one_minus_beta2_t)
            col_mean = _norm(g, axis=-2, keepdims=True)
            np.multiply(col_mean, col_mean, out=col_mean)
            np.divide(col_mean, K.scalar(g.shape[-2], col_mean), out=col_mean)
            K.lerp_(col_var, col_mean, one_minus_beta2_t)
            var_estimate = np.matmul(row_var, col_var)
            row_scale = np.mean(row_var, axis=-2, keepdims=True)
            np.maximum(row_scale, K.scalar(eps1, row_scale), out=row_scale)
            np.divide(var_estimate, row_scale, out=var_estimate)
        else:
            variance = variances[i]._data
            K.lerp_(variance, K.new(np.multiply, g, g), one_minus_beta2_t)
            var_estimate = variance.copy()
        update = var_estimate
        np.maximum(update, K.scalar(eps1 * eps1, update), out=update)
        np.sqrt(update, out=update)
        np.divide(K.scalar(1, update), update, out=update)
        np.multiply(update, g, out=update)
        denom = max(1.0, _norm(update).item() / (update.size ** 0.5 * d))
        K.add_(p, update, -alpha / denom)


Adafactor._update = staticmethod(adafactor)
