"""The networks ``numtorch train`` builds, for either backend (numtorch or PyTorch).

Every model is an ``nn.Sequential`` ending in ``nn.LogSoftmax(dim=1)``: its output is
log-probabilities, and the loss is ``nn.NLLLoss`` (together, the cross-entropy).

* ``mlp`` -- the guide's network: ``Flatten -> [Linear -> activation] * len(hidden) -> Linear``.
* ``cnn`` -- for images ``(C, H, W)``: per entry of ``channels``,
  ``Conv2d(3x3, padding 1) -> activation -> MaxPool2d(2)`` (the pooling only while the
  image is at least 2 x 2), then ``Flatten`` and the MLP head above.

The backend module is passed in (``torch``), so the very same code builds the same network
in numtorch and in PyTorch; with the same ``torch.manual_seed`` both draw the same weights.
"""

from __future__ import annotations

import math

from numtorch.cli.errors import CLIError

__all__ = ["build_model", "parameter_table", "format_parameter_table", "ACTIVATIONS"]

# the activation names the CLI takes -> the backend's nn class names
ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "gelu": "GELU",
               "silu": "SiLU", "leaky_relu": "LeakyReLU", "elu": "ELU"}


def build_model(torch, model_cfg: dict, input_shape: tuple[int, ...], num_classes: int):
    """The network described by ``model_cfg``, built with the backend module ``torch``.

    Args:
        torch: ``numtorch`` or the real ``torch`` module.
        model_cfg: ``{"kind": "mlp"|"cnn", "hidden": [int, ...], "activation": str}``, and for
            the CNN ``"channels": [int, ...]`` (default ``[16, 32]``).
        input_shape: one sample's shape, e.g. ``(1, 8, 8)`` or ``(13,)``.
        num_classes: the number of outputs.

    Returns:
        An ``nn.Sequential`` whose output is ``(N, num_classes)`` log-probabilities.

    Raises:
        CLIError: an unknown kind or activation, or a CNN asked of non-image data.

    Example:
        >>> import numtorch
        >>> m = build_model(numtorch, {"kind": "mlp", "hidden": [32], "activation": "tanh"},
        ...                 (1, 8, 8), 10)
        >>> [type(layer).__name__ for layer in m]
        ['Flatten', 'Linear', 'Tanh', 'Linear', 'LogSoftmax']
    """
    nn = torch.nn
    kind = model_cfg.get("kind", "mlp")
    activation = model_cfg.get("activation", "tanh")
    if activation not in ACTIVATIONS:
        raise CLIError(f"unknown activation {activation!r} "
                       f"(choose from {', '.join(ACTIVATIONS)})")
    act = getattr(nn, ACTIVATIONS[activation])
    hidden = [int(h) for h in model_cfg.get("hidden", [])]
    shape = tuple(int(s) for s in input_shape)
    layers = []
    if kind == "cnn":
        if len(shape) != 3:
            raise CLIError(f"--model cnn needs image data (C, H, W); this dataset's samples "
                           f"have shape {shape}")
        c, h, w = shape
        for width in model_cfg.get("channels", [16, 32]):
            layers += [nn.Conv2d(c, int(width), kernel_size=3, padding=1), act()]
            if h >= 2 and w >= 2:
                layers.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            c = int(width)
        features = c * h * w
    elif kind == "mlp":
        features = math.prod(shape)
    else:
        raise CLIError(f"unknown model {kind!r} (choose from mlp, cnn)")
    layers.append(nn.Flatten())
    for width in hidden:
        layers += [nn.Linear(features, width), act()]
        features = width
    layers += [nn.Linear(features, int(num_classes)), nn.LogSoftmax(dim=1)]
    return nn.Sequential(*layers)


def parameter_table(model) -> list[tuple[str, tuple, int]]:
    """``(name, shape, count)`` for each of ``model``'s parameters, in registration order."""
    return [(name, tuple(p.shape), int(p.numel())) for name, p in model.named_parameters()]


def format_parameter_table(model) -> str:
    """The parameter table as text: one line per tensor, then the total.

    Example::

        parameters (weights):
          1.weight  Linear  64x64  4,096
          1.bias    Linear     64     64
          3.weight  Linear  10x64    640
          3.bias    Linear     10     10
          total                    4,810
    """
    rows = parameter_table(model)
    modules = dict(model.named_modules())
    cells = []
    for name, shape, count in rows:
        owner = modules.get(name.rpartition(".")[0])
        layer = type(owner).__name__ if owner is not None else ""
        cells.append((name, layer, "x".join(map(str, shape)), f"{count:,}"))
    total = f"{sum(r[2] for r in rows):,}"
    w = [max([len(c[i]) for c in cells] + [5]) for i in range(3)]
    wc = max([len(c[3]) for c in cells] + [len(total)])
    lines = ["parameters (weights):"]
    lines += [f"  {n:<{w[0]}}  {layer:<{w[1]}}  {s:>{w[2]}}  {c:>{wc}}" for n, layer, s, c in cells]
    lines.append(f"  {'total':<{w[0] + w[1] + w[2] + 4}}  {total:>{wc}}")
    return "\n".join(lines)
