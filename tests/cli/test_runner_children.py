"""Under ``numtorch run``: ``torch`` in spawned workers and children, ``torch.__version__``,
and the command's own ``--version`` and ``--help``.

The venv also has real PyTorch installed, so a child that escaped the alias would
import it: the checks look at which package each process's ``torch`` comes from.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import textwrap

import pytest

import numtorch
from numtorch import version

WORKERS = textwrap.dedent("""
    import multiprocessing, os
    import torch
    from torch.utils.data import DataLoader, Dataset
    from helper import TAG

    def where():
        import torch as t
        return f"{t.__name__} {os.path.basename(os.path.dirname(t.__file__))} {t.__version__} {TAG}"

    class Numbers(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            import torch as t
            return t.tensor(i) * 2, where(), os.getpid()

    def child(queue):
        queue.put(where())

    if __name__ == "__main__":
        for method in ["spawn", "forkserver"]:
            loader = DataLoader(Numbers(), batch_size=4, num_workers=2,
                                multiprocessing_context=method)
            batches = [(b.tolist(), w, p.tolist()) for b, w, p in loader]
            pids = {p for _, _, ps in batches for p in ps}
            print(method, [b for b, _, _ in batches],
                  sorted({w for _, ws, _ in batches for w in ws}), len(pids),
                  os.getpid() not in pids)
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        p = ctx.Process(target=child, args=(queue,))
        p.start()
        print("process", queue.get(timeout=60))
        p.join()
        print("main", where(), isinstance(torch.tensor(1), __import__("numtorch").Tensor))
""")


def test_spawned_workers_and_children_import_numtorch(tmp_path):
    """DataLoader workers (spawn, forkserver) and a spawned Process all see numtorch
    as torch, with the script's folder on their path, although real PyTorch is installed."""
    pytest.importorskip("torch")
    (tmp_path / "train.py").write_text(WORKERS)
    (tmp_path / "helper.py").write_text("TAG = 'helper'\n")
    (tmp_path / "elsewhere").mkdir()
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "../train.py"],
                         cwd=tmp_path / "elsewhere", capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    seen = "torch numtorch 2.13.0 helper"
    assert res.stdout.splitlines() == [
        f"spawn [[0, 2, 4, 6], [8, 10, 12, 14]] ['{seen}'] 2 True",
        f"forkserver [[0, 2, 4, 6], [8, 10, 12, 14]] ['{seen}'] 2 True",
        f"process {seen}",
        f"main {seen} True",
    ]


VERSION_SCRIPT = textwrap.dedent("""
    import sys
    print(sorted(sys.modules))
    import pickle
    import torch, numtorch
    import torch.nn as nn
    from torch import *
    from packaging.version import Version, parse

    v = torch.__version__
    print(type(v).__name__, v, v >= "2.0", v >= (2, 0), v > "2.9", v < (2, 14), v.split("."))
    print(parse(v) == Version("2.13.0"), numtorch.__version__, torch.version.__version__,
          torch.version.cuda)
    print(nn is numtorch.nn, torch.Tensor is numtorch.Tensor, Tensor is numtorch.Tensor,
          "randn" in dir(torch))
    m = pickle.loads(pickle.dumps(nn.Linear(2, 2)))
    print(type(m).__module__.split(".")[0], sys.modules["torch"].__name__)
    if torch.__version__ >= "2.0":
        print("modern path")
""")


def test_torch_version_under_the_runner(tmp_path):
    """torch.__version__ is PyTorch's TorchVersion of the followed release; numtorch's is its own.
    """
    pytest.importorskip("packaging")
    (tmp_path / "v.py").write_text(VERSION_SCRIPT)
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "v.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    loaded, *lines = res.stdout.splitlines()
    # start-up imports nothing beyond numtorch itself and the runner's own small modules
    plain = subprocess.run(
        [sys.executable, "-c", "import sys, numtorch; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    extra = set(ast.literal_eval(loaded)) - set(ast.literal_eval(plain.stdout))
    assert extra <= {
        "runpy", "numtorch.cli", "numtorch.cli.errors", "numtorch.cli.main", "numtorch.cli.run",
        "numtorch.compat"
    }
    assert lines == [
        "TorchVersion 2.13.0 True True True True ['2', '13', '0']",
        f"True {numtorch.__version__} 2.13.0 None",
        "True True True True",
        "numtorch torch",
        "modern path",
    ]


def _console_script():
    path = pathlib.Path(sys.executable).parent / "numtorch"
    return [str(path)] if path.exists() else None


@pytest.mark.parametrize("launcher", ["python -m numtorch", "numtorch"])
def test_version_flag(launcher):
    cmd = [sys.executable, "-m", "numtorch"] if launcher != "numtorch" else _console_script()
    if cmd is None:
        pytest.skip("the numtorch console script is not installed")
    res = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"numtorch {numtorch.__version__} (PyTorch {version.__version__} API)\n"


def test_run_help_describes_its_arguments():
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    out = " ".join(res.stdout.split())  # as words, whatever the terminal's width
    assert out.startswith("usage: numtorch run [-h] [--check] (script | -m module) [args ...]")
    for words in ["script", "-m module", "args", "python -m module", "sys.argv[1:]", "torchvision",
                  "--check"]:
        assert words in out, words
    res = subprocess.run(
        [sys.executable, "-m", "numtorch", "run"], capture_output=True, text=True, timeout=120
    )
    assert (
        res.returncode == 2
        and "the following arguments are required: script (or -m module)" in res.stderr
    )
