"""Samplers and random_split against PyTorch: same seed, same indices; same errors."""

import warnings

import pytest

import numtorch
from numtorch.utils import data as ndata

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402


def both(fn):
    """Run ``fn(lib, data_module)`` with PyTorch and numtorch after seeding both alike."""
    torch.manual_seed(1234)
    expected = fn(torch, tdata)
    numtorch.manual_seed(1234)
    actual = fn(numtorch, ndata)
    return expected, actual


def raises_like(fn):
    """``fn(lib, data)`` must raise the same exception type and message in both libraries."""
    with pytest.raises(Exception) as expected:
        fn(torch, tdata)
    with pytest.raises(expected.type) as actual:
        fn(numtorch, ndata)
    assert str(actual.value) == str(expected.value)


def gen(lib, seed):
    return lib.Generator().manual_seed(seed)


def test_sequential_sampler():
    e, a = both(lambda T, D: (list(D.SequentialSampler(range(7))), len(D.SequentialSampler("abc"))))
    assert a == e == (list(range(7)), 3)


RANDOM_SAMPLER_CASES = [
    # n, replacement, num_samples, seed of an explicit generator (None: the global one)
    (10, False, None, None),
    (10, False, None, 7),
    (1, False, None, None),
    (257, False, None, None),
    (10, False, 25, None),   # several passes, then a cut permutation
    (10, False, 20, 3),      # num_samples % n == 0: PyTorch still draws one more permutation
    (10, False, 4, None),
    (10, True, None, None),
    (10, True, 100, 5),      # randint in chunks of 32 and a remainder chunk
    (50, True, 64, None),
    (3, True, 1, None),
]


@pytest.mark.parametrize("n,replacement,num_samples,seed", RANDOM_SAMPLER_CASES)
def test_random_sampler_same_indices(n, replacement, num_samples, seed):
    def run(T, D):
        g = None if seed is None else gen(T, seed)
        s = D.RandomSampler(range(n), replacement=replacement, num_samples=num_samples,
                            generator=g)
        epochs = [list(s), list(s)]  # a new order every epoch
        return epochs, len(s), T.rand(3).tolist()  # and the global stream moved alike
    e, a = both(run)
    assert a[:2] == e[:2]
    assert a[2] == pytest.approx(e[2])


def test_random_sampler_partial_iteration_is_lazy():
    def run(T, D):
        g = gen(T, 11)
        it = iter(D.RandomSampler(range(5), num_samples=12, generator=g))
        head = [next(it) for _ in range(3)]
        between = T.randint(0, 100, (4,), generator=g).tolist()  # shared generator interleaved
        return head, between, list(it)
    e, a = both(run)
    assert a == e


@pytest.mark.parametrize("call", [
    lambda T, D: D.RandomSampler(range(3), replacement=1),
    lambda T, D: D.RandomSampler(range(3), num_samples=0),
    lambda T, D: D.RandomSampler(range(3), num_samples=2.5),
    lambda T, D: D.RandomSampler([]),
    lambda T, D: D.WeightedRandomSampler([1.0, 2.0], 0),
    lambda T, D: D.WeightedRandomSampler([1.0, 2.0], True),
    lambda T, D: D.WeightedRandomSampler([1.0, 2.0], 3, replacement=None),
    lambda T, D: D.WeightedRandomSampler([[1.0, 2.0]], 3),
    lambda T, D: D.BatchSampler(range(3), 0, False),
    lambda T, D: D.BatchSampler(range(3), True, False),
    lambda T, D: D.BatchSampler(range(3), 2, 1),
])
def test_sampler_errors(call):
    raises_like(call)


@pytest.mark.parametrize("seed", [None, 3])
def test_subset_random_sampler(seed):
    def run(T, D):
        s = D.SubsetRandomSampler([5, 9, 2, 7, 1, 0, 3], generator=None if seed is None
                                  else gen(T, seed))
        return list(s), list(s), len(s)
    e, a = both(run)
    assert a == e


@pytest.mark.parametrize("weights,num_samples,replacement,seed", [
    ([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, True, None),
    ([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 50, True, 4),
    ([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, False, None),
    ([1, 2, 3, 4], 4, False, 8),
])
def test_weighted_random_sampler(weights, num_samples, replacement, seed):
    def run(T, D):
        s = D.WeightedRandomSampler(weights, num_samples, replacement=replacement,
                                    generator=None if seed is None else gen(T, seed))
        return list(s), list(s), len(s), s.weights.tolist(), str(s.weights.dtype)
    e, a = both(run)
    assert a == e  # the weights too, exactly: Python floats are kept in float64


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("source", ["list", "sequential", "random", "random_repl", "subset"])
def test_batch_sampler(batch_size, drop_last, source):
    def run(T, D):
        inner = {
            "list": lambda: [4, 1, 3, 3, 0, 9, 8, 2, 5, 7],
            "sequential": lambda: D.SequentialSampler(range(10)),
            "random": lambda: D.RandomSampler(range(10), num_samples=23),
            "random_repl": lambda: D.RandomSampler(range(10), replacement=True, num_samples=70),
            "subset": lambda: D.SubsetRandomSampler([4, 8, 15, 16, 23, 42, 0, 1, 2, 3]),
        }[source]()
        b = D.BatchSampler(inner, batch_size, drop_last)
        return list(b), list(b), len(b)
    e, a = both(run)
    assert a == e


def test_batch_sampler_respects_overridden_iter():
    class Evens(ndata.SequentialSampler):
        def __iter__(self):
            return iter(range(0, len(self.data_source), 2))

    class TEvens(tdata.SequentialSampler):
        def __iter__(self):
            return iter(range(0, len(self.data_source), 2))

    assert list(ndata.BatchSampler(Evens(range(9)), 2, False)) == list(
        tdata.BatchSampler(TEvens(range(9)), 2, False))


SPLIT_CASES = [
    (10, [3, 7], None),
    (10, [3, 7], 42),
    (30, [0.3, 0.3, 0.4], 42),
    (10, [0.33, 0.33, 0.34], None),   # remainder handed out round robin
    (7, [0.5, 0.5], 1),
    (11, [0.1, 0.2, 0.7], None),
    (5, [5, 0], 2),
]


@pytest.mark.parametrize("n,lengths,seed", SPLIT_CASES)
def test_random_split_same_split(n, lengths, seed):
    def run(T, D):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts = D.random_split(range(n), lengths,
                                   **({} if seed is None else {"generator": gen(T, seed)}))
        return ([list(p.indices) for p in parts], [list(p) for p in parts],
                [str(w.message) for w in caught])
    e, a = both(run)
    assert a == e
    assert all(isinstance(p, ndata.Subset) for p in ndata.random_split(range(4), [2, 2]))


def test_random_split_zero_length_warns_like_pytorch():
    def run(T, D):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            D.random_split(range(3), [0.1, 0.1, 0.8])
        return [(w.category, str(w.message)) for w in caught]
    e, a = both(run)
    assert a == e and len(e) == 1


@pytest.mark.parametrize("call", [
    lambda T, D: D.random_split(range(10), [3, 6]),
    lambda T, D: D.random_split(range(10), [1.5, -0.5]),
    lambda T, D: D.random_split(range(10), [0.5, 0.6]),
])
def test_random_split_errors(call):
    raises_like(call)
