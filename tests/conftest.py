"""Shared test helpers: PyTorch is the oracle.

Policy: a test file that compares with PyTorch starts with ``torch = pytest.importorskip("torch")``
(the ``test`` extra installs it), so without PyTorch only the tests that need no oracle run
(golden files, the structure checks).  The helpers here import it the same way.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

try:
    import torch
except ImportError:  # pragma: no cover - the test extra installs it
    torch = None

from hypothesis import settings

import numtorch

# Scripts that the distributed tests launch as programs (torchrun-style, top-level code that joins
# a process group): not modules to import while collecting doctests.
collect_ignore_glob = ["distributed/*_script.py"]

# hypothesis draws from a fixed seed, so a run is repeatable (set HYPOTHESIS_PROFILE=explore to vary
# it)
settings.register_profile("fixed", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)
    yield
    numtorch.set_default_dtype(numtorch.float32)
    if torch is not None:
        torch.set_default_dtype(torch.float32)


def to_np(t) -> np.ndarray:
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_close(nt, tt, rtol=None, atol=None, check_dtype=True):
    """numtorch tensor ``nt`` equals torch tensor ``tt`` in shape, dtype and value (torch's
    tolerances)."""
    assert tuple(nt.shape) == tuple(tt.shape), f"shape {tuple(nt.shape)} != {tuple(tt.shape)}"
    if check_dtype:
        assert str(nt.dtype) == str(tt.dtype), f"dtype {nt.dtype} != {tt.dtype}"
    torch.testing.assert_close(torch.from_numpy(np.array(to_np(nt))), tt.detach(), rtol=rtol,
                               atol=atol, equal_nan=True, check_dtype=False)


def assert_same_error(torch_call, numtorch_call):
    """Both calls raise, with the same exception type and the same message (warnings silenced)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as texc:
            torch_call()
        with pytest.raises(Exception) as nexc:
            numtorch_call()
    assert type(nexc.value).__name__ == type(texc.value).__name__
    assert str(nexc.value) == str(texc.value)


# NOTE [ PyTorch's MKL random stream ]
# On Intel CPUs some PyTorch builds draw bernoulli_(float p) and exponential_ (hence Dropout masks
# and multinomial without replacement) from Intel MKL's own stream, which numtorch does not
# reproduce (same distribution, different draws; see numtorch/random/).  Where that is so, the
# tests that compare those exact draws with PyTorch's are skipped, with the reason; elsewhere
# (e.g. AMD CPUs) they run.
_MKL_DRAWS = (
    "dropout", "bernoulli", "exponential", "multinomial", "lockstep", "nn_tutorial", "more_nn",
    "alpha_dropout", "geometric",
)


def _torch_uses_another_stream() -> bool:
    if torch is None:
        return False
    torch.manual_seed(0)
    numtorch.manual_seed(0)
    a = torch.empty(64).bernoulli_(0.5).tolist()
    b = numtorch.empty(64).bernoulli_(0.5).tolist()
    return a != b


def pytest_collection_modifyitems(config, items):
    if not _torch_uses_another_stream():
        return
    skip = pytest.mark.skip(
        reason="this PyTorch draws bernoulli/exponential from Intel MKL's stream here "
        "(NOTE [ PyTorch's MKL random stream ] in tests/conftest.py)"
    )
    for item in items:
        if any(k in item.nodeid.lower() for k in _MKL_DRAWS):
            item.add_marker(skip)
