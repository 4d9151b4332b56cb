r"""Classification metrics for ``numtorch train`` and ``numtorch evaluate``: NumPy only.

The confusion matrix ``cm`` has one row per true class and one column per predicted class:
``cm[i, j]`` counts the samples of class ``i`` predicted as ``j`` (scikit-learn's layout).
From it, for each class ``c``, with ``tp = cm[c, c]``, ``fp`` the rest of column ``c`` and
``fn`` the rest of row ``c``:

.. math::

    \text{precision} = \frac{tp}{tp + fp}, \qquad
    \text{recall} = \frac{tp}{tp + fn}, \qquad
    F_1 = \frac{2\,tp}{2\,tp + fp + fn}
        = \frac{2 \cdot \text{precision} \cdot \text{recall}}
                {\text{precision} + \text{recall}},

and ``support = tp + fn`` (the class's true samples). A ratio whose denominator is zero is
``0.0`` (scikit-learn's ``zero_division=0``): a class never predicted has precision 0, a class
absent from the data has recall 0. The macro average is the plain mean over all classes; the
weighted average weights each class by its support; accuracy is ``trace(cm) / cm.sum()``.

Example::

    >>> import numpy as np
    >>> from numtorch.cli.metrics import confusion_matrix, classification_report
    >>> cm = confusion_matrix(np.array([0, 1, 2, 2, 2]), np.array([0, 0, 2, 2, 1]), 3)
    >>> cm.tolist()
    [[1, 0, 0], [1, 0, 0], [0, 1, 2]]
    >>> report = classification_report(cm, ["a", "b", "c"])
    >>> report["accuracy"], round(report["per_class"][2]["f1"], 4)
    (0.6, 0.8)
"""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "classification_report", "format_report", "format_confusion"]


def _labels(name: str, y, num_classes: int) -> np.ndarray:
    a = np.asarray(y)
    if a.ndim != 1:
        raise ValueError(f"confusion_matrix: {name} must be 1-D, got shape {a.shape}")
    if a.size == 0:
        return a.astype(np.int64)
    if a.dtype.kind not in "iub":
        if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            a = a.astype(np.int64)
        else:
            raise ValueError(f"confusion_matrix: {name} must hold integer class indices, "
                             f"got dtype {a.dtype}")
    a = a.astype(np.int64)
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= num_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(f"confusion_matrix: {name} holds class index {bad}, outside "
                         f"[0, {num_classes - 1}] for num_classes={num_classes}")
    return a


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """The ``(num_classes, num_classes)`` int64 confusion matrix: rows true, columns predicted.

    Args:
        y_true: the true class indices, shape ``(N,)``.
        y_pred: the predicted class indices, shape ``(N,)``.
        num_classes: the number of classes ``K``; every index must lie in ``[0, K)``.

    Raises:
        ValueError: arrays that are not 1-D, of different lengths, not integer, or holding an
            index outside ``[0, K)``.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(f"confusion_matrix: num_classes must be a positive int, got "
                         f"{num_classes!r}")
    k = int(num_classes)
    t = _labels("y_true", y_true, k)
    p = _labels("y_pred", y_pred, k)
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: y_true and y_pred have different lengths "
                         f"({t.shape[0]} and {p.shape[0]})")
    return np.bincount(t * k + p, minlength=k * k).astype(np.int64).reshape(k, k)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` elementwise, 0.0 where ``den`` is 0 (zero_division=0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def classification_report(cm: np.ndarray, classes: list[str]) -> dict:
    """Per-class precision, recall, F1 and support, accuracy, and the macro and weighted averages.

    Args:
        cm: a square confusion matrix (rows true, columns predicted), as
            :func:`confusion_matrix` returns.
        classes: the class names, one per row of ``cm``.

    Returns:
        A JSON-ready dict::

            {"per_class": [{"class": name, "precision": p, "recall": r, "f1": f,
                            "support": n}, ...],          # in class-index order
             "accuracy": a, "support": total,
             "macro avg": {"precision": ..., "recall": ..., "f1": ..., "support": total},
             "weighted avg": {"precision": ..., "recall": ..., "f1": ..., "support": total}}

        Every ratio with a zero denominator is 0.0 (see the module docstring).
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"classification_report: cm must be a square matrix, got shape "
                         f"{cm.shape}")
    if len(classes) != cm.shape[0]:
        raise ValueError(f"classification_report: {len(classes)} class names for a "
                         f"{cm.shape[0]}x{cm.shape[0]} confusion matrix")
    cm = cm.astype(np.int64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)            # tp + fp
    support = cm.sum(axis=1)              # tp + fn
    total = int(support.sum())
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2 * tp, predicted + support)   # 2tp / (2tp + fp + fn)
    per_class = [{"class": str(name), "precision": float(precision[i]),
                  "recall": float(recall[i]), "f1": float(f1[i]), "support": int(support[i])}
                 for i, name in enumerate(classes)]
    weights = _ratio(support, np.float64(total))

    def avg(w: np.ndarray) -> dict:
        return {"precision": float(np.sum(precision * w)), "recall": float(np.sum(recall * w)),
                "f1": float(np.sum(f1 * w)), "support": total}

    k = cm.shape[0]
    return {"per_class": per_class,
            "accuracy": float(_ratio(tp.sum(), np.float64(total))),
            "support": total,
            "macro avg": avg(np.full(k, 1.0 / k)),
            "weighted avg": avg(weights)}


def format_report(report: dict, digits: int = 4) -> str:
    """A :func:`classification_report` as a text table, one row per class, then the averages::

                      precision    recall  f1-score   support

                   0     1.0000    0.9500    0.9744        20
                 ...
            accuracy                         0.9722       360
           macro avg     0.9730    0.9722    0.9721       360
        weighted avg     0.9731    0.9722    0.9722       360
    """
    names = [row["class"] for row in report["per_class"]]
    width = max([len("weighted avg")] + [len(n) for n in names])
    col = max(len("precision"), digits + 2) + 1
    header = (" " * width + "".join(h.rjust(col) for h in ("precision", "recall", "f1-score"))
              + "support".rjust(col))
    lines = [header, ""]

    def row(name: str, r: dict) -> str:
        cells = "".join(f"{r[key]:.{digits}f}".rjust(col) for key in ("precision", "recall", "f1"))
        return name.rjust(width) + cells + str(r["support"]).rjust(col)

    lines += [row(r["class"], r) for r in report["per_class"]]
    lines.append("")
    lines.append("accuracy".rjust(width) + " " * (2 * col) + f"{report['accuracy']:.{digits}f}"
                 .rjust(col) + str(report["support"]).rjust(col))
    lines.append(row("macro avg", report["macro avg"]))
    lines.append(row("weighted avg", report["weighted avg"]))
    return "\n".join(lines)


def format_confusion(cm: np.ndarray, classes: list[str]) -> str:
    """A confusion matrix as a text table: rows true classes, columns predicted classes.

    Columns are headed by the class names, or, where a name is longer than 6 characters, by
    the class index (then each row label ends with its index in brackets)."""
    cm = np.asarray(cm)
    names = [str(c) for c in classes]
    short = all(len(n) <= 6 for n in names)
    heads = names if short else [str(i) for i in range(len(names))]
    rows = names if short else [f"{n} [{i}]" for i, n in enumerate(names)]
    width = max([len("true \\ pred")] + [len(r) for r in rows])
    col = max([len(h) for h in heads] + [len(str(int(cm.max()))) if cm.size else 1]) + 2
    lines = ["true \\ pred".rjust(width) + "".join(h.rjust(col) for h in heads)]
    for row, counts in zip(rows, cm):
        lines.append(row.rjust(width) + "".join(str(int(c)).rjust(col) for c in counts))
    return "\n".join(lines)
