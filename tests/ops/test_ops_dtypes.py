"""Each op on every dtype against PyTorch: the result dtype and values, or the same error."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close

import numtorch

torch = pytest.importorskip("torch")

DTYPES = ["float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]

OPS = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b, "floordiv": lambda L, a, b: a // b, "mod": lambda L, a, b: a % b,
    "pow": lambda L, a, b: a ** 2, "neg": lambda L, a, b: -a, "abs": lambda L, a, b: a.abs(),
    "exp": lambda L, a, b: a.exp(), "log1p": lambda L, a, b: a.log1p(),
    "sqrt": lambda L, a, b: a.sqrt(), "tanh": lambda L, a, b: a.tanh(),
    "sigmoid": lambda L, a, b: a.sigmoid(), "relu": lambda L, a, b: a.relu(),
    "sign": lambda L, a, b: a.sign(), "floor": lambda L, a, b: a.floor(),
    "round": lambda L, a, b: a.round(),
    "clamp": lambda L, a, b: a.clamp(0, 1), "maximum": lambda L, a, b: L.maximum(a, b),
    "sum": lambda L, a, b: a.sum(), "sum_dim": lambda L, a, b: a.sum(0),
    "prod": lambda L, a, b: a.prod(), "mean": lambda L, a, b: a.mean(),
    "cumsum": lambda L, a, b: a.cumsum(0), "amax": lambda L, a, b: a.amax(),
    "max_dim": lambda L, a, b: a.max(0).values, "argmax": lambda L, a, b: a.argmax(),
    "eq": lambda L, a, b: a == b, "lt": lambda L, a, b: a < b,
    "where": lambda L, a, b: L.where(a > b, a, b),
    "matmul": lambda L, a, b: a @ b.T, "cat": lambda L, a, b: L.cat([a, b]),
    "stack": lambda L, a, b: L.stack([a, b]), "sort": lambda L, a, b: a.sort(1).values,
    "topk": lambda L, a, b: a.topk(1).values, "unique": lambda L, a, b: L.unique(a),
    "gather": lambda L, a, b: a.gather(1, L.tensor([[0], [1]])), "flip": lambda L, a, b: a.flip(0),
    "softmax": lambda L, a, b: a.softmax(0), "var": lambda L, a, b: a.var(),
    "norm": lambda L, a, b: a.norm(),
    "logical_and": lambda L, a, b: L.logical_and(a, b), "bitwise_and": lambda L, a, b: a & b,
    "invert": lambda L, a, b: ~a, "isnan": lambda L, a, b: L.isnan(a),
    "count_nonzero": lambda L, a, b: L.count_nonzero(a),
    "float_scalar": lambda L, a, b: a * 1.5, "int_scalar": lambda L, a, b: a + 3,
}

VALUES_A = np.array([[1, 2, 0], [3, 1, 2]])
VALUES_B = np.array([[2, 1, 1], [1, 3, 2]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(OPS))
def test_op_dtype_like_torch(name, dtype):
    res = []
    for L in (numtorch, torch):
        dt = getattr(L, dtype)
        a = L.tensor(VALUES_A).to(dt)
        b = L.tensor(VALUES_B).to(dt)
        try:
            res.append(OPS[name](L, a, b))
        except Exception as e:
            res.append(e)
    n, t = res
    if isinstance(t, Exception):
        assert isinstance(n, Exception), (
            f"torch raised {type(t).__name__}: {t}, numtorch gave {n!r}"
        )
        assert type(n).__name__ == type(t).__name__, (n, t)
        return
    assert not isinstance(n, Exception), f"numtorch raised {n!r}; torch gave {t!r}"
    tol = {"rtol": 1e-3, "atol": 1e-3} if dtype == "float16" else {}
    assert_close(n, t, **tol)
