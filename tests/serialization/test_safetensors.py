"""numtorch.utils.safetensors against real ``safetensors.torch``: files both ways, every dtype,
save_model/load_model with tied weights, the same errors, and the runner's alias."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numtorch
from numtorch.utils import safetensors as nst

torch = pytest.importorskip("torch")
st = pytest.importorskip("safetensors.torch")
from conftest import assert_same_error  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# dtype name, values: one row per dtype numtorch has, extremes and specials included.
DTYPES = [
    ("float32", [0.0, -1.5, 3.4e38, -np.inf, np.nan, 1e-45]),
    ("float64", [0.0, -1.5, 1.7e308, np.inf, np.nan, 5e-324]),
    ("float16", [0.0, -1.5, 65504.0, np.inf, np.nan, 6e-8]),
    ("int64", [0, -1, 2**63 - 1, -2**63, 7, 42]),
    ("int32", [0, -1, 2**31 - 1, -2**31, 7, 42]),
    ("int16", [0, -1, 2**15 - 1, -2**15, 7, 42]),
    ("int8", [0, -1, 127, -128, 7, 42]),
    ("uint8", [0, 1, 255, 128, 7, 42]),
    ("bool", [True, False, True, True, False, False]),
]
SHAPES = [(6,), (2, 3), (3, 2, 1)]


def _pair(name, values, shape):
    a = np.array(values, dtype=getattr(np, name) if name != "bool" else np.bool_).reshape(shape)
    return numtorch.from_numpy(a.copy()), torch.from_numpy(a.copy())


def _same(nt, tt):
    assert str(nt.dtype) == str(tt.dtype)
    assert tuple(nt.shape) == tuple(tt.shape)
    np.testing.assert_array_equal(nt.numpy(), tt.numpy())


def _parts(data: bytes):
    """A safetensors file as (header dict, tensor bytes): the header's JSON key order is not
    defined (the writer keeps metadata in a hash map), everything else is."""
    n = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + n]), data[8 + n:]


def _tensors(lib):
    """A state dict with every dtype, a 0-dim and an empty tensor, built in ``lib``."""
    out = {}
    for name, values in DTYPES:
        n, t = _pair(name, values, (2, 3))
        out[name] = n if lib is numtorch else t
    out["scalar"] = lib.tensor(2.5)
    out["empty"] = lib.zeros(0, 4)
    return out


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,values", DTYPES, ids=[d[0] for d in DTYPES])
def test_numtorch_file_loads_in_safetensors_torch(tmp_path, name, values, shape):
    nt, tt = _pair(name, values, shape)
    nst.save_file({"x": nt}, tmp_path / "a.safetensors")
    _same(nt, st.load_file(tmp_path / "a.safetensors")["x"])
    _same(nt, tt)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,values", DTYPES, ids=[d[0] for d in DTYPES])
def test_safetensors_torch_file_loads_in_numtorch(tmp_path, name, values, shape):
    nt, tt = _pair(name, values, shape)
    st.save_file({"x": tt}, str(tmp_path / "a.safetensors"))
    got = nst.load_file(tmp_path / "a.safetensors")["x"]
    _same(got, tt)
    got.zero_()  # loaded tensors are writable, as PyTorch's are


def test_whole_state_dict_both_ways_and_same_bytes(tmp_path):
    meta = {"format": "pt", "epoch": "3"}
    nst.save_file(_tensors(numtorch), tmp_path / "n.safetensors", metadata=meta)
    st.save_file(_tensors(torch), str(tmp_path / "t.safetensors"), metadata=meta)
    assert (_parts((tmp_path / "n.safetensors").read_bytes())
            == _parts((tmp_path / "t.safetensors").read_bytes()))
    assert _parts(nst.save(_tensors(numtorch), metadata=meta)) == _parts(st.save(_tensors(torch),
                                                                                  metadata=meta))
    from safetensors import safe_open
    with safe_open(str(tmp_path / "n.safetensors"), framework="np") as f:
        assert f.metadata() == meta
    # each library reads the other's bytes (the order of ``load``'s dict is not defined)
    for got in (st.load(nst.save(_tensors(numtorch))), nst.load(st.save(_tensors(torch)))):
        want_n, want_t = _tensors(numtorch), _tensors(torch)
        assert sorted(got) == sorted(want_t)
        for k in want_t:
            _same(want_n[k], got[k]) if isinstance(got[k], torch.Tensor) else _same(
                got[k], want_t[k]
            )


def test_parameters_and_lone_views_are_saved_as_in_safetensors_torch(tmp_path):
    def tensors(lib):
        return {"p": lib.nn.Parameter(lib.arange(12.0).reshape(3, 4)),
                "row": lib.arange(5)[1:], "col": lib.arange(6.0).reshape(2, 3)[:, 1].contiguous()}

    assert _parts(nst.save(tensors(numtorch))) == _parts(st.save(tensors(torch)))
    nst.save_file(tensors(numtorch), tmp_path / "p.st")
    got = st.load_file(str(tmp_path / "p.st"))
    for k, v in tensors(torch).items():
        _same(tensors(numtorch)[k].detach(), got[k])
        assert got[k].equal(v.detach())


def _models(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = lib.nn.Embedding(5, 4)
            self.hidden = lib.nn.Linear(4, 4)
            self.norm = lib.nn.BatchNorm1d(4)
            self.out = lib.nn.Linear(4, 5, bias=False)
            self.out.weight = self.emb.weight  # tied

    lib.manual_seed(0)
    return Net()


def test_save_model_load_model_round_trip_and_matches_safetensors_torch(tmp_path):
    nm, tm = _models(numtorch), _models(torch)
    tm.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                        for k, v in nm.state_dict().items()})
    nst.save_model(nm, tmp_path / "n.st", metadata={"who": "test"})
    st.save_model(tm, str(tmp_path / "t.st"), metadata={"who": "test"})
    assert _parts((tmp_path / "n.st").read_bytes()) == _parts((tmp_path / "t.st").read_bytes())

    fresh_t = _models(torch)
    assert st.load_model(fresh_t, str(tmp_path / "n.st")) == (set(), [])
    fresh_n = _models(numtorch)
    with numtorch.no_grad():
        for p in fresh_n.parameters():
            p.zero_()
    assert nst.load_model(fresh_n, tmp_path / "t.st") == (set(), [])
    assert fresh_n.out.weight is fresh_n.emb.weight
    for k, v in fresh_t.state_dict().items():
        _same(fresh_n.state_dict()[k].detach(), v)
    x = [1, 4, 0]
    want = fresh_t.out(fresh_t.hidden(fresh_t.emb(torch.tensor(x)))).detach()
    got = fresh_n.out(fresh_n.hidden(fresh_n.emb(numtorch.tensor(x)))).detach()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_load_model_not_strict_returns_the_same_keys(tmp_path):
    st.save_file({"weight": torch.ones(2, 3), "extra": torch.zeros(1)}, str(tmp_path / "a.st"))
    got = nst.load_model(numtorch.nn.Linear(3, 2), tmp_path / "a.st", strict=False)
    assert got == st.load_model(torch.nn.Linear(3, 2), str(tmp_path / "a.st"), strict=False)


def _w(lib):
    return lib.arange(12.0).reshape(3, 4)


# what is wrong, how to call it on a library's module (``m``) with that library (``lib``)
ERRORS = [
    ("not a dict", lambda m, lib, p: m.save_file([_w(lib)], p)),
    ("not a tensor", lambda m, lib, p: m.save_file({"a": _w(lib), "b": [1.0]}, p)),
    ("same tensor twice", lambda m, lib, p: (lambda w: m.save_file({"a": w, "b": w}, p))(_w(lib))),
    ("overlapping views",
     lambda m, lib, p: (lambda w: m.save({"a": w, "b": w[1:], "c": w[2:]}))(_w(lib))),
    ("non contiguous", lambda m, lib, p: m.save_file({"a": _w(lib).t()}, p)),
    ("save_model no complete name",
     lambda m, lib, p: m.save_model(_half_views(lib), p)),
    ("save_model non contiguous",
     lambda m, lib, p: m.save_model(_transposed(lib), p, force_contiguous=False)),
    ("load_model strict", lambda m, lib, p: m.load_model(lib.nn.Linear(4, 3), _other_file(p))),
]


def _half_views(lib):
    m = lib.nn.Module()
    w = lib.arange(8.0)
    m.register_buffer("a", w[:4])
    m.register_buffer("b", w[2:])
    return m


def _transposed(lib):
    m = lib.nn.Module()
    m.register_buffer("a", _w(lib).t())
    return m


def _other_file(p):
    st.save_file({"weight": torch.ones(3, 4), "stray": torch.ones(1)}, str(p))
    return str(p)


@pytest.mark.parametrize("case,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_safetensors_torch(tmp_path, case, call):
    assert_same_error(lambda: call(st, torch, str(tmp_path / "t.st")),
                      lambda: call(nst, numtorch, str(tmp_path / "n.st")))


@pytest.mark.parametrize("bad", [b"", b"abc", b"\xff" * 8 + b"{}", b"\x02\0\0\0\0\0\0\0{]"])
def test_corrupt_files_give_safetensors_errors(tmp_path, bad):
    (tmp_path / "bad.st").write_bytes(bad)
    assert_same_error(lambda: st.load_file(str(tmp_path / "bad.st")),
                      lambda: nst.load_file(tmp_path / "bad.st"))
    assert_same_error(lambda: st.load(bad), lambda: nst.load(bad))
    assert_same_error(lambda: st.load_file(str(tmp_path / "missing.st")),
                      lambda: nst.load_file(tmp_path / "missing.st"))


@pytest.mark.parametrize("dtype,code,words", [
    (torch.bfloat16, "BF16", "NumPy has no bfloat16"),
    (torch.uint16, "U16", "torch.uint16"),
    (torch.complex64, "C64", "torch.complex64"),
])
def test_dtypes_numtorch_lacks_are_refused_clearly(tmp_path, dtype, code, words):
    data = st.save({"fine": torch.ones(2), "w": torch.ones(2, 2, dtype=dtype)})
    (tmp_path / "a.st").write_bytes(data)
    for call in (lambda: nst.load(data), lambda: nst.load_file(tmp_path / "a.st")):
        with pytest.raises(TypeError) as e:
            call()
        assert f"tensor 'w' has dtype {code}" in str(e.value) and words in str(e.value)


def test_missing_package_names_the_extra(monkeypatch):
    for name in ("safetensors", "safetensors.numpy"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'numtorch\[tools\]'"):
        nst.save({"a": numtorch.ones(1)})


def _python(code, *args):
    return subprocess.run([sys.executable, *args], input=textwrap.dedent(code), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_importing_numtorch_does_not_import_safetensors():
    r = _python("""
        import sys, numtorch, numtorch.utils, numtorch.utils.safetensors
        assert "safetensors" not in sys.modules, "imported"
        print("ok")
    """, "-")
    assert r.stdout.strip() == "ok", r.stderr


def test_runner_gives_numtorch_for_safetensors_torch_only(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        import safetensors, safetensors.numpy, torch
        from safetensors.torch import save_file, load_file
        import safetensors.torch
        assert save_file.__module__ == "numtorch.utils.safetensors", save_file.__module__
        assert safetensors.torch.save_file is save_file
        assert safetensors.numpy.__file__.endswith("safetensors/numpy.py")
        assert hasattr(safetensors, "safe_open")
        save_file({{"w": torch.ones(2, 3)}}, {str(tmp_path / "w.st")!r})
        print(type(load_file({str(tmp_path / "w.st")!r})["w"]).__module__)
    """))
    r = subprocess.run([sys.executable, "-m", "numtorch", "run", str(script)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "numtorch._tensor"
    assert st.load_file(str(tmp_path / "w.st"))["w"].equal(torch.ones(2, 3))
