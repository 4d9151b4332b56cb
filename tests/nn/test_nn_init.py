"""nn.init against PyTorch: gains, fans, and the filled values for the same seed.

Every row of ``FILLS`` fills a tensor of the given shape with ``fn(init, tensor)`` after
seeding both libraries alike; the results must be equal to float32 rounding (the draws
come from numtorch's generator, which reproduces PyTorch's streams).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import assert_close

import numtorch
import numtorch.nn.init as ninit

torch = pytest.importorskip("torch")
import torch.nn.init as tinit  # noqa: E402

GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
         ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
         ("conv_transpose3d", None)]


@pytest.mark.parametrize("name,param", GAINS)
def test_calculate_gain(name, param):
    assert ninit.calculate_gain(name, param) == tinit.calculate_gain(name, param)


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (6, 3, 2, 2), (2, 2, 1, 2, 3)])
def test_fan_in_and_fan_out(shape):
    assert (ninit._calculate_fan_in_and_fan_out(numtorch.zeros(*shape))
            == tinit._calculate_fan_in_and_fan_out(torch.zeros(*shape)))


FILLS = [
    ("uniform", lambda I, t: I.uniform_(t), (4, 5)),
    ("uniform_ab", lambda I, t: I.uniform_(t, -2.0, 3.0), (4, 5)),
    ("normal", lambda I, t: I.normal_(t, 1.0, 0.5), (4, 5)),
    ("trunc_normal", lambda I, t: I.trunc_normal_(t), (40, 25)),
    ("trunc_normal_narrow", lambda I, t: I.trunc_normal_(t, mean=0.0, std=1.0, a=1.5, b=3.0),
     (30, 20)),
    ("trunc_normal_scaled", lambda I, t: I.trunc_normal_(t, mean=0.5, std=0.2, a=0.0, b=0.6),
     (10, 10)),
    ("constant", lambda I, t: I.constant_(t, 0.3), (2, 3)),
    ("ones", lambda I, t: I.ones_(t), (2, 3)),
    ("zeros", lambda I, t: I.zeros_(t), (2, 3)),
    ("eye", lambda I, t: I.eye_(t), (3, 5)),
    ("eye_tall", lambda I, t: I.eye_(t), (5, 3)),
    ("dirac_3d", lambda I, t: I.dirac_(t), (4, 3, 5)),
    ("dirac_4d_groups", lambda I, t: I.dirac_(t, groups=2), (6, 2, 3, 3)),
    ("dirac_5d", lambda I, t: I.dirac_(t), (2, 3, 3, 3, 3)),
    ("xavier_uniform", lambda I, t: I.xavier_uniform_(t), (4, 6)),
    ("xavier_uniform_gain", lambda I, t: I.xavier_uniform_(t, gain=I.calculate_gain("tanh")),
     (3, 2, 5)),
    ("xavier_normal", lambda I, t: I.xavier_normal_(t, gain=2.0), (4, 6)),
    ("kaiming_uniform", lambda I, t: I.kaiming_uniform_(t), (4, 6)),
    ("kaiming_uniform_sqrt5", lambda I, t: I.kaiming_uniform_(t, a=math.sqrt(5)), (4, 6)),
    ("kaiming_uniform_fan_out", lambda I, t: I.kaiming_uniform_(t, mode="fan_out",
                                                                nonlinearity="relu"), (4, 3, 3)),
    ("kaiming_normal", lambda I, t: I.kaiming_normal_(t), (4, 6)),
    ("kaiming_normal_upper", lambda I, t: I.kaiming_normal_(t, mode="FAN_OUT"), (5, 2)),
    ("orthogonal_wide", lambda I, t: I.orthogonal_(t), (3, 5)),
    ("orthogonal_tall", lambda I, t: I.orthogonal_(t, gain=2.0), (6, 4)),
    ("orthogonal_3d", lambda I, t: I.orthogonal_(t), (3, 2, 4)),
    ("sparse", lambda I, t: I.sparse_(t, sparsity=0.3), (7, 4)),
    ("sparse_std", lambda I, t: I.sparse_(t, 0.5, std=0.2), (4, 6)),
]


@pytest.mark.parametrize("case", FILLS, ids=[c[0] for c in FILLS])
def test_fill_matches_torch_for_same_seed(case):
    _, fn, shape = case
    torch.manual_seed(11)
    numtorch.manual_seed(11)
    t = torch.empty(*shape)
    n = numtorch.empty(*shape)
    rt = fn(tinit, t)
    rn = fn(ninit, n)
    assert rn is n and rt is t
    assert_close(n, t)
    # the generators are left in the same state
    assert_close(numtorch.rand(3), torch.rand(3))


def test_fill_with_explicit_generator():
    tg, ng = torch.Generator().manual_seed(5), numtorch.Generator().manual_seed(5)
    t, n = torch.empty(3, 4), numtorch.empty(3, 4)
    tinit.kaiming_normal_(t, generator=tg)
    ninit.kaiming_normal_(n, generator=ng)
    assert_close(n, t)
    tinit.uniform_(t, generator=tg)
    ninit.uniform_(n, generator=ng)
    assert_close(n, t)


def test_fill_does_not_record_graph_and_keeps_leaf():
    p = numtorch.zeros(3, 4, requires_grad=True)
    ninit.xavier_uniform_(p)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_orthogonal_rows_are_orthonormal():
    w = ninit.orthogonal_(numtorch.empty(3, 7)).numpy()
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(m.category.__name__, str(m.message)) for m in w]


@pytest.mark.parametrize("call", [
    lambda L, I: I.kaiming_uniform_(L.empty(0, 3)),
    lambda L, I: I.kaiming_normal_(L.empty(2, 0)),
    lambda L, I: I.trunc_normal_(L.empty(3), mean=10.0),
    lambda L, I: I.uniform(L.empty(3)),
    lambda L, I: I.xavier_normal(L.empty(3, 2)),
])
def test_warnings_match_torch(call):
    torch.manual_seed(0)
    numtorch.manual_seed(0)
    assert _warnings_of(lambda: call(numtorch, ninit)) == _warnings_of(lambda: call(torch, tinit))


ERRORS = [
    ("gain_unknown", lambda L, I: I.calculate_gain("foo")),
    ("gain_slope", lambda L, I: I.calculate_gain("leaky_relu", "x")),
    ("gain_slope_bool", lambda L, I: I.calculate_gain("leaky_relu", True)),
    ("fan_1d", lambda L, I: I.xavier_uniform_(L.empty(3))),
    ("kaiming_mode", lambda L, I: I.kaiming_uniform_(L.empty(2, 2), mode="fan_avg")),
    ("eye_dims", lambda L, I: I.eye_(L.empty(2, 2, 2))),
    ("dirac_dims", lambda L, I: I.dirac_(L.empty(2, 2))),
    ("dirac_groups", lambda L, I: I.dirac_(L.empty(3, 2, 2), 2)),
    ("orthogonal_dims", lambda L, I: I.orthogonal_(L.empty(3))),
    ("sparse_dims", lambda L, I: I.sparse_(L.empty(2, 2, 2), 0.1)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(case):
    _, fn = case
    with pytest.raises(Exception) as texc:
        fn(torch, tinit)
    with pytest.raises(Exception) as nexc:
        fn(numtorch, ninit)
    assert type(nexc.value).__name__ == type(texc.value).__name__
    assert str(nexc.value) == str(texc.value)
