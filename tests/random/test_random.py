"""numtorch's random numbers against PyTorch's: same seed, same values, same state after.

Every case runs one expression on both libraries after seeding both, requires the
results to be bit-identical, and then requires the *next* draws to be identical too
(a normal draw, which first consumes any cached Box-Muller sample, then a uniform one),
which proves the generator advanced exactly as PyTorch's did.

No tolerance is needed anywhere on this machine: the only inexact path (float32
``normal_`` without AVX2, see NOTE [ where numbers can differ from PyTorch ] in
``numtorch/random/__init__.py``) is tested separately against PyTorch run with
``ATEN_CPU_CAPABILITY=default``, within 2 float32 ulps.
"""

from __future__ import annotations

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 2**40 + 3]
SIZES = [1, 7, 15, 16, 17, 1000, (3, 5), (4, 8, 3)]
BIG = 100003


def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy())


def assert_same(nt, tt) -> None:
    """Same dtype, shape and bits."""
    assert str(nt.dtype) == str(tt.dtype), (nt.dtype, tt.dtype)
    assert tuple(nt.shape) == tuple(tt.shape), (tuple(nt.shape), tuple(tt.shape))
    a, b = _np(nt), _np(tt)
    diff = ~((a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else (a == b))
    assert not diff.any(), (f"{diff.sum()} of {a.size} differ; first at {np.argwhere(diff)[0]}: "
                            f"{a[diff][:3]} vs {b[diff][:3]}")


def assert_next_same() -> None:
    """The generators are in the same state: the next draws agree."""
    assert_same(numtorch.randn(3, dtype=numtorch.float64), torch.randn(3, dtype=torch.float64))
    assert_same(numtorch.rand(2), torch.rand(2))


def run(fn, seed: int) -> None:
    numtorch.manual_seed(seed)
    torch.manual_seed(seed)
    assert_same(fn(numtorch), fn(torch))
    assert_next_same()


def _shape(size):
    return size if isinstance(size, tuple) else (size,)


def _probs(m, shape, dtype):
    """The same probability tensor in both libraries."""
    p = np.random.default_rng(sum(shape)).random(shape)
    return m.tensor(p, dtype=getattr(m, dtype))


# ---- one line per sampler ---------------------------------------------------------------
CASES = {
    "rand": lambda m, s: m.rand(*s),
    "rand_f64": lambda m, s: m.rand(s, dtype=m.float64),
    "randn": lambda m, s: m.randn(*s),
    "randn_f64": lambda m, s: m.randn(s, dtype=m.float64),
    "rand_f16": lambda m, s: m.rand(s, dtype=m.float16),
    "randn_f16": lambda m, s: m.randn(s, dtype=m.float16),
    "normal_f16": lambda m, s: m.empty(s, dtype=m.float16).normal_(0.1, 0.3),
    "uniform_": lambda m, s: m.empty(s).uniform_(-0.37, 0.37),
    "uniform_f64": lambda m, s: m.empty(s, dtype=m.float64).uniform_(-2.5, 7.0),
    "normal_": lambda m, s: m.empty(s).normal_(0.1, 0.02),
    "normal_f64": lambda m, s: m.empty(s, dtype=m.float64).normal_(-3.0, 2.5),
    "randint": lambda m, s: m.randint(0, 10, s),
    "randint_neg": lambda m, s: m.randint(-50, 7, s, dtype=m.int32),
    "randint_wide": lambda m, s: m.randint(-2**40, 2**40, s),
    "randint_f32": lambda m, s: m.randint(3, 1000, s, dtype=m.float32),
    "randint_u8": lambda m, s: m.randint(0, 256, s, dtype=m.uint8),
    "random_i64": lambda m, s: m.empty(s, dtype=m.int64).random_(),
    "random_i32": lambda m, s: m.empty(s, dtype=m.int32).random_(),
    "random_i16": lambda m, s: m.empty(s, dtype=m.int16).random_(),
    "random_i8": lambda m, s: m.empty(s, dtype=m.int8).random_(),
    "random_u8": lambda m, s: m.empty(s, dtype=m.uint8).random_(),
    "random_bool": lambda m, s: m.empty(s, dtype=m.bool).random_(),
    "random_f32": lambda m, s: m.empty(s).random_(),
    "random_f64": lambda m, s: m.empty(s, dtype=m.float64).random_(),
    "random_f16": lambda m, s: m.empty(s, dtype=m.float16).random_(),
    "randint_f16": lambda m, s: m.randint(0, 1000, s, dtype=m.float16),
    "exponential_f16": lambda m, s: m.empty(s, dtype=m.float16).exponential_(),
    "bernoulli_t16": lambda m, s: m.bernoulli(_probs(m, s, "float16")),
    "random_to": lambda m, s: m.empty(s, dtype=m.int64).random_(17),
    "random_from_none": lambda m, s: m.empty(s, dtype=m.int32).random_(5, None),
    "random_full": lambda m, s: m.empty(s, dtype=m.int64).random_(-2**63, None),
    "bernoulli_p": lambda m, s: m.empty(s).bernoulli_(0.3),
    "bernoulli_bool": lambda m, s: m.empty(s, dtype=m.bool).bernoulli_(0.5),
    "bernoulli_t32": lambda m, s: m.bernoulli(_probs(m, s, "float32")),
    "bernoulli_t64": lambda m, s: m.bernoulli(_probs(m, s, "float64")),
    "bernoulli_fn_p": lambda m, s: m.bernoulli(m.zeros(s), 0.7),
    "bernoulli_method": lambda m, s: _probs(m, s, "float32").bernoulli(),
    "bernoulli_inplace_t": lambda m, s: m.zeros(s).bernoulli_(_probs(m, s, "float64")),
    "exponential_": lambda m, s: m.empty(s).exponential_(1.7),
    "exponential_f64": lambda m, s: m.empty(s, dtype=m.float64).exponential_(),
    "cauchy_": lambda m, s: m.empty(s, dtype=m.float64).cauchy_(0.5, 2.0),
    "log_normal_": lambda m, s: m.empty(s).log_normal_(0.5, 0.7),
    "geometric_": lambda m, s: m.empty(s).geometric_(0.3),
    "geometric_i64": lambda m, s: m.empty(s, dtype=m.int64).geometric_(0.05),
    "rand_like": lambda m, s: m.rand_like(m.zeros(s, dtype=m.float64)),
    "randn_like": lambda m, s: m.randn_like(m.zeros(s)),
    "randint_like": lambda m, s: m.randint_like(m.zeros(s, dtype=m.int32), 3, 9),
    "normal_tt": lambda m, s: m.normal(m.arange(float(np.prod(s))).reshape(s), m.full(s, 0.5)),
    "normal_tf": lambda m, s: m.normal(m.full(s, 2.0, dtype=m.float64), 3.0),
    "normal_ft": lambda m, s: m.normal(1.5, m.full(s, 0.25)),
    "normal_ff": lambda m, s: m.normal(1.5, 0.25, size=s),
}
FAST = ["rand", "rand_f64", "randn", "randn_f64", "randn_f16", "uniform_", "normal_", "normal_f64",
        "randint", "bernoulli_p", "bernoulli_t32", "exponential_"]


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("case", list(CASES))
def test_sampler_matches_torch(case, size, seed):
    s = _shape(size)
    run(lambda m: CASES[case](m, s), seed)


@pytest.mark.parametrize("case", FAST)
def test_sampler_large_matches_torch(case):
    run(lambda m: CASES[case](m, (BIG,)), SEEDS[2])


@pytest.mark.parametrize("n", [0, 1, 2, 7, 16, 17, 1000, BIG])
@pytest.mark.parametrize("seed", SEEDS)
def test_randperm(n, seed):
    run(lambda m: m.randperm(n), seed)


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "uint8"])
def test_randperm_dtype(dtype):
    run(lambda m: m.randperm(100, dtype=getattr(m, dtype)), 5)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, n, replacement", [
    ((5,), 1, False), ((5,), 3, False), ((5,), 1, True), ((5,), 40, True), ((3, 7), 1, False),
    ((3, 7), 7, False), ((3, 7), 4, True), ((4, 1000), 10, False), ((4, 1000), 300, True),
])
def test_multinomial(shape, n, replacement, dtype, seed):
    def fn(m):
        p = _probs(m, shape, dtype)
        p[..., 1] = 0  # a category that is never drawn
        return m.multinomial(p, n, replacement)
    run(fn, seed)
    run(lambda m: _probs(m, shape, dtype).multinomial(n, replacement=replacement), seed)


def test_uniform_float16():
    run(lambda m: m.rand(1000, dtype=m.float16), 0)
    run(lambda m: m.empty(40, dtype=m.float16).uniform_(-1, 3), 0)


def test_non_contiguous_fill_follows_memory_order():
    run(lambda m: m.zeros(5, 4).t().uniform_(), 0)
    run(lambda m: m.zeros(6, 8).t().normal_(), 0)  # 48 elements but not contiguous: serial path
    run(lambda m: m.zeros(3, 4, 5).permute(2, 0, 1).random_(100), 0)
    run(lambda m: m.zeros(6, 3).t().bernoulli_(m.full((6, 1), 0.5).t()), 0)


def test_mixed_sequence_stays_in_lockstep():
    """Seed once, then a realistic series of calls (init, data, shuffles, dropout masks)."""
    steps = [
        lambda m: m.empty(128, 784).uniform_(-0.0357, 0.0357),   # Linear weight init
        lambda m: m.empty(128).uniform_(-0.0357, 0.0357),
        lambda m: m.randn(7),                                    # leaves a cached normal
        lambda m: m.randn(3, dtype=m.float64),                   # consumes it
        lambda m: m.randperm(60000),                             # a shuffle
        lambda m: m.empty(64, 128).bernoulli_(0.5),              # a dropout mask
        lambda m: m.randint(0, 10, (5,)),
        lambda m: m.empty(33).normal_(0.0, 0.02),
        lambda m: m.multinomial(m.tensor([0.1, 0.2, 0.7]), 5, True),
        lambda m: m.randn(1),
        lambda m: m.rand(17, dtype=m.float64),
        lambda m: m.empty(9).exponential_(),
        lambda m: m.randn(5),
    ]
    numtorch.manual_seed(1234)
    torch.manual_seed(1234)
    for step in steps:
        assert_same(step(numtorch), step(torch))
    assert_next_same()


# ---- generators and state ----------------------------------------------------------------
def test_generator_objects_are_independent_streams():
    numtorch.manual_seed(3)
    torch.manual_seed(3)
    g, tg = numtorch.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    assert_same(numtorch.rand(5, generator=g), torch.rand(5, generator=tg))
    assert_same(numtorch.randperm(20, generator=g), torch.randperm(20, generator=tg))
    assert_same(numtorch.empty(30).normal_(generator=g), torch.empty(30).normal_(generator=tg))
    assert_same(numtorch.randn(3, generator=g), torch.randn(3, generator=tg))  # caches in g only
    assert_next_same()  # the default generators were untouched
    assert_same(numtorch.randn(1, generator=g), torch.randn(1, generator=tg))
    assert g.initial_seed() == tg.initial_seed() == 11
    assert str(g.device) == str(tg.device) == "cpu"


@pytest.mark.parametrize("seed", [0, 5, -1, -2**63, 2**63, 2**64 - 1, 2**40 + 3])
def test_seeds_and_initial_seed(seed):
    assert numtorch.manual_seed(seed) is numtorch.default_generator
    torch.manual_seed(seed)
    assert numtorch.initial_seed() == torch.initial_seed()
    assert_next_same()


def test_default_generator_starts_at_pytorch_default_seed():
    g, tg = numtorch.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == 67280421310721
    assert_same(numtorch.rand(4, generator=g), torch.rand(4, generator=tg))


def test_state_blob_is_pytorchs():
    """get_state gives PyTorch's bytes, also with a cached normal; each library loads the
    other's."""
    for prep in (lambda m: None, lambda m: m.rand(5), lambda m: m.randn(1, dtype=m.float64),
                 lambda m: m.rand(700)):
        numtorch.manual_seed(9)
        torch.manual_seed(9)
        prep(numtorch)
        prep(torch)
        ns, ts = numtorch.get_rng_state(), torch.get_rng_state()
        assert ns.dtype == numtorch.uint8 and tuple(ns.shape) == (5056,)
        assert np.array_equal(_np(ns), _np(ts))
        assert_next_same()
        numtorch.set_rng_state(numtorch.tensor(_np(ts)))   # PyTorch's state into numtorch
        torch.set_rng_state(ts)
        assert_next_same()


def test_set_state_restores_draws_and_cache():
    numtorch.manual_seed(0)
    numtorch.randn(1, dtype=numtorch.float64)  # the cache now holds a sample
    state = numtorch.get_rng_state()
    a = numtorch.randn(5, dtype=numtorch.float64)
    numtorch.set_rng_state(state)
    assert np.array_equal(_np(a), _np(numtorch.randn(5, dtype=numtorch.float64)))
    g = numtorch.Generator()
    g.set_state(state)
    assert np.array_equal(_np(a), _np(numtorch.randn(5, generator=g, dtype=numtorch.float64)))


def test_fork_rng_restores_state():
    numtorch.manual_seed(2)
    torch.manual_seed(2)
    with numtorch.random.fork_rng():
        numtorch.rand(10)
    with torch.random.fork_rng():
        torch.rand(10)
    assert_next_same()


def test_seed_is_nondeterministic_and_recorded():
    s = numtorch.seed()
    assert isinstance(s, int) and numtorch.initial_seed() == s
    assert numtorch.Generator().seed() != numtorch.Generator().seed()


def test_generator_pickles_with_its_state():
    import copy
    import pickle
    g = numtorch.Generator().manual_seed(4)
    g2 = pickle.loads(pickle.dumps(g))
    g3 = copy.deepcopy(g)
    a = _np(numtorch.rand(5, generator=g))
    assert np.array_equal(a, _np(numtorch.rand(5, generator=g2)))
    assert np.array_equal(a, _np(numtorch.rand(5, generator=g3)))


def test_namespace():
    for name in numtorch.random.__all__:
        assert hasattr(numtorch, name), name
        if name not in ("Generator", "default_generator"):
            assert hasattr(torch, name), name
    for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
                 "fork_rng"):
        assert callable(getattr(numtorch.random, name))


def test_requires_grad_and_out():
    t = numtorch.rand(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    numtorch.manual_seed(0)
    torch.manual_seed(0)
    o, to = numtorch.empty(2), torch.empty(2)
    assert numtorch.rand(4, 2, out=o) is o
    torch.rand(4, 2, out=to)
    assert_same(o, to)
    assert_next_same()


# ---- bad input: same exception type and message -------------------------------------------
ERRORS = {
    "rand int": lambda m: m.rand(3, dtype=m.int64),
    "randn int": lambda m: m.randn(3, dtype=m.int64),
    "rand neg": lambda m: m.rand(-1, 2),
    "rand float size": lambda m: m.rand(2.5),
    "uniform from>to": lambda m: m.empty(3).uniform_(1, 0),
    "uniform int": lambda m: m.empty(3, dtype=m.long).uniform_(),
    "normal std<0": lambda m: m.empty(3).normal_(0, -1),
    "normal int": lambda m: m.empty(3, dtype=m.long).normal_(),
    "randint hi<=lo": lambda m: m.randint(5, 3, (2,)),
    "randint no size": lambda m: m.randint(5),
    "random_ from>=to": lambda m: m.empty(3).random_(5, 5),
    "random_ int8 range": lambda m: m.empty(3, dtype=m.int8).random_(0, 1000),
    "randperm neg": lambda m: m.randperm(-1),
    "random_ full range int32": lambda m: m.empty(3, dtype=m.int32).random_(-2**63, None),
    "bernoulli p>1": lambda m: m.empty(3).bernoulli_(2.0),
    "bernoulli tensor p>1": lambda m: m.bernoulli(m.tensor([2.0])),
    "bernoulli int p": lambda m: m.bernoulli(m.tensor([1])),
    "exponential lambda0": lambda m: m.empty(3).exponential_(0),
    "exponential int": lambda m: m.empty(3, dtype=m.long).exponential_(),
    "cauchy sigma0": lambda m: m.empty(3).cauchy_(0, 0),
    "log_normal std0": lambda m: m.empty(3).log_normal_(0, 0),
    "geometric p0": lambda m: m.empty(3).geometric_(0),
    "geometric p1": lambda m: m.empty(3).geometric_(1),
    "multinomial 3d": lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    "multinomial 0d": lambda m: m.multinomial(m.tensor(1.0), 1),
    "multinomial n0": lambda m: m.multinomial(m.ones(3), 0),
    "multinomial too many": lambda m: m.multinomial(m.ones(3), 4),
    "multinomial int": lambda m: m.multinomial(m.ones(3, dtype=m.long), 1),
    "multinomial negative": lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1),
    "multinomial negative rep": lambda m: m.multinomial(m.tensor([1.0, -1.0]), 2, True),
    "multinomial zero": lambda m: m.multinomial(m.zeros(3), 1),
    "multinomial zero rep": lambda m: m.multinomial(m.zeros(3), 2, True),
    "multinomial inf": lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1),
    "normal std tensor neg": lambda m: m.normal(m.zeros(2), m.tensor([1.0, -1.0])),
    "normal std float neg": lambda m: m.normal(m.zeros(2), -1.0),
    "normal floats no size": lambda m: m.normal(0.0, 1.0),
    "set_state float": lambda m: m.set_rng_state(m.zeros(5056)),
    "set_state size": lambda m: m.set_rng_state(m.zeros(10, dtype=m.uint8)),
    "generator seed float": lambda m: m.Generator().manual_seed(1.5),
    "generator seed str": lambda m: m.Generator().manual_seed("a"),
    "manual_seed overflow": lambda m: m.manual_seed(2**64),
    "manual_seed underflow": lambda m: m.manual_seed(-2**63 - 1),
    "leaf in-place": lambda m: m.zeros(3, requires_grad=True).uniform_(),
}
# Messages that PyTorch's argument parser writes at length: compare the first sentence.
PREFIX_ONLY = {"randint no size", "normal floats no size"}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    with pytest.raises(Exception) as te:
        ERRORS[case](torch)
    with pytest.raises(Exception) as ne:
        ERRORS[case](numtorch)
    assert type(ne.value) is type(te.value)
    tmsg, nmsg = str(te.value).split("\n")[0], str(ne.value).split("\n")[0]
    if case in PREFIX_ONLY:
        tmsg, nmsg = tmsg.split(" - ")[0], nmsg.split(" - ")[0]
    assert nmsg == tmsg


def test_in_place_bumps_version_and_returns_self():
    t = numtorch.zeros(4)
    v = t._version
    for name, args in [("uniform_", ()), ("normal_", ()), ("random_", (5,)), ("bernoulli_", ()),
                       ("exponential_", ()), ("cauchy_", ()), ("log_normal_", ()),
                       ("geometric_", (0.5,))]:
        assert getattr(t, name)(*args) is t
    assert t._version >= v + 8


# ---- the one inexact path, and the statistics ---------------------------------------------
_DEFAULT_KERNEL_SCRIPT = """
import sys, numpy as np, torch
torch.manual_seed(int(sys.argv[1]))
a = torch.empty(int(sys.argv[2])).normal_(0.1, 1.5).numpy()
b = torch.rand(3, dtype=torch.float64).numpy()
np.save(sys.argv[3], np.concatenate([a.astype(np.float64), b]))
"""


def test_float32_normal_without_avx2_within_2_ulps(tmp_path, monkeypatch):
    """PyTorch's scalar float32 kernel (non-x86, or ATEN_CPU_CAPABILITY=default) calls the C
    library's float logf/cosf/sinf; numtorch evaluates them in double and rounds, which
    differs by at most 2 float32 ulps of the sample's scale (in about 1% of values).  The
    draws consumed are the same."""
    import os
    import subprocess
    import sys

    from numtorch.random import recipes as R

    n, seed, path = 20003, 7, tmp_path / "ref.npy"
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    subprocess.run([sys.executable, "-c", _DEFAULT_KERNEL_SCRIPT, str(seed), str(n), str(path)],
                   check=True, env=env, timeout=120)
    ref = np.load(path)
    monkeypatch.setattr(R, "AVX2", False)
    numtorch.manual_seed(seed)
    got = numtorch.empty(n).normal_(0.1, 1.5).numpy()
    want = ref[:n].astype(np.float32)
    # ulps at the sample's scale (values near zero come from r*cos(theta)*std + mean with
    # cancellation, so their own ulp is not the meaningful unit)
    scale = np.spacing(np.maximum(np.abs(want), np.float32(1.5)))
    err = np.abs(got.astype(np.float64) - want) / scale
    assert err.max() <= 2 and (err > 0).mean() < 0.05
    assert np.array_equal(numtorch.rand(3, dtype=numtorch.float64).numpy(), ref[n:])


def test_distributions_have_the_right_moments():
    """A statistical check of every sampler (independent of PyTorch): mean and variance
    within 6 standard errors on 200000 draws."""
    numtorch.manual_seed(0)
    n = 200_000
    checks = [  # (sample, mean, variance)
        (numtorch.empty(n).uniform_(-1.0, 3.0), 1.0, 16 / 12),
        (numtorch.empty(n).normal_(0.5, 2.0), 0.5, 4.0),
        (numtorch.randn(n, dtype=numtorch.float64), 0.0, 1.0),
        (numtorch.empty(n).bernoulli_(0.3), 0.3, 0.21),
        (numtorch.empty(n).exponential_(2.0), 0.5, 0.25),
        (numtorch.empty(n).geometric_(0.25), 4.0, 0.75 / 0.0625),
        (numtorch.empty(n).log_normal_(0.0, 0.5), np.exp(0.125), (np.exp(0.25) - 1) * np.exp(0.25)),
        (numtorch.randint(0, 10, (n,)).double(), 4.5, 99 / 12),
    ]
    for sample, mean, var in checks:
        x = sample.numpy().astype(np.float64)
        assert abs(x.mean() - mean) < 6 * np.sqrt(var / n), (mean, x.mean())
        assert abs(x.var() - var) < 0.05 * var, (var, x.var())
    c = numtorch.empty(n).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.05 and abs(np.median(np.abs(c - 1.0)) - 2.0) < 0.1
    draws = numtorch.multinomial(numtorch.tensor([1.0, 2.0, 7.0]), n, True).numpy()
    counts = np.bincount(draws, minlength=3)
    assert np.allclose(counts / n, [0.1, 0.2, 0.7], atol=0.01)
    perm = numtorch.randperm(1000).numpy()
    assert sorted(perm.tolist()) == list(range(1000))
