"""PyTorch's CPU recipes that turn mt19937 words into samples, on NumPy arrays.

Every function takes the engine (``engine.MT19937``) and returns a
flat array in the order PyTorch's kernel visits elements, consuming exactly the words
PyTorch consumes.  The samplers in ``tensor_methods`` shape and cast the result.

The recipes (``w`` a 32-bit word, ``W`` a 64-bit word of two words, high first):

==================  ==============================================================
uniform float32     ``(w & (2**24-1)) * 2**-24``, then ``fma(x, to-from, from)``
uniform float64     ``(W & (2**53-1)) * 2**-53``, then ``fma(x, to-from, from)``
integer in range    ``(w % range) + from``; ``W`` instead when ``range >= 2**28``
random_()           ``w % (max+1)``, ``W`` for int64 and float64 (see ``random_bits``)
normal, n < 16 or   per element, Box-Muller in double with the second value of
non-contiguous      each pair cached in the generator (see ``normal_serial``)
normal, n >= 16     fill with uniforms, transform blocks of 16 (see ``normal_fill``);
contiguous          float32 with the AVX2 polynomials, float16 via float32, in chunks
randperm            Fisher-Yates: swap ``i`` with ``i + w % (n-i)`` (in
                    ``permutation.py``, with the variant for huge ``n``)
bernoulli(p)        ``u < p``, ``u`` a 53-bit double (24-bit float for float ``p``
                    tensors)
exponential         ``-1/lambda * log1p(-u)``
==================  ==============================================================

NOTE [ normal's final fma ]
    Every normal sample ends as ``fma(x, std, mean)``, rounded once.  Two plain operations
    ``fl(fl(x * std) + mean)`` give the same bits when only one of them can round:

    * ``std`` a power of two: the product is exact (no overflow or underflow), so the sum
      is the one rounding;
    * ``mean == 0`` (either sign): the sum of a nonzero product and zero is exact, so the
      product is the one rounding; a zero product takes the sign the fused sum takes.

    Both need the product to stay a normal, finite number, or a product that underflows
    to zero would lose its sign.  float32 samples lie in [2**-79, 40) in magnitude or are
    zero (tests/random/test_box_muller_grid.py checks the whole grid of the AVX2 kernel;
    the scalar kernel's come from the same uniforms), float64 ones far inside float64's
    range, so ``2**-40 <= std <= 2**40`` is enough; ``std == 0`` makes
    every product an exact zero.  The default ``normal_()``, ``randn`` and every
    ``normal_(0, std)`` initialisation take this path; anything else takes ``fma32`` or
    ``fma64``.
"""

from __future__ import annotations

import os
import platform

import numpy as np

from .engine import MT19937
from .numerics import fma32, fma64
from .permutation import randperm
from .transcendentals import _Lanes, box_muller_grid, libm

__all__ = [
    "uniform_float", "uniform_double", "uniform", "normal", "normal_serial", "normal_fill",
    "random_from_to",
    "random_bits", "random_full_range", "randperm", "bernoulli_scalar", "bernoulli_tensor",
    "exponential", "cauchy", "log_normal", "geometric", "multinomial",
]

_f32, _f64, _u64 = np.float32, np.float64, np.uint64
_TWO_PI = 2.0 * np.pi


def _has_avx2() -> bool:
    """Whether PyTorch's AVX2 normal kernel is the one that runs on this machine."""
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default":
        return False
    if platform.machine().lower() not in ("x86_64", "amd64", "i686", "x86"):
        return False
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return " avx2" in line
    except OSError:
        pass
    return True


AVX2 = _has_avx2()


# ---- uniform ----------------------------------------------------------------------------
def uniform_float(eng: MT19937, n: int) -> np.ndarray:
    """``n`` float32 values in [0, 1) from the low 24 bits of one word each."""
    return (eng.words(n) & _u64(0xFFFFFF)).astype(_f32) * _f32(2.0 ** -24)


def uniform_double(eng: MT19937, n: int) -> np.ndarray:
    """``n`` float64 values in [0, 1) from the low 53 bits of one 64-bit word each."""
    return (eng.words64(n) & _u64((1 << 53) - 1)).astype(_f64) * 2.0 ** -53


_UNIFORM_CHUNK = 1 << 16   # elements per chunk of a large uniform fill: temporaries stay in L2


def uniform(eng: MT19937, n: int, dt: np.dtype, lo: float, hi: float,
            out: np.ndarray | None = None) -> np.ndarray:
    """``uniform_(lo, hi)`` for float32, float64 or float16 output, written to 1-d ``out``
    when given; large ``n`` in chunks (the words are drawn in the same order, so the values
    are the same)."""
    if out is None:
        if n <= 2 * _UNIFORM_CHUNK:
            return _uniform(eng, n, dt, lo, hi)
        out = np.empty(n, dt)
    for start in range(0, n, _UNIFORM_CHUNK):
        stop = min(start + _UNIFORM_CHUNK, n)
        out[start:stop] = _uniform(eng, stop - start, dt, lo, hi)
    return out


def _uniform(eng: MT19937, n: int, dt: np.dtype, lo: float, hi: float) -> np.ndarray:
    if dt == np.float64:
        x = uniform_double(eng, n)
        return x if (lo, hi) == (0.0, 1.0) else fma64(x, hi - lo, lo)
    if dt == np.float16:  # the float32 recipe (float32 bounds), rounded to half
        a, b = _f32(lo), _f32(hi)
        x = fma32(uniform_float(eng, n), b - a, a).astype(np.float16)
        # rounding up to ``to`` (as a half) wraps to ``from``
        return np.where(x == np.float16(b), np.float16(a), x)
    x = uniform_float(eng, n)
    if (lo, hi) == (0.0, 1.0):
        return x
    a, b = _f32(lo), _f32(hi)
    return fma32(x, b - a, a)


# ---- normal -----------------------------------------------------------------------------
def normal_serial(eng: MT19937, n: int, mean: float, std: float) -> np.ndarray:
    """``n`` float64 samples of ``normal_distribution<double>``, one element at a time.

    Box-Muller on two 53-bit uniforms ``u1, u2``: ``r = sqrt(-2 log1p(-u2))``,
    ``theta = 2 pi u1``; the element gets ``r cos(theta)`` and ``r sin(theta)`` is
    cached in the generator for the next element (even in a later call).
    """
    out = np.empty(n, _f64)
    start = 0
    if n and eng.next_double_normal is not None:
        out[0] = eng.next_double_normal
        eng.next_double_normal = None
        start = 1
    m = n - start
    if m:
        pairs = (m + 1) // 2
        u = uniform_double(eng, 2 * pairs)
        r = np.sqrt(-2.0 * libm("log1p", -u[1::2]))
        theta = _TWO_PI * u[0::2]
        both = np.empty(2 * pairs, _f64)
        both[0::2] = r * libm("cos", theta)
        both[1::2] = r * libm("sin", theta)
        out[start:] = both[:m]
        if m % 2:
            eng.next_double_normal = float(both[-1])
    return fma64(out, std, mean)


def _affine(x: np.ndarray, std, mean, out: np.ndarray | None = None) -> np.ndarray:
    """``fma(x, std, mean)`` for the kernel's samples ``x`` (float32 or float64, ``|x| < 40``),
    rounded once, written to ``out`` (``x`` itself when None).

    ``x * std + mean`` rounds once when the product is exact (``std`` a power of two) or the
    sum is (``mean == 0``), so those take two plain passes; the rest the exact ``fma``
    (NOTE [ normal's final fma ]).
    """
    out = x if out is None else out
    if _plain_affine(std, mean):
        if std != 1:
            np.multiply(x, std, out=out)
            x = out
        np.add(x, mean, out=out)
    elif x.dtype == _f64:
        out[...] = fma64(x, std, mean)
    else:
        fma32(x, std, mean, out=out)
    return out


def _plain_affine(std, mean) -> bool:
    """Whether ``fl(fl(x * std) + mean)`` is ``fma(x, std, mean)`` for every sample ``x`` the
    normal kernels make (NOTE [ normal's final fma ])."""
    if std == 0:
        return True
    if not 2.0 ** -40 <= abs(float(std)) <= 2.0 ** 40:
        return False
    return mean == 0 or np.frexp(std)[0] in (0.5, -0.5)


def _box_muller_16(u: np.ndarray, mean, std, dt) -> np.ndarray:
    """Transform uniforms in blocks of 16: the first 8 give ``r``, the last 8 the angle."""
    b = u.reshape(-1, 16)
    if dt != np.float64 and AVX2:
        out = np.empty(b.shape, _f32)
        box_muller_grid(b, out)
        return _affine(out.ravel(), std, mean)
    u1, u2 = 1 - b[:, :8], b[:, 8:]
    if dt == np.float64:
        radius = np.sqrt(-2.0 * libm("log", u1))
        theta = _TWO_PI * u2
        c, s = radius * libm("cos", theta), radius * libm("sin", theta)
    else:  # the scalar kernel: float maths through the C library
        radius = np.sqrt(_f32(-2) * libm("log", u1).astype(_f32))
        theta = (_TWO_PI * u2.astype(_f64)).astype(_f32)
        c = radius * libm("cos", theta).astype(_f32)
        s = radius * libm("sin", theta).astype(_f32)
    return _affine(np.concatenate([c, s], axis=1).ravel(), std, mean)


_BLOCKS = 4096    # blocks of 16 per chunk of the float32 kernel (2048 to 8192 measure alike)


def _normal_fill32(eng: MT19937, full: int, out: np.ndarray, mean, std) -> None:
    """The AVX2 float32 kernel on the first ``full`` (a multiple of 16) elements of ``out``
    (float32 or float16), a chunk of ``16 * _BLOCKS`` at a time: draw, transform, scale."""
    nb = full // 16
    step = min(nb, _BLOCKS)
    lanes = _Lanes(8 * step)
    vals = np.empty((step, 16), _f32)
    res = vals if out.dtype == _f32 else np.empty(16 * step, _f32)
    for b0 in range(0, nb, step):
        b = min(step, nb - b0)
        u = uniform_float(eng, 16 * b).reshape(b, 16)
        v = vals[:b]
        box_muller_grid(u, v, lanes if b == step else None)
        dst = out[16 * b0:16 * (b0 + b)]
        if out.dtype == _f32:
            _affine(v.reshape(-1), std, mean, out=dst)
        else:
            np.copyto(dst, _affine(v.reshape(-1), std, mean, out=res[:16 * b]), casting="unsafe")


def normal_fill(eng: MT19937, n: int, dt: np.dtype, mean: float, std: float,
                out: np.ndarray | None = None) -> np.ndarray:
    """The contiguous kernel for ``n >= 16``: fill with uniforms, transform each block of 16
    (into 1-d ``out`` when given; float32 and float16 a chunk at a time).

    When ``n`` is not a multiple of 16 the last 16 elements are redone from 16 fresh
    uniforms.  float32 and float64 first draw ``n`` uniforms (so ``n + 16`` in all);
    float16 is computed in float32 and draws only the whole blocks first (so
    ``ceil(n/16) * 16`` in all).
    """
    half = dt == np.float16
    cast = _f64 if dt == np.float64 else _f32
    mean, std = cast(mean), cast(std)
    full = n - n % 16
    out = np.empty(n, dt) if out is None else out
    if cast is _f32 and AVX2:
        _normal_fill32(eng, full, out, mean, std)
        if not half:
            eng.words(n - full)          # drawn and not used
    else:
        draw = uniform_double if dt == np.float64 else uniform_float
        u = draw(eng, full if half else n)
        out[:full] = _box_muller_16(u[:full], mean, std, cast)
    if n % 16:
        draw = uniform_double if dt == np.float64 else uniform_float
        out[n - 16:] = _box_muller_16(draw(eng, 16), mean, std, cast)
    return out


def normal(eng: MT19937, n: int, dt: np.dtype, mean: float, std: float, contiguous: bool = True,
           out: np.ndarray | None = None):
    """``normal_(mean, std)`` on ``n`` elements of float dtype ``dt``, written to 1-d ``out``
    (in visiting order) when given."""
    if n >= 16 and contiguous and dt in (np.float32, np.float64, np.float16):
        return normal_fill(eng, n, dt, mean, std, out)
    if out is None:
        return normal_serial(eng, n, mean, std).astype(dt)
    out[...] = normal_serial(eng, n, mean, std)
    return out


# ---- integers ---------------------------------------------------------------------------
def random_from_to(eng: MT19937, n: int, dt: np.dtype, lo: int, rng: int) -> np.ndarray:
    """``random_(lo, lo + rng)``: ``word % rng + lo``, cast through int64 to ``dt``.

    The word is a 64-bit one once ``rng >= 2**28`` (whatever the dtype), which keeps the
    modulo bias negligible; a 32-bit one below.
    """
    w = eng.words64(n) if rng >= 1 << 28 else eng.words(n)
    v = (w % _u64(rng)).view(np.int64) + np.int64(lo)
    return v.astype(dt)


_BITS_MOD = {np.dtype(np.bool_): 2, np.dtype(np.uint8): 1 << 8, np.dtype(np.int8): 1 << 7,
             np.dtype(np.int16): 1 << 15, np.dtype(np.int32): 1 << 31, np.dtype(np.int64): 1 << 63,
             np.dtype(np.float16): (1 << 11) + 1, np.dtype(np.float32): (1 << 24) + 1,
             np.dtype(np.float64): (1 << 53) + 1}


def random_bits(eng: MT19937, n: int, dt: np.dtype) -> np.ndarray:
    """``random_()``: ``word % (max + 1)``, over [0, 2**mantissa] for floats."""
    wide = dt in (np.int64, np.float64)
    w = eng.words64(n) if wide else eng.words(n)
    return (w % _u64(_BITS_MOD[np.dtype(dt)])).astype(dt)


def random_full_range(eng: MT19937, n: int, dt: np.dtype) -> np.ndarray:
    """``random_(-2**63, None)``: a 64-bit word reinterpreted as int64, cast to ``dt``."""
    return eng.words64(n).view(np.int64).astype(dt)


# ---- other distributions ----------------------------------------------------------------
def bernoulli_scalar(eng: MT19937, n: int, p: float) -> np.ndarray:
    """``bernoulli_(p)`` for a number ``p``: ``u < p`` with ``u`` a 53-bit double."""
    return uniform_double(eng, n) < p


def bernoulli_tensor(eng: MT19937, p: np.ndarray) -> np.ndarray:
    """``bernoulli_(p)`` for an array ``p`` (already in visiting order): float64 ``p`` uses
    53-bit doubles, other float ``p`` 24-bit floats compared in float32."""
    if p.dtype == np.float64:
        return uniform_double(eng, p.size) < p
    return uniform_float(eng, p.size) < p.astype(_f32)


def exponential(eng: MT19937, n: int, lambd: float) -> np.ndarray:
    """``-1/lambda * log1p(-u)`` per element, in double."""
    return (-1.0 / lambd) * libm("log1p", -uniform_double(eng, n))


def cauchy(eng: MT19937, n: int, median: float, sigma: float) -> np.ndarray:
    """``median + sigma * tan(pi * (u - 1/2))`` per element, in double."""
    tan = libm("tan", np.pi * (uniform_double(eng, n) - 0.5))
    return fma64(np.full(n, float(sigma)), tan, median)


def log_normal(eng: MT19937, n: int, mean: float, std: float) -> np.ndarray:
    """``exp`` of the per-element normal sampler (which shares the normal cache)."""
    return libm("exp", normal_serial(eng, n, mean, std))


def geometric(eng: MT19937, n: int, p: float) -> np.ndarray:
    """``ceil(log(u) / log1p(-p))`` per element, in double."""
    with np.errstate(divide="ignore"):
        return np.ceil(libm("log", uniform_double(eng, n)) / libm("log1p", np.float64(-p)))


def multinomial(eng: MT19937, probs: np.ndarray, n_sample: int, replacement: bool) -> np.ndarray:
    """Category indices for each row of 2-d ``probs`` (rows need not sum to one).

    Without replacement (or for one sample): the exponential race
    ``argmax(p / q)``, ``q ~ Exp(1)``, drawn for every element first, keeping the
    ``n_sample`` largest.  With replacement: per row, the running sum normalised by its
    total, then for each sample a 53-bit uniform looked up by binary search.
    """
    rows, k = probs.shape
    if not replacement or n_sample == 1:
        q = exponential(eng, probs.size, 1.0).astype(probs.dtype).reshape(rows, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            key = probs / q
        if n_sample == 1:
            return np.argmax(key, axis=1).reshape(rows, 1)
        return np.argsort(-key, axis=1, kind="stable")[:, :n_sample]
    out = np.empty((rows, n_sample), np.int64)
    for i in range(rows):
        cum = np.cumsum(probs[i])
        cum = cum / cum[-1]
        cum[-1] = 1
        u = uniform_double(eng, n_sample)
        out[i] = np.searchsorted(cum.astype(_f64), u, side="left")
    return out
