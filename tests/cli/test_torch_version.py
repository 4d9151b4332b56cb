"""``TorchVersion`` and ``numtorch.version`` against PyTorch's: every comparison, every field."""

from __future__ import annotations

import importlib.metadata
import operator
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

import numtorch
from numtorch import torch_version, version

torch = pytest.importorskip("torch")
from torch._vendor.packaging.version import InvalidVersion as TorchInvalidVersion  # noqa: E402
from torch._vendor.packaging.version import Version as TorchPackagingVersion  # noqa: E402
from torch.torch_version import TorchVersion as TorchsTorchVersion  # noqa: E402

LEFT = ["2.13.0", "2.13.0+cpu", "2.0.0a0+git1234", "1.10.0a", "2.13.0rc1", "2.13.0.post1",
        "2.13.0.dev20240101", "1!0.1", "v2.1", " 2.1 ", "2.1.0-1", "2.1.0_RC_1", "parrot",
        "2.13.0+Abc.7"]
RIGHT = ["2.0", "2.13", "2.13.0", "2.9", "2.13.0+cpu", "2.13.0+cpu.1", "2.13.0+7", "2.13.0+abc.7",
         "2.13.0rc1", "2.13.0a0", "2.13.0.dev0", "2.13.0-1", "1!0.0", "parrot", "", "10",
         (2, 0), (2, 13), (2, 13, 0), (2, 13, 1), [2, "13"], ("a",), (), 2, 2.0, None, b"2.0"]
OPS = [operator.lt, operator.le, operator.eq, operator.ne, operator.ge, operator.gt]


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:  # the same exception, type and message, is part of the contract
        return (type(e).__name__, str(e).replace("TorchsTorchVersion", "TorchVersion"))


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("left", LEFT)
def test_compares_as_pytorchs_torch_version(left, op):
    """Against strings, tuples, lists, numbers and None, both ways round, as PyTorch's TorchVersion.
    """
    ours, theirs = torch_version.TorchVersion(left), TorchsTorchVersion(left)
    for right in RIGHT:
        assert _outcome(op, ours, right) == _outcome(op, theirs, right), (left, right)
        assert _outcome(op, right, ours) == _outcome(op, right, theirs), (right, left)
    for other in LEFT:
        assert op(ours, torch_version.TorchVersion(other)) == op(theirs, TorchsTorchVersion(other))


def test_is_a_string_like_pytorchs():
    ours, theirs = torch_version.__version__, TorchsTorchVersion("2.13.0")
    assert isinstance(ours, str) and type(ours).__name__ == "TorchVersion"
    assert (
        ours == "2.13.0" and str(ours) == "2.13.0" and hash(ours) == hash(theirs) == hash("2.13.0")
    )
    assert ours.split(".") == ["2", "13", "0"] and ours.startswith("2.") and f"{ours}" == "2.13.0"
    assert {ours: 1}["2.13.0"] == 1
    packaging = pytest.importorskip("packaging.version")
    assert packaging.parse(ours) == packaging.Version("2.13.0") == packaging.parse(theirs)


# A version string from PEP 440's parts, spelled in the many ways PEP 440 accepts.
_sep = st.sampled_from(["", ".", "-", "_"])
_num = st.integers(0, 12).map(str)
_versions = st.tuples(
    st.sampled_from(["", "1!", "v"]),
    st.lists(_num, min_size=1, max_size=4).map(".".join),
    st.one_of(
        st.just(""),
        st.tuples(_sep, st.sampled_from(["a", "b", "rc", "c", "alpha", "beta", "pre", "preview"]),
                  _sep, _num | st.just("")).map("".join),
    ),
    st.one_of(
        st.just(""),
        _num.map("-".__add__),
        st.tuples(_sep, st.sampled_from(["post", "rev", "r"]), _sep, _num | st.just("")).map(
            "".join
        ),
    ),
    st.one_of(st.just(""), st.tuples(_sep, st.just("dev"), _num | st.just("")).map("".join)),
    st.one_of(
        st.just(""),
        st.lists(st.sampled_from(["cpu", "7", "0", "abc", "a1", "10"]), min_size=1, max_size=3).map(
            lambda p: "+" + ".".join(p)
        ),
    ),
).map("".join)


@given(_versions, _versions)
def test_version_order_is_pep440s(a, b):
    """The ordering of any two PEP 440 spellings is packaging's (the library PyTorch vendors)."""
    ours_a, ours_b = torch_version._Version(a), torch_version._Version(b)
    theirs_a, theirs_b = TorchPackagingVersion(a), TorchPackagingVersion(b)
    assert (ours_a < ours_b, ours_a == ours_b, ours_a > ours_b) == \
        (theirs_a < theirs_b, theirs_a == theirs_b, theirs_a > theirs_b), (a, b)


@given(st.text(alphabet="0123456789.abcdeoprstv+-_! ", max_size=12))
def test_valid_versions_are_pep440s(text):
    """A string is a version for numtorch exactly when it is one for packaging."""
    try:
        TorchPackagingVersion(text)
        valid = True
    except TorchInvalidVersion:
        valid = False
    try:
        torch_version._Version(text)
        assert valid, text
    except torch_version.InvalidVersion:
        assert not valid, text


def test_version_module_has_torch_versions_fields():
    import torch.version as tv

    assert version.__all__ == tv.__all__
    assert version.__version__ == torch.__version__.split("+")[0] == "2.13.0"
    assert (version.cuda, version.hip, version.rocm, version.xpu, version.debug) == (
        None, None, None, None, False
    )
    assert numtorch.version is version


def test_numtorch_version_is_its_own_single_release():
    """numtorch.__version__ is numtorch's release, written once: pyproject reads it from there, so
    the installed package's metadata says the same; it is not PyTorch's."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads(
        (pathlib.Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    )
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "numtorch.__version__"}
    assert numtorch.__version__ == importlib.metadata.version("numtorch")
    assert numtorch.__version__ != version.__version__
