"""GPT training-step speed: numtorch against PyTorch, side by side.

The model is ``examples/gpt/model.py`` itself (4 layers, 4 heads, width 128, context 64, a
vocabulary of 65 characters), loaded once with ``torch`` bound to numtorch and once to PyTorch.
One step = forward on a batch of 32 windows with the cross-entropy loss, backward,
``clip_grad_norm_(1.0)``, AdamW step (decay and no-decay parameter groups) and
``zero_grad(set_to_none=True)``: the loop of ``examples/gpt/train.py``.  Both libraries run at
one thread, several rounds interleaved; the report gives medians (wall-clock and CPU ms per
step) and the ratios numtorch / PyTorch.  ``--profile N`` then prints the top ``N`` functions of
a cProfile of numtorch's step.

    python benchmarks/gpt.py [--steps 10] [--rounds 5] [--batch 32] [--profile 25]

Run it with ``OPENBLAS_NUM_THREADS=1`` (set here before NumPy loads when unset).
"""

from __future__ import annotations

import argparse
import builtins
import os
import pathlib
import sys
import types

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from cnn import cpu_model, load, print_race, profile, race  # noqa: E402 (benchmarks/cnn.py)

MODEL = HERE.parent / "examples" / "gpt" / "model.py"


def model_module(lib: str) -> types.ModuleType:
    """``examples/gpt/model.py`` executed with ``import torch...`` giving ``lib``'s modules
    (``"numtorch"`` or ``"pytorch"``), so both libraries run the very same source."""
    real_import = builtins.__import__

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        if lib == "numtorch" and level == 0 and (name == "torch" or name.startswith("torch.")):
            name = "numtorch" + name[len("torch"):]
        return real_import(name, globals, locals, fromlist, level)

    name = f"_gpt_model_{lib}"
    mod = types.ModuleType(name)
    mod.__file__ = str(MODEL)
    mod.__builtins__ = {**vars(builtins), "__import__": _import}
    sys.modules[name] = mod  # dataclasses look their module up
    exec(compile(MODEL.read_text(), str(MODEL), "exec"), mod.__dict__)
    return mod


def library_step(lib: str, L, batch: int, block: int, n_layer: int, n_head: int, n_embd: int):
    """One training step of the example GPT in ``L`` (numtorch or PyTorch)."""
    M = model_module(lib)
    L.manual_seed(0)
    config = M.GPTConfig(block_size=block, vocab_size=65, n_layer=n_layer, n_head=n_head,
                         n_embd=n_embd)
    model = M.GPT(config)
    with open(os.devnull, "w") as quiet:  # configure_optimizers prints the group sizes
        stdout, sys.stdout = sys.stdout, quiet
        try:
            opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99), "cpu")
        finally:
            sys.stdout = stdout
    x = L.randint(0, 65, (batch, block))
    y = L.randint(0, 65, (batch, block))
    model.train()

    def step():
        _, loss = model(x, y)
        loss.backward()
        L.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss
    return step


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--block", type=int, default=64)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=128)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="print the top N functions of a profile of numtorch's step")
    args = ap.parse_args(argv)
    names = ["numtorch"]
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is not None:
            names.append("pytorch")
    except ImportError:
        pass
    libs = {lib: load(lib) for lib in names}
    if "pytorch" not in libs:
        print("PyTorch not installed: numtorch alone")
    shape = (args.batch, args.block, args.n_layer, args.n_head, args.n_embd)
    steps = {lib: library_step(lib, L, *shape) for lib, L in libs.items()}
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, torch threads 1")
    print(f"GPT {args.n_layer} layers, {args.n_head} heads, width {args.n_embd}, context "
          f"{args.block}, batch {args.batch}; {args.rounds} rounds x {args.steps} steps")
    med, cpu = race(steps, args.rounds, args.steps)
    figures = print_race(med, cpu)
    if args.profile:
        profile(steps["numtorch"], args.profile)
    return figures


if __name__ == "__main__":
    main()
