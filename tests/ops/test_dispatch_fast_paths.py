"""The fast paths of ``+ - * /`` and the unary elementwise ops (NOTE [ the binary fast path ]).

Two floating tensors of one dtype take a path that skips promotion; everything else takes the
general path.  Both must behave as PyTorch does: values (bit for bit), gradients, node names,
saved-tensor checks, errors, the quiet floating-point state, and ``NotImplemented`` for
operands that are not numbers.  Each case is checked against PyTorch, and the fast path's node
against the general path's.
"""

from __future__ import annotations

import importlib
import operator
import warnings

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch as nt

torch = pytest.importorskip("torch")
E = importlib.import_module("numtorch._ops.elementwise")

# name, operator, numtorch function, general path, PyTorch node name
BINARY = [
    ("add", operator.add, nt.add, E._add, "AddBackward0"),
    ("sub", operator.sub, nt.sub, E._sub, "SubBackward0"),
    ("mul", operator.mul, nt.mul, E._mul, "MulBackward0"),
    ("div", operator.truediv, nt.div, E._div, "DivBackward0"),
]
DTYPES = ["float16", "float32", "float64"]
SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), ()), ((), (4,)), ((4,), ()),
          ((0, 3), (3,))]


def _pair(shapes, dtype, seed=0):
    """Two arrays of ``dtype``, with magnitudes in [0.5, 2] and random signs (safe divisors)."""
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        v = rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s)
        out.append(np.asarray(v, dtype))
    return out


def _both(arrays, requires_grad):
    n = [nt.tensor(a, requires_grad=rg) for a, rg in zip(arrays, requires_grad)]
    t = [torch.tensor(a, requires_grad=rg) for a, rg in zip(arrays, requires_grad)]
    return n, t


def _bits_equal(n, t):
    assert str(n.dtype) == str(t.dtype)
    assert tuple(n.shape) == tuple(t.shape)
    a, b = np.asarray(n.detach().numpy()).reshape(-1), t.detach().numpy().reshape(-1)
    nan = np.isnan(b)  # NaN's sign and payload are not defined bit for bit
    assert np.array_equal(np.isnan(a), nan), (a, b)
    assert np.array_equal(a[~nan].view(np.uint8), b[~nan].view(np.uint8)), (a, b)


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("form", ["operator", "function"])
def test_binary_matches_torch(name, op, fn, general, node, dtype, shapes, form):
    arrays = _pair(shapes, dtype)
    (a, b), (ta, tb) = _both(arrays, (True, True))
    call = op if form == "operator" else fn
    out, tout = call(a, b), op(ta, tb)
    _bits_equal(out, tout)
    assert type(out.grad_fn).__name__ == type(tout.grad_fn).__name__ == node
    g = np.asarray(np.random.default_rng(1).uniform(-1, 1, tout.shape), dtype)
    out.backward(nt.tensor(g))
    tout.backward(torch.tensor(g))
    # float16 gradients: PyTorch evaluates div's gradient formula in float32, numtorch in
    # float16 steps (the general path does the same; see the float16 tests of the ops)
    tol = {"rtol": 1e-2, "atol": 1e-3} if dtype == "float16" else {}
    assert_close(a.grad, ta.grad, **tol)
    assert_close(b.grad, tb.grad, **tol)


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True),
                                           (False, False)])
def test_fast_node_equals_general_node(name, op, fn, general, node, requires_grad):
    arrays = _pair(((2, 3), (3,)), "float32")
    (a, b), _ = _both(arrays, requires_grad)
    fast, slow = op(a, b), general(a, b)
    _bits_equal(fast, torch.from_numpy(slow.detach().numpy()))
    assert fast.requires_grad == slow.requires_grad == any(requires_grad)
    if not any(requires_grad):
        assert fast.grad_fn is None and slow.grad_fn is None
        return
    f, s = fast.grad_fn, slow.grad_fn
    assert type(f) is type(s)
    assert f.inputs == s.inputs and f.edges == s.edges and f.needs == s.needs
    assert f.reusable == s.reusable
    assert [(c is cc, v == vv, x is xx) for (c, v, x), (cc, vv, xx) in zip(f.saved, s.saved)] \
        == [(True, True, True)] * len(s.saved)
    g = np.ones((2, 3), np.float32)
    assert all(np.array_equal(x, y) for x, y in zip(f.vjp(g, f.needs), s.vjp(g, s.needs))
               if x is not None or y is not None)


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("other", [2, 0.5, True, np.float32(1.5)], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_scalars_and_mixed_dtypes_take_the_general_path(name, op, fn, general, node, other,
                                                       dtype):
    x = np.arange(1, 4).astype(dtype)
    n, t = nt.tensor(x), torch.tensor(x)
    if name == "sub" and isinstance(other, bool):
        assert_same_error(lambda: op(t, other), lambda: op(n, other))
        return
    _bits_equal(op(n, other), op(t, other))
    _bits_equal(op(other, n) if name != "div" else n.__rtruediv__(other),
                op(other, t) if name != "div" else t.__rtruediv__(other))
    y = np.arange(1, 4).astype("float64" if dtype != "float64" else "float32")
    _bits_equal(op(n, nt.tensor(y)), op(t, torch.tensor(y)))


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float16"),
                                    ("float16", "float32")], ids=str)
def test_mixed_float_dtypes(name, op, fn, general, node, dtypes):
    arrays = [np.asarray(v, d) for v, d in zip(_pair(((2, 3), (3,)), "float64"), dtypes)]
    (a, b), (ta, tb) = _both(arrays, (True, True))
    out, tout = op(a, b), op(ta, tb)
    _bits_equal(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_close(a.grad, ta.grad, rtol=1e-3, atol=1e-3)  # float16 steps (see above)
    assert_close(b.grad, tb.grad, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", [((2, 3), (4,)), ((3,), (2,)), ((2, 3), (3, 2))], ids=str)
def test_shapes_that_do_not_broadcast(name, op, fn, general, node, shapes):
    (a, b), (ta, tb) = _both(_pair(shapes, "float32"), (True, False))
    assert_same_error(lambda: op(ta, tb), lambda: op(a, b))
    assert_same_error(lambda: op(ta, tb), lambda: fn(a, b))


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("other", ["x", None, object()], ids=["str", "None", "object"])
def test_operands_that_are_not_numbers(name, op, fn, general, node, other):
    a, t = nt.ones(2), torch.ones(2)
    assert_same_error(lambda: op(t, other), lambda: op(a, other))


def test_parameter_operands():
    w = np.float32([[0.5, -1.0], [2.0, 0.25]])
    x = np.float32([1.0, 3.0])
    pn, pt = nt.nn.Parameter(nt.tensor(w)), torch.nn.Parameter(torch.tensor(w))
    xn, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    en, et = pn * xn - xn / pn + pn, pt * xt - xt / pt + pt
    _bits_equal(en, et)                  # elementwise: bit for bit
    yn, yt = en.sum(), et.sum()          # a sum: its order is the library's
    assert_close(yn, yt)
    yn.backward()
    yt.backward()
    assert_close(pn.grad, pt.grad)
    assert_close(xn.grad, xt.grad)


@pytest.mark.parametrize("name,op,fn,general,node", BINARY, ids=[b[0] for b in BINARY])
def test_no_grad_records_nothing(name, op, fn, general, node):
    a, b = (nt.tensor(v, requires_grad=True) for v in _pair(((3,), (3,)), "float32"))
    with nt.no_grad():
        out = op(a, b)
    assert out.grad_fn is None and not out.requires_grad
    with nt.inference_mode():
        assert op(a, b).grad_fn is None


UNARY = ["tanh", "exp", "neg", "sigmoid", "log", "sqrt", "abs", "relu", "sin", "expm1", "rsqrt",
         "reciprocal", "atan", "floor"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(5,), (), (2, 0)], ids=str)
def test_unary_matches_torch(name, dtype, shape):
    v = np.asarray(np.random.default_rng(2).uniform(0.25, 2.0, shape), dtype)
    n, t = nt.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    yn, yt = getattr(n, name)(), getattr(t, name)()
    assert_close(yn, yt)
    assert type(yn.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = np.asarray(np.random.default_rng(3).uniform(-1, 1, shape), dtype)
    yn.backward(nt.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(n.grad, t.grad)


@pytest.mark.parametrize("name", ["tanh", "exp", "neg", "abs", "floor", "sign"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_unary_non_floating_inputs(name, dtype):
    v = np.array([0, 1, 3]).astype(dtype)
    n, t = nt.tensor(v), torch.tensor(v)
    try:
        expected = getattr(t, name)()
    except Exception:
        assert_same_error(lambda: getattr(t, name)(), lambda: getattr(n, name)())
        return
    assert_close(getattr(n, name)(), expected)


def test_quiet_floating_point_state():
    """inf and nan arise silently, as in PyTorch, and NumPy's own settings are left alone."""
    big = np.float32([3e38, -3e38, 0.0])
    before = np.geterr()
    cases = [
        (lambda m, a: a * a), (lambda m, a: a + a), (lambda m, a: a - (-a)),
        (lambda m, a: a / m.zeros(3)), (lambda m, a: (a * a) - (a * a)),
        (lambda m, a: (a * 1000).exp()), (lambda m, a: a.log()), (lambda m, a: (-a).sqrt()),
    ]
    for f in cases:
        with warnings.catch_warnings(), np.errstate(all="raise"):
            warnings.simplefilter("error")
            got = f(nt, nt.tensor(big, requires_grad=True))
            got.sum().backward()
        assert_close(got, f(torch, torch.tensor(big, requires_grad=True)))
    assert np.geterr() == before


def test_saved_tensor_modified_in_place():
    """The version check of saved inputs and of a saved output, with PyTorch's messages."""
    def mul_input(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = a * 1
        c = a * b
        b.add_(1)
        c.sum().backward()

    def tanh_output(m):
        x = m.tensor([0.5, -0.5], requires_grad=True)
        y = (x * 1).tanh()
        y.mul_(2)
        y.sum().backward()

    def sin_input(m):
        x = m.tensor([0.5, -0.5], requires_grad=True) * 1
        y = x.sin()
        x.add_(1)
        y.sum().backward()

    def div_input(m):
        x = m.tensor([0.5, -0.5], requires_grad=True) * 1
        y = m.tensor([2.0, 4.0], requires_grad=True) / x
        x.sub_(1)
        y.sum().backward()

    for f in (mul_input, tanh_output, sin_input, div_input):
        assert_same_error(lambda f=f: f(torch), lambda f=f: f(nt))


def test_second_backward():
    """Nodes that save nothing can be run again without retain_graph; the others cannot."""
    def reusable(m):
        a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        y = (a + b - a).sum()
        y.backward()
        y.backward()
        return a.grad, b.grad

    for n, t in zip(reusable(nt), reusable(torch)):
        assert_close(n, t)

    def saving(m):
        a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        y = (a * b).sum()
        y.backward()
        y.backward()

    assert_same_error(lambda: saving(torch), lambda: saving(nt))


@pytest.mark.parametrize("f", [
    lambda a, b: a * b + a / b - b, lambda a, b: (a * b).tanh().exp() - (-a).sigmoid(),
    lambda a, b: (a - b).abs() * (a + b).sqrt(),
], ids=["arith", "unary", "mixed"])
def test_gradcheck_float64(f):
    a = nt.tensor(np.random.default_rng(4).uniform(0.5, 1.5, (3, 2)), requires_grad=True)
    b = nt.tensor(np.random.default_rng(5).uniform(0.5, 1.5, (2,)), requires_grad=True)
    assert nt.autograd.gradcheck(f, (a, b))


def test_fast_paths_set_every_slot():
    """The fast paths (two tensors, unary ops, a tensor with a number) build tensors and nodes
    slot by slot: none may be left unset."""
    from numtorch.autograd.graph import Node

    a, b = nt.ones(2, requires_grad=True), nt.ones(2)
    made = [a + b, a - b, a * b, a / b, a.tanh(), a.exp(), a.sin(), -a, a.abs(), b + b, b.tanh(),
            a + 1, a - 0.5, 0.5 - a, a * 2.0, 3 * a, a / 4, a.div(4), b * 0.5, 0.5 + b]
    slots = [s for s in nt.Tensor.__slots__ if s != "__weakref__"]
    node_slots = [s for s in Node.__slots__ if s not in ("__weakref__", "_out_op", "_metadata")]
    for t in made:
        for s in slots:
            getattr(t, s)
        if t.grad_fn is not None:
            for s in node_slots:
                getattr(t.grad_fn, s)
            assert isinstance(t.grad_fn.metadata, dict)


def test_an_op_inside_a_kernel():
    """An array subclass whose ufunc hook runs numtorch ops while the outer op's kernel runs:
    the inner ops cannot enter the outer op's quiet context again and take the general path."""
    inner = []

    class Hooked(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            inner.append((nt.ones(2) * nt.ones(2) + nt.ones(2)).sqrt())
            args = [np.asarray(i) if isinstance(i, Hooked) else i for i in inputs]
            return getattr(ufunc, method)(*args, **kwargs)

    v = np.float32([0.5, 2.0])
    a = nt.from_numpy(v.copy().view(Hooked))
    b = nt.tensor(v)
    # sqrt, not exp: correctly rounded everywhere, so bit for bit on any CPU
    for f in (lambda m, x, y: x + y, lambda m, x, y: x * y, lambda m, x, y: (x - y).sqrt(),
              lambda m, x, y: x.sqrt() / y):
        _bits_equal(f(nt, a, b), f(torch, torch.tensor(v), torch.tensor(v)))
    assert inner
    expected = (torch.ones(2) * torch.ones(2) + torch.ones(2)).sqrt()
    for t in inner:
        _bits_equal(t, expected)


def test_threads_run_ops_at_once():
    """Each thread has its own quiet context: kernels that release the GIL overlap safely."""
    import threading

    x = np.random.default_rng(6).uniform(0.5, 2.0, (256, 256)).astype(np.float32)
    expected = (torch.tensor(x) * torch.tensor(x) + torch.tensor(x)).exp().sum(0)
    errors, results = [], []

    def work():
        try:
            a = nt.tensor(x, requires_grad=True)
            for _ in range(20):
                out = (a * a + a).exp().sum(0)
            results.append(out)
        except Exception as e:  # pragma: no cover - the failure this test looks for
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        assert_close(r, expected)
