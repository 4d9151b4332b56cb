"""The backward pass: walk the graph from the outputs, calling each node's vjp once.

NOTE [ the engine in one paragraph ]
Count, for every node reachable from the outputs, how many graph edges point at
it.  Start from the outputs' nodes with the seed gradients, and repeatedly pop
the ready node with the highest sequence number (the most recently recorded, as
PyTorch orders it).  Call its vjp on the summed incoming gradient; reduce each
input gradient to the input's shape (the one place broadcasting is undone) and
dtype; add it to the input's buffer.  A node is ready when all its incoming
edges have delivered.  Leaf gradients are accumulated into ``.grad`` at the end.
Everything is iterative: a chain of 100,000 ops needs no recursion.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["run_backward", "sum_to_shape"]

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling backward."
)


def sum_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum ``g`` over the axes along which an operand of ``shape`` was expanded."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(g.shape[lead:])
    return g.reshape(shape)


def _check_saved(node) -> None:
    for k, (cell, version, t) in enumerate(node.saved):
        if cell[0] != version:
            out = node._metadata.get("_out_producer") if node._metadata else None
            producer = out if out is not None and k == len(node.saved) - 1 else _producer(t)
            from numtorch._tensor import type_name
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{type_name(t)} {list(t._data.shape)}], which is output 0 of "
                f"{producer}, is at version {cell[0]}; expected version {version} instead. Hint: "
                "enable anomaly detection to find the operation that failed to compute its gradient, "
                "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )


def _producer(t) -> str:
    from numtorch._ops._core import _producer as p
    return p(t)


def _needed_nodes(roots, capture, leaf_targets) -> set:
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
                    if (n is None and id(t) in leaf_targets) or (n is not None and memo.get(n)):
                        hit = True
                memo[node] = hit
                continue
            memo[node] = False
            stack.append((node, True))
            for n in node.edges:
                if n is not None and n not in memo:
                    stack.append((n, False))
    return {n for n, v in memo.items() if v}


def run_backward(roots, seeds, retain_graph: bool, inputs=None, accumulate: bool = True):
    """Propagate ``seeds`` (ndarrays) back from ``roots`` (tensors).

    With ``accumulate`` (``Tensor.backward``), leaf gradients are added to ``.grad`` (only for
    ``inputs`` when given).  Without it (``autograd.grad``), nothing is accumulated and the
    gradients for ``inputs`` are returned, in order (None where unreached).
    """
    from numtorch._tensor import _wrap

    # 1. dependency counts over the reachable graph
    deps: dict = {}
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    seen = set(map(id, stack))
    while stack:
        node = stack.pop()
        for nxt in node.edges:
            if nxt is not None:
                deps[nxt] = deps.get(nxt, 0) + 1
                if id(nxt) not in seen:
                    seen.add(id(nxt))
                    stack.append(nxt)

    capture = {}  # id(node) -> index into results, for autograd.grad on non-leaf inputs
    leaf_targets = None
    results = None
    if inputs is not None:
        results = [None] * len(inputs)
        leaf_targets = {}
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                capture.setdefault(id(t.grad_fn), []).append(i)
            else:
                leaf_targets.setdefault(id(t), []).append(i)

    needed = None if inputs is None else _needed_nodes(roots, capture, leaf_targets)

    buffers: dict = {}
    leaves: dict = {}  # id(tensor) -> [tensor, grad]
    heap: list = []

    def deliver(t, g, node):
        if node is None:
            if not t._requires_grad:
                return
            entry = leaves.get(id(t))
            if entry is None:
                leaves[id(t)] = [t, g]
            else:
                entry[1] = entry[1] + g
            return
        prev = buffers.get(node)
        buffers[node] = g if prev is None else prev + g

    for r, s in zip(roots, seeds):
        deliver(r, s, r.grad_fn)
    for r in roots:
        n = r.grad_fn
        if n is not None and deps.get(n, 0) == 0 and n in buffers:
            deps[n] = -1
            heapq.heappush(heap, (-n.seq, id(n), n))

    while heap:
        _, _, node = heapq.heappop(heap)
        g = buffers.pop(node, None)
        if isinstance(g, np.generic):  # NumPy gives scalars for 0-d results
            g = np.array(g)
        if g is None or (needed is not None and node not in needed):
            for nxt in node.edges:  # nothing below needs this branch: only release its dependants
                if nxt is not None:
                    deps[nxt] -= 1
                    if deps[nxt] == 0:
                        heapq.heappush(heap, (-nxt.seq, id(nxt), nxt))
            continue
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
        if node._retained is not None:
            t = node._retained()
            if t is not None and t.grad_fn is node:
                t._grad = _wrap(g.copy()) if t._grad is None else _wrap(t._grad._data + g)
        idx = capture.get(id(node))
        if idx is not None:
            for i in idx:
                results[i] = _wrap(g)
        vjp = node.vjp
        if vjp is None:
            raise RuntimeError(_FREED)
        if node.saved:
            _check_saved(node)
        grads = vjp(g, node.needs)
        if node._hooks:
            gin = tuple(None if x is None else _wrap(x) for x in grads)
            for hook in tuple(node._hooks.values()):
                res = hook(gin, (_wrap(g),))
                if res is not None:
                    gin = res
            grads = tuple(None if x is None else x._data for x in gin)
        if not retain_graph and node.saved is not None:
            node.vjp = None
        for t, nxt, need, gi in zip(node.inputs, node.edges, node.needs, grads):
            if need and gi is not None:
                d = t._data
                if gi.shape != d.shape:
                    gi = sum_to_shape(gi, d.shape)
                if gi.dtype != d.dtype:
                    gi = gi.astype(d.dtype)
                deliver(t, gi, nxt)
            if nxt is not None:
                c = deps[nxt] - 1
                deps[nxt] = c
                if c == 0:  # ready (with no gradient at all, it only releases its own inputs)
                    heapq.heappush(heap, (-nxt.seq, id(nxt), nxt))

    for entry in leaves.values():  # NumPy returns scalars for 0-d results: a .grad is always an array
        if isinstance(entry[1], np.generic):
            entry[1] = np.array(entry[1])
    counts: dict = {}
    for _, g in leaves.values():
        counts[id(g)] = counts.get(id(g), 0) + 1
    # leaves: hooks, then accumulation (Tensor.backward) or collection (autograd.grad)
    for t, g in leaves.values():
        if t._hooks:
            for hook in tuple(t._hooks.values()):
                res = hook(_wrap(g))
                if res is not None:
                    g = res._data
        if isinstance(g, np.generic):
            g = np.array(g)
        if leaf_targets is not None:
            idx = leaf_targets.get(id(t))
            if idx is None:
                continue
            if not accumulate:
                for i in idx:
                    results[i] = _wrap(g)
                continue
        if accumulate:
            if t._grad is None:
                # NOTE [ owning the leaf gradient ]: later backward passes add into .grad in
                # place, so a first gradient that might alias another array is copied.
                if g.base is not None or not g.flags.writeable or counts.get(id(g), 0) > 1 or \
                        any(g is s for s in seeds):
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
    return results
