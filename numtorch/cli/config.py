"""``numtorch train``'s settings: defaults, a TOML file, flags, validated into one dict.

NOTE [ Where a setting comes from ]
Each setting has a default (``DEFAULTS``); a TOML file given with ``--config`` replaces
defaults; a flag typed on the command line replaces both.  The flags' own argparse default
is ``None`` ("not given"), so a flag that was not typed never hides the file's value.
The result, :func:`resolve`, is the *resolved configuration*: every setting with its final
value, validated, printed at the start of a run and saved as ``RUN_DIR/config.json`` and
in every checkpoint.  Weights are not settings: they are reported apart (the parameter
table of :mod:`numtorch.cli.models`).

The TOML file holds the same names as the flags, with ``_`` or ``-``::

    dataset = "digits"
    hidden = [128, 64]
    activation = "relu"
    lr = 0.05
    epochs = 10

and, optionally, a ``[model]`` table (``kind``, ``hidden``, ``activation``, ``channels``).
An unknown key is an error, so a typo never goes unnoticed.
"""

from __future__ import annotations

import math
import os

from numtorch.cli.errors import CLIError

__all__ = ["DEFAULTS", "CHOICES", "SETTINGS", "RESUME_OVERRIDABLE", "read_toml", "resolve",
           "finish", "flatten", "model_config"]

# the default run: the guide's network on the bundled digits, offline, well under a minute
DEFAULTS: dict = {
    "dataset": "digits",
    "root": None,
    "target": None,
    "val_fraction": 0.2,
    "model": "mlp",
    "hidden": [64],
    "activation": None,          # tanh for the MLP, relu for the CNN
    "channels": [16, 32],        # the CNN's convolution widths
    "optimizer": "sgd",
    "lr": 0.1,
    "momentum": 0.0,
    "nesterov": False,
    "betas": [0.9, 0.999],
    "weight_decay": None,        # the optimizer's own default (0; AdamW 0.01)
    "scheduler": "none",
    "step_size": 5,
    "gamma": 0.1,
    "min_lr": 0.0,
    "epochs": 20,
    "batch_size": 32,
    "seed": 0,
    "num_workers": 0,
    "backend": "numtorch",
    "run_dir": None,             # runs/<timestamp>-<dataset>
}

SETTINGS = tuple(DEFAULTS)

CHOICES: dict = {
    "model": ("mlp", "cnn"),
    "activation": ("tanh", "relu", "sigmoid", "gelu", "silu", "leaky_relu", "elu"),
    "optimizer": ("sgd", "adam", "adamw"),
    "scheduler": ("none", "step", "exponential", "cosine"),
    "backend": ("numtorch", "torch"),
}

# the settings a resumed run may change: where the data lives, how many epochs in all, how
# many loader workers; anything else would not continue the same run
RESUME_OVERRIDABLE = ("root", "epochs", "num_workers")

_TYPES: dict = {
    "dataset": str, "root": str, "target": str, "val_fraction": float, "model": str,
    "hidden": "ints", "activation": str, "channels": "ints", "optimizer": str, "lr": float,
    "momentum": float, "nesterov": bool, "betas": "floats2", "weight_decay": float,
    "scheduler": str, "step_size": int, "gamma": float, "min_lr": float, "epochs": int,
    "batch_size": int, "seed": int, "num_workers": int, "backend": str, "run_dir": str,
}


def read_toml(path: str) -> dict:
    """The settings in the TOML file ``path``, names normalised (``-`` -> ``_``).

    Raises:
        CLIError: the file is missing or not valid TOML, or a key is not a setting.
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise CLIError("--config needs Python 3.11 or later (tomllib)") from None
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise CLIError(f"config file not found: {path}") from None
    except OSError as e:
        raise CLIError(f"cannot read config file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise CLIError(f"config file {path} is not valid TOML: {e}") from None
    out: dict = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name == "model" and isinstance(value, dict):
            for sub, v in value.items():
                sub_name = {"kind": "model"}.get(sub.replace("-", "_"), sub.replace("-", "_"))
                if sub_name not in ("model", "hidden", "activation", "channels"):
                    raise CLIError(f"unknown key 'model.{sub}' in {path} (the [model] table "
                                   "takes kind, hidden, activation, channels)")
                out[sub_name] = v
            continue
        if name not in DEFAULTS:
            raise CLIError(f"unknown key {key!r} in {path} (known keys: "
                           f"{', '.join(SETTINGS)})")
        out[name] = value
    return out


def _typed(name: str, value, where: str):
    """``value`` checked against the setting's type (TOML values arrive as Python values)."""
    if value is None:
        return None
    kind = _TYPES[name]
    bad = CLIError(f"{where}: {name} must be {_describe(kind)}, got {value!r}")
    if kind in ("ints", "floats2"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise bad
        item = int if kind == "ints" else float
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise bad
            if item is int and (isinstance(v, float) and not v.is_integer()):
                raise bad
            out.append(item(v))
        if kind == "floats2" and len(out) != 2:
            raise bad
        return out
    if kind is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return float(value)
    if not isinstance(value, str):
        raise bad
    return value


def _describe(kind) -> str:
    return {"ints": "a list of integers", "floats2": "two numbers", bool: "true or false",
            int: "an integer", float: "a number", str: "a string"}[kind]


def _check(cfg: dict) -> None:
    """Raise CLIError naming the first setting whose value is out of range."""
    for name, options in CHOICES.items():
        if cfg[name] is not None and cfg[name] not in options:
            raise CLIError(f"unknown {name} {cfg[name]!r} (choose from {', '.join(options)})")

    def need(ok: bool, msg: str) -> None:
        if not ok:
            raise CLIError(msg)

    finite = math.isfinite
    need(finite(cfg["lr"]) and cfg["lr"] > 0, f"learning rate must be positive, got {cfg['lr']}")
    need(cfg["batch_size"] > 0, f"batch size must be positive, got {cfg['batch_size']}")
    need(cfg["epochs"] > 0, f"epochs must be positive, got {cfg['epochs']}")
    need(cfg["num_workers"] >= 0, f"num_workers must be >= 0, got {cfg['num_workers']}")
    need(0 <= cfg["val_fraction"] < 1,
         f"val_fraction must be in [0, 1), got {cfg['val_fraction']}")
    need(finite(cfg["momentum"]) and cfg["momentum"] >= 0,
         f"momentum must be >= 0, got {cfg['momentum']}")
    need(cfg["optimizer"] == "sgd" or cfg["momentum"] == 0,
         f"momentum is an SGD setting; {cfg['optimizer']} uses betas")
    need(not cfg["nesterov"] or (cfg["optimizer"] == "sgd" and cfg["momentum"] > 0),
         "nesterov needs --optimizer sgd with a positive momentum")
    need(cfg["weight_decay"] >= 0 and finite(cfg["weight_decay"]),
         f"weight decay must be >= 0, got {cfg['weight_decay']}")
    need(all(0 <= b < 1 for b in cfg["betas"]), f"betas must be in [0, 1), got {cfg['betas']}")
    need(cfg["step_size"] > 0, f"step_size must be positive, got {cfg['step_size']}")
    need(finite(cfg["gamma"]) and cfg["gamma"] > 0, f"gamma must be positive, got {cfg['gamma']}")
    need(finite(cfg["min_lr"]) and cfg["min_lr"] >= 0,
         f"min_lr must be >= 0, got {cfg['min_lr']}")
    need(all(h > 0 for h in cfg["hidden"]),
         f"hidden layer sizes must be positive, got {cfg['hidden']}")
    need(all(c > 0 for c in cfg["channels"]) and len(cfg["channels"]) > 0,
         f"channels must be positive, got {cfg['channels']}")
    need(bool(cfg["dataset"]), "dataset must not be empty")


def resolve(file_values: dict | None, flag_values: dict, where: str = "flags") -> dict:
    """The resolved configuration: defaults < the TOML file < the flags typed.

    Args:
        file_values: :func:`read_toml`'s dict, or None without ``--config``.
        flag_values: the flags typed (name -> value; names not typed are absent or None).
        where: the config file's name, for messages.

    Returns:
        Every setting in ``SETTINGS`` with its final value, plus ``"model"`` replaced by the
        model's dict (:func:`model_config`), ready to print and to save as JSON.

    Raises:
        CLIError: a value of the wrong type or out of range (one line, naming it).
    """
    cfg = dict(DEFAULTS)
    for name, value in (file_values or {}).items():
        cfg[name] = _typed(name, value, where)
    for name, value in flag_values.items():
        if value is not None:
            cfg[name] = _typed(name, value, "flag --" + name.replace("_", "-"))
    if cfg["activation"] is None:
        cfg["activation"] = "relu" if cfg["model"] == "cnn" else "tanh"
    if cfg["weight_decay"] is None:
        cfg["weight_decay"] = 0.01 if cfg["optimizer"] == "adamw" else 0.0
    _check(cfg)
    if cfg["root"] is not None:
        cfg["root"] = os.path.abspath(cfg["root"])
    return finish(cfg)


def finish(cfg: dict) -> dict:
    """Fold the model settings into the ``"model"`` dict that ``models.build_model`` takes."""
    out = {k: v for k, v in cfg.items() if k not in ("hidden", "activation", "channels")}
    out["model"] = model_config(cfg)
    return out


def model_config(cfg: dict) -> dict:
    """``{"kind", "hidden", "activation"[, "channels"]}`` from flat settings."""
    model = {"kind": cfg["model"], "hidden": list(cfg["hidden"]),
             "activation": cfg["activation"]}
    if cfg["model"] == "cnn":
        model["channels"] = list(cfg["channels"])
    return model


def flatten(cfg: dict) -> dict:
    """A resolved configuration back in flag names (``model`` a kind again), for re-resolving
    with overrides on ``--resume``."""
    out = {k: v for k, v in cfg.items() if k != "model"}
    model = cfg["model"]
    out["model"] = model["kind"]
    out["hidden"] = list(model["hidden"])
    out["activation"] = model["activation"]
    out["channels"] = list(model.get("channels", DEFAULTS["channels"]))
    return out
