"""``TorchVersion``: a version string that compares as a version.

Scripts test ``torch.__version__`` in three ways, and all three must give the
answer a version would give:

* as a string: ``torch.__version__.split(".")``, ``startswith("2.")``, printing;
* against a string: ``torch.__version__ >= "2.0"`` (as versions: ``"2.13.0" > "2.9"``,
  although ``"2.13.0" < "2.9"`` as strings);
* against a tuple: ``torch.__version__ >= (2, 0)`` (read as ``"2.0"``).

So ``TorchVersion`` is a ``str`` whose ``<``, ``<=``, ``==``, ``>=`` and ``>`` parse both
sides as PEP 440 versions (epoch, release, pre-, post- and dev-release, local label);
where a side is not a valid version (``"parrot"``) they fall back to comparing strings.
``!=`` and hashing stay those of ``str``, as in PyTorch.

Example:
    >>> v = TorchVersion("2.13.0")
    >>> v >= "2.0", v > "2.9", v >= (2, 0), v < (2, 13, 1), v == "2.13"
    (True, True, True, True, True)
    >>> v.split(".")
    ['2', '13', '0']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .version import __version__ as _followed

__all__ = ["TorchVersion"]


class InvalidVersion(ValueError):
    """A string that is not a PEP 440 version."""


# The version scheme of PEP 440 (its appendix), matched case-insensitively with
# surrounding whitespace allowed.
_PATTERN = re.compile(
    r"""
    ^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$
    """,
    re.VERBOSE | re.IGNORECASE,
)

_PRE_LABELS = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "c": "rc", "pre": "rc",
               "preview": "rc", "rc": "rc"}


class _Version:
    """A parsed PEP 440 version, ordered as PEP 440 orders versions.

    The sort key, field by field: the epoch; the release with trailing zeros dropped
    (``2.0 == 2``); the pre-release (a final release sorts after its pre-releases, and a
    bare dev release such as ``2.0.dev1`` before them); the post-release (none sorts
    first); the dev release (none sorts last); the local label (none sorts first; numeric
    parts after alphanumeric ones).
    """

    __slots__ = ("_key",)

    def __init__(self, text: str) -> None:
        m = _PATTERN.match(text)
        if m is None:
            raise InvalidVersion(f"Invalid version: {text!r}")
        release = [int(p) for p in m["release"].split(".")]
        while release and release[-1] == 0:
            release.pop()
        pre = post = dev = None
        if m["pre"]:
            pre = (_PRE_LABELS[m["pre_l"].lower()], int(m["pre_n"] or 0))
        if m["post"]:
            post = int(m["post_n1"] or m["post_n2"] or 0)
        if m["dev"]:
            dev = int(m["dev_n"] or 0)
        if pre is not None:
            pre_key: tuple = (1, *pre)
        elif post is None and dev is not None:
            pre_key = (0,)
        else:
            pre_key = (2,)
        local: tuple = (0,)
        if m["local"]:
            parts = re.split(r"[-_.]", m["local"].lower())
            local = (1, tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts))
        self._key = (int(m["epoch"] or 0), tuple(release), pre_key,
                     (0,) if post is None else (1, post), (1,) if dev is None else (0, dev), local)

    def __lt__(self, other: _Version) -> bool:
        return self._key < other._key

    def __le__(self, other: _Version) -> bool:
        return self._key <= other._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Version) and self._key == other._key

    def __ge__(self, other: _Version) -> bool:
        return self._key >= other._key

    def __gt__(self, other: _Version) -> bool:
        return self._key > other._key

    __hash__ = None  # type: ignore[assignment]


def _as_version(value: Any) -> _Version:
    """A version from a string, or from a tuple of parts joined by dots (``(2, 0)`` -> ``2.0``)."""
    if isinstance(value, _Version):
        return value
    if isinstance(value, str):
        return _Version(value)
    if isinstance(value, Iterable):
        return _Version(".".join(str(part) for part in value))
    raise InvalidVersion(value)


class TorchVersion(str):
    """A version string that compares as a version: against strings, tuples and itself.

    See the module docstring for the rules.

    Example:
        >>> TorchVersion("2.13.0") >= "2.0"
        True
        >>> TorchVersion("2.13.0") > (2, 13)
        False
    """

    __slots__ = ()

    def _compare(self, other: Any, method: str):
        try:
            return getattr(_Version(self), method)(_as_version(other))
        except InvalidVersion:
            return getattr(str, method)(self, other)

    def __lt__(self, other: Any) -> bool:
        return self._compare(other, "__lt__")

    def __le__(self, other: Any) -> bool:
        return self._compare(other, "__le__")

    def __eq__(self, other: Any) -> bool:
        return self._compare(other, "__eq__")

    def __ge__(self, other: Any) -> bool:
        return self._compare(other, "__ge__")

    def __gt__(self, other: Any) -> bool:
        return self._compare(other, "__gt__")

    __hash__ = str.__hash__
    __ne__ = str.__ne__


__version__ = TorchVersion(_followed)
"""The PyTorch release numtorch follows, as ``torch.__version__`` reports it under the runner."""
