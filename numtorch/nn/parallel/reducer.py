"""The gradient reducer behind DistributedDataParallel: buckets, readiness, all-reduce.

NOTE [ bucketed all-reduce during backward ]
The parameters that require a gradient are split into buckets of at most ``bucket_cap``
bytes (one dtype per bucket), walking the parameters in reverse registration order: the
last layers' gradients are computed first in backward, so the first bucket fills first.
Each bucket owns one flat array, the all-reduce buffer.

A synchronised forward (not under ``no_sync``, grad enabled) arms the reducer.  When the
engine then starts a backward pass (``register_pass_start_hook``), the reducer walks the
pass's graph from its roots and finds, for every parameter, the nodes that will send a
gradient into it (its *consumers*: every path counts, also a second forward of the model or a
weight penalty added to the loss); a pass that reaches none of the parameters is left alone.
It hooks each consumer; when the last consumer of a parameter has run, the parameter's
gradient for this pass is complete: ``.grad`` (what earlier ``no_sync`` passes accumulated,
if anything) plus the contributions the consumers sent, summed in the order the engine sums
them, so the values are bit for bit the ``.grad`` the engine writes at the end of the pass.
That sum is written into the parameter's slot in its bucket and the parameter is *ready*.
When every parameter of a bucket is ready, and every bucket before it has been launched, the
bucket is divided by the world size and an asynchronous all-reduce (``SUM``) of it starts;
the rest of backward runs while MPI moves the data.  Buckets always start in the same order
on every rank, as MPI requires of collectives.

The pass start also queues ``_finalize`` with the engine (``queue_callback``); it runs once
the pass has written ``.grad``.  It marks ready, from the final ``.grad``, whatever is still
missing where that is allowed (parameters with tensor hooks, whose gradient is only known at
the end; parameters some of whose consumers got no gradient; with ``find_unused_parameters``,
parameters that got none at all), launches the last buckets, waits for every all-reduce, and
copies the averaged gradients into ``.grad``.

With ``find_unused_parameters`` a parameter the pass does not reach is marked ready at its
start with its current ``.grad`` (or zeros).  A second, small all-reduce tells which
parameters were used on some rank; a parameter used on no rank keeps its ``.grad``
untouched.  Without it, a parameter that gets no gradient leaves its bucket unfinished: the
next forward raises PyTorch's "Expected to have finished reduction" error naming it.
"""

from __future__ import annotations

import weakref

import numpy as np

from numtorch._tensor import _wrap
from numtorch.autograd.engine import queue_callback, register_pass_start_hook, sum_to_shape

__all__ = ["Reducer", "bucket_assignment"]

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n"
    "making sure all `forward` function outputs participate in calculating loss. \n"
    "If you already have done the above, then the distributed data parallel module wasn't "
    "able to locate the output tensors in the return value of your module's `forward` "
    "function. Please include the loss function and the structure of the return value of "
    "`forward` of your module when reporting this issue (e.g. list, dict, iterable).\n"
    "Parameter indices which did not receive grad for rank {rank}: {indices}\n"
    " In addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either "
    "INFO or DETAIL to print out information about which particular parameters did not "
    "receive gradient on this rank as part of this error"
)


def bucket_assignment(params, caps) -> list[list[int]]:
    """Parameter indices grouped into buckets, in the order the buckets will fill.

    Parameters are taken in reverse order; each dtype has one open bucket, closed once it
    holds at least ``caps[k]`` bytes (``k``: how many buckets were closed before it, the last
    cap repeating).  Buckets are ordered by their first parameter.

    Example:
        >>> import numtorch
        >>> ps = [numtorch.zeros(4), numtorch.zeros(4), numtorch.zeros(4)]
        >>> bucket_assignment(ps, [32])
        [[2, 1], [0]]
    """
    open_: dict = {}  # dtype -> [indices, bytes]
    done: list = []
    for i in range(len(params) - 1, -1, -1):
        a = params[i]._data
        entry = open_.setdefault(a.dtype, [[], 0])
        entry[0].append(i)
        entry[1] += a.nbytes
        if entry[1] >= caps[min(len(done), len(caps) - 1)]:
            done.append(entry[0])
            del open_[a.dtype]
    done.extend(e[0] for e in open_.values())
    done.sort(key=lambda b: -b[0])
    return done


class _Bucket:
    __slots__ = ("indices", "flat", "tensor", "pending", "work")

    def __init__(self, indices, flat):
        self.indices = indices
        self.flat = flat
        self.tensor = _wrap(flat)
        self.pending = 0
        self.work = None


class Reducer:
    """Averages the gradients of ``params`` over the process group ``group`` during backward
    (NOTE [ bucketed all-reduce during backward ]); ``dist`` is ``numtorch.distributed``.

    Args:
        params: the parameters that require a gradient, in registration order.
        caps: bucket sizes in bytes: the first bucket's, then every later one's.
        dist: the collectives (``all_reduce`` with ``async_op``), ``numtorch.distributed``.
        group: the process group (None: the default group).
        find_unused: mark parameters that get no gradient ready instead of waiting for them.
    """

    def __init__(self, params, caps, dist, group, find_unused: bool):
        self.params = params
        self.dist = dist
        self.group = group
        self.world = dist.get_world_size(group)
        self.rank = dist.get_rank(group)
        self.find_unused = find_unused
        self.index = {id(p): i for i, p in enumerate(params)}
        self.buckets = []
        self.slots = [None] * len(params)  # param index -> (bucket, slice of its slot)
        for indices in bucket_assignment(params, caps):
            size = sum(params[i]._data.size for i in indices)
            b = _Bucket(indices, np.zeros(size, params[indices[0]]._data.dtype))
            off = 0
            for i in indices:
                n = params[i]._data.size
                self.slots[i] = (b, slice(off, off + n))
                off += n
            self.buckets.append(b)
        self.token = 0  # which backward pass the registered node hooks belong to
        self.expect_hooks = False
        self.require_finalize = False
        self._reset()
        ref = weakref.ref(self)

        def on_pass_start(roots, accumulate):
            reducer = ref()
            if reducer is not None:
                reducer._on_pass_start(roots, accumulate)

        weakref.finalize(self, register_pass_start_hook(on_pass_start).remove)

    # --- per iteration ------------------------------------------------------------------------

    def _reset(self) -> None:
        n = len(self.params)
        self.ready = [False] * n
        self.used = [False] * n
        self.pending = [None] * n  # this pass's summed contributions, before .grad
        self.remaining = [0] * n  # consumer occurrences that have not run yet
        self.late = [False] * n
        self.next_bucket = 0
        self.started = False
        for b in self.buckets:
            b.pending = len(b.indices)
            b.work = None

    def ensure_prior_reduction_finished(self) -> None:
        """PyTorch's error when the last synchronised backward left buckets unreduced."""
        if self.require_finalize:
            missing = " ".join(str(i) for i, r in enumerate(self.ready) if not r)
            raise RuntimeError(_UNFINISHED.format(rank=self.rank, indices=missing))

    def prepare_for_backward(self) -> None:
        """A synchronised forward ran: the next backward pass that reaches the parameters
        averages their gradients."""
        self.expect_hooks = True
        self.started = False  # (also after a pass that raised and never finished)

    def _on_pass_start(self, roots, accumulate: bool) -> None:
        """The engine starts a backward pass: hook the nodes that feed the parameters."""
        if not self.expect_hooks or self.started or not accumulate:
            return
        consumers: dict = {}  # node -> [(input position, param index)]
        remaining = [0] * len(self.params)
        stack = [t.grad_fn for t in roots if t.grad_fn is not None]
        seen = set(stack)
        index = self.index
        while stack:
            node = stack.pop()
            for pos, (t, nxt) in enumerate(zip(node.inputs, node.edges)):
                if nxt is None:
                    i = index.get(id(t))
                    if i is not None and node.needs[pos]:
                        consumers.setdefault(node, []).append((pos, i))
                        remaining[i] += 1
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        if not consumers:
            return  # a backward pass of something else
        self.token += 1
        self._reset()
        self.remaining = remaining
        self.started = True
        for i, p in enumerate(self.params):
            if p._hooks:  # its tensor hooks may change the gradient: known only at the end
                self.late[i] = True
        for node, entries in consumers.items():
            node.register_hook(self._consumer_hook(node, entries, self.token))
        queue_callback(self._finalize)
        if self.find_unused:
            for i, r in enumerate(remaining):
                if r == 0 and not self.late[i]:
                    self._mark_ready(i)

    def _consumer_hook(self, node, entries, token):
        needs = node.needs

        def hook(grad_inputs, grad_outputs):
            if token != self.token:
                return
            for pos, i in entries:
                g = grad_inputs[pos]
                if g is not None and needs[pos]:
                    self._add(i, g._data)
            for _, i in entries:
                self.remaining[i] -= 1
                if self.remaining[i] == 0 and not self.late[i] and not self.ready[i]:
                    self._mark_ready(i)
        return hook

    def _add(self, i: int, g: np.ndarray) -> None:
        """Add one consumer's gradient for parameter ``i``, shaped and cast as the engine does."""
        d = self.params[i]._data
        if g.shape != d.shape:
            g = sum_to_shape(g, d.shape)
        if g.dtype != d.dtype:
            g = g.astype(d.dtype)
        prev = self.pending[i]
        self.pending[i] = g if prev is None else prev + g
        self.used[i] = True

    # --- readiness and launching ---------------------------------------------------------------

    def _mark_ready(self, i: int, final: bool = False) -> None:
        """Write parameter ``i``'s gradient into its bucket slot; launch what became complete.

        ``final``: the pass is over and ``.grad`` already holds the pass's gradient.
        """
        p = self.params[i]
        bucket, where = self.slots[i]
        slot = bucket.flat[where]
        old = p._grad
        add = None if final else self.pending[i]
        if old is None:
            if add is None:
                slot.fill(0)
            else:
                slot[...] = np.reshape(add, -1)
        elif add is None:
            slot[...] = np.reshape(old._data, -1)
        else:
            np.add(old._data, add, out=slot.reshape(p._data.shape), casting="unsafe")
        self.pending[i] = None
        self.ready[i] = True
        self.require_finalize = True
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready()

    def _launch_ready(self) -> None:
        """Start the all-reduce of every complete bucket whose predecessors have started."""
        buckets = self.buckets
        while self.next_bucket < len(buckets) and buckets[self.next_bucket].pending == 0:
            b = buckets[self.next_bucket]
            if self.world > 1:
                np.divide(b.flat, self.world, out=b.flat, casting="unsafe")
            if b.tensor._data is not b.flat:  # the collective may have rebound the tensor
                b.tensor = _wrap(b.flat)
            b.work = self.dist.all_reduce(b.tensor, op=self.dist.ReduceOp.SUM, group=self.group,
                                          async_op=True)
            self.next_bucket += 1

    # --- the end of backward -------------------------------------------------------------------

    def _finalize(self) -> None:
        """After the pass: the last buckets, the waits, the averaged gradients into ``.grad``."""
        if not self.expect_hooks:
            return
        for i in range(len(self.params)):
            if not self.ready[i] and (self.used[i] or self.find_unused):
                self._mark_ready(i, final=True)  # .grad now holds the whole pass's gradient
        for b in self.buckets:
            if b.work is not None:
                b.work.wait()
        if self.next_bucket < len(self.buckets):
            # a parameter got no gradient: the error comes at the next forward, as in PyTorch
            self.expect_hooks = self.started = False
            return
        globally_used = None
        if self.find_unused:
            used = _wrap(np.array(self.used, dtype=np.int32))
            self.dist.all_reduce(used, op=self.dist.ReduceOp.SUM, group=self.group)
            globally_used = used._data
        for i, p in enumerate(self.params):
            if globally_used is not None and not globally_used[i]:
                continue  # no rank used it: its gradient stays as it was
            bucket, where = self.slots[i]
            self._write_grad(p, bucket.tensor._data[where])
        self.expect_hooks = self.started = False
        self.require_finalize = False
        self.token += 1  # a retained graph's hooks stay silent

    @staticmethod
    def _write_grad(p, flat: np.ndarray) -> None:
        """``p.grad = flat`` (reshaped), in place where ``.grad`` has the right layout."""
        g = p._grad
        values = flat.reshape(p._data.shape)
        if g is not None and g._data.shape == values.shape and g._data.flags.writeable:
            g._data[...] = values
        else:
            p._grad = _wrap(values.astype(p._data.dtype, copy=True))

