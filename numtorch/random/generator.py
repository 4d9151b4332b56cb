"""``Generator``: a handle on one random stream, and the default one every function uses.

A Generator owns an ``MT19937`` engine (``numtorch.random.engine``).  Functions that
take ``generator=None`` draw from ``default_generator``.  As in PyTorch, a new ``Generator()``
starts from the fixed default seed 67280421310721, while ``default_generator`` starts from 64
bits of the operating system's randomness: an unseeded script draws different numbers on every
run, and ``manual_seed`` makes it repeatable (and PyTorch's numbers, draw for draw).

Example:
    >>> g = Generator().manual_seed(0)
    >>> g.initial_seed()
    0
    >>> tuple(g.get_state().shape)
    (5056,)
"""

from __future__ import annotations

import os

import numpy as np

from .._size import device as _device
from .._tensor import Tensor, _wrap
from .engine import LEGACY_STATE_SIZE, MT19937, STATE_SIZE

__all__ = ["Generator", "default_generator", "resolve", "nondeterministic_seed", "check_seed"]

_U64 = 1 << 64


def nondeterministic_seed() -> int:
    """A fresh 53-bit seed from the operating system (what ``seed()`` uses)."""
    return int.from_bytes(os.urandom(8), "little") & ((1 << 53) - 1)


def check_seed(seed, who: str = "manual_seed") -> int:
    """The seed as an unsigned 64-bit int; negative seeds wrap as in PyTorch."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"{who} expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed < _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


class Generator:
    """A CPU random number generator: mt19937 seeded and stepped exactly like PyTorch's.

    Args:
        device: only ``"cpu"`` is supported.

    Example:
        >>> g = Generator().manual_seed(42)
        >>> state = g.get_state()
        >>> _ = g.set_state(state)
    """

    __slots__ = ("_engine", "__weakref__")

    def __init__(self, device="cpu"):
        d = device if isinstance(device, _device) else _device(device)
        if d.type not in ("cpu", "cuda"):
            raise RuntimeError(f"{d.type.upper()} device type not an accelerator.")
        if d.type != "cpu":
            raise RuntimeError(
                "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend "
                "into two shared libraries: a CPU library and a CUDA library; this error has "
                "occurred because you are trying to use some CUDA functionality, but the CUDA "
                "library has not been loaded by the dynamic linker for some reason.")
        self._engine = MT19937()

    @property
    def device(self) -> _device:
        return _device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to ``seed`` (any int in [-2**63, 2**64)); returns the generator."""
        self._engine.reseed(check_seed(seed))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed used."""
        s = nondeterministic_seed()
        self._engine.reseed(s)
        return s

    def initial_seed(self) -> int:
        """The seed last set by ``manual_seed`` or ``seed``."""
        return self._engine.seed

    def get_state(self) -> Tensor:
        """The whole state as a uint8 tensor in PyTorch's layout (see NOTE [ state blob ])."""
        return _wrap(self._engine.to_bytes())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state`` (of this library or of PyTorch); returns the
        generator."""
        if not isinstance(new_state, Tensor):
            cls = type(new_state)
            name = (cls.__name__ if cls.__module__ == "builtins"
                    else f"{cls.__module__}.{cls.__name__}")
            raise TypeError(f"expected a torch.ByteTensor, but got {name}")
        if new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        blob = np.ascontiguousarray(new_state._data).ravel()
        if blob.size not in (STATE_SIZE, LEGACY_STATE_SIZE):
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found "
                               f"the input RNG state size to be {blob.size}")
        self._engine.from_bytes(blob)
        return self

    def clone_state(self) -> Generator:
        """A new generator in the same state."""
        g = Generator()
        g._engine = self._engine.clone()
        return g

    def __reduce__(self):
        return (_restore, (self._engine.to_bytes().tobytes(),))

    def __repr__(self) -> str:
        return f"<numtorch.Generator object at {hex(id(self))}>"


def _restore(blob: bytes) -> Generator:
    g = Generator()
    g._engine.from_bytes(np.frombuffer(blob, dtype=np.uint8))
    return g


default_generator = Generator()
default_generator.manual_seed(int.from_bytes(os.urandom(8), "little"))   # as PyTorch's at start


def resolve(generator, who: str) -> MT19937:
    """The engine to draw from: ``generator``'s, or the default one's when it is None."""
    if generator is None:
        return default_generator._engine
    if not isinstance(generator, Generator):
        raise TypeError(f"{who}(): argument 'generator' must be torch.Generator, "
                        f"not {type(generator).__name__}")
    return generator._engine
