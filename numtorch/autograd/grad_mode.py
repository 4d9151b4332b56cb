"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

One flag, read by every op before it records a graph node.  Each manager works
as a ``with`` block and as a decorator, as in PyTorch.

NOTE [ grad mode is per thread ]: as in PyTorch, grad mode and inference mode belong to
the thread that sets them.  ``no_grad()`` in an evaluation thread leaves a training thread
recording its graph, and every new thread starts with grad mode on and inference mode off,
whatever the thread that started it was doing.  The flags live on a ``threading.local``
object; ops read ``_state.enabled`` (one attribute lookup, set per thread in ``__init__``),
which is grad mode and not inference mode.
"""

from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _ThreadState(threading.local):
    """This thread's grad mode, inference mode, and whether ops record (``enabled``)."""

    def __init__(self):
        self.grad = True  # grad mode, as is_grad_enabled() reports it
        self.inference = False  # inference mode: nothing records, whatever grad mode says
        self.enabled = True  # what ops read: grad and not inference


_state = _ThreadState()


def _set(grad: bool, inference: bool) -> None:
    _state.grad = grad
    _state.inference = inference
    _state.enabled = grad and not inference


def is_grad_enabled() -> bool:
    """True when grad mode is on (ops record the graph for backward, unless in inference mode)."""
    return _state.grad


class _GradMode:
    """Base: a context manager and decorator that sets grad mode and restores it."""

    _mode = True

    def __enter__(self):
        self._prev = (_state.grad, _state.inference)
        _set(self._mode, _state.inference)

    def __exit__(self, *exc):
        _set(*self._prev)
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
    """Turn grad mode back on inside a ``no_grad`` region (not inside ``inference_mode``)."""

    _mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode``; takes effect at once, like PyTorch's, and as a context manager."""

    def __init__(self, mode: bool):
        self._prev = (_state.grad, _state.inference)
        self._mode = bool(mode)
        _set(self._mode, _state.inference)

    def __enter__(self):
        _set(self._mode, _state.inference)


class inference_mode(_GradMode):
    """``inference_mode(mode=True)``: no graph is recorded, as under ``no_grad``, even inside
    ``enable_grad``; ``inference_mode(False)`` turns grad mode on, as in PyTorch."""

    def __init__(self, mode: bool = True):
        self._mode = not mode
        self._inf = bool(mode)

    def __enter__(self):
        self._prev = (_state.grad, _state.inference)
        _set(self._mode, self._inf)

    def __call__(self, fn=None):
        if isinstance(fn, bool) or fn is None:  # @inference_mode(False)
            return inference_mode(fn if fn is not None else True)
        return super().__call__(fn)


def is_inference_mode_enabled() -> bool:
    return _state.inference
