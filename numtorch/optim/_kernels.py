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
    differs from PyTorch in the last bit for about one element in ten.  Float32 (and float16)
    data therefore go through ``numtorch.random.numerics.fma32``, the exactly rounded float32
    fused multiply-add that the random recipes use too (float16 data compute in float32 and
    round the result, as PyTorch's Half kernels do; ``add``'s alpha is first rounded to a
    Half there).  Float64 data use the plain two-step form.  Python scalars are otherwise
    rounded to the data's compute type first (float32 for float32 and float16 data), as
    PyTorch does.

    SGD and the Adam family run each stage of their update over all the parameters at
    once (``add_lists_``, ``lerp_lists_``, ``addcmul_lists_``): the C-contiguous float32
    arrays share one pass through ``numerics.fma32_lists`` (one float64 multiply, add and
    midpoint test for a weight and its bias together), and the others go one by one
    through the single-array functions.  Each element is rounded exactly as before.

    What the exact fused multiply-add costs, and what was tried (float32 data, one thread):
    the float64 route takes seven passes over the data (widen two operands, multiply,
    add, narrow, and the shift and ``argmin`` of the midpoint test), about 1.1 ns an
    element against 0.2 ns for the plain two-step ``x + alpha * y``.  An error-free
    transformation in float32 (Dekker's product with Veltkamp's split, then TwoSum) needs
    about twenty passes; NumPy's mixed float32/float64 loops cost as much as the widening
    they would save; testing the low words of the float64 sums (strided) costs three
    times the shift and ``argmin``; running the whole SGD update chunk by chunk (to stay
    in cache) gained nothing measurable; batching the parameters saves NumPy's per-call
    cost (a few microseconds a parameter: 1.6x for SGD on 40 small tensors).  A power-of-two
    multiplier (learning rate 0.5, 2**-7, a Nesterov momentum of 0.5) skips the midpoint
    test, a fifth of the cost (NOTE [ power-of-two multiplier ] in
    numtorch/random/numerics.py).

Example:
    >>> import numpy as np
    >>> p = np.ones(3, np.float32); g = np.full(3, 0.5, np.float32)
    >>> _ = add_(p, g, -0.1)       # p -= 0.1 * g, rounded once
    >>> p
    array([0.95, 0.95, 0.95], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ..random.numerics import fma32, fma32_lists

__all__ = ["scalar", "add_", "mul_", "addcmul_", "addcdiv_", "lerp_", "add", "neg", "sqrt", "new",
           "add_lists_", "add_lists", "lerp_lists_", "addcmul_lists_"]

_F64 = np.float64      # compared with ``arr.dtype.type`` (cheaper than comparing dtypes)


def scalar(value: float, arr: np.ndarray):
    """``value`` as the NumPy scalar of ``arr``'s compute type (float64, else float32)."""
    return np.float64(value) if arr.dtype.type is _F64 else np.float32(value)


def add_(x: np.ndarray, y: np.ndarray, alpha: float = 1.0,
         out: np.ndarray | None = None) -> np.ndarray:
    """``out = x + alpha * y`` rounded once, like ``x.add_(y, alpha=alpha)``; ``out`` defaults
    to ``x``."""
    out = x if out is None else out
    if alpha == 1:
        return np.add(x, y, out=out)
    if alpha == -1:
        return np.subtract(x, y, out=out)
    a = scalar(alpha, x)
    if x.dtype.type is _F64:
        t = np.multiply(y, a)
        return np.add(x, t, out=out)
    if x.dtype.type is np.float16:  # PyTorch's Half kernel takes alpha as a Half
        a = np.float32(np.float16(alpha))
    fma32(y, a, x, out=out)
    return out


def add(x: np.ndarray, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """A new array ``x + alpha * y`` (``x.add(y, alpha=alpha)``)."""
    return add_(x, y, alpha, out=np.empty_like(x))


def _batchable(*arrays: np.ndarray) -> bool:
    """Whether ``fma32_lists`` can take these arrays: C-contiguous float32, one size."""
    n = arrays[0].size
    for a in arrays:
        if a.dtype.type is not np.float32 or not a.flags.c_contiguous or a.size != n:
            return False
    return True


def add_lists_(outs: list[np.ndarray], xs: list[np.ndarray], ys: list[np.ndarray],
               alpha: float = 1.0) -> list[np.ndarray]:
    """``outs[i] = xs[i] + alpha * ys[i]`` for each ``i``, each like :func:`add_`.

    The float32 pairs share one pass through ``fma32_lists`` (one multiply, add and midpoint
    test for all of them); ``outs[i]`` may be ``xs[i]`` but must not share memory with any
    ``ys[j]``.  Returns ``outs``.
    """
    if alpha == 1 or alpha == -1:
        for out, x, y in zip(outs, xs, ys):
            add_(x, y, alpha, out=out)
        return outs
    fast, slow = _split_fast(outs, xs, ys)
    if fast:
        fma32_lists([outs[i] for i in fast], [ys[i] for i in fast], alpha,
                    [xs[i] for i in fast])
    for i in slow:
        add_(xs[i], ys[i], alpha, out=outs[i])
    return outs


def _split_fast(*lists: list[np.ndarray]) -> tuple[list[int], list[int]]:
    """The positions ``i`` whose arrays ``lists[k][i]`` suit ``fma32_lists``, and the rest."""
    fast, slow = [], []
    for i, arrays in enumerate(zip(*lists)):
        (fast if _batchable(*arrays) else slow).append(i)
    return fast, slow


def lerp_lists_(xs: list[np.ndarray], ys: list[np.ndarray], weight: float) -> None:
    """``xs[i].lerp_(ys[i], weight)`` for each ``i`` (see :func:`lerp_`), the float32 ones
    in one pass through ``fma32_lists``."""
    fast, slow = _split_fast(xs, ys)
    for i in slow:
        lerp_(xs[i], ys[i], weight)
    if not fast:
        return
    w = np.float32(weight)
    small = abs(w) < 0.5
    outs = [xs[i] for i in fast]
    diffs = [np.subtract(ys[i], xs[i]) for i in fast]
    fma32_lists(outs, diffs, w if small else w - np.float32(1),
                outs if small else [ys[i] for i in fast])


def addcmul_lists_(xs: list[np.ndarray], ys: list[np.ndarray], zs: list[np.ndarray],
                   value: float = 1.0) -> None:
    """``xs[i].addcmul_(ys[i], zs[i], value=value)`` for each ``i`` (see :func:`addcmul_`),
    the float32 ones in one pass through ``fma32_lists``; no ``xs[i]`` may share memory with
    a ``zs[j]``."""
    fast, slow = _split_fast(xs, ys, zs)
    for i in slow:
        addcmul_(xs[i], ys[i], zs[i], value)
    if not fast:
        return
    v = np.float32(value)
    outs = [xs[i] for i in fast]
    fma32_lists(outs, [np.multiply(ys[i], v) if value != 1 else ys[i] for i in fast],
                [zs[i] for i in fast], outs)


def add_lists(xs: list[np.ndarray], ys: list[np.ndarray], alpha: float = 1.0) -> list[np.ndarray]:
    """New arrays ``xs[i] + alpha * ys[i]`` (:func:`add_lists_` into fresh outputs)."""
    return add_lists_([np.empty_like(x) for x in xs], xs, ys, alpha)


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
    fma32(np.multiply(y, v) if value != 1 else y, z, x, out=out)
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
    fused multiply-add (see NOTE [ fused multiply-add ]); float16 data are computed in
    float32, ``y - x`` included.
    """
    out = x if out is None else out
    w = scalar(weight, x)
    diff = np.subtract(y, x, dtype=np.float32 if x.dtype.type is np.float16 else None)
    small = abs(w) < 0.5
    coeff = w if small else w - w.dtype.type(1)
    base = x if small else y
    if x.dtype.type is _F64:
        diff *= coeff
        return np.add(base, diff, out=out)
    fma32(diff, coeff, base, out=out)
    return out
