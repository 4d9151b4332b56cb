"""numtorch.cli.metrics and numtorch.cli.plots: the numbers against a brute-force reference and
scikit-learn's documented examples; the PNG files opened with Pillow."""

from __future__ import annotations

import os
import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numtorch.cli import metrics, plots

# ----------------------------------------------------------------------------- reference


def brute_confusion(y_true, y_pred, k):
    cm = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        cm[int(t)][int(p)] += 1
    return cm


def brute_report(y_true, y_pred, k):
    """Per-class precision/recall/F1 counted sample by sample; 0 for a zero denominator
    (scikit-learn's zero_division=0); F1 as the harmonic mean of precision and recall."""
    rows = []
    for c in range(k):
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == c and p == c)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != c and p == c)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((precision, recall, f1, tp + fn))
    n = len(y_true)
    macro = [sum(r[i] for r in rows) / k for i in range(3)]
    weighted = [sum(r[i] * r[3] for r in rows) / n if n else 0.0 for i in range(3)]
    accuracy = sum(1 for t, p in zip(y_true, y_pred) if t == p) / n if n else 0.0
    return rows, macro, weighted, accuracy


def check_report(report, y_true, y_pred, k, names):
    rows, macro, weighted, accuracy = brute_report(list(y_true), list(y_pred), k)
    assert [r["class"] for r in report["per_class"]] == names
    for got, (p, r, f, s) in zip(report["per_class"], rows):
        assert got["precision"] == pytest.approx(p, abs=1e-12)
        assert got["recall"] == pytest.approx(r, abs=1e-12)
        assert got["f1"] == pytest.approx(f, abs=1e-12)
        assert got["support"] == s and isinstance(got["support"], int)
    for key, want in (("macro avg", macro), ("weighted avg", weighted)):
        got = report[key]
        assert [got["precision"], got["recall"], got["f1"]] == pytest.approx(want, abs=1e-12)
        assert got["support"] == len(y_true)
    assert report["accuracy"] == pytest.approx(accuracy, abs=1e-12)
    assert report["support"] == len(y_true)


# ----------------------------------------------------------------------------- confusion matrix

CASES = [  # (name, y_true, y_pred, k)
    ("perfect", [0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2], 3),
    ("all_wrong", [0, 0, 1, 1], [1, 1, 0, 0], 2),
    ("never_predicted", [0, 1, 2, 2], [0, 0, 2, 2], 3),          # class 1: precision 0/0
    ("absent_class", [0, 0, 1, 1], [0, 1, 1, 3], 4),             # classes 2, 3: recall 0/0
    ("single_sample", [2], [2], 5),
    ("one_class", [0, 0, 0], [0, 0, 0], 1),
    ("empty", [], [], 3),
    ("sklearn_cm_doc", [2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3),
    ("sklearn_report_doc", [0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3),
    ("sklearn_prf_doc", [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3),
]


@pytest.mark.parametrize("name,y_true,y_pred,k", CASES, ids=[c[0] for c in CASES])
def test_confusion_matrix_table(name, y_true, y_pred, k):
    cm = metrics.confusion_matrix(np.array(y_true, dtype=np.int64),
                                  np.array(y_pred, dtype=np.int64), k)
    assert cm.dtype == np.int64 and cm.shape == (k, k)
    assert cm.tolist() == brute_confusion(y_true, y_pred, k)


@pytest.mark.parametrize("name,y_true,y_pred,k", CASES, ids=[c[0] for c in CASES])
def test_classification_report_table(name, y_true, y_pred, k):
    names = [f"c{i}" for i in range(k)]
    cm = metrics.confusion_matrix(np.array(y_true, dtype=np.int64),
                                  np.array(y_pred, dtype=np.int64), k)
    check_report(metrics.classification_report(cm, names), y_true, y_pred, k, names)


def test_scikit_learn_documented_values():
    # sklearn.metrics.confusion_matrix's docstring example
    cm = metrics.confusion_matrix(np.array([2, 0, 2, 2, 0, 1]), np.array([0, 0, 2, 2, 0, 2]), 3)
    assert cm.tolist() == [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
    # sklearn.metrics.classification_report's docstring example (printed to 2 decimals)
    cm = metrics.confusion_matrix(np.array([0, 1, 2, 2, 2]), np.array([0, 0, 2, 2, 1]), 3)
    r = metrics.classification_report(cm, ["class 0", "class 1", "class 2"])
    table = [[round(row[k], 2) for k in ("precision", "recall", "f1")] + [row["support"]]
             for row in r["per_class"]]
    assert table == [[0.50, 1.00, 0.67, 1], [0.00, 0.00, 0.00, 1], [1.00, 0.67, 0.80, 3]]
    assert round(r["accuracy"], 2) == 0.60
    assert [round(r["macro avg"][k], 2) for k in ("precision", "recall", "f1")] == [0.50, 0.56,
                                                                                    0.49]
    assert [round(r["weighted avg"][k], 2) for k in ("precision", "recall", "f1")] == [0.70,
                                                                                       0.60,
                                                                                       0.61]
    # precision_recall_fscore_support's example: precision [0.667, 0, 0], f1 [0.8, 0, 0]
    cm = metrics.confusion_matrix(np.array([0, 1, 2, 0, 1, 2]), np.array([0, 2, 1, 0, 0, 1]), 3)
    r = metrics.classification_report(cm, ["a", "b", "c"])
    assert [row["precision"] for row in r["per_class"]] == pytest.approx([2 / 3, 0, 0])
    assert [row["f1"] for row in r["per_class"]] == pytest.approx([0.8, 0, 0])
    assert r["macro avg"]["f1"] == pytest.approx(0.26666666666666666)


@given(st.integers(1, 6).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), max_size=40))))
def test_metrics_random(args):
    k, pairs = args
    y_true = np.array([t for t, _ in pairs], dtype=np.int64)
    y_pred = np.array([p for _, p in pairs], dtype=np.int64)
    cm = metrics.confusion_matrix(y_true, y_pred, k)
    assert cm.tolist() == brute_confusion(y_true, y_pred, k)
    names = [str(i) for i in range(k)]
    check_report(metrics.classification_report(cm, names), y_true, y_pred, k, names)


def test_confusion_matrix_accepts_integral_floats_and_other_int_dtypes():
    cm = metrics.confusion_matrix(np.array([0.0, 1.0, 1.0]), np.array([0, 1, 0], np.uint8), 2)
    assert cm.tolist() == [[1, 0], [1, 1]]


@pytest.mark.parametrize("y_true,y_pred,k,message", [
    ([0, 1], [0], 2, "different lengths (2 and 1)"),
    ([0, 2], [0, 1], 2, "y_true holds class index 2, outside [0, 1]"),
    ([0, 1], [-1, 1], 2, "y_pred holds class index -1, outside [0, 1]"),
    ([[0, 1]], [[0, 1]], 2, "y_true must be 1-D"),
    ([0.5, 1.0], [0, 1], 2, "y_true must hold integer class indices"),
    ([0], [0], 0, "num_classes must be a positive int"),
], ids=["length", "too_big", "negative", "2d", "fractional", "zero_classes"])
def test_confusion_matrix_errors(y_true, y_pred, k, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        metrics.confusion_matrix(np.array(y_true), np.array(y_pred), k)


def test_classification_report_errors():
    with pytest.raises(ValueError, match="square"):
        metrics.classification_report(np.zeros((2, 3), np.int64), ["a", "b"])
    with pytest.raises(ValueError, match="3 class names for a 2x2"):
        metrics.classification_report(np.zeros((2, 2), np.int64), ["a", "b", "c"])


def test_format_report_reads_back():
    y_true = np.array([0, 1, 2, 2, 2, 1, 0, 3])
    y_pred = np.array([0, 0, 2, 2, 1, 1, 0, 2])
    names = ["zero", "one", "two", "a long class name"]
    report = metrics.classification_report(metrics.confusion_matrix(y_true, y_pred, 4), names)
    text = metrics.format_report(report)
    lines = text.splitlines()
    assert lines[0].split() == ["precision", "recall", "f1-score", "support"]
    rows, macro, weighted, accuracy = brute_report(list(y_true), list(y_pred), 4)
    for name, (p, r, f, s) in zip(names, rows):
        line = next(line for line in lines if line.strip().startswith(name))
        assert line[len(line) - len(line.lstrip()):].startswith(name)
        values = line.strip()[len(name):].split()
        assert [float(v) for v in values[:3]] == pytest.approx([p, r, f], abs=5e-5)
        assert int(values[3]) == s
    acc = next(line for line in lines if line.strip().startswith("accuracy")).split()
    assert float(acc[1]) == pytest.approx(accuracy, abs=5e-5) and int(acc[2]) == len(y_true)
    for label, want in (("macro avg", macro), ("weighted avg", weighted)):
        line = next(line for line in lines if line.strip().startswith(label))
        values = line.strip()[len(label):].split()
        assert [float(v) for v in values[:3]] == pytest.approx(want, abs=5e-5)
    # the columns line up: every number ends where its header does
    ends = [m.end() for m in re.finditer(r"\S+", lines[0])]
    for line in lines[2:2 + len(names)]:
        assert [m.end() for m in re.finditer(r"\S+", line)][-4:] == ends


def test_format_confusion():
    cm = np.array([[12, 0, 1], [0, 130, 0], [1, 0, 18]])
    lines = metrics.format_confusion(cm, ["ant", "bee", "cat"]).splitlines()
    assert lines[0].split()[-3:] == ["ant", "bee", "cat"]
    assert [line.split() for line in lines[1:]] == [
        ["ant", "12", "0", "1"], ["bee", "0", "130", "0"], ["cat", "1", "0", "18"]]
    # long names: the columns are headed by the class index, each row names its index
    lines = metrics.format_confusion(cm, ["0 - zero", "1 - one", "2 - two"]).splitlines()
    assert lines[0].split()[-3:] == ["0", "1", "2"]
    assert [line.strip().rsplit(None, 3) for line in lines[1:]] == [
        ["0 - zero [0]", "12", "0", "1"], ["1 - one [1]", "0", "130", "0"],
        ["2 - two [2]", "1", "0", "18"]]
    ends = [m.end() for m in re.finditer(r"\S+", lines[0])][-3:]
    assert all([m.end() for m in re.finditer(r"\S+", line)][-3:] == ends for line in lines)


# ----------------------------------------------------------------------------- plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HISTORY = [
    {"epoch": 1, "train_loss": 1.2, "val_loss": 1.0, "val_accuracy": 0.55, "lr": 0.1},
    {"epoch": 2, "train_loss": 0.7, "val_loss": 0.8, "val_accuracy": 0.71, "lr": 0.1},
    {"epoch": 3, "train_loss": 0.5, "val_loss": 0.75, "val_accuracy": 0.78, "lr": 0.05},
]


def open_png(path):
    image_mod = pytest.importorskip("PIL.Image")
    with open(path, "rb") as fh:
        assert fh.read(8) == PNG_SIGNATURE
    with image_mod.open(path) as im:
        im.load()  # decodes every chunk: a truncated file fails here
        return im.format, im.size


@pytest.mark.parametrize("history", [
    HISTORY,
    [dict(row, val_loss=None, val_accuracy=None) for row in HISTORY],   # no validation split
    HISTORY[:1],
    [],
], ids=["full", "no_val", "one_epoch", "empty"])
def test_plot_curves_png(tmp_path, history):
    pytest.importorskip("matplotlib")
    path = str(tmp_path / "curves.png")
    plots.plot_curves(history, path)
    assert open_png(path) == ("PNG", (1000, 400))
    assert [n for n in os.listdir(tmp_path)] == ["curves.png"]   # no temporary file left


@pytest.mark.parametrize("k", [1, 3, 10, 40])
def test_plot_confusion_png(tmp_path, k):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(k)
    cm = rng.integers(0, 20, (k, k))
    cm[0] = 0                                        # a class with no samples
    path = str(tmp_path / "confusion.png")
    plots.plot_confusion(cm, [f"class {i}" for i in range(k)], path)
    side = round(100 * min(20.0, max(5.0, 0.5 * k + 3.0)))
    assert open_png(path) == ("PNG", (side, side))


def test_plots_replace_an_existing_file_atomically(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    path.write_bytes(b"old")
    plots.plot_curves(HISTORY, str(path))
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert os.listdir(tmp_path) == ["curves.png"]


def test_plots_leave_global_matplotlib_state_alone(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    backend = matplotlib.rcParams["backend"]   # not resolved: reading it does not pick one
    had_pyplot = "matplotlib.pyplot" in sys.modules
    plots.plot_curves(HISTORY, str(tmp_path / "c.png"))
    plots.plot_confusion(np.eye(2, dtype=np.int64), ["a", "b"], str(tmp_path / "m.png"))
    assert matplotlib.rcParams["backend"] == backend
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


def test_plot_confusion_shape_error(tmp_path):
    with pytest.raises(ValueError, match="does not match 3 class names"):
        plots.plot_confusion(np.zeros((2, 2)), ["a", "b", "c"], str(tmp_path / "m.png"))


@pytest.mark.parametrize("call", ["curves", "confusion"])
def test_plots_without_matplotlib(tmp_path, monkeypatch, call):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends",
                 "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)   # `import` raises ImportError
    path = tmp_path / "out.png"
    with pytest.raises(ImportError) as err:
        if call == "curves":
            plots.plot_curves(HISTORY, str(path))
        else:
            plots.plot_confusion(np.eye(2, dtype=np.int64), ["a", "b"], str(path))
    message = str(err.value)
    assert "\n" not in message and "matplotlib is not installed" in message
    assert not path.exists()
