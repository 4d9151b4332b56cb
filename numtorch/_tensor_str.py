"""Printing tensors: the text of ``repr(t)`` and ``str(t)``, character for character as PyTorch.

A tensor prints as ``tensor(<body>, <suffixes>)``.  The body is a nested list whose
elements all share one format, chosen once for the whole tensor by ``_Formatter``:

* integer and bool tensors print each value with ``str``, right-aligned to the widest;
* floating tensors look only at their finite non-zero values ``v``:

  - if every ``v`` is a whole number, "int mode": ``1.``, ``-3.``, ``nan``, ``inf``;
  - scientific notation (``1.2346e+05``) when ``max|v| / min|v| > 1000``,
    ``max|v| > 1e8`` or ``min|v| < 1e-4`` (unless ``set_printoptions(sci_mode=...)``
    forces it on or off);
  - otherwise fixed point with ``precision`` (4) decimals.

Rows are wrapped to ``linewidth`` (80) columns.  Above ``threshold`` (1000) elements
the tensor is summarized: each dimension longer than ``2 * edgeitems`` shows only its
first and last ``edgeitems`` (3) entries around ``...``, and the format is chosen from
the entries shown.  The suffixes follow the body in this order: ``size=`` (empty
tensors that are not 1-d, or ``edgeitems=0``), ``dtype=`` (when the dtype cannot be
told from the printed values), then ``grad_fn=<...>`` or else ``requires_grad=True``.

NOTE [ Width from the extremes ]
PyTorch measures the width of every value's text to find the widest.  The length of
``f"{v:.4f}"``, ``f"{v:.0f}"`` or ``f"{v:.4e}"`` grows with ``|v|`` for each sign
(rounding is monotonic, and the exponent's digit count grows towards both ends of the
range), so the widest text belongs to the largest or smallest value of either sign:
measuring those four gives the same answer without a Python loop over the data.

Example:
    >>> import numpy as np
    >>> from numtorch import _dtype
    >>> print(format_tensor(np.array([1.0, 2.5], np.float32), _dtype.float32))
    tensor([1.0000, 2.5000])
    >>> print(format_tensor(np.array([1, 2], np.int32), _dtype.int32))
    tensor([1, 2], dtype=torch.int32)
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Iterator

import numpy as np

from numtorch import _dtype

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "format_tensor", "format_str"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print; the options stay in force until changed again.

    Args:
        precision: digits after the decimal point for floating values (default 4).
        threshold: element count above which a tensor is summarized with ``...``
            (default 1000).
        edgeitems: entries shown at each end of a summarized dimension (default 3).
        linewidth: characters per line before a row wraps (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"``
            (never summarize), applied first; the other arguments override it.
        sci_mode: ``True``/``False`` forces scientific notation on/off; ``None``
            (the default, and the value every call without it sets) lets each tensor choose.

    Example:
        >>> import numpy as np
        >>> from numtorch import _dtype
        >>> set_printoptions(precision=2)
        >>> print(format_tensor(np.array([1.12345]), _dtype.float32))
        tensor([1.12])
        >>> set_printoptions(profile="default")
    """
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Change the print options inside a ``with`` block and restore them afterwards."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------------------
# Choosing one format for all values
# ---------------------------------------------------------------------------


class _Formatter:
    """The shared format of a tensor's elements (see the module docstring)."""

    def __init__(self, data: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = data.reshape(-1)
        if not floating:
            if flat.size:
                ends = (flat.max().item(), flat.min().item())
                self.max_width = max(1, *(len(f"{v}") for v in ends))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        mags = np.abs(vals).astype(np.float64)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(np.ceil(vals) == vals))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        # NOTE [ Width from the extremes ]
        ends = [float(x) for part in (vals[vals > 0], vals[vals < 0]) if part.size
                for x in (part.min(), part.max())]
        p = PRINT_OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in ends]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in ends]  # room for the trailing "."
        else:
            widths = [len(f"{v:.{p}f}") for v in ends]
        self.max_width = max(self.max_width, *widths)

    def format(self, value: Any) -> str:
        """One element's text, right-aligned to the shared width."""
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if math.isfinite(value):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = f"{value}"
        return text.rjust(self.max_width)


def _summarized(a: np.ndarray) -> np.ndarray:
    """The entries a summarized print shows, gathered so the formatter sees only them."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        # a[-0:] is all of ``a``: with edgeitems=0 a vector keeps every value here.
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return np.empty((0,) * a.ndim, a.dtype)
    rows = list(range(e)) + list(range(len(a) - e, len(a))) if a.shape[0] > 2 * e else range(len(a))
    return np.stack([_summarized(a[i]) for i in rows])


# ---------------------------------------------------------------------------
# Laying the elements out
# ---------------------------------------------------------------------------


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.max_width + 2)))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-e:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        parts = ([_nested_str(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                 + [_nested_str(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        parts = [_nested_str(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body_str(data: np.ndarray, floating: bool, indent: int) -> str:
    if data.size == 0:
        return "[]"
    summarize = data.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized(data) if summarize else data, floating)
    return _nested_str(data, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` pieces, starting a new indented line where one would pass linewidth."""
    out = [text]
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def format_tensor(
    data: np.ndarray,
    dtype: _dtype.dtype | None = None,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    prefix: str = "tensor(",
    is_parameter: bool = False,
) -> str:
    """PyTorch's ``repr`` of a tensor holding ``data``.

    Args:
        data: the tensor's values (any shape, 0-d included).
        dtype: the tensor's numtorch dtype; ``None`` means the one of ``data.dtype``.
        requires_grad: adds ``requires_grad=True`` (unless ``grad_fn_name`` is given).
        grad_fn_name: the class name of the tensor's ``grad_fn``, e.g. ``"MulBackward0"``;
            adds ``grad_fn=<MulBackward0>``.
        prefix: the opening text; continuation lines are indented by its length.
        is_parameter: put ``Parameter containing:`` on a line above, as
            ``nn.Parameter`` prints (pass ``requires_grad`` too).

    Example:
        >>> import numpy as np
        >>> print(format_tensor(np.zeros((0, 3), np.float32), requires_grad=True))
        tensor([], size=(0, 3), requires_grad=True)
    """
    if dtype is None:
        dtype = _dtype.from_np(data.dtype)
    data = np.asarray(data)
    default = _dtype.get_default_dtype()
    indent = len(prefix)
    suffixes = []
    if data.size == 0:
        # Nothing printed shows the dtype, so anything but the default float is named.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype not in (default, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dtype!r}")
        body = _body_str(data, dtype.is_floating_point, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = _add_suffixes(prefix + body, suffixes, indent)
    return "Parameter containing:\n" + text if is_parameter else text


def format_str(data: np.ndarray, dtype: _dtype.dtype | None = None, **kwargs: Any) -> str:
    """``str(t)``: the same text as ``repr(t)`` (see ``format_tensor``)."""
    return format_tensor(data, dtype, **kwargs)
