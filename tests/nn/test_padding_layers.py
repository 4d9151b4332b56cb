"""F.pad in every mode and the padding modules against PyTorch: values, gradients, float64
gradcheck, module reprs and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
import numtorch.nn.functional as F
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")

from conftest import assert_close, assert_same_error  # noqa: E402

# (input shape, pad, mode, value)
PAD = [
    ((2, 3, 5), (1, 2), "reflect", None),
    ((3, 5), (2, 0), "reflect", None),
    ((2, 3, 4, 5), (1, 2, 3, 0), "reflect", None),
    ((3, 4, 5), (3, 3, 2, 2), "reflect", None),
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 2, 1), "reflect", None),
    ((2, 3, 4, 5), (-1, 2, 1, -2), "reflect", None),
    ((2, 3, 5), (4, 6), "replicate", None),
    ((2, 4, 5), (1, 2), "replicate", None),
    ((1, 2, 3, 4), (2, 3, 0, 4), "replicate", None),
    ((2, 3, 2, 3, 4), (1, 2, 1, 0, 0, 3), "replicate", None),
    ((2, 3, 5), (-2, 1), "replicate", None),
    ((2, 3, 5), (5, 2), "circular", None),
    ((3, 4, 5), (1, 2, 3, 4), "circular", None),
    ((1, 2, 3, 4, 5), (1, 2, 3, 0, 2, 1), "circular", None),
    ((2, 3, 4, 5), (1, -2, 2, -1), "circular", None),
    ((2, 3, 5), (-2, 1), "circular", None),
    ((2, 3, 4), (1, 2, 0, 1), "constant", 1.5),
    ((2, 3, 4), (-1, 2), "constant", None),
    ((2, 3, 4), (1, 1, 1, 1, 1, 1), "constant", None),
]
IDS = [f"{m}-{len(s)}d-{p}" for s, p, m, _ in PAD]


def _pair(x, noncontig):
    if noncontig:
        t = torch.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        n = numtorch.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        assert not n.is_contiguous() or min(x.shape[-2:]) == 1
    else:
        t, n = torch.tensor(x), numtorch.tensor(x)
    return t.requires_grad_(), n.requires_grad_()


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("shape,pad,mode,value", PAD, ids=IDS)
def test_pad_matches_torch(shape, pad, mode, value, noncontig):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    tx, nx = _pair(x, noncontig)
    kw = {} if value is None else {"value": value}
    ty = torch.nn.functional.pad(tx, pad, mode, **kw)
    ny = F.pad(nx, pad, mode, **kw)
    assert np.array_equal(ny.detach().numpy(), ty.detach().numpy())
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nx.grad, tx.grad, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape,pad,mode,value", PAD[::3], ids=IDS[::3])
def test_pad_gradcheck(shape, pad, mode, value):
    x = numtorch.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, pad, mode), (x,))


def test_pad_node_names():
    x = numtorch.zeros(1, 2, 3, 4, requires_grad=True)
    assert F.pad(x[0], (1, 1), "reflect").grad_fn.name() == "ReflectionPad1DBackward0"
    assert F.pad(x, (1, 1, 1, 1), "reflect").grad_fn.name() == "ReflectionPad2DBackward0"
    assert F.pad(x, (1, 1, 1, 1), "replicate").grad_fn.name() == "ReplicationPad2DBackward0"


PAD_ERRORS = [
    ((1, 2, 3), (3, 3), "reflect", None),
    ((1, 2, 3), (1, 4), "reflect", None),
    ((2, 3, 4), (1, 1, 3, 3), "reflect", None),
    ((1, 3, 4, 5), (1, 1, 1, 1, 3, 3), "reflect", None),
    ((1, 2, 3), (4, 0), "circular", None),
    ((1, 2, 5), (-3, -3), "circular", None),
    ((1, 2, 5), (-6, 7), "circular", None),
    ((1, 2, 3), (1, 1, 1, 1, 1, 1), "replicate", None),
    ((3,), (1, 1), "replicate", None),
    ((1, 1, 1, 1, 1, 3), (1, 1), "circular", None),
    ((2, 3, 4, 5), (1, 1), "reflect", None),
    ((1, 2, 3), (1,), "reflect", None),
    ((1, 2, 3), (1, 1), "foo", None),
    ((1, 2, 3), (1, 1), "reflect", 1.0),
    ((2, 3), (1, 1, 1, 1, 1, 1), "constant", None),
]


@pytest.mark.parametrize("shape,pad,mode,value", PAD_ERRORS)
def test_pad_errors(shape, pad, mode, value):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: torch.nn.functional.pad(torch.tensor(x), pad, mode, value),
                      lambda: F.pad(numtorch.tensor(x), pad, mode, value))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("dtype", ["int64", "bool", "float64"])
@pytest.mark.parametrize("shape,pad", [((2, 5), (1, 2)), ((1, 2, 3, 3), (1, 1, 2, 0)),
                                       ((1, 2, 3, 3, 3), (1, 1, 1, 1, 0, 2))])
def test_pad_dtypes(shape, pad, mode, dtype):
    x = (np.arange(int(np.prod(shape))).reshape(shape) % 3).astype(dtype)
    try:
        expected = torch.nn.functional.pad(torch.tensor(x), pad, mode)
    except NotImplementedError:
        assert_same_error(lambda: torch.nn.functional.pad(torch.tensor(x), pad, mode),
                          lambda: F.pad(numtorch.tensor(x), pad, mode))
        return
    got = F.pad(numtorch.tensor(x), pad, mode)
    assert got.dtype == getattr(numtorch, dtype)
    assert np.array_equal(got.numpy(), expected.numpy())


# (class, constructor args, input shape)
MODULES = [
    ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ZeroPad1d", ((1, 0),), (3, 4)),
    ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
    ("ZeroPad2d", (1,), (3, 4, 5)),
    ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)),
    ("ConstantPad2d", ((1, 0, 2, 1), -1), (2, 3, 4, 5)),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.0), (2, 3, 4, 5)),
    ("ReflectionPad1d", (2,), (2, 3, 4)),
    ("ReflectionPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ReplicationPad1d", ((3, 1),), (3, 4)),
    ("ReplicationPad2d", (2,), (3, 4, 5)),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), (2, 3, 4, 5)),
    ("CircularPad1d", (2,), (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("name,args,shape", MODULES, ids=[m[0] for m in MODULES])
def test_padding_modules(name, args, shape):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    tm, nm = getattr(torch.nn, name)(*args), getattr(numtorch.nn, name)(*args)
    assert repr(nm) == repr(tm)
    assert nm.padding == tm.padding
    tx, nx = _pair(x, False)
    ty, ny = tm(tx), nm(nx)
    assert np.array_equal(ny.detach().numpy(), ty.detach().numpy())
    ty.sum().backward()
    ny.sum().backward()
    assert_close(nx.grad, tx.grad)


@pytest.mark.parametrize("name,shape", [("CircularPad1d", (4,)), ("CircularPad2d", (3, 4)),
                                        ("CircularPad3d", (2, 3, 4)),
                                        ("ReflectionPad2d", (3, 4)), ("ZeroPad2d", (3,))])
def test_padding_module_errors(name, shape):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: getattr(torch.nn, name)(1)(torch.tensor(x)),
                      lambda: getattr(numtorch.nn, name)(1)(numtorch.tensor(x)))
