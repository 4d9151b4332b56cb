"""The shared fused multiply-add (numtorch/random/numerics.py) against PyTorch's CPU kernels.

PyTorch computes ``addcmul``, ``add(alpha=)`` and ``lerp`` on float32 with one fused
multiply-add, so its results are the reference for ``fma32``, bit for bit, on every route
through it (temporaries, the float64 scratch arrays, the chunked route for large arrays),
and for the optimizer kernels built on it.  The hard inputs are those where rounding the
float64 sum to float32 rounds twice (NOTE [ float32 fma through float64 ]): the table
builds them, and a guard checks that the plain float64 route really gets them wrong.
``fma64`` is checked against exact rational arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from numtorch.optim import _kernels as K
from numtorch.random import numerics
from numtorch.random.numerics import fma32, fma64

torch = pytest.importorskip("torch")

LARGE = 2 * numerics._CHUNK + 4097        # the chunked scratch route, with a partial chunk


def _midpoint_cases(n: int, scale: float, seed: int) -> tuple[np.ndarray, ...]:
    """``(a, b, c)`` float32 with ``a*b`` within a float32 rounding of half an ulp of ``c``:
    about one in forty of them rounds twice through float64."""
    rng = np.random.default_rng(seed)
    b = rng.uniform(1e-4, 1e-1, n).astype(np.float32)
    c = (scale * rng.choice([-1.0, 1.0], n) * (1 + rng.integers(0, 8, n) / 8)).astype(np.float32)
    half_ulp = np.spacing(np.abs(c)).astype(np.float64) / 2
    a = (np.sign(c) * rng.choice([-1.0, 1.0], n) * half_ulp / b).astype(np.float32)
    return a, b, c


def _via_float64(a, b, c) -> np.ndarray:
    return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(np.float32)


def _torch_fma(a, b, c) -> np.ndarray:
    """PyTorch's ``c + a * b`` with one rounding (addcmul), on contiguous copies."""
    shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
    t = [torch.from_numpy(np.broadcast_to(v, shape).copy()) for v in (a, b, c)]
    return torch.addcmul(t[2], t[0], t[1]).numpy()


CASES = [  # (name, size, scale of c, seed)
    ("small", 1000, 1.0, 0),            # temporaries
    ("scratch", 50_000, 1.0, 1),        # one pass through the scratch arrays
    ("chunked", LARGE, 3.0, 2),         # slices of the scratch arrays
    ("tiny c", 20_000, 2.0 ** -60, 3),
    ("huge c", 20_000, 2.0 ** 60, 4),
]


@pytest.mark.parametrize("name,n,scale,seed", CASES, ids=[c[0] for c in CASES])
def test_fma32_rounds_once_where_float64_rounds_twice(name, n, scale, seed):
    a, b, c = _midpoint_cases(n, scale, seed)
    want = _torch_fma(a, b, c)
    assert (_via_float64(a, b, c) != want).sum() > n // 200     # the table has hard cases
    np.testing.assert_array_equal(fma32(a, b, c), want)
    out = np.empty_like(c)
    np.testing.assert_array_equal(fma32(a, b, c, out=out), want)
    in_place = c.copy()                                           # out is c, as in add_
    fma32(a, b, in_place, out=in_place)
    np.testing.assert_array_equal(in_place, want)


def test_fma32_scalar_and_broadcast_operands_match_torch():
    a, b, c = _midpoint_cases(4096, 1.0, 5)
    scalar_b = np.float32(0.0625)
    a2 = (np.spacing(np.abs(c)).astype(np.float64) / 2 / 0.0625 * (1 + 2.0 ** -30)).astype(
        np.float32)
    want = _torch_fma(a2, np.full_like(a2, scalar_b), c)
    np.testing.assert_array_equal(fma32(a2, scalar_b, c), want)
    np.testing.assert_array_equal(fma32(scalar_b, a2, c), want)    # a number first
    grid = fma32(a[:64, None], b[None, :64], c[:64, None])          # broadcast to 64 x 64
    np.testing.assert_array_equal(grid, _torch_fma(a[:64, None], b[None, :64], c[:64, None]))
    strided = np.empty(2 * 4096, np.float32)[::2]
    np.testing.assert_array_equal(fma32(a, b, c, out=strided), _torch_fma(a, b, c))
    assert float(fma32(2.0, 3.0, 1.0)) == 7.0
    tie = fma32(np.float32(2.0 ** -24), np.float32(1.0), np.array(np.float32(1.0)))
    assert tie.shape == () and float(tie) == 1.0                  # an exact tie, 0-d
    empty = np.empty((0, 3), np.float32)
    assert fma32(empty, 2.0, empty, out=empty.copy()).shape == (0, 3)


def test_fma32_special_values_match_torch():
    v = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45],
                 np.float32)
    a, b, c = (x.ravel() for x in np.meshgrid(v, v, v, indexing="ij"))
    with np.errstate(all="ignore"):
        got = fma32(a, b, c)
    want = _torch_fma(a, b, c)
    np.testing.assert_array_equal(got, want)                      # NaN == NaN here
    number = ~np.isnan(want)                   # (a NaN's sign bit may differ: 0 * inf + NaN)
    assert np.array_equal(np.signbit(got[number]), np.signbit(want[number]))


def test_fma32_float16_out_rounds_the_float32_result():
    rng = np.random.default_rng(6)
    a, b, c = (rng.standard_normal(3000).astype(np.float16) for _ in range(3))
    want = torch.addcmul(*(torch.from_numpy(v) for v in (c, a, b))).numpy()
    out = np.empty_like(c)
    np.testing.assert_array_equal(fma32(a, b, c, out=out), want)


def _near_power_of_two_products(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs of 24-bit integers whose product is just above ``2**47`` (by less than
    ``2**18``, a relative ``2**-29``): float32 significands whose exact product, placed at
    half an ulp of an addend, makes the float64 sum land on a float32 midpoint."""
    m1 = np.arange(13_958_643, 13_958_643 + 400_000, dtype=np.int64)   # 0.013 * 2**30 up
    m2 = np.rint(2.0 ** 47 / m1).astype(np.int64)
    excess = m1 * m2 - 2 ** 47
    keep = np.flatnonzero((excess > 0) & (excess < 2 ** 18))[:n]
    assert keep.size == n
    return m1[keep], m2[keep]


def _hard_addends(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``x = +-(1 + k/64)`` (even significands) and signs for the product."""
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], n)
    return (sign * (1 + rng.integers(0, 64, n) / 64)).astype(np.float32), sign


def test_add_matches_torch_where_float64_rounds_twice():
    """``x + alpha * y`` with ``alpha * y`` a hair above half an ulp of ``x``."""
    (m1,), (m2,) = _near_power_of_two_products(1)
    alpha = float(m1) * 2.0 ** -30                       # a float32 near 0.013
    for n in (300, 70_000):                              # temporaries, scratch arrays
        x, sign = _hard_addends(n, 7)
        y = (sign * float(m2) * 2.0 ** -41).astype(np.float32)
        want = torch.from_numpy(x.copy()).add_(torch.from_numpy(y), alpha=alpha).numpy()
        assert (_via_float64(np.float32(alpha) * np.ones_like(y), y, x) != want).all()
        got = x.copy()
        K.add_(got, y, alpha)
        np.testing.assert_array_equal(got, want)


def test_addcmul_matches_torch_where_float64_rounds_twice():
    """``x + y * z`` with many different products a hair above half an ulp of ``x``."""
    m1, m2 = _near_power_of_two_products(3000)
    x, sign = _hard_addends(m1.size, 8)
    y = (sign * m1 * 2.0 ** -23).astype(np.float32)
    z = (m2 * 2.0 ** -48).astype(np.float32)
    want = torch.from_numpy(x.copy()).addcmul_(torch.from_numpy(y), torch.from_numpy(z)).numpy()
    assert (_via_float64(y, z, x) != want).all()
    out = np.empty_like(x)
    np.testing.assert_array_equal(K.addcmul_(x, y, z, 1.0, out=out), want)


def _exact_fma64(a: float, b: float, c: float) -> float:
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def test_fma64_is_exactly_rounded():
    rng = np.random.default_rng(8)
    a = rng.standard_normal(400)
    b = rng.standard_normal(400)
    c = -a * b * (1 + rng.standard_normal(400) * 2.0 ** -40)       # heavy cancellation
    c[::2] = rng.standard_normal(200) * 2.0 ** -60                  # and a tiny addend
    got = fma64(a, b, c)
    want = np.array([_exact_fma64(*v) for v in zip(a, b, c, strict=True)])
    np.testing.assert_array_equal(got, want)
    assert (a * b + c != want).any()                                # two roundings differ


HALF_KERNELS = [  # (name, numtorch kernel on (x, y, z), PyTorch's in-place op)
    ("add_", lambda x, y, z: K.add_(x, y, -0.013), lambda x, y, z: x.add_(y, alpha=-0.013)),
    ("add_ large alpha", lambda x, y, z: K.add_(x, y, 3.7), lambda x, y, z: x.add_(y, alpha=3.7)),
    ("addcmul_", lambda x, y, z: K.addcmul_(x, y, z, 0.3),
     lambda x, y, z: x.addcmul_(y, z, value=0.3)),
    ("lerp_ small", lambda x, y, z: K.lerp_(x, y, 0.1), lambda x, y, z: x.lerp_(y, 0.1)),
    ("lerp_ large", lambda x, y, z: K.lerp_(x, y, 0.8), lambda x, y, z: x.lerp_(y, 0.8)),
]


@pytest.mark.parametrize("name,ours,theirs", HALF_KERNELS, ids=[k[0] for k in HALF_KERNELS])
def test_float16_kernels_match_torch(name, ours, theirs):
    """Half data: computed in float32 (``y - x`` of lerp too), rounded once to Half;
    ``add``'s alpha is a Half first."""
    rng = np.random.default_rng(9)
    x, y, z = (rng.standard_normal(20_000).astype(np.float16) for _ in range(3))
    want = theirs(*(torch.from_numpy(v.copy()) for v in (x, y, z))).numpy()
    got = x.copy()
    ours(got, y, z)
    np.testing.assert_array_equal(got, want)
