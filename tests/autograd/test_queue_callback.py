"""The engine's end-of-backward callbacks (``queue_callback``), as PyTorch's
``Variable._execution_engine.queue_callback``: run once the pass has written ``.grad``."""

import pytest

import numtorch
from numtorch.autograd.engine import queue_callback

torch = pytest.importorskip("torch")


def run(lib, queue, fail=False, seen=None):
    """Queue two callbacks from a hook in the middle of a backward pass; what they saw."""
    seen = [] if seen is None else seen
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.tensor([3.0, 4.0], requires_grad=True)
    h = w * x

    def hook(g):
        queue(lambda: seen.append(("first", w.grad.tolist(), x.grad.tolist())))
        queue(lambda: seen.append(("second", None, None)))
        if fail:
            raise ValueError("boom")

    h.register_hook(hook)
    h.sum().backward()
    seen.append(("after", None, None))
    return seen


def test_callbacks_run_after_grad_is_written_in_order():
    expected = run(torch, torch.autograd.Variable._execution_engine.queue_callback)
    assert run(numtorch, queue_callback) == expected
    assert expected[0] == ("first", [3.0, 4.0], [1.0, 2.0])


def test_no_callback_when_the_pass_raises():
    for lib, queue in ((torch, torch.autograd.Variable._execution_engine.queue_callback),
                       (numtorch, queue_callback)):
        seen = []
        with pytest.raises(ValueError):
            run(lib, queue, fail=True, seen=seen)
        assert seen == []
    assert run(numtorch, queue_callback)[-1] == ("after", None, None)  # nothing left queued


def test_outside_backward():
    with pytest.raises(RuntimeError) as t:
        torch.autograd.Variable._execution_engine.queue_callback(lambda: None)
    with pytest.raises(RuntimeError) as n:
        queue_callback(lambda: None)
    assert str(n.value) == str(t.value)


def test_another_threads_pass_is_not_joined():
    """A thread with no backward pass of its own cannot queue into another thread's pass."""
    import threading

    def attempt(lib, queue):
        errors = []

        def other():
            try:
                queue(lambda: None)
            except RuntimeError as e:
                errors.append(str(e))

        def hook(g):
            t = threading.Thread(target=other)
            t.start()
            t.join()

        x = lib.tensor([1.0], requires_grad=True)
        y = x * 2
        y.register_hook(hook)
        y.sum().backward()
        return errors

    expected = attempt(torch, torch.autograd.Variable._execution_engine.queue_callback)
    assert expected == ["Final callbacks can only be installed during backward pass."]
    assert attempt(numtorch, queue_callback) == expected


def test_pass_start_hook_sees_the_roots_before_any_node_runs():
    from numtorch.autograd.engine import register_pass_start_hook

    events = []
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: events.append("node"))
    loss = y.sum()
    handle = register_pass_start_hook(
        lambda roots, accumulate: events.append(([r is loss for r in roots], accumulate)))
    try:
        loss.backward(retain_graph=True)
        numtorch.autograd.grad(loss, x, retain_graph=True)
    finally:
        handle.remove()
    loss.backward()
    assert events == [([True], True), "node", ([True], False), "node", "node"]
