"""The weights-only loader against hostile pickles: every way a pickle imports or calls is refused.

Each payload is built by hand from opcodes and would create a marker file (or import a
trap module) if executed; ``test_payloads_are_live`` proves that with Python's own
pickle, and every refusal test then proves numtorch did nothing of the kind.
"""

from __future__ import annotations

import copyreg
import io
import pickle
import re
import struct
import sys
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch
from numtorch.serialization import _format, _weights_only

P = pickle


# ---- building pickles by hand ------------------------------------------------------------------


def u(s: str) -> bytes:
    """BINUNICODE: push a str."""
    b = s.encode()
    return P.BINUNICODE + struct.pack("<I", len(b)) + b


def g(module: str, name: str) -> bytes:
    return P.GLOBAL + f"{module}\n{name}\n".encode()


def sg(module: str, name: str) -> bytes:
    return u(module) + u(name) + P.STACK_GLOBAL


def proto(n: int = 2) -> bytes:
    return P.PROTO + bytes([n])


def code_creating(marker) -> str:
    return f"open({str(marker)!r}, 'w').close()"


TRAP = """
import os
MARKER = os.environ.get("NUMTORCH_TRAP_MARKER", "")

def fire(*args, **kwargs):
    open(MARKER, "w").close()

class Trap:
    def __new__(cls, *args, **kwargs):
        fire()
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        fire()

    def __setstate__(self, state):
        fire()
"""


@pytest.fixture
def trap(tmp_path, monkeypatch):
    """A module ``nt_trapmod`` that creates ``marker`` when anything of it runs."""
    marker = tmp_path / "marker"
    (tmp_path / "nt_trapmod.py").write_text(TRAP)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("NUMTORCH_TRAP_MARKER", str(marker))
    sys.modules.pop("nt_trapmod", None)
    yield marker
    sys.modules.pop("nt_trapmod", None)


_EXT_CODE = 0x7F01  # EXT2 code registered for ``builtins.exec`` in the EXT tests


def pk(*parts: bytes, protocol: int = 2) -> bytes:
    """A whole pickle: PROTO, the opcodes, STOP."""
    return proto(protocol) + b"".join(parts) + P.STOP


CALL1 = P.TUPLE1 + P.REDUCE  # call what is below the argument with that one argument


def payloads(marker) -> dict[str, bytes]:
    """name -> a pickle that creates ``marker`` (or imports the trap) when ``pickle`` loads it."""
    code = u(code_creating(marker))
    touch = u(f"touch {marker}")
    dotted_get = u("exec") + CALL1 + code + CALL1  # dict.get("exec") -> exec(code)
    return {
        "GLOBAL builtins.exec": pk(g("builtins", "exec"), code, CALL1),
        "GLOBAL __builtin__.eval": pk(g("__builtin__", "eval"), code, CALL1),
        "GLOBAL os.system": pk(g("os", "system"), touch, CALL1),
        "GLOBAL posix.system": pk(g("posix", "system"), touch, CALL1),
        "GLOBAL subprocess.call": pk(g("subprocess", "call"), u("touch"), u(str(marker)), P.TUPLE2,
                                     CALL1),
        "GLOBAL builtins.getattr": pk(g("builtins", "getattr"), g("builtins", "__import__"),
                                      u("os"), CALL1, u("system"), P.TUPLE2, P.REDUCE, touch,
                                      CALL1),
        "GLOBAL builtins.__import__": pk(g("builtins", "__import__"), u("nt_trapmod"), CALL1),
        "GLOBAL numpy runstring": pk(g("numpy.testing._private.utils", "runstring"), code,
                                     P.EMPTY_DICT, P.TUPLE2, P.REDUCE),
        "GLOBAL trap function": pk(g("nt_trapmod", "fire"), P.EMPTY_TUPLE, P.REDUCE),
        "GLOBAL dotted numpy.dtypes __builtins__.get": pk(
            g("numpy.dtypes", "__builtins__.get"), dotted_get, protocol=4),
        "STACK_GLOBAL dotted numpy.dtypes __builtins__.get": pk(
            sg("numpy.dtypes", "__builtins__.get"), dotted_get, protocol=4),
        "STACK_GLOBAL builtins.exec": pk(sg("builtins", "exec"), code, CALL1, protocol=4),
        "GLOBAL dotted collections.OrderedDict.__init__.__globals__": pk(
            g("collections", "OrderedDict.__init__.__globals__"), protocol=4),
        "INST trap": pk(P.MARK, P.INST, b"nt_trapmod\nTrap\n"),
        "INST builtins.exec": pk(P.MARK, code, P.INST, b"builtins\nexec\n"),
        "OBJ trap": pk(P.MARK, g("nt_trapmod", "Trap"), P.OBJ),
        "NEWOBJ trap": pk(g("nt_trapmod", "Trap"), P.EMPTY_TUPLE, P.NEWOBJ),
        "NEWOBJ_EX trap": pk(sg("nt_trapmod", "Trap"), P.EMPTY_TUPLE, P.EMPTY_DICT, P.NEWOBJ_EX,
                             protocol=4),
        "BUILD __setstate__": pk(g("copyreg", "_reconstructor"), g("nt_trapmod", "Trap"),
                                 g("builtins", "object"), P.NONE, P.TUPLE3, P.REDUCE, P.EMPTY_DICT,
                                 P.BUILD),
        "EXT2 builtins.exec": pk(P.EXT2, struct.pack("<H", _EXT_CODE), code, CALL1),
        "EXT1 code": pk(P.EXT1, b"\x01"),
        "EXT4 code": pk(P.EXT4, struct.pack("<i", _EXT_CODE), code, CALL1),
        "torch.load": pk(g("torch", "load"), u(str(marker)), CALL1),
        "numtorch.load": pk(g("numtorch", "load"), u(str(marker)), CALL1),
        "collections.namedtuple": pk(g("collections", "namedtuple")),
        "numpy.load": pk(g("numpy", "load")),
        "numpy _reconstruct": pk(g("numpy._core.multiarray", "_reconstruct")),
    }


LIVE = [
    "GLOBAL os.system",
    "GLOBAL posix.system",
    "GLOBAL subprocess.call",
    "INST builtins.exec",
    "EXT4 code",
    "GLOBAL builtins.exec",
    "GLOBAL __builtin__.eval",
    "GLOBAL builtins.getattr",
    "GLOBAL numpy runstring",
    "GLOBAL trap function",
    "STACK_GLOBAL dotted numpy.dtypes __builtins__.get",
    "GLOBAL dotted numpy.dtypes __builtins__.get",
    "INST trap",
    "OBJ trap",
    "NEWOBJ trap",
    "NEWOBJ_EX trap",
    "BUILD __setstate__",
    "EXT2 builtins.exec",
    "GLOBAL builtins.__import__",
]
NAMES = list(payloads("m"))


@pytest.fixture
def ext_code():
    copyreg.add_extension("builtins", "exec", _EXT_CODE)
    yield
    copyreg.remove_extension("builtins", "exec", _EXT_CODE)


def _side_effects(marker) -> bool:
    return marker.exists() or "nt_trapmod" in sys.modules


@pytest.mark.parametrize("name", LIVE)
def test_payloads_are_live(name, trap, ext_code):
    """Python's pickle really does run them: the refusals below are not vacuous."""
    try:
        pickle.loads(payloads(trap)[name])
    except Exception:
        pass
    assert _side_effects(trap)


def _zip_with(data_pkl: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("container", ["raw", "zip"])
@pytest.mark.parametrize("name", NAMES)
def test_hostile_pickle_is_refused_and_nothing_runs(name, container, trap, ext_code):
    data = payloads(trap)[name]
    if container == "zip":
        data = _zip_with(data)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        numtorch.load(io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        numtorch.load(io.BytesIO(data), weights_only=True)
    assert not _side_effects(trap)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("name", NAMES)
def test_interpreter_refuses_with_unpickling_error(name, trap, ext_code):
    with pytest.raises(pickle.UnpicklingError):
        _weights_only.Unpickler(io.BytesIO(payloads(trap)[name]), _format.ALLOWED).load()
    assert not _side_effects(trap)


GLOBAL_CASES = [
    "GLOBAL builtins.exec",
    "GLOBAL __builtin__.eval",
    "GLOBAL os.system",
    "GLOBAL posix.system",
    "GLOBAL subprocess.call",
    "GLOBAL builtins.getattr",
    "GLOBAL numpy runstring",
    "GLOBAL trap function",
    "GLOBAL dotted numpy.dtypes __builtins__.get",
    "torch.load",
    "numtorch.load",
    "collections.namedtuple",
    "numpy.load",
    "numpy _reconstruct",
]


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("name", GLOBAL_CASES)
def test_refusal_message_is_pytorchs(name, trap):
    torch = pytest.importorskip("torch")
    data = _zip_with(payloads(trap)[name])
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError) as ours:
        numtorch.load(io.BytesIO(data))
    assert str(ours.value) == str(theirs.value)
    assert not _side_effects(trap)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize(
    "name", sorted(set(NAMES) - set(GLOBAL_CASES) - {"EXT2 builtins.exec", "EXT4 code"})
)
def test_pytorch_refuses_them_too(name, trap):
    torch = pytest.importorskip("torch")
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(_zip_with(payloads(trap)[name])))


def test_message_names_the_global():
    data = proto() + g("builtins", "eval") + P.STOP
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL eval was not an allowed global"):
        numtorch.load(io.BytesIO(data))
    data = proto() + g("os", "system") + P.STOP
    with pytest.raises(
        pickle.UnpicklingError, match=r"GLOBAL os.system whose module os is blocked"
    ):
        numtorch.load(io.BytesIO(data))


@pytest.mark.parametrize(
    "pid",
    [
        proto() + u("x") + P.BINPERSID + P.STOP,
        proto() + u("module") + u("x") + P.TUPLE2 + P.BINPERSID + P.STOP,
        proto() + P.PERSID + b"storage\n" + P.STOP,
        proto()
        + P.MARK
        + u("storage")
        + g("nt_trapmod", "Trap")
        + u("0")
        + u("cpu")
        + P.BININT1
        + b"\x01"
        + P.TUPLE
        + P.BINPERSID
        + P.STOP,
    ],
)
def test_persistent_ids_other_than_storages_are_refused(pid, trap):
    with pytest.raises(pickle.UnpicklingError):
        numtorch.load(io.BytesIO(_zip_with(pid)))
    assert not _side_effects(trap)


# ---- storages and tensors that point outside their data ------------------------------------------


def _tensor_pickle(offset: int, size: tuple, stride: tuple, numel: int) -> bytes:
    def tup(xs):
        return P.MARK + b"".join(P.BININT + struct.pack("<i", x) for x in xs) + P.TUPLE

    storage = (
        P.MARK
        + u("storage")
        + g("torch", "FloatStorage")
        + u("0")
        + u("cpu")
        + P.BININT
        + struct.pack("<i", numel)
        + P.TUPLE
        + P.BINPERSID
    )
    return (
        proto()
        + g("torch._utils", "_rebuild_tensor_v2")
        + P.MARK
        + storage
        + P.BININT
        + struct.pack("<i", offset)
        + tup(size)
        + tup(stride)
        + P.NEWFALSE
        + g("collections", "OrderedDict")
        + P.EMPTY_TUPLE
        + P.REDUCE
        + P.TUPLE
        + P.REDUCE
        + P.STOP
    )


@pytest.mark.parametrize(
    "offset,size,stride",
    [
        (0, (5,), (1,)),
        (3, (2,), (1,)),
        (0, (2, 2), (3, 1)),
        (0, (2,), (-1,)),
        (-1, (1,), (1,)),
        (0, (-2,), (1,)),
        (1 << 30, (1,), (1,)),
    ],
)
def test_views_outside_the_storage_are_refused(offset, size, stride):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", _tensor_pickle(offset, size, stride, 4))
        z.writestr("archive/data/0", b"\0" * 16)
    with pytest.raises(pickle.UnpicklingError):
        numtorch.load(io.BytesIO(buf.getvalue()))


def test_a_view_inside_the_storage_loads():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", _tensor_pickle(1, (3,), (1,), 4))
        z.writestr("archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
    assert numtorch.load(io.BytesIO(buf.getvalue())).tolist() == [2.0, 3.0, 4.0]


# ---- safe globals --------------------------------------------------------------------------------


class Point:
    def __init__(self, x=0):
        self.x = x


def test_add_safe_globals_and_context_manager(tmp_path):
    path = tmp_path / "p.pt"
    numtorch.save({"p": Point(3)}, path)
    unsafe = numtorch.serialization.get_unsafe_globals_in_checkpoint(path)
    assert unsafe == [f"{Point.__module__}.Point"]
    with pytest.raises(pickle.UnpicklingError, match="Point was not an allowed global"):
        numtorch.load(path)
    with numtorch.serialization.safe_globals([Point]):
        assert numtorch.serialization.get_safe_globals() == [Point]
        assert numtorch.load(path)["p"].x == 3
    assert numtorch.serialization.get_safe_globals() == []
    numtorch.serialization.add_safe_globals([(Point, f"{Point.__module__}.Point")])
    try:
        assert numtorch.load(path)["p"].x == 3
        assert numtorch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    finally:
        numtorch.serialization.clear_safe_globals()
    assert numtorch.serialization.get_safe_globals() == []
    assert numtorch.load(path, weights_only=False)["p"].x == 3


def test_explicit_pickle_module_with_weights_only_is_refused():
    with pytest.raises(
        RuntimeError, match="Can not safely load weights when explicit pickle_module"
    ):
        numtorch.load(io.BytesIO(b"x"), pickle_module=pickle, weights_only=True)


# ---- fuzzing -------------------------------------------------------------------------------------

_NAMES = [
    ("builtins", "exec"),
    ("builtins", "eval"),
    ("os", "system"),
    ("nt_trapmod", "fire"),
    ("nt_trapmod", "Trap"),
    ("numpy.dtypes", "__builtins__.get"),
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch", "FloatStorage"),
    ("torch", "Size"),
    ("builtins", "set"),
    ("_codecs", "encode"),
    ("torch", "float32"),
    ("copyreg", "_reconstructor"),
]


def _ops():
    simple = [
        bytes([op]) for op in b"(.0stuabdR\x81\x85\x86\x87)]}\x8f\x90\x91\x92\x88\x89N12\x94Q"
    ]
    names = st.sampled_from(_NAMES)
    return st.one_of(
        st.sampled_from(simple),
        names.map(lambda mn: g(*mn)),
        names.map(lambda mn: sg(*mn)),
        names.map(lambda mn: P.INST + f"{mn[0]}\n{mn[1]}\n".encode()),
        st.text(max_size=8).map(u),
        st.integers(-(2**31), 2**31 - 1).map(lambda i: P.BININT + struct.pack("<i", i)),
        st.integers(0, 255).map(lambda i: P.BININT1 + bytes([i])),
        st.integers(0, 8).map(lambda i: P.BINGET + bytes([i])),
        st.integers(0, 8).map(lambda i: P.BINPUT + bytes([i])),
        st.floats().map(lambda f: P.BINFLOAT + struct.pack(">d", f)),
        st.binary(max_size=6).map(lambda b: P.SHORT_BINBYTES + bytes([len(b)]) + b),
        st.sampled_from(
            [
                P.EXT1 + b"\x01",
                P.EXT2 + b"\x01\x7f",
                P.EXT4 + b"\x01\x7f\0\0",
                P.PERSID + b"x\n",
                P.NEWOBJ_EX,
                P.STACK_GLOBAL,
                P.OBJ,
            ]
        ),
        st.binary(min_size=1, max_size=4),
        st.just(b"CODE"),  # a str of Python that would create the marker
    )


@pytest.fixture(scope="module")
def fuzz_trap(tmp_path_factory):
    """The trap module on ``sys.path`` for the whole fuzz run, and the marker it would create."""
    folder = tmp_path_factory.mktemp("fuzz")
    marker = folder / "marker"
    (folder / "nt_trapmod.py").write_text(
        TRAP.replace('os.environ.get("NUMTORCH_TRAP_MARKER", "")', repr(str(marker)))
    )
    sys.path.insert(0, str(folder))
    yield marker
    sys.path.remove(str(folder))
    sys.modules.pop("nt_trapmod", None)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@settings(max_examples=400)
@given(ops=st.lists(_ops(), max_size=24), with_stop=st.booleans())
def test_fuzz_never_runs_code_and_only_raises_unpickling_error(fuzz_trap, ops, with_stop):
    marker = fuzz_trap
    code = u(code_creating(marker))
    data = (
        proto(4)
        + b"".join(code if op == b"CODE" else op for op in ops)
        + (P.STOP if with_stop else b"")
    )
    try:
        _weights_only.Unpickler(
            io.BytesIO(data), _format.ALLOWED, persistent_load=lambda pid: pid
        ).load()
    except pickle.UnpicklingError:
        pass
    assert not _side_effects(marker)


@settings(max_examples=200)
@given(st.binary(max_size=64))
def test_fuzz_random_bytes(data):
    try:
        _weights_only.Unpickler(io.BytesIO(data), _format.ALLOWED).load()
    except pickle.UnpicklingError:
        pass
    assert "nt_trapmod" not in sys.modules


_TENSOR2 = g("torch", "Tensor") + P.BININT1 + b"\x02" + P.TUPLE1 + P.REDUCE
_SLOTS = P.NONE + P.EMPTY_DICT + u("_data") + P.NONE + P.SETITEM + P.TUPLE2  # state, slotstate
ESCAPES = {
    # an allowed entry reached through a dotted name is still a dotted name
    "dotted name onto an allowed entry": (
        g("torch", "_utils._rebuild_tensor_v2"),
        "GLOBAL torch._utils._rebuild_tensor_v2 was not an allowed",
    ),
    "classmethod of an allowed class": (
        g("collections", "OrderedDict.fromkeys"),
        "GLOBAL collections.OrderedDict.fromkeys was not an allowed",
    ),
    # BUILD may not set attributes on numtorch objects or reach slots through a state pair
    "BUILD slots of a Tensor": (_TENSOR2 + _SLOTS + P.BUILD, "Can only build"),
    "BUILD dict of a Tensor": (_TENSOR2 + P.EMPTY_DICT + P.BUILD, "Can only build"),
    "BUILD slots of a Counter": (g("collections", "Counter") + P.EMPTY_TUPLE + P.REDUCE + _SLOTS
                                 + P.BUILD, "Counter state must be a dict with str keys"),
    "BUILD of a Size": (g("torch", "Size") + P.EMPTY_TUPLE + P.TUPLE1 + P.REDUCE + P.EMPTY_DICT
                        + P.BUILD, "Can only build"),
    "NEWOBJ of a non-class": (g("torch._utils", "_rebuild_tensor_v2") + P.EMPTY_TUPLE + P.NEWOBJ,
                              "Can only create new object"),
    "REDUCE of a non-callable from the stack": (u("x") + P.EMPTY_TUPLE + P.REDUCE,
                                                "Trying to call reduce for unrecognized function"),
}


@pytest.mark.parametrize("name", list(ESCAPES))
def test_no_path_from_an_allowed_global_to_anything_else(name):
    body, message = ESCAPES[name]
    with pytest.raises(pickle.UnpicklingError, match=re.escape(message)):
        numtorch.load(io.BytesIO(_zip_with(proto() + body + P.STOP)))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_huge_declared_length_is_refused_without_allocating_it(tmp_path):
    path = tmp_path / "huge.pt"
    path.write_bytes(proto() + P.BINUNICODE8 + struct.pack("<Q", 1 << 60) + b"abc")
    with pytest.raises(pickle.UnpicklingError):
        numtorch.load(path)


def test_protocol_other_than_2_warns_and_still_loads():
    """PyTorch's warning text; numtorch also reads protocol 4's data opcodes (FRAME, MEMOIZE)."""
    buf = io.BytesIO()
    numtorch.save({"a": numtorch.ones(2)}, buf, pickle_protocol=4)
    buf.seek(0)
    with pytest.warns(
        UserWarning,
        match="Detected pickle protocol 4 in the checkpoint, which was not "
        "the default pickle protocol used by `torch.load`",
    ):
        assert numtorch.load(buf)["a"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("name", GLOBAL_CASES)
def test_unsafe_globals_listed_like_pytorch(name, trap, tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "c.pt"
    path.write_bytes(_zip_with(payloads(trap)[name]))
    ours = numtorch.serialization.get_unsafe_globals_in_checkpoint(path)
    assert sorted(ours) == sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    assert not _side_effects(trap)
