"""``repeat`` always returns a new tensor that owns its memory, as PyTorch's does."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

CASES = [((3,), (1,)), ((2, 3), (1, 1)), ((2, 3), (1, 1, 1)), ((2, 3), (2, 1)), ((0, 2), (1, 1)),
         ((), (1,))]


@pytest.mark.parametrize("shape,sizes", CASES)
def test_repeat_result_is_independent_of_its_input(shape, sizes):
    results = []
    for L in (numtorch, torch):
        x = L.arange(int(np.prod(shape)), dtype=L.float32).reshape(shape)
        r = x.repeat(*sizes)
        r.add_(1)  # writable, and writing does not reach x
        results.append((r.tolist(), x.tolist()))
    assert results[0] == results[1]


def test_repeat_gradient_with_nothing_repeated():
    grads = []
    for L in (numtorch, torch):
        x = L.ones(2, 3, requires_grad=True)
        (x.repeat(1, 1) * L.arange(6.0).reshape(2, 3)).sum().backward()
        grads.append((x.grad.tolist(), type(x.repeat(1, 1).grad_fn).__name__))
    assert grads[0] == grads[1]
