"""Quiet floating point: kernels compute inf and nan as PyTorch does, without NumPy's warnings.

PyTorch never warns about overflow, invalid values or division by zero in float arithmetic
(``inf @ x`` is nan, ``log_softmax`` of inf is nan, the mean of an empty batch is nan, all
silently), while NumPy emits a ``RuntimeWarning`` for each.  ``quiet`` wraps a kernel so that
NumPy's floating-point error state is "ignore" while it runs and is restored afterwards; the
user's own NumPy code keeps its settings.  The backward pass is quiet as a whole (the engine
calls ``quiet_call`` once per pass), so gradient rules need no wrapper.

NOTE [ cost of quiet kernels ]
``np.errstate`` costs about 3 us per use, too much for the training hot path.  Where NumPy
keeps its error state in a context variable (NumPy >= 2), ``quiet`` sets that variable directly
(about 0.3 us); older NumPy falls back to ``np.errstate``.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["quiet", "quiet_call"]

try:
    from numpy._core._ufunc_config import _extobj_contextvar as _state
    with np.errstate(all="ignore"):
        _IGNORE = _state.get()
    _set, _reset = _state.set, _state.reset
except (ImportError, AttributeError):  # pragma: no cover - NumPy < 2
    _set = None


if _set is not None:
    def quiet_call(fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` with NumPy's floating-point warnings off."""
        tok = _set(_IGNORE)
        try:
            return fn(*args, **kwargs)
        finally:
            _reset(tok)
else:  # pragma: no cover - NumPy < 2
    def quiet_call(fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` with NumPy's floating-point warnings off."""
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)


def quiet(fn):
    """Decorator: ``fn`` runs with NumPy's floating-point warnings off (see the module docstring).

    Example:
        >>> import numpy as np, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("error")
        ...     quiet(np.divide)(np.ones(1), 0.0)
        array([inf])
    """
    if _set is None:  # pragma: no cover - NumPy < 2
        @functools.wraps(fn)
        def slow(*args, **kwargs):
            with np.errstate(all="ignore"):
                return fn(*args, **kwargs)
        return slow

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        tok = _set(_IGNORE)
        try:
            return fn(*args, **kwargs)
        finally:
            _reset(tok)
    return wrapper
