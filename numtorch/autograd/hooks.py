"""RemovableHandle: what every ``register_*hook`` returns (``torch.utils.hooks`` re-exports it)."""

from __future__ import annotations

import itertools
import weakref

__all__ = ["RemovableHandle"]


def _ref(d):
    """A weak reference where the dict type allows one (OrderedDict), else a strong one."""
    try:
        return weakref.ref(d)
    except TypeError:
        return lambda: d


class RemovableHandle:
    """A handle whose ``remove()`` deletes the hook it was made for; also a context manager."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = _ref(hooks_dict)
        self.id = next(RemovableHandle._next_id)
        self.extra_dict_ref = tuple(_ref(d) for d in
                                    (extra_dict if isinstance(extra_dict, list) else
                                     [extra_dict] if extra_dict is not None else []))

    def remove(self) -> None:
        d = self.hooks_dict_ref()
        if d is not None and self.id in d:
            del d[self.id]
        for ref in self.extra_dict_ref:
            e = ref()
            if e is not None and self.id in e:
                del e[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
