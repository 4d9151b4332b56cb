"""Loss modules against PyTorch: repr, buffers in state_dict, values and gradients, options.

Each row of ``LOSSES`` builds the same loss with ``make(nn, lib)`` in both libraries and
feeds it inputs made from the same arrays; the functional forms are covered row by row in
``test_nn_functional.py``, so this file checks what the modules add: option plumbing,
weights as buffers, the legacy ``size_average``/``reduce`` flags, and printing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch
import numtorch.nn as nnn

torch = pytest.importorskip("torch")
import torch.nn as tnn  # noqa: E402

R = np.random.default_rng(0)
W5 = R.uniform(0.2, 2.0, 5).astype(np.float32)
W34 = R.uniform(0.2, 2.0, (3, 4)).astype(np.float32)
PW4 = R.uniform(0.5, 3.0, 4).astype(np.float32)


def x(*shape):
    return ("x", lambda r: r.standard_normal(shape))


def c(make):
    return ("c", make)


def idx(hi, *shape):
    return ("c", lambda r: r.integers(0, hi, shape).astype(np.int64))


def unit(*shape):
    return ("x", lambda r: r.uniform(0.05, 0.95, shape))


def pm1(*shape):
    return ("c", lambda r: r.choice([-1.0, 1.0], shape))


# (id, make(nn, lib), inputs)
LOSSES = [
    ("NLLLoss", lambda nn, L: nn.NLLLoss(), [x(4, 5), idx(5, 4)]),
    ("NLLLoss_weight", lambda nn, L: nn.NLLLoss(weight=L.tensor(W5), ignore_index=0),
     [x(6, 5), idx(5, 6)]),
    ("NLLLoss_none_kd", lambda nn, L: nn.NLLLoss(reduction="none"), [x(2, 5, 3), idx(5, 2, 3)]),
    ("CrossEntropyLoss", lambda nn, L: nn.CrossEntropyLoss(), [x(4, 5), idx(5, 4)]),
    ("CrossEntropyLoss_options",
     lambda nn, L: nn.CrossEntropyLoss(weight=L.tensor(W5), ignore_index=1, reduction="sum",
                                       label_smoothing=0.15), [x(6, 5), idx(5, 6)]),
    ("CrossEntropyLoss_probs", lambda nn, L: nn.CrossEntropyLoss(label_smoothing=0.1),
     [x(4, 5), c(lambda r: r.dirichlet(np.ones(5), 4))]),
    ("MSELoss", lambda nn, L: nn.MSELoss(), [x(3, 4), x(3, 4)]),
    ("MSELoss_sum", lambda nn, L: nn.MSELoss(reduction="sum"), [x(3, 4), x(3, 4)]),
    ("L1Loss", lambda nn, L: nn.L1Loss(reduction="none"), [x(3, 4), x(3, 4)]),
    ("SmoothL1Loss", lambda nn, L: nn.SmoothL1Loss(beta=0.5), [x(3, 4), x(3, 4)]),
    ("HuberLoss", lambda nn, L: nn.HuberLoss(delta=0.5, reduction="sum"), [x(3, 4), x(3, 4)]),
    ("BCELoss", lambda nn, L: nn.BCELoss(), [unit(3, 4), c(lambda r: r.uniform(0, 1, (3, 4)))]),
    ("BCELoss_weight", lambda nn, L: nn.BCELoss(weight=L.tensor(W34), reduction="none"),
     [unit(3, 4), c(lambda r: (r.random((3, 4)) > 0.5) * 1.0)]),
    ("BCEWithLogitsLoss", lambda nn, L: nn.BCEWithLogitsLoss(), [x(3, 4), unit(3, 4)]),
    ("BCEWithLogitsLoss_pos_weight",
     lambda nn, L: nn.BCEWithLogitsLoss(weight=L.tensor(W34), pos_weight=L.tensor(PW4)),
     [x(3, 4), c(lambda r: (r.random((3, 4)) > 0.5) * 1.0)]),
    ("KLDivLoss", lambda nn, L: nn.KLDivLoss(reduction="batchmean"),
     [x(3, 4), c(lambda r: r.dirichlet(np.ones(4), 3))]),
    ("KLDivLoss_log_target", lambda nn, L: nn.KLDivLoss(reduction="sum", log_target=True),
     [x(3, 4), x(3, 4)]),
    ("PoissonNLLLoss", lambda nn, L: nn.PoissonNLLLoss(),
     [x(3, 4), c(lambda r: r.poisson(2.0, (3, 4)) * 1.0)]),
    ("PoissonNLLLoss_full", lambda nn, L: nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-6),
     [unit(3, 4), c(lambda r: r.poisson(3.0, (3, 4)) * 1.0)]),
    ("CosineEmbeddingLoss", lambda nn, L: nn.CosineEmbeddingLoss(margin=0.2),
     [x(5, 3), x(5, 3), pm1(5)]),
    ("MarginRankingLoss", lambda nn, L: nn.MarginRankingLoss(margin=0.5, reduction="sum"),
     [x(6), x(6), pm1(6)]),
    ("MSELoss_legacy", lambda nn, L: nn.MSELoss(size_average=False), [x(3, 4), x(3, 4)]),
    ("L1Loss_legacy", lambda nn, L: nn.L1Loss(reduce=False), [x(3, 4), x(3, 4)]),
    ("NLLLoss_legacy", lambda nn, L: nn.NLLLoss(size_average=False, reduce=True),
     [x(4, 5), idx(5, 4)]),
]


def _pair(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(tnn, torch), make(nnn, numtorch)


def _inputs(specs, seed=0):
    rng = np.random.default_rng(seed)
    pairs = []
    for kind, make in specs:
        a = make(rng)
        if a.dtype.kind == "f":
            a = a.astype(np.float32)
        grad = kind == "x"
        pairs.append((torch.tensor(a, requires_grad=grad), numtorch.tensor(a, requires_grad=grad)))
    return pairs


@pytest.mark.parametrize("case", LOSSES, ids=[c[0] for c in LOSSES])
def test_loss_module_matches_torch(case):
    _, make, specs = case
    t, n = _pair(make)
    assert repr(n) == repr(t)
    assert n.reduction == t.reduction
    assert list(n.state_dict()) == list(t.state_dict())
    for k in t.state_dict():
        assert_close(n.state_dict()[k], t.state_dict()[k])
    pairs = _inputs(specs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = t(*[p[0] for p in pairs])
        nout = n(*[p[1] for p in pairs])
    assert_close(nout, tout)
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(np.float32)
    tout.backward(torch.tensor(g))
    nout.backward(numtorch.tensor(g))
    for tt, nt in pairs:
        if tt.requires_grad:
            assert_close(nt.grad, tt.grad)


def test_weight_is_a_buffer_that_moves_with_to():
    n = nnn.CrossEntropyLoss(weight=numtorch.tensor(W5))
    assert [k for k, _ in n.named_buffers()] == ["weight"]
    n.double()
    assert n.weight.dtype == numtorch.float64


def test_legacy_flags_warn_like_torch():
    msgs = []
    for nn in (tnn, nnn):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            nn.MSELoss(size_average=False)
        msgs.append([str(m.message) for m in w])
    assert msgs[0] == msgs[1] and msgs[0]


def test_guide_logsoftmax_nllloss_equals_cross_entropy():
    a = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    t = np.array([0, 3, 1, 2, 2, 0])
    x = numtorch.tensor(a, requires_grad=True)
    nll = nnn.NLLLoss()(nnn.LogSoftmax(dim=1)(x), numtorch.tensor(t))
    ce = nnn.CrossEntropyLoss()(x, numtorch.tensor(t))
    assert_close(nll, torch.nn.CrossEntropyLoss()(torch.tensor(a), torch.tensor(t)))
    assert abs(nll.item() - ce.item()) < 1e-6


ERRORS = [
    ("nll_out_of_bounds", lambda L, nn: nn.NLLLoss()(L.zeros(3, 5), L.tensor([1, 2, 5]))),
    ("ce_bad_reduction", lambda L, nn: nn.CrossEntropyLoss(reduction="avg")(L.zeros(3, 5),
                                                                           L.tensor([1, 2, 3]))),
    ("ce_batch", lambda L, nn: nn.CrossEntropyLoss()(L.zeros(3, 5), L.tensor([1, 2]))),
    ("bce_size", lambda L, nn: nn.BCELoss()(L.zeros(3), L.zeros(4))),
    ("bce_logits_size", lambda L, nn: nn.BCEWithLogitsLoss()(L.zeros(3), L.zeros(4))),
    ("mse_size", lambda L, nn: nn.MSELoss()(L.zeros(3), L.zeros(4))),
    ("margin_ranking_dims", lambda L, nn: nn.MarginRankingLoss()(L.zeros(3), L.zeros(3),
                                                                L.zeros(3, 1))),
]


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(case):
    _, fn = case
    assert_same_error(lambda: fn(torch, tnn), lambda: fn(numtorch, nnn))
