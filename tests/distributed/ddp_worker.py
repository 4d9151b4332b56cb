"""The DDP scenarios, run on every rank under ``mpiexec -n 2`` (tests/distributed/test_ddp_*.py).

``python ddp_worker.py OUTDIR CASE...``: each case saves what it observed on this rank to
``OUTDIR/<case>_<rank>.npz`` (weights, gradients, inputs, messages); the tests compare
those files with PyTorch run in the test process, and the ranks with each other.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

import numtorch as torch
import numtorch.distributed as dist
from numtorch import nn
from numtorch.nn.parallel import DistributedDataParallel as DDP
from numtorch.utils.data import DataLoader, DistributedSampler, TensorDataset

IN, HID, OUT = 24, 16, 5  # the guide's network, small: Linear-Tanh-Linear-LogSoftmax
N, GLOBAL_BATCH, STEPS, LR = 192, 32, 50, 0.1


def guide_net():
    return nn.Sequential(nn.Linear(IN, HID), nn.Tanh(), nn.Linear(HID, OUT), nn.LogSoftmax(dim=1))


def data(n=N, seed=0):
    g = np.random.default_rng(seed)
    return (g.standard_normal((n, IN)).astype(np.float32), g.integers(0, OUT, n))


def weights(m):
    return {f"w_{k}": v.detach().numpy().copy() for k, v in m.state_dict().items()}


def grads(m, prefix="g"):
    return {f"{prefix}_{k}": (np.array([]) if p.grad is None else p.grad.numpy().copy())
            for k, p in m.named_parameters()}


def message(fn):
    """``(type name, message)`` of what ``fn()`` raises."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (any error is reported to the test)
        return np.array([type(e).__name__, str(e)])
    return np.array(["", ""])


# --- the cases ------------------------------------------------------------------------------

def case_train(rank, world):
    """50 SGD steps of the guide's network on DistributedSampler-split batches."""
    torch.manual_seed(100 + rank)  # different initial weights: DDP broadcasts rank 0's
    model = guide_net()
    init = weights(model)
    ddp = DDP(model, bucket_cap_mb=0.0003)  # two buckets: (b2, W2), (b1, W1)
    start = weights(model)
    X, Y = data()
    ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, seed=7)
    loader = DataLoader(ds, batch_size=GLOBAL_BATCH // world, sampler=sampler)
    opt = torch.optim.SGD(ddp.parameters(), lr=LR)
    loss_fn = nn.NLLLoss()
    step, epoch = 0, 0
    while step < STEPS:
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(ddp(xb), yb).backward()
            opt.step()
            step += 1
            if step == STEPS:
                break
        epoch += 1
    return {**{f"init_{k}": v for k, v in init.items()}, **{f"start_{k}": v for k, v in
            start.items()}, **weights(model), "buckets": np.array(len(ddp.reducer.buckets))}


def case_no_sync(rank, world):
    """Two micro-batches under no_sync, a third synchronised: one big batch's gradient."""
    torch.manual_seed(0)
    model = guide_net()
    ddp = DDP(model)
    X, Y = data(6 * 8, seed=3)  # micro-batch k of rank r: rows [(2k + r) * 8, (2k + r + 1) * 8)
    loss_fn = nn.NLLLoss()
    out = {}
    for k in range(3):
        rows = slice((2 * k + rank) * 8, (2 * k + rank + 1) * 8)
        xb, yb = torch.from_numpy(X[rows]), torch.from_numpy(Y[rows])
        if k < 2:
            with ddp.no_sync():
                loss_fn(ddp(xb), yb).backward()
            if k == 0:
                out.update(grads(model, "local"))
        else:
            loss_fn(ddp(xb), yb).backward()
    return {**out, **grads(model), **weights(model)}


class Branchy(nn.Module):
    """``unused`` never takes part; ``sometimes`` only on rank 0."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(IN, HID)
        self.b = nn.Linear(HID, OUT)
        self.unused = nn.Linear(HID, HID)
        self.sometimes = nn.Linear(HID, HID)
        self.use_sometimes = False

    def forward(self, x):
        h = torch.tanh(self.a(x))
        if self.use_sometimes:
            h = torch.tanh(self.sometimes(h))
        return self.b(h)


def case_unused(rank, world):
    torch.manual_seed(0)
    model = Branchy()
    model.use_sometimes = rank == 0
    ddp = DDP(model, find_unused_parameters=True)
    X, _ = data(8 * world, seed=5)
    ddp(torch.from_numpy(X[rank * 8:(rank + 1) * 8])).sum().backward()
    out = {**grads(model), **weights(model)}
    # a second iteration is reduced too (the first one finished)
    model.zero_grad()
    ddp(torch.from_numpy(X[rank * 8:(rank + 1) * 8])).sum().backward()
    out.update(grads(model, "second"))
    # without find_unused_parameters an unused parameter leaves the reduction unfinished:
    # PyTorch's error at the next forward
    torch.manual_seed(0)
    strict = DDP(Branchy())
    strict(torch.from_numpy(X[:4])).sum().backward()
    out["strict_error"] = message(lambda: strict(torch.from_numpy(X[:4])))
    with torch.no_grad():
        out["strict_no_grad"] = message(lambda: strict(torch.from_numpy(X[:4])))
    return out


def case_graphs(rank, world):
    """Backward passes whose graphs are not one forward's: a weight penalty on the parameters
    added to the loss, two forwards feeding one loss, a forward with grad and no backward
    before the real one, an unrelated backward in between."""
    torch.manual_seed(0)
    model = guide_net()
    ddp = DDP(model)
    X, Y = data(4 * 8, seed=11)
    x = [torch.from_numpy(X[(2 * k + rank) * 8:(2 * k + rank + 1) * 8]) for k in range(2)]
    y = [torch.from_numpy(Y[(2 * k + rank) * 8:(2 * k + rank + 1) * 8]) for k in range(2)]
    loss_fn = nn.NLLLoss()
    out = weights(model)
    penalty = sum((p * p).sum() for p in ddp.parameters())
    (loss_fn(ddp(x[0]), y[0]) + 0.01 * penalty).backward()
    out.update(grads(model, "penalty"))
    model.zero_grad()
    (loss_fn(ddp(x[0]), y[0]) + loss_fn(ddp(x[1]), y[1])).backward()
    out.update(grads(model, "two"))
    model.zero_grad()
    ddp(x[1])  # an evaluation forward with grad on, never backpropagated
    loss = loss_fn(ddp(x[0]), y[0])
    other = torch.ones(3, requires_grad=True)
    (other * 2).sum().backward()  # a backward that does not reach the model
    loss.backward()
    out.update(grads(model, "stale"))
    return out


class WithNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(IN, HID)
        self.bn = nn.BatchNorm1d(HID)
        self.b = nn.Linear(HID, OUT)

    def forward(self, x):
        return self.b(self.bn(self.a(x)))


def case_buffers(rank, world):
    """Rank 0's buffers reach every rank before each forward (unless turned off)."""
    out = {}
    X, _ = data(8 * world, seed=9)
    xb = torch.from_numpy(X[rank * 8:(rank + 1) * 8])
    for name, kw in (("sync", {}), ("nosync", {"broadcast_buffers": False})):
        torch.manual_seed(rank)
        model = WithNorm()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ddp = DDP(model, **kw)
        out[f"{name}_init_mean"] = model.bn.running_mean.numpy().copy()
        ddp(xb).sum().backward()  # local statistics: the ranks differ now
        out[f"{name}_after1"] = model.bn.running_mean.numpy().copy()
        seen = []
        h = model.register_forward_pre_hook(
            lambda m, a, seen=seen: seen.append(m.bn.running_mean.numpy().copy()))
        ddp(xb).sum().backward()
        h.remove()
        out[f"{name}_seen2"] = seen[0]
    torch.manual_seed(0)
    ddp = DDP(WithNorm())
    out["keys"] = np.array(list(ddp.state_dict().keys()))
    out["param_names"] = np.array([n for n, _ in ddp.named_parameters()])
    return out


def case_errors(rank, world):
    lin = nn.Linear(2, 2)
    frozen = nn.Linear(2, 2)
    frozen.requires_grad_(False)
    out = {
        "device_ids": message(lambda: DDP(lin, device_ids=[0])),
        "output_device": message(lambda: DDP(lin, output_device=1)),
        "two_devices": message(lambda: DDP(lin, device_ids=[0, 1])),
        "frozen": message(lambda: DDP(frozen)),
    }
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        DDP(lin, check_reduction=True)
        DDP(lin, broadcast_buffers=True)
    out["warnings"] = np.array([f"{x.category.__name__}: {x.message}" for x in w])
    return out


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main(outdir, names):
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    for name in names:
        result = CASES[name](rank, world)
        np.savez(os.path.join(outdir, f"{name}_{rank}.npz"), **result)
        dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
