"""Stochastic weight averaging: averaged copies of a model, the SWA learning rate, and BN refresh.

* :class:`AveragedModel` keeps a copy of a model whose parameters are the running average
  (equal weights, or an exponential moving average) of the model's parameters over time.
* :class:`SWALR` anneals each group's learning rate to a constant ``swa_lr``.
* :func:`update_bn` recomputes BatchNorm running statistics for the averaged weights.

Example:
    >>> import numtorch as torch
    >>> model = torch.nn.Linear(2, 1)
    >>> swa = torch.optim.swa_utils.AveragedModel(model)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(1.0)
    >>> swa.update_parameters(model)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(3.0)
    >>> swa.update_parameters(model)
    >>> swa.module.weight.tolist()
    [[2.0, 2.0]]
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, Literal

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.grad_mode import no_grad
from numtorch.nn import Module

from . import _kernels as K
from .lr_scheduler import LRScheduler
from .lr_scheduler._base import _format_param
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An in-place exponential moving average over lists of tensors:
    ``ema += (1 - decay)(p - ema)``."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _) -> None:
        for p_ema, p_model in zip(ema_param_list, current_param_list):
            if p_ema._data.dtype.kind in "fc":
                K.lerp_(p_ema._data, p_model._data, 1 - decay)
            else:
                p_ema._data[...] = p_ema._data * decay + p_model._data * (1 - decay)
            p_ema._bump()

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """An in-place equal-weight running average over lists of tensors."""

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        n = float(num_averaged)
        for p_avg, p_model in zip(averaged_param_list, current_param_list):
            if p_avg._data.dtype.kind in "fc":
                K.lerp_(p_avg._data, p_model._data, 1 / (n + 1))
            else:
                p_avg._data[...] = p_avg._data + (p_model._data - p_avg._data) / (n + 1)
            p_avg._bump()

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """``avg_fn`` for an exponential moving average: ``decay * ema + (1 - decay) * param``."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    """``avg_fn`` for the equal-weight average: ``avg + (param - avg) / (n + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _swa_average_(avg: np.ndarray, current: np.ndarray, n_averaged: int) -> None:
    # PyTorch's CPU path: avg + (current - avg) / (n + 1), each op rounded in avg's dtype.
    diff = K.new(np.subtract, current, avg)
    if avg.dtype.kind in "fc":
        np.divide(diff, K.scalar(n_averaged + 1, diff), out=diff)
        np.add(avg, diff, out=avg)
    else:
        avg[...] = avg + diff / (n_averaged + 1)


class AveragedModel(Module):
    r"""A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) are averaged
    by :meth:`update_parameters`.

    By default the average gives every update equal weight,
    :math:`\bar\theta \leftarrow \bar\theta + (\theta - \bar\theta)/(n + 1)`; ``avg_fn`` (one
    tensor at a time) or ``multi_avg_fn`` (lists, in place) replace it, e.g. with
    :func:`get_ema_multi_avg_fn` for an exponential moving average.  Calling the averaged
    model runs the copy.

    Args:
        model: the model to average.
        device: accepted for compatibility (there is one device).
        avg_fn: ``avg_fn(averaged, current, n_averaged) -> new averaged``.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n_averaged)``, in place.
        use_buffers: average buffers too (instead of copying them from ``model``).
    """

    def __init__(self, model, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        self.register_buffer("n_averaged", _wrap(np.zeros((), np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """Run the averaged copy."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies them)."""
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param, model_param = self.parameters(), model.parameters()
        pairs = [(a.detach(), b.detach()) for a, b in zip(self_param, model_param)]
        n = int(self.n_averaged._data)
        if n == 0:
            for a, b in pairs:
                np.copyto(a._data, b._data)
                a._bump()
        else:
            if self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in pairs], [b for _, b in pairs], self.n_averaged)
            elif self.avg_fn is None:
                for a, b in pairs:
                    _swa_average_(a._data, b._data, n)
                    a._bump()
            else:
                for a, b in pairs:
                    np.copyto(a._data, self.avg_fn(a, b, self.n_averaged)._data, casting="unsafe")
                    a._bump()
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                np.copyto(b_swa._data, b_model._data)
                b_swa._bump()
        self.n_averaged._data += 1


def update_bn(loader: Iterable[Any], model, device=None) -> None:
    """Recompute the BatchNorm running statistics of ``model`` with one pass over ``loader``.

    The statistics are reset and accumulated as a cumulative average (``momentum=None``);
    each batch may be a tensor or a list/tuple whose first element is the input.
    """
    from numtorch.nn.modules.batchnorm import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs
    (cosine or linear), then hold it there.

    Args:
        optimizer: the wrapped optimizer.
        swa_lr: the target rate, one for all groups or a list.
        anneal_epochs: length of the annealing (default: 10).
        anneal_strategy: ``"cos"`` or ``"linear"`` (default: "cos").
        last_epoch: index of the last epoch (default: -1).
    """

    def __init__(self, optimizer: Optimizer, swa_lr, anneal_epochs: int = 10,
                 anneal_strategy: Literal["cos", "linear"] = "cos", last_epoch: int = -1) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        """The next rate: recover the starting rate from the current one, then move along the
        anneal."""
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, "
                          "please use `get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(self.optimizer.param_groups, prev_lrs)
        ]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state, without the optimizer and the annealing function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
