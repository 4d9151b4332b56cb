"""Bit-for-bit agreement with PyTorch where the optimizers achieve it.

PyTorch's CPU kernels compute ``add(x, y, alpha)``, ``addcmul`` and ``lerp`` with one fused
multiply-add; numtorch emulates that in float64 (NOTE [ fused multiply-add ] in
numtorch/optim/_kernels.py), in chunks through reused scratch arrays for large arrays (NOTE
[ float64 scratch ] in numtorch/random/numerics.py).  Both routes must give PyTorch's float32
results exactly, and so must the float32 trajectories of the optimizers built only from such
steps (SGD, ASGD, Adamax, Rprop).
"""

import numpy as np
import pytest

import numtorch
from numtorch.optim import _kernels as K
from numtorch.random import numerics

torch = pytest.importorskip("torch")

LARGE = 2 * numerics._CHUNK + 1001   # takes the chunked scratch route (and a partial last chunk)
SIZES = [(), (7,), (37, 61), (LARGE,)]


def _arrays(shape, k, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(k)]


@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("alpha", [-0.01, 0.3, 1.0, -1.0])
def test_add_matches_torch_bitwise(shape, alpha):
    x, y = _arrays(shape, 2)
    expected = torch.tensor(x).add_(torch.tensor(y), alpha=alpha).numpy()
    K.add_(x, y, alpha)
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("value", [0.001, 1.0])
def test_addcmul_matches_torch_bitwise(shape, value):
    x, y, z = _arrays(shape, 3, seed=1)
    expected = torch.tensor(x).addcmul_(torch.tensor(y), torch.tensor(z), value=value).numpy()
    out = np.empty_like(x)
    K.addcmul_(x, y, z, value, out=out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("weight", [0.1, 0.9])    # both of lerp's branches
def test_lerp_matches_torch_bitwise(shape, weight):
    x, y = _arrays(shape, 2, seed=2)
    expected = torch.tensor(x).lerp_(torch.tensor(y), weight).numpy()
    K.lerp_(x, y, weight)
    np.testing.assert_array_equal(x, expected)


def test_non_contiguous_operands_take_the_direct_route():
    x, y = _arrays((LARGE, 2), 2, seed=3)
    xs, ys = x[:, 0], y[::-1, 1]                      # strided views of a large array
    expected = torch.tensor(xs.copy()).add_(torch.tensor(ys.copy()), alpha=0.07).numpy()
    before = x[:, 1].copy()
    K.add_(xs, ys, 0.07)
    np.testing.assert_array_equal(xs, expected)
    np.testing.assert_array_equal(x[:, 1], before)    # the other column is untouched


def test_broadcast_operand():
    x, = _arrays((LARGE,), 1, seed=4)
    z = np.array(np.float32(1.5))
    expected = torch.tensor(x).addcmul_(torch.tensor(x), torch.tensor(z), value=0.1).numpy()
    K.addcmul_(x, x.copy(), z, 0.1)
    np.testing.assert_array_equal(x, expected)


SMALL = [(64, 33), (5,), ()]
EXACT = [("SGD", dict(lr=0.05), [(LARGE,), ()]),
         ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1), SMALL),
         ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True), SMALL),
         ("ASGD", dict(lr=0.01, t0=3, weight_decay=0.1), SMALL),
         ("Adamax", dict(lr=0.01, weight_decay=0.1), SMALL),
         ("Rprop", dict(lr=0.01, maximize=True), SMALL)]


@pytest.mark.parametrize("name,kw,shapes", EXACT, ids=[f"{n}-{kw}" for n, kw, _ in EXACT])
def test_float32_trajectory_is_bit_exact(name, kw, shapes):
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    nparams = [numtorch.tensor(a, requires_grad=True) for a in init]
    topt, nopt = (getattr(torch.optim, name)(tparams, **kw),
                  getattr(numtorch.optim, name)(nparams, **kw))
    for step in range(30):
        for t, n, s in zip(tparams, nparams, shapes):
            g = rng.standard_normal(s).astype(np.float32)
            t.grad, n.grad = torch.tensor(g), numtorch.tensor(g)
        topt.step()
        nopt.step()
        for i, (t, n) in enumerate(zip(tparams, nparams)):
            np.testing.assert_array_equal(
                n.detach().numpy(), t.detach().numpy(), err_msg=f"step {step} param {i}"
            )
            for key, value in topt.state[t].items():
                if key != "step":
                    np.testing.assert_array_equal(nopt.state[n][key].numpy(), value.numpy(),
                                                  err_msg=f"step {step} state[{i}][{key!r}]")
