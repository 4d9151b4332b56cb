"""nn.functional at the edges of its domain, against PyTorch: kinks, infinities, zeros, saturation.

Random inputs almost never land on a kink (``relu`` at 0, ``hardswish`` at +-3), on the
boundary of a domain (``binary_cross_entropy`` at 0 and 1, ``kl_div`` with a zero target), or
far enough out to overflow a naive formula (``softplus(100)``, ``log_softmax`` with ``-inf``).
Each row here puts its inputs exactly there and asks for the same value and the same gradient
as PyTorch, NaN and infinity included.  Finite differences are meaningless at a kink, so this
file compares with PyTorch only.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

INF = np.inf


def f32(*v):
    return np.array(v, np.float32)


# (id, fn(F, *tensors), input arrays); float arrays take a gradient, integer arrays do not
EDGES = [
    ("relu_family_at_kinks",
     lambda F, x: (
         F.relu(x) + F.relu6(x) + F.hardtanh(x) + F.leaky_relu(x) + F.threshold(x, 0.0, 1.0)
     ),
     [f32(0, 6, 1, -1)]),
    ("hardsigmoid_at_kinks", lambda F, x: F.hardsigmoid(x), [f32(-3, 3, 0)]),
    ("hardswish_at_kinks", lambda F, x: F.hardswish(x), [f32(-3, 3, 0, -3.5, 3.5)]),
    ("prelu_at_zero", lambda F, x, w: F.prelu(x, w), [f32(0, -1, 1), f32(0.25)]),
    ("elu_family_saturated", lambda F, x: F.elu(x) + F.selu(x) + F.celu(x, 0.5),
     [f32(-200, 0, 100)]),
    ("gelu_tails", lambda F, x: F.gelu(x) + F.gelu(x, approximate="tanh"),
     [f32(-20, -6, 0, 6, 20)]),
    ("silu_mish_tails", lambda F, x: F.silu(x) + F.mish(x), [f32(-200, -20, 0, 200)]),
    ("softplus_beyond_threshold", lambda F, x: F.softplus(x, beta=0.5), [f32(-100, 40, 50, 100)]),
    ("logsigmoid_tails", lambda F, x: F.logsigmoid(x), [f32(-200, 0, 200)]),
    ("log_softmax_minus_inf", lambda F, x: F.log_softmax(x, 1), [f32(0, -INF, 1).reshape(1, 3)]),
    ("softmax_all_minus_inf", lambda F, x: F.softmax(x, 1), [f32(-INF, -INF).reshape(1, 2)]),
    ("softmax_plus_inf", lambda F, x: F.softmax(x, 1), [f32(INF, 0).reshape(1, 2)]),
    ("cross_entropy_huge_logits", lambda F, x, t: F.cross_entropy(x, t),
     [f32(1e4, -1e4, 0).reshape(1, 3), np.array([1])]),
    ("bce_at_zero_and_one", lambda F, p, y: F.binary_cross_entropy(p, y, reduction="none"),
     [f32(0, 1, 0, 1), f32(1, 0, 0, 1)]),
    ("bce_logits_saturated", lambda F, x, y: F.binary_cross_entropy_with_logits(x, y,
                                                                                 reduction="none"),
     [f32(-200, 200, 0), f32(1, 0, 0.5)]),
    ("l1_smooth_huber_at_zero",
     lambda F, x, y: F.l1_loss(x, y) + F.smooth_l1_loss(x, y) + F.huber_loss(x, y),
     [f32(0, 1), f32(0, 2)]),
    ("normalize_zero_row", lambda F, x: F.normalize(x), [f32(0, 0, 3, 4).reshape(2, 2)]),
    ("cosine_similarity_zero_vector", lambda F, a, b: F.cosine_similarity(a, b),
     [f32(0, 0, 3, 4).reshape(2, 2), f32(1, 0, 3, 4).reshape(2, 2)]),
    ("pairwise_distance_equal_points", lambda F, a, b: F.pairwise_distance(a, b),
     [f32(1, 2).reshape(1, 2), f32(1, 2).reshape(1, 2)]),
    ("kl_div_zero_target", lambda F, x, y: F.kl_div(x, y, reduction="sum"),
     [f32(-1, -2), f32(0, 0.5)]),
    ("poisson_full_small_targets",
     lambda F, x, y: F.poisson_nll_loss(x, y, full=True, reduction="none"),
     [f32(0.5, 1, 2), f32(0, 1, 3)]),
    ("layer_norm_constant_row", lambda F, x: F.layer_norm(x, (3,)), [f32(2, 2, 2).reshape(1, 3)]),
    ("batch_norm_constant_channel", lambda F, x: F.batch_norm(x, None, None, training=True),
     [f32(2, 1, 2, 3).reshape(2, 2)]),
    ("embedding_max_norm", lambda F, i, w: F.embedding(i, w, max_norm=1.0),
     [np.array([0, 1, 0]), f32(3, 4, 0.1, 0.2).reshape(2, 2)]),
    ("margin_ranking_at_margin", lambda F, a, b, y: F.margin_ranking_loss(a, b, y),
     [f32(1, 2), f32(1, 2), f32(1, -1)]),
    ("cosine_embedding_at_margin", lambda F, a, b, y: F.cosine_embedding_loss(a, b, y, margin=1.0),
     [f32(1, 0).reshape(1, 2), f32(1, 0).reshape(1, 2), f32(-1)]),
]


def _run(lib, arrays, fn):
    ts = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(lib.nn.functional, *ts)
        y.sum().backward()
    return y, [t.grad for t in ts]


def _same(n, t):
    np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert str(n.dtype) == str(t.dtype)


@pytest.mark.parametrize("case", EDGES, ids=[c[0] for c in EDGES])
def test_edge_values_and_gradients_match_torch(case):
    _, fn, arrays = case
    ty, tgrads = _run(torch, arrays, fn)
    ny, ngrads = _run(numtorch, arrays, fn)
    _same(ny, ty)
    for i, (ng, tg) in enumerate(zip(ngrads, tgrads)):
        assert (ng is None) == (tg is None), f"input {i}: gradient presence differs"
        if tg is not None:
            _same(ng, tg)


@pytest.mark.parametrize("shape,normalized", [((2, 0), (0,)), ((0, 3), (3,)), ((2, 3, 0), (3, 0))])
def test_layer_norm_over_nothing_is_silent_and_matches_torch(shape, normalized):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n = numtorch.nn.functional.layer_norm(numtorch.ones(*shape), normalized)
    _same(n, torch.nn.functional.layer_norm(torch.ones(*shape), normalized))
