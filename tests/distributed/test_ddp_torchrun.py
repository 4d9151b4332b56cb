"""An unmodified torchrun-style PyTorch DDP script, run by numtorch's launcher on 2 processes,
ends with the weights of one PyTorch process trained on the same global batches."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from ddp_run import HERE, mpiexec

torch = pytest.importorskip("torch")


def test_torchrun_script_matches_one_process(tmp_path):
    mpiexec()  # skips without the distributed extra
    if importlib.util.find_spec("numtorch.distributed.run") is None:
        pytest.skip("numtorch.distributed.run (the launcher) is not available")
    out = tmp_path / "ddp.pt"
    script = os.path.join(HERE, "ddp_torchrun_script.py")
    proc = subprocess.run([sys.executable, "-m", "numtorch.distributed.run", "--nproc-per-node",
                           "2", script, str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = torch.load(out)

    # one PyTorch process, the same script's model and data, on both ranks' batches at once
    sys.path.insert(0, HERE)
    import ddp_torchrun_script as s
    model = s.build()
    ds = s.dataset()
    samplers = [torch.utils.data.DistributedSampler(ds, num_replicas=2, rank=r, seed=s.SEED)
                for r in range(2)]
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(s.EPOCHS):
        for smp in samplers:
            smp.set_epoch(epoch)
        loaders = [torch.utils.data.DataLoader(ds, batch_size=s.LOCAL_BATCH, sampler=smp)
                   for smp in samplers]
        for (x0, y0), (x1, y1) in zip(*loaders):
            opt.zero_grad()
            torch.nn.functional.nll_loss(model(torch.cat([x0, x1])), torch.cat([y0, y1])).backward()
            opt.step()
    initial = s.build().state_dict()
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(got[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
        assert not np.allclose(got[k].numpy(), initial[k].numpy(), atol=1e-3)  # it trained
