"""The default generator starts from the operating system's randomness, as PyTorch's does: an
unseeded process draws new numbers each run, a new ``Generator()`` starts from the fixed seed."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = "import {m}; print({m}.initial_seed(), {m}.rand(2).tolist())"


def _fresh(module: str) -> str:
    return subprocess.run([sys.executable, "-c", CODE.format(m=module)], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("module", ["numtorch", "torch"])
def test_unseeded_processes_differ(module):
    if module == "torch":
        pytest.importorskip("torch")
    first, second = _fresh(module), _fresh(module)
    assert first != second
    seed = int(first.split()[0])
    assert 0 <= seed < 2**64


def test_new_generator_starts_from_the_fixed_seed():
    import numtorch
    torch = pytest.importorskip("torch")
    assert numtorch.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
