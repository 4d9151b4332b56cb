"""``numtorch run --check script.py`` lists the PyTorch names a script uses, without running it.

The scan (``numtorch.cli.check.scan``) is checked on a table of sources; each name's verdict
(``classify``) against numtorch and, with PyTorch installed, against PyTorch itself: a name
called present or missing is one PyTorch has, a name called unknown is one it lacks.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

import numtorch
from numtorch import compat
from numtorch.cli import check

_, NAMES = compat.read_pytorch_names()
NN_MISSING = next(n for n in sorted(NAMES["torch.nn"]) if not hasattr(numtorch.nn, n))

SCAN_CASES = [
    ("import torch\ntorch.manual_seed(0)\n", {"torch.manual_seed": [2]}),
    ("import torch.nn as nn\nnn.Linear(2, 3)\nnn.Linear(3, 4)\n",
     {"torch.nn": [1], "torch.nn.Linear": [2, 3]}),
    ("import torch.nn.functional as F\ny = F.relu(x)\n",
     {"torch.nn.functional": [1], "torch.nn.functional.relu": [2]}),
    ("from torch.utils.data import DataLoader as DL\nDL.__init__\n",
     {"torch.utils.data.DataLoader": [1], "torch.utils.data.DataLoader.__init__": [2]}),
    ("import torch\nopt = torch.optim.SGD(p, lr=0.1).step()\n", {"torch.optim.SGD": [2]}),
    ("from torch import nn, optim\nclass M(nn.Module): pass\n",
     {"torch.nn": [1], "torch.optim": [1], "torch.nn.Module": [2]}),
    ("import torchvision.transforms as T\nT.Compose([T.ToTensor()])\n",
     {"torchvision.transforms": [1], "torchvision.transforms.Compose": [2],
      "torchvision.transforms.ToTensor": [2]}),
    ("def f():\n    import torch\n    return torch.float64\n", {"torch.float64": [3]}),
    ("import numpy as np\nfrom torch import *\nfrom . import torch\nnp.zeros(3)\n", {}),
    ("import torch as t\nm = t.nn.Linear(2, 2)\nm.weight.grad\n", {"torch.nn.Linear": [2]}),
]


@pytest.mark.parametrize("source, expected", SCAN_CASES)
def test_scan_finds_imports_and_attribute_chains(source, expected):
    assert check.scan(source) == expected


CLASSIFY_CASES = [
    ("torch.nn.Linear", ("torch.nn", "Linear", "ok")),
    ("torch.nn.Linear.forward", ("torch.nn", "Linear", "ok")),
    ("torch.nn.functional.relu", ("torch.nn.functional", "relu", "ok")),
    ("torch.optim.lr_scheduler.StepLR", ("torch.optim.lr_scheduler", "StepLR", "ok")),
    ("torch.utils.data.DataLoader", ("torch.utils.data", "DataLoader", "ok")),
    ("torch.Tensor.add_", ("torch.Tensor", "add_", "ok")),
    ("torch.float64", ("torch", "float64", "ok")),
    ("torch.__version__", ("torch", "__version__", "ok")),
    (f"torch.nn.{NN_MISSING}", ("torch.nn", NN_MISSING, "missing")),
    ("torch.nn.Conv9d", ("torch.nn", "Conv9d", "unknown")),
    ("torch.Tensor.no_such_method", ("torch.Tensor", "no_such_method", "unknown")),
    ("torchvision.transforms.ToTensor", ("torchvision.transforms", "ToTensor", "ok")),
    ("torchvision.transforms.NoSuchTransform",
     ("torchvision.transforms", "NoSuchTransform", "missing")),
]


@pytest.mark.parametrize("dotted, expected", CLASSIFY_CASES)
def test_classify_resolves_as_the_runner_would(dotted, expected):
    assert check.classify(dotted) == expected


def test_the_verdicts_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for dotted, (namespace, name, status) in CLASSIFY_CASES:
        if not dotted.startswith("torch."):
            continue
        obj = torch if namespace == "torch" else (
            torch.Tensor if namespace == "torch.Tensor" else importlib.import_module(namespace))
        assert hasattr(obj, name) == (status != "unknown"), dotted


SCRIPT = textwrap.dedent(f"""
    print("the script ran")
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader

    model = nn.Sequential(nn.Linear(4, 2), nn.{NN_MISSING}(4, 2, [2]))
    layer = nn.Conv9d(1, 1, 3)
    loader = DataLoader([], batch_size=2)
    raise SystemExit(7)
""")


def _check(tmp_path, text: str):
    (tmp_path / "train.py").write_text(text)
    return subprocess.run([sys.executable, "-m", "numtorch", "run", "--check", "train.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_check_reports_by_namespace_without_running(tmp_path):
    res = _check(tmp_path, SCRIPT)
    assert res.returncode == 1, res.stderr
    lines = res.stdout.splitlines()
    assert "the script ran" not in res.stdout
    assert lines[0] == ("train.py: 6 PyTorch names used, 4 in numtorch, 1 missing, "
                        "1 not in PyTorch 2.13.0 either")
    nn_block = lines[lines.index("torch.nn") + 1:lines.index("torch.utils.data") - 1]
    assert nn_block == _expected_nn_lines()
    assert any(line.split()[:2] == ["ok", "DataLoader"] for line in lines)


def _expected_nn_lines():
    width = max(len(n) for n in ["Conv9d", "Linear", "Sequential", NN_MISSING, "nn",
                                 "DataLoader"])
    rows = {
        "Conv9d": f"  {'UNKNOWN':<8} {'Conv9d':<{width}}  line 8  "
                  "(not a PyTorch 2.13.0 name either)",
        "Linear": f"  {'ok':<8} {'Linear':<{width}}  line 7",
        NN_MISSING: f"  {'MISSING':<8} {NN_MISSING:<{width}}  line 7  "
                    f"(numtorch does not implement torch.nn.{NN_MISSING})",
        "Sequential": f"  {'ok':<8} {'Sequential':<{width}}  line 7",
    }
    return [rows[name] for name in sorted(rows)]


def test_check_passes_a_script_numtorch_covers(tmp_path):
    res = _check(tmp_path, "import torch\nimport torch.nn.functional as F\n"
                           "y = F.relu(torch.zeros(3))\n")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines() == [  # torch.nn.functional, relu, zeros
        "train.py: 3 PyTorch names used, 3 in numtorch, 0 missing", "",
        "torch", "  ok       zeros       line 3", "",
        "torch.nn", "  ok       functional  line 2", "",
        "torch.nn.functional", "  ok       relu        line 3"]


def test_check_reports_a_script_it_cannot_parse(tmp_path):
    res = _check(tmp_path, "import torch\ndef f(:\n")
    assert res.returncode == 2
    assert res.stderr.startswith("numtorch run --check: can't parse 'train.py': ")
    assert "(line 2)" in res.stderr


def test_check_reads_the_modules_beside_the_script(tmp_path):
    (tmp_path / "model.py").write_text(f"import torch.nn as nn\n\nHEAD = nn.{NN_MISSING}\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("import torch\nX = torch.float64\n")
    res = _check(tmp_path, "import torch\nfrom model import HEAD\nimport pkg\nimport os\n"
                           "y = torch.zeros(2)\nz = torch.float64\n")
    assert res.returncode == 1, res.stderr
    lines = [" ".join(line.split()) for line in res.stdout.splitlines()]
    assert lines[0] == "train.py: 4 PyTorch names used, 3 in numtorch, 1 missing"
    assert "ok float64 line 6; pkg/__init__.py line 2" in lines
    assert "ok zeros line 5" in lines
    assert "ok nn model.py line 1" in lines
    assert (f"MISSING {NN_MISSING} model.py line 3 (numtorch does not implement "
            f"torch.nn.{NN_MISSING})") in lines
