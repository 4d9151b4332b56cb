"""Losses, samplers, init and reprs: printed like PyTorch prints them."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)

torch.manual_seed(3)
logits = torch.randn(6, 4, requires_grad=True)
target = torch.tensor([0, 3, 1, 1, 2, 0])
losses = [
    nn.NLLLoss(weight=torch.tensor([1.0, 2.0, 0.5, 1.0]), ignore_index=1)(
        F.log_softmax(logits, 1), target
    ),
    nn.CrossEntropyLoss(reduction="sum")(logits, target),
    nn.CrossEntropyLoss()(logits, F.softmax(torch.randn(6, 4), 1)),
    nn.MSELoss()(logits, torch.zeros(6, 4)), nn.L1Loss()(logits, torch.ones(6, 4)),
    nn.SmoothL1Loss(beta=0.5)(logits, torch.zeros(6, 4)),
    nn.HuberLoss(delta=0.3)(logits, torch.zeros(6, 4)),
    nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 3.0, 4.0]))(logits, torch.rand(6, 4)),
    nn.BCELoss()(torch.sigmoid(logits), torch.rand(6, 4)),
    nn.KLDivLoss(reduction="batchmean")(F.log_softmax(logits, 1), F.softmax(torch.randn(6, 4), 1)),
    nn.PoissonNLLLoss()(logits, torch.rand(6, 4)),
    nn.CosineEmbeddingLoss(margin=0.1)(
        logits, torch.randn(6, 4), torch.tensor([1, -1, 1, -1, 1, 1])
    ),
    nn.MarginRankingLoss(margin=0.2)(
        logits[:, 0], logits[:, 1], torch.tensor([1, -1, 1, 1, -1, 1])
    ),
]
total = sum(losses)
total.backward()
for loss in losses:
    print(f"{loss.item():.5f}", type(loss.grad_fn).__name__)
print(logits.grad)
print(list(WeightedRandomSampler([0.1, 0.5, 0.2, 0.2], 8)))
print(list(BatchSampler(RandomSampler(range(10)), 3, drop_last=False)))
ds = TensorDataset(torch.arange(10).float(), torch.arange(10) % 3)
print([b[1].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True, drop_last=True)])
w = torch.empty(3, 5)
for init in (
    nn.init.xavier_uniform_, nn.init.kaiming_normal_, nn.init.orthogonal_, nn.init.trunc_normal_
):
    print(init(w)[0])
opt = torch.optim.Adam([nn.Parameter(torch.ones(2))], lr=1e-3, amsgrad=True)
print(opt)
model = nn.ModuleDict({"enc": nn.Sequential(nn.Identity(), nn.Linear(2, 2)),
                       "head": nn.ModuleList([nn.ReLU(), nn.Softmax(dim=-1)])})
print(model)
print(model.state_dict().keys())
