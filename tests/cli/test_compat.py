"""``python -m numtorch run`` runs an unmodified PyTorch script, with the same results as PyTorch.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from support.printed import assert_same_printout

ROOT_SCRIPTS = pathlib.Path(__file__).resolve().parents[1] / "scripts"

SCRIPT = textwrap.dedent("""
    import torch
    import torch.nn as nn
    import torch.optim as optim
    from torch.utils.data import DataLoader, Dataset

    torch.manual_seed(0)
    input_size, hidden_size, output_size = 8, 16, 3
    data = [(torch.randn(input_size), int(torch.randint(0, output_size, ()))) for _ in range(96)]

    class CustomDataset(Dataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, idx):
            return data[idx]

    model = nn.Sequential(nn.Linear(input_size, hidden_size), nn.Tanh(),
                          nn.Linear(hidden_size, output_size), nn.LogSoftmax(dim=1))
    data_loader = DataLoader(CustomDataset(), batch_size=32, shuffle=True)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.NLLLoss()
    for epoch in range(3):
        for inputs, targets in data_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
        print(f"{loss.item():.5f}")
""")


def _run(args, tmp_path):
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    res = subprocess.run(
        [sys.executable, *args, str(path)], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    return [float(v) for v in res.stdout.split()]


def test_run_unmodified_script_like_pytorch(tmp_path):
    pytest.importorskip("torch")
    ours = _run(["-m", "numtorch", "run"], tmp_path)
    theirs = _run([], tmp_path)
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert abs(a - b) < 1e-4


def test_aliases_are_the_numtorch_modules():
    import numtorch
    from numtorch import compat
    saved = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    try:
        compat.install()
        import torch as aliased
        import torch.nn.functional as F
        assert aliased is numtorch
        assert F is numtorch.nn.functional
    finally:
        compat.uninstall()
        sys.modules.update(saved)


VISION_SCRIPT = textwrap.dedent("""
    import sys
    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize(mean=[0.5], std=[0.5])])
    train = datasets.FashionMNIST(root=sys.argv[1], train=True, download=False, transform=transform)
    torch.manual_seed(0)
    loader = DataLoader(train, batch_size=4, shuffle=True)
    for x, y in loader:
        print(list(x.shape), x.dtype, y.tolist(), repr(float(x.sum())))
        break
""")


def test_torchvision_pipeline_runs_unchanged(tmp_path):
    """FashionMNIST + Compose(ToTensor, Normalize) + DataLoader, as a torchvision script, under the
    runner."""
    torch = pytest.importorskip("torch")
    from support.vision_data import fake_mnist, gz_files, write_files

    arrays = fake_mnist(seed=3, n_train=10, n_test=2)
    write_files(str(tmp_path / "FashionMNIST" / "raw"), gz_files(arrays))
    script = tmp_path / "script.py"
    script.write_text(VISION_SCRIPT)
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", str(script), str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    line = res.stdout.strip()
    # the expectation, independently: PyTorch's shuffle order for the same seed, and the transform
    # by hand
    torch.manual_seed(0)
    order = next(iter(torch.utils.data.DataLoader(range(10), batch_size=4, shuffle=True))).tolist()
    images = arrays["train-images-idx3-ubyte"][order].astype(np.float32) / 255
    expected_x = (images - 0.5) / 0.5
    expected_y = arrays["train-labels-idx1-ubyte"][order].astype(int).tolist()
    assert line.startswith("[4, 1, 28, 28] torch.float32 ")
    assert f"{expected_y}" in line
    assert abs(float(line.rsplit(" ", 1)[1]) - float(expected_x.sum(dtype=np.float64))) < 1e-2


QUICKSTART = textwrap.dedent('''
    import torch
    from torch import nn
    from torch.utils.data import DataLoader
    from torchvision import datasets
    from torchvision.transforms import ToTensor

    training_data = datasets.FashionMNIST(root="data", train=True, download=True,
                                          transform=ToTensor())
    test_data = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
    batch_size = 64
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)
    for X, y in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {X.shape}")
        print(f"Shape of y: {y.shape} {y.dtype}")
        break
    device = (torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
              else "cpu")
    print(f"Using {device} device")

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28*28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                nn.Linear(512, 10))

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    print(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 100 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")

    epochs = 2
    for t in range(epochs):
        print(f"Epoch {t+1}\\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    print("Done!")
    torch.save(model.state_dict(), "model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load("model.pth", weights_only=True))
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
        print(f'Predicted: "{predicted}", Actual: "{actual}"')
''')


def test_pytorch_quickstart_runs_unchanged(tmp_path):
    """PyTorch's FashionMNIST quickstart, verbatim but for 2 epochs, on small local files."""
    torch = pytest.importorskip("torch")
    from support.vision_data import fake_mnist, gz_files, write_files

    write_files(str(tmp_path / "data" / "FashionMNIST" / "raw"),
                gz_files(fake_mnist(seed=1, n_train=130, n_test=20)))
    (tmp_path / "quickstart.py").write_text(QUICKSTART)
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "quickstart.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Shape of X [N, C, H, W]: torch.Size([20, 1, 28, 28])" in out
    assert "Shape of y: torch.Size([20]) torch.int64" in out
    assert "Using cpu device" in out and "Done!" in out and "Predicted: " in out
    assert out.count("Test Error:") == 2 and (tmp_path / "model.pth").exists()
    # the model prints as PyTorch prints the same module tree
    net = torch.nn.Module()
    net.flatten = torch.nn.Flatten()
    net.linear_relu_stack = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                                torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                                torch.nn.Linear(512, 10))
    assert repr(net).replace("Module(", "NeuralNetwork(", 1) in out


SCRIPTS = ["tutorial.py", "nn_tutorial.py", "more_nn.py", "losses.py", "workers.py", "resume.py"]


def _has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512f" in f.read()
    except OSError:
        return False


# NOTE [ varying the kernels ]: the same script under other BLAS kernels and thread counts, in the
# subprocess only: NumPy's OpenBLAS through OPENBLAS_CORETYPE/OPENBLAS_NUM_THREADS, PyTorch's
# vectorised kernels through ATEN_CPU_CAPABILITY and its threads through OMP_NUM_THREADS.  What a
# machine with another CPU would print must still agree (NOTE [ exactness policy ] in
# tests/support/printed.py).
KERNELS = {
    "default": ({}, {}),
    "haswell-2-threads": ({"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "2"},
                          {"ATEN_CPU_CAPABILITY": "avx2", "OMP_NUM_THREADS": "2"}),
    "avx512-1-thread" if _has_avx512() else "zen-1-thread": (
        {"OPENBLAS_CORETYPE": "SkylakeX" if _has_avx512() else "Zen", "OPENBLAS_NUM_THREADS": "1"},
        {"ATEN_CPU_CAPABILITY": "avx512", "OMP_NUM_THREADS": "1"}
        if _has_avx512()
        else {"OMP_NUM_THREADS": "1"},
    ),
}
# (PyTorch's scalar kernels, ATEN_CPU_CAPABILITY=default, are left out: they are what a CPU without
# AVX2 runs, and there PyTorch's own random draws and fused multiply-adds differ from its AVX2
# ones.)


def _printed(args, env, cwd):
    res = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=180,
                         cwd=cwd, env={**os.environ, **env})
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize("kernels", list(KERNELS))
@pytest.mark.parametrize("name", SCRIPTS)
def test_tutorial_prints_what_pytorch_prints(tmp_path, name, kernels):
    """Tensors, printing, random numbers, in-place ops, NumPy bridges, autograd; a model, dropout,
    random_split, shuffled loading, SGD with momentum and a scheduler; checkpoint and exact resume:
    the same printed output as PyTorch's, text exact and numbers within float32 tolerance, whichever
    BLAS kernel and thread count either library runs with."""
    pytest.importorskip("torch")
    ours_env, theirs_env = KERNELS[kernels]
    script = str(ROOT_SCRIPTS / name)
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    ours = _printed(["-m", "numtorch", "run", script, str(tmp_path / "ours")], ours_env, tmp_path)
    theirs = _printed([script, str(tmp_path / "theirs")], theirs_env, tmp_path)
    assert_same_printout(ours, theirs)
