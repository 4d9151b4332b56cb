"""Compare what two programs printed: text and structure exactly, numbers within float32 tolerance.

NOTE [ exactness policy ]
numtorch is exact where a result is defined bit for bit: random draws, elementwise ops, optimizer
arithmetic on equal inputs.  Where a sum or a matrix product is involved, the last digits depend on
the order of summation, which differs between BLAS libraries (PyTorch uses MKL/oneDNN, NumPy
OpenBLAS), between their per-CPU kernels (Haswell, SkylakeX, Zen) and with the thread count;
PyTorch itself prints different last digits on an Intel AVX-512 machine and on an AMD one.  So a
printed run is compared as follows:

* the text between numbers, the number of numbers and the line structure must be identical
  (whitespace inside a line may differ only where a number's width or sign changed, as when a
  tensor's columns re-align around ``-0.0000`` versus ``0.0000``);
* integers (no decimal point, no exponent) must be identical: counts, shapes, steps, labels; so
  must whole floats printed as ``1.``, and ``nan`` and ``inf``;
* other numbers agree within a relative 1e-5 (a loss curve to 5 significant digits) or within two
  units of the last printed digit, whichever is larger (a last digit can round either way).
"""

from __future__ import annotations

import re

__all__ = ["assert_same_printout", "split_numbers"]

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w.])")
RTOL = 1e-5


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """``text`` as the pieces between numbers and the numbers (as printed)."""
    pieces, numbers, at = [], [], 0
    for m in _NUMBER.finditer(text):
        pieces.append(text[at:m.start()])
        numbers.append(m.group())
        at = m.end()
    pieces.append(text[at:])
    return pieces, numbers


def _exact(s: str) -> bool:
    """Integers, ``1.``-style whole floats, nan and inf are printed exactly."""
    return s.endswith(".") or not any(c in s for c in ".eE") or s.lstrip("+-") in ("nan", "inf")


def _last_place(s: str) -> float:
    mantissa, _, exponent = s.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_agree(a: str, b: str) -> bool:
    """Two printed numbers are the same result within the policy above."""
    if _exact(a) or _exact(b):
        return a == b
    x, y = float(a), float(b)
    tol = max(RTOL * max(abs(x), abs(y)), 2 * max(_last_place(a), _last_place(b)))
    return abs(x - y) <= tol * (1 + 1e-9)


def _same_text(p: str, q: str) -> bool:
    if p == q:
        return True
    if p.count("\n") != q.count("\n"):
        return False
    lines_p, lines_q = p.split("\n"), q.split("\n")
    return [" ".join(s.split()) for s in lines_p] == [" ".join(s.split()) for s in lines_q]


def assert_same_printout(ours: str, theirs: str) -> None:
    """``ours`` prints what ``theirs`` prints, under NOTE [ exactness policy ]."""
    if ours == theirs:
        return
    pieces_o, nums_o = split_numbers(ours)
    pieces_t, nums_t = split_numbers(theirs)
    line = 1
    for i, (p, q) in enumerate(zip(pieces_o, pieces_t)):
        assert _same_text(p, q), f"line {line}: text differs: {p!r} != {q!r}"
        line += p.count("\n")
        if i < min(len(nums_o), len(nums_t)):
            assert numbers_agree(nums_o[i], nums_t[i]), f"line {line}: {nums_o[i]} != {nums_t[i]}"
    assert len(nums_o) == len(nums_t), (
        f"{len(nums_o)} numbers printed, PyTorch printed {len(nums_t)}"
    )
