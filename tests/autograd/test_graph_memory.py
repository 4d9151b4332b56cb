"""After backward, a step's activations are freed by reference counting alone: no node keeps its
own output alive through a reference cycle (which would wait for Python's cycle collector, and
let a training run's memory climb by a whole step's activations at a time)."""

from __future__ import annotations

import gc
import weakref

import pytest

import numtorch
import numtorch.nn.functional as F

# ops whose node saves their own output (record(..., save_out=True)) or their inputs
STEPS = {
    "log_softmax": lambda x: F.log_softmax(x, 1),
    "softmax": lambda x: F.softmax(x, 1),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "exp": lambda x: x.exp(),
    "gelu": lambda x: F.gelu(x),
    "linear": lambda x: F.linear(x, numtorch.ones(3, 5, requires_grad=True)),
    "layer_norm": lambda x: F.layer_norm(x, (5,)),
    "sdpa": lambda x: F.scaled_dot_product_attention(x[None], x[None], x[None]),
}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_outputs_are_freed_after_backward_without_the_cycle_collector(name):
    x = numtorch.randn(4, 5, requires_grad=True)
    enabled = gc.isenabled()
    gc.disable()
    try:
        y = STEPS[name](x)
        ref = weakref.ref(y)
        y.sum().backward()
        del y
        assert ref() is None, "the output is still referenced after backward"
    finally:
        if enabled:
            gc.enable()
    assert x.grad is not None


def test_backward_a_second_time_still_raises_pytorchs_error():
    x = numtorch.randn(3, requires_grad=True)
    y = x.exp()
    s = y.sum()
    s.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        s.backward()
