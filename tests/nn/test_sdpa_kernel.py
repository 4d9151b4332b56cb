"""``torch.nn.attention``: ``SDPBackend`` and ``sdpa_kernel`` behave as PyTorch's on the CPU."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch

torch = pytest.importorskip("torch")


def test_backends_are_pytorchs():
    from torch.nn.attention import SDPBackend as T

    from numtorch.nn.attention import SDPBackend as N
    assert {k: int(v) for k, v in N.__members__.items()} == {
        k: int(v) for k, v in T.__members__.items()}


# which backends a block allows -> the call runs (and gives the same values) or fails
CHOICES = [
    ("math", lambda B: B.MATH),
    ("math-list", lambda B: [B.MATH]),
    ("flash", lambda B: B.FLASH_ATTENTION),
    ("efficient-and-math", lambda B: [B.EFFICIENT_ATTENTION, B.MATH]),
    ("efficient", lambda B: B.EFFICIENT_ATTENTION),
    ("cudnn", lambda B: [B.CUDNN_ATTENTION]),
    ("none", lambda B: []),
]


def _run(lib, choose):
    import importlib
    att = importlib.import_module(lib.__name__ + ".nn.attention")
    q = lib.from_numpy(np.random.default_rng(0).standard_normal((2, 2, 5, 8)).astype(np.float32))
    with att.sdpa_kernel(choose(att.SDPBackend)):
        return lib.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name,choose", CHOICES, ids=[c[0] for c in CHOICES])
def test_sdpa_kernel_allows_or_refuses_as_pytorch(name, choose):
    try:
        want = _run(torch, choose)
    except Exception:
        assert_same_error(lambda: _run(torch, choose), lambda: _run(numtorch, choose))
        return
    assert_close(_run(numtorch, choose), want)


def test_bad_backend_is_refused_with_pytorchs_error():
    def bad(L):
        import importlib
        with importlib.import_module(L.__name__ + ".nn.attention").sdpa_kernel("math"):
            pass
    assert_same_error(lambda: bad(torch), lambda: bad(numtorch))


def test_the_choice_is_restored_and_per_thread():
    from numtorch.nn.attention import SDPBackend, _state, sdpa_kernel
    before = _state.allowed
    seen = []
    with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):
        t = threading.Thread(target=lambda: seen.append(_state.allowed))
        t.start()
        t.join()
        assert _state.allowed == {SDPBackend.EFFICIENT_ATTENTION}
    assert _state.allowed == before and seen == [before]


@pytest.mark.parametrize("module,name", [("nn.modules.activation", "MultiheadAttention"),
                                         ("nn.attention", "SDPBackend"),
                                         ("nn.attention", "sdpa_kernel")])
def test_importable_where_pytorch_has_it(module, name):
    import importlib
    assert hasattr(importlib.import_module("torch." + module), name)
    assert hasattr(importlib.import_module("numtorch." + module), name)
