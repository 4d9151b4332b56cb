"""numtorch.utils: helpers outside the tensor core (``data``: datasets and the DataLoader)."""

from . import data

__all__ = ["data"]
