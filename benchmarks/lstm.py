"""LSTM training-step speed: numtorch against PyTorch, side by side, at one thread.

One step = zero_grad, forward, loss, backward, SGD step of a character-model-shaped network: a
2-layer ``nn.LSTM(64, 256)`` over a sequence of 64 steps and a batch of 32 (time-major input
``(64, 32, 64)``), then ``nn.Linear(256, 64)`` on every step's output and ``cross_entropy``
against random targets; ``SGD(lr=0.1)``.  Both libraries run the same code, several rounds
interleaved; the report gives medians (wall-clock and CPU ms per step) and the ratio
numtorch / PyTorch.  ``--profile`` adds a cProfile of numtorch's steps (top functions by own
time).

    python benchmarks/lstm.py [--steps 5] [--rounds 5] [--hidden 256] [--seq 64] [--batch 32]
                              [--profile]

Run it with ``OPENBLAS_NUM_THREADS=1`` (set here before NumPy loads when unset).
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cnn import cpu_model, load, print_race, profile, race  # noqa: E402


def library_step(L, hidden: int, seq: int, batch: int, features: int = 64, layers: int = 2):
    """One training step of the LSTM model in numtorch or PyTorch (the same code for both)."""
    L.manual_seed(0)
    nn = L.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(features, hidden, num_layers=layers)
            self.head = nn.Linear(hidden, features)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out.reshape(-1, hidden))

    model = Net()
    opt = L.optim.SGD(model.parameters(), lr=0.1)
    x = L.randn(seq, batch, features)
    y = L.randint(0, features, (seq * batch,))
    model.train()

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    names = ["numtorch"]
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is not None:
            names.append("pytorch")
    except ImportError:
        pass
    libs = {lib: load(lib) for lib in names}
    if "pytorch" not in libs:
        print("PyTorch not installed: numtorch alone")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, torch threads 1; 2-layer LSTM hidden "
          f"{args.hidden}, sequence {args.seq}, batch {args.batch}; "
          f"{args.rounds} rounds x {args.steps} steps")
    steps = {lib: library_step(L, args.hidden, args.seq, args.batch) for lib, L in libs.items()}
    med, cpu = race(steps, args.rounds, args.steps)
    figures = print_race(med, cpu)
    if args.profile:
        profile(steps["numtorch"], 15, args.steps)
    return figures


if __name__ == "__main__":
    main()
