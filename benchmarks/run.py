"""Training-step speed: numtorch against PyTorch and against hand-written NumPy, side by side.

The model is the guide's network on MNIST-sized inputs (784 -> 128 -> Tanh -> 10,
LogSoftmax, NLLLoss, SGD), one step = zero_grad, forward, backward, step.  Each
contender runs the same number of steps in turn, several rounds interleaved; the
report gives medians (in microseconds per step) and ratios to the NumPy floor.
Machines are noisy: read the ratios, not single times.

    python benchmarks/run.py [--steps 200] [--rounds 5] [--batch 64] [--threads 1]

PyTorch is optional (``pip install torch``); without it, its column is skipped.
For a fair NumPy, run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; the BLAS
that ran is reported (via threadpoolctl when installed).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import numtorch


def numpy_floor(batch: int, n_in: int, n_hidden: int, n_out: int):
    """The same step written by hand on NumPy arrays: the speed a NumPy library can hope for."""
    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((n_hidden, n_in)) * 0.03).astype(np.float32)
    b1 = np.zeros(n_hidden, np.float32)
    w2 = (rng.standard_normal((n_out, n_hidden)) * 0.03).astype(np.float32)
    b2 = np.zeros(n_out, np.float32)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, batch)
    lr = np.float32(0.01)
    rows = np.arange(batch)

    def step():
        h = np.tanh(x @ w1.T + b1)
        z = h @ w2.T + b2
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        loss = -logp[rows, y].mean()
        gz = np.exp(logp)
        gz[rows, y] -= 1
        gz /= batch
        gw2 = gz.T @ h
        gb2 = gz.sum(0)
        gh = (gz @ w2) * (1 - h * h)
        gw1 = gh.T @ x
        gb1 = gh.sum(0)
        for p, g in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
            p -= lr * g
        return loss
    return step


def library_step(L, batch: int, n_in: int, n_hidden: int, n_out: int):
    """One training step in numtorch or PyTorch (the code is the same for both)."""
    L.manual_seed(0)
    model = L.nn.Sequential(L.nn.Linear(n_in, n_hidden), L.nn.Tanh(), L.nn.Linear(n_hidden, n_out),
                            L.nn.LogSoftmax(dim=1))
    opt = L.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = L.nn.NLLLoss()
    x = L.randn(batch, n_in)
    y = L.randint(0, n_out, (batch,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def time_steps(step, steps: int) -> float:
    """Median seconds per step over ``steps`` calls (after a short warm-up)."""
    for _ in range(5):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
                     f"threads={i.get('num_threads')}" for i in threadpool_info())


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads for every contender (PyTorch and NumPy alike); 1 is the steadiest",
    )
    args = ap.parse_args(argv)
    limiter = _limit_threads(args.threads)
    shape = (args.batch, 784, 128, 10)
    contenders = {"numpy floor": numpy_floor(*shape), "numtorch": library_step(numtorch, *shape)}
    try:
        import torch
        torch.set_num_threads(args.threads)
        contenders["pytorch"] = library_step(torch, *shape)
    except ImportError:
        pass
    results = {k: [] for k in contenders}
    for _ in range(args.rounds):
        for name, step in contenders.items():
            results[name].append(time_steps(step, args.steps))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"MLP 784-128-10, batch {args.batch}, {args.rounds} rounds x {args.steps} steps, "
        f"{args.threads} thread(s); BLAS: {blas_info()}"
    )
    print(f"{'contender':<12} {'us/step':>10} {'vs numpy':>10}")
    for k, v in med.items():
        print(f"{k:<12} {v * 1e6:>10.1f} {v / med['numpy floor']:>10.2f}")
    if "pytorch" in med:
        print(f"numtorch / pytorch: {med['numtorch'] / med['pytorch']:.2f}")
    del limiter
    return med


def _limit_threads(n: int):
    """Give NumPy's BLAS ``n`` threads, as PyTorch gets (needs threadpoolctl; else NumPy keeps its
    own)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl not installed: NumPy's BLAS keeps its default thread count")
        return None
    return threadpool_limits(limits=n, user_api="blas")


if __name__ == "__main__":
    main()
