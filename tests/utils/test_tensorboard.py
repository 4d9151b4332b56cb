"""numtorch.utils.tensorboard against torch.utils.tensorboard: same calls, same records.

Each case in ``CASES`` makes the same ``add_*`` calls on numtorch's ``SummaryWriter`` and on
PyTorch's (inputs built from one NumPy array into each library's tensors, fixed walltimes),
then reads both log directories back with TensorBoard's own readers: every event of every
event file (wall times set by the file writer aside) must be equal as protocol buffers, which
covers tags, steps, values, plugin data, histogram buckets and the PNG bytes; and
``EventAccumulator`` must see the same scalars, histograms and images in each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
pytest.importorskip("PIL")

from conftest import assert_same_error  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from tensorboard.backend.event_processing.event_file_loader import (  # noqa: E402
    RawEventFileLoader,
)
from tensorboard.compat.proto.event_pb2 import Event  # noqa: E402
from torch.utils import tensorboard as torch_tb  # noqa: E402

import numtorch  # noqa: E402
from numtorch.utils import tensorboard as nt_tb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WT = 1_700_000_000.0  # a fixed walltime for every record that takes one

rng = np.random.default_rng(0)
NORMAL = rng.standard_normal((4, 50)).astype(np.float32)
IMG_CHW = rng.random((3, 6, 5)).astype(np.float32)
IMG_HWC_U8 = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
IMG_RGBA = rng.random((4, 3, 4))
IMG_WIDE = rng.random((7, 4)) * 1.5 - 0.25  # out of [0, 1]: clipped
BATCH = rng.random((10, 3, 4, 4)).astype(np.float32)  # 10 images: a grid of 8 + 2
BATCH_GREY = rng.random((3, 4, 5, 1))
PRED = rng.random(40)
LABELS = (rng.random(40) < PRED).astype(np.int64)


def _figure(color):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.5, 1.0), dpi=40)
    ax.plot([0, 1, 2], [2, 0, 1], color=color)
    return fig


# (name, calls): calls(w, mk) logs through writer ``w``; mk(array) makes that library's tensor
CASES = [
    ("scalar_numbers", lambda w, mk: [
        w.add_scalar("loss", 0.5, 0, walltime=WT), w.add_scalar("loss", 3, 1, walltime=WT),
        w.add_scalar("loss", np.float32(0.1), 2, walltime=WT),
        w.add_scalar("acc", True, np.int64(7), walltime=WT)]),
    ("scalar_tensors", lambda w, mk: [
        w.add_scalar("a/b", mk(np.array(1.25, np.float32)), 3, walltime=WT),
        w.add_scalar("a/c", mk(np.array([0.1], np.float64)), 4, walltime=WT),
        w.add_scalar("a/d", mk(np.array([[7]], np.int64)), walltime=WT),
        w.add_scalar("a/e", mk(np.array(0.5, np.float32)).requires_grad_(), 5, walltime=WT),
        w.add_histogram("h", mk(NORMAL).requires_grad_(), 5, walltime=WT)]),
    ("scalar_new_style", lambda w, mk: [
        w.add_scalar("s", 0.1, 0, walltime=WT, new_style=True),
        w.add_scalar("d", 0.1, 0, walltime=WT, new_style=True, double_precision=True)]),
    ("scalars", lambda w, mk: [
        w.add_scalars("run/loss", {"train": 0.5, "val": mk(np.array(0.75))}, 0, walltime=WT),
        w.add_scalars("run/loss", {"train": 0.25, "val": 0.5}, 1, walltime=WT)]),
    ("histogram_default_bins", lambda w, mk: [
        w.add_histogram("w", mk(NORMAL), 0, walltime=WT),
        w.add_histogram("w", NORMAL.astype(np.float64) * 1e3 + 5, 1, walltime=WT),
        w.add_histogram("ints", mk(np.arange(-3, 9)), 2, walltime=WT),
        w.add_histogram("one", 2.5, 3, walltime=WT),
        w.add_histogram("zeros", np.zeros(4), 4, walltime=WT)]),
    ("histogram_numpy_bins", lambda w, mk: [
        w.add_histogram("auto", mk(NORMAL), 0, bins="auto", walltime=WT),
        w.add_histogram("count", mk(NORMAL), 0, bins=7, walltime=WT),
        w.add_histogram("edges", NORMAL, 0, bins=[-1.0, 0.0, 0.5, 3.0], walltime=WT),
        w.add_histogram("merged", mk(NORMAL), 0, walltime=WT, max_bins=30),
        w.add_histogram("merged_fd", NORMAL, 1, bins=40, walltime=WT, max_bins=7)]),
    ("histogram_raw", lambda w, mk: [
        w.add_histogram_raw("raw", -1.0, 3.0, 6, 5.0, 15.0, [0.0, 1.0, 3.0], [1, 2, 3], 0,
                            walltime=WT)]),
    ("image_layouts", lambda w, mk: [
        w.add_image("chw", mk(IMG_CHW), 0, walltime=WT),
        w.add_image("hwc_u8", mk(IMG_HWC_U8), 0, walltime=WT, dataformats="HWC"),
        w.add_image("rgba", IMG_RGBA, 1, walltime=WT, dataformats="HWC"),
        w.add_image("hw", mk(IMG_WIDE), 2, walltime=WT, dataformats="HW"),
        w.add_image("wh", IMG_WIDE, 2, walltime=WT, dataformats="WH"),
        w.add_image("grey_chw", mk(IMG_CHW[:1]), 3, walltime=WT),
        w.add_image("whc", mk(IMG_HWC_U8), 3, walltime=WT, dataformats="whc")]),
    ("images_batches", lambda w, mk: [
        w.add_images("nchw", mk(BATCH), 0, walltime=WT),
        w.add_images("nhwc_grey", BATCH_GREY, 1, walltime=WT, dataformats="NHWC"),
        w.add_images("single", mk(BATCH[:1]), 2, walltime=WT)]),
    ("figures", lambda w, mk: [
        w.add_figure("fig", _figure("red"), 0, walltime=WT),
        w.add_figure("figs", [_figure("blue"), _figure("green")], 1, walltime=WT)]),
    ("text", lambda w, mk: [
        w.add_text("notes", "**lr** = 0.1, é", 0, walltime=WT),
        w.add_text("notes", "", 1, walltime=WT)]),
    ("hparams", lambda w, mk: w.add_hparams(
        {"lr": 0.1, "bsize": 32, "opt": "sgd", "nesterov": True, "skip": None,
         "wd": mk(np.array([1e-4]))},
        {"hparam/accuracy": 0.9, "hparam/loss": mk(np.array(0.3))},
        hparam_domain_discrete={"opt": ["sgd", "adam"], "bsize": [16, 32]},
        run_name="trial0", global_step=5)),
    ("hparams_plain", lambda w, mk: w.add_hparams({"x": 1.5}, {}, run_name="r")),
    ("pr_curve", lambda w, mk: [
        w.add_pr_curve("pr", mk(LABELS), mk(PRED), 0, walltime=WT),
        w.add_pr_curve("pr_w", LABELS, PRED, 1, num_thresholds=300, walltime=WT,
                       weights=np.linspace(0.5, 1.5, 40)),
        w.add_pr_curve("pr_few", LABELS, PRED, 2, num_thresholds=5, walltime=WT)]),
    ("pr_curve_raw", lambda w, mk: w.add_pr_curve_raw(
        "raw", [3, 2, 0], [2, 1, 0], [0, 1, 2], [0, 1, 3], [0.6, 0.66, 0.0], [1.0, 0.66, 0.0],
        4, num_thresholds=3, walltime=WT)),
    ("custom_scalars", lambda w, mk: [
        w.add_custom_scalars({"Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                              "USA": {"dow": ["Margin", ["dow/a", "dow/b", "dow/c"]]}}),
        w.add_custom_scalars_multilinechart(["a", "b"]),
        w.add_custom_scalars_marginchart(["m", "lo", "hi"], category="c", title="t")]),
    ("tensor", lambda w, mk: [
        w.add_tensor("f32", mk(NORMAL[:2, :3]), 0, walltime=WT),
        w.add_tensor("f64", mk(np.arange(4.0)), 0, walltime=WT),
        w.add_tensor("i64", mk(np.arange(6).reshape(2, 3)), 0, walltime=WT),
        w.add_tensor("u8", mk(np.arange(3, dtype=np.uint8)), 0, walltime=WT),
        w.add_tensor("b", mk(np.array([True, False])), 0, walltime=WT),
        w.add_tensor("f16", mk(np.array([0.5, -2.0], np.float16)), 0, walltime=WT)]),
    ("audio", lambda w, mk: [
        w.add_audio("tone", mk(np.sin(np.linspace(0, 20, 300))[None]), 0, sample_rate=8000,
                    walltime=WT),
        w.add_audio("loud", np.linspace(-2, 2, 50), 1, walltime=WT)]),
]


def _write(tb, mk, calls, logdir, **kwargs):
    with tb.SummaryWriter(logdir, **kwargs) as w:
        calls(w, mk)


def _events(logdir):
    """{relative directory: [events of its event files, file by file]}; wall times other than
    ``WT`` (the time a record was made) are checked to be recent, then set to 0."""
    out = {}
    now = time.time()
    for folder, _, files in sorted(os.walk(logdir)):
        names = sorted(f for f in files if f.startswith("events.out.tfevents."))
        if not names:
            continue
        rel = os.path.relpath(folder, logdir)
        out[rel] = []
        for name in names:
            for record in RawEventFileLoader(os.path.join(folder, name)).Load():
                event = Event.FromString(record)
                if event.HasField("file_version"):
                    assert event.file_version == "brain.Event:2"
                if event.wall_time != WT:
                    assert now - 60 < event.wall_time <= now
                    event.wall_time = 0
                out[rel].append(event)
    return out


def _both(tmp_path, calls, **kwargs):
    """Run ``calls`` on both writers; return (numtorch's events, PyTorch's events, dirs)."""
    nt_dir, t_dir = str(tmp_path / "numtorch"), str(tmp_path / "torch")
    _write(nt_tb, numtorch.tensor, calls, nt_dir, **kwargs)
    _write(torch_tb, torch.tensor, calls, t_dir, **kwargs)
    return _events(nt_dir), _events(t_dir), (nt_dir, t_dir)


@pytest.mark.parametrize("name,calls", CASES, ids=[c[0] for c in CASES])
def test_same_records_as_torch(tmp_path, name, calls):
    ours, theirs, _ = _both(tmp_path, calls)
    assert sorted(ours) == sorted(theirs)
    assert sum(len(v) for v in ours.values()) > 1
    for folder in theirs:
        assert len(ours[folder]) == len(theirs[folder]), folder
        for mine, ref in zip(ours[folder], theirs[folder]):
            assert mine == ref, f"{folder}:\n{mine}\n!=\n{ref}"


def test_purge_step_records(tmp_path):
    calls = lambda w, mk: w.add_scalar("x", 1.0, 12, walltime=WT)  # noqa: E731
    ours, theirs, _ = _both(tmp_path, calls, purge_step=10)
    # the file's own version record, then the purge records: a version and a START at step 10
    assert [(e.step, e.file_version) for e in ours["."][:2]] == [(0, "brain.Event:2"),
                                                              (10, "brain.Event:2")]
    assert ours["."][2].session_log.status == ours["."][2].session_log.START
    assert ours["."][2].step == 10
    assert ours == theirs


def test_accumulator_reads_the_same(tmp_path):
    """TensorBoard's loader sees the same tags, steps, values, buckets and image sizes."""
    def calls(w, mk):
        for step in range(3):
            w.add_scalar("loss", mk(np.array(1.0 / (step + 1), np.float32)), step)
            w.add_histogram("w", mk(NORMAL * (step + 1)), step)
        w.add_image("img", mk(IMG_CHW), 0)
        w.add_images("batch", mk(BATCH), 1)
        w.add_text("t", "hello", 2)

    _, _, (nt_dir, t_dir) = _both(tmp_path, calls)
    acc = [EventAccumulator(d, size_guidance={"tensors": 0}).Reload() for d in (nt_dir, t_dir)]
    ours, theirs = acc
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"] == ["loss"]
    assert ours.Tags()["histograms"] == ["w"]
    assert sorted(ours.Tags()["images"]) == ["batch", "img"] == sorted(theirs.Tags()["images"])
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"] == ["t/text_summary"]
    assert [(e.step, e.value) for e in ours.Scalars("loss")] == \
        [(e.step, e.value) for e in theirs.Scalars("loss")] == \
        [(0, 1.0), (1, 0.5), (2, np.float32(1 / 3).item())]
    for mine, ref in zip(ours.Histograms("w"), theirs.Histograms("w")):
        assert mine.step == ref.step and mine.histogram_value == ref.histogram_value
        assert mine.histogram_value.num == NORMAL.size
        assert sum(mine.histogram_value.bucket) == NORMAL.size
    sizes = [(e.width, e.height) for tag in ("img", "batch") for e in ours.Images(tag)]
    assert sizes == [(e.width, e.height) for tag in ("img", "batch") for e in theirs.Images(tag)]
    assert sizes == [(5, 6), (32, 8)]


def test_png_holds_the_pixels(tmp_path):
    """The PNG decodes to the input scaled to 0..255 (CHW float -> HWC uint8)."""
    import io

    from PIL import Image

    with nt_tb.SummaryWriter(str(tmp_path)) as w:
        w.add_image("img", numtorch.tensor(IMG_CHW), 0)
    (event,) = [e for e in _events(str(tmp_path))["."] if e.HasField("summary")]
    png = Image.open(io.BytesIO(event.summary.value[0].image.encoded_image_string))
    expected = (IMG_CHW.transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(png), expected)


def test_default_logdir_comment_and_files(tmp_path, monkeypatch):
    import socket

    monkeypatch.chdir(tmp_path)
    w = nt_tb.SummaryWriter(comment="_lr0.1", filename_suffix=".v1")
    w.close()
    logdir = w.get_logdir()
    head, name = os.path.split(logdir)
    assert head == "runs" and name.endswith("_" + socket.gethostname() + "_lr0.1")
    (f,) = os.listdir(logdir)
    assert f.startswith("events.out.tfevents.") and f.endswith(".v1")
    t = torch_tb.SummaryWriter(comment="_lr0.1")
    t.close()
    assert len(t.get_logdir()) == len(logdir) and t.get_logdir()[:5] == logdir[:5]
    path = tmp_path / "given"
    assert nt_tb.SummaryWriter(path, comment="ignored").get_logdir() == path


def test_signature_and_api_match_torch():
    import inspect

    for meth in ["__init__", "add_scalar", "add_scalars", "add_histogram", "add_histogram_raw",
                 "add_image", "add_images", "add_figure", "add_text", "add_hparams",
                 "add_pr_curve", "add_pr_curve_raw", "add_custom_scalars", "add_tensor",
                 "add_audio", "add_custom_scalars_marginchart",
                 "add_custom_scalars_multilinechart", "add_embedding", "flush", "close",
                 "get_logdir"]:
        ours = inspect.signature(getattr(nt_tb.SummaryWriter, meth))
        theirs = inspect.signature(getattr(torch_tb.SummaryWriter, meth))
        assert list(ours.parameters) == list(theirs.parameters), meth
        assert [p.default for p in ours.parameters.values()] == \
            [p.default for p in theirs.parameters.values()], meth
    assert set(torch_tb.__all__) == set(nt_tb.__all__)
    assert nt_tb.RecordWriter is torch_tb.RecordWriter


def test_close_flush_and_reopen(tmp_path):
    w = nt_tb.SummaryWriter(str(tmp_path), flush_secs=1000, max_queue=1000)
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert [e.summary.value[0].simple_value for e in _events(str(tmp_path))["."]
            if e.HasField("summary")] == [1.0]
    w.close()
    w.close()  # twice is fine
    w.flush()
    w.add_scalar("x", 2.0, 1)  # after close: a new event file
    w.close()
    assert len(os.listdir(tmp_path)) == 2
    assert [e.summary.value[0].simple_value for e in _events(str(tmp_path))["."]
            if e.HasField("summary")] == [1.0, 2.0]


ERRORS = [
    ("scalar_many", lambda w, mk: w.add_scalar("x", mk(np.zeros(2)))),
    ("scalar_list", lambda w, mk: w.add_scalar("x", [1.0])),
    ("scalar_str", lambda w, mk: w.add_scalar("x", "abc")),
    ("image_rank", lambda w, mk: w.add_image("x", mk(np.zeros((2, 2))))),
    ("image_repeat", lambda w, mk: w.add_image("x", mk(np.zeros((2, 2))), dataformats="HH")),
    ("images_4_channels", lambda w, mk: w.add_images("x", mk(np.zeros((2, 4, 2, 2))))),
    ("histogram_empty", lambda w, mk: w.add_histogram("x", mk(np.zeros(0)))),
    ("histogram_outside", lambda w, mk: w.add_histogram("x", mk(np.ones(3)), bins=[5.0, 6, 7])),
    ("hparams_0d_tensor", lambda w, mk: w.add_hparams({"lr": mk(np.array(0.1))}, {})),
    ("histogram_nan", lambda w, mk: w.add_histogram("x", np.array([np.nan, 1.0]), bins=5)),
    ("histogram_raw_lengths", lambda w, mk: w.add_histogram_raw("x", 0, 1, 2, 1, 1, [1], [])),
    ("hparams_not_dict", lambda w, mk: w.add_hparams([("lr", 0.1)], {})),
    ("hparams_bad_value", lambda w, mk: w.add_hparams({"lr": [0.1]}, {})),
    ("hparams_bad_domain", lambda w, mk: w.add_hparams({"lr": 0.1}, {},
                                                       hparam_domain_discrete={"lr": ["a"]})),
    ("hparams_domain_not_dict", lambda w, mk: w.add_hparams({"lr": 0.1}, {},
                                                            hparam_domain_discrete=[1])),
    ("marginchart_tags", lambda w, mk: w.add_custom_scalars_marginchart(["a", "b"])),
    ("margin_layout", lambda w, mk: w.add_custom_scalars({"c": {"t": ["Margin", ["a"]]}})),
    ("text_not_str", lambda w, mk: w.add_text("x", 3)),
    ("embedding_labels", lambda w, mk: w.add_embedding(mk(np.zeros((3, 2))), metadata=["a"])),
    ("embedding_images", lambda w, mk: w.add_embedding(mk(np.zeros((3, 2))),
                                                       label_img=mk(np.zeros((2, 3, 2, 2))))),
    ("embedding_rank", lambda w, mk: w.add_embedding(mk(np.zeros(3)))),
    ("embedding_header", lambda w, mk: w.add_embedding(mk(np.zeros((1, 2))), metadata=[[1, 2]],
                                                       metadata_header=["a"])),
]


@pytest.mark.parametrize("name,calls", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(tmp_path, name, calls):
    with nt_tb.SummaryWriter(str(tmp_path / "n")) as ours, \
            torch_tb.SummaryWriter(str(tmp_path / "t")) as theirs:
        assert_same_error(lambda: calls(theirs, torch.tensor),
                          lambda: calls(ours, numtorch.tensor))


def _run(code, *args):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


BLOCKED = """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "tensorboard" or name.startswith("tensorboard."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, Block())
    for module in ("numtorch.utils.tensorboard", "torch.utils.tensorboard"):
        try:
            __import__(module)
        except ImportError as e:
            print(type(e).__name__, e)
"""


def test_missing_tensorboard_gives_torchs_error():
    out = _run(BLOCKED)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ModuleNotFoundError No module named 'tensorboard'\n" * 2


def test_import_numtorch_does_not_import_tensorboard():
    out = _run("""
        import sys
        import numtorch, numtorch.utils, numtorch.utils.data
        print(sorted(m for m in sys.modules
                     if m.split('.')[0] in ('tensorboard', 'PIL', 'matplotlib', 'google')))
        print(hasattr(numtorch.utils, 'tensorboard'))
    """)
    assert out.stdout == "[]\nFalse\n", out.stderr


def test_torch_utils_tensorboard_under_the_runner(tmp_path):
    """``import torch.utils.tensorboard`` in a script run by numtorch gives this module."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        import torch.utils.tensorboard
        from torch.utils.tensorboard import SummaryWriter
        assert torch.utils.tensorboard.SummaryWriter is SummaryWriter
        print(SummaryWriter.__module__, type(torch.ones(1)).__module__)
        with SummaryWriter(sys.argv[1]) as w:
            w.add_scalar("x", torch.ones(()), 0)
    """))
    out = subprocess.run([sys.executable, "-m", "numtorch", "run", str(script),
                          str(tmp_path / "logs")], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numtorch.utils.tensorboard.writer", "numtorch._tensor"]
    assert [e.summary.value[0].simple_value for e in _events(str(tmp_path / "logs"))["."]
            if e.HasField("summary")] == [1.0]


def test_add_graph_says_it_is_missing(tmp_path):
    with nt_tb.SummaryWriter(str(tmp_path)) as w, pytest.raises(NotImplementedError,
                                                                match="add_graph"):
        w.add_graph(numtorch.nn.Linear(2, 2), numtorch.ones(1, 2))


def _files(logdir):
    """{relative path: bytes} of every file but the event files."""
    out = {}
    for folder, _, files in os.walk(logdir):
        for name in files:
            if not name.startswith("events.out.tfevents."):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    out[os.path.relpath(path, logdir)] = f.read()
    return out


def test_embedding_files_match_torch(tmp_path):
    r = np.random.default_rng(1)
    mat = r.standard_normal((5, 3)).astype(np.float32)
    thumbs = r.random((5, 3, 4, 6)).astype(np.float32)
    grey = r.random((5, 1, 3, 3))
    rows = [[i, "abcde"[i]] for i in range(5)]

    def calls(w, mk):
        w.add_embedding(mk(mat), metadata=list("xyzxy"), label_img=mk(thumbs))
        w.add_embedding(mat.astype(np.float64), metadata=rows, metadata_header=["n", "c"],
                        global_step=3, tag="a/b%c")
        w.add_embedding(mk(mat), label_img=mk(grey), global_step=12, tag="grey")

    _, _, (nt_dir, t_dir) = _both(tmp_path, calls)
    ours, theirs = _files(nt_dir), _files(t_dir)
    assert sorted(ours) == sorted(theirs)
    assert "00003/a%2fb%25c/metadata.tsv" in ours and "00000/default/sprite.png" in ours
    for name in theirs:
        assert ours[name] == theirs[name], name
