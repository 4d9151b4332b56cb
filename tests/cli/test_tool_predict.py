"""``numtorch predict``: classes and Softmax probabilities of CSV rows and image files against
real PyTorch on the same checkpoint; --top-k, --json, the text lines and the errors."""

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
from numtorch.cli import predict
from numtorch.cli.errors import CLIError

torch = pytest.importorskip("torch")

N_ROWS = 7


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A table checkpoint and two CSV files holding the first test rows (columns x0..x4, the
    second file with its columns in another order and an extra column)."""
    folder = tmp_path_factory.mktemp("predict_table")
    npz = str(folder / "table.npz")
    spec = write_npz(npz)
    ckpt = str(folder / "table.pt")
    make_checkpoint(ckpt, spec)
    x = np.load(npz)["x_test"][:N_ROWS]
    a = folder / "a.csv"
    a.write_text("x0,x1,x2,x3,x4\n" + "".join(
        ",".join(repr(float(v)) for v in row) + "\n" for row in x[:4]))
    b = folder / "b.csv"
    b.write_text("note,x4,x3,x2,x1,x0\n" + "".join(
        "n," + ",".join(repr(float(v)) for v in row[::-1]) + "\n" for row in x[4:]))
    return npz, ckpt, [str(a), str(b)]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """An image checkpoint (1 x 6 x 6) and the first test images as grayscale PNG files."""
    image_mod = pytest.importorskip("PIL.Image")
    folder = tmp_path_factory.mktemp("predict_images")
    npz = str(folder / "images.npz")
    spec = write_npz(npz, images=True)
    ckpt = str(folder / "images.pt")
    make_checkpoint(ckpt, spec)
    files = []
    for i, img in enumerate(np.load(npz)["x_test"][:N_ROWS]):
        path = str(folder / f"sample{i}.png")
        image_mod.fromarray(img[0], mode="L").save(path)
        files.append(path)
    return npz, ckpt, files


def reference(npz, ckpt):
    """Softmax probabilities of the first test samples, computed by real PyTorch."""
    model = torch_model(torch, ckpt)
    x, _ = torch_split(torch, npz, "test")
    with torch.no_grad():
        return torch.softmax(model(x[:N_ROWS]), dim=1).numpy()


@pytest.mark.parametrize("kind", ["table", "images"])
def test_matches_pytorch(request, capsys, kind):
    npz, ckpt, inputs = request.getfixturevalue(kind)
    rc, out, err = run_tool(predict, [ckpt, *inputs, "--json", "--top-k", "3"], capsys)
    assert rc == 0 and err == ""
    got = json.loads(out)
    want = reference(npz, ckpt)
    assert len(got) == N_ROWS
    if kind == "table":
        labels = [f"{inputs[0]}:row {i}" for i in range(1, 5)] + \
                 [f"{inputs[1]}:row {i}" for i in range(1, N_ROWS - 3)]
    else:
        labels = inputs
    assert [r["input"] for r in got] == labels
    for r, p in zip(got, want):
        assert set(r) == {"input", "class", "index", "probabilities"}
        assert r["index"] == int(np.argmax(p)) and r["class"] == CLASSES[r["index"]]
        probs = r["probabilities"]
        assert list(probs) == [CLASSES[i] for i in np.argsort(-p, kind="stable")]
        np.testing.assert_allclose([probs[c] for c in CLASSES], p, rtol=1e-5, atol=1e-7)
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 10])
def test_top_k(table, capsys, k):
    npz, ckpt, inputs = table
    _, out, _ = run_tool(predict, [ckpt, inputs[0], "--json", "--top-k", str(k)], capsys)
    want = reference(npz, ckpt)
    for r, p in zip(json.loads(out), want):
        order = np.argsort(-p, kind="stable")[:min(k, len(CLASSES))]
        assert list(r["probabilities"]) == [CLASSES[i] for i in order]
        np.testing.assert_allclose(list(r["probabilities"].values()), p[order], rtol=1e-5,
                                   atol=1e-7)


def test_text_output(table, capsys):
    npz, ckpt, inputs = table
    rc, out, err = run_tool(predict, [ckpt, *inputs], capsys)
    assert rc == 0 and err == ""
    _, js, _ = run_tool(predict, [ckpt, *inputs, "--json"], capsys)
    lines = out.splitlines()
    assert len(lines) == N_ROWS
    width = max(len(r["input"]) for r in json.loads(js))
    for line, r in zip(lines, json.loads(js)):
        top = ", ".join(f"{c} {p:.4f}" for c, p in r["probabilities"].items())
        p = r["probabilities"][r["class"]]
        assert line == f"{r['input'].ljust(width)}  {r['class']}  (p={p:.4f})   top-3: {top}"
    _, one, _ = run_tool(predict, [ckpt, inputs[0], "--top-k", "1"], capsys)
    assert all("top-" not in line and "(p=" in line for line in one.splitlines())


def test_run_folder_and_same_result_as_the_file(table, capsys, tmp_path):
    _, ckpt, inputs = table
    shutil.copyfile(ckpt, tmp_path / "best.pt")
    _, a, _ = run_tool(predict, [str(tmp_path), inputs[0], "--json"], capsys)
    _, b, _ = run_tool(predict, [ckpt, inputs[0], "--json"], capsys)
    assert json.loads(a) == json.loads(b)


def test_errors(table, images, tmp_path):
    _, ckpt, inputs = table
    _, image_ckpt, image_files = images
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    plain = tmp_path / "plain.pt"
    numtorch.save({"weights": numtorch.zeros(2)}, str(plain))
    cases = [
        ([ckpt, inputs[0], "--top-k", "0"], "--top-k must be at least 1, got 0"),
        ([ckpt, str(tmp_path / "missing.csv")], "no such file"),
        ([str(tmp_path / "nope.pt"), inputs[0]], "does not exist"),
        ([str(garbage), inputs[0]], "is not a readable checkpoint"),
        ([str(plain), inputs[0]], "is not a numtorch-train checkpoint"),
        ([image_ckpt, inputs[0]], f"cannot read the image {inputs[0]}"),  # CSV to an image model
        ([ckpt, image_files[0]], f"cannot read {image_files[0]}"),        # image to a table model
    ]
    for argv, phrase in cases:
        with pytest.raises(CLIError) as err:
            predict.main(parse(predict, argv))
        assert "\n" not in str(err.value) and phrase in str(err.value), (argv, str(err.value))


def test_the_numtorch_command(table):
    """Through `python -m numtorch predict`."""
    npz, ckpt, inputs = table
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(numtorch.__file__)))
    ok = subprocess.run([sys.executable, "-m", "numtorch", "predict", ckpt, inputs[0], "--json"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert [r["index"] for r in json.loads(ok.stdout)] == \
        [int(i) for i in reference(npz, ckpt).argmax(axis=1)[:4]]
    r = subprocess.run([sys.executable, "-m", "numtorch", "predict", ckpt, inputs[0],
                        "--top-k", "0"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "numtorch predict: error: --top-k must be at least 1, got 0\n"


def test_a_reader_that_leaves_early(table):
    """`numtorch predict ... | head -1`: the closed pipe ends the command quietly (status 141,
    no traceback), as a shell command ended by SIGPIPE."""
    npz, ckpt, inputs = table
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(numtorch.__file__)))
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        r = subprocess.run([sys.executable, "-m", "numtorch", "predict", ckpt, *inputs],
                           stdout=write_end, stderr=subprocess.PIPE, text=True, env=env,
                           timeout=120)
    finally:
        os.close(write_end)
    assert r.returncode == 141, r.stderr
    assert "Traceback" not in r.stderr and "BrokenPipeError" not in r.stderr
