"""``torch.special``: the special functions, under SciPy's names.

Every function here is elementwise and differentiable where PyTorch's is.  Most are
numtorch's own ops under another name (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``,
``psi`` is ``digamma``...); the rest (``entr``, ``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``,
``i0e``, ``i1``, ``i1e``, ``xlog1py``, ``zeta``, the Bessel functions and the orthogonal
polynomials, ``airy_ai``) live in ``numtorch._ops.special`` next to their gradients.

Example:
    >>> import numtorch as torch
    >>> torch.special.gammaln(torch.tensor([1.0, 4.0]))
    tensor([0.0000, 1.7918])
    >>> torch.special.ndtr(torch.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

from ._ops import special as _s
from ._ops.nn import log_softmax as _log_softmax
from ._ops.nn import softmax as _softmax
from ._ops.registry import FUNCTIONS as _F
from ._ops.registry import _with_out

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc",
    "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
    "xlog1py", "xlogy", "zeta", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
    "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
    "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p", "bessel_j0",
    "bessel_j1", "bessel_y0", "bessel_y1", "spherical_bessel_j0", "airy_ai",
]

# the same functions as numtorch.<name> (with their out= handling)
digamma = psi = _F["digamma"]
gammaln = _F["lgamma"]
erfinv = _F["erfinv"]
i0 = _F["i0"]
sinc = _F["sinc"]
polygamma = _F["polygamma"]
multigammaln = _F["mvlgamma"]
gammainc = _F["igamma"]
gammaincc = _F["igammac"]
erf = _F["erf"]
erfc = _F["erfc"]
exp2 = _F["exp2"]
expm1 = _F["expm1"]
log1p = _F["log1p"]
logit = _F["logit"]
xlogy = _F["xlogy"]
round = _F["round"]  # noqa: A001 - PyTorch's name
logsumexp = _F["logsumexp"]
expit = _F["sigmoid"]

# torch.special only
entr = _with_out(_s.entr)
erfcx = _with_out(_s.erfcx)
i0e = _with_out(_s.i0e)
i1 = _with_out(_s.i1)
i1e = _with_out(_s.i1e)
ndtr = _with_out(_s.ndtr)
ndtri = _with_out(_s.ndtri)
log_ndtr = _with_out(_s.log_ndtr)
xlog1py = _with_out(_s.xlog1py)
zeta = _with_out(_s.zeta)
modified_bessel_i0 = _with_out(_s.modified_bessel_i0)
modified_bessel_i1 = _with_out(_s.modified_bessel_i1)
modified_bessel_k0 = _with_out(_s.modified_bessel_k0)
modified_bessel_k1 = _with_out(_s.modified_bessel_k1)
scaled_modified_bessel_k0 = _with_out(_s.scaled_modified_bessel_k0)
scaled_modified_bessel_k1 = _with_out(_s.scaled_modified_bessel_k1)
chebyshev_polynomial_t = _with_out(_s.chebyshev_polynomial_t)
chebyshev_polynomial_u = _with_out(_s.chebyshev_polynomial_u)
chebyshev_polynomial_v = _with_out(_s.chebyshev_polynomial_v)
chebyshev_polynomial_w = _with_out(_s.chebyshev_polynomial_w)
shifted_chebyshev_polynomial_t = _with_out(_s.shifted_chebyshev_polynomial_t)
shifted_chebyshev_polynomial_u = _with_out(_s.shifted_chebyshev_polynomial_u)
shifted_chebyshev_polynomial_v = _with_out(_s.shifted_chebyshev_polynomial_v)
shifted_chebyshev_polynomial_w = _with_out(_s.shifted_chebyshev_polynomial_w)
hermite_polynomial_h = _with_out(_s.hermite_polynomial_h)
hermite_polynomial_he = _with_out(_s.hermite_polynomial_he)
laguerre_polynomial_l = _with_out(_s.laguerre_polynomial_l)
legendre_polynomial_p = _with_out(_s.legendre_polynomial_p)
bessel_j0 = _with_out(_s.bessel_j0)
bessel_j1 = _with_out(_s.bessel_j1)
bessel_y0 = _with_out(_s.bessel_y0)
bessel_y1 = _with_out(_s.bessel_y1)
spherical_bessel_j0 = _with_out(_s.spherical_bessel_j0)
airy_ai = _with_out(_s.airy_ai)


def softmax(input, dim: int, *, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (``dtype``: cast the input first)."""

    return _softmax(input, dim, dtype)


def log_softmax(input, dim: int, *, dtype=None):
    """``x - logsumexp(x)`` along ``dim`` (``dtype``: cast the input first)."""

    return _log_softmax(input, dim, dtype)

