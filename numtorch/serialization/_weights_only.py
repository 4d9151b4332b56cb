"""The weights-only unpickler: a pickle interpreter that builds data and never runs code.

A pickle is a small stack program.  Most of its opcodes push data (ints, strings,
tuples, dicts); a few name a global (``GLOBAL``, ``STACK_GLOBAL``, ``INST``, ``OBJ``,
``EXT1/2/4``) and a few call what is on the stack (``REDUCE``, ``NEWOBJ``, ``BUILD``).
Python's own ``pickle.Unpickler`` imports whatever the file names and calls it, so a
checkpoint could run ``os.system``.  This module interprets the opcodes itself.

NOTE [ weights-only allowlist ]: a global is admitted only if its ``"module.name"``
string is a key of an exact table (numtorch's defaults for the names PyTorch's files
use, plus what the user registered with ``add_safe_globals``); the table's value is
the object used.  Nothing is imported, no prefix matches, no dotted attribute path is
followed, so nothing reachable from an allowed object is reachable from the file.
``REDUCE``/``NEWOBJ`` call only objects from that table, ``BUILD`` sets state only on
objects of allowed types.  Opcodes that import by other means (``STACK_GLOBAL``,
``INST``, ``OBJ``, ``EXT*``, ``NEWOBJ_EX``, text ``PERSID``) are not interpreted at all.
Every failure inside the interpreter surfaces as ``pickle.UnpicklingError``.
"""

from __future__ import annotations

import _compat_pickle
import pickle
import re
import warnings
from collections import Counter, OrderedDict
from collections.abc import Callable
from pickle import (  # opcodes, each a one-byte bytes object
    ADDITEMS,
    APPEND,
    APPENDS,
    BINBYTES,
    BINBYTES8,
    BINFLOAT,
    BINGET,
    BININT,
    BININT1,
    BININT2,
    BINPERSID,
    BINPUT,
    BINSTRING,
    BINUNICODE,
    BINUNICODE8,
    BUILD,
    BYTEARRAY8,
    DUP,
    EMPTY_DICT,
    EMPTY_LIST,
    EMPTY_SET,
    EMPTY_TUPLE,
    FRAME,
    FROZENSET,
    GLOBAL,
    LONG1,
    LONG4,
    LONG_BINGET,
    LONG_BINPUT,
    MARK,
    MEMOIZE,
    NEWFALSE,
    NEWOBJ,
    NEWTRUE,
    NONE,
    POP,
    POP_MARK,
    PROTO,
    REDUCE,
    SETITEM,
    SETITEMS,
    SHORT_BINBYTES,
    SHORT_BINSTRING,
    SHORT_BINUNICODE,
    STOP,
    TUPLE,
    TUPLE1,
    TUPLE2,
    TUPLE3,
)
from struct import unpack
from typing import Any

__all__ = [
    "Unpickler",
    "CallbackError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "safe_globals",
    "user_allowed_globals",
    "globals_in_pickle",
    "wo_message",
    "UNSAFE_MESSAGE",
]

UnpicklingError = pickle.UnpicklingError

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
    "weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
)

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")

# ---- user-registered safe globals ---------------------------------------------------------------

_marked_safe: set = set()


def add_safe_globals(safe_globals: list) -> None:
    """Mark functions/classes as safe for ``load(weights_only=True)``.

    Each item is an object (matched in a file by ``f"{obj.__module__}.{obj.__qualname__}"``)
    or a pair ``(obj, "full.path")`` naming the path the file uses.

    Example:
        >>> import collections
        >>> add_safe_globals([collections.deque])
        >>> clear_safe_globals()
    """
    global _marked_safe
    _marked_safe = _marked_safe.union(set(safe_globals))


def get_safe_globals() -> list:
    """The globals registered with :func:`add_safe_globals` (numtorch's defaults not included)."""
    return list(_marked_safe)


def clear_safe_globals() -> None:
    """Forget every global registered with :func:`add_safe_globals`."""
    global _marked_safe
    _marked_safe = set()


class safe_globals:
    """Context manager: ``with safe_globals([MyClass]): load(f)`` allows ``MyClass`` inside only."""

    def __init__(self, safe_globals: list):
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc) -> None:
        global _marked_safe
        _marked_safe = _marked_safe - set(self.safe_globals)


def user_allowed_globals() -> dict[str, Any]:
    """``{"module.qualname": obj}`` for the user-registered globals."""
    table: dict[str, Any] = {}
    for f in _marked_safe:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(
                    "Expected tuple of length 2 (global, str of callable full path), but got tuple "
                    f"of length: {len(f)}"
                )
            if not isinstance(f[1], str):
                raise TypeError(
                    "Expected second item in tuple to be str of callable full path, but got: "
                    f"{type(f[1])}"
                )
            table[f[1]] = f[0]
        else:
            table[f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', '')}"] = f
    return table


# ---- opcodes -------------------------------------------------------------------------------------

_CHUNK = 1 << 20
_MAX_LONG_BYTES = 1 << 16  # a LONG4 longer than this is not a checkpoint's integer


def _map_name(module: str, name: str) -> tuple[str, str]:
    """Python 2 names (``__builtin__.set``) as Python 3 spells them: an exact rename table."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class CallbackError(Exception):
    """An error raised by ``persistent_load`` itself, re-raised unchanged by ``load``."""

    def __init__(self, error: BaseException):
        super().__init__(error)
        self.error = error


def _unsupported_global(module: str, name: str) -> UnpicklingError:
    full_path = f"{module}.{name}"
    if module in _BLOCKED_MODULES:
        return UnpicklingError(
            f"Trying to load unsupported GLOBAL {full_path} whose module {module} is blocked."
        )
    if full_path.startswith("builtins"):
        rest = full_path[len("builtins") :]
        full_path = rest[1:] if rest.startswith(".") else "builtins" + rest
    return UnpicklingError(
        f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
        f"Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
        f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this "
        "global if you trust this class/function."
    )


class Unpickler:
    """Interpret one pickle from ``file`` (``read``/``readline``) into data.

    Args:
        file: a binary file object positioned at the pickle.
        allowed: ``{"module.name": obj}``, the default globals (numtorch's table).
        persistent_load: called with a ``('storage', ...)`` tuple or an int for each
            persistent id; anything else is refused.
        encoding: how Python 2 ``str`` (``SHORT_BINSTRING``) is decoded; ``"bytes"`` keeps bytes.
    """

    def __init__(
        self,
        file,
        allowed: dict[str, Any],
        persistent_load: Callable | None = None,
        encoding: str = "bytes",
    ):
        self.read = file.read
        self.readline = file.readline
        self.allowed = allowed
        self.user = user_allowed_globals()
        self._allowed_ids = {id(v) for v in allowed.values()} | {id(v) for v in self.user.values()}
        self._persistent_load = persistent_load
        self.encoding = encoding
        self.proto = -1

    def load(self) -> Any:
        try:
            return self._load()
        except (UnpicklingError, CallbackError):
            raise
        except Exception as e:  # malformed input of any kind: one exception type for the caller
            raise UnpicklingError(f"{type(e).__name__}: {e}") from None

    # -- helpers
    def _readn(self, n: int) -> bytes:
        if n < 0:
            raise UnpicklingError("negative length")
        if n <= _CHUNK:
            data = self.read(n)
        else:  # a huge declared length is read (and refused) as far as the file goes, no further
            parts, left = [], n
            while left:
                part = self.read(min(left, _CHUNK))
                if not part:
                    break
                parts.append(part)
                left -= len(part)
            data = b"".join(parts)
        if len(data) != n:
            raise UnpicklingError("pickle data was truncated")
        return data

    def _global(self, module: str, name: str) -> Any:
        module, name = _map_name(module, name)
        full_path = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise _unsupported_global(module, name)
        if full_path in self.user:  # exactly as registered (a nested class's qualname has dots)
            return self.user[full_path]
        if "." in name:  # never an attribute path
            raise _unsupported_global(module, name)
        if full_path in self.allowed:
            return self.allowed[full_path]
        raise _unsupported_global(module, name)

    def _is_allowed(self, obj) -> bool:
        return id(obj) in self._allowed_ids

    def _pop_mark(self) -> list:
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _set_target(self, opcode: str) -> dict:
        target = self.stack[-1]
        if type(target) not in (dict, OrderedDict, Counter):
            raise UnpicklingError(
                f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, "
                f"but got {type(target)}"
            )
        return target

    # -- the interpreter loop
    def _load(self) -> Any:  # noqa: C901 - one branch per opcode, read top to bottom
        self.stack: list = []
        self.metastack: list = []
        memo: dict[int, Any] = {}
        read, readn = self.read, self._readn
        while True:
            key = read(1)
            if not key:
                raise UnpicklingError("pickle data was truncated")
            stack = self.stack
            # ---- data
            if key == BINPUT:
                memo[readn(1)[0]] = stack[-1]
            elif key == LONG_BINPUT:
                memo[unpack("<I", readn(4))[0]] = stack[-1]
            elif key == MEMOIZE:
                memo[len(memo)] = stack[-1]
            elif key == BINGET:
                stack.append(memo[readn(1)[0]])
            elif key == LONG_BINGET:
                stack.append(memo[unpack("<I", readn(4))[0]])
            elif key == BININT1:
                stack.append(readn(1)[0])
            elif key == BININT2:
                stack.append(unpack("<H", readn(2))[0])
            elif key == BININT:
                stack.append(unpack("<i", readn(4))[0])
            elif key == LONG1:
                stack.append(pickle.decode_long(readn(readn(1)[0])))
            elif key == LONG4:
                n = unpack("<i", readn(4))[0]
                if n > _MAX_LONG_BYTES:
                    raise UnpicklingError("LONG4 integer is too long")
                stack.append(pickle.decode_long(readn(n)))
            elif key == BINFLOAT:
                stack.append(unpack(">d", readn(8))[0])
            elif key == BINUNICODE:
                stack.append(str(readn(unpack("<I", readn(4))[0]), "utf-8", "surrogatepass"))
            elif key == SHORT_BINUNICODE:
                stack.append(str(readn(readn(1)[0]), "utf-8", "surrogatepass"))
            elif key == BINUNICODE8:
                stack.append(str(readn(unpack("<Q", readn(8))[0]), "utf-8", "surrogatepass"))
            elif key == SHORT_BINSTRING or key == BINSTRING:
                n = readn(1)[0] if key == SHORT_BINSTRING else unpack("<i", readn(4))[0]
                data = readn(n)
                stack.append(
                    data if self.encoding == "bytes" else data.decode(self.encoding, "strict")
                )
            elif key == SHORT_BINBYTES:
                stack.append(readn(readn(1)[0]))
            elif key == BINBYTES:
                stack.append(readn(unpack("<I", readn(4))[0]))
            elif key == BINBYTES8:
                stack.append(readn(unpack("<Q", readn(8))[0]))
            elif key == BYTEARRAY8:
                stack.append(bytearray(readn(unpack("<Q", readn(8))[0])))
            elif key == NONE:
                stack.append(None)
            elif key == NEWFALSE:
                stack.append(False)
            elif key == NEWTRUE:
                stack.append(True)
            elif key == EMPTY_TUPLE:
                stack.append(())
            elif key == EMPTY_LIST:
                stack.append([])
            elif key == EMPTY_DICT:
                stack.append({})
            elif key == EMPTY_SET:
                stack.append(set())
            # ---- structure
            elif key == MARK:
                self.metastack.append(stack)
                self.stack = []
            elif key == TUPLE:
                items = self._pop_mark()
                self.stack.append(tuple(items))
            elif key == TUPLE1:
                stack[-1] = (stack[-1],)
            elif key == TUPLE2:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif key == TUPLE3:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif key == APPEND:
                item = stack.pop()
                if type(stack[-1]) is not list:
                    raise UnpicklingError(f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(item)
            elif key == APPENDS:
                items = self._pop_mark()
                if type(self.stack[-1]) is not list:
                    raise UnpicklingError(f"Can only extend lists, but got {type(self.stack[-1])}")
                self.stack[-1].extend(items)
            elif key == SETITEM:
                value, k = stack.pop(), stack.pop()
                self._set_target("SETITEM")[k] = value
            elif key == SETITEMS:
                items = self._pop_mark()
                target = self._set_target("SETITEMS")
                if len(items) % 2:
                    raise UnpicklingError("odd number of items for SETITEMS")
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif key == ADDITEMS:
                items = self._pop_mark()
                if type(self.stack[-1]) is not set:
                    raise UnpicklingError(
                        f"Can only add items to sets, but got {type(self.stack[-1])}"
                    )
                self.stack[-1].update(items)
            elif key == FROZENSET:
                items = self._pop_mark()
                self.stack.append(frozenset(items))
            elif key == POP:
                if stack:
                    stack.pop()
                else:
                    self._pop_mark()
            elif key == POP_MARK:
                self._pop_mark()
            elif key == DUP:
                stack.append(stack[-1])
            # ---- the guarded opcodes: globals and calls
            elif key == GLOBAL:
                module = self.readline()[:-1].decode("utf-8")
                name = self.readline()[:-1].decode("utf-8")
                stack.append(self._global(module, name))
            elif key == REDUCE:
                args = stack.pop()
                func = stack[-1]
                if not self._is_allowed(func):
                    msg = f"Trying to call reduce for unrecognized function {func}"
                    if hasattr(func, "__self__"):
                        msg += f" which belongs to {func.__self__}"
                    raise UnpicklingError(msg)
                if type(args) is not tuple:
                    raise UnpicklingError("REDUCE arguments must be a tuple")
                stack[-1] = func(*args)
            elif key == NEWOBJ:
                args = stack.pop()
                cls = stack.pop()
                if not (isinstance(cls, type) and self._is_allowed(cls)):
                    raise UnpicklingError(
                        "Can only create new object for nn.Parameter or classes allowlisted "
                        f"via `add_safe_globals` but got {cls}"
                    )
                if type(args) is not tuple:
                    raise UnpicklingError("NEWOBJ arguments must be a tuple")
                stack.append(cls.__new__(cls, *args))
            elif key == BUILD:
                state = stack.pop()
                self._build(stack[-1], state)
            elif key == BINPERSID:
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise UnpicklingError(
                        f"persistent_load id must be tuple or int, but got {type(pid)}"
                    )
                if type(pid) is tuple and len(pid) > 0 and _ascii(pid[0]) != "storage":
                    raise UnpicklingError(
                        f"Only persistent_load of storage is allowed, but got {type(pid[0])}"
                    )
                if self._persistent_load is None:
                    raise UnpicklingError("unsupported persistent id encountered")
                try:
                    stack.append(self._persistent_load(pid))
                except UnpicklingError:
                    raise
                except Exception as e:  # the caller's own error (a missing record, a CUDA map)
                    raise CallbackError(e) from e
            # ---- framing
            elif key == PROTO:
                self.proto = readn(1)[0]
                if self.proto > pickle.HIGHEST_PROTOCOL:
                    raise UnpicklingError(f"unsupported pickle protocol: {self.proto}")
                if self.proto != 2:
                    warnings.warn(
                        f"Detected pickle protocol {self.proto} in the checkpoint, which was not "
                        "the default pickle protocol used by `torch.load` (2). The weights_only "
                        "Unpickler might not support all instructions implemented by this "
                        "protocol, please file an issue for adding support if you encounter this.",
                        stacklevel=2,
                    )
            elif key == FRAME:
                readn(8)
            elif key == STOP:
                if self.metastack or len(stack) != 1:
                    raise UnpicklingError("pickle stack is not a single object at STOP")
                return stack.pop()
            else:
                raise UnpicklingError(f"Unsupported operand {key[0]}")

    def _build(self, inst, state) -> None:
        kind = type(inst)
        if kind is OrderedDict or kind is Counter:  # a state dict's ``_metadata``
            if type(state) is not dict or not all(type(k) is str for k in state):
                raise UnpicklingError(f"{kind.__name__} state must be a dict with str keys")
            inst.__dict__.update(state)
        elif any(kind is v for v in self.user.values()):  # the user vouched for this type
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
                return
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slotstate = state
            if state:
                inst.__dict__.update(state)
            if slotstate:
                for k, v in slotstate.items():
                    setattr(inst, k, v)
        else:
            raise UnpicklingError(
                "Can only build Tensor, Parameter, OrderedDict or types allowlisted "
                f"via `add_safe_globals`, but got {kind}"
            )


def _ascii(s) -> str:
    return s.decode("ascii") if isinstance(s, bytes) else s


def globals_in_pickle(file) -> set[str]:
    """Every ``"module.name"`` a pickle's ``GLOBAL`` opcodes name, read without executing it."""
    found = set()
    data = file.read()
    import pickletools

    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name == "GLOBAL":
                module, name = arg.split(" ", 1)
                module, name = _map_name(module, name)
                found.add(f"{module}.{name}")
            elif opcode.name == "STOP":
                break
    except Exception as e:
        raise UnpicklingError(f"{type(e).__name__}: {e}") from None
    return found


def wo_message(message: str) -> str:
    """The text of a weights-only failure, around the interpreter's ``message``."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message."
            "\n\tWeightsUnpickler error: "
            + message
            + _DOCS_MESSAGE
        )
    if re.search(r"(\S+) must be (\S+) to load", message):
        return f"Weights only load failed. {message}\n {UNSAFE_MESSAGE}\n"
    updated = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        updated += (
            "Please file an issue with the following so that we can make "
            "`weights_only=True` compatible with your use case: WeightsUnpickler error: "
        )
    return updated + "\n\n" + message + _DOCS_MESSAGE
