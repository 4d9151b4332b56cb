"""The backward pass: walk the graph from the outputs, calling each node's vjp once.

NOTE [ the engine in one paragraph ]
Count, for every node reachable from the outputs, how many graph edges point at
it (``_count_dependencies``).  Start from the outputs' nodes with the seed
gradients, and repeatedly pop the ready node with the highest sequence number
(the most recently recorded, as PyTorch orders it).  Run it (its hooks, then
its vjp on the summed incoming gradient), and send each input gradient, reduced
to the input's shape (the one place broadcasting is undone) and dtype, into
that input's buffer.  A node is ready when all its incoming edges have
delivered.  Gradients reaching leaves are summed on the way and accumulated
into ``.grad`` at the end (``_accumulate_leaves``).  Everything is iterative: a
chain of 100,000 ops needs no recursion.  ``_backward`` is that loop; running a
node and sending its gradients are written out inside it (a node with hooks or
a capture goes through ``_run_node``), the rarer steps are short functions
below it.

``Tensor.backward`` and ``autograd.backward`` accumulate into ``.grad``;
``autograd.grad`` (``accumulate=False``) instead returns the gradients of its
``inputs`` and runs only the part of the graph that leads to them
(``_needed_nodes``).
"""

from __future__ import annotations

import threading
from heapq import heappop, heappush

import numpy as np

from .._ops._fpstate import quiet_call
from .._size import Size
from .._tensor import Tensor, _wrap, type_name
from .graph import op_name, producer_name
from .hooks import RemovableHandle

__all__ = ["queue_callback", "register_pass_start_hook", "run_backward", "sum_to_shape"]

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling backward."
)


def sum_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum ``g`` over the axes along which an operand of ``shape`` was expanded.

    Example:
        >>> import numpy as np
        >>> sum_to_shape(np.ones((2, 3)), (3,))
        array([2., 2., 2.])
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(g.shape[lead:])
    return g.reshape(shape)


def run_backward(roots, seeds, retain_graph: bool, inputs=None, accumulate: bool = True):
    """Propagate ``seeds`` (ndarrays) back from ``roots`` (tensors).

    With ``accumulate`` (``Tensor.backward``), leaf gradients are added to ``.grad`` (only for
    ``inputs`` when given).  Without it (``autograd.grad``), nothing is accumulated and the
    gradients for ``inputs`` are returned, in order (None where unreached).  Nodes that ran drop
    their vjp unless ``retain_graph`` (NOTE [ reusable nodes ] in ``graph.py``).

    NOTE [ a quiet backward pass ]
    The whole pass runs with NumPy's floating-point warnings off, switched once per call and
    restored afterwards (also when the pass raises): an inf or nan flowing through the vjps,
    the un-broadcasting sums and the ``.grad`` accumulation gives inf or nan silently, as in
    PyTorch.  So no vjp needs a suppression of its own.  Hooks and custom ``Function.backward``
    methods, which run inside the pass, see the same quiet state.
    """
    stack = _final_callbacks.stack
    stack.append([])
    try:
        if _pass_start_hooks:
            for hook in tuple(_pass_start_hooks.values()):
                hook(roots, accumulate)
        results = quiet_call(_backward, roots, seeds, retain_graph, inputs, accumulate)
    finally:
        callbacks = stack.pop()
    for cb in callbacks:
        cb()
    return results


class _FinalCallbacks(threading.local):
    """Per thread, one list of callbacks per backward pass in progress (passes may nest)."""

    def __init__(self):
        self.stack: list = []


_final_callbacks = _FinalCallbacks()


_pass_start_hooks: dict = {}  # handle id -> hook(roots, accumulate)


def register_pass_start_hook(hook) -> RemovableHandle:
    """Call ``hook(roots, accumulate)`` at the start of every backward pass, before any node
    runs (``roots``: its output tensors; ``accumulate``: False for ``autograd.grad``); the hook
    may ``queue_callback``.  DistributedDataParallel finds there the nodes feeding its
    parameters."""
    handle = RemovableHandle(_pass_start_hooks)
    _pass_start_hooks[handle.id] = hook
    return handle


def queue_callback(callback) -> None:
    """Run ``callback()`` when the backward pass now running ends, after ``.grad`` is updated
    (not if the pass raises); what DistributedDataParallel waits for its all-reduces in."""
    stack = _final_callbacks.stack
    if not stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    stack[-1].append(callback)


def _backward(roots, seeds, retain_graph: bool, inputs, accumulate: bool):
    """``run_backward``'s loop (NOTE [ the engine in one paragraph ])."""
    deps = _count_dependencies(roots)
    capture, leaf_index, results = _targets(inputs)
    needed = None if inputs is None else _needed_nodes(roots, capture, leaf_index)
    buffers: dict = {}  # node -> the sum of the gradients delivered to it so far
    leaves: dict = {}  # id(leaf tensor) -> [tensor, summed gradient]
    ready = _start(roots, seeds, deps, buffers, leaves)
    node = g = None  # the node to run next and its gradient, when known without the heap
    while True:
        if node is None:
            if not ready:
                break
            node = heappop(ready)[2]
            g = buffers.pop(node, None)
        if g is None or (needed is not None and node not in needed):
            _release(node, deps, ready)  # nothing below needs this branch
            node = None
            continue
        # running the node and sending its gradients are written out here: this loop runs once
        # per node, and function calls would cost as much as the work of the common case (no
        # hooks, no capture); ``_run_node`` is the full version of the first half
        # (node attributes are read as few times as possible: NOTE [ the hooked flag ])
        needs = node.needs
        if node._hooked or capture or type(g) is not np.ndarray:
            grads = _run_node(node, g, retain_graph, capture, results)
        else:
            vjp = node.vjp
            if vjp is None:
                raise RuntimeError(_FREED)
            saved = node.saved
            if saved:
                for cell, version, _ in saved:
                    if cell[0] != version:
                        _version_error(node)
            grads = vjp(g, needs)
            if not (retain_graph or node.reusable):  # see _run_node
                node.vjp = None
                node.saved = ()
        # each input's gradient goes to its leaf sum or its node's buffer; a node whose last
        # edge this was is ready.  The first such node, with its summed gradient, is kept in
        # ``first`` and ``first_g`` instead of the heap and the buffers: it runs next when no
        # node on the heap is newer (in a chain of ops, always), which is the heap's order.
        first = first_g = None
        for t, nxt, need, gi in zip(node.inputs, node.edges, needs, grads):
            if need and gi is not None:
                d = t._data
                if gi.shape != d.shape:
                    gi = sum_to_shape(gi, d.shape)
                if gi.dtype is not d.dtype and gi.dtype != d.dtype:
                    gi = gi.astype(d.dtype)
                if nxt is None:
                    if t._requires_grad:  # ``_add_leaf``
                        entry = leaves.get(id(t))
                        if entry is None:
                            leaves[id(t)] = [t, gi]
                        else:
                            entry[1] = entry[1] + gi
                    continue
                prev = buffers.get(nxt)
                if prev is not None:
                    gi = prev + gi
                c = deps[nxt] - 1
                deps[nxt] = c
                if c == 0 and first is None:
                    if prev is not None:
                        del buffers[nxt]
                    first, first_g = nxt, gi
                else:
                    buffers[nxt] = gi
                    if c == 0:
                        heappush(ready, (-nxt.seq, id(nxt), nxt))
            elif nxt is not None:
                c = deps[nxt] - 1
                deps[nxt] = c
                if c == 0:  # ready (with no gradient at all, it only releases its own inputs)
                    if first is None:
                        first, first_g = nxt, buffers.pop(nxt, None)
                    else:
                        heappush(ready, (-nxt.seq, id(nxt), nxt))
        if first is not None and ready and -ready[0][0] > first.seq:
            if first_g is not None:
                buffers[first] = first_g
            heappush(ready, (-first.seq, id(first), first))
            first = None
        node, g = first, first_g
    _accumulate_leaves(leaves, leaf_index, results, accumulate, seeds)
    return results


# --- before the pass ------------------------------------------------------------------------------

def _count_dependencies(roots) -> dict:
    """For every node reachable from ``roots``' nodes, how many graph edges point at it."""
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    visited = set(stack)  # a root reached again through an edge is only counted, not re-walked
    deps: dict = {}
    pop, push, get = stack.pop, stack.append, deps.get
    while stack:
        for nxt in pop().edges:
            if nxt is not None:
                c = get(nxt)
                if c is None:
                    deps[nxt] = 1
                    if nxt not in visited:
                        push(nxt)
                else:
                    deps[nxt] = c + 1
    return deps


def _targets(inputs):
    """Where the gradients of ``inputs`` are collected, for ``inputs=`` and ``autograd.grad``.

    Returns ``(capture, leaf_index, results)``: the result slots of non-leaf inputs by
    ``id(node)`` (filled with the gradient flowing into that node), those of leaf inputs by
    ``id(tensor)``, and the list of results (None everywhere until filled).  Without ``inputs``:
    ``({}, None, None)``.
    """
    if inputs is None:
        return {}, None, None
    capture: dict = {}
    leaf_index: dict = {}
    for i, t in enumerate(inputs):
        if t.grad_fn is not None:
            capture.setdefault(id(t.grad_fn), []).append(i)
        else:
            leaf_index.setdefault(id(t), []).append(i)
    return capture, leaf_index, [None] * len(inputs)


def _needed_nodes(roots, capture, leaf_index) -> set:
    """The nodes from which some requested input can be reached (the rest need not run)."""
    memo: dict = {}
    for r in roots:
        if r.grad_fn is None:
            continue
        stack = [(r.grad_fn, False)]
        while stack:
            node, done = stack.pop()
            if node in memo and not done:
                continue
            if done:
                hit = id(node) in capture
                for t, n in zip(node.inputs, node.edges):
                    if (n is None and id(t) in leaf_index) or (n is not None and memo.get(n)):
                        hit = True
                memo[node] = hit
                continue
            memo[node] = False
            stack.append((node, True))
            for n in node.edges:
                if n is not None and n not in memo:
                    stack.append((n, False))
    return {n for n, v in memo.items() if v}


def _start(roots, seeds, deps, buffers, leaves) -> list:
    """Deliver the seed gradients; the ready heap, holding the roots' nodes no other root feeds.

    The heap holds ``(-node.seq, id(node), node)``: the most recently recorded node pops first.
    A root's node is marked -1 in ``deps`` once pushed, so a repeated root is pushed once.
    """
    for r, s in zip(roots, seeds):
        n = r.grad_fn
        if n is None:
            _add_leaf(leaves, r, s)
        else:
            prev = buffers.get(n)
            buffers[n] = s if prev is None else prev + s
    ready: list = []
    for r in roots:
        n = r.grad_fn
        if n is not None and deps.get(n, 0) == 0 and n in buffers:
            deps[n] = -1
            heappush(ready, (-n.seq, id(n), n))
    return ready


# --- one node -------------------------------------------------------------------------------------

def _run_node(node, g, retain_graph: bool, capture: dict, results):
    """Run ``node`` on its summed incoming gradient ``g``: the gradients for its inputs.

    In order: the node's pre-hooks and its output tensor's hooks may replace ``g``; ``g`` is
    stored for ``retain_grad`` and for ``autograd.grad`` inputs; the saved tensors' versions are
    checked (``_version_error``); the vjp runs; the node's hooks may replace its result; the vjp
    is dropped unless ``retain_graph`` or the node is ``reusable``.
    """
    if isinstance(g, np.generic):  # NumPy gives scalars for 0-d results
        g = np.array(g)
    if node._pre_hooks or node._tensor_hooks:
        g = _grad_output_hooks(node, g)
    if node._retained is not None:
        _retain_grad(node, g)
    if capture:
        _capture(node, g, capture, results)
    vjp = node.vjp
    if vjp is None:
        raise RuntimeError(_FREED)
    saved = node.saved
    if saved:  # the check is written out here, not called: it runs for nearly every node
        for cell, version, _ in saved:
            if cell[0] != version:
                _version_error(node)
    grads = vjp(g, node.needs)
    if node._hooks:
        grads = _grad_input_hooks(node, grads, g)
    if not (retain_graph or node.reusable):
        # free the arrays the vjp closes over, and the saved tensors: a node that saved its own
        # output would otherwise keep it (and the output its node) alive in a reference cycle
        # until Python's cycle collector ran (NOTE [ saved tensors and the version counter ])
        node.vjp = None
        node.saved = ()
    return grads


def _grad_output_hooks(node, g: np.ndarray) -> np.ndarray:
    """``node.register_prehook`` hooks, then the output tensor's ``register_hook`` hooks."""
    if node._pre_hooks:
        for hook in tuple(node._pre_hooks.values()):
            res = hook((_wrap(g),))
            if res is not None:
                g = res[0]._data
    if node._tensor_hooks:
        for hook in tuple(node._tensor_hooks.values()):
            res = hook(_wrap(g))
            if res is not None:
                g = res._data
    return g


def _grad_input_hooks(node, grads: tuple, g: np.ndarray) -> tuple:
    """``node.register_hook`` hooks: ``hook(grad_inputs, grad_outputs)`` may replace ``grads``."""
    gin = tuple(None if x is None else _wrap(x) for x in grads)
    for hook in tuple(node._hooks.values()):
        res = hook(gin, (_wrap(g),))
        if res is not None:
            gin = res
    return tuple(None if x is None else x._data for x in gin)


def _retain_grad(node, g: np.ndarray) -> None:
    """Add ``g`` to the ``.grad`` of the tensor that called ``retain_grad``, if still ours."""
    t = node._retained()
    if t is not None and t.grad_fn is node:
        t._grad = _wrap(g.copy()) if t._grad is None else _wrap(t._grad._data + g)


def _capture(node, g: np.ndarray, capture: dict, results: list) -> None:
    """``g`` is the gradient of the ``autograd.grad`` inputs that ``node`` produced: keep it."""
    idx = capture.get(id(node))
    if idx is not None:
        for i in idx:
            results[i] = _wrap(g)


def _version_error(node) -> None:
    """Raise PyTorch's error for the first tensor ``node``'s vjp reads that was changed in place
    after the op ran (its version cell moved on from the version ``saved`` remembers)."""
    for k, (cell, version, t) in enumerate(node.saved):
        if cell[0] != version:
            out = getattr(node, "_out_op", None)  # set (by ``record``) when it saved its output
            if out is not None and k == len(node.saved) - 1:
                producer = op_name(out)
            else:
                producer = producer_name(t)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{type_name(t)} {list(t._data.shape)}], which is output 0 of "
                f"{producer}, is at version {cell[0]}; expected version {version} instead. Hint: "
                "enable anomaly detection to find the operation that failed to compute its "
                "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )


# --- between nodes --------------------------------------------------------------------------------

def _release(node, deps: dict, ready: list) -> None:
    """Count ``node``'s edges as delivered without sending anything along them."""
    for nxt in node.edges:
        if nxt is not None:
            c = deps[nxt] - 1
            deps[nxt] = c
            if c == 0:
                heappush(ready, (-nxt.seq, id(nxt), nxt))


def _add_leaf(leaves: dict, t, g) -> None:
    """Add ``g`` to the running gradient of leaf ``t`` (ignored unless ``t`` requires grad)."""
    if t._requires_grad:
        entry = leaves.get(id(t))
        if entry is None:
            leaves[id(t)] = [t, g]
        else:
            entry[1] = entry[1] + g


# --- after the pass -------------------------------------------------------------------------------

def _accumulate_leaves(leaves: dict, leaf_index, results, accumulate: bool, seeds) -> None:
    """Each leaf's gradient through its hooks, then into ``.grad`` or ``results``.

    With ``leaf_index`` (``inputs=`` given) only those leaves are served: their gradients go
    into ``results`` (``autograd.grad``) or are accumulated (``backward(inputs=...)``).  After a
    leaf's ``.grad`` is updated its post-accumulate-grad hooks run.
    """
    # how often each array arrived: one that reached several leaves, or is a seed (counted
    # twice), is shared, and a first .grad must not be it (NOTE [ owning the leaf gradient ])
    counts = dict.fromkeys(map(id, seeds), 2)
    for entry in leaves.values():
        g = entry[1]
        if type(g) is not np.ndarray and isinstance(g, np.generic):  # NumPy's 0-d results
            g = entry[1] = np.array(g)
        counts[id(g)] = counts.get(id(g), 0) + 1
    for t, g in leaves.values():
        if t._hooks:
            g = _leaf_hooks(t, g)
        if leaf_index is not None:
            idx = leaf_index.get(id(t))
            if idx is None:
                continue
            if not accumulate:
                for i in idx:
                    results[i] = _wrap(g)
                continue
        if accumulate:
            _accumulate_grad(t, g, counts.get(id(g), 0) > 1)


def _leaf_hooks(t, g: np.ndarray) -> np.ndarray:
    """A leaf's ``register_hook`` hooks, each of which may replace its gradient."""
    for hook in tuple(t._hooks.values()):
        res = hook(_wrap(g))
        if res is not None:
            g = res._data
    if isinstance(g, np.generic):
        g = np.array(g)
    return g


def _accumulate_grad(t, g: np.ndarray, shared: bool) -> None:
    """``t.grad += g`` (in place when possible), then ``t``'s post-accumulate-grad hooks.

    NOTE [ owning the leaf gradient ]: later backward passes add into ``.grad`` in place, so a
    first gradient that might alias another array (one ``shared`` with another leaf or a seed,
    a view, a read-only array) is copied.
    """
    if t._grad is None:
        if shared or g.base is not None or not g.flags.writeable:
            g = g.copy()
        t._grad = _wrap(g)
    else:
        old = t._grad._data
        if old.shape == g.shape and old.flags.writeable:
            np.add(old, g, out=old, casting="unsafe")
        else:
            t._grad = _wrap(old + g)
    if t._post_acc_hooks:
        for hook in tuple(t._post_acc_hooks.values()):
            hook(t)


# --- the entry points: autograd.backward, autograd.grad, Tensor.backward -----------------------

def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _seeds(outputs, grad_outputs, for_grad: bool):
    seeds = []
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) < len(outputs):  # extra gradients are ignored, as PyTorch does
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not o._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        if g is None:
            if o._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if o._data.dtype.kind != "f":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   f"but got {o.dtype}")
            seeds.append(_ones_like(o._data))
        else:
            if not isinstance(g, Tensor):
                g = Tensor(g) if not isinstance(g, (int, float)) else None
            if g._data.shape != o._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{Size(g._data.shape)} and output[{i}] has a shape of "
                                   f"{Size(o._data.shape)}.")
            gd = g._data if g._data.dtype == o._data.dtype else g._data.astype(o._data.dtype)
            seeds.append(gd)
    return seeds


def _no_create_graph(create_graph):
    if create_graph:
        raise RuntimeError("numtorch computes first-order gradients only: create_graph=True "
                           "(gradients of gradients) is not supported")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             grad_variables=None,
             inputs=None) -> None:
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors``.

    ``grad_tensors`` seed the outputs (needed unless they are scalars).
    """
    _no_create_graph(create_graph)
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    seeds = _seeds(outputs, grads, False)
    if retain_graph is None:
        retain_graph = create_graph
    ins = _as_tuple(inputs)
    if ins is not None and len(ins) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    results = run_backward(outputs, seeds, bool(retain_graph), inputs=ins, accumulate=True)
    if ins is not None:
        for t, r in zip(ins, results):
            if t.grad_fn is not None and r is not None:
                t._grad = (_wrap(r._data.copy()) if t._grad is None
                           else _wrap(t._grad._data + r._data))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not put in ``.grad``.

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> torch.autograd.grad((x ** 3).sum(), x)
        (tensor([ 3., 12.]),)
        >>> x.grad is None
        True
    """
    _no_create_graph(create_graph)
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outs, _as_tuple(grad_outputs), True)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    results = run_backward(outs, seeds, bool(retain_graph), inputs=ins, accumulate=False)
    out = []
    for i, (t, r) in enumerate(zip(ins, results)):
        if r is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                r = _wrap(np.zeros_like(t._data))
        out.append(r)
    return tuple(out)


def _ones_like(d: np.ndarray) -> np.ndarray:
    """A new array of ones shaped as ``d`` (``np.ones`` without its Python layer)."""
    s = np.empty(d.shape, d.dtype)
    s.fill(1)
    return s


def tensor_backward(self, gradient=None, retain_graph=None, create_graph=False,
                    inputs=None) -> None:
    """Compute the gradient of this tensor w.r.t. the graph leaves; see ``autograd.backward``."""
    if gradient is None and inputs is None and not create_graph:
        d = self._data
        if self._requires_grad and d.size == 1 and d.dtype.kind == "f":
            # ``loss.backward()``: what ``backward`` does once its checks have passed
            run_backward((self,), [_ones_like(d)], bool(retain_graph), None, True)
            return
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)
