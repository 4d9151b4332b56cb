"""Exhaustive check of numtorch's float32 GELU (``approximate='none'``) over every float32 input.

Two checks, each over all bit patterns, in chunks (a few minutes in all):

``fma``    for every non-negative float32 ``x`` (the kernel works on ``|x|`` and copies the
           sign), ``1 + _erf_gelu32(x)`` -- each fused step computed as ``fl32(fl64(p x + c))``
           -- equals ``1 + erf`` with the same polynomial evaluated through the exact float32
           fused multiply-add ``numtorch.random.numerics.fma32`` (one rounding, midpoints
           corrected), bit for bit; the inputs where erf itself differs are listed.  This is
           the proof behind NOTE [ gelu's float32 erf ]: double rounding never reaches gelu.
``torch``  for all 2^32 inputs, numtorch's float32 gelu forward equals PyTorch's bit for bit
           (nan compared as nan); run on a CPU where PyTorch's capability is AVX-512.

    python benchmarks/gelu_exhaustive.py [--check fma|torch|all] [--chunk-bits 24]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from numtorch._ops import activation  # noqa: E402
from numtorch._ops import elementwise as E  # noqa: E402
from numtorch.random.numerics import fma32  # noqa: E402


def exact_erf(a: np.ndarray) -> np.ndarray:
    """erf(a / sqrt 2) for non-negative float32 ``a``: the interval index from the bits and the
    degree-5 polynomial evaluated with the exact ``fma32``, written from the NOTE directly."""
    idx = (a.view(np.int32) + E._GELU_IDX_BIAS) >> 21
    np.clip(idx, 1, 24, out=idx)
    idx[a > E._GELU_ERF_ONE] = 23
    pol = E._GELU_POLY[5][idx].astype(np.float32)
    for d in range(4, -1, -1):
        pol = fma32(pol, a, E._GELU_POLY[d][idx].astype(np.float32))
    return pol


def same(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Elementwise: equal bits, or both nan."""
    return (p.view(np.uint32) == q.view(np.uint32)) | (np.isnan(p) & np.isnan(q))


def check_fma(chunk: int) -> int:
    """Count the inputs where ``1 + erf`` (all that gelu and its gradient read) differs; list
    those where erf itself differs (by one ulp, where erf is too small to move ``1 + erf``)."""
    bad = 0
    one = np.float32(1)
    with np.errstate(all="ignore"):
        for start in range(0, 1 << 31, chunk):
            a = np.arange(start, start + chunk, dtype=np.uint32).view(np.float32)
            fast, exact = E._erf_gelu32(a), exact_erf(a)
            ok = same(fast, exact)
            for i in np.flatnonzero(~ok):
                print(f"  erf differs at x = {a[i]!r}: {fast[i]!r} (fl32(fl64)), {exact[i]!r} "
                      f"(fma); 1 + erf: {one + fast[i]!r}, {one + exact[i]!r}", flush=True)
            bad += int((~same(one + fast, one + exact)).sum())
    return bad


def check_torch(chunk: int) -> int:
    import torch
    cap = torch.backends.cpu.get_cpu_capability()
    if not cap.startswith("AVX512"):
        print(f"torch: skipped (PyTorch's CPU capability is {cap}, not AVX-512)")
        return 0
    torch.set_num_threads(1)
    bad = 0
    with np.errstate(all="ignore"):
        for start in range(0, 1 << 32, chunk):
            x = np.arange(start, start + chunk, dtype=np.uint32).view(np.float32)
            ref = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
            ok = same(activation._gelu_erf(x), ref)
            if not ok.all():
                bad += int((~ok).sum())
                print(f"  torch: {(~ok).sum()} differ, first x = {x[~ok][0]!r}", flush=True)
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", choices=("fma", "torch", "all"), default="all")
    ap.add_argument("--chunk-bits", type=int, default=24)
    args = ap.parse_args()
    chunk = 1 << args.chunk_bits
    bad = 0
    for name, fn in (("fma", check_fma), ("torch", check_torch)):
        if args.check in (name, "all"):
            t = time.perf_counter()
            n = fn(chunk)
            print(f"{name}: {n} inputs differ ({time.perf_counter() - t:.0f} s)", flush=True)
            bad += n
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
