"""Initialisation speed: huge layers in numtorch against PyTorch, same seed, same numbers.

Times, interleaved round by round (every contender once per round) so machine drift cancels:

* ``Linear(25088, 4096)``: VGG's first classifier layer, 103M parameters, constructed
  (``kaiming_uniform_`` on the weight, ``uniform_`` on the bias);
* ``normal_()`` and ``normal_(0, 0.01)`` (VGG's Linear initialisation) on a float32 tensor
  of ``--n`` elements (default 100M), allocated once and refilled;
* ``normal_(0.1, 0.02)``, the route through the exact fused multiply-add (``mean != 0``).

The report gives medians in seconds, nanoseconds per element and the ratio to PyTorch,
which runs at ``--threads`` threads (default 1, as numtorch's NumPy kernels do).  Before
timing, one draw of each is compared with PyTorch's bit for bit (a small ``--check-n``).

    python benchmarks/init.py [--n 100000000] [--rounds 3] [--threads 1]

PyTorch is optional; without it only numtorch's times are printed.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

import numpy as np

import numtorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn import cpu_model  # noqa: E402 (benchmarks/cnn.py: shared helpers)


def _timed(fn) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cases(lib, n: int) -> dict:
    """The timed calls of one library; the tensor is allocated (and touched) once."""
    x = lib.zeros(n)

    def linear():
        m = lib.nn.Linear(25088, 4096)
        del m

    return {"Linear(25088, 4096)": linear,
            "normal_()": lambda: x.normal_(),
            "normal_(0, 0.01)": lambda: x.normal_(0.0, 0.01),
            "normal_(0.1, 0.02)": lambda: x.normal_(0.1, 0.02)}


def check(torch, n: int) -> None:
    """One draw of each kind equal to PyTorch's, bit for bit."""
    for args in [(), (0.0, 0.01), (0.1, 0.02)]:
        numtorch.manual_seed(0)
        torch.manual_seed(0)
        a = numtorch.empty(n).normal_(*args).numpy()
        b = torch.empty(n).normal_(*args).numpy()
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32)), args


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000_000, help="elements of the normal_ tensor")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="PyTorch's intra-op threads")
    ap.add_argument("--check-n", type=int, default=1_000_003)
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
    print(f"CPU: {cpu_model()}; numpy {np.__version__}"
          + (f", torch {torch.__version__} at {args.threads} thread(s)" if torch else ""))
    contenders = {"numtorch": cases(numtorch, args.n)}
    if torch is not None:
        torch.set_num_threads(args.threads)
        check(torch, args.check_n)
        contenders["pytorch"] = cases(torch, args.n)
    times: dict = {}
    for _ in range(args.rounds):
        for lib, calls in contenders.items():
            for name, fn in calls.items():
                times.setdefault(name, {}).setdefault(lib, []).append(_timed(fn))
    med = {name: {lib: statistics.median(v) for lib, v in per.items()}
           for name, per in times.items()}
    head = ("case", "numtorch s", "ns/el", "pytorch s", "ns/el", "ratio")
    print("{:22} {:>11} {:>7} {:>10} {:>7} {:>6}".format(*head))
    for name, per in med.items():
        n = 25088 * 4097 if name.startswith("Linear") else args.n
        nt, pt = per["numtorch"], per.get("pytorch")
        row = f"{name:22} {nt:11.3f} {nt / n * 1e9:7.1f}"
        if pt is not None:
            row += f" {pt:10.3f} {pt / n * 1e9:7.1f} {nt / pt:6.2f}"
        print(row)
    return med


if __name__ == "__main__":
    main()
