"""Edge behaviour against PyTorch, continued: random factories and nn modules on impossible
sizes and on a CUDA default device, ``torch.Tensor(*sizes)``'s errors, broadcasts too large to
allocate, and no NumPy RuntimeWarning from arithmetic, backward passes, distances or
normalisation where PyTorch is silent.  Every case runs the same expression in both libraries."""

import warnings

import numpy as np
import pytest
from conftest import assert_same_error

import numtorch

torch = pytest.importorskip("torch")

BIG = (2 ** 40, 2 ** 10)  # 4 PiB of float32: every allocator refuses at once
INF, NAN = float("inf"), float("nan")


def _huge(m):
    return m.empty(1).expand(*BIG)


# ---- random factories: allocation failures --------------------------------------------------
RANDOM_ALLOC = {
    "rand": lambda m: m.rand(*BIG),
    "rand_tuple": lambda m: m.rand(BIG),
    "rand_f64": lambda m: m.rand(*BIG, dtype=m.float64),
    "rand_grad": lambda m: m.rand(*BIG, requires_grad=True),
    "randn": lambda m: m.randn(*BIG),
    "randn_size_kw": lambda m: m.randn(size=BIG),
    "randint": lambda m: m.randint(0, 5, BIG),
    "randint_high": lambda m: m.randint(5, BIG),
    "randint_u8": lambda m: m.randint(0, 5, BIG, dtype=m.uint8),
    "randperm": lambda m: m.randperm(2 ** 50),
    "randperm_2_62": lambda m: m.randperm(2 ** 62),
    "normal": lambda m: m.normal(0.0, 1.0, BIG),
    "rand_like": lambda m: m.rand_like(_huge(m)),
    "randn_like": lambda m: m.randn_like(_huge(m)),
    "randint_like": lambda m: m.randint_like(_huge(m), 3),
    "bernoulli": lambda m: m.bernoulli(m.full((1,), 0.5).expand(*BIG)),
    "rand_out": lambda m: m.rand(*BIG, out=m.empty(1)),
    # the byte count (or a stride) does not fit in int64
    "rand_2_62": lambda m: m.rand(2 ** 62),
    "randn_2_61x4": lambda m: m.randn(2 ** 61, 4),
    "rand_zero_last": lambda m: m.rand(2 ** 62, 2 ** 62, 0),
    "rand_stride": lambda m: m.rand(0, 2 ** 62, 2 ** 62),
    "randint_2_62": lambda m: m.randint(3, (2 ** 62,)),
    "negative": lambda m: m.rand(2, -1),
    "randperm_negative": lambda m: m.randperm(-1),
}


@pytest.mark.parametrize("name", RANDOM_ALLOC)
def test_random_allocation_errors_match_pytorch(name):
    f = RANDOM_ALLOC[name]
    assert_same_error(lambda: f(torch), lambda: f(numtorch))


# A size outside int64 is refused while the arguments are read; PyTorch's message then goes on
# with a C++ stack trace, so only its first line (our whole message) is compared.
RANDOM_UNPACK = {
    "rand": lambda m: m.rand(2 ** 63),
    "rand_pos2": lambda m: m.rand(3, 2 ** 64),
    "randn_list": lambda m: m.randn([2 ** 63]),
    "randn_below": lambda m: m.randn(-2 ** 63 - 1),
    "randint": lambda m: m.randint(0, 5, (2 ** 63,)),
    "randint_pos2": lambda m: m.randint(5, (1, 2 ** 63)),
    "normal": lambda m: m.normal(0.0, 1.0, (2 ** 63,)),
    "tensor_new": lambda m: m.Tensor(2 ** 63),
    "tensor_new_pos2": lambda m: m.Tensor(2, 2 ** 63),
    "linear": lambda m: m.nn.Linear(2 ** 63, 2),
    "layer_norm": lambda m: m.nn.LayerNorm(2 ** 63),
}


@pytest.mark.parametrize("name", RANDOM_UNPACK)
def test_sizes_outside_int64_raise_pytorchs_type_error(name):
    f = RANDOM_UNPACK[name]
    with pytest.raises(TypeError) as t:
        f(torch)
    with pytest.raises(TypeError) as n:
        f(numtorch)
    assert str(t.value).split("\n")[0] + '"' == str(n.value)


def test_randperm_beyond_int64_matches_pytorch():
    assert_same_error(lambda: torch.randperm(2 ** 63), lambda: numtorch.randperm(2 ** 63))


# Sizes within bounds still draw exactly PyTorch's numbers after the new checks.
DRAWS = {
    "rand": lambda m: m.rand(2, 3),
    "rand_f64": lambda m: m.rand(5, dtype=m.float64),
    "randn": lambda m: m.randn(7),
    "randint": lambda m: m.randint(-3, 9, (4, 2)),
    "randperm": lambda m: m.randperm(10),
    "normal": lambda m: m.normal(2.0, 3.0, (6,)),
    "rand_out": lambda m: m.rand(3, out=m.empty(1)),
    "randn_like": lambda m: m.randn_like(m.empty(2, 2)),
    "zero_size": lambda m: m.rand(0, 3),
}


@pytest.mark.parametrize("name", DRAWS)
def test_random_draws_stay_identical(name):
    f = DRAWS[name]
    torch.manual_seed(7)
    numtorch.manual_seed(7)
    t, n = f(torch), f(numtorch)
    assert str(n.dtype) == str(t.dtype)
    np.testing.assert_array_equal(n.numpy(), t.numpy())


# ---- ``torch.Tensor(*sizes)`` --------------------------------------------------------------
LEGACY = {
    "big": lambda m: m.Tensor(*BIG),
    "size": lambda m: m.Tensor(m.Size(BIG)),
    "overflow": lambda m: m.Tensor(2 ** 62),
    "stride": lambda m: m.Tensor(0, 2 ** 62, 2 ** 62),
    "negative": lambda m: m.Tensor(-1),
    "negative_second": lambda m: m.Tensor(2, -3),
}


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructor_errors_match_pytorch(name):
    f = LEGACY[name]
    assert_same_error(lambda: f(torch), lambda: f(numtorch))


def test_legacy_constructor_still_makes_zeros():
    for args in ((2, 3), (0,), ()):
        t, n = torch.Tensor(*args), numtorch.Tensor(*args)
        assert tuple(n.shape) == tuple(t.shape) and str(n.dtype) == str(t.dtype)


# ---- the default device: random factories and nn modules -------------------------------------
@pytest.fixture
def reset_default_device():
    yield
    torch.set_default_device(None)
    numtorch.set_default_device(None)


def _outcome(f, m):
    try:
        r = f(m)
    except Exception as e:  # compared by type and message
        return type(e).__name__, str(e).split("\n")[0]
    return "made", type(r).__name__


UNDER_CUDA = {
    # random factories use the default device, checked before the sizes' values
    "rand": lambda m: m.rand(2),
    "randn": lambda m: m.randn(2, 3),
    "randint": lambda m: m.randint(0, 5, (2,)),
    "randperm": lambda m: m.randperm(3),
    "rand_big": lambda m: m.rand(*BIG),
    "rand_negative": lambda m: m.rand(-1),
    "rand_2_63": lambda m: m.rand(2 ** 63),
    "randperm_negative": lambda m: m.randperm(-1),
    "rand_bad_type": lambda m: m.rand("a"),
    "rand_out": lambda m: m.rand(2, out=m.empty(2, device="cpu")),
    "rand_cpu": lambda m: m.rand(2, device="cpu"),
    "randn_explicit_cuda": lambda m: m.randn(2, device="cuda"),
    # these take their device from a tensor (or ignore the default), as in PyTorch
    "normal_floats": lambda m: m.normal(0.0, 1.0, (2,)),
    "normal_tensor": lambda m: m.normal(m.zeros(2, device="cpu"), 1.0),
    "rand_like": lambda m: m.rand_like(m.empty(2, device="cpu")),
    "randint_like": lambda m: m.randint_like(m.empty(2, device="cpu"), 3),
    "bernoulli": lambda m: m.bernoulli(m.full((2,), 0.5, device="cpu")),
    "multinomial": lambda m: m.multinomial(m.full((2,), 0.5, device="cpu"), 1),
    "legacy_tensor": lambda m: m.Tensor(2),
    # modules create their parameters on the default device, at construction
    "linear": lambda m: m.nn.Linear(2, 3),
    "linear_no_bias": lambda m: m.nn.Linear(2, 3, bias=False),
    "linear_negative": lambda m: m.nn.Linear(-1, 3),
    "linear_cpu": lambda m: m.nn.Linear(2, 3, device="cpu"),
    "bilinear": lambda m: m.nn.Bilinear(2, 3, 4),
    "conv1d": lambda m: m.nn.Conv1d(2, 3, 3),
    "conv2d": lambda m: m.nn.Conv2d(2, 3, 3),
    "conv_transpose2d": lambda m: m.nn.ConvTranspose2d(2, 3, 3),
    "batch_norm": lambda m: m.nn.BatchNorm1d(3),
    "batch_norm_no_affine": lambda m: m.nn.BatchNorm1d(3, affine=False),
    "batch_norm_stateless": lambda m: m.nn.BatchNorm1d(3, affine=False, track_running_stats=False),
    "layer_norm": lambda m: m.nn.LayerNorm(3),
    "layer_norm_no_affine": lambda m: m.nn.LayerNorm(3, elementwise_affine=False),
    "embedding": lambda m: m.nn.Embedding(3, 2),
    "prelu": lambda m: m.nn.PReLU(),
    "no_parameters": lambda m: m.nn.Sequential(m.nn.Tanh(), m.nn.ReLU()),
    "parameter": lambda m: m.nn.Parameter(m.empty(2)),
}


@pytest.mark.parametrize("name", UNDER_CUDA)
def test_cuda_default_device_matches_cpu_only_pytorch(name, reset_default_device):
    f = UNDER_CUDA[name]
    out = []
    for m in (torch, numtorch):
        m.set_default_device("cuda")
        try:
            out.append(_outcome(f, m))
        finally:
            m.set_default_device(None)
    assert out[1] == out[0]


EXPLICIT_DEVICE = {
    "linear_cuda": lambda m: m.nn.Linear(2, 3, device="cuda"),
    "linear_bad": lambda m: m.nn.Linear(2, 3, device="foo"),
    "linear_cuda_index": lambda m: m.nn.Linear(2, 3, device="cuda:1"),
    "conv_cuda": lambda m: m.nn.Conv2d(1, 1, 1, device="cuda"),
    "embedding_cuda": lambda m: m.nn.Embedding(2, 2, device="cuda"),
    "linear_big": lambda m: m.nn.Linear(*BIG),
    "linear_overflow": lambda m: m.nn.Linear(2 ** 62, 2),
    "linear_cpu": lambda m: m.nn.Linear(2, 3, device="cpu"),
    "linear_cpu_device": lambda m: m.nn.Linear(2, 3, device=m.device("cpu")),
}


@pytest.mark.parametrize("name", EXPLICIT_DEVICE)
def test_module_devices_and_sizes_match_pytorch(name):
    f = EXPLICIT_DEVICE[name]
    assert _outcome(f, numtorch) == _outcome(f, torch)


def test_modules_are_made_again_after_the_default_is_reset(reset_default_device):
    for m in (torch, numtorch):
        m.set_default_device("cuda")
        with pytest.raises(AssertionError):
            m.nn.Linear(2, 3)
        m.set_default_device(None)
        assert m.nn.Linear(2, 3).weight.device.type == "cpu"
        with m.device("cpu"):
            assert m.nn.Linear(2, 3).weight.device.type == "cpu"


def test_linear_initialisation_unchanged():
    torch.manual_seed(3)
    numtorch.manual_seed(3)
    t, n = torch.nn.Linear(5, 4), numtorch.nn.Linear(5, 4)
    np.testing.assert_array_equal(n.weight.detach().numpy(), t.weight.detach().numpy())
    np.testing.assert_array_equal(n.bias.detach().numpy(), t.bias.detach().numpy())


# ---- broadcasts too large to allocate -----------------------------------------------------
def _col(m, n):
    return m.ones(1, 1).expand(n, 1)


def _row(m, n):
    return m.ones(1, 1).expand(1, n)


BROADCAST = {
    "add": lambda m: _col(m, 2 ** 40) + _row(m, 2 ** 10),
    "add_alpha": lambda m: m.add(_col(m, 2 ** 40), _row(m, 2 ** 10), alpha=2),
    "sub": lambda m: _col(m, 2 ** 31) - _row(m, 2 ** 31),
    "sub_alpha": lambda m: m.sub(_col(m, 2 ** 40), _row(m, 2 ** 10), alpha=3),
    "mul": lambda m: _col(m, 2 ** 25) * _row(m, 2 ** 25),
    "div": lambda m: _col(m, 2 ** 31) / _row(m, 2 ** 31),
    "pow": lambda m: _col(m, 2 ** 40) ** _row(m, 2 ** 10),
    "maximum": lambda m: m.maximum(_col(m, 2 ** 40), _row(m, 2 ** 10)),
    "minimum": lambda m: m.minimum(_col(m, 2 ** 40), _row(m, 2 ** 10)),
    "mul_f64_int": lambda m: _col(m, 2 ** 40).double() * _row(m, 2 ** 10).long(),
    "add_int": lambda m: _col(m, 2 ** 40).long() + m.ones(1, 2 ** 10, dtype=m.long),
}


@pytest.mark.parametrize("name", BROADCAST)
def test_broadcast_allocation_errors_match_pytorch(name):
    f = BROADCAST[name]
    assert_same_error(lambda: f(torch), lambda: f(numtorch))


# ---- no NumPy RuntimeWarning where PyTorch is silent --------------------------------------
def _t(m, *rows, grad=True):
    return m.tensor(list(rows) if len(rows) > 1 else rows[0], requires_grad=grad)


SPECIAL = [INF, -INF, NAN, 0.0, -0.0, 3e38, -3e38, 1e-45, 1.0, -1.0]


_HUGE_COL = ([1e30], [-1e30], [3e38])
_F = numtorch.nn.functional


def _empty_batch(m):
    return m.zeros(0, 3, requires_grad=True)


def _sp(m):
    return m.tensor(SPECIAL, requires_grad=True)


def _sp2(m):
    return m.tensor(SPECIAL[::-1], requires_grad=True)


QUIET = {
    # forward arithmetic with inf, nan and overflow (exact, elementwise)
    "mul": lambda m, F: _sp(m) * _sp2(m),
    "mul_scalar": lambda m, F: _sp(m) * 0.0,
    "mul_big_scalar": lambda m, F: _sp(m) * 10.0,
    "sub": lambda m, F: _sp(m) - _sp2(m),
    "sub_self": lambda m, F: _sp(m) - _sp(m).detach(),
    "rsub": lambda m, F: INF - _sp(m),
    "sub_alpha": lambda m, F: m.sub(_sp(m), _sp2(m), alpha=2),
    "add": lambda m, F: _sp(m) + _sp2(m),
    "add_alpha": lambda m, F: m.add(_sp(m), _sp2(m), alpha=-1),
    "div": lambda m, F: _sp(m) / _sp2(m),
    "pow": lambda m, F: m.pow(_sp(m), _sp2(m)),
    # backward passes that divide by zero or multiply inf by zero
    "mean_empty_batch": lambda m, F: m.zeros(0, 3, requires_grad=True).mean(0),
    "ce_probs_empty": lambda m, F: F.cross_entropy(_empty_batch(m), m.zeros(0, 3)),
    "ce_smoothing_empty": lambda m, F: F.cross_entropy(_empty_batch(m), m.zeros(0, dtype=m.long),
                                                       label_smoothing=0.1),
    "kl_div_batchmean_empty": lambda m, F: F.kl_div(_empty_batch(m), m.zeros(0, 3),
                                                    reduction="batchmean"),
    "norm3": lambda m, F: _t(m, [0.0, 1e30, 2.0]).norm(3),
    "norm3_inf": lambda m, F: _t(m, [INF, 1.0]).norm(3),
    "outer_inf": lambda m, F: m.outer(_t(m, [INF, 0.0]), _t(m, [0.0, 1.0])),
    "broadcast_backward_inf": lambda m, F: _t(m, [INF], [-INF]) * m.ones(2, 3, requires_grad=True),
    "div_backward_zero": lambda m, F: _t(m, [1.0, 0.0]) / _t(m, [0.0, 0.0]),
    "pow_backward": lambda m, F: m.pow(_t(m, [0.0, -1.0, 3e38]), _t(m, [0.5, 0.5, 3.0])),
    "log_backward_zero": lambda m, F: m.log(_t(m, [0.0, 1.0])),
    "atan2_zero": lambda m, F: m.atan2(_t(m, [0.0, -0.0, 1.0, 0.0]), _t(m, [0.0, 0.0, 0.0, 1.0])),
    "logit_edges": lambda m, F: m.logit(_t(m, [0.0, 1.0, 0.5])),
    "xlogy_zero": lambda m, F: m.xlogy(_t(m, [1.0, 0.0]), _t(m, [0.0, 0.0])),
    # distances and normalisation of huge values
    "cosine_similarity": lambda m, F: F.cosine_similarity(_t(m, [[1e30, 1e30]]),
                                                          _t(m, [[1e30, 1e30]])),
    "cosine_similarity_inf": lambda m, F: F.cosine_similarity(_t(m, [[INF, 1.0]]),
                                                              _t(m, [[1.0, 1.0]])),
    "normalize": lambda m, F: F.normalize(_t(m, [[1e30, 1e30]])),
    "normalize_inf": lambda m, F: F.normalize(_t(m, [[INF, 1.0]])),
    "normalize_p3": lambda m, F: F.normalize(_t(m, [[1e20, 1.0]]), p=3),
    "pairwise_distance": lambda m, F: F.pairwise_distance(_t(m, [[1e30, 1e30]]),
                                                          _t(m, [[-1e30, 1e30]])),
    "pairwise_distance_inf": lambda m, F: F.pairwise_distance(_t(m, [[INF, 1.0]]),
                                                              _t(m, [[INF, 1.0]])),
    "layer_norm": lambda m, F: F.layer_norm(_t(m, [[1e30, -1e30, 3e38]]), (3,)),
    "layer_norm_affine": lambda m, F: F.layer_norm(_t(m, [[1e30, -1e30, 3e38]]), (3,),
                                                   m.ones(3, requires_grad=True),
                                                   m.zeros(3, requires_grad=True)),
    "layer_norm_inf": lambda m, F: F.layer_norm(_t(m, [[INF, 1.0, 2.0]]), (3,)),
    "layer_norm_empty": lambda m, F: F.layer_norm(m.zeros(2, 0, requires_grad=True), (0,)),
    "batch_norm": lambda m, F: F.batch_norm(_t(m, *_HUGE_COL), None, None, training=True),
    "batch_norm_running": lambda m, F: F.batch_norm(_t(m, *_HUGE_COL), m.zeros(1), m.ones(1),
                                                    training=True),
    "batch_norm_eval": lambda m, F: F.batch_norm(_t(m, [[3e38], [-3e38]]), m.full((1,), -3e38),
                                                 m.ones(1), training=False),
}
# results that go through a sum (whose order, hence last bits, differ between libraries):
# compared by where they are nan, not bit for bit
APPROX = {"norm3", "norm3_inf", "cosine_similarity", "cosine_similarity_inf", "normalize",
          "normalize_inf", "normalize_p3", "pairwise_distance", "pairwise_distance_inf",
          "layer_norm", "layer_norm_affine", "layer_norm_inf", "layer_norm_empty", "batch_norm",
          "batch_norm_running", "batch_norm_eval", "mean_empty_batch", "ce_probs_empty",
          "ce_smoothing_empty", "kl_div_batchmean_empty", "outer_inf", "broadcast_backward_inf"}
# where the variance itself overflows float32, PyTorch's one-pass statistics give nan and
# numtorch's two-pass ones do not: only the silence is compared
WARNINGS_ONLY = {"layer_norm", "layer_norm_affine"}


def _forward_backward(m, f):
    """Forward and backward, with every warning recorded; the output and the leaves' grads."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = f(m, m.nn.functional)
        leaves, seen = [], set()
        node = [out.grad_fn]
        while node:  # every leaf that requires grad, in a fixed order
            n = node.pop()
            if n is None:
                continue
            if hasattr(n, "variable"):
                if id(n.variable) not in seen:
                    seen.add(id(n.variable))
                    leaves.append(n.variable)
                continue
            node.extend(nx for nx, _ in n.next_functions)
        if out.requires_grad:
            (out.sum() if out.dim() else out).backward()
    return out.detach().numpy(), [x.grad.numpy() for x in leaves], [
        (x.category.__name__, str(x.message)) for x in w]


@pytest.mark.parametrize("name", QUIET)
def test_no_runtime_warning_where_pytorch_is_silent(name):
    f = QUIET[name]
    t, tg, tw = _forward_backward(torch, f)
    n, ng, nw = _forward_backward(numtorch, f)
    assert nw == tw == []
    assert n.shape == t.shape
    if name in WARNINGS_ONLY:
        return
    assert len(ng) == len(tg)
    for a, b in [(n, t)] + list(zip(ng, tg)):
        assert a.shape == b.shape
        if name in APPROX:
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        else:
            np.testing.assert_array_equal(a, b)


# ---- the engine's quiet pass: the user's NumPy settings survive ------------------------------
def _numpy_still_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            np.array([1.0]) / 0.0


def test_backward_restores_numpys_settings():
    x = numtorch.tensor([INF, 0.0], requires_grad=True)
    (x * x).sum().backward()
    _numpy_still_warns()
    assert np.geterr()["divide"] == "warn"


def test_backward_restores_numpys_settings_after_an_error():
    x = numtorch.tensor([1.0, 0.0], requires_grad=True)
    y = (x / x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    _numpy_still_warns()


def test_backward_restores_numpys_settings_after_a_hook_raises():
    x = numtorch.tensor([1.0], requires_grad=True)
    y = x * 2

    def hook(g):
        raise ValueError("from the hook")
    y.register_hook(hook)
    with pytest.raises(ValueError, match="from the hook"):
        y.sum().backward()
    _numpy_still_warns()


def test_backward_is_quiet_even_when_numpy_is_told_to_raise():
    """PyTorch never raises on inf or nan; a user's ``np.errstate(all="raise")`` changes nothing."""
    out = []
    for m in (torch, numtorch):
        x = m.tensor([INF, 0.0, 2.0], requires_grad=True)
        with np.errstate(all="raise"):
            (x * x / x).sum().backward()
        out.append(x.grad.numpy())
    np.testing.assert_array_equal(out[1], out[0])
    assert np.geterr()["invalid"] == "warn"


def test_autograd_grad_is_quiet_too():
    out = []
    for m in (torch, numtorch):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            (g,) = m.autograd.grad(m.log(x).sum(), x)
        out.append(g.numpy())
    np.testing.assert_array_equal(out[1], out[0])


# ---- the gradients whose rules lost their own suppression, by finite differences --------------
GRADCHECK = {
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a.abs() ** b,
    "pow_scalar": lambda a, b: a ** 3,
    "rpow": lambda a, b: 2.0 ** a,
    "xlogy": lambda a, b: numtorch.xlogy(a, b.abs()),
    "atan2": lambda a, b: numtorch.atan2(a, b),
    "logit": lambda a, b: numtorch.logit(a.sigmoid()),
    "log": lambda a, b: numtorch.log(b.abs()),
    "norm3": lambda a, b: a.norm(3),
    "normalize": lambda a, b: _F.normalize(a.reshape(2, 2)),
    "cosine_similarity": lambda a, b: _F.cosine_similarity(a.reshape(2, 2), b.reshape(2, 2)),
    "pairwise_distance": lambda a, b: _F.pairwise_distance(a.reshape(2, 2), b.reshape(2, 2)),
    "layer_norm": lambda a, b: _F.layer_norm(a.reshape(2, 2) * b.reshape(2, 2), (2,)),
    "maximum": lambda a, b: numtorch.maximum(a, b),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradients_by_finite_differences(name):
    a = numtorch.tensor([0.3, -1.2, 2.5, 0.7], dtype=numtorch.float64, requires_grad=True)
    b = numtorch.tensor([1.1, 0.4, -0.9, 1.7], dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(GRADCHECK[name], (a, b))
