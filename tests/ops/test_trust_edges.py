"""Edge behaviour against PyTorch: allocation failures, empty tensor lists, sequences as
indices, the default device, ``.grad`` of a non-leaf, and no NumPy RuntimeWarning where
PyTorch is silent.  Every case runs the same expression in both libraries."""

import warnings

import numpy as np
import pytest
from conftest import assert_same_error
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch

torch = pytest.importorskip("torch")

BIG = (2 ** 40, 2 ** 10)  # 4 PiB of float32: every allocator refuses at once

# ---- allocation failures and impossible sizes ---------------------------------------------
ALLOC = {
    "empty": lambda m: m.empty(*BIG),
    "zeros": lambda m: m.zeros(*BIG),
    "ones": lambda m: m.ones(BIG),
    "full": lambda m: m.full(BIG, 1.0),
    "full_int": lambda m: m.full(BIG, 2),
    "empty_f64": lambda m: m.empty(*BIG, dtype=m.float64),
    "empty_u8": lambda m: m.empty(*BIG, dtype=m.uint8),
    "zeros_bool": lambda m: m.zeros(*BIG, dtype=m.bool),
    "zeros_f16": lambda m: m.zeros(*BIG, dtype=m.float16),
    "empty_grad": lambda m: m.empty(*BIG, requires_grad=True),
    "arange": lambda m: m.arange(2 ** 50),
    "eye": lambda m: m.eye(2 ** 40, 3),
    "linspace": lambda m: m.linspace(0, 1, 2 ** 60),
    "zeros_like": lambda m: m.zeros_like(m.empty(2).expand(*BIG, 2)),
    "contiguous": lambda m: m.tensor([1.0]).expand(*BIG).contiguous(),
    "clone": lambda m: m.tensor([1.0]).expand(*BIG).clone(),
    "reshape_copy": lambda m: m.ones(2, 1).expand(2, 2 ** 50).reshape(-1),
    "repeat": lambda m: m.tensor([1.0]).repeat(2 ** 40),
    # the byte count does not fit in int64
    "empty_2_62": lambda m: m.empty(2 ** 62),
    "empty_2_61x4": lambda m: m.empty(2 ** 61, 4),
    "empty_2_63m1": lambda m: m.empty(2 ** 63 - 1),
    "u8_2_63m1": lambda m: m.empty(2 ** 63 - 1, dtype=m.uint8),
    "u8_2_62x2": lambda m: m.zeros(2 ** 62, 2, dtype=m.uint8),
    "zeros_2_62": lambda m: m.zeros(2 ** 62),
    "full_2_62": lambda m: m.full((2 ** 62,), 1.0),
    "square": lambda m: m.empty(2 ** 32, 2 ** 32),
    "zero_last": lambda m: m.empty(2 ** 62, 2 ** 62, 0),
    "stride_overflow": lambda m: m.empty(0, 2 ** 62, 2 ** 62),
    "eye_square": lambda m: m.eye(2 ** 31, 2 ** 31),
    "eye_u8": lambda m: m.eye(2 ** 31, 2 ** 31, dtype=m.uint8),
    "eye_numel": lambda m: m.eye(2 ** 35),
    "arange_2_62": lambda m: m.arange(2 ** 62),
    "arange_float_2_62": lambda m: m.arange(0.0, 2.0 ** 62),
    "arange_int64": lambda m: m.arange(2 ** 63),
    "arange_huge": lambda m: m.arange(0.0, 1e30),
    "linspace_2_62": lambda m: m.linspace(0, 1, 2 ** 62),
    "linspace_steps": lambda m: m.linspace(0, 1, 2 ** 63),
    "expand_contiguous": lambda m: m.tensor([1.0]).expand(2 ** 62).contiguous(),
    "repeat_overflow": lambda m: m.tensor([1.0]).repeat(2 ** 62),
    "matmul": lambda m: m.ones(1, 1).expand(2 ** 25, 1) @ m.ones(1, 1).expand(1, 2 ** 25),
    "matmul_overflow": lambda m: m.ones(1, 1).expand(2 ** 31, 1) @ m.ones(1, 1).expand(1, 2 ** 31),
    "cat_big": lambda m: m.cat([m.ones(1).expand(2 ** 50), m.ones(1).expand(2 ** 50)]),
    "stack_big": lambda m: m.stack([m.ones(1).expand(2 ** 50)] * 2),
    "expand_numel": lambda m: m.ones(2).expand(2 ** 62, 2),
    "repeat_negative": lambda m: m.ones(2).repeat(2, -1),
    "new_empty": lambda m: m.empty(3).new_empty(*BIG),
    "new_zeros": lambda m: m.empty(3).new_zeros(BIG),
    # empty tensor lists
    "cat": lambda m: m.cat([]),
    "cat_tuple": lambda m: m.cat(()),
    "cat_dim": lambda m: m.cat([], dim=1),
    "concat": lambda m: m.concat([]),
    "concatenate": lambda m: m.concatenate([]),
    "stack": lambda m: m.stack([]),
    "stack_dim": lambda m: m.stack([], dim=1),
    "hstack": lambda m: m.hstack([]),
    "vstack": lambda m: m.vstack(()),
    "column_stack": lambda m: m.column_stack([]),
    "dstack": lambda m: m.dstack([]),
}


@pytest.mark.parametrize("name", ALLOC)
def test_allocation_errors_match_pytorch(name):
    f = ALLOC[name]
    assert_same_error(lambda: f(torch), lambda: f(numtorch))


# A size outside int64 is refused while the arguments are read; PyTorch's message then goes on
# with a C++ stack trace, so only its first line (our whole message) is compared.
UNPACK = {
    "empty": lambda m: m.empty(2 ** 63),
    "empty_2_64": lambda m: m.empty(2 ** 64),
    "zeros_tuple": lambda m: m.zeros((0, 2 ** 63)),
    "empty_list": lambda m: m.empty([2 ** 63]),
    "ones_negative": lambda m: m.ones(3, -2 ** 64),
    "empty_below": lambda m: m.empty(-2 ** 63 - 1),
    "full": lambda m: m.full((2 ** 63,), 1.0),
}


@pytest.mark.parametrize("name", UNPACK)
def test_sizes_outside_int64_raise_pytorchs_type_error(name):
    f = UNPACK[name]
    with pytest.raises(TypeError) as t:
        f(torch)
    with pytest.raises(TypeError) as n:
        f(numtorch)
    first = str(t.value).split("\n")[0]
    assert first + '"' == str(n.value)


# ---- sequences as indices -------------------------------------------------------------------
INDEX = {
    "range_list": lambda m, x: x[range(3), [0, 1, 2]],
    "range": lambda m, x: x[range(3)],
    "range_int": lambda m, x: x[range(1, 3), 1],
    "range_range": lambda m, x: x[range(3), range(3)],
    "range_negative": lambda m, x: x[range(-3, 0)],
    "range_reversed": lambda m, x: x[range(2, -1, -1)],
    "range_empty": lambda m, x: x[range(0)],
    "slice_range": lambda m, x: x[:, range(2)],
    "ellipsis_range": lambda m, x: x[..., range(2)],
    "range_tensor": lambda m, x: x[range(3), m.tensor([0, 1, 3])],
    "range_tensor_2d": lambda m, x: x[range(3), m.tensor([[0], [1]])],
    "inner_tuple": lambda m, x: x[(0, 1), ],
    "inner_tuple_nested": lambda m, x: x[((0, 1),)],
    "tuple_of_ranges": lambda m, x: x[(range(2), range(2))],
    "bool_tuple": lambda m, x: x[(True, False, True), ],
    "bool_list": lambda m, x: x[[True, False, True]],
    "float_list": lambda m, x: x[range(3), [0.5, 1, 2]],
    "empty_list": lambda m, x: x[[]],
    "numpy_int": lambda m, x: x[np.array([0, 2]), np.array([1, 1])],
    "numpy_2d": lambda m, x: x[np.array([[0, 1], [1, 2]])],
    "numpy_scalars": lambda m, x: x[[np.int64(1), np.int64(2)]],
    "long_list": lambda m, x: x[[[0, 1]] * 33],
    # a short list holding a sequence, tensor, slice or None is read as a tuple (with a warning)
    "nested_list": lambda m, x: x[[[0, 1], [1, 2]]],
    "list_of_ranges": lambda m, x: x[[range(2), range(2)]],
    "list_slice": lambda m, x: x[[slice(None), 1]],
    "list_none": lambda m, x: x[[None, 0]],
    "list_tensors": lambda m, x: x[[m.tensor(0), m.tensor(1)]],
    "list_mixed": lambda m, x: x[[0, [1]]],
    "tensors_in_inner_list": lambda m, x: x[([m.tensor(0), m.tensor(2)],)],
    "list_then_tensor_list": lambda m, x: x[[0, 2], [m.tensor(1), m.tensor(3)]],
    "nested_then_list": lambda m, x: x[[[0, 1], [1, 2]], [0]],
    "list_of_numpy": lambda m, x: x[[np.array([0, 1])]],
}


def _run_recorded(f, *args):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = f(*args)
        except Exception as e:  # compared by type and message
            return ("error", type(e).__name__, str(e)), []
    return r, [(x.category.__name__, str(x.message)) for x in w]


@pytest.mark.parametrize("name", INDEX)
def test_sequence_index_matches_pytorch(name):
    f = INDEX[name]
    t, tw = _run_recorded(f, torch, torch.arange(12.0).reshape(3, 4))
    n, nw = _run_recorded(f, numtorch, numtorch.arange(12.0).reshape(3, 4))
    assert nw == tw
    if isinstance(t, tuple):
        assert n == t
    else:
        assert n.shape == t.shape
        np.testing.assert_array_equal(n.numpy(), t.numpy())


INDEX_ERRORS = {
    "range_out_of_bounds": lambda m, x: x[range(5)],
    "range_then_bad_int": lambda m, x: x[range(3), 4],
    "string": lambda m, x: x[["a"]],
}


@pytest.mark.parametrize("name", INDEX_ERRORS)
def test_sequence_index_errors_match_pytorch(name):
    f = INDEX_ERRORS[name]
    assert_same_error(lambda: f(torch, torch.arange(12.0).reshape(3, 4)),
                      lambda: f(numtorch, numtorch.arange(12.0).reshape(3, 4)))


SETITEM = {
    "range_list": (lambda x: (range(3), [0, 1, 2]), -1.0),
    "range": (lambda x: range(2), 5.0),
    "tuple_inner": (lambda x: ((0, 2),), 7.0),
    "range_range": (lambda x: (range(3), range(1, 4)), 3.0),
}


@pytest.mark.parametrize("name", SETITEM)
def test_sequence_setitem_with_gradient(name):
    key, value = SETITEM[name]
    out = []
    for m in (torch, numtorch):
        w = m.arange(12.0, dtype=m.float64).reshape(3, 4).requires_grad_()
        z = w * 2
        z[key(z)] = value
        (z * m.arange(12.0, dtype=m.float64).reshape(3, 4)).sum().backward()
        out.append((z.detach().numpy(), w.grad.numpy()))
    np.testing.assert_array_equal(out[1][0], out[0][0])
    np.testing.assert_array_equal(out[1][1], out[0][1])


def test_nn_tutorial_nll_with_range_index_gradcheck():
    """``-input[range(n), target].mean()``, the hand-written loss of PyTorch's nn tutorial."""
    target = [1, 0, 3]

    def loss(m, x):
        return -x[range(x.shape[0]), target].mean()
    xt = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    xn = numtorch.tensor(xt.detach().numpy(), requires_grad=True)
    loss(torch, xt).backward()
    loss(numtorch, xn).backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=0, atol=1e-15)
    assert numtorch.autograd.gradcheck(lambda x: loss(numtorch, x), (xn,))


@st.composite
def _range_and_index(draw):
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    start = draw(st.integers(-rows, rows - 1))
    stop = draw(st.integers(-rows - 1, rows))
    step = draw(st.sampled_from([1, 2, -1, -2]))
    r = range(start, stop, step)
    cols_idx = draw(st.lists(st.integers(-cols, cols - 1), min_size=len(r), max_size=len(r)))
    return (rows, cols), r, cols_idx


@settings(max_examples=40)
@given(_range_and_index())
def test_range_index_values_and_gradients(case):
    """``x[range(...), cols]`` (and ``x[range(...)]``) against PyTorch, values and gradients."""
    shape, r, cols = case
    base = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    out = []
    for m in (torch, numtorch):
        x = m.tensor(base, requires_grad=True)
        a, b = x[r, cols], x[r]
        (a.sum() * 2 + (b * b).sum()).backward()
        out.append((a.detach().numpy(), b.detach().numpy(), x.grad.numpy()))
    for n, t in zip(out[1], out[0]):
        assert n.shape == t.shape
        np.testing.assert_array_equal(n, t)


def test_range_index_and_setitem_gradcheck():
    def f(w):
        z = w * 2
        z[range(1, 3), [0, 2]] = w[0, :2] * 3
        return z[range(3), [2, 1, 0]] * w[range(3), [0, 0, 1]]
    w = numtorch.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    assert numtorch.autograd.gradcheck(f, (w,))


# ---- the default device -----------------------------------------------------------------------
@pytest.fixture
def reset_default_device():
    yield
    torch.set_default_device(None)
    numtorch.set_default_device(None)


def _device_script(m, steps):
    """Run ``steps`` (each a function of the module) and record what each returns or raises."""
    out = []
    for step in steps:
        try:
            r = step(m)
            out.append(str(r) if isinstance(r, m.device) else type(r).__name__)
        except Exception as e:
            out.append((type(e).__name__, str(e)))
    return out


def _dev(m, x):
    return x.device.type


DEVICE_SCRIPTS = {
    "cpu": [lambda m: m.set_default_device("cpu"), lambda m: m.get_default_device(),
            lambda m: _dev(m, m.zeros(2)), lambda m: m.set_default_device(None),
            lambda m: m.get_default_device()],
    "cpu_index": [lambda m: m.set_default_device("cpu:0"), lambda m: m.get_default_device(),
                  lambda m: _dev(m, m.ones(2))],
    "device_object": [lambda m: m.set_default_device(m.device("cpu")),
                      lambda m: m.get_default_device()],
    "cuda_fails_late": [lambda m: m.set_default_device("cuda"), lambda m: m.get_default_device(),
                        lambda m: m.zeros(2), lambda m: m.tensor([1.0]), lambda m: m.arange(3),
                        lambda m: m.full((2,), 1.0),
                        lambda m: m.eye(2),
                        lambda m: m.linspace(0, 1, 3),
                        lambda m: m.zeros_like(m.device("cpu") and m.empty(2, device="cpu")),
                        lambda m: m.set_default_device(None), lambda m: _dev(m, m.zeros(2))],
    "cuda_index": [lambda m: m.set_default_device("cuda:1"), lambda m: m.get_default_device(),
                   lambda m: m.ones(1)],
    "explicit_device_wins": [lambda m: m.set_default_device("cuda"),
                             lambda m: _dev(m, m.zeros(2, device="cpu"))],
    "bad_string": [lambda m: m.set_default_device("foo"), lambda m: m.get_default_device()],
    "index_only": [lambda m: m.set_default_device(0), lambda m: m.get_default_device()],
    "mps": [lambda m: m.set_default_device("mps"), lambda m: m.get_default_device()],
    "keyword": [lambda m: m.set_default_device(device="cpu"), lambda m: m.get_default_device()],
}


@pytest.mark.parametrize("name", DEVICE_SCRIPTS)
def test_default_device_matches_cpu_only_pytorch(name, reset_default_device):
    steps = DEVICE_SCRIPTS[name]
    assert _device_script(numtorch, steps) == _device_script(torch, steps)


def _with_device(m, dev, body):
    try:
        with m.device(dev):
            inner = body(m)
        return inner, str(m.get_default_device())
    except Exception as e:
        return type(e).__name__, str(e)


WITH_BODIES = {
    ("cpu", "default"): lambda m: str(m.get_default_device()),
    ("cpu", "zeros"): lambda m: _dev(m, m.zeros(2)),
    ("cpu", "linear"): lambda m: _dev(m, m.nn.Linear(2, 3).weight),
    ("cpu:0", "default"): lambda m: str(m.get_default_device()),
    ("meta", "default"): lambda m: str(m.get_default_device()),
    ("cuda", "default"): lambda m: str(m.get_default_device()),
    ("cuda", "zeros"): lambda m: m.zeros(2),
    ("cuda", "tensor"): lambda m: m.tensor([1.0]),
}


@pytest.mark.parametrize("key", WITH_BODIES, ids=lambda k: "-".join(k))
def test_device_context_manager(key, reset_default_device):
    dev, _ = key
    body = WITH_BODIES[key]
    assert _with_device(numtorch, dev, body) == _with_device(torch, dev, body)


FACTORIES = {
    "zeros": lambda m: m.zeros(2),
    "ones": lambda m: m.ones(2),
    "empty": lambda m: m.empty(2),
    "full": lambda m: m.full((2,), 1.0),
    "tensor": lambda m: m.tensor([1.0]),
    "as_tensor": lambda m: m.as_tensor([1.0]),
    "arange": lambda m: m.arange(3),
    "linspace": lambda m: m.linspace(0, 1, 3),
    "logspace": lambda m: m.logspace(0, 1, 3),
    "eye": lambda m: m.eye(2),
    "scalar_tensor": lambda m: m.scalar_tensor(1.0),
    # not factories of the default device
    "ones_like": lambda m: m.ones_like(m.empty(2, device="cpu")),
    "from_numpy": lambda m: m.from_numpy(np.ones(2)),
    "to_dtype": lambda m: m.empty(2, device="cpu").to(m.float64),
    "new_zeros": lambda m: m.empty(2, device="cpu").new_zeros(2),
    "new_ones": lambda m: m.empty(2, device="cpu").new_ones(2),
    "new_empty": lambda m: m.empty(2, device="cpu").new_empty(2),
    "new_full": lambda m: m.empty(2, device="cpu").new_full((2,), 1.0),
    "new_tensor": lambda m: m.empty(2, device="cpu").new_tensor([1.0]),
    "clone": lambda m: m.empty(2, device="cpu").clone(),
    "cat": lambda m: m.cat([m.empty(2, device="cpu")] * 2),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_honour_the_default_device(name, reset_default_device):
    f = FACTORIES[name]
    out = []
    for m in (torch, numtorch):
        with m.device("cuda"):
            r = _run_recorded(f, m)[0]
        out.append(r if isinstance(r, tuple) else "made")
    assert out[1] == out[0]


def test_default_device_is_per_thread(reset_default_device):
    import threading
    out = []
    for m in (torch, numtorch):
        m.set_default_device("cuda:1")
        seen = []
        th = threading.Thread(
            target=lambda m=m, seen=seen: seen.append(str(m.get_default_device()))
        )
        th.start()
        th.join()
        out.append((seen[0], str(m.get_default_device())))
        m.set_default_device(None)
    assert out[1] == out[0]


def test_device_context_nests_over_set_default(reset_default_device):
    out = []
    for m in (torch, numtorch):
        m.set_default_device("cuda:1")
        with m.device("cpu"):
            inner = str(m.get_default_device())
        out.append((inner, str(m.get_default_device())))
    assert out[0] == out[1]


# ---- .grad of a non-leaf -----------------------------------------------------------------------
GRAD_READS = {
    "non_leaf": lambda m, y: (y * 2).grad,
    "retained": lambda m, y: _retained(y * 2),
    "retained_after_backward": lambda m, y: _retained_backward(y * 2),
    "leaf": lambda m, y: y.grad,
    "no_grad_tensor": lambda m, y: m.ones(2).grad,
    "detached": lambda m, y: (y * 2).detach().grad,
    "under_no_grad": lambda m, y: _under_no_grad(m, y),
    "view_of_leaf": lambda m, y: y[0].grad,
}


def _retained(z):
    z.retain_grad()
    return z.grad


def _retained_backward(z):
    z.retain_grad()
    z.sum().backward()
    return z.grad.tolist()


def _under_no_grad(m, y):
    with m.no_grad():
        return (y * 2).grad


@pytest.mark.parametrize("name", GRAD_READS)
def test_non_leaf_grad_warning(name):
    f = GRAD_READS[name]
    t = _run_recorded(f, torch, torch.ones(2, requires_grad=True))
    n = _run_recorded(f, numtorch, numtorch.ones(2, requires_grad=True))
    assert n[1] == t[1]
    assert (n[0] is None) == (t[0] is None)


def test_non_leaf_grad_warning_points_at_the_caller():
    z = numtorch.ones(2, requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        z.grad  # noqa: B018
    assert w[0].filename == __file__


# ---- no NumPy RuntimeWarning where PyTorch is silent --------------------------------------
SPECIAL = [
    float("inf"), float("-inf"), float("nan"), 0.0, -0.0, 1e38, -1e38, 1e-45, 1.0, -1.0, 88.8,
    -104.0,
]


def _special(m):
    return m.tensor(SPECIAL, requires_grad=True)


QUIET = {
    "matmul": lambda m, F, x: x.reshape(3, 4) @ x.reshape(4, 3),
    "mm": lambda m, F, x: m.mm(x.reshape(3, 4), x.reshape(4, 3)),
    "mv": lambda m, F, x: m.mv(x.reshape(3, 4), x[:4]),
    "dot": lambda m, F, x: m.dot(x, x),
    "bmm": lambda m, F, x: m.bmm(x.reshape(1, 3, 4), x.reshape(1, 4, 3)),
    "addmm": lambda m, F, x: m.addmm(x[:9].reshape(3, 3), x.reshape(3, 4), x.reshape(4, 3)),
    "einsum": lambda m, F, x: m.einsum("ij,jk->ik", x.reshape(3, 4), x.reshape(4, 3)),
    "tensordot": lambda m, F, x: m.tensordot(x.reshape(3, 4), x.reshape(4, 3), 1),
    "linear": lambda m, F, x: F.linear(x.reshape(3, 4), x.reshape(3, 4), x[:3]),
    "softmax": lambda m, F, x: F.softmax(x.reshape(3, 4), dim=1),
    "log_softmax": lambda m, F, x: F.log_softmax(x.reshape(3, 4), dim=1),
    "log_softmax_inf": lambda m, F, x: F.log_softmax(
        m.tensor([[float("inf"), 0.0]], requires_grad=True), 1
    ),
    "logsumexp": lambda m, F, x: m.logsumexp(x.reshape(3, 4), dim=1),
    "logsumexp_neg_inf": lambda m, F, x: m.logsumexp(
        m.full((3,), float("-inf"), requires_grad=True), 0
    ),
    "sum": lambda m, F, x: x.sum(),
    "mean": lambda m, F, x: x.mean(),
    "prod": lambda m, F, x: x.prod(),
    "norm": lambda m, F, x: x.norm(),
    "cumsum": lambda m, F, x: x.cumsum(0),
    "cumprod": lambda m, F, x: x.cumprod(0),
    "amax": lambda m, F, x: x.amax(),
    "max": lambda m, F, x: x.max(),
    "min": lambda m, F, x: x.min(),
    "nansum": lambda m, F, x: x.nansum(),
    "nanmean": lambda m, F, x: x.nanmean(),
    "std_mean": lambda m, F, x: m.std_mean(x)[0],
    "cross_entropy": lambda m, F, x: F.cross_entropy(x.reshape(3, 4), m.tensor([0, 1, 2])),
    "cross_entropy_smoothing": lambda m, F, x: F.cross_entropy(x.reshape(3, 4), m.tensor([0, 1, 2]),
                                                                label_smoothing=0.1),
    "nll_loss": lambda m, F, x: F.nll_loss(x.reshape(3, 4), m.tensor([0, 1, 2])),
    "mse_loss": lambda m, F, x: F.mse_loss(x, m.zeros(12)),
    "smooth_l1_loss": lambda m, F, x: F.smooth_l1_loss(x, m.zeros(12)),
    "huber_loss": lambda m, F, x: F.huber_loss(x, m.zeros(12)),
    "bce_with_logits": lambda m, F, x: F.binary_cross_entropy_with_logits(x, m.full((12,), 0.5)),
    "kl_div": lambda m, F, x: F.kl_div(x, m.full((12,), 0.5), reduction="sum"),
    "poisson_nll": lambda m, F, x: F.poisson_nll_loss(x, m.full((12,), 0.5)),
    "index_add": lambda m, F, x: m.zeros(3).index_add(0, m.tensor([0, 0, 1]), x[:3]),
    "scatter_add": lambda m, F, x: m.zeros(3).scatter_add(0, m.tensor([0, 0, 1]), x[:3]),
    "index_put_accumulate": lambda m, F, x: m.zeros(3).index_put(
        (m.tensor([0, 0, 1]),), x[:3], accumulate=True
    ),
    "range_index": lambda m, F, x: x.reshape(3, 4)[range(3), [0, 0, 1]],
    "softmax_inf_rows": lambda m, F, x: F.softmax(
        m.tensor([[float("inf")] * 2, [float("-inf")] * 2], requires_grad=True), 1
    ),
    "ce_inf_logit": lambda m, F, x: F.cross_entropy(
        m.tensor([[float("inf"), 0.0]], requires_grad=True), m.tensor([1])
    ),
    "bilinear": lambda m, F, x: F.bilinear(x.reshape(3, 4), x.reshape(3, 4), m.ones(2, 4, 4)),
    "margin_ranking": lambda m, F, x: F.margin_ranking_loss(x, x.flip(0), m.ones(12)),
    "cosine_embedding": lambda m, F, x: F.cosine_embedding_loss(x.reshape(3, 4), x.reshape(3, 4),
                                                                m.tensor([1, -1, 1])),
    # empty batches and fully ignored targets: the mean divides by zero
    "ce_empty": lambda m, F, x: F.cross_entropy(
        m.zeros(0, 4, requires_grad=True), m.zeros(0, dtype=m.long)
    ),
    "nll_empty": lambda m, F, x: F.nll_loss(
        m.zeros(0, 4, requires_grad=True), m.zeros(0, dtype=m.long)
    ),
    "mse_empty": lambda m, F, x: F.mse_loss(m.zeros(0, requires_grad=True), m.zeros(0)),
    "mean_empty": lambda m, F, x: m.zeros(0, requires_grad=True).mean(),
    "ce_all_ignored": lambda m, F, x: F.cross_entropy(
        m.zeros(2, 4, requires_grad=True), m.tensor([-100, -100])
    ),
    "nll_all_ignored": lambda m, F, x: F.nll_loss(
        m.zeros(2, 4, requires_grad=True), m.tensor([-100, -100])
    ),
    "ce_zero_weight": lambda m, F, x: F.cross_entropy(
        m.zeros(2, 4, requires_grad=True), m.tensor([0, 0]), weight=m.tensor([0.0, 1, 1, 1])
    ),
}


def _forward_backward(m, f):
    x = _special(m)
    out = f(m, m.nn.functional, x)
    leaves = [out]
    if out.requires_grad:
        (out.sum() if out.dim() else out).backward()
    return out.detach().numpy(), leaves


@pytest.mark.parametrize("name", QUIET)
def test_no_runtime_warning_where_pytorch_is_silent(name):
    f = QUIET[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t, _ = _forward_backward(torch, f)
        n, _ = _forward_backward(numtorch, f)
    assert n.shape == t.shape
    if name not in BLAS:  # which inf * 0 products a BLAS kernel forms differs between libraries
        np.testing.assert_array_equal(np.isnan(n), np.isnan(t))


BLAS = {"matmul", "mm", "mv", "dot", "bmm", "addmm", "einsum", "tensordot", "linear", "bilinear"}


def test_quiet_kernels_leave_numpys_own_settings_alone():
    numtorch.tensor([float("inf")]) @ numtorch.tensor([0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            np.array([1.0]) / 0.0
