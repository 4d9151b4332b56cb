"""``linear``'s weight gradient for a batch of one row is an outer product: each element is one
rounded product, so it equals PyTorch's bit for bit, subnormals and infinities included.  The
sign of a zero is left out: a BLAS may add the product to a +0 accumulator."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

# (input shape, weight shape): one row as (1, in), as a 3-d (1, 1, in), and with a bias or not
CASES = [((1, 784), (512, 784), True), ((1, 7), (5, 7), False), ((1, 1, 33), (9, 33), True)]


def _special(rng, shape, scale):
    a = (rng.standard_normal(shape) * scale).astype(np.float32)
    flat = a.reshape(-1)
    flat[:4] = [0.0, -0.0, 1e-40, -3e-39]     # signed zeros and subnormals
    return a


@pytest.mark.parametrize("xshape,wshape,bias", CASES)
@pytest.mark.parametrize("scale", [1.0, 1e-20, 1e18])
def test_weight_grad_of_one_row_is_torchs_bit_for_bit(xshape, wshape, bias, scale):
    rng = np.random.default_rng(len(xshape) + wshape[0])
    x = _special(rng, xshape, scale)
    w = _special(rng, wshape, 1.0)
    b = rng.standard_normal(wshape[0]).astype(np.float32) if bias else None
    g = _special(rng, xshape[:-1] + (wshape[0],), scale)
    grads = []
    for m in (numtorch, torch):
        wt = m.tensor(w, requires_grad=True)
        out = m.nn.functional.linear(m.tensor(x), wt, None if b is None else m.tensor(b))
        out.backward(m.tensor(g))
        grads.append(wt.grad.numpy())
    a, b = grads
    assert np.array_equal(a, b)                          # values; -0.0 == 0.0
    nonzero = a != 0
    assert np.array_equal(a[nonzero].view(np.uint32), b[nonzero].view(np.uint32))


def test_gradcheck_one_row():
    x = numtorch.randn(1, 6, dtype=numtorch.float64, requires_grad=True)
    w = numtorch.randn(4, 6, dtype=numtorch.float64, requires_grad=True)
    b = numtorch.randn(4, dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(numtorch.nn.functional.linear, (x, w, b))
