"""DistributedDataParallel step time on 1 and 2 processes, numtorch (MPI) against PyTorch (gloo).

``python benchmarks/ddp.py`` times one training step of the guide's network (784 -> 128 ->
Tanh -> 10, LogSoftmax, NLLLoss, SGD) at a fixed global batch (1024): one process on the
whole batch, then two processes on 512 rows each (the batch a DistributedSampler would give
them), each process on one BLAS thread.  It prints, per library and process count, the
median step time, the time a step spends blocked in all-reduce (launch and wait, numtorch
only: what DDP's backward waits for, including waiting for a slower rank), the time of one
all-reduce of the whole gradient on its own, the same step without DDP (the compute alone,
with the processes sharing the machine), and the scaling efficiency

    efficiency = t(1 process, batch B) / (2 * t(2 processes, batch B / 2 each))

(1.0: two processes take half the time of one).  numtorch's ranks start with ``mpiexec``,
PyTorch's with ``python -m torch.distributed.run`` (torchrun); PyTorch is skipped if that
fails.  Each setting runs ``--rounds`` times, alternating libraries; medians over rounds.

The same file is the worker: ``--worker numtorch|pytorch`` runs the timed loop in a rank.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn import cpu_model  # noqa: E402 (benchmarks/cnn.py: shared helpers)

IN, HID, OUT = 784, 128, 10


# --- the worker (one rank) --------------------------------------------------------------------

class _TimedDist:
    """Forwards to ``numtorch.distributed``, adding up the seconds spent in all-reduce calls
    and in waiting for their results."""

    def __init__(self, dist):
        self._dist = dist
        self.ReduceOp = dist.ReduceOp
        self.seconds = 0.0

    def all_reduce(self, *args, **kwargs):
        t0 = time.perf_counter()
        work = self._dist.all_reduce(*args, **kwargs)
        self.seconds += time.perf_counter() - t0
        return _TimedWork(work, self) if work is not None else None


class _TimedWork:
    def __init__(self, work, owner):
        self._work, self._owner = work, owner

    def wait(self, *args, **kwargs):
        t0 = time.perf_counter()
        out = self._work.wait(*args, **kwargs)
        self._owner.seconds += time.perf_counter() - t0
        return out


def worker(lib: str, batch: int, steps: int) -> None:
    if lib == "numtorch":
        import numtorch as torch
        import numtorch.distributed as dist
        dist.init_process_group("mpi")
    else:
        import torch
        import torch.distributed as dist
        torch.set_num_threads(1)
        dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(IN, HID), nn.Tanh(), nn.Linear(HID, OUT), nn.LogSoftmax(dim=1))
    model = nn.parallel.DistributedDataParallel(net)
    timed = None
    if lib == "numtorch":  # count the seconds DDP's reducer spends in all-reduce
        timed = _TimedDist(model.reducer.dist)
        model.reducer.dist = timed
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.NLLLoss()
    local = batch // world
    g = np.random.default_rng(rank)
    x = torch.from_numpy(g.standard_normal((local, IN)).astype(np.float32))
    y = torch.from_numpy(g.integers(0, OUT, local))

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    times, comm = [], []
    for _ in range(steps):
        dist.barrier()
        before = timed.seconds if timed else 0.0
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        comm.append((timed.seconds - before) if timed else float("nan"))
    plain_opt = torch.optim.SGD(net.parameters(), lr=0.01)

    def plain_step():  # the same step without DDP: the compute, and what sharing costs it
        plain_opt.zero_grad()
        loss_fn(net(x), y).backward()
        plain_opt.step()

    plain = []
    for _ in range(steps):
        dist.barrier()
        t0 = time.perf_counter()
        plain_step()
        plain.append(time.perf_counter() - t0)
    grad = torch.zeros(sum(p.numel() for p in net.parameters()))
    alone = []
    for _ in range(steps):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(grad)
        alone.append(time.perf_counter() - t0)
    row = {"step_ms": statistics.median(times) * 1e3, "blocked_ms": statistics.median(comm) * 1e3,
           "allreduce_ms": statistics.median(alone) * 1e3,
           "local_ms": statistics.median(plain) * 1e3, "params": int(grad.numel())}
    rows = [None] * world
    dist.all_gather_object(rows, row)
    if rank == 0:
        print("RESULT " + json.dumps({k: max(r[k] for r in rows) for k in row}))
    dist.destroy_process_group()


# --- the driver ---------------------------------------------------------------------------------

def launch(lib: str, world: int, batch: int, steps: int):
    """Run the worker on ``world`` ranks; its result, or None if the launcher failed."""
    me = os.path.abspath(__file__)
    args = ["--worker", lib, "--batch", str(batch), "--steps", str(steps)]
    if lib == "numtorch":
        mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
        mpiexec = mpiexec if os.path.exists(mpiexec) else shutil.which("mpiexec")
        cmd = [mpiexec, "-n", str(world), sys.executable, me, *args]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(world),
               "--master-port", str(29400 + world), me, *args]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(me))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(f"  ({lib}, {world} processes failed: {(proc.stderr or proc.stdout)[-400:]})")
    return None


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1024, help="global batch")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per run")
    ap.add_argument("--rounds", type=int, default=3, help="runs per setting, interleaved")
    ap.add_argument("--no-pytorch", action="store_true")
    ap.add_argument("--worker", choices=["numtorch", "pytorch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.batch, args.steps)
        return {}
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores, load average {load()}; the guide's "
          f"network {IN}-{HID}-{OUT}, global batch {args.batch}, {args.steps} steps x "
          f"{args.rounds} rounds, one BLAS thread per process")
    libs = ["numtorch"] + ([] if args.no_pytorch else ["pytorch"])
    runs: dict = {(lib, w): [] for lib in libs for w in (1, 2)}
    for _ in range(args.rounds):
        for lib in libs:
            for w in (1, 2):
                r = launch(lib, w, args.batch, args.steps)
                if r is not None:
                    runs[(lib, w)].append(r)
    summary: dict = {}
    print(f"{'library':<9} {'procs':>5} {'step ms':>8} {'blocked in all-reduce':>22} "
          f"{'one all-reduce ms':>18} {'step without DDP ms':>20}")
    for (lib, w), rs in runs.items():
        if not rs:
            continue
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        summary[(lib, w)] = med
        blocked = ("-" if med["blocked_ms"] != med["blocked_ms"] else
                   f"{med['blocked_ms']:.2f} ms ({med['blocked_ms'] / med['step_ms']:.0%})")
        print(f"{lib:<9} {w:>5} {med['step_ms']:>8.2f} {blocked:>22} "
              f"{med['allreduce_ms']:>18.3f} {med['local_ms']:>20.2f}")
    for lib in libs:
        if (lib, 1) in summary and (lib, 2) in summary:
            eff = summary[(lib, 1)]["step_ms"] / (2 * summary[(lib, 2)]["step_ms"])
            print(f"{lib}: scaling efficiency 1 -> 2 processes {eff:.2f} "
                  f"(speed-up {2 * eff:.2f}x)")
    for w in (1, 2):
        if ("numtorch", w) in summary and ("pytorch", w) in summary:
            ratio = summary[("numtorch", w)]["step_ms"] / summary[("pytorch", w)]["step_ms"]
            print(f"numtorch / pytorch step time, {w} process{'es' if w > 1 else ''}: "
                  f"{ratio:.2f}")
    print(f"load average at the end: {load()}")
    return summary


def load() -> str:
    """The 1-minute load average (other jobs on the machine skew the figures)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
