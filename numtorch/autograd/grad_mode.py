"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

One flag, read by every op before it records a graph node.  Each manager works
as a ``with`` block and as a decorator, as in PyTorch.
"""

from __future__ import annotations

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

_state = [True]  # _state[0]: is grad mode on.  A list so ops read it without a global lookup chain.
_inference = [False]  # inside inference_mode, enable_grad cannot turn recording back on


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return _state[0]


class _GradMode:
    """Base: a context manager and decorator that sets the flag and restores it."""

    _mode = True

    def __enter__(self):
        self._prev = _state[0]
        _state[0] = self._mode

    def __exit__(self, *exc):
        _state[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        new = object.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        return new


class _NoParam(_GradMode):
    """Lets ``@no_grad`` be used without parentheses, as PyTorch allows."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        pass


class no_grad(_NoParam):
    """Turn graph recording off: ``with numtorch.no_grad(): ...`` or ``@numtorch.no_grad()``."""

    _mode = False


class enable_grad(_NoParam):
    """Turn graph recording on inside a ``no_grad`` region."""

    _mode = True

    def __enter__(self):
        self._prev = _state[0]
        _state[0] = not _inference[0]


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode``; takes effect at once, like PyTorch's, and as a context manager."""

    def __init__(self, mode: bool):
        self._prev = _state[0]
        self._mode = bool(mode)
        _state[0] = self._mode

    def __enter__(self):
        _state[0] = self._mode


class inference_mode(_GradMode):
    """``inference_mode(mode=True)``: on the CPU with NumPy, the same as ``no_grad``."""

    def __init__(self, mode: bool = True):
        self._mode = not mode
        self._inf = bool(mode)

    def __enter__(self):
        self._prev = _state[0]
        self._prev_inf = _inference[0]
        _state[0] = self._mode
        _inference[0] = self._inf

    def __exit__(self, *exc):
        _state[0] = self._prev
        _inference[0] = self._prev_inf
        return False

    def __call__(self, fn=None):
        if isinstance(fn, bool) or fn is None:  # @inference_mode(False)
            return inference_mode(fn if fn is not None else True)
        return super().__call__(fn)


def is_inference_mode_enabled() -> bool:
    return _inference[0]
