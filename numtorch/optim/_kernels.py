"""In-place array arithmetic with PyTorch's CPU rounding, for the optimizers' update rules.

Every optimizer step is a short sequence of elementwise updates such as
``param.add_(grad, alpha=-lr)`` or ``exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)``.
The functions here perform those updates on raw NumPy arrays, writing into ``out`` (usually the
first operand, so that the update happens in the existing array), and round the way PyTorch's
CPU kernels do, so that long optimisation runs follow PyTorch's trajectory instead of drifting
away from it one rounding at a time.

NOTE [ fused multiply-add ]
    PyTorch's vectorised CPU kernels compute ``add(x, y, alpha)``, ``addcmul``, and ``lerp``
    with one fused multiply-add: the product is not rounded before the sum, only the result
    is.  NumPy has no fused multiply-add, and ``x + alpha * y`` in float32 rounds twice, which
    differs from PyTorch in the last bit for about one element in ten.  For float32 (and
    float16) data we therefore form the product and the sum in float64, where the product of
    two float32 numbers is exact, and round once to the data's dtype.  (Rounding first to
    float64 and then to float32 can differ from a true single rounding, but only in rare
    ties, far below anything a test of trajectories can see.)  Float64 data uses the plain
    two-step form.  Python scalars are rounded to the data's compute type first
    (float32 for float32 and float16 data), as PyTorch does.

NOTE [ float64 scratch ]
    The float64 detour costs four passes over the data (widen, multiply, add, round) where
    NumPy's two-rounding form costs two; no NumPy routine fuses them, and narrowing the float64
    work to the elements whose result would differ (about one in fifty for a typical learning
    rate) needs more float32 passes to find them than it saves.  What can be saved is memory: for
    large arrays a float64 temporary of the whole array (twice the parameter's size) falls out
    of the caches and costs page faults on every step.  Arrays of ``_LARGE`` elements or more
    are therefore widened into one float64 scratch array per thread, reused by every call, in
    slices of ``_CHUNK`` elements that stay in cache; smaller arrays, and operands that are not
    contiguous or of one shape, use a temporary, which needs fewer NumPy calls.

Example:
    >>> import numpy as np
    >>> p = np.ones(3, np.float32); g = np.full(3, 0.5, np.float32)
    >>> _ = add_(p, g, -0.1)       # p -= 0.1 * g, rounded once
    >>> p
    array([0.95, 0.95, 0.95], dtype=float32)
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["scalar", "add_", "mul_", "addcmul_", "addcdiv_", "lerp_", "add", "neg", "sqrt", "new"]

_F64 = np.float64      # compared with ``arr.dtype.type`` (cheaper than comparing dtypes)


def scalar(value: float, arr: np.ndarray):
    """``value`` as the NumPy scalar of ``arr``'s compute type (float64, else float32)."""
    return np.float64(value) if arr.dtype.type is _F64 else np.float32(value)


_CHUNK = 1 << 16      # elements of float64 scratch per pass (512 KiB); see NOTE [ float64 scratch ]
_LARGE = 1 << 17      # below this many elements, a float64 temporary is as cheap
_scratch = threading.local()


def _fma(out: np.ndarray, x: np.ndarray, y: np.ndarray, z) -> None:
    """``out = x + y * z`` rounded once to ``out``'s dtype: the product and the sum are formed in
    float64, where the product of two float32 numbers is exact.  ``z`` is a float64 scalar or an
    array; see NOTE [ fused multiply-add ] and NOTE [ float64 scratch ]."""
    if out.size < _LARGE or not _chunkable(out, x, y, z):
        w = np.multiply(y, z, dtype=np.float64)
        w += x
        np.copyto(out, w, casting="unsafe")
        return
    buf = getattr(_scratch, "buf", None)
    if buf is None:
        buf = _scratch.buf = np.empty(_CHUNK, np.float64)
    flat_out, flat_x, flat_y = out.reshape(-1), x.reshape(-1), y.reshape(-1)
    flat_z = z.reshape(-1) if np.ndim(z) else None
    for start in range(0, out.size, _CHUNK):
        stop = min(start + _CHUNK, out.size)
        w = buf[:stop - start]
        np.copyto(w, flat_y[start:stop])
        np.multiply(w, z if flat_z is None else flat_z[start:stop], out=w)
        np.add(w, flat_x[start:stop], out=w)
        np.copyto(flat_out[start:stop], w, casting="unsafe")


def _chunkable(out: np.ndarray, *operands) -> bool:
    """Whether every array operand has ``out``'s shape and is C-contiguous (so flat slices line up)."""
    return all(np.ndim(a) == 0 and not isinstance(a, np.ndarray) or
               (a.shape == out.shape and a.flags.c_contiguous) for a in (out, *operands))


def add_(x: np.ndarray, y: np.ndarray, alpha: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    """``out = x + alpha * y`` rounded once, like ``x.add_(y, alpha=alpha)``; ``out`` defaults to ``x``."""
    out = x if out is None else out
    if alpha == 1:
        return np.add(x, y, out=out)
    if alpha == -1:
        return np.subtract(x, y, out=out)
    a = scalar(alpha, x)
    if x.dtype.type is _F64:
        t = np.multiply(y, a)
        return np.add(x, t, out=out)
    _fma(out, x, y, np.float64(a))
    return out


def add(x: np.ndarray, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """A new array ``x + alpha * y`` (``x.add(y, alpha=alpha)``)."""
    return add_(x, y, alpha, out=np.empty_like(x))


def neg(x: np.ndarray) -> np.ndarray:
    """A new array ``-x``."""
    return np.negative(x, out=np.empty_like(x))


def sqrt(x: np.ndarray) -> np.ndarray:
    """A new array ``sqrt(x)``."""
    return np.sqrt(x, out=np.empty_like(x))


def new(ufunc, *args) -> np.ndarray:
    """``ufunc(*args)`` into a new array shaped like the first argument (an array even when 0-d,
    where NumPy would return a scalar), so later steps can update it in place."""
    return ufunc(*args, out=np.empty_like(args[0]))


def mul_(x: np.ndarray, value, out: np.ndarray | None = None) -> np.ndarray:
    """``out = x * value`` for a Python scalar ``value`` (``x.mul_(value)``)."""
    out = x if out is None else out
    return np.multiply(x, scalar(value, x), out=out)


def addcmul_(x: np.ndarray, y: np.ndarray, z: np.ndarray, value: float = 1.0,
             out: np.ndarray | None = None) -> np.ndarray:
    """``out = x + (value * y) * z`` with one rounding after the product, like ``x.addcmul_``."""
    out = x if out is None else out
    v = scalar(value, x)
    if x.dtype.type is _F64:
        t = np.multiply(y, v, out=np.empty_like(y)) if value != 1 else y.copy()
        t *= z
        return np.add(x, t, out=out)
    _fma(out, x, np.multiply(y, v) if value != 1 else y, z)
    return out


def addcdiv_(x: np.ndarray, y: np.ndarray, z: np.ndarray, value: float = 1.0,
             out: np.ndarray | None = None) -> np.ndarray:
    """``out = x + (value * y) / z``, like ``x.addcdiv_(y, z, value=value)``."""
    out = x if out is None else out
    t = np.multiply(y, scalar(value, x), out=np.empty_like(y)) if value != 1 else y.copy()
    np.divide(t, z, out=t)
    return np.add(x, t, out=out)


def lerp_(x: np.ndarray, y: np.ndarray, weight: float, out: np.ndarray | None = None) -> np.ndarray:
    """``out = x + weight * (y - x)``, like ``x.lerp_(y, weight)``.

    PyTorch keeps precision near both ends: for ``|weight| < 0.5`` it computes
    ``x + weight * (y - x)``, otherwise ``y + (weight - 1) * (y - x)``, each as one
    fused multiply-add (see NOTE [ fused multiply-add ]).
    """
    out = x if out is None else out
    w = scalar(weight, x)
    diff = np.subtract(y, x)
    small = abs(w) < 0.5
    coeff = w if small else w - w.dtype.type(1)
    base = x if small else y
    if x.dtype.type is _F64:
        diff *= coeff
        return np.add(base, diff, out=out)
    _fma(out, base, diff, np.float64(coeff))
    return out
