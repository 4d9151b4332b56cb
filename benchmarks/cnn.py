"""CNN training-step speed and peak memory: numtorch against PyTorch, side by side.

Two models, one step = zero_grad, forward, loss, backward, optimizer step, batch 64:

- **mnist**: the network of PyTorch's ``examples/mnist/main.py`` (Conv2d(1, 32, 3), ReLU,
  Conv2d(32, 64, 3), ReLU, max_pool2d(2), Dropout(0.25), Linear(9216, 128), ReLU, Dropout(0.5),
  Linear(128, 10), log_softmax + nll_loss, Adadelta lr=1) on 1x28x28 inputs;
- **cifar**: a small CIFAR-10 CNN (two blocks of Conv2d 3x3 pad 1, BatchNorm2d, ReLU,
  max_pool2d(2), with 32 and 64 channels, then Linear(4096, 128), ReLU, Linear(128, 10),
  cross_entropy, SGD lr=0.01 momentum=0.9) on 3x32x32 inputs.  When ``numtorch.nn`` has no
  ``BatchNorm2d`` both libraries run it without the BatchNorm layers, and the report says so.

Both libraries run the same code, at one thread, several rounds interleaved; the report gives
medians (wall-clock and CPU ms per step) and the ratios numtorch / PyTorch.  Peak memory is each
library's step in a fresh subprocess of its own: ``ru_maxrss`` after the steps, and its growth over
the ``ru_maxrss`` reached once the model, data and optimizer are built (the step's own peak).

    python benchmarks/cnn.py [--steps 10] [--rounds 5] [--batch 64] [--models mnist cifar]
                             [--profile TOP]

Run it with ``OPENBLAS_NUM_THREADS=1`` (set here before NumPy loads when unset).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def mnist_net(L):
    """PyTorch's ``examples/mnist`` network, written against the library ``L``."""
    nn, F = L.nn, L.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = L.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)
    return Net()


def cifar_net(L, bn: bool):
    """A small CIFAR-10 CNN; ``bn`` adds a BatchNorm2d after each convolution."""
    nn = L.nn

    def block(cin, cout):
        layers = [nn.Conv2d(cin, cout, 3, padding=1)]
        if bn:
            layers.append(nn.BatchNorm2d(cout))
        return layers + [nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(3, 32), *block(32, 64), nn.Flatten(), nn.Linear(64 * 8 * 8, 128),
                         nn.ReLU(), nn.Linear(128, 10))


def has_bn() -> bool:
    import numtorch
    return hasattr(numtorch.nn, "BatchNorm2d")


def library_step(L, model_name: str, batch: int):
    """One training step of ``model_name`` in numtorch or PyTorch (the same code for both)."""
    L.manual_seed(0)
    if model_name == "mnist":
        model = mnist_net(L)
        opt = L.optim.Adadelta(model.parameters(), lr=1.0)
        x = L.randn(batch, 1, 28, 28)

        def loss_fn(out, y):
            return L.nn.functional.nll_loss(out, y)
    else:
        model = cifar_net(L, has_bn())
        opt = L.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = L.randn(batch, 3, 32, 32)
        loss_fn = L.nn.functional.cross_entropy
    y = L.randint(0, 10, (batch,))
    model.train()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def load(lib: str):
    if lib == "numtorch":
        import numtorch
        return numtorch
    import torch
    torch.set_num_threads(1)
    return torch


def time_steps(step, steps: int) -> tuple:
    """Median wall-clock and CPU seconds per step over ``steps`` calls (after two warm-ups).

    Both libraries run on one thread, so CPU time is the work done; on a shared, loaded machine
    it varies far less than wall-clock time, which also counts the time others held the core.
    """
    for _ in range(2):
        step()
    wall, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def peak_memory(lib: str, model_name: str, batch: int, steps: int) -> tuple:
    """``(maxrss, step growth)`` in MiB of ``steps`` steps of ``lib``, in a fresh subprocess."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--mem-child", lib,
                          "--models", model_name, "--batch", str(batch), "--steps", str(steps)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[-2]), float(out[-1])


def _mem_child(lib: str, model_name: str, batch: int, steps: int) -> None:
    step = library_step(load(lib), model_name, batch)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(steps):
        step()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{after / 1024:.1f} {(after - before) / 1024:.1f}")


def race(steps: dict, rounds: int, n: int) -> tuple:
    """Time each library's ``step`` ``n`` times a round, the libraries interleaved within every
    round; the medians over rounds of wall and CPU seconds per step, by library."""
    results = {lib: [] for lib in steps}
    for _ in range(rounds):
        for lib, step in steps.items():
            results[lib].append(time_steps(step, n))
    med = {lib: statistics.median(w for w, _ in v) for lib, v in results.items()}
    cpu = {lib: statistics.median(c for _, c in v) for lib, v in results.items()}
    return med, cpu


def print_race(med: dict, cpu: dict) -> dict:
    """The table of ``race``'s medians and the numtorch / PyTorch ratios; the figures in ms."""
    print(f"{'library':<10} {'ms/step':>9} {'CPU ms/step':>12}")
    for lib in med:
        print(f"{lib:<10} {med[lib] * 1e3:>9.1f} {cpu[lib] * 1e3:>12.1f}")
    if "pytorch" in med:
        print(f"numtorch / pytorch: time {med['numtorch'] / med['pytorch']:.2f}, "
              f"CPU time {cpu['numtorch'] / cpu['pytorch']:.2f}")
    return {"ms": {k: v * 1e3 for k, v in med.items()},
            "cpu_ms": {k: v * 1e3 for k, v in cpu.items()}}


def profile(step, top: int, n: int = 5) -> None:
    """The top ``top`` functions (by own time) of a cProfile of ``n`` steps, after two warm-up
    steps."""
    import cProfile
    import pstats

    for _ in range(2):
        step()
    prof = cProfile.Profile(time.process_time)  # CPU time: steadier on a shared machine
    prof.enable()
    for _ in range(n):
        step()
    prof.disable()
    print(f"\nnumtorch, cProfile of {n} steps (top {top} by own time):")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--models", nargs="+", default=["mnist", "cifar"], choices=["mnist", "cifar"])
    ap.add_argument("--profile", type=int, default=0, metavar="TOP",
                    help="also print numtorch's cProfile (CPU time) of each model's step, "
                         "the TOP functions by own time")
    ap.add_argument("--mem-child", choices=["numtorch", "pytorch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.mem_child:
        _mem_child(args.mem_child, args.models[0], args.batch, args.steps)
        return {}
    # Memory first, while this process is still small: Linux carries ru_maxrss across fork and
    # exec, so a child started from a process that has loaded both libraries would inherit it.
    names = ["numtorch"]
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is not None:
            names.append("pytorch")
    except ImportError:
        pass
    mem = {m: {lib: peak_memory(lib, m, args.batch, 3) for lib in names} for m in args.models}
    libs = {lib: load(lib) for lib in names}
    if "pytorch" not in libs:
        print("PyTorch not installed: numtorch alone")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, torch threads 1; batch {args.batch}, "
          f"{args.rounds} rounds x {args.steps} steps")
    report = {}
    for model_name in args.models:
        steps = {lib: library_step(L, model_name, args.batch) for lib, L in libs.items()}
        med, cpu = race(steps, args.rounds, args.steps)
        title = model_name if model_name == "mnist" else \
            f"cifar ({'with' if has_bn() else 'WITHOUT'} BatchNorm2d)"
        print(f"\n{title}")
        print(f"{'library':<10} {'ms/step':>9} {'CPU ms/step':>12} {'maxrss MiB':>11} "
              f"{'step peak MiB':>14}")
        for lib in steps:
            print(f"{lib:<10} {med[lib] * 1e3:>9.1f} {cpu[lib] * 1e3:>12.1f} "
                  f"{mem[model_name][lib][0]:>11.1f} "
                  f"{mem[model_name][lib][1]:>14.1f}")
        if "pytorch" in med:
            m = mem[model_name]
            print(f"numtorch / pytorch: time {med['numtorch'] / med['pytorch']:.2f}, "
                  f"CPU time {cpu['numtorch'] / cpu['pytorch']:.2f}, "
                  f"step peak memory {m['numtorch'][1] / m['pytorch'][1]:.2f}")
        if args.profile:
            profile(library_step(libs["numtorch"], model_name, args.batch), args.profile)
        report[model_name] = {
            "ms": {k: v * 1e3 for k, v in med.items()},
            "cpu_ms": {k: v * 1e3 for k, v in cpu.items()}, "mem": mem[model_name],
        }
    return report


if __name__ == "__main__":
    main()
