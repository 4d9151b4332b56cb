"""Grad mode and inference mode belong to a thread, as in PyTorch
(NOTE [ grad mode is per thread ]).

Each scenario runs the same code on numtorch and on PyTorch and compares what every thread observed.
"""

from __future__ import annotations

import threading

import pytest

import numtorch

torch = pytest.importorskip("torch")


def _in_thread(fn):
    """Run ``fn`` in a new thread and return what it returned (re-raising its exception)."""
    box = {}

    def target():
        try:
            box["out"] = fn()
        except BaseException as e:  # pragma: no cover - re-raised below
            box["err"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "err" in box:
        raise box["err"]
    return box["out"]


def _new_thread_state(L, manager):
    """Grad and inference mode seen by a thread started inside ``manager``."""
    with manager(L):
        inner = (L.is_grad_enabled(), L.is_inference_mode_enabled())
        seen = _in_thread(lambda: (L.is_grad_enabled(), L.is_inference_mode_enabled()))
    return inner, seen


MANAGERS = {
    "no_grad": lambda L: L.no_grad(),
    "inference_mode": lambda L: L.inference_mode(),
    "set_grad_enabled(False)": lambda L: L.set_grad_enabled(False),
    "enable_grad in no_grad": lambda L: _nested(L),
}


class _nested:
    def __init__(self, L):
        self.outer, self.inner = L.no_grad(), L.enable_grad()

    def __enter__(self):
        self.outer.__enter__()
        self.inner.__enter__()

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)
        self.outer.__exit__(*exc)


@pytest.mark.parametrize("name", list(MANAGERS))
def test_a_new_thread_starts_with_default_modes(name):
    assert _new_thread_state(numtorch, MANAGERS[name]) == _new_thread_state(torch, MANAGERS[name])
    assert numtorch.is_grad_enabled() and not numtorch.is_inference_mode_enabled()


def _overlapping_no_grad(L):
    """Two threads enter and leave no_grad in interleaved order: A enters, B enters, A leaves, B
    leaves."""
    steps = [threading.Event() for _ in range(4)]
    seen = {}

    def a():
        with L.no_grad():
            steps[0].set()
            steps[1].wait(5)
            seen["a inside"] = L.is_grad_enabled()
        steps[2].set()
        steps[3].wait(5)
        seen["a after"] = L.is_grad_enabled()

    def b():
        steps[0].wait(5)
        with L.no_grad():
            steps[1].set()
            steps[2].wait(5)
            seen["b inside"] = L.is_grad_enabled()
        steps[3].set()
        seen["b after"] = L.is_grad_enabled()

    ts = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    seen["main"] = L.is_grad_enabled()
    return seen


def test_overlapping_no_grad_blocks_leave_grad_mode_on():
    ours, theirs = _overlapping_no_grad(numtorch), _overlapping_no_grad(torch)
    assert ours == theirs
    assert ours == {
        "a inside": False, "b inside": False, "a after": True, "b after": True, "main": True
    }


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    """Training and evaluation in parallel threads: every training step builds a graph."""
    numtorch.manual_seed(0)
    model = numtorch.nn.Sequential(
        numtorch.nn.Linear(8, 16), numtorch.nn.Tanh(), numtorch.nn.Linear(16, 3)
    )
    opt = numtorch.optim.SGD(model.parameters(), lr=0.01)
    x = numtorch.randn(32, 8)
    y = numtorch.randint(0, 3, (32,))
    stop = threading.Event()
    evaluated = [0]
    graphs = []

    def evaluate():
        while not stop.is_set():
            with numtorch.no_grad():
                out = model(x)
                assert out.grad_fn is None and not numtorch.is_grad_enabled()
            evaluated[0] += 1

    def train():
        for _ in range(200):
            loss = numtorch.nn.functional.cross_entropy(model(x), y)
            graphs.append(loss.grad_fn is not None)
            opt.zero_grad()
            loss.backward()
            opt.step()

    ev = threading.Thread(target=evaluate)
    ev.start()
    try:
        train()
    finally:
        stop.set()
        ev.join()
    assert all(graphs) and len(graphs) == 200
    assert evaluated[0] > 0
    assert numtorch.is_grad_enabled()


def _inference_mode_in_a_thread(L):
    seen = {}
    entered, release = threading.Event(), threading.Event()
    a = L.ones(3, requires_grad=True)

    def worker():
        with L.inference_mode():
            entered.set()
            release.wait(5)
            with L.enable_grad():  # grad mode on again, but inference mode records nothing
                seen["worker grad mode"] = L.is_grad_enabled()
                seen["worker records"] = (a * 2).grad_fn is not None

    t = threading.Thread(target=worker)
    t.start()
    entered.wait(5)
    seen["main inference"] = L.is_inference_mode_enabled()
    seen["main records"] = (a * 2).grad_fn is not None
    release.set()
    t.join()
    return seen


def test_inference_mode_is_per_thread():
    ours = _inference_mode_in_a_thread(numtorch)
    assert ours == _inference_mode_in_a_thread(torch)
    assert ours == {"main inference": False, "main records": True, "worker grad mode": True,
                    "worker records": False}
