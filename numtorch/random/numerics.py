"""Fused multiply-add rounded exactly as PyTorch's compiled CPU kernels round it.

PyTorch's kernels are compiled with contraction on, so ``x * scale + shift`` (a uniform
sample scaled to a range, a normal sample times ``std`` plus ``mean``, an optimizer's
``param + alpha * grad``) is one ``fma`` with a single rounding.  NumPy has no fused
multiply-add and rounds twice, which differs in the last bit for about one element in
ten.  ``fma32`` and ``fma64`` give the single-rounded result, vectorised; the random
recipes (``numtorch.random.recipes``) and the optimizers' update rules
(``numtorch.optim._kernels``) both use them.

NOTE [ float32 fma through float64 ]
    The product ``a * b`` of two float32 numbers has at most 48 significant bits, so it
    is exact in float64, and ``t = fl64(a*b + c)`` is the exact sum rounded once to 53
    bits.  Rounding ``t`` to float32 gives the single-rounded result, except where the
    first rounding was inexact and landed ``t`` exactly halfway between two float32
    numbers: then the second rounding breaks a tie that the exact value did not have.
    Example: ``a*b = 2**-24 * (1 + d)`` with ``0 < d < 2**-29`` and ``c = 1``; the exact
    sum is just above the midpoint ``1 + 2**-24`` and rounds up, but ``t`` *is* the
    midpoint and rounds to even, down to 1.  It needs the product's bits to continue a
    run of 28 zeros past float64's precision, so it is rare (about 2**-28 of random
    inputs) but real, and it matters for long optimisation runs.

    Such a ``t`` has low 29 mantissa bits ``1 000...0``; shifted left by 35 as an int64
    it is exactly ``INT64_MIN``, so one shift and one ``min`` find whether any element is
    affected.  Only those elements are redone: TwoSum gives the first rounding's error,
    and ``t`` moved one float64 ulp towards it (*round-to-odd*) then rounds to float32
    correctly (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved
    algorithms using rounding to odd", IEEE TC 2008: round-to-odd with at least two
    spare bits makes the second rounding innocuous; here there are 29).

NOTE [ float64 scratch ]
    NumPy's mixed-dtype loops (a float32 array times a float64 number, a float64 array
    plus a float32 one) cast through small buffers and cost about twice a plain loop, and
    a float64 temporary twice the size of the data costs allocation and cache misses on
    every call.  So ``fma32`` on same-shaped C-contiguous operands widens them into two
    float64 scratch arrays kept per thread and reused by every call, computes in float64
    alone, rounds into ``out``, and then shifts the spent sum in place for the midpoint
    test: seven passes, each a plain loop over data already in cache; large arrays go
    through in slices of ``_CHUNK`` elements.  Small arrays, broadcasting and strided
    operands take temporaries (fewer NumPy calls).

    Results in float32's subnormal range (below 2**-126, where float32 has fewer than
    24 bits) are rounded through float64 without the midpoint test.

    ``fma32_lists`` stages many small arrays side by side in the same scratch, so that an
    optimizer's parameters (a weight, its bias, ...) share one multiply, one add and one
    midpoint test instead of paying NumPy's per-call cost for each.

NOTE [ power-of-two multiplier ]
    When the number ``b`` of ``a * b + c`` is a power of two, the midpoint test is
    skipped: no float64 sum can sit on a float32 midpoint it did not reach exactly.
    Proof: ``p = a * b`` then has the 24 significant bits of ``a`` (at most) and is exact
    in float64 (float64's range covers every such product of float32 numbers).  Let ``d``
    be the difference of the exponents of ``p`` and ``c``.  The sum spans at most
    ``25 + d`` bits, so for ``d <= 28`` it is exact in float64, and rounding an exact value
    to float32 once is the correctly rounded result.  For ``d >= 29`` the smaller operand
    is below ``u / 32``, where ``u`` is the float32 spacing at the larger one (which lies
    on the float32 grid); every float32 midpoint is at least ``u / 4`` from it, so the
    exact sum is more than ``u / 8`` from any midpoint, while the float64 rounding moves
    it by at most ``u * 2**-29``: ``t`` is not a midpoint.  (A zero ``a``, ``b`` or ``c``
    makes the sum exact; a larger ``p`` below float32's normal range leaves ``c`` below
    2**-149, hence zero.)  SGD with a learning rate such as 0.5 or 2**-6, or the momentum
    0.5 of Nesterov's extra term, take this path; ``tests/optim/test_optim_fast.py``
    checks it against PyTorch on inputs built to hit midpoints.

Example:
    >>> import numpy as np
    >>> a, b, c = np.float32(6.270785e-07), np.float32(0.095051326), np.float32(1.0)
    >>> float(fma32(a, b, c))                  # a*b is just over 2**-24: rounds up
    1.0000001192092896
    >>> float(np.float32(np.float64(a) * np.float64(b) + np.float64(c)))   # via float64
    1.0
"""

from __future__ import annotations

import math
import struct
import threading

import numpy as np

__all__ = ["fma32", "fma32_lists", "fma64"]

_f32 = np.float32
_f64 = np.float64
_I64_MIN = np.iinfo(np.int64).min
_MID_SHIFT = 35          # 64 - 29: a float32 midpoint's low 29 bits become INT64_MIN
_CHUNK = 1 << 16         # scratch elements per pass for large arrays (512 KiB of float64)
_SMALL = 1 << 11         # below this many elements, temporaries need fewer NumPy calls
_scratch = threading.local()


def _round_to_odd(t: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Turn round-to-nearest ``t`` (exact value ``t + err``) into round-to-odd."""
    fix = (err != 0) & ((t.view(np.int64) & 1) == 0)
    if fix.any():
        t = t.copy()
        t[fix] = np.nextafter(t[fix], np.where(err[fix] > 0, np.inf, -np.inf))
    return t


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s = fl(a + b)`` and its exact error ``a + b - s`` (Knuth's TwoSum)."""
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def _scratch_pair(n: int) -> tuple[np.ndarray, np.ndarray]:
    """This thread's two float64 scratch arrays of ``n`` elements (NOTE [ float64 scratch ])."""
    pair = getattr(_scratch, "pair", None)
    if pair is None or pair[0].size < n:
        pair = _scratch.pair = (np.empty(n, _f64), np.empty(n, _f64))
    return pair[0][:n], pair[1][:n]


def _odd_sum(p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``p + c`` in float64 rounded to odd: TwoSum's error moves an inexact even result one
    ulp towards the exact value (NOTE [ float32 fma through float64 ])."""
    return _round_to_odd(*_two_sum(p, c))


def _odd_sum1(p: float, c: float) -> float:
    """``_odd_sum`` for one pair of Python floats (cheaper than NumPy calls on tiny arrays)."""
    s = p + c
    bp = s - p
    err = (p - (s - bp)) + (c - bp)
    if err != 0 and not struct.unpack("<q", struct.pack("<d", s))[0] & 1:
        s = math.nextafter(s, math.inf if err > 0 else -math.inf)
    return s


def _pow2(b) -> bool:
    """Whether the number ``b`` is plus or minus a power of two (NOTE [ power-of-two
    multiplier ])."""
    return not isinstance(b, np.ndarray) and abs(math.frexp(b)[0]) == 0.5


def _fix_midpoints(out: np.ndarray, bits: np.ndarray, a: np.ndarray, b, c) -> None:
    """Redo the elements of ``out = fl32(fl64(a*b + c))`` whose float64 sum sat on a float32
    midpoint, for 1-d ``out``, ``a`` and ``b``, ``c`` each 1-d or a number; ``bits`` holds
    the float64 sums as int64 and is shifted here (NOTE [ float32 fma through float64 ]).

    An ``argmin`` pass finds the first such element (and is the test: usually there is
    none); the first few are fixed one at a time, any further ones together.
    """
    np.left_shift(bits, _MID_SHIFT, out=bits)
    for _ in range(4):
        i = int(bits.argmin())
        if bits[i] != _I64_MIN:
            return
        bits[i] = 0
        p = float(a[i]) * float(b[i] if isinstance(b, np.ndarray) else b)   # exact
        out[i] = _odd_sum1(p, float(c[i] if isinstance(c, np.ndarray) else c))
    mid = np.flatnonzero(bits == _I64_MIN)
    if mid.size:
        p = np.multiply(a[mid], b[mid] if isinstance(b, np.ndarray) else b, dtype=_f64)
        out[mid] = _odd_sum(p, c[mid].astype(_f64) if isinstance(c, np.ndarray) else c)


def _fma32_flat(out: np.ndarray, a: np.ndarray, b, c, t: np.ndarray, u: np.ndarray) -> None:
    """``out = fl32(a*b + c)`` for 1-d contiguous ``out`` and ``a``, and ``b``, ``c`` each 1-d
    contiguous or a float64 scalar, through the float64 scratch arrays ``t`` and ``u``.

    Widening into scratch and then computing in float64 alone is faster than NumPy's
    mixed-dtype loops; the midpoint test runs on ``t`` after it is rounded into ``out``.
    ``out`` may be ``c`` but not ``a`` or ``b``, which a correction reads again.
    """
    np.copyto(t, a)
    if isinstance(b, np.ndarray):
        np.copyto(u, b)
        np.multiply(t, u, out=t)
    else:
        np.multiply(t, b, out=t)
    if isinstance(c, np.ndarray):
        np.copyto(u, c)
        np.add(t, u, out=t)
        c = u                                   # out may be c: keep the widened copy
    else:
        np.add(t, c, out=t)
    np.copyto(out, t, casting="unsafe")
    if not _pow2(b):
        _fix_midpoints(out, t.view(np.int64), a, b, c)


def _fma32_general(out: np.ndarray, a, b, c) -> None:
    """``out = fl32(a*b + c)`` for any broadcastable operands, with temporaries."""
    t = np.asarray(np.add(np.multiply(a, b, dtype=_f64), c, dtype=_f64))
    if t.shape != out.shape:
        t = np.broadcast_to(t, out.shape)
    if _pow2(b) or _pow2(a):
        np.copyto(out, t, casting="unsafe")
        return
    bits = t.view(np.int64) << _MID_SHIFT
    if bits.size and bits.min() == _I64_MIN:
        t = t.copy()
        mid = bits == _I64_MIN
        a, b, c = (np.broadcast_to(v, t.shape)[mid] for v in (a, b, c))
        t[mid] = _odd_sum(np.multiply(a, b, dtype=_f64), c.astype(_f64))
    np.copyto(out, t, casting="unsafe")


def _operand(v):
    """A float32 (or float16) array as it is; a number as the float64 value of its float32
    rounding; anything else as a float32 array."""
    if isinstance(v, np.ndarray):
        return v if v.dtype.type in (_f32, np.float16) else v.astype(_f32)
    if isinstance(v, (float, int, np.floating, np.integer)):
        return _f64(_f32(v))
    return np.asarray(v, _f32)


def _flat(v, n: int):
    """``v`` as a 1-d contiguous array of ``n`` elements, a float64 scalar as it is, or None."""
    if not isinstance(v, np.ndarray):
        return v
    if v.size == n and v.flags.c_contiguous and v.ndim:
        return v.reshape(-1)
    return None


def fma32(a, b, c, out: np.ndarray | None = None) -> np.ndarray:
    """``a * b + c`` for float32 operands, rounded once to float32 (what C's ``fmaf`` gives).

    The product is exact in float64, the sum is rounded there, and the rare sums that land
    on a float32 midpoint are corrected (NOTE [ float32 fma through float64 ]).

    Args:
        a, b, c: arrays or numbers, broadcast together; numbers and arrays of other dtypes
            are rounded to float32 first (float16 arrays are taken as they are).
        out: where to write the result (any float dtype; cast from the float32 result,
            as PyTorch rounds a Half kernel's float32 result).  A new float32 array when
            None.

    Returns:
        ``out``, or the new array.

    Example:
        >>> import numpy as np
        >>> x = np.ones(3, np.float32); g = np.full(3, 0.5, np.float32)
        >>> _ = fma32(g, -0.1, x, out=x)     # x -= 0.1 * g, rounded once
        >>> x
        array([0.95, 0.95, 0.95], dtype=float32)
    """
    a, b, c = _operand(a), _operand(b), _operand(c)
    if not isinstance(a, np.ndarray):
        a, b = b, a
    if out is None:
        out = np.empty(np.broadcast_shapes(*(np.shape(v) for v in (a, b, c))), _f32)
    elif out.dtype.type is not _f32:  # float32 first, then rounded to out's dtype
        np.copyto(out, fma32(a, b, c), casting="unsafe")
        return out
    n = out.size
    if n < _SMALL:
        _fma32_general(out, a, b, c)
        return out
    fo, fa, fb, fc = _flat(out, n), _flat(a, n), _flat(b, n), _flat(c, n)
    if (fo is None or fa is None or fb is None or fc is None
            or not isinstance(a, np.ndarray) or np.may_share_memory(out, a)
            or isinstance(b, np.ndarray) and np.may_share_memory(out, b)):
        _fma32_general(out, a, b, c)
        return out
    t_all, u_all = _scratch_pair(min(n, _CHUNK) if n > 2 * _CHUNK else n)
    step = t_all.size or 1
    for start in range(0, n, step):
        stop = min(start + step, n)
        o, x, y, z = (v[start:stop] if isinstance(v, np.ndarray) else v for v in (fo, fa, fb, fc))
        _fma32_flat(o, x, y, z, t_all[:stop - start], u_all[:stop - start])
    return out


def _flush(t: np.ndarray, u: np.ndarray, b, staged: list) -> None:
    """Finish the staged part of ``fma32_lists``: ``t`` holds the widened ``x`` pieces; widen
    the ``b`` pieces (when ``b`` is a list) and then the ``c`` pieces into ``u``, round
    ``t * b + u`` into each piece's ``out``, then redo the elements whose float64 sum sat on
    a float32 midpoint (NOTE [ float32 fma through float64 ]).  Two scratch arrays, each
    used right after it is filled, keep the working set in cache."""
    arrays = isinstance(b, (list, tuple))
    if arrays:
        for start, out, _, y, _ in staged:
            np.copyto(u[start:start + out.size], y)
    np.multiply(t, u if arrays else b, out=t)
    for start, out, _, _, c in staged:
        np.copyto(u[start:start + out.size], c)
    np.add(t, u, out=t)
    for start, out, _, _, _ in staged:
        np.copyto(out, t[start:start + out.size], casting="unsafe")
    if not arrays and _pow2(b):         # NOTE [ power-of-two multiplier ]
        return
    bits = t.view(np.int64)
    np.left_shift(bits, _MID_SHIFT, out=bits)
    if bits[int(bits.argmin())] != _I64_MIN:
        return
    mid = np.flatnonzero(bits == _I64_MIN)
    for start, out, x, y, _ in staged:
        i = mid[(mid >= start) & (mid < start + out.size)]
        if i.size:
            j = i - start
            p = np.multiply(x[j], b if y is None else y[j], dtype=_f64)     # exact
            out[j] = _odd_sum(p, u[i])


def fma32_lists(outs: list[np.ndarray], xs: list[np.ndarray], b,
                cs: list[np.ndarray]) -> None:
    """``outs[i] = xs[i] * b + cs[i]`` rounded once to float32, for each ``i``.

    The batched form of :func:`fma32` that the optimizers use: the pieces are widened side
    by side into this thread's float64 scratch, and one multiply, one add and one midpoint
    test serve them all (NOTE [ float64 scratch ]); large arrays go through in slices.

    Args:
        outs, xs, cs: lists of C-contiguous float32 arrays, ``outs[i]``, ``xs[i]`` and
            ``cs[i]`` of one size.  ``outs[i]`` may be ``cs[i]``, but no ``out`` may share
            memory with any ``x`` (or array ``b``).
        b: a number (rounded to float32 first), or a list of arrays like ``xs``
            (``outs[i] = xs[i] * b[i] + cs[i]``).

    Example:
        >>> import numpy as np
        >>> p = [np.ones(3, np.float32), np.ones(2, np.float32)]
        >>> g = [np.full(3, 0.5, np.float32), np.full(2, 2.0, np.float32)]
        >>> fma32_lists(p, g, -0.1, p)      # p[i] -= 0.1 * g[i], rounded once
        >>> p[0], p[1]
        (array([0.95, 0.95, 0.95], dtype=float32), array([0.8, 0.8], dtype=float32))
    """
    arrays = isinstance(b, (list, tuple))
    if not arrays:
        b = _f64(_f32(b))
    total = sum(out.size for out in outs)
    if total == 0:
        return
    cap = min(total, _CHUNK) if total > 2 * _CHUNK else total
    t_all, u_all = _scratch_pair(cap)
    staged: list = []
    used = 0
    for i, (out, x, c) in enumerate(zip(outs, xs, cs)):
        out, x, c = out.reshape(-1), x.reshape(-1), c.reshape(-1)
        y = b[i].reshape(-1) if arrays else None
        n = out.size
        for lo in range(0, n, cap):
            k = min(cap, n - lo)
            if used + k > cap:
                _flush(t_all[:used], u_all[:used], b, staged)
                staged, used = [], 0
            if k != n:
                out_k, x_k, c_k = out[lo:lo + k], x[lo:lo + k], c[lo:lo + k]
                y_k = y[lo:lo + k] if arrays else None
            else:
                out_k, x_k, c_k, y_k = out, x, c, y
            np.copyto(t_all[used:used + k], x_k)
            staged.append((used, out_k, x_k, y_k, c_k))
            used += k
    _flush(t_all[:used], u_all[:used], b, staged)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Veltkamp's split of float64 ``a`` into two halves of 26 bits: ``a = hi + lo``."""
    c = a * 134217729.0  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def fma64(a, b, c) -> np.ndarray:
    """``a * b + c`` for float64 operands with one rounding (finite, unexceptional inputs).

    Dekker's exact product (Veltkamp splitting) and TwoSum give the exact sum as a
    rounded value plus error terms, combined with round-to-odd (Boldo and Melquiond).
    """
    a = np.asarray(a, _f64)
    b = np.broadcast_to(np.asarray(b, _f64), a.shape)
    c = np.broadcast_to(np.asarray(c, _f64), a.shape)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, p)
    v, ve = _two_sum(tl, e)
    out = th + _round_to_odd(v, ve)
    bad = ~np.isfinite(p)  # overflow or inf/nan inputs: the plain formula is right there
    if bad.any():
        out = np.where(bad, p + c, out)
    return out
