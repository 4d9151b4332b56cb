"""The order in which backward runs nodes that carry no hooks: the newest ready node first.

The engine hands a node that has just become ready straight to the next step when no node
waiting on its heap is newer (``_backward``'s ``first``), and uses the heap otherwise.  Here
each tagged point is a custom Function (identity forward, logging backward), so the nodes in
between run on the engine's plain path; the order and the gradients must be PyTorch's.
"""

from __future__ import annotations

import pytest
from conftest import assert_close

import numtorch

torch = pytest.importorskip("torch")


def _tagger(L, log):
    class Tag(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, name):
            ctx.name = name
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            log.append(ctx.name)
            return g, None

    return lambda t, name: Tag.apply(t, name)


# (name, graph(x, y, tag)) -> the tensors to backward from
GRAPHS = [
    ("chain", lambda x, y, tag: [tag(tag(tag(x * y, "1").tanh() + y, "2").exp() - x, "3").sum()]),
    ("both_inputs_ready", lambda x, y, tag: [(tag(x.exp(), "a") * tag(y.sin(), "b")).sum()]),
    ("both_inputs_ready_reversed",
     lambda x, y, tag: [(tag(y.sin(), "b") * tag(x.exp(), "a")).sum()]),
    ("diamond", lambda x, y, tag: [(lambda h: (tag(h.exp(), "e") - tag(-h, "n")).sum())(
        tag(x * y, "h"))]),
    ("older_branch_waits", lambda x, y, tag: [(tag(x * 2, "old") + tag(
        tag(tag(y + 1, "n1") * y, "n2").tanh(), "n3")).sum()]),
    ("same_node_twice", lambda x, y, tag: [(lambda a: (a * a - a).sum())(tag(x + y, "a"))]),
    ("two_roots", lambda x, y, tag: [tag(x.exp(), "r1").sum(), tag(y * x, "r2").sum()]),
    ("roots_share_a_node", lambda x, y, tag: (lambda h: [tag(h * 2, "r1").sum(),
                                                         tag(h - 1, "r2").sum()])(
        tag(x / y, "h"))),
]


@pytest.mark.parametrize("graph", [g for _, g in GRAPHS], ids=[n for n, _ in GRAPHS])
def test_order_and_gradients_without_hooks(graph):
    def run(L):
        log = []
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = L.tensor([1.5, 0.25, -0.75], requires_grad=True)
        outs = graph(x, y, _tagger(L, log))
        L.autograd.backward(outs)
        return log, x.grad, y.grad

    (nlog, nx, ny), (tlog, tx, ty) = run(numtorch), run(torch)
    assert nlog == tlog
    assert_close(nx, tx)
    assert_close(ny, ty)


@pytest.mark.parametrize("graph", [g for _, g in GRAPHS], ids=[n for n, _ in GRAPHS])
def test_autograd_grad_order(graph):
    """``autograd.grad`` for one input runs only the nodes that lead to it, in the same order."""
    def run(L):
        log = []
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = L.tensor([1.5, 0.25, -0.75], requires_grad=True)
        outs = graph(x, y, _tagger(L, log))
        (gx,) = L.autograd.grad(outs, (x,), allow_unused=True)
        return log, gx

    (nlog, ngx), (tlog, tgx) = run(numtorch), run(torch)
    assert nlog == tlog
    assert (ngx is None) == (tgx is None)
    if tgx is not None:
        assert_close(ngx, tgx)
