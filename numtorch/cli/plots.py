"""PNG plots of a training run: the loss and accuracy curves, and a confusion matrix.

matplotlib is an optional extra (``pip install numtorch[tools]``). The figures are drawn on
:class:`matplotlib.figure.Figure` with the Agg canvas directly, not through ``pyplot``: no
window ever opens, and the user's global matplotlib state (the selected backend, pyplot's
current figure, rcParams) is left as it was. Where matplotlib is missing, both functions
raise :class:`ImportError` with a one-line message the caller prints as a note.

Each file is written atomically (a temporary file beside the target, then ``os.replace``):
a reader sees the previous image or the new one, never half of one.
"""

from __future__ import annotations

import numpy as np

from numtorch.serialization._atomic import atomic_write

__all__ = ["plot_curves", "plot_confusion", "confusion_figsize", "CURVES_FIGSIZE", "DPI"]

DPI = 100
CURVES_FIGSIZE = (10.0, 4.0)   # inches: the curves image is 1000 x 400 pixels

_MISSING = ("matplotlib is not installed, so no plots were written "
            "(pip install 'numtorch[tools]' or pip install matplotlib)")


def _figure(figsize: tuple[float, float]):
    """A new Figure on the Agg canvas (no pyplot, no window, no global backend switch)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(_MISSING) from e
    fig = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str) -> None:
    with atomic_write(path) as fh:
        fig.savefig(fh, format="png", dpi=DPI)


def _column(history: list[dict], key: str) -> np.ndarray:
    """``history[i][key]`` as float64, NaN where a row lacks it or holds None (not plotted)."""
    out = np.full(len(history), np.nan)
    for i, row in enumerate(history):
        v = row.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[i] = float(v)
    return out


def plot_curves(history: list[dict], path: str) -> None:
    """Write the run's learning curves to ``path`` (PNG, 1000 x 400 pixels), two panels.

    Left: the training loss (epoch mean) and the validation loss per epoch; right: the
    validation accuracy per epoch (and the training accuracy where rows hold one).

    Args:
        history: one dict per epoch as in ``metrics.json``: ``epoch`` (x axis; the row's
            1-based position where missing), ``train_loss``, ``val_loss``, ``val_accuracy``
            (optional ``train_accuracy``). A missing or None value is not drawn (no
            validation split).
        path: the PNG file to write; its folder must exist.

    Raises:
        ImportError: matplotlib is not installed (a one-line message).
    """
    fig = _figure(CURVES_FIGSIZE)
    epochs = np.array([row.get("epoch", i + 1) for i, row in enumerate(history)], dtype=float)
    ax_loss, ax_acc = fig.subplots(1, 2)
    for key, label, style in (("train_loss", "train loss", "-o"), ("val_loss", "val loss", "-s")):
        y = _column(history, key)
        if np.isfinite(y).any():
            ax_loss.plot(epochs, y, style, markersize=3, label=label)
    for key, label, style in (("train_accuracy", "train accuracy", "-o"),
                              ("val_accuracy", "val accuracy", "-s")):
        y = _column(history, key)
        if np.isfinite(y).any():
            ax_acc.plot(epochs, y, style, markersize=3, label=label)
    for ax, title, ylabel in ((ax_loss, "Loss", "loss (NLL)"), (ax_acc, "Accuracy", "accuracy")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if ax.lines:
            ax.legend()
        if len(epochs) and np.all(epochs == np.round(epochs)):
            ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    _save(fig, path)


def confusion_figsize(num_classes: int) -> tuple[float, float]:
    """The confusion plot's size in inches for ``num_classes`` classes (square; 100 dpi):
    ``min(20, max(5, 0.5 * num_classes + 3))`` on each side."""
    side = min(20.0, max(5.0, 0.5 * num_classes + 3.0))
    return side, side


def plot_confusion(cm: np.ndarray, classes: list[str], path: str) -> None:
    """Write a confusion matrix to ``path`` as a PNG heat map (rows true, columns predicted).

    Each cell shows its count (up to 30 classes); the colour is the count divided by the
    row's total, so a row reads as the share of the true class predicted as each column.
    The image is square, ``100 * confusion_figsize(K)[0]`` pixels on a side.

    Args:
        cm: a ``(K, K)`` confusion matrix as :func:`numtorch.cli.metrics.confusion_matrix`
            returns.
        classes: the ``K`` class names (axis labels).
        path: the PNG file to write; its folder must exist.

    Raises:
        ImportError: matplotlib is not installed (a one-line message).
        ValueError: ``cm`` is not square or ``classes`` has the wrong length.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] != len(classes):
        raise ValueError(f"plot_confusion: cm of shape {cm.shape} does not match "
                         f"{len(classes)} class names")
    k = cm.shape[0]
    fig = _figure(confusion_figsize(k))
    ax = fig.subplots()
    rows = cm.sum(axis=1, keepdims=True).astype(np.float64)
    share = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows != 0)
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    names = [str(c) for c in classes]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names), default=0) > 3 else 0,
                  ha="right" if max(map(len, names), default=0) > 3 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    total = int(cm.sum())
    correct = int(np.trace(cm))
    accuracy = correct / total if total else 0.0
    ax.set_title(f"Confusion matrix: accuracy {accuracy:.2%} of {total}", fontsize=10)
    if k <= 30:
        size = max(6.0, min(10.0, 120.0 / max(k, 1)))
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=size,
                        color="white" if share[i, j] > 0.5 else "black")
    fig.tight_layout()
    _save(fig, path)

