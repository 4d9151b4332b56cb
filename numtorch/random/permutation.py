"""PyTorch's two random-permutation shuffles, replayed without a Python loop.

PyTorch's CPU ``randperm(n)`` is a sequential shuffle:

* ``n < (2**32 - 1) // 20`` (``SMALL_LIMIT``): forward Fisher-Yates.  Start from
  ``p = [0, 1, ..., n-1]``; for ``i = 0 .. n-2`` draw a 32-bit word ``w`` and swap
  ``p[i]`` with ``p[z_i]``, ``z_i = i + w % (n - i)``.
* larger ``n``: the "inside-out" variant on 64-bit words.  For ``i = 0 .. n-1``:
  ``z_i = W % (i + 1)``; ``r[i] = r[z_i]``; ``r[z_i] = i``.

All the words are drawn first (they do not depend on the data), so the whole
sequence of swap targets ``z`` is known in advance and only the data movement is
sequential.  Both shuffles are resolved from ``z`` with sorting and pointer jumping.

NOTE [ forward Fisher-Yates from its swap targets ]
    Step ``i`` fixes position ``i`` for good and only touches positions ``>= i``.
    Let ``V(q)`` be the value at position ``q`` just before step ``q``.  Position
    ``q`` changes before step ``q`` only at steps ``k < q`` with ``z_k = q``, each of
    which drops there the value position ``k`` held just before step ``k``, ``V(k)``.
    So, with ``L(q)`` the last step ``k < q`` with ``z_k = q``::

        V(q) = V(L(q)) if L(q) exists else q

    and the result is ``p[i] = V(k)`` for ``k`` the last step before ``i`` with the
    same target ``z_k = z_i``, or ``z_i`` itself when there is none (the target was
    untouched; when ``z_i = i`` this is ``V(i)``, by the same rule).  "The last
    earlier step with the same target" is the previous entry in a stable sort of the
    steps by target, and ``V`` follows chains of ``L`` down to a position nothing
    was dropped on, found for all positions at once by pointer doubling.  A value
    moves O(log n) times on average, so a handful of doublings suffice.

NOTE [ inside-out shuffle from its swap targets ]
    Step ``j`` writes ``j`` at ``z_j`` (``<= j``) and moves the old ``r[z_j]`` to
    ``j``.  So the final ``r[q]`` is the last ``j`` with ``z_j = q`` if there is one.
    Otherwise it is ``A(q)``, the value written at ``q`` by step ``q``: ``q`` if
    ``z_q = q``, else whatever sat at ``z_q`` just before step ``q``, which is the last
    earlier ``j`` with the same target if any, else (recursively) ``A(z_q)``.
"""

from __future__ import annotations

import numpy as np

from .engine import MT19937

__all__ = ["randperm", "SMALL_LIMIT"]

SMALL_LIMIT = 0xFFFFFFFF // 20  # PyTorch: n < uint32 max / 20 keeps the 32-bit shuffle


def _stable_order(z: np.ndarray) -> np.ndarray:
    """``argsort(z, kind="stable")`` for non-negative ``z``, as a radix sort on 16-bit digits
    (NumPy sorts 16-bit keys stably in linear time, several times faster than a merge sort)."""
    order = np.argsort((z & 0xFFFF).astype(np.uint16), kind="stable")
    for shift in range(16, int(z.max()).bit_length(), 16):
        digit = ((z[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
    return order


def _same_target_links(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``prev[i]``: the last step before ``i`` with the same target (-1 if none);
    ``last[q]``: the last step aiming at ``q`` (-1 if none), for ``q`` in ``range(len(z) + 1)``.

    A stable sort by target lists the steps grouped by target, in order within each group.
    """
    ks = _stable_order(z)
    zs = z[ks]
    same = zs[1:] == zs[:-1]
    prev = np.empty(z.size, dtype=z.dtype)
    prev[ks[0]] = -1
    prev[ks[1:]] = np.where(same, ks[:-1], -1)
    end = np.append(~same, True)  # the last entry of each target's run
    last = np.full(z.size + 1, -1, dtype=z.dtype)
    last[zs[end]] = ks[end]
    return prev, last


def _resolve(ptr: np.ndarray) -> np.ndarray:
    """Follow ``ptr`` to its fixed points (``ptr[r] == r``) for every node at once."""
    while True:
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            return ptr
        ptr = nxt


def forward_fisher_yates(z: np.ndarray) -> np.ndarray:
    """The permutation that swapping ``i <-> z[i]`` for ``i = 0 .. n-2`` makes of ``range(n)``
    (``z[i] >= i``; see NOTE [ forward Fisher-Yates from its swap targets ])."""
    n = z.size + 1
    steps = np.arange(n - 1, dtype=z.dtype)
    prev, last = _same_target_links(z)
    # L(q): the last step k < q with z_k = q.  Every step aiming at q is <= q, so it is the
    # last of q's run, or the one before it when that last one is q itself.
    self_aim = last[:-1] == steps
    last[:-1][self_aim] = prev[steps[self_aim]]
    pos = np.arange(n, dtype=z.dtype)
    v = _resolve(np.where(last >= 0, last, pos))
    out = np.empty(n, dtype=z.dtype)
    out[:-1] = np.where(prev >= 0, v[np.maximum(prev, 0)], z)
    out[-1] = v[-1]
    return out


def inside_out(z: np.ndarray) -> np.ndarray:
    """The result of ``r[i] = r[z[i]]; r[z[i]] = i`` for ``i = 0 .. n-1`` (``z[i] <= i``;
    see NOTE [ inside-out shuffle from its swap targets ])."""
    n = z.size
    pos = np.arange(n, dtype=z.dtype)
    prev, last = _same_target_links(z)
    # A(q): terminal nodes carry a value; the others point at z_q.
    value = np.where(z == pos, pos, prev)
    a = value[_resolve(np.where(value >= 0, pos, z))]
    return np.where(last[:n] >= 0, last[:n], a)


def randperm(eng: MT19937, n: int) -> np.ndarray:
    """A random permutation of ``range(n)`` drawn as PyTorch's CPU ``randperm`` draws it
    (as int32 when ``n < 2**31``, else int64; the caller casts to the result's dtype)."""
    if n < 2:  # no swaps, no draws
        return np.arange(n, dtype=np.int64)
    idx = np.int32 if n < 1 << 31 else np.int64  # narrow indices move half the memory
    if n < SMALL_LIMIT:
        steps = np.arange(n - 1, dtype=idx)
        z = (eng.words(n - 1) % (n - steps).astype(np.uint64)).astype(idx) + steps
        return forward_fisher_yates(z)
    z = np.empty(n, dtype=idx)
    for s in range(0, n, 1 << 24):  # in chunks: the words alone would be 16 bytes an element
        e = min(n, s + (1 << 24))
        z[s:e] = eng.words64(e - s) % np.arange(s + 1, e + 1, dtype=np.uint64)
    return inside_out(z)
