"""``GradScaler``: loss scaling for half-precision training, as PyTorch runs it.

Half-precision gradients underflow; the scaler multiplies the loss by a large factor ``S`` before
``backward``, divides the gradients by ``S`` before the optimizer steps ("unscales" them), skips
the step when a gradient is inf or nan, and adapts ``S``:

    inf or nan found:                   S = S * backoff_factor,  streak = 0
    growth_interval clean steps in row: S = S * growth_factor,   streak = 0

A scaler for ``device="cuda"`` (the default, and what ``torch.cuda.amp.GradScaler`` builds) on a
machine without CUDA, which numtorch always is, warns as PyTorch does and disables itself: then
``scale`` returns its argument, ``step`` just calls ``optimizer.step()``, ``update`` and
``unscale_`` do nothing, ``get_scale()`` is 1.0 and ``state_dict()`` is empty.  A scaler for
``device="cpu"`` works as PyTorch's does on the CPU, with the same arithmetic (the scale is a
float32 scalar, the unscaling multiplies by its float32 reciprocal).

Example:
    >>> import warnings
    >>> import numtorch
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     scaler = GradScaler()
    >>> loss = numtorch.tensor(2.0)
    >>> scaler.scale(loss) is loss, scaler.get_scale(), scaler.state_dict()
    (True, 1.0, {})
"""

from __future__ import annotations

import warnings
from collections import abc, defaultdict
from enum import Enum
from typing import Any

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.grad_mode import no_grad

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    """Where an optimizer is in the scaler's iteration: nothing done, unscaled, stepped."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with infs, adapt the scale.

    Args:
        device: ``"cuda"`` (default; disabled here with a warning, there is no CUDA) or
            ``"cpu"`` (a working scaler).
        init_scale: the first scale factor (2 ** 16).
        growth_factor: what the scale is multiplied by after ``growth_interval`` clean steps.
        backoff_factor: what the scale is multiplied by after a step with inf or nan gradients.
        growth_interval: how many clean steps in a row before the scale grows.
        enabled: False makes every method a pass-through.

    Example:
        >>> import numtorch
        >>> w = numtorch.ones(1, requires_grad=True)
        >>> opt = numtorch.optim.SGD([w], lr=0.5)
        >>> scaler = GradScaler("cpu", init_scale=4.0)
        >>> scaler.scale((w * 3).sum()).backward()
        >>> w.grad.item()
        12.0
        >>> _ = scaler.step(opt); scaler.update()
        >>> w.item(), scaler.get_scale()
        (-0.5, 4.0)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: Tensor | None = None  # created by the first scale()
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Tensor | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(_fresh_state)

    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Tensor, Tensor]:
        fix = ("This may indicate your script did not use scaler.scale(loss or outputs) earlier "
               "in the iteration.")
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self) -> None:
        self._scale = _wrap(np.array(self._init_scale, np.float32))
        self._growth_tracker = _wrap(np.array(self._init_growth_tracker, np.int32))

    def scale(self, outputs):
        """``outputs`` (a tensor, or tensors nested in lists and tuples) times the scale.

        A disabled scaler returns ``outputs`` itself.
        """
        if not self._enabled:
            return outputs

        def apply(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker()
                return val * self._scale
            if isinstance(val, abc.Iterable):
                it = map(apply, val)
                return type(val)(it) if isinstance(val, (list, tuple)) else it
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def _unscale_grads_(self, optimizer, inv_scale: np.ndarray, allow_fp16: bool) -> dict:
        """Multiply every gradient by ``inv_scale`` in place; 1.0 in the result if any was
        inf or nan."""
        found = np.zeros((), np.float32)
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if not isinstance(param, Tensor):
                        raise AssertionError(
                            f"expected param to be torch.Tensor, got {type(param).__name__}")
                    g = param.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g._data.dtype == np.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    if not np.isfinite(g._data).all():
                        found[()] = 1.0
                    g.mul_(_wrap(inv_scale.astype(g._data.dtype)))
        return {"cpu": _wrap(found)}

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale (at most once per step), noting infs.

        ``step`` calls it if the script did not; call it yourself to clip or inspect the true
        gradients first.
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = np.float32(1.0 / np.float64(self._scale._data))
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, np.asarray(inv_scale),
                                                             False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args: Any, **kwargs: Any):
        """Unscale (unless done) and run ``optimizer.step(*args, **kwargs)`` if no gradient is
        inf or nan; returns what the step returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back off after a skipped step, grow after ``growth_interval`` clean ones (or set
        ``new_scale``); call once per iteration, after every ``step``."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        s, t = scale._data, tracker._data
        if new_scale is not None:
            if isinstance(new_scale, float):
                s[()] = new_scale
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if new_scale.device.type != self._device or new_scale.numel() != 1 \
                        or new_scale.requires_grad:
                    raise AssertionError(reason)
                s[()] = new_scale._data.reshape(())
        else:
            found = [f for st in self._per_optimizer_states.values()
                     for f in st["found_inf_per_device"].values()]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if sum(float(f._data) for f in found):
                s[()] = np.float64(s) * self._backoff_factor  # double factors, as PyTorch
                t[()] = 0
            else:
                streak = t + 1
                if streak == self._growth_interval:
                    grown = np.float32(np.float64(s) * self._growth_factor)
                    if np.isfinite(grown):
                        s[()] = grown
                    t[()] = 0
                else:
                    t[()] = streak
        scale._bump()
        tracker._bump()
        self._per_optimizer_states = defaultdict(_fresh_state)

    def get_scale(self) -> float:
        """The current scale as a float (1.0 for a disabled scaler)."""
        if self._enabled:
            return self._init_scale if self._scale is None else float(self._scale._data)
        return 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if self._enabled:
            return (self._init_growth_tracker if self._growth_tracker is None
                    else int(self._growth_tracker._data))
        return 0

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval`` and
        ``_growth_tracker``; empty for a disabled scaler."""
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict`` (a disabled scaler ignores it)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale._data[()] = state_dict["scale"]
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker._data[()] = state_dict["_growth_tracker"]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning "
                                     "of an iteration, or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
