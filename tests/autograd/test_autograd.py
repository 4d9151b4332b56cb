"""Autograd behaviour against PyTorch: accumulation, retain_graph, hooks, autograd.grad,
in-place rules, custom Functions, grad modes, and a 100,000-op chain."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import numtorch

torch = pytest.importorskip("torch")


def both(fn):
    """Run ``fn(L)`` with L = numtorch and torch; return both results."""
    return fn(numtorch), fn(torch)


def test_grad_accumulates_and_retain_graph():
    def f(L):
        x = L.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = (x * x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    assert_close(*both(f))


def test_graph_without_saved_tensors_can_be_walked_twice():
    def f(L):
        x = L.ones(3, requires_grad=True)
        y = (x + x).sum()
        y.backward()
        y.backward()
        return x.grad
    assert_close(*both(f))


def test_grad_fn_names_and_next_functions():
    def f(L):
        x = L.ones(2, 3, requires_grad=True)
        y = (x * 2).sum(1).exp().mean()
        names = []
        node = y.grad_fn
        while node is not None:
            names.append(node.name())
            nxt = [n for n, _ in node.next_functions if n is not None]
            node = nxt[0] if nxt else None
        return names
    n, t = both(f)
    assert n == t


def test_is_leaf_and_requires_grad_propagation():
    x = numtorch.ones(2, requires_grad=True)
    y = x * 2
    z = numtorch.ones(2) * 3
    assert x.is_leaf and not y.is_leaf and z.is_leaf
    assert y.requires_grad and not z.requires_grad
    with numtorch.no_grad():
        w = x * 2
    assert not w.requires_grad and w.grad_fn is None


def test_tensor_hooks_leaf_and_nonleaf():
    def f(L):
        seen = []
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
        h = x.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        h.remove()
        (x * 1).sum().backward()
        return x.grad.tolist(), seen
    assert both(f)[0] == both(f)[1]


def test_retain_grad():
    def f(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.retain_grad()
        (y * 3).sum().backward()
        return y.grad, y.retains_grad
    (gn, rn), (gt, rt) = both(f)
    assert_close(gn, gt)
    assert rn == rt


def test_backward_with_gradient_and_inputs():
    def f(L):
        a = L.tensor([1.0, 2.0], requires_grad=True)
        b = L.tensor([3.0, 4.0], requires_grad=True)
        y = a * b
        y.backward(L.tensor([1.0, -1.0]), inputs=[a])
        return a.grad, b.grad
    (an, bn), (at, bt) = both(f)
    assert_close(an, at)
    assert bn is None and bt is None


def test_autograd_grad():
    def f(L):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        w = L.tensor([0.5, -1.0], requires_grad=True)
        h = x @ w
        out = (h.tanh() ** 2).sum()
        gx, gh = L.autograd.grad(out, [x, h], retain_graph=True)
        (gw,) = L.autograd.grad(out, w)
        unused = L.autograd.grad(out, [L.ones(1, requires_grad=True)], allow_unused=True)
        return gx, gh, gw, unused[0], x.grad
    n, t = both(f)
    for a, b in zip(n[:3], t[:3]):
        assert_close(a, b)
    assert n[3] is None and t[3] is None and n[4] is None


def test_inplace_ops_on_nonleaf_are_differentiated():
    def f(L):
        x = L.tensor([1.0, -2.0, 3.0], requires_grad=True)
        b = L.tensor([2.0, 0.5, -1.0], requires_grad=True)
        a = x * 1
        a.mul_(b)
        a.add_(x, alpha=2)
        a.exp_()
        a.sum().backward()
        return x.grad, b.grad, a._version
    (xn, bn, vn), (xt, bt, vt) = both(f)
    assert_close(xn, xt)
    assert_close(bn, bt)
    assert vn == vt


def test_setitem_is_tracked():
    def f(L):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        z = L.tensor([5.0, 6.0], requires_grad=True)
        y = x * 2
        y[0] = z * 3
        y[:, 1] += 1
        (y * y).sum().backward()
        return x.grad, z.grad, y
    n, t = both(f)
    for a, b in zip(n, t):
        assert_close(a, b)


def test_inplace_without_grad_and_views_share_memory():
    def f(L):
        x = L.arange(6.0).reshape(2, 3)
        v = x[0]
        v.mul_(10)
        x.t()[1].add_(1)
        return x, v
    n, t = both(f)
    assert_close(n[0], t[0])
    assert_close(n[1], t[1])


def test_leaf_inplace_allowed_under_no_grad():
    w = numtorch.ones(3, requires_grad=True)
    with numtorch.no_grad():
        w.mul_(2)
    assert w.is_leaf and w.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("make", [
    lambda L: L.no_grad(), lambda L: L.set_grad_enabled(False), lambda L: L.inference_mode()])
def test_grad_modes_as_context_managers(make):
    def f(L):
        x = L.ones(2, requires_grad=True)
        with make(L):
            y = x * 2
            with L.enable_grad():
                z = x * 2
        return y.requires_grad, z.requires_grad, L.is_grad_enabled()
    assert both(f)[0] == both(f)[1]


def test_grad_modes_as_decorators():
    def f(L):
        @L.no_grad()
        def g(x):
            return x * 2

        @L.no_grad
        def h(x):
            return x * 2

        @L.enable_grad()
        def k(x):
            return x * 2
        x = L.ones(2, requires_grad=True)
        with L.no_grad():
            kk = k(x).requires_grad
        return g(x).requires_grad, h(x).requires_grad, kk
    assert both(f)[0] == both(f)[1]


def test_custom_function():
    def f(L):
        class Exp(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, scale):
                y = x.exp() * scale
                ctx.save_for_backward(y)
                ctx.scale = scale
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                assert ctx.needs_input_grad == (True, False)
                return g * y, None

        x = L.tensor([0.5, -1.0], requires_grad=True)
        y = Exp.apply(x, 3.0)
        (y * y).sum().backward()
        return y, x.grad, type(y.grad_fn).__name__
    n, t = both(f)
    assert_close(n[0], t[0])
    assert_close(n[1], t[1])
    assert n[2] == t[2]


def test_custom_function_multiple_outputs_and_non_differentiable():
    def f(L):
        class SortLike(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = x.argsort()
                ctx.mark_non_differentiable(idx)
                ctx.save_for_backward(idx)
                return x[idx] * 2, idx, x.sum()

            @staticmethod
            def backward(ctx, g, gidx, gsum):
                (idx,) = ctx.saved_tensors
                out = L.zeros_like(g)
                out[idx] = g * 2
                return out + gsum

        x = L.tensor([3.0, 1.0, 2.0], requires_grad=True)
        v, idx, s = SortLike.apply(x)
        (v * L.tensor([1.0, 2.0, 3.0])).sum().backward(retain_graph=True)
        s.backward()
        return x.grad, idx.requires_grad
    n, t = both(f)
    assert_close(n[0], t[0])
    assert n[1] == t[1]


def test_long_chain_needs_no_recursion():
    x = numtorch.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [float(np.float32(1.0000001)) ** 100_000], rtol=1e-3)


def test_saved_arrays_freed_after_backward():
    x = numtorch.ones(3, requires_grad=True)
    y = x * x
    y.sum().backward()
    assert y.grad_fn.vjp is None


def test_gradcheck_detects_a_wrong_gradient():
    class Bad(numtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # wrong: should be 2 x g

    x = numtorch.tensor([1.0, 2.0], dtype=numtorch.float64, requires_grad=True)
    with pytest.raises(numtorch.autograd.GradcheckError):
        numtorch.autograd.gradcheck(Bad.apply, (x,))
    assert not numtorch.autograd.gradcheck(Bad.apply, (x,), raise_exception=False)


@settings(max_examples=40, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3
    ),
    op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "pow"]),
)
def test_broadcasting_values_and_grads(shapes, op):
    rng = np.random.default_rng(0)
    sa, sb = shapes.input_shapes
    a = (np.abs(rng.standard_normal(sa)) + 0.5).astype(np.float32)
    b = (np.abs(rng.standard_normal(sb)) + 0.5).astype(np.float32)
    res = []
    for L in (numtorch, torch):
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        out = getattr(L, op)(x, y)
        (out * out).sum().backward()
        res.append((out, x.grad, y.grad))
    for n, t in zip(*res):
        assert_close(n, t)


def test_branch_without_gradient_still_releases_shared_nodes():
    """A node that gets no gradient (its Function returned None) must not block a shared upstream
    node."""
    def f(L):
        class PassX(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g, None

        x = L.tensor([1.0], requires_grad=True)
        y = x * 2
        out = PassX.apply(x, y * 5) + y * 3
        out.sum().backward()
        return x.grad
    assert_close(*both(f))


def test_inplace_on_views_rebases_the_base():
    """In-place ops on slices, transposes and reshapes of a graph tensor (PyTorch's CopySlices)."""
    def f(L):
        x = L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        w = L.tensor([0.5, -1.0], requires_grad=True)
        y = x * 2
        y[0].mul_(3)
        y.t()[1].add_(w)
        v = y.view(-1)[1:4]
        v.mul_(L.tensor([1.5, -2.0, 0.5]))
        buf = L.zeros(2, 3)
        buf[:, 1:].copy_(y[:, :2])
        (y * L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward(retain_graph=True)
        (buf * buf).sum().backward()
        return y, x.grad, w.grad, type(y.grad_fn).__name__, type(buf.grad_fn).__name__
    n, t = both(f)
    for a, b in zip(n[:3], t[:3]):
        assert_close(a, b)
    assert n[3:] == t[3:]
