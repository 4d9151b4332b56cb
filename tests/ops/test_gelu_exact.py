"""float32 ``F.gelu`` (``approximate='none'``) bit for bit: the chunked kernel against the
polynomial evaluated with the exact float32 fused multiply-add (on any CPU), and against PyTorch
(on an AVX-512 CPU); the backward against its float32 formula on the forward's erf.

A sample of what benchmarks/gelu_exhaustive.py checks for all 2^32 inputs
(NOTE [ gelu's float32 erf ] in ``numtorch._ops.elementwise``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import numtorch  # noqa: E402
import numtorch.nn.functional as F  # noqa: E402
from numtorch._ops import elementwise as E  # noqa: E402
from numtorch.random.numerics import fma32  # noqa: E402

AVX512 = torch.backends.cpu.get_cpu_capability().startswith("AVX512")
RNG = np.random.default_rng(20261203)


def _bits(v) -> np.ndarray:
    return np.asarray(v, np.uint32).view(np.float32)


def _signed(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a, -a]).astype(np.float32)


def _interval_edges() -> np.ndarray:
    """Each interval starts where the exponent and first two mantissa bits change: every
    multiple of 2^21 in the bits, and its neighbours, over the range the intervals span."""
    b = np.arange(0x3D000000, 0x41200000, 1 << 21, dtype=np.int64)
    return _signed(_bits(np.concatenate([b - 1, b, b + 1])))


def _specials() -> np.ndarray:
    one = float(E._GELU_ERF_ONE)
    v = [0.0, 1e-45, 1e-40, 1.1754942e-38, 1.1754944e-38, 1e-30, 1e-8, 0.5, 1.0, 2.0, 3.0,
         one, np.nextafter(one, 0, dtype=np.float32), np.nextafter(one, 9, dtype=np.float32),
         6.0, np.nextafter(6.0, 0, dtype=np.float32), np.nextafter(6.0, 9, dtype=np.float32),
         8.0, 100.0, 3.4028235e38, math.inf, math.nan]
    return _signed(np.array(v, np.float32))


# name: float32 inputs
INPUTS = {
    "random bits": _bits(RNG.integers(0, 2**32, 1 << 17, dtype=np.uint64)),
    "normal": (RNG.standard_normal(1 << 16) * 3).astype(np.float32),
    "tail": np.linspace(-20, 0, 40001, dtype=np.float32),
    "interval edges": _interval_edges(),
    "specials": _specials(),
    "one chunk less one": RNG.standard_normal(E._GELU_CHUNK - 1).astype(np.float32),
    "one chunk and one": RNG.standard_normal(E._GELU_CHUNK + 1).astype(np.float32),
    "two elements": np.array([-0.75, 1.25], np.float32),
}


def _exact_erf(x: np.ndarray) -> np.ndarray:
    """sign(x) P_i(|x|), each step one exact ``fma32``: the NOTE's algorithm written directly."""
    shape, x = np.shape(x), np.asarray(x, np.float32).reshape(-1)
    a = np.abs(x)
    idx = (a.view(np.int32) + E._GELU_IDX_BIAS) >> 21
    np.clip(idx, 1, 24, out=idx)
    idx[a > E._GELU_ERF_ONE] = 23
    pol = E._GELU_POLY[5][idx].astype(np.float32)
    with np.errstate(invalid="ignore"):
        for d in range(4, -1, -1):
            pol = fma32(pol, a, E._GELU_POLY[d][idx].astype(np.float32))
    return np.copysign(pol, x).reshape(shape)


def _same(p: np.ndarray, q: np.ndarray) -> None:
    """Equal bits, nan compared as nan; the first difference reported."""
    p, q = np.asarray(p).reshape(-1), np.asarray(q).reshape(-1)
    ok = (p.view(np.uint32) == q.view(np.uint32)) | (np.isnan(p) & np.isnan(q))
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise AssertionError(f"{(~ok).sum()} differ; first: {p[i]!r} != {q[i]!r}")


@pytest.mark.parametrize("name", list(INPUTS))
def test_one_plus_erf_equals_the_exact_fma_polynomial(name):
    """``1 + erf``, all that gelu and its gradient read (erf itself differs by an ulp at a few
    inputs where it is too small to move ``1 + erf``, NOTE [ gelu's float32 erf ])."""
    x = INPUTS[name]
    with np.errstate(invalid="ignore"):
        _same(np.float32(1) + E._erf_gelu32(x), np.float32(1) + _exact_erf(x))


@pytest.mark.skipif(not AVX512, reason="PyTorch's float32 gelu depends on the instruction set; "
                    "numtorch follows its AVX-512 kernel (NOTE [ gelu's float32 erf ])")
@pytest.mark.parametrize("name", list(INPUTS))
def test_forward_equals_torch_bit_for_bit(name):
    x = INPUTS[name]
    _same(F.gelu(numtorch.tensor(x)).numpy(), torch.nn.functional.gelu(torch.from_numpy(x)))


# name: (shape, strided view of a larger array or not)
SHAPES = {"0-d": ((), False), "empty": ((0,), False), "empty 2-d": ((3, 0), False),
          "matrix": ((70, 600), False), "transposed": ((600, 70), True),
          "3-d": ((2, 5, 7000), False)}


@pytest.mark.parametrize("name", list(SHAPES))
def test_forward_any_shape_and_layout(name):
    shape, transposed = SHAPES[name]
    x = (RNG.standard_normal(shape[::-1] if transposed else shape) * 2).astype(np.float32)
    if transposed:
        x = x.T
    y = F.gelu(numtorch.tensor(x)).numpy()
    assert y.shape == x.shape and y.dtype == np.float32
    expected = (x * (np.float32(1) + _exact_erf(x))) * np.float32(0.5)
    _same(y, expected)


def _expected_grad(g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``g (Phi + x phi)`` rounded step by step in float32, Phi from the exact polynomial."""
    cdf = np.float32(0.5) * (np.float32(1) + _exact_erf(x))
    with np.errstate(all="ignore"):
        pdf = np.exp(x * x * np.float32(-0.5)) * np.float32(1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)


@pytest.mark.parametrize("name", ["normal", "tail", "interval edges", "one chunk and one"])
def test_backward_reuses_the_forward_erf(name):
    x = INPUTS[name]
    g = RNG.standard_normal(x.shape).astype(np.float32)
    a = numtorch.tensor(x, requires_grad=True)
    y = F.gelu(a)
    y.backward(numtorch.tensor(g), retain_graph=True)
    _same(a.grad.numpy(), _expected_grad(g, x))
    first = a.grad.numpy().copy()
    a.grad = None
    y.backward(numtorch.tensor(g))  # the kept erf is read, not consumed
    _same(a.grad.numpy(), first)
    b = torch.tensor(x, requires_grad=True)
    torch.nn.functional.gelu(b).backward(torch.from_numpy(g))
    torch.testing.assert_close(torch.from_numpy(first), b.grad, rtol=1e-5, atol=1e-6)


def test_backward_of_a_scalar_and_of_specials():
    for x in (np.float32(-1.5).reshape(()), _specials()):
        g = np.ones(x.shape, np.float32)
        a = numtorch.tensor(x, requires_grad=True)
        F.gelu(a).backward(numtorch.tensor(g))
        assert a.grad.shape == x.shape
        _same(a.grad.numpy(), _expected_grad(g, x))
