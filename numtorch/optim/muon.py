"""Muon: momentum SGD whose update for each weight matrix is orthogonalised by Newton-Schulz steps.

NOTE [ bfloat16 emulation ]
    PyTorch runs the Newton-Schulz iteration in bfloat16: every matrix product is accumulated
    in float32 and rounded to bfloat16.  NumPy has no bfloat16, so the iteration here runs in
    float32 arrays that are rounded to bfloat16's 8-bit significand (round to nearest even)
    wherever PyTorch stores a bfloat16 result.  Accumulation order inside a product can still
    flip a rounding now and then, so agreement with PyTorch is at bfloat16 precision.
"""

from __future__ import annotations

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode

from . import _kernels as K
from .optimizer import Optimizer, _eval_closure, _value

__all__ = ["Muon"]

EPS = 1e-07
DEFAULT_A = 3.4445
DEFAULT_B = -4.775
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bf16(x: np.ndarray) -> np.ndarray:
    """``x`` (float32) rounded to the nearest bfloat16 value, kept as float32."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) & np.uint32(
        0xFFFF0000
    )
    return np.where(np.isnan(x), x, rounded.view(np.float32)).astype(np.float32)


def _zeropower_via_newtonschulz(
    grad: np.ndarray, ns_coefficients, ns_steps: int, eps: float
) -> np.ndarray:
    r"""The nearest (semi-)orthogonal matrix to ``grad``, by ``ns_steps`` quintic Newton-Schulz
    steps:
    :math:`X \leftarrow aX + (bA + cA^2)X` with :math:`A = XX^\top`, starting from :math:`G/\|G\|`.
    """
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (np.float32(v) for v in ns_coefficients)
    x = _bf16(grad.astype(np.float32))
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = np.ascontiguousarray(x.T)
    norm = _bf16(np.sqrt(np.sum(x * x, dtype=np.float32)))
    norm = max(norm, _bf16(np.float32(eps)))
    x = _bf16(x / norm)
    for _ in range(ns_steps):
        gram = _bf16(x @ x.T)
        gram_update = _bf16(b * gram + c * (gram @ gram))
        x = _bf16(a * x + gram_update @ x)
    return x.T if tall else x


def _adjust_lr(lr: float, adjust_lr_fn: str | None, param_shape) -> float:
    A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, A / B))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(A, B))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    r"""Muon (Jordan et al.) for 2-D parameters.

    .. math::
        b &\leftarrow \mu b + (1 - \mu) g, \qquad
        u = \begin{cases} (1-\mu) g + \mu b & \text{nesterov} \\ b & \text{otherwise} \end{cases} \\
        \theta &\leftarrow \theta (1 - \gamma\lambda) - \tilde\gamma \, \mathrm{NS}(u)

    where NS orthogonalises :math:`u` (see NOTE [ bfloat16 emulation ]) and
    :math:`\tilde\gamma` is :math:`\gamma \sqrt{\max(1, A/B)}` (``"original"``) or
    :math:`0.2\,\gamma \sqrt{\max(A, B)}` (``"match_rms_adamw"``) for an :math:`A \times B` matrix.
    State per parameter: ``momentum_buffer``.

    Args:
        params: 2-D parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-3).
        weight_decay: decoupled weight decay :math:`\lambda` (default: 0.1).
        momentum: :math:`\mu` (default: 0.95).
        nesterov: use Nesterov momentum (default: True).
        ns_coefficients: :math:`(a, b, c)` of the Newton-Schulz step.
        eps: lower bound of the initial normalisation (default: 1e-7).
        ns_steps: number of Newton-Schulz steps (default: 5).
        adjust_lr_fn: None/``"original"`` or ``"match_rms_adamw"``.

    Example:
        >>> import numtorch as torch
        >>> w = torch.zeros(2, 2, requires_grad=True)
        >>> opt = torch.optim.Muon([w], lr=0.1, weight_decay=0.0)
        >>> w.grad = torch.eye(2)
        >>> opt.step()
        >>> w.diagonal().tolist()[0] < 0
        True
    """

    def __init__(self, params, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS,
                 adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        "Muon only supports 2D parameters whereas we found a parameter "
                        f"with size: {p.size()}"
                    )

    @grad_mode.no_grad()
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss if one is given."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            lr = _value(group["lr"])
            for p in self._params_with_grad(group):
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = _wrap(np.zeros_like(p.grad._data))
                g = p.grad._data
                if g.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                buf = state["momentum_buffer"]._data
                momentum = group["momentum"]
                K.lerp_(buf, g, 1 - momentum)
                update = (
                    K.lerp_(g, buf, momentum, out=np.empty_like(g)) if group["nesterov"] else buf
                )
                update = _zeropower_via_newtonschulz(
                    update, group["ns_coefficients"], group["ns_steps"], group["eps"]
                )
                adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], p.shape)
                K.mul_(p._data, 1 - lr * group["weight_decay"])
                K.add_(p._data, update.astype(p._data.dtype, copy=False), -adjusted_lr)
                p._bump()
        return loss
