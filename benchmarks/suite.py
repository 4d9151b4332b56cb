"""The speed suite: every figure issue 15 asks for, numtorch beside PyTorch and NumPy, in one run.

``make bench`` runs it; it prints each table as it goes and rewrites this machine's section of
``benchmarks/RESULTS.md`` (sections of other machines are kept, so figures from an Intel and an
AMD machine stand side by side, each under its CPU's name).

What is timed (medians of interleaved rounds: every contender once per round, so drift on a
busy machine hits all of them alike):

* **MLP training step**: the guide's network 784 -> H -> Tanh -> 10, LogSoftmax + NLLLoss, for H
  in {128, 512}, batch in {1, 32, 64, 128, 1024}, SGD, SGD with momentum 0.9 and Adam; the
  NumPy floor (the same step written by hand on arrays), numtorch and PyTorch, at one BLAS
  thread and again at two.
* **Inference** of the same network under ``no_grad``.
* **Dispatch**: a one-element add without and with ``requires_grad``; a 50-op elementwise
  chain on 8 elements, forward and backward.
* **DataLoader**: one shuffled epoch of an in-memory ``TensorDataset`` (60,000 x 784); a
  Dataset with a Python ``__getitem__`` and a ToTensor + Normalize transform, at 0 and 2 workers.
* **End to end**: one Fashion-MNIST epoch (H=128, batch 32, SGD lr 0.1) through the DataLoader
  (the Debian files when installed, random images of the same size otherwise), and one epoch of
  PyTorch's quickstart network (784-512-ReLU-512-ReLU-10, batch 64); the epoch's peak memory.
* **Import** time of ``import numtorch`` against ``import torch``.
* **Conv, GPT and LSTM** training steps (``cnn.py``, ``gpt.py``, ``lstm.py``, short runs).

    python benchmarks/suite.py [--quick] [--only SECTION ...] [--no-write]

For a fair NumPy, run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (``make bench``
does); the report names the BLAS kernels that ran (threadpoolctl).  PyTorch is optional: without
it only numtorch's and the floor's columns are filled.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import gzip
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numtorch  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:
    threadpool_info = threadpool_limits = None

FASHION = "/usr/share/datasets/fashion-mnist"
SECTIONS = ("mlp", "inference", "dispatch", "data", "e2e", "import", "layers")


# ---- timing ---------------------------------------------------------------------------------
def per_call(fn, budget: float) -> tuple:
    """Calls per timing block so that one block takes about ``budget`` seconds, and a warm-up."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(budget / one))


def race(contenders: dict, rounds: int, budget: float = 0.04) -> dict:
    """Median seconds per call of each contender over ``rounds`` interleaved blocks."""
    calls = {k: per_call(f, budget) for k, f in contenders.items()}
    times = {k: [] for k in contenders}
    for _ in range(rounds):
        for k, f in contenders.items():
            n = calls[k]
            gc.collect()
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            times[k].append((time.perf_counter() - t0) / n)
    return {k: statistics.median(v) for k, v in times.items()}


class threads:
    """Give NumPy's BLAS and PyTorch ``n`` threads inside the block."""

    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        self.limiter = threadpool_limits(self.n, user_api="blas") if threadpool_limits else None
        if torch is not None:
            self.old = torch.get_num_threads()
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.limiter is not None:
            self.limiter.unregister()
        if torch is not None:
            torch.set_num_threads(self.old)


def libs() -> dict:
    out = {"numtorch": numtorch}
    if torch is not None:
        out["pytorch"] = torch
    return out


# ---- the MLP: floor and libraries -------------------------------------------------------------
def floor_step(batch: int, hidden: int, opt: str, train: bool = True):
    """The guide's step written by hand on NumPy arrays (float32), with the optimizer's update."""
    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((hidden, 784)) * 0.03).astype(np.float32)
    b1 = np.zeros(hidden, np.float32)
    w2 = (rng.standard_normal((10, hidden)) * 0.03).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    rows = np.arange(batch)
    params = [w1, b1, w2, b2]
    lr = np.float32(1e-3 if opt == "adam" else 0.01)
    bufs = [np.zeros_like(p) for p in params]
    sq = [np.zeros_like(p) for p in params]
    state = {"t": 0}

    def forward():
        h = np.tanh(x @ w1.T + b1)
        z = h @ w2.T + b2
        z = z - z.max(1, keepdims=True)
        return h, z - np.log(np.exp(z).sum(1, keepdims=True))

    def update(grads):
        if opt == "sgd":
            for p, g in zip(params, grads):
                g *= lr
                p -= g
        elif opt == "momentum":
            for p, g, b in zip(params, grads, bufs):
                b *= np.float32(0.9)
                b += g
                p -= lr * b
        else:
            state["t"] += 1
            t = state["t"]
            c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
            for p, g, m, v in zip(params, grads, bufs, sq):
                m *= np.float32(0.9)
                m += np.float32(0.1) * g
                v *= np.float32(0.999)
                v += np.float32(0.001) * g * g
                d = np.sqrt(v)
                d /= np.float32(np.sqrt(c2))
                d += np.float32(1e-8)
                p -= np.float32(lr / c1) * m / d

    def step():
        h, logp = forward()
        gz = np.exp(logp)
        gz[rows, y] -= 1
        gz /= batch
        gh = (gz @ w2) * (1 - h * h)
        outer = batch == 1                  # an outer product: broadcasting beats matmul
        update([gh.T * x if outer else gh.T @ x, gh.sum(0),
                gz.T * h if outer else gz.T @ h, gz.sum(0)])
        return -logp[rows, y].mean()

    return step if train else (lambda: forward()[1])


def library_step(L, batch: int, hidden: int, opt: str, train: bool = True):
    """The same step in numtorch or PyTorch (identical code for both)."""
    L.manual_seed(0)
    nn = L.nn
    model = nn.Sequential(nn.Linear(784, hidden), nn.Tanh(), nn.Linear(hidden, 10),
                          nn.LogSoftmax(dim=1))
    if opt == "adam":
        o = L.optim.Adam(model.parameters(), lr=1e-3)
    else:
        o = L.optim.SGD(model.parameters(), lr=0.01, momentum=0.9 if opt == "momentum" else 0)
    loss_fn = nn.NLLLoss()
    x = L.randn(batch, 784)
    y = L.randint(0, 10, (batch,))
    if not train:
        def infer():
            with L.no_grad():
                return model(x)
        return infer

    def step():
        o.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        o.step()
        return loss
    return step


def run_mlp(args, out: list) -> None:
    batches = [1, 64, 1024] if args.quick else [1, 32, 64, 128, 1024]
    for n_threads in ([1] if args.quick else [1, 2]):
        with threads(n_threads):
            for hidden in (128, 512):
                for opt in ("sgd", "momentum", "adam"):
                    for batch in batches:
                        c = {"numpy floor": floor_step(batch, hidden, opt)}
                        c.update({k: library_step(L, batch, hidden, opt)
                                  for k, L in libs().items()})
                        med = race(c, args.rounds)
                        row = mlp_row(f"H={hidden} {opt} batch {batch}", n_threads, med)
                        row["target_pt"] = 1.0 if batch <= 128 else None
                        out.append(row)
                        show(row)


def run_inference(args, out: list) -> None:
    for n_threads in ([1] if args.quick else [1, 2]):
        with threads(n_threads):
            for hidden in (128, 512):
                for batch in (1, 64, 1024):
                    c = {"numpy floor": floor_step(batch, hidden, "sgd", train=False)}
                    c.update({k: library_step(L, batch, hidden, "sgd", train=False)
                              for k, L in libs().items()})
                    med = race(c, args.rounds)
                    row = mlp_row(f"no_grad H={hidden} batch {batch}", n_threads, med,
                                  target_floor=1.1)
                    out.append(row)
                    show(row)


def mlp_row(case: str, n_threads: int, med: dict, target_floor: float = 1.2) -> dict:
    return {"section": "mlp" if target_floor == 1.2 else "inference", "case": case,
            "threads": n_threads, "unit": "us", "scale": 1e6, "med": med,
            "target_floor": target_floor, "target_pt": None}


# ---- dispatch -------------------------------------------------------------------------------
def chain(x):
    """50 elementwise ops: ten rounds of multiply, add, tanh, multiply, subtract."""
    y = x
    for _ in range(10):
        y = (y * 0.9 + 0.1).tanh() * y - 0.05
    return y


def dispatch_cases(L) -> dict:
    a, b = L.ones(1), L.ones(1)
    ar = L.ones(1, requires_grad=True)
    x = L.linspace(-1, 1, 8).requires_grad_()

    def chain_fb():
        chain(x).sum().backward()

    def add100():
        for _ in range(100):
            a + b

    def add100_rg():
        for _ in range(100):
            ar + b

    return {"one-element add (x100)": add100, "one-element add, requires_grad (x100)": add100_rg,
            "50-op chain, forward + backward": chain_fb}


def run_dispatch(args, out: list) -> None:
    with threads(1):
        cases = {k: dispatch_cases(L) for k, L in libs().items()}
        for name in cases["numtorch"]:
            med = race({k: c[name] for k, c in cases.items()}, args.rounds * 2)
            scale = 1e4 if "x100" in name else 1e6      # us per single op for the adds
            row = {"section": "dispatch", "case": name.replace(" (x100)", ""), "threads": 1,
                   "unit": "us", "scale": scale, "med": med, "target_floor": None,
                   "target_pt": 0.75}
            out.append(row)
            show(row)


# ---- data -----------------------------------------------------------------------------------
class ItemDataset:
    """A Dataset with a Python ``__getitem__``: uint8 images through ToTensor + Normalize."""

    def __init__(self, L, images: np.ndarray, labels: np.ndarray):
        self.L, self.images, self.labels = L, images, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        t = self.L.from_numpy(self.images[i]).float().div(255).unsqueeze(0)
        return (t - 0.2860) / 0.3530, int(self.labels[i])


def fashion(split: str = "train") -> tuple:
    """Fashion-MNIST as uint8 arrays (Debian's files), or random images of the same shape."""
    prefix = "train" if split == "train" else "t10k"
    try:
        with gzip.open(f"{FASHION}/{prefix}-images-idx3-ubyte.gz") as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28).copy()
        with gzip.open(f"{FASHION}/{prefix}-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        return images, labels, "Fashion-MNIST"
    except OSError:
        rng = np.random.default_rng(0)
        n = 60000 if split == "train" else 10000
        return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n),
                "random images (Fashion-MNIST not installed)")


def loader_epoch(L, dataset, batch: int, workers: int = 0):
    def epoch():
        L.manual_seed(0)
        loader = L.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True,
                                         num_workers=workers)
        for _batch in loader:
            pass
    return epoch


def run_data(args, out: list) -> None:
    images, labels, _ = fashion()
    flat = (images.reshape(-1, 784).astype(np.float32) / 255)
    n_items = 5000 if args.quick else 10000
    with threads(1):
        tensor_ds = {k: L.utils.data.TensorDataset(L.from_numpy(flat), L.from_numpy(labels))
                     for k, L in libs().items()}
        cases = [("TensorDataset 60,000 x 784, batch 64", 0,
                  {k: loader_epoch(L, tensor_ds[k], 64) for k, L in libs().items()}, 1.0)]
        for w in (0, 2):
            cases.append((f"Python __getitem__ + transform, {n_items:,} items, batch 64, "
                          f"{w} workers", w,
                          {k: loader_epoch(L, ItemDataset(L, images[:n_items], labels[:n_items]),
                                           64, w) for k, L in libs().items()}, 1.0))
        for name, _, c, target in cases:
            med = race(c, max(3, args.rounds // 2), budget=0)
            row = {"section": "data", "case": name, "threads": 1, "unit": "ms", "scale": 1e3,
                   "med": med, "target_floor": None, "target_pt": target}
            out.append(row)
            show(row)


# ---- end to end -----------------------------------------------------------------------------
def epoch_fn(L, kind: str, images, labels):
    """One training epoch of ``kind`` ("fashion": 784-128-10, batch 32, SGD 0.1; "quickstart":
    784-512-512-10 ReLU, batch 64, SGD 1e-3) through a shuffled DataLoader."""
    nn = L.nn
    L.manual_seed(0)
    x = L.from_numpy(((images.reshape(-1, 784) / np.float32(255)) - np.float32(0.2860))
                     / np.float32(0.3530))
    ds = L.utils.data.TensorDataset(x, L.from_numpy(labels))
    if kind == "fashion":
        model = nn.Sequential(nn.Linear(784, 128), nn.Tanh(), nn.Linear(128, 10),
                              nn.LogSoftmax(dim=1))
        loss_fn, batch, lr = nn.NLLLoss(), 32, 0.1
    else:
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                              nn.ReLU(), nn.Linear(512, 10))
        loss_fn, batch, lr = nn.CrossEntropyLoss(), 64, 1e-3
    opt = L.optim.SGD(model.parameters(), lr=lr)

    def epoch():
        total = 0.0
        for xb, yb in L.utils.data.DataLoader(ds, batch_size=batch, shuffle=True):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
        return total
    return epoch


def run_e2e(args, out: list) -> None:
    images, labels, source = fashion()
    if args.quick:
        images, labels = images[:12000], labels[:12000]
    with threads(1):
        for kind, target, title in (("fashion", 0.7, f"{source} epoch, H=128, batch 32, SGD 0.1"),
                                    ("quickstart", 1.0, "quickstart 784-512-512-10 epoch, "
                                                        "batch 64")):
            c = {k: epoch_fn(L, kind, images, labels) for k, L in libs().items()}
            med = race(c, 3, budget=0)
            row = {"section": "e2e", "case": title, "threads": 1, "unit": "s", "scale": 1,
                   "med": med, "target_floor": None, "target_pt": target}
            out.append(row)
            show(row)
    mem = {}
    for lib in libs():
        line = subprocess.run([sys.executable, __file__, "--mem-child", lib]
                              + (["--quick"] if args.quick else []),
                              capture_output=True, text=True, check=True).stdout.split()
        mem[lib] = (float(line[0]), float(line[1]))
    for i, what in enumerate(("peak RSS of the process", "growth during the epoch")):
        row = {"section": "e2e", "case": f"Fashion-MNIST epoch: {what}", "threads": 1,
               "unit": "MiB", "scale": 1, "med": {k: v[i] for k, v in mem.items()},
               "target_floor": None, "target_pt": 1.0 if i == 0 else None}
        out.append(row)
        show(row)


def mem_child(lib: str, quick: bool) -> None:
    """Print the peak RSS (MiB) of one Fashion-MNIST epoch in a fresh process, and how far it
    rose above the resident size before the epoch (``VmHWM``: the peak of this process's own
    memory map, which, unlike ``ru_maxrss``, starts afresh at ``exec``)."""
    L = numtorch if lib == "numtorch" else __import__("torch")
    if lib == "pytorch":
        L.set_num_threads(1)
    images, labels, _ = fashion()
    if quick:
        images, labels = images[:12000], labels[:12000]
    epoch = epoch_fn(L, "fashion", images, labels)
    before = _status("VmRSS")
    epoch()
    peak = _status("VmHWM")
    print(f"{peak:.1f} {peak - before:.1f}")


def _status(key: str) -> float:
    """A ``/proc/self/status`` memory figure in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---- import -----------------------------------------------------------------------------------
def run_import(args, out: list) -> None:
    names = {"numtorch": "numtorch", "pytorch": "torch"}
    have = [k for k in names if k in libs()]
    times = {k: [] for k in have}
    code = "import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)"
    # bytecode cached first, as after an install (pip compiles a wheel's modules; an editable
    # install or PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on each import)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for k in have:
        subprocess.run([sys.executable, "-c", f"import {names[k]}"], env=env, check=True)
    for _ in range(3 if args.quick else 7):
        for k in have:
            r = subprocess.run([sys.executable, "-c", code.format(names[k])],
                               capture_output=True, text=True, check=True)
            times[k].append(float(r.stdout))
    row = {"section": "import", "case": "import time (fresh process, bytecode cached)",
           "threads": 1,
           "unit": "s", "scale": 1, "med": {k: statistics.median(v) for k, v in times.items()},
           "target_floor": None, "target_pt": 0.3}
    out.append(row)
    show(row)


# ---- conv, GPT and LSTM -----------------------------------------------------------------------
def run_layers(args, out: list) -> None:
    import cnn
    import gpt
    import lstm
    with threads(1):
        cases = [("CNN: examples/mnist step, batch 64",
                  {k: cnn.library_step(L, "mnist", 64) for k, L in libs().items()}),
                 ("CNN: CIFAR-10 step with BatchNorm2d, batch 64",
                  {k: cnn.library_step(L, "cifar", 64) for k, L in libs().items()}),
                 ("GPT: 4 layers, width 128, context 64, batch 32",
                  {k: gpt.library_step(k, L, 32, 64, 4, 4, 128) for k, L in libs().items()}),
                 ("LSTM: 2 layers, hidden 256, sequence 64, batch 32",
                  {k: lstm.library_step(L, 256, 64, 32) for k, L in libs().items()})]
        for name, c in cases:
            med = race(c, 3 if args.quick else 5, budget=0.3)
            row = {"section": "layers", "case": name, "threads": 1, "unit": "ms", "scale": 1e3,
                   "med": med, "target_floor": None, "target_pt": 1.0}
            out.append(row)
            show(row)


# ---- report -----------------------------------------------------------------------------------
def ratio(row: dict, a: str, b: str):
    m = row["med"]
    return m[a] / m[b] if a in m and b in m and m[b] else None


def verdict(row: dict) -> str:
    """"met" when every target of the row is met, else which ones were missed ("" if none)."""
    marks, missed = 0, []
    for ref, key, short in (("numpy floor", "target_floor", "floor"),
                            ("pytorch", "target_pt", "torch")):
        r, t = ratio(row, "numtorch", ref), row[key]
        if r is not None and t is not None:
            marks += 1
            if r > t:
                missed.append(f"{short} missed")
    if not marks:
        return ""
    return "; ".join(missed) if missed else "met"


def fmt(v, row) -> str:
    return "" if v is None else f"{v * row['scale']:.4g}"


def show(row: dict) -> None:
    m = row["med"]
    cells = [f"{k} {fmt(m[k], row)}" for k in m]
    rs = [f"/{'floor' if ref == 'numpy floor' else 'torch'} {r:.2f}"
          for ref in ("numpy floor", "pytorch") if (r := ratio(row, "numtorch", ref))]
    print(f"  [{row['threads']}t] {row['case']}: {', '.join(cells)} {row['unit']}; "
          f"{' '.join(rs)} {verdict(row)}", flush=True)


TITLES = {"mlp": "Training step of the guide's network (us per step)",
          "inference": "Inference under no_grad (us per call)",
          "dispatch": "Dispatch (us per call)",
          "data": "DataLoader (ms per epoch)",
          "e2e": "End to end (s per epoch; MiB)",
          "import": "Import (s)",
          "layers": "Conv, GPT, LSTM training steps (ms per step)"}


def target_text(row: dict) -> str:
    parts = []
    if row["target_floor"] is not None:
        parts.append(f"<= {row['target_floor']} floor")
    if row["target_pt"] is not None:
        parts.append(f"<= {row['target_pt']} torch")
    return ", ".join(parts)


def markdown(rows: list, header: str) -> str:
    lines = [header, ""]
    for sec in SECTIONS:
        sel = [r for r in rows if r["section"] == sec]
        if not sel:
            continue
        lines += [f"#### {TITLES[sec]}", "",
                  "| case | threads | numpy floor | numtorch | pytorch | nt/floor | nt/torch "
                  "| target | |", "|---|---|---|---|---|---|---|---|---|"]
        for r in sel:
            m = r["med"]
            rf, rp = ratio(r, "numtorch", "numpy floor"), ratio(r, "numtorch", "pytorch")
            lines.append(f"| {r['case']} | {r['threads']} | {fmt(m.get('numpy floor'), r)} | "
                         f"{fmt(m.get('numtorch'), r)} | {fmt(m.get('pytorch'), r)} | "
                         f"{'' if rf is None else f'{rf:.2f}'} | "
                         f"{'' if rp is None else f'{rp:.2f}'} | {target_text(r)} | "
                         f"{verdict(r)} |")
        lines.append("")
    met = sum(verdict(r) == "met" for r in rows)
    missed = sum("missed" in verdict(r) for r in rows)
    lines.insert(2, f"Targets met in {met} rows, missed in {missed}.\n")
    return "\n".join(lines)


def machine() -> tuple:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        cpu = platform.processor() or cpu
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            txt = f.read()
        flags = "AVX-512" if "avx512f" in txt else ("AVX2" if "avx2" in txt else "")
    except OSError:
        pass
    blas = "threadpoolctl not installed"
    if threadpool_info:
        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} "
                         f"{i.get('architecture')}" for i in threadpool_info()
                         if i.get("user_api") == "blas")
    versions = (f"Python {platform.python_version()}, numpy {np.__version__}, numtorch "
                f"{numtorch.__version__}" + (f", torch {torch.__version__}" if torch else ""))
    return cpu, flags, blas, versions


def write_results(path: str, body: str, cpu: str) -> None:
    """Replace this CPU's section of RESULTS.md (``## Machine: <cpu>``), keeping the others."""
    head = ("# Benchmark results\n\nWritten by `python benchmarks/suite.py` (`make bench`). Each "
            "machine has its own section, named by its CPU model; a run replaces its own "
            "machine's section and keeps the others. Ratios are numtorch's time over the "
            "reference's (below 1: numtorch is faster). Medians of interleaved rounds.\n")
    sections = {}
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
        for m in re.finditer(r"^## Machine: (.+?)\n(.*?)(?=^## Machine: |\Z)", text, re.M | re.S):
            sections[m.group(1).strip()] = m.group(0).rstrip() + "\n"
        head = text.split("## Machine: ")[0].rstrip() + "\n" if "## Machine: " in text else head
    sections[cpu] = body.rstrip() + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(head + "\n" + "\n".join(sections[k] for k in sorted(sections)))
    os.replace(tmp, path)


RUNNERS = {"mlp": run_mlp, "inference": run_inference, "dispatch": run_dispatch,
           "data": run_data, "e2e": run_e2e, "import": run_import, "layers": run_layers}


def main(argv=None) -> list:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer sizes and rounds (a smoke run)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds per race (default 5; 3 "
                    "with --quick)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--mem-child", choices=["numtorch", "pytorch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.mem_child:
        mem_child(args.mem_child, args.quick)
        return []
    args.rounds = args.rounds or (3 if args.quick else 5)
    cpu, flags, blas, versions = machine()
    print(f"CPU: {cpu} ({flags}), {os.cpu_count()} cores; BLAS: {blas}; {versions}", flush=True)
    if torch is None:
        print("PyTorch not installed: numtorch and the floor alone")
    t0 = time.perf_counter()
    rows: list = []
    for sec in SECTIONS:
        if sec in args.only:
            print(f"\n{TITLES[sec]}", flush=True)
            RUNNERS[sec](args, rows)
    took = time.perf_counter() - t0
    print(f"\nsuite: {took / 60:.1f} min")
    header = (f"## Machine: {cpu}\n\n{datetime.date.today()}, {cpu} ({flags}), "
              f"{os.cpu_count()} cores; BLAS: {blas}; {versions}; "
              f"`python benchmarks/suite.py{' --quick' if args.quick else ''}` "
              f"({args.rounds} rounds, {took / 60:.1f} min)"
              + ("" if args.only == list(SECTIONS) else f"; sections: {', '.join(args.only)}")
              + ".")
    if not args.no_write:
        write_results(args.out, markdown(rows, header), cpu)
        print(f"wrote {args.out}")
    return rows


if __name__ == "__main__":
    main()
