"""DistributedDataParallel: one model replica per process, gradients averaged in backward.

Every process builds the same model and wraps it: ``DistributedDataParallel(model)``.  At
construction the parameters and buffers of rank 0 are broadcast, so every replica starts
equal.  Each process then runs forward and backward on its own share of the batch
(``DistributedSampler``); during backward the gradients are averaged over the processes by
bucketed, asynchronous all-reduces (NOTE [ bucketed all-reduce during backward ] in
``reducer.py``), so after ``loss.backward()`` every replica holds the gradient of the mean
loss over the global batch, and identical optimizer steps keep the replicas identical.

The transport is ``numtorch.distributed`` (MPI); nothing here talks to MPI directly.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any

import numpy as np

from numtorch._tensor import _wrap
from numtorch.autograd.grad_mode import is_grad_enabled, no_grad

from ..modules.module import Module
from .reducer import Reducer

__all__ = ["DistributedDataParallel"]

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1 * _MB
_BROADCAST_BUCKET_BYTES = 250 * _MB


def _dist():
    """``numtorch.distributed``, or PyTorch's error when it cannot be used."""
    try:
        from numtorch import distributed as dist
    except ImportError:
        dist = None
    if dist is None or not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return dist


def _broadcast_coalesced(dist, group, tensors, src: int) -> None:
    """Broadcast ``tensors`` from group rank ``src`` in place: one flat message per dtype and
    per ``_BROADCAST_BUCKET_BYTES``, not one per tensor."""
    chunks: list = []
    open_: dict = {}  # dtype -> [tensors, bytes]
    for t in tensors:
        entry = open_.setdefault(t._data.dtype, [[], 0])
        entry[0].append(t)
        entry[1] += t._data.nbytes
        if entry[1] >= _BROADCAST_BUCKET_BYTES:
            chunks.append(open_.pop(t._data.dtype)[0])
    chunks.extend(e[0] for e in open_.values())
    src_global = src if group is None else dist.get_global_rank(group, src)
    for chunk in chunks:
        flat = _wrap(np.concatenate([t._data.reshape(-1) for t in chunk]))
        dist.broadcast(flat, src_global, group=group)
        off = 0
        for t in chunk:
            n = t._data.size
            t._data[...] = flat._data[off:off + n].reshape(t._data.shape)
            off += n


class DistributedDataParallel(Module):
    """Data-parallel training over the processes of a group: wraps ``module``, averages its
    gradients over the processes during backward.

    Each process calls ``DistributedDataParallel(model)`` on a model built the same way; rank
    0's parameters and buffers are copied to the others.  ``ddp(x)`` runs ``model(x)``;
    ``loss.backward()`` then leaves in every parameter's ``.grad`` the average over the
    processes of the local gradients,

        grad = (1 / world_size) * sum over ranks r of grad_r,

    which for a loss averaged over the local batch is the gradient of the loss averaged over
    the global batch (equal local batch sizes).  The all-reduces run bucket by bucket while
    backward continues (NOTE [ bucketed all-reduce during backward ] in ``reducer.py``).

    Args:
        module: the model (CPU).
        device_ids, output_device: must be None (or empty) for a CPU module.
        dim: kept for compatibility (inputs are not scattered).
        broadcast_buffers: deprecated spelling of ``forward_sync_buffers``; ``False`` also
            skips the buffers at construction. Default None (True).
        init_sync: broadcast rank 0's parameters and buffers at construction. Default True.
        process_group: the group to average over. Default: the default group.
        bucket_cap_mb: bucket size in MiB. Default None: 25 MiB, the first bucket 1 MiB.
        find_unused_parameters: parameters that get no gradient in a backward (unused in
            forward, or not part of the loss) are marked ready instead of leaving the
            reduction unfinished; a parameter unused on every rank keeps its ``.grad``.
        check_reduction: deprecated, ignored (a ``FutureWarning``).
        gradient_as_bucket_view: accepted; gradients are always copied out of the buckets.
        static_graph: the set of used parameters never changes; handled like
            ``find_unused_parameters``.
        forward_sync_buffers: broadcast rank 0's buffers before each forward. Default None
            (True).

    Attributes:
        module: the wrapped model; ``state_dict()`` keys carry the ``module.`` prefix.

    Example (under ``python -m numtorch.distributed.run --nproc-per-node 2 train.py``)::

        dist.init_process_group("gloo")
        model = DistributedDataParallel(net)
        for x, y in loader:                      # a DistributedSampler splits the data
            opt.zero_grad()
            loss_fn(model(x), y).backward()      # gradients averaged over the ranks
            opt.step()
    """

    def __init__(
        self,
        module: Module,
        device_ids=None,
        output_device=None,
        dim: int = 0,
        broadcast_buffers: bool | None = None,
        init_sync: bool = True,
        process_group=None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params=None,
        param_to_hook_all_reduce=None,
        mixed_precision=None,
        device_mesh=None,
        skip_all_reduce_unused_params: bool = False,
        bucket_cap_mb_list: list[int] | None = None,
        batched_grad_copy: bool = False,
        forward_sync_buffers: bool | None = None,
    ) -> None:
        super().__init__()
        if bool(delay_all_reduce_named_params is not None) != bool(
                param_to_hook_all_reduce is not None):
            raise ValueError("delay_all_reduce_named_params and param_to_hook_all_reduce need "
                             "to be set at the same time.")
        if process_group and device_mesh is not None:
            raise RuntimeError("Cannot specify both process_group and device_mesh arguments.")
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh),
                            ("bucket_cap_mb_list", bucket_cap_mb_list)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: {name} is not supported "
                                          "by numtorch")
        dist = _dist()
        if process_group is None and not dist.is_initialized():
            raise ValueError("Default process group has not been initialized, please make sure "
                             "to call init_process_group.")
        ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        self.parameters_to_ignore = ignore
        self._module_parameters = [p for n, p in module.named_parameters() if n not in ignore]
        if not any(p.requires_grad for p in self._module_parameters):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        if device_ids or output_device:
            devices = {p.device for p in self._module_parameters}
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters "
                f"{devices}.")
        if broadcast_buffers is not None:
            if forward_sync_buffers is not None:
                warnings.warn(
                    "Both `broadcast_buffers` and `forward_sync_buffers` were specified. "
                    "`broadcast_buffers` is deprecated and its value is ignored when "
                    "`forward_sync_buffers` is provided.", FutureWarning, stacklevel=2)
            else:
                warnings.warn(
                    "`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. "
                    "IMPORTANT: unlike `broadcast_buffers=False`, `forward_sync_buffers=False` "
                    "still syncs buffers at init. If you rely on buffers NOT being synced at "
                    "init (e.g. rank-local buffers), keep using `broadcast_buffers=False` until "
                    "`init_sync_buffers` is available.", FutureWarning, stacklevel=2)
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module "
                          "is deprecated. Please avoid using it.", FutureWarning, stacklevel=2)

        self.process_group = process_group
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.module = module
        self.device = next(iter(self._module_parameters)).device
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
            init_sync_buffers = True
        else:
            self.forward_sync_buffers = True if broadcast_buffers is None else broadcast_buffers
            init_sync_buffers = self.forward_sync_buffers
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.skip_all_reduce_unused_params = skip_all_reduce_unused_params
        self.broadcast_bucket_size = _BROADCAST_BUCKET_BYTES
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * _MB)
        first = _DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._dist = dist
        self.modules_buffers = [b for n, b in module.named_buffers() if n not in ignore]

        if init_sync:
            states = list(self._module_parameters)
            if init_sync_buffers:
                states += self.modules_buffers
            with no_grad():
                _broadcast_coalesced(dist, process_group, states, 0)
        params = [p for p in self._module_parameters if p.requires_grad]
        self.reducer = Reducer(params, [first, self.bucket_bytes_cap], dist, process_group,
                               find_unused_parameters or static_graph)

    @property
    def broadcast_buffers(self) -> bool:
        """Whether rank 0's buffers are broadcast before each forward."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value: bool) -> None:
        self.forward_sync_buffers = value

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module(*inputs, **kwargs)``, with rank 0's buffers broadcast first; with grad
        enabled and outside ``no_sync``, the next backward averages the gradients."""
        grad = is_grad_enabled()
        reducer = self.reducer
        if grad:
            reducer.ensure_prior_reduction_finished()
        if self.will_sync_module_buffers():
            self._sync_buffers()
        output = self.module(*inputs, **kwargs)
        if grad and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            reducer.prepare_for_backward()
        else:
            self.require_forward_param_sync = False
        return output

    def will_sync_module_buffers(self) -> bool:
        """Whether the next forward broadcasts rank 0's buffers first."""
        return (self.require_forward_param_sync and self.forward_sync_buffers
                and len(self.modules_buffers) > 0)

    def _sync_buffers(self) -> None:
        ignore = self.parameters_to_ignore
        self.modules_buffers = [b for n, b in self.module.named_buffers() if n not in ignore]
        with no_grad():
            _broadcast_coalesced(self._dist, self.process_group, self.modules_buffers, 0)

    @contextmanager
    def no_sync(self):
        """Inside, forward+backward passes only accumulate local gradients; the first
        synchronised pass after it averages the accumulated ``.grad``.

        The forward must run inside the context too.

        Example::

            with ddp.no_sync():
                for x in micro_batches[:-1]:
                    ddp(x).sum().backward()          # local accumulation
            ddp(micro_batches[-1]).sum().backward()  # averages everything accumulated
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def train(self, mode: bool = True) -> DistributedDataParallel:
        super().train(mode)
        return self

