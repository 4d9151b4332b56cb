"""DistributedSampler against PyTorch's: the same indices on every rank, the same errors.

num_replicas and rank are given explicitly, so no process group is needed.
"""

import itertools

import pytest

from numtorch.utils import data as ndata
from numtorch.utils.data import distributed as ndist

torch = pytest.importorskip("torch")
from conftest import assert_same_error  # noqa: E402
from torch.utils import data as tdata  # noqa: E402

# (dataset length, replicas): lengths that divide evenly, do not, are shorter than the
# number of replicas (padding longer than the order itself), and are empty
SIZES = [(0, 1), (0, 3), (1, 1), (1, 4), (2, 3), (5, 2), (7, 3), (10, 5), (11, 4), (33, 8),
         (64, 2), (97, 7), (1000, 3), (4097, 16)]
SEEDS_EPOCHS = [(0, 0), (0, 1), (7, 0), (7, 5), (12345, 2)]


def _rows():
    for (n, r), shuffle, drop_last, (seed, epoch) in itertools.product(
            SIZES, (True, False), (False, True), SEEDS_EPOCHS):
        if not shuffle and (seed, epoch) != (0, 0):
            continue  # the order does not depend on the seed
        yield n, r, shuffle, drop_last, seed, epoch


@pytest.mark.parametrize("n,replicas,shuffle,drop_last,seed,epoch", list(_rows()))
def test_indices_equal_pytorch(n, replicas, shuffle, drop_last, seed, epoch):
    for rank in range(replicas):
        kw = dict(num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                  drop_last=drop_last)
        t = tdata.DistributedSampler(range(n), **kw)
        s = ndata.DistributedSampler(range(n), **kw)
        t.set_epoch(epoch)
        s.set_epoch(epoch)
        expected = list(t)
        assert list(s) == expected
        assert list(s) == expected  # iterating again gives the same order
        assert len(s) == len(t) == len(expected)
        assert (s.num_samples, s.total_size, s.epoch) == (t.num_samples, t.total_size, t.epoch)


def test_epochs_change_the_order_as_pytorch():
    t = tdata.DistributedSampler(range(50), num_replicas=2, rank=1, seed=3)
    s = ndata.DistributedSampler(range(50), num_replicas=2, rank=1, seed=3)
    for epoch in range(4):
        t.set_epoch(epoch)
        s.set_epoch(epoch)
        assert list(s) == list(t)


def test_batches_through_dataloader_equal_pytorch():
    n, replicas = 103, 3
    tds = tdata.TensorDataset(torch.arange(n))
    import numtorch
    nds = ndata.TensorDataset(numtorch.arange(n))
    for rank in range(replicas):
        ts = tdata.DistributedSampler(tds, num_replicas=replicas, rank=rank, seed=1)
        ns = ndata.DistributedSampler(nds, num_replicas=replicas, rank=rank, seed=1)
        ts.set_epoch(2)
        ns.set_epoch(2)
        tb = [b[0].tolist() for b in tdata.DataLoader(tds, batch_size=8, sampler=ts)]
        nb = [b[0].tolist() for b in ndata.DataLoader(nds, batch_size=8, sampler=ns)]
        assert nb == tb


def test_ranks_cover_the_dataset():
    n, replicas = 23, 4
    shares = [list(ndata.DistributedSampler(range(n), replicas, r, seed=5))
              for r in range(replicas)]
    assert sorted(set(itertools.chain(*shares))) == list(range(n))
    assert sum(map(len, shares)) == 24  # one index repeated as padding


def test_paths():
    assert ndist.DistributedSampler is ndata.DistributedSampler
    assert issubclass(ndata.DistributedSampler, ndata.Sampler)
    assert "DistributedSampler" in ndata.__all__


@pytest.mark.parametrize("replicas,rank", [(2, 2), (2, -1), (1, 5), (3, 3)])
def test_bad_rank(replicas, rank):
    assert_same_error(
        lambda: tdata.DistributedSampler(range(4), num_replicas=replicas, rank=rank),
        lambda: ndata.DistributedSampler(range(4), num_replicas=replicas, rank=rank))


@pytest.mark.parametrize("kw", [dict(), dict(num_replicas=2), dict(rank=0)])
def test_no_process_group(kw):
    """Without an initialised default group, the defaults cannot be read: PyTorch's error."""
    pytest.importorskip("numtorch.distributed")
    assert_same_error(lambda: tdata.DistributedSampler(range(4), **kw),
                      lambda: ndata.DistributedSampler(range(4), **kw))
