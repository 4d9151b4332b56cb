"""A PyTorch DDP training script written for torchrun and the gloo backend, unmodified.

tests/distributed/test_ddp_torchrun.py runs it under numtorch's launcher on 2 processes
(where ``import torch`` is numtorch) and compares the saved weights with one PyTorch process.
Usage: ``torchrun --nproc-per-node 2 ddp_torchrun_script.py OUT.pt``.
"""

import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

EPOCHS, LOCAL_BATCH, SEED = 3, 16, 3


def dataset():
    g = torch.Generator().manual_seed(1)
    return TensorDataset(torch.randn(256, 20, generator=g), torch.randint(0, 4, (256,),
                                                                          generator=g))


def build():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 4), nn.LogSoftmax(dim=1))


def main(out):
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    model = build()
    ddp = DDP(model)
    ds = dataset()
    sampler = DistributedSampler(ds, seed=SEED)
    loader = DataLoader(ds, batch_size=LOCAL_BATCH, sampler=sampler)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.NLLLoss()
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(ddp(x), y)
            loss.backward()
            opt.step()
    if rank == 0:
        torch.save(ddp.module.state_dict(), out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
