"""DistributedSampler: each process of a distributed run reads its own share of the dataset.

NOTE [ the distributed index assignment ]
All ``num_replicas`` processes build the same global order of the ``n`` dataset indices:
``randperm(n)`` drawn from a private ``Generator`` seeded with ``seed + epoch`` (the same
numbers PyTorch draws for that seed), or ``0 .. n-1`` without shuffling.  The order is then
made a multiple of ``num_replicas`` long:

* ``drop_last=False``: ``num_samples = ceil(n / num_replicas)`` and the order is padded by
  repeating it from its start (cyclically, if the padding is longer than the order);
* ``drop_last=True``: ``num_samples = floor(n / num_replicas)`` and the tail is cut.

Rank ``r`` takes every ``num_replicas``-th index starting at position ``r``
(``order[r::num_replicas]``), so the ranks' shares are disjoint (up to the padding) and
together cover the order.  Because the seed is the same everywhere, no communication is
needed; ``set_epoch`` changes the seed so that every epoch gets a new order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from typing import TypeVar

import numpy as np

from numtorch import random as _random

from .sampler import Sampler, _iter_chunks

__all__ = ["DistributedSampler"]

_T_co = TypeVar("_T_co", covariant=True)


def _default_group_value(what: str) -> int:
    """``get_world_size()`` or ``get_rank()`` of the default process group."""
    try:
        from numtorch import distributed as dist
    except ImportError:
        dist = None
    if dist is None or not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return dist.get_world_size() if what == "world_size" else dist.get_rank()


class DistributedSampler(Sampler[_T_co]):
    """Yields this rank's share of the dataset's indices (NOTE [ the distributed index
    assignment ]), the share PyTorch's ``DistributedSampler`` gives for the same arguments.

    Args:
        dataset: the dataset (only its length is used); its length must not change.
        num_replicas: how many processes take part. Default: the default process group's
            world size.
        rank: this process's rank in ``[0, num_replicas)``. Default: its rank in the default
            process group.
        shuffle: visit the indices in a random order, the same on every rank. Default ``True``.
        seed: the shuffle's seed; must be the same on every rank. Default ``0``.
        drop_last: cut the tail so that the data divides evenly instead of padding it with
            repeated indices. Default ``False``.

    Call ``set_epoch(epoch)`` at the start of every epoch, before iterating, to get a new
    order each epoch.

    Example:
        >>> list(DistributedSampler(range(5), num_replicas=2, rank=0, shuffle=False))
        [0, 2, 4]
        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
        [1, 3, 0]
        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False,
        ...                         drop_last=True))
        [1, 3]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            num_replicas = _default_group_value("world_size")
        if rank is None:
            rank = _default_group_value("rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    __iter__ = _iter_chunks

    def _index_chunks(self) -> Iterator[np.ndarray]:
        """This rank's indices, as one array (NOTE [ Index chunks ] in ``sampler.py``)."""
        n = len(self.dataset)
        if self.shuffle:
            g = _random.Generator()
            g.manual_seed(self.seed + self.epoch)
            order = _random.randperm(n, generator=g)._data.astype(np.int64, copy=False)
        else:
            order = np.arange(n, dtype=np.int64)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:  # pad by repeating the order from its start
            order = np.concatenate([order, np.resize(order, self.total_size - n)])
        yield order[self.rank : self.total_size : self.num_replicas]

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the shuffle's seed (``seed + epoch``) from the next iteration on."""
        self.epoch = epoch
