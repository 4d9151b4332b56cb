"""Never lose work: SIGINT/SIGTERM save ``last.pt`` with the position in the epoch, and
``--resume`` continues to weights bit-identical to a run that was never interrupted."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import numtorch
from numtorch.cli import progress, train
from numtorch.cli.main import main

# momentum and a per-epoch schedule, so the optimizer's and the scheduler's states matter
FLAGS = ["--hidden", "16", "--batch-size", "8", "--lr", "0.05", "--momentum", "0.9",
         "--scheduler", "step", "--step-size", "1", "--gamma", "0.7", "--seed", "1", "-q"]
BATCHES = 144          # 1,150 digits for training, 8 a batch


@pytest.fixture(autouse=True)
def _no_plots(monkeypatch):
    """The PNGs are checked in test_train_run.py; here they would only cost time."""
    monkeypatch.setattr(train._plots, "plot_curves", lambda *a, **k: None)
    monkeypatch.setattr(train._plots, "plot_confusion", lambda *a, **k: None)


def _main(argv) -> tuple[int, str]:
    out, old = io.StringIO(), sys.stdout
    sys.stdout = out
    try:
        return main(argv), out.getvalue()
    finally:
        sys.stdout = old


def _load(run_dir) -> dict:
    return numtorch.load(str(run_dir / "last.pt"), weights_only=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """``reference(n)``: the last.pt of an uninterrupted n-epoch run (made once per n)."""
    made: dict = {}

    def get(epochs: int) -> dict:
        if epochs not in made:
            run_dir = tmp_path_factory.mktemp("ref") / "run"
            assert _main(["train", "--run-dir", str(run_dir), "--epochs", str(epochs),
                          *FLAGS])[0] == 0
            made[epochs] = _load(run_dir)
        return made[epochs]

    return get


def _assert_same_run(a: dict, b: dict) -> None:
    assert a["model"].keys() == b["model"].keys()
    for name in a["model"]:
        np.testing.assert_array_equal(a["model"][name].numpy(), b["model"][name].numpy(),
                                      err_msg=name)
    for i, state in a["optimizer"]["state"].items():
        np.testing.assert_array_equal(state["momentum_buffer"].numpy(),
                                      b["optimizer"]["state"][i]["momentum_buffer"].numpy())
    assert a["scheduler"] == b["scheduler"]
    assert [(r["train_loss"], r["val_loss"], r["val_accuracy"], r["lr"]) for r in a["history"]] \
        == [(r["train_loss"], r["val_loss"], r["val_accuracy"], r["lr"]) for r in b["history"]]
    np.testing.assert_array_equal(a["rng"]["loader"].numpy(), b["rng"]["loader"].numpy())


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_epoch_saves_the_position_and_resume_ends_identical(
        tmp_path, monkeypatch, capsys, reference, signum, status):
    """The signal is sent to this process at a known batch (the 10th of epoch 2)."""
    calls = []
    real_batch = progress.Reporter.batch

    def batch(self, loss, size):
        real_batch(self, loss, size)
        calls.append(size)
        if len(calls) == BATCHES + 10:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(progress.Reporter, "batch", batch)
    run_dir = tmp_path / "run"
    code, out = _main(["train", "--run-dir", str(run_dir), "--epochs", "3", *FLAGS])
    assert code == status
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--resume {run_dir}" in err[0], err
    assert "epoch 2/3, batch 10/144" in err[0]
    saved = _load(run_dir)
    assert (saved["epoch"], saved["batch"]) == (1, 10)     # 0-based epoch 1: the second
    assert len(saved["history"]) == 1 and len(out.splitlines()) == 1
    monkeypatch.setattr(progress.Reporter, "batch", real_batch)
    assert _main(["train", "--resume", str(run_dir)])[0] == 0
    _assert_same_run(_load(run_dir), reference(3))


def test_a_finished_run_can_be_extended(tmp_path, reference):
    run_dir = tmp_path / "run"
    assert _main(["train", "--run-dir", str(run_dir), "--epochs", "2", *FLAGS])[0] == 0
    code, out = _main(["train", "--resume", str(run_dir), "--epochs", "3", "-q"])
    assert code == 0
    assert out.splitlines()[0].startswith("epoch 3/3")
    _assert_same_run(_load(run_dir), reference(3))


def test_ctrl_c_to_a_training_process_then_resume_ends_identical(tmp_path, reference):
    """A real SIGINT to a separate ``numtorch train`` process, wherever it happens to be."""
    run_dir = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "numtorch", "train", "--run-dir", str(run_dir),
                             "--epochs", "1000", *FLAGS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()             # the first epoch is done: training is on
        assert first.startswith("epoch    1/1000"), first + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("numtorch train: stopped by SIGINT at ")
    assert err.rstrip().endswith(f"continue with: numtorch train --resume {run_dir}")
    saved = _load(run_dir)
    epochs = saved["epoch"] + 1                    # finish the epoch it stopped in, or one more
    code, _ = _main(["train", "--resume", str(run_dir), "--epochs", str(epochs)])
    assert code == 0
    _assert_same_run(_load(run_dir), reference(epochs))
