"""Tensor printing compared character for character with PyTorch's ``repr``.

Each case builds one NumPy array, prints it with ``numtorch._tensor_str.format_tensor``
and compares with ``repr`` of the real torch tensor holding the same values, under the
same print options and default dtype.  A table covers the rules one by one; hypothesis
then draws shapes, dtypes, value ranges and print options at random.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numtorch import _dtype
from numtorch import _tensor_str as ts

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
FLOATS = ["float32", "float64", "float16"]


@contextlib.contextmanager
def both(default: str | None = None, **opts):
    """Apply print options / default dtype to torch and numtorch alike, then restore."""
    try:
        if default is not None:
            torch.set_default_dtype(getattr(torch, default))
            _dtype.set_default_dtype(getattr(_dtype, default))
        if opts:
            torch.set_printoptions(**opts)
            ts.set_printoptions(**opts)
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        _dtype.set_default_dtype(_dtype.float32)
        torch.set_printoptions(profile="default")
        ts.set_printoptions(profile="default")


def check(a: np.ndarray, dtype: str, *, requires_grad: bool = False, grad_fn: bool = False,
          parameter: bool = False) -> None:
    """Print ``a`` as a ``dtype`` tensor both ways and compare."""
    a = np.asarray(a)
    with np.errstate(all="ignore"):
        a = a.astype(getattr(_dtype, dtype).np)
    t = torch.from_numpy(a.copy())
    name = None
    if parameter:
        t = torch.nn.Parameter(t)
    elif grad_fn:
        t = t.requires_grad_() * 1
        name = type(t.grad_fn).__name__
    elif requires_grad:
        t.requires_grad_()
    data = t.detach().numpy()
    got = ts.format_tensor(data, getattr(_dtype, dtype), requires_grad=t.requires_grad,
                           grad_fn_name=name, is_parameter=parameter)
    assert got == repr(t), f"\n{got}\n!=\n{t!r}"
    if not parameter:
        assert ts.format_str(data, getattr(_dtype, dtype), requires_grad=t.requires_grad,
                             grad_fn_name=name) == str(t)


rng = np.random.default_rng(0)
nan, inf = math.nan, math.inf

# (id, values, dtypes to print them as)
CASES = [
    ("ints_as_float", [1.0, 2.0, -3.0], DTYPES),
    ("halves", [0.5, -1.25, 3.0], FLOATS),
    ("scalar", 3.5, DTYPES),
    ("scalar_int_valued", 7.0, DTYPES),
    ("scalar_zero", 0.0, DTYPES),
    ("scalar_neg_zero", -0.0, FLOATS),
    ("scalar_nan", nan, FLOATS),
    ("scalar_inf", -inf, FLOATS),
    ("scalar_tiny", 1.5e-7, FLOATS),
    ("scalar_huge", 3e9, ["float32", "float64", "int64"]),
    ("zeros", np.zeros((2, 3)), DTYPES),
    ("neg_zero_int_mode", [-0.0, 1.0, 0.0], FLOATS),
    ("neg_zero_fixed", [-0.0, 1.5], FLOATS),
    ("neg_zero_sci", [-0.0, 1e-6], FLOATS),
    ("nan_inf_only", [nan, inf, -inf], FLOATS),
    ("nan_with_ints", [nan, 1.0, 20.0], FLOATS),
    ("nan_with_fraction", [nan, 1.5, -inf], FLOATS),
    ("nan_with_sci", [nan, 1e-8, inf], FLOATS),
    ("all_zero_and_nan", [0.0, nan], FLOATS),
    ("ratio_1000", [1.0, 1000.0], FLOATS),
    ("ratio_1000_1", [1.0, 1000.5], FLOATS),
    ("min_1e-4", [1e-4, 0.05], FLOATS),
    ("below_1e-4", [9e-5, 0.05], FLOATS),
    ("max_1e8", [1e8, 5e7], ["float64", "float32"]),
    ("above_1e8", [1.5e8, 1e8], ["float64", "float32"]),
    ("mixed_magnitudes", [1e-5, 3.0, 1e8, -42.0], FLOATS),
    ("int_mode_sci", [1.0, 1e10], ["float32", "float64"]),
    ("three_digit_exponent", [1e100, -1e-100, 3.0], ["float64"]),
    ("rounds_up", [9.99996, 0.5], FLOATS),
    ("precision_edge", [0.00015, 0.1], FLOATS),
    ("bools", [True, False, True], ["bool"]),
    ("bool_matrix", rng.random((4, 5)) < 0.5, ["bool"]),
    ("int_extremes", [np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max], ["int64"]),
    ("int8_range", np.arange(-128, 128), ["int8", "int16", "int32", "int64"]),
    ("uint8_range", np.arange(0, 256), ["uint8"]),
    ("randn_1d", rng.standard_normal(7), DTYPES),
    ("randn_2d", rng.standard_normal((3, 4)), FLOATS),
    ("randn_3d", rng.standard_normal((2, 3, 4)) * 100, FLOATS + ["int32"]),
    ("randn_4d", rng.standard_normal((2, 2, 3, 2)), FLOATS + ["int64"]),
    ("wrap_vector", rng.standard_normal(40) * 10, FLOATS + ["int16"]),
    ("wrap_rows", rng.standard_normal((3, 30)), FLOATS),
    ("wrap_int_mode", np.arange(60.0) * 1000, FLOATS),
    ("wrap_sci", rng.standard_normal((2, 25)) * 1e6, FLOATS),
    ("length_one_dims", rng.standard_normal((1, 1, 3)), FLOATS),
    ("large_vector", np.arange(1001), DTYPES),
    ("threshold_exact", rng.standard_normal(1000), ["float32"]),
    ("large_matrix", rng.standard_normal((40, 40)), FLOATS + ["int64"]),
    ("large_tall", rng.standard_normal((1001, 1)), ["float32"]),
    ("large_wide_short_rows", rng.standard_normal((500, 3)), ["float32"]),
    ("large_3d", rng.standard_normal((12, 12, 12)) * 1e4, FLOATS),
    ("large_4d", rng.standard_normal((5, 6, 7, 8)), FLOATS + ["int8"]),
    ("large_hidden_outlier", np.r_[np.ones(500), 1e9, np.ones(500)], FLOATS),
    ("large_hidden_column", np.c_[np.ones((300, 3)), np.full((300, 1), 123.5), np.ones((300, 3))],
     FLOATS),
    ("empty_1d", np.zeros(0), DTYPES),
    ("empty_2d", np.zeros((0, 3)), DTYPES),
    ("empty_3d", np.zeros((2, 0, 4)), DTYPES),
]


def _params():
    for name, values, dtypes in CASES:
        for d in dtypes:
            yield pytest.param(values, d, id=f"{name}-{d}")


@pytest.mark.parametrize("values,dtype", list(_params()))
def test_matches_torch(values, dtype):
    check(values, dtype)


@pytest.mark.parametrize("values,dtype", list(_params()))
def test_default_float64(values, dtype):
    with both(default="float64"):
        check(values, dtype)


GRAD_CASES = [
    ("vector", [1.0, 2.5, -3.0]),
    ("scalar", 2.0),
    ("empty", np.zeros((0, 2))),
    ("long_row", rng.standard_normal(17)),  # the suffix no longer fits on the last line
    ("matrix", rng.standard_normal((3, 7)) * 1e-6),
    ("large", rng.standard_normal((50, 50))),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", ["requires_grad", "grad_fn", "parameter"])
@pytest.mark.parametrize("values", [v for _, v in GRAD_CASES], ids=[n for n, _ in GRAD_CASES])
def test_autograd_suffixes(values, dtype, mode):
    check(values, dtype, **{mode: True})


OPTIONS = [
    dict(precision=2),
    dict(precision=8),
    dict(precision=0),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(edgeitems=1),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(linewidth=10),
    dict(profile="short"),
    dict(profile="full"),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short", sci_mode=True, linewidth=50),
]

OPTION_VALUES = [
    ("fraction", rng.standard_normal((3, 4))),
    ("ints", np.arange(12.0).reshape(3, 4)),
    ("mixed", [1e-6, 1.0, 1e9, nan, -0.0]),
    ("vector", rng.standard_normal(20) * 100),
    ("large", rng.standard_normal((40, 30))),
    ("large_vector", np.arange(1200)),
    ("scalar", 1.5),
    ("zeros", np.zeros(4)),
    ("empty", np.zeros((0, 2))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
@pytest.mark.parametrize("values", [v for _, v in OPTION_VALUES], ids=[n for n, _ in OPTION_VALUES])
@pytest.mark.parametrize("opts", OPTIONS, ids=[repr(o) for o in OPTIONS])
def test_printoptions(opts, values, dtype):
    with both(**opts):
        check(values, dtype)
        check(values, "float32", requires_grad=True)


@pytest.mark.parametrize("opts", OPTIONS, ids=[repr(o) for o in OPTIONS])
def test_get_set_printoptions(opts):
    with both(**opts):
        assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
        with ts.printoptions(precision=1), torch._tensor_str.printoptions(precision=1):
            assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
        assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    assert ts.get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3,
                                         linewidth=80, sci_mode=None)


def test_dtype_defaults_to_array_dtype():
    a = np.array([1, 2], np.int16)
    assert ts.format_tensor(a) == repr(torch.from_numpy(a))


# ---------------------------------------------------------------------------
# Random arrays
# ---------------------------------------------------------------------------


def _values(kind: str, shape: tuple, seed: int) -> np.ndarray:
    r = np.random.default_rng(seed)
    if kind == "normal":
        v = r.standard_normal(shape) * 10.0 ** r.integers(-6, 9)
    elif kind == "integers":
        v = r.integers(-(10 ** int(r.integers(1, 12))), 10 ** 4, shape).astype(np.float64)
    elif kind == "wide":
        v = np.sign(r.standard_normal(shape)) * 10.0 ** r.uniform(-9, 11, shape)
    else:  # special values sprinkled over normal ones
        v = r.standard_normal(shape) * 10.0 ** r.integers(-3, 4)
        pick = r.integers(0, 8, shape)
        v = np.where(pick == 0, nan, v)
        v = np.where(pick == 1, np.inf * np.sign(v), v)
        v = np.where(pick == 2, -0.0, v)
        v = np.where(pick == 3, 0.0, v)
        v = np.where(pick == 4, np.round(v), v)
    return np.asarray(v)


def _cast(v: np.ndarray, dtype: str) -> np.ndarray:
    d = getattr(_dtype, dtype).np
    if d.kind in "iub":
        v = np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0)
        if d.kind == "b":
            return v > 0
        info = np.iinfo(d)
        return np.clip(v, max(info.min, -2.0 ** 62), min(info.max, 2.0 ** 62)).astype(d)
    with np.errstate(all="ignore"):
        return v.astype(d)


shapes = st.one_of(
    st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple),
    st.sampled_from([(1001,), (40, 30), (3, 400), (11, 11, 11), (2, 3, 200), (6, 7, 5, 6)]),
)
option_sets = st.sampled_from([{}, {}, {}] + OPTIONS)


@settings(max_examples=250, deadline=None, derandomize=True)
@given(
    shape=shapes,
    dtype=st.sampled_from(DTYPES),
    kind=st.sampled_from(["normal", "integers", "wide", "special"]),
    seed=st.integers(0, 2 ** 32 - 1),
    opts=option_sets,
    default=st.sampled_from(["float32", "float32", "float64"]),
    grad=st.sampled_from(["none", "none", "requires_grad", "grad_fn"]),
)
def test_random_arrays(shape, dtype, kind, seed, opts, default, grad):
    a = _cast(_values(kind, shape, seed), dtype)
    kw = {grad: True} if grad != "none" and dtype in FLOATS else {}
    with both(default=default, **opts):
        check(a, dtype, **kw)
