"""The fast path of a float tensor with a Python float or int (NOTE [ the scalar fast path ]).

``x * 0.9``, ``y + 0.1``, ``1 - x``, ``x / 255``, ``x.div(255)``... keep the tensor's dtype.  For
every op, operand order, scalar kind, dtype and requires_grad, the fast path must give what the
general path gives (bits, dtype, node, inputs, saved versions, warnings) and what PyTorch gives
(bits, node name, gradients); other operands (bool, complex, NumPy scalars, 0-dim arrays, int
tensors) must take the general path.  Also ``from_numpy`` and ``Tensor.to(dtype)``.
"""

from __future__ import annotations

import importlib
import math
import operator
import warnings

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch as nt

torch = pytest.importorskip("torch")
E = importlib.import_module("numtorch._ops.elementwise")

# id, call(x, s), general path(x, s), PyTorch node name, op (for the float16 note below)
OPS = [
    ("x+s", operator.add, lambda x, s: E._add(x, s), "AddBackward0", "add"),
    ("x.add(s)", lambda x, s: x.add(s), lambda x, s: E._add(x, s), "AddBackward0", "add"),
    ("s+x", lambda x, s: s + x, lambda x, s: E._add(s, x), "AddBackward0", "add"),
    ("x-s", operator.sub, lambda x, s: E._sub(x, s), "SubBackward0", "sub"),
    ("x.sub(s)", lambda x, s: x.sub(s), lambda x, s: E._sub(x, s), "SubBackward0", "sub"),
    ("s-x", lambda x, s: s - x, lambda x, s: E._sub(s, x), "RsubBackward1", "sub"),
    ("x*s", operator.mul, lambda x, s: E._mul(x, s), "MulBackward0", "mul"),
    ("x.mul(s)", lambda x, s: x.mul(s), lambda x, s: E._mul(x, s), "MulBackward0", "mul"),
    ("s*x", lambda x, s: s * x, lambda x, s: E._mul(s, x), "MulBackward0", "mul"),
    ("x/s", operator.truediv, lambda x, s: E._div(x, s), "DivBackward0", "div"),
    ("x.div(s)", lambda x, s: x.div(s), lambda x, s: E._div(x, s), "DivBackward0", "div"),
]
SCALARS = [2, 255, 0.9, 0.1, -3, -0.05, 0, 0.0, -0.0, 2**40, 1e30, 3e38, math.inf, -math.inf,
           math.nan]
DTYPES = ["float16", "float32", "float64"]
X = [-2.5, -1.0, -0.3, 0.0, 0.7, 1.0, 3.25, 100.0]


def _bits(a) -> np.ndarray:
    a = np.asarray(a).reshape(-1)
    return np.where(np.isnan(a), np.nan, a).view(np.uint8)  # NaN's sign and payload aside


def _run(call, x, s):
    """``call(x, s)`` and the warnings it gave (as (category, message) pairs)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = call(x, s)
    return out, [(type(m.message), str(m.message)) for m in w]


def _float16_scalar(op, s, dtype):
    """The scalar PyTorch must be given to compute numtorch's float16 ``*`` and ``/``.

    For a scalar that float16 cannot hold (0.9, 2**40), PyTorch computes in float32 with the
    scalar rounded to float32; numtorch (both paths) computes in float16 with it rounded to
    float16, so the last bit may differ (and 0 * 2**40 is nan, not 0).  PyTorch given the scalar
    already rounded to float16 computes exactly what numtorch does (a float32 product or
    quotient of two float16 values, rounded to float16, is the correctly rounded float16 one).
    """
    if dtype == "float16" and op in ("mul", "div") and math.isfinite(s) \
            and float(np.float16(s)) != s:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(np.float16(s))
    return s


@pytest.mark.parametrize("name,call,general,node,op", OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize("s", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_fast_path_equals_general_path_and_torch(name, call, general, node, op, s, dtype,
                                                 requires_grad):
    x = nt.tensor(np.asarray(X, dtype), requires_grad=requires_grad)
    out, w_fast = _run(call, x, s)
    ref, w_general = _run(general, x, s)
    assert w_fast == w_general
    assert out.dtype == ref.dtype == x.dtype
    assert np.array_equal(_bits(out.detach().numpy()), _bits(ref.detach().numpy()))
    t = torch.tensor(np.asarray(X, dtype), requires_grad=requires_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = call(t, _float16_scalar(op, s, dtype))
    assert str(out.dtype) == str(tout.dtype)
    assert np.array_equal(_bits(out.detach().numpy()), _bits(tout.detach().numpy()))
    assert out.requires_grad == ref.requires_grad == requires_grad
    if not requires_grad:
        assert out.grad_fn is None and ref.grad_fn is None
        return
    f, g = out.grad_fn, ref.grad_fn
    assert type(f).__name__ == type(g).__name__ == type(tout.grad_fn).__name__ == node
    assert len(f.inputs) == len(g.inputs) == 2 and f.needs == g.needs
    assert [i is x for i in f.inputs] == [i is x for i in g.inputs]
    assert f.edges == g.edges and f.reusable == g.reusable
    assert len(f.saved) == len(g.saved)
    for (cf, vf, tf), (cg, vg, tg) in zip(f.saved, g.saved):
        assert vf == vg and (tf is x) == (tg is x) and (cf is x._vc) == (cg is x._vc)
        assert tf.dtype == tg.dtype and np.array_equal(_bits(tf._data), _bits(tg._data))
    gr = np.linspace(-1, 1, len(X)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out.backward(nt.tensor(gr))
        tout.backward(torch.tensor(gr))
    tol = {"rtol": 1e-2, "atol": 1e-3} if dtype == "float16" else {}
    _close_nan(x.grad, t.grad, tol)


def _close_nan(n, t, tol):
    """``n`` and ``t`` agree within ``tol``, NaN where the other is NaN."""
    a, b = n.numpy().astype(np.float64), t.numpy().astype(np.float64)
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a, b)
    keep = ~np.isnan(a)
    np.testing.assert_allclose(a[keep], b[keep], rtol=tol.get("rtol", 1.3e-6),
                               atol=tol.get("atol", 1e-5))


@pytest.mark.parametrize("name,call,general,node,op", OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize("s", [0.9, -3, 255], ids=repr)
def test_gradcheck_float64(name, call, general, node, op, s):
    x = nt.tensor([-1.5, -0.25, 0.5, 2.0], dtype=nt.float64, requires_grad=True)
    assert nt.autograd.gradcheck(lambda x: call(x, s), (x,))


@pytest.mark.parametrize("name,call,general,node,op", OPS, ids=[o[0] for o in OPS])
def test_saved_input_modified_in_place(name, call, general, node, op):
    """The fast path saves what the general path saves: backward after ``x.add_(1)`` does what
    the general path's graph does (``*`` and ``/`` save ``x`` and raise; ``+`` and ``-`` save
    nothing)."""
    outcomes = []
    for f in (call, general):
        x = nt.tensor([1.0, 2.0], requires_grad=True).clone()
        y = f(x, 0.5)
        x.add_(1.0)
        try:
            y.sum().backward()
            outcomes.append(None)
        except RuntimeError as e:
            outcomes.append(str(e))
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] is None) == (op in ("add", "sub"))


def test_chain_forward_backward():
    xn = nt.linspace(-1, 1, 8).requires_grad_()
    xt = torch.linspace(-1, 1, 8).requires_grad_()
    yn, yt = xn, xt
    for _ in range(10):
        yn = (yn * 0.9 + 0.1).tanh() * yn - 0.05
        yt = (yt * 0.9 + 0.1).tanh() * yt - 0.05
    assert np.array_equal(_bits(yn.detach().numpy()), _bits(yt.detach().numpy()))
    yn.sum().backward()
    yt.sum().backward()
    assert_close(xn.grad, xt.grad)


def _counting(monkeypatch):
    """Count the general path's promotions (``promote`` and ``_float_pair``)."""
    calls = []
    for f in ("promote", "_float_pair"):
        orig = getattr(E, f)
        monkeypatch.setattr(E, f, lambda *a, _o=orig: calls.append(1) or _o(*a))
    return calls


@pytest.mark.parametrize("name,call,general,node,op", OPS, ids=[o[0] for o in OPS])
def test_python_numbers_take_the_fast_path(name, call, general, node, op, monkeypatch):
    calls = _counting(monkeypatch)
    for dtype in DTYPES:
        for s in (0.5, 3):
            call(nt.ones(3, dtype=getattr(nt, dtype)), s)
            call(nt.ones((), dtype=getattr(nt, dtype), requires_grad=True), s)
    assert calls == []


class _Float(float):
    pass


OTHERS = [True, False, np.float64(0.5), np.float32(0.5), np.int64(2), np.array(0.5),
          _Float(0.5), 10**400, 2 + 1j]


@pytest.mark.parametrize("name,call,general,node,op", OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize("s", OTHERS, ids=lambda s: repr(s)[:12])
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8"])
def test_other_operands_take_the_general_path(name, call, general, node, op, s, dtype,
                                              monkeypatch):
    """Bools, complex numbers, NumPy scalars, 0-dim arrays, float subclasses, ints beyond float
    range, and integer tensors: the general path decides, values or errors."""
    if isinstance(s, np.ndarray) and name[0] == "s":
        return  # ``array op tensor`` is NumPy's operator, not the tensor's
    x = nt.tensor(np.array([1, 2, 3]).astype(dtype))
    if "." not in name and not isinstance(s, (int, float, np.number)):
        # not a number: the operator leaves it to the other operand, as before
        dunder = {"+": "add", "-": "sub", "*": "mul", "/": "truediv"}[name[1]]
        assert getattr(x, f"__{'r' if name[0] == 's' else ''}{dunder}__")(s) is NotImplemented
        return
    results = []
    for f in (general, call):
        calls = _counting(monkeypatch)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = f(x, s)
            results.append((str(r.dtype), _bits(r.numpy()).tolist()))
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            results.append((type(e), str(e)))
        monkeypatch.undo()
    assert results[0] == results[1]
    assert calls, "the general path was not taken"


# ---- from_numpy and Tensor.to(dtype) --------------------------------------------------------

ARRAYS = [np.arange(6, dtype=np.uint8).reshape(2, 3), np.arange(6.0, dtype=np.float32)[::2],
          np.arange(6.0)[::-1], np.array(3.0), np.zeros((0, 3), np.int16),
          np.arange(4, dtype=">f4"), np.arange(4, dtype=">i8")[::-1], np.arange(3, dtype=">u2"),
          np.ma.masked_array([1.0, 2.0]), [1, 2], np.float32(2.0)]


@pytest.mark.parametrize("a", ARRAYS, ids=lambda a: f"{type(a).__name__}-{getattr(a, 'dtype', '')}")
def test_from_numpy(a):
    """Values and shared memory, or PyTorch's error (negative strides, byte order, not an
    array)."""
    try:
        expected = torch.from_numpy(a)
    except Exception:
        assert_same_error(lambda: torch.from_numpy(a), lambda: nt.from_numpy(a))
        return
    got = nt.from_numpy(a)
    assert_close(got, expected)
    if isinstance(a, np.ndarray) and a.size:
        assert np.shares_memory(got.numpy(), a)


def test_from_numpy_unsupported_dtype():
    a = np.array(["a"])
    # numtorch's message lists its own dtypes (no complex, no uint16/32/64)
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy"):
        nt.from_numpy(a)


@pytest.mark.parametrize("src", ["uint8", "float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("dst", ["float32", "float64", "float16", "int32", "uint8"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_to_dtype(src, dst, requires_grad):
    a = np.array([0, 1, 2, 250]).astype(src)
    if requires_grad and src not in ("float32", "float64"):
        return
    n, t = nt.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)
    def lib(x):
        return nt if isinstance(x, nt.Tensor) else torch
    for conv in (lambda x: x.to(getattr(lib(x), dst)), lambda x: x.to(dtype=getattr(lib(x), dst)),
                 lambda x: x.to(getattr(lib(x), dst), copy=True)):
        got, expected = conv(n), conv(t)
        assert_close(got, expected)
        assert (got is n) == (expected is t)
        assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert_close(n.float(), t.float())
    assert (n.float() is n) == (t.float() is t)
