"""Layers against PyTorch: repr, state_dict keys, forward and backward with the same weights,
default initialisation for the same seed, train/eval behaviour, and the guide's model code.

Each row of ``LAYERS`` builds a layer with ``make(nn)`` (run with ``torch.nn`` and with
``numtorch.nn``) and names its input shapes; the torch layer's weights are copied into the
numtorch layer through ``state_dict``/``load_state_dict``.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch
import numtorch.nn as nnn
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
import torch.nn as tnn  # noqa: E402

# (id, make(nn), input specs: shape tuple (float, takes grad) or ("long", high, shape))
LAYERS = [
    ("Linear", lambda nn: nn.Linear(3, 4), [(5, 3)]),
    ("Linear_nobias", lambda nn: nn.Linear(3, 4, bias=False), [(2, 5, 3)]),
    ("Linear_double", lambda nn: nn.Linear(3, 2, dtype=torch.float64 if nn is tnn
                                           else numtorch.float64), [(4, 3)]),
    ("Bilinear", lambda nn: nn.Bilinear(3, 2, 4), [(5, 3), (5, 2)]),
    ("Bilinear_nobias", lambda nn: nn.Bilinear(2, 2, 3, bias=False), [(4, 2), (4, 2)]),
    ("Identity", lambda nn: nn.Identity(3, foo=1), [(2, 3)]),
    ("Flatten", lambda nn: nn.Flatten(), [(2, 3, 4)]),
    ("Flatten_range", lambda nn: nn.Flatten(0, 1), [(2, 3, 4)]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    ("Unflatten_list", lambda nn: nn.Unflatten(-1, [2, -1]), [(4, 6)]),
    ("Embedding", lambda nn: nn.Embedding(7, 3), [("long", 7, (2, 4))]),
    ("Embedding_pad", lambda nn: nn.Embedding(7, 3, padding_idx=-2), [("long", 7, (3, 4))]),
    ("Embedding_max_norm", lambda nn: nn.Embedding(7, 3, max_norm=0.5), [("long", 7, (5,))]),
    ("Embedding_options", lambda nn: nn.Embedding(7, 3, norm_type=1.0, scale_grad_by_freq=True),
     [("long", 7, (6,))]),
    ("Dropout_eval", lambda nn: nn.Dropout(0.3).eval(), [(3, 4)]),
    ("Dropout_inplace", lambda nn: nn.Dropout(0.3, inplace=True).eval(), [(3, 4)]),
    ("Dropout1d_eval", lambda nn: nn.Dropout1d(0.3).eval(), [(3, 4, 2)]),
    ("LayerNorm", lambda nn: nn.LayerNorm(4), [(3, 4)]),
    ("LayerNorm_2d", lambda nn: nn.LayerNorm([3, 4], eps=1e-3), [(2, 3, 4)]),
    ("LayerNorm_nobias", lambda nn: nn.LayerNorm(4, bias=False), [(3, 4)]),
    ("LayerNorm_noaffine", lambda nn: nn.LayerNorm(4, elementwise_affine=False), [(3, 4)]),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(3), [(6, 3)]),
    ("BatchNorm1d_3d", lambda nn: nn.BatchNorm1d(3, momentum=0.5), [(4, 3, 5)]),
    ("BatchNorm1d_eval", lambda nn: nn.BatchNorm1d(3).eval(), [(6, 3)]),
    ("BatchNorm1d_noaffine", lambda nn: nn.BatchNorm1d(3, affine=False), [(6, 3)]),
    ("BatchNorm1d_nobias", lambda nn: nn.BatchNorm1d(3, bias=False), [(6, 3)]),
    ("BatchNorm1d_untracked", lambda nn: nn.BatchNorm1d(3, track_running_stats=False).eval(),
     [(6, 3)]),
    ("BatchNorm1d_cumulative", lambda nn: nn.BatchNorm1d(3, momentum=None), [(6, 3)]),
    ("Tanh", lambda nn: nn.Tanh(), [(3, 4)]),
    ("ReLU", lambda nn: nn.ReLU(), [(3, 4)]),
    ("ReLU6", lambda nn: nn.ReLU6(), [(3, 4)]),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2), [(3, 4)]),
    ("ELU", lambda nn: nn.ELU(alpha=0.5), [(3, 4)]),
    ("SELU", lambda nn: nn.SELU(), [(3, 4)]),
    ("CELU", lambda nn: nn.CELU(alpha=2.0), [(3, 4)]),
    ("GELU", lambda nn: nn.GELU(), [(3, 4)]),
    ("GELU_tanh", lambda nn: nn.GELU(approximate="tanh"), [(3, 4)]),
    ("SiLU", lambda nn: nn.SiLU(), [(3, 4)]),
    ("Mish", lambda nn: nn.Mish(), [(3, 4)]),
    ("Sigmoid", lambda nn: nn.Sigmoid(), [(3, 4)]),
    ("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.5), [(3, 4)]),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid(), [(3, 4)]),
    ("Hardswish", lambda nn: nn.Hardswish(), [(3, 4)]),
    ("Softplus", lambda nn: nn.Softplus(beta=2.0, threshold=3.0), [(3, 4)]),
    ("Softsign", lambda nn: nn.Softsign(), [(3, 4)]),
    ("Tanhshrink", lambda nn: nn.Tanhshrink(), [(3, 4)]),
    ("Threshold", lambda nn: nn.Threshold(0.1, 20.0), [(3, 4)]),
    ("LogSigmoid", lambda nn: nn.LogSigmoid(), [(3, 4)]),
    ("PReLU", lambda nn: nn.PReLU(), [(3, 4)]),
    ("PReLU_channels", lambda nn: nn.PReLU(4, init=0.1), [(3, 4, 2)]),
    ("Softmax", lambda nn: nn.Softmax(dim=1), [(3, 4)]),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=1), [(3, 4)]),
    ("Softmin", lambda nn: nn.Softmin(dim=-1), [(3, 4)]),
    ("Softmax_nodim", lambda nn: nn.Softmax(), [(3, 4)]),
]

# Printing only: the inplace and other options whose repr differs from the default.
REPRS = [
    lambda nn: nn.ReLU(inplace=True),
    lambda nn: nn.ReLU6(inplace=True),
    lambda nn: nn.LeakyReLU(inplace=True),
    lambda nn: nn.ELU(inplace=True),
    lambda nn: nn.CELU(inplace=True),
    lambda nn: nn.SELU(inplace=True),
    lambda nn: nn.SiLU(inplace=True),
    lambda nn: nn.Mish(inplace=True),
    lambda nn: nn.Hardsigmoid(inplace=True),
    lambda nn: nn.Hardswish(inplace=True),
    lambda nn: nn.Hardtanh(inplace=True),
    lambda nn: nn.Threshold(1, 2, inplace=True),
    lambda nn: nn.Dropout(),
    lambda nn: nn.Embedding(3, 2, max_norm=1.0, sparse=True),
    lambda nn: nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False,
                              track_running_stats=False),
    lambda nn: nn.BatchNorm1d(4, bias=False),
    lambda nn: nn.LayerNorm((2, 3)),
    lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)),
]


def _has_signature(fn) -> bool:
    """False for PyTorch's C builtins, whose signature Python cannot see."""
    try:
        inspect.signature(fn)
    except ValueError:
        return False
    return True


def _params(fn):
    """(name, default, kind) of each parameter: what a caller can pass, and how."""
    return [(p.name, p.default.__name__ if inspect.isfunction(p.default) else p.default, p.kind)
            for p in inspect.signature(fn).parameters.values()]  # a function default by name


@pytest.mark.parametrize("name", nnn.modules.__all__)
def test_constructor_and_forward_signatures_match_torch(name):
    tcls, ncls = getattr(tnn, name), getattr(nnn, name)
    assert _params(ncls.__init__) == _params(tcls.__init__)
    if name != "Module":
        assert _params(ncls.forward) == _params(tcls.forward)


@pytest.mark.parametrize("name", [n for n in nnn.functional.__all__
                                  if _has_signature(getattr(torch.nn.functional, n))])
def test_functional_signatures_match_torch(name):
    assert _params(getattr(nnn.functional, name)) == _params(getattr(torch.nn.functional, name))


def _inputs(specs, npdt, seed=0):
    """Pairs of (torch, numtorch) inputs built from the same arrays."""
    rng = np.random.default_rng(seed)
    out = []
    for s in specs:
        if isinstance(s[0], str):
            a = rng.integers(0, s[1], s[2]).astype(np.int64)
            out.append((torch.tensor(a), numtorch.tensor(a)))
        else:
            a = rng.standard_normal(s).astype(npdt)
            out.append((torch.tensor(a, requires_grad=True),
                        numtorch.tensor(a, requires_grad=True)))
    return out


def _copy_state(tmod, nmod):
    sd = {k: numtorch.tensor(v.detach().numpy().copy()) for k, v in tmod.state_dict().items()}
    res = nmod.load_state_dict(sd)
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []


def _pair(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(tnn), make(nnn)


@pytest.mark.parametrize("case", LAYERS, ids=[c[0] for c in LAYERS])
def test_repr_and_state_dict_keys(case):
    _, make, _ = case
    t, n = _pair(make)
    assert repr(n) == repr(t)
    assert list(n.state_dict().keys()) == list(t.state_dict().keys())
    for (kn, vn), (_kt, vt) in zip(n.state_dict().items(), t.state_dict().items()):
        assert tuple(vn.shape) == tuple(vt.shape) and str(vn.dtype) == str(vt.dtype), kn
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [k for k, _ in n.named_buffers()] == [k for k, _ in t.named_buffers()]


@pytest.mark.parametrize("make", REPRS)
def test_repr_options(make):
    t, n = _pair(make)
    assert repr(n) == repr(t)


@pytest.mark.parametrize("case", LAYERS, ids=[c[0] for c in LAYERS])
def test_forward_backward_match_torch(case):
    _, make, specs = case
    tmod, nmod = _pair(make)
    _copy_state(tmod, nmod)
    dt = next((p.dtype for p in tmod.parameters()), torch.float32)
    npdt = np.float64 if dt == torch.float64 else np.float32
    pairs = _inputs(specs, npdt)
    tin, nin = [p[0] for p in pairs], [p[1] for p in pairs]
    inplace_eval = getattr(tmod, "inplace", False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if inplace_eval:
            tin = [x * 1.0 for x in tin]
            nin = [x * 1.0 for x in nin]
        tout = tmod(*tin)
        nout = nmod(*nin)
    assert_close(nout, tout)
    seed = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(npdt)
    tout.backward(torch.tensor(seed))
    nout.backward(numtorch.tensor(seed))
    for tx, nx in zip(tin, nin):
        if tx.is_leaf and tx.requires_grad:
            assert_close(nx.grad, tx.grad)
    for (name, tp), (_, np_) in zip(tmod.named_parameters(), nmod.named_parameters()):
        assert np_.grad is not None, name
        assert_close(np_.grad, tp.grad)
    for (_name, tb), (_, nb) in zip(tmod.named_buffers(), nmod.named_buffers()):
        assert_close(nb, tb)


_FLOAT_INPUTS = [c for c in LAYERS if all(not isinstance(s[0], str) for s in c[2])]


@pytest.mark.parametrize("case", _FLOAT_INPUTS, ids=[c[0] for c in _FLOAT_INPUTS])
def test_input_gradient_by_finite_differences_float64(case):
    _, make, specs = case
    tmod, nmod = _pair(make)
    _copy_state(tmod, nmod)
    nmod.double()
    xs = [p[1].double().detach().requires_grad_() for p in _inputs(specs, np.float64, seed=3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda *a: nmod(*[t * 1.0 for t in a]), xs, eps=1e-6, atol=1e-5,
                         rtol=1e-4)


@pytest.mark.parametrize("case", [c for c in LAYERS if any(True for _ in c[1](tnn).parameters())],
                         ids=[c[0] for c in LAYERS if any(True for _ in c[1](tnn).parameters())])
def test_default_init_matches_torch_for_same_seed(case):
    _, make, _ = case
    torch.manual_seed(123)
    numtorch.manual_seed(123)
    t, n = _pair(make)
    for (_k, vt), (_, vn) in zip(t.state_dict().items(), n.state_dict().items()):
        assert_close(vn, vt, rtol=0, atol=0)


def test_dropout_training_masks_match_torch():
    a = np.random.default_rng(0).standard_normal((4, 30)).astype(np.float32)
    outs = []
    for lib, nn in ((torch, tnn), (numtorch, nnn)):
        lib.manual_seed(3)
        d = nn.Dropout(0.25)
        outs.append(d(lib.tensor(a)))
    assert_close(outs[1], outs[0])


def test_dropout_train_eval_switch():
    d = nnn.Dropout(0.5)
    x = numtorch.ones(3)
    assert d.training
    assert d.eval()(x) is x
    assert not d.training


def test_batchnorm_running_stats_over_several_steps():
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((5, 3)).astype(np.float32) * (i + 1) for i in range(3)]
    for momentum in (0.1, None):
        t, n = tnn.BatchNorm1d(3, momentum=momentum), nnn.BatchNorm1d(3, momentum=momentum)
        for b in batches:
            assert_close(n(numtorch.tensor(b)), t(torch.tensor(b)))
        for k in ("running_mean", "running_var", "num_batches_tracked"):
            assert_close(n.state_dict()[k], t.state_dict()[k])
        t.eval()
        n.eval()
        assert_close(n(numtorch.tensor(batches[0])), t(torch.tensor(batches[0])))


def test_batchnorm_load_old_state_dict_without_num_batches_tracked():
    n = nnn.BatchNorm1d(2)
    sd = n.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""]["version"] = 1
    res = n.load_state_dict(sd)
    assert list(res.missing_keys) == []


def test_embedding_from_pretrained_matches_torch():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    t = tnn.Embedding.from_pretrained(torch.tensor(w), padding_idx=1)
    n = nnn.Embedding.from_pretrained(numtorch.tensor(w), padding_idx=1)
    assert repr(n) == repr(t)
    assert n.weight.requires_grad == t.weight.requires_grad
    idx = np.array([[0, 3], [1, 2]])
    assert_close(n(numtorch.tensor(idx)), t(torch.tensor(idx)))


def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    e = nnn.Embedding(5, 3, padding_idx=2)
    assert e.weight[2].tolist() == [0.0, 0.0, 0.0]
    e(numtorch.tensor([2, 1, 2])).sum().backward()
    assert e.weight.grad[2].tolist() == [0.0, 0.0, 0.0]
    assert e.weight.grad[1].tolist() == [1.0, 1.0, 1.0]


def test_softmax_module_implicit_dim_warning():
    a = np.zeros((2, 3), np.float32)
    msgs = []
    for lib, nn in ((torch, tnn), (numtorch, nnn)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            nn.Softmax()(lib.tensor(a))
            nn.LogSoftmax()(lib.tensor(a))
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2


# ---- constructor and forward errors: same type and message as torch -------------------------

ERRORS = [
    ("embedding_padding", lambda L, nn: nn.Embedding(5, 3, padding_idx=5)),
    ("embedding_padding_negative", lambda L, nn: nn.Embedding(5, 3, padding_idx=-6)),
    ("embedding_pretrained_dims", lambda L, nn: nn.Embedding.from_pretrained(L.zeros(3))),
    ("dropout_p", lambda L, nn: nn.Dropout(1.5)),
    ("dropout1d_p", lambda L, nn: nn.Dropout1d(-0.1)),
    ("hardtanh_bounds", lambda L, nn: nn.Hardtanh(2.0, 1.0)),
    ("bilinear_zero", lambda L, nn: nn.Bilinear(0, 3, 4)),
    ("linear_negative", lambda L, nn: nn.Linear(-1, 3)),
    ("unflatten_sizes", lambda L, nn: nn.Unflatten(1, (2, 2))(L.zeros(3, 5))),
    ("unflatten_type", lambda L, nn: nn.Unflatten(1, 4)),
    ("unflatten_elem_type", lambda L, nn: nn.Unflatten(1, (2, 2.0))),
    ("flatten_dim", lambda L, nn: nn.Flatten(3)(L.zeros(3, 5))),
    ("batchnorm_dims", lambda L, nn: nn.BatchNorm1d(5)(L.zeros(2, 5, 3, 3))),
    ("batchnorm_one_value", lambda L, nn: nn.BatchNorm1d(5)(L.zeros(1, 5))),
    ("batchnorm_channels", lambda L, nn: nn.BatchNorm1d(5)(L.zeros(3, 4))),
    ("prelu_channels", lambda L, nn: nn.PReLU(3)(L.zeros(2, 5))),
    ("linear_input", lambda L, nn: nn.Linear(3, 2)(L.zeros(4, 2))),
    ("layernorm_input", lambda L, nn: nn.LayerNorm(3)(L.zeros(4, 2))),
]


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(case):
    _, fn = case
    assert_same_error(lambda: fn(torch, tnn), lambda: fn(numtorch, nnn))


# ---- the guide's model, run unchanged --------------------------------------------------------

GUIDE = '''
input_size, hidden_size, output_size = 4, 8, 3

class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(hidden_size, output_size)
    def forward(self, x):
        x = self.tanh(self.fc1(x))
        return self.fc2(x)

model = nn.Sequential(
    nn.Linear(input_size, hidden_size),
    nn.Tanh(),
    nn.Linear(hidden_size, output_size)
)
net = SimpleNet()
'''


def _guide(torch_module):
    ns = {"torch": torch_module, "nn": torch_module.nn}
    exec(GUIDE, ns)
    return ns


def test_guide_models_run_unchanged_and_match_torch():
    t, n = _guide(torch), _guide(numtorch)
    assert repr(n["net"]) == repr(t["net"])
    assert repr(n["model"]) == repr(t["model"])
    assert list(n["model"].state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    target = np.array([0, 2, 1, 1, 0])
    for key in ("net", "model"):
        _copy_state(t[key], n[key])
        tout, nout = t[key](torch.tensor(x)), n[key](numtorch.tensor(x))
        assert_close(nout, tout)
        tlp = tnn.LogSoftmax(dim=1)(tout)
        nlp = nnn.LogSoftmax(dim=1)(nout)
        assert_close(nlp, tlp)
        tl = tnn.NLLLoss()(tlp, torch.tensor(target))
        nl = nnn.NLLLoss()(nlp, numtorch.tensor(target))
        assert_close(nl, tl)
        tl.backward()
        nl.backward()
        for (_k, tp), (_, np_) in zip(t[key].named_parameters(), n[key].named_parameters()):
            assert_close(np_.grad, tp.grad)
    # SimpleNet's weights load into its Sequential twin under the twin's key names
    sd = dict(zip(n["model"].state_dict().keys(), n["net"].state_dict().values()))
    n["model"].load_state_dict(sd)
    assert_close(n["model"](numtorch.tensor(x)), t["net"](torch.tensor(x)))


def test_guide_models_same_seed_same_outputs():
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    torch.manual_seed(0)
    t = _guide(torch)
    numtorch.manual_seed(0)
    n = _guide(numtorch)
    for key in ("net", "model"):
        assert_close(n[key](numtorch.tensor(x)), t[key](torch.tensor(x)))
