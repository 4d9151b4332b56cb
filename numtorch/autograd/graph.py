"""The autograd graph: one ``Node`` per recorded op.

A node holds the op's vector-Jacobian product (``vjp``), the input tensors it
sends gradients to, and the version of every tensor whose data the vjp reads.
Its class name is PyTorch's (``MulBackward0``...), so ``t.grad_fn`` prints the
same.  Classes are made on first use, one per name, and cached.
"""

from __future__ import annotations

import itertools

__all__ = ["Node", "node_class", "AccumulateGrad"]

_seq = itertools.count()


class Node:
    """A recorded operation: ``vjp(grad, needs) -> tuple of input grads``."""

    __slots__ = ("vjp", "inputs", "edges", "needs", "saved", "seq", "_hooks", "_pre_hooks", "_tensor_hooks",
                 "_retained", "_metadata", "__weakref__")

    # NOTE [ saved tensors and the version counter ]
    # ``saved`` is a tuple of (version_cell, version, tensor) for every tensor whose data the vjp
    # closes over.  An in-place op bumps its tensor's version cell; backward compares and refuses
    # to use data that changed since the op ran, as PyTorch does.  A node that saves nothing
    # keeps its vjp after backward, so a graph of additions can be walked twice (also as PyTorch).

    def __init__(self, vjp, inputs, needs, saved):
        self.vjp = vjp
        self.inputs = inputs
        # NOTE [ edges ]: the inputs' nodes as they were when this op ran; an in-place op may later
        # rebase an input tensor onto a new node, and the graph must not follow it there.
        self.edges = tuple([t.grad_fn for t in inputs])
        self.needs = needs
        self.saved = saved
        self.seq = next(_seq)
        self._hooks = None
        self._pre_hooks = None
        self._tensor_hooks = None
        self._retained = None
        self._metadata = None

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self):
        out = []
        for t, e in zip(self.inputs, self.edges):
            if e is not None:
                out.append((e, 0))
            elif t._requires_grad:
                out.append((AccumulateGrad(t), 0))
            else:
                out.append((None, 0))
        return tuple(out)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        from numtorch.utils.hooks import RemovableHandle
        if self._hooks is None:
            self._hooks = {}
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        from numtorch.utils.hooks import RemovableHandle
        if self._pre_hooks is None:
            self._pre_hooks = {}
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class AccumulateGrad:
    """Stands for a leaf in ``next_functions``: gradients reaching it land in ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self):
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


_classes: dict[str, type] = {}


def node_class(name: str) -> type:
    """The Node subclass called ``name`` (e.g. ``AddBackward0``), made once."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (Node,), {"__slots__": ()})
    return cls
