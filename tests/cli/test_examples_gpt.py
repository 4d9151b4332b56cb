"""The language-model examples (``examples/gpt/``, ``examples/char_lstm/``) follow PyTorch.

Each example script imports ``torch`` only.  Here the very same files run twice in this
process, once with ``torch`` bound to PyTorch and once to numtorch (``_load``: the module's
own ``__import__`` maps ``torch`` and ``torch.*`` to ``numtorch`` and ``numtorch.*``), from the
same seed, and the training losses are compared step by step; then each runs under
``python -m numtorch run`` as an unmodified script, and what it prints is compared with what
the PyTorch run printed.

NOTE [ comparing generated text ]
A sampled character is ``torch.multinomial(probs, 1)``: PyTorch draws exponential variates
``q`` and takes ``argmax(probs / q)``, and numtorch draws the same ``q``.  In float32 the two
libraries' ``probs`` differ by a few ulps (BLAS summation order), so a draw flips whenever two
candidates' ``probs / q`` are within that distance: rare, but possible on some CPU for some
seed, and a flipped draw changes the rest of the text.  The samples are therefore compared in
float64 (``--dtype float64``), where the logits agree to ~1e-15 and such a tie does not happen
in practice; float32 runs are compared by their losses only.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import pathlib
import re
import subprocess
import sys
import types

import pytest
from support.printed import assert_same_printout

torch = pytest.importorskip("torch")
import numtorch  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
GPT_DIR = ROOT / "examples" / "gpt"
LSTM_SCRIPT = ROOT / "examples" / "char_lstm" / "train.py"

# A tiny GPT (2 layers, 2 heads, width 32, context 16, batch 4), so each step is quick.
TINY_GPT = ["--n-layer", "2", "--n-head", "2", "--n-embd", "32", "--block-size", "16",
            "--batch-size", "4", "--warmup-iters", "5", "--log-interval", "0"]
TINY_LSTM = ["--embed", "16", "--hidden", "32", "--seq-len", "16", "--batch-size", "4",
             "--log-interval", "0"]


def _load(path: pathlib.Path, lib: str, modules: dict | None = None) -> types.ModuleType:
    """Execute the script ``path`` as a module whose ``import torch...`` gives ``lib``
    (``"torch"`` or ``"numtorch"``) and whose ``import X`` gives ``modules[X]`` where listed."""
    modules = modules or {}
    real_import = builtins.__import__

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name in modules:
            return modules[name]
        if level == 0 and lib == "numtorch" and (name == "torch" or name.startswith("torch.")):
            name = "numtorch" + name[len("torch"):]
        return real_import(name, globals, locals, fromlist, level)

    name = f"_example_{path.parent.name}_{path.stem}_{lib}"
    mod = types.ModuleType(name)
    mod.__file__ = str(path)
    mod.__builtins__ = {**vars(builtins), "__import__": _import}
    sys.modules[name] = mod  # dataclasses look their module up
    try:
        exec(compile(path.read_text(), str(path), "exec"), mod.__dict__)
    finally:
        del sys.modules[name]
    return mod


def _lib(lib: str):
    return numtorch if lib == "numtorch" else torch


@contextlib.contextmanager
def _one_torch_thread():
    """PyTorch at one thread meanwhile: its thread pool's hand-offs cost ~1 ms an op on a loaded
    2-core machine, 40x the tiny models' own work (the values agree either way)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _main(script: pathlib.Path, lib: str, argv: list[str]) -> tuple[dict, str]:
    """``script``'s ``main(argv)`` under ``lib``: (its history, what it printed).  The default
    dtype it sets is put back afterwards."""
    modules = {}
    if script.parent == GPT_DIR:
        modules["model"] = _load(GPT_DIR / "model.py", lib)
    mod = _load(script, lib, modules)
    L = _lib(lib)
    assert mod.torch is L
    before = L.get_default_dtype()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), _one_torch_thread():
            history = mod.main(argv)
    finally:
        L.set_default_dtype(before)
    return history, out.getvalue()


def _runner(script: pathlib.Path, argv: list[str]) -> str:
    """What ``python -m numtorch run script argv`` prints (it must succeed)."""
    proc = subprocess.run([sys.executable, "-m", "numtorch", "run", str(script), *argv],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _without_times(text: str) -> str:
    return re.sub(r", time \d+ms", "", text)


def _assert_curves_close(ours: list[float], theirs: list[float], rtol: float) -> None:
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert abs(a - b) <= rtol * abs(b), f"step {step}: numtorch {a!r}, PyTorch {b!r}"


# -- the GPT --------------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [[], ["--no-bias", "--grad-accum", "2", "--grad-clip", "0.5"],
                                   ["--dropout", "0.1"]],
                         ids=["bias", "no-bias-accum", "dropout"])
def test_gpt_first_20_steps_follow_pytorch(extra):
    """float32, same seed: the same initial weights, batches, dropout masks (in the attention
    too) and AdamW steps, so the training loss of each of the first 20 steps (and the evaluated
    losses) agree within float32 rounding accumulated over the steps."""
    argv = [*TINY_GPT, *extra, "--max-iters", "20", "--eval-interval", "10", "--eval-iters", "2",
            "--sample-tokens", "0"]
    ours, out = _main(GPT_DIR / "train.py", "numtorch", argv)
    theirs, out_t = _main(GPT_DIR / "train.py", "torch", argv)
    _assert_curves_close(ours["loss"], theirs["loss"], rtol=2e-5)
    assert [e[0] for e in ours["eval"]] == [0, 10, 20]
    _assert_curves_close([x for e in ours["eval"] for x in e[1:]],
                         [x for e in theirs["eval"] for x in e[1:]], rtol=2e-5)
    assert theirs["loss"][-1] < theirs["loss"][0] - 0.3  # it does learn
    assert_same_printout(_without_times(out), _without_times(out_t))


@_one_torch_thread()
def test_gpt_model_pieces_match_pytorch():
    """Weight tying shares one Parameter, the parameter groups split as PyTorch's do, and the
    spelled-out attention (the path taken without ``scaled_dot_product_attention``) gives the
    fused one's logits."""
    logits = {}
    for lib in ("numtorch", "torch"):
        M, L = _load(GPT_DIR / "model.py", lib), _lib(lib)
        assert M.torch is L and M.F is L.nn.functional
        L.manual_seed(0)
        model = M.GPT(M.GPTConfig(block_size=16, vocab_size=67, n_layer=2, n_head=2, n_embd=32))
        assert model.transformer.wte.weight is model.lm_head.weight
        assert model.get_num_params() == sum(p.numel() for p in model.parameters()) - 16 * 32
        with contextlib.redirect_stdout(io.StringIO()):
            opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99), "cpu")
        # decayed: wte, wpe and 4 matrices per block; not decayed: the rest
        assert [len(g["params"]) for g in opt.param_groups] == [10, 18]
        assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0]
        idx = L.randint(67, (3, 16))
        fused = model(idx)[0]
        for block in model.transformer.h:  # switch every block to the spelled-out attention
            block.attn.flash = False
            block.attn.register_buffer("bias", L.tril(L.ones(16, 16)).view(1, 1, 16, 16),
                                       persistent=False)
        spelled = model(idx)[0]
        assert "transformer.h.0.attn.bias" not in model.state_dict()
        assert (spelled - fused).abs().max().item() < 1e-5
        logits[lib] = spelled.detach().numpy()
    assert abs(logits["numtorch"] - logits["torch"]).max() < 1e-5


def test_gpt_runs_unmodified_under_the_runner_and_samples_as_pytorch():
    """``python -m numtorch run examples/gpt/train.py`` prints what the script prints under
    PyTorch: the losses and, in float64, the very same generated text (NOTE [ comparing
    generated text ])."""
    argv = [*TINY_GPT, "--dtype", "float64", "--max-iters", "6", "--eval-interval", "3",
            "--eval-iters", "2", "--log-interval", "2", "--sample-tokens", "80",
            "--temperature", "0.9", "--top-k", "20"]
    theirs, out_t = _main(GPT_DIR / "train.py", "torch", argv)
    out = _runner(GPT_DIR / "train.py", argv)
    assert_same_printout(_without_times(out), _without_times(out_t))
    assert out.rstrip().endswith(theirs["sample"].rstrip())
    assert len(theirs["sample"]) == 81


# -- the character-level LSTM ----------------------------------------------------------------

needs_lstm = pytest.mark.skipif(not hasattr(numtorch.nn, "LSTM"), reason="nn.LSTM not yet here")


@needs_lstm
@pytest.mark.parametrize("extra", [[], ["--dropout", "0.2"]], ids=["plain", "dropout"])
def test_char_lstm_first_steps_follow_pytorch(extra):
    """float32, same seed: the LSTM's initial weights, the batches, the dropout masks between
    its layers and the Adam steps are PyTorch's, so the losses agree step by step."""
    argv = [*TINY_LSTM, *extra, "--max-iters", "10", "--eval-interval", "5", "--eval-iters", "2",
            "--sample-tokens", "0"]
    ours, _ = _main(LSTM_SCRIPT, "numtorch", argv)
    theirs, _ = _main(LSTM_SCRIPT, "torch", argv)
    _assert_curves_close(ours["loss"], theirs["loss"], rtol=2e-5)
    _assert_curves_close([x for e in ours["eval"] for x in e[1:]],
                         [x for e in theirs["eval"] for x in e[1:]], rtol=2e-5)


@needs_lstm
def test_char_lstm_runs_unmodified_under_the_runner_and_samples_as_pytorch():
    """Under ``python -m numtorch run`` the script prints what it prints under PyTorch, the
    float64 sample included (NOTE [ comparing generated text ])."""
    argv = [*TINY_LSTM, "--dtype", "float64", "--max-iters", "4", "--eval-interval", "2",
            "--eval-iters", "2", "--log-interval", "1", "--sample-tokens", "60"]
    _, out_t = _main(LSTM_SCRIPT, "torch", argv)
    assert_same_printout(_runner(LSTM_SCRIPT, argv), out_t)
