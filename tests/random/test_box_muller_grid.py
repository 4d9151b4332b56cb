"""The float32 normal kernel's fast steps, checked on every input they can ever receive.

``box_muller_grid`` evaluates the AVX2 kernel's ``log`` and ``sincos`` polynomials with each
fused step computed as ``fl32(fl64(a*b + c))``, which can differ from the exact fused
multiply-add only where the float64 sum lands on a float32 midpoint.  Its inputs come from
24-bit uniforms ``u = k 2**-24``: the logarithm sees ``1 - u`` and the sine and cosine
``fl32(2 pi) u``, 2**24 values each.  So comparing with ``log_ps`` and ``sincos_ps`` (every
step through the exact ``fma32``) for all ``k`` proves the fast steps exact, bit for bit
(NOTE [ float32 steps on the uniform grid ] in ``numtorch/random/transcendentals.py``).  The
bounds on the samples that the final ``x * std + mean`` short cut relies on (NOTE [ normal's
final fma ] in ``numtorch/random/recipes.py``) are checked on the same grid.
"""

from __future__ import annotations

import numpy as np

from numtorch.random import transcendentals as T

CHUNK = 1 << 22


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint32)


def test_log_and_sincos_equal_the_exact_fma_versions_on_the_whole_grid():
    lanes = T._Lanes(CHUNK)
    rad_min, trig_min, rad_max = np.inf, np.inf, 0.0
    with np.errstate(all="raise"):
        for start in range(0, 1 << 24, CHUNK):
            u = np.arange(start, start + CHUNK, dtype=np.int32).astype(np.float32)
            u *= np.float32(2.0 ** -24)
            x = np.float32(1) - u
            got = np.empty_like(x)
            T._log_grid(x, got, lanes)
            want = T.log_ps(x)
            assert np.array_equal(_bits(got), _bits(want)), np.flatnonzero(got != want)[:5]
            rad = np.sqrt(np.float32(-2) * want)
            rad_min = min(rad_min, rad[rad != 0].min())
            rad_max = max(rad_max, float(rad.max()))

            theta = u * np.float32(2.0 * np.pi)
            sin, cos = np.empty_like(theta), np.empty_like(theta)
            T._sincos_grid(theta, sin, cos, lanes)
            want_sin, want_cos = T.sincos_ps(theta)
            assert np.array_equal(_bits(sin), _bits(want_sin))
            assert np.array_equal(_bits(cos), _bits(want_cos))
            for t in (np.abs(want_sin), np.abs(want_cos)):
                trig_min = min(trig_min, t[t != 0].min())
    # every nonzero sample |r cos|, |r sin| lies in [2**-80, 40): with 2**-40 <= std <= 2**40
    # the product x * std is a normal float32 and finite
    assert rad_min * trig_min >= 2.0 ** -79 and rad_max < 40


def test_box_muller_grid_matches_the_reference_polynomials():
    rng = np.random.default_rng(0)
    k = rng.integers(0, 1 << 24, size=(333, 16))
    k[0] = 0                                   # u = 0: radius -0.0
    k[1] = (1 << 24) - 1                       # the largest radius
    u = k.astype(np.float32) * np.float32(2.0 ** -24)
    out = np.empty(u.shape, np.float32)
    T.box_muller_grid(u, out)
    radius = np.sqrt(np.float32(-2) * T.log_ps(np.float32(1) - u[:, :8]))
    sin, cos = T.sincos_ps(np.float32(2.0 * np.pi) * u[:, 8:])
    assert np.array_equal(_bits(out[:, :8]), _bits(radius * cos))
    assert np.array_equal(_bits(out[:, 8:]), _bits(radius * sin))
