"""``autocast``: PyTorch's mixed-precision regions, kept as state that numtorch computes past.

A script written for PyTorch wraps its forward pass in ``with torch.autocast(device_type, dtype):``
(or decorates ``forward`` with it) so that a GPU runs matrix products in half precision.  numtorch
runs on the CPU in the precision of the tensors it is given, so ``autocast`` here does what
PyTorch's does to the *state* (``is_autocast_enabled``, ``get_autocast_dtype``, nesting,
restoring on exit, the same warnings and errors) and casts nothing.

NOTE [ autocast keeps float32 ]
On the CPU PyTorch's autocast (``dtype`` bfloat16 by default, or float16) really runs matrix
products, convolutions and linear layers in that dtype.  numtorch has no bfloat16, and emulating
the rounding of every product would be slow for no gain on a CPU, so an enabled CPU region
computes in float32 as if autocast were off: results agree with PyTorch's to half-precision
tolerance only, and the first enabled region warns once, saying so.  A ``"cuda"`` region is
disabled with PyTorch's own warning, since no CUDA device exists here (as PyTorch does on a
machine without one).  Any dtype other than bfloat16 and float16 disables the region with
PyTorch's warning.  ``get_autocast_dtype("cpu")`` is ``numtorch.bfloat16`` where numtorch
defines that name, else None (standing for bfloat16).

The state is per thread, as in PyTorch: one enabled flag and one dtype per device type, the
weight-cache flag and a nesting depth.

Example:
    >>> import numtorch
    >>> with autocast("cpu", dtype=numtorch.float16, enabled=False):
    ...     numtorch.is_autocast_enabled("cpu")
    False
    >>> numtorch.get_autocast_dtype("cuda")
    torch.float16
"""

from __future__ import annotations

import functools
import threading
import warnings
from typing import Any

from numtorch import _dtype
from numtorch._tensor import Tensor

__all__ = ["autocast", "autocast_decorator", "is_autocast_available", "custom_fwd", "custom_bwd",
           "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
           "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
           "autocast_increment_nesting", "autocast_decrement_nesting", "clear_autocast_cache",
           "is_autocast_cpu_enabled"]

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")
"""The device types PyTorch's device strings may start with, in the order its error lists them."""

# The device types autocast serves, with the dtype each uses when none is given ("bf16" is
# bfloat16, which numtorch does not have; see _bf16).
_DEFAULT_DTYPE = {"cpu": "bf16", "cuda": "float16", "mps": "float16", "xpu": "float16",
                  "hpu": "bf16", "xla": "bf16", "mtia": "float16", "maia": "bf16",
                  "ipu": "float16", "privateuseone": "float16"}


def _bf16():
    """``numtorch.bfloat16`` if numtorch defines it, else None (which stands for bfloat16)."""
    return getattr(_dtype, "bfloat16", None)


def _type_repr(obj) -> str:
    """``str(type(obj))`` as PyTorch's messages show it: numtorch's classes under torch's names."""
    t = type(obj)
    if t.__module__.startswith("numtorch"):
        return f"<class 'torch.{t.__qualname__}'>"
    return str(t)


def _dtype_of(name: str):
    return _bf16() if name == "bf16" else getattr(_dtype, name)


def _device_type(device_type: str, fn: str | None = None) -> str:
    """The device type a device string names (``"cuda:0"`` -> ``"cuda"``), PyTorch's errors."""
    if not isinstance(device_type, str):
        raise TypeError(f"{fn}(): argument 'device_type' (position 1) must be str, not "
                        f"{type(device_type).__name__}")
    name = device_type.partition(":")[0]
    if name not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of "
                           f"device string: {device_type}")
    return name


class _State(threading.local):
    """Autocast's per-thread state (NOTE at the top of the file)."""

    def __init__(self) -> None:
        self.enabled: dict[str, bool] = {}
        self.dtype: dict[str, Any] = {}
        self.cache_enabled = True
        self.nesting = 0


_state = _State()
_warned = [False]  # NOTE [ autocast keeps float32 ]: warn once per process


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` accepts ``device_type`` (the device types PyTorch serves)."""
    return _device_type(device_type, "_is_autocast_available") in _DEFAULT_DTYPE


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an enabled autocast region for ``device_type`` is active (no argument: CUDA's)."""
    d = "cuda" if device_type is None else _device_type(device_type, "is_autocast_enabled")
    return _state.enabled.get(d, False)


def is_autocast_cpu_enabled() -> bool:
    """``is_autocast_enabled("cpu")``, under PyTorch's older name (deprecated there too)."""
    warnings.warn("torch.is_autocast_cpu_enabled() is deprecated. Please use "
                  "torch.is_autocast_enabled('cpu') instead.", DeprecationWarning, stacklevel=2)
    return is_autocast_enabled("cpu")


def set_autocast_enabled(device_type: str, enabled: bool) -> None:
    """Turn autocast's flag for ``device_type`` on or off (``autocast`` does this for you)."""
    d = _device_type(device_type, "set_autocast_enabled")
    if not isinstance(enabled, bool):
        raise TypeError("set_autocast_enabled(): argument 'enabled' (position 2) must be bool, "
                        f"not {type(enabled).__name__}")
    _state.enabled[d] = enabled


def get_autocast_dtype(device_type: str):
    """The dtype an autocast region on ``device_type`` uses (the device's default until set)."""
    d = _device_type(device_type, "get_autocast_dtype")
    if d in _state.dtype:
        return _state.dtype[d]
    if d not in _DEFAULT_DTYPE:
        raise RuntimeError("unsupported scalarType")
    return _dtype_of(_DEFAULT_DTYPE[d])


def set_autocast_dtype(device_type: str, dtype) -> None:
    """Set the dtype autocast regions on ``device_type`` use (``autocast`` does this for you)."""
    _state.dtype[_device_type(device_type, "set_autocast_dtype")] = dtype


def is_autocast_cache_enabled() -> bool:
    """Whether autocast's weight cache is on (numtorch caches nothing; the flag is kept)."""
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    _state.cache_enabled = bool(enabled)


def autocast_increment_nesting() -> int:
    """One more autocast region entered; returns the new depth."""
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting() -> int:
    """One autocast region left; returns the new depth."""
    _state.nesting -= 1
    return _state.nesting


def clear_autocast_cache() -> None:
    """Nothing is cached, so nothing to clear."""


def autocast_decorator(autocast_instance: autocast, func):
    """``func`` run inside ``autocast_instance`` at every call."""
    @functools.wraps(func)
    def decorate_autocast(*args, **kwargs):
        with autocast_instance:
            return func(*args, **kwargs)

    return decorate_autocast


class autocast:
    """A region (context manager or decorator) where PyTorch would run ops in lower precision.

    numtorch keeps the state PyTorch keeps and computes in the tensors' own dtypes, see
    NOTE [ autocast keeps float32 ]: an enabled ``"cpu"`` region with bfloat16 or float16
    computes in float32 and warns once; a ``"cuda"`` region is disabled with PyTorch's warning
    (there is no CUDA device); another dtype disables the region with PyTorch's warning.

    Args:
        device_type: ``"cpu"``, ``"cuda"``, ... (a string, as ``tensor.device.type``).
        dtype: the dtype PyTorch would compute in; None takes ``get_autocast_dtype(device_type)``
            (bfloat16 on the CPU, float16 on CUDA).
        enabled: False makes the region one where autocast is off (useful nested).
        cache_enabled: PyTorch's weight-cache flag; None keeps the current one.

    Example:
        >>> import numtorch
        >>> @autocast("cpu", enabled=False)
        ... def f(x):
        ...     return x * 2
        >>> f(numtorch.ones(2)).dtype
        torch.float32
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError("Expected `device_type` of type `str`, got: "
                             f"`{_type_repr(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        d = _device_type(device_type)
        if d not in _DEFAULT_DTYPE:
            raise RuntimeError("User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self.custom_backend_name = "privateuseone"
        self._cache_enabled = (is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        if enabled:
            if d == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              stacklevel=2)
                enabled = False
            elif not _supported(self.fast_dtype):
                name = d if d == self.custom_backend_name else d.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. "
                              f"Disabling autocast.\n{name} Autocast only supports dtypes of "
                              "torch.bfloat16, torch.float16 currently.", stacklevel=2)
                enabled = False
            elif not _warned[0]:
                _warned[0] = True
                warnings.warn(f"numtorch computes in float32 inside autocast: {device_type} "
                              f"autocast to {_dtype_name(self.fast_dtype)} is accepted, but no op "
                              "is cast to lower precision.", stacklevel=2)
        self._enabled = enabled

    def __enter__(self) -> autocast:
        d = _device_type(self.device)
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(d)
        self.prev_fastdtype = get_autocast_dtype(d)
        _state.enabled[d] = self._enabled
        _state.dtype[d] = self.fast_dtype
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        d = _device_type(self.device)
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        _state.enabled[d] = self.prev
        _state.dtype[d] = self.prev_fastdtype
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                "Did you mean to use autocast as a context manager? For example:\n"
                "    with torch.autocast(device_type=...):\n"
                "        output = model(input)")
        return autocast_decorator(self, func)


def _supported(dt) -> bool:
    """bfloat16 or float16: the dtypes PyTorch's autocast accepts (None stands for bfloat16)."""
    return dt is None or dt is _dtype.float16 or getattr(dt, "name", None) == "bfloat16"


def _dtype_name(dt) -> str:
    return "torch.bfloat16" if dt is None else str(dt)


def _cast(value, device_type: str, dtype):
    """Floating tensors (but float64) in ``value``, nested containers too, cast to ``dtype``."""
    if isinstance(value, Tensor):
        ok = value.is_floating_point() and value.dtype is not _dtype.float64
        return value.to(dtype) if ok and dtype is not None else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorate a custom ``Function.forward`` to run under the surrounding autocast state.

    With ``cast_inputs`` and an enabled region, floating tensor arguments are cast to
    ``cast_inputs`` and ``forward`` runs with autocast off.  The state is recorded on ``ctx``
    for ``custom_bwd``.
    """
    if not isinstance(device_type, str):
        raise ValueError("Expected `device_type` of type `str`, got: "
                         f"`{_type_repr(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        on = is_autocast_enabled(device_type)
        args[0]._fwd_used_autocast = False
        if not on:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs),
                       **_cast(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorate a custom ``Function.backward`` to run under the autocast state of its forward."""
    if not isinstance(device_type, str):
        raise ValueError("Expected `device_type` of type `str`, got: "
                         f"`{_type_repr(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast,
                      dtype=args[0]._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd
