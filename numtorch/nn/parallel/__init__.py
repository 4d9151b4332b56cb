"""numtorch.nn.parallel: data-parallel training across processes (DistributedDataParallel).

``distributed`` holds the module wrapper, ``reducer`` the bucketed gradient all-reduce it
runs during backward; the transport is ``numtorch.distributed`` (MPI).
"""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
