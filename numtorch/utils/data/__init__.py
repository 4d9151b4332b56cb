"""numtorch.utils.data: datasets, samplers, collation and the DataLoader (as torch.utils.data).

The pieces, one per module: ``dataset`` (what the data is), ``sampler`` (in which order it
is visited), ``collate`` (how samples become a batch), ``fetch`` (how one batch is read),
``worker`` and ``multiprocess`` (loading in worker processes) and ``dataloader`` (the
iterable that ties them together). ``batched`` holds the one-call batch of in-memory data.
"""

from . import _utils  # noqa: F401  (registers the PyTorch-style private paths)
from .batched import BatchedSamples
from .collate import default_collate_fn_map
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .distributed import DistributedSampler
from .fetch import _DatasetKind
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler",
    "BatchedSamples",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "_DatasetKind",
    "default_collate",
    "default_collate_fn_map",
    "default_convert",
    "get_worker_info",
    "random_split",
]
