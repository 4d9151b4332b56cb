"""The Mersenne Twister behind every CPU generator, seeded and serialised as PyTorch does.

PyTorch's CPU generator is mt19937 (Matsumoto and Nishimura, 1998) plus two cached
normal samples.  Seeding follows the reference recipe on the low 32 bits of the seed::

    state[0] = seed & 0xffffffff
    state[j] = 1812433253 * (state[j-1] ^ (state[j-1] >> 30)) + j      (mod 2**32)

and the twist happens lazily, on the first draw.  NumPy's ``MT19937`` bit generator
runs the same twister; we load our key into it and read raw 32-bit words with
``random_raw``, so no twister is written in Python.

A 64-bit draw is two words, the first one the high half (``random64``).

NOTE [ state blob ]
    ``get_state`` returns PyTorch's 5056-byte ``CPUGeneratorImplState`` layout, so a
    state saved by one library loads in the other:

    ======  ========  =============================================================
    offset  type      field
    ======  ========  =============================================================
    0       uint64    initial seed
    8       int32     ``left``: draws until the next twist, plus one
    12      int32     ``seeded`` (1)
    16      uint64    ``next``: index of the next word in ``state``
    24      uint64[]  the 624 state words
    5016    float64   normal_x (unused, 0)
    5024    float64   normal_y: the cached double normal sample
    5032    float64   normal_rho (unused, 0)
    5040    int32     normal_is_valid
    5048    float32   the cached float normal sample
    5052    bool      whether the float cache is valid
    ======  ========  =============================================================
"""

from __future__ import annotations

import functools
import struct

import numpy as np

__all__ = ["MT19937", "DEFAULT_SEED", "STATE_SIZE", "LEGACY_STATE_SIZE"]

DEFAULT_SEED = 67280421310721  # the seed of a new Generator() before any manual_seed, as in PyTorch
N = 624
STATE_SIZE = 5056
LEGACY_STATE_SIZE = 5048
_HEAD = struct.Struct("<QiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
_MASK32 = 0xFFFFFFFF


@functools.lru_cache(maxsize=64)
def _seed_key(seed: int) -> np.ndarray:
    """The 624-word key of ``seed`` (cached: NumPy copies it when the state is set)."""
    key = np.empty(N, dtype=np.uint32)
    x = seed & _MASK32
    key[0] = x
    for j in range(1, N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & _MASK32
        key[j] = x
    return key


class MT19937:
    """mt19937 state plus PyTorch's normal-sample caches.

    Attributes:
        seed: the 64-bit seed last set (``initial_seed``).
        next_double_normal: cached second sample of a Box-Muller pair, or None.
        next_float_normal: the float counterpart (kept for the state blob).
    """

    __slots__ = ("_bg", "seed", "_fresh", "next_double_normal", "next_float_normal")

    def __init__(self, seed: int = DEFAULT_SEED):
        self._bg = np.random.MT19937(0)
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Seed as ``mt19937(seed)`` does, and clear the normal caches."""
        self.seed = seed
        key = _seed_key(seed & _MASK32)
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": N}}
        self._fresh = True
        self.next_double_normal = None
        self.next_float_normal = None

    # ---- draws ------------------------------------------------------------------------
    def words(self, n: int) -> np.ndarray:
        """``n`` 32-bit words (``random()``), as a uint64 array."""
        self._fresh = False
        return self._bg.random_raw(n)

    def words64(self, n: int) -> np.ndarray:
        """``n`` 64-bit words (``random64()``): two words each, the first the high half."""
        w = self.words(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    # ---- state ------------------------------------------------------------------------
    def clone(self) -> MT19937:
        c = MT19937.__new__(MT19937)
        c._bg = np.random.MT19937(0)
        c._bg.state = self._bg.state
        c.seed = self.seed
        c._fresh = self._fresh
        c.next_double_normal = self.next_double_normal
        c.next_float_normal = self.next_float_normal
        return c

    def to_bytes(self) -> np.ndarray:
        """The state as PyTorch's 5056-byte blob (see NOTE [ state blob ])."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        nxt = 0 if self._fresh else pos
        head = _HEAD.pack(self.seed & 0xFFFFFFFFFFFFFFFF, N + 1 - pos, 1, nxt)
        body = np.asarray(st["key"], dtype="<u8").tobytes()
        dn, fn = self.next_double_normal, self.next_float_normal
        tail = _TAIL.pack(0.0, 0.0 if dn is None else dn, 0.0, dn is not None,
                          0.0 if fn is None else fn, fn is not None)
        return np.frombuffer(head + body + tail, dtype=np.uint8).copy()

    def from_bytes(self, blob: np.ndarray) -> None:
        """Load a 5056-byte (or legacy 5048-byte) blob written by ``to_bytes`` or by PyTorch."""
        raw = blob.tobytes()
        seed, left, _seeded, _nxt = _HEAD.unpack_from(raw, 0)
        key = np.frombuffer(raw, dtype="<u8", count=N, offset=_HEAD.size).astype(np.uint32)
        pos = N + 1 - left
        if not 0 <= pos <= N:
            raise RuntimeError("Invalid mt19937 state")
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self.seed = seed
        self._fresh = pos == N and _nxt == 0
        off = _HEAD.size + 8 * N
        _x, ny, _rho, valid = struct.unpack_from("<dddi", raw, off)
        self.next_double_normal = ny if valid else None
        self.next_float_normal = None
        if len(raw) >= STATE_SIZE:
            fn, fvalid = struct.unpack_from("<f?", raw, off + 32)
            self.next_float_normal = fn if fvalid else None
