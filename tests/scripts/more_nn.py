"""More of torch.nn and torch.optim: printed like PyTorch prints it."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(1)
emb = nn.Embedding(20, 8, padding_idx=0)
net = nn.Sequential(
    nn.Linear(8, 16, bias=False),
    nn.BatchNorm1d(16), nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 16), nn.LayerNorm(16), nn.SiLU(),
    nn.Linear(16, 5),
)
print(emb, net, sep="\n")
params = list(emb.parameters()) + list(net.parameters())
opt = torch.optim.AdamW(params, lr=3e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=12)
tokens = torch.randint(0, 20, (12, 32))
labels = torch.randint(0, 5, (12, 32))
for step in range(12):
    h = emb(tokens[step])
    out = net(h)
    loss = F.cross_entropy(out, labels[step], label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()
    print(f"{step} {loss.item():.4f} {norm.item():.4f} {sched.get_last_lr()[0]:.6f}")
net.eval()
with torch.no_grad():
    print(net(emb(tokens[0][:4])).softmax(-1))
print(net[1].running_mean[:4], net[1].num_batches_tracked)
print(sorted(opt.state_dict()["state"][0].keys()))
x = torch.randn(4, 6, requires_grad=True)
y = (x.view(2, 12).t() @ torch.randn(2, 3)).relu().sum(0).logsumexp(0)
y.backward()
print(y, x.grad.norm())
print(torch.nn.functional.one_hot(torch.tensor([3, 0, 1]), 4))
print(torch.where(x > 0, x, torch.zeros_like(x)).sum(dim=1, keepdim=True))
