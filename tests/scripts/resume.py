"""Checkpoint and resume: a resumed run continues exactly where it stopped, printed like PyTorch."""

import os
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make():
    model = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    return model, opt, sched


def run_epoch(model, opt, loader):
    model.train()
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


torch.manual_seed(0)
data = TensorDataset(torch.randn(64, 10), torch.randint(0, 3, (64,)))
gen = torch.Generator().manual_seed(1)
loader = DataLoader(data, batch_size=16, shuffle=True, generator=gen)
model, opt, sched = make()
path = os.path.join(sys.argv[1], "ckpt.pt")
for epoch in range(2):
    print(epoch, f"{run_epoch(model, opt, loader):.6f}", sched.get_last_lr())
    sched.step()
torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
            "rng": torch.get_rng_state(), "gen": gen.get_state()}, path)
reference = [f"{run_epoch(model, opt, loader):.6f}" for _ in range(2)]
ckpt = torch.load(path)
model, opt, sched = make()
model.load_state_dict(ckpt["model"])
opt.load_state_dict(ckpt["opt"])
sched.load_state_dict(ckpt["sched"])
torch.set_rng_state(ckpt["rng"])
gen.set_state(ckpt["gen"])
resumed = [f"{run_epoch(model, opt, loader):.6f}" for _ in range(2)]
print(reference, resumed, reference == resumed, sched.get_last_lr())
print(opt.state_dict()["state"][0]["step"], sorted(ckpt["opt"]["param_groups"][0]))
