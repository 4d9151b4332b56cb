"""Turning what a user logs into NumPy arrays: values, images in any layout, figures.

Every ``SummaryWriter.add_*`` method accepts a numtorch Tensor, a NumPy array or a
Python number; ``make_np`` is the one door they all go through.  Images are then
brought to the ``(H, W, C)`` layout a PNG needs (``convert_to_HWC``), a batch of
images laid out as one grid of up to eight columns (``make_grid``).
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor

__all__ = ["make_np", "convert_to_HWC", "make_grid", "figure_to_image"]


def make_np(x) -> np.ndarray:
    """The NumPy array behind ``x``: an array as is, a number as a 1-element array.

    Args:
        x: a NumPy array, a Python or NumPy scalar, or a numtorch Tensor (detached; no copy).

    Example:
        >>> import numtorch as torch
        >>> make_np(2.5), make_np(torch.tensor([1, 2])).tolist()
        (array([2.5]), [1, 2])
    """
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        return x._data
    raise NotImplementedError(f"Got {type(x)}, but numpy array or torch tensor are expected.")


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile a batch ``(N, C, H, W)`` (C is 1 or 3) into one ``(3, H * rows, W * cols)`` image.

    Images fill the grid row by row, at most ``ncols`` to a row; unused cells stay 0, and
    a one-channel batch is repeated into three channels.
    """
    if not isinstance(images, np.ndarray):
        raise AssertionError("plugin error, should pass numpy array here")
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], 1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, _, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = np.zeros((3, h * nrows, w * ncols), dtype=images.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = images[i]
    return canvas


def convert_to_HWC(array: np.ndarray, input_format: str) -> np.ndarray:  # noqa: N802
    """Rearrange an image laid out as ``input_format`` into ``(H, W, C)``.

    ``input_format`` names each axis with one of N, C, H, W (any order, any case):
    four letters make a grid of the batch (``make_grid``), three are transposed to HWC
    (one channel repeated to three), two (``HW`` or ``WH``) give a grey RGB image.

    Example:
        >>> convert_to_HWC(np.zeros((3, 4, 5)), "CHW").shape
        (4, 5, 3)
        >>> convert_to_HWC(np.zeros((2, 1, 4, 5)), "NCHW").shape
        (4, 10, 3)
    """
    if len(set(input_format)) != len(input_format):
        raise AssertionError("You can not use the same dimension shorthand twice."
                             f"             input_format: {input_format}")
    if len(array.shape) != len(input_format):
        raise AssertionError("size of input tensor and input format are different."
                             f"         tensor shape: {array.shape}, input_format: {input_format}")
    input_format = input_format.upper()
    if len(input_format) == 4:
        nchw = array.transpose([input_format.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(input_format) == 3:
        hwc = array.transpose([input_format.find(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc, hwc, hwc], 2)
        return hwc
    if len(input_format) == 2:
        hw = array.transpose([input_format.find(c) for c in "HW"])
        return np.stack([hw, hw, hw], 2)
    return None


def figure_to_image(figures, close: bool = True) -> np.ndarray:
    """Render a matplotlib figure (or a list of them) to ``uint8`` RGB, ``(3, H, W)`` each.

    The figure is drawn by matplotlib's Agg canvas at its own size and dpi; a list gives
    a batch ``(N, 3, H, W)`` (all figures must have one size).  With ``close`` the figures
    are closed afterwards, so a training loop that plots every epoch does not pile them up.
    Needs the ``matplotlib`` package.
    """
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def render(figure) -> np.ndarray:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8)
        w, h = figure.canvas.get_width_height()
        chw = np.moveaxis(rgba.reshape(h, w, 4)[:, :, :3], 2, 0)
        if close:
            plt.close(figure)
        return chw

    if isinstance(figures, list):
        return np.stack([render(f) for f in figures])
    return render(figures)
