"""Random numbers that are PyTorch's own: same seed, same draws, same state afterwards.

This is the one place numtorch's randomness comes from.  After ``manual_seed(s)``,
every function here (and every method such as ``Tensor.uniform_``) returns the numbers
PyTorch 2.13 returns on the CPU after ``torch.manual_seed(s)``, and leaves the generator
in the state PyTorch leaves it in, so a sequence of calls stays in lockstep.

How it is built, one concept a file:

* ``engine.py``: the mt19937 engine, seeded as PyTorch seeds it, with PyTorch's state
  blob.
* ``generator.py``: ``Generator`` and ``default_generator``, the handles on an engine.
* ``recipes.py``: the recipes turning words into samples, per dtype and size (uniform,
  normal in blocks of 16 or one by one, integers, bernoulli, exponential...).
* ``permutation.py``: ``randperm``'s sequential shuffles replayed with vectorised NumPy
  (sorting and pointer jumping), with the same result.
* ``numerics.py``: the fused multiply-add rounded once, as PyTorch's kernels compute it
  (shared with the optimizers' update rules); ``transcendentals.py``: the C library's
  ``log``/``sin``/... and the AVX2 float32 polynomials of the normal kernel.
* ``tensor_methods.py``: Tensor's in-place samplers (``uniform_``, ``normal_``,
  ``random_``, ``bernoulli_``...), attached to ``Tensor`` by ``numtorch._ops.registry``.
* ``functions.py``: the functions of the ``numtorch`` namespace (``rand``, ``randn``,
  ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``multinomial``...).

This module holds the public API (``__all__``, plus ``fork_rng``); the files above are
its implementation.

NOTE [ where numbers can differ from PyTorch ]
    * float32 ``normal_`` on 16 or more contiguous elements follows PyTorch's AVX2
      kernel bit for bit on x86-64.  Elsewhere (ARM, or ``ATEN_CPU_CAPABILITY=default``)
      PyTorch uses the C library's float ``logf``/``cosf``/``sinf``; we evaluate them
      in double and round, which can differ by 1-2 float32 ulps in about 1% of values.
    * ``bernoulli_(p)`` with a number ``p`` and ``exponential_`` (hence
      ``multinomial`` without replacement) use Intel MKL's own stream in some PyTorch
      builds on Intel CPUs; there numtorch gives PyTorch's default-kernel numbers,
      which have the same distribution but are not the same draws.

Example:
    >>> import numtorch
    >>> _ = numtorch.manual_seed(0)
    >>> numtorch.randperm(5).tolist()   # what torch.randperm(5) gives after torch.manual_seed(0)
    [4, 0, 1, 3, 2]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .._tensor import Tensor
from .functions import (
    bernoulli,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from .generator import Generator, check_seed, default_generator, nondeterministic_seed

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
    "rand_like", "randn_like", "randint_like",
]


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (any int in [-2**63, 2**64); negative ones wrap); returns it."""
    seed = int(seed)  # PyTorch's Python wrapper calls int(seed) first (floats, strings, tensors)
    return default_generator.manual_seed(check_seed(seed))


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    s = nondeterministic_seed()
    default_generator.manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state as a uint8 tensor (PyTorch's 5056-byte layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator from ``get_rng_state()`` (numtorch's or PyTorch's)."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type=None) -> Iterator[None]:
    """Run a block with the default generator's state saved before and restored after.

    Example:
        >>> import numtorch
        >>> with fork_rng():
        ...     _ = numtorch.rand(3)   # draws here do not disturb the stream outside
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


