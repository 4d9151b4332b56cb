"""Large contiguous ``normal_`` fills against PyTorch, bit for bit, for every route of the kernel.

The contiguous kernel goes through the arrays in chunks and takes short cuts for the final
``fma(x, std, mean)`` where one rounding is guaranteed without the exact fused multiply-add
(``mean == 0``, or ``std`` a power of two); each case below crosses several chunk
boundaries and ends in a partial block of 16, and the next draws prove that the generator
advanced exactly as PyTorch's did.
"""

from __future__ import annotations

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

N = 2**20 + 5

# (mean, std): the default, a power-of-two std with and without a mean, the usual init
# scales, a negative mean, std 0, a tiny and a huge power of two, a subnormal std
PARAMS = [(0.0, 1.0), (0.0, 0.5), (3.0, 0.25), (0.0, 0.02), (-1.5, 0.02), (0.1, 1.0),
          (-0.0, 0.01), (2.0, 0.0), (0.0, 2.0**-30), (1e-3, 2.0**40), (0.0, 1e-40),
          (-7.25, 3.3)]
DTYPES = ["float32", "float64", "float16"]


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize])


def _same(nt, tt) -> None:
    a, b = nt.numpy(), tt.numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    diff = _bits(a) != _bits(b)
    assert not diff.any(), (f"{diff.sum()} of {a.size} differ; first at {np.flatnonzero(diff)[0]}:"
                            f" {a[diff][:3]} vs {b[diff][:3]}")


def _fill(m, dtype: str, n: int, mean: float, std: float):
    return m.empty(n, dtype=getattr(m, dtype)).normal_(mean, std)


# float64 runs the C library per element: the first few parameter pairs suffice there
CASES = [(dt, mean, std) for dt in DTYPES for i, (mean, std) in enumerate(PARAMS)
         if dt != "float64" or i < 5]


@pytest.mark.parametrize("dtype,mean,std", CASES)
def test_large_normal_matches_torch(dtype, mean, std):
    numtorch.manual_seed(7)
    torch.manual_seed(7)
    n = N // 4 if dtype == "float64" else N
    _same(_fill(numtorch, dtype, n, mean, std), _fill(torch, dtype, n, mean, std))
    _same(numtorch.randn(33), torch.randn(33))
    _same(numtorch.rand(3), torch.rand(3))


@pytest.mark.parametrize("n", [16, 31, 4096 + 3, 3 * 65536 + 16, 3 * 65536 + 17])
def test_chunk_edges_match_torch(n):
    numtorch.manual_seed(n)
    torch.manual_seed(n)
    for mean, std in [(0.0, 1.0), (0.5, 0.02)]:
        _same(_fill(numtorch, "float32", n, mean, std), _fill(torch, "float32", n, mean, std))
        _same(_fill(numtorch, "float16", n, mean, std), _fill(torch, "float16", n, mean, std))


def test_randn_and_init_normal_match_torch():
    numtorch.manual_seed(3)
    torch.manual_seed(3)
    _same(numtorch.randn(1025, 1031), torch.randn(1025, 1031))
    w, tw = numtorch.empty(777, 1025), torch.empty(777, 1025)
    numtorch.nn.init.normal_(w, 0.0, 0.02)
    torch.nn.init.normal_(tw, 0.0, 0.02)
    _same(w.detach(), tw.detach())
    numtorch.nn.init.kaiming_normal_(w)
    torch.nn.init.kaiming_normal_(tw)
    _same(w.detach(), tw.detach())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (-0.0138, 0.0138), (-3.0, 5.5)])
def test_large_uniform_matches_torch(dtype, lo, hi):
    """``uniform_`` goes through large tensors in chunks, straight into the tensor."""
    numtorch.manual_seed(11)
    torch.manual_seed(11)
    n = 3 * 65536 + 5
    _same(numtorch.empty(n, dtype=getattr(numtorch, dtype)).uniform_(lo, hi),
          torch.empty(n, dtype=getattr(torch, dtype)).uniform_(lo, hi))
    _same(numtorch.randn(33), torch.randn(33))


def test_linear_init_and_non_contiguous_fills_match_torch():
    numtorch.manual_seed(5)
    torch.manual_seed(5)
    a, b = numtorch.nn.Linear(1000, 300), torch.nn.Linear(1000, 300)
    _same(a.weight.detach(), b.weight.detach())
    _same(a.bias.detach(), b.bias.detach())
    for fn in (lambda m: m.zeros(700, 300).t().uniform_(-2.0, 1.0),
               lambda m: m.zeros(700, 300).t().normal_(0.5, 0.02)):
        _same(fn(numtorch), fn(torch))


@pytest.mark.parametrize("std,mean", [(1.0, 0.0), (1.0, -0.0), (0.02, 0.0), (0.25, 3.0),
                                      (0.0, -0.0), (0.0, 2.0), (2.0**-40, 0.0), (2.0**40, -1.0)])
def test_final_fma_short_cut_keeps_signed_zeros(std, mean):
    """``x * std + mean`` in two plain operations gives the fused result's bits, signed zeros
    included (``-0 * 1 + 0`` is ``+0``), at the ends of the sample range."""
    from numtorch.random.numerics import fma32
    from numtorch.random.recipes import _affine, _plain_affine

    assert _plain_affine(np.float32(std), np.float32(mean))
    x = np.array([-0.0, 0.0, 2.0**-37.8, -(2.0**-37.8), 5.768, -5.768, 1 / 3], np.float64)
    x32 = x.astype(np.float32)
    got = _affine(x32.copy(), np.float32(std), np.float32(mean))
    assert np.array_equal(_bits(got), _bits(fma32(x32, np.float32(std), np.float32(mean))))
    for v, cast in ((x32, np.float32), (x, np.float64)):
        t = torch.from_numpy(v)
        want = torch.addcmul(torch.full_like(t, mean), t, torch.full_like(t, std)).numpy()
        got = _affine(v.copy(), cast(std), cast(mean))
        assert np.array_equal(_bits(got), _bits(want)), (cast, got, want)
