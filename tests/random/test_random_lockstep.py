"""Randomness across numtorch: a seeded training run draws exactly PyTorch's numbers.

The end-to-end test builds a small model (default initialisation of several layer kinds,
then ``nn.init`` functions), splits a dataset with ``random_split``, trains two epochs
through a shuffling ``DataLoader`` with ``Dropout`` in train mode, and uses the samplers
and functional dropout, comparing at every stage with PyTorch doing the same: the random
draws (weights, split indices, batches, dropout masks) bit for bit, the generator state
byte for byte, and the arithmetic that follows (outputs, updated weights) to float32
rounding, since matrix products may sum in a different order.

Also here: ``randperm``'s vectorised shuffles against a literal replay of PyTorch's loops,
``random_``'s float-range rules and the factory functions' argument checks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
from numtorch.random import permutation as P

torch = pytest.importorskip("torch")
from test_random import assert_next_same, assert_same, run  # noqa: E402 - shared draw checks


# ---- the end-to-end sequence -------------------------------------------------------------
def _training_run(m):
    """Yield ``(label, kind, tensor)`` for each stage of a seeded run in library ``m``;
    ``kind`` is "exact" for random draws and states, "close" for arithmetic on them."""
    nn = m.nn
    m.manual_seed(2024)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    others = nn.ModuleDict({"emb": nn.Embedding(10, 4), "bil": nn.Bilinear(3, 4, 2)})
    for name, p in [*model.named_parameters(), *others.named_parameters()]:
        yield "init " + name, "exact", p
    yield "kaiming_normal_", "exact", nn.init.kaiming_normal_(m.empty(8, 6), mode="fan_out")
    yield "xavier_uniform_", "exact", nn.init.xavier_uniform_(m.empty(5, 7), gain=2.0)
    yield "trunc_normal_", "exact", nn.init.trunc_normal_(m.empty(40), std=0.5, a=-0.4, b=0.6)
    yield "state after init", "exact", m.get_rng_state()

    data = m.utils.data.TensorDataset(m.randn(40, 6), m.randint(0, 3, (40,)))
    train, val = m.utils.data.random_split(data, [0.75, 0.25])
    yield "split", "exact", m.tensor(list(train.indices) + list(val.indices))
    yield "state after split", "exact", m.get_rng_state()

    masks = []
    model[2].register_forward_hook(lambda mod, inp, out: masks.append((inp[0] != 0) & (out == 0)))
    loader = m.utils.data.DataLoader(train, batch_size=8, shuffle=True)
    opt = m.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    for epoch in range(2):
        for i, (xb, yb) in enumerate(loader):
            step = f"{epoch}.{i}"
            yield "batch " + step, "exact", xb
            out = model(xb)
            yield "dropout mask " + step, "exact", masks.pop()
            yield "output " + step, "close", out
            loss = nn.functional.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            yield "weight " + step, "close", model[3].weight
            yield "state " + step, "exact", m.get_rng_state()

    g = m.Generator().manual_seed(7)
    sampler = m.utils.data.RandomSampler(range(10), replacement=True, num_samples=45, generator=g)
    yield "sampler with replacement", "exact", m.tensor(list(sampler))
    sampler = m.utils.data.RandomSampler(range(13))
    yield "sampler default generator", "exact", m.tensor(list(sampler))
    yield "functional dropout", "exact", nn.functional.dropout(m.ones(5, 20), 0.5, training=True)
    yield "Dropout1d", "exact", nn.Dropout1d(0.5)(m.ones(4, 6, 3))
    model.eval()
    yield "eval mode draws nothing", "exact", m.get_rng_state()
    yield "final draw", "exact", m.rand(5)


def test_training_run_stays_in_lockstep_with_torch():
    count = 0  # compared as they come: parameters are yielded live and change later
    stages = zip(_training_run(numtorch), _training_run(torch), strict=True)
    for (label, kind, a), (label_t, _, b) in stages:
        count += 1
        assert label == label_t
        a, b = a.detach().numpy(), b.detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype, label
        if kind == "exact":
            assert np.array_equal(a, b), label
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=label)
    assert count == 59


# ---- randperm's shuffles -------------------------------------------------------------------
def _loop_forward(z):
    """PyTorch's small-n loop, literally: swap p[i] and p[z[i]]."""
    p = list(range(len(z) + 1))
    for i, j in enumerate(z.tolist()):
        p[i], p[j] = p[j], p[i]
    return p


def _loop_inside_out(z):
    """PyTorch's large-n loop, literally: r[i] = r[z[i]]; r[z[i]] = i."""
    r = [0] * len(z)
    for i, j in enumerate(z.tolist()):
        r[i] = r[j]
        r[j] = i
    return r


@pytest.mark.parametrize("n", [2, 3, 5, 17, 64, 1000])
def test_vectorised_shuffles_replay_the_loops(n):
    """Random targets, targets that often hit themselves, and chains of short hops."""
    rng = np.random.default_rng(n)
    i = np.arange(n - 1)
    fwd = [i + rng.integers(0, n - i), np.where(rng.random(n - 1) < 0.5, i, n - 1),
           np.minimum(i + rng.integers(0, 3, n - 1), n - 1)]
    for z in fwd:
        assert P.forward_fisher_yates(z.astype(np.int64)).tolist() == _loop_forward(z)
    j = np.arange(n)
    inside = [rng.integers(0, j + 1), np.where(rng.random(n) < 0.5, j, 0),
              np.maximum(j - rng.integers(0, 3, n), 0)]
    for z in inside:
        assert P.inside_out(z.astype(np.int64)).tolist() == _loop_inside_out(z)


def test_randperm_large_n_uses_the_64_bit_shuffle(monkeypatch):
    """Past PyTorch's threshold (n >= 2**32 // 20, too big to run here against PyTorch) the
    shuffle draws one 64-bit word per element and runs the inside-out loop."""
    monkeypatch.setattr(P, "SMALL_LIMIT", 10)
    g = numtorch.Generator().manual_seed(5)
    words = numtorch.Generator().manual_seed(5)._engine.words64(50)
    z = (words % np.arange(1, 51, dtype=np.uint64)).astype(np.int64)
    assert numtorch.randperm(50, generator=g).tolist() == _loop_inside_out(z)


@pytest.mark.parametrize("dtype, n", [("int8", 128), ("uint8", 256), ("int16", 5000),
                                      ("float16", 2049), ("float32", 3000), ("float64", 17)])
def test_randperm_dtype_limits(dtype, n):
    run(lambda m: m.randperm(n, dtype=getattr(m, dtype)), 3)


# ---- random_ on float tensors beyond 2**mantissa -------------------------------------------
RANDOM_FLOAT = [
    ("float32", (0, 2**30)), ("float32", (2**30, 2**30 + 10)), ("float32", (-2**60, 5)),
    ("float32", (0, 2**40)), ("float16", (0, 5000)), ("float64", (2**54, 2**55)),
    ("float32", (2**30,)), ("float32", (-(2**62), None)), ("float64", (-(2**63) + 5, 2**63 - 1)),
]


@pytest.mark.parametrize("dtype, args", RANDOM_FLOAT, ids=str)
def test_random_float_range_is_nudged_and_warns_like_torch(dtype, args):
    """PyTorch moves ``from`` up and ``to`` down until they survive the cast to the dtype,
    and warns (without failing) beyond ``2**mantissa``."""
    out = {}
    for m in (torch, numtorch):
        m.manual_seed(1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out[m] = m.empty(40, dtype=getattr(m, dtype)).random_(*args)
        out[m, "warn"] = [str(x.message).split(" (Triggered")[0] for x in w]
    assert_same(out[numtorch], out[torch])
    assert out[numtorch, "warn"] == out[torch, "warn"] and out[torch, "warn"]
    assert_next_same()


# ---- generator= everywhere, and more bad input -------------------------------------------
GENERATOR_CASES = {
    "rand_like": lambda m, g: m.rand_like(m.zeros(20), generator=g),
    "randn_like": lambda m, g: m.randn_like(m.zeros(20, dtype=m.float64), generator=g),
    "randint_like": lambda m, g: m.randint_like(m.zeros(20), 3, 9, generator=g),
    "normal tensors": lambda m, g: m.normal(m.zeros(3, 1), m.ones(1, 4), generator=g),
    "bernoulli": lambda m, g: m.bernoulli(m.full((9,), 0.5), generator=g),
    "multinomial": lambda m, g: m.multinomial(m.ones(6), 3, generator=g),
    "random_ from to": lambda m, g: m.empty(9, dtype=m.int32).random_(-4, 4, generator=g),
}


@pytest.mark.parametrize("case", list(GENERATOR_CASES))
def test_generator_argument_is_used(case):
    numtorch.manual_seed(0)
    torch.manual_seed(0)
    a = GENERATOR_CASES[case](numtorch, numtorch.Generator().manual_seed(9))
    b = GENERATOR_CASES[case](torch, torch.Generator().manual_seed(9))
    assert_same(a, b)
    assert_next_same()  # the default generators were not touched


ERRORS = {
    "randperm bool": lambda m: m.randperm(3, dtype=m.bool),
    "randperm int8 overflow": lambda m: m.randperm(129, dtype=m.int8),
    "randperm uint8 overflow": lambda m: m.randperm(257, dtype=m.uint8),
    "randperm half limit": lambda m: m.randperm(2050, dtype=m.float16),
    "randperm float limit": lambda m: m.randperm(2**24 + 2, dtype=m.float32),
    "randperm float n": lambda m: m.randperm(5.0),
    "randperm out dtype": lambda m: m.randperm(5, out=m.empty(2, dtype=m.int32), dtype=m.int64),
    "rand no size": lambda m: m.rand(),
    "rand bad generator": lambda m: m.rand(3, generator=5),
    "uniform_ bad generator": lambda m: m.empty(3).uniform_(generator=5),
    "uniform_ to inf": lambda m: m.empty(3).uniform_(0, float("inf")),
    "uniform_ from nan": lambda m: m.empty(3).uniform_(float("nan"), 1),
    "uniform_ half bound": lambda m: m.empty(3, dtype=m.float16).uniform_(0, 70000),
    "uniform_ span overflow": lambda m: m.empty(3).uniform_(-3e38, 3e38),
    "uniform_ span overflow f64": lambda m: m.empty(3, dtype=m.float64).uniform_(-1.7e308, 1.7e308),
    "normal_ std nan": lambda m: m.empty(3).normal_(0, float("nan")),
    "random_ float arg": lambda m: m.empty(3).random_(1.5),
    "random_ float to": lambda m: m.empty(3).random_(1, 2.5),
    "random_ to None alone": lambda m: m.empty(3).random_(to=None),
    "random_ bool arg": lambda m: m.empty(3).random_(True),
    "random_ from alone": lambda m: m.empty(3).random_(**{"from": 1}),
    "random_ unknown kw": lambda m: m.empty(3).random_(foo=3),
    "random_ three args": lambda m: m.empty(3).random_(1, 2, 3),
    "random_ int64 overflow": lambda m: m.empty(3, dtype=m.int64).random_(0, 2**64),
    "random_ float from > to_inc": lambda m: m.empty(3).random_(2**30, None),
    "random_ half to - 1 bound": lambda m: m.empty(3, dtype=m.float16).random_(0, 70000),
    "randint float high": lambda m: m.randint(0, 2.5, (3,)),
    "randint float low": lambda m: m.randint(0.5, 3, (3,)),
    "randint int size": lambda m: m.randint(0, 5, 3),
    "multinomial float n": lambda m: m.multinomial(m.ones(3), 1.5),
    "normal broadcast": lambda m: m.normal(m.zeros(2, 3), m.ones(3, 2)),
    "bernoulli_ p broadcast": lambda m: m.empty(3, 4).bernoulli_(m.full((5,), 0.5)),
    "bernoulli_ p too many dims": lambda m: m.empty(3, 4).bernoulli_(m.full((2, 3, 4), 0.5)),
    "bernoulli_ p tensor > 1": lambda m: m.empty(3, 4).bernoulli_(m.full((4,), 1.5)),
    "bernoulli_ p tensor nan": lambda m: m.empty(2).bernoulli_(m.tensor([0.5, float("nan")])),
    "cauchy_ int": lambda m: m.empty(3, dtype=m.int32).cauchy_(),
    "geometric_ bool": lambda m: m.empty(3, dtype=m.bool).geometric_(0.5),
    "Generator meta": lambda m: m.Generator("meta"),
    "Generator seed tensor": lambda m: m.Generator().manual_seed(m.tensor(5)),
    "Generator seed bool": lambda m: m.Generator().manual_seed(True),
    "set_state list": lambda m: m.Generator().set_state([1, 2]),
    "manual_seed None": lambda m: m.manual_seed(None),
}


@pytest.mark.parametrize("seed", [True, 3.9, "7"], ids=str)
def test_module_manual_seed_converts_with_int(seed):
    numtorch.manual_seed(seed)
    torch.manual_seed(seed)
    assert numtorch.initial_seed() == torch.initial_seed()
    assert_next_same()
    numtorch.manual_seed(numtorch.tensor(11))
    torch.manual_seed(torch.tensor(11))
    assert_next_same()


@pytest.mark.parametrize("case", list(ERRORS))
def test_more_errors_match_torch(case):
    with pytest.raises(Exception) as te:
        ERRORS[case](torch)
    with pytest.raises(Exception) as ne:
        ERRORS[case](numtorch)
    assert type(ne.value) is type(te.value)
    assert str(ne.value).split("\n")[0] == str(te.value).split("\n")[0]


def test_infinite_std_gives_infinities_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(lambda m: m.empty(20).normal_(0, float("inf")), 0)


MANY_SEEDS = [3, 42, 1234, 2**31 - 1, 2**32 + 17, 2**63 + 5, -7, 987654321]
SEED_CASES = {
    "rand": lambda m: m.rand(17),
    "randn": lambda m: m.randn(33),
    "randn_f64": lambda m: m.randn(5, dtype=m.float64),
    "randint": lambda m: m.randint(-3, 1000, (40,)),
    "randperm": lambda m: m.randperm(1000),
    "bernoulli_": lambda m: m.empty(50).bernoulli_(0.25),
}


@pytest.mark.parametrize("seed", MANY_SEEDS)
@pytest.mark.parametrize("case", list(SEED_CASES))
def test_many_seeds(case, seed):
    run(SEED_CASES[case], seed)
