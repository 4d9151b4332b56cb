"""What the built-in optimizers share: argument checks, one ``step``, and the gradient preamble.

Every built-in optimizer follows the same recipe (PyTorch's ``torch/optim/*.py`` too):

1. the constructor validates each hyperparameter, in PyTorch's order and with its message,
   and hands ``defaults`` to :class:`~numtorch.optim.Optimizer`;
2. ``step`` walks the parameter groups, creates the state of a parameter the first time it
   has a gradient, gathers the parameters, gradients and each state entry into lists, and
   calls one update function (``adam(params, grads, exp_avgs, ...)``) with the group's options;
3. the update function loops over the parameters; each iteration starts the same way: the
   gradient is negated under ``maximize`` and L2 weight decay is added to it (or, decoupled,
   the parameter is shrunk first), and ends by bumping the parameter's version counter.

:class:`BuiltinOptimizer` implements 2 (plus restoring options and 0-d state that old pickles
lack); :func:`each_param` implements 3 (SGD and Adam instead run each stage over all the
parameters at once, through the list kernels of ``_kernels``); the ``check_*`` functions
implement 1.  A subclass declares its state and options and supplies the update function:

Example:
    >>> import numtorch as torch
    >>> from numtorch.optim import _kernels as K
    >>> from numtorch.optim._builtin import BuiltinOptimizer, check_lr, each_param
    >>> def plain(params, grads, *, lr, maximize, **_):
    ...     for _, p, g in each_param(params, grads, maximize=maximize):
    ...         K.add_(p, g, -lr)
    >>> class Plain(BuiltinOptimizer):
    ...     _update = staticmethod(plain)
    ...     def __init__(self, params, lr=0.1, maximize=False):
    ...         check_lr(lr)
    ...         super().__init__(params, dict(lr=lr, maximize=maximize))
    >>> w = torch.tensor([1.0], requires_grad=True)
    >>> w.grad = torch.tensor([2.0])
    >>> Plain([w]).step()
    >>> round(w.item(), 4)
    0.8
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np

from numtorch._tensor import Tensor

from . import _kernels as K
from .optimizer import (
    Optimizer,
    _check_lr,
    _eval_closure,
    _scalar_tensor,
    _use_grad_for_differentiable,
)

__all__ = [
    "BuiltinOptimizer", "check_lr", "check_nonnegative", "check_betas", "check_fused", "each_param"
]

check_lr = _check_lr


def check_nonnegative(label: str, value) -> None:
    """Raise PyTorch's ``ValueError("Invalid <label> value: <value>")`` unless ``value >= 0``."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {label} value: {value}")


def check_betas(betas) -> None:
    """Both betas must lie in [0, 1), as PyTorch checks for the Adam family."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_fused(fused: bool | None, foreach: bool | None, differentiable: bool) -> None:
    """The checks PyTorch makes of ``fused`` after building the groups (SGD, Adam, Adagrad)."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def each_param(params: list[Tensor], grads: list[Tensor], *, maximize: bool,
               weight_decay: float = 0, lr: float = 0.0,
               decoupled: bool = False) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    r"""Yield ``(i, p, g)`` for each parameter: its array ``p`` and the gradient ``g`` to use.

    ``g`` is the gradient's array, negated (as a new array) under ``maximize``; with
    ``weight_decay`` :math:`\lambda \ne 0` it becomes :math:`g + \lambda p` (a new array), or,
    with ``decoupled``, ``p`` is first shrunk in place by :math:`1 - \gamma\lambda` (AdamW).
    After the loop body has run, the parameter's version counter is bumped.
    """
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        if maximize:
            g = K.neg(g)
        if weight_decay != 0:
            if decoupled:
                K.mul_(p, 1 - lr * weight_decay)
            else:
                g = K.add(g, p, weight_decay)
        yield i, p, g
        param._bump()


class BuiltinOptimizer(Optimizer):
    """An optimizer whose ``step`` gathers per-parameter lists and calls one update function.

    A subclass sets:

    * ``_update``: the update function, ``f(params, grads, *state_lists, **options)``;
    * ``_state_keys``: the state entries passed (as lists, in this order) after ``grads``;
      a parameter without an entry (an option is off) contributes None;
    * ``_init_state(group, p)``: the new state of ``p`` (a dict, in PyTorch's key order);
    * ``_split``: group options that hold pairs, and the two keyword names each becomes
      (``{"betas": ("beta1", "beta2")}``); every other option is passed under its own name;
    * ``_flags``: ``(option, default)`` pairs that pickles from older versions may lack;
    * ``_scalar_state``: state entries that are 0-d Tensors (older pickles held numbers).
    """

    _update: ClassVar[Callable[..., None]]
    _state_keys: ClassVar[tuple[str, ...]] = ()
    _split: ClassVar[dict[str, tuple[str, str]]] = {}
    _flags: ClassVar[tuple[tuple[str, Any], ...]] = (
        ("foreach", None), ("maximize", False), ("differentiable", False), ("capturable", False)
    )
    _scalar_state: ClassVar[tuple[str, ...]] = ("step",)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in self._flags:
                group.setdefault(key, value)
        for s in self.state.values():
            for key in self._scalar_state:
                if key in s and not isinstance(s[key], Tensor):
                    s[key] = _scalar_tensor(float(s[key]))

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {}

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        """The group's options as the update function's keyword arguments."""
        options = {k: v for k, v in group.items() if k not in ("params", "param_names")}
        for key, (first, second) in self._split.items():
            options[first], options[second] = options.pop(key)
        return options

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss if one is given."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            states = []
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state.update(self._init_state(group, p))
                states.append(state)
            lists = [[s.get(key) for s in states] for key in self._state_keys]
            self._update(params, [p.grad for p in params], *lists, **self._options(group))
        return loss
