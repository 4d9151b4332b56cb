"""``numtorch evaluate``: loss and accuracy against real PyTorch on the same checkpoint, the
report and confusion matrix against a brute-force count, and every bad checkpoint as a one-line
CLIError."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from support.tool_checkpoints import (
    CLASSES,
    make_checkpoint,
    parse,
    run_tool,
    torch_model,
    torch_split,
    write_npz,
)

import numtorch
from numtorch.cli import evaluate
from numtorch.cli.errors import CLIError

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two trained checkpoints: a table model and an image model (1 x 6 x 6)."""
    folder = tmp_path_factory.mktemp("evaluate")
    out = {}
    for kind in ("table", "image"):
        npz = str(folder / f"{kind}.npz")
        spec = write_npz(npz, images=kind == "image")
        ckpt = str(folder / f"{kind}.pt")
        make_checkpoint(ckpt, spec)
        out[kind] = (npz, ckpt)
    return out


@pytest.mark.parametrize("kind", ["table", "image"])
@pytest.mark.parametrize("split", ["test", "val", "train"])
def test_matches_pytorch(runs, capsys, kind, split):
    npz, ckpt = runs[kind]
    rc, out, err = run_tool(evaluate, [ckpt, "--split", split, "--json", "--batch-size", "16"],
                            capsys)
    assert rc == 0 and err == ""
    got = json.loads(out)
    # the reference: real PyTorch, weights from torch.load(weights_only=True), the split made
    # with torch's random_split and the documented normalisation
    model = torch_model(torch, ckpt)
    x, y = torch_split(torch, npz, split)
    with torch.no_grad():
        logp = model(x)
        loss = torch.nn.functional.nll_loss(logp, y).item()
        pred = logp.argmax(dim=1)
    assert got["samples"] == len(y)
    assert got["loss"] == pytest.approx(loss, rel=1e-5, abs=1e-6)
    assert got["accuracy"] == (pred == y).double().mean().item()
    assert got["correct"] == int((pred == y).sum())
    cm = np.zeros((3, 3), dtype=np.int64)
    for t, p in zip(y.tolist(), pred.tolist()):
        cm[t, p] += 1
    assert got["confusion_matrix"] == cm.tolist()
    assert got["classes"] == CLASSES
    assert [r["class"] for r in got["report"]["per_class"]] == CLASSES
    for c, row in enumerate(got["report"]["per_class"]):
        tp = cm[c, c]
        assert row["support"] == cm[c].sum()
        assert row["precision"] == pytest.approx(tp / cm[:, c].sum() if cm[:, c].sum() else 0.0)
        assert row["recall"] == pytest.approx(tp / cm[c].sum() if cm[c].sum() else 0.0)
    assert got["report"]["accuracy"] == pytest.approx(got["accuracy"])
    assert got["split"] == split and got["dataset"] == f"npz:{npz}"


def test_text_output(runs, capsys, tmp_path):
    npz, ckpt = runs["table"]
    rc, out, err = run_tool(evaluate, [ckpt], capsys)
    assert rc == 0 and err == ""
    rc, js, _ = run_tool(evaluate, [ckpt, "--json"], capsys)
    got = json.loads(js)
    lines = out.splitlines()
    assert lines[0] == f"checkpoint  {ckpt}"
    assert lines[1] == f"dataset     npz:{npz} (test split, {got['samples']} samples)"
    assert lines[2] == (f"accuracy    {got['accuracy']:.4f} "
                        f"({got['correct']}/{got['samples']})")
    assert lines[3] == f"loss        {got['loss']:.4f} (mean NLL)"
    assert lines[5].split() == ["precision", "recall", "f1-score", "support"]
    for name, row in zip(CLASSES, got["report"]["per_class"]):
        line = next(line for line in lines if line.split()[:1] == [name])
        assert line.split()[1:] == [f"{row['precision']:.4f}", f"{row['recall']:.4f}",
                                    f"{row['f1']:.4f}", str(row["support"])]
    i = lines.index("confusion matrix (rows: true class, columns: predicted class)")
    assert lines[i + 1].split()[-3:] == CLASSES
    assert [[int(v) for v in line.split()[1:]] for line in lines[i + 2:i + 5]] == \
        got["confusion_matrix"]


def test_run_folder_means_its_best_checkpoint(runs, capsys, tmp_path):
    _, ckpt = runs["table"]
    shutil.copyfile(ckpt, tmp_path / "best.pt")
    _, a, _ = run_tool(evaluate, [str(tmp_path), "--json"], capsys)
    _, b, _ = run_tool(evaluate, [ckpt, "--json"], capsys)
    a, b = json.loads(a), json.loads(b)
    assert a["loss"] == b["loss"] and a["confusion_matrix"] == b["confusion_matrix"]


def test_other_dataset_spec(runs, capsys, tmp_path):
    """--dataset evaluates on another file with the same columns (here the test arrays saved as
    a separate npz without a test split: all of it is test data), normalised with the
    checkpoint's statistics."""
    npz, ckpt = runs["table"]
    z = np.load(npz)
    other = tmp_path / "other.npz"
    np.savez(other, x=z["x_test"], y=z["y_test"], classes=z["classes"])
    _, a, _ = run_tool(evaluate, [ckpt, "--json"], capsys)
    _, b, _ = run_tool(evaluate, [ckpt, "--json", "--dataset", f"npz:{other}"], capsys)
    a, b = json.loads(a), json.loads(b)
    assert b["dataset"] == f"npz:{other}"
    assert b["loss"] == pytest.approx(a["loss"], rel=1e-6)
    assert b["confusion_matrix"] == a["confusion_matrix"]


def test_confusion_png(runs, capsys, tmp_path):
    pytest.importorskip("matplotlib")
    image_mod = pytest.importorskip("PIL.Image")
    _, ckpt = runs["table"]
    path = tmp_path / "confusion.png"
    rc, out, err = run_tool(evaluate, [ckpt, "--confusion", str(path)], capsys)
    assert rc == 0 and err == ""
    assert out.rstrip().endswith(f"confusion matrix drawn in {path}")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with image_mod.open(path) as im:
        im.load()
        assert im.size == (500, 500)


def test_confusion_without_matplotlib_is_a_note(runs, capsys, tmp_path, monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends",
                 "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    _, ckpt = runs["table"]
    path = tmp_path / "confusion.png"
    rc, out, err = run_tool(evaluate, [ckpt, "--json", "--confusion", str(path)], capsys)
    assert rc == 0
    json.loads(out)                                  # stdout stays pure JSON
    assert err.count("\n") == 1 and err.startswith("numtorch evaluate: note: matplotlib is not")
    assert not path.exists()


# ----------------------------------------------------------------------------- bad input

class NotAllowed:
    """Pickled by reference: a global that a weights-only load refuses."""


def _save(path, obj):
    numtorch.save(obj, str(path))
    return str(path)


def _bad_checkpoints(tmp_path, good: str):
    ckpt = numtorch.load(good, weights_only=True)
    with open(good, "rb") as fh:
        raw = fh.read()

    other = dict(ckpt, config=dict(ckpt["config"], model=dict(ckpt["config"]["model"],
                                                                hidden=[4])))
    extra = dict(ckpt, model=dict(ckpt["model"], **{"9.weight": numtorch.zeros(2)}))
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "garbage.pt").write_bytes(b"this is not a checkpoint" * 20)
    (tmp_path / "truncated.pt").write_bytes(raw[:len(raw) // 2])
    (tmp_path / "run").mkdir()
    return [  # (id, path, the message's key phrase)
        ("missing", str(tmp_path / "nope.pt"), "does not exist"),
        ("empty_file", str(tmp_path / "empty"), "is not a readable checkpoint"),
        ("garbage", str(tmp_path / "garbage.pt"), "is not a readable checkpoint"),
        ("truncated", str(tmp_path / "truncated.pt"), "is not a readable checkpoint"),
        ("unsafe_global", _save(tmp_path / "unsafe.pt", {"format": NotAllowed()}),
         "which a weights-only load refuses"),
        ("state_dict_only", _save(tmp_path / "sd.pt", ckpt["model"]),
         "is not a numtorch-train checkpoint"),
        ("tensor", _save(tmp_path / "t.pt", numtorch.zeros(3)),
         "is not a numtorch-train checkpoint"),
        ("other_format", _save(tmp_path / "f.pt", dict(ckpt, format="numtorch-train/9")),
         "has checkpoint format 'numtorch-train/9'"),
        ("no_data", _save(tmp_path / "nd.pt", {k: v for k, v in ckpt.items() if k != "data"}),
         "incomplete numtorch-train checkpoint (missing or invalid: data)"),
        ("bad_shape", _save(tmp_path / "bs.pt", dict(ckpt, data=dict(ckpt["data"],
                                                                    input_shape=[0]))),
         "missing or invalid: data.input_shape"),
        ("other_architecture", _save(tmp_path / "arch.pt", other),
         "do not fit the model its configuration describes (size mismatch for 1.weight"),
        ("unexpected_key", _save(tmp_path / "key.pt", extra),
         "do not fit the model its configuration describes (Unexpected key(s)"),
        ("unknown_activation", _save(tmp_path / "act.pt", dict(ckpt, config=dict(
            ckpt["config"], model=dict(ckpt["config"]["model"], activation="swishy")))),
         "unknown activation 'swishy'"),
        ("folder_without_best", str(tmp_path / "run"), "is a folder without best.pt"),
    ]


def test_bad_checkpoints(runs, capsys, tmp_path):
    _, good = runs["table"]
    for name, path, phrase in _bad_checkpoints(tmp_path, good):
        with pytest.raises(CLIError) as err:
            evaluate.main(parse(evaluate, [path]))
        message = str(err.value)
        assert "\n" not in message and phrase in message, (name, message)
        assert path in message, (name, message)
        assert len(message) - len(path) < 240, (name, message)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("argv,phrase", [
    (["--batch-size", "0"], "--batch-size must be a positive integer, got 0"),
    (["--split", "val", "--dataset", "digits"], "holds images but the model was trained on"),
    (["--confusion", "/nonexistent-folder/c.png"], "--confusion: folder /nonexistent-folder"),
    (["--confusion", "/"], "--confusion: / is a folder, not a .png file"),
])
def test_bad_arguments(runs, argv, phrase):
    _, ckpt = runs["table"]
    with pytest.raises(CLIError) as err:
        evaluate.main(parse(evaluate, [ckpt, *argv]))
    assert "\n" not in str(err.value) and phrase in str(err.value)


def test_the_numtorch_command(runs, tmp_path):
    """Through `python -m numtorch evaluate`: exit 0 with the
    report; a corrupt checkpoint -> one line on stderr, exit 2, no traceback."""
    _, ckpt = runs["table"]
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(numtorch.__file__)))
    ok = subprocess.run([sys.executable, "-m", "numtorch", "evaluate", ckpt, "--json"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["samples"] == 45
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    r = subprocess.run([sys.executable, "-m", "numtorch", "evaluate", str(bad)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"numtorch evaluate: error: {bad} is not a readable checkpoint " \
                       "(corrupt or truncated file?)\n"


def test_a_real_training_run(tmp_path, capsys):
    """The checkpoints `numtorch train` writes: evaluate's test loss and accuracy of last.pt are
    those the run reported for its final weights (results.json) and those real PyTorch computes
    from the same file."""
    from numtorch.cli import main as cli_main

    npz = str(tmp_path / "blobs.npz")
    spec = write_npz(npz)
    run_dir = str(tmp_path / "run")
    assert cli_main.main(["train", "--dataset", spec, "--val-fraction", "0.25", "--hidden", "7",
                          "--epochs", "2", "--batch-size", "16", "--run-dir", run_dir,
                          "-q"]) == 0
    capsys.readouterr()
    with open(os.path.join(run_dir, "results.json")) as fh:
        results = json.load(fh)
    last = os.path.join(run_dir, "last.pt")
    rc, out, _ = run_tool(evaluate, [last, "--json"], capsys)
    got = json.loads(out)
    assert rc == 0 and results["split"] == "test"
    assert got["loss"] == pytest.approx(results["loss"], rel=1e-5)
    assert got["accuracy"] == pytest.approx(results["accuracy"])
    model = torch_model(torch, last)
    x, y = torch_split(torch, npz, "test")
    with torch.no_grad():
        logp = model(x)
    assert got["loss"] == pytest.approx(torch.nn.functional.nll_loss(logp, y).item(), rel=1e-5)
    assert got["accuracy"] == (logp.argmax(dim=1) == y).double().mean().item()
    rc, _, _ = run_tool(evaluate, [os.path.join(run_dir, "best.pt")], capsys)
    assert rc == 0
