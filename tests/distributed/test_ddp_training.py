"""DistributedDataParallel training on 2 ranks equals one process on the global batch.

The ranks run tests/distributed/ddp_worker.py under mpiexec; the single-process reference is
real PyTorch, run here on the same data, sampler order and initial weights.
"""

import numpy as np
import pytest
from ddp_run import WORLD, run_cases

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_cases(tmp_path_factory.mktemp("ddp_training"), ["train", "no_sync"])


def torch_net(state):
    import ddp_worker as w
    net = torch.nn.Sequential(torch.nn.Linear(w.IN, w.HID), torch.nn.Tanh(),
                              torch.nn.Linear(w.HID, w.OUT), torch.nn.LogSoftmax(dim=1))
    net.load_state_dict({k: torch.from_numpy(state[f"w_{k}"]) for k in net.state_dict()})
    return net


def prefixed(d, prefix):
    return {k[len(prefix):]: v for k, v in d.items() if k.startswith(prefix)}


def test_replicas_start_from_rank0(results):
    r0, r1 = results["train"]
    init0 = prefixed(r0, "init_w_")
    assert any(not np.array_equal(init0[k], r1[f"init_w_{k}"]) for k in init0)  # they differed
    for r in (r0, r1):
        for k, v in prefixed(r, "start_w_").items():
            assert np.array_equal(v, init0[k])
    assert r0["buckets"] == 2


def test_weights_identical_on_every_rank(results):
    r0, r1 = results["train"]
    for k, v in prefixed(r0, "w_").items():
        assert v.tobytes() == r1[f"w_{k}"].tobytes(), k


def test_training_equals_one_process_on_the_global_batch(results):
    import ddp_worker as w
    r0 = results["train"][0]
    net = torch_net(prefixed(r0, "init_"))
    X, Y = w.data()
    ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    samplers = [torch.utils.data.DistributedSampler(ds, num_replicas=WORLD, rank=r, seed=7)
                for r in range(WORLD)]
    opt = torch.optim.SGD(net.parameters(), lr=w.LR)
    step, epoch = 0, 0
    while step < w.STEPS:
        for s in samplers:
            s.set_epoch(epoch)
        loaders = [torch.utils.data.DataLoader(ds, batch_size=w.GLOBAL_BATCH // WORLD,
                                               sampler=s) for s in samplers]
        for batches in zip(*loaders):
            x = torch.cat([b[0] for b in batches])
            y = torch.cat([b[1] for b in batches])
            opt.zero_grad()
            torch.nn.functional.nll_loss(net(x), y).backward()
            opt.step()
            step += 1
            if step == w.STEPS:
                break
        epoch += 1
    for k, v in net.state_dict().items():
        np.testing.assert_allclose(r0[f"w_{k}"], v.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    # and training moved the weights well beyond that tolerance
    start = prefixed(r0, "start_w_")
    assert max(np.abs(r0[f"w_{k}"] - start[k]).max() for k in start) > 1e-2


def test_no_sync_accumulation_equals_one_big_batch(results):
    import ddp_worker as w
    r0, r1 = results["no_sync"]
    torch.manual_seed(0)
    X, Y = w.data(6 * 8, seed=3)
    net = torch_net(r0)
    # inside no_sync each rank keeps its local gradient
    x0, y0 = torch.from_numpy(X[:8]), torch.from_numpy(Y[:8])
    torch.nn.functional.nll_loss(net(x0), y0).backward()
    for k, p in net.named_parameters():
        np.testing.assert_allclose(r0[f"local_{k}"], p.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert any(not np.array_equal(r0[f"local_{k}"], r1[f"local_{k}"]) for k, _ in
               net.named_parameters())
    # after the synchronised pass: the gradient of the three global micro-batches' losses
    net.zero_grad()
    for k in range(3):
        rows = slice(2 * k * 8, (2 * k + 2) * 8)
        loss = torch.nn.functional.nll_loss(net(torch.from_numpy(X[rows])),
                                            torch.from_numpy(Y[rows]))
        loss.backward()
    for k, p in net.named_parameters():
        np.testing.assert_allclose(r0[f"g_{k}"], p.grad.numpy(), rtol=1e-5, atol=1e-6)
        assert r0[f"g_{k}"].tobytes() == r1[f"g_{k}"].tobytes()
