"""Every in-place variant (``add_``, ``exp_``...) and reflected operator against PyTorch:
same values, same version bump, same result object, and gradients through a non-leaf."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from conftest import assert_close

import numtorch

torch = pytest.importorskip("torch")

A = np.array([[0.7, -1.3, 2.1], [1.6, 0.4, -0.9]], np.float32)
B = np.array([[1.2, 0.8, -0.6], [0.3, -1.1, 1.7]], np.float32)

# name: (args built from L and a second tensor b, domain of the input)
INPLACE = {
    "add_": (lambda L, b: (b,), {"alpha": 2}), "sub_": (lambda L, b: (b,), {}),
    "mul_": (lambda L, b: (b,), {}),
    "div_": (lambda L, b: (b,), {}), "pow_": (lambda L, b: (2,), {}), "neg_": (lambda L, b: (), {}),
    "abs_": (lambda L, b: (), {}), "exp_": (lambda L, b: (), {}), "tanh_": (lambda L, b: (), {}),
    "sigmoid_": (lambda L, b: (), {}), "relu_": (lambda L, b: (), {}),
    "sin_": (lambda L, b: (), {}), "cos_": (lambda L, b: (), {}),
    "reciprocal_": (lambda L, b: (), {}), "square_": (lambda L, b: (), {}),
    "clamp_": (lambda L, b: (-0.5, 1.0), {}), "clamp_min_": (lambda L, b: (0.0,), {}),
    "clamp_max_": (lambda L, b: (0.5,), {}), "lerp_": (lambda L, b: (b, 0.25), {}),
    "addcmul_": (lambda L, b: (b, b), {"value": 0.5}),
    "addcdiv_": (lambda L, b: (b, b), {"value": 2}), "maximum_": None,
    "masked_fill_": (lambda L, b: (b > 0, 3.0), {}), "floor_": (lambda L, b: (), {}),
    "remainder_": (lambda L, b: (b,), {}), "erf_": (lambda L, b: (), {}),
    "trunc_": (lambda L, b: (), {}), "tril_": (lambda L, b: (), {}),
    "triu_": (lambda L, b: (1,), {}), "sign_": (lambda L, b: (), {}),
    "fill_": (lambda L, b: (1.5,), {}), "zero_": (lambda L, b: (), {}),
    "copy_": (lambda L, b: (b,), {}),
    "index_add_": (lambda L, b: (0, L.tensor([1, 0]), b), {}),
    "scatter_": (lambda L, b: (1, L.tensor([[2], [0]]), b), {}),
    "scatter_add_": (lambda L, b: (1, L.tensor([[2, 2], [0, 1]]), b), {}),
}
POSITIVE = {"pow_", "reciprocal_", "div_"}


@pytest.mark.parametrize("name", [n for n, v in INPLACE.items() if v is not None])
def test_inplace_variant(name):
    make, kwargs = INPLACE[name]
    res = []
    for L in (numtorch, torch):
        base = np.abs(A) + 0.5 if name in POSITIVE else A
        x = L.tensor(base, requires_grad=True)
        b = L.tensor(B)
        y = x * 1  # a non-leaf, so the in-place op is recorded
        v0 = y._version
        out = getattr(y, name)(*make(L, b), **kwargs)
        assert out is y
        (y * L.tensor(B)).sum().backward()
        res.append((y, x.grad, y._version - v0))
    (yn, gn, vn), (yt, gt, vt) = res
    assert_close(yn, yt)
    assert_close(gn, gt)
    assert vn == vt


@pytest.mark.parametrize(
    "op",
    [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.floordiv,
     operator.mod],
)
@pytest.mark.parametrize("scalar", [2, 0.5, -3])
def test_reflected_operators(op, scalar):
    res = []
    for L in (numtorch, torch):
        x = L.tensor(np.abs(A) + 0.5, requires_grad=True)
        out = op(scalar, x)
        err = None
        # PyTorch has no derivative for scalar // tensor and scalar % tensor: neither may numtorch
        try:
            out.sum().backward()
        except RuntimeError as e:
            err = str(e)
        res.append((out, x.grad, err))
    assert_close(res[0][0], res[1][0])
    assert res[0][2] == res[1][2]
    if res[1][1] is not None:
        assert_close(res[0][1], res[1][1])


@pytest.mark.parametrize("op", [operator.iadd, operator.isub, operator.imul, operator.itruediv])
def test_augmented_assignment_on_integer_tensors(op):
    """``x += 1.5`` on an int tensor is refused (result type Float can't be cast), ``x += 2`` works.
    """
    out = []
    for L in (numtorch, torch):
        x = L.tensor([1, 2, 3])
        try:
            r = op(x, 2)
            out.append(("ok", r.tolist(), str(r.dtype)))
        except RuntimeError as e:
            out.append(("err", str(e)))
        y = L.tensor([1, 2, 3])
        try:
            op(y, 1.5)
            out.append("no error")
        except RuntimeError as e:
            out.append(str(e))
    assert out[:2] == out[2:]


@pytest.mark.parametrize(
    "name",
    ["eq_", "lt_", "ge_", "cumsum_", "atan2_", "hypot_", "exp2_", "nan_to_num_", "erfc_",
     "deg2rad_"],
)
def test_more_inplace_variants(name):
    args = {
        "eq_": lambda L: (L.tensor(B),), "lt_": lambda L: (L.tensor(B),), "ge_": lambda L: (0.5,),
        "cumsum_": lambda L: (1,), "atan2_": lambda L: (L.tensor(B),),
        "hypot_": lambda L: (L.tensor(B),),
    }.get(name, lambda L: ())
    res = []
    for L in (numtorch, torch):
        x = L.tensor(A, requires_grad=True)
        y = x * 1
        getattr(y, name)(*args(L))
        (y * L.tensor(B)).sum().backward()
        res.append((y, x.grad, type(y.grad_fn).__name__))
    assert_close(res[0][0], res[1][0])
    assert_close(res[0][1], res[1][1])
