"""Containers against PyTorch: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

Each case runs the same code with ``torch`` and ``numtorch`` and compares the
outcome: child names and order, ``repr``, state_dict keys, results, errors.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict

import numpy as np
import pytest

import numtorch

# the shared helpers live beside this file
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_nn_module import desc, outcome  # noqa: E402

torch = pytest.importorskip("torch")

# the cases where PyTorch raises (checked, so that no case passes by failing alike in both)
RAISES = {
    "add_bad", "append_not_module", "index_negative_out", "index_not_int", "index_out_of_range",
    "insert_not_module", "insert_out", "mul_float", "mul_zero", "call", "extend_bad", "index_out",
    "not_module", "setitem_out", "getitem_missing", "setitem_bad", "setitem_dot",
    "update_bad_element", "update_bad_length", "update_not_iterable", "extend_tensor",
    "getitem_out", "getitem_not_str",
}


def both(fn):
    return fn(torch), fn(numtorch)


def t(lib, a):
    return lib.tensor(np.asarray(a, dtype=np.float32))


def mods(lib):
    """Small distinct modules: Add(k) adds k; their reprs differ by k."""
    nn = lib.nn

    class Add(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k
            self.w = nn.Parameter(t(lib, [float(k)]))

        def forward(self, x):
            return x + self.k

        def extra_repr(self):
            return f"k={self.k}"

    class Twice(nn.Module):
        def forward(self, x):
            return x * 2

    return Add, Twice


def _blank(lib):
    class Blank(lib.nn.Module):
        def extra_repr(self):
            return "a=1\n\nb=2"

    return Blank


def seq(lib, n=4):
    Add, Twice = mods(lib)
    return lib.nn.Sequential(*[Add(i) if i % 2 == 0 else Twice() for i in range(n)])


def summary(m):
    """Children names and types, parameter names, repr."""
    return (
        [(n, type(c).__name__, getattr(c, "k", None)) for n, c in m._modules.items()],
        [n for n, _ in m.named_parameters()],
        repr(m),
    )


def _mutate(fn):
    """Apply ``fn(lib, s)`` to a fresh 4-element Sequential; return its result and summary."""
    def run(lib):
        s = seq(lib)
        res = fn(lib, s)
        return (summary(res) if isinstance(res, lib.nn.Module) else desc(res)), summary(s)
    return run


SEQUENTIAL_CASES = {
    "forward": lambda lib: desc(seq(lib)(t(lib, [1.0, 2.0]))),
    "empty_forward": lambda lib: desc(lib.nn.Sequential()(t(lib, [1.0]))),
    "repr": lambda lib: summary(seq(lib)),
    "repr_empty": lambda lib: repr(lib.nn.Sequential()),
    "ordered_dict": lambda lib: summary(lib.nn.Sequential(OrderedDict(
        [("first", mods(lib)[0](5)), ("act", mods(lib)[1]())]))),
    "nested": lambda lib: summary(lib.nn.Sequential(seq(lib, 2), lib.nn.Sequential(seq(lib, 1)))),
    "state_dict_keys": lambda lib: list(
        lib.nn.Sequential(seq(lib, 3), mods(lib)[0](9)).state_dict()
    ),
    "len": lambda lib: len(seq(lib)),
    "iter": lambda lib: [type(m).__name__ for m in seq(lib)],
    "index": _mutate(lambda lib, s: s[2]),
    "index_negative": _mutate(lambda lib, s: s[-1]),
    "index_out_of_range": _mutate(lambda lib, s: s[4]),
    "index_negative_out": _mutate(lambda lib, s: s[-5]),
    "index_not_int": _mutate(lambda lib, s: s["a"]),
    "slice": _mutate(lambda lib, s: s[1:3]),
    "slice_step": _mutate(lambda lib, s: s[::-2]),
    "setitem": _mutate(lambda lib, s: s.__setitem__(-2, mods(lib)[0](7))),
    "delitem": _mutate(lambda lib, s: s.__delitem__(1)),
    "delitem_slice": _mutate(lambda lib, s: s.__delitem__(slice(0, 3, 2))),
    "append": _mutate(lambda lib, s: s.append(mods(lib)[0](8))),
    "insert": _mutate(lambda lib, s: s.insert(1, mods(lib)[0](6))),
    "insert_negative": _mutate(lambda lib, s: s.insert(-1, mods(lib)[0](6))),
    "insert_end": _mutate(lambda lib, s: s.insert(4, mods(lib)[0](6))),
    "insert_out": _mutate(lambda lib, s: s.insert(9, mods(lib)[0](6))),
    "insert_not_module": _mutate(lambda lib, s: s.insert(0, 5)),
    "extend": _mutate(lambda lib, s: s.extend(seq(lib, 2))),
    "pop": _mutate(lambda lib, s: s.pop(1)),
    "pop_slice": _mutate(lambda lib, s: s.pop(slice(2, 4))),
    "add": _mutate(lambda lib, s: s + seq(lib, 2)),
    "add_bad": _mutate(lambda lib, s: s + [1]),
    "iadd": _mutate(lambda lib, s: s.__iadd__(seq(lib, 1))),
    "mul": _mutate(lambda lib, s: s[:2] * 2),
    "rmul": _mutate(lambda lib, s: 2 * s[:1]),
    "imul": _mutate(lambda lib, s: s.__imul__(2)),
    "mul_zero": _mutate(lambda lib, s: s * 0),
    "mul_float": _mutate(lambda lib, s: s * 1.5),
    "dir": lambda lib: [k for k in dir(seq(lib)) if k.isdigit() or k == "forward"],
    "append_not_module": _mutate(lambda lib, s: s.append(3)),
}


@pytest.mark.parametrize("case", sorted(SEQUENTIAL_CASES))
def test_sequential_matches_torch(case):
    expected, got = both(lambda lib: outcome(SEQUENTIAL_CASES[case], lib))
    assert (expected[0] != "ok") == (case in RAISES)
    assert got == expected


def mlist(lib, n=4):
    Add, Twice = mods(lib)
    return lib.nn.ModuleList([Add(1), Twice(), Twice(), Twice(), Add(2)][:n])


def _mlist(fn):
    def run(lib):
        ml = mlist(lib)
        res = fn(lib, ml)
        return (summary(res) if isinstance(res, lib.nn.Module) else desc(res)), summary(ml)
    return run


MODULELIST_CASES = {
    "repr_runs": lambda lib: repr(mlist(lib, 5)),
    "repr_empty": lambda lib: repr(lib.nn.ModuleList()),
    "repr_blank_lines": lambda lib: repr(
        lib.nn.Sequential(lib.nn.ModuleList([_blank(lib)(), _blank(lib)()]), _blank(lib)())
    ),
    "repr_nested": lambda lib: repr(lib.nn.ModuleList([mlist(lib, 3), mlist(lib, 3), seq(lib, 2)])),
    "index": _mlist(lambda lib, ml: ml[-1]),
    "index_out": _mlist(lambda lib, ml: ml[4]),
    "slice": _mlist(lambda lib, ml: ml[1:]),
    "setitem": _mlist(lambda lib, ml: ml.__setitem__(0, mods(lib)[0](5))),
    "setitem_out": _mlist(lambda lib, ml: ml.__setitem__(7, mods(lib)[0](5))),
    "delitem": _mlist(lambda lib, ml: ml.__delitem__(0)),
    "delitem_slice": _mlist(lambda lib, ml: ml.__delitem__(slice(1, None))),
    "append": _mlist(lambda lib, ml: ml.append(mods(lib)[0](3))),
    "extend": _mlist(lambda lib, ml: ml.extend([mods(lib)[0](3)])),
    "extend_bad": _mlist(lambda lib, ml: ml.extend(5)),
    "insert": _mlist(lambda lib, ml: ml.insert(1, mods(lib)[0](3))),
    "pop": _mlist(lambda lib, ml: ml.pop(0)),
    "add": _mlist(lambda lib, ml: ml + mlist(lib, 1)),
    "iadd": _mlist(lambda lib, ml: ml.__iadd__([mods(lib)[0](4)])),
    "len_iter": lambda lib: (len(mlist(lib)), [type(m).__name__ for m in mlist(lib)]),
    "not_module": lambda lib: lib.nn.ModuleList([5]),
    "call": lambda lib: mlist(lib)(t(lib, [1.0])),
    "state_dict": lambda lib: list(
        lib.nn.ModuleList([mlist(lib, 2), mods(lib)[0](1)]).state_dict()
    ),
}


@pytest.mark.parametrize("case", sorted(MODULELIST_CASES))
def test_modulelist_matches_torch(case):
    expected, got = both(lambda lib: outcome(MODULELIST_CASES[case], lib))
    assert (expected[0] != "ok") == (case in RAISES)
    assert got == expected


def mdict(lib):
    Add, Twice = mods(lib)
    return lib.nn.ModuleDict({"b": Add(1), "a": Twice()})


def _mdict(fn):
    def run(lib):
        md = mdict(lib)
        res = fn(lib, md)
        return (summary(res) if isinstance(res, lib.nn.Module) else desc(res)), summary(md)
    return run


MODULEDICT_CASES = {
    "order": _mdict(lambda lib, md: list(md.keys())),
    "items_values": _mdict(
        lambda lib, md: ([k for k, _ in md.items()], [type(v).__name__ for v in md.values()])
    ),
    "getitem": _mdict(lambda lib, md: md["a"]),
    "getitem_missing": _mdict(lambda lib, md: md["zz"]),
    "setitem": _mdict(lambda lib, md: md.__setitem__("c", mods(lib)[0](3))),
    "setitem_bad": _mdict(lambda lib, md: md.__setitem__("c", 3)),
    "setitem_dot": _mdict(lambda lib, md: md.__setitem__("c.d", mods(lib)[0](3))),
    "delitem": _mdict(lambda lib, md: md.__delitem__("b")),
    "contains": _mdict(lambda lib, md: ("a" in md, "z" in md, len(md), list(md))),
    "pop": _mdict(lambda lib, md: md.pop("b")),
    "clear": _mdict(lambda lib, md: md.clear()),
    "update_pairs": _mdict(
        lambda lib, md: md.update([("z", mods(lib)[1]()), ("b", mods(lib)[0](9))])
    ),
    "update_ordered": _mdict(
        lambda lib, md: md.update(OrderedDict([("y", mods(lib)[1]()), ("x", mods(lib)[1]())]))
    ),
    "update_moduledict": _mdict(lambda lib, md: md.update(mdict(lib))),
    "update_not_iterable": _mdict(lambda lib, md: md.update(5)),
    "update_bad_element": _mdict(lambda lib, md: md.update([5])),
    "update_bad_length": _mdict(lambda lib, md: md.update([("a", mods(lib)[1](), 3)])),
    "state_dict": lambda lib: list(
        lib.nn.ModuleDict({"q": mods(lib)[0](1), "p": mods(lib)[0](2)}).state_dict()
    ),
}


@pytest.mark.parametrize("case", sorted(MODULEDICT_CASES))
def test_moduledict_matches_torch(case):
    expected, got = both(lambda lib: outcome(MODULEDICT_CASES[case], lib))
    assert (expected[0] != "ok") == (case in RAISES)
    assert got == expected


def plist(lib):
    return lib.nn.ParameterList([t(lib, [1.0, 2.0]), lib.nn.Parameter(t(lib, [[3.0]])), "text"])


def _plist(fn):
    def run(lib):
        pl = plist(lib)
        res = fn(lib, pl)
        return desc(res) if not isinstance(res, lib.nn.Module) else repr(res), repr(pl), \
            [n for n, _ in pl.named_parameters()], [type(p).__name__ for p in pl]
    return run


PARAMLIST_CASES = {
    "repr": _plist(lambda lib, pl: None),
    "repr_single": lambda lib: repr(lib.nn.ParameterList([t(lib, [1.0])])),
    "repr_empty": lambda lib: repr(lib.nn.ParameterList()),
    "repr_double": lambda lib: repr(lib.nn.ParameterList([t(lib, [1.0]), t(lib, [2.0])]).double()),
    "getitem": _plist(lambda lib, pl: pl[-2]),
    "getitem_out": _plist(lambda lib, pl: pl[3]),
    "slice": _plist(lambda lib, pl: pl[:2]),
    "setitem": _plist(lambda lib, pl: pl.__setitem__(0, t(lib, [9.0]))),
    "append": _plist(lambda lib, pl: pl.append(t(lib, [5.0]))),
    "extend": _plist(lambda lib, pl: pl.extend([t(lib, [5.0]), None])),
    "extend_tensor": _plist(lambda lib, pl: pl.extend(t(lib, [5.0]))),
    "len": _plist(lambda lib, pl: len(pl)),
    "call": _plist(lambda lib, pl: pl(1)),
    "requires_grad": _plist(lambda lib, pl: [p.requires_grad for p in list(pl)[:2]]),
    "state_dict": _plist(lambda lib, pl: list(pl.state_dict())),
    "in_module": lambda lib: _owner(lib, lib.nn.ParameterList([t(lib, [1.0]), t(lib, [2.0])])),
}


@pytest.mark.parametrize("case", sorted(PARAMLIST_CASES))
def test_parameterlist_matches_torch(case):
    expected, got = both(lambda lib: outcome(PARAMLIST_CASES[case], lib))
    assert (expected[0] != "ok") == (case in RAISES)
    assert got == expected


def _owner(lib, container):
    m = lib.nn.Module()
    m.ps = container
    return [n for n, _ in m.named_parameters()], list(m.state_dict()), repr(m)


def pdict(lib):
    return lib.nn.ParameterDict({"b": t(lib, [1.0, 2.0]), "a": lib.nn.Parameter(t(lib, [3.0]))})


def _pdict(fn):
    def run(lib):
        pd = pdict(lib)
        res = fn(lib, pd)
        return desc(res) if not isinstance(res, lib.nn.Module) else repr(res), repr(pd), \
            [n for n, _ in pd.named_parameters()], list(pd.keys())
    return run


PARAMDICT_CASES = {
    "repr": _pdict(lambda lib, pd: None),
    "sorted_from_dict": _pdict(lambda lib, pd: list(pd)),
    "ordered": lambda lib: list(
        lib.nn.ParameterDict(OrderedDict([("z", t(lib, [1.0])), ("y", t(lib, [1.0]))]))
    ),
    "pairs": lambda lib: list(lib.nn.ParameterDict([("z", t(lib, [1.0])), ("y", t(lib, [1.0]))])),
    "getitem": _pdict(lambda lib, pd: pd["a"]),
    "getitem_missing": _pdict(lambda lib, pd: pd["zz"]),
    "getitem_not_str": _pdict(lambda lib, pd: pd[1]),
    "setitem": _pdict(lambda lib, pd: pd.__setitem__("c", t(lib, [4.0]))),
    "setitem_object": _pdict(lambda lib, pd: pd.__setitem__("c", "hello")),
    "delitem": _pdict(lambda lib, pd: pd.__delitem__("b")),
    "contains_len": _pdict(lambda lib, pd: ("a" in pd, "q" in pd, len(pd), list(reversed(pd)))),
    "get": _pdict(lambda lib, pd: (pd.get("a"), pd.get("q", 5))),
    "setdefault": _pdict(lambda lib, pd: pd.setdefault("c", t(lib, [7.0]))),
    "pop": _pdict(lambda lib, pd: pd.pop("a")),
    "popitem": _pdict(lambda lib, pd: pd.popitem()),
    "clear": _pdict(lambda lib, pd: pd.clear()),
    "copy": _pdict(lambda lib, pd: list(pd.copy().items())),
    "fromkeys": _pdict(lambda lib, pd: repr(pd.fromkeys(["x", "y"], t(lib, [0.0])))),
    "items_values": _pdict(lambda lib, pd: (list(pd.items()), list(pd.values()))),
    "update_not_iterable": _pdict(lambda lib, pd: pd.update(5)),
    "update_bad_element": _pdict(lambda lib, pd: pd.update([3])),
    "update_bad_length": _pdict(lambda lib, pd: pd.update([("a",)])),
    "or": _pdict(lambda lib, pd: repr(pd | lib.nn.ParameterDict({"c": t(lib, [1.0])}))),
    "ior": _pdict(lambda lib, pd: pd.__ior__(lib.nn.ParameterDict({"c": t(lib, [1.0])}))),
    "call": _pdict(lambda lib, pd: pd(1)),
    "in_module": lambda lib: _owner(lib, pdict(lib)),
}


@pytest.mark.parametrize("case", sorted(PARAMDICT_CASES))
def test_parameterdict_matches_torch(case):
    expected, got = both(lambda lib: outcome(PARAMDICT_CASES[case], lib))
    assert (expected[0] != "ok") == (case in RAISES)
    assert got == expected
