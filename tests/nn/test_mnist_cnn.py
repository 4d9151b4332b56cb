"""PyTorch's ``examples/mnist/main.py`` network trains as in PyTorch: same initial weights for the
same seed, and 20 steps of Adadelta (lr=1) + StepLR (gamma=0.7) on small random data follow
PyTorch's loss curve and end at PyTorch's weights, within float32 tolerance.  Also the
cache-blocked convolution path (batch chunks) against PyTorch for every chunking."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch._ops import conv as conv_ops

torch = pytest.importorskip("torch")

from conftest import assert_close  # noqa: E402

TOL = dict(rtol=1e-4, atol=1e-5)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """PyTorch at one thread: two libraries' thread pools fighting over two cores cost 5x here."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def make_net(L):
    """The network of PyTorch's ``examples/mnist/main.py``, written against the library ``L``."""
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


def train(L, data, target, dropout: bool):
    """examples/mnist's loop, 20 steps cycling over the batches of ``data``; StepLR every 5."""
    L.manual_seed(1)
    model = make_net(L)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.train()
    if not dropout:  # masks depend on the random stream; see NOTE in tests/conftest.py
        model.dropout1.eval()
        model.dropout2.eval()
    opt = L.optim.Adadelta(model.parameters(), lr=1.0)
    sched = L.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    losses = []
    for i in range(20):
        x, y = data[i % len(data)], target[i % len(data)]
        opt.zero_grad()
        loss = L.nn.functional.nll_loss(model(L.tensor(x)), L.tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if i % 5 == 4:
            sched.step()
    return init, losses, model.state_dict()


# (id, dropout layers active?)
TRAINING = [("frozen-masks", False), ("dropout", True)]


@pytest.mark.parametrize("dropout", [d for _, d in TRAINING], ids=[i for i, _ in TRAINING])
def test_mnist_net_trains_like_pytorch(dropout):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((2, 2, 1, 28, 28)).astype(np.float32)
    target = rng.integers(0, 10, (2, 2))
    n_init, n_losses, n_state = train(numtorch, data, target, dropout)
    t_init, t_losses, t_state = train(torch, data, target, dropout)
    assert list(n_init) == list(t_init)
    for k in t_init:  # same seed, same initial weights, bit for bit
        np.testing.assert_array_equal(n_init[k].numpy(), t_init[k].numpy(), err_msg=k)
    np.testing.assert_allclose(n_losses, t_losses, rtol=1e-4, atol=1e-5)
    assert n_losses[-1] < n_losses[0]  # it did learn something
    for k in t_state:
        assert_close(n_state[k], t_state[k], rtol=1e-3, atol=1e-4)


# (id, input shape, weight shape, kwargs, samples per chunk)
BLOCKED = [
    ("mnist-conv2-1", (3, 8, 10, 10), (16, 8, 3, 3), {}, 1),
    ("mnist-conv2-2-ragged", (5, 8, 10, 10), (16, 8, 3, 3), {}, 2),
    ("pad-stride-groups", (4, 6, 9, 8), (4, 3, 3, 2), dict(padding=1, stride=(2, 1), groups=2), 3),
    ("dilation", (3, 2, 11, 10), (3, 2, 3, 3), dict(dilation=2, padding=(0, 2)), 1),
    ("conv1d", (3, 4, 15), (5, 4, 4), dict(padding=2), 2),
]


@pytest.mark.parametrize("xs,ws,kw,per_chunk", [b[1:] for b in BLOCKED],
                         ids=[b[0] for b in BLOCKED])
def test_blocked_conv_matches_torch(monkeypatch, xs, ws, kw, per_chunk):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    fn = "conv1d" if len(xs) == 3 else "conv2d"
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = getattr(torch.nn.functional, fn)(tx, tw, tb, **kw)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    monkeypatch.setattr(conv_ops, "_chunks", _forced_chunks(per_chunk))
    nx, nw, nb = (numtorch.tensor(a, requires_grad=True) for a in (x, w, b))
    ny = getattr(numtorch.nn.functional, fn)(nx, nw, nb, **kw)
    ny.backward(numtorch.tensor(g))
    assert_close(ny, ty, **TOL)
    for n, t in ((nx, tx), (nw, tw), (nb, tb)):
        assert_close(n.grad, t.grad, **TOL)


def _forced_chunks(per_chunk: int):
    """``_chunks`` with ``per_chunk`` samples a chunk, whatever their size."""
    def chunks(bsz, per_sample):
        return [slice(s, min(s + per_chunk, bsz)) for s in range(0, bsz, per_chunk)], per_chunk
    return chunks
