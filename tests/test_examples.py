"""The examples run, and the guide's network follows PyTorch's loss curve step for step."""

from __future__ import annotations

import contextlib
import io
import pathlib
import types

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(source: str, name: str):
    mod = types.ModuleType(name)
    exec(compile(source, name, "exec"), mod.__dict__)
    return mod


def _run(mod):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        acc = mod.main()
    return acc, out.getvalue().splitlines()


def test_simple_net_trains_and_matches_pytorch():
    pytest.importorskip("torch")
    src = (ROOT / "examples" / "simple_net.py").read_text()
    acc, lines = _run(_load(src, "simple_net_numtorch"))
    assert acc > 0.9
    torch_src = src.replace("import numtorch as torch", "import torch").replace(
        "numtorch.", "torch."
    )
    acc_t, lines_t = _run(_load(torch_src, "simple_net_torch"))
    assert len(lines) == len(lines_t) == 11
    for a, b in zip(lines[:-1], lines_t[:-1]):  # "Epoch i/10, Loss: x" with 4 decimals
        la, lb = float(a.rsplit(" ", 1)[1]), float(b.rsplit(" ", 1)[1])
        assert abs(la - lb) <= 2e-4, (a, b)
    assert abs(acc - acc_t) < 1e-6


def test_digits_pipeline_learns():
    """The guide's whole pipeline on the bundled digits: validation accuracy well above chance."""
    pytest.importorskip("PIL")
    mod = _load((ROOT / "examples" / "digits.py").read_text(), "digits_example")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        acc = mod.main(epochs=3)
    assert acc > 0.85
    assert out.getvalue().count("validation accuracy") == 3


def test_digits_prints_the_epoch_mean_loss():
    """Each epoch's printed loss is the mean over the epoch's samples (sum of each mini-batch's
    mean loss times its size, over N), not the last mini-batch's loss."""
    pytest.importorskip("PIL")
    mod = _load((ROOT / "examples" / "digits.py").read_text(), "digits_example_loss")
    seen = []  # (loss, batch size) of every mini-batch, in order

    class RecordingNLLLoss(mod.nn.NLLLoss):
        def forward(self, input, target):
            loss = super().forward(input, target)
            seen.append((loss.item(), len(target)))
            return loss

    mod.nn = types.SimpleNamespace(**{**vars(mod.nn), "NLLLoss": RecordingNLLLoss})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        mod.main(epochs=2)
    lines = out.getvalue().splitlines()
    per_epoch = len(seen) // 2
    assert len(lines) == 2 and per_epoch * 2 == len(seen)
    for epoch, line in enumerate(lines):
        batches = seen[epoch * per_epoch:(epoch + 1) * per_epoch]
        n = sum(size for _, size in batches)
        expected = sum(loss * size for loss, size in batches) / n
        printed = float(line.split("Loss: ")[1].split(",")[0])
        assert printed == float(f"{expected:.4f}"), (line, expected)
        assert f"{batches[-1][0]:.4f}" != f"{expected:.4f}", "the last batch's loss, not the mean"
