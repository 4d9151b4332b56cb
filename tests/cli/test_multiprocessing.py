"""``torch.multiprocessing.spawn`` under the runner: children run numtorch, failures come back
to the parent as PyTorch reports them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")

SCRIPT = textwrap.dedent('''
    import sys
    import torch
    import torch.multiprocessing as mp


    def work(rank, queue, fail):
        if fail == "raise" and rank == 1:
            raise ValueError("rank 1 failed")
        if fail == "exit" and rank == 1:
            sys.exit(3)
        t = torch.arange(4, dtype=torch.float32) * (rank + 1)
        queue.put((rank, torch.__name__ if hasattr(torch, "__name__") else "", float(t.sum()),
                   type(t).__module__.split(".")[0]))


    if __name__ == "__main__":
        fail = sys.argv[1]
        ctx = mp.get_context("spawn")
        queue = ctx.SimpleQueue()
        try:
            mp.spawn(work, args=(queue, fail), nprocs=2)
        except mp.ProcessRaisedException as e:
            print("raised", e.error_index, "ValueError: rank 1 failed" in str(e),
                  str(e).startswith("\\n\\n-- Process 1 terminated with the following error:\\n"))
        except mp.ProcessExitedException as e:
            print("exited", e.error_index, e.exit_code, str(e))
        else:
            print(sorted(queue.get()[2:] for _ in range(2)))
        print(sorted(mp.get_all_sharing_strategies()), mp.get_sharing_strategy())
''')


def _run(args, tmp_path, fail):
    path = tmp_path / "spawn_script.py"
    path.write_text(SCRIPT)
    res = subprocess.run([sys.executable, *args, str(path), fail], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize("fail", ["none", "raise", "exit"])
def test_spawn_runs_like_pytorch(tmp_path, fail):
    ours = _run(["-m", "numtorch", "run"], tmp_path, fail)
    theirs = _run([], tmp_path, fail)
    assert ours.replace("numtorch", "torch") == theirs


def test_children_of_spawn_import_numtorch(tmp_path):
    """The tensors a spawned child makes are numtorch's, although real PyTorch is installed."""
    ours = _run(["-m", "numtorch", "run"], tmp_path, "none")
    theirs = _run([], tmp_path, "none")
    assert "'numtorch'" in ours and "'torch'" in theirs
