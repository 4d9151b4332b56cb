"""nn.functional against PyTorch: values, gradients, finite differences, errors.

Every row of ``CASES`` is one call written once as ``fn(F, *tensors)``; it runs
with ``F = torch.nn.functional`` on torch tensors and with numtorch's
functional on numtorch tensors made from the same arrays.  Outputs and the
gradients of every floating input are compared, and the numtorch gradients are
checked again by central differences in float64.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch
import numtorch.nn.functional as NF
from numtorch.autograd import gradcheck

# ---- input specifications -----------------------------------------------------------------


class Const:
    """An input that takes no gradient: ``Const(make)`` with ``make(rng) -> ndarray``."""

    def __init__(self, make):
        self.make = make


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape)


def ints(hi, *shape, lo=0):
    return Const(lambda rng: rng.integers(lo, hi, shape).astype(np.int64))


def fixed(values, dtype=np.int64):
    return Const(lambda rng: np.array(values, dtype=dtype))


def signs(*shape):
    return Const(lambda rng: rng.choice([-1.0, 1.0], shape))


def probs(*shape):
    def make(rng):
        a = rng.uniform(0.1, 1.0, shape)
        return a / a.sum(axis=1, keepdims=True)
    return make


def _arrays(specs, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s in specs:
        if isinstance(s, Const):
            out.append((s.make(rng), False))
        elif isinstance(s, tuple):
            out.append((rng.standard_normal(s), True))
        else:
            out.append((s(rng), True))
    return out


def _make(lib, arrays, dtype):
    ts = []
    for a, grad in arrays:
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        ts.append(lib.tensor(a, requires_grad=grad and a.dtype.kind == "f"))
    return ts


# ---- the table ----------------------------------------------------------------------------
# (id, fn(F, *tensors), input specs, gradcheck in float64?)

CASES = [
    # linear layers
    ("linear", lambda F, x, w, b: F.linear(x, w, b), [(4, 3), (5, 3), (5,)], True),
    ("linear_nobias", lambda F, x, w: F.linear(x, w), [(4, 3), (5, 3)], True),
    ("linear_3d", lambda F, x, w, b: F.linear(x, w, b), [(2, 4, 3), (5, 3), (5,)], True),
    ("linear_1d", lambda F, x, w, b: F.linear(x, w, b), [(3,), (5, 3), (5,)], True),
    ("bilinear", lambda F, a, c, w, b: F.bilinear(a, c, w, b), [(4, 3), (4, 2), (5, 3, 2), (5,)],
     True),
    ("bilinear_3d", lambda F, a, c, w: F.bilinear(a, c, w), [(2, 3, 3), (2, 3, 2), (4, 3, 2)],
     True),
    # activations
    ("relu", lambda F, x: F.relu(x), [(4, 5)], True),
    ("relu6", lambda F, x: F.relu6(x * 4), [(4, 5)], True),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2), [(4, 5)], True),
    ("elu", lambda F, x: F.elu(x, 1.5), [(4, 5)], True),
    ("selu", lambda F, x: F.selu(x), [(4, 5)], True),
    ("celu", lambda F, x: F.celu(x, 0.7), [(4, 5)], True),
    ("gelu", lambda F, x: F.gelu(x), [(4, 5)], True),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh"), [(4, 5)], True),
    ("silu", lambda F, x: F.silu(x), [(4, 5)], True),
    ("mish", lambda F, x: F.mish(x), [(4, 5)], True),
    ("sigmoid", lambda F, x: F.sigmoid(x * 5), [(4, 5)], True),
    ("tanh", lambda F, x: F.tanh(x), [(4, 5)], True),
    ("hardtanh", lambda F, x: F.hardtanh(x * 2, -1.5, 0.5), [(4, 5)], True),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x * 4), [(4, 5)], True),
    ("hardswish", lambda F, x: F.hardswish(x * 4), [(4, 5)], True),
    ("softplus", lambda F, x: F.softplus(x), [(4, 5)], True),
    ("softplus_beta", lambda F, x: F.softplus(x * 10, beta=2.0, threshold=5.0), [(4, 5)], True),
    ("softsign", lambda F, x: F.softsign(x), [(4, 5)], True),
    ("tanhshrink", lambda F, x: F.tanhshrink(x), [(4, 5)], True),
    ("threshold", lambda F, x: F.threshold(x, 0.1, -2.0), [(4, 5)], True),
    ("logsigmoid", lambda F, x: F.logsigmoid(x * 5), [(4, 5)], True),
    ("prelu_shared", lambda F, x, w: F.prelu(x, w), [(4, 5), (1,)], True),
    ("prelu_channels", lambda F, x, w: F.prelu(x, w), [(2, 3, 4), (3,)], True),
    ("softmax", lambda F, x: F.softmax(x, dim=1), [(3, 5)], True),
    ("softmax_dim0", lambda F, x: F.softmax(x, 0), [(3, 5)], True),
    ("softmax_3d_neg", lambda F, x: F.softmax(x, -1), [(2, 3, 4)], True),
    ("log_softmax", lambda F, x: F.log_softmax(x, dim=1), [(3, 5)], True),
    ("log_softmax_large", lambda F, x: F.log_softmax(x * 100, dim=1), [(3, 5)], False),
    ("softmin", lambda F, x: F.softmin(x, dim=1), [(3, 5)], True),
    # normalisation, embedding, shape
    ("layer_norm", lambda F, x, w, b: F.layer_norm(x, (5,), w, b), [(3, 5), (5,), (5,)], True),
    ("layer_norm_2d", lambda F, x, w, b: F.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)],
     True),
    ("layer_norm_plain", lambda F, x: F.layer_norm(x, [4]), [(2, 3, 4)], True),
    ("batch_norm_train", lambda F, x, w, b: F.batch_norm(x, None, None, w, b, True),
     [(6, 3), (3,), (3,)], True),
    ("batch_norm_train_3d", lambda F, x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, 1e-3),
     [(4, 3, 5), (3,), (3,)], True),
    ("batch_norm_eval", lambda F, x, m, v, w, b: F.batch_norm(x, m, v, w, b, False),
     [(6, 3), Const(lambda r: r.standard_normal(3)), Const(lambda r: r.uniform(0.5, 2, 3)), (3,),
      (3,)], True),
    ("embedding", lambda F, i, w: F.embedding(i, w), [ints(6, 2, 3), (6, 4)], True),
    ("embedding_pad", lambda F, i, w: F.embedding(i, w, padding_idx=2),
     [fixed([[2, 0, 2], [1, 2, 5]]), (6, 4)], False),  # the padding row gets no gradient by design
    ("embedding_freq", lambda F, i, w: F.embedding(i, w, scale_grad_by_freq=True),
     [fixed([1, 1, 3, 1]), (6, 4)], False),  # a rescaled gradient by design
    ("pad", lambda F, x: F.pad(x, (1, 2)), [(2, 3)], True),
    ("pad_value_2d", lambda F, x: F.pad(x, (1, 0, 2, 1), value=1.5), [(2, 3, 4)], True),
    ("pad_negative", lambda F, x: F.pad(x, (-1, 2, 0, -1)), [(3, 4)], True),
    ("normalize", lambda F, x: F.normalize(x), [(3, 4)], True),
    ("normalize_p1_dim0", lambda F, x: F.normalize(x, p=1, dim=0), [(3, 4)], True),
    ("cosine_similarity", lambda F, a, b: F.cosine_similarity(a, b), [(3, 4), (3, 4)], True),
    ("cosine_similarity_bcast", lambda F, a, b: F.cosine_similarity(a, b, dim=-1),
     [(3, 4), (4,)], True),
    ("pairwise_distance", lambda F, a, b: F.pairwise_distance(a, b), [(3, 4), (3, 4)], True),
    ("pairwise_distance_p1", lambda F, a, b: F.pairwise_distance(a, b, p=1.0, keepdim=True),
     [(3, 4), (3, 4)], True),
    ("pairwise_distance_p3", lambda F, a, b: F.pairwise_distance(a, b, p=3.0), [(3, 4), (4,)],
     True),
    # losses
    ("nll", lambda F, x, t: F.nll_loss(x, t), [(4, 5), ints(5, 4)], True),
    ("nll_sum", lambda F, x, t: F.nll_loss(x, t, reduction="sum"), [(4, 5), ints(5, 4)], True),
    ("nll_none", lambda F, x, t: F.nll_loss(x, t, reduction="none"), [(4, 5), ints(5, 4)], True),
    ("nll_weight", lambda F, x, t, w: F.nll_loss(x, t, weight=w),
     [(4, 5), ints(5, 4), Const(lambda r: r.uniform(0.1, 2, 5))], True),
    ("nll_weight_ignore", lambda F, x, t, w: F.nll_loss(x, t, weight=w, ignore_index=1),
     [(4, 5), fixed([1, 0, 1, 3]), Const(lambda r: r.uniform(0.1, 2, 5))], True),
    ("nll_ignore_none", lambda F, x, t: F.nll_loss(x, t, ignore_index=0, reduction="none"),
     [(4, 5), fixed([0, 2, 0, 4])], True),
    ("nll_1d", lambda F, x, t: F.nll_loss(x, t), [(5,), fixed(3)], True),
    ("nll_kd", lambda F, x, t, w: F.nll_loss(x, t, weight=w),
     [(2, 3, 4, 2), ints(3, 2, 4, 2), Const(lambda r: r.uniform(0.1, 2, 3))], True),
    ("nll_kd_none", lambda F, x, t: F.nll_loss(x, t, reduction="none"), [(2, 3, 4), ints(3, 2, 4)],
     True),
    ("nll_byte_target", lambda F, x, t: F.nll_loss(x, t),
     [(3, 4), Const(lambda r: np.array([0, 3, 1], np.uint8))], True),
    ("cross_entropy", lambda F, x, t: F.cross_entropy(x, t), [(4, 5), ints(5, 4)], True),
    ("cross_entropy_weight_ignore",
     lambda F, x, t, w: F.cross_entropy(x, t, weight=w, ignore_index=2, reduction="mean"),
     [(5, 4), fixed([2, 0, 3, 2, 1]), Const(lambda r: r.uniform(0.1, 2, 4))], True),
    ("cross_entropy_1d", lambda F, x, t: F.cross_entropy(x, t), [(5,), fixed(2)], True),
    ("cross_entropy_kd", lambda F, x, t: F.cross_entropy(x, t, reduction="sum"),
     [(2, 3, 4), ints(3, 2, 4)], True),
    ("cross_entropy_smooth", lambda F, x, t: F.cross_entropy(x, t, label_smoothing=0.2),
     [(4, 5), ints(5, 4)], True),
    ("cross_entropy_smooth_weight_ignore",
     lambda F, x, t, w: F.cross_entropy(x, t, weight=w, ignore_index=0, label_smoothing=0.3),
     [(5, 4), fixed([0, 1, 3, 2, 0]), Const(lambda r: r.uniform(0.1, 2, 4))], True),
    ("cross_entropy_smooth_none",
     lambda F, x, t: F.cross_entropy(x, t, label_smoothing=0.1, reduction="none", ignore_index=1),
     [(4, 5), fixed([1, 0, 4, 2])], True),
    ("cross_entropy_smooth_sum_kd",
     lambda F, x, t: F.cross_entropy(x, t, label_smoothing=0.1, reduction="sum"),
     [(2, 3, 4), ints(3, 2, 4)], True),
    ("cross_entropy_probs", lambda F, x, p: F.cross_entropy(x, p), [(4, 5), probs(4, 5)], True),
    ("cross_entropy_probs_weight_smooth",
     lambda F, x, p, w: F.cross_entropy(x, p, weight=w, label_smoothing=0.25),
     [(4, 5), Const(probs(4, 5)), Const(lambda r: r.uniform(0.1, 2, 5))], True),
    ("cross_entropy_probs_none_kd", lambda F, x, p: F.cross_entropy(x, p, reduction="none"),
     [(2, 3, 4), Const(probs(2, 3, 4))], True),
    ("cross_entropy_probs_1d", lambda F, x, p: F.cross_entropy(x, p, reduction="sum"),
     [(5,), Const(lambda r: np.full(5, 0.2))], True),
    ("mse", lambda F, x, y: F.mse_loss(x, y), [(3, 4), (3, 4)], True),
    ("mse_sum", lambda F, x, y: F.mse_loss(x, y, reduction="sum"), [(3, 4), (3, 4)], True),
    ("mse_none", lambda F, x, y: F.mse_loss(x, y, reduction="none"), [(3, 4), (3, 4)], True),
    ("l1", lambda F, x, y: F.l1_loss(x, y), [(3, 4), (3, 4)], True),
    ("l1_none", lambda F, x, y: F.l1_loss(x, y, reduction="none"), [(3, 4), (3, 4)], True),
    ("smooth_l1", lambda F, x, y: F.smooth_l1_loss(x, y), [(3, 4), (3, 4)], True),
    ("smooth_l1_beta", lambda F, x, y: F.smooth_l1_loss(x, y, reduction="sum", beta=0.5),
     [(3, 4), (3, 4)], True),
    ("smooth_l1_beta0", lambda F, x, y: F.smooth_l1_loss(x, y, beta=0.0), [(3, 4), (3, 4)], True),
    ("huber", lambda F, x, y: F.huber_loss(x, y), [(3, 4), (3, 4)], True),
    ("huber_delta", lambda F, x, y: F.huber_loss(x, y, reduction="none", delta=0.4),
     [(3, 4), (3, 4)], True),
    ("bce", lambda F, p, y: F.binary_cross_entropy(p, y),
     [uniform(0.05, 0.95, 3, 4), uniform(0, 1, 3, 4)], True),
    ("bce_weight_sum", lambda F, p, y, w: F.binary_cross_entropy(p, y, weight=w, reduction="sum"),
     [uniform(0.05, 0.95, 3, 4), Const(lambda r: r.uniform(0, 1, (3, 4))),
      Const(lambda r: r.uniform(0.5, 2, 4))], True),
    ("bce_logits", lambda F, x, y: F.binary_cross_entropy_with_logits(x, y),
     [(3, 4), uniform(0, 1, 3, 4)], True),
    ("bce_logits_pos_weight",
     lambda F, x, y, w, pw: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw),
     [(3, 4), uniform(0, 1, 3, 4), Const(lambda r: r.uniform(0.5, 2, (3, 4))),
      Const(lambda r: r.uniform(0.5, 3, 4))], True),
    ("bce_logits_large", lambda F, x, y: F.binary_cross_entropy_with_logits(x * 50, y,
                                                                            reduction="none"),
     [(3, 4), Const(lambda r: r.uniform(0, 1, (3, 4)))], False),
    ("kl_div_batchmean", lambda F, x, y: F.kl_div(x, y, reduction="batchmean"),
     [(3, 4), uniform(0.1, 1, 3, 4)], True),
    ("kl_div_sum_const", lambda F, x, y: F.kl_div(x, y, reduction="sum"),
     [(3, 4), Const(lambda r: r.uniform(0.0, 1, (3, 4)) * (r.random((3, 4)) > 0.3))], True),
    ("kl_div_log_target", lambda F, x, y: F.kl_div(x, y, reduction="none", log_target=True),
     [(3, 4), (3, 4)], True),
    ("poisson_nll", lambda F, x, y: F.poisson_nll_loss(x, y), [(3, 4), uniform(0, 3, 3, 4)], True),
    ("poisson_nll_full",
     lambda F, x, y: F.poisson_nll_loss(x, y, log_input=False, full=True, reduction="sum"),
     [uniform(0.5, 2, 3, 4), uniform(0.5, 4, 3, 4)], True),
    ("cosine_embedding", lambda F, a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1),
     [(4, 3), (4, 3), signs(4)], True),
    ("cosine_embedding_0d", lambda F, a, b, y: F.cosine_embedding_loss(a, b, y, reduction="none"),
     [(3,), (3,), Const(lambda r: np.array(-1.0))], True),
    ("margin_ranking", lambda F, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.2),
     [(5,), (5,), signs(5)], True),
    ("margin_ranking_none", lambda F, a, b, y: F.margin_ranking_loss(a, b, y, reduction="none"),
     [(5,), (5,), signs(5)], True),
]

_IDS = [c[0] for c in CASES]


def _run(lib, F, fn, arrays, dtype):
    ts = _make(lib, arrays, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(F, *ts)
    return ts, out


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_matches_torch(case):
    name, fn, specs, _ = case
    arrays = _arrays(specs)
    tts, tout = _run(torch, TF, fn, arrays, np.float32)
    nts, nout = _run(numtorch, NF, fn, arrays, np.float32)
    assert_close(nout, tout)
    seed = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(np.float32)
    tout.backward(torch.tensor(seed))
    nout.backward(numtorch.tensor(seed))
    for i, (tt, nt) in enumerate(zip(tts, nts)):
        if tt.requires_grad:
            assert nt.grad is not None, f"input {i} got no gradient"
            assert_close(nt.grad, tt.grad)


@pytest.mark.parametrize("case", [c for c in CASES if c[3]], ids=[c[0] for c in CASES if c[3]])
def test_gradcheck_float64(case):
    name, fn, specs, _ = case
    arrays = _arrays(specs, seed=2)
    nts = _make(numtorch, arrays, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda *ts: fn(NF, *ts), nts, eps=1e-6, atol=1e-5, rtol=1e-4)


# ---- behaviour beyond values ------------------------------------------------------------

def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [str(x.message) for x in w]


@pytest.mark.parametrize("fname,ndim", [("softmax", 1), ("softmax", 2), ("log_softmax", 3),
                                        ("softmin", 4), ("softmax", 0)])
def test_implicit_dim_warns_and_picks_torch_dim(fname, ndim):
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5)[:ndim]).astype(np.float32)
    tw = _warnings_of(lambda: getattr(TF, fname)(torch.tensor(a)))
    nw = _warnings_of(lambda: getattr(NF, fname)(numtorch.tensor(a)))
    assert nw == tw and len(tw) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(getattr(NF, fname)(numtorch.tensor(a)), getattr(TF, fname)(torch.tensor(a)))


def test_softmax_dtype_argument():
    a = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    assert_close(NF.softmax(numtorch.tensor(a), 1, dtype=numtorch.float64),
                 TF.softmax(torch.tensor(a), 1, dtype=torch.float64))
    assert_close(NF.log_softmax(numtorch.tensor(a), 0, dtype=numtorch.float64),
                 TF.log_softmax(torch.tensor(a), 0, dtype=torch.float64))


@pytest.mark.parametrize("fname,kw", [("relu", {}), ("leaky_relu", {"negative_slope": 0.3}),
                                      ("elu", {}), ("hardtanh", {}), ("relu6", {}), ("selu", {}),
                                      ("celu", {}), ("silu", {}), ("mish", {}),
                                      ("hardsigmoid", {}), ("hardswish", {}),
                                      ("threshold", {"threshold": 0.2, "value": 5.0})])
def test_inplace_activation_writes_input_and_backpropagates(fname, kw):
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    results = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        leaf = lib.tensor(a, requires_grad=True)
        mid = leaf * 2.0
        out = getattr(F, fname)(mid, inplace=True, **kw)
        assert out is mid
        (out * out).sum().backward()
        results.append((mid, leaf.grad))
    assert_close(results[1][0], results[0][0])
    assert_close(results[1][1], results[0][1])


def test_inplace_on_leaf_requiring_grad_raises_like_torch():
    for lib, F in ((torch, TF), (numtorch, NF)):
        with pytest.raises(
            RuntimeError,
            match="a leaf Variable that requires grad is being used in an in-place operation.",
        ):
            F.relu(lib.zeros(3, requires_grad=True), inplace=True)


def test_inplace_without_grad_modifies_array():
    x = numtorch.tensor([-1.0, 2.0])
    assert NF.relu_(x) is x
    assert x.tolist() == [0.0, 2.0]


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_extremes(p):
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    assert_close(NF.dropout(numtorch.tensor(a), p), TF.dropout(torch.tensor(a), p))


def test_dropout_eval_returns_input_itself():
    x = numtorch.ones(3)
    assert NF.dropout(x, 0.5, training=False) is x
    assert NF.dropout1d(numtorch.ones(2, 3), 0.5, training=False).shape == (2, 3)


def test_dropout_masks_match_torch_for_same_seed():
    a = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32)
    outs = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        lib.manual_seed(7)
        x = lib.tensor(a, requires_grad=True)
        y = F.dropout(x, 0.3)
        z = F.dropout1d(lib.tensor(a.reshape(4, 5, 10)), 0.4)
        y.sum().backward()
        outs.append((y, x.grad, z))
    for n, t in zip(outs[1], outs[0]):
        assert_close(n, t)


def test_batch_norm_updates_running_stats_like_torch():
    a = np.random.default_rng(0).standard_normal((5, 3, 2)).astype(np.float32)
    stats = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        rm, rv = lib.zeros(3), lib.ones(3)
        F.batch_norm(lib.tensor(a), rm, rv, training=True, momentum=0.3)
        F.batch_norm(lib.tensor(a * 2 + 1), rm, rv, training=True, momentum=0.3)
        stats.append((rm, rv))
    assert_close(stats[1][0], stats[0][0])
    assert_close(stats[1][1], stats[0][1])


def test_embedding_max_norm_renormalises_weight_in_place():
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((6, 4)) * 3).astype(np.float32)
    idx = np.array([[1, 3], [3, 5]])
    res = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        wt = lib.tensor(w, requires_grad=True)
        out = F.embedding(lib.tensor(idx), wt, max_norm=1.5, norm_type=2.0)
        out.sum().backward()
        res.append((wt.detach(), out, wt.grad))
    for n, t in zip(res[1], res[0]):
        assert_close(n, t)


def test_one_hot_matches_torch():
    a = np.array([[0, 2], [1, 4]])
    assert_close(NF.one_hot(numtorch.tensor(a)), TF.one_hot(torch.tensor(a)))
    assert_close(NF.one_hot(numtorch.tensor(a), 7), TF.one_hot(torch.tensor(a), 7))


@pytest.mark.parametrize("out_shape,dtype", [((2, 3), "float32"), ((0,), "float32"),
                                             ((2, 3), "float64")])
def test_normalize_writes_out_like_torch(out_shape, dtype):
    a = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    results = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        out = lib.empty(out_shape, dtype=getattr(lib, dtype))
        assert F.normalize(lib.tensor(a), out=out) is out
        results.append(out)
    assert_close(results[1], results[0])
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        NF.normalize(numtorch.tensor(a, requires_grad=True), out=numtorch.empty(2, 3))


def test_legacy_size_average_reduce_flags():
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    for kw in ({"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = TF.mse_loss(torch.tensor(a), torch.tensor(b), **kw)
            n = NF.mse_loss(numtorch.tensor(a), numtorch.tensor(b), **kw)
        assert_close(n, t)


def test_mse_broadcast_warning_matches_torch():
    a = np.zeros((3, 5), np.float32)
    b = np.ones(5, np.float32)
    tw = _warnings_of(lambda: TF.mse_loss(torch.tensor(a), torch.tensor(b)))
    nw = _warnings_of(lambda: NF.mse_loss(numtorch.tensor(a), numtorch.tensor(b)))
    assert nw == tw


def test_kl_div_mean_warning_matches_torch():
    a = np.zeros((2, 3), np.float32)
    tw = _warnings_of(lambda: TF.kl_div(torch.tensor(a), torch.tensor(a + 0.5)))
    nw = _warnings_of(lambda: NF.kl_div(numtorch.tensor(a), numtorch.tensor(a + 0.5)))
    assert nw == tw and tw


def test_nll_all_ignored_mean_is_nan_like_torch():
    x = np.zeros((2, 3), np.float32)
    t = np.array([-100, -100])
    n = NF.nll_loss(numtorch.tensor(x), numtorch.tensor(t))
    assert math.isnan(n.item()) and math.isnan(TF.nll_loss(torch.tensor(x), torch.tensor(t)).item())


# ---- errors: type and message equal to torch's ---------------------------------------------

def Z(lib, *shape, dtype=None):
    return lib.zeros(*shape, dtype=getattr(lib, dtype) if dtype else None)


def T(lib, v, dtype=None):
    return lib.tensor(v, dtype=getattr(lib, dtype) if dtype else None)


ERRORS = [
    ("nll_out_of_bounds", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, 2, 5]))),
    ("nll_negative", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, -3, 2]))),
    ("nll_float_target", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1.0, 2.0, 3.0]))),
    ("nll_int32_target", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, 2, 3], "int32"))),
    ("nll_batch", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, 2, 3, 4]))),
    ("nll_kd_shape", lambda L, F: F.nll_loss(Z(L, 2, 3, 4), Z(L, 2, 5, dtype="long"))),
    ("nll_4d_shape", lambda L, F: F.nll_loss(Z(L, 2, 3, 4, 5), Z(L, 2, 4, 6, dtype="long"))),
    ("nll_4d_dims", lambda L, F: F.nll_loss(Z(L, 2, 3, 4, 5), Z(L, 2, 4, dtype="long"))),
    ("nll_multi_target", lambda L, F: F.nll_loss(Z(L, 3, 5), Z(L, 3, 2, dtype="long"))),
    ("nll_weight_size", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, 2, 3]), weight=Z(L, 4))),
    ("nll_weight_dtype", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, 2, 3]),
                                                 weight=Z(L, 5, dtype="float64"))),
    ("nll_reduction", lambda L, F: F.nll_loss(Z(L, 3, 5), T(L, [1, 2, 3]), reduction="foo")),
    ("nll_0d", lambda L, F: F.nll_loss(T(L, 1.0), T(L, 0))),
    ("ce_out_of_bounds", lambda L, F: F.cross_entropy(Z(L, 3, 5), T(L, [1, 2, 5]))),
    ("ce_float_target_shape", lambda L, F: F.cross_entropy(Z(L, 3, 5), Z(L, 3, 4))),
    ("ce_int_target", lambda L, F: F.cross_entropy(Z(L, 3, 5), T(L, [1, 2, 3], "int32"))),
    ("ce_probs_long", lambda L, F: F.cross_entropy(Z(L, 2, 3), Z(L, 2, 3, dtype="long"))),
    ("ce_probs_ignore", lambda L, F: F.cross_entropy(Z(L, 2, 3), Z(L, 2, 3), ignore_index=1)),
    ("ce_label_smoothing", lambda L, F: F.cross_entropy(Z(L, 3, 5), T(L, [1, 2, 3]),
                                                        label_smoothing=1.5)),
    ("ce_weight", lambda L, F: F.cross_entropy(Z(L, 3, 5), T(L, [1, 2, 3]), weight=Z(L, 4))),
    ("ce_1d_float_target", lambda L, F: F.cross_entropy(Z(L, 5), T(L, 1.0))),
    ("ce_0d_long", lambda L, F: F.cross_entropy(T(L, 1.0), T(L, 0))),
    ("ce_0d_float", lambda L, F: F.cross_entropy(T(L, 1.0), T(L, 0.5))),
    ("ce_float_1d_target", lambda L, F: F.cross_entropy(Z(L, 3, 5), Z(L, 3))),
    ("bce_weight_shape", lambda L, F: F.binary_cross_entropy(Z(L, 3, 5) + 0.5, Z(L, 3, 5),
                                                             weight=Z(L, 4))),
    ("ce_probs_weight", lambda L, F: F.cross_entropy(Z(L, 3, 5), Z(L, 3, 5), weight=Z(L, 4))),
    ("mse_shape", lambda L, F: F.mse_loss(Z(L, 3, 5), Z(L, 4))),
    ("smooth_l1_beta", lambda L, F: F.smooth_l1_loss(Z(L, 3), Z(L, 3), beta=-1.0)),
    ("huber_delta", lambda L, F: F.huber_loss(Z(L, 3), Z(L, 3), delta=0.0)),
    ("bce_size", lambda L, F: F.binary_cross_entropy(Z(L, 3, 5), Z(L, 5))),
    ("bce_range", lambda L, F: F.binary_cross_entropy(Z(L, 3) + 2, Z(L, 3))),
    ("bce_target_range", lambda L, F: F.binary_cross_entropy(Z(L, 3), Z(L, 3) + 2)),
    ("bce_logits_size", lambda L, F: F.binary_cross_entropy_with_logits(Z(L, 3, 5), Z(L, 3, 4))),
    ("kl_reduction", lambda L, F: F.kl_div(Z(L, 3), Z(L, 3), reduction="avg")),
    ("poisson_reduction", lambda L, F: F.poisson_nll_loss(Z(L, 3), Z(L, 3), reduction="x")),
    ("cos_emb_dims", lambda L, F: F.cosine_embedding_loss(Z(L, 2, 3, 4), Z(L, 2, 3, 4),
                                                         Z(L, 2) + 1)),
    ("cos_emb_0d", lambda L, F: F.cosine_embedding_loss(Z(L, 3, 2), Z(L, 3, 2), T(L, 1.0))),
    ("cos_emb_2d_target", lambda L, F: F.cosine_embedding_loss(Z(L, 3, 2), Z(L, 3, 2),
                                                              Z(L, 3, 1))),
    ("margin_ranking_dims", lambda L, F: F.margin_ranking_loss(Z(L, 3), Z(L, 3, 1), Z(L, 3))),
    ("linear_shape", lambda L, F: F.linear(Z(L, 3, 5), Z(L, 4, 4))),
    ("linear_dtype", lambda L, F: F.linear(Z(L, 2, 3, dtype="float64"), Z(L, 4, 3))),
    ("linear_bias", lambda L, F: F.linear(Z(L, 3, 5), Z(L, 4, 5), Z(L, 3))),
    ("bilinear_batch", lambda L, F: F.bilinear(Z(L, 2, 3, 2), Z(L, 2, 4, 2), Z(L, 1, 2, 2))),
    ("celu_alpha_zero", lambda L, F: F.celu(Z(L, 3), 0.0)),
    ("bilinear_size", lambda L, F: F.bilinear(Z(L, 3, 5), Z(L, 3, 5), Z(L, 2, 4, 5))),
    ("embedding_index", lambda L, F: F.embedding(T(L, [10]), Z(L, 5, 3))),
    ("embedding_float", lambda L, F: F.embedding(T(L, [1.0]), Z(L, 5, 3))),
    ("embedding_padding", lambda L, F: F.embedding(T(L, [1]), Z(L, 5, 3), padding_idx=7)),
    ("dropout_p", lambda L, F: F.dropout(Z(L, 3), 1.5)),
    ("dropout1d_dims", lambda L, F: F.dropout1d(Z(L, 2, 3, 4, 5))),
    ("layer_norm_shape", lambda L, F: F.layer_norm(Z(L, 3, 5), (4,))),
    ("layer_norm_weight", lambda L, F: F.layer_norm(Z(L, 3, 5), (5,), Z(L, 4))),
    ("batch_norm_one_value", lambda L, F: F.batch_norm(Z(L, 1, 5), None, None, training=True)),
    ("batch_norm_running_size", lambda L, F: F.batch_norm(Z(L, 3, 4), Z(L, 5), Z(L, 5))),
    ("batch_norm_eps", lambda L, F: F.batch_norm(Z(L, 3, 2), None, None, training=True, eps=-1)),
    ("hardtanh_bounds", lambda L, F: F.hardtanh(Z(L, 3), 2.0, 1.0)),
    ("gelu_approximate", lambda L, F: F.gelu(Z(L, 3), approximate="foo")),
    ("prelu_channels", lambda L, F: F.prelu(Z(L, 2, 5), Z(L, 3))),
    ("softmax_dim", lambda L, F: F.softmax(Z(L, 3, 5), 2)),
    ("one_hot_negative", lambda L, F: F.one_hot(T(L, [-1]))),
    ("one_hot_too_big", lambda L, F: F.one_hot(T(L, [3]), 2)),
    ("one_hot_float", lambda L, F: F.one_hot(T(L, [3.0]))),
    ("one_hot_empty", lambda L, F: F.one_hot(Z(L, 0, dtype="long"))),
    ("pad_mode", lambda L, F: F.pad(Z(L, 3, 5), (1, 1), mode="foo")),
    ("pad_odd", lambda L, F: F.pad(Z(L, 3, 5), (1,))),
    ("pad_too_long", lambda L, F: F.pad(Z(L, 3, 5), (1, 1, 1, 1, 1, 1))),
    ("pad_negative", lambda L, F: F.pad(Z(L, 3, 5), (-3, -3))),
    ("cosine_similarity_shape", lambda L, F: F.cosine_similarity(Z(L, 3, 5), Z(L, 4, 5))),
]


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(case):
    _, fn = case
    assert_same_error(lambda: fn(torch, TF), lambda: fn(numtorch, NF))


def test_inplace_dropout_in_training_matches_torch():
    a = np.random.default_rng(0).standard_normal((3, 20)).astype(np.float32)
    res = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        lib.manual_seed(4)
        leaf = lib.tensor(a, requires_grad=True)
        mid = leaf + 1.0
        out = F.dropout(mid, 0.4, inplace=True)
        assert out is mid
        (out * out).sum().backward()
        res.append((mid, leaf.grad))
    for n, t in zip(res[1], res[0]):
        assert_close(n, t)


# ---- shapes: empty, scalar and odd shapes, drawn by hypothesis ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

_SHAPES = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
_UNARY = ["relu", "elu", "gelu", "silu", "mish", "sigmoid", "tanh", "hardswish", "softplus",
          "softsign", "logsigmoid", "leaky_relu", "hardtanh"]


@settings(max_examples=30, deadline=None)
@given(shape=_SHAPES, name=st.sampled_from(_UNARY), seed=st.integers(0, 2 ** 16))
def test_unary_activations_any_shape(shape, name, seed):
    a = (np.random.default_rng(seed).standard_normal(shape) * 3).astype(np.float32)
    t = torch.tensor(a, requires_grad=True)
    n = numtorch.tensor(a, requires_grad=True)
    tout, nout = getattr(TF, name)(t), getattr(NF, name)(n)
    assert_close(nout, tout)
    tout.sum().backward()
    nout.sum().backward()
    assert_close(n.grad, t.grad)


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       seed=st.integers(0, 2 ** 16), data=st.data())
def test_softmax_and_mse_any_shape(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape[data.draw(st.integers(0, len(shape) - 1)):]).astype(np.float32)
    for fname in ("softmax", "log_softmax", "softmin"):
        assert_close(getattr(NF, fname)(numtorch.tensor(a), dim),
                     getattr(TF, fname)(torch.tensor(a), dim))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for red in ("none", "sum", "mean"):
            assert_close(NF.mse_loss(numtorch.tensor(a), numtorch.tensor(b), reduction=red),
                         TF.mse_loss(torch.tensor(a), torch.tensor(b), reduction=red))
