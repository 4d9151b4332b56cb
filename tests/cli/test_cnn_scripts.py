"""PyTorch's CNN example scripts, unmodified, under ``python -m numtorch run`` on local data.

``tests/scripts/cnn/mnist_main.py`` is PyTorch's ``examples/mnist/main.py`` and
``tests/scripts/cnn/cifar10_tutorial.py`` its "Training a Classifier" tutorial, both verbatim.
Their data here is a few hundred Fashion-MNIST images (Debian's ``fashion-mnist`` package) laid
out as torchvision's MNIST raw folder and as CIFAR-10's pickled batches
(``tests/scripts/cnn/local_data.py``).  The MNIST script is also run by real PyTorch, with a
minimal stand-in for the two torchvision pieces it uses (the MNIST IDX reader and
ToTensor/Normalize, computed as torchvision computes them), and the two printouts are compared
line by line: the same seed gives the same weights, batches and dropout masks, so the losses
agree to float32 rounding.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

CNN = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "cnn"
sys.path.insert(0, str(CNN))
import local_data  # noqa: E402

pytestmark = pytest.mark.skipif(not local_data.available(),
                                reason="Debian's Fashion-MNIST files are not installed")

# one BLAS thread: these GEMMs are small, and extra threads only wait on a busy machine
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")

TRAIN_LINE = re.compile(r"Train Epoch: 1 \[(\d+)/640 \((\d+)%\)\]\tLoss: (\d+\.\d{6})")
TEST_LINE = re.compile(r"Test set: Average loss: (\d+\.\d{4}), Accuracy: (\d+)/200 \((\d+)%\)")

# The two torchvision pieces examples/mnist uses, for running it under real PyTorch: MNIST's IDX
# files read as torchvision reads them, ToTensor as uint8 / 255 in float32, Normalize as
# (x - mean) / std with float32 mean and std.
TORCHVISION_STUB = textwrap.dedent('''
    import os, types
    import numpy as np
    import torch

    class MNIST(torch.utils.data.Dataset):
        def __init__(self, root, train=True, download=False, transform=None):
            raw, pre = os.path.join(root, "MNIST", "raw"), "train" if train else "t10k"
            with open(os.path.join(raw, pre + "-images-idx3-ubyte"), "rb") as f:
                self.data = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
            with open(os.path.join(raw, pre + "-labels-idx1-ubyte"), "rb") as f:
                self.targets = np.frombuffer(f.read(), np.uint8, offset=8)
            self.transform = transform

        def __len__(self):
            return len(self.data)

        def __getitem__(self, i):
            return self.transform(torch.from_numpy(self.data[i].copy())), int(self.targets[i])

    class Compose:
        def __init__(self, ts):
            self.ts = ts

        def __call__(self, x):
            for t in self.ts:
                x = t(x)
            return x

    class ToTensor:
        def __call__(self, img):
            return img[None].to(torch.float32).div(255)

    class Normalize:
        def __init__(self, mean, std):
            self.mean = torch.as_tensor(mean, dtype=torch.float32)[:, None, None]
            self.std = torch.as_tensor(std, dtype=torch.float32)[:, None, None]

        def __call__(self, x):
            return x.sub(self.mean).div(self.std)

    datasets = types.SimpleNamespace(MNIST=MNIST)
    transforms = types.SimpleNamespace(Compose=Compose, ToTensor=ToTensor, Normalize=Normalize)
''')


def _run(cmd, cwd, env=ENV, quiet=True):
    """The stdout of ``cmd``, which must succeed and (``quiet``) print no warning."""
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert not quiet or "Warning" not in res.stderr, res.stderr[-3000:]
    return res.stdout


@pytest.fixture(scope="module")
def mnist_dirs(tmp_path_factory):
    """``(work dir, data root)``: the script reads ``../data`` from its working directory."""
    base = tmp_path_factory.mktemp("mnist")
    local_data.write_mnist(str(base / "data"), n_train=640, n_test=200)
    (base / "work").mkdir()
    return base / "work", base / "data"


ARGS = ["--epochs", "1", "--log-interval", "2"]


@pytest.fixture(scope="module")
def numtorch_mnist(mnist_dirs):
    work, _ = mnist_dirs
    return _run([sys.executable, "-m", "numtorch", "run", str(CNN / "mnist_main.py"), *ARGS],
                work)


def test_mnist_example_unmodified_trains_and_prints_pytorchs_lines(numtorch_mnist, mnist_dirs):
    lines = numtorch_mnist.split("\n")
    # five training lines (batches 0, 2, ..., 8 of 10), then "\nTest set: ...\n\n"
    assert len(lines) == 9 and lines[5] == "" and lines[7:] == ["", ""], numtorch_mnist
    train = [TRAIN_LINE.fullmatch(line) for line in lines[:5]]
    assert all(train), lines[:5]
    assert [(int(m[1]), int(m[2])) for m in train] == [(0, 0), (128, 20), (256, 40), (384, 60),
                                                       (512, 80)]
    losses = [float(m[3]) for m in train]
    assert losses[-1] < losses[0] - 0.3, losses
    test = TEST_LINE.fullmatch(lines[6])
    assert test, lines[6]
    assert int(test[2]) >= 80 and int(test[3]) == round(100 * int(test[2]) / 200)  # chance: 20
    assert not (mnist_dirs[0] / "mnist_cnn.pt").exists()
    assert not (mnist_dirs[1] / "MNIST" / "raw" / "train-images-idx3-ubyte.gz.part").exists()


def test_mnist_example_follows_pytorch(numtorch_mnist, mnist_dirs, tmp_path):
    """The same script under real PyTorch prints the same lines with the same numbers: equal to
    float32 rounding for the first steps (same seed: same weights, batches and dropout masks),
    then apart by float32 rounding that Adadelta at lr=1 amplifies (about 0.3% after 8 steps)."""
    pytest.importorskip("torch")
    stub = tmp_path / "stub"
    (stub / "torchvision").mkdir(parents=True)
    (stub / "torchvision" / "__init__.py").write_text(TORCHVISION_STUB)
    env = dict(ENV, PYTHONPATH=str(stub))
    work, _ = mnist_dirs
    ref = _run([sys.executable, str(CNN / "mnist_main.py"), *ARGS], work, env, quiet=False)
    got, want = numtorch_mnist.split("\n"), ref.split("\n")
    assert len(got) == len(want), (numtorch_mnist, ref)
    number = re.compile(r"\d+\.\d+")
    for g, w in zip(got[:2], want[:2]):  # batches 0 and 2: equal to float32 rounding (the
        # convolutions' sums are BLAS's, whose order differs per library and CPU)
        assert number.sub("#", g) == number.sub("#", w), (g, w)
        for a, b in zip(number.findall(g), number.findall(w)):
            assert abs(float(a) - float(b)) <= 2e-6 + 1e-5 * abs(float(b)), (g, w)
    for g, w in zip(got, want):
        assert number.sub("#", g) == number.sub("#", w) or TEST_LINE.fullmatch(g), (g, w)
        for a, b in zip(number.findall(g), number.findall(w)):
            assert abs(float(a) - float(b)) <= 0.02 * abs(float(b)), (g, w)
    mg, mw = TEST_LINE.fullmatch(got[6]), TEST_LINE.fullmatch(want[6])
    assert abs(int(mg[2]) - int(mw[2])) <= 4, (got[6], want[6])


def test_cifar10_tutorial_unmodified_trains(tmp_path):
    """The tutorial (batch 4, SGD with momentum, 2 epochs, two DataLoader workers, save and
    reload of the state dict) on 1,200 training and 120 test images.  It sets no seed (each run
    draws new weights, as in PyTorch), so the launcher seeds it for a repeatable test."""
    local_data.write_cifar(str(tmp_path / "data"), n_train=1200, n_test=120)
    out = _run([sys.executable, str(CNN / "local_data.py"), "launch", "--seed", "0", "numtorch",
                "data", str(CNN / "cifar10_tutorial.py")], tmp_path)
    lines = out.splitlines()
    names = "(plane|car  |bird |cat  |deer |dog  |frog |horse|ship |truck)"
    assert re.fullmatch(" ".join([names] * 4), lines[0]), lines[0]
    assert lines[1] == "Finished Training"  # fewer than 2000 batches: no loss lines
    assert re.fullmatch("GroundTruth:  " + " ".join([names] * 4), lines[2]), lines[2]
    assert re.fullmatch("Predicted:  " + " ".join([names] * 4), lines[3]), lines[3]
    acc = re.fullmatch(r"Accuracy of the network on the 10000 test images: (\d+) %", lines[4])
    assert acc and int(acc[1]) >= 25, lines[4]  # chance: 10
    per_class = [re.fullmatch(r"Accuracy for class: (\w+ *) is (\d+\.\d) %", s)
                 for s in lines[5:15]]
    assert all(per_class), lines[5:15]
    assert [m[1].rstrip() for m in per_class] == ["plane", "car", "bird", "cat", "deer", "dog",
                                                  "frog", "horse", "ship", "truck"]
    assert lines[15:] == ["cpu"]
    saved = tmp_path / "cifar_net.pth"
    assert saved.exists()
    torch = pytest.importorskip("torch")
    state = torch.load(saved, weights_only=True)  # PyTorch reads numtorch's file
    assert list(state) == [f"{m}.{p}" for m in ("conv1", "conv2", "fc1", "fc2", "fc3")
                           for p in ("weight", "bias")]
    assert tuple(state["conv1.weight"].shape) == (6, 3, 5, 5)
