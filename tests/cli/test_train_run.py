"""A real short ``numtorch train`` run: the run folder's files, the checkpoint's layout (read
back with ``weights_only=True`` by numtorch and by PyTorch), the printed lines, and the same
losses as the same loop written by hand in PyTorch and as ``--backend torch``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import numtorch
from numtorch.cli import data as cli_data
from numtorch.cli import progress
from numtorch.cli.main import main

torch = pytest.importorskip("torch")

EPOCHS = 3
FLAGS = ["--epochs", str(EPOCHS), "--hidden", "32", "--batch-size", "64", "--lr", "0.2",
         "--seed", "5"]
KEYS = ["epoch", "train_loss", "val_loss", "val_accuracy", "lr", "seconds",
        "samples_per_second"]
PNG = b"\x89PNG\r\n\x1a\n"


def _train(run_dir, *extra) -> tuple[int, str]:
    out = io.StringIO()
    old = sys.stdout
    sys.stdout = out
    try:
        status = main(["train", "--run-dir", str(run_dir), *FLAGS, *extra])
    finally:
        sys.stdout = old
    return status, out.getvalue()


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """PyTorch on one thread: these tiny matrices gain nothing from more, and the machine's
    other cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("train") / "run"
    status, out = _train(run_dir)
    assert status == 0
    return run_dir, out


def _hand_written_losses(epochs: int) -> list[tuple[float, float, float]]:
    """The guide's loop in PyTorch, written out: (mean train loss, val loss, val accuracy)."""
    data = cli_data.load_data("digits", val_fraction=0.2, seed=5, progress=False)
    torch.manual_seed(5)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 32), torch.nn.Tanh(),
                                torch.nn.Linear(32, 10), torch.nn.LogSoftmax(dim=1))
    loss_fn = torch.nn.NLLLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(data.train.x),
                                        torch.from_numpy(data.train.y))
    loader = torch.utils.data.DataLoader(ds, batch_size=64, shuffle=True,
                                         generator=torch.Generator().manual_seed(5))
    rows = []
    for _ in range(epochs):
        total = 0.0
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
        with torch.no_grad():
            out = model(torch.from_numpy(data.val.x))
            val_y = torch.from_numpy(data.val.y)
            rows.append((total / len(data.train), loss_fn(out, val_y).item(),
                         (out.argmax(1) == val_y).float().mean().item()))
    return rows


def test_the_run_folder_holds_every_file(run):
    run_dir, _ = run
    names = set(os.listdir(run_dir))
    assert {"config.json", "metrics.csv", "metrics.json", "best.pt", "last.pt"} <= names
    assert not [n for n in names if n.endswith(".tmp")]       # no temporary file left over
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["epochs"] == EPOCHS and cfg["seed"] == 5 and cfg["lr"] == 0.2
    assert cfg["model"] == {"kind": "mlp", "hidden": [32], "activation": "tanh"}
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    assert list(rows[0]) == KEYS
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    history = json.loads((run_dir / "metrics.json").read_text())
    assert [list(r) for r in history] == [KEYS] * EPOCHS
    for row, line in zip(history, rows):
        assert float(line["train_loss"]) == row["train_loss"]
        assert row["lr"] == 0.2 and row["seconds"] > 0 and row["samples_per_second"] > 0
        assert 0 <= row["val_accuracy"] <= 1


def test_the_plots_are_png_files(run):
    run_dir, _ = run
    pytest.importorskip("matplotlib")
    for name in ("curves.png", "confusion.png"):
        assert (run_dir / name).read_bytes()[:8] == PNG, name


def test_the_tensorboard_events_hold_one_point_per_epoch(run):
    run_dir, _ = run
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    history = json.loads((run_dir / "metrics.json").read_text())
    points = acc.Scalars("loss/train")
    assert [p.step for p in points] == [1, 2, 3]
    np.testing.assert_allclose([p.value for p in points], [r["train_loss"] for r in history],
                               rtol=1e-6)
    assert len(acc.Scalars("accuracy/val")) == EPOCHS


@pytest.mark.parametrize("reader", ["numtorch", "torch"])
@pytest.mark.parametrize("name", ["last.pt", "best.pt"])
def test_the_checkpoint_loads_weights_only_in_both_libraries(run, reader, name):
    run_dir, _ = run
    lib = numtorch if reader == "numtorch" else torch
    ckpt = lib.load(str(run_dir / name), weights_only=True)
    assert ckpt["format"] == "numtorch-train/1"
    assert set(ckpt) >= {"config", "data", "model", "optimizer", "scheduler", "epoch", "batch",
                         "rng", "history", "best_val_accuracy"}
    assert ckpt["data"]["input_shape"] == [1, 8, 8] and ckpt["data"]["num_classes"] == 10
    assert ckpt["batch"] == 0 and 1 <= ckpt["epoch"] <= EPOCHS
    assert isinstance(ckpt["rng"]["torch"], lib.Tensor)
    assert ckpt["rng"]["torch"].dtype == lib.uint8
    model = lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(64, 32), lib.nn.Tanh(),
                              lib.nn.Linear(32, 10), lib.nn.LogSoftmax(dim=1))
    model.load_state_dict(ckpt["model"])
    if name == "last.pt":
        assert ckpt["epoch"] == EPOCHS and len(ckpt["history"]) == EPOCHS
    else:
        best = max(r["val_accuracy"] for r in ckpt["history"])
        assert ckpt["best_val_accuracy"] == best == ckpt["history"][-1]["val_accuracy"]


def test_the_losses_are_the_hand_written_pytorch_loops(run):
    run_dir, _ = run
    history = json.loads((run_dir / "metrics.json").read_text())
    ours = [(r["train_loss"], r["val_loss"], r["val_accuracy"]) for r in history]
    np.testing.assert_allclose(ours, _hand_written_losses(EPOCHS), rtol=2e-5, atol=1e-6)


def test_the_torch_backend_prints_the_same_losses(run, tmp_path):
    run_dir, out = run
    status, torch_out = _train(tmp_path / "torch", "--backend", "torch")
    assert status == 0
    ours = json.loads((run_dir / "metrics.json").read_text())
    theirs = json.loads((tmp_path / "torch" / "metrics.json").read_text())
    for key in ("train_loss", "val_loss", "val_accuracy"):
        np.testing.assert_allclose([r[key] for r in ours], [r[key] for r in theirs],
                                   rtol=2e-5, atol=1e-6, err_msg=key)
    # the printed epoch lines agree up to the timings
    def printed(text):
        return [line.split("  lr ")[0] for line in text.splitlines() if line.startswith("epoch")]
    assert printed(out) == printed(torch_out)
    ckpt = torch.load(str(tmp_path / "torch" / "last.pt"), weights_only=True)
    assert numtorch.load(str(tmp_path / "torch" / "last.pt"), weights_only=True)["epoch"] == \
        ckpt["epoch"] == EPOCHS


def _epoch_lines(lines: list[str], epochs: int) -> list[str]:
    found = [line for line in lines if line.startswith("epoch ")]
    assert [e.split()[1] for e in found] == [f"{i}/{epochs}" for i in range(1, epochs + 1)]
    assert lines[-1].startswith("result: test_loss ")
    return found


def test_output_without_a_terminal_is_one_line_per_epoch(tmp_path):
    """Pipes, not a terminal: no bar, no carriage return, one line per epoch."""
    cmd = [sys.executable, "-m", "numtorch", "train", "--run-dir", str(tmp_path / "r"),
           "--epochs", "2", "--hidden", "8"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    _epoch_lines(lines, 2)
    assert lines[0] == "configuration (hyperparameters):"
    assert "parameters (weights):" in lines


def test_quiet_prints_only_the_epoch_lines_and_the_result(tmp_path):
    status, out = _train(tmp_path / "r", "--quiet")
    assert status == 0
    lines = out.splitlines()
    assert lines == _epoch_lines(lines, EPOCHS) + lines[-1:]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_loss_and_throughput():
    pytest.importorskip("tqdm")
    err, out = _Terminal(), io.StringIO()
    rep = progress.Reporter(out=out, err=err)
    rep.start_epoch(1, 3, total=4)
    for loss in (2.0, 1.0, 1.0, 0.5):
        time.sleep(0.11)          # past tqdm's minimum redraw interval
        rep.batch(loss, 8)
    rep.end_epoch()
    assert "epoch 1/3" in err.getvalue() and "loss 1.1250" in err.getvalue()
    assert "samples/s" in err.getvalue() and out.getvalue() == ""
    quiet = progress.Reporter(quiet=True, out=out, err=_Terminal())
    quiet.start_epoch(1, 3, total=4)
    quiet.batch(1.0, 8)
    quiet.end_epoch()
    assert not quiet.bars and quiet.err.getvalue() == ""


def test_without_tqdm_a_terminal_gets_a_plain_bar(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    err = _Terminal()
    rep = progress.Reporter(out=io.StringIO(), err=err)
    rep.start_epoch(2, 3, total=2)
    rep.batch(2.0, 8)
    rep.batch(1.0, 8)
    rep.end_epoch()
    assert "\repoch 2/3 2/2 loss 1.5000" in err.getvalue()
    assert err.getvalue().endswith("\r\x1b[K")       # the bar's line is cleared at the end
