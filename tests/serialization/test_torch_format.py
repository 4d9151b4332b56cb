"""PyTorch's checkpoint format both ways: numtorch writes what torch.load reads, and reads what
torch.save writes (zip and legacy), with dtypes, strides, sharing, Parameters and metadata kept.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import numtorch
from numtorch._tensor import _wrap

# golden_torch_2_13{,_legacy}.pt were written once by PyTorch 2.13 (zip and legacy format):
#   x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
#   sd = OrderedDict(weight=torch.arange(6, dtype=torch.float64).reshape(2, 3),
#                    bias=torch.tensor([1, -2])); sd._metadata = OrderedDict({"": {"version": 1}})
#   torch.save({"x": x, "row": x[1], "t": x.t(), "p": nn.Parameter(torch.tensor([0.5, -1.5])),
#               "sd": sd, "h": float16 [1.5, -2], "b": [True, False], "u8": [0, 255],
#               "i8": [-128, 127], "i16": [-3], "i32": 7 (0-dim), "epoch": 3, "lr": 0.1,
#               "name": "golden", "size": torch.Size([2, 3]), "dtype": torch.float16}, path)
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _values(name: str) -> np.ndarray:
    """Edge values of each dtype, as a NumPy array (independent of both libraries)."""
    dt = np.dtype(name if name != "bool" else np.bool_)
    if dt.kind == "f":
        fi = np.finfo(dt)
        vals = [0.0, -0.0, 1.5, -2.25, fi.max, fi.min, fi.tiny, np.inf, -np.inf, np.nan]
    elif dt.kind in "iu":
        ii = np.iinfo(dt)
        vals = [0, 1, ii.max, ii.min, ii.max // 3]
    else:
        vals = [True, False, True]
    return np.array(vals, dtype=dt)


def _np(t) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same_bits(a, b) -> None:
    a, b = _np(a), _np(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


# ---- numtorch -> torch --------------------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_numtorch_to_torch(tmp_path, name):
    torch = pytest.importorskip("torch")
    vals = _values(name)
    x = numtorch.from_numpy(vals.copy())
    path = tmp_path / "x.pt"
    numtorch.save(
        {"x": x, "m": x.reshape(1, -1).t(), "s": x[0], "dt": getattr(numtorch, name)}, path
    )
    back = torch.load(path)
    assert back["x"].dtype == getattr(torch, name) and back["dt"] == getattr(torch, name)
    _same_bits(back["x"].numpy(), vals)
    assert back["m"].shape == (len(vals), 1) and back["s"].dim() == 0
    _same_bits(back["m"].numpy(), vals.reshape(-1, 1))


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_torch_to_numtorch(tmp_path, name):
    torch = pytest.importorskip("torch")
    vals = _values(name)
    t = torch.from_numpy(vals.copy())
    path = tmp_path / "t.pt"
    torch.save({"x": t, "m": t.reshape(1, -1).t(), "dt": getattr(torch, name)}, path)
    for legacy in (False, True):
        if legacy:
            torch.save(
                {"x": t, "m": t.reshape(1, -1).t(), "dt": getattr(torch, name)},
                path,
                _use_new_zipfile_serialization=False,
            )
        back = numtorch.load(path)
        assert back["x"].dtype is getattr(numtorch, name) and back["dt"] is getattr(numtorch, name)
        _same_bits(back["x"], vals)
        assert tuple(back["m"].stride()) == tuple(t.reshape(1, -1).t().stride())


def _views(lib):
    x = lib.arange(24, dtype=lib.float32).reshape(4, 6)
    return {
        "x": x,
        "row": x[2],
        "t": x.t(),
        "step": x[:, 1::2],
        "narrow": x[1:3, 2:5],
        "flat": x.reshape(-1),
        "expand": x[0:1].expand(3, 6),
        "scalar": x[3, 4],
        "empty": lib.zeros(0, 3),
        "zero_dim": lib.tensor(2.5),
    }


def _storage_layout(t):
    return tuple(t.shape), tuple(t.stride()), t.storage_offset()


def test_views_keep_sharing_offsets_and_strides_numtorch_to_torch(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "v.pt"
    numtorch.save(_views(numtorch), path)
    back, want = torch.load(path), _views(torch)
    assert list(back) == list(want)
    ptr = back["x"].untyped_storage().data_ptr()
    for k in ["row", "t", "step", "narrow", "flat", "expand", "scalar"]:
        assert back[k].untyped_storage().data_ptr() == ptr, k
    for k, v in want.items():
        assert torch.equal(back[k], v), k
        if v.numel():
            assert _storage_layout(back[k]) == _storage_layout(v), k
    back["x"][0, 0] = 100.0
    assert back["flat"][0].item() == 100.0  # one storage, as in PyTorch


def test_views_keep_sharing_torch_to_numtorch(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "v.pt"
    want = _views(torch)
    torch.save(want, path)
    back = numtorch.load(path)
    for k, v in want.items():
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
        if v.numel():
            assert _storage_layout(back[k]) == _storage_layout(v), k
    for k in ["row", "t", "step", "narrow", "flat", "expand", "scalar"]:
        assert np.shares_memory(back[k].numpy(), back["x"].numpy()), k
    # and numtorch saves them again as one storage
    numtorch.save(back, tmp_path / "again.pt")
    assert len([n for n in zipfile.ZipFile(tmp_path / "again.pt").namelist() if "/data/" in n]) == 3


def test_same_file_size_and_layout_as_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    numtorch.manual_seed(0)
    model = numtorch.nn.Sequential(numtorch.nn.Linear(30, 20), numtorch.nn.Linear(20, 5))
    theirs = torch.nn.Sequential(torch.nn.Linear(30, 20), torch.nn.Linear(20, 5))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    numtorch.save(model.state_dict(), tmp_path / "a" / "model.pt")
    torch.save(theirs.state_dict(), tmp_path / "b" / "model.pt")
    ours, ref = (
        zipfile.ZipFile(tmp_path / "a" / "model.pt"),
        zipfile.ZipFile(tmp_path / "b" / "model.pt"),
    )
    assert [(i.filename, i.file_size, i.header_offset) for i in ours.infolist()] == [
        (i.filename, i.file_size, i.header_offset) for i in ref.infolist()
    ]
    assert os.path.getsize(tmp_path / "a" / "model.pt") == os.path.getsize(
        tmp_path / "b" / "model.pt"
    )
    assert ours.read("model/data.pkl") == ref.read("model/data.pkl")


def test_records_are_64_byte_aligned(tmp_path):
    path = tmp_path / "m.pt"
    numtorch.save({f"t{i}": numtorch.ones(i + 1, dtype=numtorch.float16) for i in range(9)}, path)
    raw = path.read_bytes()
    for info in zipfile.ZipFile(path).infolist():
        name_len, extra_len = struct.unpack(
            "<HH", raw[info.header_offset + 26 : info.header_offset + 30]
        )
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0, info.filename


def test_trained_model_predicts_the_same_in_torch(tmp_path):
    torch = pytest.importorskip("torch")
    numtorch.manual_seed(0)
    model = numtorch.nn.Sequential(
        numtorch.nn.Linear(4, 8), numtorch.nn.Tanh(), numtorch.nn.Linear(8, 2)
    )
    opt = numtorch.optim.Adam(model.parameters(), lr=0.01)
    sched = numtorch.optim.lr_scheduler.StepLR(opt, step_size=1)
    x = numtorch.randn(16, 4)
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
        sched.step()
    path = tmp_path / "ckpt.pt"
    numtorch.save(
        {
            "model": model.state_dict(),
            "opt": opt.state_dict(),
            "sched": sched.state_dict(),
            "rng": numtorch.get_rng_state(),
            "epoch": 3,
        },
        path,
    )
    ckpt = torch.load(path)
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    twin.load_state_dict(ckpt["model"])
    assert ckpt["model"]._metadata == model.state_dict()._metadata
    topt = torch.optim.Adam(twin.parameters(), lr=0.01)
    topt.load_state_dict(ckpt["opt"])
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=1)
    tsched.load_state_dict(ckpt["sched"])
    assert ckpt["rng"].dtype == torch.uint8 and ckpt["epoch"] == 3
    np.testing.assert_allclose(
        twin(torch.from_numpy(x.numpy())).detach().numpy(),
        model(x).detach().numpy(),
        rtol=1e-6,
        atol=1e-6,
    )
    assert tsched.get_last_lr() == sched.get_last_lr()


def test_torch_checkpoint_resumes_in_numtorch(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(16, 4)
    model(x).pow(2).mean().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "p": model[0].weight}, path)
    ckpt = numtorch.load(path)
    twin = numtorch.nn.Sequential(
        numtorch.nn.Linear(4, 8), numtorch.nn.Tanh(), numtorch.nn.Linear(8, 2)
    )
    twin.load_state_dict(ckpt["model"])
    topt = numtorch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    topt.load_state_dict(ckpt["opt"])
    assert isinstance(ckpt["p"], numtorch.nn.Parameter) and ckpt["p"].requires_grad
    assert ckpt["model"]._metadata == model.state_dict()._metadata
    np.testing.assert_allclose(
        twin(numtorch.from_numpy(x.numpy())).detach().numpy(),
        model(x).detach().numpy(),
        rtol=1e-6,
        atol=1e-6,
    )


PLAIN = {
    "int": 3,
    "big": 2**70,
    "neg": -(2**40),
    "float": 0.1,
    "str": "é",
    "bytes": b"\x00\xff",
    "none": None,
    "bools": [True, False],
    "tuple": (1, (2, 3)),
    "set": {1, 2},
    "complex": 1 - 2j,
    "nested": {"a": [1.5, {"b": ()}]},
    "od": collections.OrderedDict([("z", 1), ("a", 2)]),
}


def test_plain_python_values_both_ways(tmp_path):
    torch = pytest.importorskip("torch")
    numtorch.save(PLAIN, tmp_path / "n.pt")
    assert torch.load(tmp_path / "n.pt") == PLAIN
    torch.save(PLAIN, tmp_path / "t.pt")
    back = numtorch.load(tmp_path / "t.pt")
    assert back == PLAIN and list(back["od"]) == ["z", "a"]


def test_legacy_format_numtorch_to_torch(tmp_path):
    torch = pytest.importorskip("torch")
    numtorch.save(_views(numtorch), tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    back, want = torch.load(tmp_path / "l.pt"), _views(torch)
    for k, v in want.items():
        assert torch.equal(back[k], v)


def test_golden_file_without_torch():
    for name in ["golden_torch_2_13.pt", "golden_torch_2_13_legacy.pt"]:
        g = numtorch.load(os.path.join(FIXTURES, name))
        assert g["x"].tolist() == np.arange(12.0).reshape(3, 4).tolist()
        assert g["row"].tolist() == [4.0, 5.0, 6.0, 7.0] and tuple(g["t"].stride()) == (1, 4)
        assert np.shares_memory(g["row"].numpy(), g["x"].numpy())
        assert isinstance(g["p"], numtorch.nn.Parameter) and g["p"].tolist() == [0.5, -1.5]
        assert list(g["sd"]) == ["weight", "bias"] and g["sd"]._metadata == {"": {"version": 1}}
        assert g["sd"]["weight"].dtype is numtorch.float64 and g["sd"]["bias"].tolist() == [1, -2]
        assert g["h"].dtype is numtorch.float16 and g["h"].tolist() == [1.5, -2.0]
        assert g["b"].tolist() == [True, False] and g["u8"].tolist() == [0, 255]
        assert g["i8"].tolist() == [-128, 127] and g["i16"].dtype is numtorch.int16
        assert g["i32"].item() == 7 and g["i32"].dtype is numtorch.int32
        assert (g["epoch"], g["lr"], g["name"]) == (3, 0.1, "golden")
        assert g["size"] == numtorch.Size([2, 3]) and g["dtype"] is numtorch.float16


# ---- how a file is given, where storages go ------------------------------------------------------


def test_path_file_object_and_bytes(tmp_path):
    path = os.path.join(FIXTURES, "golden_torch_2_13.pt")
    with open(path, "rb") as f:
        from_file = numtorch.load(f)
    data = open(path, "rb").read()
    for back in (from_file, numtorch.load(io.BytesIO(data)), numtorch.load(data)):
        assert back["x"].tolist() == np.arange(12.0).reshape(3, 4).tolist()


def test_mmap_maps_storages_from_the_file():
    path = os.path.join(FIXTURES, "golden_torch_2_13.pt")
    back = numtorch.load(path, mmap=True)
    base = back["x"].numpy()
    while not isinstance(base, np.memmap) and isinstance(base.base, np.ndarray):
        base = base.base
    assert isinstance(base, np.memmap)
    assert back["x"].tolist() == np.arange(12.0).reshape(3, 4).tolist()
    back["x"][0, 0] = 5.0  # copy-on-write: the file is untouched
    assert numtorch.load(path)["x"][0, 0].item() == 0.0


def test_mmap_errors_like_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    legacy = os.path.join(FIXTURES, "golden_torch_2_13_legacy.pt")
    with pytest.raises(RuntimeError) as theirs:
        torch.load(legacy, mmap=True)
    with pytest.raises(RuntimeError) as ours:
        numtorch.load(legacy, mmap=True)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "where",
    [
        "cpu",
        numtorch.device("cpu"),
        {"cpu": "cpu"},
        lambda storage, loc: storage,
        lambda storage, loc: None,
    ],
)
def test_map_location_to_cpu(where):
    back = numtorch.load(os.path.join(FIXTURES, "golden_torch_2_13.pt"), map_location=where)
    assert back["row"].tolist() == [4.0, 5.0, 6.0, 7.0]


# ---- bad files -----------------------------------------------------------------------------------


def _cases():
    good = open(os.path.join(FIXTURES, "golden_torch_2_13.pt"), "rb").read()
    return {
        "empty": b"",
        "truncated zip": good[:500],
        "garbage": b"garbage",
        "zip cut in the middle": good[: len(good) // 2],
        "not a pickle": b"\x80\x02\xff\xff",
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_corrupt_files_fail_like_pytorch(case):
    torch = pytest.importorskip("torch")
    data = _cases()[case]
    with pytest.raises(Exception) as theirs:
        torch.load(io.BytesIO(data))
    with pytest.raises(Exception) as ours:
        numtorch.load(io.BytesIO(data))
    assert type(ours.value) is type(theirs.value)
    if case != "not a pickle":
        assert str(ours.value) == str(theirs.value)


def test_unsafe_member_paths_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil/data.pkl", pickle.dumps(1, protocol=2))
    with pytest.raises(RuntimeError, match="unsafe path"):
        numtorch.load(io.BytesIO(buf.getvalue()))


def test_big_endian_records_are_converted():
    buf = io.BytesIO()
    src = io.BytesIO()
    numtorch.save({"x": numtorch.tensor([1.5, -2.0, 3.25]), "i": numtorch.tensor([1, 256])}, src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("byteorder"):
                data = b"big"
            elif info.filename.endswith("data/0"):
                data = np.frombuffer(data, "<f4").astype(">f4").tobytes()
            elif info.filename.endswith("data/1"):
                data = np.frombuffer(data, "<i8").astype(">i8").tobytes()
            zout.writestr(info.filename, data)
    back = numtorch.load(io.BytesIO(buf.getvalue()))
    assert back["x"].tolist() == [1.5, -2.0, 3.25] and back["i"].tolist() == [1, 256]


def test_odd_layouts_are_saved_as_their_values(tmp_path):
    torch = pytest.importorskip("torch")
    base = np.arange(24, dtype=np.float32)
    odd = {
        "flipped": numtorch.from_numpy(base.copy()).flip(0),
        "fortran": numtorch.from_numpy(np.asfortranarray(base.reshape(4, 6))),
        "fortran_col": numtorch.from_numpy(np.asfortranarray(base.reshape(4, 6))[:, 2]),
        "big_endian": numtorch.from_numpy(base.astype(">f4").astype(np.float32)),
        "frozen": numtorch.from_numpy(np.frombuffer(base.tobytes(), dtype=np.float32)),
        "negative_strides": _wrap(base[::-2]),
    }  # an internal array layout PyTorch cannot have
    numtorch.save(odd, tmp_path / "odd.pt")
    theirs, ours = torch.load(tmp_path / "odd.pt"), numtorch.load(tmp_path / "odd.pt")
    for k, v in odd.items():
        np.testing.assert_array_equal(theirs[k].numpy(), v.numpy())
        np.testing.assert_array_equal(ours[k].numpy(), v.numpy())


@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameters_keep_requires_grad_both_ways(tmp_path, requires_grad):
    torch = pytest.importorskip("torch")
    p = numtorch.nn.Parameter(numtorch.tensor([1.0, 2.0]), requires_grad=requires_grad)
    numtorch.save({"p": p, "view": p.data[1:]}, tmp_path / "n.pt")
    back = torch.load(tmp_path / "n.pt")
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].requires_grad is requires_grad
    assert back["view"].untyped_storage().data_ptr() == back["p"].untyped_storage().data_ptr()
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=requires_grad)
    torch.save({"p": tp}, tmp_path / "t.pt")
    ours = numtorch.load(tmp_path / "t.pt")["p"]
    assert isinstance(ours, numtorch.nn.Parameter) and ours.requires_grad is requires_grad


def test_torch_rng_state_loads_as_bytes(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"rng": torch.get_rng_state()}, tmp_path / "rng.pt")
    rng = numtorch.load(tmp_path / "rng.pt")["rng"]
    assert (
        rng.dtype is numtorch.uint8
        and rng.numpy().tobytes() == torch.get_rng_state().numpy().tobytes()
    )


@pytest.mark.parametrize("name", ["golden_torch_2_13.pt", "golden_torch_2_13_legacy.pt"])
def test_weights_only_false_reads_the_same(name):
    path = os.path.join(FIXTURES, name)
    safe, unsafe = numtorch.load(path), numtorch.load(path, weights_only=False)
    assert list(safe) == list(unsafe)
    for k, v in safe.items():
        if isinstance(v, numtorch.Tensor):
            assert type(unsafe[k]) is type(v) and unsafe[k].tolist() == v.tolist()
        elif k != "sd":
            assert unsafe[k] == v
    assert np.shares_memory(unsafe["row"].numpy(), unsafe["x"].numpy())


def test_mmap_needs_a_path_like_pytorch():
    torch = pytest.importorskip("torch")
    data = open(os.path.join(FIXTURES, "golden_torch_2_13.pt"), "rb").read()
    for blob in (data, b"PK"):
        with pytest.raises(Exception) as theirs:
            torch.load(io.BytesIO(blob), mmap=True)
        with pytest.raises(Exception) as ours:
            numtorch.load(io.BytesIO(blob), mmap=True)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
