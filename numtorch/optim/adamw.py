"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from numtorch._tensor import Tensor

from .adam import Adam, adam

__all__ = ["AdamW", "adamw"]


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    Each step first shrinks the parameter, :math:`\theta \leftarrow \theta (1 - \gamma\lambda)`,
    then applies the Adam update (see :class:`Adam`), so the decay never enters the moment
    estimates.  Same state as :class:`Adam`; ``decoupled_weight_decay`` is always True.

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default: 1e-3).
        betas: :math:`(\beta_1, \beta_2)` (default: (0.9, 0.999)).
        eps: term added to the denominator (default: 1e-8).
        weight_decay: decoupled weight decay :math:`\lambda` (default: 1e-2).
        amsgrad: use the AMSGrad variant (default: False).
        maximize: maximize the objective (default: False).
        foreach, capturable, differentiable, fused: accepted for compatibility.

    Example:
        >>> import numtorch as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = torch.tensor([1.0])
        >>> opt.step()
        >>> round(w.item(), 4)     # 1 * (1 - 0.05) - 0.1
        0.85
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


def adamw(*args, **kwargs) -> None:
    """The AdamW update: :func:`adam` with decoupled weight decay."""
    kwargs["decoupled_weight_decay"] = True
    adam(*args, **kwargs)
