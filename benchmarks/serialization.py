"""Checkpoint speed: ``save`` and ``load`` of a state dict in numtorch against PyTorch.

The state dict is that of ``Sequential`` of ``Linear(1024, 1024)`` layers, float32: 10 layers
for the 40 MB case, 100 for the 400 MB one (4 MiB of weight and 4 KiB of bias each).  Both
libraries hold the same values and write PyTorch's zip format, to files in one temporary
folder (``--dir``, default the system's), so on the same disk, under the same file name
(the records inside a zip checkpoint are named after the file).  Each round times, in turn:

* ``save``: numtorch's (atomic: a temporary file, flushed, ``fsync``ed, renamed over the
  old file, the folder ``fsync``ed), PyTorch's (the file truncated and rewritten in place, no
  ``fsync``), and PyTorch's made atomic and durable in numtorch's way ("pytorch atomic"),
  which separates the cost of the atomic, durable write from the cost of the format;
* ``load`` (``weights_only=True``, the default of both), and ``load(mmap=True)``.

Rounds are interleaved (every contender once per round), the report gives medians in
milliseconds, ratios to PyTorch, and the sizes of the files, which are equal.  Loads read
files the page cache has just seen, for both libraries alike.  Machines are noisy: read the
ratios, not single times.

    python benchmarks/serialization.py [--sizes 40 400] [--rounds 5] [--dir PATH]

PyTorch is optional (``pip install torch``); without it, only numtorch's times are printed.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time

import numtorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn import cpu_model  # noqa: E402 (benchmarks/cnn.py: shared helpers)

WIDTH = 1024
LAYER_MB = WIDTH * (WIDTH + 1) * 4 / 2**20  # one Linear(1024, 1024), float32, in MiB


def make_state_dicts(n_layers: int, torch=None) -> dict:
    """The numtorch state dict (and PyTorch's, with the same values) of ``n_layers`` layers."""
    numtorch.manual_seed(0)
    model = numtorch.nn.Sequential(*[numtorch.nn.Linear(WIDTH, WIDTH) for _ in range(n_layers)])
    out = {"numtorch": model.state_dict()}
    if torch is not None:  # the same model in PyTorch, so that ``_metadata`` is there too
        twin = torch.nn.Sequential(*[torch.nn.Linear(WIDTH, WIDTH) for _ in range(n_layers)])
        twin.load_state_dict({k: torch.from_numpy(v.detach().numpy())
                              for k, v in out["numtorch"].items()})
        out["pytorch"] = twin.state_dict()
    return out


def _timed(fn) -> float:
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    del result
    return elapsed


def _save_atomic(torch, sd, path: str) -> None:
    """``torch.save`` made atomic and durable the way numtorch's ``save`` is."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(sd, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def bench_size(n_layers: int, rounds: int, folder: str, torch=None) -> dict:
    """Median seconds per contender and the file sizes, for one state-dict size."""
    sds = make_state_dicts(n_layers, torch)
    # one file name in two sub-folders: the zip's record names start with the file's stem
    paths = {k: os.path.join(folder, k, "model.pt") for k in ("numtorch", "pytorch")}
    for p in paths.values():
        os.makedirs(os.path.dirname(p), exist_ok=True)
    cases = {"save numtorch": lambda: numtorch.save(sds["numtorch"], paths["numtorch"])}
    if torch is not None:
        cases["save pytorch"] = lambda: torch.save(sds["pytorch"], paths["pytorch"])
        # to a file of its own: PyTorch names the records of a file object ``archive/...``
        cases["save pytorch atomic"] = lambda: _save_atomic(
            torch, sds["pytorch"], os.path.join(folder, "pytorch", "atomic.pt"))
    cases["load numtorch"] = lambda: numtorch.load(paths["numtorch"])
    if torch is not None:
        cases["load pytorch"] = lambda: torch.load(paths["pytorch"])
    cases["load mmap numtorch"] = lambda: numtorch.load(paths["numtorch"], mmap=True)
    if torch is not None:
        cases["load mmap pytorch"] = lambda: torch.load(paths["pytorch"], mmap=True)
    times = {k: [] for k in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            times[name].append(_timed(fn))
    sizes = {k: os.path.getsize(p) for k, p in paths.items() if os.path.exists(p)}
    if torch is not None:  # the files hold the same tensors: check it once, outside the timing
        a, b = numtorch.load(paths["numtorch"]), torch.load(paths["pytorch"])
        assert list(a) == list(b) and all((a[k].numpy() == b[k].numpy()).all() for k in a)
    for k in paths:
        shutil.rmtree(os.path.join(folder, k), ignore_errors=True)
    return {"median": {k: statistics.median(v) for k, v in times.items()}, "sizes": sizes}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40, 400],
                    help="state-dict sizes in MiB (rounded to whole Linear(1024, 1024) layers)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--dir", default=None, help="where the files go (default: a temp folder)")
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
    folder = tempfile.mkdtemp(prefix="numtorch-bench-", dir=args.dir)
    print(f"save/load of float32 state dicts, {args.rounds} interleaved rounds, medians; "
          f"{cpu_model()}, {os.cpu_count()} cores; files in {folder}")
    results = {}
    try:
        for mb in args.sizes:
            n_layers = max(1, round(mb / LAYER_MB))
            r = results[mb] = bench_size(n_layers, args.rounds, folder, torch)
            med = r["median"]
            print(f"\n{n_layers} x Linear({WIDTH}, {WIDTH}), {n_layers * LAYER_MB:.1f} MiB; file "
                  "bytes: " + ", ".join(f"{k} {v:,}" for k, v in r["sizes"].items()))
            print(f"{'case':<22} {'ms':>9} {'vs pytorch':>11}")
            for name, v in med.items():
                ref = med.get(name.replace("numtorch", "pytorch").replace(" atomic", ""))
                ratio = f"{v / ref:>11.2f}" if ref and torch is not None else f"{'':>11}"
                print(f"{name:<22} {v * 1e3:>9.1f} {ratio}")
            if "save pytorch atomic" in med:
                print(f"save numtorch / save pytorch atomic: "
                      f"{med['save numtorch'] / med['save pytorch atomic']:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
