"""nn.Module against PyTorch: registration, traversal, printing, modes, state_dict, errors.

Every test builds the same module tree with ``torch`` and with ``numtorch`` (custom
modules only, see ``classes``) and compares what a user sees: names and order of
``named_*``, ``repr``, ``state_dict`` keys and values, error types and messages.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

LIBS = (torch, numtorch)

def arr(shape, seed: int, dtype=np.float32) -> np.ndarray:
    """Deterministic test data."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def classes(lib):
    """The test module classes written against ``lib.nn``."""
    nn = lib.nn

    class Affine(nn.Module):
        def __init__(self, n_in: int, n_out: int, bias: bool = True, seed: int = 0) -> None:
            super().__init__()
            self.n_in, self.n_out = n_in, n_out
            self.weight = nn.Parameter(lib.tensor(arr((n_out, n_in), seed)))
            if bias:
                self.bias = nn.Parameter(lib.tensor(arr((n_out,), seed + 100)))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.t()
            return y + self.bias if self.bias is not None else y

        def extra_repr(self) -> str:
            return (
                f"in_features={self.n_in}, out_features={self.n_out}, bias={self.bias is not None}"
            )

    class Norm(nn.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.register_buffer("running_mean", lib.tensor(arr((n,), 7)))
            self.register_buffer("num_batches", lib.tensor(3))
            self.register_buffer("scratch", lib.tensor(arr((n,), 8)), persistent=False)
            self.register_buffer("unused", None)

        def forward(self, x):
            return x - self.running_mean

        def extra_repr(self) -> str:
            return "eps=1e-05\nmomentum=0.1"

    class Act(nn.Module):
        def forward(self, x):
            return x.tanh()

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = Affine(4, 3, seed=1)
            self.act = Act()
            self.block = nn.Sequential(Affine(3, 3, seed=2), Norm(3), Act())
            self.heads = nn.ModuleList([Affine(3, 2, bias=False, seed=3 + i) for i in range(3)])
            self.heads[1].weight = self.heads[0].weight  # tied parameter
            self.shared = self.fc1  # the same module under two names
            self.scale = nn.Parameter(lib.tensor(2.0))
            self.register_module("missing", None)
            self.cfg = {"a": 1}

        def forward(self, x):
            h = self.block(self.act(self.fc1(x)))
            out = self.heads[0](h)
            for head in self.heads[1:]:
                out = out + head(h)
            return out * self.scale

    return Affine, Norm, Act, Net


def build(lib):
    """A fresh Net for ``lib``."""
    return classes(lib)[3]()


def desc(x):
    """A library-independent description of a value (tensors as rounded arrays)."""
    if isinstance(x, (torch.Tensor, numtorch.Tensor)):
        a = x.detach().numpy()
        return ("T", tuple(a.shape), str(a.dtype), np.round(a.astype(np.float64), 4).tolist())
    if isinstance(x, (tuple, list)):
        return type(x).__name__, [desc(v) for v in x]
    if isinstance(x, dict):
        return "dict", [(k, desc(v)) for k, v in x.items()]
    if isinstance(x, (torch.nn.Module, numtorch.nn.Module)):
        return "M:" + type(x).__name__
    return x


def both(fn):
    """``fn(torch), fn(numtorch)``."""
    return fn(torch), fn(numtorch)


def outcome(fn, lib):
    """What ``fn(lib)`` did: ("ok", description) or (exception type name, message)."""
    try:
        return "ok", desc(fn(lib))
    except Exception as e:  # noqa: BLE001 - the exception is the result under test
        # a class's qualified name in a message starts with its own package
        return type(e).__name__, str(e).replace("numtorch.", "torch.")


def t(lib, a):
    return lib.tensor(np.asarray(a, dtype=np.float32))


# ---- traversal ---------------------------------------------------------------------------

VIEWS = {
    "named_parameters": lambda m: [n for n, _ in m.named_parameters()],
    "named_parameters_prefix": lambda m: [n for n, _ in m.named_parameters(prefix="root")],
    "named_parameters_norecurse": lambda m: [n for n, _ in m.named_parameters(recurse=False)],
    "named_parameters_dups": lambda m: [n for n, _ in m.named_parameters(remove_duplicate=False)],
    "named_buffers": lambda m: [n for n, _ in m.named_buffers()],
    "named_buffers_block": lambda m: [n for n, _ in m.block.named_buffers(prefix="b")],
    "named_children": lambda m: [n for n, _ in m.named_children()],
    "named_modules": lambda m: [n for n, _ in m.named_modules()],
    "named_modules_dups": lambda m: [n for n, _ in m.named_modules(remove_duplicate=False)],
    "named_modules_prefix": lambda m: [n for n, _ in m.named_modules(prefix="net")],
    "modules": lambda m: [type(x).__name__ for x in m.modules()],
    "children": lambda m: [type(x).__name__ for x in m.children()],
    "parameters": lambda m: [tuple(p.shape) for p in m.parameters()],
    "buffers": lambda m: [tuple(b.shape) for b in m.buffers()],
    "state_dict_keys": lambda m: list(m.state_dict()),
    "state_dict_prefix": lambda m: list(m.state_dict(prefix="model.")),
    "metadata": lambda m: list(m.state_dict()._metadata.items()),
    "state_dict_destination": lambda m: (lambda d: (m.state_dict(destination=d) is d, list(d),
                                                    hasattr(d, "_metadata")))({}),
    "state_dict_values": lambda m: [desc(v) for v in m.state_dict().values()],
    "repr": repr,
    "repr_block": lambda m: repr(m.block),
    "repr_heads": lambda m: repr(m.heads),
    "str": str,
    "dir_extra": lambda m: sorted(set(dir(m)) - set(dir(type(m)))),
    "training": lambda m: [x.training for x in m.eval().block.modules()],
    "train_again": lambda m: [x.training for x in m.eval().train().modules()],
    "apply_order": lambda m: (
        lambda seen: (m.apply(lambda x: seen.append(type(x).__name__)), seen)[1]
    )([]),
    "get_submodule": lambda m: type(m.get_submodule("block.1")).__name__,
    "get_submodule_empty": lambda m: m.get_submodule("") is m,
    "get_parameter": lambda m: desc(m.get_parameter("heads.2.weight")),
    "get_buffer": lambda m: desc(m.get_buffer("block.1.num_batches")),
    "shared_param_identity": lambda m: m.heads[1].weight is m.heads[0].weight,
    "none_child": lambda m: m.missing is None,
    "plain_attr": lambda m: m.cfg,
    "parameter_type": lambda m: [type(p).__name__ for p in m.parameters()],
    "buffer_dtypes": lambda m: [str(b.dtype) for b in m.buffers()],
}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_views_match_torch(view):
    fn = VIEWS[view]
    expected, got = both(lambda lib: fn(build(lib)))
    assert got == expected


def test_forward_matches_torch():
    x = arr((5, 4), 11)
    expected, got = both(lambda lib: build(lib)(lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_parameters_are_shared_by_reference():
    net = build(numtorch)
    sd = net.state_dict()
    params = dict(net.named_parameters())
    # detached views share the parameter's data; keep_vars returns the parameters themselves
    sd["fc1.weight"]._data[0, 0] = 42.0
    assert params["fc1.weight"]._data[0, 0] == 42.0
    assert not sd["fc1.weight"].requires_grad and sd["fc1.weight"].grad_fn is None
    kept = net.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is params["fc1.weight"]


# ---- Parameter and Buffer -------------------------------------------------------------------

PARAMETER_CASES = {
    "repr": lambda lib: repr(lib.nn.Parameter(t(lib, [1.0, 2.5]))),
    "repr_no_grad": lambda lib: repr(lib.nn.Parameter(t(lib, [[1.0], [2.0]]), requires_grad=False)),
    "default_requires_grad": lambda lib: lib.nn.Parameter(t(lib, [1.0])).requires_grad,
    "empty": lambda lib: (tuple(lib.nn.Parameter().shape), str(lib.nn.Parameter().dtype)),
    "leaf": lambda lib: lib.nn.Parameter(t(lib, [1.0]) * 2).is_leaf,
    "op_result_type": lambda lib: type(lib.nn.Parameter(t(lib, [1.0])) * 2).__name__,
    "isinstance_tensor": lambda lib: isinstance(lib.nn.Parameter(t(lib, [1.0])), lib.Tensor),
    "in_no_grad": lambda lib: _in_no_grad(lib),
    "shares_data": lambda lib: _shares(lib),
    "buffer_isinstance": lambda lib: isinstance(lib.nn.Buffer(t(lib, [1.0])), lib.nn.Buffer),
    "tensor_not_buffer": lambda lib: isinstance(t(lib, [1.0]), lib.nn.Buffer),
    "buffer_registration": lambda lib: _buffer_registration(lib),
    "deepcopy_module": lambda lib: _deepcopy(lib),
    "deepcopy_param_grad": lambda lib: _deepcopy_grad(lib),
}


def _in_no_grad(lib):
    with lib.no_grad():
        return lib.nn.Parameter(t(lib, [1.0])).requires_grad


def _shares(lib):
    x = t(lib, [1.0, 2.0])
    p = lib.nn.Parameter(x)
    with lib.no_grad():
        p.mul_(3)
    return desc(x)


def _buffer_registration(lib):
    m = lib.nn.Module()
    m.a = lib.nn.Buffer(t(lib, [1.0]))
    m.b = lib.nn.Buffer(t(lib, [2.0]), persistent=False)
    m.c = t(lib, [3.0])  # a plain tensor is just an attribute
    m.a = t(lib, [4.0])  # assigning a tensor to a buffer name replaces the buffer
    return [n for n, _ in m.named_buffers()], list(m.state_dict()), desc(m.a)


def _deepcopy(lib):
    net = build(lib)
    c = copy.deepcopy(net)
    with lib.no_grad():
        c.heads[0].weight.mul_(0)
    return (
        c.heads[1].weight is c.heads[0].weight,
        c.shared is c.fc1,
        type(c.heads[0].weight).__name__,
        desc(net.heads[0].weight)[1],
        desc(c.heads[1].weight),
    )


def _deepcopy_grad(lib):
    p = lib.nn.Parameter(t(lib, [1.0, 2.0]))
    p.grad = t(lib, [3.0, 4.0])
    c = copy.deepcopy(p)
    return desc(c), c.grad, c.requires_grad, type(c).__name__


@pytest.mark.parametrize("case", sorted(PARAMETER_CASES))
def test_parameter_matches_torch(case):
    expected, got = both(lambda lib: outcome(PARAMETER_CASES[case], lib))
    assert expected[0] == "ok"
    assert got == expected


def test_pickle_roundtrip_keeps_parameters():
    nn = numtorch.nn
    net = nn.Sequential(nn.ModuleList([nn.Module()]), nn.ParameterDict({"p": t(numtorch, [1.0])}))
    net[0][0].w = nn.Parameter(t(numtorch, [[1.0, 2.0]]), requires_grad=False)
    net[0][0].register_buffer("b", t(numtorch, [3.0]), persistent=False)
    back = pickle.loads(pickle.dumps(net))
    assert type(back[0][0].w).__name__ == "Parameter" and not back[0][0].w.requires_grad
    assert back[1]["p"].requires_grad
    assert list(back.state_dict()) == list(net.state_dict()) == ["0.0.w", "1.p"]
    assert repr(back) == repr(net)
    np.testing.assert_array_equal(back[0][0].w.numpy(), net[0][0].w.numpy())


# ---- modes, dtypes, gradients -------------------------------------------------------------

def _grads(lib, set_to_none):
    net = build(lib)
    net(lib.tensor(arr((2, 4), 5))).sum().backward()
    before = desc(net.fc1.weight.grad)
    net.zero_grad(set_to_none=set_to_none)
    return before, [desc(p.grad) for p in net.parameters()]


def _cast(lib, how):
    net = build(lib)
    ids = [id(p) for p in net.parameters()]
    out = how(net)
    assert out is net
    return (
        [str(p.dtype) for p in net.parameters()],
        [str(b.dtype) for b in net.buffers()],
        [id(p) for p in net.parameters()] == ids,
        [type(p).__name__ for p in net.parameters()],
    )


def _cast_grad(lib):
    net = build(lib)
    net(lib.tensor(arr((2, 4), 5))).sum().backward()
    net.double()
    return str(net.fc1.weight.grad.dtype), desc(net.fc1.weight.grad)[1]


MODE_CASES = {
    "zero_grad_none": lambda lib: _grads(lib, True),
    "zero_grad_zeros": lambda lib: _grads(lib, False),
    "requires_grad_false": lambda lib: [
        p.requires_grad for p in build(lib).requires_grad_(False).parameters()
    ],
    "double": lambda lib: _cast(lib, lambda m: m.double()),
    "half": lambda lib: _cast(lib, lambda m: m.half()),
    "double_float": lambda lib: _cast(lib, lambda m: m.double().float()),
    "to_dtype": lambda lib: _cast(lib, lambda m: m.to(lib.float64)),
    "to_kw": lambda lib: _cast(lib, lambda m: m.to(dtype=lib.float64, device="cpu")),
    "to_device_dtype": lambda lib: _cast(lib, lambda m: m.to("cpu", lib.float64)),
    "to_tensor": lambda lib: _cast(lib, lambda m: m.to(lib.zeros(1, dtype=lib.float64))),
    "to_cpu": lambda lib: _cast(lib, lambda m: m.to("cpu")),
    "cpu": lambda lib: _cast(lib, lambda m: m.cpu()),
    "type": lambda lib: _cast(lib, lambda m: m.type(lib.float64)),
    "cast_grad": _cast_grad,
    "train_returns_self": lambda lib: (lambda m: m.train() is m and m.eval() is m)(build(lib)),
}


@pytest.mark.parametrize("case", sorted(MODE_CASES))
def test_modes_match_torch(case):
    expected, got = both(lambda lib: outcome(MODE_CASES[case], lib))
    assert expected[0] == "ok"
    assert got == expected


def test_backward_through_tree_matches_torch():
    x = arr((3, 4), 9)

    def grads(lib):
        net = build(lib)
        xt = lib.tensor(x, requires_grad=True)
        (net(xt) ** 2).sum().backward()
        return [(n, p.grad.numpy()) for n, p in net.named_parameters()] + [("x", xt.grad.numpy())]

    expected, got = both(grads)
    assert [n for n, _ in got] == [n for n, _ in expected]
    for (_, g), (_, e) in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


# ---- state_dict loading ---------------------------------------------------------------------

def _load(lib, edit, strict=True, assign=False):
    src, dst = build(lib), build(lib)
    with lib.no_grad():
        for p in src.parameters():
            p.add_(1.0)
    sd = src.state_dict()
    edit(lib, sd)
    keep = {n: p for n, p in dst.named_parameters()}
    res = dst.load_state_dict(sd, strict=strict, assign=assign)
    same_objects = [dst.get_parameter(n) is p for n, p in keep.items()]
    return (
        repr(res),
        list(res.missing_keys),
        list(res.unexpected_keys),
        [desc(v) for v in dst.state_dict().values()],
        same_objects,
        [(type(p).__name__, p.requires_grad) for p in dst.parameters()],
    )


def _drop(*keys):
    def edit(lib, sd):
        for k in keys:
            del sd[k]
    return edit


def _add(**items):
    def edit(lib, sd):
        for k, v in items.items():
            sd[k.replace("__", ".")] = t(lib, v)
    return edit


def _set(key, value):
    def edit(lib, sd):
        sd[key] = value(lib) if callable(value) else value
    return edit


LOAD_CASES = {
    "exact": lambda lib: _load(lib, lambda lib, sd: None),
    "plain_dict": lambda lib: _load(lib, lambda lib, sd: sd.__dict__.pop("_metadata")),
    "missing": lambda lib: _load(lib, _drop("fc1.bias", "block.1.running_mean")),
    "missing_nonstrict": lambda lib: _load(lib, _drop("fc1.bias", "scale"), strict=False),
    "unexpected": lambda lib: _load(lib, _add(extra=[1.0], fc1__extra=[2.0], nosuch__w=[3.0])),
    "unexpected_nonstrict": lambda lib: _load(
        lib, _add(extra=[1.0], heads__0__bias=[1.0]), strict=False
    ),
    "both": lambda lib: _load(
        lib, lambda lib, sd: (_drop("scale")(lib, sd), _add(scale2=[1.0])(lib, sd))
    ),
    "size_mismatch": lambda lib: _load(lib, _set("fc1.weight", lambda lib: lib.zeros(4, 3))),
    "size_mismatch_nonstrict": lambda lib: _load(
        lib, _set("fc1.bias", lambda lib: lib.zeros(2)), strict=False
    ),
    "mismatch_and_missing": lambda lib: _load(
        lib,
        lambda lib, sd: (_drop("fc1.bias")(lib, sd),
                         _set("scale", lambda lib: lib.zeros(2))(lib, sd)),
    ),
    "not_a_tensor": lambda lib: _load(lib, _set("fc1.bias", np.zeros(3, np.float32))),
    "one_element_to_scalar": lambda lib: _load(lib, _set("scale", lambda lib: t(lib, [5.0]))),
    "dtype_cast": lambda lib: _load(
        lib, _set("scale", lambda lib: lib.tensor(3.0, dtype=lib.float64))
    ),
    "assign": lambda lib: _load(lib, lambda lib, sd: None, assign=True),
    "not_mapping": lambda lib: build(lib).load_state_dict([("a", 1)]),
    "none_param_key": lambda lib: _load(lib, _add(heads__2__bias=[1.0, 2.0])),
    "non_persistent_key": lambda lib: _load(lib, _add(block__1__scratch=[1.0, 2.0, 3.0])),
}


LOAD_RAISES = {
    "both", "mismatch_and_missing", "missing", "non_persistent_key", "none_param_key",
    "not_a_tensor", "not_mapping", "size_mismatch", "size_mismatch_nonstrict", "unexpected",
}


@pytest.mark.parametrize("case", sorted(LOAD_CASES))
def test_load_state_dict_matches_torch(case):
    expected, got = both(lambda lib: outcome(LOAD_CASES[case], lib))
    assert (expected[0] != "ok") == (case in LOAD_RAISES)  # the case tests what it means to
    assert got == expected


def test_load_state_dict_cross_library():
    tnet, nnet = build(torch), build(numtorch)
    with torch.no_grad():
        for p in tnet.parameters():
            p.mul_(-1.5)
    sd = {k: numtorch.tensor(v.numpy()) for k, v in tnet.state_dict().items()}
    assert repr(nnet.load_state_dict(sd)) == "<All keys matched successfully>"
    for (kt, vt), (kn, vn) in zip(tnet.state_dict().items(), nnet.state_dict().items()):
        assert kt == kn
        np.testing.assert_array_equal(vn.numpy(), vt.numpy())


def _state_hooks(lib):
    log = []
    net = build(lib)
    net.block.register_state_dict_pre_hook(
        lambda m, prefix, keep: log.append(("pre", prefix, keep))
    )
    net.block.register_state_dict_post_hook(
        lambda m, sd, prefix, meta: log.append(("post", prefix, len(sd), meta)))

    def pre_load(m, sd, prefix, meta, strict, missing, unexpected, errors):
        log.append(("pre_load", type(m).__name__, prefix, sorted(sd)[:2], strict))

    def post_load(m, keys):
        log.append(("post_load", type(m).__name__, list(keys.missing_keys)))
        keys.missing_keys.clear()

    net.heads.register_load_state_dict_pre_hook(pre_load)
    net.heads.register_load_state_dict_post_hook(post_load)
    sd = net.state_dict(keep_vars=True)
    del sd["heads.0.weight"]
    res = net.load_state_dict(sd)
    return log, repr(res)


def _versioned(lib):
    nn = lib.nn
    log = []

    class Old(nn.Module):
        _version = 2

        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(t(lib, [1.0, 2.0]))

        def _load_from_state_dict(self, sd, prefix, meta, strict, missing, unexpected, errors):
            log.append(("version", meta.get("version")))
            if prefix + "old_w" in sd:
                sd[prefix + "w"] = sd.pop(prefix + "old_w")
            super()._load_from_state_dict(sd, prefix, meta, strict, missing, unexpected, errors)

    outer = nn.Sequential(Old())
    sd = outer.state_dict()
    sd["0.old_w"] = sd.pop("0.w") * 3
    outer.load_state_dict(sd)
    return log, desc(outer[0].w), list(sd._metadata.items())


def _extra_state(lib):
    nn = lib.nn

    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(t(lib, [1.0]))
            self.cfg = {"k": 1}

        def get_extra_state(self):
            return dict(self.cfg)

        def set_extra_state(self, state):
            self.cfg = state

    a, b = nn.Sequential(WithExtra()), nn.Sequential(WithExtra())
    a[0].cfg = {"k": 2}
    sd = a.state_dict()
    b.load_state_dict(sd)
    del sd["0._extra_state"]
    missing = outcome(lambda lib: b.load_state_dict(sd), lib)
    return list(a.state_dict()), b[0].cfg, missing


def _extra_state_unexpected(lib):
    m = lib.nn.Sequential(lib.nn.Module())
    return m.load_state_dict({"0._extra_state": 1}, strict=False)


STATE_HOOK_CASES = {
    "hooks": _state_hooks,
    "versioned": _versioned,
    "extra_state": _extra_state,
    "extra_state_unexpected": _extra_state_unexpected,
    "incompatible_repr": lambda lib: repr(build(lib).load_state_dict({}, strict=False))[:60],
}


@pytest.mark.parametrize("case", sorted(STATE_HOOK_CASES))
def test_state_dict_hooks_match_torch(case):
    expected, got = both(lambda lib: outcome(STATE_HOOK_CASES[case], lib))
    assert expected[0] == "ok"
    assert got == expected


# ---- errors ---------------------------------------------------------------------------------

def _before_init(lib, action):
    nn = lib.nn

    class Early(nn.Module):
        def __init__(self):
            action(self)
            super().__init__()

    return Early()


def _old_register_buffer(lib, persistent):
    class Old(lib.nn.Module):
        def register_buffer(self, name, tensor):
            super().register_buffer(name, tensor)

    m = Old()
    m.b = lib.nn.Buffer(t(lib, [1.0]), persistent=persistent)
    return list(m.state_dict())


def _on(fn):
    """Run ``fn(lib, net)`` on a fresh Net."""
    return lambda lib: fn(lib, build(lib))


ERROR_CASES = {
    # assignment before Module.__init__()
    "param_before_init": lambda lib: _before_init(
        lib, lambda m: setattr(m, "w", lib.nn.Parameter(t(lib, [1.0])))
    ),
    "module_before_init": lambda lib: _before_init(lib, lambda m: setattr(m, "c", lib.nn.Module())),
    "buffer_before_init": lambda lib: _before_init(
        lib, lambda m: m.register_buffer("b", t(lib, [1.0]))
    ),
    "register_param_before_init": lambda lib: _before_init(
        lib, lambda m: m.register_parameter("p", None)
    ),
    "buffer_obj_before_init": lambda lib: _before_init(
        lib, lambda m: setattr(m, "b", lib.nn.Buffer(t(lib, [1.0])))
    ),
    "plain_before_init": lambda lib: _before_init(lib, lambda m: setattr(m, "x", 1)),
    # wrong types on registered names
    "tensor_to_param": _on(lambda lib, n: setattr(n.fc1, "weight", t(lib, [1.0]))),
    "int_to_param": _on(lambda lib, n: setattr(n.fc1, "weight", 3)),
    "none_to_param": _on(lambda lib, n: (setattr(n.fc1, "bias", None), list(n.state_dict()))[1]),
    "int_to_module": _on(lambda lib, n: setattr(n, "fc1", 3)),
    "none_to_module": _on(lambda lib, n: (setattr(n, "act", None), repr(n))[1]),
    "int_to_buffer": _on(lambda lib, n: setattr(n.block[1], "running_mean", 3)),
    "none_to_buffer": _on(
        lambda lib, n: (setattr(n.block[1], "running_mean", None), list(n.block.state_dict()))[1]
    ),
    "param_replaces_attr": _on(
        lambda lib, n: (setattr(n, "cfg", lib.nn.Parameter(t(lib, [1.0]))),
                        [k for k, _ in n.named_parameters()])[1]
    ),
    "module_replaces_param": _on(
        lambda lib, n: (setattr(n, "scale", lib.nn.Module()), [k for k, _ in n.named_parameters()],
                        [k for k, _ in n.named_children()])[1:]
    ),
    # register_parameter
    "rp_dot": lambda lib: lib.nn.Module().register_parameter("a.b", None),
    "rp_empty": lambda lib: lib.nn.Module().register_parameter("", None),
    "rp_not_str": lambda lib: lib.nn.Module().register_parameter(1, None),
    "rp_exists": lambda lib: lib.nn.Module().register_parameter("training", None),
    "rp_tensor": lambda lib: lib.nn.Module().register_parameter("w", t(lib, [1.0])),
    "rp_list": lambda lib: lib.nn.Module().register_parameter("w", [1.0]),
    # register_buffer
    "rb_dot": lambda lib: lib.nn.Module().register_buffer("a.b", None),
    "rb_empty": lambda lib: lib.nn.Module().register_buffer("", None),
    "rb_not_str": lambda lib: lib.nn.Module().register_buffer(2.5, None),
    "rb_exists": lambda lib: lib.nn.Module().register_buffer("forward", None),
    "rb_not_tensor": lambda lib: lib.nn.Module().register_buffer("b", 5),
    "rb_exists_param": _on(lambda lib, n: n.fc1.register_buffer("weight", t(lib, [1.0]))),
    # add_module
    "am_not_module": lambda lib: lib.nn.Module().add_module("m", 5),
    "am_class": lambda lib: lib.nn.Module().add_module("m", list),
    "am_not_str": lambda lib: lib.nn.Module().add_module(3, lib.nn.Module()),
    "am_dot": lambda lib: lib.nn.Module().add_module("a.b", lib.nn.Module()),
    "am_empty": lambda lib: lib.nn.Module().add_module("", lib.nn.Module()),
    "am_exists": lambda lib: lib.nn.Module().add_module("training", lib.nn.Module()),
    "rm_alias": lambda lib: lib.nn.Module().register_module("a.b", lib.nn.Module()),
    # lookups
    "getattr_missing": _on(lambda lib, n: n.nope),
    "delattr_param": _on(
        lambda lib, n: (delattr(n.fc1, "bias"), [k for k, _ in n.fc1.named_parameters()])[1]
    ),
    "delattr_buffer": _on(
        lambda lib, n: (delattr(n.block[1], "scratch"), [k for k, _ in n.block.named_buffers()])[1]
    ),
    "delattr_module": _on(
        lambda lib, n: (delattr(n, "act"), [k for k, _ in n.named_children()])[1]
    ),
    "delattr_plain": _on(lambda lib, n: (delattr(n, "cfg"), hasattr(n, "cfg"))[1]),
    "delattr_missing": _on(lambda lib, n: delattr(n, "nope")),
    "submodule_missing": _on(lambda lib, n: n.get_submodule("block.7")),
    "submodule_not_module": _on(lambda lib, n: n.get_submodule("fc1.weight")),
    "parameter_missing": _on(lambda lib, n: n.get_parameter("fc1.nope")),
    "parameter_not_param": _on(lambda lib, n: n.get_parameter("fc1.n_in")),
    "parameter_bad_path": _on(lambda lib, n: n.get_parameter("zz.weight")),
    "buffer_not_buffer": _on(lambda lib, n: n.get_buffer("fc1.weight")),
    "buffer_missing": _on(lambda lib, n: n.get_buffer("block.1.nope")),
    "set_submodule": _on(
        lambda lib, n: (n.set_submodule("block.2", lib.nn.Sequential()), repr(n.block))[1]
    ),
    "set_submodule_empty": _on(lambda lib, n: n.set_submodule("", lib.nn.Module())),
    "set_submodule_not_module": _on(lambda lib, n: n.set_submodule("block.2", 3)),
    "set_submodule_strict": _on(
        lambda lib, n: n.set_submodule("block.9", lib.nn.Module(), strict=True)
    ),
    "set_submodule_param": _on(lambda lib, n: n.set_submodule("fc1.weight", lib.nn.Module())),
    # misc
    "old_register_buffer": lambda lib: _old_register_buffer(lib, True),
    "old_register_buffer_nonpersistent": lambda lib: _old_register_buffer(lib, False),
    "init_args": lambda lib: lib.nn.Module(1),
    "init_kwargs": lambda lib: lib.nn.Module(x=1),
    "no_forward": lambda lib: lib.nn.Module()(t(lib, [1.0])),
    "train_not_bool": _on(lambda lib, n: n.train("yes")),
    "to_int_dtype": _on(lambda lib, n: n.to(lib.int64)),
    "to_bad_arg": _on(lambda lib, n: n.to([1])),
    "to_bad_device": _on(lambda lib, n: n.to("float")),
    "cuda": _on(lambda lib, n: n.cuda()),
    "to_cuda": _on(lambda lib, n: n.to("cuda")),
    "to_device_obj": _on(lambda lib, n: repr(n.to(lib.device("cpu"), non_blocking=True))),
    "state_dict_positional": _on(lambda lib, n: list(n.state_dict(None, "p."))),
}


ERRORS_NOT_RAISING = {
    "none_to_param", "none_to_module", "none_to_buffer", "param_replaces_attr", "delattr_param",
    "delattr_buffer", "delattr_module", "delattr_plain", "set_submodule", "state_dict_positional",
    "plain_before_init", "old_register_buffer", "to_device_obj",
}


@pytest.mark.filterwarnings("ignore:Positional args are being deprecated")
@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_match_torch(case):
    fn = ERROR_CASES[case]
    expected, got = both(lambda lib: outcome(fn, lib))
    assert (expected[0] == "ok") == (case in ERRORS_NOT_RAISING)
    assert got == expected
