"""The thin layer over ``mpi4py``: importing it, dtypes, reductions, timed waits.
The timed wait on MPI requests is ``faults.wait`` (NOTE [ Every wait has a deadline ]).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MPI", "load", "available", "mpi_op", "send_buffer", "recv_buffer"]

MPI = None  # the mpi4py.MPI module, once ``load`` has imported it

_MISSING = ("numtorch.distributed needs mpi4py and an MPI library, which are not installed: "
            "install them with `pip install 'numtorch[distributed]'` (mpi4py and the mpich "
            "wheel)")


def load():
    """Import ``mpi4py.MPI`` (which initialises MPI) once; a clear error when it is missing."""
    global MPI
    if MPI is None:
        try:
            from mpi4py import MPI as _MPI
        except ImportError as e:
            raise RuntimeError(_MISSING) from e
        MPI = _MPI
    return MPI


def available() -> bool:
    """Whether mpi4py can be imported (without importing it: that would initialise MPI)."""
    import importlib.util

    return MPI is not None or importlib.util.find_spec("mpi4py") is not None


# -- buffers -------------------------------------------------------------------------------
# mpi4py maps a NumPy array to its MPI datatype by the array's type code (float16 included);
# bool travels as uint8, since MPI's C_BOOL supports no arithmetic reductions.

def _mpi_view(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint8) if a.dtype == np.bool_ else a


def send_buffer(a: np.ndarray) -> np.ndarray:
    """``a`` as a contiguous array MPI can read (a copy only when ``a`` is not contiguous)."""
    return _mpi_view(np.ascontiguousarray(a))


def recv_buffer(a: np.ndarray):
    """(buffer MPI writes into, function that moves it into ``a``): ``a`` itself when it is
    contiguous and writable, else a scratch array copied back into ``a`` on completion."""
    if a.flags.c_contiguous and a.flags.writeable:
        return _mpi_view(a), None
    scratch = np.empty(a.shape, a.dtype)

    def copy_back():
        a[...] = scratch

    return _mpi_view(scratch), copy_back


def mpi_op(op, dtype: np.dtype):
    """The MPI reduction for ``op`` (a ``RedOpType``) on arrays of ``dtype``."""
    name = op.name
    if dtype == np.bool_:  # logical or / and, as PyTorch reduces bools
        name = {"SUM": "MAX", "PRODUCT": "MIN", "AVG": "MAX"}.get(name, name)
    return {"SUM": MPI.SUM, "AVG": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN,
            "MAX": MPI.MAX, "BAND": MPI.BAND, "BOR": MPI.BOR, "BXOR": MPI.BXOR}[name]
