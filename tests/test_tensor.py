"""Tensor basics against PyTorch: creation, dtypes and promotion, conversion, devices, repr."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import assert_close

import numtorch

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def both(fn):
    return fn(numtorch), fn(torch)


@pytest.mark.parametrize("make", [
    lambda L: L.tensor(1.5),
    lambda L: L.tensor(3),
    lambda L: L.tensor(True),
    lambda L: L.tensor([1, 2.5]),
    lambda L: L.tensor([[1, 2], [3, 4]]),
    lambda L: L.tensor([]),
    lambda L: L.tensor([[True, False]]),
    lambda L: L.tensor(np.arange(3, dtype=np.float64)),
    lambda L: L.tensor(np.arange(3, dtype=np.int32)),
    lambda L: L.tensor([1, 2], dtype=L.float64), lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    lambda L: L.tensor([0.1, 1 / 3], dtype=L.float64), lambda L: L.tensor(0.1, dtype=L.float64),
    lambda L: L.as_tensor([0.1, 2.7], dtype=L.float64),
    lambda L: L.as_tensor([1.0, 2.0]), lambda L: L.as_tensor(np.ones(2, np.int16)),
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3), dtype=L.int64), lambda L: L.ones([4]),
    lambda L: L.full((2, 2), 7), lambda L: L.full((2,), 1.5), lambda L: L.full((2,), True),
    lambda L: L.empty(0, 3).shape, lambda L: L.eye(3), lambda L: L.eye(2, 4, dtype=L.int32),
    lambda L: L.arange(5), lambda L: L.arange(1, 4, 0.5), lambda L: L.arange(0, 1, 0.1),
    lambda L: L.arange(10, 0, -3), lambda L: L.arange(5.0), lambda L: L.linspace(0, 1, 5),
    lambda L: L.linspace(-2, 3, 7, dtype=L.float64), lambda L: L.linspace(0, 10, 1),
    lambda L: L.zeros_like(L.ones(2, dtype=L.int8)), lambda L: L.ones_like(L.ones(2, 3)),
    lambda L: L.full_like(L.ones(2), 3.5), lambda L: L.empty_like(L.ones(2, 3)).shape,
    lambda L: L.ones(2).new_zeros(3), lambda L: L.ones(2, dtype=L.int32).new_ones((2, 2)),
    lambda L: L.ones(2, dtype=L.float64).new_tensor([1, 2]), lambda L: L.ones(1).new_full((2,), 4),
    lambda L: L.Tensor(2, 3).shape, lambda L: L.Tensor([1, 2]),
])
def test_creation(make):
    n, t = both(make)
    if isinstance(t, torch.Tensor):
        assert_close(n, t)
    else:
        assert tuple(n) == tuple(t)


def test_from_numpy_and_numpy_share_memory():
    a = np.zeros(3, np.float32)
    t = numtorch.from_numpy(a)
    t[0] = 5
    a[1] = 7
    assert t.tolist() == [5.0, 7.0, 0.0]
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    x = numtorch.ones(2)
    x.numpy()[1] = 3
    assert x.tolist() == [1.0, 3.0]


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_type_promotion_tensor_tensor(a, b):
    def f(L):
        x = L.ones(2, dtype=getattr(L, a))
        y = L.ones(2, dtype=getattr(L, b))
        z0 = L.ones((), dtype=getattr(L, b))
        return [str((x + y).dtype), str((x * z0).dtype), str(L.result_type(x, z0)),
                str(L.promote_types(getattr(L, a), getattr(L, b)))]
    n, t = both(f)
    assert n == t


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_type_promotion_with_scalars(a, scalar):
    def f(L):
        x = L.ones(2, dtype=getattr(L, a))
        out = []
        for op in (lambda: x * scalar, lambda: scalar * x, lambda: x / scalar, lambda: x - scalar if
                   not (a == "bool" and scalar is True) else x):
            try:
                out.append(str(op().dtype))
            except RuntimeError as e:
                out.append(type(e).__name__)
        return out
    n, t = both(f)
    assert n == t


def test_default_dtype_switch():
    def f(L):
        L.set_default_dtype(L.float64)
        try:
            return [
                str(L.tensor([1.5]).dtype), str(L.ones(1).dtype), str((L.tensor([1]) * 1.5).dtype),
                str(L.get_default_dtype()), str(L.arange(0.5, 2).dtype),
            ]
        finally:
            L.set_default_dtype(L.float32)
    assert both(f)[0] == both(f)[1]


@pytest.mark.parametrize(
    "conv", ["float", "double", "long", "int", "bool", "half", "short", "char", "byte"]
)
def test_conversions(conv):
    def f(L):
        x = L.tensor([[-1.7, 0.0], [2.5, 3.2]])
        return getattr(x, conv)()
    assert_close(*both(f))


def test_to_and_type():
    def f(L):
        x = L.tensor([1.5, -2.0])
        other = L.ones(1, dtype=L.float64)
        return [x.to(L.int64), x.to("cpu"), x.to("cpu", L.float64), x.to(other), x.type(L.int32),
                x.to(dtype=L.float16), x.cpu()]
    for a, b in zip(*both(f)):
        assert_close(a, b)
    x = numtorch.ones(2)
    assert x.to(numtorch.float32) is x and x.to(numtorch.float32, copy=True) is not x
    assert x.type() == torch.ones(2).type() == "torch.FloatTensor"
    assert x.type("torch.DoubleTensor").dtype is numtorch.float64


def test_device():
    x = numtorch.ones(2)
    assert (
        str(x.device) == "cpu"
        and x.device == numtorch.device("cpu")
        and repr(x.device) == "device(type='cpu')"
    )
    assert repr(numtorch.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert numtorch.cuda.is_available() is False
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        x.cuda()
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        numtorch.zeros(2, device="cuda")


def test_attributes():
    def f(L):
        x = L.arange(24.0).reshape(2, 3, 4).transpose(0, 2)
        return [tuple(x.shape), x.size(), x.size(1), x.size(-1), x.dim(), x.ndim, x.numel(),
                str(x.dtype), x.is_contiguous(), x.contiguous().is_contiguous(), x.stride(),
                x.element_size(), x.is_leaf, x.requires_grad, x.is_floating_point(), L.is_tensor(x),
                repr(x.shape), len(x)]
    n, t = both(f)
    assert n == t


def test_item_tolist_and_scalars():
    def f(L):
        x = L.tensor([[1.5, 2.0]])
        return [
            x[0, 1].item(), x.tolist(), L.tensor(3).item(), float(L.tensor(2.5)), int(L.tensor(7)),
            bool(L.tensor([1])), L.tensor([True]).tolist(), f"{L.tensor(0.5):.3f}",
            [v.item() for v in x[0]],
        ]
    assert both(f)[0] == both(f)[1]


def test_clone_detach_data():
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 10
    assert y.tolist()[0] == 10  # detach shares data, as in PyTorch
    c = y.clone()
    assert c.grad_fn is not None and type(c.grad_fn).__name__ == "CloneBackward0"
    x.data = numtorch.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad
    assert not x.data.requires_grad


@pytest.mark.parametrize("make", [
    lambda L: L.tensor([[1.0, 2.0]], requires_grad=True),
    lambda L: L.tensor([1.0], requires_grad=True) * 2,
    lambda L: L.tensor([1, 2], dtype=L.int32), lambda L: L.tensor([1.5], dtype=L.float64),
    lambda L: L.tensor(3.25), lambda L: L.arange(2000.0), lambda L: L.tensor([True, False]),
    lambda L: L.tensor([1e-8, 1e9]), lambda L: L.zeros(0, 3), lambda L: L.tensor([1.0]).sum(),
    lambda L: L.ones(2, requires_grad=True).exp().mean(),
])
def test_repr_matches_torch(make):
    n, t = both(make)
    assert repr(n) == repr(t)
    assert str(n) == str(t)


def test_pickle_roundtrip():
    x = numtorch.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad and y.dtype is numtorch.float32
    assert pickle.loads(pickle.dumps(numtorch.float64)) is numtorch.float64


def test_iteration_and_len():
    x = numtorch.arange(6).reshape(3, 2)
    rows = list(x)
    assert len(rows) == 3 and rows[1].tolist() == [2, 3]


def test_out_argument():
    def f(L):
        out = L.empty(3)
        r = L.add(L.ones(3), L.ones(3), out=out)
        o2 = L.empty(0)
        L.mul(L.ones(2, 2), 3, out=o2)
        return out, r is out, o2
    (o, same, o2), (ot, samet, o2t) = both(f)
    assert_close(o, ot)
    assert same and samet
    assert_close(o2, o2t)
    with pytest.raises(
        RuntimeError, match="out=... arguments don't support automatic differentiation"
    ):
        numtorch.add(numtorch.ones(2, requires_grad=True), 1, out=numtorch.empty(2))


def test_inplace_dunders_and_methods():
    def f(L):
        x = L.arange(6.0).reshape(2, 3)
        x += 1
        x *= L.tensor([1.0, 2.0, 3.0])
        x -= 0.5
        x /= 2
        x.clamp_(0, 4).sqrt_()
        x.masked_fill_(x > 1.5, 0.0)
        w = L.ones(2, 2)
        w.fill_(x[0, 1].item())
        z0 = L.ones(3).zero_()
        y = L.zeros(2, 3).copy_(L.tensor([1.0, 2.0, 3.0]))
        z = L.tensor([1, 2, 3])
        z //= 2
        return x, y, z, w, z0, x._version
    n, t = both(f)
    for a, b in zip(n[:5], t[:5]):
        assert_close(a, b)
    assert n[5] == t[5]


def test_comparisons_and_logic():
    def f(L):
        a = L.tensor([1.0, float("nan"), 3.0, -float("inf")])
        b = L.tensor([1.0, 2.0, 2.0, 0.0])
        return [a == b, a != b, a < b, a <= b, a > b, a >= b, L.isnan(a), L.isinf(a), L.isfinite(a),
                L.isclose(a, b), (a > 0) & (b > 1), (a > 0) | (b > 1), ~(a > 0),
                L.logical_xor(a > 0, b > 1), L.logical_not(b), L.nonzero(b), L.where(b > 1),
                L.count_nonzero(b), b.all(),
                b.any(dim=0),
                L.unique(L.tensor([3, 1, 3, 2]), return_counts=True, return_inverse=True)]
    n, t = both(f)
    for a, b in zip(n, t):
        if isinstance(b, tuple):
            for x, y in zip(a, b):
                assert_close(x, y)
        else:
            assert_close(a, b)
    assert numtorch.equal(numtorch.ones(2), numtorch.ones(2)) and not numtorch.equal(
        numtorch.ones(2), numtorch.ones(3)
    )
    assert numtorch.allclose(numtorch.ones(2), numtorch.ones(2) + 1e-9)


def test_max_min_named_tuples():
    def f(L):
        x = L.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
        m = x.max(dim=1)
        s = x.sort(dim=1, descending=True)
        k = x.topk(2)
        return [
            m.values, m.indices, m[0], s.values, s.indices, k.indices, x.min(0).indices, repr(m)
        ]
    n, t = both(f)
    for a, b in zip(n[:-1], t[:-1]):
        assert_close(a, b)
    assert n[-1] == t[-1]


def test_scatter_with_0d_index_one_hot():
    """The FashionMNIST tutorial's one-hot target transform."""
    def f(L):
        return L.zeros(10, dtype=L.float).scatter_(0, L.tensor(3), value=1)
    assert_close(*both(f))


def test_int_index_gives_a_view():
    def f(L):
        a = L.arange(5.0)
        a[1].add_(10)
        b = L.arange(6.0).reshape(2, 3)
        b[1][2].mul_(3)
        return a, b
    n, t = both(f)
    assert_close(n[0], t[0])
    assert_close(n[1], t[1])


def test_float64_from_python_floats_is_exact():
    def f(L):
        return [L.tensor([0.1, 1 / 3], dtype=L.float64).tolist(),
                L.tensor(0.1, dtype=L.float64).item(), L.as_tensor([2.7], dtype=L.float64).tolist(),
                L.full((1,), 0.1, dtype=L.float64).tolist()]
    n, t = both(f)
    assert n == t


def test_finfo_iinfo_and_constants():
    for name in ("float32", "float64", "float16"):
        nf, tf = numtorch.finfo(getattr(numtorch, name)), torch.finfo(getattr(torch, name))
        assert repr(nf) == repr(tf)
        assert (nf.bits, nf.eps, nf.max, nf.min, nf.tiny, nf.resolution) == \
            (tf.bits, tf.eps, tf.max, tf.min, tf.tiny, tf.resolution)
    for name in ("int64", "int32", "int16", "int8", "uint8"):
        ni, ti = numtorch.iinfo(getattr(numtorch, name)), torch.iinfo(getattr(torch, name))
        assert repr(ni) == repr(ti) and (ni.bits, ni.min, ni.max) == (ti.bits, ti.min, ti.max)
    assert repr(numtorch.finfo()) == repr(torch.finfo())
    assert (numtorch.pi, numtorch.e, numtorch.inf) == (torch.pi, torch.e, torch.inf)
    assert numtorch.newaxis is None and numtorch.nan != numtorch.nan
