"""Floating-point arithmetic rounded exactly as PyTorch's compiled CPU kernels round it.

Three things make a NumPy formula differ from a C++ kernel in the last bit:

* **Fused multiply-add.**  PyTorch's kernels are compiled with contraction on, so
  ``x * scale + shift`` is one ``fma`` with a single rounding.  NumPy rounds twice.
  ``fma32`` and ``fma64`` give the single-rounded result, vectorised:

  - float32: the product of two float32 values is exact in float64; where the
    float64 sum could round wrongly a second time (it sits on a float32 midpoint) it
    is made *round-to-odd* (TwoSum tells whether it was inexact), and a round-to-odd
    result with 29 spare bits rounds to float32 correctly.
  - float64: Dekker's exact product (Veltkamp splitting) and TwoSum, combined with
    round-to-odd as in Boldo and Melquiond, "Emulation of FMA and correctly rounded
    sums: proved algorithms using rounding to odd" (IEEE TC, 2008).

* **Transcendentals.**  NumPy's SIMD ``log``/``log1p``/``exp``/``tan`` are not the
  C library's; ``libm`` calls the C library (through ``math``) element by element,
  which is what the kernels call.

* **The AVX2 normal kernel** uses vectorised cephes-style ``log`` and ``sincos``
  polynomials in float32 (Pommier's ``avx_mathfun`` scheme).  ``log_ps`` and
  ``sincos_ps`` evaluate the same polynomials in the same order, with the same
  multiply-adds fused, so that float32 ``randn`` matches bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fma32", "fma64", "libm", "log_ps", "sincos_ps"]

_f32 = np.float32
_f64 = np.float64
_INF = np.array([np.inf, -np.inf])


def _round_to_odd(t: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Turn round-to-nearest ``t`` (exact value ``t + err``) into round-to-odd."""
    fix = (err != 0) & ((t.view(np.int64) & 1) == 0)
    if fix.any():
        t = t.copy()
        t[fix] = np.nextafter(t[fix], np.where(err[fix] > 0, np.inf, -np.inf))
    return t


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def fma32(a, b, c) -> np.ndarray:
    """``a * b + c`` for float32 operands with one rounding to float32.

    The float64 sum ``t`` of the exact product and ``c`` rounds to the right float32
    unless ``t`` was inexact and landed exactly on a float32 midpoint (its low 29 bits
    ``1000...0``); only those rare elements are redone with round-to-odd.
    """
    s = np.asarray(a, _f32).astype(_f64) * np.asarray(b, _f32).astype(_f64)
    c = np.asarray(c, _f32).astype(_f64)
    t = s + c
    mid = (t.view(np.int64) & 0x1FFFFFFF) == 0x10000000
    if mid.any():
        s, c = np.broadcast_arrays(s, c)
        t[mid] = _round_to_odd(*_two_sum(s[mid], c[mid]))
    return t.astype(_f32)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = a * 134217729.0  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def fma64(a, b, c) -> np.ndarray:
    """``a * b + c`` for float64 operands with one rounding (finite, unexceptional inputs)."""
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


_UFUNCS = {name: np.frompyfunc(getattr(math, name), 1, 1)
           for name in ("log", "log1p", "exp", "tan", "sin", "cos")}
_DOMAIN = {"log": (0.0, np.inf), "log1p": (-1.0, np.inf), "exp": (-np.inf, 709.0)}


def libm(name: str, x) -> np.ndarray:
    """The C library's double ``name`` (log, log1p, exp, tan, sin, cos) elementwise.

    Arguments outside the open domain (zero, infinities, NaN, overflow) take NumPy's
    value, which is the C library's there too.
    """
    x = np.asarray(x, _f64)
    lo, hi = _DOMAIN.get(name, (-np.inf, np.inf))
    ok = (x > lo) & (x < hi)
    if ok.all():
        return np.asarray(_UFUNCS[name](x), _f64) if x.size else x.copy()
    with np.errstate(all="ignore"):
        out = getattr(np, name)(x)
    out[ok] = _UFUNCS[name](x[ok]).astype(_f64)
    return out


# ---- the AVX2 float32 polynomials --------------------------------------------------------
_LOG_P = tuple(_f32(v) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1, _LOG_Q2 = _f32(-2.12194440e-4), _f32(0.693359375)
_SQRTHF = _f32(0.707106781186547524)
_DP = (_f32(-0.78515625), _f32(-2.4187564849853515625e-4), _f32(-3.77489497744594108e-8))
_SINCOF = (_f32(-1.9515295891e-4), _f32(8.3321608736e-3), _f32(-1.6666654611e-1))
_COSCOF = (_f32(2.443315711809948e-5), _f32(-1.388731625493765e-3), _f32(4.166664568298827e-2))
_FOPI = _f32(1.27323954473516)  # 4 / pi


def log_ps(x: np.ndarray) -> np.ndarray:
    """Natural log of positive normal float32 ``x``: exponent split, then a degree-9 polynomial.

    ``x = m * 2**e`` with ``m`` in [sqrt(1/2), sqrt(2)); ``log x = e*log 2 + log m``, where
    ``log m = t - t**2/2 + t**3 P(t)`` for ``t = m - 1``, and ``log 2`` is split in two
    constants so ``e * log 2`` keeps its precision.
    """
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_f32) + _f32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_f32)  # mantissa scaled to [0.5, 1)
    small = m < _SQRTHF
    t = (m - _f32(1)) + np.where(small, m, _f32(0))
    e = e - small.astype(_f32)
    z = t * t
    y = np.full_like(t, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, t, p)
    y = y * t
    y = fma32(y, z, e * _LOG_Q1)
    y = y - z * _f32(0.5)
    return fma32(e, _LOG_Q2, t + y)


def sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of non-negative float32 ``x`` by octant reduction and two polynomials.

    ``j`` is the even octant index nearest ``x * 4/pi``; ``x - j*pi/4`` (in three parts,
    for precision) lies in [-pi/4, pi/4], where one polynomial gives sin and the other
    cos; bits 1 and 2 of ``j`` choose which is which and the signs.
    """
    j = ((x * _FOPI).astype(np.int32) + 1) & ~1
    y = j.astype(_f32)
    for dp in _DP:
        x = fma32(y, dp, x)
    z = x * x
    c = fma32(np.full_like(z, _COSCOF[0]), z, _COSCOF[1])
    c = fma32(c, z, _COSCOF[2])
    c = c * z
    c = fma32(c, z, -(z * _f32(0.5))) + _f32(1)
    s = fma32(np.full_like(z, _SINCOF[0]), z, _SINCOF[1])
    s = fma32(s, z, _SINCOF[2])
    s = fma32(s * z, x, x)
    swap = (j & 2) != 0
    sin = np.where(swap, c, s)
    cos = np.where(swap, s, c)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((~(j - 2)) & 4) != 0, -cos, cos)
    return sin, cos
