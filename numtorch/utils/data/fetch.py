"""Fetchers: how one step of the loader turns keys into a (collated) batch.

The same fetchers run in the main process (``num_workers=0``) and in every worker.
A map-style fetcher gets a batch of keys and calls ``dataset.__getitems__(keys)`` when the
dataset has one (a whole batch in one call), else ``dataset[key]`` per key. A
``BatchedSamples`` goes straight to ``default_collate``; any other ``collate_fn`` is given
the plain list of samples, exactly as in PyTorch. An
iterable-style fetcher pulls ``len(keys)`` samples from its own iterator of the dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .batched import BatchedSamples
from .collate import default_collate
from .dataset import _accepts_index_array

__all__: list[str] = []


class _DatasetKind:
    """The two kinds of dataset a DataLoader knows how to read."""

    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind: int, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        if kind == _DatasetKind.Map:
            return _MapDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
        return _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index) -> Any:
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """Pulls samples from one iterator over the dataset, created with the fetcher."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index) -> Any:
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """Looks keys up in a map-style dataset, a whole batch at once when it can."""

    def fetch(self, possibly_batched_index) -> Any:
        if self.auto_collation:
            keys = possibly_batched_index
            getitems = getattr(self.dataset, "__getitems__", None)
            if isinstance(keys, np.ndarray) and not (
                getitems and _accepts_index_array(self.dataset)
            ):
                keys = keys.tolist()  # user code gets what PyTorch gives it: a list of ints
            if getitems:
                data = getitems(keys)
                if isinstance(data, BatchedSamples) and self.collate_fn is not default_collate:
                    data = list(data)  # a user's collate_fn gets what PyTorch gives it
            else:
                data = [self.dataset[idx] for idx in keys]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)
