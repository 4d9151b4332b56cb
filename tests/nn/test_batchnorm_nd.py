"""BatchNorm2d/3d against PyTorch: outputs, gradients, running statistics over steps, eval.

Each configuration builds the same layer in numtorch and in PyTorch, feeds both the same
inputs for a few training steps, then compares outputs, input/weight/bias gradients and the
buffers after every step, and finally the eval-mode output.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch

torch = pytest.importorskip("torch")

# (class name, input shape, constructor kwargs)
CASES = [
    ("BatchNorm2d", (4, 3, 5, 6), {}),
    ("BatchNorm2d", (1, 2, 3, 3), {}),                          # batch 1: statistics over H, W
    ("BatchNorm2d", (3, 4, 2, 5), {"momentum": None}),          # cumulative average
    ("BatchNorm2d", (2, 3, 4, 4), {"momentum": 0.3, "eps": 1e-3}),
    ("BatchNorm2d", (2, 3, 4, 4), {"affine": False}),
    ("BatchNorm2d", (2, 3, 4, 4), {"track_running_stats": False}),
    ("BatchNorm2d", (2, 3, 4, 4), {"bias": False}),
    ("BatchNorm3d", (2, 3, 3, 4, 5), {}),
    ("BatchNorm3d", (3, 2, 2, 3, 2), {"momentum": None}),
    ("BatchNorm3d", (2, 2, 2, 2, 3), {"track_running_stats": False, "affine": False}),
]


def _bias_kw_supported() -> bool:
    try:
        torch.nn.BatchNorm2d(2, bias=False)
    except TypeError:
        return False
    return True


@pytest.mark.parametrize("cls,shape,kw", CASES)
def test_train_steps_then_eval(cls, shape, kw):
    if "bias" in kw and not _bias_kw_supported():
        pytest.skip("this PyTorch has no bias= on batch norm")
    rng = np.random.default_rng(0)
    n = getattr(numtorch.nn, cls)(shape[1], **kw)
    t = getattr(torch.nn, cls)(shape[1], **kw)
    assert repr(n) == repr(t)
    if n.weight is not None:  # non-trivial affine parameters, copied
        w = rng.standard_normal(shape[1]).astype(np.float32)
        n.weight.data = numtorch.tensor(w)
        t.weight.data = torch.tensor(w)
        if n.bias is not None:
            b = rng.standard_normal(shape[1]).astype(np.float32)
            n.bias.data = numtorch.tensor(b)
            t.bias.data = torch.tensor(b)
    for _ in range(3):
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        xn = numtorch.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yn, yt = n(xn), t(xt)
        assert_close(yn, yt)
        yn.backward(numtorch.tensor(g))
        yt.backward(torch.tensor(g))
        assert_close(xn.grad, xt.grad, rtol=1e-4, atol=1e-5)
        for name in ("weight", "bias"):
            if getattr(t, name) is not None:
                assert_close(getattr(n, name).grad, getattr(t, name).grad, rtol=1e-4, atol=1e-4)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            if getattr(t, name) is None:
                assert getattr(n, name) is None
            else:
                assert_close(getattr(n, name), getattr(t, name))
    assert sorted(n.state_dict()) == sorted(t.state_dict())
    n.eval()
    t.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    assert_close(n(numtorch.tensor(x)), t(torch.tensor(x)))
    if t.num_batches_tracked is not None:
        assert_close(n.num_batches_tracked, t.num_batches_tracked)  # eval does not count


@pytest.mark.parametrize(
    "cls,shape", [("BatchNorm2d", (2, 2, 3, 3)), ("BatchNorm3d", (2, 2, 2, 2, 3))]
)
@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_float64(cls, shape, training):
    numtorch.manual_seed(0)
    m = getattr(numtorch.nn, cls)(shape[1]).double()
    m.running_var.data = numtorch.rand(shape[1], dtype=numtorch.float64) + 0.5
    m.running_mean.data = numtorch.randn(shape[1], dtype=numtorch.float64)
    m.weight.data = numtorch.randn(shape[1], dtype=numtorch.float64)
    m.train(training)
    m.momentum = 0.0  # gradcheck's repeated calls leave the running statistics unchanged
    x = numtorch.randn(*shape, dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(lambda x, w, b: m(x), (x, m.weight, m.bias))


BAD = [
    ("BatchNorm2d", (2, 3, 4)),
    ("BatchNorm2d", (2, 3, 4, 4, 4)),
    ("BatchNorm2d", (3, 4)),
    ("BatchNorm3d", (2, 3, 4, 4)),
    ("BatchNorm3d", (2, 3, 4, 4, 4, 4)),
]


@pytest.mark.parametrize("cls,shape", BAD)
def test_wrong_dims_error(cls, shape):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: getattr(torch.nn, cls)(3)(torch.tensor(x)),
                      lambda: getattr(numtorch.nn, cls)(3)(numtorch.tensor(x)))


@pytest.mark.parametrize(
    "cls,shape", [("BatchNorm2d", (1, 3, 1, 1)), ("BatchNorm3d", (1, 3, 1, 1, 1))]
)
def test_one_value_per_channel_error(cls, shape):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: getattr(torch.nn, cls)(3)(torch.tensor(x)),
                      lambda: getattr(numtorch.nn, cls)(3)(numtorch.tensor(x)))


def test_wrong_channel_count_error():
    x = np.zeros((2, 4, 3, 3), np.float32)
    assert_same_error(lambda: torch.nn.BatchNorm2d(3)(torch.tensor(x)),
                      lambda: numtorch.nn.BatchNorm2d(3)(numtorch.tensor(x)))


def test_state_dict_loads_into_torch():
    n = numtorch.nn.BatchNorm2d(3)
    n(numtorch.randn(4, 3, 2, 2))
    t = torch.nn.BatchNorm2d(3)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in n.state_dict().items()})
    assert int(t.num_batches_tracked) == 1
    np.testing.assert_array_equal(t.running_mean.numpy(), n.running_mean.numpy())
