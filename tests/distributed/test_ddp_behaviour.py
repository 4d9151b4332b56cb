"""DistributedDataParallel's unused parameters, buffers, state_dict keys, errors and warnings,
against real PyTorch DDP (built in this process on a one-process gloo group)."""

import contextlib
import warnings

import numpy as np
import pytest
from ddp_run import run_cases

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_cases(tmp_path_factory.mktemp("ddp_behaviour"),
                     ["unused", "graphs", "buffers", "errors"])


@contextlib.contextmanager
def torch_group(tmp_path):
    """A one-process gloo group for real PyTorch DDP."""
    import torch.distributed as tdist
    tdist.init_process_group("gloo", init_method=f"file://{tmp_path}/store", rank=0,
                             world_size=1)
    try:
        yield
    finally:
        tdist.destroy_process_group()


def torch_branchy(state):
    import ddp_worker as w

    class Branchy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(w.IN, w.HID)
            self.b = torch.nn.Linear(w.HID, w.OUT)
            self.unused = torch.nn.Linear(w.HID, w.HID)
            self.sometimes = torch.nn.Linear(w.HID, w.HID)
            self.use_sometimes = False

        def forward(self, x):
            h = torch.tanh(self.a(x))
            if self.use_sometimes:
                h = torch.tanh(self.sometimes(h))
            return self.b(h)

    m = Branchy()
    if state is not None:
        m.load_state_dict({k: torch.from_numpy(state[f"w_{k}"]) for k in m.state_dict()})
    return m


def test_find_unused_parameters(results):
    import ddp_worker as w
    r0, r1 = results["unused"]
    X, _ = w.data(16, seed=5)
    local = []
    for rank in range(2):
        m = torch_branchy(r0)
        m.use_sometimes = rank == 0
        m(torch.from_numpy(X[rank * 8:(rank + 1) * 8])).sum().backward()
        local.append({k: (torch.zeros_like(p) if p.grad is None else p.grad)
                      for k, p in m.named_parameters()})
    for k in local[0]:
        got = r0[f"g_{k}"]
        assert got.tobytes() == r1[f"g_{k}"].tobytes(), k
        if k.startswith("unused."):  # used on no rank: .grad stays None, as in PyTorch
            assert got.size == 0
        else:  # "sometimes" (rank 0 only) is averaged with rank 1's zeros
            np.testing.assert_allclose(got, ((local[0][k] + local[1][k]) / 2).numpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=k)


def test_second_iteration_is_reduced(results):
    r0, r1 = results["unused"]
    for k in ("a.weight", "b.bias", "sometimes.weight"):
        assert r0[f"second_{k}"].tobytes() == r1[f"second_{k}"].tobytes(), k


def torch_guide(state):
    import ddp_worker as w
    net = torch.nn.Sequential(torch.nn.Linear(w.IN, w.HID), torch.nn.Tanh(),
                              torch.nn.Linear(w.HID, w.OUT), torch.nn.LogSoftmax(dim=1))
    net.load_state_dict({k: torch.from_numpy(state[f"w_{k}"]) for k in net.state_dict()})
    return net


@pytest.mark.parametrize("kind", ["penalty", "two", "stale"])
def test_graphs_beyond_one_forward(results, kind):
    """Every path into the parameters counts: the averaged gradient is PyTorch's."""
    import ddp_worker as w
    r0, r1 = results["graphs"]
    X, Y = w.data(4 * 8, seed=11)

    def rows(k, rank):
        sl = slice((2 * k + rank) * 8, (2 * k + rank + 1) * 8)
        return torch.from_numpy(X[sl]), torch.from_numpy(Y[sl])

    nll = torch.nn.functional.nll_loss
    local = []
    for rank in range(2):
        net = torch_guide(r0)
        (x0, y0), (x1, y1) = rows(0, rank), rows(1, rank)
        if kind == "penalty":
            loss = nll(net(x0), y0) + 0.01 * sum((p * p).sum() for p in net.parameters())
        elif kind == "two":
            loss = nll(net(x0), y0) + nll(net(x1), y1)
        else:
            loss = nll(net(x0), y0)
        loss.backward()
        local.append({k: p.grad for k, p in net.named_parameters()})
    for k in local[0]:
        got = r0[f"{kind}_{k}"]
        assert got.tobytes() == r1[f"{kind}_{k}"].tobytes(), k
        np.testing.assert_allclose(got, ((local[0][k] + local[1][k]) / 2).numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=k)


def test_unused_parameter_error_matches_pytorch(results, tmp_path):
    r0 = results["unused"][0]
    X = torch.randn(4, 24)
    with torch_group(tmp_path):
        torch.manual_seed(0)
        strict = torch.nn.parallel.DistributedDataParallel(torch_branchy(None))
        strict(X).sum().backward()
        with torch.no_grad():
            strict(X)  # no check without grad
        with pytest.raises(RuntimeError) as e:
            strict(X)
        # PyTorch leaves the grad of a parameter no rank used as None, like numtorch
        lenient = torch.nn.parallel.DistributedDataParallel(torch_branchy(None),
                                                            find_unused_parameters=True)
        lenient(X).sum().backward()
        assert lenient.module.unused.weight.grad is None
    assert list(r0["strict_error"]) == ["RuntimeError", str(e.value)]
    assert list(r0["strict_no_grad"]) == ["", ""]


def test_buffers_broadcast_before_forward(results):
    r0, r1 = results["buffers"]
    assert not np.array_equal(r0["sync_after1"], r1["sync_after1"])
    for r in (r0, r1):  # rank 0's running statistics reach every rank before the forward
        assert r["sync_seen2"].tobytes() == r0["sync_after1"].tobytes()
        assert r["nosync_seen2"].tobytes() == r["nosync_after1"].tobytes()  # each keeps its own


def test_state_dict_keys_match_pytorch(results, tmp_path):
    import ddp_worker as w

    class WithNorm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(w.IN, w.HID)
            self.bn = torch.nn.BatchNorm1d(w.HID)
            self.b = torch.nn.Linear(w.HID, w.OUT)

    with torch_group(tmp_path):
        ddp = torch.nn.parallel.DistributedDataParallel(WithNorm())
        keys = list(ddp.state_dict().keys())
        names = [n for n, _ in ddp.named_parameters()]
    for r in results["buffers"]:
        assert list(r["keys"]) == keys
        assert list(r["param_names"]) == names


def test_constructor_errors_and_warnings_match_pytorch(results, tmp_path):
    r0 = results["errors"][0]
    DDP = torch.nn.parallel.DistributedDataParallel

    def message(fn):
        with pytest.raises(Exception) as e:
            fn()
        return [type(e.value).__name__, str(e.value)]

    lin = torch.nn.Linear(2, 2)
    frozen = torch.nn.Linear(2, 2)
    frozen.requires_grad_(False)
    with torch_group(tmp_path):
        assert list(r0["device_ids"]) == message(lambda: DDP(lin, device_ids=[0]))
        assert list(r0["output_device"]) == message(lambda: DDP(lin, output_device=1))
        assert list(r0["two_devices"]) == message(lambda: DDP(lin, device_ids=[0, 1]))
        assert list(r0["frozen"]) == message(lambda: DDP(frozen))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            DDP(lin, check_reduction=True)
            DDP(lin, broadcast_buffers=True)
    expected = [f"{x.category.__name__}: {x.message}" for x in caught
                if issubclass(x.category, FutureWarning)]
    assert list(r0["warnings"]) == expected


def test_no_process_group_error():
    pytest.importorskip("numtorch.distributed")
    from conftest import assert_same_error

    import numtorch
    assert_same_error(lambda: torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2)),
                      lambda: numtorch.nn.parallel.DistributedDataParallel(
                          numtorch.nn.Linear(2, 2)))


def test_paths():
    import numtorch
    from numtorch.nn.parallel import distributed
    assert numtorch.nn.parallel.DistributedDataParallel is distributed.DistributedDataParallel
    assert issubclass(distributed.DistributedDataParallel, numtorch.nn.Module)
