"""The autograd graph: one ``Node`` per recorded op.

A node holds the op's vector-Jacobian product (``vjp``), the input tensors it
sends gradients to, and the version of every tensor whose data the vjp reads.
Its class name is PyTorch's (``MulBackward0``...), so ``t.grad_fn`` prints the
same.  Classes are made on first use, one per name, and cached.
"""

from __future__ import annotations

import itertools

from .hooks import RemovableHandle

__all__ = ["Node", "node_class", "new_node", "AccumulateGrad", "op_name", "producer_name",
           "register_tensor_hook", "register_post_accumulate_grad_hook"]

_seq = itertools.count()


class Node:
    """A recorded operation: ``vjp(grad, needs) -> tuple of input grads``.

    Attributes:
        vjp: the vector-Jacobian product; None once backward has freed it.
        inputs: the op's input tensors; ``edges``: their nodes when the op ran (None for leaves
            and constants); ``needs``: which inputs want a gradient.
        saved: ``(version_cell, version, tensor)`` for each tensor the vjp reads.
        reusable: backward keeps the vjp without ``retain_graph`` (NOTE [ reusable nodes ]).
        seq: the recording order; backward runs the newest ready node first.
    """

    __slots__ = ("vjp", "inputs", "edges", "needs", "saved", "reusable", "seq", "_hooked", "_hooks",
                 "_pre_hooks", "_tensor_hooks", "_retained", "_metadata", "_out_op", "__weakref__")

    # NOTE [ saved tensors and the version counter ]
    # ``saved`` is a tuple of (version_cell, version, tensor) for every tensor whose data the vjp
    # closes over.  An in-place op bumps its tensor's version cell; backward compares and refuses
    # to use data that changed since the op ran, as PyTorch does.  When the last entry is the
    # op's own output (``record(..., save_out=True)``), ``_out_op`` (left unset otherwise) holds
    # the node's class name at that moment: the error names that op, whatever renames the node
    # or rebases the tensor later.  ``_metadata`` too is left unset until ``metadata`` is read.
    #
    # NOTE [ reusable nodes ]
    # After a node has run, backward drops its vjp (and with it every array the vjp closes over)
    # unless ``retain_graph=True``; a second backward through it then raises PyTorch's "Trying to
    # backward through the graph a second time".  A node whose vjp reads no saved data (additions,
    # views, sums...) is ``reusable``: backward leaves it alone, so such a graph can be walked
    # twice, as PyTorch allows.  ``saved=None`` is the older spelling of ``reusable=True``.
    #
    # NOTE [ the hooked flag ]
    # ``_hooked`` turns True when a hook of any kind (``register_hook``, ``register_prehook``, a
    # hook on the output tensor, ``retain_grad``) is registered on the node; backward checks that
    # one flag instead of four attributes and sends hooked nodes through its full path.  The
    # check runs for every node, and node attributes are slow to read on this hot path (each
    # node class is another type for the interpreter's attribute caches).

    def __init__(self, vjp, inputs, needs, saved=(), reusable: bool = False):
        self.vjp = vjp
        self.inputs = inputs
        # NOTE [ edges ]: the inputs' nodes as they were when this op ran; an in-place op may later
        # rebase an input tensor onto a new node, and the graph must not follow it there.
        self.edges = tuple([t.grad_fn for t in inputs])
        self.needs = needs
        if saved is None:
            saved, reusable = (), True
        self.saved = saved
        self.reusable = reusable
        self.seq = next(_seq)
        self._hooked = False
        self._hooks = None
        self._pre_hooks = None
        self._tensor_hooks = None
        self._retained = None

    @property
    def metadata(self) -> dict:
        m = getattr(self, "_metadata", None)  # the slot is left unset until first asked for
        if m is None:
            m = self._metadata = {}
        return m

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
        if self._hooks is None:
            self._hooks = {}
        self._hooked = True
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        self._hooked = True
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


def new_node(cls: type, vjp, inputs: tuple, edges: tuple, needs: tuple, saved: tuple,
             reusable: bool) -> Node:
    """A ``cls`` node, as ``Node.__init__`` makes it, with ``edges`` given: the recording hot path.

    ``object.__new__`` plus the slot assignments costs half of a call to the class.  The slots are
    filled while the node is a plain ``Node`` and the class is set last: assignments to one class
    stay on the interpreter's fast path, where those to a different class at every call do not
    (NOTE [ the hooked flag ]).  A new slot set in ``__init__`` goes here too.
    """
    node = _new(Node)
    node.vjp = vjp
    node.inputs = inputs
    node.edges = edges
    node.needs = needs
    node.saved = saved
    node.reusable = reusable
    node.seq = _next_seq()
    node._hooked = False
    node._hooks = None
    node._pre_hooks = None
    node._tensor_hooks = None
    node._retained = None
    node.__class__ = cls
    return node


_new = object.__new__
_next_seq = _seq.__next__
_classes: dict[str, type] = {}


def node_class(name: str) -> type:
    """The Node subclass called ``name`` (e.g. ``AddBackward0``), made once."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (Node,), {"__slots__": ()})
    return cls


def op_name(node_name: str) -> str:
    """The op a node class stands for in PyTorch's messages: ``MulBackward0`` -> ``Mul``."""
    for suffix in ("Backward0", "Backward1", "Backward2", "Backward"):
        if node_name.endswith(suffix):
            return node_name[: -len(suffix)]
    return node_name


def producer_name(t) -> str:
    """The op that produced ``t``, as PyTorch's messages name it: ``AccumulateGrad`` for a leaf."""
    n = t.grad_fn
    return "AccumulateGrad" if n is None else op_name(type(n).__name__)


# ---- hooks on tensors (attached as ``Tensor.register_hook`` and
# ``Tensor.register_post_accumulate_grad_hook`` by ``numtorch._ops.registry``) ----------------

def register_tensor_hook(self, hook):
    """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        node = self.grad_fn
        if node._tensor_hooks is None:
            node._tensor_hooks = {}
        node._hooked = True
        d = node._tensor_hooks
    else:
        if self._hooks is None:
            self._hooks = {}
        d = self._hooks
    h = RemovableHandle(d)
    d[h.id] = hook
    return h

def register_post_accumulate_grad_hook(self, hook):
    """``hook(tensor)`` runs after a leaf's ``.grad`` has been accumulated."""
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if self._post_acc_hooks is None:
        self._post_acc_hooks = {}
    h = RemovableHandle(self._post_acc_hooks)
    self._post_acc_hooks[h.id] = hook
    return h
