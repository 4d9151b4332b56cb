"""Comparisons and logic: results are bool (or index) tensors, outside the graph."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dtype import type_word
from .._size import broadcast_alloc_error
from .._tensor import Tensor, _wrap
from ._core import promote, to_tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "isclose", "allclose", "equal", "isnan", "isinf",
           "isfinite", "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and",
           "bitwise_or", "bitwise_xor", "bitwise_not", "isposinf", "isneginf", "signbit"]


def _bcast(fn, ad, bd, **kw) -> np.ndarray:
    """``fn(ad, bd)`` as an array; a broadcast result too large to allocate raises PyTorch's
    RuntimeError for the result's shape and dtype (NOTE [ allocation failures ] in
    ``numtorch._size``), whatever NumPy failed on (the result or an intermediate)."""
    try:
        return np.asarray(fn(ad, bd, **kw))
    except (MemoryError, ValueError) as e:
        size = 1 if fn in _TO_BOOL else np.result_type(ad, bd).itemsize
        raise broadcast_alloc_error(e, (np.shape(ad), np.shape(bd)), size,
                                    fn in _LOGICAL) from None


_LOGICAL = {np.logical_and, np.logical_or, np.logical_xor}
_TO_BOOL = {np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
            np.isclose, *_LOGICAL}


def _cmp(fn):
    def op(input, other, *, out=None) -> Tensor:
        a, b, _ = promote(input, other)
        return _wrap(_bcast(fn, a._data, b._data))
    return op


eq = _cmp(np.equal)
ne = _cmp(np.not_equal)
lt = _cmp(np.less)
le = _cmp(np.less_equal)
gt = _cmp(np.greater)
ge = _cmp(np.greater_equal)


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (a bool tensor).

    Non-finite values are close only when equal; NaNs count as equal when ``equal_nan``.
    Not differentiable.
    """
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    return _wrap(_bcast(np.isclose, input._data, other._data, rtol=rtol, atol=atol,
                        equal_nan=equal_nan))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether ``isclose(input, other, rtol, atol, equal_nan)`` holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    """True when ``input`` and ``other`` have the same shape and the same elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def isnan(input) -> Tensor:
    """Elementwise ``x != x``: where ``input`` is NaN (always False for integer and bool)."""
    return _wrap(np.asarray(np.isnan(input._data)) if input._data.dtype.kind == "f"
                 else np.zeros(input._data.shape, bool))


def isinf(input) -> Tensor:
    """Where ``input`` is +inf or -inf (always False for integer and bool)."""
    return _wrap(np.asarray(np.isinf(input._data)) if input._data.dtype.kind == "f"
                 else np.zeros(input._data.shape, bool))


def isposinf(input) -> Tensor:
    """Where ``input`` is +inf."""
    return _wrap(np.asarray(np.isposinf(input._data)))


def isneginf(input) -> Tensor:
    """Where ``input`` is -inf."""
    return _wrap(np.asarray(np.isneginf(input._data)))


def isfinite(input) -> Tensor:
    """Where ``input`` is neither inf nor NaN."""
    return _wrap(np.asarray(np.isfinite(input._data)))


def signbit(input) -> Tensor:
    """Where the sign bit of ``input`` is set (True for -0.0 and negative NaNs)."""
    return _wrap(np.asarray(np.signbit(input._data)))


def _logical(fn):
    def op(input, other, *, out=None) -> Tensor:
        b = other._data if isinstance(other, Tensor) else other
        return _wrap(_bcast(fn, input._data, b))
    return op


logical_and = _logical(np.logical_and)
logical_or = _logical(np.logical_or)
logical_xor = _logical(np.logical_xor)


def logical_not(input, *, out=None) -> Tensor:
    """Elementwise ``not x`` (nonzero is True), as a bool tensor."""
    return _wrap(np.asarray(np.logical_not(input._data)))


def _bitwise(fn, sym):
    def op(input, other, *, out=None) -> Tensor:
        a, b, dt = promote(input, other)
        if dt.is_floating_point:
            raise NotImplementedError(f'"{fn.__name__}_cpu" not implemented for '
                                      f'\'{type_word(dt)}\'')
        return _wrap(_bcast(fn, a._data, b._data))
    return op


def _named(ufunc, name):
    f = lambda a, b: ufunc(a, b)  # noqa: E731
    f.__name__ = name
    return f


bitwise_and = _bitwise(_named(np.bitwise_and, "bitwise_and"), "&")
bitwise_or = _bitwise(_named(np.bitwise_or, "bitwise_or"), "|")
bitwise_xor = _bitwise(_named(np.bitwise_xor, "bitwise_xor"), "^")


def bitwise_not(input, *, out=None) -> Tensor:
    """Elementwise ``~x`` for integer and bool tensors (``not x`` for bool).

    Floating inputs raise NotImplementedError, as PyTorch does.
    """
    if input._data.dtype.kind == "f":
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{type_word(input)}\'')
    return _wrap(np.asarray(np.invert(input._data)))


del _dtype, to_tensor
