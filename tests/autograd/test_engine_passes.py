"""The backward engine's life cycle against PyTorch: which graphs can be walked twice without
``retain_graph`` (NOTE [ reusable nodes ]), the order in which nodes run, version errors, where
leaf gradients land; and, inside numtorch, that a node's saved arrays are freed after backward
unless ``retain_graph`` or ``reusable``."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch
from numtorch._ops._core import NOSAVE, record
from numtorch.autograd.graph import Node, op_name, producer_name

torch = pytest.importorskip("torch")


def _xy(L):
    x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = L.tensor([1.5, 2.0, -0.5], requires_grad=True)
    return x, y


# --- backward twice without retain_graph ----------------------------------------------------------

# (name, graph); a graph whose nodes read no saved data may be walked again, as in PyTorch
TWICE_OK = [
    ("add", lambda L, x, y: x + y),
    ("add_scalar", lambda L, x, y: x + 1),
    ("sub", lambda L, x, y: x - y),
    ("neg", lambda L, x, y: -x),
    ("slice", lambda L, x, y: x[1:]),
    ("view", lambda L, x, y: x.view(3, 1)),
    ("transpose", lambda L, x, y: x.view(1, 3).t()),
    ("expand", lambda L, x, y: x.expand(2, 3)),
    ("cat", lambda L, x, y: L.cat([x, y])),
    ("mean", lambda L, x, y: x.mean()),
    ("sums", lambda L, x, y: x.sum() + y.sum()),
    ("clone", lambda L, x, y: x.clone()),
    ("flip", lambda L, x, y: x.flip(0)),
    ("cumsum", lambda L, x, y: x.cumsum(0)),
    ("to_double", lambda L, x, y: x.double()),
]

# graphs with a node that reads saved data: the second pass raises PyTorch's error
TWICE_FREED = [
    ("mul", lambda L, x, y: x * y),
    ("mul_scalar", lambda L, x, y: x * 2),
    ("div", lambda L, x, y: x / y),
    ("exp", lambda L, x, y: x.exp()),
    ("tanh", lambda L, x, y: x.tanh()),
    ("relu", lambda L, x, y: L.relu(x)),
    ("pow", lambda L, x, y: x ** 2),
    ("abs", lambda L, x, y: x.abs()),
    ("matmul", lambda L, x, y: x @ y),
    ("max", lambda L, x, y: x.max()),
    ("amax", lambda L, x, y: x.amax()),
    ("freed_below_reusable", lambda L, x, y: (x + y) * 3),
]


@pytest.mark.parametrize("graph", [g for _, g in TWICE_OK], ids=[n for n, _ in TWICE_OK])
def test_reusable_graph_walks_twice(graph):
    def run(L):
        x, y = _xy(L)
        out = graph(L, x, y).sum()
        out.backward()
        out.backward()
        return x.grad, y.grad
    for n, t in zip(run(numtorch), run(torch)):
        if t is None:
            assert n is None
        else:
            assert_close(n, t)


@pytest.mark.parametrize("graph", [g for _, g in TWICE_FREED], ids=[n for n, _ in TWICE_FREED])
def test_saved_data_freed_after_backward(graph):
    def second_pass(L):
        x, y = _xy(L)
        out = graph(L, x, y).sum()
        out.backward()
        return lambda: out.backward()
    assert_same_error(second_pass(torch), second_pass(numtorch))


@pytest.mark.parametrize("graph", [g for _, g in TWICE_FREED], ids=[n for n, _ in TWICE_FREED])
def test_retain_graph_keeps_saved_data(graph):
    def run(L):
        x, y = _xy(L)
        out = graph(L, x, y).sum()
        out.backward(retain_graph=True)
        out.backward()
        return x.grad
    assert_close(*(run(L) for L in (numtorch, torch)))


# --- the order nodes run in: the newest ready node first ------------------------------------------

# (name, graph(L, x, tag)); ``tag(t, name)`` logs ``name`` when t's gradient is computed
ORDER = [
    ("two_branches", lambda L, x, tag: (tag(x * 2, "a") + tag(x * 3, "b")).sum()),
    ("branches_reversed", lambda L, x, tag: (tag(x * 3, "b") + tag(x * 2, "a")).sum()),
    ("diamond", lambda L, x, tag: (lambda h: (tag(h.exp(), "e") * tag(h.sin(), "s")).sum())(
        tag(x * 2, "h"))),
    ("long_then_short", lambda L, x, tag: (tag(((x + 1) * 2) - 1, "long")
                                           + tag(x.exp(), "short")).sum()),
    ("short_then_long", lambda L, x, tag: (tag(x.exp(), "short")
                                           + tag(((x + 1) * 2) - 1, "long")).sum()),
    ("reused", lambda L, x, tag: (lambda a: (tag(a * a, "sq") + tag(a.sum() * a, "sc")).sum())(
        tag(x + 1, "a"))),
    ("chain", lambda L, x, tag: tag(tag(tag(x * 2, "1") + 1, "2").exp(), "3").sum()),
]


@pytest.mark.parametrize("graph", [g for _, g in ORDER], ids=[n for n, _ in ORDER])
def test_nodes_run_newest_first(graph):
    def order(L):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        log = []

        def tag(t, name):
            t.register_hook(lambda g: log.append(name))
            return t
        graph(L, x, tag).backward()
        return log
    assert order(numtorch) == order(torch)


# --- version errors name the op that produced the changed tensor ----------------------------------

def _exp_then_add(L, x):
    y = x.exp()
    y.add_(1)
    return y


def _tanh_then_mul(L, x):
    y = (x * 1).tanh()
    y.mul_(2)
    return y


def _input_changed(L, x):
    a = x * 1
    y = a * a
    a.add_(1)
    return y


def _view_of_output_changed(L, x):
    y = x.exp()
    y[0] = 5
    return y


VERSION_ERRORS = [_exp_then_add, _tanh_then_mul, _input_changed, _view_of_output_changed]


@pytest.mark.parametrize("graph", VERSION_ERRORS, ids=[f.__name__ for f in VERSION_ERRORS])
def test_version_error(graph):
    def call(L):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        out = graph(L, x).sum()
        return out.backward
    assert_same_error(call(torch), call(numtorch))


def test_node_metadata_starts_empty():
    """Bookkeeping for saved outputs stays out of the user-visible ``metadata`` dict."""
    for L in (numtorch, torch):
        x = L.tensor([0.5, -1.0], requires_grad=True)
        assert x.exp().grad_fn.metadata == {}


# --- where leaf gradients land ------------------------------------------------------------------

def test_leaf_grad_does_not_alias_the_seed():
    def run(L):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        g = L.tensor([1.0, 2.0, 3.0])
        x.backward(g)
        g.mul_(10)  # must not reach x.grad
        x.backward(g)
        return x.grad
    assert_close(*(run(L) for L in (numtorch, torch)))


def test_one_gradient_array_reaching_two_leaves():
    def run(L):
        a = L.tensor([1.0, 2.0], requires_grad=True)
        b = L.tensor([3.0, 4.0], requires_grad=True)
        (a + b).sum().backward()
        a.grad.mul_(5)  # b.grad must stay its own
        (a + b).sum().backward()
        return a.grad, b.grad
    for n, t in zip(run(numtorch), run(torch)):
        assert_close(n, t)


# --- inside numtorch: the named flag and freeing --------------------------------------------------

def _scaling_vjp(scale):
    return lambda g, n: (g * scale,)


def _tracked_node(reusable, saved=()):
    """A leaf, and a recorded op whose vjp alone holds an array that a weakref watches."""
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    scale = np.array([3.0, 4.0], np.float32)
    ref = weakref.ref(scale)
    vjp = _scaling_vjp(scale)
    data = x._data * scale
    del scale
    if saved is None:  # the older spelling
        out = record(data, "MulBackward0", vjp, (x,), NOSAVE)
    else:
        out = record(data, "MulBackward0", vjp, (x,), saved, reusable=reusable)
    return x, out, ref


# (retain_graph, reusable, saved) -> is the array the vjp closes over still alive after backward?
FREEING = [
    (False, False, (), False),
    (True, False, (), True),
    (False, True, (), True),
    (True, True, (), True),
    (False, None, None, True),  # saved=NOSAVE: the older spelling of reusable=True
]


@pytest.mark.parametrize("retain_graph, reusable, saved, alive", FREEING)
def test_vjp_arrays_freed_unless_kept(retain_graph, reusable, saved, alive):
    x, out, ref = _tracked_node(reusable, saved)
    assert out.grad_fn.reusable is (reusable is not False)
    out.sum().backward(retain_graph=retain_graph)
    gc.collect()
    assert (ref() is not None) is alive
    assert (out.grad_fn.vjp is not None) is alive
    np.testing.assert_array_equal(x.grad.numpy(), np.array([3.0, 4.0], np.float32))


def test_node_flag_spellings():
    x = numtorch.tensor([1.0], requires_grad=True)
    vjp = lambda g, n: (g,)  # noqa: E731
    assert Node(vjp, (x,), (True,), ()).reusable is False
    assert Node(vjp, (x,), (True,), (), reusable=True).reusable is True
    old = Node(vjp, (x,), (True,), None)
    assert old.reusable is True and old.saved == ()


NAMES = [("MulBackward0", "Mul"), ("MaxBackward1", "Max"), ("CopySlices", "CopySlices"),
         ("AddmmBackward2", "Addmm"), ("LinearBackward", "Linear")]


@pytest.mark.parametrize("node_name, op", NAMES)
def test_op_name(node_name, op):
    assert op_name(node_name) == op


def test_producer_name():
    x = numtorch.tensor([1.0], requires_grad=True)
    assert producer_name(x) == "AccumulateGrad"
    assert producer_name(x * 2) == "Mul"
